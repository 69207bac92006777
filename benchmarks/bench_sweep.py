"""Benchmark: an industry sweep on 1 and 2 worker processes.

Usage::

    python benchmarks/bench_sweep.py [--sweep 40] [--workers 1 2] [--batches-per-worker 1]

Sweeps ``--sweep`` CEA prices of the calibrated illustrative industry 2024-2030 (the document of
``bench_industry.py``) through :func:`optimize.run_scenarios` with verified plans: serially for
1 worker, on a :func:`optimize.sweep.process_pool` otherwise. Each worker gets
``--batches-per-worker`` batches (batch size = scenarios / (workers x batches per worker),
rounded up): a batch translates its model to HiGHS once (about 0.6 s for this industry) and
re-prices it for every further scenario (about 0.07 s each, verification included), so fewer,
larger batches per worker pay that fixed cost less often.

Printed per worker count: wall time, scenarios per second, the CPU time of the parent and of
the workers, and the machine's load average before the run; then the wall-time ratio of the
first worker count to each other. On a shared machine the wall-time ratio falls short of the
CPU-time one whenever other processes hold a core: compare both, and the load.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_industry import industry_doc, sweep_seconds

from optimize import run_scenarios


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sweep", type=int, default=40)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--batches-per-worker", type=int, default=1)
    args = ap.parse_args()
    doc = industry_doc()
    run_scenarios(doc, [{"linkage.cea_price_cny_per_t_co2e": 50}],
                  progress=False)  # warm-up (imports, rules)
    walls = {}
    for w in args.workers:
        load = os.getloadavg()[0]
        wall, cpu_parent, cpu_workers, batch = sweep_seconds(doc, args.sweep, w,
                                                             args.batches_per_worker)
        walls[w] = wall
        print(f"sweep of {args.sweep} industry scenarios, {w} worker(s), batch {batch}: "
              f"{wall:.2f} s wall, {args.sweep / wall:.2f} scenarios/s; CPU parent "
              f"{cpu_parent:.2f} s, workers {cpu_workers:.2f} s; load before {load:.2f}")
    first = args.workers[0]
    for w in args.workers[1:]:
        print(f"speed-up {w} vs {first} worker(s): {walls[first] / walls[w]:.2f}x (wall)")


if __name__ == "__main__":
    main()
