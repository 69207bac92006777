"""An ILLUSTRATIVE industry: synthetic enterprises calibrated to MIIT's 2023 totals.

**ILLUSTRATIVE DATA.** Every enterprise made here is invented ("Domestic 001 (illustrative)",
"Import 07 (illustrative)", "Group 3 (illustrative)"). Only the *totals* of the calibration year
are real: they match MIIT's 2023 announcement (:func:`linkage.data.miit_annual`, ``official``)
within 1 % for volume, CAFC positive and negative credits and NEV positive and negative
credits, for all enterprises and for domestic makers and importers separately, with 95 domestic
makers and 24 importers. Use the result to exercise the industry model, the ledger and the
optimizer at realistic scale, never as data about a real enterprise.

Method
------
1. **Sizes** (2023): heavy-tailed (lognormal) volumes per kind, scaled to MIIT's volume and
   rounded to whole vehicles by largest remainder (the kind's total is exact).
2. **Representative models**: each enterprise has at most four models, ICE, HEV, BEV and PHEV,
   sharing its curb mass (lognormal around MIIT's average curb mass of its kind, whose
   volume-weighted mean it keeps) and two seat rows. The BEV has a drawn electric range and
   energy consumption (a share of its target Y(m)); the PHEV a fixed range; HEV and PHEV fuel
   consumptions are fixed shares of the target T. Per-vehicle NEV credits come from the
   year's rulebook through the library's pure functions
   (:func:`~linkage.accounting.bev_standard_credit` and the adjustment factors).
3. **NEV calibration** (2023): enterprises drawn into NEV deficit (conventional-based, liable
   to the requirement whatever their NEV share; most deficits small) share MIIT's NEV
   negative credits by capped weights, and each one's NEV volume follows from its deficit.
   The other enterprises' drawn raw NEV shares are scaled by one common factor per kind
   (bisection) so that their NEV positive credits match MIIT; the largest enterprises then
   absorb the residual left by the jumps of the 30,000 exemption. Balances are evaluated in
   whole vehicles and credits exactly as the accounting does.
4. **CAFC calibration** (2023): with the NEV mix fixed, each enterprise's CAFC credit per
   vehicle is linear in its ICE model's fuel consumption (kept within stated bounds and above
   the low-fuel-consumption threshold). Enterprises that can be in deficit are drawn into it
   (importers mostly); capped weights share MIIT's CAFC negative credits among them and its
   CAFC positive credits among the others; the ICE fuel consumption follows, in whole
   hundredths of L/100 km, the largest enterprises absorbing what that rounding moves.
   A draw that cannot meet MIIT's totals within 0.5 % (a rare split of sizes and NEV
   shares) is rejected and the same generator draws again, so a seed still gives one result;
   :attr:`Industry.assumptions` reports the rejections (``derived.rejected_draws``).
5. **Forward years**: volumes grow at drawn rates; every enterprise's NEV share follows a
   logistic (diffusion) curve whose logit rises by one yearly amount per kind, so that the
   kind's NEV share reaches a stated target in 2030 (laggards stay laggards); BEV ranges
   grow; ICE fuel consumption falls at a stated rate; the HEV share of conventional volume
   rises. Credits of every year, 2023 included, are then computed by the library's own
   accounting (:func:`~linkage.accounting.compute_credits`) from the representative fleet
   (:attr:`Industry.fleet`) with that year's rulebook: the 2024 and 2026 cuts of per-vehicle
   NEV credits, the NEV ratios, the low-fuel-consumption factor, the 30,000 exemption, the
   CAFC requirement and the accounting multipliers all come from the rules, never from a
   branch on the year.
6. **Abatement**: three NEV and three CAFC cost segments per enterprise (piecewise-linear cost
   curves) scaled with its volume in a reference year (2025).

Assumptions
-----------
Every number the generator uses is an ``assumption`` stated in
``optimize/data/industry_assumptions.toml`` with its unit and a sentence of text, returned in
:attr:`Industry.assumptions` and overridable through ``illustrative_industry(assumptions=...)``.
The main ones: lognormal size spreads 1.6 (domestic) and 1.4 (import); 30 % of domestic makers
NEV-focused; BEV share of NEV volume 45-95 %; BEV range 330-560 km in 2023, +15 km a year up
to 700 km; BEV consumption 72-92 % of Y(m); PHEV 100 km and 28 % of T; HEV 80 % of T; ICE fuel
consumption up to 1.80 x T (and above the 2023 requirement of 1.15 x T), -1.5 % a year; HEV
share of conventional volume +2 points a year up to 60 %; volume growth +2 %/year (domestic)
and -5 %/year (import); NEV share 75 % (domestic) and 35 % (import) in 2030; six affiliate
groups of 2-5 domestic makers; NEV abatement 6,000 / 12,000 / 24,000 CNY per extra NEV for
0.5 / 1 / 2 % of volume; CAFC abatement 1,500 / 4,000 / 9,000 CNY per L/100 km and vehicle
for 0.10 / 0.15 / 0.25 L/100 km.

Examples
--------
>>> from optimize.industry_data import illustrative_industry
>>> ind = illustrative_industry()                                    # doctest: +SKIP
>>> ind.calibration                                                  # doctest: +SKIP
>>> doc = ind.to_scenario(range(2024, 2027), market={"nev_buy_price": 1500.0})  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import difflib
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from linkage.accounting import STATEMENT_COLUMNS as _ACCOUNTING_COLUMNS
from linkage.accounting import (
    bev_consumption_factor,
    bev_consumption_target,
    bev_density_factor,
    bev_range_factor,
    bev_standard_credit,
    cafc_model_target,
    compute_credits,
    low_fc_threshold,
    round_half_up,
)
from linkage.data import miit_annual
from linkage.errors import InputError
from linkage.rules import Rulebook, RuleSet, default_rules

__all__ = [
    "CALIBRATION_YEAR",
    "KINDS",
    "STATEMENT_COLUMNS",
    "Industry",
    "IndustryDataError",
    "assumptions_file",
    "illustrative_industry",
    "load_assumptions",
]

#: The year whose MIIT announcement the generator is calibrated to.
CALIBRATION_YEAR = 2023
#: Enterprise kinds, as MIIT groups them.
KINDS = ("domestic", "import")
#: Columns of :attr:`Industry.statements`.
STATEMENT_COLUMNS = [
    *_ACCOUNTING_COLUMNS[:2], "group", "kind", *_ACCOUNTING_COLUMNS[2:-1],
    "nev_exempt", "nev_carry_eligible", "conventional_target_value", "conventional_cafc_actual",
    _ACCOUNTING_COLUMNS[-1],
]

_LABEL = "(illustrative)"
_SEAT_ROWS = 2
#: Smallest magnitude of a calibration-year balance on either side [credit]: keeps every
#: enterprise on its drawn side of zero after the accounting rounds.
_MIN_BALANCE = 5.0
#: Smallest CAFC balance per vehicle on either side [L/100 km]: survives the rounding of
#: fuel consumptions and of the actual CAFC to 2 decimals.
_MIN_CAFC_MARGIN = 0.02
#: Draws tried before giving up (a draw is rejected when it cannot meet MIIT's totals).
_MAX_DRAWS = 50
#: Largest relative calibration error accepted for a draw [-].
_ACCEPT_TOLERANCE = 0.005
_POWERTRAINS = ("ICE", "HEV", "BEV", "PHEV")
_MIIT_QUANTITIES = (
    # quantity, MIIT column, unit
    ("volume", "volume_10k_vehicles", "vehicle"),
    ("cafc_positive", "cafc_positive_10k_credits", "credit"),
    ("cafc_negative", "cafc_negative_10k_credits", "credit"),
    ("nev_positive", "nev_positive_10k_credits", "credit"),
    ("nev_negative", "nev_negative_10k_credits", "credit"),
)


class IndustryDataError(InputError):
    """The illustrative-industry generator got bad input or could not calibrate."""


# --------------------------------------------------------------------------- assumptions


def assumptions_file() -> str:
    """Path of the shipped assumption file (``optimize/data/industry_assumptions.toml``)."""
    return str(resources.files("optimize").joinpath("data", "industry_assumptions.toml"))


def _number_ok(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and bool(np.isfinite(x))


def load_assumptions(overrides: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The generator's assumptions, optionally overridden.

    Parameters
    ----------
    overrides : mapping key -> value, optional
        New values for shipped keys (a number, or a list of numbers where the shipped value is
        a list of the same length).

    Returns
    -------
    dict
        key -> ``{"value", "unit", "status", "text"}``; ``status`` is ``"assumption"``
        (``"assumption (overridden)"`` for overridden keys).

    Raises
    ------
    IndustryDataError
        The file is malformed, or an override names an unknown key or has the wrong form.
    """
    path = assumptions_file()
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    out: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(doc.get("assumption", [])):
        missing = {"key", "value", "unit", "status", "text"} - set(entry)
        if missing:
            raise IndustryDataError(
                f"assumption {i} lacks {sorted(missing)}", file=path, key=f"assumption[{i}]"
            )
        key, value = entry["key"], entry["value"]
        ok = _number_ok(value) or (
            isinstance(value, list) and value and all(_number_ok(v) for v in value)
        )
        if not ok:
            raise IndustryDataError(
                f"value must be a number or a list of numbers, got {value!r}", file=path, key=key
            )
        if entry["status"] != "assumption":
            raise IndustryDataError(
                f"status must be 'assumption', got {entry['status']!r}", file=path, key=key
            )
        out[key] = {
            "value": value,
            "unit": entry["unit"],
            "status": entry["status"],
            "text": entry["text"],
        }
    for key, value in (overrides or {}).items():
        if key not in out:
            hint = difflib.get_close_matches(key, sorted(out), n=1)
            more = f"; did you mean '{hint[0]}'?" if hint else ""
            raise IndustryDataError(f"unknown assumption{more}", key=key)
        old = out[key]["value"]
        if isinstance(old, list):
            ok = (
                isinstance(value, list | tuple)
                and len(value) == len(old)
                and all(_number_ok(v) for v in value)
            )
            value = [float(v) for v in value] if ok else value
        else:
            ok = _number_ok(value)
        if not ok:
            form = f"a list of {len(old)} numbers" if isinstance(old, list) else "a number"
            raise IndustryDataError(f"expected {form}, got {value!r}", key=key)
        out[key] = {**out[key], "value": value, "status": "assumption (overridden)"}
    return out


class _Values:
    """Read assumption values by key (and kind)."""

    def __init__(self, table: Mapping[str, Mapping[str, Any]]) -> None:
        self.table = table

    def __call__(self, key: str, kind: str | None = None) -> Any:
        return self.table[f"{key}.{kind}" if kind else key]["value"]


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
    bev = (
        bev_standard_credit(bev_range_km, rb)
        * bev_range_factor(bev_range_km, rb)
        * bev_density_factor(np.full_like(mass_kg, density_wh_per_kg), rb)
        * bev_consumption_factor(bev_ec, mass_kg, rb)
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
    f: _Firms, year: int, v: _Values, growth: Mapping[str, float], rb0: Rulebook
) -> dict[str, np.ndarray]:
    """Representative models of every enterprise in ``year`` (one array per quantity)."""
    t = year - CALIBRATION_YEAR
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
        "volume": vol,
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
    f: _Firms, years: list[int], v: _Values, growth: Mapping[str, float], rb0: Rulebook
) -> pd.DataFrame:
    """The representative fleet (fleet-table columns of :mod:`linkage.fleet`)."""
    frames = []
    n = len(f.name)
    for year in years:
        y = _year_fleet(f, year, v, growth, rb0)
        for pt in _POWERTRAINS:
            is_bev, is_phev = pt == "BEV", pt == "PHEV"
            frames.append(
                pd.DataFrame(
                    {
                        "enterprise": f.name,
                        "year": year,
                        "model": f"{pt} (representative)",
                        "powertrain": pt,
                        "volume": y[pt],
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
    fleet = fleet[fleet["volume"] > 0].sort_values(
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
    vol = y["volume"].astype(float)
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


# --------------------------------------------------------------------------- the result


@dataclass
class Industry:
    """An ILLUSTRATIVE industry (synthetic enterprises) calibrated to MIIT's 2023 totals.

    Attributes
    ----------
    enterprises : DataFrame
        One row per (synthetic) enterprise: ``enterprise``, ``kind`` (``domestic`` or
        ``import``), ``group`` (affiliate group; the enterprise's own name when alone),
        ``archetype`` (``nev_focused`` or ``conventional_based``), ``volume_2023`` [vehicle],
        ``conventional_volume_2023`` [vehicle], ``nev_share_2023`` [-],
        ``bev_share_of_nev`` [-], ``hev_share_of_conventional_2023`` [-], ``curb_mass_kg``
        [kg], ``bev_electric_range_km_2023`` [km], ``bev_consumption_ratio`` (energy
        consumption / target Y(m)) [-], ``nev_credit_per_vehicle_2023`` [credit/vehicle],
        ``ice_fuel_consumption_ratio_2023`` (ICE model / its target T; NaN without ICE) [-],
        ``conventional_cafc_ratio_2023`` (conventional actual / conventional target, the
        statement's values) [-], ``volume_growth_per_year`` [1/year], ``nev_deficit_2023`` and
        ``cafc_deficit_2023`` (in deficit in 2023).
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

    def to_scenario(
        self,
        years: Iterable[int],
        *,
        market: Mapping[str, Any] | None = None,
        linkage: Mapping[str, Any] | None = None,
        penalty: float | Mapping[str, Any] | None = None,
        name: str = "illustrative industry (synthetic enterprises)",
        enterprises: Iterable[str] | None = None,
        discount_rate: float = 0.0,
        rules: str = "default",
    ) -> dict[str, Any]:
        """A scenario document (what :func:`optimize.parse_scenario` accepts).

        Parameters
        ----------
        years : iterable of int
            Consecutive years, all in :attr:`years`.
        market : mapping, optional
            The ``[market]`` table, used as given. Without it: an empty table (no prices),
            which the industry model needs (prices are its outputs); the per-enterprise
            optimizer needs ``nev_buy_price`` [CNY/credit] and refuses to run without it.
            ``supply_demand_ratio`` is left out unless given, so the parser computes it from
            the enterprises' positions.
        linkage : mapping, optional
            The ``[linkage]`` table.
        penalty : float or mapping, optional
            Cost of an uncovered deficit credit [CNY/credit] (or the ``[penalty]`` table).
        name : str
            Scenario name.
        enterprises : iterable of str, optional
            Keep only these enterprises (default: all). The computed supply/demand ratio then
            covers only them.
        discount_rate : float
            Yearly discount rate [-].
        rules : str
            ``[scenario] rules``: ``"default"`` or a rulebook path. The positions were computed
            with the rules given to :func:`illustrative_industry`; name the same rules here.

        Returns
        -------
        dict
            ``scenario``, ``enterprise`` (name, group, cafc_credits, nev_credits,
            conventional_fleet_meets_threshold, abatement), ``market`` and, when given,
            ``linkage`` and ``penalty``; plain Python types (TOML-serialisable).

        Raises
        ------
        IndustryDataError
            Years not consecutive or not generated; unknown enterprise names.
        """
        ys = [int(y) for y in years]
        if not ys or sorted(ys) != list(range(min(ys), max(ys) + 1)) or len(set(ys)) != len(ys):
            raise IndustryDataError(f"years must be consecutive, got {ys}", key="years")
        missing = sorted(set(ys) - set(self.years))
        if missing:
            raise IndustryDataError(
                f"years {missing} were not generated (industry years: {self.years})", key="years"
            )
        ys = sorted(ys)
        names = list(self.enterprises["enterprise"])
        if enterprises is not None:
            wanted = list(enterprises)
            unknown = [e for e in wanted if e not in set(names)]
            if unknown:
                hint = difflib.get_close_matches(unknown[0], names, n=1)
                more = f"; did you mean '{hint[0]}'?" if hint else ""
                raise IndustryDataError(
                    f"unknown enterprise {unknown[0]!r}{more}", key="enterprises"
                )
            names = [e for e in names if e in set(wanted)]
        st = self.statements[self.statements["year"].isin(ys)].set_index(["enterprise", "year"])
        groups = dict(zip(self.enterprises["enterprise"], self.enterprises["group"], strict=True))
        segs = {e: g for e, g in self.abatement.groupby("enterprise", sort=False)}
        ents = []
        for e in names:
            rows = st.loc[e].loc[ys]
            ab = segs.get(e)
            ents.append(
                {
                    "name": e,
                    "group": str(groups[e]),
                    "cafc_credits": [int(x) for x in rows["cafc_credits"]],
                    "nev_credits": [int(x) for x in rows["nev_credits"]],
                    "conventional_fleet_meets_threshold": [
                        bool(x) for x in rows["nev_carry_eligible"]
                    ],
                    "abatement": []
                    if ab is None
                    else [
                        {
                            "kind": str(k),
                            "cost_cny_per_credit": float(c),
                            "max_credits_per_year": float(m),
                        }
                        for k, c, m in zip(
                            ab["kind"],
                            ab["cost_cny_per_credit"],
                            ab["max_credits_per_year"],
                            strict=True,
                        )
                    ],
                }
            )
        doc: dict[str, Any] = {
            "scenario": {
                "name": name,
                "years": ys,
                "discount_rate": float(discount_rate),
                "rules": rules,
            },
            "enterprise": ents,
            "market": copy.deepcopy(dict(market)) if market is not None else {},
        }
        if linkage is not None:
            doc["linkage"] = copy.deepcopy(dict(linkage))
        if penalty is not None:
            doc["penalty"] = (
                copy.deepcopy(dict(penalty))
                if isinstance(penalty, Mapping)
                else {"uncovered_credit_cny": float(penalty)}
            )
        return doc


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
        vol = mo["volume"].to_numpy(dtype=float)
        gen = {
            "firms": float(len(s)),
            "volume": float(s["volume"].sum()),
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
    res = compute_credits(fleet, rules=rules)
    st = res.statements.copy()
    kind_of = dict(zip(f.name, f.kind, strict=True))
    st["group"] = st["enterprise"].map(dict(zip(f.name, group, strict=True)))
    st["kind"] = st["enterprise"].map(kind_of)
    for col in ("cafc_credits", "nev_credits_earned", "nev_requirement", "nev_credits"):
        st[col] = round_half_up(st[col].to_numpy(dtype=float)).astype(np.int64)
    st["nev_carry_eligible"] = st["nev_carry_eligible"].astype(bool)
    st = st[STATEMENT_COLUMNS].reset_index(drop=True)
    calibration = _calibration_table(
        st, res.models.assign(kind=res.models["enterprise"].map(kind_of))
    )
    c = calibration[calibration["calibrated"]]
    worst = c.loc[c["relative_error"].abs().idxmax()]
    if abs(worst["relative_error"]) > _ACCEPT_TOLERANCE:
        raise _CalibrationFailedError(
            f"{worst['group']} {worst['quantity']} off by {worst['relative_error']:+.2%} after "
            "rounding"
        )
    return f, group, growth, fleet, st, calibration


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
    2 decimals and CAFC values to 2 decimals in the accounting. See the module docstring for
    the method.
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
    rules = rules or default_rules()
    for y in {CALIBRATION_YEAR, *ys}:
        try:
            rules.for_year(y)
        except InputError as exc:
            raise IndustryDataError(exc.rule, key="years") from None
    table = load_assumptions(assumptions)
    v = _Values(table)
    rb0 = rules.for_year(CALIBRATION_YEAR)
    targets = _targets()

    rng = np.random.default_rng(seed)
    rejected: list[str] = []
    for _ in range(_MAX_DRAWS):
        try:
            f, group, growth, fleet, st, calibration = _draw_and_calibrate(
                rng, v, targets, rules, sorted({CALIBRATION_YEAR, *ys})
            )
            break
        except _CalibrationFailedError as exc:
            rejected.append(str(exc))
    else:
        raise IndustryDataError(
            f"no draw of {_MAX_DRAWS} met MIIT's {CALIBRATION_YEAR} totals under the "
            f"assumptions; last reason: {rejected[-1]}",
            key="assumptions",
        )

    s0 = st[st["year"] == CALIBRATION_YEAR].set_index("enterprise")
    y0 = _year_fleet(f, CALIBRATION_YEAR, v, growth, rb0)
    enterprises = pd.DataFrame(
        {
            "enterprise": f.name,
            "kind": f.kind,
            "group": group,
            "archetype": np.where(f.focused, "nev_focused", "conventional_based"),
            "volume_2023": f.volume,
            "conventional_volume_2023": y0["ICE"] + y0["HEV"],
            "nev_share_2023": f.nev_share,
            "bev_share_of_nev": f.bev_share,
            "hev_share_of_conventional_2023": f.hev_share,
            "curb_mass_kg": f.mass,
            "bev_electric_range_km_2023": f.bev_range,
            "bev_consumption_ratio": f.ec_ratio,
            "nev_credit_per_vehicle_2023": f.nev_credit_per_vehicle,
            "ice_fuel_consumption_ratio_2023": f.ice_ratio,
            "conventional_cafc_ratio_2023": (
                s0.loc[f.name, "conventional_cafc_actual"]
                / s0.loc[f.name, "conventional_target_value"]
            ).to_numpy(),
            "volume_growth_per_year": f.growth,
            "nev_deficit_2023": f.nev_deficit,
            "cafc_deficit_2023": f.cafc_deficit,
        }
    )
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
    return Industry(
        enterprises=enterprises,
        statements=st[st["year"].isin(ys)].reset_index(drop=True),
        abatement=_abatement(f, v, rules, growth, rb0),
        assumptions={**table, **derived},
        fleet=fleet,
        calibration=calibration,
        years=ys,
        seed=int(seed),
    )
