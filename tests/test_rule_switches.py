"""Rule switches (issue 11 item 2): each reading the texts leave open is a rulebook key with a
default; a user rulebook selects the alternative. One test per switch shows a case where the two
readings differ, with the expected numbers worked out by hand next to each literal.

Reference models (reference sections 3-4): ICE 1500 kg, 2 seat rows:
T = 0.0018*(1500-1415)+4.60 = 4.753 -> T_ent 4.75.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from linkage import compute_credits
from linkage.errors import RulebookError
from linkage.ledger import simulate, verify_plan
from linkage.market import supply_demand_ratio
from linkage.rules import default_rules, load_rules
from optimize import EnterpriseModel, parse_scenario

ALTERNATIVES = Path(__file__).resolve().parents[1] / "linkage" / "rules" / "data" / "alternatives"


def alt(name: str):
    """The shipped rules plus one ready-made alternative reading."""
    return load_rules(ALTERNATIVES / name)


def user_switch(tmp_path, key: str, value: str, years=(2021, 2027)):
    """A user rulebook selecting ``value`` for ``key`` (the documented way)."""
    p = tmp_path / f"{key}.toml"
    p.write_text(
        f'[[parameter]]\nkey = "{key}"\nyears = [{years[0]}, {years[1]}]\nvalue = "{value}"\n'
        'unit = "1"\nstatus = "provisional"\nsource = "test: the other reading"\n',
        encoding="utf-8",
    )
    return load_rules(p)


def ice(e, y, v, fc=6.00, m=1500.0):
    return dict(enterprise=e, year=y, model="ice", powertrain="ICE", volume_vehicles=v,
                curb_mass_kg=m, fuel_consumption_l_per_100km=fc)


def bev(e, y, v, r, ec, m=1500.0, dens=150.0):
    return dict(enterprise=e, year=y, model="bev", powertrain="BEV", volume_vehicles=v,
                curb_mass_kg=m, electric_range_km=r, energy_consumption_kwh_per_100km=ec,
                battery_energy_density_wh_per_kg=dens)


def statement(res, e, y):
    s = res.statements
    return s[(s["enterprise"] == e) & (s["year"] == y)].iloc[0]


def test_defaults_and_user_selection(tmp_path):
    book = default_rules().for_year(2024)
    assert book["nev.carry_discount"] == "compounding"
    assert book["pool.ratio_basis"] == "nev_and_cafc_deficits"
    assert book["small_enterprise.relief_form"] == "multiply"
    assert book["small_enterprise.volume_test"] == "at_most"
    assert book["bev.cap_applies_to"] == "standard_credit"
    assert book["nev.carry_threshold_ratio"] == 1.15
    for key in ("nev.carry_discount", "pool.ratio_basis", "small_enterprise.relief_form",
                "small_enterprise.volume_test", "bev.cap_applies_to"):
        assert book.parameter(key).source.strip()
    rs = user_switch(tmp_path, "nev.carry_discount", "one_off")
    assert rs.for_year(2022)["nev.carry_discount"] == "one_off"


def test_unknown_reading_is_refused(tmp_path):
    with pytest.raises(RulebookError, match='one of "compounding", "one_off"') as info:
        user_switch(tmp_path, "nev.carry_discount", "halving")
    assert info.value.key == "nev.carry_discount"
    assert info.value.file.endswith("nev.carry_discount.toml")


# --------------------------------------------------------------------------- NEV carry-forward

CARRY_STATEMENTS = pd.DataFrame({
    "enterprise": "E", "year": [2021, 2022, 2023, 2024], "cafc_credits": 0.0,
    "nev_credits": [1000.0, 0.0, 0.0, -200.0], "nev_carry_eligible": True, "group": "E",
})


def _held(res, year):
    b = res.balances
    sel = (b["year"] == year) & (b["instrument"] == "nev") & (b["vintage"] == 2021)
    return float(b.loc[sel, "quantity"].sum())


def test_nev_carry_compounding_vs_one_off():
    # 1000 NEV credits of 2021, factor 0.5, 3 years; a NEV deficit of 200 in 2024.
    # compounding: 1000 -> 500 (2022) -> 250 (2023) -> 125 (2024): 125 used, 75 bought
    # one-off:     1000 -> 500 (2022) -> 500 (2023) -> 500 (2024): 200 used, 0 bought
    years = [2021, 2022, 2023, 2024]
    for rules, held, bought in (
        (default_rules(), {2022: 500.0, 2023: 250.0}, 75.0),
        (alt("nev_carry_one_off.toml"), {2022: 500.0, 2023: 500.0}, 0.0),
    ):
        res = simulate(CARRY_STATEMENTS, years, rules, prices=1000.0)
        for y, q in held.items():
            assert _held(res, y) == pytest.approx(q)
        tx = res.transactions
        used = tx[(tx["action"] == "offset_nev") & (tx["instrument"] == "nev")]
        assert used["quantity"].sum() == pytest.approx(200.0 - bought)
        buys = tx[tx["action"] == "buy"]
        assert buys["quantity"].sum() == pytest.approx(bought)
        # the verifier accepts the plan under its own reading
        assert verify_plan(tx, CARRY_STATEMENTS, rules, years=years) == []


def test_verifier_follows_the_carry_reading():
    # the one-off plan uses 200 of vintage 2021 in 2024; compounding leaves only 125 of it
    years = [2021, 2022, 2023, 2024]
    one_off = alt("nev_carry_one_off.toml")
    tx = simulate(CARRY_STATEMENTS, years, one_off, prices=1000.0).transactions
    assert verify_plan(tx, CARRY_STATEMENTS, one_off, years=years) == []
    problems = verify_plan(tx, CARRY_STATEMENTS, default_rules(), years=years)
    assert problems, "a plan using 200 of 125 carried credits must be refused"
    assert any(p.year == 2024 and p.vintage == 2021 for p in problems)


def test_lp_follows_the_carry_reading(tmp_path):
    # Same positions in the enterprise LP (buy 1,000 CNY/credit, no discounting, pool closed):
    # compounding: 75 bought in 2024 -> 75,000 CNY; one-off: nothing bought -> 0 CNY
    def doc(rules_file=None):
        d = {
            "scenario": {"name": "carry", "years": [2021, 2022, 2023, 2024],
                         "discount_rate": 0.0},
            "enterprise": [{"name": "E", "cafc_credits": [0, 0, 0, 0],
                            "nev_credits": [1000, 0, 0, -200]}],
            "market": {"nev_buy_price_cny_per_credit": 1000.0, "nev_sell_price_cny_per_credit": 0.0,
                       "supply_demand_ratio": [1.8, 1.8, 1.8, 1.8]},
        }
        if rules_file is not None:
            d["scenario"]["rules"] = str(rules_file)
        return d

    for rules_file, cost in ((None, 75_000.0), (ALTERNATIVES / "nev_carry_one_off.toml", 0.0)):
        model = EnterpriseModel(parse_scenario(doc(rules_file), file="carry.toml"), "E")
        res = model.solve()
        assert res.total_cost_cny == pytest.approx(cost, abs=1e-6)
        assert model.verify(res.plan) == []
        assert "nev.carry_discount" in res.provisional_parameters


# --------------------------------------------------------------------------- pool ratio


def test_pool_ratio_basis():
    # A: CAFC -100, NEV +300; B: NEV -100 (2024)
    # with CAFC deficits: A clears its CAFC deficit with 100 of its NEV surplus first:
    #   supply 300-100 = 200; demand 100 (NEV) + 100 (CAFC) - 100 = 100; ratio 2.0
    #   (not > 2.0: the pool takes no deposits)
    # NEV only: supply 300, demand 100, ratio 3.0 (> 2.0: deposits allowed)
    st = pd.DataFrame({"enterprise": ["A", "B"], "year": 2024,
                       "cafc_credits": [-100.0, 0.0], "nev_credits": [300.0, -100.0]})
    both = supply_demand_ratio(st).loc[2024]
    assert (both["supply_credits"], both["demand_credits"], both["ratio"]) == (200.0, 100.0, 2.0)
    only = supply_demand_ratio(st, alt("pool_ratio_nev_only.toml")).loc[2024]
    assert (only["supply_credits"], only["demand_credits"], only["ratio"]) == (300.0, 100.0, 3.0)


# --------------------------------------------------------------------------- small enterprises

SMALL = [dict(enterprise=e, small_independent=True, previous_cafc_actual_l_per_100km=6.50)
         for e in ("S", "S2000")]


def test_relief_multiply_vs_add_points():
    # 2024: requirement 1.08; fall 1 - 6.00/6.50 = 7.7 % >= 4 % -> relaxed by 60 %
    # multiply:   1.08 x 1.6 = 1.728; C = 4.75 x 1.728 = 8.208 -> 8.21; (8.21-6.00)x1000 = 2210
    # add_points: 1.08 + 0.60 = 1.68; C = 4.75 x 1.68 = 7.98;           (7.98-6.00)x1000 = 1980
    fleet = pd.DataFrame([ice("S", 2024, 1000)])
    ents = pd.DataFrame(SMALL[:1])
    mult = statement(compute_credits(fleet, ents), "S", 2024)
    add = statement(compute_credits(fleet, ents, rules=alt("relief_add_points.toml")), "S", 2024)
    assert (mult["cafc_requirement_share"], mult["cafc_compliance_l_per_100km"],
            mult["cafc_credits"]) == \
        (pytest.approx(1.728), 8.21, 2210)
    assert (add["cafc_requirement_share"], add["cafc_compliance_l_per_100km"],
            add["cafc_credits"]) == \
        (pytest.approx(1.68), 7.98, 1980)
    assert mult["small_enterprise_relief_factor"] == add["small_enterprise_relief_factor"] == 1.6


def test_relief_readings_agree_at_100_percent():
    # 2025: requirement 1.00: x 1.6 = 1.00 + 0.60 = 1.60; C = 4.75 x 1.6 = 7.60;
    # (7.60-6.00) x 1000 = 1600 under both readings
    fleet = pd.DataFrame([ice("S", 2025, 1000)])
    ents = pd.DataFrame(SMALL[:1])
    for rules in (default_rules(), alt("relief_add_points.toml")):
        s = statement(compute_credits(fleet, ents, rules=rules), "S", 2025)
        assert (s["cafc_compliance_l_per_100km"], s["cafc_credits"]) == (7.60, 1600)


def test_volume_test_at_most_vs_below(tmp_path):
    # "2000辆以下" includes 2,000. 2024, 2000 vehicles, fall 7.7 %:
    # at_most (default): relief x1.6: C = 8.21; (8.21-6.00) x 2000 = 4420
    # below:             no relief: C = 4.75 x 1.08 = 5.13; (5.13-6.00) x 2000 = -1740
    fleet = pd.DataFrame([ice("S2000", 2024, 2000)])
    ents = pd.DataFrame(SMALL[1:])
    at_most = statement(compute_credits(fleet, ents), "S2000", 2024)
    below = statement(compute_credits(fleet, ents, rules=user_switch(
        tmp_path, "small_enterprise.volume_test", "below")), "S2000", 2024)
    assert (at_most["small_enterprise_relief_factor"], at_most["cafc_credits"]) == (1.6, 4420)
    assert (below["small_enterprise_relief_factor"], below["cafc_credits"]) == (1.0, -1740)


# --------------------------------------------------------------------------- BEV cap


def test_bev_cap_on_standard_vs_final_credit():
    # 2021, BEV 1500 kg, R = 600 km, EC 10.0 kWh/100 km, density 150 Wh/kg:
    # standard 0.0056 x 600 + 0.4 = 3.76; Y(1500) = 0.0078 x 1500 + 3.8 = 15.5;
    # consumption factor min(15.5/10.0 = 1.55, 1.5) = 1.5; range and density factors 1.0
    # standard_credit: min(3.76, 3.4) x 1.5 = 5.10 -> 1000 vehicles earn 5100
    # final_credit:    min(3.76 x 1.5 = 5.64, 3.4) = 3.40 -> 3400
    fleet = pd.DataFrame([bev("B", 2021, 1000, r=600.0, ec=10.0)])
    std = compute_credits(fleet)
    fin = compute_credits(fleet, rules=alt("bev_cap_on_final_credit.toml"))
    assert std.models.iloc[0]["nev_credit_per_vehicle"] == 5.10
    assert fin.models.iloc[0]["nev_credit_per_vehicle"] == 3.40
    assert statement(std, "B", 2021)["nev_earned_credits"] == 5100
    assert statement(fin, "B", 2021)["nev_earned_credits"] == 3400


def test_bev_cap_readings_agree_below_the_cap():
    # R = 400: 0.0056 x 400 + 0.4 = 2.64 < 3.4; EC = Y = 15.5: factor 1.0 -> 2.64 both ways
    fleet = pd.DataFrame([bev("B", 2021, 1000, r=400.0, ec=15.5)])
    for rules in (default_rules(), alt("bev_cap_on_final_credit.toml")):
        assert compute_credits(fleet, rules=rules).models.iloc[0]["nev_credit_per_vehicle"] \
            == 2.64


# --------------------------------------------------------------------------- carry threshold


def test_carry_threshold_order53_vs_phase_in():
    # 2024, ICE only, FC 5.22: conventional target 4.75, actual 5.22; 5.22/4.75 = 109.9 %
    # Order No. 53 (115 %, default): 5.22 <= 1.15 x 4.75 = 5.4625 -> may carry
    # phase-in (108 %):              5.22 >  1.08 x 4.75 = 5.13   -> may not
    # 2023 (115 % under both): eligible under both
    fleet = pd.DataFrame([ice("T", 2024, 1000, fc=5.22), ice("T", 2023, 1000, fc=5.22)])
    order53 = compute_credits(fleet)
    phase_in = compute_credits(fleet, rules=alt("carry_threshold_phase_in.toml"))
    assert bool(statement(order53, "T", 2024)["nev_carry_eligible"]) is True
    assert bool(statement(phase_in, "T", 2024)["nev_carry_eligible"]) is False
    assert bool(statement(order53, "T", 2023)["nev_carry_eligible"]) is True
    assert bool(statement(phase_in, "T", 2023)["nev_carry_eligible"]) is True
    # credits themselves do not depend on the threshold: (5.13 - 5.22) x 1000 = -90
    assert statement(order53, "T", 2024)["cafc_credits"] == \
        statement(phase_in, "T", 2024)["cafc_credits"] == -90
