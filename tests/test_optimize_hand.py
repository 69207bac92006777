"""The enterprise optimizer against cases solved by hand.

Every expected number is worked out in the test from the rules (CAFC carry 0.9 a year for 3
years, NEV carry 0.5 a year for 3 years when eligible, pool deposits when the ratio is above
2.0 and withdrawals below 1.5, 5-year validity) and the prices; none is copied from the
optimizer. Every plan is also checked with the ledger's independent verifier.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pyomo.environ as pyo
import pytest

from linkage.ledger import verify_plan
from linkage.pool import ReserveVariant
from optimize import EnterpriseModel, OptimizationError, ScenarioError, parse_scenario

DATA = Path(__file__).resolve().parent / "data" / "optimize"
E = "Hand Motors"
NEUTRAL = 1.8  # supply/demand ratio that neither opens deposits (> 2.0) nor releases (< 1.5)
T_PER_CREDIT = 4.825  # t CO2e per credit of the policy exchange rate used below
RATE = 1 / T_PER_CREDIT  # credits per t CO2e


def doc(years, cafc, nev, *, market=None, linkage=None, penalty=None, discount_rate=0.0,
        **enterprise):
    """A scenario document with one enterprise (defaults: buy 1,100, sell 0, ratio 1.8)."""
    d = {
        "scenario": {"name": "hand", "years": list(years), "discount_rate": discount_rate},
        "enterprise": [{"name": E, "cafc_credits": list(cafc), "nev_credits": list(nev),
                        **enterprise}],
        "market": {"nev_buy_price_cny_per_credit": 1100.0, "nev_sell_price_cny_per_credit": 0.0,
                   "supply_demand_ratio": NEUTRAL, **(market or {})},
    }
    if linkage is not None:
        d["linkage"] = linkage
    if penalty is not None:
        d["penalty"] = {"penalty_cny_per_credit": penalty}
    return d


def solve(d, **kwargs):
    """Build, solve and check the plan with verify_plan; return (model, result)."""
    model = EnterpriseModel(parse_scenario(d, file="hand.toml"), E, **kwargs)
    result = model.solve()
    assert model.verify(result.plan) == []
    return model, result


def rows(plan, action, instrument=None, year=None):
    m = plan["action"] == action
    if instrument is not None:
        m &= plan["instrument"] == instrument
    if year is not None:
        m &= plan["year"] == year
    return plan[m]


def qty(plan, action, instrument=None, year=None):
    return float(rows(plan, action, instrument, year)["quantity"].sum())


# --------------------------------------------------------------------------- the cases
def test_single_nev_deficit_bought():
    _, r = solve(doc([2024], [0], [-1000]))
    # 1,000 credits x 1,100 CNY
    assert r.total_cost_cny == pytest.approx(1_100_000.0)
    assert r.cost_by_instrument_cny["nev_market"] == pytest.approx(1_100_000.0)
    assert sum(r.cost_by_instrument_cny.values()) == pytest.approx(r.total_cost_cny)
    # sign convention: one more credit of requirement costs 1,100 more
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1100.0)
    assert qty(r.plan, "buy", "nev_market", 2024) == pytest.approx(1000.0)
    buy = rows(r.plan, "buy", "nev_market")
    assert buy["cash_flow_cny"].sum() == pytest.approx(-1_100_000.0)
    assert r.status == "optimal"
    assert r.uncovered_credits == {2024: {"cafc": 0.0, "nev": 0.0}}


def test_shadow_price_is_the_cost_of_one_more_credit_of_requirement():
    # finite difference by hand: 1,001 credits cost 1,101,100, i.e. 1,100 more
    _, r1 = solve(doc([2024], [0], [-1000]))
    _, r2 = solve(doc([2024], [0], [-1001]))
    assert r2.total_cost_cny - r1.total_cost_cny == pytest.approx(1100.0)
    assert r1.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1100.0)


def test_verify_plan_called_directly_on_the_optimal_plan():
    d = doc([2024], [0], [-1000])
    sc = parse_scenario(d, file="hand.toml")
    r = EnterpriseModel(sc, E).solve()
    ent = sc.enterprises[0]
    problems = verify_plan(r.plan, ent.statements(), sc.rules, years=sc.years,
                           supply_demand_ratio=sc.market.supply_demand_ratio,
                           reserve=ReserveVariant())
    assert problems == []


def test_cea_with_share_cap():
    link = {"exchange_rate_credits_per_t_co2e": RATE, "cea_price_cny_per_t_co2e": 100.0,
            "max_cea_deficit_share": 0.2}
    _, r = solve(doc([2024], [0], [-1000], linkage=link))
    # a CEA clears one credit for 4.825 t x 100 CNY/t = 482.5 CNY, cheaper than 1,100, but at
    # most 20 % of the deficit: 200 x 482.5 + 800 x 1,100 = 96,500 + 880,000 = 976,500
    assert r.total_cost_cny == pytest.approx(976_500.0)
    assert r.cost_by_instrument_cny["cea"] == pytest.approx(96_500.0)
    assert r.cost_by_instrument_cny["nev_market"] == pytest.approx(880_000.0)
    # one more credit of requirement: 0.2 x 482.5 + 0.8 x 1,100 = 96.5 + 880 = 976.5
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(976.5)
    # per tonne through the exchange rate: 976.5 / 4.825
    assert r.implied_carbon_price_cny_per_t_co2e[2024] == pytest.approx(976.5 / 4.825)
    cea = rows(r.plan, "buy", "cea")
    assert set(cea["unit"]) == {"t_CO2e"}
    assert cea["quantity"].sum() == pytest.approx(200 * 4.825)  # 965 t
    assert cea["cash_flow_cny"].sum() == pytest.approx(-96_500.0)
    assert qty(r.plan, "offset_nev", "cea") == pytest.approx(200.0)
    assert qty(r.plan, "buy", "nev_market") == pytest.approx(800.0)


def test_cea_that_may_clear_only_cafc_does_not_touch_a_nev_deficit():
    link = {"exchange_rate_credits_per_t_co2e": RATE, "cea_price_cny_per_t_co2e": 100.0,
            "cea_clears": ["cafc"]}
    _, r = solve(doc([2024], [-100], [-1000], linkage=link))
    # NEV deficit: bought, 1,000 x 1,100; CAFC deficit: CEAs at 482.5: 100 x 482.5 = 48,250
    assert r.total_cost_cny == pytest.approx(1_100_000.0 + 48_250.0)
    assert qty(r.plan, "offset_nev", "cea") == 0.0
    assert r.shadow_price_cafc_cny_per_credit[2024] == pytest.approx(482.5)


def test_banked_cafc_covers_a_later_deficit_through_the_carry_factor():
    # 1,000 in 2024, kept at 90 % a year: 1,000 x 0.9 x 0.9 = 810 in 2026
    model, r = solve(doc([2024, 2025, 2026], [1000, 0, -810], [0, 0, 0]))
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    assert qty(r.plan, "offset_cafc", "cafc", 2026) == pytest.approx(810.0)
    assert qty(r.plan, "buy") == pytest.approx(0.0, abs=1e-6)
    assert model.verify(r.plan) == []


def test_one_credit_beyond_the_banked_value_is_bought():
    # 811 - 810 = 1 credit at 1,100
    _, r = solve(doc([2024, 2025, 2026], [1000, 0, -811], [0, 0, 0]))
    assert r.total_cost_cny == pytest.approx(1100.0)
    assert qty(r.plan, "buy", "nev_market", 2026) == pytest.approx(1.0)
    assert r.shadow_price_cafc_cny_per_credit[2026] == pytest.approx(1100.0)


def test_banked_cafc_lasts_three_years_then_expires():
    # 2021 vintage used in 2024 (3 years carried): 1,000 x 0.9^3 = 729
    _, r = solve(doc([2021, 2022, 2023, 2024], [1000, 0, 0, -729], [0, 0, 0, 0]))
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    # in 2025 (4 years) it has expired: the 100 credits are bought at 1,100
    _, r = solve(doc([2021, 2022, 2023, 2024, 2025], [1000, 0, 0, 0, -100],
                     [0, 0, 0, 0, 0]))
    assert r.total_cost_cny == pytest.approx(110_000.0)


def test_opening_cafc_carried_from_its_vintage():
    # 2022 vintage of face 1,000 held at the start of 2024: 1,000 x 0.9^2 = 810 usable in 2024
    d = doc([2024], [-810], [0], opening={"cafc": {"2022": 1000}})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    d = doc([2024], [-900], [0], opening={"cafc": {"2022": 1000}})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(90 * 1100.0)  # (900 - 810) x 1,100


def test_nev_carry_only_when_eligible():
    # eligible: 1,000 x 0.5 = 500 usable in 2025
    _, r = solve(doc([2024, 2025], [0, 0], [1000, -500]))
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    _, r = solve(doc([2024, 2025], [0, 0], [1000, -501]))
    assert r.total_cost_cny == pytest.approx(1100.0)
    # three years: 1,000 x 0.5^3 = 125 in 2027
    _, r = solve(doc([2024, 2025, 2026, 2027], [0] * 4, [1000, 0, 0, -125]))
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    # not eligible (conventional fleet above its threshold): nothing carried, 500 x 1,100
    _, r = solve(doc([2024, 2025], [0, 0], [1000, -500],
                     nev_carry_eligible=[False, True]))
    assert r.total_cost_cny == pytest.approx(550_000.0)


def test_pool_deposit_withdrawn_in_a_release_year_beats_buying():
    # 2024 surplus not carried (ineligible), so only the pool can move it to 2025.
    # deposit 1,000 at ratio 3.0, full value for 5 years, withdraw at ratio 1.2: cost 0
    # (buying would cost 1,000 x 1,100 = 1,100,000)
    d = doc([2024, 2025], [0, 0], [1000, -1000], market={"supply_demand_ratio": [3.0, 1.2]},
            nev_carry_eligible=[False, False])
    model, r = solve(d)
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    assert qty(r.plan, "deposit", "nev", 2024) == pytest.approx(1000.0)
    assert qty(r.plan, "deposit", "pool", 2024) == pytest.approx(1000.0)
    assert qty(r.plan, "withdraw", "pool", 2025) == pytest.approx(1000.0)
    assert qty(r.plan, "buy") == pytest.approx(0.0, abs=1e-6)
    assert model.verify(r.plan) == []


def test_pool_deposit_not_withdrawable_in_a_ratio_18_year():
    d = doc([2024, 2025], [0, 0], [1000, -1000], market={"supply_demand_ratio": [3.0, 1.8]},
            nev_carry_eligible=[False, False])
    _, r = solve(d)
    # 1,000 x 1,100 (sale price 0: the surplus is worth nothing)
    assert r.total_cost_cny == pytest.approx(1_100_000.0)
    assert qty(r.plan, "withdraw") == 0.0
    assert qty(r.plan, "buy", "nev_market", 2025) == pytest.approx(1000.0)


def test_pool_deposit_needs_a_ratio_above_two():
    # ratio 2.0 is not above the trigger: no deposit, 2025 deficit bought
    d = doc([2024, 2025], [0, 0], [1000, -1000], market={"supply_demand_ratio": [2.0, 1.2]},
            nev_carry_eligible=[False, False])
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(1_100_000.0)
    assert qty(r.plan, "deposit") == 0.0


def test_pool_beats_the_nev_carry():
    # eligible surplus: the carry keeps 1,000 x 0.5 = 500, the pool keeps all 1,000
    d = doc([2024, 2025], [0, 0], [1000, -1000], market={"supply_demand_ratio": [3.0, 1.2]})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)


def test_opening_pool_stock_valid_for_five_years():
    # a 2020 deposit may be withdrawn up to 2025 (2025 - 2020 = 5)
    d = doc([2025], [0], [-1000], market={"supply_demand_ratio": 1.2},
            opening={"pool": {"2020": 1000}})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    # a 2019 deposit has expired in 2025 (6 years): 1,000 x 1,100
    d = doc([2025], [0], [-1000], market={"supply_demand_ratio": 1.2},
            opening={"pool": {"2019": 1000}})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(1_100_000.0)


def test_pool_withdrawal_clears_a_cafc_deficit():
    # deposit 1,000 NEV at ratio 3.0; in 2025 (ratio 1.2) withdrawn against a CAFC deficit
    d = doc([2024, 2025], [0, -1000], [1000, 0], market={"supply_demand_ratio": [3.0, 1.2]},
            nev_carry_eligible=[False, False])
    model, r = solve(d)
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    assert qty(r.plan, "offset_cafc", "pool_release", 2025) == pytest.approx(1000.0)
    assert model.verify(r.plan) == []


def test_pool_withdrawal_share_half():
    # rules: only 50 % of the stored credits may be withdrawn in a release year.
    # 1,000 deposited in 2024 -> 500 withdrawn in 2025, 500 bought x 1,100 = 550,000
    d = doc([2024, 2025], [0, 0], [1000, -1000], market={"supply_demand_ratio": [3.0, 1.2]},
            nev_carry_eligible=[False, False])
    d["scenario"]["rules"] = str(DATA / "withdrawal_share_half.toml")
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(550_000.0)
    assert qty(r.plan, "withdraw", "pool") == pytest.approx(500.0)


def test_pool_withdrawal_share_ignores_expired_opening_stock():
    # opening pool: 2019 deposit 5,000 (expired in 2025: 6 years) and 2021 deposit 1,000
    # (valid). Stored at the start of 2025 = 1,000, so at most 50 % = 500 may be withdrawn;
    # the other 500 credits are bought: 500 x 1,100 = 550,000
    d = doc([2025], [0], [-1000], market={"supply_demand_ratio": 1.2},
            opening={"pool": {"2019": 5000, "2021": 1000}})
    d["scenario"]["rules"] = str(DATA / "withdrawal_share_half.toml")
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(550_000.0)
    assert qty(r.plan, "withdraw", "pool") == pytest.approx(500.0)


def test_no_options_with_penalty_reports_the_uncovered_deficit():
    d = doc([2024], [0], [-1000], market={"nev_buy_limit_credits": 0}, penalty=5000.0,
            nev_carry_eligible=[False])
    model, r = solve(d)
    # 1,000 uncovered x 5,000 CNY
    assert r.total_cost_cny == pytest.approx(5_000_000.0)
    assert r.cost_by_instrument_cny["uncovered_penalty"] == pytest.approx(5_000_000.0)
    assert r.uncovered_credits[2024] == {"cafc": 0.0, "nev": pytest.approx(1000.0)}
    unc = rows(r.plan, "uncovered", "nev_deficit", 2024)
    assert unc["quantity"].sum() == pytest.approx(1000.0)
    assert unc["cash_flow_cny"].sum() == pytest.approx(-5_000_000.0)
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(5000.0)
    assert model.verify(r.plan) == []


def test_no_options_without_penalty_is_infeasible():
    d = doc([2024], [0], [-1000], market={"nev_buy_limit_credits": 0})
    model = EnterpriseModel(parse_scenario(d, file="hand.toml"), E)
    with pytest.raises(OptimizationError, match="infeasible"):
        model.solve()


def test_buy_limit_binding_leaves_the_rest_to_the_penalty():
    # limit 600: 600 x 1,100 + 400 x 5,000 = 660,000 + 2,000,000
    d = doc([2024], [0], [-1000], market={"nev_buy_limit_credits": 600}, penalty=5000.0)
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(2_660_000.0)
    assert r.uncovered_credits[2024]["nev"] == pytest.approx(400.0)


def test_buy_limit_in_a_year_without_deficit():
    # 2024: surplus 500 sold at 0, nothing to buy; 2025: deficit 1,000 within the limit.
    # 2024's surplus carries 500 x 0.5 = 250 into 2025: (1,000 - 250) x 1,100 = 825,000
    d = doc([2024, 2025], [0, 0], [500, -1000], market={"nev_buy_limit_credits": 2000})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(825_000.0)


def test_discounting_divides_a_second_year_cost_by_one_point_one():
    d = doc([2024, 2025], [0, 0], [0, -1000], discount_rate=0.1)
    _, r = solve(d)
    # 1,000 x 1,100 paid in 2025, discounted one year at 10 %: 1,100,000 / 1.1
    assert r.total_cost_cny == pytest.approx(1_000_000.0)
    # the plan's cash flow and the shadow price are money of the year
    buy = rows(r.plan, "buy", "nev_market", 2025)
    assert buy["cash_flow_cny"].sum() == pytest.approx(-1_100_000.0)
    assert r.shadow_price_nev_cny_per_credit[2025] == pytest.approx(1100.0)


def test_nev_credits_clear_a_cafc_deficit_one_for_one():
    _, r = solve(doc([2024], [-500], [500]))
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-4)
    assert qty(r.plan, "offset_cafc", "nev") == pytest.approx(500.0)
    # 100 more CAFC deficit than NEV surplus: 100 x 1,100
    _, r = solve(doc([2024], [-600], [500]))
    assert r.total_cost_cny == pytest.approx(110_000.0)


def test_cafc_surplus_never_clears_a_nev_deficit():
    model, r = solve(doc([2024], [500], [-500]))
    # the NEV deficit is bought: 500 x 1,100
    assert r.total_cost_cny == pytest.approx(550_000.0)
    assert qty(r.plan, "offset_nev", "cafc") == 0.0
    assert qty(r.plan, "buy", "nev_market") == pytest.approx(500.0)
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1100.0)
    # one more CAFC requirement eats the unused CAFC surplus: costs nothing
    assert r.shadow_price_cafc_cny_per_credit[2024] == pytest.approx(0.0, abs=1e-6)
    assert model.verify(r.plan) == []


def test_shadow_price_at_a_zero_position_is_the_cost_of_one_more_credit():
    # CAFC position exactly 0, NEV deficit bought at 1,100: one more credit of CAFC
    # requirement is a CAFC deficit of 1, bought at 1,100 (nothing else can clear it)
    _, r = solve(doc([2024], [0], [-1000]))
    assert r.shadow_price_cafc_cny_per_credit[2024] == pytest.approx(1100.0)
    # the same for NEV at 0 (e.g. a NEV-exempt enterprise) with a CAFC deficit
    _, r = solve(doc([2024], [-1000], [0]))
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1100.0)


def test_selling_a_nev_surplus_is_revenue():
    d = doc([2024], [0], [1000], market={"nev_sell_price_cny_per_credit": 900.0})
    _, r = solve(d)
    # 1,000 x 900 earned
    assert r.total_cost_cny == pytest.approx(-900_000.0)
    assert r.cost_by_instrument_cny["nev_sales"] == pytest.approx(-900_000.0)
    sell = rows(r.plan, "sell", "nev")
    assert sell["quantity"].sum() == pytest.approx(1000.0)
    assert sell["cash_flow_cny"].sum() == pytest.approx(900_000.0)
    # one more credit of requirement is one credit less sold
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(900.0)


def test_credit_offsets_sold_into_the_ets_are_capped():
    link = {"exchange_rate_credits_per_t_co2e": RATE, "cea_price_cny_per_t_co2e": 100.0,
            "allow_credit_offsets": True, "offset_cap_t_co2e": 965.0}
    _, r = solve(doc([2024], [1000], [0], linkage=link))
    # cap 965 t = 965 / 4.825 = 200 credits, each worth 4.825 t x 100 = 482.5 CNY:
    # 200 x 482.5 = 96,500 earned (the other 800 CAFC credits cannot be sold)
    assert r.total_cost_cny == pytest.approx(-96_500.0)
    assert r.cost_by_instrument_cny["credit_offsets"] == pytest.approx(-96_500.0)
    so = rows(r.plan, "sell_offset")
    assert so["quantity"].sum() == pytest.approx(200.0)
    assert so["cash_flow_cny"].sum() == pytest.approx(96_500.0)


def test_credit_offsets_without_a_bound_are_refused():
    """Issue 13: offsets into the ETS with neither [ets] nor offset_cap_t_co2e are unbounded."""
    link = {"exchange_rate_credits_per_t_co2e": RATE, "cea_price_cny_per_t_co2e": 100.0,
            "allow_credit_offsets": True}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc([2024], [1000], [0], linkage=link), file="hand.toml")
    assert err.value.key == "linkage.allow_credit_offsets"
    assert err.value.file == "hand.toml"
    assert "[ets]" in str(err.value) and "offset_cap_t_co2e" in str(err.value)


def test_credit_offsets_bounded_by_the_ets_table():
    """With [ets] the scenario parses (the limit itself is the LP's: issue 13)."""
    link = {"exchange_rate_credits_per_t_co2e": RATE, "cea_price_cny_per_t_co2e": 100.0,
            "allow_credit_offsets": True}
    d = doc([2024], [1000], [0], linkage=link)
    d["ets"] = {"covered_emissions_t_co2e": 10_000.0, "other_offsets_t_co2e": 100.0}
    sc = parse_scenario(d, file="hand.toml")
    # 0.05 (shipped CCER rule) x 10,000 - 100 = 400 t
    assert sc.ets.offset_limit_t_co2e == {2024: pytest.approx(400.0)}


def test_credit_offsets_and_nev_sales_together():
    link = {"exchange_rate_credits_per_t_co2e": RATE, "cea_price_cny_per_t_co2e": 100.0,
            "allow_credit_offsets": True, "offset_cap_t_co2e": 965.0}
    d = doc([2024], [0], [1000], market={"nev_sell_price_cny_per_credit": 400.0}, linkage=link)
    _, r = solve(d)
    # 200 credits as offsets at 482.5 + 800 sold at 400: 96,500 + 320,000
    assert r.total_cost_cny == pytest.approx(-416_500.0)
    assert qty(r.plan, "sell", "nev") == pytest.approx(800.0)


def test_credit_offsets_not_allowed_by_default():
    link = {"exchange_rate_credits_per_t_co2e": RATE, "cea_price_cny_per_t_co2e": 100.0}
    _, r = solve(doc([2024], [1000], [0], linkage=link))
    assert r.total_cost_cny == pytest.approx(0.0, abs=1e-6)
    assert len(rows(r.plan, "sell_offset")) == 0


def test_abatement_used_only_when_cheaper_than_buying():
    segs = [{"kind": "nev", "cost_cny_per_credit": 800.0, "max_credits_per_year": 600.0},
            {"kind": "nev", "cost_cny_per_credit": 1200.0, "max_credits_per_year": 5000.0}]
    _, r = solve(doc([2024], [0], [-1000], abatement=segs))
    # 600 at 800 (cheaper than 1,100) + 400 bought; the 1,200 segment is not used:
    # 480,000 + 440,000 = 920,000
    assert r.total_cost_cny == pytest.approx(920_000.0)
    assert r.cost_by_instrument_cny["abatement"] == pytest.approx(480_000.0)
    assert qty(r.plan, "abate", "nev") == pytest.approx(600.0)
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1100.0)


def test_abatement_dearer_than_buying_is_not_used():
    segs = [{"kind": "cafc", "cost_cny_per_credit": 1500.0, "max_credits_per_year": 5000.0}]
    _, r = solve(doc([2024], [-1000], [0], abatement=segs))
    assert r.total_cost_cny == pytest.approx(1_100_000.0)
    assert qty(r.plan, "abate") == 0.0


def test_cafc_abatement_in_a_surplus_year_is_banked():
    # CAFC improvement at 400 a credit, up to 1,000 a year; deficit 1,900 in 2025.
    # 2025: abate 1,000 (400,000); the other 900 = 1,000 abated in 2024 x 0.9 (400,000,
    # i.e. 444.4 a usable credit, cheaper than buying 900 x 1,100 = 990,000): 800,000
    segs = [{"kind": "cafc", "cost_cny_per_credit": 400.0, "max_credits_per_year": 1000.0}]
    _, r = solve(doc([2024, 2025], [0, -1900], [0, 0], abatement=segs))
    assert r.total_cost_cny == pytest.approx(800_000.0)
    assert qty(r.plan, "abate", "cafc", 2024) == pytest.approx(1000.0)
    assert qty(r.plan, "offset_cafc", "cafc", 2025) == pytest.approx(900.0)


def test_abatement_in_a_deficit_year_erases_at_most_the_deficit():
    # Documented LP limitation (optimize/enterprise.py): in a year whose base NEV position is a
    # deficit, NEV abatement can at most erase that deficit; turning it into a NEV surplus in
    # the same year (here +900 clearing CAFC) would need binary variables.
    # NEV deficit 100, CAFC deficit 1,000, extra NEV credits at 500 (up to 1,000 a year):
    # abate 100 NEV at 500 = 50,000; buy 1,000 for CAFC at 1,100 = 1,100,000; total 1,150,000
    segs = [{"kind": "nev", "cost_cny_per_credit": 500.0, "max_credits_per_year": 1000.0}]
    model, r = solve(doc([2024], [-1000], [-100], abatement=segs))
    assert r.total_cost_cny == pytest.approx(1_150_000.0)
    assert r.cost_by_instrument_cny["abatement"] == pytest.approx(50_000.0)
    assert model.verify(r.plan) == []
    # in a surplus year the same segment creates a surplus that clears CAFC one for one:
    # NEV +0 with abatement -> surplus year; abate 1,000 at 500 clears the CAFC deficit
    # 1,000 x 500 = 500,000 < 1,000 x 1,100
    _, r2 = solve(doc([2024], [-1000], [0], abatement=segs))
    assert r2.total_cost_cny == pytest.approx(500_000.0)


def test_affiliate_cafc_transfers_are_free_and_capped():
    d = doc([2024], [-1000], [0], market={"affiliate_cafc_available_credits": 600.0})
    model, r = solve(d)
    # 600 free from affiliates, 400 x 1,100 bought
    assert r.total_cost_cny == pytest.approx(440_000.0)
    tin = rows(r.plan, "transfer_in", "affiliate_cafc")
    assert tin["quantity"].sum() == pytest.approx(600.0)
    assert set(tin["counterparty"]) == {"<affiliates>"}
    assert tin["cash_flow_cny"].sum() == 0.0
    assert r.shadow_price_cafc_cny_per_credit[2024] == pytest.approx(1100.0)
    assert model.verify(r.plan) == []


def test_affiliate_cafc_never_clears_a_nev_deficit():
    d = doc([2024], [0], [-1000], market={"affiliate_cafc_available_credits": 600.0})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(1_100_000.0)
    assert qty(r.plan, "transfer_in") == 0.0


def test_reserve_caps_the_price_in_a_release_year():
    d = doc([2024], [0], [-1000], market={"supply_demand_ratio": 1.2,
                                          "reserve_price_cny_per_credit": 800.0})
    model, r = solve(d)
    # 1,000 x 800 from the reserve instead of 1,100 on the market
    assert r.total_cost_cny == pytest.approx(800_000.0)
    assert r.cost_by_instrument_cny["reserve"] == pytest.approx(800_000.0)
    assert qty(r.plan, "buy_reserve", "reserve") == pytest.approx(1000.0)
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(800.0)
    assert model.verify(r.plan) == []


def test_reserve_with_a_cap():
    d = doc([2024], [0], [-1000], market={"supply_demand_ratio": 1.2,
                                          "reserve_price_cny_per_credit": 800.0,
                                          "reserve_max_credits_per_year": 300.0})
    _, r = solve(d)
    # 300 x 800 + 700 x 1,100 = 240,000 + 770,000
    assert r.total_cost_cny == pytest.approx(1_010_000.0)
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1100.0)


def test_reserve_cap_with_a_year_without_deficit():
    # 2024: no deficit; 2025: 1,000 at the reserve's 800 up to 300, the rest at 1,100
    d = doc([2024, 2025], [0, 0], [0, -1000],
            market={"supply_demand_ratio": 1.2, "reserve_price_cny_per_credit": 800.0,
                    "reserve_max_credits_per_year": 300.0})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(1_010_000.0)


def test_reserve_closed_outside_release_years():
    d = doc([2024], [0], [-1000], market={"supply_demand_ratio": NEUTRAL,
                                          "reserve_price_cny_per_credit": 800.0})
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(1_100_000.0)
    assert qty(r.plan, "buy_reserve") == 0.0


# --------------------------------------------------------------------------- re-solve, hook
def test_resolve_after_set_prices_equals_a_fresh_build():
    d = doc([2024], [0], [-1000])
    model = EnterpriseModel(parse_scenario(d, file="hand.toml"), E)
    assert model.solve().total_cost_cny == pytest.approx(1_100_000.0)
    model.set_prices(nev_buy_price_cny_per_credit={2024: 900.0})
    r = model.solve()
    assert r.total_cost_cny == pytest.approx(900_000.0)  # 1,000 x 900
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(900.0)
    assert rows(r.plan, "buy")["cash_flow_cny"].sum() == pytest.approx(-900_000.0)
    d2 = copy.deepcopy(d)
    d2["market"]["nev_buy_price_cny_per_credit"] = 900.0
    _, fresh = solve(d2)
    assert fresh.total_cost_cny == pytest.approx(r.total_cost_cny)
    assert model.verify(r.plan) == []


def test_resolve_with_cea_and_penalty_prices():
    link = {"exchange_rate_credits_per_t_co2e": RATE, "cea_price_cny_per_t_co2e": 100.0,
            "max_cea_deficit_share": 0.2}
    d = doc([2024], [0], [-1000], market={"nev_buy_limit_credits": 500}, linkage=link,
            penalty=5000.0)
    model, r = solve(d)
    # 200 CEA x 482.5 + 500 bought x 1,100 + 300 uncovered x 5,000
    assert r.total_cost_cny == pytest.approx(96_500 + 550_000 + 1_500_000)
    model.set_prices(cea_price_cny_per_t_co2e={2024: 200.0}, penalty_cny_per_credit=2000.0)
    r = model.solve()
    # 200 x 965 (4.825 t x 200) + 500 x 1,100 + 300 x 2,000
    assert r.total_cost_cny == pytest.approx(193_000 + 550_000 + 600_000)
    d2 = copy.deepcopy(d)
    d2["linkage"]["cea_price_cny_per_t_co2e"] = 200.0
    d2["penalty"]["penalty_cny_per_credit"] = 2000.0
    _, fresh = solve(d2)
    assert fresh.total_cost_cny == pytest.approx(r.total_cost_cny)


def test_set_reserve_price_on_a_model_built_without_reserve():
    # the reserve (800) in a release year would cost 1,000 x 800 = 800,000 (fresh build);
    # set_prices must either give that or refuse, not silently keep 1,100,000
    d = doc([2024], [0], [-1000], market={"supply_demand_ratio": 1.2})
    model, _ = solve(d)
    d2 = copy.deepcopy(d)
    d2["market"]["reserve_price_cny_per_credit"] = 800.0
    _, fresh = solve(d2)
    assert fresh.total_cost_cny == pytest.approx(800_000.0)
    try:
        model.set_prices(reserve_price_cny_per_credit=800.0)
    except ValueError:
        return
    assert model.solve().total_cost_cny == pytest.approx(fresh.total_cost_cny)


def test_set_penalty_on_a_model_built_without_penalty():
    # buy limit 600: with a penalty of 5,000 the rest is uncovered:
    # 600 x 1,100 + 400 x 5,000 = 2,660,000 (fresh build); without one it is infeasible
    d = doc([2024], [0], [-1000], market={"nev_buy_limit_credits": 600})
    model = EnterpriseModel(parse_scenario(d, file="hand.toml"), E)
    d2 = copy.deepcopy(d)
    d2["penalty"] = {"penalty_cny_per_credit": 5000.0}
    _, fresh = solve(d2)
    assert fresh.total_cost_cny == pytest.approx(2_660_000.0)
    try:
        model.set_prices(penalty_cny_per_credit=5000.0)
    except ValueError:
        return
    assert model.solve().total_cost_cny == pytest.approx(fresh.total_cost_cny)


def test_set_prices_rejects_sell_above_buy_and_negative_prices():
    model = EnterpriseModel(parse_scenario(doc([2024], [0], [-1000]), file="hand.toml"), E)
    with pytest.raises(ValueError):
        model.set_prices(nev_sell_price_cny_per_credit={2024: 2000.0})
    with pytest.raises(ValueError):
        model.set_prices(nev_buy_price_cny_per_credit={2024: -1.0})


def test_extra_functionality_forbidding_purchases_changes_the_result():
    segs = [{"kind": "nev", "cost_cny_per_credit": 1500.0, "max_credits_per_year": 5000.0}]
    d = doc([2024], [0], [-1000], abatement=segs)
    _, r = solve(d)
    assert r.total_cost_cny == pytest.approx(1_100_000.0)  # buying at 1,100 beats 1,500

    def no_buying(m, model):
        m.no_buy = pyo.Constraint(expr=m.b[2024, "nev"] == 0)

    model, r = solve(d, extra_functionality=no_buying)
    # forced to abate: 1,000 x 1,500
    assert r.total_cost_cny == pytest.approx(1_500_000.0)
    assert qty(r.plan, "buy") == 0.0
    assert r.shadow_price_nev_cny_per_credit[2024] == pytest.approx(1500.0)
    assert hasattr(model.model, "no_buy")


def test_unknown_enterprise_name():
    with pytest.raises(KeyError):
        EnterpriseModel(parse_scenario(doc([2024], [0], [-1000])), "Nobody")
