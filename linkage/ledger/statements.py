"""The ledger's inputs, checked: credit statements, the years, NEV credit prices, groups.

Every function here refuses what it cannot read exactly, naming the file (or
``<DataFrame>``), the row (header = row 1), the column or key and the rule; nothing is
coerced (``"1,500"``, ``¥800``, ``y2024``, ``2024.5``, ``True`` as a number), defaulted
silently or left for the simulator to read as zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from conversions._checks import check_finite, check_year, check_years
from conversions.vocabulary import rename_deprecated
from linkage.errors import ArgumentTypeError, FleetError, InputError
from linkage.fleet import _BOUNDS, _frame_rows, _read_csv, _read_xlsx, _to_bool, _to_numeric

__all__ = [
    "PRICE_COLUMNS",
    "assign_groups",
    "check_opening",
    "ledger_years",
    "missing_statement_notes",
    "normalise_prices",
    "prepare_statements",
    "read_prices",
]

_REQUIRED = ("enterprise", "year", "cafc_credits", "nev_credits")
_EPS = 1e-9

#: Columns of a price table: year, buy price [CNY/credit], optional sell price [CNY/credit].
PRICE_COLUMNS = ("year", "nev_buy_price_cny_per_credit", "nev_sell_price_cny_per_credit")


class _Check:
    """Raises InputError for the first row of a mask (the interface of the fleet reader's)."""

    def __init__(self, file: str, rows: np.ndarray) -> None:
        self.file = file
        self.rows = rows

    def fail(self, mask: np.ndarray, column: str | None, rule) -> None:
        bad = np.flatnonzero(mask)
        if bad.size == 0:
            return
        i = int(bad[0])
        text = rule(i) if callable(rule) else rule
        raise InputError(text, file=self.file, row=int(self.rows[i]), column=column)


def _read_file(source: str | Path, what: str) -> pd.DataFrame:
    """A CSV (UTF-8) or XLSX table as raw cells; index = the row as a spreadsheet shows it."""
    name = str(source)
    path = Path(source)
    if not path.exists():
        raise InputError(f"{what} file not found", file=name)
    if path.is_dir():
        raise InputError(f"expected a {what} file, got a directory", file=name)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return _read_xlsx(path, name)
        return _read_csv(path, name, what)
    except FleetError as exc:  # same location, the ledger's error class
        raise InputError(exc.rule, file=exc.file, row=exc.row, column=exc.column,
                         key=exc.key) from None
    except OSError as exc:
        raise InputError(f"cannot read the {what} file: {exc.strerror or exc}",
                         file=name) from None


def _source(table: pd.DataFrame | str | Path, what: str) -> tuple[pd.DataFrame, str, np.ndarray]:
    """(raw frame, source name, spreadsheet rows) of a path or a DataFrame."""
    if isinstance(table, pd.DataFrame):
        df = table.copy()
        df.columns = [str(c).strip().lower() for c in df.columns]
        return df, str(table.attrs.get("source", "<DataFrame>")), _frame_rows(df)
    if isinstance(table, bool) or not isinstance(table, str | Path):
        raise ArgumentTypeError(f"expected a file path or a pandas DataFrame, got "
                                f"{type(table).__name__}", key=what)
    df = _read_file(table, what)
    return df, str(table), df.index.to_numpy()


def _current_names(df: pd.DataFrame, where: str, name: str) -> pd.DataFrame:
    """``df`` with the deprecated column names of context ``where`` under their current ones
    (a DeprecationWarning naming the file for each; both spellings: InputError)."""
    try:
        found = rename_deprecated(df.columns, where, file=name, stacklevel=4)
    except InputError as exc:
        raise InputError(exc.rule, file=name, row=1, column=exc.key) from None
    return df.rename(columns=found) if found else df


def _whole(num: np.ndarray, column: str, check: _Check) -> np.ndarray:
    """Refuse fractions (2024.5 is no year and is never truncated)."""
    check.fail(~np.isnan(num) & (num != np.round(num)), column,
               lambda i: f"must be a whole number, got {num[i]:g}")
    return num


def _year(num: np.ndarray, column: str, check: _Check) -> np.ndarray:
    """Whole years within the fleet's plausibility bounds (2016-2100)."""
    _whole(num, column, check)
    lo, hi = _BOUNDS["year"]
    check.fail(~np.isnan(num) & ((num < lo) | (num > hi)), column,
               lambda i: f"must be a year from {lo} to {hi}, got {num[i]:g}")
    return num


def ledger_years(years: Iterable[int]) -> list[int]:
    """The years to simulate: ints, each once, consecutive; returned sorted.

    Parameters
    ----------
    years : iterable of int
        Compliance years. Booleans, texts and floats (``2024.0``) are refused, not converted.

    Returns
    -------
    list of int

    Raises
    ------
    ArgumentTypeError
        For a year that is not an int.
    InputError
        For no year, a duplicated year or a gap.
    """
    ys = check_years(years, "years")
    if not ys:
        raise InputError("no years to simulate", key="years")
    dup = sorted({y for y in ys if ys.count(y) > 1})
    if dup:
        raise InputError(f"year {dup[0]} is given twice", key="years")
    ys = sorted(ys)
    if ys != list(range(ys[0], ys[-1] + 1)):
        raise InputError(f"years must be consecutive, got {ys}", key="years")
    return ys


def prepare_statements(
    statements: pd.DataFrame | str | Path,
    *,
    years: Iterable[int] | None = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Validate statements for the ledger.

    Parameters
    ----------
    statements : DataFrame or path
        One row per enterprise and year: ``enterprise``, ``year``, ``cafc_credits``,
        ``nev_credits`` [credit, signed]; optional ``group`` (affiliate group; default: the
        enterprise alone) and ``nev_carry_eligible`` (default True, reported). The CSV written
        by ``linkage credits --out`` qualifies (CSV in UTF-8, or XLSX). Other columns are
        ignored; deprecated column names (``conventional_fleet_meets_threshold``, the
        statement columns before the one vocabulary) are read with a
        :class:`DeprecationWarning` naming the file.
    years : iterable of int, optional
        The years to be simulated. When given (as the ``linkage ledger`` command does), every
        enterprise with a statement in one of them must have a statement in each (a year
        without one is refused, not read as zero: give an explicit row of zeros for an
        enterprise that did not exist yet), and every year must have at least one
        statement. Without it, :func:`~linkage.ledger.simulate` reads a missing year as zero
        credits and says so in its assumptions (:func:`missing_statement_notes`).

    Returns
    -------
    (DataFrame, list of str)
        Clean statements sorted by enterprise and year, and the assumptions made.

    Raises
    ------
    InputError
        Naming file, row and column.
    """
    raw, name, rows = _source(statements, "statements")
    raw = _current_names(raw, "statements", name)
    check = _Check(name, rows)
    for col in _REQUIRED:
        if col not in raw.columns:
            raise InputError("required column missing", file=name, row=1, column=col)
    dup_cols = raw.columns[raw.columns.duplicated()]
    if len(dup_cols):
        raise InputError("column appears more than once", file=name, row=1,
                         column=str(dup_cols[0]))
    st = pd.DataFrame(index=raw.index)
    st["enterprise"] = _text(raw["enterprise"], "enterprise", check, required=True)
    for col in ("year", "cafc_credits", "nev_credits"):
        num = _to_numeric(raw[col], col, check)
        check.fail(np.isnan(num), col, "must not be empty")
        st[col] = num
    _year(st["year"].to_numpy(), "year", check)
    st["year"] = st["year"].astype(np.int64)
    if "group" in raw.columns:
        group = _text(raw["group"], "group", check, required=False)
        st["group"] = np.where(pd.isna(group), st["enterprise"], group)
    else:
        st["group"] = st["enterprise"]
    assumptions: list[str] = []
    if "nev_carry_eligible" not in raw.columns:
        st["nev_carry_eligible"] = True
        assumptions.append(
            "nev_carry_eligible not given: every NEV vintage is treated as eligible for "
            "carry-forward (the conventional-fleet threshold is assumed met)"
        )
    else:
        flag = _to_bool(raw["nev_carry_eligible"], "nev_carry_eligible", check)
        check.fail(np.isnan(flag), "nev_carry_eligible",
                   "expected true or false, got an empty cell")
        st["nev_carry_eligible"] = flag == 1.0
    st = st.reset_index(drop=True)
    dup = st.duplicated(["enterprise", "year"]).to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise InputError(f"enterprise {st['enterprise'].iloc[i]!r} appears twice in "
                         f"{int(st['year'].iloc[i])}", file=name, row=int(rows[i]),
                         column="enterprise")
    groups = st.groupby("enterprise")["group"].nunique()
    if (groups > 1).any():
        e = groups.index[groups > 1][0]
        raise InputError(f"enterprise {e!r} belongs to more than one group", file=name,
                         column="group")
    if years is not None:
        _check_coverage(st, ledger_years(years), name)
    keep = ["enterprise", "year", "group", "cafc_credits", "nev_credits", "nev_carry_eligible"]
    st = st[keep].sort_values(["enterprise", "year"]).reset_index(drop=True)
    return st, assumptions


def _text(values: pd.Series, column: str, check: _Check, *, required: bool) -> np.ndarray:
    """A text column (None where blank); numbers are kept as their text."""
    arr = values.to_numpy(dtype=object)
    out = np.array([None if v is None or (isinstance(v, float) and np.isnan(v))
                    or str(v).strip() == "" else str(v).strip() for v in arr], dtype=object)
    if required:
        check.fail(pd.isna(out), column, "must not be empty")
    return out


def _gaps(st: pd.DataFrame, years: list[int]) -> list[tuple[str, list[int]]]:
    """(enterprise, years without a statement) of the enterprises present in ``years``."""
    inside = st[st["year"].isin(years)]
    have = inside.groupby("enterprise")["year"].agg(set)
    return [(str(e), [y for y in years if y not in got]) for e, got in have.items()
            if any(y not in got for y in years)]


def missing_statement_notes(statements: pd.DataFrame, years: Iterable[int]) -> list[str]:
    """Assumption notes of the Python API: the enterprise-years read as zero credits.

    Parameters
    ----------
    statements : DataFrame
        Output of :func:`prepare_statements`.
    years : iterable of int
        Simulated years.

    Returns
    -------
    list of str
        One note per enterprise with a gap (empty when every enterprise has every year).
    """
    ys = list(years)
    return [f"{e} has no statement for {', '.join(map(str, missing))}: read as zero CAFC and "
            "NEV credits (the ledger command refuses this; pass years= to prepare_statements "
            "for the same check)" for e, missing in _gaps(statements, ys)]


def _check_coverage(st: pd.DataFrame, years: list[int], name: str) -> None:
    """Every enterprise present in the simulated years has a statement in each of them."""
    inside = st[st["year"].isin(years)]
    empty = [y for y in years if y not in set(inside["year"])]
    if empty:
        raise InputError(f"no statement for {', '.join(map(str, empty))}: the ledger does not "
                         "simulate a year without statements (give rows, zeros if need be)",
                         file=name, column="year")
    for enterprise, missing in _gaps(st, years)[:1]:
        raise InputError(
            f"enterprise {enterprise!r} has no statement for "
            f"{', '.join(map(str, missing))} (simulated years {years[0]}-{years[-1]}); "
            "a missing year is not read as zero credits: add a row (with zeros if the "
            "enterprise did not exist) or simulate fewer years",
            file=name, column="year")


def check_opening(opening: pd.DataFrame, first_year: int) -> None:
    """Check opening holdings: ``enterprise, instrument, vintage, quantity`` per row.

    Parameters
    ----------
    opening : DataFrame
        ``instrument`` cafc, nev or pool; ``vintage`` a whole year before ``first_year``;
        ``quantity`` a finite number >= 0 [credit].
    first_year : int
        First simulated year.

    Raises
    ------
    InputError
        Naming the row (the DataFrame's index label) and column.
    """
    df, name, rows = _source(opening, "opening")
    check = _Check(name, rows)
    for col in ("enterprise", "instrument", "vintage", "quantity"):
        if col not in df.columns:
            raise InputError("opening holdings need enterprise, instrument, vintage, quantity",
                             file=name, column=col)
    _text(df["enterprise"], "enterprise", check, required=True)
    inst = _text(df["instrument"], "instrument", check, required=True)
    check.fail(~np.isin(inst.astype(str), ["cafc", "nev", "pool"]), "instrument",
               lambda i: f"opening instrument must be cafc, nev or pool, got {inst[i]!r}")
    vintage = _whole(_to_numeric(df["vintage"], "vintage", check), "vintage", check)
    check.fail(np.isnan(vintage) | (vintage >= first_year), "vintage",
               lambda i: f"the vintage must be a year before {first_year}, got {vintage[i]:g}")
    qty = _to_numeric(df["quantity"], "quantity", check)
    check.fail(np.isnan(qty) | (qty < 0), "quantity",
               lambda i: f"quantity must be a number >= 0, got {qty[i]:g}")


# --------------------------------------------------------------------------- prices


def read_prices(path: str | Path) -> pd.DataFrame:
    """Read a price table (CSV in UTF-8, or XLSX) as raw cells for :func:`normalise_prices`.

    Parameters
    ----------
    path : str or Path
        Columns ``year``, ``nev_buy_price_cny_per_credit`` [CNY/credit] and optionally
        ``nev_sell_price_cny_per_credit`` [CNY/credit].

    Returns
    -------
    DataFrame
        Raw cells; the index is the row as a spreadsheet shows it, ``attrs["source"]`` the
        file name.

    Raises
    ------
    InputError
        When the file is missing, not UTF-8, not a table or has a malformed line.
    """
    df = _read_file(path, "prices")
    df.attrs["source"] = str(path)
    return df


def normalise_prices(
    prices: float | Mapping[int, float] | pd.DataFrame | None, years: Iterable[int]
) -> tuple[dict[int, float], dict[int, float], list[str]]:
    """Yearly NEV buy and sell prices [CNY/credit], checked.

    Parameters
    ----------
    prices : float, mapping year -> price, DataFrame or None
        A finite number >= 0 for every year; a mapping of int years to such numbers; or a
        DataFrame with ``year``, ``nev_buy_price_cny_per_credit`` and optionally
        ``nev_sell_price_cny_per_credit`` (default: the buy price), each year once, every
        cell a number (see :func:`read_prices`). None: unknown (cash flows are NaN; reported).
    years : iterable of int

    Returns
    -------
    (buy, sell, assumptions)

    Raises
    ------
    ArgumentTypeError
        For a price or year of the wrong type (``True``, ``"800"``).
    InputError
        For a negative or non-finite price, a duplicated or fractional year, a year without a
        price, a sell price above the buy price, or an unknown column, naming the file, row
        and column (or key).
    """
    years = check_years(years, "years")
    notes: list[str] = []
    if prices is None:
        notes.append("no NEV credit prices given: purchases and sales carry no cash flow (NaN)")
        nan = {y: float("nan") for y in years}
        return nan, dict(nan), notes
    where: dict[str, str | None] = {"file": None, "column": None}
    if isinstance(prices, pd.DataFrame):
        buy, sell, where["file"] = _price_table(prices)
        where["column"] = "year"
    elif isinstance(prices, Mapping):
        buy = {check_year(y, "prices"): check_finite(v, f"prices[{y}]", minimum=0.0)
               for y, v in prices.items()}
        sell = dict(buy)
    else:
        buy = dict.fromkeys(years, check_finite(prices, "prices", minimum=0.0))
        sell = dict(buy)
    for y in years:
        for what, table in (("buy", buy), ("sell", sell)):
            if y not in table:
                raise InputError(f"no NEV {what} price for {y} (simulated years "
                                 f"{min(years)}-{max(years)})", file=where["file"],
                                 column=where["column"],
                                 key=None if where["file"] else f"prices.{y}")
        if sell[y] > buy[y] + _EPS:
            raise InputError(f"sell price above buy price in {y}: free money",
                             file=where["file"], key=None if where["file"] else f"prices.{y}")
    return buy, sell, notes


def _price_table(prices: pd.DataFrame) -> tuple[dict[int, float], dict[int, float], str]:
    """(buy, sell, source) of a price table; every cell checked."""
    df, name, rows = _source(prices, "prices")
    df = _current_names(df, "prices", name)
    check = _Check(name, rows)
    unknown = [c for c in df.columns if c not in PRICE_COLUMNS]
    if unknown:
        raise InputError(f"unknown column (known columns: {', '.join(PRICE_COLUMNS)})",
                         file=name, row=1, column=unknown[0])
    for col in PRICE_COLUMNS[:2]:
        if col not in df.columns:
            raise InputError("required column missing", file=name, row=1, column=col)
    dup_cols = df.columns[df.columns.duplicated()]
    if len(dup_cols):
        raise InputError("column appears more than once", file=name, row=1,
                         column=str(dup_cols[0]))
    year = _year(_to_numeric(df["year"], "year", check), "year", check)
    check.fail(np.isnan(year), "year", "must not be empty")
    dup = pd.Series(year).duplicated().to_numpy()
    check.fail(dup, "year", lambda i: f"year {int(year[i])} appears twice (each year once: "
               "no row overrides another)")
    table: dict[str, np.ndarray] = {}
    for col in PRICE_COLUMNS[1:]:
        if col not in df.columns:
            continue
        num = _to_numeric(df[col], col, check)
        check.fail(np.isnan(num), col, "must not be empty")
        check.fail(num < 0, col, lambda i, num=num: f"a price must be >= 0, got {num[i]:g}")
        table[col] = num
    buy_col = table[PRICE_COLUMNS[1]]
    sell_col = table.get(PRICE_COLUMNS[2], buy_col)
    check.fail(sell_col > buy_col + _EPS, PRICE_COLUMNS[2],
               lambda i: f"sell price {sell_col[i]:g} above buy price {buy_col[i]:g}: free money")
    ys = year.astype(np.int64).tolist()
    return (dict(zip(ys, buy_col.tolist(), strict=True)),
            dict(zip(ys, sell_col.tolist(), strict=True)), name)


# --------------------------------------------------------------------------- groups


def assign_groups(statements: pd.DataFrame, enterprises: pd.DataFrame) -> pd.DataFrame:
    """Set the statements' affiliate groups from an enterprise table, year by year.

    Resolution is the accounting's (:func:`~linkage.accounting.enterprise_statements`): a row
    of the enterprise table with a ``year`` applies to that year, a row without applies to
    the enterprise's other years; an enterprise without a row (or with an empty group) is a
    group of its own.

    Parameters
    ----------
    statements : DataFrame
        Output of :func:`prepare_statements`.
    enterprises : DataFrame
        Output of :func:`~linkage.fleet.read_enterprises`.

    Returns
    -------
    DataFrame
        The statements with ``group`` set.

    Raises
    ------
    InputError
        When an enterprise's group changes between the statement years (the ledger keeps one
        group per enterprise: simulate the years of each group separately), or when a group
        given in the statements disagrees with the table; naming the enterprise table's file,
        row and column.
    """
    ents = enterprises
    name = str(ents.attrs.get("source", "<DataFrame>"))
    generic = {r.enterprise: r for r in ents[ents["year"].isna()].itertuples(index=False)}
    specific = {(r.enterprise, int(r.year)): r
                for r in ents[ents["year"].notna()].itertuples(index=False)}
    st = statements.copy()
    groups: list[str] = []
    source_row: list[int | None] = []
    for e, y, given in zip(st["enterprise"], st["year"], st["group"], strict=True):
        r = specific.get((e, int(y)), generic.get(e))
        group = r.group if r is not None and isinstance(r.group, str) and r.group else e
        if given != e and given != group:
            raise InputError(
                f"the statements put {e!r} in group {given!r} in {int(y)}, the enterprise "
                f"table in {group!r}", file=name, row=None if r is None else int(r.row),
                column="group")
        groups.append(group)
        source_row.append(None if r is None else int(r.row))
    st["group"] = groups
    for e, sub in st.groupby("enterprise", sort=False):
        if sub["group"].nunique() > 1:
            first, other = sub.iloc[0], sub[sub["group"] != sub["group"].iloc[0]].iloc[0]
            rows = [source_row[i] for i in (first.name, other.name)]
            raise InputError(
                f"enterprise {e!r} is in group {first['group']!r} in {int(first['year'])} and "
                f"in {other['group']!r} in {int(other['year'])}: the ledger keeps one affiliate "
                "group per enterprise over the simulated years (simulate the years of each "
                "group separately)",
                file=name, row=next((r for r in rows[::-1] if r is not None), None),
                column="group")
    return st
