"""Per-unit effects of fleet-derived technology options, from the library's own accounting.

A *shift* moves one vehicle of an enterprise's year from ``from_model`` to ``to_model``; an
*efficiency* unit is one vehicle of ``model`` whose certified fuel consumption falls by
``reduction_l_per_100km`` (the improved vehicles are booked as a copy of the model's row).
The effects on the CAFC credits, the NEV credits (earned minus requirement: the requirement
moves with the conventional volume and the low-fuel-consumption factor) come from
:func:`linkage.accounting.compute_credits` under each year's rulebook, on the base fleet and on
the fleet with the option taken; the lifetime CO2 from a conversion basis.

Linearisation (stated): the accounting rounds CAFC values to 0.01 L/100 km and applies
multipliers, so a one-vehicle difference is a rounding step, not a slope. The per-unit effect
is the **secant** over the option's range: ``(accounting(base + n units) - accounting(base)) / n``
with ``n`` the year's ``max_units_per_year`` (exact at 0 and at ``n`` units). Its error is
reported at the half-way point ``n // 2`` against the exact accounting of that fleet
(:attr:`TechnologyEffect.cafc_error_credits`, :attr:`TechnologyEffect.nev_error_credits`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from conversions.basis import ConversionBasis
from conversions.vocabulary import renamed_attributes
from linkage.accounting import compute_credits
from linkage.errors import InputError
from linkage.fleet import FLEET_COLUMNS
from linkage.rules import RuleSet

__all__ = ["TechnologyEffect", "fleet_option_effects", "vehicle_lifetime_co2_t"]


@renamed_attributes("python.TechnologyEffect")
@dataclass(frozen=True)
class TechnologyEffect:
    """Per-unit effects of one option in one year (secant over ``units_max``).

    Attributes
    ----------
    year : int
    cafc_credits_per_unit, nev_credits_per_unit : float
        Change of the year's CAFC and NEV positions per unit [credit/unit].
    co2_change_t_co2e_per_unit : float
        Lifetime CO2e change of the fleet per unit [t CO2e/unit] (negative: less).
    units_max : int
        Units the secant spans [unit].
    cafc_error_credits, nev_error_credits : float
        Linear estimate minus exact accounting at ``units_max // 2`` units [credit].
    basis : str
        Conversion basis of ``co2_change_t_co2e_per_unit``.
    """

    year: int
    cafc_credits_per_unit: float
    nev_credits_per_unit: float
    co2_change_t_co2e_per_unit: float
    units_max: int
    cafc_error_credits: float
    nev_error_credits: float
    basis: str


def vehicle_lifetime_co2_t(rows: pd.DataFrame, basis: ConversionBasis) -> np.ndarray:
    """Lifetime CO2e of one vehicle of each fleet row [t CO2e/vehicle].

    Parameters
    ----------
    rows : DataFrame
        Fleet rows (``powertrain``, ``fuel_consumption_l_per_100km``,
        ``energy_consumption_kwh_per_100km``, PHEV ``phev_utility_factor`` and
        ``phev_cd_energy_consumption_kwh_per_100km`` where given).
    basis : conversions.ConversionBasis

    Returns
    -------
    ndarray
        Fuel: consumption x distance/100 x gap x CO2 per litre x (1 + upstream uplift);
        electricity: consumption x distance/100 x gap x grid factor (the formulas of
        :func:`conversions.formulas.nev_lifetime_emissions`). A BEV without its consumption
        takes the basis's ``nev_energy_consumption``; a PHEV's electricity counts only where
        its utility factor and charge-depleting consumption are given (else fuel only).

    Raises
    ------
    InputError
        For an FCEV (hydrogen emissions are not in the bases).
    """
    d = basis.lifetime_distance.m_as("km / vehicle") / 100 * basis.real_world_gap.m_as("")
    per_l = basis.co2_per_litre.m_as("kg_CO2e / L") * (1 + basis.upstream_uplift.m_as("")) / 1e3
    per_kwh = basis.grid_factor.m_as("kg_CO2e / kWh") / 1e3
    pt = rows["powertrain"].to_numpy(dtype=object)
    if (pt == "FCEV").any():
        raise InputError("an FCEV's lifetime CO2 is not in the conversion bases (hydrogen)",
                         key="powertrain")

    def col(name: str) -> np.ndarray:
        if name not in rows:
            return np.full(len(rows), np.nan)
        return pd.to_numeric(rows[name], errors="coerce").to_numpy(dtype=float)

    fc = np.nan_to_num(col("fuel_consumption_l_per_100km"))
    ec = col("energy_consumption_kwh_per_100km")
    ec = np.where(np.isnan(ec), basis.nev_energy_consumption.m_as("kWh_per_100km"), ec)
    uf, cd = col("phev_utility_factor"), col("phev_cd_energy_consumption_kwh_per_100km")
    phev_kwh = np.nan_to_num(uf * cd)
    fuel = np.where(np.isin(pt, ("ICE", "HEV", "PHEV")), fc, 0.0) * d * per_l
    elec = np.where(pt == "BEV", ec, np.where(pt == "PHEV", phev_kwh, 0.0)) * d * per_kwh
    return fuel + elec


def _positions(fleet: pd.DataFrame, enterprise: str, year: int, rules: RuleSet
               ) -> tuple[float, float]:
    st = compute_credits(fleet, rules=rules, year=year).statements
    row = st[(st["enterprise"] == enterprise) & (st["year"] == year)].iloc[0]
    return float(row["cafc_credits"]), float(row["nev_credits"])


def _row(fleet: pd.DataFrame, enterprise: str, year: int, model: str, key: str) -> int:
    m = ((fleet["enterprise"] == enterprise) & (fleet["year"] == year)
         & (fleet["model"] == model)).to_numpy()
    if not m.any():
        known = sorted(set(fleet.loc[(fleet["enterprise"] == enterprise)
                                     & (fleet["year"] == year), "model"]))
        raise InputError(f"no model {model!r} of {enterprise!r} in {year} in the fleet "
                         f"(models: {', '.join(map(repr, known))})", key=key)
    return int(np.flatnonzero(m)[0])


def _taken(fleet: pd.DataFrame, option: dict, enterprise: str, year: int, n: int) -> pd.DataFrame:
    """The fleet with ``n`` units of the option taken in ``year``."""
    f = fleet.copy()
    if option["kind"] == "shift":
        a = _row(f, enterprise, year, option["from_model"], "from_model")
        b = _row(f, enterprise, year, option["to_model"], "to_model")
        if f.at[a, "volume_vehicles"] < n:
            raise InputError(f"max_units_per_year {n} in {year} exceeds the volume "
                             f"{int(f.at[a, 'volume_vehicles'])} of {option['from_model']!r}",
                             key="max_units_per_year")
        f.loc[a, "volume_vehicles"] -= n
        f.loc[b, "volume_vehicles"] += n
        return f
    a = _row(f, enterprise, year, option["model"], "model")
    if f.at[a, "powertrain"] not in ("ICE", "HEV", "PHEV"):
        raise InputError(f"{option['model']!r} burns no fuel: an efficiency option needs an "
                         "ICE, HEV or PHEV model", key="model")
    if f.at[a, "volume_vehicles"] < n:
        raise InputError(f"max_units_per_year {n} in {year} exceeds the volume "
                         f"{int(f.at[a, 'volume_vehicles'])} of {option['model']!r}",
                         key="max_units_per_year")
    new = f.loc[[a]].copy()
    new["model"] = f"{option['model']} (improved)"
    new["volume_vehicles"] = n
    new["fuel_consumption_l_per_100km"] = (float(new["fuel_consumption_l_per_100km"].iloc[0])
                                           - option["reduction_l_per_100km"])
    if float(new["fuel_consumption_l_per_100km"].iloc[0]) <= 0:
        raise InputError("reduction_l_per_100km is not below the model's fuel consumption",
                         key="reduction_l_per_100km")
    f.loc[a, "volume_vehicles"] -= n
    return pd.concat([f, new], ignore_index=True)


def _co2_per_unit(fleet: pd.DataFrame, option: dict, enterprise: str, year: int,
                  basis: ConversionBasis) -> float:
    if option["kind"] == "shift":
        a = _row(fleet, enterprise, year, option["from_model"], "from_model")
        b = _row(fleet, enterprise, year, option["to_model"], "to_model")
        co2 = vehicle_lifetime_co2_t(fleet.loc[[a, b]], basis)
        return float(co2[1] - co2[0])
    d = basis.lifetime_distance.m_as("km / vehicle") / 100 * basis.real_world_gap.m_as("")
    per_l = basis.co2_per_litre.m_as("kg_CO2e / L") * (1 + basis.upstream_uplift.m_as("")) / 1e3
    return -option["reduction_l_per_100km"] * d * per_l


def fleet_option_effects(fleet: pd.DataFrame, enterprise: str, option: dict,
                         max_units: dict[int, float], rules: RuleSet,
                         basis: ConversionBasis) -> dict[int, TechnologyEffect]:
    """Per-unit effects of a fleet-derived option in each year, with the linearisation error.

    Parameters
    ----------
    fleet : DataFrame
        The enterprise's validated fleet table (:func:`linkage.fleet.read_fleet`).
    enterprise : str
    option : dict
        ``kind`` ("shift" with ``from_model``, ``to_model``; "efficiency" with ``model``,
        ``reduction_l_per_100km`` [L/100 km]).
    max_units : dict year -> float
        Units available per year [unit]; the secant spans ``round(max_units)`` (at least 1).
    rules : RuleSet
    basis : conversions.ConversionBasis
        For the lifetime CO2.

    Returns
    -------
    dict year -> TechnologyEffect

    Raises
    ------
    InputError
        A model not in the fleet's year (key ``from_model``, ``to_model`` or ``model``), more
        units than the model's volume, an FCEV, a reduction not below the consumption.
    """
    fleet = fleet.loc[fleet["enterprise"] == enterprise,
                      [c for c in fleet.columns if c in FLEET_COLUMNS]].reset_index(drop=True)
    out = {}
    for y, cap in sorted(max_units.items()):
        n = max(1, round(cap))
        c0, v0 = _positions(fleet, enterprise, y, rules)
        c1, v1 = _positions(_taken(fleet, option, enterprise, y, n), enterprise, y, rules)
        dc, dv = (c1 - c0) / n, (v1 - v0) / n
        h = n // 2
        if h:
            ch, vh = _positions(_taken(fleet, option, enterprise, y, h), enterprise, y, rules)
            err_c, err_v = c0 + h * dc - ch, v0 + h * dv - vh
        else:
            err_c = err_v = 0.0
        out[y] = TechnologyEffect(y, dc, dv, _co2_per_unit(fleet, option, enterprise, y, basis),
                                  n, err_c, err_v, basis.name)
    return out
