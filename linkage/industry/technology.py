"""Technology options of the ILLUSTRATIVE industry, from sourced cost data and its own fleet.

Three options per synthetic enterprise and year (``technology.*`` records of
``industry_assumptions.toml``):

- ``"ICE -> BEV"``: one buyer moved from the enterprise's representative ICE to its BEV;
  cost = pack price [USD/kWh] x CNY/USD x pack [kWh] + electric drive - ICE powertrain savings;
- ``"ICE -> PHEV"``: likewise to its PHEV;
- ``"ICE efficiency"``: one ICE vehicle improved by ``technology.efficiency.reduction_l_per_100km``
  at ``technology.efficiency.cost_cny_per_l_per_100km`` per L/100 km.

Bounds (consumer side): a share of the enterprise's volume per year for the shifts (at most
its ICE volume), a share of its ICE volume for efficiency. Effects come from the library's
accounting of the industry's fleet under each year's rulebook, as in
:mod:`linkage.technology` (the secant over the year's units; ``*_error_credits`` the linear
estimate minus the exact accounting at half the units), applied to every enterprise at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from conversions import get_basis
from conversions.basis import ConversionBasis
from linkage.accounting import compute_credits
from linkage.fleet import FLEET_COLUMNS
from linkage.industry.assumptions import IndustryDataError, load_assumptions
from linkage.rules import RuleSet, default_rules
from linkage.technology import vehicle_lifetime_co2_t

__all__ = ["TECHNOLOGY_COLUMNS", "industry_technology", "technology_costs"]

ICE, BEV, PHEV = "ICE (representative)", "BEV (representative)", "PHEV (representative)"
#: Columns of :func:`industry_technology`.
TECHNOLOGY_COLUMNS = [
    "enterprise", "year", "option", "cost_cny_per_unit", "max_units_per_year",
    "cafc_credits_per_unit", "nev_credits_per_unit", "co2_change_t_co2e_per_unit",
    "cafc_error_credits", "nev_error_credits", "basis",
]


def technology_costs(assumptions: Mapping[str, Mapping[str, Any]] | None = None
                     ) -> pd.DataFrame:
    """Incremental cost per unit of each option and year [CNY/unit].

    Parameters
    ----------
    assumptions : mapping, optional
        From :func:`~linkage.industry.load_assumptions` (default: the shipped ones).

    Returns
    -------
    DataFrame
        ``year``, ``option``, ``cost_cny_per_unit``.
    """
    a = assumptions if assumptions is not None else load_assumptions()

    def v(key: str) -> Any:
        return a[key]["value"]

    years = [int(y) for y in v("technology.years")]
    pack = np.asarray(v("technology.battery_pack_usd_per_kwh"), dtype=float)
    if len(pack) != len(years):
        raise IndustryDataError(f"expected {len(years)} values, one per technology year",
                                key="technology.battery_pack_usd_per_kwh")
    cny_per_kwh = pack * float(v("technology.cny_per_usd"))
    rows = []
    for kind, option in (("bev", "ICE -> BEV"), ("phev", "ICE -> PHEV")):
        cost = (cny_per_kwh * v(f"technology.{kind}.pack_kwh")
                + v(f"technology.{kind}.electric_drive_cny")
                - v(f"technology.{kind}.ice_powertrain_savings_cny"))
        rows += [(y, option, float(c)) for y, c in zip(years, cost, strict=True)]
    eff = (v("technology.efficiency.cost_cny_per_l_per_100km")
           * v("technology.efficiency.reduction_l_per_100km"))
    rows += [(y, "ICE efficiency", float(eff)) for y in years]
    return pd.DataFrame(rows, columns=["year", "option", "cost_cny_per_unit"])


def _volumes(fleet: pd.DataFrame, model: str) -> pd.Series:
    return fleet[fleet["model"] == model].set_index(["enterprise", "year"])["volume_vehicles"]


def _apply(fleet: pd.DataFrame, option: str, units: pd.Series, reduction: float
           ) -> pd.DataFrame:
    """The fleet with ``units`` [(enterprise, year) -> vehicles] of the option taken."""
    f = fleet.copy()
    key = pd.MultiIndex.from_frame(f[["enterprise", "year"]])
    n = units.reindex(key).fillna(0).to_numpy(dtype=np.int64)
    ice = (f["model"] == ICE).to_numpy()
    f.loc[ice, "volume_vehicles"] -= n[ice]
    if option == "ICE efficiency":
        new = fleet[ice].copy()
        new["model"] = ICE + " (improved)"
        new["volume_vehicles"] = n[ice]
        new["fuel_consumption_l_per_100km"] = new["fuel_consumption_l_per_100km"] - reduction
        return pd.concat([f, new[new["volume_vehicles"] > 0]], ignore_index=True)
    to = (f["model"] == (BEV if option == "ICE -> BEV" else PHEV)).to_numpy()
    f.loc[to, "volume_vehicles"] += n[to]
    return f


def _positions(fleet: pd.DataFrame, rules: RuleSet) -> pd.DataFrame:
    st = compute_credits(fleet, rules=rules).statements
    return st.set_index(["enterprise", "year"])[["cafc_credits", "nev_credits"]].astype(float)


def _co2(fleet: pd.DataFrame, option: str, reduction: float, basis: ConversionBasis
         ) -> pd.Series:
    per = pd.Series(vehicle_lifetime_co2_t(fleet, basis),
                    index=pd.MultiIndex.from_frame(fleet[["enterprise", "year", "model"]]))
    ice = per.xs(ICE, level="model")
    if option == "ICE efficiency":
        d = basis.lifetime_distance.m_as("km / vehicle") / 100 * basis.real_world_gap.m_as("")
        per_l = (basis.co2_per_litre.m_as("kg_CO2e / L")
                 * (1 + basis.upstream_uplift.m_as("")) / 1e3)
        return pd.Series(-reduction * d * per_l, index=ice.index)
    return per.xs(BEV if option == "ICE -> BEV" else PHEV, level="model") - ice


def industry_technology(industry: Any, years: Iterable[int], *,
                        assumptions: Mapping[str, Mapping[str, Any]] | None = None,
                        rules: RuleSet | None = None,
                        basis: str | ConversionBasis = "ttw-real-world") -> pd.DataFrame:
    """Technology options of every synthetic enterprise and year, effects from its fleet.

    Parameters
    ----------
    industry : Industry
        From :func:`linkage.industry.illustrative_industry` (its ``fleet``).
    years : iterable of int
        Years within ``technology.years`` and the industry's years.
    assumptions : mapping, optional
        Default: the industry's own (``industry.assumptions``).
    rules : RuleSet, optional
        The rules the industry was generated with (default: the shipped ones).
    basis : str or ConversionBasis
        For the lifetime CO2 [default ``"ttw-real-world"``].

    Returns
    -------
    DataFrame
        :data:`TECHNOLOGY_COLUMNS`; one row per enterprise, year and option with at least one
        unit available. Costs [CNY/unit], bounds [unit/year], effects [credit/unit],
        [t CO2e/unit], errors [credit].

    Raises
    ------
    IndustryDataError
        A year outside the technology years or the industry's years.
    """
    a = assumptions if assumptions is not None else industry.assumptions
    rules = rules or default_rules()
    b = get_basis(basis) if isinstance(basis, str) else basis
    ys = sorted(int(y) for y in years)
    costs = technology_costs(a).set_index(["year", "option"])["cost_cny_per_unit"]
    known = set(costs.index.get_level_values("year")) & set(industry.years)
    bad = [y for y in ys if y not in known]
    if bad:
        raise IndustryDataError(f"no technology data or industry years for {bad} "
                                f"(available: {sorted(known)})", key="years")
    keep = industry.fleet["year"].isin(ys) | industry.fleet["year"].isin([y - 1 for y in ys])
    fleet = industry.fleet.loc[keep, [c for c in industry.fleet.columns
                                      if c in FLEET_COLUMNS]].reset_index(drop=True)
    total = fleet.groupby(["enterprise", "year"])["volume_vehicles"].sum()
    ice = _volumes(fleet, ICE).reindex(total.index).fillna(0)
    red = float(a["technology.efficiency.reduction_l_per_100km"]["value"])
    limits = {
        "ICE -> BEV": np.minimum(np.floor(a["technology.shift.max_share_of_volume.bev"]
                                          ["value"] * total), ice),
        "ICE -> PHEV": np.minimum(np.floor(a["technology.shift.max_share_of_volume.phev"]
                                           ["value"] * total), ice),
        "ICE efficiency": np.floor(a["technology.efficiency.max_share_of_ice_volume"]["value"]
                                   * ice),
    }
    base = _positions(fleet, rules)
    frames = []
    for option, n in limits.items():
        n = n[n.index.get_level_values("year").isin(ys) & (n > 0)].astype(np.int64)
        full = _positions(_apply(fleet, option, n, red), rules).loc[n.index]
        half = _positions(_apply(fleet, option, n // 2, red), rules).loc[n.index]
        b0 = base.loc[n.index]
        slope = (full - b0).div(n, axis=0)
        err = b0 + slope.mul(n // 2, axis=0) - half
        co2 = _co2(fleet, option, red, b).reindex(n.index)
        frames.append(pd.DataFrame({
            "option": option,
            "cost_cny_per_unit": [costs[(y, option)] for y in n.index.get_level_values("year")],
            "max_units_per_year": n.astype(float),
            "cafc_credits_per_unit": slope["cafc_credits"],
            "nev_credits_per_unit": slope["nev_credits"],
            "co2_change_t_co2e_per_unit": co2,
            "cafc_error_credits": err["cafc_credits"],
            "nev_error_credits": err["nev_credits"],
            "basis": b.name,
        }, index=n.index).reset_index())
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["enterprise", "option", "year"], ignore_index=True)[
        TECHNOLOGY_COLUMNS]
