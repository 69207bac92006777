"""NEV credit price against the CEA price, three linkage designs
=============================================================

Equilibrium NEV credit price against the carbon-allowance (CEA) price under three linkage
designs, with a chart.

ILLUSTRATIVE: the three enterprises of examples/industry_market.toml are invented. For each
CEA price the industry model (all enterprises in one LP, NEV credits traded among them) gives
the market-clearing NEV credit price of each year under:

- "no linkage": the scenario without its [linkage] table (the CEA price plays no part);
- "CEA -> credits (20 % cap)": CEA may be surrendered for at most 20 % of a deficit;
- "CEA -> credits (no cap)": CEA may clear a whole deficit.

Run from the repository root::

    python examples/cea_price_sweep.py [--out DIR] [--workers 2]

Writes ``results.csv`` and ``nev_price_vs_cea_price.png`` into ``--out`` (default: a new
temporary folder).
"""

from __future__ import annotations

import argparse
import copy
import tempfile
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd

from conversions import tonnes_per_credit
from optimize import expand_grid, run_scenarios

HERE = Path(__file__).resolve().parent
CEA_PRICES = [0, 25, 50, 75, 100, 125, 150, 175, 200]  # CNY/t CO2e
DESIGNS = {  # label -> linkage.max_cea_deficit_share; None: the [linkage] table removed
    "no linkage": None,
    "CEA -> credits (20 % cap)": 0.2,
    "CEA -> credits (no cap)": 1.0,
}
# wide pale "no linkage" line, so that a design with the same prices stays visible on top
STYLES = [{"lw": 5, "alpha": 0.35}, {"marker": "o", "ms": 3}, {"marker": "s", "ms": 3}]


def main() -> None:
    parser = argparse.ArgumentParser(description="NEV credit price vs CEA price.")
    parser.add_argument("--scenario", type=Path, default=HERE / "industry_market.toml")
    parser.add_argument("--workers", type=int, default=0,
                        help="processes for the sweep (default 0: serial)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for results.csv and the chart (default: a temporary folder)")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="cea_price_sweep_"))
    out.mkdir(parents=True, exist_ok=True)

    with open(args.scenario, "rb") as fh:
        doc = tomllib.load(fh)
    basis = doc["linkage"].get("basis", "ttw-real-world")
    no_link = copy.deepcopy(doc)
    del no_link["linkage"]  # without the table the scenario has no carbon-market link

    executor = ProcessPoolExecutor(args.workers) if args.workers > 0 else None
    try:
        frames = []
        for label, cap in DESIGNS.items():
            if cap is None:
                # one solve: the CEA price does not enter; repeated below for every CEA price
                t = run_scenarios(no_link, [{}], model="industry", progress=False)
                t = pd.concat([t.assign(cea_price_cny_per_t_co2e=p) for p in CEA_PRICES],
                              ignore_index=True)
            else:
                changes = expand_grid({"linkage.max_cea_deficit_share": [cap],
                                       "linkage.cea_price_cny_per_t_co2e": CEA_PRICES})
                t = run_scenarios(doc, changes, model="industry", executor=executor,
                                  batch_size=5, progress=False)
                t = t.rename(columns={"set:linkage.cea_price_cny_per_t_co2e":
                                      "cea_price_cny_per_t_co2e"})
            frames.append(t.assign(design=label))
    finally:
        if executor is not None:
            executor.shutdown()
    res = pd.concat(frames, ignore_index=True)
    bad = res[res["status"] != "optimal"]
    if not bad.empty:
        raise SystemExit(f"{len(bad)} scenario-years not optimal:\n{bad[['design', 'status']]}")
    keep = ["design", "cea_price_cny_per_t_co2e", "year", "nev_price_cny_per_credit",
            "implied_carbon_price_cny_per_t_co2e", "cea_surrendered_t_co2e", "abated_credits",
            "uncovered_credits", "total_cost_cny"]
    res[keep].to_csv(out / "results.csv", index=False)

    # the table: rows CEA price, columns design, one block per year
    years = sorted(res["year"].unique())
    print(f"Equilibrium NEV credit price [CNY/credit] by CEA price [CNY/t CO2e], "
          f"{doc['scenario']['name']}:")
    for y in years:
        table = (res[res["year"] == y]
                 .pivot(index="cea_price_cny_per_t_co2e", columns="design",
                        values="nev_price_cny_per_credit")
                 [list(DESIGNS)].round(0).astype(int))
        table.index.name, table.columns.name = f"{y}, CEA price", None
        print()
        print(table.to_string())
    tpc = tonnes_per_credit(basis).m_as("t_CO2e/cafc_credit")
    print(f"\nWith CEA surrender the NEV price cannot exceed CEA price x {tpc:.3f} t CO2e per "
          f"credit ({basis}); under the 20 % cap the rest of each deficit still needs credits.")

    # the chart: one panel per year
    fig, axes = plt.subplots(1, len(years), figsize=(4.2 * len(years), 4), sharey=True)
    for ax, y in zip(axes, years, strict=True):
        for label, style in zip(DESIGNS, STYLES, strict=True):
            s = res[(res["year"] == y) & (res["design"] == label)].sort_values(
                "cea_price_cny_per_t_co2e")
            ax.plot(s["cea_price_cny_per_t_co2e"], s["nev_price_cny_per_credit"], label=label,
                    **style)
        ax.plot(CEA_PRICES, [p * tpc for p in CEA_PRICES], ls=":", color="grey",
                label=f"CEA price x {tpc:.2f} t/credit")
        ax.set_title(str(y))
        ax.set_xlabel("CEA price [CNY/t CO2e]")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("equilibrium NEV credit price [CNY/credit]")
    axes[0].legend(fontsize=8)
    fig.suptitle("ILLUSTRATIVE three-enterprise market: NEV credit price vs CEA price")
    fig.tight_layout()
    png = out / "nev_price_vs_cea_price.png"
    fig.savefig(png, dpi=120)
    plt.close(fig)
    print(f"\nchart: {png}\nresults: {out / 'results.csv'}")


if __name__ == "__main__":  # needed for --workers (process pools re-import this file)
    main()
