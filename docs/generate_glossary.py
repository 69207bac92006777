"""Generate ``docs/glossary.md`` from the code: the vocabulary, ``__all__``, the CLI, the rulebooks.

Usage::

    python docs/generate_glossary.py           # write docs/glossary.md
    python docs/generate_glossary.py --check   # exit 1 if it differs from what it would be

Sources, each the one place its part of the page comes from:

- terms and every public name with its unit, meaning, contexts and deprecated spellings:
  ``conversions/data/vocabulary.toml`` (:mod:`conversions.vocabulary`);
- the API sections: ``__all__`` of ``linkage``, ``linkage.ledger``, ``optimize`` and
  ``conversions`` (call signature and first docstring paragraph of each name);
- the command line: the ``linkage`` click group (:data:`linkage.cli.main`);
- the rulebook keys: the schema and the shipped rulebooks (grouped by family as
  ``docs/generate_rules_page.py`` groups ``docs/rules.md``).

Nothing machine-specific (absolute paths, addresses, dates) goes into the page, so it is
identical wherever it is generated.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
if str(ROOT) not in sys.path:  # document this source tree, not an installed copy
    sys.path.insert(0, str(ROOT))
if str(DOCS) not in sys.path:
    sys.path.insert(0, str(DOCS))

import click  # noqa: E402
from generate_rules_page import _collect  # noqa: E402

import conversions  # noqa: E402
from conversions import vocabulary as vocab  # noqa: E402
from linkage.cli import main as cli_main  # noqa: E402
from linkage.ledger.verify_rules import RULES  # noqa: E402
from linkage.rules import schema  # noqa: E402

GLOSSARY = DOCS / "glossary.md"
#: The source tree documented (paths in the page are relative to it).
SOURCE = Path(conversions.__file__).resolve().parents[1]
#: The packages whose ``__all__`` the page documents, in the page's order.
PACKAGES = ("linkage", "linkage.ledger", "optimize", "conversions", "conversions.vocabulary")
#: Table contexts of the vocabulary with their headings, in the page's order.
TABLES = {
    "fleet": "Fleet table",
    "enterprises": "Enterprise table",
    "statements": "Statements",
    "models": "Per-model table",
    "prices": "Ledger prices file",
    "transactions": "Transactions",
    "positions": "Ledger positions",
    "ratios": "Ledger ratios",
    "plan": "Plans",
    "summary": "Optimizer and market summary",
    "industry.prices": "Industry model prices",
    "industry.enterprises": "Industry model enterprises",
    "emissions": "Emissions ledger",
    "sweep.results": "Sweep results",
    "backcast": "Backcast",
    "miit": "MIIT annual announcements (linkage.data.miit_annual)",
    "bases": "Conversion bases (conversions.list_bases, linkage convert --list-bases)",
    "data": "Published prices and grid factors (conversions.cea_prices, nev_credit_prices, "
            "grid_factors)",
    "brief": "Tables of the brief (linkage brief)",
}
#: Units as the page writes them (the vocabulary's pint expressions otherwise).
_SHOWN_UNITS = {"L_per_100km": "L/100 km", "kWh_per_100km": "kWh/100 km",
                "vehicle_10k": "10^4 vehicle", "credit_10k": "10^4 credit"}
_ROLE = re.compile(r":[a-z:]+:`~?([^`<]+?)(?:\s*<[^>]+>)?`")
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")


# ----------------------------------------------------------------------------- helpers
def _unit(unit: str) -> str:
    """`` [unit]`` of a quantity, ``(text)``/``(bool)`` for a label or flag."""
    if unit in ("text", "bool"):
        return f" ({unit})"
    if unit == "per-row":
        return " (in the unit of its row)"
    shown = unit
    for expr, text in _SHOWN_UNITS.items():
        shown = shown.replace(expr, text)
    return f" [{shown}]"


def _plain(text: str) -> str:
    """reST of a docstring as Markdown: roles and double backquotes to code spans."""
    text = _ROLE.sub(lambda m: f"`{m.group(1).strip()}`", text)
    return text.replace("``", "`")


def _first_paragraph(obj: Any) -> str:
    doc = inspect.getdoc(obj) or ""
    para = doc.strip().split("\n\n")[0]
    return _plain(" ".join(para.split()))


def _default(value: Any) -> str:
    if isinstance(value, Path):
        try:
            return repr(value.resolve().relative_to(SOURCE).as_posix())
        except ValueError:
            return repr(value.name)
    if inspect.isfunction(value) or inspect.isclass(value):
        return value.__name__
    return _ADDRESS.sub("", repr(value))


def _signature(obj: Any) -> str | None:
    """``(a, b=1, *, c=None)``: names and defaults, no annotations."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    parts: list[str] = []
    star = False
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            parts.append(f"*{p.name}")
            star = True
            continue
        if p.kind is p.VAR_KEYWORD:
            parts.append(f"**{p.name}")
            continue
        if p.kind is p.KEYWORD_ONLY and not star:
            parts.append("*")
            star = True
        parts.append(p.name if p.default is p.empty else f"{p.name}={_default(p.default)}")
    return "(" + ", ".join(parts) + ")"


def _data(value: Any) -> str:
    """A short description of a constant of ``__all__``."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Path):
        return f"path `{_default(value)[1:-1]}`"
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return ", ".join(f"`{v}`" for v in value)
    if isinstance(value, dict):
        keys = list(value)
        shown = ", ".join(f"`{k}`" for k in keys[:12])
        return f"mapping of {len(keys)} entries: {shown}" + (", ..." if len(keys) > 12 else "")
    if isinstance(value, tuple | list):
        labels = [getattr(v, "field", None) or getattr(v, "name", None) for v in value]
        kinds = sorted({type(v).__name__ for v in value})
        what = f"{len(value)} `{'`, `'.join(kinds)}`"
        if all(isinstance(label, str) for label in labels):
            return what + ": " + ", ".join(f"`{label}`" for label in labels)
        return what
    return f"a `{type(value).__name__}`" + (f": {_first_paragraph(type(value))}"
                                            if type(value).__module__.split(".")[0]
                                            in ("conversions", "linkage", "optimize") else "")


def _kind(obj: Any) -> str:
    if inspect.isclass(obj):
        return "exception" if issubclass(obj, BaseException) else "class"
    if callable(obj):
        return "function"
    return "data"


# ----------------------------------------------------------------------------- sections
def _head() -> list[str]:
    return [
        "# Glossary (generated)",
        "",
        "<!-- GENERATED FILE: do not edit by hand. -->",
        "",
        "**This page is generated by `docs/generate_glossary.py` from the code: the vocabulary "
        "(`conversions/data/vocabulary.toml`), the `__all__` of each package, the `linkage` "
        "command group and the rulebooks. Do not edit it by hand:** change the vocabulary or "
        "the docstrings, then run `python docs/generate_glossary.py`. The test suite fails when "
        "this page is out of date (`python docs/generate_glossary.py --check`) and when the code "
        "uses a public name that is not in the vocabulary (`tests/test_vocabulary.py`).",
        "",
        "Canonical names of the library with their units in brackets: the same name means the "
        "same thing in the code, the files and these pages, and a quantity's name ends in its "
        "unit (`_l_per_100km`, `_cny_per_credit`, `_t_co2e`, ...). Units are pint expressions of "
        "the library's registry (`conversions/units.txt`): [credit] is one CAFC or NEV credit "
        "(`cafc_credit`, `nev_credit`), [vehicle] one vehicle, [CNY] yuan (money of the year "
        "unless \"discounted\"), [t_CO2e] tonnes of CO2-equivalent, [L/100 km] litres per "
        "100 km; [-] is dimensionless, [count] a number of things, [year] a calendar year; "
        "(text) and (bool) mark labels and flags. A name \"formerly\" spelt otherwise is still "
        "read under its old spelling from input files and keyword arguments, with a "
        "`DeprecationWarning` (`conversions.vocabulary`); outputs use the canonical name only.",
        "",
        "Contents: [terms](#terms) · [`linkage`](#package-linkage) · "
        "[`linkage.ledger`](#package-linkageledger) · [`optimize`](#package-optimize) · "
        "[`conversions`](#package-conversions) · "
        "[`conversions.vocabulary`](#package-conversionsvocabulary) · "
        "[arguments and attributes](#arguments-and-attributes-of-the-python-api) · "
        "[scenario and sweep files](#keys-of-scenario-and-sweep-files) · "
        "[columns of inputs and outputs](#columns-of-inputs-and-outputs) · "
        "[command line](#command-line) · [rulebook keys](#rulebook-keys)",
        "",
    ]


def _terms() -> list[str]:
    lines = ["## Terms", ""]
    lines += [f"- **{t.term}** — {t.meaning}" for t in vocab.terms()]
    return [*lines, ""]


def _package(name: str) -> list[str]:
    module = importlib.import_module(name)
    lines = [f"## Package `{name}`", "", _first_paragraph(module), "",
             f"Exported by `{name}` (`{name}.__all__`):", ""]
    for public in module.__all__:
        obj = getattr(module, public)
        kind = _kind(obj)
        if kind == "data":
            lines.append(f"- **`{public}`** — {_data(obj)}")
            continue
        sig = _signature(obj) if kind != "exception" else None
        text = _first_paragraph(obj)
        head = f"- **`{public}`** ({kind})" + (f" `{sig}`" if sig else "")
        lines.append(f"{head} — {text}" if text else head)
    if name == "linkage.ledger":
        lines += ["", "Rules of the plan verifier (`Violation.rule`, registered in "
                  "`linkage/ledger/verify_rules.py`):", ""]
        lines += [f"- **`{r.name}`** — {_plain(r.summary)}" for r in RULES.values()]
    return [*lines, ""]


def _formerly(n: vocab.Name) -> str:
    if not n.deprecated:
        return ""
    return " (formerly " + ", ".join(f"**`{d}`**" for d in n.deprecated) + ")"


def _bullet(n: vocab.Name) -> str:
    meaning = n.meaning.rstrip(".").replace(";", ",")
    pint = " (a pint Quantity)" if n.pint else ""
    return f"- **`{n.name}`** — {meaning}{pint}{_formerly(n)}{_unit(n.unit)}"


def _in_context(where: str) -> list[vocab.Name]:
    return sorted((n for n in vocab.vocabulary().values() if where in n.where),
                  key=lambda n: n.name)


def _python_names() -> list[str]:
    lines = ["## Arguments and attributes of the Python API", "",
             "Every argument of a public function and every field or attribute of a public "
             "class, with the objects it appears in.", ""]
    names = [n for n in sorted(vocab.vocabulary().values(), key=lambda n: n.name)
             if any(w.startswith("python.") for w in n.where)]
    for n in names:
        objects = ", ".join(f"`{w.removeprefix('python.')}`" for w in n.where
                            if w.startswith("python."))
        lines.append(f"{_bullet(n)} — in {objects}")
    return [*lines, ""]


def _scenario_keys() -> list[str]:
    lines = ["## Keys of scenario and sweep files", "",
             "Keys of each table of a scenario file (`optimize/schema.py`; the "
             "[user guide](user-guide.md) shows them in use) and of a sweep file's `[sweep]`.",
             ""]
    tables = [w for w in vocab.CONTEXTS if w.startswith("scenario.")] + ["sweep.file"]
    for where in tables:
        table = where.removeprefix("scenario.")
        title = {"sweep.file": "`[sweep]` of a sweep file",
                 "enterprise": "`[[enterprise]]`",
                 "opening": "`[enterprise.opening]`",
                 "abatement": "`[[enterprise.abatement]]`",
                 "technology": "`[[enterprise.technology]]`"}.get(where, f"`[{table}]`")
        if where in ("scenario.opening", "scenario.abatement", "scenario.technology"):
            title = {"opening": "`[enterprise.opening]`",
                     "abatement": "`[[enterprise.abatement]]`",
                     "technology": "`[[enterprise.technology]]`"}[table]
        lines += [f"### {title}", ""]
        lines += [_bullet(n) for n in _in_context(where)]
        lines.append("")
    return lines


def _columns() -> list[str]:
    lines = ["## Columns of inputs and outputs", "",
             "Columns of the tables the library reads and writes (CSV files, DataFrames, "
             "workbook sheets, whose headers carry the unit: `name [unit]`) and the keys of its "
             "JSON summaries.", ""]
    for where, title in TABLES.items():
        lines += [f"### {title}", ""]
        lines += [_bullet(n) for n in _in_context(where)]
        lines.append("")
    return lines


def _option(p: click.Parameter) -> str:
    opts = " / ".join(f"**`{o}`**" for o in [*p.opts, *p.secondary_opts])
    text = " ".join((getattr(p, "help", None) or "").split())
    return f"{opts} ({_plain(text).rstrip('.')})" if text else opts


def _command_line() -> list[str]:
    lines = ["## Command line", "",
             "Commands of `linkage` (details and examples in the [user guide](user-guide.md)); "
             "every command takes **`-h`** / **`--help`**.", ""]
    group = cli_main
    own = [_option(p) for p in group.params if isinstance(p, click.Option)]
    lines.append("- **`linkage`** — " + _first_paragraph(group.callback)
                 + (" Options: " + ", ".join(own) + "." if own else ""))
    for name, cmd in group.commands.items():
        args = " ".join(f"`{p.metavar or p.name.upper()}`" for p in cmd.params
                        if isinstance(p, click.Argument))
        opts = [_option(p) for p in cmd.params if isinstance(p, click.Option)]
        help_text = _plain(" ".join((cmd.help or "").split("\n\n")[0].split()))
        head = f"- **`linkage {name}`**" + (f" {args}" if args else "")
        lines.append(f"{head} — {help_text}" + (" Options: " + ", ".join(opts) + "."
                                                 if opts else ""))
    return [*lines, ""]


def _rulebook_keys() -> list[str]:
    _, families, key_family = _collect()
    lines = ["## Rulebook keys", "",
             "Every key a rulebook year must define, from the schema "
             "(`linkage/rules/data/schema.toml`), grouped by the family of the shipped rulebook "
             "that sets it. Values, years, statuses and sources are in [rules.md](rules.md).",
             ""]
    for fam, info in families.items():
        lines += [f"### Family `{fam}`", "", f"{info['title']}.", ""]
        for key, spec in schema().items():
            if key_family.get(key) == fam:
                lines.append(f"- **`{key}`** — {spec['description']} [{spec['unit']}].")
        lines.append("")
    return lines


def glossary_page() -> str:
    """The Markdown of ``docs/glossary.md``."""
    lines: list[str] = [*_head(), *_terms()]
    for name in PACKAGES:
        lines += _package(name)
    lines += [*_python_names(), *_scenario_keys(), *_columns(), *_command_line(),
              *_rulebook_keys()]
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _stale(paths: Iterable[tuple[Path, str]]) -> list[Path]:
    return [p for p, text in paths if not p.exists() or p.read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    """Write the page, or with ``--check`` return 1 when it is out of date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if docs/glossary.md is out of date")
    args = parser.parse_args(argv)
    stale = _stale([(GLOSSARY, glossary_page())])
    if args.check:
        for p in stale:
            print(f"{p.relative_to(ROOT)} is out of date: run python docs/generate_glossary.py",
                  file=sys.stderr)
        return 1 if stale else 0
    for p in stale:
        p.write_text(glossary_page(), encoding="utf-8")
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
