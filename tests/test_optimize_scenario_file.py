"""Scenario files (TOML) for the optimizer: parsing, several enterprises, fleet input, errors.

Expected costs are solved by hand in the comments; every plan is checked by verify_plan.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from linkage.accounting import compute_credits
from optimize import (
    PLAN_COLUMNS,
    EnterpriseModel,
    ScenarioError,
    load_scenario,
    optimize_scenario,
)

ROOT = Path(__file__).resolve().parents[1]
FLEET = ROOT / "examples" / "data" / "demo_fleet.csv"
DEMO_C = "Demo Motors C (illustrative)"

SEVERAL = """\
[scenario]
name = "three enterprises"
years = [2024, 2025]
discount_rate = 0.0
rules = "default"

[[enterprise]]
name = "Alpha"
cafc_credits = [0, 0]
nev_credits = [-1000, -500]

[[enterprise]]
name = "Beta"
group = "Beta Group"
cafc_credits = [300, -200]
nev_credits = [400, 0]
nev_carry_eligible = [true, true]

[[enterprise]]
name = "Gamma"
cafc_credits = [-500, 0]
nev_credits = [0, -300]

[enterprise.opening]
nev = { 2023 = 1000 }

[market]
nev_buy_price_cny_per_credit = [1000, 1200]
nev_sell_price_cny_per_credit = [800, 900]
supply_demand_ratio = [1.8, 1.8]

[penalty]
penalty_cny_per_credit = 5000
"""


def write(tmp_path: Path, text: str, name: str = "scenario.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_several_enterprises_parse(tmp_path):
    sc = load_scenario(write(tmp_path, SEVERAL))
    assert sc.name == "three enterprises"
    assert sc.years == [2024, 2025]
    assert [e.name for e in sc.enterprises] == ["Alpha", "Beta", "Gamma"]
    beta = sc.enterprises[1]
    assert beta.group == "Beta Group"
    assert sc.enterprises[0].group == "Alpha"  # default: the enterprise alone
    assert beta.cafc_credits == {2024: 300.0, 2025: -200.0}
    assert beta.nev_carry_eligible == {2024: True, 2025: True}
    gamma = sc.enterprises[2]
    assert gamma.opening.to_dict("records") == [
        {"instrument": "nev", "vintage": 2023, "quantity": 1000.0}]
    assert sc.market.nev_buy_price_cny_per_credit == {2024: 1000.0, 2025: 1200.0}
    assert sc.market.nev_sell_price_cny_per_credit == {2024: 800.0, 2025: 900.0}
    assert sc.market.nev_buy_limit_credits is None
    assert sc.penalty_cny_per_credit == 5000.0
    assert sc.link is None
    assert sc.source == str(tmp_path / "scenario.toml")


def test_several_enterprises_costs_by_hand(tmp_path):
    sc = load_scenario(write(tmp_path, SEVERAL))
    res = optimize_scenario(sc)
    costs = {n: r.total_cost_cny for n, r in res.enterprises.items()}
    # Alpha: buys 1,000 x 1,000 + 500 x 1,200
    assert costs["Alpha"] == pytest.approx(1_600_000.0)
    # Beta: CAFC 300 banked -> 270 in 2025 covers -200; the NEV 400 is sold in 2024 at 800
    # (carried, 200 would fetch 200 x 900 = 180,000 in 2025)
    assert costs["Beta"] == pytest.approx(-320_000.0)
    # Gamma: the 2023 NEV vintage is worth 1,000 x 0.5 = 500 in 2024 and clears the CAFC
    # deficit (saving 1,000 a credit; carried one more year a credit is worth 0.5 x 1,200 =
    # 600 at most); 2025's NEV deficit is bought: 300 x 1,200
    assert costs["Gamma"] == pytest.approx(360_000.0)
    # 1,600,000 - 320,000 + 360,000
    assert res.total_cost_cny == pytest.approx(1_640_000.0)
    assert res.total_cost_cny == pytest.approx(sum(costs.values()))
    assert res.status == "optimal"
    assert res.uncovered_deficits == []
    for ent in sc.enterprises:
        r = res.enterprises[ent.name]
        assert EnterpriseModel(sc, ent).verify(r.plan) == []
    assert res.enterprises["Alpha"].shadow_price_nev_cny_per_credit == {
        2024: pytest.approx(1000.0), 2025: pytest.approx(1200.0)}
    assert res.enterprises["Beta"].shadow_price_nev_cny_per_credit[2024] == pytest.approx(800.0)
    plan = res.plan
    assert list(plan.columns) == PLAN_COLUMNS
    assert set(plan["enterprise"]) == {"Alpha", "Beta", "Gamma"}


def test_summary_of_a_scenario(tmp_path):
    res = optimize_scenario(load_scenario(write(tmp_path, SEVERAL)))
    s = res.summary()
    assert s["status"] == "optimal"
    assert s["years"] == [2024, 2025]
    assert s["total_cost_cny"] == pytest.approx(1_640_000.0)
    assert set(s["enterprises"]) == {"Alpha", "Beta", "Gamma"}
    assert s["enterprises"]["Alpha"]["total_cost_cny"] == pytest.approx(1_600_000.0)
    assert s["linkage"] is None
    paths = res.write(tmp_path / "out")
    assert sorted(p.name for p in paths) == ["plan.csv", "summary.json"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["plan.csv", "summary.json"]


def _fleet_toml(fleet: str) -> str:
    return f"""\
[scenario]
name = "fleet input"
years = [2024, 2025]

[[enterprise]]
name = "{DEMO_C}"
fleet = "{fleet}"

[market]
nev_buy_price_cny_per_credit = [1000, 1200]
nev_sell_price_cny_per_credit = [0, 0]
supply_demand_ratio = [1.8, 1.8]
"""


def _demo_c_statements():
    st = compute_credits(FLEET).statements
    return st[(st["enterprise"] == DEMO_C) & st["year"].isin([2024, 2025])].set_index("year")


def test_fleet_enterprise_accounted_with_the_rules(tmp_path):
    sc = load_scenario(write(tmp_path, _fleet_toml(FLEET.as_posix())))
    ent = sc.enterprises[0]
    st = _demo_c_statements()
    for y in (2024, 2025):
        assert ent.cafc_credits[y] == pytest.approx(float(st.loc[y, "cafc_credits"]))
        assert ent.nev_credits[y] == pytest.approx(float(st.loc[y, "nev_credits"]))
        assert ent.nev_carry_eligible[y] == bool(st.loc[y, "nev_carry_eligible"])
    keys = set()
    for y in (2024, 2025):
        keys |= {k for k in st.loc[y, "provisional_parameter_keys"].split(";") if k}
    assert ent.provisional_parameters == sorted(keys)
    assert "cafc.requirement" in ent.provisional_parameters

    res = optimize_scenario(sc)
    r = res.enterprises[DEMO_C]
    assert EnterpriseModel(sc, ent).verify(r.plan) == []
    # the result relies on the accounting's provisional keys and on those the LP and the
    # verifier looked up, e.g. the provisional pool shares (issue 11 item 6; this test used to
    # pin the accounting's keys alone)
    assert set(keys) < set(r.provisional_parameters)
    assert {"pool.deposit_share", "pool.withdrawal_share"} <= set(r.provisional_parameters)
    assert res.summary()["enterprises"][DEMO_C]["provisional_parameters"] == \
        r.provisional_parameters
    # Demo Motors C is short of both credits in both years, with nothing banked, no pool
    # (ratio 1.8) and nothing to sell: every deficit credit is bought at the year's price
    for y in (2024, 2025):
        assert st.loc[y, "cafc_credits"] < 0 and st.loc[y, "nev_credits"] < 0
    need = {y: -float(st.loc[y, "cafc_credits"]) - float(st.loc[y, "nev_credits"])
            for y in (2024, 2025)}
    assert r.total_cost_cny == pytest.approx(need[2024] * 1000.0 + need[2025] * 1200.0)


def test_fleet_path_relative_to_the_scenario_file(tmp_path):
    shutil.copy(FLEET, tmp_path / "fleet.csv")
    sc = load_scenario(write(tmp_path, _fleet_toml("fleet.csv")))
    st = _demo_c_statements()
    assert sc.enterprises[0].nev_credits[2025] == pytest.approx(float(st.loc[2025,
                                                                             "nev_credits"]))


# --------------------------------------------------------------------------- errors
BASE = """\
[scenario]
name = "errors"
years = [2024, 2025]

[[enterprise]]
name = "Alpha"
cafc_credits = [100, -200]
nev_credits = [-50, 30]
abatement = [{ kind = "nev", cost_cny_per_credit = 900, max_credits_per_year = 100 }]

[enterprise.opening]
cafc = { 2022 = 100 }

[market]
nev_buy_price_cny_per_credit = [1000, 1100]
nev_sell_price_cny_per_credit = [800, 900]
supply_demand_ratio = [1.8, 1.8]

[linkage]
basis = "ttw-real-world"
cea_price_cny_per_t_co2e = [90, 100]
cea_clears = ["cafc"]

[penalty]
penalty_cny_per_credit = 5000
"""

MARKET = """\
[market]
nev_buy_price_cny_per_credit = [1000, 1100]
nev_sell_price_cny_per_credit = [800, 900]
supply_demand_ratio = [1.8, 1.8]
"""


def test_base_of_the_error_cases_is_valid(tmp_path):
    sc = load_scenario(write(tmp_path, BASE))
    assert sc.link is not None and sc.link.cea_clears == ("cafc",)
    assert len(optimize_scenario(sc).enterprises) == 1


ERRORS = [
    # (case, old text, new text, key, words in the message)
    ("unknown key", "nev_sell_price_cny_per_credit =", "nev_sell_prise =", "market.nev_sell_prise",
     ["unknown key", "did you mean 'nev_sell_price_cny_per_credit'"]),
    ("wrong list length", "nev_credits = [-50, 30]", "nev_credits = [-50, 30, 10]",
     "enterprise[Alpha].nev_credits", ["expected 2 values"]),
    ("negative price", "nev_buy_price_cny_per_credit = [1000, 1100]",
     "nev_buy_price_cny_per_credit = [1000, -1100]",
     "market.nev_buy_price_cny_per_credit[1]", ["-1100"]),
    ("sell above buy", "nev_sell_price_cny_per_credit = [800, 900]",
     "nev_sell_price_cny_per_credit = [800, 1200]",
     "market.nev_sell_price_cny_per_credit", ["above buy price", "2025"]),
    ("years not consecutive", "years = [2024, 2025]", "years = [2024, 2026]",
     "scenario.years", ["consecutive"]),
    ("missing market", MARKET, "", "market", ["missing [market]"]),
    ("unknown basis preset", 'basis = "ttw-real-world"', 'basis = "no-such-basis"',
     "linkage.basis", ["no-such-basis"]),
    ("cea_clears bad value", 'cea_clears = ["cafc"]', 'cea_clears = ["cafc", "co2"]',
     "linkage.cea_clears", ["cafc", "nev"]),
    ("cea_clears not a list", 'cea_clears = ["cafc"]', 'cea_clears = "cafc"',
     "linkage.cea_clears", ["list"]),
    ("missing cafc_credits", "cafc_credits = [100, -200]\n", "",
     "enterprise[Alpha].cafc_credits", ["expected a list"]),
    ("opening vintage not before the first year", "cafc = { 2022 = 100 }",
     "cafc = { 2024 = 100 }", "enterprise[Alpha].opening.cafc.2024", ["before 2024"]),
    ("bad abatement kind", 'kind = "nev"', 'kind = "ice"', "enterprise[Alpha].abatement[0].kind",
     ["ice"]),
]


@pytest.mark.parametrize(("case", "old", "new", "key", "words"), ERRORS,
                         ids=[e[0] for e in ERRORS])
def test_scenario_errors_name_file_and_key(tmp_path, case, old, new, key, words):
    assert old in BASE
    path = write(tmp_path, BASE.replace(old, new), name="bad.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    exc = info.value
    msg = str(exc)
    assert exc.file == str(path)
    assert exc.key == key
    assert msg.startswith(f"{path}, key '{key}': ")
    for w in words:
        assert w in msg


def test_fleet_and_credits_together_is_an_error(tmp_path):
    text = _fleet_toml(FLEET.as_posix()).replace(
        "fleet = ", "cafc_credits = [0, 0]\nfleet = ")
    path = write(tmp_path, text, name="both.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.key == f"enterprise[{DEMO_C}].fleet"
    assert str(path) in str(info.value)


def test_missing_fleet_file(tmp_path):
    path = write(tmp_path, _fleet_toml("nowhere.csv"), name="nofleet.toml")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.key == f"enterprise[{DEMO_C}].fleet"
    assert "not found" in str(info.value)


def test_not_toml_and_missing_file(tmp_path):
    path = write(tmp_path, "[scenario\nname = 1", name="broken.toml")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "absent.toml")


def test_nev_transaction_cost_is_not_silently_ignored(tmp_path):
    # [market] accepts nev_transaction_cost_cny_per_credit (a spread on NEV trades). Buying
    # 1,000 credits
    # at 1,100 costs 1,100,000 without it; with a cost of 100 a traded credit the plan must
    # cost more (1,200,000 if charged per credit bought), or the key must be refused.
    text = """\
[scenario]
name = "spread"
years = [2024]

[[enterprise]]
name = "Alpha"
cafc_credits = [0]
nev_credits = [-1000]

[market]
nev_buy_price_cny_per_credit = 1100
nev_sell_price_cny_per_credit = 0
supply_demand_ratio = 1.8
nev_transaction_cost_cny_per_credit = 100
"""
    path = write(tmp_path, text, name="spread.toml")
    try:
        sc = load_scenario(path)
    except ScenarioError as exc:
        assert exc.key == "market.nev_transaction_cost_cny_per_credit"
        return
    res = optimize_scenario(sc)
    assert res.total_cost_cny > 1_100_000.0 + 1.0


def test_ratio_computed_from_the_enterprises_when_not_given(tmp_path):
    text = """\
[scenario]
name = "computed ratio"
years = [2024, 2025]

[[enterprise]]
name = "Alpha"
cafc_credits = [0, -2000]
nev_credits = [3000, 100]
nev_carry_eligible = [false, false]

[[enterprise]]
name = "Beta"
cafc_credits = [-500, 0]
nev_credits = [-500, -1000]

[market]
nev_buy_price_cny_per_credit = [1000, 1200]
nev_sell_price_cny_per_credit = [0, 0]
"""
    sc = load_scenario(write(tmp_path, text, name="ratio.toml"))
    # 2024: supply = Alpha's NEV 3,000; demand = Beta's 500 NEV + 500 CAFC: 3,000 / 1,000 = 3.0
    # 2025: Alpha's 100 NEV clear 100 of its own CAFC deficit first: supply 0;
    #       demand = 1,900 + 1,000: ratio 0 (the pool releases)
    assert sc.market.supply_demand_ratio == {2024: pytest.approx(3.0), 2025: 0.0}
    res = optimize_scenario(sc)
    # Alpha deposits its 3,000 (not carried: ineligible) at ratio 3.0 and withdraws 1,900
    # against the CAFC deficit left in 2025: nothing to pay
    assert res.enterprises["Alpha"].total_cost_cny == pytest.approx(0.0, abs=1e-4)
    # Beta buys 1,000 x 1,000 in 2024 and 1,000 x 1,200 in 2025
    assert res.enterprises["Beta"].total_cost_cny == pytest.approx(2_200_000.0)
    for ent in sc.enterprises:
        assert EnterpriseModel(sc, ent).verify(res.enterprises[ent.name].plan) == []


def test_avoided_method_is_refused_with_a_reason():
    from optimize import ScenarioError, parse_scenario

    doc = {
        "scenario": {"name": "x", "years": [2024]},
        "enterprise": [{"name": "E", "cafc_credits": [0], "nev_credits": [-10]}],
        "market": {"nev_buy_price_cny_per_credit": 1000},
        "linkage": {"basis": "ttw-real-world", "cea_price_cny_per_t_co2e": 100,
                    "method": "avoided"},
    }
    with pytest.raises(ScenarioError, match="exchange_rate_credits_per_t_co2e") as info:
        parse_scenario(doc, file="s.toml")
    assert info.value.key == "linkage.method"
