"""Uncertainty of the credit <-> CO2e exchange rate: sampled conversion bases.

:func:`sample_bases` draws the assumptions of a basis from distributions (seeded, reproducible)
and returns one row per draw with the resulting t CO2e per credit; :func:`exchange_rate_interval`
summarises the draws as an interval, so a study can report "3.5-6.4 t per credit (90 %
interval)". The draws use the formulas of :mod:`conversions.formulas`, the same the basis
contexts use, on arrays (one pint context per draw would be needlessly slow).

Default ranges (carbon-linkage reference, section 1): lifetime distance uniform on
120,000-200,000 km (the range used in studies), real-world gap uniform on 1.14-1.37 (ICCT: 14 %
in 2007, 37 % in 2021), and, for a well-to-wheel base only, upstream uplift uniform on
0.15-0.25.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pint

from conversions.basis import ASSUMPTIONS, FIELDS, Assumption, check_method
from conversions.errors import ArgumentError, SamplingError
from conversions.formulas import co2e_per_cafc_credit, co2e_per_nev_credit_avoided
from conversions.presets import get_basis
from conversions.registry import Q_, ureg
from conversions.vocabulary import renamed_parameters

__all__ = [
    "DISTRIBUTIONS",
    "default_ranges",
    "exchange_rate_interval",
    "format_interval",
    "sample_bases",
]

#: Distribution name -> its parameters, in order.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "normal": ("mean", "sd"),
}
_SPEC = {a.field: a for a in ASSUMPTIONS}
_CAFC_KEYS = ("co2_per_litre", "upstream_uplift", "lifetime_distance", "real_world_gap")

Range = tuple[Any, ...]


def default_ranges(base: Any = "ttw-real-world") -> dict[str, Range]:
    """The reference's ranges for ``base`` (a basis or preset name).

    Returns
    -------
    dict
        ``lifetime_distance``: uniform 120,000-200,000 [km/vehicle]; ``real_world_gap``:
        uniform 1.14-1.37 [dimensionless]; for a well-to-wheel base also ``upstream_uplift``:
        uniform 0.15-0.25 [dimensionless].
    """
    b = get_basis(base)
    ranges: dict[str, Range] = {
        "lifetime_distance": ("uniform", Q_(120_000, "km/vehicle"), Q_(200_000, "km/vehicle")),
        "real_world_gap": ("uniform", 1.14, 1.37),
    }
    if b.boundary == "well-to-wheel":
        ranges["upstream_uplift"] = ("uniform", 0.15, 0.25)
    return ranges


def _param(spec: Assumption, value: Any, where: str) -> float:
    """A distribution parameter as a float in ``spec.unit``."""
    if isinstance(value, pint.Quantity):
        if value._REGISTRY is not ureg:
            raise SamplingError(f"{where}: the Quantity belongs to another pint registry")
        target = ureg.parse_units(spec.unit)
        if spec.per_vehicle and value.dimensionality == (target * ureg.vehicle).dimensionality:
            value = value / ureg.vehicle
        try:
            return float(value.m_as(target))
        except pint.DimensionalityError:
            raise SamplingError(f"{where} must be in {spec.label}, got {value:~}") from None
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise SamplingError(f"{where} must be a number or a Quantity, got {value!r}")
    return float(value)


def _draw(spec: Assumption, rng: np.random.Generator, n: int, rng_spec: Any) -> np.ndarray:
    where = f"range of {spec.field}"
    if not isinstance(rng_spec, tuple | list) or not rng_spec:
        raise SamplingError(
            f"{where} must be a tuple like ('uniform', low, high), ('triangular', low, mode, "
            f"high) or ('normal', mean, sd), got {rng_spec!r}"
        )
    dist, *raw = rng_spec
    if dist not in DISTRIBUTIONS:
        raise SamplingError(
            f"{where}: unknown distribution {dist!r}; known: {', '.join(DISTRIBUTIONS)}"
        )
    names = DISTRIBUTIONS[dist]
    if len(raw) != len(names):
        raise SamplingError(f"{where}: {dist} takes {', '.join(names)}, got {len(raw)} value(s)")
    p = [_param(spec, v, f"{where}, {k}") for k, v in zip(names, raw, strict=True)]
    if not all(np.isfinite(p)):
        raise SamplingError(f"{where}: parameters must be finite, got {p}")
    if dist == "uniform":
        if not p[0] < p[1]:
            raise SamplingError(f"{where}: low must be below high, got {p[0]:g} and {p[1]:g}")
        x = rng.uniform(p[0], p[1], n)
    elif dist == "triangular":
        if not (p[0] <= p[1] <= p[2] and p[0] < p[2]):
            raise SamplingError(f"{where}: need low <= mode <= high and low < high, got {p}")
        x = rng.triangular(p[0], p[1], p[2], n)
    else:
        if not p[1] > 0:
            raise SamplingError(f"{where}: sd must be > 0, got {p[1]:g}")
        x = rng.normal(p[0], p[1], n)
    bad = spec.invalid(x)
    if bad.any():
        raise SamplingError(
            f"{where}: {int(bad.sum())} of {n} draws are outside the allowed values "
            f"({spec.rule()}); narrow or shift the distribution"
        )
    return x


def sample_bases(
    n: int,
    ranges: Mapping[str, Range] | None = None,
    base: Any = "ttw-real-world",
    seed: int | np.random.SeedSequence | None = None,
    *,
    credit: str = "cafc",
    method: str = "compliance",
) -> pd.DataFrame:
    """Draw conversion bases around ``base`` and compute each draw's exchange rate.

    Parameters
    ----------
    n : int
        Number of draws, >= 1.
    ranges : mapping, optional
        Assumption -> ``("uniform", low, high)``, ``("triangular", low, mode, high)`` or
        ``("normal", mean, sd)``, with Quantities or numbers in the assumption's unit (e.g.
        lifetime_distance [km/vehicle], real_world_gap [dimensionless]). Unlisted assumptions
        keep ``base``'s value. Default: :func:`default_ranges` of ``base``.
    base : ConversionBasis or str, default "ttw-real-world"
        Basis whose other assumptions (and boundary) the draws share.
    seed : int or numpy SeedSequence, optional
        Seed of the numpy Generator; the same seed gives the same draws. Assumptions are drawn
        in the fixed order of :data:`conversions.ASSUMPTIONS`, whatever the order of ``ranges``.
    credit : {"cafc", "nev"}, default "cafc"
        Credit kind of the exchange rate.
    method : {"compliance", "avoided"}, default "compliance"
        How an NEV credit is valued.

    Returns
    -------
    pandas.DataFrame
        ``draw``, one unit-suffixed column per sampled assumption (e.g.
        ``lifetime_distance_km``, ``real_world_gap_factor``), ``t_co2e_per_credit``
        [t_CO2e/credit] and ``credits_per_t_co2e`` [credit/t_CO2e]. ``attrs`` holds the base,
        credit, method, seed and units.

    Raises
    ------
    SamplingError
        For an unknown assumption or distribution, bad parameters, draws outside an
        assumption's domain (e.g. a real-world gap below 1), or an upstream uplift sampled on a
        tank-to-wheel base.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise SamplingError(f"n must be an integer >= 1, got {n!r}")
    if credit not in ("cafc", "nev"):
        raise ArgumentError(f"credit must be 'cafc' or 'nev', got {credit!r}")
    check_method(method)
    b = get_basis(base)
    ranges = default_ranges(b) if ranges is None else dict(ranges)
    unknown = sorted(set(ranges) - set(FIELDS))
    if unknown:
        raise SamplingError(
            f"cannot sample {', '.join(unknown)}; assumptions: {', '.join(FIELDS)}"
        )
    if "upstream_uplift" in ranges and b.boundary == "tank-to-wheel":
        raise SamplingError(
            f"base '{b.name}' is tank-to-wheel (no upstream emissions): sample upstream_uplift "
            "only on a well-to-wheel base, e.g. 'wtw-real-world'"
        )
    rng = np.random.default_rng(seed)
    values: dict[str, pint.Quantity] = {}
    columns: dict[str, np.ndarray] = {"draw": np.arange(int(n))}
    for spec in ASSUMPTIONS:
        if spec.field in ranges:
            x = _draw(spec, rng, int(n), ranges[spec.field])
            columns[spec.column] = x
            values[spec.field] = Q_(x, spec.unit)
        else:
            values[spec.field] = getattr(b, spec.field)
    if credit == "nev" and method == "avoided":
        per = co2e_per_nev_credit_avoided(**values).m_as("t_CO2e/nev_credit")
    else:  # a CAFC credit, or an NEV credit by compliance equivalence
        per = co2e_per_cafc_credit(**{k: values[k] for k in _CAFC_KEYS}).m_as(
            "t_CO2e/cafc_credit"
        )
    per = np.broadcast_to(np.asarray(per, dtype=float), (int(n),)).copy()
    columns["t_co2e_per_credit"] = per
    columns["credits_per_t_co2e"] = 1.0 / per
    df = pd.DataFrame(columns)
    df.attrs.update({
        "base": b.name, "credit": credit, "method": method,
        "seed": seed if isinstance(seed, int | None) else repr(seed),
        "t_co2e_per_credit_unit": f"t_CO2e/{credit}_credit",
        "credits_per_t_co2e_unit": f"{credit}_credit/t_CO2e",
    })
    return df


@renamed_parameters("python.exchange_rate_interval")
def exchange_rate_interval(draws: pd.DataFrame, coverage_share: float = 0.9) -> pd.DataFrame:
    """Central interval and median of the exchange rate over draws.

    Parameters
    ----------
    draws : pandas.DataFrame
        Output of :func:`sample_bases` (needs ``t_co2e_per_credit`` and
        ``credits_per_t_co2e``).
    coverage_share : float, default 0.9
        Probability mass of the interval, 0 < coverage_share < 1: the bounds are the
        ``(1 - coverage_share) / 2`` and ``(1 + coverage_share) / 2`` quantiles. (``level``,
        its name before the one-vocabulary rename, still works with a
        :class:`DeprecationWarning`.)

    Returns
    -------
    pandas.DataFrame
        Index ``t_co2e_per_credit``, ``credits_per_t_co2e``; columns ``level``, ``lower``,
        ``median``, ``upper``, ``unit``.
    """
    level = coverage_share
    if not isinstance(level, float | int) or not 0 < level < 1:
        raise ArgumentError(f"coverage_share must lie strictly between 0 and 1, got {level!r}")
    cols = ("t_co2e_per_credit", "credits_per_t_co2e")
    missing = [c for c in cols if c not in draws.columns]
    if missing:
        raise ArgumentError(f"draws lack column(s) {', '.join(missing)}; use sample_bases()")
    probs = [(1 - level) / 2, 0.5, (1 + level) / 2]
    rows = []
    for c in cols:
        lo, med, hi = np.quantile(draws[c].to_numpy(dtype=float), probs)
        unit = draws.attrs.get(f"{c}_unit", "t_CO2e/credit" if c.startswith("t_") else
                               "credit/t_CO2e")
        rows.append({"level": float(level), "lower": lo, "median": med, "upper": hi,
                     "unit": unit})
    return pd.DataFrame(rows, index=pd.Index(cols, name="quantity"))


def format_interval(interval: pd.DataFrame, digits: int = 1) -> str:
    """One line for a report, e.g. ``"3.5-6.4 t CO2e per credit (90 % interval)"``.

    Parameters
    ----------
    interval : pandas.DataFrame
        Output of :func:`exchange_rate_interval`.
    digits : int, default 1
        Decimals shown.
    """
    row = interval.loc["t_co2e_per_credit"]
    pct = f"{100 * row['level']:g}"
    return (f"{row['lower']:.{digits}f}\u2013{row['upper']:.{digits}f} t CO2e per credit "
            f"({pct} % interval)")
