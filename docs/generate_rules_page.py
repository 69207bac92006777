"""Generate ``docs/rules.md`` from the rulebooks.

Usage::

    python docs/generate_rules_page.py           # write the files
    python docs/generate_rules_page.py --check   # exit 1 if a file differs from what it would be

The page is built from the shipped rules only (``linkage.rules.default_rules()``: law
2021-2027 and the 2028-2030 scenario rulebook) and the rulebook schema
(``linkage.rules.schema()``). Nothing machine-specific (paths, dates) goes into the output, so
the page is identical wherever it is generated. The rule keys of ``docs/glossary.md`` are
written by ``docs/generate_glossary.py`` (which groups them with :func:`_collect` as here).
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path

from linkage.accounting import cafc_model_target, round_half_up
from linkage.data import miit_annual
from linkage.rules import STATUSES, default_rules, schema

DOCS = Path(__file__).resolve().parent
RULES_PAGE = DOCS / "rules.md"


def _cell(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _number(x: object) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        s = repr(x)
        return s[:-2] if s.endswith(".0") else s
    return str(x)


def _value(v: object) -> str:
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_number(x) for x in v) + "]"
    return _number(v)


def _runs(years: Iterable[int]) -> str:
    """``[2021, 2022, 2023, 2025]`` -> ``"2021-2023, 2025"``."""
    ys = sorted({int(y) for y in years})
    runs: list[list[int]] = []
    for y in ys:
        if runs and y == runs[-1][1] + 1:
            runs[-1][1] = y
        else:
            runs.append([y, y])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def _file_head(path: str) -> dict[str, str]:
    with open(path, "rb") as fh:
        head = tomllib.load(fh).get("rulebook", {})
    return {"family": str(head.get("family", Path(path).stem)),
            "title": str(head.get("title", "")),
            "span": "years" if "years" in head and "based_on" not in head else ""}


def _relative(path: str) -> str:
    """Path of a shipped rulebook inside the repository (independent of the install)."""
    parts = Path(path).parts
    i = len(parts) - 1 - parts[::-1].index("data")
    return "/".join(("linkage", "rules", "data", *parts[i + 1:]))


def _collect() -> tuple[list[dict], dict[str, dict[str, str]], dict[str, str]]:
    """Rows (one per parameter entry and its effective years), families, key -> family."""
    frame = default_rules().to_frame()
    heads = {f: _file_head(f) for f in frame["file"].unique()}
    key_family: dict[str, str] = {}
    families: dict[str, dict[str, str]] = {}
    files = [f for f in frame["file"].unique() if heads[f]["family"] != "scenario"]
    for f in files:  # load order: law files (the scenario file is skipped)
        head = heads[f]
        families.setdefault(head["family"], {"title": head["title"], "file": _relative(f)})
    # a key belongs to the first topical file defining it; files declaring a span of years
    # (the 2019-2020 backcast rulebook) only claim the keys no topical file defines
    for f in sorted(files, key=lambda f: bool(heads[f]["span"])):
        for key in frame.loc[frame["file"] == f, "key"].unique():
            key_family.setdefault(key, heads[f]["family"])
    families = {fam: info for fam, info in families.items() if fam in key_family.values()}
    groups: dict[tuple, list[int]] = {}
    for r in frame.itertuples(index=False):
        ident = (r.key, _value(r.value), r.unit, r.status, r.source, r.file, r.first_year,
                 r.last_year)
        groups.setdefault(ident, []).append(int(r.year))
    rows = []
    for (key, value, unit, status, source, file, _first, _last), years in groups.items():
        rows.append({"key": key, "value": value, "unit": unit, "years": _runs(years),
                     "first": min(years), "status": status, "source": source,
                     "file": _relative(file), "family": key_family[key]})
    return rows, families, key_family


#: Reported 2030 fleet-average target of GB 27999-2025 with BEV and PHEV energy counted
#: [L/100 km, WLTC] (Xinhua, relayed by the audit: ``secondary``).
ANCHOR_2030_L_PER_100KM = 3.3
#: The fleet on which the anchor is met: MIIT's 2023 announcement (all enterprises).
ANCHOR_FLEET_YEAR = 2023
#: Curve parameters of GB 27999-2019 scaled for the provisional GB 27999-2025 curve, with the
#: decimals they are rounded to (the breakpoints and seat-row count are kept).
_SCALED = {"cafc_target.low_value": 2, "cafc_target.slope": 6, "cafc_target.pivot_value": 2,
           "cafc_target.high_value": 2, "cafc_target.many_rows_addition": 2}


def gb27999_2025_derivation() -> dict:
    """The provisional GB 27999-2025 curve and 2026-2030 phase-in, computed step by step.

    Returns
    -------
    dict
        ``mass_kg`` (average curb mass of MIIT's 2023 fleet [kg]), ``t2025`` (its target
        value under the 2025 curve [L/100 km]), ``scale`` [-] (anchor / t2025), ``curve``
        (key -> (2019 value, scaled, rounded)), ``t2030`` (the fleet's target value under the
        rounded curve [L/100 km]), ``start_ratio`` (t2025 / t2030 [-]) and ``requirement``
        (year -> (exact, rounded to 2 decimals)).

    Notes
    -----
    The phase-in is linear from the 2025 level of the 2023 fleet (``start_ratio`` x the new
    curve = the 2019 curve at 100 %) down to 100 % of the new curve in 2030:
    ``requirement(y) = 1 + (start_ratio - 1) x (2030 - y) / 5``.
    """
    m = miit_annual()
    mass = float(m.loc[(m["year"] == ANCHOR_FLEET_YEAR) & (m["group"] == "all"),
                       "avg_curb_mass_kg"].iloc[0])
    rules = default_rules()
    b2025 = rules.for_year(2025)
    t2025 = float(cafc_model_target([mass], [2], b2025)[0])
    scale = ANCHOR_2030_L_PER_100KM / t2025
    curve = {k: (float(b2025[k]), float(b2025[k]) * scale,
                 float(round_half_up(float(b2025[k]) * scale, d))) for k, d in _SCALED.items()}
    b2030 = rules.for_year(2030)
    t2030 = float(cafc_model_target([mass], [2], b2030)[0])
    start = t2025 / t2030
    requirement = {}
    for y in range(2026, 2031):
        exact = 1.0 + (start - 1.0) * (2030 - y) / 5
        requirement[y] = (exact, float(round_half_up(exact, 2)))
    return {"mass_kg": mass, "t2025": t2025, "scale": scale, "curve": curve, "t2030": t2030,
            "start_ratio": start, "requirement": requirement}


def _derivation_lines() -> list[str]:
    d = gb27999_2025_derivation()
    rules = default_rules()
    lines = [
        "## GB 27999-2025 from 2026: provisional curve and phase-in (derivation)",
        "",
        "**PROVISIONAL, NOT THE STANDARD'S VALUES.** GB 27999-2025 (issued 2025-06-30, in force "
        "2026-01-01) replaces GB 27999-2019: electricity of BEVs and PHEVs counts as fuel "
        "(GB/T 37340 fuel energy factor about 0.1131 L/kWh, `secondary`; efficiency factor "
        "unread, 1.0 `provisional`), the multipliers are removed (`secondary`), and a new "
        "curve, a conventional-vehicle CAFC and a corporate average CO2 reference value are "
        "introduced. Its curve and yearly requirement were not read. The only published "
        f"figure is the 2030 fleet average: {ANCHOR_2030_L_PER_100KM} L/100 km (WLTC) with "
        "NEV energy counted (`secondary`). The shipped rulebooks therefore scale the 2019 "
        "curve so that MIIT's 2023 fleet meets that anchor in 2030, and phase the requirement "
        "in linearly from the 2025 level. Computed by `gb27999_2025_derivation()` in "
        "`docs/generate_rules_page.py`; the test suite checks that the rulebooks hold these "
        "numbers.",
        "",
        f"1. Average curb mass of MIIT's {ANCHOR_FLEET_YEAR} fleet (all enterprises): "
        f"{d['mass_kg']:g} kg.",
        f"2. Its target value under the 2025 curve (100 %): T_2019({d['mass_kg']:g} kg) = "
        f"{d['t2025']:.4f} L/100 km.",
        f"3. Scale s = {ANCHOR_2030_L_PER_100KM} / {d['t2025']:.4f} = {d['scale']:.5f} "
        "(about a third below the 2025 level; the 'about 48 % below' also reported could "
        "not be reconciled with these figures and is not used).",
        "4. Scaled and rounded curve parameters (breakpoints 1,090 / 1,415 / 2,510 kg and "
        "three seat rows kept):",
        "",
        "| parameter | 2019 value | x s | shipped |",
        "|---|---|---|---|",
    ]
    for k, (old, exact, rounded) in d["curve"].items():
        lines.append(f"| `{k}` | {_number(old)} | {exact:.6g} | {_number(rounded)} |")
    lines += [
        "",
        f"5. Target value of the {ANCHOR_FLEET_YEAR} fleet under the shipped curve: "
        f"{d['t2030']:.4f} L/100 km (the anchor, {ANCHOR_2030_L_PER_100KM}, after rounding).",
        f"6. Start ratio {d['t2025']:.4f} / {d['t2030']:.4f} = {d['start_ratio']:.4f}; "
        "requirement(y) = 1 + (start - 1) x (2030 - y) / 5:",
        "",
        "| year | exact | shipped `cafc.requirement` | status |",
        "|---|---|---|---|",
    ]
    for y, (exact, _rounded) in d["requirement"].items():
        p = rules.for_year(y).parameter("cafc.requirement")
        lines.append(f"| {y} | {exact:.4f} | {_number(p.value)} | {p.status} |")
    lines += [
        "",
        "The 2028-2030 CAFC rows are law entries (GB 27999-2025 states targets up to 2030); "
        "the scenario rulebook fills only the keys the law leaves open (its `based_on` copies "
        "a key only into years no earlier file defines).",
        "",
    ]
    return lines


def rules_page() -> str:
    """The Markdown of ``docs/rules.md``."""
    rows, families, _ = _collect()
    keys = list(schema())
    order = {k: i for i, k in enumerate(keys)}
    counts = {s: sum(1 for r in rows if r["status"] == s) for s in STATUSES}
    years = default_rules().years
    lines = [
        "# Rule parameters (generated)",
        "",
        "<!-- GENERATED FILE: do not edit by hand. -->",
        "",
        "**This page is generated by `docs/generate_rules_page.py` from the shipped rulebooks "
        "(`linkage/rules/data/*.toml`, `linkage/rules/data/scenario/*.toml`) and the schema "
        "(`linkage/rules/data/schema.toml`). Do not edit it by hand:** change a rulebook, then "
        "run `python docs/generate_rules_page.py`. The test suite fails when this page is out "
        "of date (`python docs/generate_rules_page.py --check`).",
        "",
        f"Compliance years covered: {years[0]}-{years[-1]}. One row per parameter entry and "
        "the years in which it is the value in force (a later file overrides an earlier one "
        "for the years it names). Statuses: `official` (read in an official text), "
        "`secondary` (reputable summary), `provisional` (reconstruction, unverified), "
        "`scenario` (no law exists: the 2028-2030 rows copy the 2027 rules, raise the NEV "
        "ratio 10 points a year, and are not law; the CAFC keys of 2028-2030 are the "
        "GB 27999-2025 law entries instead, see the derivation below). See "
        "[data limits](data-limits.md) for why "
        "each provisional family is provisional, and [the glossary](glossary.md#rulebook-keys) "
        "for what each key means.",
        "",
        "Rows by status: " + ", ".join(f"{counts[s]} `{s}`" for s in STATUSES) + ".",
        "",
        "Units are those of the schema: `1` is dimensionless (a share or a factor), "
        "`L/100km` litres per 100 km, `credit/vehicle` credits per vehicle, `seat_row` a "
        "count of seat rows.",
        "",
        "Families:",
        "",
    ]
    for fam, info in families.items():
        lines.append(f"- [`{fam}`](#{fam}): {info['title']}")
    lines.append("")
    lines += _derivation_lines()
    for fam, info in families.items():
        law_files = sorted({r["file"] for r in rows if r["family"] == fam
                            and "scenario" not in Path(r["file"]).parts} | {info["file"]})
        lines += [
            f"## {fam}",
            "",
            f"{info['title']}. File: {', '.join(f'`{f}`' for f in law_files)}; 2028-2030 rows: "
            "`linkage/rules/data/scenario/nev_plus10_2028_2030.toml`.",
            "",
        ]
        fam_keys = [k for k in keys if any(r["key"] == k and r["family"] == fam for r in rows)]
        for k in fam_keys:
            spec = schema()[k]
            lines.append(f"- `{k}` [{spec['unit']}], {spec['kind']}: {spec['description']}.")
        lines += [
            "",
            "| parameter | value | unit | years | status | source |",
            "|---|---|---|---|---|---|",
        ]
        fam_rows = sorted((r for r in rows if r["family"] == fam),
                          key=lambda r: (order[r["key"]], r["first"]))
        for r in fam_rows:
            lines.append(
                f"| `{r['key']}` | {_cell(r['value'])} | {_cell(r['unit'])} | {r['years']} | "
                f"{r['status']} | {_cell(r['source'])} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/rules.md is out of date")
    args = parser.parse_args(argv)
    wanted = {RULES_PAGE: rules_page() + "\n"}
    stale = [p for p, text in wanted.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    if args.check:
        for p in stale:
            print(f"{p.relative_to(DOCS.parent)} is out of date: run "
                  "python docs/generate_rules_page.py", file=sys.stderr)
        return 1 if stale else 0
    for p in stale:
        p.write_text(wanted[p], encoding="utf-8")
        print(f"wrote {p.relative_to(DOCS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
