"""Technology options and the ETS offset limit in the LP, against cases solved by hand.

Every expected number is worked out in the test from the scenario's data; none is copied from
the model. Every plan passes the ledger's verifier (with the technology table and the offset
limit). One-year scenarios at a neutral supply/demand ratio (no pool), no discounting.
"""

from __future__ import annotations

import pytest

from optimize import EnterpriseModel, parse_scenario
from optimize.industry import IndustryModel

NEUTRAL = 1.8  # supply/demand ratio: no deposits (needs > 2.0), no release (needs < 1.5)


def option(name, cost, max_units, cafc=0.0, nev=0.0, co2=0.0):
    return {"name": name, "cost_cny_per_unit": cost, "max_units_per_year": max_units,
            "cafc_credits_per_unit": cafc, "nev_credits_per_unit": nev,
            "co2_change_t_co2e_per_unit": co2}


def ent(name, cafc, nev, *options):
    return {"name": name, "cafc_credits": [cafc], "nev_credits": [nev],
            "technology": list(options)}


def doc(*enterprises, market=None, linkage=None, ets=None):
    d = {"scenario": {"name": "technology", "years": [2024]},
         "enterprise": list(enterprises),
         "market": {"supply_demand_ratio": NEUTRAL, **(market or {})}}
    if linkage is not None:
        d["linkage"] = linkage
    if ets is not None:
        d["ets"] = ets
    return d


def solve_enterprise(d, name):
    model = EnterpriseModel(parse_scenario(d, file="tech.toml"), name)
    r = model.solve()
    assert model.verify(r.plan) == []
    return r


def solve_industry(d):
    model = IndustryModel(parse_scenario(d, file="tech.toml"))
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


# --------------------------------------------------------------------------- enterprise model
def test_cheaper_option_used_up_to_its_bound_and_the_rest_bought():
    # NEV deficit 1,000; option: 1,000 CNY for +2 NEV credits (500/credit < 1,100), 300 units
    d = doc(ent("A", 0, -1000, option("bev", 1000.0, 300.0, nev=2.0, co2=-20.0)),
            market={"nev_buy_price_cny_per_credit": 1100.0, "nev_sell_price_cny_per_credit": 0.0})
    r = solve_enterprise(d, "A")
    # 300 units -> 600 credits at 300,000 CNY; 400 credits bought at 1,100 = 440,000
    assert r.total_cost_cny == pytest.approx(740_000.0)
    tech = r.plan[r.plan["action"] == "technology"]
    assert len(tech) == 1
    row = tech.iloc[0]
    assert (row.instrument, row.vintage, row.counterparty, row.unit) == (
        "technology", 2024, "bev", "unit")
    assert row.quantity == pytest.approx(300.0)
    assert row.cash_flow_cny == pytest.approx(-300_000.0)
    assert qty(r.plan, "buy", "nev_market") == pytest.approx(400.0)
    assert r.cost_by_instrument_cny["technology"] == pytest.approx(300_000.0)
    assert sum(r.cost_by_instrument_cny.values()) == pytest.approx(r.total_cost_cny)
    # the marginal credit is bought: shadow price = the buy price
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1100.0)


def test_option_improving_both_balances_is_valued_on_both():
    # CAFC deficit 100 and NEV deficit 100, each covered otherwise by NEV credits at 1,000
    # (200,000). Option: 1,500 CNY for +1 CAFC and +1 NEV (worth 1,000 + 1,000 = 2,000).
    market = {"nev_buy_price_cny_per_credit": 1000.0, "nev_sell_price_cny_per_credit": 0.0}
    both = solve_enterprise(doc(ent("A", -100, -100, option("phev", 1500.0, 1000.0, cafc=1.0,
                                                                nev=1.0)), market=market), "A")
    # 100 units erase both deficits: 150,000 < 200,000
    assert qty(both.plan, "technology") == pytest.approx(100.0)
    assert both.total_cost_cny == pytest.approx(150_000.0)
    # the same cost for one balance only (1,500 > 1,000 per credit) is not used
    one = solve_enterprise(doc(ent("A", -100, -100, option("bev", 1500.0, 1000.0, nev=1.0)),
                               market=market), "A")
    assert qty(one.plan, "technology") == 0.0
    assert one.total_cost_cny == pytest.approx(200_000.0)


def test_option_in_a_deficit_year_at_most_erases_the_deficit():
    # The stated restriction (docs/formulation.md, "Technology options"): in a deficit year
    # an option cannot create a surplus of that kind, however cheap (here 100/credit with a
    # sell price of 900): 1,000 credits of deficit -> at most 500 units of +2 NEV.
    d = doc(ent("A", 0, -1000, option("bev", 200.0, 5000.0, nev=2.0)),
            market={"nev_buy_price_cny_per_credit": 1000.0, "nev_sell_price_cny_per_credit": 900.0})
    r = solve_enterprise(d, "A")
    assert qty(r.plan, "technology") == pytest.approx(500.0)
    assert qty(r.plan, "sell") == 0.0
    assert r.total_cost_cny == pytest.approx(100_000.0)


def test_option_at_a_zero_position_creates_a_surplus_to_sell():
    # Position 0 with an option raising NEV: a surplus year; 5,000 units x 2 sold at 900
    d = doc(ent("A", 0, 0, option("bev", 200.0, 5000.0, nev=2.0)),
            market={"nev_buy_price_cny_per_credit": 1000.0, "nev_sell_price_cny_per_credit": 900.0})
    r = solve_enterprise(d, "A")
    assert qty(r.plan, "technology") == pytest.approx(5000.0)
    assert qty(r.plan, "sell", "nev") == pytest.approx(10_000.0)
    # 5,000 x 200 - 10,000 x 900
    assert r.total_cost_cny == pytest.approx(1_000_000.0 - 9_000_000.0)


def test_no_surplus_sold_while_a_deficit_of_the_kind_is_covered_by_cea():
    # Cheap CEAs (100 CNY/t at 0.5 credit/t = 200/credit) and a sell price of 900: an LP with
    # surplus and deficit of one kind in one year would sell technology credits and cover an
    # artificial deficit with CEAs. The formulation has no such year.
    link = {"exchange_rate_credits_per_t_co2e": 0.5, "cea_price_cny_per_t_co2e": 100.0,
            "allow_cea_for_deficits": True, "cea_clears": ["cafc", "nev"]}
    d = doc(ent("A", -300, -1000, option("bev", 600.0, 5000.0, cafc=0.5, nev=2.0)),
            ent("B", -300, 500, option("bev", 600.0, 5000.0, cafc=0.5, nev=2.0)),
            market={"nev_buy_price_cny_per_credit": 1000.0,
                    "nev_sell_price_cny_per_credit": 900.0}, linkage=link)
    for name in ("A", "B"):
        p = solve_enterprise(d, name).plan
        for kind in ("cafc", "nev"):
            sold = p[p["action"].isin(["sell", "sell_offset", "transfer_out"])
                     & (p["instrument"] == kind)]
            covered = p[(p["instrument"] == "cea") & (p["action"] == f"offset_{kind}")]
            assert sold.empty or covered.empty, (name, kind)


# --------------------------------------------------------------------------- industry model
def test_equilibrium_price_is_the_marginal_options_cost_per_credit():
    # A: NEV deficit 1,000; B: NEV surplus 200 and an option of 6,000 CNY for +2 NEV (3,000
    # per credit), 500 units. A's own option costs 7,000 for +2 (3,500 per credit): not used.
    d = doc(ent("A", 0, -1000, option("bev", 7000.0, 500.0, nev=2.0)),
            ent("B", 0, 200, option("bev", 6000.0, 500.0, nev=2.0)))
    r = solve_industry(d)
    # B makes the missing 800 credits with 400 units: 2,400,000
    assert qty(r.plan, "technology", enterprise="B") == pytest.approx(400.0)
    assert qty(r.plan, "technology", enterprise="A") == 0.0
    assert r.total_cost_cny == pytest.approx(2_400_000.0)
    assert r.prices["nev_price_cny_per_credit"].iloc[0] == pytest.approx(3000.0)
    e = r.enterprises.set_index("enterprise")
    assert e.loc["B", "technology_units"] == pytest.approx(400.0)


def test_binding_offset_limit_in_oversupply_gives_offsets_a_rent():
    # A: NEV surplus 1,000; B: NEV deficit 200 -> oversupply, NEV price 0.
    # Offsets at CEA 100 CNY/t x factor 0.8 / 0.5 credit/t = 160 CNY/credit; limit
    # 0.05 x 10,000 t - 0 = 500 t -> 250 credits.
    link = {"exchange_rate_credits_per_t_co2e": 0.5, "cea_price_cny_per_t_co2e": 100.0,
            "allow_cea_for_deficits": False, "allow_credit_offsets": True}
    ets = {"covered_emissions_t_co2e": 10_000.0, "offset_limit_share": 0.05,
           "other_offsets_t_co2e": 0.0, "offset_price_factor": 0.8}
    r = solve_industry(doc(ent("A", 0, 1000), ent("B", 0, -200), linkage=link, ets=ets))
    p = r.prices.iloc[0]
    assert p["nev_price_cny_per_credit"] == 0.0
    assert qty(r.plan, "sell_offset") == pytest.approx(250.0)
    assert r.total_cost_cny == pytest.approx(-250 * 160.0)
    # rent: one more t of limit = 0.5 more credit x 160 = 80 CNY/t = CEA price x factor
    assert p["offset_rent_cny_per_t_co2e"] == pytest.approx(80.0)
    assert p["offset_rent_cny_per_t_co2e"] > 0
    assert r.summary()["offset_rent_cny_per_t_co2e"] == {"2024": pytest.approx(80.0)}
    # the offsets into the ETS: 250 credits x 2.0 t (policy rate) = 500 t = the limit
    assert p["offsets_into_ets_t_co2e"] == pytest.approx(500.0)


def test_offset_limit_per_enterprise_in_the_enterprise_model():
    link = {"exchange_rate_credits_per_t_co2e": 0.5, "cea_price_cny_per_t_co2e": 100.0,
            "allow_cea_for_deficits": False, "allow_credit_offsets": True}
    ets = {"covered_emissions_t_co2e": 10_000.0, "offset_limit_share": 0.05,
           "other_offsets_t_co2e": 100.0, "offset_price_factor": 0.8}
    r = solve_enterprise(doc(ent("A", 1000, 0), linkage=link, ets=ets,
                             market={"nev_buy_price_cny_per_credit": 1000.0}), "A")
    # (0.05 x 10,000 - 100) t x 0.5 = 200 credits at 160 CNY
    assert qty(r.plan, "sell_offset") == pytest.approx(200.0)
    assert r.total_cost_cny == pytest.approx(-32_000.0)


def test_offset_limit_not_binding_has_no_rent():
    link = {"exchange_rate_credits_per_t_co2e": 0.5, "cea_price_cny_per_t_co2e": 100.0,
            "allow_cea_for_deficits": False, "allow_credit_offsets": True}
    ets = {"covered_emissions_t_co2e": 1e9, "offset_limit_share": 0.05, "other_offsets_t_co2e": 0.0}
    r = solve_industry(doc(ent("A", 0, 1000), ent("B", 0, -200), linkage=link, ets=ets))
    assert r.prices["offset_rent_cny_per_t_co2e"].iloc[0] == 0.0
    # all 800 credits left over go into the ETS at 100 / 0.5 = 200 CNY each
    assert qty(r.plan, "sell_offset") == pytest.approx(800.0)
    assert r.total_cost_cny == pytest.approx(-160_000.0)


def two_enterprise_case():
    # ttw-lab basis: 3.522 t per credit (physical); policy rate 0.5 credit/t (2.0 t/credit)
    link = {"basis": "ttw-lab", "exchange_rate_credits_per_t_co2e": 0.5,
            "cea_price_cny_per_t_co2e": 100.0,
            "allow_cea_for_deficits": True, "cea_clears": ["cafc"],
            "allow_credit_offsets": True}
    return doc(ent("A", -100, 0, option("bev", 2000.0, 100.0, cafc=0.5, nev=2.0, co2=-20.0)),
               ent("B", 10, -50), linkage=link, ets={"covered_emissions_t_co2e": 1e10})


def test_two_enterprise_case_cost_and_price():
    r = solve_industry(two_enterprise_case())
    # B's NEV deficit 50 has one source, A's option: 25 units (+50 NEV, +12.5 CAFC).
    # A's CAFC deficit 100 - 12.5 = 87.5 credits -> 175 t of CEA at 100 CNY/t.
    # B's CAFC surplus 10 goes into the ETS at 100 / 0.5 = 200 CNY/credit.
    assert qty(r.plan, "technology", enterprise="A") == pytest.approx(25.0)
    assert qty(r.plan, "buy", "cea", enterprise="A") == pytest.approx(175.0)
    assert qty(r.plan, "sell_offset", enterprise="B") == pytest.approx(10.0)
    assert r.total_cost_cny == pytest.approx(25 * 2000 + 175 * 100 - 10 * 200)
    # one more NEV credit for B: half a unit (1,000) saves 0.25 CAFC credit of CEA (50)
    assert r.prices["nev_price_cny_per_credit"].iloc[0] == pytest.approx(950.0)


def test_two_enterprise_case_emissions_by_hand():
    r = solve_industry(two_enterprise_case())
    e = r.enterprises.set_index("enterprise")
    a, b = e.loc["A"], e.loc["B"]
    assert a["vehicle_lifetime_change_t_co2e"] == pytest.approx(25 * -20.0)  # -500: less
    assert a["deficit_covered_by_cea_t_co2e"] == pytest.approx(87.5 * 3.522)  # 308.175: more
    assert a["cea_retired_t_co2e"] == pytest.approx(175.0)  # leaves the ETS (subtracted)
    assert a["offsets_into_ets_t_co2e"] == 0.0
    assert a["net_change_t_co2e"] == pytest.approx(-500 + 308.175 - 175.0)  # -366.825
    assert a["integrity_gap_t_co2e"] == pytest.approx(87.5 * (3.522 - 2.0))  # 133.175
    assert b["vehicle_lifetime_change_t_co2e"] == 0.0
    assert b["offsets_into_ets_t_co2e"] == pytest.approx(10 * 2.0)  # 20 t more in the ETS
    assert b["net_change_t_co2e"] == pytest.approx(20.0)
    assert b["integrity_gap_t_co2e"] == pytest.approx(10 * (2.0 - 3.522))  # -15.22
    assert a["basis"] == b["basis"] == "ttw-lab"
    p = r.prices.iloc[0]
    assert p["net_change_t_co2e"] == pytest.approx(-366.825 + 20.0)
    total = r.summary()["emissions"]["total"]
    assert total["net_change_t_co2e"] == pytest.approx(-346.825)
    assert total["integrity_gap_t_co2e"] == pytest.approx(133.175 - 15.22)


def test_industry_write_carries_rent_and_emissions(tmp_path):
    import json

    import pandas as pd

    r = solve_industry(two_enterprise_case())
    r.write(tmp_path / "out")
    prices = pd.read_csv(tmp_path / "out" / "prices.csv")
    ents = pd.read_csv(tmp_path / "out" / "enterprises.csv")
    assert {"offset_rent_cny_per_t_co2e", "net_change_t_co2e", "basis"} <= set(prices.columns)
    assert {"technology_units", "net_change_t_co2e", "integrity_gap_t_co2e"} <= set(
        ents.columns)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["emissions"]["total"]["net_change_t_co2e"] == pytest.approx(-346.825)


def test_sweep_rows_carry_the_emissions_by_hand():
    from optimize.sweep import run_scenarios

    # the two-enterprise case at CEA 100 and 200 CNY/t. At 200: CEA = 400/credit, offsets
    # 400/credit; one more unit of A's option saves 0.5 x 400 (CAFC) and its 2 NEV credits
    # fetch 2 x 400 as offsets: 1,000 < 2,000, so the plan is the same: only money changes.
    ind = run_scenarios(two_enterprise_case(), [{"linkage.cea_price_cny_per_t_co2e": 100.0},
                                                {"linkage.cea_price_cny_per_t_co2e": 200.0}])
    assert list(ind["status"]) == ["optimal", "optimal"]
    for r in ind.itertuples():
        assert r.net_change_t_co2e == pytest.approx(-346.825)
        assert r.integrity_gap_t_co2e == pytest.approx(133.175 - 15.22)
        assert r.technology_units == pytest.approx(25.0)
        assert r.basis == "ttw-lab"
        assert r.offset_rent_cny_per_t_co2e == 0.0
    d = doc(ent("A", 0, -1000, option("bev", 1000.0, 300.0, nev=2.0, co2=-20.0)),
            market={"nev_buy_price_cny_per_credit": 1100.0, "nev_sell_price_cny_per_credit": 0.0})
    e = run_scenarios(d, [{"market.nev_buy_price_cny_per_credit": 1100.0}], model="enterprise")
    row = e.iloc[0]
    assert row["technology_units"] == pytest.approx(300.0)
    assert row["vehicle_lifetime_change_t_co2e"] == pytest.approx(300 * -20.0)
    assert row["net_change_t_co2e"] == pytest.approx(-6000.0)
