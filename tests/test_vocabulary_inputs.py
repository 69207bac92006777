"""The input side of the one vocabulary (issue 12): old spellings still work, and warn.

Every scenario key, keyword argument and dataclass attribute renamed by
``conversions/data/vocabulary.toml`` is read under its old spelling with a
:class:`DeprecationWarning` naming the old name (and the file, for files), gives the same
result as the new spelling, and is refused next to the new spelling (located error; CLI exit 2).
"""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conversions import (
    credit_value_at_cea_price,
    ets_penalty,
    exchange_rate_interval,
    get_basis,
)
from conversions.ets_side import ets_side
from conversions.vocabulary import deprecated_aliases
from linkage.carbon_link import CarbonLink
from linkage.cli import main
from linkage.errors import InputError
from linkage.ledger import verify_plan
from linkage.pool import ReserveVariant
from linkage.technology import TechnologyEffect
from optimize import (
    EnterpriseModel,
    IndustryModel,
    ScenarioError,
    backcast,
    load_scenario,
    parse_scenario,
    run_scenarios,
    schema,
)
from optimize.scenario import read_scenario_document
from optimize.sweep import load_sweep

# A scenario giving every renamed key under its new name (values chosen so each is told apart).
NEW = """\
[scenario]
name = "vocabulary"
years = [2024, 2025]

[[enterprise]]
name = "A"
cafc_credits = [100, -50]
nev_credits = [-200, 100]
nev_carry_eligible = [true, false]

[[enterprise.technology]]
name = "bev"
cost_cny_per_unit = 500
max_units_per_year = 10
cafc_credits_per_unit = 0.1
nev_credits_per_unit = 2.0
co2_change_t_co2e_per_unit = -20.0

[market]
nev_buy_price_cny_per_credit = [1000, 1100]
nev_sell_price_cny_per_credit = [900, 950]
nev_buy_limit_credits = [5000, 6000]
supply_demand_ratio = 1.2
reserve_price_cny_per_credit = 1500
affiliate_cafc_available_credits = [10, 20]
nev_transaction_cost_cny_per_credit = 5

[linkage]
basis = "ttw-real-world"
exchange_rate_credits_per_t_co2e = 0.5
cea_price_cny_per_t_co2e = [60, 80]
max_cea_deficit_share = 0.5
allow_credit_offsets = true
offset_cap_t_co2e = [100, 200]

[ets]
covered_emissions_t_co2e = 8.0e9
other_offsets_t_co2e = 5.0e7

[penalty]
penalty_cny_per_credit = 5000
"""

# (table, old key, new key, what the parsed scenario makes of the file's value)
KEYS = [
    ("enterprise", "conventional_fleet_meets_threshold", "nev_carry_eligible",
     lambda sc: sc.enterprises[0].nev_carry_eligible, {2024: True, 2025: False}),
    ("technology", "co2_t_per_unit", "co2_change_t_co2e_per_unit",
     lambda sc: sc.enterprises[0].technology[0].co2_change_t_co2e_per_unit,
     {2024: -20.0, 2025: -20.0}),
    ("market", "nev_buy_price", "nev_buy_price_cny_per_credit",
     lambda sc: sc.market.nev_buy_price_cny_per_credit, {2024: 1000.0, 2025: 1100.0}),
    ("market", "nev_sell_price", "nev_sell_price_cny_per_credit",
     lambda sc: sc.market.nev_sell_price_cny_per_credit, {2024: 900.0, 2025: 950.0}),
    ("market", "nev_buy_limit", "nev_buy_limit_credits",
     lambda sc: sc.market.nev_buy_limit_credits, {2024: 5000.0, 2025: 6000.0}),
    ("market", "reserve_price", "reserve_price_cny_per_credit",
     lambda sc: sc.market.reserve_price_cny_per_credit, 1500.0),
    ("market", "affiliate_cafc_available", "affiliate_cafc_available_credits",
     lambda sc: sc.market.affiliate_cafc_available_credits, {2024: 10.0, 2025: 20.0}),
    ("market", "nev_transaction_cost", "nev_transaction_cost_cny_per_credit",
     lambda sc: sc.market.nev_transaction_cost_cny_per_credit, 5.0),
    ("linkage", "exchange_rate_credits_per_t", "exchange_rate_credits_per_t_co2e",
     lambda sc: sc.link.exchange_rate_credits_per_t_co2e, 0.5),
    ("linkage", "cea_price", "cea_price_cny_per_t_co2e",
     lambda sc: sc.cea_price_cny_per_t_co2e, {2024: 60.0, 2025: 80.0}),
    ("linkage", "offset_cap_t", "offset_cap_t_co2e",
     lambda sc: dict(sc.link.offset_cap_t_co2e), {2024: 100.0, 2025: 200.0}),
    ("ets", "covered_emissions_t", "covered_emissions_t_co2e",
     lambda sc: sc.ets.covered_emissions_t_co2e, {2024: 8.0e9, 2025: 8.0e9}),
    ("ets", "other_offsets_t", "other_offsets_t_co2e",
     lambda sc: sc.ets.other_offsets_t_co2e, {2024: 5.0e7, 2025: 5.0e7}),
    ("penalty", "uncovered_credit_cny", "penalty_cny_per_credit",
     lambda sc: sc.penalty_cny_per_credit, 5000.0),
    ("linkage", "max_cea_share_of_deficit", "max_cea_deficit_share",
     lambda sc: sc.link.max_cea_deficit_share, 0.5),
]
IDS = [k[1] for k in KEYS]
# where each key sits, as error keys name it
LOCATION = {"enterprise": "enterprise[A]", "technology": "enterprise[A].technology[0]"}


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def old_spelling(new: str, old: str) -> str:
    """NEW with the line of key ``new`` under the name ``old``."""
    text, n = re.subn(rf"(?m)^{new} =", f"{old} =", NEW)
    assert n == 1
    return text


TABLES = {"scenario": schema.ScenarioTable, "enterprise": schema.EnterpriseTable,
          "market": schema.MarketTable, "linkage": schema.LinkageTable,
          "ets": schema.EtsTable, "penalty": schema.PenaltyTable,
          "technology": schema.Technology, "abatement": schema.Abatement}
#: every deprecated spelling of a key of the format, from the vocabulary
ALIASES = sorted((t, old, new) for t, model in TABLES.items()
                 for old, new in deprecated_aliases(f"scenario.{t}").items()
                 if new in model.model_fields)


def test_every_renamed_key_of_the_brief_is_in_the_vocabulary():
    assert {(t, old, new) for t, old, new, _get, _v in KEYS} <= set(ALIASES)


@pytest.mark.parametrize(("table", "old", "new"), ALIASES, ids=[a[1] for a in ALIASES])
def test_every_deprecated_key_of_the_vocabulary_reads_as_its_new_name(table, old, new):
    doc = tomllib.loads(old_spelling(new, old))
    with pytest.warns(DeprecationWarning, match=rf"'{old}' is deprecated, use '{new}'"):
        got = schema.validate_document(schema.ScenarioDocument, doc, file="s.toml")
    assert got == schema.validate_document(schema.ScenarioDocument, tomllib.loads(NEW),
                                           file="s.toml")


def test_the_new_spelling_reads_the_values_given(tmp_path):
    sc = load_scenario(write(tmp_path, NEW))
    for _t, _old, _new, get, value in KEYS:
        assert get(sc) == value


@pytest.mark.parametrize(("table", "old", "new", "get", "value"), KEYS, ids=IDS)
def test_old_scenario_key_warns_naming_the_file_and_reads_the_same(tmp_path, table, old, new,
                                                                   get, value):
    path = write(tmp_path, old_spelling(new, old))
    with pytest.warns(DeprecationWarning, match=rf"'{old}' is deprecated, use '{new}'") as rec:
        sc = load_scenario(path)
    ours = [str(w.message) for w in rec if "is deprecated, use" in str(w.message)]
    assert len(ours) == 1 and ours[0].startswith(f"{path}: ")
    assert get(sc) == value == get(load_scenario(write(tmp_path, NEW, "new.toml")))


@pytest.mark.parametrize(("table", "old", "new", "get", "value"), KEYS, ids=IDS)
def test_old_and_new_spelling_together_is_a_located_error(tmp_path, table, old, new, get,
                                                          value):
    line = re.search(rf"(?m)^{new} = .*$", NEW).group(0)
    path = write(tmp_path, NEW.replace(line, line + "\n" + line.replace(new, old, 1)))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.file == str(path)
    assert info.value.key == f"{LOCATION.get(table, table)}.{old}"
    assert f"give only '{new}'" in info.value.rule


def test_old_and_new_spelling_together_exits_2_with_one_error_line(tmp_path):
    text = NEW.replace("nev_buy_price_cny_per_credit = [1000, 1100]",
                       "nev_buy_price_cny_per_credit = [1000, 1100]\nnev_buy_price = [1, 2]")
    path = write(tmp_path, text)
    result = CliRunner().invoke(main, ["optimize", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:")
    assert str(path) in lines[0] and "market.nev_buy_price" in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_cli_shows_an_old_key_as_one_warning_line(tmp_path):
    path = write(tmp_path, old_spelling("cea_price_cny_per_t_co2e", "cea_price"))
    with warnings.catch_warnings():
        warnings.resetwarnings()  # as a user's interpreter: no filter turning it into an error
        result = CliRunner().invoke(main, ["optimize", str(path), "--out",
                                           str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert [line for line in result.stderr.splitlines() if line.startswith("warning:")] == [
        f"warning: {path}: 'cea_price' is deprecated, use 'cea_price_cny_per_t_co2e' "
        "(scenario.linkage)"]


def test_read_scenario_document_gives_the_new_keys(tmp_path):
    path = write(tmp_path, old_spelling("cea_price_cny_per_t_co2e", "cea_price"))
    with pytest.warns(DeprecationWarning, match="'cea_price' is deprecated"):
        doc = read_scenario_document(path)
    assert doc["linkage"]["cea_price_cny_per_t_co2e"] == [60, 80]
    assert "cea_price" not in doc["linkage"]


# --------------------------------------------------------------------------- keyword arguments
# One enterprise, NEV deficit 1,000 credits in 2024, nothing but purchases to cover it.
ONE = {"scenario": {"name": "one", "years": [2024]},
       "enterprise": [{"name": "A", "cafc_credits": [0], "nev_credits": [-1000],
                       "abatement": [{"kind": "nev", "cost_cny_per_credit": 2000.0,
                                      "max_credits_per_year": 400.0}]}],
       "market": {"nev_buy_price_cny_per_credit": [1000.0],
                  "nev_sell_price_cny_per_credit": [0.0], "supply_demand_ratio": 1.8}}


def test_set_prices_old_keyword_warns_and_solves_as_the_new_one():
    sc = parse_scenario(ONE)
    new, old = EnterpriseModel(sc, "A"), EnterpriseModel(sc, "A")
    new.set_prices(nev_buy_price_cny_per_credit={2024: 800.0})
    with pytest.warns(DeprecationWarning, match="'nev_buy_price' is deprecated"):
        old.set_prices(nev_buy_price={2024: 800.0})
    # 1,000 credits bought at 800 (abatement at 2,000 is dearer)
    assert new.solve().total_cost_cny == pytest.approx(800_000.0)
    assert old.solve().total_cost_cny == pytest.approx(800_000.0)


def test_set_prices_old_abatement_cost_keyword():
    sc = parse_scenario(ONE)
    new, old = EnterpriseModel(sc, "A"), EnterpriseModel(sc, "A")
    new.set_prices(abatement_cost_cny_per_credit={0: 500.0})
    with pytest.warns(DeprecationWarning, match="'abatement_cost' is deprecated"):
        old.set_prices(abatement_cost={0: 500.0})
    # 400 credits abated at 500, the other 600 bought at 1,000
    assert new.solve().total_cost_cny == pytest.approx(400 * 500.0 + 600 * 1000.0)
    assert old.solve().total_cost_cny == pytest.approx(new.solve().total_cost_cny)


def test_set_prices_both_spellings_is_refused_and_changes_nothing():
    m = EnterpriseModel(parse_scenario(ONE), "A")
    with pytest.raises(InputError, match="give only 'nev_buy_price_cny_per_credit'") as info:
        m.set_prices(nev_buy_price={2024: 1.0}, nev_buy_price_cny_per_credit={2024: 2.0})
    assert info.value.key == "nev_buy_price"
    assert m.solve().total_cost_cny == pytest.approx(1_000_000.0)


def test_industry_set_prices_old_keywords():
    doc = {**ONE, "enterprise": ONE["enterprise"] + [
        {"name": "B", "cafc_credits": [0], "nev_credits": [300]}],
        "market": {"supply_demand_ratio": 1.8},
        "linkage": {"exchange_rate_credits_per_t_co2e": 0.5, "cea_price_cny_per_t_co2e": 900.0},
        "penalty": {"penalty_cny_per_credit": 5000.0}}
    sc = parse_scenario(doc)
    new, old = IndustryModel(sc), IndustryModel(sc)
    new.set_prices(cea_price_cny_per_t_co2e={2024: 100.0},
                   abatement_cost_cny_per_credit={"A": {0: 150.0}})
    with pytest.warns(DeprecationWarning) as rec:
        old.set_prices(cea_price={2024: 100.0}, abatement_cost={"A": {0: 150.0}})
    assert sorted(re.search(r"'(\w+)' is deprecated", str(w.message)).group(1)
                  for w in rec) == ["abatement_cost", "cea_price"]
    # A's 1,000 deficit: B's 300 surplus (a payment within the industry: no net cost), 400
    # abated at 150, the last 300 cleared by CEAs at 100 CNY/t / 0.5 credit/t = 200 CNY/credit
    a, b = new.solve(), old.solve()
    assert a.total_cost_cny == pytest.approx(b.total_cost_cny)
    assert a.total_cost_cny == pytest.approx(400 * 150.0 + 300 * 200.0)


def test_enterprise_model_and_backcast_old_keywords():
    sc = parse_scenario(ONE)  # no linkage: prices per tonne use the given t CO2e per credit
    with pytest.warns(DeprecationWarning, match="'t_per_credit_for_prices' is deprecated"):
        old = EnterpriseModel(sc, "A", t_per_credit_for_prices=2.0)
    assert old._tpc() == 2.0 == EnterpriseModel(sc, "A", price_t_co2e_per_credit=2.0)._tpc()
    with pytest.warns(DeprecationWarning, match="'scale' is deprecated"), \
            pytest.raises(InputError, match="scale_factor must be > 0"):
        backcast(scale=0.0)


def test_verify_plan_old_offset_limit_keyword():
    # O1, O2: CAFC +100 each, 60 sold as offsets each at 2 credits/t: 60 t, the ETS takes 50 t
    # (100 credits): 20 credits over
    st = pd.DataFrame({"enterprise": ["O1", "O2"], "year": [2025, 2025],
                       "cafc_credits": [100.0, 100.0], "nev_credits": [0.0, 0.0],
                       "group": ["O1", "O2"], "nev_carry_eligible": [True, True]})
    plan = pd.DataFrame([{"enterprise": e, "year": 2025, "instrument": "cafc", "vintage": 2025,
                          "action": "sell_offset", "quantity": 60.0} for e in ("O1", "O2")])
    link = CarbonLink(2.0, allow_credit_offsets=True)
    kw = {"years": [2025], "supply_demand_ratio": {2025: 1.8}, "link": link}
    new = verify_plan(plan, st, **kw, offset_limit_t_co2e={2025: 50.0})
    with pytest.warns(DeprecationWarning, match="'offset_limit_t' is deprecated"):
        old = verify_plan(plan, st, **kw, offset_limit_t={2025: 50.0})
    assert [(v.rule, v.amount_credits) for v in new] == [
        ("offsets_within_limit", pytest.approx(20.0))]
    assert [(v.rule, v.amount_credits) for v in old] == [(v.rule, v.amount_credits) for v in new]


def test_verify_plan_old_affiliate_supply_keyword():
    # R: CAFC -150 in 2025 cleared by 150 credits from affiliates outside the plan, who can give
    # 100: 50 over
    st = pd.DataFrame({"enterprise": ["R"], "year": [2025], "cafc_credits": [-150.0],
                       "nev_credits": [0.0], "group": ["G"], "nev_carry_eligible": [True]})
    plan = pd.DataFrame([
        {"enterprise": "R", "year": 2025, "instrument": "affiliate_cafc", "vintage": 2025,
         "action": "transfer_in", "quantity": 150.0, "counterparty": "<affiliates>"},
        {"enterprise": "R", "year": 2025, "instrument": "affiliate_cafc", "vintage": 2025,
         "action": "offset_cafc", "quantity": 150.0, "counterparty": None}])
    kw = {"years": [2025], "supply_demand_ratio": {2025: 1.8}}
    new = verify_plan(plan, st, **kw,
                      affiliate_cafc_available_credits={("R", 2025): 100.0})
    with pytest.warns(DeprecationWarning, match="'affiliate_supply' is deprecated"):
        old = verify_plan(plan, st, **kw, affiliate_supply={("R", 2025): 100.0})
    assert [(v.rule, v.amount_credits) for v in new] == [("affiliate_supply_exceeded",
                                                  pytest.approx(50.0))]
    assert [(v.rule, v.amount_credits) for v in old] == [(v.rule, v.amount_credits) for v in new]


def test_conversions_old_keywords():
    # the reference's worked case: 865,300 t x 98.00 CNY/t x 5
    with pytest.warns(DeprecationWarning) as rec:
        fine = ets_penalty(shortfall_t=865_300, average_price_prev_month=98.0, multiple=5)
    assert sorted(re.search(r"'(\w+)' is deprecated", str(w.message)).group(1) for w in rec) \
        == ["average_price_prev_month", "multiple", "shortfall_t"]
    assert fine.magnitude == pytest.approx(423_997_000.0)
    assert ets_penalty(shortfall_t_co2e=865_300, average_price_prev_month_cny_per_t_co2e=98.0,
                       price_multiplier=5) == fine
    draws = pd.DataFrame({"t_co2e_per_credit": [1.0, 2.0, 3.0, 4.0, 5.0],
                          "credits_per_t_co2e": [1.0, 0.5, 1 / 3, 0.25, 0.2]})
    with pytest.warns(DeprecationWarning, match="'level' is deprecated"):
        old = exchange_rate_interval(draws, level=0.5)
    pd.testing.assert_frame_equal(old, exchange_rate_interval(draws, coverage_share=0.5))
    basis = get_basis("ttw-real-world")
    new = credit_value_at_cea_price(10.0, cea_price_cny_per_t_co2e=100.0, basis=basis)
    with pytest.warns(DeprecationWarning, match="'cea_price' is deprecated"):
        old = credit_value_at_cea_price(10.0, cea_price=100.0, basis=basis)
    assert old == new


# --------------------------------------------------------------------------- attributes
def _instances(tmp_path: Path) -> dict[str, object]:
    sc = load_scenario(write(tmp_path, NEW))
    effect = TechnologyEffect(2025, 0.1, 2.0, -20.0, 10, 0.0, 0.0, "ttw-real-world")
    return {"Scenario": sc, "MarketInput": sc.market, "CarbonLink": sc.link, "EtsInput": sc.ets,
            "EnterpriseInput": sc.enterprises[0],
            "TechnologyOption": sc.enterprises[0].technology[0], "EtsSide": ets_side(2025),
            "TechnologyEffect": effect, "ReserveVariant": ReserveVariant(800.0, 100.0)}


def test_old_attribute_names_read_the_new_ones_and_warn(tmp_path):
    checked = set()
    for cls, obj in _instances(tmp_path).items():
        for old, new in deprecated_aliases(f"python.{cls}").items():
            with pytest.warns(DeprecationWarning, match=f"{cls}.'{old}' is deprecated"):
                value = getattr(obj, old)
            assert value == getattr(obj, new)
            checked.add((cls, old))
    assert {("MarketInput", "nev_buy_price"), ("MarketInput", "nev_sell_price"),
            ("MarketInput", "nev_buy_limit"), ("MarketInput", "reserve_price"),
            ("MarketInput", "affiliate_cafc_available"), ("MarketInput", "nev_transaction_cost"),
            ("Scenario", "cea_price"), ("Scenario", "offset_limit_t"),
            ("CarbonLink", "exchange_rate_credits_per_t"), ("CarbonLink", "offset_cap_t"),
            ("CarbonLink", "max_cea_share_of_deficit"), ("CarbonLink", "t_per_credit"),
            ("Scenario", "basis_t_per_credit"), ("ReserveVariant", "price_cny_per_credit"),
            ("EtsInput", "covered_emissions_t"), ("EtsInput", "other_offsets_t"),
            ("EtsInput", "offset_limit_t"), ("EtsSide", "covered_emissions_t"),
            ("EtsSide", "other_offsets_t"), ("EtsSide", "offset_limit_t"),
            ("EnterpriseInput", "conventional_fleet_meets_threshold"),
            ("TechnologyOption", "co2_t_per_unit"), ("TechnologyEffect", "co2_t_per_unit")
            } <= checked


def test_old_constructor_keywords():
    with pytest.warns(DeprecationWarning, match="'exchange_rate_credits_per_t' is deprecated"):
        link = CarbonLink(exchange_rate_credits_per_t=2.0, offset_cap_t_co2e={2025: 5.0})
    assert link == CarbonLink(exchange_rate_credits_per_t_co2e=2.0,
                              offset_cap_t_co2e={2025: 5.0})
    assert link.t_co2e_per_credit == 0.5
    with pytest.raises(InputError, match="give only 'offset_cap_t_co2e'"):
        CarbonLink(2.0, offset_cap_t={2025: 5.0}, offset_cap_t_co2e={2025: 5.0})


def test_the_library_itself_uses_no_old_name(tmp_path):
    sc = load_scenario(write(tmp_path, NEW))
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        EnterpriseModel(sc, "A").solve()
        IndustryModel(sc).solve()


# --------------------------------------------------------------------------- sweeps
SWEEP_BASE = """\
[scenario]
name = "sweep"
years = [2024]

[[enterprise]]
name = "A"
cafc_credits = 0
nev_credits = -1000

[market]
nev_buy_price_cny_per_credit = 1000
supply_demand_ratio = 1.8

[linkage]
exchange_rate_credits_per_t_co2e = 0.5
cea_price_cny_per_t_co2e = 100
"""


def test_sweep_axis_with_an_old_key_warns_and_solves_as_the_new_one():
    doc = tomllib.loads(SWEEP_BASE)
    new = run_scenarios(doc, [{"linkage.cea_price_cny_per_t_co2e": 300}], model="enterprise",
                        progress=False)
    with pytest.warns(DeprecationWarning, match="'cea_price' is deprecated"):
        old = run_scenarios(doc, [{"linkage.cea_price": 300}], model="enterprise",
                            progress=False)
    pd.testing.assert_frame_equal(old, new)
    # CEA at 300 CNY/t clears a credit for 600 CNY, below the 1,000 market price
    assert list(new["set:linkage.cea_price_cny_per_t_co2e"]) == [300]
    assert new["total_cost_cny"].tolist() == pytest.approx([1000 * 300 / 0.5])


def test_sweep_file_with_old_keys_warns_naming_each_file(tmp_path):
    base = write(tmp_path, SWEEP_BASE.replace("cea_price_cny_per_t_co2e =", "cea_price ="),
                 "base.toml")
    sweep = write(tmp_path, '[sweep]\nbase = "base.toml"\nmodel = "enterprise"\n[grid]\n'
                  '"penalty.uncovered_credit_cny" = [5000]\n', "sweep.toml")
    with pytest.warns(DeprecationWarning) as rec:
        _base, changes, _model, _batch = load_sweep(sweep)
    messages = [str(w.message) for w in rec if w.category is DeprecationWarning]
    assert any(str(base.resolve()) in m and "'cea_price'" in m for m in messages)
    assert any(str(sweep) in m and "'uncovered_credit_cny'" in m for m in messages)
    assert changes == [{"penalty.penalty_cny_per_credit": 5000}]


def test_sweep_case_with_both_spellings_is_a_located_error(tmp_path):
    write(tmp_path, SWEEP_BASE, "base.toml")
    sweep = write(tmp_path, '[sweep]\nbase = "base.toml"\n[[case]]\n'
                  '"linkage.cea_price" = 10\n"linkage.cea_price_cny_per_t_co2e" = 10\n',
                  "sweep.toml")
    with pytest.raises(InputError) as info:
        load_sweep(sweep)
    assert info.value.file == str(sweep)
    assert info.value.key == "case[0].linkage.cea_price"
