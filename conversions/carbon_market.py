"""China's national carbon market as data: CEA prices, grid factors, NEV credit prices, ETS rules.

Data files (``conversions/data/``), every row with ``status`` and ``source``:

- ``cea_prices.csv``: national ETS allowance (CEA) prices by year, average and close [CNY/t];
- ``grid_factors.csv``: grid CO2 emission factors, national and regional [kg_CO2e/kWh];
- ``nev_credit_prices.csv``: average NEV credit prices [CNY/credit];
- ``ets_rules.toml``: launch, compliance, penalty range and CCER facts.

Statuses are those of the rulebooks: ``official``, ``secondary``, ``provisional``,
``scenario``. The loaders validate the files and return copies (callers may modify them).
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pint

from conversions._checks import check_year
from conversions.errors import (
    ArgumentError,
    ArgumentTypeError,
    DataFileError,
    PenaltyMultipleError,
)
from conversions.records import LAW_STATUSES, load_records
from conversions.registry import Q_, as_magnitude, ureg
from conversions.vocabulary import renamed_parameters

__all__ = [
    "DATA_DIR",
    "ccer_offset_limit",
    "ccer_price",
    "cea_price",
    "cea_prices",
    "ets_fact",
    "ets_facts",
    "ets_penalty",
    "grid_factor",
    "grid_factors",
    "nev_credit_price",
    "nev_credit_prices",
    "penalty_multiple_range",
]

#: Directory of the package's data files.
DATA_DIR: Path = Path(str(resources.files("conversions").joinpath("data")))

_T = ureg.t_CO2e
_CNY = ureg.CNY
_CNY_PER_T = _CNY / _T


def _read_csv(name: str, numeric: dict[str, bool]) -> pd.DataFrame:
    """Read and validate a data CSV. ``numeric``: column -> whether it must be non-empty."""
    path = DATA_DIR / name
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    required = [*numeric, "status", "source"]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataFileError(f"missing column(s) {', '.join(missing)}", file=str(path))
    out = df.copy()
    for col, needed in numeric.items():
        values = []
        for i, raw in enumerate(df[col], start=2):
            if raw.strip() == "":
                if needed:
                    raise DataFileError("value missing", file=str(path), row=i, column=col)
                values.append(math.nan)
                continue
            try:
                v = float(raw)
            except ValueError:
                raise DataFileError(f"not a number: {raw!r}", file=str(path), row=i,
                                    column=col) from None
            if not math.isfinite(v) or v < 0:
                raise DataFileError(f"must be finite and >= 0, got {raw}", file=str(path),
                                    row=i, column=col)
            values.append(v)
        out[col] = np.array(values, dtype=float)
    for i, (status, source) in enumerate(zip(df["status"], df["source"], strict=True), start=2):
        if status not in LAW_STATUSES:
            raise DataFileError(f"status must be one of {', '.join(LAW_STATUSES)}, "
                                f"got {status!r}",
                                file=str(path), row=i, column="status")
        if not source.strip():
            raise DataFileError("source is empty", file=str(path), row=i, column="source")
    if "year" in out.columns:
        out["year"] = pd.array([int(y) if y == y else None for y in out["year"]], dtype="Int64")
    return out


@cache
def _cea() -> pd.DataFrame:
    return _read_csv("cea_prices.csv", {"year": True, "average_price_cny_per_t_co2e": True,
                                        "close_price_cny_per_t_co2e": False})


@cache
def _grid() -> pd.DataFrame:
    return _read_csv("grid_factors.csv", {"year": False, "grid_factor_kg_co2e_per_kwh": True})


@cache
def _nev() -> pd.DataFrame:
    return _read_csv("nev_credit_prices.csv", {"year": True, "average_price_cny_per_credit": True})


def cea_prices() -> pd.DataFrame:
    """National ETS allowance (CEA) prices, one row per year (2021-2025).

    Returns
    -------
    pandas.DataFrame
        ``year``, ``average_price_cny_per_t_co2e`` [CNY/t_CO2e],
        ``close_price_cny_per_t_co2e`` [CNY/t_CO2e] (NaN
        where not given), ``note``, ``status``, ``source``.
    """
    return _cea().copy()


def _year_row(df: pd.DataFrame, year: int, what: str) -> pd.Series:
    hit = df[df["year"] == year]
    if hit.empty:
        years = ", ".join(str(y) for y in df["year"].dropna())
        raise ArgumentError(f"no {what} for {year}; years in the data: {years}")
    return hit.iloc[0]


def cea_price(year: int, kind: str = "average") -> pint.Quantity:
    """CEA price of a year.

    Parameters
    ----------
    year : int
        Calendar year.
    kind : {"average", "close"}, default "average"
        Annual average or year-end closing price.

    Returns
    -------
    Quantity
        [CNY/t_CO2e].

    Raises
    ------
    ArgumentError
        For a year or kind not in the data (2021 and 2025 have no closing price).
    """
    if kind not in ("average", "close"):
        raise ArgumentError(f"kind must be 'average' or 'close', got {kind!r}")
    row = _year_row(_cea(), check_year(year), "CEA price")
    value = row[f"{kind}_price_cny_per_t_co2e"]
    if math.isnan(value):
        raise ArgumentError(f"the data give no {kind} CEA price for {year} ({row['note']})")
    return Q_(float(value), _CNY_PER_T)


def grid_factors() -> pd.DataFrame:
    """Grid CO2 emission factors.

    Returns
    -------
    pandas.DataFrame
        ``year`` (missing for the reporting factor), ``region`` (``national``, ``north``,
        ``north-east``, ``east``, ``central``, ``north-west``, ``south``, ``south-west``),
        ``kind`` (``average`` or ``reporting``), ``grid_factor_kg_co2e_per_kwh`` [kg_CO2e/kWh],
        ``status``, ``source``.
    """
    return _grid().copy()


def grid_factor(
    year: int | None = 2023, region: str = "national", kind: str = "average"
) -> pint.Quantity:
    """One grid CO2 emission factor.

    Parameters
    ----------
    year : int or None, default 2023
        Year of the factor; ``None`` for ``kind="reporting"`` (0.5703, status provisional).
    region : str, default "national"
        ``national`` or a regional grid (2023 only).
    kind : {"average", "reporting"}, default "average"
        MEE/NBS average factor, or the factor used in enterprise GHG reports.

    Returns
    -------
    Quantity
        [kg_CO2e/kWh].

    Raises
    ------
    ArgumentError
        When the data hold no such factor (the message lists what they hold).
    """
    df = _grid()
    if year is not None:
        year = check_year(year)
    sel = (df["region"] == region) & (df["kind"] == kind)
    sel &= df["year"].isna() if year is None else (df["year"] == year)
    hit = df[sel.fillna(False).astype(bool)]
    if hit.empty:
        have = "; ".join(
            f"{'-' if pd.isna(y) else y} {r} {k}"
            for y, r, k in zip(df["year"], df["region"], df["kind"], strict=True)
        )
        raise ArgumentError(f"no {kind} grid factor for {year} {region}; the data hold: {have}")
    return Q_(float(hit["grid_factor_kg_co2e_per_kwh"].iloc[0]), "kg_CO2e / kWh")


def nev_credit_prices() -> pd.DataFrame:
    """Average NEV credit prices by year.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``average_price_cny_per_credit`` [CNY/nev_credit], ``note``, ``status``,
        ``source``.
    """
    return _nev().copy()


def nev_credit_price(year: int) -> pint.Quantity:
    """Average NEV credit price of a year [CNY/nev_credit] (2020-2022 in the data)."""
    row = _year_row(_nev(), check_year(year), "NEV credit price")
    return Q_(float(row["average_price_cny_per_credit"]), _CNY / ureg.nev_credit)

#: Units of the facts whose value is not a quantity.
_TEXT_UNITS = ("date", "year", "text")


@cache
def _facts() -> pd.DataFrame:
    path = DATA_DIR / "ets_rules.toml"
    rows = [{"key": r.key, "value": r.value, "unit": r.unit, "year": r.from_year,
             "status": r.status, "source": r.source}
            for r in load_records(path, table="fact", optional=("year", "note"),
                                  allowed_statuses=LAW_STATUSES)]
    if not rows:
        raise DataFileError("no [[fact]] entries", file=str(path))
    df = pd.DataFrame(rows)
    df["year"] = pd.array(df["year"], dtype="Int64")
    return df


def ets_facts() -> pd.DataFrame:
    """Facts and rules of the national ETS.

    Returns
    -------
    pandas.DataFrame
        ``key``, ``value`` (number or text), ``unit`` (pint unit or ``date``, ``year``,
        ``text``), ``year`` (where the value belongs to one), ``status``, ``source``.
    """
    return _facts().copy()


def ets_fact(key: str, year: int | None = None) -> pint.Quantity | str | int:
    """One ETS fact: a Quantity, or the text / integer of dates and years.

    Parameters
    ----------
    key : str
        E.g. ``"penalty.multiple_max"``, ``"ccer.offset_limit"``, ``"ets.launch_date"``.
    year : int, optional
        For facts given per year (``"ccer.average_price"``).

    Raises
    ------
    ArgumentError
        Listing the known keys.
    """
    df = _facts()
    if not isinstance(key, str):
        raise ArgumentTypeError(f"expected a text key, got {type(key).__name__}", key="key")
    hit = df[df["key"] == key]
    if year is not None:
        year = check_year(year)
        hit = hit[(hit["year"] == year).fillna(False).astype(bool)]
    if hit.empty:
        raise ArgumentError(
            f"no ETS fact '{key}'{f' for {year}' if year is not None else ''}; known keys: "
            f"{', '.join(dict.fromkeys(df['key']))}"
        )
    row = hit.iloc[0]
    if row["unit"] in _TEXT_UNITS:
        return row["value"]
    return Q_(float(row["value"]), row["unit"])


def penalty_multiple_range() -> tuple[float, float]:
    """Allowed multiples of the ETS penalty: (5, 10) [dimensionless], from the data."""
    lo = ets_fact("penalty.multiple_min")
    hi = ets_fact("penalty.multiple_max")
    assert isinstance(lo, pint.Quantity) and isinstance(hi, pint.Quantity)
    return float(lo.m_as("dimensionless")), float(hi.m_as("dimensionless"))


def ccer_offset_limit() -> pint.Quantity:
    """Largest share of verified emissions CCERs may cover [dimensionless] (0.05)."""
    q = ets_fact("ccer.offset_limit")
    assert isinstance(q, pint.Quantity)
    return q


def ccer_price(year: int = 2025) -> pint.Quantity:
    """Average CCER price of a year [CNY/t_CO2e] (2025 in the data: 70.76)."""
    q = ets_fact("ccer.average_price", year=year)
    assert isinstance(q, pint.Quantity)
    return q


@renamed_parameters("python.ets_penalty")
def ets_penalty(
    shortfall_t_co2e: Any, average_price_prev_month_cny_per_t_co2e: Any,
    price_multiplier: float = 5
) -> pint.Quantity:
    """Fine for allowances not surrendered by the compliance deadline.

    Parameters
    ----------
    shortfall_t_co2e : Quantity, number or array-like
        Allowances not surrendered [t_CO2e] (plain numbers are t_CO2e), >= 0.
    average_price_prev_month_cny_per_t_co2e : Quantity, number or array-like
        Average CEA price of the month before the deadline [CNY/t_CO2e] (plain numbers are
        CNY/t_CO2e), >= 0.
    price_multiplier : float, default 5
        Multiple of the price [dimensionless], within :func:`penalty_multiple_range` (5-10).

        The names before the one-vocabulary rename (``shortfall_t``,
        ``average_price_prev_month``, ``multiple``) still work as keywords, with a
        :class:`DeprecationWarning`.

    Returns
    -------
    Quantity
        Fine [CNY].

    Raises
    ------
    PenaltyMultipleError
        When ``price_multiplier`` lies outside the allowed range.
    ArgumentError
        For a negative shortfall or price.

    Notes
    -----
    fine = multiple x average price of the month before the deadline x shortfall (Interim
    Regulations on the Administration of Carbon Emissions Trading (2024), Art. 24).

    Examples
    --------
    The reference's worked case, 865,300 t x 98.00 CNY/t x 5:

    >>> ets_penalty(865_300, 98.00).magnitude
    423997000.0
    """
    lo, hi = penalty_multiple_range()
    multiple = price_multiplier
    m = as_magnitude(multiple.m_as("dimensionless") if isinstance(multiple, pint.Quantity)
                     else multiple)
    if np.any(np.isnan(m)) or np.any(m < lo) or np.any(m > hi):
        raise PenaltyMultipleError(
            f"the penalty multiple must lie in [{lo:g}, {hi:g}] (Interim Regulations 2024, "
            f"Art. 24), got {multiple}"
        )
    shortfall = _nonneg(shortfall_t_co2e, _T, "shortfall_t_co2e")
    price = _nonneg(average_price_prev_month_cny_per_t_co2e, _CNY_PER_T,
                    "average_price_prev_month_cny_per_t_co2e")
    return Q_(shortfall * price * m, _CNY)


def _nonneg(value: Any, unit: pint.Unit, name: str) -> float | np.ndarray:
    if isinstance(value, pint.Quantity):
        m = value.magnitude if value.units == unit else value.m_as(unit)
    else:
        m = as_magnitude(value)
    if np.any(np.asarray(m) < 0) or np.any(np.isnan(m)):
        raise ArgumentError(f"{name} must be >= 0 [{unit:~}], got {value}")
    return m
