"""The ILLUSTRATIVE industry: the generator's entry point and its result.

:func:`illustrative_industry` draws and calibrates the synthetic enterprises
(:mod:`linkage.industry.calibration`), projects them forward (:mod:`linkage.industry.projection`)
and returns an :class:`Industry` of plain tables. Turning it into an optimisation scenario is
:func:`optimize.industry_scenario_document`'s job (the optimisation layer sits above this one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from linkage.errors import InputError
from linkage.industry.assumptions import IndustryDataError, _Values, load_assumptions
from linkage.industry.calibration import (
    CALIBRATION_YEAR,
    KINDS,
    _calibrate,
    _calibration_table,
    _CalibrationFailedError,
    _draw_firms,
    _draw_groups,
    _Firms,
    _targets,
)
from linkage.industry.projection import (
    _abatement,
    _fleet_frame,
    _nev_share_growth,
    _statements,
    _year_fleet,
)
from linkage.rules import RuleSet, default_rules

__all__ = ["Industry", "illustrative_industry"]

#: Draws tried before giving up (a draw is rejected when it cannot meet MIIT's totals).
_MAX_DRAWS = 50
#: Largest relative calibration error accepted for a draw [-].
_ACCEPT_TOLERANCE = 0.005


@dataclass
class Industry:
    """An ILLUSTRATIVE industry (synthetic enterprises) calibrated to MIIT's 2023 totals.

    Attributes
    ----------
    enterprises : DataFrame
        One row per (synthetic) enterprise: ``enterprise``, ``kind`` (``domestic`` or
        ``import``), ``group`` (affiliate group; the enterprise's own name when alone),
        ``archetype`` (``nev_focused`` or ``conventional_based``),
        ``volume_2023_vehicles`` and ``conventional_volume_2023_vehicles`` [vehicle],
        ``nev_2023_share`` [-], ``bev_of_nev_share`` [-], ``hev_of_conventional_2023_share``
        [-], ``curb_mass_kg`` [kg], ``bev_electric_range_2023_km`` [km],
        ``bev_consumption_ratio`` (energy consumption / target Y(m)) [-],
        ``nev_2023_credit_per_vehicle`` [credit/vehicle], ``ice_fuel_consumption_2023_ratio``
        (ICE model / its target T; NaN without ICE) [-], ``conventional_cafc_2023_ratio``
        (conventional actual / conventional target, the statement's values) [-],
        ``volume_growth_rate`` [1/year], ``nev_deficit_2023`` and ``cafc_deficit_2023`` (in
        deficit in 2023).
    statements : DataFrame
        One row per enterprise and year of ``years`` (:data:`STATEMENT_COLUMNS`): volumes
        [vehicle], CAFC values [L/100 km], credits [credit] (signed, whole numbers, int64),
        ``nev_carry_eligible`` (bool). Computed by :func:`linkage.accounting.compute_credits`
        from :attr:`fleet`; :func:`linkage.ledger.prepare_statements` accepts it.
    abatement : DataFrame
        Piecewise-linear abatement cost curves: ``enterprise``, ``kind`` (``nev``, ``cafc``),
        ``cost_cny_per_credit`` [CNY/credit], ``max_credits_per_year`` [credit]. Enterprises
        without conventional vehicles have no CAFC segments.
    assumptions : dict
        key -> ``{"value", "unit", "status", "text"}`` for every assumption used, plus
        ``derived.*`` entries computed from them (status ``derived``).
    fleet : DataFrame
        The representative fleet (fleet-table columns of :mod:`linkage.fleet`) of the
        calibration year and of ``years``.
    calibration : DataFrame
        Calibration-year totals, generated vs MIIT: ``group`` (``all``, ``domestic``,
        ``import``), ``quantity``, ``unit``, ``generated``, ``miit``, ``relative_error``
        [-] and ``calibrated`` (False for the CAFC actual, which is only informative; the
        average curb mass is kept by construction).
    years : list of int
        Years of :attr:`statements`.
    seed : int
        Seed of the :class:`numpy.random.Generator`.
    """

    enterprises: pd.DataFrame
    statements: pd.DataFrame
    abatement: pd.DataFrame
    assumptions: dict[str, dict[str, Any]]
    fleet: pd.DataFrame = field(repr=False)
    calibration: pd.DataFrame = field(repr=False)
    years: list[int] = field(default_factory=list)
    seed: int = 0

    def __repr__(self) -> str:
        kinds = self.enterprises["kind"].value_counts()
        span = f"{self.years[0]}-{self.years[-1]}" if self.years else "none"
        return (
            f"<Industry ILLUSTRATIVE (synthetic enterprises): {len(self.enterprises)} "
            f"enterprises ({kinds.get('domestic', 0)} domestic, {kinds.get('import', 0)} "
            f"import), years {span}, seed {self.seed}>"
        )


def _draw_and_calibrate(
    rng: np.random.Generator,
    v: _Values,
    targets: Mapping[str, Mapping[str, float]],
    rules: RuleSet,
    years: list[int],
) -> tuple[_Firms, np.ndarray, dict[str, float], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One draw: firms, groups, calibration, fleet, statements and the calibration table.

    Raises
    ------
    _CalibrationFailedError
        The draw cannot meet MIIT's totals within ``_ACCEPT_TOLERANCE``.
    """
    rb0 = rules.for_year(CALIBRATION_YEAR)
    f = _draw_firms(rng, v, targets)
    group = _draw_groups(rng, v, f)
    _calibrate(f, rb0, v, targets)
    growth = _nev_share_growth(f, v)
    fleet = _fleet_frame(f, years, v, growth, rb0)
    st, models = _statements(fleet, rules, f, group)
    calibration = _calibration_table(st, models)
    c = calibration[calibration["calibrated"]]
    worst = c.loc[c["relative_error"].abs().idxmax()]
    if abs(worst["relative_error"]) > _ACCEPT_TOLERANCE:
        raise _CalibrationFailedError(
            f"{worst['group']} {worst['quantity']} off by {worst['relative_error']:+.2%} after "
            "rounding"
        )
    return f, group, growth, fleet, st, calibration


def _checked_years(years: Iterable[int], rules: RuleSet) -> list[int]:
    """The requested years, sorted and unique, each >= the calibration year and in ``rules``.

    Raises
    ------
    IndustryDataError
        No years, a year before :data:`CALIBRATION_YEAR`, or a year the rules do not cover.
    """
    ys = sorted({int(y) for y in years})
    if not ys:
        raise IndustryDataError("no years requested", key="years")
    if ys[0] < CALIBRATION_YEAR:
        raise IndustryDataError(
            f"years must be >= {CALIBRATION_YEAR} (the calibration year; "
            f"the generator only extends forward), got {ys[0]}",
            key="years",
        )
    for y in {CALIBRATION_YEAR, *ys}:
        try:
            rules.for_year(y)
        except InputError as exc:
            raise IndustryDataError(exc.rule, key="years") from None
    return ys


def _first_accepted_draw(
    rng: np.random.Generator,
    v: _Values,
    targets: Mapping[str, Mapping[str, float]],
    rules: RuleSet,
    years: list[int],
) -> tuple[tuple[Any, ...], list[str]]:
    """The first draw that meets MIIT's totals, and the reasons of the draws rejected before.

    Raises
    ------
    IndustryDataError
        No draw of ``_MAX_DRAWS`` meets the totals.
    """
    rejected: list[str] = []
    for _ in range(_MAX_DRAWS):
        try:
            return _draw_and_calibrate(rng, v, targets, rules, years), rejected
        except _CalibrationFailedError as exc:
            rejected.append(str(exc))
    raise IndustryDataError(
        f"no draw of {_MAX_DRAWS} met MIIT's {CALIBRATION_YEAR} totals under the "
        f"assumptions; last reason: {rejected[-1]}",
        key="assumptions",
    )


def _enterprise_table(
    f: _Firms, group: np.ndarray, y0: Mapping[str, np.ndarray], s0: pd.DataFrame
) -> pd.DataFrame:
    """:attr:`Industry.enterprises` from the calibrated firms, their calibration-year fleet
    ``y0`` and statements ``s0`` (indexed by enterprise)."""
    return pd.DataFrame(
        {
            "enterprise": f.name,
            "kind": f.kind,
            "group": group,
            "archetype": np.where(f.focused, "nev_focused", "conventional_based"),
            "volume_2023_vehicles": f.volume,
            "conventional_volume_2023_vehicles": y0["ICE"] + y0["HEV"],
            "nev_2023_share": f.nev_share,
            "bev_of_nev_share": f.bev_share,
            "hev_of_conventional_2023_share": f.hev_share,
            "curb_mass_kg": f.mass,
            "bev_electric_range_2023_km": f.bev_range,
            "bev_consumption_ratio": f.ec_ratio,
            "nev_2023_credit_per_vehicle": f.nev_credit_per_vehicle,
            "ice_fuel_consumption_2023_ratio": f.ice_ratio,
            "conventional_cafc_2023_ratio": (
                s0.loc[f.name, "conventional_cafc_actual_l_per_100km"]
                / s0.loc[f.name, "conventional_target_l_per_100km"]
            ).to_numpy(),
            "volume_growth_rate": f.growth,
            "nev_deficit_2023": f.nev_deficit,
            "cafc_deficit_2023": f.cafc_deficit,
        }
    )


def _derived_assumptions(
    growth: Mapping[str, float], rejected: list[str]
) -> dict[str, dict[str, Any]]:
    """The ``derived.*`` entries of :attr:`Industry.assumptions` (status ``derived``)."""
    derived = {
        f"derived.nev_share_logit_shift.{k}": {
            "value": growth[k],
            "unit": "1/year",
            "status": "derived",
            "text": f"Yearly shift of the logit of every {k} enterprise's NEV share after "
            f"{CALIBRATION_YEAR}, from nev.share_target.{k} and the volume growth",
        }
        for k in KINDS
    }
    derived["derived.rejected_draws"] = {
        "value": len(rejected),
        "unit": "1",
        "status": "derived",
        "text": "Draws of this seed rejected because they could not meet MIIT's totals"
        + (f" (reasons: {'; '.join(rejected)})" if rejected else ""),
    }
    derived["derived.calibration_source"] = {
        "value": CALIBRATION_YEAR,
        "unit": "year",
        "status": "derived",
        "text": "Totals matched: MIIT annual announcement (linkage.data.miit_annual, official)",
    }
    return derived


def illustrative_industry(
    years: Iterable[int] = range(2023, 2031),
    seed: int = 2023,
    rules: RuleSet | None = None,
    *,
    assumptions: Mapping[str, Any] | None = None,
) -> Industry:
    """Generate an ILLUSTRATIVE industry of synthetic enterprises (seeded, reproducible).

    Parameters
    ----------
    years : iterable of int, default 2023-2030
        Compliance years of the statements, each >= 2023 (the calibration year) and covered by
        ``rules``.
    seed : int, default 2023
        Seed of the :class:`numpy.random.Generator`; the same seed gives identical tables.
    rules : RuleSet, optional
        Rules of every year (default: the shipped rules, 2021-2027 law and the 2028-2030
        ``scenario`` rulebook).
    assumptions : mapping key -> value, optional
        Overrides of the shipped assumptions (see :func:`load_assumptions`).

    Returns
    -------
    Industry
        Enterprises, statements, abatement curves, assumptions, the representative fleet and
        the calibration table.

    Raises
    ------
    IndustryDataError
        Years before 2023 or not covered by the rules, a bad override, or a calibration that
        cannot reach MIIT's totals under the assumptions.

    Notes
    -----
    The calibration-year statements match MIIT's 2023 announcement within 1 % (volume; CAFC
    positive and negative, NEV positive and negative credits; all, domestic and import; 95 +
    24 enterprises). Residual differences come from whole vehicles, per-vehicle NEV credits to
    2 decimals and CAFC values to 2 decimals in the accounting. See :mod:`linkage.industry`
    for the method.
    """
    rules = rules or default_rules()
    ys = _checked_years(years, rules)
    table = load_assumptions(assumptions)
    v = _Values(table)
    rb0 = rules.for_year(CALIBRATION_YEAR)
    targets = _targets()

    rng = np.random.default_rng(seed)
    draw, rejected = _first_accepted_draw(rng, v, targets, rules, sorted({CALIBRATION_YEAR, *ys}))
    f, group, growth, fleet, st, calibration = draw
    s0 = st[st["year"] == CALIBRATION_YEAR].set_index("enterprise")
    y0 = _year_fleet(f, CALIBRATION_YEAR, v, growth, rb0)
    return Industry(
        enterprises=_enterprise_table(f, group, y0, s0),
        statements=st[st["year"].isin(ys)].reset_index(drop=True),
        abatement=_abatement(f, v, rules, growth, rb0),
        assumptions={**table, **_derived_assumptions(growth, rejected)},
        fleet=fleet,
        calibration=calibration,
        years=ys,
        seed=int(seed),
    )
