"""Least-cost compliance with and without a carbon-market link
===========================================================

An enterprise's least-cost compliance plan, with and without a carbon-market link.

ILLUSTRATIVE: the enterprise and its positions are invented. Run from the repository root::

    python examples/enterprise_compliance.py
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

from optimize import EnterpriseModel, parse_scenario

HERE = Path(__file__).parent

with open(HERE / "enterprise_compliance.toml", "rb") as fh:
    doc = tomllib.load(fh)

without = copy.deepcopy(doc)
del without["linkage"]

for label, d in (("without linkage", without), ("with CEA surrender (20 % cap)", doc)):
    sc = parse_scenario(d, file="enterprise_compliance.toml", base=HERE)
    name = sc.enterprises[0].name
    res = EnterpriseModel(sc, name).solve()  # the plan is verified against every rule
    print(f"{label}: total cost {res.total_cost_cny:,.0f} CNY")
    for lever, cost in res.cost_by_instrument_cny.items():
        if abs(cost) > 0.5:
            print(f"    {lever:18s} {cost:16,.0f} CNY")
    print("    NEV shadow price [CNY/credit]:",
          {y: round(v) for y, v in res.shadow_price_nev_cny_per_credit.items()})
    print("    implied carbon price [CNY/t CO2e]:",
          {y: round(v, 1) for y, v in res.implied_carbon_price_cny_per_t_co2e.items()})

# a price sweep on the persistent model: NEV credits dearer in 2027
model = EnterpriseModel(parse_scenario(doc, base=HERE), doc["enterprise"][0]["name"])
for price in (1300, 1600, 2000, 2500):
    model.set_prices(nev_buy_price_cny_per_credit={2027: float(price)})
    r = model.solve()
    print(f"2027 NEV price {price:5d} CNY/credit -> total cost {r.total_cost_cny:,.0f} CNY")
