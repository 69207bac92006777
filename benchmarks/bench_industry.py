"""Benchmark: the industry model on the calibrated illustrative industry, and sweeps.

Usage::

    python benchmarks/bench_industry.py [--points 1000] [--rebuilds 20] [--sweep 40]
                                        [--memory-scenarios 10000]

1. The calibrated 2023 industry (119 illustrative enterprises) over 2024-2030 with a CEA link:
   Pyomo build + HiGHS solve, against HiGHS alone (highspy) solving the same LP written out as
   an MPS file, in the same run (ratio; target <= 3).
2. A CEA-price sweep of ``--points`` prices on the persistent model (set_prices + re-solve)
   against rebuilding the model for each price (``--rebuilds`` rebuilds, per-point time
   compared).
3. Scenarios per second of ``run_scenarios`` with 1 and 2 worker processes (``--sweep``
   scenarios of the same industry).
4. Peak memory (max RSS of the parent and of the worker processes) of a
   ``--memory-scenarios`` sweep of the small three-enterprise example market
   (examples/industry_market.toml), streamed to disk with 2 workers.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import highspy

from linkage.industry import illustrative_industry
from optimize import industry_scenario_document, parse_scenario, run_scenarios
from optimize.industry import IndustryModel

YEARS = list(range(2024, 2031))
ROOT = Path(__file__).resolve().parents[1]


def industry_doc() -> dict:
    ind = illustrative_industry()
    return industry_scenario_document(
        ind,
        YEARS,
        linkage={"basis": "ttw-real-world", "cea_price": [96, 62, 80, 100, 110, 120, 130],
                 "max_cea_share_of_deficit": 0.2},
        penalty={"uncovered_credit_cny": 5000},
        name="calibrated illustrative industry 2024-2030",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--rebuilds", type=int, default=20)
    ap.add_argument("--sweep", type=int, default=40)
    ap.add_argument("--memory-scenarios", type=int, default=10_000)
    args = ap.parse_args()
    doc = industry_doc()
    sc = parse_scenario(doc)
    IndustryModel(sc).solve()  # warm-up

    # 1. Pyomo build + solve vs HiGHS alone on the same LP (MPS)
    t0 = time.perf_counter()
    model = IndustryModel(sc)
    t1 = time.perf_counter()
    res = model.solve(verify=False)
    t2 = time.perf_counter()
    m = model.model
    with tempfile.TemporaryDirectory() as tmp:
        mps = str(Path(tmp) / "industry.mps")
        m.write(mps, io_options={"symbolic_solver_labels": False})
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.readModel(mps)
        t3 = time.perf_counter()
        h.run()
        t4 = time.perf_counter()
        mps_obj = h.getInfo().objective_function_value
    build, solve, highs_alone = t1 - t0, t2 - t1, t4 - t3
    print(f"industry: {len(sc.enterprises)} enterprises x {len(YEARS)} years, "
          f"{m.nvariables():,} variables, {m.nconstraints():,} constraints")
    print(f"  Pyomo build            {build * 1e3:9.1f} ms")
    print(f"  solve (Pyomo + HiGHS)  {solve * 1e3:9.1f} ms  (HiGHS's own time "
          f"{res.highs_seconds * 1e3:.1f} ms)")
    print(f"  HiGHS alone on MPS     {highs_alone * 1e3:9.1f} ms   objective "
          f"{mps_obj:,.0f} vs {res.total_cost_cny:,.0f}")
    print(f"  ratio (build + solve) / HiGHS alone  {(build + solve) / highs_alone:6.2f}")
    t0 = time.perf_counter()
    model.solve(verify=True)
    print(f"  solve + verify_plan    {(time.perf_counter() - t0) * 1e3:9.1f} ms")

    # 2. CEA sweep: persistent re-solve vs rebuild
    prices = [40 + 160 * i / max(args.points - 1, 1) for i in range(args.points)]
    t0 = time.perf_counter()
    for p in prices:
        model.set_prices(cea_price=dict.fromkeys(YEARS, p))
        model.solve(verify=False)
    per_resolve = (time.perf_counter() - t0) / args.points
    rebuild = []
    for p in prices[: args.rebuilds]:
        d = {**doc, "linkage": {**doc["linkage"], "cea_price": p}}
        s = parse_scenario(d)
        t0 = time.perf_counter()
        IndustryModel(s).solve(verify=False)
        rebuild.append(time.perf_counter() - t0)
    per_rebuild = statistics.median(rebuild)
    print(f"CEA sweep, {args.points} points: re-solve {per_resolve * 1e3:.1f} ms/point "
          f"({per_resolve * args.points:.1f} s); rebuild {per_rebuild * 1e3:.1f} ms/point "
          f"(median of {args.rebuilds}); ratio rebuild / re-solve "
          f"{per_rebuild / per_resolve:.1f}")

    # 3. scenarios per second, 1 and 2 workers (run_scenarios, verified plans)
    changes = [{"linkage.cea_price": 40 + 4 * i} for i in range(args.sweep)]
    for workers in (1, 2):
        ex = ProcessPoolExecutor(workers) if workers > 1 else None
        t0 = time.perf_counter()
        run_scenarios(doc, changes, executor=ex, batch_size=max(args.sweep // (2 * workers), 1),
                      progress=False)
        dt = time.perf_counter() - t0
        if ex:
            ex.shutdown()
        print(f"sweep of {args.sweep} industry scenarios, {workers} worker(s): "
              f"{args.sweep / dt:.2f} scenarios/s")

    # 4. peak memory of a large streamed sweep (small market)
    small = ROOT / "examples" / "industry_market.toml"
    changes = [{"linkage.cea_price": 0.02 * i} for i in range(args.memory_scenarios)]
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(2) as ex:
        t0 = time.perf_counter()
        table = run_scenarios(small, changes, executor=ex, batch_size=250, out=tmp,
                              progress=False)
        dt = time.perf_counter() - t0
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{args.memory_scenarios:,}-scenario sweep of the 3-enterprise market, 2 workers: "
          f"{dt:.0f} s, {len(table):,} rows; peak RSS parent {me:.0f} MiB, "
          f"largest worker {kids:.0f} MiB")


if __name__ == "__main__":
    main()
