"""Random scenarios: the optimizer's plan is legal and never dearer than the rule-following
simulator on the same inputs; re-solving after a price change equals a fresh build.

Deterministic: every scenario comes from ``numpy.random.default_rng([SEED, i])``.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from linkage.ledger import Strategy, simulate, verify_plan
from linkage.pool import ReserveVariant
from linkage.rules import default_rules
from optimize import EnterpriseModel, parse_scenario

SEED = 20240611
E = "Random Motors"
RATIOS = (1.0, 1.2, 1.49, 1.5, 1.8, 2.0, 2.01, 2.5, 3.0)  # around both pool triggers


def _credits(rng, n):
    """Signed credit positions, with some exact zeros."""
    x = rng.integers(-3000, 3001, n).astype(float)
    x[rng.random(n) < 0.15] = 0.0
    return [float(v) for v in x]


def random_case(rng):
    n = int(rng.integers(2, 6))  # 2-5 years
    first = int(rng.integers(2024, 2031 - n + 1))  # within 2024-2030
    years = list(range(first, first + n))
    cafc, nev = _credits(rng, n), _credits(rng, n)
    eligible = [bool(b) for b in rng.random(n) < 0.6]
    ratio = [float(rng.choice(RATIOS)) for _ in years]
    buy = [float(round(rng.uniform(100, 3000), 2)) for _ in years]
    sell = [float(round(b * rng.uniform(0, 1), 2)) for b in buy]
    penalty = float(round(rng.uniform(500, 10000), 2))
    discount = float(rng.choice([0.0, 0.0, 0.05, 0.1]))
    opening: dict[str, dict[str, float]] = {}
    for inst, p in (("cafc", 0.3), ("nev", 0.3), ("pool", 0.2)):
        if rng.random() < p:
            v = int(rng.integers(first - 6, first))
            opening[inst] = {str(v): float(rng.integers(0, 3000))}
    reserve = float(round(rng.uniform(100, 3000), 2)) if rng.random() < 0.3 else None
    strategy = Strategy(
        use_carried=bool(rng.random() < 0.8),
        nev_for_cafc=bool(rng.random() < 0.8),
        withdraw_from_pool=bool(rng.random() < 0.8),
        buy=bool(rng.random() < 0.85),
        buy_reserve=bool(rng.random() < 0.8),
        deposit_share=float(rng.choice([0.0, 0.5, 1.0])),
        sell_share=float(rng.choice([0.0, 0.3, 1.0])),
    )
    market = {"nev_buy_price_cny_per_credit": buy, "nev_sell_price_cny_per_credit": sell,
              "supply_demand_ratio": ratio}
    if reserve is not None:
        market["reserve_price_cny_per_credit"] = reserve
    ent = {"name": E, "cafc_credits": cafc, "nev_credits": nev,
           "nev_carry_eligible": eligible}
    if opening:
        ent["opening"] = opening
    doc = {"scenario": {"name": "random", "years": years, "discount_rate": discount},
           "enterprise": [ent], "market": market,
           "penalty": {"penalty_cny_per_credit": penalty}}
    return doc, strategy


def simulated_cost(doc, strategy):
    """Discounted cost of the rule-following strategy on the same inputs [CNY]."""
    sc, ent = doc["scenario"], doc["enterprise"][0]
    mk = doc["market"]
    years = sc["years"]
    statements = pd.DataFrame({
        "enterprise": E, "year": years, "group": E,
        "cafc_credits": ent["cafc_credits"], "nev_credits": ent["nev_credits"],
        "nev_carry_eligible": ent["nev_carry_eligible"],
    })
    prices = pd.DataFrame({"year": years,
                           "nev_buy_price_cny_per_credit": mk["nev_buy_price_cny_per_credit"],
                           "nev_sell_price_cny_per_credit": mk["nev_sell_price_cny_per_credit"]})
    opening = pd.DataFrame(
        [(E, inst, int(v), q) for inst, tab in ent.get("opening", {}).items()
         for v, q in tab.items()],
        columns=["enterprise", "instrument", "vintage", "quantity"])
    reserve = ReserveVariant(mk.get("reserve_price_cny_per_credit"))
    ratios = dict(zip(years, mk["supply_demand_ratio"], strict=True))
    res = simulate(statements, years, default_rules(), prices, strategy,
                   supply_demand_ratio=ratios, reserve=reserve,
                   opening=opening if len(opening) else None)
    # the simulator follows the rules: its plan is legal too
    assert verify_plan(res.transactions, statements, default_rules(), years=years,
                       supply_demand_ratio=ratios, reserve=reserve,
                       opening=opening if len(opening) else None) == []
    r = sc["discount_rate"]
    penalty = doc["penalty"]["penalty_cny_per_credit"]
    disc = {y: (1.0 + r) ** -(y - years[0]) for y in years}
    tx = res.transactions
    cost = sum(-float(c) * disc[int(y)] for y, c in zip(tx["year"], tx["cash_flow_cny"],
                                                          strict=True))
    unc = res.uncovered_deficits
    cost += sum(penalty * float(q) * disc[int(y)] for y, q in zip(unc["year"],
                                                                 unc["quantity"], strict=True))
    return cost


@pytest.mark.parametrize("i", range(200))
def test_optimum_is_legal_and_never_dearer_than_the_simulator(i):
    rng = np.random.default_rng([SEED, i])
    doc, strategy = random_case(rng)
    model = EnterpriseModel(parse_scenario(doc, file=f"random-{i}"), E)
    result = model.solve()
    assert model.verify(result.plan) == []
    assert sum(result.cost_by_instrument_cny.values()) == pytest.approx(result.total_cost_cny,
                                                                    rel=1e-9, abs=1e-6)
    sim = simulated_cost(doc, strategy)
    assert result.total_cost_cny <= sim + 1e-6 * max(1.0, abs(sim)), (doc, strategy)


def _random_prices(rng, years):
    buy = {y: float(round(rng.uniform(100, 3000), 2)) for y in years}
    sell = {y: float(round(buy[y] * rng.uniform(0, 1), 2)) for y in years}
    cea = {y: float(round(rng.uniform(20, 300), 2)) for y in years}
    return buy, sell, cea, float(round(rng.uniform(3000, 10000), 2))


@pytest.mark.parametrize("i", range(20))
def test_resolve_after_a_price_change_equals_a_fresh_build(i):
    rng = np.random.default_rng([SEED, 1000 + i])
    doc, _ = random_case(rng)
    years = doc["scenario"]["years"]
    doc["linkage"] = {"exchange_rate_credits_per_t_co2e": float(rng.uniform(0.1, 0.5)),
                      "cea_price_cny_per_t_co2e": [float(round(rng.uniform(20, 300),
                                                               2)) for _ in years],
                      "max_cea_deficit_share": float(rng.choice([0.0, 0.2, 1.0])),
                      "cea_clears": [["cafc"], ["nev"], ["cafc", "nev"]][int(rng.integers(3))]}
    model = EnterpriseModel(parse_scenario(doc, file=f"resolve-{i}"), E)
    model.solve()
    buy, sell, cea, penalty = _random_prices(rng, years)
    model.set_prices(nev_buy_price_cny_per_credit=buy, nev_sell_price_cny_per_credit=sell,
                     cea_price_cny_per_t_co2e=cea,
                     penalty_cny_per_credit=penalty)
    again = model.solve()
    assert model.verify(again.plan) == []

    fresh_doc = copy.deepcopy(doc)
    fresh_doc["market"]["nev_buy_price_cny_per_credit"] = [buy[y] for y in years]
    fresh_doc["market"]["nev_sell_price_cny_per_credit"] = [sell[y] for y in years]
    fresh_doc["linkage"]["cea_price_cny_per_t_co2e"] = [cea[y] for y in years]
    fresh_doc["penalty"]["penalty_cny_per_credit"] = penalty
    fresh_model = EnterpriseModel(parse_scenario(fresh_doc, file=f"fresh-{i}"), E)
    fresh = fresh_model.solve()
    assert fresh_model.verify(fresh.plan) == []
    assert again.total_cost_cny == pytest.approx(fresh.total_cost_cny, rel=1e-7, abs=1e-4)


@pytest.mark.parametrize("i", range(40))
def test_shadow_price_is_a_subgradient_of_the_cost(i):
    """The optimal cost is convex in each credit position B; its shadow price sp (money of the
    year, + = cost of one more credit of requirement) satisfies, for a step d that keeps the
    sign of B, with delta = discount factor of the year:
    cost(B - d) >= cost(B) + sp x delta x d  and  cost(B + d) >= cost(B) - sp x delta x d."""
    rng = np.random.default_rng([SEED, 2000 + i])
    doc, _ = random_case(rng)
    ent = doc["enterprise"][0]
    for k in ("cafc_credits", "nev_credits"):  # keep away from 0, where the model changes form
        ent[k] = [v if abs(v) >= 2 else 500.0 for v in ent[k]]
    years = doc["scenario"]["years"]
    j = int(rng.integers(len(years)))
    kind = ("cafc", "nev")[int(rng.integers(2))]
    y = years[j]
    b = ent[f"{kind}_credits"][j]
    step = min(1.0, abs(b) / 2)

    def cost(shift):
        d = copy.deepcopy(doc)
        d["enterprise"][0][f"{kind}_credits"][j] = b + shift
        m = EnterpriseModel(parse_scenario(d, file=f"subgradient-{i}"), E)
        r = m.solve()
        assert m.verify(r.plan) == []
        return r

    base = cost(0.0)
    sp = (base.shadow_price_cafc_cny_per_credit if kind == "cafc"
          else base.shadow_price_nev_cny_per_credit)[y]
    delta = (1.0 + doc["scenario"]["discount_rate"]) ** -(y - years[0])
    f0 = base.total_cost_cny
    tol = 1e-6 * max(1.0, abs(f0))
    assert cost(-step).total_cost_cny >= f0 + sp * delta * step - tol, (doc, kind, y, sp)
    assert cost(+step).total_cost_cny >= f0 - sp * delta * step - tol, (doc, kind, y, sp)
