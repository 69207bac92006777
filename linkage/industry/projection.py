"""Forward projection of the ILLUSTRATIVE industry: fleets, statements and abatement, 2023-2030.

From the calibrated enterprises of :mod:`linkage.industry.calibration`: volumes grow at drawn
rates, NEV shares follow a logistic curve to a stated 2030 target, BEV ranges grow, ICE fuel
consumption falls and the HEV share rises; the representative fleet of every year then goes
through the library's own accounting (:func:`~linkage.accounting.compute_credits`) with that
year's rulebook. Abatement cost curves are scaled with each enterprise's reference-year fleet.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from linkage.accounting import STATEMENT_COLUMNS as _ACCOUNTING_COLUMNS
from linkage.accounting import (
    bev_consumption_target,
    cafc_model_target,
    compute_credits,
    round_half_up,
)
from linkage.industry.assumptions import _Values
from linkage.industry.calibration import (
    _SEAT_ROWS,
    CALIBRATION_YEAR,
    KINDS,
    _bisect,
    _Firms,
    _nev_credits_per_vehicle,
    _split,
)
from linkage.rules import Rulebook, RuleSet

__all__ = ["STATEMENT_COLUMNS"]

#: Columns of :attr:`Industry.statements`.
STATEMENT_COLUMNS = [
    *_ACCOUNTING_COLUMNS[:2], "group", "kind", *_ACCOUNTING_COLUMNS[2:-1],
    "nev_exempt", "nev_carry_eligible", "conventional_target_l_per_100km",
    "conventional_cafc_actual_l_per_100km",
    _ACCOUNTING_COLUMNS[-1],
]
_POWERTRAINS = ("ICE", "HEV", "BEV", "PHEV")


# --------------------------------------------------------------------------- forward years


def _shifted_share(share: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """NEV share after adding ``shift`` to its logit (0 and 1 stay put)."""
    inner = (share > 0) & (share < 1)
    s = np.clip(share, 1e-12, 1 - 1e-12)
    moved = 1.0 / (1.0 + (1.0 - s) / s * np.exp(-shift))
    return np.where(inner & (shift != 0), moved, share)


def _nev_share_growth(f: _Firms, v: _Values) -> dict[str, float]:
    """Yearly logit shift of every enterprise's NEV share, per kind [1/year].

    Every enterprise of a kind moves along a logistic (diffusion) curve at the same rate, so
    that the kind's volume-weighted NEV share reaches ``nev.share_target`` in
    ``nev.share_target_year`` (0 when it is already there: shares never fall).
    """
    span = float(v("nev.share_target_year")) - CALIBRATION_YEAR
    out = {}
    for kind in KINDS:
        sel = f.kind == kind
        vol = f.volume[sel] * (1.0 + f.growth[sel]) ** span
        goal = float(v("nev.share_target", kind)) * float(vol.sum())

        def nev_volume(k: float, vol: np.ndarray = vol, sel: np.ndarray = sel) -> float:
            return float((vol * _shifted_share(f.nev_share[sel], k * span)).sum())

        out[kind] = _bisect(nev_volume, goal, 5.0) if span > 0 and nev_volume(0.0) < goal else 0.0
    return out


def _year_fleet(
    f: _Firms, year: int, v: _Values, growth: Mapping[str, float], rb0: Rulebook,
    base_year: int = CALIBRATION_YEAR,
) -> dict[str, np.ndarray]:
    """Representative models of every enterprise in ``year`` (one array per quantity), moved
    ``year - base_year`` years from the firms' calibrated ``base_year``."""
    t = year - base_year
    shift = np.array([growth[k] for k in f.kind]) * t
    vol = np.rint(f.volume * (1.0 + f.growth) ** t).astype(np.int64)
    share = _shifted_share(f.nev_share, shift)
    step = float(v("hev.share_growth_per_year")) * t
    hev_share = np.minimum(f.hev_share + step, np.maximum(f.hev_share, float(v("hev.share_max"))))
    m = {k: x.astype(np.int64) for k, x in _split(vol, share, f.bev_share, hev_share).items()}
    t_model = cafc_model_target(f.mass, np.full(len(f.mass), _SEAT_ROWS), rb0)
    improve = (1.0 - float(v("cafc.ice_improvement_per_year"))) ** t
    grow = float(v("bev.range_growth_km_per_year")) * t
    return {
        "volume_vehicles": vol,
        **{pt: m[pt] for pt in _POWERTRAINS},
        "fc_ICE": round_half_up(np.nan_to_num(f.ice_ratio) * t_model * improve, 2),
        "fc_HEV": round_half_up(float(v("hev.fuel_consumption_ratio")) * t_model, 2),
        "fc_PHEV": round_half_up(float(v("phev.fuel_consumption_ratio")) * t_model, 2),
        "bev_range": np.minimum(
            f.bev_range + grow, np.maximum(f.bev_range, float(v("bev.range_max_km")))
        ),
        "ec": round_half_up(f.ec_ratio * bev_consumption_target(f.mass, rb0), 2),
        "ec_cd": round_half_up(
            float(v("phev.cd_consumption_ratio")) * bev_consumption_target(f.mass, rb0), 2),
        "hev_share": hev_share,
    }


def _fleet_frame(
    f: _Firms, years: list[int], v: _Values, growth: Mapping[str, float], rb0: Rulebook,
    base_year: int = CALIBRATION_YEAR,
) -> pd.DataFrame:
    """The representative fleet (fleet-table columns of :mod:`linkage.fleet`)."""
    frames = []
    n = len(f.name)
    for year in years:
        y = _year_fleet(f, year, v, growth, rb0, base_year)
        for pt in _POWERTRAINS:
            is_bev, is_phev = pt == "BEV", pt == "PHEV"
            frames.append(
                pd.DataFrame(
                    {
                        "enterprise": f.name,
                        "year": year,
                        "model": f"{pt} (representative)",
                        "powertrain": pt,
                        "volume_vehicles": y[pt],
                        "curb_mass_kg": f.mass,
                        "seat_rows": _SEAT_ROWS,
                        "fuel_consumption_l_per_100km": (
                            np.full(n, np.nan) if is_bev else y[f"fc_{pt}"]
                        ),
                        "off_cycle_reduction_l_per_100km": 0.0,
                        "electric_range_km": (
                            y["bev_range"]
                            if is_bev
                            else np.full(n, float(v("phev.electric_range_km")))
                            if is_phev
                            else np.nan
                        ),
                        "energy_consumption_kwh_per_100km": y["ec"] if is_bev else np.nan,
                        "battery_energy_density_wh_per_kg": (
                            float(v("bev.energy_density_wh_per_kg")) if is_bev else np.nan
                        ),
                        "fuel_cell_power_kw": np.nan,
                        "phev_cs_condition_met": 1.0 if is_phev else np.nan,
                        "phev_cd_energy_consumption_kwh_per_100km": (
                            y["ec_cd"] if is_phev else np.nan
                        ),
                        "phev_utility_factor": (
                            float(v("phev.utility_factor")) if is_phev else np.nan
                        ),
                    }
                )
            )
    fleet = pd.concat(frames, ignore_index=True)
    fleet = fleet[fleet["volume_vehicles"] > 0].sort_values(
        ["enterprise", "year", "powertrain"], kind="stable"
    )
    return fleet.reset_index(drop=True)


# --------------------------------------------------------------------------- abatement


def _abatement(
    f: _Firms, v: _Values, rules: RuleSet, growth: Mapping[str, float], rb0: Rulebook
) -> pd.DataFrame:
    """Three NEV and three CAFC segments per enterprise from the reference year's fleet."""
    year = int(v("abatement.reference_year"))
    rb = rules.for_year(year)
    y = _year_fleet(f, year, v, growth, rb0)
    bev_c, phev_c = _nev_credits_per_vehicle(
        rb,
        y["bev_range"],
        y["ec"],
        f.mass,
        float(v("bev.energy_density_wh_per_kg")),
        float(v("phev.electric_range_km")),
    )
    c = f.bev_share * bev_c + (1.0 - f.bev_share) * phev_c
    vol = y["volume_vehicles"].astype(float)
    conv = (y["ICE"] + y["HEV"]).astype(float)
    thr, w_low = float(rb["cafc.multiplier_low_fc_threshold"]), float(rb["cafc.multiplier_low_fc"])
    den = (
        np.where(y["fc_ICE"] <= thr, w_low, 1.0) * y["ICE"]
        + np.where(y["fc_HEV"] <= thr, w_low, 1.0) * y["HEV"]
        + float(rb["cafc.multiplier_nev"]) * (y["BEV"] + y["PHEV"])
    )
    rows = []
    for i, name in enumerate(f.name):
        for cost, share in zip(
            v("abatement.nev.cost_cny_per_vehicle"), v("abatement.nev.share_of_volume"), strict=True
        ):
            size = share * vol[i] * c[i]
            if c[i] > 0 and size > 0:
                rows.append((name, "nev", round(cost / c[i], 2), round(size, 2)))
        for cost, depth in zip(
            v("abatement.cafc.cost_cny_per_l_per_100km_vehicle"),
            v("abatement.cafc.depth_l_per_100km"),
            strict=True,
        ):
            size = depth * conv[i] * vol[i] / den[i] if den[i] > 0 else 0.0
            if size > 0:
                rows.append((name, "cafc", round(cost * den[i] / vol[i], 2), round(size, 2)))
    return pd.DataFrame(
        rows, columns=["enterprise", "kind", "cost_cny_per_credit", "max_credits_per_year"]
    )


# --------------------------------------------------------------------------- statements


def _statements(
    fleet: pd.DataFrame, rules: RuleSet, f: _Firms, group: np.ndarray
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Statements of the representative fleet and its per-model table, as the accounting has them.

    Returns
    -------
    statements : DataFrame
        :data:`STATEMENT_COLUMNS`; credits rounded half up to whole credits (int64),
        ``nev_carry_eligible`` bool.
    models : DataFrame
        :attr:`linkage.accounting.CreditResult.models` with the enterprise's ``kind``.
    """
    res = compute_credits(fleet, rules=rules)
    st = res.statements.copy()
    kind_of = dict(zip(f.name, f.kind, strict=True))
    st["group"] = st["enterprise"].map(dict(zip(f.name, group, strict=True)))
    st["kind"] = st["enterprise"].map(kind_of)
    for col in ("cafc_credits", "nev_earned_credits", "nev_requirement_credits", "nev_credits"):
        st[col] = round_half_up(st[col].to_numpy(dtype=float)).astype(np.int64)
    st["nev_carry_eligible"] = st["nev_carry_eligible"].astype(bool)
    st = st[STATEMENT_COLUMNS].reset_index(drop=True)
    return st, res.models.assign(kind=res.models["enterprise"].map(kind_of))
