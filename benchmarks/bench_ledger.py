"""Benchmark: the multi-year ledger on 150 enterprises x 7 years, against accounting once.

Usage::

    python benchmarks/bench_ledger.py [--enterprises 150] [--models 40] [--repeat 3]

Builds a synthetic fleet (150 enterprises, 2021-2027, ``--models`` models per enterprise and
year, every powertrain), accounts it once with :func:`linkage.compute_credits` (the baseline),
then times :func:`linkage.ledger.simulate` and :func:`linkage.ledger.verify_plan` on the
resulting statements (affiliate groups of three, ratio computed from the statements, prices
given) and prints each time and its ratio to the accounting time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from bench_accounting import best_of, synthetic_fleet

from linkage import compute_credits
from linkage.ledger import simulate, verify_plan
from linkage.rules import default_rules


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=150)
    ap.add_argument("--models", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = args.enterprises * 7 * args.models
    fleet = synthetic_fleet(rows, seed=1)
    rng = np.random.default_rng(1)
    fleet["enterprise"] = "E" + rng.integers(0, args.enterprises, rows).astype(str).astype(object)
    # volumes large enough that most enterprises face a NEV requirement
    fleet["volume_vehicles"] = rng.integers(500, 4000, rows)
    rules = default_rules()
    t_acc, res = best_of(lambda: compute_credits(fleet, rules=rules), args.repeat)
    st = res.statements.copy()
    st["group"] = "G" + (st["enterprise"].str[1:].astype(int) // 3).astype(str)
    years = range(2021, 2028)
    prices = {y: 1000.0 - 100 * (y - 2021) for y in years}
    t_sim, led = best_of(lambda: simulate(st, years, rules, prices), args.repeat)
    t_ver, problems = best_of(
        lambda: verify_plan(led.transactions, st, rules, years=years), args.repeat
    )
    assert problems == [], problems[:3]
    n = len(st)
    print(f"{st['enterprise'].nunique()} enterprises x 7 years = {n} statements from "
          f"{rows:,} model rows; {len(led.transactions):,} transactions; best of {args.repeat}")
    print(f"accounting (baseline)  {t_acc * 1e3:8.1f} ms")
    print(f"ledger simulate        {t_sim * 1e3:8.1f} ms   ratio {t_sim / t_acc:5.2f}")
    print(f"ledger verify_plan     {t_ver * 1e3:8.1f} ms   ratio {t_ver / t_acc:5.2f}")


if __name__ == "__main__":
    main()
