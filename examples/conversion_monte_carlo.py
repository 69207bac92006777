"""Monte Carlo of the credit to CO2e conversion
============================================

How uncertain is "t CO2e per credit"? A Monte Carlo of the conversion assumptions, and the
carbon price implied by an NEV credit price against the CEA price.

The assumptions of the ``ttw-real-world`` conversion basis are drawn from the ranges of the
carbon-linkage reference (lifetime distance uniform 120,000-200,000 km, real-world gap uniform
1.14-1.37; edit RANGES to try your own, e.g. a triangular distribution); each draw gives the
t CO2e one credit stands for (an NEV credit by compliance equivalence: it clears one CAFC
credit). The 2021 average NEV credit price (2,088 CNY) divided by each draw gives the implied
carbon price, compared with the national ETS allowance (CEA) prices. Data: the library's
published series (conversions.nev_credit_prices, cea_prices), nothing invented.

Run from the repository root::

    python examples/conversion_monte_carlo.py [--out DIR] [--n 20000] [--seed 1]

Writes ``draws.csv`` and ``conversion_monte_carlo.png`` into ``--out`` (default: a new
temporary folder).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from conversions import (
    Q_,
    cea_prices,
    exchange_rate_interval,
    format_interval,
    get_basis,
    implied_carbon_price,
    nev_credit_price,
    sample_bases,
    tonnes_per_credit,
)

BASE = "ttw-real-world"
RANGES = {  # assumption -> (distribution, parameters...), Quantities or numbers in its unit
    "lifetime_distance": ("uniform", Q_(120_000, "km/vehicle"), Q_(200_000, "km/vehicle")),
    "real_world_gap": ("uniform", 1.14, 1.37),
}
LEVEL = 0.9

parser = argparse.ArgumentParser(description="Monte Carlo of credit <-> CO2e conversions.")
parser.add_argument("--n", type=int, default=20_000, help="number of draws")
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--out", type=Path, default=None,
                    help="folder for draws.csv and the chart (default: a temporary folder)")
args = parser.parse_args()
out = args.out or Path(tempfile.mkdtemp(prefix="conversion_monte_carlo_"))
out.mkdir(parents=True, exist_ok=True)

# 1. the exchange rate: t CO2e per credit
draws = sample_bases(args.n, RANGES, base=BASE, seed=args.seed)
interval = exchange_rate_interval(draws, coverage_share=LEVEL)
central = tonnes_per_credit(BASE).m_as("t_CO2e/cafc_credit")
print(f"{args.n:,} draws around '{BASE}' ({get_basis(BASE).description}):")
for key, (dist, *params) in RANGES.items():
    shown = [f"{p.m:,g} {p.units:~}" if hasattr(p, "units") else f"{p:g}" for p in params]
    print(f"    {key}: {dist} {', '.join(shown)}")
print(format_interval(interval, digits=2))
tpc = interval.loc["t_co2e_per_credit"]
print(f"    median {tpc['median']:.2f} t; the preset alone gives {central:.3f} t per credit")

# 2. the carbon price implied by a credit price, per draw (CNY per credit / t per credit)
price = nev_credit_price(2021)  # 2,088 CNY per NEV credit, the 2021 average
implied = price.m_as("CNY/nev_credit") * draws["credits_per_t_co2e"].to_numpy()
lo, med, hi = np.quantile(implied, [(1 - LEVEL) / 2, 0.5, (1 + LEVEL) / 2])
at_central = implied_carbon_price(price, BASE).m_as("CNY/t_CO2e")
print(f"\nA {price.m:,.0f} CNY NEV credit implies {lo:,.0f}\u2013{hi:,.0f} CNY/t CO2e "
      f"({100 * LEVEL:g} % interval; median {med:,.0f}, preset {at_central:,.0f}):\n"
      "the CEA price at which surrendering allowances costs as much as buying the credit.")
cea = cea_prices().set_index("year")["average_price_cny_per_t_co2e"]
print("Against the average CEA price of each year:")
for year, p in cea.items():
    print(f"    {year}: CEA {p:6.2f} CNY/t -> the credit prices carbon at "
          f"{lo / p:.1f}\u2013{hi / p:.1f} x the CEA price "
          f"({np.mean(implied > p):.0%} of draws above it)")

# 3. the histogram
draws.assign(implied_carbon_price_cny_per_t_co2e=implied).to_csv(out / "draws.csv", index=False)
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
a1.hist(draws["t_co2e_per_credit"], bins=60, color="tab:blue", alpha=0.8)
for v in (tpc["lower"], tpc["upper"]):
    a1.axvline(v, ls="--", color="k", lw=1)
a1.axvline(central, color="tab:red", lw=1.5, label=f"preset {BASE}: {central:.2f} t")
a1.set_xlabel("t CO2e per credit")
a1.set_ylabel("draws")
a1.set_title(f"exchange rate ({100 * LEVEL:g} % interval dashed)")
a1.legend(fontsize=8)
a2.hist(implied, bins=60, color="tab:green", alpha=0.8)
for v in (lo, hi):
    a2.axvline(v, ls="--", color="k", lw=1)
top = cea.idxmax()
a2.axvline(cea[top], color="tab:red", lw=1.5, label=f"CEA average {top}: {cea[top]:.0f} CNY/t")
a2.set_xlabel("implied carbon price [CNY/t CO2e]")
a2.set_title(f"{price.m:,.0f} CNY per NEV credit")
a2.legend(fontsize=8)
fig.tight_layout()
png = out / "conversion_monte_carlo.png"
fig.savefig(png, dpi=120)
plt.close(fig)
print(f"\nhistogram: {png}\ndraws: {out / 'draws.csv'}")
