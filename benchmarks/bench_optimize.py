"""Benchmark: one enterprise's 7-year LP (build+solve, re-solve after a price change).

Usage::

    python benchmarks/bench_optimize.py [--repeat 20]

Reports, best and median of ``--repeat`` runs (after one warm-up build, which pays Pyomo's and
HiGHS's one-off start-up), with the machine's load average first (on a shared machine compare
within one run):

- build + solve of a fresh model (verification off, then on), the build split into the index
  tables and Pyomo components (:mod:`optimize.formulation`) and the plan template;
- re-solve on the persistent solver after changing one year's NEV price (the result with its
  plan, prices and lever costs, verification off, then on);
- the ratio (build + solve) / re-solve;
- the share of the re-solve's wall time spent inside HiGHS (its own reported time).

Targets: build + solve <= 50 ms, re-solve <= 3 ms (issue 12).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from optimize import EnterpriseModel, parse_scenario

YEARS = list(range(2024, 2031))

DOC = {
    "scenario": {"name": "bench", "years": YEARS, "discount_rate": 0.05},
    "enterprise": [{
        "name": "E",
        "cafc_credits": [42000, 8000, -25000, -60000, 15000, -30000, -45000],
        "nev_credits": [9000, -26000, -38000, 12000, -52000, 20000, -61000],
        "nev_carry_eligible": [True, True, False, True, True, False, True],
        "opening": {"cafc": {"2022": 30000, "2023": 20000}, "nev": {"2023": 6000},
                    "pool": {"2023": 5000}},
        "abatement": [
            {"kind": "nev", "cost_cny_per_credit": 1800, "max_credits_per_year": 8000},
            {"kind": "nev", "cost_cny_per_credit": 2600, "max_credits_per_year": 8000},
            {"kind": "cafc", "cost_cny_per_credit": 2500, "max_credits_per_year": 15000},
        ],
    }],
    "market": {
        "nev_buy_price_cny_per_credit": [700, 800, 1000, 1300, 1500, 1600, 1700],
        "nev_sell_price_cny_per_credit": [600, 700, 900, 1200, 1400, 1500, 1600],
        "supply_demand_ratio": [3.2, 2.4, 1.4, 1.2, 2.2, 1.3, 1.1],
        "reserve_price_cny_per_credit": 1900,
        "affiliate_cafc_available_credits": [0, 0, 10000, 10000, 0, 5000, 5000],
    },
    "linkage": {"basis": "ttw-real-world", "cea_price_cny_per_t_co2e": [96, 62, 80, 100, 110, 120,
                                                                        130],
                "max_cea_deficit_share": 0.2, "allow_credit_offsets": True,
                "offset_cap_t_co2e": 20000},
    "penalty": {"penalty_cny_per_credit": 5000},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    sc = parse_scenario(DOC)
    EnterpriseModel(sc, "E").solve()  # warm-up: imports, HiGHS start-up

    def build_solve(verify: bool) -> float:
        t0 = time.perf_counter()
        EnterpriseModel(sc, "E").solve(verify=verify)
        return time.perf_counter() - t0

    def build() -> float:
        t0 = time.perf_counter()
        EnterpriseModel(sc, "E")
        return time.perf_counter() - t0

    bo = [build() for _ in range(args.repeat)]
    bs = [build_solve(False) for _ in range(args.repeat)]
    bsv = [build_solve(True) for _ in range(args.repeat)]
    model = EnterpriseModel(sc, "E")
    first = model.solve()
    rs, rsv, inside = [], [], []
    for i in range(args.repeat):
        model.set_prices(nev_buy_price_cny_per_credit={2027: 1300.0 + 10 * (i + 1)})
        t0 = time.perf_counter()
        r = model.solve(verify=False)
        rs.append(time.perf_counter() - t0)
        inside.append(r.highs_seconds / r.solve_seconds)
    for i in range(args.repeat):
        model.set_prices(nev_buy_price_cny_per_credit={2027: 1600.0 + 10 * (i + 1)})
        t0 = time.perf_counter()
        model.solve(verify=True)
        rsv.append(time.perf_counter() - t0)
    m = model.model
    print(f"7-year enterprise LP: {m.nvariables()} variables, {m.nconstraints()} constraints; "
          f"cost {first.total_cost_cny:,.0f} CNY; {args.repeat} runs")

    def row(label: str, xs: list[float]) -> None:
        print(f"{label:34s} best {min(xs) * 1e3:7.2f} ms   median "
              f"{statistics.median(xs) * 1e3:7.2f} ms")

    row("build", bo)
    row("build + solve", bs)
    row("build + solve + verify_plan", bsv)
    row("re-solve after a price change", rs)
    print(f"{'':34s} target <= 3 ms: {'met' if statistics.median(rs) <= 0.003 else 'missed'}"
          " (median)")
    row("re-solve + verify_plan", rsv)
    ratio = statistics.median(bs) / statistics.median(rs)
    print(f"ratio (build + solve) / re-solve    {ratio:7.1f}")
    print(f"share of re-solve inside HiGHS      {statistics.median(inside):7.1%}")


if __name__ == "__main__":
    main()
