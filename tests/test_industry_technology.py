"""Technology options of the ILLUSTRATIVE industry (issue 13, item 4)."""

from __future__ import annotations

import math

import pytest

from linkage.accounting import compute_credits
from linkage.industry import illustrative_industry, load_assumptions
from linkage.industry.technology import TECHNOLOGY_COLUMNS, industry_technology, technology_costs
from linkage.rules import default_rules
from optimize import industry_scenario_document, parse_scenario

YEARS = [2029, 2030]


@pytest.fixture(scope="module")
def ind():
    return illustrative_industry()


@pytest.fixture(scope="module")
def tech(ind):
    return industry_technology(ind, YEARS)


def test_costs_by_hand():
    c = technology_costs().set_index(["year", "option"])["cost_cny_per_unit"]
    # BEV 2024: 94 USD/kWh x 7.2 CNY/USD x 50 kWh + 8,000 - 12,000 = 33,840 - 4,000 = 29,840
    assert c[(2024, "ICE -> BEV")] == pytest.approx(29_840.0)
    # BEV 2030: 70 x 7.2 x 50 = 25,200 - 4,000 = 21,200
    assert c[(2030, "ICE -> BEV")] == pytest.approx(21_200.0)
    # PHEV 2024: 94 x 7.2 x 20 = 13,536 + 6,000 - 3,000 = 16,536
    assert c[(2024, "ICE -> PHEV")] == pytest.approx(16_536.0)
    # efficiency: 4,000 CNY per L/100 km x 0.5 L/100 km = 2,000
    assert c[(2027, "ICE efficiency")] == pytest.approx(2_000.0)


def test_every_technology_record_is_stated():
    a = load_assumptions()
    keys = [k for k in a if k.startswith("technology.")]
    assert len(keys) == 14
    assert all(a[k]["status"] == "assumption" and len(a[k]["text"]) > 20 for k in keys)


def test_bounds_are_the_consumer_side_shares(ind, tech):
    f = ind.fleet[ind.fleet["year"] == 2030]
    name = tech["enterprise"].iloc[0]
    g = f[f["enterprise"] == name]
    total = int(g["volume_vehicles"].sum())
    ice = int(g.loc[g["model"] == "ICE (representative)", "volume_vehicles"].sum())
    t = tech[(tech["enterprise"] == name) & (tech["year"] == 2030)].set_index("option")
    assert t.at["ICE -> BEV", "max_units_per_year"] == min(math.floor(0.03 * total), ice)
    assert t.at["ICE -> PHEV", "max_units_per_year"] == min(math.floor(0.02 * total), ice)
    assert t.at["ICE efficiency", "max_units_per_year"] == math.floor(0.3 * ice)
    assert list(tech.columns) == TECHNOLOGY_COLUMNS


def test_bev_shift_nev_effect_is_credit_plus_requirement(ind, tech):
    """2030 (multipliers 1): one buyer moved ICE -> BEV earns the BEV's per-vehicle credit
    and lowers the requirement by the NEV ratio (the ICE is above the low-FC threshold)."""
    name = tech["enterprise"].iloc[0]  # the largest domestic maker: never exempt
    models = compute_credits(ind.fleet[ind.fleet["year"] == 2030]).models
    bev = models[(models["enterprise"] == name) & (models["model"] == "BEV (representative)")]
    ratio = float(default_rules().for_year(2030)["nev.ratio"])
    t = tech[(tech["enterprise"] == name) & (tech["year"] == 2030)
             & (tech["option"] == "ICE -> BEV")].iloc[0]
    expected = float(bev["nev_credit_per_vehicle"].iloc[0]) + ratio
    # the accounting rounds the requirement to whole credits: within one credit over the range
    assert t["nev_credits_per_unit"] == pytest.approx(expected, abs=1.0 / t["max_units_per_year"])
    assert t["co2_change_t_co2e_per_unit"] < 0


def test_scenario_export_parses(ind, tech):
    d = industry_scenario_document(ind, YEARS, technology=tech)
    sc = parse_scenario(d, file="<industry>")
    options = sum(len(e.technology) for e in sc.enterprises)
    assert options == tech.groupby(["enterprise", "option"]).ngroups
    assert all(o.cost_cny_per_unit[2030] >= 0 for e in sc.enterprises for o in e.technology)
