"""Reading and validating fleet and enterprise tables.

A fleet table has one row per vehicle model, enterprise and compliance year. It comes from a
CSV file, an XLSX file (first sheet) or a :class:`pandas.DataFrame`. Validation is vectorised and
strict: the first broken rule raises :class:`~linkage.errors.FleetError` naming the file, the
row (as a spreadsheet shows it: the header is row 1), the column and the rule. Nothing is
clamped, defaulted silently or dropped.
"""

from __future__ import annotations

import csv
import decimal
import io
import numbers
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from conversions.vocabulary import rename_deprecated
from linkage.console import did_you_mean
from linkage.errors import FleetError, InputError
from linkage.rules.loader import rule_unit

__all__ = [
    "ADJUSTMENT_MODES",
    "ENTERPRISE_COLUMNS",
    "FLEET_COLUMNS",
    "POWERTRAINS",
    "read_enterprises",
    "read_fleet",
]

#: Powertrain classes. Conventional = ICE + HEV; NEV = PHEV + BEV + FCEV.
POWERTRAINS = ("ICE", "HEV", "PHEV", "BEV", "FCEV")
_ALIASES = {"EREV": "PHEV", "REEV": "PHEV"}
CONVENTIONAL = ("ICE", "HEV")
NEV = ("PHEV", "BEV", "FCEV")
ADJUSTMENT_MODES = ("strict", "neutral")


@dataclass(frozen=True)
class _Col:
    kind: str  # "text", "int", "float", "bool", "powertrain"
    required: bool
    unit: str
    description: str


#: Columns of a fleet table: name -> (kind, required, unit, description).
FLEET_COLUMNS: dict[str, _Col] = {
    "enterprise": _Col("text", True, "", "Enterprise name"),
    "year": _Col("int", True, "year", "Compliance year"),
    "model": _Col("text", True, "", "Model name, unique within an enterprise and year"),
    "powertrain": _Col("powertrain", True, "", "ICE, HEV, PHEV, BEV or FCEV"),
    "volume_vehicles": _Col("int", True, "vehicle",
                            "Domestic production or imports, exports excluded"),
    "curb_mass_kg": _Col("float", True, "kg", "Curb mass"),
    "seat_rows": _Col("int", False, "seat_row", "Seat rows (default 2)"),
    "fuel_consumption_l_per_100km": _Col(
        "float", False, "L/100km", "Certified WLTC combined fuel consumption (ICE, HEV, PHEV)"
    ),
    "off_cycle_reduction_l_per_100km": _Col(
        "float", False, "L/100km", "Off-cycle technology reduction (default 0)"
    ),
    "electric_range_km": _Col("float", False, "km", "Electric range (BEV, PHEV)"),
    "energy_consumption_kwh_per_100km": _Col(
        "float", False, "kWh/100km", "Electric energy consumption (BEV)"
    ),
    "battery_energy_density_wh_per_kg": _Col(
        "float", False, "Wh/kg", "Battery-system energy density (BEV)"
    ),
    "fuel_cell_power_kw": _Col("float", False, "kW", "Rated fuel-cell power (FCEV)"),
    "nev_credit_per_vehicle": _Col(
        "float", False, "credit/vehicle",
        "Official per-vehicle NEV credit; overrides the computed one",
    ),
    "phev_cs_condition_met": _Col(
        "bool", False, "", "Whether the PHEV meets the charge-sustaining fuel-consumption condition"
    ),
    "phev_cd_energy_consumption_kwh_per_100km": _Col(
        "float", False, "kWh/100km",
        "Electric energy consumption of a PHEV in charge-depleting mode (GB/T 19753)",
    ),
    "phev_utility_factor": _Col(
        "float", False, "1",
        "Utility factor UF of a PHEV (share of distance in charge-depleting mode, GB/T 19753)",
    ),
    "nev_low_temperature_factor": _Col(
        "float", False, "1",
        "Low-temperature range factor of a BEV (notice 294, from 2026; optional)",
    ),
}

#: Columns of an enterprise table.
ENTERPRISE_COLUMNS: dict[str, _Col] = {
    "enterprise": _Col("text", True, "", "Enterprise name, as in the fleet table"),
    "year": _Col("int", False, "year", "Compliance year the row applies to (default: all)"),
    "group": _Col("text", False, "", "Affiliate group (for CAFC transfers)"),
    "small_independent": _Col(
        "bool", False, "", "Independent small maker or authorised small importer (asks for relief)"
    ),
    "previous_cafc_actual_l_per_100km": _Col(
        "float", False, "L/100km", "Actual CAFC of the year before (for the relief)"
    ),
}

# Every column unit is a unit of the library's pint registry (parsed once, on import).
for _col in (*FLEET_COLUMNS.values(), *ENTERPRISE_COLUMNS.values()):
    if _col.unit:
        rule_unit(_col.unit)

# Plausibility bounds (inclusive) of numeric inputs: outside them the value is rejected.
_BOUNDS: dict[str, tuple[float, float]] = {
    "year": (2016, 2100),
    "volume_vehicles": (0, 100_000_000),
    "curb_mass_kg": (300.0, 6000.0),
    "seat_rows": (1, 4),
    "fuel_consumption_l_per_100km": (0.0, 30.0),
    "off_cycle_reduction_l_per_100km": (0.0, 2.0),
    "electric_range_km": (0.0, 2000.0),
    "energy_consumption_kwh_per_100km": (0.0, 100.0),
    "battery_energy_density_wh_per_kg": (0.0, 1000.0),
    "fuel_cell_power_kw": (0.0, 1000.0),
    "nev_credit_per_vehicle": (0.0, 10.0),
    "phev_cd_energy_consumption_kwh_per_100km": (0.0, 100.0),
    "phev_utility_factor": (0.0, 1.0),
    "nev_low_temperature_factor": (0.0, 2.0),
    "previous_cafc_actual_l_per_100km": (0.0, 30.0),
}

#: Cell texts read as a missing value in CSV files (as pandas does).
_NA_TEXT = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a", "<na>"})
_TRUE = {"true", "1", "yes", "y", "t", "1.0"}
_FALSE = {"false", "0", "no", "n", "f", "0.0"}


class _Checker:
    """Raises FleetError for the first row of a mask, naming file, row and column."""

    def __init__(self, file: str, rows: np.ndarray) -> None:
        self.file = file
        self.rows = rows

    def fail(self, mask: np.ndarray, column: str | None, rule: str | Callable[[int], str]) -> None:
        bad = np.flatnonzero(mask)
        if bad.size == 0:
            return
        i = int(bad[0])
        text = rule(i) if callable(rule) else rule
        if bad.size > 1:
            text += f" ({bad.size - 1} more row(s) break the same rule)"
        raise FleetError(text, file=self.file, row=int(self.rows[i]), column=column)


def _frame_rows(df: pd.DataFrame) -> np.ndarray:
    idx = df.index.to_numpy()
    return idx if np.issubdtype(idx.dtype, np.integer) else np.arange(len(df))


def _from_records(
    header: list[object], records: list[list[object]], rows: list[int], name: str
) -> pd.DataFrame:
    """Build the raw frame; the header must be unique after normalisation."""
    names = [str(c).strip().lower() for c in header]
    seen: set[str] = set()
    for c in names:
        if c in seen:
            raise FleetError("column appears more than once in the header", file=name, row=1,
                             column=c)
        seen.add(c)
    df = pd.DataFrame(records, columns=names, dtype=object)
    df.index = pd.Index(rows, dtype=np.int64)
    return df


def _decode(path: Path, name: str) -> str:
    """The file's text (UTF-8, optional BOM); a bad byte is located by its line and column."""
    try:
        data = path.read_bytes()
    except OSError as exc:  # a directory, no permission, ...
        raise FleetError(f"cannot read the file: {exc.strerror or exc}", file=name) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        start = data.rfind(b"\n", 0, exc.start) + 1
        header = data[:data.find(b"\n")].decode("utf-8-sig", errors="replace").split(",")
        field = data[start:exc.start].count(b",")  # unquoted commas before the byte
        column = (header[field].strip().lower() or None
                  if line > 1 and field < len(header) else None)
        # a bad byte in the header: the whole file is in another encoding (UTF-16, GBK)
        raise FleetError(f"not a UTF-8 text file: byte 0x{data[exc.start]:02x} cannot be "
                         "decoded (save the file as UTF-8)", file=name,
                         row=line if line > 1 else None, column=column) from None


def _read_csv(path: Path, name: str, what: str) -> pd.DataFrame:
    text = _decode(path, name)
    try:
        with io.StringIO(text, newline="") as fh:
            reader = csv.reader(fh, skipinitialspace=True)
            header: list[object] | None = None
            records: list[list[object]] = []
            rows: list[int] = []
            for fields in reader:
                line = reader.line_num
                if header is None:
                    if not fields or all(not f.strip() for f in fields):
                        raise FleetError(f"the {what} file has no header on its first line",
                                         file=name, row=line)
                    header = list(fields)
                    continue
                if not fields or all(not f.strip() for f in fields):
                    continue  # blank line: no data, later rows keep their true line numbers
                if len(fields) != len(header):
                    raise FleetError(
                        f"{len(fields)} fields where the header has {len(header)} (a comma "
                        "inside an unquoted value, such as 40,000?)", file=name, row=line,
                    )
                records.append([None if f.strip().lower() in _NA_TEXT else f for f in fields])
                rows.append(line)
    except csv.Error as exc:
        raise FleetError(f"not a readable CSV file: {exc}", file=name) from None
    if header is None:
        raise FleetError(f"the {what} file is empty", file=name)
    return _from_records(header, records, rows, name)


def _read_xlsx(path: Path, name: str) -> pd.DataFrame:
    try:
        sheet = pd.read_excel(path, sheet_name=0, header=None, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for a corrupt file
        raise FleetError(f"cannot read the file as XLSX: {exc}", file=name) from None
    if sheet.empty:
        raise FleetError("the first sheet is empty", file=name)
    values = sheet.to_numpy(dtype=object)
    if pd.isna(values).any():
        _refuse_unsaved_formulas(path, name, values[0])
    header = list(values[0])
    body = values[1:]
    keep = ~pd.isna(body).all(axis=1) if len(body) else np.zeros(0, bool)
    rows = (np.arange(len(body)) + 2)[keep].tolist()
    return _from_records(header, body[keep].tolist(), rows, name)


def _refuse_unsaved_formulas(path: Path, name: str, header: np.ndarray) -> None:
    """A formula cell without a saved value reads as blank: refuse it, never read it so."""
    from openpyxl import load_workbook  # lazy: only XLSX input with blank cells needs it

    wb = load_workbook(path, read_only=True, data_only=False)
    wb_saved = load_workbook(path, read_only=True, data_only=True)
    try:
        ws, cached = wb.worksheets[0], wb_saved.worksheets[0]
        for r, (row, saved) in enumerate(zip(ws.iter_rows(), cached.iter_rows(), strict=False),
                                         start=1):
            for c, (cell, value) in enumerate(zip(row, saved, strict=False)):
                if getattr(cell, "data_type", None) == "f" and value.value is None:
                    column = str(header[c]).strip().lower() if c < len(header) else None
                    raise FleetError(
                        f"a formula ({cell.value}) without a saved value: enter the number, "
                        "or open and save the file in a spreadsheet program",
                        file=name, row=r, column=column,
                    )
    finally:
        wb.close()
        wb_saved.close()


def _read_table(
    source: str | Path | pd.DataFrame, what: str
) -> tuple[pd.DataFrame, str, np.ndarray]:
    """Read CSV/XLSX/DataFrame into raw values; return (frame, source name, row numbers).

    Row numbers are the file's line (CSV) or sheet row (XLSX), header = 1; for a DataFrame,
    the index label.
    """
    if isinstance(source, pd.DataFrame):
        df = source.copy()
        names = [str(c).strip().lower() for c in df.columns]
        dup = [c for i, c in enumerate(names) if c in names[:i]]
        if dup:
            raise FleetError("column appears more than once", file="<DataFrame>", column=dup[0])
        df.columns = names
        return df, "<DataFrame>", _frame_rows(df)
    path = Path(source)
    name = str(source)
    if not path.exists():
        raise FleetError(f"{what} file not found", file=name)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        df = _read_csv(path, name, what)
    elif suffix in (".xlsx", ".xlsm"):
        df = _read_xlsx(path, name)
    else:
        raise FleetError(f"unsupported file type '{suffix}': use .csv or .xlsx", file=name)
    return df, name, df.index.to_numpy()


def _normalise_columns(df: pd.DataFrame, spec: dict[str, _Col], check: _Checker,
                       where: str) -> pd.DataFrame:
    df = df.rename(columns=lambda c: str(c).strip().lower())
    dup = df.columns[df.columns.duplicated()]
    if len(dup):
        raise FleetError("column appears more than once", file=check.file, row=1,
                         column=str(dup[0]))
    try:  # deprecated spellings of the vocabulary (context ``where``), with a warning
        renamed = rename_deprecated(df.columns, where, file=check.file, stacklevel=4)
    except InputError as exc:
        raise FleetError(exc.rule, file=check.file, row=1, column=exc.key) from None
    df = df.rename(columns=renamed)
    unknown = [c for c in df.columns if c not in spec]
    if unknown:
        raise FleetError(
            f"unknown column{did_you_mean(unknown[0], spec)} (known columns: {', '.join(spec)})",
            file=check.file,
            row=1,
            column=unknown[0],
        )
    missing = [c for c, s in spec.items() if s.required and c not in df.columns]
    if missing:
        raise FleetError(
            f"required column missing (required: "
            f"{', '.join(c for c, s in spec.items() if s.required)})",
            file=check.file,
            row=1,
            column=missing[0],
        )
    return df



def _blank(values: pd.Series) -> np.ndarray:
    """True where a raw cell is empty: NaN/None or whitespace-only text."""
    if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
        return values.isna().to_numpy()
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    blank_u = np.array([str(u).strip() == "" for u in uniques], dtype=bool)
    if not len(blank_u):
        return codes < 0
    return (codes < 0) | blank_u[np.clip(codes, 0, None)]


#: A number as a cell may write it: plain decimal notation, nothing stripped (no thousands
#: separator, currency sign, unit, ``inf`` or ``nan``).
_NUMBER_TEXT = r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*"
_NUMBER_RE = re.compile(_NUMBER_TEXT)
#: Kinds of :func:`pandas.api.types.infer_dtype` whose cells are all real numbers (no bools).
_REAL_KINDS = frozenset({"integer", "floating", "mixed-integer-float", "empty"})


def _number_cell(value: object) -> float | None:
    """A cell's number, or None when the cell is not a number (bool, date, free text, ...)."""
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, numbers.Real | decimal.Decimal):
        return float(value)
    if isinstance(value, str) and _NUMBER_RE.fullmatch(value):
        return float(value)
    return None


def _to_numeric(values: pd.Series, column: str, check: _Checker) -> np.ndarray:
    """A numeric column as floats (NaN where blank); refuses anything but finite numbers.

    The same rule for CSV, XLSX and DataFrame input: a cell is a number (an int or float cell,
    or text in plain decimal notation) or blank. True/false cells, dates, ``1,500``, ``¥800``
    and non-finite numbers are refused, never converted.
    """
    def got(i: int) -> str:
        return f"expected a number, got {_shown(values.iloc[i])}"

    if pd.api.types.is_bool_dtype(values.dtype):
        check.fail(~values.isna().to_numpy(), column, got)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_complex_dtype(
            values.dtype):
        num = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        blank = _blank(values)
        cells = values.to_numpy(dtype=object)
        kind = pd.api.types.infer_dtype(cells[~blank], skipna=True)
        if kind in _REAL_KINDS:
            num = pd.to_numeric(pd.Series(np.where(blank, np.nan, cells))).to_numpy(
                dtype=float, na_value=np.nan)
        elif kind == "string":  # parse each distinct text once
            codes, uniques = pd.factorize(np.where(blank, "", cells))
            text = pd.Series(uniques, dtype=object).astype(str)
            ok_u = text.str.fullmatch(_NUMBER_TEXT).to_numpy(dtype=bool)
            check.fail(~blank & ~ok_u[codes], column, got)
            num_u = pd.to_numeric(text.where(ok_u)).to_numpy(dtype=float, na_value=np.nan)
            num = np.where(blank, np.nan, num_u[codes])
        else:  # mixed cell types (XLSX, object DataFrames): cell by cell
            parsed = [None if b else _number_cell(v) for v, b in zip(cells, blank, strict=True)]
            check.fail(~blank & np.array([p is None for p in parsed], dtype=bool), column, got)
            num = np.array([np.nan if p is None else p for p in parsed], dtype=float)
    check.fail(np.isinf(num), column,
               lambda i: f"expected a finite number, got {_shown(values.iloc[i])}")
    return num


def _shown(value: object) -> str:
    """A cell as the message quotes it (numpy scalars as plain Python values)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def _to_bool(values: pd.Series, column: str, check: _Checker) -> np.ndarray:
    """Parse a boolean column: float array with 1.0, 0.0 or NaN (blank)."""
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float)
    if pd.api.types.is_numeric_dtype(values.dtype):
        num = values.to_numpy(dtype=float, na_value=np.nan)
        check.fail(~np.isnan(num) & (num != 0) & (num != 1), column,
                   lambda i: f"expected true or false, got {num[i]!r}")
        return num
    blank = _blank(values)
    text = values.astype(str).str.strip().str.lower()
    is_true = text.isin(_TRUE).to_numpy()
    is_false = text.isin(_FALSE).to_numpy()
    check.fail(
        ~blank & ~is_true & ~is_false,
        column,
        lambda i: f"expected true or false, got {values.iloc[i]!r}",
    )
    out = np.full(len(values), np.nan)
    out[is_true & ~blank] = 1.0
    out[is_false & ~blank] = 0.0
    return out


def _to_text(
    values: pd.Series, column: str, check: _Checker, required: bool, *, strip: bool = True
) -> np.ndarray:
    """Text column as an object array (None where blank); works on unique values."""
    if not strip:
        arr = values.to_numpy(dtype=object).copy()
        blank = pd.isna(arr) | (arr == "")
        if required:
            check.fail(blank, column, "must not be empty")
        arr[blank] = None
        return arr
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    if strip:
        u = np.array([str(x).strip() for x in uniques], dtype=object)
    else:
        u = np.asarray(uniques, dtype=object).astype(str).astype(object)
    blank_u = np.array([x == "" for x in u], dtype=bool)
    blank = (codes < 0) | blank_u[np.clip(codes, 0, None)] if len(u) else codes < 0
    if required:
        check.fail(blank, column, "must not be empty")
    text = u[np.clip(codes, 0, None)] if len(u) else np.full(len(values), None, dtype=object)
    text = np.asarray(text, dtype=object)
    text[blank] = None
    return text


def _check_bounds(num: np.ndarray, column: str, check: _Checker, *, lower_open: bool) -> None:
    lo, hi = _BOUNDS[column]
    ok_lo = num > lo if lower_open else num >= lo
    bad = ~np.isnan(num) & ~(ok_lo & (num <= hi))
    op = ">" if lower_open else ">="
    check.fail(bad, column, lambda i: f"value {num[i]:g} outside the accepted range "
               f"({op} {lo:g} and <= {hi:g})")


def read_fleet(
    source: str | Path | pd.DataFrame, *, adjustments: str = "strict"
) -> pd.DataFrame:
    """Read and validate a fleet table.

    Parameters
    ----------
    source : str, Path or DataFrame
        CSV or XLSX file, or a DataFrame, one row per model, enterprise and year. Columns are
        listed in :data:`FLEET_COLUMNS`; names are case-insensitive. A deprecated spelling
        (``volume`` for ``volume_vehicles``, see :mod:`conversions.vocabulary`) is read with
        a :class:`DeprecationWarning` naming the file; both spellings together are an error.
    adjustments : {"strict", "neutral"}, default "strict"
        What to do when an input of a NEV adjustment factor (BEV energy consumption or energy
        density, PHEV charge-sustaining condition) is missing: ``"strict"`` raises, ``"neutral"``
        applies a factor of 1.0, which every result then reports.

    Returns
    -------
    DataFrame
        Canonical columns with clean dtypes (every column of :data:`FLEET_COLUMNS`, missing
        optional values as NaN) plus ``row`` (the row in the source). ``attrs["source"]`` names
        the source.

    Raises
    ------
    FleetError
        Naming file, row and column of the first broken rule (also: a column given under
        its deprecated and its current name).
    """
    if adjustments not in ADJUSTMENT_MODES:
        raise FleetError(f"adjustments must be one of {ADJUSTMENT_MODES}, got {adjustments!r}")
    raw, name, rows = _read_table(source, "fleet")
    check = _Checker(name, rows)
    raw = _normalise_columns(raw, FLEET_COLUMNS, check, "fleet")
    if len(raw) == 0:
        raise FleetError("the fleet table has no data rows", file=name)

    n = len(raw)
    out: dict[str, np.ndarray] = {}
    for col, spec in FLEET_COLUMNS.items():
        if col not in raw.columns:
            if spec.kind == "text":
                out[col] = np.full(n, None, dtype=object)
            else:
                out[col] = np.full(n, np.nan)
            continue
        values = raw[col]
        if spec.kind == "text":
            out[col] = _to_text(values, col, check, spec.required)
        elif spec.kind == "powertrain":
            text = _to_text(values, col, check, required=False)
            check.fail(pd.isna(text), col, "must not be empty (ICE, HEV, PHEV, BEV or FCEV)")
            codes, uniques = pd.factorize(text)
            upper = np.array([_ALIASES.get(u.upper(), u.upper()) for u in uniques], dtype=object)
            ok_u = np.isin(upper, POWERTRAINS)
            check.fail(~ok_u[codes], col,
                       lambda i, values=values: f"unknown powertrain {values.iloc[i]!r}: "
                       "use ICE, HEV, PHEV, BEV or FCEV")
            out[col] = upper[codes]
        elif spec.kind == "bool":
            out[col] = _to_bool(values, col, check)
        else:
            num = _to_numeric(values, col, check)
            if spec.required:
                check.fail(np.isnan(num), col, "must not be empty")
            if spec.kind == "int":
                frac = ~np.isnan(num) & (num != np.round(num))
                check.fail(frac, col, lambda i, num=num: f"must be a whole number, got {num[i]:g}")
            out[col] = num

    pt = out["powertrain"]
    is_conv = (pt == "ICE") | (pt == "HEV")
    is_bev, is_phev, is_fcev = pt == "BEV", pt == "PHEV", pt == "FCEV"

    check.fail(out["volume_vehicles"] < 0, "volume_vehicles",
               lambda i: f"volume must not be negative, got {out['volume_vehicles'][i]:g}")
    _check_bounds(out["volume_vehicles"], "volume_vehicles", check, lower_open=False)
    _check_bounds(out["year"], "year", check, lower_open=False)
    _check_bounds(out["curb_mass_kg"], "curb_mass_kg", check, lower_open=False)
    out["seat_rows"] = np.where(np.isnan(out["seat_rows"]), 2.0, out["seat_rows"])
    _check_bounds(out["seat_rows"], "seat_rows", check, lower_open=False)

    fc = out["fuel_consumption_l_per_100km"]
    has_fc = ~np.isnan(fc) & (fc != 0)
    check.fail((is_bev | is_fcev) & has_fc, "fuel_consumption_l_per_100km",
               lambda i: f"a {pt[i]} burns no fuel: leave empty or 0 (got {fc[i]:g})")
    check.fail((is_conv | is_phev) & np.isnan(fc), "fuel_consumption_l_per_100km",
               lambda i: f"required for a {pt[i]} model")
    _check_bounds(np.where(is_conv | is_phev, fc, np.nan), "fuel_consumption_l_per_100km",
                  check, lower_open=True)
    out["fuel_consumption_l_per_100km"] = np.where(is_bev | is_fcev, 0.0, fc)

    oc = out["off_cycle_reduction_l_per_100km"]
    _check_bounds(oc, "off_cycle_reduction_l_per_100km", check, lower_open=False)
    check.fail((is_bev | is_fcev) & ~np.isnan(oc) & (oc != 0), "off_cycle_reduction_l_per_100km",
               lambda i: f"a {pt[i]} burns no fuel: no off-cycle reduction")
    oc = np.where(np.isnan(oc), 0.0, oc)
    check.fail((is_conv | is_phev) & (oc >= out["fuel_consumption_l_per_100km"]),
               "off_cycle_reduction_l_per_100km",
               lambda i: f"reduction {oc[i]:g} is not below the fuel consumption")
    out["off_cycle_reduction_l_per_100km"] = oc

    for col in ("electric_range_km", "energy_consumption_kwh_per_100km",
                "battery_energy_density_wh_per_kg", "fuel_cell_power_kw",
                "nev_credit_per_vehicle", "phev_cd_energy_consumption_kwh_per_100km",
                "phev_utility_factor", "nev_low_temperature_factor"):
        lower_open = col not in ("electric_range_km", "nev_credit_per_vehicle")
        _check_bounds(out[col], col, check, lower_open=lower_open)
    given = {c: ~np.isnan(out[c]) for c in out if out[c].dtype != object}

    for col in ("electric_range_km", "energy_consumption_kwh_per_100km",
                "battery_energy_density_wh_per_kg", "fuel_cell_power_kw",
                "nev_credit_per_vehicle", "phev_cs_condition_met",
                "phev_cd_energy_consumption_kwh_per_100km", "phev_utility_factor",
                "nev_low_temperature_factor"):
        check.fail(is_conv & given[col], col,
                   lambda i, col=col: f"a conventional {pt[i]} model cannot have {col}")
    check.fail(~is_fcev & given["fuel_cell_power_kw"], "fuel_cell_power_kw",
               lambda i: f"only FCEV models have a fuel cell (this is a {pt[i]})")
    check.fail(~is_phev & given["phev_cs_condition_met"], "phev_cs_condition_met",
               lambda i: f"only PHEV models have this condition (this is a {pt[i]})")
    for col in ("phev_cd_energy_consumption_kwh_per_100km", "phev_utility_factor"):
        check.fail(~is_phev & given[col], col,
                   lambda i, col=col: f"only PHEV models have {col} (this is a {pt[i]})")
    check.fail(~is_bev & given["nev_low_temperature_factor"], "nev_low_temperature_factor",
               lambda i: f"only BEV models have a low-temperature range factor (this is a {pt[i]})")

    computed = ~given["nev_credit_per_vehicle"]
    check.fail((is_bev | is_phev) & computed & ~given["electric_range_km"], "electric_range_km",
               lambda i: f"required for a {pt[i]} model without nev_credit_per_vehicle "
               f"(model {out['model'][i]!r})")
    check.fail(is_fcev & computed & ~given["fuel_cell_power_kw"], "fuel_cell_power_kw",
               lambda i: f"required for a FCEV model without nev_credit_per_vehicle "
               f"(model {out['model'][i]!r})")
    if adjustments == "strict":
        hint = " (or choose adjustments='neutral' to apply a factor of 1.0, reported)"
        for col, mask in (
            ("energy_consumption_kwh_per_100km", is_bev),
            ("battery_energy_density_wh_per_kg", is_bev),
            ("phev_cs_condition_met", is_phev),
        ):
            check.fail(mask & computed & ~given[col], col,
                       lambda i, col=col: f"the {pt[i]} model {out['model'][i]!r} needs {col} "
                       f"for an adjustment factor{hint}")

    frame = pd.DataFrame(out)
    for col in ("year", "volume_vehicles", "seat_rows"):
        frame[col] = frame[col].astype(np.int64)
    frame["row"] = rows
    ent_codes = pd.factorize(out["enterprise"])[0].astype(np.int64)
    year_codes = (out["year"] - _BOUNDS["year"][0]).astype(np.int64)
    group = ent_codes * 100 + year_codes
    gcodes, guniq = pd.factorize(group)
    model_codes = pd.factorize(out["model"])[0].astype(np.int64)
    dup = pd.Series(gcodes.astype(np.int64) * (int(model_codes.max()) + 1) + model_codes
                    ).duplicated().to_numpy()
    check.fail(dup, "model", lambda i: f"model {out['model'][i]!r} appears twice for "
               f"{out['enterprise'][i]!r} in {int(out['year'][i])}")
    totals = np.bincount(gcodes, weights=out["volume_vehicles"], minlength=len(guniq))[gcodes]
    check.fail(totals == 0, "volume_vehicles",
               lambda i: f"{out['enterprise'][i]!r} has a total volume of 0 in "
               f"{int(out['year'][i])}: remove the enterprise-year or give volumes")
    frame.attrs["source"] = name
    frame.attrs["adjustments"] = adjustments
    return frame


def read_enterprises(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """Read and validate an enterprise table.

    Parameters
    ----------
    source : str, Path or DataFrame
        Columns ``enterprise`` (required), ``year`` (optional: the row applies to that year
        only), ``group``, ``small_independent``, ``previous_cafc_actual_l_per_100km``.

    Returns
    -------
    DataFrame
        Canonical columns plus ``row``; ``small_independent`` defaults to False.

    Raises
    ------
    FleetError
    """
    raw, name, rows = _read_table(source, "enterprise")
    check = _Checker(name, rows)
    raw = _normalise_columns(raw, ENTERPRISE_COLUMNS, check, "enterprises")
    if len(raw) == 0:
        raise FleetError("the enterprise table has no data rows", file=name)
    n = len(raw)
    out: dict[str, np.ndarray] = {}
    for col, spec in ENTERPRISE_COLUMNS.items():
        if col not in raw.columns:
            out[col] = np.full(n, None, dtype=object) if spec.kind == "text" else np.full(n, np.nan)
            continue
        values = raw[col]
        if spec.kind == "text":
            out[col] = _to_text(values, col, check, spec.required)
        elif spec.kind == "bool":
            out[col] = _to_bool(values, col, check)
        else:
            num = _to_numeric(values, col, check)
            if spec.kind == "int":
                frac = ~np.isnan(num) & (num != np.round(num))
                check.fail(frac, col, lambda i, num=num: f"must be a whole number, got {num[i]:g}")
            out[col] = num
    _check_bounds(out["year"], "year", check, lower_open=False)
    _check_bounds(out["previous_cafc_actual_l_per_100km"], "previous_cafc_actual_l_per_100km",
                  check, lower_open=True)
    frame = pd.DataFrame(out)
    frame["small_independent"] = frame["small_independent"].fillna(0.0).astype(bool)
    frame["year"] = frame["year"].astype("Int64")
    frame["row"] = rows
    dup = frame.duplicated(["enterprise", "year"]).to_numpy()
    check.fail(dup, "enterprise", lambda i: f"enterprise {out['enterprise'][i]!r} appears twice"
               + ("" if np.isnan(out["year"][i]) else f" for {int(out['year'][i])}"))
    frame.attrs["source"] = name
    return frame
