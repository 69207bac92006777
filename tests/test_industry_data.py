"""The ILLUSTRATIVE industry generator (synthetic enterprises).

Calibration: the 2023 statements against MIIT's 2023 announcement (read from
``linkage.data.miit_annual``, never retyped). Forward years: expected aggregates are worked
out here from the rulebook of each year and the generated volumes, not copied from the
generator. Scenario documents go through ``optimize.parse_scenario`` and one enterprise's LP.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
import time

import numpy as np
import pandas as pd
import pytest

import linkage.industry as industry_data
from linkage.accounting import compute_credits, round_half_up
from linkage.data import miit_annual
from linkage.industry import (
    CALIBRATION_YEAR,
    STATEMENT_COLUMNS,
    Industry,
    IndustryDataError,
    illustrative_industry,
    load_assumptions,
)
from linkage.ledger import prepare_statements
from linkage.market import supply_demand_ratio
from linkage.rules import default_rules
from optimize import (
    EnterpriseModel,
    Scenario,
    industry_scenario,
    industry_scenario_document,
    parse_scenario,
)

TOLERANCE = 0.01  # the brief: within 1 % of MIIT
GROUPS = ("all", "domestic", "import")
CREDIT_COLUMNS = ("cafc_credits", "nev_credits", "nev_earned_credits", "nev_requirement_credits")


@pytest.fixture(scope="module")
def ind() -> Industry:
    return illustrative_industry()


@pytest.fixture(scope="module")
def rules():
    return default_rules()


def miit_2023(group: str) -> dict[str, float]:
    """MIIT's 2023 totals of a group in vehicles and credits (the table is in 10^4)."""
    m = miit_annual()
    row = m[(m["year"] == 2023) & (m["group"] == group)].iloc[0]
    return {
        "firms": float(row["firms"]),
        "volume": row["volume_10k_vehicles"] * 1e4,
        "cafc_positive": row["cafc_positive_10k_credits"] * 1e4,
        "cafc_negative": row["cafc_negative_10k_credits"] * 1e4,
        "nev_positive": row["nev_positive_10k_credits"] * 1e4,
        "nev_negative": row["nev_negative_10k_credits"] * 1e4,
    }


def totals_2023(st: pd.DataFrame, group: str) -> dict[str, float]:
    """The same totals from generated statements (deficits as positive magnitudes)."""
    s = st[st["year"] == 2023]
    if group != "all":
        s = s[s["kind"] == group]
    cafc, nev = s["cafc_credits"], s["nev_credits"]
    return {
        "firms": float(len(s)),
        "volume": float(s["volume_vehicles"].sum()),
        "cafc_positive": float(cafc[cafc > 0].sum()),
        "cafc_negative": float(-cafc[cafc < 0].sum()),
        "nev_positive": float(nev[nev > 0].sum()),
        "nev_negative": float(-nev[nev < 0].sum()),
    }


# --------------------------------------------------------------------------- calibration
@pytest.mark.parametrize("group", GROUPS)
def test_2023_totals_match_miit_within_one_percent(ind, group):
    gen, miit = totals_2023(ind.statements, group), miit_2023(group)
    assert gen["firms"] == miit["firms"]
    for q in ("volume", "cafc_positive", "cafc_negative", "nev_positive", "nev_negative"):
        assert gen[q] == pytest.approx(miit[q], rel=TOLERANCE), q


def test_firm_counts_and_illustrative_names(ind):
    e = ind.enterprises
    assert len(e) == 119
    assert (e["kind"] == "domestic").sum() == 95
    assert (e["kind"] == "import").sum() == 24
    dom = e.loc[e["kind"] == "domestic", "enterprise"]
    imp = e.loc[e["kind"] == "import", "enterprise"]
    assert dom.str.fullmatch(r"Domestic \d{3} \(illustrative\)").all()
    assert imp.str.fullmatch(r"Import \d{2} \(illustrative\)").all()
    assert e["enterprise"].is_unique
    assert e["group"].str.endswith("(illustrative)").all()
    assert set(ind.statements["enterprise"]) == set(e["enterprise"])
    assert "ILLUSTRATIVE" in repr(ind)
    assert "ILLUSTRATIVE" in industry_data.__doc__


def test_calibration_table_agrees_with_the_statements(ind):
    c = ind.calibration.set_index(["group", "quantity"])
    for group in GROUPS:
        gen, miit = totals_2023(ind.statements, group), miit_2023(group)
        for q, value in gen.items():
            assert c.loc[(group, q), "generated"] == pytest.approx(value)
            assert c.loc[(group, q), "miit"] == pytest.approx(miit[q])
    calibrated = ind.calibration[ind.calibration["calibrated"]]
    assert calibrated["relative_error"].abs().max() < TOLERANCE
    # average curb mass is kept by construction; the CAFC actual is only informative
    assert c.loc[("domestic", "avg_curb_mass_kg"), "relative_error"] == pytest.approx(0, abs=0.01)
    assert not c.loc[("all", "cafc_actual"), "calibrated"]


@pytest.mark.parametrize("seed", [0, 1, 54, 77])  # 54 and 77 need a second draw
def test_calibration_holds_for_other_seeds(seed):
    other = illustrative_industry(years=[2023], seed=seed)
    for group in GROUPS:
        gen, miit = totals_2023(other.statements, group), miit_2023(group)
        for q, value in gen.items():
            assert value == pytest.approx(miit[q], rel=TOLERANCE), (seed, group, q)
    rejected = other.assumptions["derived.rejected_draws"]["value"]
    assert rejected == (1 if seed in (54, 77) else 0)


def test_fundamentals_are_consistent_with_2023_statements(ind):
    e = ind.enterprises.set_index("enterprise")
    s = ind.statements[ind.statements["year"] == 2023].set_index("enterprise").loc[e.index]
    assert (e["volume_2023_vehicles"] == s["volume_vehicles"]).all()
    assert (e["conventional_volume_2023_vehicles"] == s["conventional_volume_vehicles"]).all()
    assert (np.rint(e["nev_2023_share"] * e["volume_2023_vehicles"])
            == s["nev_volume_vehicles"]).all()
    assert (e["nev_deficit_2023"] == (s["nev_credits"] < 0)).all()
    assert (e["cafc_deficit_2023"] == (s["cafc_credits"] < 0)).all()
    ratio = s["conventional_cafc_actual_l_per_100km"] / s["conventional_target_l_per_100km"]
    pd.testing.assert_series_equal(e["conventional_cafc_2023_ratio"], ratio, check_names=False)
    # per-vehicle NEV credit of the mix; the statements' average can differ by the integer split
    earned_per_nev = s["nev_earned_credits"] / s["nev_volume_vehicles"]
    big = s["nev_volume_vehicles"] > 1000
    assert np.allclose(earned_per_nev[big], e.loc[big, "nev_2023_credit_per_vehicle"], rtol=0.01)
    # the ICE model is not a low-fuel-consumption model in 2023 (HEVs are)
    hev = ind.fleet[(ind.fleet["year"] == 2023) & (ind.fleet["powertrain"] == "HEV")]
    assert s["low_fc_volume_vehicles"].sum() == hev["volume_vehicles"].sum()


def test_the_industry_shape_is_plausible(ind):
    e = ind.enterprises
    imp = e[e["kind"] == "import"]
    assert imp["cafc_deficit_2023"].mean() > 0.5  # importers mostly in CAFC deficit
    s = ind.statements[ind.statements["year"] == 2023]
    deficit = s[s["nev_credits"] < 0]
    assert len(deficit) >= 2
    # most NEV deficits are small next to the requirement
    depth = -deficit["nev_credits"] / deficit["nev_requirement_credits"]
    assert (depth < 0.5).mean() > 0.5
    # heavy-tailed sizes: the largest domestic maker is far above the median one
    dom = e.loc[e["kind"] == "domestic", "volume_2023_vehicles"]
    assert dom.max() > 20 * dom.median()
    assert 0.25 < s["nev_volume_vehicles"].sum() / s["volume_vehicles"].sum() < 0.45


# --------------------------------------------------------------------------- reproducibility
def test_same_seed_gives_identical_tables(ind):
    again = illustrative_industry()
    for attr in ("enterprises", "statements", "abatement", "fleet", "calibration"):
        pd.testing.assert_frame_equal(getattr(ind, attr), getattr(again, attr))
    assert ind.assumptions == again.assumptions
    assert ind.seed == again.seed == 2023


def test_different_seed_gives_different_tables(ind):
    other = illustrative_industry(seed=7)
    assert not np.array_equal(ind.enterprises["volume_2023_vehicles"],
                              other.enterprises["volume_2023_vehicles"])
    assert not np.array_equal(ind.statements["cafc_credits"], other.statements["cafc_credits"])
    assert not ind.abatement.equals(other.abatement)


def test_types_are_whole_credits_and_plain_columns(ind):
    st = ind.statements
    assert list(st.columns) == STATEMENT_COLUMNS
    for col in (*CREDIT_COLUMNS, "year", "volume_vehicles", "conventional_volume_vehicles",
                "nev_volume_vehicles"):
        assert st[col].dtype == np.int64, col
    assert st["nev_carry_eligible"].dtype == bool
    assert st["nev_exempt"].dtype == bool
    assert (st["nev_credits"] == st["nev_earned_credits"] - st["nev_requirement_credits"]).all()
    assert (st["volume_vehicles"]
            == st["conventional_volume_vehicles"] + st["nev_volume_vehicles"]).all()
    assert ind.abatement["cost_cny_per_credit"].dtype == float
    assert ind.abatement["max_credits_per_year"].dtype == float
    assert ind.years == list(range(2023, 2031))
    assert sorted(st["year"].unique()) == ind.years
    assert len(st) == 119 * 8


def test_statements_are_the_accounting_of_the_published_fleet(ind):
    res = compute_credits(ind.fleet)
    got = res.statements.set_index(["enterprise", "year"]).sort_index()
    mine = ind.statements.set_index(["enterprise", "year"]).sort_index()
    for col in CREDIT_COLUMNS:
        assert (got[col].astype(np.int64) == mine[col]).all(), col
    assert (got["nev_carry_eligible"] == mine["nev_carry_eligible"]).all()


def test_ledger_accepts_the_statements(ind):
    clean, assumptions = prepare_statements(ind.statements)
    assert len(clean) == len(ind.statements)
    assert not any("nev_carry_eligible" in a for a in assumptions)
    grouped = clean.groupby("group")["enterprise"].nunique()
    assert grouped.max() >= 2


def test_groups_are_small_domestic_affiliate_groups(ind):
    e = ind.enterprises
    grouped = e[e["group"] != e["enterprise"]]
    sizes = grouped.groupby("group").size()
    assert 1 <= len(sizes) <= 6
    assert sizes.between(2, 5).all()
    assert (grouped["kind"] == "domestic").all()
    assert sizes.index.str.fullmatch(r"Group \d+ \(illustrative\)").all()


# --------------------------------------------------------------------------- forward years
def test_2023_rows_do_not_depend_on_the_years_asked(ind):
    only_2023 = illustrative_industry(years=[2023])
    mine = ind.statements[ind.statements["year"] == 2023].reset_index(drop=True)
    pd.testing.assert_frame_equal(only_2023.statements, mine)
    later = illustrative_industry(years=range(2024, 2027))
    assert later.years == [2024, 2025, 2026]
    assert CALIBRATION_YEAR not in set(later.statements["year"])
    mine = ind.statements[ind.statements["year"].between(2024, 2026)].reset_index(drop=True)
    pd.testing.assert_frame_equal(later.statements, mine)


def expected_requirement(st: pd.DataFrame, year: int, rules) -> float:
    """ratio(year) x (ordinary conventional + f(year) x low-FC conventional), liable only."""
    rb = rules.for_year(year)
    s = st[st["year"] == year]
    liable = s["conventional_volume_vehicles"] >= rb["nev.exemption_conventional_volume"]
    base = (s["conventional_volume_vehicles"] - s["low_fc_volume_vehicles"]) + rb[
        "nev.low_fc_factor"] * s["low_fc_volume_vehicles"
    ]
    return float((rb["nev.ratio"] * base)[liable].sum())


def test_nev_requirement_rises_with_the_rulebook_ratio(ind, rules):
    st = ind.statements
    got = st.groupby("year")["nev_requirement_credits"].sum()
    expected = {y: expected_requirement(st, y, rules) for y in range(2023, 2028)}
    for y, value in expected.items():
        # each enterprise's requirement is rounded to a whole credit
        assert got[y] == pytest.approx(value, abs=0.5 * 119)
    assert got[2027] / got[2023] == pytest.approx(expected[2027] / expected[2023], rel=1e-4)
    assert all(got[y + 1] > got[y] for y in range(2023, 2027))
    # the exemption is the rulebook's: liable enterprises only
    for y in (2023, 2027):
        s = st[st["year"] == y]
        limit = rules.for_year(y)["nev.exemption_conventional_volume"]
        assert (s["nev_exempt"] == (s["conventional_volume_vehicles"] < limit)).all()
        assert (s.loc[s["nev_exempt"], "nev_requirement_credits"] == 0).all()


def test_per_vehicle_nev_credits_follow_the_2024_and_2026_cuts(ind):
    st = ind.statements
    per_nev = (
        st.groupby("year")["nev_earned_credits"].sum()
        / st.groupby("year")["nev_volume_vehicles"].sum()
    )
    assert per_nev[2024] / per_nev[2023] < 0.7  # Order No. 64: about -40 %
    assert per_nev[2026] / per_nev[2025] < 0.6  # notice 294: about -50 % more
    assert per_nev[2025] / per_nev[2024] > 0.95  # same rules, longer ranges


def test_cafc_values_use_each_year_requirement(ind, rules):
    st = ind.statements
    for y in ind.years:
        s = st[st["year"] == y]
        want = round_half_up(s["cafc_target_l_per_100km"] * rules.for_year(y)["cafc.requirement"],
                             2)
        assert np.allclose(s["cafc_compliance_l_per_100km"], want), y
    # actual CAFC with the year's accounting multipliers (NEV 1.6 in 2023, 1.0 in 2025)
    fleet = ind.fleet
    for y in (2023, 2024, 2025):
        rb = rules.for_year(y)
        f = fleet[fleet["year"] == y]
        nev = f["powertrain"].isin(["BEV", "PHEV"])
        fc = f["fuel_consumption_l_per_100km"].where(f["powertrain"] != "BEV", 0.0)
        low = fc <= rb["cafc.multiplier_low_fc_threshold"]
        w = np.where(nev, rb["cafc.multiplier_nev"], np.where(low, rb["cafc.multiplier_low_fc"], 1))
        num = (fc * f["volume_vehicles"]).groupby(f["enterprise"]).sum()
        den = (w * f["volume_vehicles"]).groupby(f["enterprise"]).sum()
        s = st[st["year"] == y].set_index("enterprise")
        assert np.allclose(s["cafc_actual_l_per_100km"], round_half_up((num / den).loc[s.index],
                                                                       2)), y


def test_nev_shares_rise_to_the_stated_2030_targets(ind):
    st = ind.statements.sort_values(["enterprise", "year"])
    share = st["nev_volume_vehicles"] / st["volume_vehicles"]
    step = share.groupby(st["enterprise"]).diff().dropna()
    assert (step > -2.0 / st.loc[step.index,
                                 "volume_vehicles"]).all()  # never falls beyond rounding
    s30 = st[st["year"] == 2030]
    for kind in ("domestic", "import"):
        k = s30[s30["kind"] == kind]
        target = ind.assumptions[f"nev.share_target.{kind}"]["value"]
        assert (k["nev_volume_vehicles"].sum() / k["volume_vehicles"].sum()
                == pytest.approx(target, abs=0.005))


def test_override_moves_forward_years_only(ind):
    more = illustrative_industry(assumptions={"nev.share_target.domestic": 0.85})
    assert more.assumptions["nev.share_target.domestic"]["status"] == "assumption (overridden)"
    a = ind.statements[ind.statements["year"] == 2023].reset_index(drop=True)
    b = more.statements[more.statements["year"] == 2023].reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    s30 = more.statements[
        (more.statements["year"] == 2030) & (more.statements["kind"] == "domestic")
    ]
    assert (s30["nev_volume_vehicles"].sum() / s30["volume_vehicles"].sum()
            == pytest.approx(0.85, abs=0.005))


# --------------------------------------------------------------------------- abatement
def test_every_enterprise_has_positive_abatement_segments(ind):
    ab = ind.abatement
    assert list(ab.columns) == ["enterprise", "kind", "cost_cny_per_credit", "max_credits_per_year"]
    assert set(ab["enterprise"]) == set(ind.enterprises["enterprise"])
    assert (ab["cost_cny_per_credit"] > 0).all()
    assert (ab["max_credits_per_year"] > 0).all()
    assert set(ab["kind"]) == {"nev", "cafc"}
    counts = ab.groupby(["enterprise", "kind"]).size().unstack(fill_value=0)
    assert (counts["nev"] == 3).all()
    ref = int(ind.assumptions["abatement.reference_year"]["value"])
    fleet = ind.fleet if ref in ind.years else illustrative_industry(years=[ref]).fleet
    conv = fleet[(fleet["year"] == ref) & fleet["powertrain"].isin(["ICE", "HEV"])]
    has_conv = conv.groupby("enterprise")["volume_vehicles"].sum() > 0
    assert set(counts.index[counts["cafc"] == 3]) == set(has_conv.index[has_conv])
    # piecewise-linear cost curves: each next segment costs more
    for _, seg in ab.groupby(["enterprise", "kind"]):
        assert seg["cost_cny_per_credit"].is_monotonic_increasing


def test_abatement_costs_follow_the_stated_assumptions(ind):
    a = ind.assumptions
    ab = ind.abatement
    nev = ab[ab["kind"] == "nev"]
    first = nev.groupby("enterprise")["cost_cny_per_credit"].nth(0)
    second = nev.groupby("enterprise")["cost_cny_per_credit"].nth(1)
    costs = a["abatement.nev.cost_cny_per_vehicle"]["value"]
    assert np.allclose(second.to_numpy() / first.to_numpy(), costs[1] / costs[0], rtol=1e-3)
    # multipliers are 1 in the reference year (2025): CAFC costs per credit are the stated ones
    cafc = ab[ab["kind"] == "cafc"]
    assert set(cafc["cost_cny_per_credit"].round(2)) == set(
        a["abatement.cafc.cost_cny_per_l_per_100km_vehicle"]["value"]
    )


# --------------------------------------------------------------------------- assumptions
def test_every_assumption_is_stated(ind):
    for key, entry in ind.assumptions.items():
        assert set(entry) == {"value", "unit", "status", "text"}, key
        assert entry["status"] in ("assumption", "derived"), key
        assert len(entry["text"]) > 20, key
    shipped = load_assumptions()
    assert all(v["status"] == "assumption" for v in shipped.values())
    assert set(shipped) <= set(ind.assumptions)


def test_bad_overrides_and_years_are_refused():
    with pytest.raises(
        IndustryDataError, match=re.escape("did you mean 'nev.share_target.domestic'")
    ):
        load_assumptions({"nev.share_target.domestc": 0.8})
    with pytest.raises(IndustryDataError, match="a list of 3 numbers"):
        load_assumptions({"abatement.nev.share_of_volume": [0.01]})
    with pytest.raises(IndustryDataError, match="a number"):
        load_assumptions({"volume.growth.domestic": "fast"})
    with pytest.raises(IndustryDataError, match="2023"):
        illustrative_industry(years=[2022, 2023])
    with pytest.raises(IndustryDataError, match="2031"):
        illustrative_industry(years=range(2023, 2032))


def test_runtime_is_well_under_a_second():
    illustrative_industry()
    best = min(_timed() for _ in range(3))
    assert best < 1.0


def _timed() -> float:
    t = time.perf_counter()
    illustrative_industry()
    return time.perf_counter() - t


# --------------------------------------------------------------------------- scenarios
def test_scenario_document_parses(ind):
    years = [2024, 2025, 2026]
    doc = industry_scenario_document(ind, years)
    json.dumps(doc)  # plain Python types only
    assert doc["market"] == {}  # no prices: the industry model computes them
    sc = parse_scenario(doc, file="industry")
    assert sc.years == years
    assert len(sc.enterprises) == 119
    st = ind.statements[ind.statements["year"].isin(years)]
    ratio = supply_demand_ratio(st)["ratio"]
    for y in years:
        assert sc.market.supply_demand_ratio[y] == pytest.approx(ratio[y])
        # prices are outputs of the industry model
        assert sc.market.nev_buy_price_cny_per_credit is None
    by_name = {e.name: e for e in sc.enterprises}
    s = st.set_index(["enterprise", "year"])
    groups = ind.enterprises.set_index("enterprise")["group"]
    for name, e in by_name.items():
        assert e.group == groups[name]
        for y in years:
            assert e.cafc_credits[y] == s.loc[(name, y), "cafc_credits"]
            assert e.nev_credits[y] == s.loc[(name, y), "nev_credits"]
            assert e.nev_carry_eligible[y] == s.loc[(name, y), "nev_carry_eligible"]
    assert sum(len(e.abatement) for e in sc.enterprises) == len(ind.abatement)


def test_scenario_document_passes_market_linkage_and_penalty(ind):
    doc = industry_scenario_document(
        ind, range(2025, 2027),
        market={"nev_buy_price_cny_per_credit": [1500.0, 1200.0], "supply_demand_ratio": 1.8},
        linkage={"exchange_rate_credits_per_t_co2e": 0.2, "cea_price_cny_per_t_co2e": 90.0},
        penalty=20000.0,
        name="illustrative test",
        enterprises=["Domestic 001 (illustrative)", "Import 01 (illustrative)"],
    )
    sc = parse_scenario(doc)
    assert sc.name == "illustrative test"
    assert [e.name for e in sc.enterprises] == [
        "Domestic 001 (illustrative)",
        "Import 01 (illustrative)",
    ]
    assert sc.market.nev_buy_price_cny_per_credit == {2025: 1500.0, 2026: 1200.0}
    assert sc.market.supply_demand_ratio == {2025: 1.8, 2026: 1.8}
    assert sc.penalty_cny_per_credit == 20000.0
    assert sc.link is not None and sc.cea_price_cny_per_t_co2e == {2025: 90.0, 2026: 90.0}


def test_scenario_document_refuses_bad_requests(ind):
    with pytest.raises(IndustryDataError, match="consecutive"):
        industry_scenario_document(ind, [2024, 2026])
    with pytest.raises(IndustryDataError, match="not generated"):
        industry_scenario_document(illustrative_industry(years=[2024, 2025]), [2025, 2026])
    with pytest.raises(IndustryDataError, match=re.escape("did you mean")):
        industry_scenario_document(ind, [2024], enterprises=["Domestic 01 (illustrative)"])


def test_enterprise_model_solves_a_generated_enterprise(ind):
    years = [2024, 2025, 2026]
    st = ind.statements[ind.statements["year"].isin(years)]
    name = st.groupby("enterprise")["nev_credits"].sum().idxmin()  # the largest NEV deficit
    price = 1500.0
    doc = industry_scenario_document(
        ind, years, market={"nev_buy_price_cny_per_credit": price,
                            "nev_sell_price_cny_per_credit": 0.0}, penalty=50000.0
    )
    model = EnterpriseModel(parse_scenario(doc), name)
    result = model.solve()
    assert result.status == "optimal"
    assert model.verify(result.plan) == []
    assert all(u == {"cafc": 0.0, "nev": 0.0} for u in result.uncovered_credits.values())
    own = st[st["enterprise"] == name]
    deficits = float(
        -own["nev_credits"].clip(upper=0).sum() - own["cafc_credits"].clip(upper=0).sum()
    )
    assert deficits > 0
    # buying every deficit credit is one feasible plan: the optimum costs no more
    assert 0 < result.total_cost_cny <= price * deficits + 1e-6


def test_industry_scenario_is_the_parsed_document(ind):
    years = [2025, 2026]
    names = ["Domestic 002 (illustrative)", "Import 03 (illustrative)"]
    sc = industry_scenario(ind, years, penalty=5000.0, enterprises=names, discount_rate=0.05)
    assert isinstance(sc, Scenario)
    assert sc.years == years
    assert sc.penalty_cny_per_credit == 5000.0
    assert [e.name for e in sc.enterprises] == names
    s = ind.statements.set_index(["enterprise", "year"])
    for e in sc.enterprises:
        for y in years:
            assert e.cafc_credits[y] == s.loc[(e.name, y), "cafc_credits"]
            assert e.nev_credits[y] == s.loc[(e.name, y), "nev_credits"]
    with pytest.raises(IndustryDataError, match="consecutive"):
        industry_scenario(ind, [2024, 2026])


def test_old_module_is_a_deprecated_shim(ind):
    """optimize.industry_data warns, re-exports the new homes and keeps ``to_scenario``."""
    sys.modules.pop("optimize.industry_data", None)
    with pytest.warns(DeprecationWarning, match="linkage.industry"):
        old = importlib.import_module("optimize.industry_data")
    assert old.load_assumptions is load_assumptions
    assert old.IndustryDataError is IndustryDataError
    assert old.STATEMENT_COLUMNS is STATEMENT_COLUMNS
    legacy = old.illustrative_industry()
    assert isinstance(legacy, Industry)
    for table in ("enterprises", "statements", "abatement", "fleet", "calibration"):
        pd.testing.assert_frame_equal(getattr(legacy, table), getattr(ind, table))
    assert legacy.assumptions == ind.assumptions
    assert repr(legacy) == repr(ind)
    kwargs = {"penalty": 5000.0, "linkage": {"cea_price_cny_per_t_co2e": 90.0}}
    assert legacy.to_scenario([2024, 2025], **kwargs) == industry_scenario_document(
        ind, [2024, 2025], **kwargs
    )

