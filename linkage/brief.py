"""The policy brief: the library's main job, end to end, organised around decisions.

:func:`make_brief` runs on the bundled defaults (MIIT history, the backcast, the calibrated
illustrative industry with its technology options, the CEA price history, the conversion
presets, the shipped ETS side) or on a scenario file, and writes ``brief.html``
(self-contained: charts embedded), ``brief.md`` (charts beside it), every chart as PNG and SVG
and every table as CSV. Every number in the text is computed here, from the library's API;
nothing is typed in.

Sections: key findings; history 2016-2024 and the backcast; the 2026-2030 outlook under the
rules in force (bands from a small seeded Monte Carlo); linkage designs (NEV price, industry
cost, net CO2 and integrity gap across CEA price x exchange rate x offset limit); winners and
losers among the illustrative enterprises; one enterprise's least-cost plan with and without a
link; an appendix of every provisional rule parameter and assumption used.
"""

from __future__ import annotations

import base64
import html
import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conversions import get_basis, list_bases, nev_credit_prices, tonnes_per_credit
from linkage.console import progress_bar
from linkage.data import miit_annual
from linkage.industry import illustrative_industry
from linkage.industry.technology import industry_technology
from linkage.outputs import OutputDir
from linkage.rules import ParameterLog, default_rules, record_lookups
from optimize import backcast, industry_scenario_document, parse_scenario, solve_enterprise
from optimize.industry import IndustryModel
from optimize.scenario import read_scenario_document

__all__ = ["DESIGNS", "Brief", "make_brief"]

#: Linkage designs compared: name -> (CEA surrender against deficits, credit offsets sold).
DESIGNS: dict[str, tuple[bool, bool]] = {
    "no linkage": (False, False),
    "CEA -> credits": (True, False),
    "credits -> ETS offsets": (False, True),
    "both ways": (True, True),
}
#: CEA prices of the linkage grid [CNY/t CO2e]; the central one is CEA_CENTRAL.
CEA_PRICES = (50.0, 100.0, 200.0)
CEA_CENTRAL = 100.0
#: Policy exchange rates of the linkage grid [t CO2e per credit]; ``None`` is the basis's own
#: physical rate (no integrity gap), the central case.
POLICY_T_PER_CREDIT: tuple[float | None, ...] = (2.0, None, 8.0)
#: Offset-use limits of the grid [share of covered emissions]; 0.05 is the sourced default
#: (the CCER rule, ``conversions.ets_side``).
OFFSET_LIMIT_SHARES = (0.02, 0.05, 0.10)
OFFSET_LIMIT_DEFAULT = 0.05
#: Years of the outlook (rules in force: GB 27999-2025 from 2026).
OUTLOOK_YEARS = (2026, 2027, 2028, 2029, 2030)
#: The seeded Monte Carlo of the outlook: draws, seed, NEV requirement scale range, technology
#: cost scale range (uniform).
MC_DRAWS, MC_SEED = 12, 2026
MC_NEV_SCALE, MC_COST_SCALE = (0.8, 1.2), (0.7, 1.3)
#: The technology options that replace a conventional vehicle (their NEV effect includes the
#: requirement ratio; ``linkage.industry.technology``).
SHIFT_OPTIONS = ("ICE -> BEV", "ICE -> PHEV")
#: Penalty per uncovered credit in the default industry runs [CNY/credit].
PENALTY_CNY_PER_CREDIT = 5000.0
#: Basis of the physical CO2 of a credit where the scenario names none.
DEFAULT_BASIS = "ttw-real-world"


@dataclass
class Brief:
    """What :func:`make_brief` produced.

    Attributes
    ----------
    out : Path
        Output folder.
    headlines : dict
        The headline numbers used in the text (name -> value), for checks.
    sections : list of str
        Section titles, in order.
    files : list of Path
        Every file written.
    """

    out: Path
    headlines: dict[str, float] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def html(self) -> Path:
        """Path of ``brief.html``."""
        return self.out / "brief.html"


def _cell(v: Any) -> str:
    """A table cell as text: a missing value (NaN, None, pandas NA) is blank."""
    return "" if v is None or (not isinstance(v, str) and bool(pd.isna(v))) else str(v)


def _fmt(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _all_equal(df: pd.DataFrame) -> bool:
    """True when the table has >= 2 rows and every numeric column holds one value only."""
    num = df.select_dtypes("number")
    return len(df) > 1 and num.shape[1] > 0 and all(num[c].nunique(dropna=False) <= 1
                                                    for c in num.columns)


class _Doc:
    """Collects Markdown and HTML in parallel, and writes charts and tables."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.md: list[str] = []
        self.html: list[str] = []
        self.files: list[Path] = []
        self.sections: list[str] = []

    def extend(self, other: _Doc) -> None:
        """Append another part (a section written separately)."""
        self.md += other.md
        self.html += other.html
        self.files += other.files
        self.sections += other.sections

    def h(self, text: str, level: int = 2) -> None:
        if level == 2:
            self.sections.append(text)
        self.md.append(f"{'#' * level} {text}\n")
        self.html.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def p(self, text: str) -> None:
        self.md.append(text + "\n")
        self.html.append(f"<p>{html.escape(text)}</p>")

    def csv(self, df: pd.DataFrame, name: str, what: str) -> None:
        """A full table written to CSV only, with a link."""
        path = self.out / f"{name}.csv"
        df.to_csv(path, index=False)
        self.files.append(path)
        self.md.append(f"*Full table ({what}): [{name}.csv]({name}.csv)*\n")
        self.html.append(f"<p class='src'>Full table ({html.escape(what)}): "
                         f"<a href='{name}.csv'>{name}.csv</a></p>")

    def ul(self, items: list[str]) -> None:
        self.md.append("\n".join(f"- {i}" for i in items) + "\n")
        self.html.append("<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items)
                         + "</ul>")

    def table(self, df: pd.DataFrame, name: str, floatfmt: str = "{:,.2f}", *,
              show: pd.DataFrame | None = None, why_equal: str | None = None) -> None:
        """Write ``df`` to CSV and print ``show`` (default ``df``, at most 15 rows)."""
        path = self.out / f"{name}.csv"
        df.to_csv(path, index=False)
        self.files.append(path)
        shown = (df if show is None else show).head(15).copy()
        if _all_equal(shown):
            self.p(why_equal or "Every value shown in the next table is the same: the inputs "
                   "varied across its rows do not change the outcome in this range.")
        for c in shown.columns:
            if pd.api.types.is_float_dtype(shown[c]):
                shown[c] = shown[c].map(lambda v: "" if pd.isna(v) else floatfmt.format(v))
        cols = [str(c) for c in shown.columns]
        self.md.append("| " + " | ".join(cols) + " |\n| " + " | ".join("---" for _ in cols)
                       + " |")
        for row in shown.itertuples(index=False):
            self.md.append("| " + " | ".join(_cell(v) for v in row) + " |")
        self.md.append(f"\n*Table: [{name}.csv]({name}.csv)*\n")
        head = "".join(f"<th>{html.escape(c)}</th>" for c in cols)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row)
                       + "</tr>" for row in shown.itertuples(index=False))
        self.html.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                         f"<p class='src'>Table: <a href='{name}.csv'>{name}.csv</a></p>")

    def figure(self, fig: Any, name: str, caption: str) -> None:
        import matplotlib.pyplot as plt  # lazy: matplotlib's backend is chosen in _plt()

        png, svg = self.out / f"{name}.png", self.out / f"{name}.svg"
        fig.savefig(png, dpi=110, bbox_inches="tight")
        fig.savefig(svg, bbox_inches="tight")
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
        plt.close(fig)
        self.files += [png, svg]
        data = base64.b64encode(buf.getvalue()).decode()
        self.md.append(f"![{caption}]({name}.png)\n\n*{caption}*\n")
        self.html.append(f"<figure><img src='data:image/png;base64,{data}' alt='"
                         f"{html.escape(caption)}'><figcaption>{html.escape(caption)}"
                         f"</figcaption></figure>")


_CSS = """
body{font-family:Georgia,serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.8rem} h2{margin-top:2.2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0;display:block;overflow-x:auto}
td,th{border:1px solid #ccc;padding:.2rem .45rem;text-align:right}
th{background:#f3f3f3} figure{margin:1rem 0} img{max-width:100%}
figcaption,.src{font-size:.85rem;color:#555} .note{background:#fff8e0;padding:.5rem}
"""


def make_brief(scenario: str | Path | None = None, out: str | Path = "brief",
               *, progress: bool | None = None, overwrite: bool = False) -> Brief:
    """Write the policy brief, whole or not at all.

    Every file is written into a hidden sibling folder of ``out`` that is renamed to ``out``
    at the end: a failure or an interrupt leaves an existing brief as it was (and no new
    one).

    Parameters
    ----------
    scenario : path, optional
        A scenario file (the optimizer's format) for the industry sections; default: the
        calibrated illustrative industry, 2025-2027, with a penalty of 5,000 CNY per uncovered
        credit.
    out : path
        Output folder.
    progress : bool, optional
        Progress bar on stderr (default: when stderr is a terminal).
    overwrite : bool
        Replace an existing (non-empty) ``out``; otherwise it is refused before any work.

    Returns
    -------
    Brief

    Raises
    ------
    linkage.outputs.OutputError
        ``out`` cannot be written, exists (without ``overwrite``) or is locked by another run.

    Notes
    -----
    The appendix lists the provisional or scenario rule parameters the brief's computations
    looked up (recorded by :func:`~linkage.rules.record_lookups`), not every such entry of the
    rulebooks.
    """
    final = Path(out)
    with OutputDir(final, overwrite=overwrite,
                   protect=[scenario] if scenario is not None else []) as tmp, \
            record_lookups() as used:
        b = _compose(scenario, tmp, progress, used)
    b.out = final
    b.files = [final / p.relative_to(tmp) for p in b.files]
    return b


def _used_parameters(used: ParameterLog) -> pd.DataFrame:
    """One row per provisional/scenario parameter value looked up, with the years it served."""
    e = pd.DataFrame(used.entries(), columns=["year", "key", "value", "unit", "status",
                                              "source"])
    e["value"] = e["value"].astype(str)
    rows = []
    for (key, value, unit, status, source), g in e.groupby(
            ["key", "value", "unit", "status", "source"], sort=True):
        ys = sorted(g["year"])
        rows.append({"key": key, "value": value, "unit": unit,
                     "years": f"{ys[0]}-{ys[-1]}" if len(ys) > 1 else str(ys[0]),
                     "status": status, "source": source})
    return pd.DataFrame(rows, columns=["key", "value", "unit", "years", "status", "source"])




# ---------------------------------------------------------------------------- inputs


@dataclass
class _Inputs:
    """What every section reads: the scenario document and its description."""

    doc: dict[str, Any]
    base_dir: Path | None
    label: str
    assumptions: dict[str, Any]
    industry: Any  # the calibrated illustrative industry (outlook, default scenario)
    technology: pd.DataFrame  # its technology options over OUTLOOK_YEARS
    default: bool


def _inputs(scenario: str | Path | None) -> _Inputs:
    """The scenario (default: calibrated industry 2026-2030 with technology options)."""

    ind = illustrative_industry()
    tech = industry_technology(ind, list(OUTLOOK_YEARS))
    if scenario is None:
        doc = industry_scenario_document(ind, list(OUTLOOK_YEARS),
                                         penalty=PENALTY_CNY_PER_CREDIT, technology=tech,
                                         name="calibrated illustrative industry")
        label = (f"the calibrated illustrative industry ({len(doc['enterprise'])} synthetic "
                 f"enterprises whose 2023 totals match MIIT's announcement) with its "
                 f"technology options, {OUTLOOK_YEARS[0]}-{OUTLOOK_YEARS[-1]}")
        return _Inputs(doc, None, label, dict(ind.assumptions), ind, tech, True)

    doc = read_scenario_document(scenario)  # errors name the file and the key
    return _Inputs(doc, Path(scenario).resolve().parent, f"the scenario {Path(scenario).name}",
                   dict(ind.assumptions), ind, tech, False)


def _plt() -> Any:
    import matplotlib  # lazy: the Agg backend must be chosen before pyplot is imported

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"figure.figsize": (7.5, 3.6), "axes.grid": True,
                         "grid.alpha": 0.3, "font.size": 9})
    return plt


def _physical_t_per_credit(basis: str = DEFAULT_BASIS) -> float:

    return float(tonnes_per_credit(get_basis(basis)).to("t_CO2e / cafc_credit").magnitude)


# ---------------------------------------------------------------------------- 2. history


def _miit_table() -> pd.DataFrame:

    m = miit_annual()
    allg = m[m["group"] == "all"].sort_values("year")
    return allg[["year", "status", "firms", "volume_10k_vehicles", "cafc_positive_10k_credits",
                 "cafc_negative_10k_credits", "nev_positive_10k_credits",
                 "nev_negative_10k_credits"]].reset_index(drop=True)


def _backcast_table(bc: Any) -> pd.DataFrame:
    t = bc.table
    return t[["year", "observed_price_cny_per_credit", "observed_price_status",
              "modelled_price_cny_per_credit", "supply_demand_ratio",
              "uncovered_credits"]].copy()


def _history_section(plt: Any, b: Brief, d: _Doc) -> dict[str, Any]:
    """History 2016-2024 (MIIT) and the backcast 2020-2024 (observed vs modelled prices)."""

    t = _miit_table()
    off = t[t["status"] == "official"]
    last = off.iloc[-1]
    y_last = int(last["year"])
    cover = float(last["nev_positive_10k_credits"] / last["nev_negative_10k_credits"])
    b.headlines[f"nev_positive_over_negative_{y_last}"] = cover
    bc = backcast()
    bt = _backcast_table(bc)
    obs = bt.dropna(subset=["observed_price_cny_per_credit"])
    tpc = _physical_t_per_credit()
    prices = nev_credit_prices()
    p21 = float(prices.loc[prices["year"] == 2021, "average_price_cny_per_credit"].iloc[0])
    b.headlines["t_co2e_per_credit_ttw_real_world"] = tpc
    b.headlines["implied_carbon_price_2021"] = p21 / tpc
    b.headlines["backcast_rms_relative_error"] = float(bc.fit["rms_relative_error"])
    for r in obs.itertuples():
        b.headlines[f"observed_price_{r.year}"] = float(r.observed_price_cny_per_credit)
        b.headlines[f"modelled_price_{r.year}"] = float(r.modelled_price_cny_per_credit)
    y24 = t.iloc[-1]
    d.h(f"2. History {int(t['year'].iloc[0])}-{int(y24['year'])} and the backcast")
    pairs = "; ".join(f"{r.year}: observed {_fmt(r.observed_price_cny_per_credit)}, modelled "
                      f"{_fmt(r.modelled_price_cny_per_credit)} CNY/credit at a supply/demand "
                      f"ratio of {r.supply_demand_ratio:.2f}" for r in obs.itertuples())
    d.p(f"In {y_last} (the last announcement read in full), {int(last['firms'])} enterprises "
        f"earned {_fmt(last['nev_positive_10k_credits'], 1)} x 10^4 NEV positive credits "
        f"against {_fmt(last['nev_negative_10k_credits'], 1)} x 10^4 negative: {cover:.1f} "
        f"times as many; {int(y24['year'])} ({y24['status']}, from the press) had "
        f"{_fmt(y24['nev_positive_10k_credits'], 0)} x 10^4 against "
        f"{_fmt(y24['nev_negative_10k_credits'], 0)} x 10^4. A CAFC credit is {tpc:.3f} t CO2e "
        f"on the tank-to-wheel real-world basis, so the 2021 NEV credit price of {_fmt(p21)} "
        f"CNY implied {p21 / tpc:.1f} CNY/t CO2e. The backcast (synthetic enterprises "
        f"calibrated to MIIT's totals, banking and perfect foresight, one fitted scale "
        f"{bc.fit['scale_factor']:.3f} on compliance costs, RMS relative price error "
        f"{bc.fit['rms_relative_error']:.1%}) gives {pairs}.")
    d.table(t, "miit_annual")
    d.p("What the model cannot explain: " + " ".join(bc.unexplained))
    d.table(bt, "backcast", floatfmt="{:,.2f}")
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(9, 3.4))
    x = np.arange(len(t))
    for i, (col, lab) in enumerate([("cafc_positive_10k_credits", "CAFC +"),
                                    ("cafc_negative_10k_credits", "CAFC -"),
                                    ("nev_positive_10k_credits", "NEV +"),
                                    ("nev_negative_10k_credits", "NEV -")]):
        a1.bar(x + (i - 1.5) * 0.2, t[col].fillna(0), 0.2, label=lab)
    a1.set_xticks(x, t["year"].astype(int), fontsize=7)
    a1.set_ylabel("10^4 credits")
    a1.legend(ncol=2, fontsize=7)
    a2.plot(bt["year"], bt["observed_price_cny_per_credit"], "o-", label="observed")
    a2.plot(bt["year"], bt["modelled_price_cny_per_credit"], "s--", label="backcast")
    a2.set_ylabel("NEV credit price [CNY/credit]")
    a2.set_xticks(bt["year"])
    a2.legend(fontsize=8)
    d.figure(fig, "history_backcast", "Credits by year (MIIT; 2024 secondary) and observed "
             "vs backcast NEV credit prices.")
    return {"cover": cover, "year": y_last, "backcast": bc, "obs": obs}


# ---------------------------------------------------------------------------- 3. outlook


def _outlook_document(inp: _Inputs, nev_scale: float, cost_scale: float) -> dict[str, Any]:
    """The calibrated industry with its NEV requirement and technology costs scaled.

    The NEV requirement (ratio x conventional volume) of every enterprise with one is
    multiplied by ``nev_scale``; a shift option's NEV effect per unit (credit of the new
    vehicle + the ratio of the conventional one it replaces) gets the scaled ratio too.
    """

    rules = default_rules()
    ratio = inp.technology["year"].map(lambda y: float(rules.for_year(int(y))["nev.ratio"]))
    st = inp.industry.statements.set_index(["enterprise", "year"])
    required = pd.Series([st.loc[(e, y), "nev_requirement_credits"] > 0 for e, y in
                          zip(inp.technology["enterprise"], inp.technology["year"], strict=True)],
                         index=inp.technology.index)
    shift = inp.technology["option"].isin(SHIFT_OPTIONS) & required
    tech = inp.technology.assign(
        cost_cny_per_unit=inp.technology["cost_cny_per_unit"] * cost_scale,
        nev_credits_per_unit=inp.technology["nev_credits_per_unit"]
        + shift * (nev_scale - 1.0) * ratio)
    doc = industry_scenario_document(inp.industry, list(OUTLOOK_YEARS),
                                     penalty=PENALTY_CNY_PER_CREDIT, technology=tech,
                                     name="calibrated illustrative industry (outlook draw)")
    for ent in doc["enterprise"]:
        rows = st.loc[ent["name"]].loc[list(OUTLOOK_YEARS)]
        ent["nev_credits"] = [round(e - nev_scale * r) for e, r in
                              zip(rows["nev_earned_credits"], rows["nev_requirement_credits"],
                                  strict=True)]
    return doc


def _solve_document(doc: dict[str, Any], base_dir: Path | None = None) -> Any:

    return IndustryModel(parse_scenario(doc, file="<brief>", base=base_dir)).solve()


def _monte_carlo(inp: _Inputs) -> tuple[pd.DataFrame, float]:
    """NEV prices per year over MC_DRAWS seeded draws of (NEV scale, cost scale)."""
    rng = np.random.default_rng(MC_SEED)
    t0 = time.perf_counter()
    rows = []
    for i in range(MC_DRAWS):
        s, c = rng.uniform(*MC_NEV_SCALE), rng.uniform(*MC_COST_SCALE)
        res = _solve_document(_outlook_document(inp, s, c))
        for r in res.prices.itertuples():
            rows.append({"draw": i, "nev_requirement_scale_factor": s,
                         "technology_cost_scale_factor": c,
                         "year": int(r.year), "nev_price_cny_per_credit":
                             r.nev_price_cny_per_credit,
                         "industry_cost_cny": res.total_cost_cny})
    return pd.DataFrame(rows), time.perf_counter() - t0


def _balance(inp: _Inputs) -> pd.DataFrame:
    """The calibrated industry's own NEV balance before trading and technology, by year."""
    st = inp.industry.statements
    st = st[st["year"].isin(OUTLOOK_YEARS)]
    g = st.groupby("year")["nev_credits"]
    bal = pd.DataFrame({"nev_surplus_credits": g.apply(lambda v: v[v > 0].sum()),
                        "nev_deficit_credits": g.apply(lambda v: -v[v < 0].sum())})
    bal["net_nev_balance_credits"] = bal["nev_surplus_credits"] - bal["nev_deficit_credits"]
    bal["cafc_deficit_credits"] = st.groupby("year")["cafc_credits"].apply(
        lambda v: -v[v < 0].sum())
    bal["supply_demand_ratio"] = bal["nev_surplus_credits"] / (
        bal["nev_deficit_credits"] + bal["cafc_deficit_credits"])
    return bal.reset_index()


def _bands(mc: pd.DataFrame) -> pd.DataFrame:
    g = mc.groupby("year")["nev_price_cny_per_credit"]
    return pd.DataFrame({"p10_cny_per_credit": g.quantile(0.1),
                         "median_cny_per_credit": g.median(),
                         "p90_cny_per_credit": g.quantile(0.9),
                         "binding_draws_share": g.apply(lambda v: float((v > 0).mean()))}
                        ).reset_index()


def _outlook_section(inp: _Inputs, plt: Any, b: Brief, d: _Doc) -> dict[str, Any]:
    """The 2026-2030 outlook under the rules in force, central case and Monte Carlo bands."""
    central = _solve_document(_outlook_document(inp, 1.0, 1.0))
    cp = central.prices[["year", "nev_price_cny_per_credit"]].astype({"year": int})
    binding = cp[cp["nev_price_cny_per_credit"] > 0]
    first = int(binding["year"].iloc[0]) if len(binding) else None
    mc, seconds = _monte_carlo(inp)
    bands = _bands(mc)
    bal = _balance(inp)
    y0 = OUTLOOK_YEARS[0]
    p0 = float(cp.loc[cp["year"] == y0, "nev_price_cny_per_credit"].iloc[0])
    band0 = bands[bands["year"] == y0].iloc[0]
    b.headlines.update({"outlook_first_binding_year": float(first or 0),
                        f"outlook_price_{y0}": p0,
                        f"outlook_p10_{y0}": float(band0["p10_cny_per_credit"]),
                        f"outlook_p90_{y0}": float(band0["p90_cny_per_credit"]),
                        "monte_carlo_seconds": seconds})
    d.h(f"3. Outlook {y0}-{OUTLOOK_YEARS[-1]} under the rules in force")
    bind_txt = (f"the NEV requirement binds first in {first} at {_fmt(p0)} CNY/credit"
                if first is not None else "the NEV requirement never binds (price 0)")
    later = ", ".join(f"{r.year}: {_fmt(r.nev_price_cny_per_credit)}"
                      for r in cp.itertuples() if r.year != y0)
    d.p(f"On the calibrated illustrative industry (synthetic enterprises) with its technology "
        f"options (ICE -> BEV, ICE -> PHEV, efficiency) and a penalty of "
        f"{_fmt(PENALTY_CNY_PER_CREDIT)} CNY per uncovered credit, the industry's own NEV "
        f"balance before trading is {_fmt(bal['net_nev_balance_credits'].iloc[0])} credits in "
        f"{y0} and {_fmt(bal['net_nev_balance_credits'].iloc[-1])} in {OUTLOOK_YEARS[-1]}, "
        f"but NEV surplus credits must also cover CAFC deficits: the supply/demand ratio "
        f"(NEV surplus / (NEV + CAFC deficits)) is {bal['supply_demand_ratio'].iloc[0]:.2f} in "
        f"{y0} and {bal['supply_demand_ratio'].iloc[-1]:.2f} in {OUTLOOK_YEARS[-1]}. In "
        f"the central case {bind_txt} (later years {later} CNY/credit). Across {MC_DRAWS} "
        f"seeded draws (seed {MC_SEED}) of the NEV requirement scale {MC_NEV_SCALE} and the "
        f"technology cost scale {MC_COST_SCALE}, the {y0} price lies between "
        f"{_fmt(band0['p10_cny_per_credit'])} (p10) and {_fmt(band0['p90_cny_per_credit'])} "
        f"(p90) CNY/credit; the requirement binds in {band0['binding_draws_share']:.0%} of "
        f"the draws that year. The draws took {seconds:.1f} s. The NEV scale multiplies the "
        f"NEV ratio, so it moves each enterprise's requirement and the requirement a shift "
        f"to an NEV removes.")
    d.table(bal.merge(bands, on="year").merge(cp, on="year"), "outlook")
    d.csv(mc, "outlook_monte_carlo", "every draw, year and price")
    fig, ax = plt.subplots()
    ax.fill_between(bands["year"], bands["p10_cny_per_credit"], bands["p90_cny_per_credit"],
                    alpha=0.3, label="p10-p90 of the draws")
    ax.plot(bands["year"], bands["median_cny_per_credit"], "o-", label="median")
    ax.plot(cp["year"], cp["nev_price_cny_per_credit"], "s--", label="central case")
    ax.set_xticks(list(OUTLOOK_YEARS))
    ax.set_ylabel("NEV credit price [CNY/credit]")
    ax.legend(fontsize=8)
    d.figure(fig, "outlook_bands", f"Equilibrium NEV credit price {y0}-{OUTLOOK_YEARS[-1]}: "
             f"central case and Monte Carlo bands ({MC_DRAWS} draws).")
    return {"first": first, "p0": p0, "band0": band0, "y0": y0}


# ---------------------------------------------------------------------------- 4. linkage


def _link_document(inp: _Inputs, design: str, policy_t: float | None,
                   share: float) -> dict[str, Any]:
    """The scenario with one design, policy exchange rate and offset-use limit."""
    cea_on, offsets_on = DESIGNS[design]
    doc = {k: v for k, v in inp.doc.items() if k != "linkage"}
    if not (cea_on or offsets_on):
        return doc
    own = {k: v for k, v in inp.doc.get("linkage", {}).items()
           if k not in ("cea_price_cny_per_t_co2e", "allow_cea_for_deficits",
                        "allow_credit_offsets", "exchange_rate_credits_per_t_co2e")}
    own.setdefault("basis", DEFAULT_BASIS)
    if policy_t is not None:
        own["exchange_rate_credits_per_t_co2e"] = 1.0 / policy_t
    doc["linkage"] = {**own, "cea_price_cny_per_t_co2e": CEA_CENTRAL,
                      "allow_cea_for_deficits": cea_on, "allow_credit_offsets": offsets_on}
    if offsets_on:
        doc["ets"] = {**inp.doc.get("ets", {}), "offset_limit_share": share}
    return doc


def _result_row(res: Any) -> dict[str, float]:
    p = res.prices
    return {"nev_price_cny_per_credit": float(p["nev_price_cny_per_credit"].mean()),
            "industry_cost_cny": float(res.total_cost_cny),
            "net_change_t_co2e": float(p["net_change_t_co2e"].sum()),
            "integrity_gap_t_co2e": float(p["integrity_gap_t_co2e"].sum()),
            "offsets_into_ets_t_co2e": float(p["offsets_into_ets_t_co2e"].sum())}


def _linkage_grid(inp: _Inputs) -> tuple[pd.DataFrame, dict[str, Any]]:
    """'Both ways' over CEA price x policy rate x offset limit; the designs at the centre."""

    rows, results = [], {}
    for policy_t in POLICY_T_PER_CREDIT:
        for share in OFFSET_LIMIT_SHARES:
            sc = parse_scenario(_link_document(inp, "both ways", policy_t, share),
                                file="<brief>", base=inp.base_dir)
            model = IndustryModel(sc)
            for price in CEA_PRICES:
                model.set_prices(cea_price_cny_per_t_co2e=dict.fromkeys(sc.years, price))
                rows.append({"design": "both ways", "cea_price_cny_per_t_co2e": price,
                             "policy_t_co2e_per_credit": policy_t or sc.basis_t_co2e_per_credit,
                             "offset_limit_share": share, **_result_row(model.solve())})
    for design in DESIGNS:
        res = _solve_document(_link_document(inp, design, None, OFFSET_LIMIT_DEFAULT),
                              inp.base_dir)
        results[design] = res
    return pd.DataFrame(rows), results


def _heatmaps(plt: Any, grid: pd.DataFrame, d: _Doc) -> None:
    metrics = [("nev_price_cny_per_credit", "NEV price [CNY/credit]", 1.0),
               ("industry_cost_cny", "industry cost [bn CNY]", 1e9),
               ("net_change_t_co2e", "net CO2 [Mt]", 1e6), ("integrity_gap_t_co2e",
                                                            "integrity gap [Mt]", 1e6)]
    fig, axes = plt.subplots(len(metrics), len(OFFSET_LIMIT_SHARES), figsize=(9, 10),
                             squeeze=False)
    for i, (col, label, unit) in enumerate(metrics):
        lo, hi = grid[col].min() / unit, grid[col].max() / unit  # one colour scale per row
        for j, share in enumerate(OFFSET_LIMIT_SHARES):
            g = grid[grid["offset_limit_share"] == share].pivot_table(
                index="policy_t_co2e_per_credit", columns="cea_price_cny_per_t_co2e", values=col)
            ax = axes[i][j]
            ax.imshow(g.to_numpy() / unit, aspect="auto", cmap="RdYlGn_r", vmin=lo, vmax=hi)
            ax.set_xticks(range(g.shape[1]), [f"{c:.0f}" for c in g.columns], fontsize=7)
            ax.set_yticks(range(g.shape[0]), [f"{r:.2f}" for r in g.index], fontsize=7)
            ax.grid(False)
            for (r, c), v in np.ndenumerate(g.to_numpy() / unit):
                ax.text(c, r, f"{v:,.0f}", ha="center", va="center", fontsize=7)
            ax.set_title(f"{label}, limit {share:.0%}", fontsize=8)
            if j == 0:
                ax.set_ylabel("policy t CO2e/credit", fontsize=7)
            if i == len(metrics) - 1:
                ax.set_xlabel("CEA price [CNY/t]", fontsize=7)
    fig.tight_layout()
    d.figure(fig, "linkage_heatmaps", "Two-way link: NEV price, industry cost, net CO2 and "
             "integrity gap over CEA price x policy exchange rate x offset-use limit (one "
             "colour scale per row; red is higher).")


def _linkage_section(inp: _Inputs, plt: Any, b: Brief, d: _Doc) -> dict[str, Any]:
    """Linkage designs: price, cost, net CO2 and integrity gap; heatmaps over the grid."""
    grid, results = _linkage_grid(inp)
    designs = pd.DataFrame([{"design": k, **_result_row(r)} for k, r in results.items()])
    c = designs.set_index("design")
    tpc = grid.loc[grid["policy_t_co2e_per_credit"].sub(
        _scenario_basis_t(grid)).abs().idxmin(), "policy_t_co2e_per_credit"]
    both, none = c.loc["both ways"], c.loc["no linkage"]
    b.headlines.update({"link_net_change_t_co2e": float(both["net_change_t_co2e"]),
                        "link_integrity_gap_t_co2e": float(both["integrity_gap_t_co2e"]),
                        "link_nev_price": float(both["nev_price_cny_per_credit"]),
                        "link_cost_change_cny": float(both["industry_cost_cny"]
                                                      - none["industry_cost_cny"]),
                        "no_link_nev_price": float(none["nev_price_cny_per_credit"])})
    worst = grid.loc[grid["net_change_t_co2e"].idxmax()]
    d.h("4. Linkage designs: price, cost and CO2")
    d.p(f"On {inp.label}, at a CEA price of {CEA_CENTRAL:.0f} CNY/t, the basis's own exchange "
        f"rate ({tpc:.3f} t CO2e per credit) and the sourced offset-use limit "
        f"({OFFSET_LIMIT_DEFAULT:.0%} of covered emissions less other offsets), linking both "
        f"ways moves the average NEV credit price from "
        f"{_fmt(none['nev_price_cny_per_credit'])} to "
        f"{_fmt(both['nev_price_cny_per_credit'])} CNY/credit and the industry's net cost by "
        f"{_fmt(both['industry_cost_cny'] - none['industry_cost_cny'])} CNY (negative: offset "
        f"revenue paid by ETS entities). Its net CO2 over the period is "
        f"{_fmt(both['net_change_t_co2e'] / 1e6, 2)} Mt (vehicles, plus CEAs retired, plus offsets "
        f"that let ETS entities emit more) with an integrity gap of "
        f"{_fmt(both['integrity_gap_t_co2e'] / 1e6, 2)} Mt. Over the grid, net CO2 is highest "
        f"({_fmt(worst['net_change_t_co2e'] / 1e6, 2)} Mt) at CEA "
        f"{worst['cea_price_cny_per_t_co2e']:.0f} "
        f"CNY/t, {worst['policy_t_co2e_per_credit']:.2f} t per credit and a limit of "
        f"{worst['offset_limit_share']:.0%}"
        + (": a policy rate above the physical one sells more tonnes per surplus credit than "
           "the credit avoided." if worst["policy_t_co2e_per_credit"] > tpc + 1e-9 else ".")
        + " Offsets are sold from surplus credits the enterprises earn anyway, so each tonne "
        "sold lets an ETS entity emit one more tonne with no extra abatement on the vehicle "
        "side; the offset-use limit is what bounds it.")
    if (designs["integrity_gap_t_co2e"].abs() < 0.5).all():
        d.p("The integrity gap is 0 for every design in the next table because at the "
            "basis's own exchange rate the policy tonnes per credit equal the physical ones; "
            "the heatmaps show it at the other rates.")
    d.p(_limit_sentence(grid, tpc))
    d.table(designs, "linkage_designs", floatfmt="{:,.0f}")
    _heatmaps(plt, grid, d)
    d.csv(grid, "linkage_grid", "every CEA price x exchange rate x offset limit")
    return {"designs": c, "results": results, "tpc": tpc}


def _limit_sentence(grid: pd.DataFrame, tpc: float) -> str:
    """Does the offset-use limit bind at the central CEA price and the basis's rate?"""
    c = grid[(grid["cea_price_cny_per_t_co2e"] == CEA_CENTRAL)
             & ((grid["policy_t_co2e_per_credit"] - tpc).abs() < 1e-9)]
    net = c.set_index("offset_limit_share")["net_change_t_co2e"] / 1e6
    parts = ", ".join(f"{net[s]:,.2f} Mt at {s:.0%}" for s in OFFSET_LIMIT_SHARES)
    binds = abs(net[OFFSET_LIMIT_DEFAULT] - net[max(OFFSET_LIMIT_SHARES)]) > 1e-3
    return (f"At the central point the offset-use limit {'binds' if binds else 'does not bind'}"
            f" at its sourced default: net CO2 is {parts} of covered emissions.")


def _scenario_basis_t(grid: pd.DataFrame) -> float:
    """The grid's basis-own rate: the one that is neither of the fixed policy rates."""
    fixed = {t for t in POLICY_T_PER_CREDIT if t is not None}
    own = [t for t in grid["policy_t_co2e_per_credit"].unique() if t not in fixed]
    return float(own[0]) if own else float(grid["policy_t_co2e_per_credit"].iloc[0])


# ---------------------------------------------------------------------------- 5. winners


def _winners_section(inp: _Inputs, plt: Any, b: Brief, d: _Doc,
                     link: dict[str, Any]) -> dict[str, Any]:
    """Gains of each (synthetic) enterprise from a two-way link at the central point."""
    res = link["results"]
    cost = {k: r.enterprises.groupby("enterprise")["cost_cny"].sum() for k, r in res.items()}
    piv = pd.DataFrame({"no_link_cost_cny": cost["no linkage"],
                        "both_ways_cost_cny": cost["both ways"]})
    piv["gain_cny"] = piv["no_link_cost_cny"] - piv["both_ways_cost_cny"]
    piv = piv.sort_values("gain_cny").rename_axis("enterprise").reset_index()
    gainers, losers = int((piv["gain_cny"] > 0.5).sum()), int((piv["gain_cny"] < -0.5).sum())
    top, bottom = piv.iloc[-1], piv.iloc[0]
    b.headlines.update({"winners": float(gainers), "losers": float(losers),
                        "largest_gain_cny": float(top["gain_cny"])})
    d.h("5. Winners and losers (illustrative, synthetic enterprises)")
    who = ("The enterprises are synthetic (labelled 'illustrative'), not real companies."
           if inp.default else f"The enterprises are those of {inp.label}.")
    d.p(f"{who} At the central point of section 4, a two-way link lowers the compliance "
        f"cost of {gainers} of {len(piv)} enterprises and raises it for {losers}. The "
        f"largest gain is {top['enterprise']}'s ({_fmt(top['gain_cny'])} CNY), the largest loss "
        f"{bottom['enterprise']}'s ({_fmt(bottom['gain_cny'])} CNY): a buyer loses when the "
        f"link lifts the credit price of oversupplied years to the CEA value, a holder of "
        f"surplus credits gains when they earn the offset price.")
    movers = pd.concat([piv.head(5), piv.tail(5)]).drop_duplicates("enterprise")
    d.table(piv, "enterprise_gains", floatfmt="{:,.0f}", show=movers)
    fig, ax = plt.subplots(figsize=(7.5, 3.2))
    ax.barh(movers["enterprise"], movers["gain_cny"] / 1e6,
            color=["#c44" if v < 0 else "#4a7" for v in movers["gain_cny"]])
    ax.set_xlabel("gain from linking both ways [million CNY]")
    ax.tick_params(axis="y", labelsize=7)
    d.figure(fig, "enterprise_gains", "Synthetic enterprises that gain and lose from a "
             "two-way link (central point).")
    return {"gainers": gainers, "losers": losers, "n": len(piv), "top": top}


# ---------------------------------------------------------------------------- 6. plan


def _plan_document(inp: _Inputs, doc: dict[str, Any], name: str,
                   prices: list[float]) -> dict[str, Any]:
    one = {k: v for k, v in doc.items() if k not in ("enterprise", "market")}
    one["enterprise"] = [e for e in doc["enterprise"] if e["name"] == name]
    one["market"] = {"nev_buy_price_cny_per_credit": prices,
                     "nev_sell_price_cny_per_credit": prices}
    return one


def _plan_section(inp: _Inputs, b: Brief, d: _Doc, link: dict[str, Any]) -> dict[str, Any]:
    """One enterprise's least-cost plan at the equilibrium prices, without and with a link."""

    res = link["results"]
    deficits = {e["name"]: -sum(min(v, 0) for v in e["nev_credits"])
                for e in inp.doc["enterprise"]}
    name = max(deficits, key=lambda k: deficits[k])
    rows, totals, prices_of = {}, {}, {}
    for design in ("no linkage", "both ways"):
        prices = [float(p) for p in res[design].prices["nev_price_cny_per_credit"]]
        prices_of[design] = float(np.mean(prices))
        doc = _plan_document(inp, _link_document(inp, design, None, OFFSET_LIMIT_DEFAULT),
                             name, prices)
        r = solve_enterprise(parse_scenario(doc, file="<brief>", base=inp.base_dir), name)
        rows[design], totals[design] = r.cost_by_instrument_cny, r.total_cost_cny
    t = pd.DataFrame(rows).fillna(0.0).rename_axis("lever").reset_index()
    t = t.rename(columns={"no linkage": "no_link_cost_cny", "both ways": "both_ways_cost_cny"})
    t = t[(t["no_link_cost_cny"].abs() > 0.5) | (t["both_ways_cost_cny"].abs() > 0.5)]
    b.headlines.update({"plan_cost_no_link_cny": float(totals["no linkage"]),
                        "plan_cost_both_ways_cny": float(totals["both ways"])})
    d.h("6. One enterprise's least-cost plan with and without a link")
    d.p(f"{name} has the largest NEV deficit ({_fmt(deficits[name])} credits over the period). "
        f"Solved alone at each design's equilibrium NEV prices (section 4: "
        f"{_fmt(prices_of['no linkage'])} CNY/credit on average without a link, "
        f"{_fmt(prices_of['both ways'])} with one), its least-cost plan "
        f"costs {_fmt(totals['no linkage'])} CNY without a link and "
        f"{_fmt(totals['both ways'])} CNY with a two-way link; the table splits the cost by "
        f"lever (negative: revenue).")
    d.table(t, "enterprise_plan", floatfmt="{:,.0f}")
    return {"name": name, "totals": totals}


# ---------------------------------------------------------------------------- 1. findings


def _findings_section(b: Brief, d: _Doc, hist: dict[str, Any], outlook: dict[str, Any],
                      link: dict[str, Any], win: dict[str, Any]) -> None:
    """Five bullets, each quoting numbers computed in the sections below."""
    o21 = hist["obs"].set_index("year")
    y = int(o21.index[min(1, len(o21) - 1)])
    c = link["designs"]
    both, none = c.loc["both ways"], c.loc["no linkage"]
    first = outlook["first"]
    band = outlook["band0"]
    d.h("1. Key findings")
    d.p("Five numbers a decision on linking the dual-credit policy with the carbon market "
        "turns on; each is computed in the section it names.")
    d.ul([
        f"Oversupply: in {hist['year']} enterprises earned {hist['cover']:.1f} times as many "
        f"NEV positive credits as negative ones (section 2).",
        f"Limits of the model: the backcast prices {y} at "
        f"{_fmt(o21.loc[y, 'modelled_price_cny_per_credit'])} CNY/credit against an observed "
        f"{_fmt(o21.loc[y, 'observed_price_cny_per_credit'])}; a competitive model does not "
        f"explain positive prices in surplus years (section 2).",
        (f"Outlook: under the rules in force the NEV requirement binds in {first} at "
         f"{_fmt(outlook['p0'])} CNY/credit (central case), between "
         if first is not None else
         "Outlook: the NEV requirement does not bind in the central case; the first year's "
         "price lies between ")
        + f"{_fmt(band['p10_cny_per_credit'])} and {_fmt(band['p90_cny_per_credit'])} "
        f"CNY/credit across the draws (section 3).",
        f"CO2: a two-way link at {CEA_CENTRAL:.0f} CNY/t with the sourced offset limit "
        f"{'raises' if both['net_change_t_co2e'] > 0 else 'lowers'} net CO2 by "
        f"{_fmt(abs(both['net_change_t_co2e']) / 1e6, 2)} Mt over the period, mostly through "
        "offsets "
        f"sold from surplus credits, with an integrity gap of "
        f"{_fmt(both['integrity_gap_t_co2e'] / 1e6, 2)} Mt (section 4).",
        f"Cost and distribution: it changes the industry's net cost by "
        f"{_fmt(both['industry_cost_cny'] - none['industry_cost_cny'])} CNY; {win['gainers']} "
        f"of {win['n']} synthetic enterprises gain and {win['losers']} lose (section 5).",
    ])


# ---------------------------------------------------------------------------- appendix


def _appendix_section(inp: _Inputs, used: ParameterLog, d: _Doc) -> None:

    d.h("7. Appendix: provisional rule parameters and assumptions")
    prov = _used_parameters(used)
    d.p(f"The computations above looked up {len(prov)} provisional or scenario rule parameter "
        "values (recorded as they were read; status, source and the compliance years they "
        "served below; the full list is in the CSV). The conversion bases and the industry's "
        "assumptions follow.")
    d.table(prov, "provisional_parameters")
    presets = list_bases().reset_index(drop=True)
    d.table(presets.drop(columns=["description"], errors="ignore"), "conversion_bases",
            floatfmt="{:,.4g}")
    if inp.assumptions:
        a = pd.DataFrame([{"assumption": k, **(v if isinstance(v, dict) else {"value": v})}
                          for k, v in inp.assumptions.items()]).rename(
                              columns={"text": "description"})
        d.table(a.astype({c: str for c in a.columns}), "industry_assumptions")


# ---------------------------------------------------------------------------- compose

_STEPS = 8


def _write_pages(out: Path, body: _Doc, b: Brief) -> Brief:
    md_path, html_path = out / "brief.md", out / "brief.html"
    md_path.write_text("\n".join(body.md) + "\n", encoding="utf-8")
    html_path.write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Dual-credit "
        f"brief</title><style>{_CSS}</style></head><body>" + "\n".join(body.html)
        + "</body></html>", encoding="utf-8")
    b.files = [*body.files, md_path, html_path]
    b.sections = body.sections
    return b


def _compose(scenario: str | Path | None, out: Path, progress: bool | None,
             used: ParameterLog) -> Brief:
    """Compute the brief and write its files into the (temporary) folder ``out``."""
    prog = progress_bar(_STEPS, enabled=progress, width=24, label=True)
    plt = _plt()
    b = Brief(out)
    inp = _inputs(scenario)
    prog.step("inputs")
    parts = {k: _Doc(out) for k in ("hist", "outlook", "link", "win", "plan", "app")}
    hist = _history_section(plt, b, parts["hist"])
    prog.step("history and backcast")
    outlook = _outlook_section(inp, plt, b, parts["outlook"])
    prog.step("outlook")
    link = _linkage_section(inp, plt, b, parts["link"])
    prog.step("linkage designs")
    win = _winners_section(inp, plt, b, parts["win"], link)
    prog.step("winners and losers")
    _plan_section(inp, b, parts["plan"], link)
    prog.step("enterprise plan")
    _appendix_section(inp, used, parts["app"])
    prog.step("appendix")
    body = _Doc(out)
    body.html.append("<h1>China's dual-credit policy and the carbon market: a brief</h1>")
    body.md.append("# China's dual-credit policy and the carbon market: a brief\n")
    body.p("Generated by dualcredit-linkage from published MIIT announcements, the rulebooks "
           "shipped with the library, named conversion bases, the shipped ETS side and "
           f"{inp.label}. Every number below is computed; provisional rules and assumptions "
           "are listed in the appendix.")
    _findings_section(b, body, hist, outlook, link, win)
    for part in parts.values():
        body.extend(part)
    prog.step("pages")
    prog.close()
    return _write_pages(out, body, b)
