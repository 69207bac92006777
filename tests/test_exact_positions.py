"""``[scenario] positions = "exact"``: technology can flip a year's sign (binaries, big-M).

Every expected number is worked out in the test from the scenario's data; none is copied from
the model. Every plan passes the ledger's verifier (which forbids a surplus and a deficit of
one kind in one year). One-year scenarios at a neutral supply/demand ratio (no pool), no
discounting.
"""

from __future__ import annotations

import pytest

from optimize import EnterpriseModel, ScenarioError, parse_scenario
from optimize.formulation import build_formulation
from optimize.industry import IndustryModel

NEUTRAL = 1.8  # supply/demand ratio: no deposits (needs > 2.0), no release (needs < 1.5)
MODES = ("fixed_sign", "exact")


def option(name, cost, max_units, cafc=0.0, nev=0.0, co2=0.0):
    return {"name": name, "cost_cny_per_unit": cost, "max_units_per_year": max_units,
            "cafc_credits_per_unit": cafc, "nev_credits_per_unit": nev,
            "co2_change_t_co2e_per_unit": co2}


def ent(name, cafc, nev, *options):
    return {"name": name, "cafc_credits": [cafc], "nev_credits": [nev],
            "technology": list(options)}


def doc(*enterprises, market=None, linkage=None, penalty=None, positions=None):
    d = {"scenario": {"name": "exact", "years": [2024]},
         "enterprise": list(enterprises),
         "market": {"supply_demand_ratio": NEUTRAL, **(market or {})}}
    if positions is not None:
        d["scenario"]["positions"] = positions
    if linkage is not None:
        d["linkage"] = linkage
    if penalty is not None:
        d["penalty"] = {"penalty_cny_per_credit": penalty}
    return d


def solve_enterprise(d, name, positions=None):
    model = EnterpriseModel(parse_scenario(d, file="exact.toml"), name, positions=positions)
    r = model.solve()
    assert model.verify(r.plan) == []
    return r


def solve_industry(d, positions=None):
    model = IndustryModel(parse_scenario(d, file="exact.toml"), positions=positions)
    r = model.solve()
    assert r.status == "optimal"
    assert model.verify(r.plan) == []
    return r


def qty(plan, action, instrument=None, enterprise=None):
    m = plan["action"] == action
    if instrument is not None:
        m &= plan["instrument"] == instrument
    if enterprise is not None:
        m &= plan["enterprise"] == enterprise
    return float(plan.loc[m, "quantity"].sum())


# NEV deficit 1,000; option 200 CNY for +2 NEV credits (100 per credit), at most 2,000 units;
# credits sell at 900.
SELLER = doc(ent("A", 0, -1000, option("bev", 200.0, 2000.0, nev=2.0)),
             market={"nev_buy_price_cny_per_credit": 1000.0,
                     "nev_sell_price_cny_per_credit": 900.0})


def test_fixed_sign_option_at_most_erases_the_deficit():
    r = solve_enterprise(SELLER, "A", "fixed_sign")
    # 1,000 credits / 2 per unit = 500 units x 200 = 100,000; nothing to sell
    assert qty(r.plan, "technology") == pytest.approx(500.0)
    assert qty(r.plan, "sell") == 0.0
    assert r.total_cost_cny == pytest.approx(100_000.0)
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(200.0 / 2.0)


def test_exact_deficit_firm_becomes_a_seller_through_technology():
    r = solve_enterprise(SELLER, "A", "exact")
    # every unit is worth 2 x 900 = 1,800 > 200 as soon as the deficit is gone: all 2,000
    # units -> 4,000 credits, 1,000 erase the deficit, 3,000 sold at 900
    units, credits = 2000.0, 2000.0 * 2.0
    surplus = credits - 1000.0
    assert qty(r.plan, "technology") == pytest.approx(units)
    assert qty(r.plan, "earn", "nev") == pytest.approx(surplus)
    assert qty(r.plan, "sell", "nev") == pytest.approx(surplus)
    assert qty(r.plan, "deficit", "nev_deficit") == 0.0
    assert r.total_cost_cny == pytest.approx(units * 200.0 - surplus * 900.0)  # -2,300,000
    # at the optimal sign (surplus) one more credit of requirement is one credit less sold
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(900.0)


def test_scenario_key_selects_the_mode_and_the_keyword_overrides_it():
    d = {**SELLER, "scenario": {**SELLER["scenario"], "positions": "exact"}}
    assert solve_enterprise(d, "A").total_cost_cny == pytest.approx(-2_300_000.0)
    assert solve_enterprise(d, "A", "fixed_sign").total_cost_cny == pytest.approx(100_000.0)
    assert solve_enterprise(SELLER, "A").total_cost_cny == pytest.approx(100_000.0)


def test_exact_re_solve_frees_the_binaries_again():
    # a price change that makes selling worthless: the sign goes back to deficit
    model = EnterpriseModel(parse_scenario(SELLER, file="exact.toml"), "A", positions="exact")
    assert model.solve().total_cost_cny == pytest.approx(-2_300_000.0)
    model.set_prices(nev_sell_price_cny_per_credit={2024: 50.0})  # 2 x 50 = 100 < 200 per unit
    r = model.solve()
    assert qty(r.plan, "technology") == pytest.approx(500.0)
    assert r.total_cost_cny == pytest.approx(100_000.0)
    model.set_prices(nev_sell_price_cny_per_credit={2024: 900.0})
    assert model.solve().total_cost_cny == pytest.approx(-2_300_000.0)


def test_big_m_values_per_row():
    # NEV: B = -1,000, up = 2 x 2,000 = 4,000, down = 0 -> M_s = 3,000, M_d = 1,000
    # CAFC: B = +600, up = 0, down = 0.5 x 2,000 = 1,000 -> M_s = 600, M_d = 400
    d = doc(ent("A", 600, -1000, option("shift", 200.0, 2000.0, cafc=-0.5, nev=2.0)),
            market={"nev_buy_price_cny_per_credit": 1000.0, "nev_sell_price_cny_per_credit": 900.0})
    sc = parse_scenario(d, file="exact.toml")
    f = build_formulation(sc, sc.enterprises, nev_prices="given", positions="exact")
    flips = f.sets.flips.set_index("kind")
    assert flips.loc["nev", "big_m_surplus_credits"] == pytest.approx(3000.0)
    assert flips.loc["nev", "big_m_deficit_credits"] == pytest.approx(1000.0)
    assert flips.loc["cafc", "big_m_surplus_credits"] == pytest.approx(600.0)
    assert flips.loc["cafc", "big_m_deficit_credits"] == pytest.approx(400.0)
    assert len(f.model.in_deficit) == 2
    fixed = build_formulation(sc, sc.enterprises, nev_prices="given")
    assert fixed.binaries is None and fixed.sets.flips.empty


def test_exact_two_kind_option_may_run_a_cafc_surplus_into_deficit():
    # CAFC +600, each unit costs 0.5 CAFC credit. A CAFC deficit is cleared by the
    # enterprise's own NEV credits (each worth 900, the sell price; cheaper than buying at
    # 1,000 or the 1,000 penalty). Each unit: +2 x 900 NEV revenue - 200 - the CAFC loss.
    # While the CAFC surplus lasts (1,200 units) a unit loses 0.5 x 0 (surplus CAFC credits
    # have no market here); beyond it 0.5 x 900 = 450: 1,800 - 200 - 450 > 0, so all
    # 2,000 units: NEV 4,000 - 1,000 = 3,000; CAFC 600 - 1,000 = -400, cleared by 400 NEV
    # credits; 2,600 NEV credits sold.
    d = doc(ent("A", 600, -1000, option("shift", 200.0, 2000.0, cafc=-0.5, nev=2.0)),
            market={"nev_buy_price_cny_per_credit": 1000.0,
                    "nev_sell_price_cny_per_credit": 900.0}, penalty=1000.0)
    fixed = solve_enterprise(d, "A", "fixed_sign")
    exact = solve_enterprise(d, "A", "exact")
    # fixed sign: NEV deficit can at most be erased (500 units) and the CAFC surplus at most
    # used up (1,200 units): 500 units, cost 100,000
    assert fixed.total_cost_cny == pytest.approx(500 * 200.0)
    assert qty(exact.plan, "technology") == pytest.approx(2000.0)
    assert qty(exact.plan, "deficit", "cafc_deficit") == pytest.approx(400.0)
    assert qty(exact.plan, "sell", "nev") == pytest.approx(3000.0 - 400.0)
    assert qty(exact.plan, "uncovered") == 0.0
    assert exact.total_cost_cny == pytest.approx(2000 * 200.0 - (3000 - 400) * 900.0)


def test_exact_no_surplus_sold_while_a_deficit_of_the_kind_is_covered_by_cea():
    # Cheap CEAs (100 CNY/t at 0.5 credit/t = 200/credit) and a sell price of 900: without
    # the binaries the LP could sell technology credits and cover an artificial deficit of
    # the same kind with CEAs. No exact plan does.
    link = {"exchange_rate_credits_per_t_co2e": 0.5, "cea_price_cny_per_t_co2e": 100.0,
            "allow_cea_for_deficits": True, "cea_clears": ["cafc", "nev"]}
    d = doc(ent("A", -300, -1000, option("bev", 600.0, 5000.0, cafc=0.5, nev=2.0)),
            ent("B", -300, 500, option("bev", 600.0, 5000.0, cafc=0.5, nev=2.0)),
            market={"nev_buy_price_cny_per_credit": 1000.0,
                    "nev_sell_price_cny_per_credit": 900.0}, linkage=link)
    for name in ("A", "B"):
        p = solve_enterprise(d, name, "exact").plan
        assert qty(p, "technology") > 0.0, name  # the case exercises the flip
        for kind in ("cafc", "nev"):
            sold = p[p["action"].isin(["sell", "sell_offset", "transfer_out"])
                     & (p["instrument"] == kind) & (p["quantity"] > 1e-7)]
            covered = p[(p["instrument"] == "cea") & (p["action"] == f"offset_{kind}")
                        & (p["quantity"] > 1e-7)]
            deficit = p[(p["action"] == "deficit") & (p["instrument"] == f"{kind}_deficit")
                        & (p["quantity"] > 1e-7)]
            earned = p[(p["action"] == "earn") & (p["instrument"] == kind)
                       & (p["quantity"] > 1e-7)]
            assert sold.empty or covered.empty, (name, kind)
            assert earned.empty or deficit.empty, (name, kind)


# --------------------------------------------------------------------------- industry model
# A: NEV deficit 1,000, option 4,000 CNY for +2 NEV (2,000 per credit), 1,500 units.
# B: NEV deficit 1,500, option 6,000 CNY for +2 NEV (3,000 per credit), 500 units.
# Penalty 5,000 per uncovered credit.
SUPPLIER = doc(ent("A", 0, -1000, option("bev", 4000.0, 1500.0, nev=2.0)),
               ent("B", 0, -1500, option("bev", 6000.0, 500.0, nev=2.0)), penalty=5000.0)


def test_industry_fixed_sign_short_firm_cannot_supply():
    r = solve_industry(SUPPLIER, "fixed_sign")
    # A erases its own deficit (500 units), B too as far as it can (500 units -> 1,000
    # credits); B's last 500 credits are uncovered at 5,000
    assert qty(r.plan, "technology", enterprise="A") == pytest.approx(500.0)
    assert qty(r.plan, "technology", enterprise="B") == pytest.approx(500.0)
    assert r.total_cost_cny == pytest.approx(500 * 4000.0 + 500 * 6000.0 + 500 * 5000.0)
    assert r.prices["nev_price_cny_per_credit"].iloc[0] == pytest.approx(5000.0)


def test_industry_exact_short_firm_becomes_the_supplier_at_its_option_cost():
    r = solve_industry(SUPPLIER, "exact")
    # the industry needs 2,500 credits; A's option (2,000 per credit, 3,000 credits of
    # capacity) is the cheapest lever: 1,250 units; A sells 1,500 credits to B
    assert qty(r.plan, "technology", enterprise="A") == pytest.approx(1250.0)
    assert qty(r.plan, "technology", enterprise="B") == 0.0
    assert qty(r.plan, "sell", "nev", enterprise="A") == pytest.approx(1500.0)
    assert r.total_cost_cny == pytest.approx(1250 * 4000.0)
    # the marginal credit is half a unit of A's option (not at its bound)
    assert r.prices["nev_price_cny_per_credit"].iloc[0] == pytest.approx(4000.0 / 2.0)


# --------------------------------------------------------------------------- no options
NO_OPTIONS = doc(ent("A", -300, -1000), ent("B", 400, 1500), ent("C", 100, -200),
                 market={"nev_buy_price_cny_per_credit": 1000.0,
                         "nev_sell_price_cny_per_credit": 900.0}, penalty=5000.0)


@pytest.mark.parametrize("model", ["enterprise", "industry"])
def test_exact_without_options_is_the_fixed_sign_lp(model):
    costs = {}
    for mode in MODES:
        if model == "industry":
            costs[mode] = solve_industry(NO_OPTIONS, mode).total_cost_cny
        else:
            costs[mode] = sum(solve_enterprise(NO_OPTIONS, n, mode).total_cost_cny
                              for n in ("A", "B", "C"))
    assert costs["exact"] == pytest.approx(costs["fixed_sign"])
    sc = parse_scenario(NO_OPTIONS, file="exact.toml")
    f = build_formulation(sc, sc.enterprises, nev_prices="equilibrium", positions="exact")
    assert f.binaries is None  # nothing can flip: the same LP


def test_bad_positions_key_is_refused_naming_it():
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc(ent("A", 0, 0), positions="free"), file="exact.toml")
    assert "positions" in str(info.value.key) and info.value.file == "exact.toml"
