"""Formatted Excel workbooks of the commands' tables, for compliance teams (``--format xlsx``).

One workbook per run: one sheet per table (the same rows and columns as the CSV files the
command writes otherwise), the unit of each column in its header
(``cafc_actual_l_per_100km [L/100 km]``), the header row frozen, numbers stored as numbers,
columns sized to their contents, and a ``notes`` sheet with the provisional or scenario rule
parameters the results relied on, their sources, and the run's assumptions.

The units come from the one vocabulary (:mod:`conversions.vocabulary`: the unit of each
public name, and the unit suffixes of names such as ``_l_per_100km`` or ``_cny_per_credit``,
:data:`UNIT_SUFFIXES`), and for the few names without a unit suffix outside it (years,
counts) from :data:`COLUMN_UNITS`; :func:`column_unit` reads them.

The workbook is written through :func:`linkage.outputs.write_files` (a hidden temporary
sibling renamed into place, the overwrite policy, a lock): whole or not at all.

This module belongs to the application layer: it may read results of every layer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conversions.vocabulary import NAME_QUALIFIERS, suffixes, vocabulary
from linkage.outputs import OutputError, write_files
from linkage.rules import RuleSet

__all__ = [
    "COLUMN_UNITS",
    "DIMENSIONLESS_SUFFIXES",
    "NOTES_COLUMNS",
    "UNIT_SUFFIXES",
    "column_header",
    "column_unit",
    "credits_workbook",
    "ledger_workbook",
    "market_workbook",
    "notes_table",
    "optimize_workbook",
    "write_workbook",
]

#: Unit of the output columns without a unit suffix that the vocabulary
#: (:func:`conversions.vocabulary.vocabulary`) does not list, or lists with the unit of the
#: row (``quantity``): years, counts.
COLUMN_UNITS: dict[str, str] = {
    "year": "year", "vintage": "year", "first_year": "year", "last_year": "year",
    "provisional_parameters": "count", "seat_rows": "count",
    # `quantity` is in credits or t CO2e, as its row's `unit` column says
    "quantity": "credit or t CO2e, see unit",
}


def _shown(unit: str) -> str:
    """A vocabulary unit as a header shows it: ``L_per_100km`` -> ``L/100 km``,
    ``t_CO2e`` -> ``t CO2e``."""
    return (unit.replace("_per_100km", "/100 km").replace("t_CO2e", "t CO2e")
            .replace("vehicle_10k", "10^4 vehicle").replace("credit_10k", "10^4 credit"))


#: Unit suffixes of column names, the longest first [(suffix, unit)]: the vocabulary's
#: (:func:`conversions.vocabulary.suffixes`), after the scaled counts of the MIIT table.
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_10k_vehicles", "10^4 vehicle"),
    ("_10k_credits", "10^4 credit"),
    *((suffix, _shown(unit)) for suffix, unit in suffixes().items()),
)

#: Name endings of dimensionless quantities (unit ``-``), as the vocabulary's conventions say.
DIMENSIONLESS_SUFFIXES = ("_share", "_ratio", "_factor", "_rate", "_weight", "_multiplier",
                          "_error")

#: Columns of the ``notes`` sheet.
NOTES_COLUMNS = ["topic", "year", "key", "value", "unit", "status", "source"]

_MAX_WIDTH = 60
_SHEET_NAME_MAX = 31


def column_unit(name: str) -> str | None:
    """Unit of an output column, from its name.

    Parameters
    ----------
    name : str
        Column name (e.g. ``cafc_actual_l_per_100km``, ``cash_flow_cny``).

    Returns
    -------
    str or None
        The unit as the glossary writes it (``"L/100 km"``, ``"CNY"``, ``"-"``), or None for
        a column without a unit (names, text, flags).
    """
    known = vocabulary().get(name)
    if known is not None and known.unit in ("text", "bool"):
        return None
    if known is not None and name not in COLUMN_UNITS:
        # a qualified name (cost_cny_per_unit) has the amount's unit in the vocabulary
        per = next((q for q in NAME_QUALIFIERS if name.endswith(q)), None)
        return _shown(known.unit) + (f"/{per[len('_per_'):]}" if per else "")
    if name in COLUMN_UNITS:
        return COLUMN_UNITS[name]
    base, per_unit = (name[:-len("_per_unit")], "/unit") if name.endswith("_per_unit") \
        else (name, "")
    for suffix, unit in UNIT_SUFFIXES:
        if base.endswith(suffix):
            return unit + per_unit
    if name.endswith(DIMENSIONLESS_SUFFIXES):
        return "-"
    return None


def column_header(name: str) -> str:
    """Header text of a column: ``name [unit]`` or the bare name for unitless columns."""
    unit = column_unit(name)
    return f"{name} [{unit}]" if unit else name


# --------------------------------------------------------------------------- cells
def _cell(value: Any) -> Any:
    """A Python value openpyxl stores with the right type (numbers as numbers)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        if math.isnan(v):
            return None
        if math.isinf(v):  # Excel has no infinity: shown as text, never a wrong number
            return "inf" if v > 0 else "-inf"
        return v
    if isinstance(value, list | tuple | dict | set):
        return str(list(value) if isinstance(value, tuple | set) else value)
    return value if isinstance(value, str) else str(value)


def _number_format(series: pd.Series, name: str) -> str | None:
    if pd.api.types.is_bool_dtype(series):
        return None
    if name in ("year", "vintage", "first_year", "last_year", "row"):
        return "0"
    if pd.api.types.is_integer_dtype(series):
        return "#,##0"
    if pd.api.types.is_float_dtype(series):
        return "#,##0.00##"
    return None


def _width(header: str, values: Iterable[Any]) -> float:
    longest = max([len(header), *(len(f"{v:,.2f}") if isinstance(v, float) else len(str(v))
                                  for v in values if v is not None)], default=len(header))
    return float(min(longest + 2, _MAX_WIDTH))


def _check_sheet_names(names: Sequence[str]) -> None:
    bad = [n for n in names if not n or len(n) > _SHEET_NAME_MAX or set(n) & set("[]:*?/\\")]
    if bad or len(set(names)) != len(names):
        raise ValueError(f"invalid or repeated sheet names: {list(names)}")


def _fill_sheet(ws: Any, table: pd.DataFrame) -> None:
    # lazy: openpyxl costs ~0.17 s to import; only a workbook output needs it
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    headers = [column_header(str(c)) for c in table.columns]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    columns = [[_cell(v) for v in table[c].tolist()] for c in table.columns]
    for row in zip(*columns, strict=True) if columns else ():
        ws.append(list(row))
    for j, (name, header, values) in enumerate(zip(table.columns, headers, columns,
                                                   strict=True), start=1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = _width(header, values)
        fmt = _number_format(table[name], str(name))
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.number_format = fmt
    ws.freeze_panes = "A2"


def write_workbook(path: str | Path, sheets: Mapping[str, pd.DataFrame]) -> None:
    """Write the tables to one ``.xlsx`` workbook at ``path`` (no atomicity: see callers).

    Parameters
    ----------
    path : path
        Where to save (a temporary sibling when called through :func:`save_workbook`).
    sheets : mapping
        Sheet name -> table, in order; headers get their units, the header row is frozen.
    """
    # lazy: openpyxl costs ~0.17 s to import; only a workbook output needs it
    from openpyxl import Workbook

    _check_sheet_names(list(sheets))
    wb = Workbook()
    wb.remove(wb.active)
    for name, table in sheets.items():
        _fill_sheet(wb.create_sheet(name), table)
    wb.save(path)


def save_workbook(out: str | Path, sheets: Mapping[str, pd.DataFrame], *,
                  overwrite: bool = False) -> Path:
    """Write a workbook whole or not at all (:func:`linkage.outputs.write_files`).

    Parameters
    ----------
    out : path
        The workbook; its name must end in ``.xlsx``.
    sheets : mapping
        Sheet name -> table.
    overwrite : bool
        Replace an existing file; otherwise it is refused.

    Returns
    -------
    Path
        The workbook written.

    Raises
    ------
    linkage.outputs.OutputError
        The name does not end in ``.xlsx``, or the file cannot be written.
    """
    check_workbook_name(out)
    write_files({Path(out): lambda p: write_workbook(p, sheets)}, overwrite=overwrite)
    return Path(out)


def check_workbook_name(out: str | Path) -> None:
    """Refuse a workbook name that does not end in ``.xlsx`` (Excel would not open it)."""
    if not str(out).lower().endswith(".xlsx"):
        raise OutputError(out, "a workbook's file name must end in .xlsx (--format xlsx)")


# --------------------------------------------------------------------------- notes
def notes_table(rules: RuleSet, used: Iterable[tuple[int, str]],
                notes: Iterable[tuple[str, str]] = ()) -> pd.DataFrame:
    """The ``notes`` sheet: provisional parameters used, with sources, then free notes.

    Parameters
    ----------
    rules : RuleSet
        The rules the run used.
    used : iterable of (year, key)
        Provisional or scenario parameters the results relied on.
    notes : iterable of (topic, text)
        Further rows (assumptions, inputs); the text goes to ``value``.

    Returns
    -------
    DataFrame
        Columns :data:`NOTES_COLUMNS`.
    """
    rows = []
    for year, key in sorted(set(used)):
        p = rules.for_year(year).parameter(key)
        rows.append({"topic": "provisional parameter", "year": year, "key": key,
                     "value": _cell(p.value), "unit": p.unit, "status": p.status,
                     "source": p.source})
    rows += [{"topic": topic, "value": text} for topic, text in notes]
    rows.append({"topic": "note", "value": "Every provisional or scenario parameter of a "
                 "year, with its source: `linkage rules --year Y`; sources of the shipped "
                 "rules: docs/rules.md."})
    return pd.DataFrame(rows, columns=NOTES_COLUMNS)


def _item_unit(item: str) -> str | None:
    """Unit of a flattened summary item: that of its last named part with a unit.

    ``enterprises.A.shadow_price_nev_cny_per_credit.2026`` -> ``CNY/credit``.
    """
    for part in reversed(item.split(".")):
        if part.isdigit():
            continue
        unit = column_unit(part)
        if unit is not None:
            return unit
    return None


def _summary_rows(summary: Mapping[str, Any], prefix: str = "") -> list[dict[str, Any]]:
    """A JSON summary flattened to ``item, value, unit`` rows (nested keys joined by ``.``)."""
    rows: list[dict[str, Any]] = []
    for k, v in summary.items():
        name = f"{prefix}{k}"
        if isinstance(v, Mapping):
            rows += _summary_rows(v, prefix=name + ".")
            continue
        value = "; ".join(map(str, v)) if isinstance(v, list) else v
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        rows.append({"item": name, "value": value,
                     "unit": _item_unit(name) if is_number else None})
    return rows


def summary_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """``summary.json`` as a table (``item``, ``value``, ``unit``), numbers kept numbers.

    Nested keys are joined with ``.`` (``enterprises.A.total_cost_cny``); lists are written
    as ``;``-separated text.
    """
    return pd.DataFrame(_summary_rows(summary), columns=["item", "value", "unit"])


# --------------------------------------------------------------------------- commands
def credits_workbook(res: Any, statement_columns: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Sheets of ``linkage credits --format xlsx``: statements, per-model table, notes.

    Parameters
    ----------
    res : linkage.accounting.CreditResult
    statement_columns : sequence of str
        The statement columns written by ``--out`` (``STATEMENT_COLUMNS``).
    """
    prov = res.provisional_parameters()
    used = [(int(r.year), str(r.key)) for r in prov.itertuples()]
    return {"statements": res.statements[list(statement_columns)], "models": res.models,
            "notes": notes_table(res.rules, used,
                                 [("adjustments", f"adjustments={res.adjustments}")])}


def ledger_workbook(res: Any, positions: pd.DataFrame, rules: RuleSet,
                    years: Sequence[int], observed: Iterable[int]) -> dict[str, pd.DataFrame]:
    """Sheets of ``linkage ledger --format xlsx``: transactions, positions, ratios, notes.

    Parameters
    ----------
    res : linkage.ledger.LedgerResult
    positions : DataFrame
        The per-enterprise and year summary the command prints (index enterprise, year).
    rules : RuleSet
    years : sequence of int
        Simulated years.
    observed : iterable of int
        Years whose supply/demand ratio was given, not computed.
    """
    seen = set(observed)
    ratios = pd.DataFrame({"year": list(res.ratios),
                           "supply_demand_ratio": [float(r) for r in res.ratios.values()],
                           "ratio_source": ["observed" if y in seen else "computed"
                                            for y in res.ratios]})
    frame = rules.to_frame(list(years))
    prov = frame[frame["status"].isin(["provisional", "scenario"])]
    used = [(int(r.year), str(r.key)) for r in prov.itertuples()]
    notes = [("assumption", a) for a in res.assumptions]
    notes.append(("note", "Provisional parameters listed: every one in force in the simulated "
                  "years (the ledger does not track which ones each row relied on)."))
    return {"transactions": res.transactions, "positions": positions.reset_index(),
            "ratios": ratios, "notes": notes_table(rules, used, notes)}


def _enterprise_years(enterprises: Mapping[str, Any]) -> pd.DataFrame:
    rows = []
    for name, r in enterprises.items():
        for y in sorted(r.shadow_price_nev_cny_per_credit):
            unc = r.uncovered_credits.get(y, {})
            rows.append({
                "enterprise": name, "year": int(y),
                "shadow_price_nev_cny_per_credit": r.shadow_price_nev_cny_per_credit.get(y),
                "shadow_price_cafc_cny_per_credit":
                    r.shadow_price_cafc_cny_per_credit.get(y),
                "implied_carbon_price_cny_per_t_co2e":
                    r.implied_carbon_price_cny_per_t_co2e.get(y),
                "uncovered_cafc_credits": float(unc.get("cafc", 0.0)),
                "uncovered_nev_credits": float(unc.get("nev", 0.0)),
            })
    return pd.DataFrame(rows, columns=[
        "enterprise", "year", "shadow_price_nev_cny_per_credit",
        "shadow_price_cafc_cny_per_credit", "implied_carbon_price_cny_per_t_co2e",
        "uncovered_cafc_credits", "uncovered_nev_credits"])


def _enterprise_costs(enterprises: Mapping[str, Any]) -> pd.DataFrame:
    rows = []
    for name, r in enterprises.items():
        for lever, cost in r.cost_by_instrument_cny.items():
            rows.append({"enterprise": name, "lever": lever, "discounted_cost_cny": cost})
        rows.append({"enterprise": name, "lever": "total",
                     "discounted_cost_cny": r.total_cost_cny})
    return pd.DataFrame(rows, columns=["enterprise", "lever", "discounted_cost_cny"])


def _scenario_used(scenario: Any, keys: Iterable[str]) -> list[tuple[int, str]]:
    """(year, key) of the provisional parameters among ``keys`` in the scenario's years."""
    out = []
    for y in scenario.years:
        book = scenario.rules.for_year(y)
        for k in keys:
            if k in book and book.parameter(k).provisional:
                out.append((int(y), k))
    return out


def optimize_workbook(res: Any) -> dict[str, pd.DataFrame]:
    """Sheets of ``linkage optimize --format xlsx``: plan, summary, per-enterprise, notes.

    Parameters
    ----------
    res : optimize.ScenarioResult
    """
    sc = res.scenario
    notes = [("scenario", f"{sc.name} ({sc.rules_label} rules)"),
             ("assumption", "costs: discounted at the scenario's rate to its first year; "
                            "shadow prices: money of the year")]
    notes += [("assumption", a) for a in getattr(sc, "basis_assumptions", []) or []]
    return {"plan": res.plan, "summary": summary_table(res.summary()),
            "enterprise_years": _enterprise_years(res.enterprises),
            "enterprise_costs": _enterprise_costs(res.enterprises),
            "notes": notes_table(sc.rules, _scenario_used(sc, res.provisional_parameters),
                                 notes)}


def market_workbook(res: Any, scenario: Any) -> dict[str, pd.DataFrame]:
    """Sheets of ``linkage market --format xlsx``: prices, enterprises, plan, summary, notes.

    Parameters
    ----------
    res : optimize.IndustryResult
    scenario : optimize.Scenario
    """
    notes = [("scenario", f"{scenario.name} ({scenario.rules_label} rules)"),
             ("assumption", "prices and per-enterprise costs: money of the year; total cost "
                            "discounted")]
    return {"prices": res.prices, "enterprises": res.enterprises, "plan": res.plan,
            "summary": summary_table(res.summary()),
            "notes": notes_table(scenario.rules,
                                 _scenario_used(scenario, res.provisional_parameters), notes)}
