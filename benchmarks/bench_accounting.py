"""Benchmark: the accounting engine against a minimal numpy baseline, in the same run.

Usage::

    python benchmarks/bench_accounting.py [--rows 1000000] [--repeat 3]

Prints rows/s of

- ``engine``: :func:`linkage.compute_credits` on a DataFrame (validation + per-model
  accounting + per-enterprise statements, provisional-parameter tracking included);
- ``engine (validated)``: :func:`model_credits` + :func:`enterprise_statements` on an already
  validated fleet;
- ``baseline``: a minimal numpy implementation of the same per-model formulas and
  per-enterprise sums (no validation, no provenance, parameters hard-wired per year),

and the ratio engine time / baseline time (lower is better; target <= 3).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from linkage import compute_credits
from linkage.accounting import enterprise_statements, model_credits
from linkage.fleet import read_fleet
from linkage.rules import default_rules

POWERTRAINS = np.array(["ICE", "HEV", "PHEV", "BEV", "FCEV"], dtype=object)


def synthetic_fleet(rows: int, seed: int = 0) -> pd.DataFrame:
    """Random valid fleet: ~rows/500 enterprises, years 2021-2027, every powertrain."""
    rng = np.random.default_rng(seed)
    n_ent = max(rows // 500, 1)
    pt = POWERTRAINS[rng.choice(5, size=rows, p=[0.55, 0.1, 0.1, 0.24, 0.01])]
    conv = (pt == "ICE") | (pt == "HEV")
    bev, phev, fcev = pt == "BEV", pt == "PHEV", pt == "FCEV"
    ent = rng.integers(0, n_ent, size=rows)
    year = rng.integers(2021, 2028, size=rows)
    df = pd.DataFrame({
        "enterprise": np.char.add("E", ent.astype(str)).astype(object),
        "year": year,
        "model": np.char.add("M", np.arange(rows).astype(str)).astype(object),
        "powertrain": pt,
        "volume_vehicles": rng.integers(1, 20_000, size=rows),
        "curb_mass_kg": rng.uniform(800, 2800, size=rows).round(0),
        "seat_rows": np.where(rng.random(rows) < 0.05, 3, 2),
        "fuel_consumption_l_per_100km": np.where(
            conv, rng.uniform(3.0, 10.0, rows).round(2),
            np.where(phev, rng.uniform(0.8, 2.5, rows).round(2), np.nan)),
        "off_cycle_reduction_l_per_100km": np.where(conv & (rng.random(rows) < 0.3), 0.08, 0.0),
        "electric_range_km": np.where(bev, rng.uniform(100, 700, rows).round(0),
                                      np.where(phev, rng.uniform(40, 200, rows).round(0), np.nan)),
        "energy_consumption_kwh_per_100km": np.where(bev, rng.uniform(9, 20, rows).round(1),
                                                     np.nan),
        "battery_energy_density_wh_per_kg": np.where(bev, rng.uniform(85, 180, rows).round(0),
                                                     np.nan),
        "fuel_cell_power_kw": np.where(fcev, rng.uniform(40, 150, rows).round(0), np.nan),
        "phev_cs_condition_met": np.where(phev, rng.random(rows) < 0.9, np.nan),
    })
    return df


def baseline(df: pd.DataFrame) -> dict[str, np.ndarray]:
    """Minimal numpy accounting: same formulas and sums, no validation or provenance."""
    rules = default_rules()
    year = df["year"].to_numpy()
    pt = df["powertrain"].to_numpy()
    v = df["volume_vehicles"].to_numpy(dtype=float)
    m = df["curb_mass_kg"].to_numpy(dtype=float)
    rows3 = df["seat_rows"].to_numpy() >= 3
    fc = np.nan_to_num(df["fuel_consumption_l_per_100km"].to_numpy(dtype=float))
    oc = df["off_cycle_reduction_l_per_100km"].to_numpy(dtype=float)
    rng = df["electric_range_km"].to_numpy(dtype=float)
    ec = df["energy_consumption_kwh_per_100km"].to_numpy(dtype=float)
    dens = df["battery_energy_density_wh_per_kg"].to_numpy(dtype=float)
    pw = df["fuel_cell_power_kw"].to_numpy(dtype=float)
    cs = df["phev_cs_condition_met"].to_numpy(dtype=float)
    conv = (pt == "ICE") | (pt == "HEV")
    bev, phev, fcev = pt == "BEV", pt == "PHEV", pt == "FCEV"
    t = np.empty(len(df))
    w = np.empty(len(df))
    f = np.empty(len(df))
    cr = np.empty(len(df))
    for y in np.unique(year):
        r = rules.for_year(int(y))
        s = year == y
        mm = m[s]
        tt = np.where(mm <= 1090, 4.02, np.where(mm <= 2510, 0.0018 * (mm - 1415) + 4.60, 6.57))
        tt += np.where(rows3[s], 0.2, 0.0)
        thr = np.floor(tt * r["cafc.requirement"] * 100 + 0.5) / 100
        low = conv[s] & (fc[s] <= thr)
        t[s] = tt
        w[s] = np.where(conv[s], np.where(fc[s] <= 3.2, r["cafc.multiplier_low_fc"], 1.0),
                        r["cafc.multiplier_nev"])
        f[s] = np.where(conv[s], np.where(low, r["nev.low_fc_factor"], 1.0), 0.0)
        rr = rng[s]
        b0 = np.asarray(r["bev.standard_range_bounds"])
        seg = np.clip(np.searchsorted(b0, rr, side="right") - 1, 0, None)
        std = np.asarray(r["bev.standard_slopes"])[seg] * rr + np.asarray(
            r["bev.standard_intercepts"])[seg]
        std = np.minimum(np.where(rr >= b0[0], std, 0.0), r["bev.standard_cap"])
        rf = np.asarray(r["bev.range_factor_values"])[np.searchsorted(
            np.asarray(r["bev.range_factor_bounds"]), rr, side="right")]
        dfac = np.asarray(r["bev.density_factor_values"])[np.searchsorted(
            np.asarray(r["bev.density_factor_bounds"]), dens[s], side="right")]
        br = np.searchsorted(np.asarray(r["bev.consumption_mass_bounds"]), mm)
        yy = np.asarray(r["bev.consumption_slopes"])[br] * mm + np.asarray(
            r["bev.consumption_intercepts"])[br]
        cf = np.where(ec[s] <= yy, np.minimum(yy / ec[s], 1.5), 0.5)
        c = np.where(bev[s], std * rf * dfac * cf, 0.0)
        c = np.where(phev[s], np.where(rr >= 43, r["phev.credit"], 0.0)
                     * np.where(cs[s] == 0, 0.5, 1.0), c)
        c = np.where(fcev[s], np.minimum(r["fcev.credit_per_kw"] * pw[s], r["fcev.cap"]), c)
        cr[s] = np.floor(np.round(c * 100, 6) + 0.5) / 100
    ecode = pd.factorize(df["enterprise"].to_numpy())[0]
    codes, uniq = pd.factorize(ecode.astype(np.int64) * 10_000 + year)
    n = len(uniq)
    vol = np.bincount(codes, v, n)
    target = np.floor(np.bincount(codes, t * v, n) / vol * 100 + 0.5) / 100
    actual = np.floor(np.bincount(codes, (fc - oc) * v, n) / np.bincount(codes, v * w, n)
                      * 100 + 0.5) / 100
    gy = uniq % 10_000
    req = np.array([rules.for_year(int(y))["cafc.requirement"] for y in gy])
    ratio = np.array([rules.for_year(int(y))["nev.ratio"] for y in gy])
    comp = np.floor(target * req * 100 + 0.5) / 100
    cafc = np.round((comp - actual) * vol)
    earned = np.round(np.bincount(codes, cr * v, n))
    convv = np.bincount(codes, v * conv, n)
    nreq = np.where(convv < 30000, 0.0, np.round(ratio * np.bincount(codes, f * v, n)))
    return {"cafc_credits": cafc, "nev_earned_credits": earned, "nev_requirement_credits": nreq}


def best_of(fn, repeat: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    df = synthetic_fleet(args.rows)
    rules = default_rules()
    validated = read_fleet(df)

    t_base, base = best_of(lambda: baseline(df), args.repeat)
    t_eng, res = best_of(lambda: compute_credits(df, rules=rules), args.repeat)
    t_core, _ = best_of(
        lambda: enterprise_statements(model_credits(validated, rules), None, rules), args.repeat
    )
    st = res.statements
    # same answers (up to half-unit rounding differences of the two rounding codes)
    assert len(st) == len(base["cafc_credits"])
    agree = np.isclose(np.sort(st["nev_earned_credits"].to_numpy(dtype=float)),
                       np.sort(base["nev_earned_credits"]), atol=1.0).mean()

    n = args.rows
    print(f"rows: {n:,}   enterprise-years: {len(st):,}   best of {args.repeat}")
    print(f"baseline (numpy)     {t_base:8.3f} s  {n / t_base / 1e6:6.2f} M rows/s")
    print(f"engine (validated)   {t_core:8.3f} s  {n / t_core / 1e6:6.2f} M rows/s  "
          f"ratio {t_core / t_base:5.2f}")
    print(f"engine (DataFrame)   {t_eng:8.3f} s  {n / t_eng / 1e6:6.2f} M rows/s  "
          f"ratio {t_eng / t_base:5.2f}")
    print(f"NEV credits earned agree with the baseline for {agree:.1%} of enterprise-years")


if __name__ == "__main__":
    main()
