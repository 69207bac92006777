"""The one formulation behind the enterprise and the industry models (optimize.formulation).

Expected costs are worked out by hand in each test from the prices and positions; none is
copied from the model.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from optimize import EnterpriseModel, IndustryModel, parse_scenario

NEUTRAL = 1.8  # supply/demand ratio: no deposits (needs > 2.0), no release (needs < 1.5)

VARIABLES = ["credits_earned", "deficit_credits", "abated_credits", "credits_used",
             "credits_held", "nev_bought", "nev_sold", "reserve_bought", "cafc_transfer_in",
             "cea_surrendered_t_co2e", "credit_offsets_sold", "pool_deposited", "pool_stock",
             "pool_withdrawn", "uncovered_credits"]
CONSTRAINTS = ["position", "vintage_balance", "deficit_cover", "pool_stock_balance",
               "pool_deposit_share"]


def doc(enterprises, *, market=None, penalty=None, linkage=None):
    d = {"scenario": {"name": "formulation", "years": [2024, 2025], "discount_rate": 0.0},
         "enterprise": enterprises,
         "market": {"supply_demand_ratio": NEUTRAL, **(market or {})}}
    if penalty is not None:
        d["penalty"] = {"penalty_cny_per_credit": penalty}
    if linkage is not None:
        d["linkage"] = linkage
    return d


def ent(name, nev, *, cafc=(0, 0), group=None, abatement=None):
    e = {"name": name, "cafc_credits": list(cafc), "nev_credits": list(nev)}
    if group is not None:
        e["group"] = group
    if abatement is not None:
        e["abatement"] = abatement
    return e


PRICES = {"nev_buy_price_cny_per_credit": 1100.0, "nev_sell_price_cny_per_credit": 0.0}
SEG = [{"kind": "nev", "cost_cny_per_credit": 1500.0, "max_credits_per_year": 5000.0}]


def test_both_models_carry_the_named_components():
    e = [ent("A", [-1000, 200], abatement=SEG)]
    one = EnterpriseModel(parse_scenario(doc(e, market=PRICES, penalty=5000.0)), "A").model
    ind = IndustryModel(parse_scenario(doc([*e, ent("B", [500, 0])], penalty=5000.0))).model
    for m in (one, ind):
        for name in VARIABLES:
            assert isinstance(getattr(m, name), pyo.Var), name
        for name in CONSTRAINTS:
            assert isinstance(getattr(m, name), pyo.Constraint), name
    # every component is indexed by the enterprise first
    assert ("A", "nev", 2024) in one.position
    assert {k[0] for k in ind.position} == {"A", "B"}
    # market clearing and group transfers only where prices are an output
    assert hasattr(ind, "nev_market_clearing") and not hasattr(one, "nev_market_clearing")
    assert hasattr(ind, "cafc_transfer_out") and not hasattr(one, "cafc_transfer_out")
    assert hasattr(one, "cafc_transfer_cap")


def test_hook_with_the_named_components():
    # A short 1,000 NEV credits in 2024: buying at 1,100 beats abating at 1,500 ...
    d = doc([ent("A", [-1000, 0], abatement=SEG)], market=PRICES)
    assert EnterpriseModel(parse_scenario(d), "A").solve().total_cost_cny == \
        pytest.approx(1000 * 1100.0)

    def no_buying(m, model):
        m.no_buy = pyo.Constraint(expr=sum(m.nev_bought["A", 2024, g] for g in ("nev",)) == 0)

    # ... forbidden to buy, it abates: 1,000 x 1,500; the shadow price is the segment's cost
    model = EnterpriseModel(parse_scenario(d), "A", extra_functionality=no_buying)
    r = model.solve()
    assert r.total_cost_cny == pytest.approx(1000 * 1500.0)
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1500.0)
    # the hook's constraint holds after a re-solve at another price (Pyomo's own update)
    model.set_prices(nev_buy_price_cny_per_credit={2024: 100.0})
    assert model.solve().total_cost_cny == pytest.approx(1000 * 1500.0)


@pytest.mark.parametrize("price", [900.0, 1300.0, 2000.0])
def test_resolve_after_a_price_change_equals_a_fresh_build(price):
    # deficit 1,000 in 2024 and 500 in 2025; buy at `price`, or abate at 1,500 (<= 5,000 a
    # year), or leave uncovered at 1,800: cost = 1,500 x min(price, 1,500, 1,800)
    d = doc([ent("A", [-1000, -500], abatement=SEG)], market=PRICES, penalty=1800.0)
    model = EnterpriseModel(parse_scenario(d), "A")
    model.solve()
    model.set_prices(nev_buy_price_cny_per_credit={2024: price, 2025: price})
    r = model.solve()
    assert model._solver._vectorised_costs  # the one-call cost push was used
    assert r.total_cost_cny == pytest.approx(1500 * min(price, 1500.0, 1800.0))
    fresh = doc([ent("A", [-1000, -500], abatement=SEG)],
                market={"nev_buy_price_cny_per_credit": price,
                        "nev_sell_price_cny_per_credit": 0.0}, penalty=1800.0)
    assert r.total_cost_cny == pytest.approx(
        EnterpriseModel(parse_scenario(fresh), "A").solve().total_cost_cny)
    assert sum(r.cost_by_instrument_cny.values()) == pytest.approx(r.total_cost_cny)


def test_industry_resolve_pushes_the_new_penalty():
    # A short 1,000, B long 300: B's 300 clear at no cost; the other 700 are abated by A at
    # 1,500 or left uncovered at the penalty, whichever is cheaper
    d = doc([ent("A", [-1000, 0], abatement=SEG), ent("B", [300, 0])], penalty=2000.0)
    model = IndustryModel(parse_scenario(d))
    assert model.solve().total_cost_cny == pytest.approx(700 * 1500.0)
    model.set_prices(penalty_cny_per_credit=1000.0)
    r = model.solve()
    assert r.total_cost_cny == pytest.approx(700 * 1000.0)
    # the price is the marginal source: the penalty now
    p = r.prices.set_index("year")["nev_price_cny_per_credit"]
    assert p[2024] == pytest.approx(1000.0)
    model.load_solution()
    bought = np.array([v.value for v in model.model.nev_bought.values()])
    assert bought.sum() == pytest.approx(300.0)  # A buys B's 300 in 2024


def test_zero_position_price_from_the_mutable_right_hand_side():
    # a zero NEV position in 2025 (no abatement): the dual there is degenerate; one more
    # credit of requirement would be bought at 1,100
    d = doc([ent("A", [-1000, 0])], market=PRICES)
    model = EnterpriseModel(parse_scenario(d), "A")
    assert ("A", "nev", 2025) in model.model.zero_position_credits
    r = model.solve()
    assert r.shadow_price_nev_cny_per_credit[2025] == pytest.approx(1100.0)
    assert r.total_cost_cny == pytest.approx(1000 * 1100.0)
    # restored: the next solve is the original optimum
    assert model.solve().total_cost_cny == pytest.approx(1000 * 1100.0)
