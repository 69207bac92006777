"""Calibration of the ILLUSTRATIVE industry to MIIT's 2023 announcement.

Draws the synthetic enterprises of the calibration year (sizes, representative models, archetypes,
affiliate groups), then sets every enterprise's NEV share and ICE fuel consumption so that the
calibration-year totals of each kind (domestic makers, importers) match MIIT's 2023 announcement
(:func:`linkage.data.miit_annual`) in whole vehicles and credits exactly as the accounting
computes them. See :mod:`linkage.industry` for the method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from linkage.accounting import (
    bev_caps,
    bev_consumption_factor,
    bev_consumption_target,
    bev_density_factor,
    bev_range_factor,
    bev_standard_credit,
    cafc_model_target,
    low_fc_threshold,
    round_half_up,
)
from linkage.data import miit_annual
from linkage.industry.assumptions import IndustryDataError, _Values
from linkage.rules import Rulebook

__all__ = ["CALIBRATION_YEAR", "KINDS"]

#: The year whose MIIT announcement the generator is calibrated to.
CALIBRATION_YEAR = 2023
#: Enterprise kinds, as MIIT groups them.
KINDS = ("domestic", "import")

_LABEL = "(illustrative)"
_SEAT_ROWS = 2
#: Smallest magnitude of a calibration-year balance on either side [credit]: keeps every
#: enterprise on its drawn side of zero after the accounting rounds.
_MIN_BALANCE = 5.0
#: Smallest CAFC balance per vehicle on either side [L/100 km]: survives the rounding of
#: fuel consumptions and of the actual CAFC to 2 decimals.
_MIN_CAFC_MARGIN = 0.02
_MIIT_QUANTITIES = (
    # quantity, MIIT column, unit
    ("volume", "volume_10k_vehicles", "vehicle"),
    ("cafc_positive", "cafc_positive_10k_credits", "credit"),
    ("cafc_negative", "cafc_negative_10k_credits", "credit"),
    ("nev_positive", "nev_positive_10k_credits", "credit"),
    ("nev_negative", "nev_negative_10k_credits", "credit"),
)


# --------------------------------------------------------------------------- numerics


def _fill(lo: np.ndarray, hi: np.ndarray, weight: np.ndarray, total: float) -> np.ndarray:
    """Share ``total`` as ``min(hi, lo + lam * weight)`` with one ``lam >= 0`` (bisection).

    Requires ``sum(lo) <= total <= sum(hi)``; items with zero weight stay at ``lo``.
    """
    lo, hi, weight = (np.asarray(x, dtype=float) for x in (lo, hi, weight))
    if len(lo) == 0:
        return lo
    room = np.where(weight > 0, (hi - lo) / np.where(weight > 0, weight, 1.0), 0.0)
    a, b = 0.0, float(room.max()) if room.size else 0.0
    for _ in range(200):
        mid = 0.5 * (a + b)
        if np.minimum(hi, lo + mid * weight).sum() < total:
            a = mid
        else:
            b = mid
    return np.minimum(hi, lo + b * weight)


def _bisect(fun: Callable[[float], float], target: float, hi: float) -> float:
    """Smallest ``x`` in [0, hi] with ``fun(x) >= target`` for non-decreasing ``fun``."""
    a, b = 0.0, hi
    for _ in range(200):
        mid = 0.5 * (a + b)
        if fun(mid) < target:
            a = mid
        else:
            b = mid
    return b


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers proportional to ``shares`` that add up to ``total`` exactly."""
    exact = shares / shares.sum() * total
    base = np.floor(exact).astype(np.int64)
    extra = int(total - base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    base[order[:extra]] += 1
    return base


def _rnd(x: np.ndarray, decimals: int, rb: Rulebook) -> np.ndarray:
    """Round half up when the rulebook rounds, as the accounting does."""
    return round_half_up(x, decimals) if rb["rounding.enabled"] else np.asarray(x, dtype=float)


def _nev_credits_per_vehicle(
    rb: Rulebook,
    bev_range_km: np.ndarray,
    bev_ec: np.ndarray,
    mass_kg: np.ndarray,
    density_wh_per_kg: float,
    phev_range_km: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-vehicle NEV credits of the representative BEV and PHEV [credit/vehicle].

    Notes
    -----
    BEV: standard credit x range, energy-density and consumption factors; PHEV: ``phev.credit``
    from ``phev.min_range`` (charge-sustaining condition met); rounded to 2 decimals when the
    rulebook rounds, as :func:`~linkage.accounting.model_credits` does.
    """
    bev = np.minimum(
        bev_standard_credit(bev_range_km, rb)
        * bev_range_factor(bev_range_km, rb)
        * bev_density_factor(np.full_like(mass_kg, density_wh_per_kg), rb)
        * bev_consumption_factor(bev_ec, mass_kg, rb),
        bev_caps(rb)[1],
    )
    phev = np.full_like(
        mass_kg, rb["phev.credit"] if phev_range_km >= rb["phev.min_range"] else 0.0
    )
    return _rnd(bev, 2, rb), _rnd(phev, 2, rb)


# --------------------------------------------------------------------------- the firms


@dataclass
class _Firms:
    """Per-enterprise fundamentals of the calibration year (arrays aligned by enterprise)."""

    name: np.ndarray
    kind: np.ndarray
    focused: np.ndarray
    volume: np.ndarray  # [vehicle], int
    growth: np.ndarray  # [1/year]
    mass: np.ndarray  # [kg]
    bev_share: np.ndarray
    bev_range: np.ndarray  # [km], calibration year
    ec_ratio: np.ndarray  # EC / Y(m)
    hev_share: np.ndarray  # of conventional, calibration year
    raw_nev_share: np.ndarray
    nev_def_draw: np.ndarray  # uniform draws
    nev_def_depth: np.ndarray  # beta weights
    cafc_def_draw: np.ndarray  # uniform draws
    cafc_weight: np.ndarray  # lognormal weights
    # set by calibration
    nev_share: np.ndarray = field(default_factory=lambda: np.empty(0))
    ice_ratio: np.ndarray = field(default_factory=lambda: np.empty(0))
    nev_deficit: np.ndarray = field(default_factory=lambda: np.empty(0))
    cafc_deficit: np.ndarray = field(default_factory=lambda: np.empty(0))
    nev_credit_per_vehicle: np.ndarray = field(default_factory=lambda: np.empty(0))


def _draw_firms(
    rng: np.random.Generator, v: _Values, targets: Mapping[str, Mapping[str, float]]
) -> _Firms:
    """Draw every random quantity, kind by kind, in a fixed order (reproducible)."""
    clip = float(v("draws.clip_sd"))

    def normal(n: int) -> np.ndarray:
        return np.clip(rng.standard_normal(n), -clip, clip)

    parts: dict[str, list[np.ndarray]] = {}
    for kind in KINDS:
        n = int(targets[kind]["firms"])
        sizes = np.sort(np.exp(float(v("size.log_sd", kind)) * normal(n)))[::-1]
        volume = _largest_remainder(sizes, round(targets[kind]["volume"]))
        width = 3 if kind == "domestic" else 2
        label = "Domestic" if kind == "domestic" else "Import"
        names = np.array([f"{label} {i + 1:0{width}d} {_LABEL}" for i in range(n)], dtype=object)
        # spread around MIIT's average curb mass of the kind, whose volume-weighted mean it keeps
        spread = np.exp(float(v("mass.log_sd")) * normal(n))
        avg = targets[kind]["avg_curb_mass_kg"]
        mass = np.round(avg * spread * volume.sum() / (spread * volume).sum(), 0)
        focused = rng.random(n) < float(v("archetype.nev_focused_probability", kind))
        lo_f, hi_f = v("nev.raw_share.nev_focused")
        a_c, b_c = v("nev.raw_share.conventional")
        u_focused = rng.uniform(lo_f, hi_f, n)
        u_conv = rng.beta(a_c, b_c, n)
        raw = np.where(focused, u_focused, u_conv)
        bev_share = rng.uniform(*v("bev.share_of_nev", kind), n)
        bev_range = np.round(rng.uniform(*v("bev.electric_range_km"), n), 0)
        ec_ratio = rng.uniform(*v("bev.consumption_ratio"), n)
        hev_share = rng.beta(*v("hev.share_of_conventional", kind), n)
        nev_def_draw = rng.random(n)
        nev_def_depth = rng.beta(*v("nev_deficit.depth_beta"), n)
        cafc_def_draw = rng.random(n)
        cafc_weight = np.exp(float(v("credits.weight_log_sd")) * normal(n))
        growth = float(v("volume.growth", kind)) + float(v("volume.growth_sd")) * normal(n)
        for key, arr in (
            ("name", names),
            ("kind", np.full(n, kind, dtype=object)),
            ("focused", focused),
            ("volume", volume),
            ("growth", growth),
            ("mass", mass),
            ("bev_share", bev_share),
            ("bev_range", bev_range),
            ("ec_ratio", ec_ratio),
            ("hev_share", hev_share),
            ("raw_nev_share", raw),
            ("nev_def_draw", nev_def_draw),
            ("nev_def_depth", nev_def_depth),
            ("cafc_def_draw", cafc_def_draw),
            ("cafc_weight", cafc_weight),
        ):
            parts.setdefault(key, []).append(arr)
    return _Firms(**{k: np.concatenate(a) for k, a in parts.items()})


def _draw_groups(rng: np.random.Generator, v: _Values, f: _Firms) -> np.ndarray:
    """Affiliate groups of 2-5 domestic makers; everyone else is alone (group = own name)."""
    group = f.name.copy()
    domestic = np.flatnonzero(f.kind == "domestic")
    lo, hi = (int(x) for x in v("groups.size_range"))
    sizes = rng.integers(lo, hi + 1, int(v("groups.count")))
    members = rng.permutation(domestic)
    start = 0
    for g, size in enumerate(sizes):
        chosen = members[start : start + int(size)]
        if len(chosen) < 2:
            break
        group[chosen] = f"Group {g + 1} {_LABEL}"
        start += int(size)
    return group


# --------------------------------------------------------------------------- calibration


class _CalibrationFailedError(Exception):
    """A draw that cannot meet MIIT's totals under the assumptions; it is redrawn."""


def _split(
    vol: np.ndarray, nev_share: np.ndarray, bev_share: np.ndarray, hev_share: np.ndarray
) -> dict[str, np.ndarray]:
    """Whole-vehicle volumes of the representative models [vehicle] (as the fleet has them)."""
    nev = np.rint(nev_share * vol)
    bev = np.rint(bev_share * nev)
    conv = vol - nev
    hev = np.rint(hev_share * conv)
    return {"BEV": bev, "PHEV": nev - bev, "HEV": hev, "ICE": conv - hev, "nev": nev, "conv": conv}


@dataclass
class _NevBook:
    """NEV balances of some enterprises in the calibration year, in whole vehicles and credits
    exactly as :func:`~linkage.accounting.enterprise_statements` computes them."""

    vol: np.ndarray  # [vehicle]
    bev_share: np.ndarray
    hev_share: np.ndarray
    bev_credit: np.ndarray  # [credit/vehicle]
    phev_credit: np.ndarray  # [credit/vehicle]
    hev_weight: np.ndarray  # requirement weight of the HEV model [-]
    ratio: float
    limit: float
    rounding: bool

    def balance(self, nev: np.ndarray, sl: Any = slice(None)) -> np.ndarray:
        """NEV credits earned - requirement [credit] at NEV volumes ``nev``."""
        vol = self.vol[sl]
        nev = np.asarray(nev, dtype=float)
        bev = np.rint(self.bev_share[sl] * nev)
        conv = vol - nev
        hev = np.rint(self.hev_share[sl] * conv)
        earned = bev * self.bev_credit[sl] + (nev - bev) * self.phev_credit[sl]
        req = self.ratio * ((conv - hev) + self.hev_weight[sl] * hev)
        if self.rounding:
            earned, req = round_half_up(earned), round_half_up(req)
        return earned - np.where(conv >= self.limit, req, 0.0)

    def smallest_nev(
        self, goal: np.ndarray, lo: np.ndarray, hi: np.ndarray, sl: Any = slice(None)
    ) -> np.ndarray:
        """Smallest whole NEV volume in [lo, hi] whose balance reaches ``goal`` (else hi).

        The balance never falls as the NEV volume rises (vectorised integer bisection).
        """
        lo = np.asarray(lo, dtype=float).copy()
        hi = np.asarray(hi, dtype=float).copy()
        goal = np.broadcast_to(np.asarray(goal, dtype=float), lo.shape)
        while np.any(lo < hi):
            mid = np.floor(0.5 * (lo + hi))
            ok = self.balance(mid, sl) >= goal
            hi = np.where(ok, mid, hi)
            lo = np.where(ok, lo, mid + 1.0)
        return lo


def _calibrate_nev(
    f: _Firms,
    idx: np.ndarray,
    book: _NevBook,
    v: _Values,
    kind: str,
    positive: float,
    negative: float,
) -> None:
    """NEV volumes of enterprises ``idx`` so that their NEV credits match MIIT's totals."""
    vol = book.vol
    rho, limit = book.ratio, book.limit
    c = f.bev_share[idx] * book.bev_credit + (1.0 - f.bev_share[idx]) * book.phev_credit
    phi = (1.0 - book.hev_share) + book.hev_share * book.hev_weight  # requirement weight
    nev = np.zeros(len(idx))

    # --- deficits: a share (depth) of the requirement the enterprise would have with no NEV
    cap = float(v("nev_deficit.max_depth")) * rho * phi * vol
    liable = c / (c + rho * phi) * vol >= 1.01 * limit  # stays liable at any depth
    focused = f.focused[idx]
    eligible = liable & ~focused & (vol >= float(v("nev_deficit.min_volume")))
    deficit = eligible & (f.nev_def_draw[idx] < float(v("nev_deficit.probability", kind)))
    # too little room for MIIT's deficit: add liable enterprises, conventional-based and
    # largest first
    for i in np.lexsort((-vol, focused)):
        if negative <= 0 or cap[deficit].sum() >= 1.25 * negative:
            break
        if liable[i] and not deficit[i]:
            deficit[i] = True
    if negative <= 0:
        deficit[:] = False
    elif cap[deficit].sum() < negative:
        raise _CalibrationFailedError(
            f"{kind}: too few enterprises are liable to the NEV requirement to hold MIIT's NEV "
            f"negative credits ({negative:,.0f})"
        )
    d = np.flatnonzero(deficit)
    depth = _fill(
        np.minimum(cap[d], 2 * _MIN_BALANCE),
        cap[d],
        f.nev_def_depth[idx][d] * rho * phi[d] * vol[d],
        negative,
    )
    nev[d] = book.smallest_nev(-depth, np.zeros(len(d)), vol[d], d)

    # --- surpluses: one common scale of the raw shares (bisection), then residual absorbers
    s = np.flatnonzero(~deficit)
    vs, u = vol[s], f.raw_nev_share[idx][s]
    floor = book.smallest_nev(_MIN_BALANCE, np.zeros(len(s)), vs, s)

    def volumes(lam: float) -> np.ndarray:
        return np.clip(np.rint(lam * u * vs), floor, vs)

    def total(lam: float) -> float:
        return float(book.balance(volumes(lam), s).sum())

    lam_max = 1.0 / max(float(u.min()), 1e-12)
    if total(lam_max) < positive:
        raise _CalibrationFailedError(
            f"{kind}: MIIT's NEV positive credits ({positive:,.0f}) exceed what the "
            "enterprises' all-NEV fleets would earn"
        )
    ns = volumes(_bisect(total, positive, lam_max))
    residual = positive - float(book.balance(ns, s).sum())
    # the 30,000 exemption makes the total jump: enterprises, largest first, absorb the rest
    # without changing whether they are liable
    for j in np.argsort(-vs, kind="stable"):
        if abs(residual) < 4.0:
            break
        i = s[j : j + 1]
        was_liable = vs[j] - ns[j] >= limit
        lo = floor[j] if was_liable else max(floor[j], vs[j] - limit + 1.0)
        hi = min(vs[j], vs[j] - limit) if was_liable else vs[j]
        if lo > hi:
            continue
        before = float(book.balance(ns[j : j + 1], i)[0])
        new = book.smallest_nev(before + residual, np.array([lo]), np.array([hi]), i)
        residual -= float(book.balance(new, i)[0]) - before
        ns[j] = new[0]
    nev[s] = ns
    f.nev_share[idx] = nev / vol
    f.nev_deficit[idx] = book.balance(nev) < 0


def _calibrate_cafc(
    f: _Firms,
    idx: np.ndarray,
    rb: Rulebook,
    v: _Values,
    kind: str,
    positive: float,
    negative: float,
) -> None:
    """ICE fuel consumption of enterprises ``idx`` so that CAFC credits match MIIT's totals."""
    vol = f.volume[idx].astype(float)
    m = _split(vol, f.nev_share[idx], f.bev_share[idx], f.hev_share[idx])
    t_model = cafc_model_target(f.mass[idx], np.full(len(idx), _SEAT_ROWS), rb)
    req = float(rb["cafc.requirement"])
    compliance = _rnd(_rnd(t_model, 2, rb) * req, 2, rb)
    fc_hev = round_half_up(float(v("hev.fuel_consumption_ratio")) * t_model, 2)
    fc_phev = round_half_up(float(v("phev.fuel_consumption_ratio")) * t_model, 2)
    thr = float(rb["cafc.multiplier_low_fc_threshold"])
    w_low = float(rb["cafc.multiplier_low_fc"])
    # the ICE model is never a low-fuel-consumption model in the calibration year
    r_lo = max(float(v("cafc.ice_ratio_bounds")[0]), req + 0.01)
    r_hi = float(v("cafc.ice_ratio_bounds")[1])
    w_ice = np.where(round_half_up(r_lo * t_model, 2) <= thr, w_low, 1.0)
    if np.any(w_ice != np.where(round_half_up(r_hi * t_model, 2) <= thr, w_low, 1.0)):
        raise IndustryDataError(
            "cafc.ice_ratio_bounds straddle the low-fuel-consumption multiplier threshold",
            key="cafc.ice_ratio_bounds",
        )
    ice = m["ICE"]
    den = (
        w_ice * ice
        + np.where(fc_hev <= thr, w_low, 1.0) * m["HEV"]
        + rb["cafc.multiplier_nev"] * m["nev"]
    )
    fixed = fc_hev * m["HEV"] + fc_phev * m["PHEV"]

    def per_vehicle(r: float) -> np.ndarray:
        """CAFC credits per vehicle [credit/vehicle] at ICE fuel consumption r x T."""
        return compliance - (r * t_model * ice + fixed) / den

    g_hi, g_lo = per_vehicle(r_lo), per_vehicle(r_hi)
    has_ice = ice > 0
    forced_def = has_ice & (g_hi < 0)
    forced_sur = ~has_ice | (g_lo >= 0)
    flex = ~forced_def & ~forced_sur
    # capacities [credit]; every balance keeps a margin from zero (_MIN_CAFC_MARGIN per vehicle)
    margin = np.maximum(_MIN_BALANCE, _MIN_CAFC_MARGIN * vol)
    def_hi, sur_hi = np.maximum(0.0, -g_lo) * vol, np.maximum(0.0, g_hi) * vol
    def_lo = np.maximum(np.maximum(0.0, -g_hi) * vol, np.minimum(def_hi, margin))
    sur_lo = np.maximum(np.maximum(0.0, g_lo) * vol, np.minimum(sur_hi, margin))

    def feasible(in_def: np.ndarray) -> bool:
        return bool(
            def_lo[in_def].sum() <= negative <= def_hi[in_def].sum()
            and sur_lo[~in_def].sum() <= positive <= sur_hi[~in_def].sum()
        )

    drawn = flex & (f.cafc_def_draw[idx] < float(v("cafc_deficit.probability", kind)))
    in_def = forced_def | drawn
    if not feasible(in_def):
        # the drawn split cannot reach MIIT: put the k flexible enterprises with the most
        # deficit room per unit of surplus room in deficit, k as close to the drawn count
        # as works
        with np.errstate(divide="ignore", invalid="ignore"):
            order = np.flatnonzero(flex)[
                np.argsort(-(def_hi / (sur_hi + 1.0))[flex], kind="stable")
            ]
        options = []
        for k in range(len(order) + 1):
            trial = forced_def.copy()
            trial[order[:k]] = True
            if feasible(trial):
                options.append((abs(k - int(drawn.sum())), k, trial))
        if not options:
            raise _CalibrationFailedError(
                f"{kind}: no split of the enterprises reaches MIIT's CAFC credits (positive "
                f"{positive:,.0f}, negative {negative:,.0f}) within cafc.ice_ratio_bounds"
            )
        in_def = min(options, key=lambda o: (o[0], o[1]))[2]
    w = f.cafc_weight[idx] * vol
    g = np.empty(len(idx))
    g[in_def] = -_fill(def_lo[in_def], def_hi[in_def], w[in_def], negative) / vol[in_def]
    g[~in_def] = _fill(sur_lo[~in_def], sur_hi[~in_def], w[~in_def], positive) / vol[~in_def]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(has_ice, ((compliance - g) * den - fixed) / (t_model * ice), r_lo)
    # certified fuel consumptions are whole hundredths of L/100 km: round, then let the
    # largest enterprises of each side absorb what the rounding moved, 0.01 L/100 km at a time
    fc_lo = np.ceil(np.round(r_lo * t_model * 100.0, 6)) / 100.0
    fc_hi = np.floor(np.round(r_hi * t_model * 100.0, 6)) / 100.0
    fc = np.clip(round_half_up(np.clip(r, r_lo, r_hi) * t_model, 2), fc_lo, fc_hi)

    def credits(fc: np.ndarray) -> np.ndarray:
        """CAFC credits [credit] as the accounting computes them."""
        actual = _rnd((fc * ice + fixed) / den, 2, rb)
        return _rnd((compliance - actual) * vol, 0, rb)

    step = 0.01 * ice / den * vol  # credits per 0.01 L/100 km [credit]
    for side, goal in ((in_def, -negative), (~in_def, positive)):
        for i in np.flatnonzero(side & has_ice)[np.argsort(-vol[side & has_ice], kind="stable")]:
            residual = goal - float(credits(fc)[side].sum())
            if abs(residual) < 0.0005 * abs(goal) or step[i] <= 0:
                break
            lo, hi = (fc_lo[i], fc_hi[i])
            # more fuel consumption, fewer credits; stay on the enterprise's side of zero
            new = float(np.clip(fc[i] - round(residual / step[i]) / 100.0, lo, hi))
            trial = fc.copy()
            trial[i] = round(new, 2)
            c_i = credits(trial)[i]
            if (c_i < 0) == bool(in_def[i]) and c_i != 0:
                fc = trial
    f.ice_ratio[idx] = np.where(has_ice, fc / t_model, np.nan)
    f.cafc_deficit[idx] = credits(fc) < 0


def _calibrate(
    f: _Firms, rb: Rulebook, v: _Values, targets: Mapping[str, Mapping[str, float]]
) -> None:
    """Set NEV shares and ICE fuel consumptions so the calibration year matches MIIT.

    Raises
    ------
    _CalibrationFailedError
        The draw cannot reach MIIT's totals under the assumptions.
    """
    n = len(f.name)
    f.nev_share, f.ice_ratio = np.zeros(n), np.full(n, np.nan)
    f.nev_deficit, f.cafc_deficit = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    t_model = cafc_model_target(f.mass, np.full(n, _SEAT_ROWS), rb)
    ec = round_half_up(f.ec_ratio * bev_consumption_target(f.mass, rb), 2)
    bev_c, phev_c = _nev_credits_per_vehicle(
        rb,
        f.bev_range,
        ec,
        f.mass,
        float(v("bev.energy_density_wh_per_kg")),
        float(v("phev.electric_range_km")),
    )
    f.nev_credit_per_vehicle = f.bev_share * bev_c + (1.0 - f.bev_share) * phev_c
    fc_hev = round_half_up(float(v("hev.fuel_consumption_ratio")) * t_model, 2)
    hev_weight = np.where(fc_hev <= low_fc_threshold(t_model, rb), rb["nev.low_fc_factor"], 1.0)
    for kind in KINDS:
        idx = np.flatnonzero(f.kind == kind)
        t = targets[kind]
        book = _NevBook(
            vol=f.volume[idx].astype(float),
            bev_share=f.bev_share[idx],
            hev_share=f.hev_share[idx],
            bev_credit=bev_c[idx],
            phev_credit=phev_c[idx],
            hev_weight=hev_weight[idx],
            ratio=float(rb["nev.ratio"]),
            limit=float(rb["nev.exemption_conventional_volume"]),
            rounding=bool(rb["rounding.enabled"]),
        )
        _calibrate_nev(f, idx, book, v, kind, t["nev_positive"], t["nev_negative"])
        _calibrate_cafc(f, idx, rb, v, kind, t["cafc_positive"], t["cafc_negative"])


# --------------------------------------------------------------------------- MIIT's totals


def _targets() -> dict[str, dict[str, float]]:
    """MIIT calibration-year totals per kind in vehicles and credits (not 10^4)."""
    m = miit_annual()
    m = m[m["year"] == CALIBRATION_YEAR].set_index("group")
    out = {}
    for kind in KINDS:
        row = m.loc[kind]
        out[kind] = {q: float(row[col]) * 1e4 for q, col, _ in _MIIT_QUANTITIES}
        out[kind]["firms"] = float(row["firms"])
        out[kind]["avg_curb_mass_kg"] = float(row["avg_curb_mass_kg"])
    return out


def _calibration_table(st: pd.DataFrame, models: pd.DataFrame) -> pd.DataFrame:
    """Calibration-year totals of the generated statements next to MIIT's."""
    m = miit_annual()
    m = m[m["year"] == CALIBRATION_YEAR].set_index("group")
    st = st[st["year"] == CALIBRATION_YEAR]
    models = models[models["year"] == CALIBRATION_YEAR]
    rows = []
    for group in ("all", *KINDS):
        s = st if group == "all" else st[st["kind"] == group]
        mo = models if group == "all" else models[models["kind"] == group]
        vol = mo["volume_vehicles"].to_numpy(dtype=float)
        gen = {
            "firms": float(len(s)),
            "volume": float(s["volume_vehicles"].sum()),
            "cafc_positive": float(s["cafc_credits"].clip(lower=0).sum()),
            "cafc_negative": float(-s["cafc_credits"].clip(upper=0).sum()),
            "nev_positive": float(s["nev_credits"].clip(lower=0).sum()),
            "nev_negative": float(-s["nev_credits"].clip(upper=0).sum()),
            "avg_curb_mass_kg": float((mo["curb_mass_kg"] * vol).sum() / vol.sum()),
            "cafc_actual": float(
                (mo["fuel_consumption_accounted_l_per_100km"] * vol).sum()
                / (mo["cafc_multiplier"] * vol).sum()
            ),
        }
        miit = {q: float(m.loc[group, col]) * 1e4 for q, col, _ in _MIIT_QUANTITIES}
        miit["firms"] = float(m.loc[group, "firms"])
        miit["avg_curb_mass_kg"] = float(m.loc[group, "avg_curb_mass_kg"])
        miit["cafc_actual"] = float(m.loc[group, "cafc_actual_l_per_100km"])
        units = {q: u for q, _, u in _MIIT_QUANTITIES} | {
            "firms": "enterprise",
            "avg_curb_mass_kg": "kg",
            "cafc_actual": "L/100km",
        }
        for q in (
            "firms",
            "volume",
            "cafc_positive",
            "cafc_negative",
            "nev_positive",
            "nev_negative",
            "avg_curb_mass_kg",
            "cafc_actual",
        ):
            rows.append(
                {
                    "group": group,
                    "quantity": q,
                    "unit": units[q],
                    "generated": gen[q],
                    "miit": miit[q],
                    "relative_error": gen[q] / miit[q] - 1.0,
                    "calibrated": q != "cafc_actual",
                }
            )
    return pd.DataFrame(rows)
