"""Exact CAFC and NEV credit accounting, vectorised over models and enterprises.

Pure rule functions come first (one per formula of the Measures, each with its source in the
Notes); :func:`model_credits` applies them to a validated fleet table and
:func:`enterprise_statements` aggregates per enterprise and compliance year. Every parameter
is read from the year's :class:`~linkage.rules.Rulebook`; nothing here branches on the year.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from conversions._checks import check_year
from linkage.errors import ArgumentTypeError, FleetError
from linkage.fleet import read_enterprises, read_fleet
from linkage.rules import ParameterLog, Rulebook, RuleSet, default_rules, record_lookups
from linkage.rules.loader import RulebookError

__all__ = [
    "STATEMENT_COLUMNS",
    "CreditResult",
    "bev_caps",
    "bev_consumption_factor",
    "bev_consumption_target",
    "bev_density_factor",
    "bev_range_factor",
    "bev_standard_credit",
    "cafc_model_target",
    "compute_credits",
    "electricity_fuel_factor",
    "enterprise_statements",
    "fcev_standard_credit",
    "low_fc_threshold",
    "model_credits",
    "phev_cd_factor",
    "round_half_up",
]

#: Columns of the statement file written by ``linkage credits --out``.
STATEMENT_COLUMNS = [
    "enterprise",
    "year",
    "volume_vehicles",
    "conventional_volume_vehicles",
    "nev_volume_vehicles",
    "low_fc_volume_vehicles",
    "cafc_target_l_per_100km",
    "cafc_compliance_l_per_100km",
    "cafc_actual_l_per_100km",
    "cafc_credits",
    "nev_earned_credits",
    "nev_requirement_credits",
    "nev_credits",
    "provisional_parameters",
]


# --------------------------------------------------------------------------- pure functions


def round_half_up(x: np.ndarray | float, decimals: int = 0) -> np.ndarray:
    """Round half away from zero (四舍五入) to ``decimals`` decimals.

    Parameters
    ----------
    x : array-like
        Values.
    decimals : int
        Decimals to keep.

    Returns
    -------
    ndarray of float

    Notes
    -----
    Binary floating point stores 2.675 as 2.67499999...; the scaled value is first rounded to
    6 decimals so that such representation errors do not flip a half.
    """
    x = np.asarray(x, dtype=float)
    scale = 10.0**decimals
    mag = np.floor(np.round(np.abs(x) * scale, 6) + 0.5) / scale
    return np.copysign(mag, x) + 0.0


def cafc_model_target(
    curb_mass_kg: np.ndarray, seat_rows: np.ndarray, rulebook: Rulebook
) -> np.ndarray:
    """Per-model fuel-consumption target T.

    Parameters
    ----------
    curb_mass_kg : array-like
        Curb mass [kg].
    seat_rows : array-like
        Seat rows [-].
    rulebook : Rulebook
        Rules of the compliance year (keys ``cafc_target.*``).

    Returns
    -------
    ndarray
        Target T [L/100 km], unrounded.

    Notes
    -----
    The rule key ``cafc_target.form`` selects the form. ``"curve"``: GB 27999-2019 (WLTC) as
    reconstructed (``provisional``)::

        T = 4.02                              CM <= 1090
        T = 0.0018 (CM - 1415) + 4.60         1090 < CM <= 2510
        T = 6.57                              CM > 2510

    ``"bands"``: GB 27999-2014 (NEDC, 2016-2020), a step table by curb-mass band:
    ``band_values[i]`` for ``band_bounds[i-1] < CM <= band_bounds[i]``, the last value above
    the last bound. Either form adds ``cafc_target.many_rows_addition`` for three or more
    seat rows.
    """
    m = np.asarray(curb_mass_kg, dtype=float)
    rows = np.asarray(seat_rows)
    r = rulebook
    t = _TARGET_FORMS[str(r["cafc_target.form"])](m, r)
    many = rows >= r["cafc_target.many_rows_seat_rows"]
    return t + np.where(many, r["cafc_target.many_rows_addition"], 0.0)


def _target_curve(m: np.ndarray, r: Rulebook) -> np.ndarray:
    """Per-model target of the curve form [L/100 km] (seat rows not yet added)."""
    middle = r["cafc_target.slope"] * (m - r["cafc_target.pivot_mass"]) + r[
        "cafc_target.pivot_value"
    ]
    return np.where(
        m <= r["cafc_target.low_mass"],
        r["cafc_target.low_value"],
        np.where(m <= r["cafc_target.high_mass"], middle, r["cafc_target.high_value"]),
    )


def _target_bands(m: np.ndarray, r: Rulebook) -> np.ndarray:
    """Per-model target of the bands form [L/100 km]: upper bounds inclusive (CM <= bound)."""
    band = np.searchsorted(np.asarray(r["cafc_target.band_bounds"]), m, side="left")
    return np.asarray(r["cafc_target.band_values"], dtype=float)[band]


#: ``cafc_target.form`` -> the function computing the target of that form.
_TARGET_FORMS = {"curve": _target_curve, "bands": _target_bands}


def low_fc_threshold(target_l_per_100km: np.ndarray, rulebook: Rulebook) -> np.ndarray:
    """Fuel consumption at or below which a conventional model is "low fuel consumption".

    Parameters
    ----------
    target_l_per_100km : array-like
        Per-model target T [L/100 km].
    rulebook : Rulebook

    Returns
    -------
    ndarray
        round_half_up(T x requirement, 2) [L/100 km].

    Notes
    -----
    Order No. 53 (2020), definition of a low-fuel-consumption passenger car (``official``).
    """
    decimals = int(rulebook["rounding.low_fc_threshold_decimals"])
    return round_half_up(
        np.asarray(target_l_per_100km) * rulebook["cafc.requirement"], decimals
    )


def _segments(x: np.ndarray, bounds: Sequence[float], slopes, intercepts) -> np.ndarray:
    """Piecewise-linear on [bounds[i], bounds[i+1]); 0 below bounds[0]."""
    seg = np.searchsorted(np.asarray(bounds), x, side="right") - 1
    safe = np.clip(seg, 0, len(bounds) - 1)
    val = np.asarray(slopes)[safe] * x + np.asarray(intercepts)[safe]
    return np.where(seg >= 0, val, 0.0)


def _bands(x: np.ndarray, bounds: Sequence[float], values: Sequence[float]) -> np.ndarray:
    """values[0] below bounds[0], values[i] on [bounds[i-1], bounds[i])."""
    return np.asarray(values)[np.searchsorted(np.asarray(bounds), x, side="right")]


def bev_standard_credit(electric_range_km: np.ndarray, rulebook: Rulebook) -> np.ndarray:
    """Standard NEV credit of a BEV before adjustment factors, capped unless the cap applies to
    the final credit (``bev.cap_applies_to``, see :func:`bev_caps`).

    Parameters
    ----------
    electric_range_km : array-like
        Electric range R [km].
    rulebook : Rulebook

    Returns
    -------
    ndarray
        Standard credit [credit/vehicle]; 0 below the eligibility range.

    Notes
    -----
    2021-2023 (Order No. 53): min(0.0056 R + 0.4, 3.4) for R >= 100 km. 2024-2025 (Order
    No. 64): min(0.0034 R + 0.2, 2.3). 2026-2027 (notice 294): 0.3 for 100 <= R < 150,
    min(0.0017 R + 0.15, 1.2) from 150 km. Encoded as segments in ``bev.standard_*``.
    """
    r = np.asarray(electric_range_km, dtype=float)
    std = _segments(
        r,
        rulebook["bev.standard_range_bounds"],
        rulebook["bev.standard_slopes"],
        rulebook["bev.standard_intercepts"],
    )
    return np.minimum(std, bev_caps(rulebook)[0])


def bev_caps(rulebook: Rulebook) -> tuple[float, float]:
    """Caps of the BEV credit on the standard credit and on the final credit.

    Parameters
    ----------
    rulebook : Rulebook

    Returns
    -------
    (float, float)
        Cap on the standard credit and cap on the final credit (standard credit x adjustment
        factors) [credit/vehicle]; ``inf`` where no cap applies.

    Notes
    -----
    ``bev.cap_applies_to`` selects the reading: ``standard_credit`` (default; Tesla China's 2021
    average of about 4.36 credits/vehicle exceeds the 3.4 cap, which only this reading allows)
    or ``final_credit`` (the NEOCC model's reading).
    """
    cap = float(rulebook["bev.standard_cap"])
    if rulebook["bev.cap_applies_to"] == "final_credit":
        return math.inf, cap
    return cap, math.inf


def bev_range_factor(electric_range_km: np.ndarray, rulebook: Rulebook) -> np.ndarray:
    """BEV range adjustment factor [-] (R < 150: 0.7; 150-200: 0.8; 200-300: 0.9; >= 300: 1.0).

    Parameters
    ----------
    electric_range_km : array-like
        Electric range [km].
    rulebook : Rulebook
    """
    return _bands(
        np.asarray(electric_range_km, dtype=float),
        rulebook["bev.range_factor_bounds"],
        rulebook["bev.range_factor_values"],
    )


def bev_density_factor(energy_density_wh_per_kg: np.ndarray, rulebook: Rulebook) -> np.ndarray:
    """BEV battery energy-density factor [-] (< 90: 0; 90-105: 0.8; 105-125: 0.9; >= 125: 1).

    Parameters
    ----------
    energy_density_wh_per_kg : array-like
        Battery-system energy density [Wh/kg].
    rulebook : Rulebook
    """
    return _bands(
        np.asarray(energy_density_wh_per_kg, dtype=float),
        rulebook["bev.density_factor_bounds"],
        rulebook["bev.density_factor_values"],
    )


def bev_consumption_target(curb_mass_kg: np.ndarray, rulebook: Rulebook) -> np.ndarray:
    """Electric energy consumption target Y(m) of a BEV.

    Parameters
    ----------
    curb_mass_kg : array-like
        Curb mass m [kg].
    rulebook : Rulebook

    Returns
    -------
    ndarray
        Y [kWh/100 km]: 0.0112 m + 0.4 (m <= 1000), 0.0078 m + 3.8 (<= 1600),
        0.0048 m + 8.6 (> 1600).
    """
    m = np.asarray(curb_mass_kg, dtype=float)
    branch = np.searchsorted(np.asarray(rulebook["bev.consumption_mass_bounds"]), m, side="left")
    return (
        np.asarray(rulebook["bev.consumption_slopes"])[branch] * m
        + np.asarray(rulebook["bev.consumption_intercepts"])[branch]
    )


def bev_consumption_factor(
    energy_consumption_kwh_per_100km: np.ndarray, curb_mass_kg: np.ndarray, rulebook: Rulebook
) -> np.ndarray:
    """BEV energy-consumption factor [-]: min(Y/EC, 1.5) if EC <= Y(m), else 0.5.

    Parameters
    ----------
    energy_consumption_kwh_per_100km : array-like
        Electric energy consumption EC [kWh/100 km].
    curb_mass_kg : array-like
        Curb mass [kg].
    rulebook : Rulebook
    """
    ec = np.asarray(energy_consumption_kwh_per_100km, dtype=float)
    y = bev_consumption_target(curb_mass_kg, rulebook)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.minimum(y / ec, rulebook["bev.consumption_factor_cap"])
    # Y(m) is a decimal formula: 0.0078 * 1100 + 3.8 evaluates to 12.379999...; compare with a
    # tolerance far below the 0.01 kWh/100 km resolution of certified values
    return np.where(ec <= y + 1e-9, ratio, rulebook["bev.consumption_factor_above_target"])


def fcev_standard_credit(fuel_cell_power_kw: np.ndarray, rulebook: Rulebook) -> np.ndarray:
    """FCEV credit [credit/vehicle]: min(0.08 P, 6) (2021-23), min(0.05 P, 4) (2024+).

    Parameters
    ----------
    fuel_cell_power_kw : array-like
        Rated fuel-cell power P [kW].
    rulebook : Rulebook
    """
    p = np.asarray(fuel_cell_power_kw, dtype=float)
    return np.minimum(rulebook["fcev.credit_per_kw"] * p, rulebook["fcev.cap"])


def electricity_fuel_factor(rulebook: Rulebook) -> float:
    """Litres of fuel counted per kWh of electricity a BEV or PHEV uses [L/kWh].

    Parameters
    ----------
    rulebook : Rulebook
        Keys ``cafc.electricity_counted``, ``cafc.electricity_fuel_energy_factor`` [L/kWh]
        and ``cafc.electricity_efficiency_factor`` [-].

    Returns
    -------
    float
        fuel energy factor x efficiency factor where electricity is counted, else 0 [L/kWh].

    Notes
    -----
    GB/T 37340-2019 as named by GB 27999-2019 4.1.2-4.1.3 and GB 27999-2025: 0 up to 2025;
    from 2026 about 0.1131 L/kWh (equal heating value, ``secondary``) x an efficiency factor
    (``provisional`` 1.0).
    """
    if not rulebook["cafc.electricity_counted"]:
        return 0.0
    return float(rulebook["cafc.electricity_fuel_energy_factor"]) * float(
        rulebook["cafc.electricity_efficiency_factor"])


def phev_cd_factor(
    cd_energy_consumption_kwh_per_100km: np.ndarray, curb_mass_kg: np.ndarray,
    rulebook: Rulebook,
) -> np.ndarray:
    """PHEV charge-depleting electricity test: 1 if EC_cd <= ratio x Y(m), else the fail factor.

    Parameters
    ----------
    cd_energy_consumption_kwh_per_100km : array-like
        Charge-depleting electric energy consumption EC_cd [kWh/100 km]; NaN = not given
        (not tested, factor 1).
    curb_mass_kg : array-like
        Curb mass [kg].
    rulebook : Rulebook
        Keys ``phev.cd_consumption_limit_ratio`` (1.35) and ``phev.cd_fail_factor``.

    Returns
    -------
    ndarray
        Factor [-].
    """
    ec = np.asarray(cd_energy_consumption_kwh_per_100km, dtype=float)
    limit = rulebook["phev.cd_consumption_limit_ratio"] * bev_consumption_target(
        curb_mass_kg, rulebook)
    fails = ~np.isnan(ec) & (ec > limit + 1e-9)
    return np.where(fails, rulebook["phev.cd_fail_factor"], 1.0)


# --------------------------------------------------------------------------- per model


def _year_books(years: np.ndarray, rules: RuleSet, fleet: pd.DataFrame) -> dict[int, Rulebook]:
    books = {}
    for y in np.unique(years):
        try:
            books[int(y)] = rules.for_year(int(y))
        except RulebookError as exc:
            i = int(np.flatnonzero(years == y)[0])
            raise FleetError(
                exc.rule, file=fleet.attrs.get("source", "<DataFrame>"),
                row=int(fleet["row"].to_numpy()[i]), column="year",
            ) from None
    return books


def model_credits(fleet: pd.DataFrame, rules: RuleSet | None = None) -> pd.DataFrame:
    """Per-model accounting: target, low-FC flag, CAFC multiplier, NEV credit with each factor.

    Parameters
    ----------
    fleet : DataFrame
        Validated fleet from :func:`~linkage.fleet.read_fleet`.
    rules : RuleSet, optional
        Default: the shipped rules.

    Returns
    -------
    DataFrame
        The fleet's columns plus ``target_l_per_100km``, ``low_fc_threshold_l_per_100km``,
        ``conventional``, ``low_fc``, ``cafc_multiplier``,
        ``fuel_consumption_accounted_l_per_100km``, ``nev_requirement_weight``,
        ``nev_standard_credit_per_vehicle``, ``nev_range_factor``, ``nev_density_factor``,
        ``nev_consumption_factor``, ``nev_cs_factor``, ``nev_cd_factor`` (PHEV
        charge-depleting test), ``nev_low_temperature_applied_factor`` (each [credit/vehicle]
        or [-]), ``electricity_factor_l_per_kwh`` (fuel counted per kWh in the year [L/kWh],
        0 where electricity is not counted), ``electricity_fuel_equivalent_l_per_100km``
        (the electricity part of the fuel consumption [L/100 km]), ``unchecked_inputs``,
        ``nev_credit_per_vehicle`` (the value used [credit/vehicle]), ``nev_credit_source``
        (``official``, ``computed``, ``neutral`` or empty for conventional models) and
        ``neutral_factors``.
    """
    rules = rules or default_rules()
    n = len(fleet)
    year = fleet["year"].to_numpy()
    books = _year_books(year, rules, fleet)
    pt = fleet["powertrain"].to_numpy()
    mass = fleet["curb_mass_kg"].to_numpy(dtype=float)
    seats = fleet["seat_rows"].to_numpy()
    fc = fleet["fuel_consumption_l_per_100km"].to_numpy(dtype=float)
    offc = fleet["off_cycle_reduction_l_per_100km"].to_numpy(dtype=float)
    rng = fleet["electric_range_km"].to_numpy(dtype=float)
    ec = fleet["energy_consumption_kwh_per_100km"].to_numpy(dtype=float)
    dens = fleet["battery_energy_density_wh_per_kg"].to_numpy(dtype=float)
    power = fleet["fuel_cell_power_kw"].to_numpy(dtype=float)
    official = fleet["nev_credit_per_vehicle"].to_numpy(dtype=float)
    cs = fleet["phev_cs_condition_met"].to_numpy(dtype=float)
    ec_cd = _optional(fleet, "phev_cd_energy_consumption_kwh_per_100km")
    uf = _optional(fleet, "phev_utility_factor")
    low_temp = _optional(fleet, "nev_low_temperature_factor")

    is_bev, is_phev, is_fcev = pt == "BEV", pt == "PHEV", pt == "FCEV"
    is_conv = ~(is_bev | is_phev | is_fcev)

    cols = {
        k: np.zeros(n)
        for k in (
            "target_l_per_100km", "low_fc_threshold_l_per_100km", "cafc_multiplier",
            "nev_requirement_weight", "nev_standard_credit_per_vehicle", "nev_range_factor",
            "nev_density_factor", "nev_consumption_factor", "nev_cs_factor",
            "nev_credit_per_vehicle", "nev_cd_factor", "nev_low_temperature_applied_factor",
            "electricity_factor_l_per_kwh", "electricity_fuel_equivalent_l_per_100km",
        )
    }
    low_fc = np.zeros(n, dtype=bool)
    # rule lookups per year and scope: "all" models, or the models of one powertrain whose
    # credit is computed; enterprise_statements attributes them to the statements
    lookups: dict[int, dict[str, tuple[str, ...]]] = {}
    miss_elec = np.zeros(n, dtype=bool)
    unchecked = np.full(n, "", dtype=object)
    for y, rb in books.items():
        sel = np.flatnonzero(year == y)
        with record_lookups() as used_all:
            t = cafc_model_target(mass[sel], seats[sel], rb)
            thr = low_fc_threshold(t, rb)
            conv = is_conv[sel]
            low = conv & (fc[sel] <= thr)
            w = np.where(
                ~conv,
                rb["cafc.multiplier_nev"],
                np.where(fc[sel] <= rb["cafc.multiplier_low_fc_threshold"],
                         rb["cafc.multiplier_low_fc"], 1.0),
            )
            f = np.where(conv, np.where(low, rb["nev.low_fc_factor"], 1.0), 0.0)
            rounding_on = bool(rb["rounding.enabled"])

        b, p, fcv = is_bev[sel], is_phev[sel], is_fcev[sel]
        r = rng[sel]
        with record_lookups() as used_bev:
            std = np.where(b, bev_standard_credit(r, rb), 0.0)
            rf = np.where(b, bev_range_factor(r, rb), 1.0)
            df = np.where(b & ~np.isnan(dens[sel]), bev_density_factor(dens[sel], rb), 1.0)
            cf = np.where(b & ~np.isnan(ec[sel]),
                          bev_consumption_factor(ec[sel], mass[sel], rb), 1.0)
            final_cap = np.where(b, bev_caps(rb)[1], np.inf)
        with record_lookups() as used_phev:
            std = np.where(p, np.where(r >= rb["phev.min_range"], rb["phev.credit"], 0.0), std)
            csf = np.where(p & (cs[sel] == 0.0), rb["phev.cs_fail_factor"], 1.0)
        with record_lookups() as used_fcev:
            std = np.where(fcv, fcev_standard_credit(power[sel], rb), std)
        lookups[int(y)] = {"all": tuple(used_all.keys()), "BEV": tuple(used_bev.keys()),
                           "PHEV": tuple(used_phev.keys()), "FCEV": tuple(used_fcev.keys())}
        with record_lookups() as used_cd:
            cdf = np.where(p, phev_cd_factor(ec_cd[sel], mass[sel], rb), 1.0)
        with record_lookups() as used_low_temp:
            ltf = _low_temperature_factor(low_temp[sel], b, rb, fleet, sel)
            unchecked[sel] = _unchecked(p & np.isnan(ec_cd[sel]),
                                        b & np.isnan(low_temp[sel]) & bool(
                                            rb["nev.low_temperature_factor_applies"]))
        with record_lookups() as used_elec:
            kwh_l = electricity_fuel_factor(rb)
        lookups[int(y)]["PHEV_CD"] = tuple(used_cd.keys())
        lookups[int(y)]["LOW_TEMPERATURE"] = tuple(used_low_temp.keys())
        lookups[int(y)]["ELECTRICITY"] = tuple(used_elec.keys())
        credit = np.minimum(std * rf * df * cf * csf * cdf * ltf, final_cap)
        elec_kwh = np.where(b, ec[sel], np.where(p, uf[sel] * ec_cd[sel], 0.0))
        miss_elec[sel] = (b | p) & np.isnan(elec_kwh) & (kwh_l > 0)
        elec = np.where((b | p) & ~np.isnan(elec_kwh), elec_kwh * kwh_l, 0.0)
        if rounding_on:
            credit = round_half_up(credit, 2)
        credit = np.where(np.isnan(official[sel]), credit, official[sel])
        credit = np.where(conv, 0.0, credit)

        low_fc[sel] = low
        for k, v in (
            ("target_l_per_100km", t), ("low_fc_threshold_l_per_100km", thr),
            ("cafc_multiplier", w), ("nev_requirement_weight", f),
            ("nev_standard_credit_per_vehicle", std), ("nev_range_factor", rf),
            ("nev_density_factor", df), ("nev_consumption_factor", cf),
            ("nev_cs_factor", csf), ("nev_credit_per_vehicle", credit),
            ("nev_cd_factor", cdf), ("nev_low_temperature_applied_factor", ltf),
            ("electricity_factor_l_per_kwh", np.where(b | p, kwh_l, 0.0)),
            ("electricity_fuel_equivalent_l_per_100km", elec),
        ):
            cols[k][sel] = v

    has_official = ~np.isnan(official)
    neutral_parts = np.full(n, "", dtype=object)
    miss_ec = is_bev & ~has_official & np.isnan(ec)
    miss_d = is_bev & ~has_official & np.isnan(dens)
    miss_cs = is_phev & ~has_official & np.isnan(cs)
    neutral_parts[miss_ec] = "consumption"
    neutral_parts[miss_d] = np.where(neutral_parts[miss_d] == "", "density",
                                     neutral_parts[miss_d] + ";density")
    neutral_parts[miss_cs] = "charge_sustaining"
    is_neutral = miss_ec | miss_d | miss_cs
    if is_neutral.any() and fleet.attrs.get("adjustments", "strict") != "neutral":
        i = int(np.flatnonzero(is_neutral)[0])
        raise FleetError(
            "an adjustment-factor input is missing and adjustments='neutral' was not chosen",
            file=fleet.attrs.get("source", "<DataFrame>"), row=int(fleet["row"].iloc[i]),
        )
    _check_electricity_inputs(fleet, miss_elec, pt, ec, ec_cd)
    neutral_parts[miss_elec] = np.where(neutral_parts[miss_elec] == "", "electricity",
                                        neutral_parts[miss_elec] + ";electricity")
    source = np.where(is_conv, "", np.where(has_official, "official",
                                            np.where(is_neutral, "neutral", "computed")))
    out = fleet.copy()
    out["target_l_per_100km"] = cols["target_l_per_100km"]
    out["low_fc_threshold_l_per_100km"] = np.where(is_conv, cols["low_fc_threshold_l_per_100km"],
                                                   np.nan)
    out["conventional"] = is_conv
    out["low_fc"] = low_fc
    out["cafc_multiplier"] = cols["cafc_multiplier"]
    fuel_part = np.where(is_bev | is_fcev, 0.0, fc - offc)
    out["electricity_factor_l_per_kwh"] = cols["electricity_factor_l_per_kwh"]
    out["electricity_fuel_equivalent_l_per_100km"] = cols[
        "electricity_fuel_equivalent_l_per_100km"]
    out["fuel_consumption_accounted_l_per_100km"] = fuel_part + cols[
        "electricity_fuel_equivalent_l_per_100km"]
    for k in ("nev_requirement_weight", "nev_standard_credit_per_vehicle", "nev_range_factor",
              "nev_density_factor", "nev_consumption_factor", "nev_cs_factor",
              "nev_cd_factor", "nev_low_temperature_applied_factor", "nev_credit_per_vehicle"):
        out[k] = cols[k]
    out["nev_credit_source"] = source
    out["neutral_factors"] = neutral_parts
    out.attrs["rule_lookups"] = lookups
    out["unchecked_inputs"] = np.where(is_conv | has_official, "", unchecked)
    return out


def _optional(fleet: pd.DataFrame, column: str) -> np.ndarray:
    """An optional fleet column as floats (all NaN when a hand-built table lacks it)."""
    if column in fleet.columns:
        return fleet[column].to_numpy(dtype=float)
    return np.full(len(fleet), np.nan)


def _unchecked(no_cd: np.ndarray, no_low_temp: np.ndarray) -> np.ndarray:
    """``;``-separated names of optional credit inputs a model did not give."""
    out = np.full(len(no_cd), "", dtype=object)
    out[no_cd] = "charge_depleting"
    out[no_low_temp] = np.where(out[no_low_temp] == "", "low_temperature",
                                out[no_low_temp] + ";low_temperature")
    return out


def _low_temperature_factor(
    factor: np.ndarray, is_bev: np.ndarray, rulebook: Rulebook, fleet: pd.DataFrame,
    sel: np.ndarray,
) -> np.ndarray:
    """The given low-temperature range factor where the year applies one, else 1 [-]."""
    given = is_bev & ~np.isnan(factor)
    if not rulebook["nev.low_temperature_factor_applies"]:
        if given.any():
            i = int(sel[np.flatnonzero(given)[0]])
            raise FleetError(
                f"nev_low_temperature_factor is given but the {rulebook.year} rules apply no "
                "low-temperature factor (nev.low_temperature_factor_applies = false): remove it",
                file=fleet.attrs.get("source", "<DataFrame>"),
                row=int(fleet["row"].to_numpy()[i]), column="nev_low_temperature_factor",
            )
        return np.ones(len(factor))
    return np.where(given, factor, 1.0)


def _check_electricity_inputs(
    fleet: pd.DataFrame, missing: np.ndarray, pt: np.ndarray, ec: np.ndarray,
    ec_cd: np.ndarray,
) -> None:
    """Strict mode: a BEV or PHEV whose electricity counts as fuel needs its consumption."""
    if not missing.any() or fleet.attrs.get("adjustments", "strict") == "neutral":
        return
    i = int(np.flatnonzero(missing)[0])
    if pt[i] == "BEV":
        column = "energy_consumption_kwh_per_100km"
    elif np.isnan(ec_cd[i]):
        column = "phev_cd_energy_consumption_kwh_per_100km"
    else:
        column = "phev_utility_factor"
    year = int(fleet["year"].to_numpy()[i])
    raise FleetError(
        f"the {pt[i]} model {fleet['model'].to_numpy()[i]!r} needs {column} in {year}: its "
        "electricity counts as fuel (cafc.electricity_counted) (or choose "
        "adjustments='neutral' to count the electricity as 0, reported)",
        file=fleet.attrs.get("source", "<DataFrame>"), row=int(fleet["row"].to_numpy()[i]),
        column=column,
    )


# --------------------------------------------------------------------------- per enterprise

def _within_volume_limit(volume: np.ndarray, rulebook: Rulebook) -> np.ndarray:
    """Whether a volume passes the small-enterprise volume test [vehicle].

    ``small_enterprise.volume_test`` = ``at_most`` (default): volume <= limit ("2000辆以下"
    includes 2,000 in Chinese legal usage, Civil Code Art. 1259); ``below``: volume < limit.
    """
    limit = rulebook["small_enterprise.volume_limit"]
    if rulebook["small_enterprise.volume_test"] == "at_most":
        return volume <= limit
    return volume < limit


def _group_sum(gid: np.ndarray, n: int, w: np.ndarray) -> np.ndarray:
    return np.bincount(gid, weights=w, minlength=n)


def _unchecked_by_group(models: pd.DataFrame, gid: np.ndarray, n: int) -> np.ndarray:
    """Per statement: ``;``-separated optional credit inputs some model did not give."""
    out = np.full(n, "", dtype=object)
    if "unchecked_inputs" not in models.columns:
        return out
    names = models["unchecked_inputs"].to_numpy()
    some = names != ""
    if not some.any():
        return out
    pairs = pd.DataFrame({"g": gid[some], "name": names[some]}).drop_duplicates()
    for g, group_names in pairs.groupby("g")["name"]:
        out[int(g)] = ";".join(sorted({x for s in group_names for x in s.split(";")}))
    return out


def _enterprise_table(enterprises: pd.DataFrame | None, g_ent: np.ndarray,
                      g_year: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                   np.ndarray]:
    """Per statement, from the enterprise table: group, small-enterprise relief asked, the
    previous year's actual CAFC given [L/100 km] (NaN: none) and the table's row (-1: none).

    A row for the year wins over a row without year; a row without year gives the previous
    actual only for the enterprise's first year in the fleet.
    """
    ng = len(g_ent)
    group = np.full(ng, None, dtype=object)
    small = np.zeros(ng, dtype=bool)
    prev_given = np.full(ng, np.nan)
    ent_row = np.full(ng, -1, dtype=np.int64)
    if enterprises is None or not len(enterprises):
        return group, small, prev_given, ent_row
    e = enterprises
    generic = e[e["year"].isna()].set_index("enterprise")
    specific = e[e["year"].notna()].set_index(["enterprise", "year"])
    first_year = pd.Series(g_year).groupby(g_ent).transform("min").to_numpy()
    for i in range(ng):
        row = None
        if (g_ent[i], g_year[i]) in specific.index:
            row = specific.loc[(g_ent[i], g_year[i])]
            prev = row["previous_cafc_actual_l_per_100km"]
        elif g_ent[i] in generic.index:
            row = generic.loc[g_ent[i]]
            prev = (row["previous_cafc_actual_l_per_100km"]
                    if g_year[i] == first_year[i] else np.nan)
        if row is not None:
            group[i] = row["group"]
            small[i] = bool(row["small_independent"])
            prev_given[i] = prev
            ent_row[i] = int(row["row"])
    return group, small, prev_given, ent_row


def _relief_steps(rb: Rulebook, asks: np.ndarray, actual: np.ndarray,
                  prev_actual: np.ndarray) -> np.ndarray:
    """Small-enterprise relief factor earned by the fall of actual CAFC (1 where none) [-]."""
    with np.errstate(invalid="ignore", divide="ignore"):
        fall = 1.0 - actual / prev_actual
    thresholds = np.asarray(rb["small_enterprise.fall_thresholds"])
    factors = np.asarray(rb["small_enterprise.requirement_factors"])
    step = np.searchsorted(thresholds, np.where(asks, fall, -np.inf) + 1e-9, side="right")
    return np.where(step[asks] > 0, factors[np.clip(step[asks] - 1, 0, None)], 1.0)


def _year_rules_and_relief(books: dict[int, Rulebook],
                           year_rule: dict[int, tuple[bool, float, float, float, float]],
                           g_ent: np.ndarray, g_year: np.ndarray, vol: np.ndarray,
                           small: np.ndarray, actual: np.ndarray, prev_actual: np.ndarray,
                           ent_row: np.ndarray, enterprises: pd.DataFrame | None) -> tuple:
    """Per statement: CAFC requirement, relief factor, NEV exemption volume, NEV ratio, carry
    threshold and whether the relief adds points; and the relief's rule lookups per year.

    Raises
    ------
    FleetError
        An enterprise asks for the relief without a known previous-year actual CAFC.
    """
    ng = len(g_year)
    requirement = np.empty(ng)
    relief = np.ones(ng)
    exempt_limit = np.empty(ng)
    ratio = np.empty(ng)
    carry_threshold = np.empty(ng)
    additive = np.zeros(ng, dtype=bool)
    small_used: dict[int, ParameterLog] = {}
    for y, rb in books.items():
        sel = g_year == y
        _, requirement[sel], exempt_limit[sel], ratio[sel], carry_threshold[sel] = year_rule[y]
        with record_lookups() as small_used[y]:
            asks = sel & small & _within_volume_limit(vol, rb)
            lacking = asks & np.isnan(prev_actual)
            if lacking.any():
                i = int(np.flatnonzero(lacking)[0])
                raise FleetError(
                    f"{g_ent[i]!r} asks for small-enterprise relief in {y} but its actual CAFC "
                    f"of {y - 1} is unknown: give previous_cafc_actual_l_per_100km",
                    file=enterprises.attrs.get("source") if enterprises is not None else None,
                    row=int(ent_row[i]) if ent_row[i] >= 0 else None,
                    column="previous_cafc_actual_l_per_100km",
                )
            relief[asks] = _relief_steps(rb, asks, actual, prev_actual)
            additive[sel & asks] = rb["small_enterprise.relief_form"] == "add_points"
    return requirement, relief, exempt_limit, ratio, carry_threshold, additive, small_used


def _provisional_keys(flags: pd.DataFrame, model_used: Mapping[int, Any],
                      books: dict[int, Rulebook], year_used: dict[int, ParameterLog],
                      small_used: dict[int, ParameterLog], ind_used: dict[int, ParameterLog]
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Per statement: the unverified rule keys it relied on (``;``-separated) and their count.

    Statements with the same flags (year, powertrains computed, relief asked, scopes that
    applied) share one key list, computed once.
    """
    combo, combos = pd.factorize(pd.MultiIndex.from_frame(flags))
    key_lists = []
    for y, b, p, f, s, elec_on, cd_on, lt_on, ind_on in combos:
        scopes = model_used.get(int(y), {})
        keys = set(scopes.get("all", ())) | set(year_used[int(y)].keys())
        for fam, on in (("BEV", b), ("PHEV", p), ("FCEV", f), ("ELECTRICITY", elec_on),
                        ("PHEV_CD", cd_on), ("LOW_TEMPERATURE", lt_on)):
            if on:
                keys.update(scopes.get(fam, ()))
        if s:
            keys.update(small_used[int(y)].keys())
        if ind_on:
            keys.update(ind_used[int(y)].keys())
        key_lists.append(";".join(books[int(y)].unverified(keys)))
    prov_keys = np.asarray(key_lists, dtype=object)[combo]
    prov_count = np.array([len(k.split(";")) if k else 0 for k in key_lists])[combo]
    return prov_keys, prov_count


def enterprise_statements(
    models: pd.DataFrame,
    enterprises: pd.DataFrame | None = None,
    rules: RuleSet | None = None,
) -> pd.DataFrame:
    """Per enterprise and year: CAFC values and credits, NEV credits earned and required.

    Parameters
    ----------
    models : DataFrame
        Output of :func:`model_credits`.
    enterprises : DataFrame, optional
        Output of :func:`~linkage.fleet.read_enterprises` (groups, relief requests).
    rules : RuleSet, optional

    Returns
    -------
    DataFrame
        One row per enterprise and year, sorted, with the :data:`STATEMENT_COLUMNS` plus
        ``group``, ``cafc_requirement_share`` (effective share, relief included [-]),
        ``small_enterprise_relief_factor`` (the relief step earned, 1.6 = relaxed by 60 % [-]),
        ``nev_exempt``, ``conventional_target_l_per_100km`` and
        ``conventional_cafc_actual_l_per_100km`` [L/100 km] (the same formulas over
        conventional models only; NaN without conventional models),
        ``nev_carry_eligible`` (the conventional fleet met ``nev.carry_threshold_ratio``, so
        the year's NEV surplus may be carried forward; True without conventional models),
        ``conventional_cafc_unweighted_l_per_100km`` (GB 27999-2025's CAFC of
        traditional-energy cars: ``Σ FC_j V_j / Σ V_j`` over conventional models, no
        multipliers) and
        ``cafc_co2_reference_g_per_km`` (corporate average CO2 reference value: actual CAFC x
        ``cafc.co2_per_litre`` x 10) [g/km], both NaN in years without
        ``cafc.reference_indicators``; ``unchecked_optional_inputs`` (optional credit inputs
        that some computed model did not give: ``charge_depleting``, ``low_temperature``)
        and ``provisional_parameter_keys`` (``;``-separated). ``cafc_*`` values are in
        [L/100 km], credits in [credit], volumes in [vehicle].

    Notes
    -----
    - Target value ``T_ent = Σ T_i V_i / Σ V_i`` over all models (NEVs included).
    - Compliance value ``C = T_ent x requirement x relief`` (``small_enterprise.relief_form``
      = ``multiply``) or ``T_ent x (requirement + relief - 1)`` (``add_points``); the relief
      needs a volume within ``small_enterprise.volume_limit`` (``volume_test``).
    - Actual ``A = Σ FC_i V_i / Σ V_i W_i`` (FC after off-cycle reductions; BEV and PHEV
      electricity counted as fuel where ``cafc.electricity_counted``; FCEV 0).
    - CAFC credits ``(C - A) x Σ V_i``; NEV requirement ``ratio x Σ_conv V_j f_j`` (0 below
      the exemption volume); NEV credits = earned - requirement.
    - With ``rounding.enabled``: T_ent, C and A round half up to 2 decimals (C from the rounded
      T_ent), credit totals to whole credits.
    """
    rules = rules or default_rules()
    ent = models["enterprise"].to_numpy()
    year = models["year"].to_numpy()
    ecode, euniq = pd.factorize(ent, sort=True)
    ycode, yuniq = pd.factorize(year, sort=True)
    combined = ecode.astype(np.int64) * len(yuniq) + ycode
    guniq, gid = np.unique(combined, return_inverse=True)
    ng = len(guniq)
    g_ent = np.asarray(euniq, dtype=object)[guniq // len(yuniq)]
    g_year = np.asarray(yuniq, dtype=np.int64)[guniq % len(yuniq)]
    uniq = pd.MultiIndex.from_arrays([g_ent, g_year])

    v = models["volume_vehicles"].to_numpy(dtype=float)
    conv = models["conventional"].to_numpy()
    pt = models["powertrain"].to_numpy()
    computed = (models["nev_credit_source"].to_numpy() == "computed") | (
        models["nev_credit_source"].to_numpy() == "neutral"
    )
    vol = _group_sum(gid, ng, v)
    conv_vol = _group_sum(gid, ng, v * conv)
    low_vol = _group_sum(gid, ng, v * models["low_fc"].to_numpy())
    tv = _group_sum(gid, ng, models["target_l_per_100km"].to_numpy() * v)
    fcv = _group_sum(gid, ng, models["fuel_consumption_accounted_l_per_100km"].to_numpy() * v)
    vw = _group_sum(gid, ng, v * models["cafc_multiplier"].to_numpy())
    conv_tv = _group_sum(gid, ng, models["target_l_per_100km"].to_numpy() * v * conv)
    conv_fcv = _group_sum(
        gid, ng, models["fuel_consumption_accounted_l_per_100km"].to_numpy() * v * conv
    )
    conv_vw = _group_sum(gid, ng, v * models["cafc_multiplier"].to_numpy() * conv)
    conv_fv = _group_sum(
        gid, ng, models["fuel_consumption_accounted_l_per_100km"].to_numpy() * v * conv)
    earned = _group_sum(gid, ng, v * models["nev_credit_per_vehicle"].to_numpy())
    elec_vol = _group_sum(gid, ng, v * ((pt == "BEV") | (pt == "PHEV")))
    cd_tested = _group_sum(gid, ng, ((pt == "PHEV") & computed & ~np.isnan(
        _optional(models, "phev_cd_energy_consumption_kwh_per_100km"))).astype(float)) > 0
    base = _group_sum(gid, ng, v * models["nev_requirement_weight"].to_numpy())
    has = {
        fam: _group_sum(gid, ng, (computed & (pt == fam.upper())).astype(float)) > 0
        for fam in ("bev", "phev", "fcev")
    }

    books = {int(y): rules.for_year(int(y)) for y in np.unique(g_year)}
    # enterprise-level rules of each year, with the lookups every statement of the year made
    year_used: dict[int, ParameterLog] = {}
    year_rule: dict[int, tuple[bool, float, float, float, float]] = {}
    for y, rb in books.items():
        with record_lookups() as year_used[y]:
            year_rule[y] = (bool(rb["rounding.enabled"]), float(rb["cafc.requirement"]),
                            float(rb["nev.exemption_conventional_volume"]),
                            float(rb["nev.ratio"]), float(rb["nev.carry_threshold_ratio"]))
    rounding = np.array([year_rule[y][0] for y in g_year])

    def rnd(x: np.ndarray, d: int) -> np.ndarray:
        return np.where(rounding, round_half_up(x, d), x)

    target = rnd(tv / vol, 2)
    actual = rnd(fcv / vw, 2)

    group, small, prev_given, ent_row = _enterprise_table(enterprises, g_ent, g_year)
    # previous year's actual from the fleet itself where the table gives none
    prev_idx = pd.MultiIndex.from_arrays([g_ent, g_year - 1])
    pos = uniq.get_indexer(prev_idx)
    prev_fleet = np.where(pos >= 0, actual[np.clip(pos, 0, None)], np.nan)
    prev_actual = np.where(np.isnan(prev_given), prev_fleet, prev_given)

    (requirement, relief, exempt_limit, ratio, carry_threshold, additive,
     small_used) = _year_rules_and_relief(books, year_rule, g_ent, g_year, vol, small, actual,
                                          prev_actual, ent_row, enterprises)
    effective = np.where(additive, requirement + (relief - 1.0), requirement * relief)
    compliance = rnd(np.where(additive, target * effective, target * requirement * relief), 2)
    # NEV carry-forward eligibility: the conventional fleet's actual / target <= threshold
    with np.errstate(invalid="ignore", divide="ignore"):
        conv_target = rnd(conv_tv / conv_vol, 2)
        conv_actual = rnd(conv_fcv / conv_vw, 2)
    has_conv = conv_vol > 0
    carry_ok = np.where(has_conv, conv_actual <= carry_threshold * conv_target + 1e-9, True)
    cafc_credits = rnd((compliance - actual) * vol, 0)
    earned = rnd(earned, 0)
    exempt = conv_vol < exempt_limit
    nev_req = np.where(exempt, 0.0, rnd(ratio * base, 0))
    nev_credits = earned - nev_req
    # GB 27999-2025's reference indicators (lookups attributed only where they apply)
    ind_used: dict[int, ParameterLog] = {}
    ind_rule: dict[int, tuple[bool, float]] = {}
    for y, rb in books.items():
        with record_lookups() as ind_used[y]:
            ind_rule[y] = (bool(rb["cafc.reference_indicators"]), float(rb["cafc.co2_per_litre"]))
    indicators = np.array([ind_rule[int(y)][0] for y in g_year], dtype=bool)
    co2_per_litre = np.array([ind_rule[int(y)][1] for y in g_year], dtype=float)
    counted = np.array([electricity_fuel_factor(books[int(y)]) > 0 for y in g_year])
    with np.errstate(invalid="ignore", divide="ignore"):
        conv_cafc = rnd(conv_fv / conv_vol, 2)
    conv_cafc = np.where(indicators & has_conv, conv_cafc, np.nan)
    # [L/100 km] x [kg/L] = [kg/100 km]; x 1000 g/kg / 100 km = x 10 [g/km]
    co2_reference = np.where(indicators, actual * co2_per_litre * 10.0, np.nan)

    # provisional parameters each statement relied on: the rule lookups of its year's models
    # (all models, plus each powertrain whose credit it computed), of the enterprise-level
    # rules, and of the small-enterprise relief when it asked for it
    # (and the scopes of the charge-depleting test, the low-temperature factor, electricity
    # counted as fuel and GB 27999-2025's reference indicators only where they applied)
    low_temp = np.array([bool(books[int(y)]["nev.low_temperature_factor_applies"])
                         for y in g_year])
    flags = pd.DataFrame({"year": g_year, "bev": has["bev"], "phev": has["phev"],
                          "fcev": has["fcev"], "small": small,
                          "electricity": counted & (elec_vol > 0), "phev_cd": cd_tested,
                          "low_temperature": low_temp & has["bev"], "indicators": indicators})
    prov_keys, prov_count = _provisional_keys(flags, models.attrs.get("rule_lookups", {}),
                                              books, year_used, small_used, ind_used)

    out = pd.DataFrame(
        {
            "enterprise": g_ent,
            "year": g_year,
            "group": group,
            "volume_vehicles": vol.astype(np.int64),
            "conventional_volume_vehicles": conv_vol.astype(np.int64),
            "nev_volume_vehicles": (vol - conv_vol).astype(np.int64),
            "low_fc_volume_vehicles": low_vol.astype(np.int64),
            "cafc_target_l_per_100km": target,
            "cafc_requirement_share": effective,
            "small_enterprise_relief_factor": relief,
            "cafc_compliance_l_per_100km": compliance,
            "cafc_actual_l_per_100km": actual,
            "cafc_credits": cafc_credits,
            "nev_earned_credits": earned,
            "nev_requirement_credits": nev_req,
            "nev_credits": nev_credits,
            "nev_exempt": exempt,
            "conventional_target_l_per_100km": np.where(has_conv, conv_target, np.nan),
            "conventional_cafc_actual_l_per_100km": np.where(has_conv, conv_actual, np.nan),
            "nev_carry_eligible": carry_ok,
            "conventional_cafc_unweighted_l_per_100km": conv_cafc,
            "cafc_co2_reference_g_per_km": co2_reference,
            "unchecked_optional_inputs": _unchecked_by_group(models, gid, ng),
            "provisional_parameters": prov_count,
            "provisional_parameter_keys": prov_keys,
        }
    )
    if rounding.all():
        for c in ("cafc_credits", "nev_earned_credits", "nev_requirement_credits", "nev_credits"):
            out[c] = out[c].astype(np.int64)
    return out


# --------------------------------------------------------------------------- orchestration


@dataclass
class CreditResult:
    """Result of :func:`compute_credits`.

    Attributes
    ----------
    statements : DataFrame
        One row per enterprise and year (see :func:`enterprise_statements`).
    models : DataFrame
        One row per model (see :func:`model_credits`).
    adjustments : str
        ``"strict"`` or ``"neutral"``.
    rules : RuleSet
        Rules used.
    """

    statements: pd.DataFrame
    models: pd.DataFrame
    adjustments: str
    rules: RuleSet = field(repr=False)

    @property
    def neutral_models(self) -> pd.DataFrame:
        """Models whose missing inputs were neutralised (a factor of 1.0; electricity 0)."""
        m = self.models
        return m.loc[m["neutral_factors"] != "",
                     ["enterprise", "year", "model", "powertrain", "neutral_factors"]]

    @property
    def official_overrides(self) -> pd.DataFrame:
        """Models whose per-vehicle NEV credit is the official value given in the input."""
        m = self.models
        return m.loc[m["nev_credit_source"] == "official",
                     ["enterprise", "year", "model", "powertrain", "nev_credit_per_vehicle"]]

    def provisional_parameters(self) -> pd.DataFrame:
        """Tidy table of every provisional or scenario parameter the statements relied on.

        Returns
        -------
        DataFrame
            Columns ``year, key, value, unit, status, source, enterprises`` (how many
            statements of the year relied on it).
        """
        rows = []
        st = self.statements
        for y, keys in st.groupby("year")["provisional_parameter_keys"]:
            book = self.rules.for_year(int(y))
            counts: dict[str, int] = {}
            for ks in keys:
                for k in filter(None, ks.split(";")):
                    counts[k] = counts.get(k, 0) + 1
            for k, c in sorted(counts.items()):
                p = book.parameter(k)
                value = list(p.value) if isinstance(p.value, tuple) else p.value
                rows.append({"year": int(y), "key": k, "value": value, "unit": p.unit,
                             "status": p.status, "source": p.source, "enterprises": c})
        return pd.DataFrame(
            rows, columns=["year", "key", "value", "unit", "status", "source", "enterprises"]
        )


def _check_table(source: object, name: str) -> None:
    """A table argument is a path (str or Path) or a DataFrame."""
    if isinstance(source, bool) or not isinstance(source, str | Path | pd.DataFrame):
        raise ArgumentTypeError(
            f"expected a file path (str or pathlib.Path) or a pandas DataFrame, got "
            f"{type(source).__name__}", key=name)


def compute_credits(
    fleet: str | Path | pd.DataFrame,
    enterprises: str | Path | pd.DataFrame | None = None,
    *,
    rules: RuleSet | None = None,
    year: int | None = None,
    adjustments: str = "strict",
) -> CreditResult:
    """Credit statements of every enterprise and year of a fleet.

    Parameters
    ----------
    fleet : str, Path or DataFrame
        Fleet table (CSV, XLSX or DataFrame); see :func:`~linkage.fleet.read_fleet`.
    enterprises : str, Path or DataFrame, optional
        Enterprise table; see :func:`~linkage.fleet.read_enterprises`.
    rules : RuleSet, optional
        Default: the shipped rules (2021-2027 law, 2028-2030 scenario).
    year : int, optional
        Keep only this compliance year (the previous year, when present, still feeds the
        small-enterprise relief).
    adjustments : {"strict", "neutral"}
        See :func:`~linkage.fleet.read_fleet`.

    Returns
    -------
    CreditResult

    Raises
    ------
    ArgumentTypeError
        When an argument has the wrong type (``year="2024"``, ``year=True``, ``rules="x"``);
        the message names the argument and the expected type.
    FleetError
        For a malformed fleet or enterprise table.

    Examples
    --------
    >>> res = compute_credits("examples/data/demo_fleet.csv")  # doctest: +SKIP
    >>> res.statements[["enterprise", "year", "cafc_credits", "nev_credits"]]  # doctest: +SKIP
    """
    _check_table(fleet, "fleet")
    if enterprises is not None:
        _check_table(enterprises, "enterprises")
    if year is not None:
        year = check_year(year, "year")
    if rules is not None and not isinstance(rules, RuleSet):
        raise ArgumentTypeError(
            f"expected a RuleSet (linkage.load_rules(...)), got {type(rules).__name__}",
            key="rules")
    if not isinstance(adjustments, str):
        raise ArgumentTypeError(f"expected 'strict' or 'neutral', got {adjustments!r}",
                                key="adjustments")
    rules = rules or default_rules()
    fl = read_fleet(fleet, adjustments=adjustments)
    ents = read_enterprises(enterprises) if enterprises is not None else None
    if year is not None:
        keep = fl["year"].isin([year, year - 1]).to_numpy()
        if not (fl["year"] == year).any():
            raise FleetError(f"the fleet has no row for year {year}",
                             file=fl.attrs.get("source"), column="year")
        attrs = dict(fl.attrs)
        fl = fl.loc[keep].reset_index(drop=True)
        fl.attrs.update(attrs)
    models = model_credits(fl, rules)
    statements = enterprise_statements(models, ents, rules)
    if year is not None:
        statements = statements[statements["year"] == year].reset_index(drop=True)
        models = models[models["year"] == year].reset_index(drop=True)
    return CreditResult(statements, models, adjustments, rules)
