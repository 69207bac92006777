"""Scenario files and the optimisation API refuse bad input with a located error, never a
silently wrong result (issue 10): values aligned with years by value, finite numbers only,
keys and types checked in every table, unreadable files named, set_prices all or nothing.

Expected costs are computed by hand in the comments.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pyomo.environ as pyo
import pytest
from click.testing import CliRunner

from linkage.cli import main
from linkage.errors import InputError, LinkageError
from optimize import EnterpriseModel, ScenarioError, load_scenario, optimize_scenario
from optimize.industry import IndustryModel
from optimize.scenario import UnknownEnterpriseError, parse_scenario


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# --------------------------------------------------------------------------- years by value
UNSORTED = """\
[scenario]
name = "unsorted years"
years = [2025, 2024]
discount_rate = 0.1

[[enterprise]]
name = "Alpha"
cafc_credits = [0, 0]
nev_credits = [-2000, -1000]

[market]
nev_buy_price_cny_per_credit = [1100, 1000]
supply_demand_ratio = 1.8
"""


def test_unsorted_years_keep_each_value_with_its_year(tmp_path):
    # 2025: deficit 2,000 at 1,100; 2024: deficit 1,000 at 1,000 (ratio 1.8: no pool).
    # 2024 (first year, undiscounted): 1,000 x 1,000 = 1,000,000
    # 2025: 2,000 x 1,100 / 1.1 = 2,000,000                 -> 3,000,000
    # (values paired by position with the sorted years would give
    #  2,000 x 1,100 + 1,000 x 1,000 / 1.1 = 3,109,091)
    sc = load_scenario(write(tmp_path, UNSORTED))
    assert sc.years == [2024, 2025]
    ent = sc.enterprises[0]
    assert ent.nev_credits == {2024: -1000.0, 2025: -2000.0}
    assert sc.market.nev_buy_price_cny_per_credit == {2024: 1000.0, 2025: 1100.0}
    res = optimize_scenario(sc)
    assert res.total_cost_cny == pytest.approx(1_000_000.0 + 2_000 * 1_100 / 1.1)
    assert res.total_cost_cny == pytest.approx(3_000_000.0)


def test_unsorted_list_table_and_sorted_forms_agree(tmp_path):
    table = UNSORTED.replace("nev_buy_price_cny_per_credit = [1100, 1000]",
                             "nev_buy_price_cny_per_credit = { 2024 = 1000, 2025 = 1100 }")
    ordered = (UNSORTED.replace("years = [2025, 2024]", "years = [2024, 2025]")
               .replace("[-2000, -1000]", "[-1000, -2000]")
               .replace("[1100, 1000]", "[1000, 1100]"))
    costs = [optimize_scenario(load_scenario(write(tmp_path, t, f"{i}.toml"))).total_cost_cny
             for i, t in enumerate([UNSORTED, table, ordered])]
    assert costs == pytest.approx([3_000_000.0] * 3)


DOC = {
    "scenario": {"name": "x", "years": [2025, 2024]},
    "enterprise": [{"name": "A", "cafc_credits": [0, 0], "nev_credits": [-10, -10]}],
    "market": {"nev_buy_price_cny_per_credit": [1000, 1000]},
}

# every per-year key of the format, with two values for years [2025, 2024]
PER_YEAR = [
    (("enterprise", 0, "cafc_credits"), [5.0, -7.0], lambda sc: sc.enterprises[0].cafc_credits),
    (("enterprise", 0, "nev_credits"), [-3.0, -9.0], lambda sc: sc.enterprises[0].nev_credits),
    (("enterprise", 0, "nev_carry_eligible"), [False, True],
     lambda sc: sc.enterprises[0].nev_carry_eligible),
    (("market", "nev_buy_price_cny_per_credit"), [1100.0, 1000.0],
     lambda sc: sc.market.nev_buy_price_cny_per_credit),
    (("market", "nev_sell_price_cny_per_credit"), [900.0, 800.0],
     lambda sc: sc.market.nev_sell_price_cny_per_credit),
    (("market", "nev_buy_limit_credits"), [50.0, 40.0], lambda sc: sc.market.nev_buy_limit_credits),
    (("market", "supply_demand_ratio"), [2.5, 1.2], lambda sc: sc.market.supply_demand_ratio),
    (("market", "affiliate_cafc_available_credits"), [3.0, 0.0],
     lambda sc: sc.market.affiliate_cafc_available_credits),
    (("linkage", "cea_price_cny_per_t_co2e"), [80.0, 60.0], lambda sc: sc.cea_price_cny_per_t_co2e),
    (("linkage", "offset_cap_t_co2e"), [7.0, 2.0], lambda sc: sc.link.offset_cap_t_co2e),
]


def _set(doc, path, value):
    node = doc
    for p in path[:-1]:
        node = node.setdefault(p, {}) if isinstance(p, str) else node[p]
    node[path[-1]] = value


@pytest.mark.parametrize(("path", "values", "get"), PER_YEAR,
                         ids=[".".join(map(str, p[0])) for p in PER_YEAR])
def test_every_per_year_list_follows_the_years_order(path, values, get):
    d = copy.deepcopy(DOC)
    d["linkage"] = {"exchange_rate_credits_per_t_co2e": 0.2, "cea_price_cny_per_t_co2e": 100}
    _set(d, path, values)
    sc = parse_scenario(d)
    assert get(sc) == {2025: values[0], 2024: values[1]}
    assert list(get(sc)) == [2024, 2025]  # in year order


@pytest.mark.parametrize(("years", "key", "words"), [
    ("[2024, 2024]", "scenario.years", ["2024", "more than once"]),
    ("[2024, 2025, 2024]", "scenario.years", ["more than once"]),
    ("[2024.5, 2025]", "scenario.years[0]", ["integer", "2024.5"]),
    ("[2024, 2025.0]", "scenario.years[1]", ["integer", "2025.0"]),
    ("[true, 2025]", "scenario.years[0]", ["integer", "true"]),
    ('["2024", 2025]', "scenario.years[0]", ["integer", "'2024'"]),
    ("2024", "scenario.years", ["list"]),
    ("[]", "scenario.years", ["at least one"]),
    ("[2024, 2026]", "scenario.years", ["consecutive"]),
])
def test_bad_years_are_refused_not_truncated(tmp_path, years, key, words):
    p = write(tmp_path, UNSORTED.replace("years = [2025, 2024]", f"years = {years}"))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert info.value.key == key and info.value.file == str(p)
    for w in words:
        assert w in str(info.value)


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ("nev_buy_price_cny_per_credit = [1100, 1000]",
     "nev_buy_price_cny_per_credit = { 2024 = 1000 }", "market.nev_buy_price_cny_per_credit",
     ["no value", "2025"]),
    ("nev_buy_price_cny_per_credit = [1100, 1000]",
     "nev_buy_price_cny_per_credit = { 2024 = 1, 2025 = 1, 2026 = 1 }",
     "market.nev_buy_price_cny_per_credit", ["2026", "not scenario years"]),
    ("nev_buy_price_cny_per_credit = [1100, 1000]",
     "nev_buy_price_cny_per_credit = { y2024 = 1, 2025 = 1 }",
     "market.nev_buy_price_cny_per_credit.y2024", ["keys must be years"]),
    ("nev_buy_price_cny_per_credit = [1100, 1000]",
     'nev_buy_price_cny_per_credit = { "2024.0" = 1, 2025 = 1 }',
     "market.nev_buy_price_cny_per_credit.2024.0", ["keys must be years"]),
    ("nev_buy_price_cny_per_credit = [1100, 1000]", "nev_buy_price_cny_per_credit = [1100]",
     "market.nev_buy_price_cny_per_credit",
     ["expected 2 values"]),
])
def test_per_year_tables_and_lists_must_cover_exactly_the_years(tmp_path, old, new, key, words):
    p = write(tmp_path, UNSORTED.replace(old, new))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert info.value.key == key
    for w in words:
        assert w in str(info.value)


# --------------------------------------------------------------------------- numbers
FULL = """\
[scenario]
name = "every number"
years = [2024, 2025]
discount_rate = 0.05

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
nev_buy_limit_credits = [5000, 5000]
supply_demand_ratio = [1.8, 1.8]
reserve_price_cny_per_credit = 1500
reserve_max_credits_per_year = 1000
affiliate_cafc_available_credits = [0, 10]
nev_transaction_cost_cny_per_credit = 10

[linkage]
exchange_rate_credits_per_t_co2e = 0.2
cea_price_cny_per_t_co2e = [90, 100]
max_cea_deficit_share = 0.5
allow_credit_offsets = true
offset_cap_t_co2e = [100, 100]

[penalty]
penalty_cny_per_credit = 5000
"""

# (old text, the number's key when a list element is replaced, key of a scalar)
NUMBERS = [
    ("discount_rate = 0.05", "scenario.discount_rate"),
    ("cafc_credits = [100, -200]", "enterprise[Alpha].cafc_credits[1]"),
    ("nev_credits = [-50, 30]", "enterprise[Alpha].nev_credits[1]"),
    ("cost_cny_per_credit = 900", "enterprise[Alpha].abatement[0].cost_cny_per_credit"),
    ("max_credits_per_year = 100 }", "enterprise[Alpha].abatement[0].max_credits_per_year"),
    ("cafc = { 2022 = 100 }", "enterprise[Alpha].opening.cafc.2022"),
    ("nev_buy_price_cny_per_credit = [1000, 1100]", "market.nev_buy_price_cny_per_credit[1]"),
    ("nev_sell_price_cny_per_credit = [800, 900]", "market.nev_sell_price_cny_per_credit[1]"),
    ("nev_buy_limit_credits = [5000, 5000]", "market.nev_buy_limit_credits[1]"),
    ("supply_demand_ratio = [1.8, 1.8]", "market.supply_demand_ratio[1]"),
    ("reserve_price_cny_per_credit = 1500", "market.reserve_price_cny_per_credit"),
    ("reserve_max_credits_per_year = 1000", "market.reserve_max_credits_per_year"),
    ("affiliate_cafc_available_credits = [0, 10]", "market.affiliate_cafc_available_credits[1]"),
    ("nev_transaction_cost_cny_per_credit = 10", "market.nev_transaction_cost_cny_per_credit"),
    ("exchange_rate_credits_per_t_co2e = 0.2", "linkage.exchange_rate_credits_per_t_co2e"),
    ("cea_price_cny_per_t_co2e = [90, 100]", "linkage.cea_price_cny_per_t_co2e[1]"),
    ("max_cea_deficit_share = 0.5", "linkage.max_cea_deficit_share"),
    ("offset_cap_t_co2e = [100, 100]", "linkage.offset_cap_t_co2e[1]"),
    ("penalty_cny_per_credit = 5000", "penalty.penalty_cny_per_credit"),
]


def _replace_number(old: str, literal: str) -> str:
    """The same line with its (last) number replaced by ``literal``."""
    if old.endswith("]"):
        return old[: old.rindex(",") + 1] + f" {literal}]"
    if old.endswith("}"):
        return old[: old.rindex("=") + 1] + f" {literal} }}"
    return old[: old.rindex("=") + 1] + f" {literal}"


def test_full_scenario_is_valid(tmp_path):
    sc = load_scenario(write(tmp_path, FULL))
    assert sc.market.reserve_price_cny_per_credit == 1500.0 and sc.penalty_cny_per_credit == 5000.0


@pytest.mark.parametrize("literal", ["inf", "-inf", "nan", "+inf"])
@pytest.mark.parametrize(("old", "key"), NUMBERS, ids=[k for _o, k in NUMBERS])
def test_non_finite_numbers_are_refused_everywhere(tmp_path, old, key, literal):
    assert old in FULL
    p = write(tmp_path, FULL.replace(old, _replace_number(old, literal)))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert info.value.key == key and info.value.file == str(p)
    assert "finite" in info.value.rule


SIGNED = {"enterprise[Alpha].cafc_credits[1]", "enterprise[Alpha].nev_credits[1]"}


@pytest.mark.parametrize(("old", "key"), NUMBERS, ids=[k for _o, k in NUMBERS])
def test_negative_numbers_only_for_credit_positions(tmp_path, old, key):
    p = write(tmp_path, FULL.replace(old, _replace_number(old, "-1")))
    if key in SIGNED:  # a deficit is a negative position
        assert load_scenario(p) is not None
        return
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert info.value.key == key
    assert "-1" in info.value.rule


@pytest.mark.parametrize("literal", ["true", '"100"', "'1,500'", "[1]", "{ a = 1 }"])
@pytest.mark.parametrize(("old", "key"), NUMBERS[::3], ids=[k for _o, k in NUMBERS[::3]])
def test_a_number_must_be_a_number_never_coerced(tmp_path, old, key, literal):
    p = write(tmp_path, FULL.replace(old, _replace_number(old, literal)))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    # a list or table where a list element is expected lands one level deeper for lists
    assert info.value.key.startswith(key.split("[")[0].removesuffix(".2022"))
    assert "expected" in info.value.rule


@pytest.mark.parametrize(("old", "new", "key"), [
    ("allow_credit_offsets = true", "allow_credit_offsets = 1", "linkage.allow_credit_offsets"),
    ("allow_credit_offsets = true", 'allow_credit_offsets = "true"',
     "linkage.allow_credit_offsets"),
    ('name = "Alpha"', "name = 5", "enterprise[0].name"),
    ('name = "every number"', "name = 5", "scenario.name"),
    ('kind = "nev"', 'kind = "bev"', "enterprise[Alpha].abatement[0].kind"),
    ("[enterprise.opening]", "[enterprise.opening.cafc_]", "enterprise[Alpha].opening.cafc_"),
])
def test_types_as_documented(tmp_path, old, new, key):
    p = write(tmp_path, FULL.replace(old, new))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert info.value.key == key


# --------------------------------------------------------------------------- keys
@pytest.mark.parametrize(("old", "new", "key", "hint"), [
    ("[scenario]", "[scenarios]", "scenarios", "scenario"),
    ("discount_rate = 0.05", "discount = 0.05", "scenario.discount", "discount_rate"),
    ('name = "Alpha"', 'name = "Alpha"\ngruop = "G"', "enterprise[Alpha].gruop", "group"),
    ("cafc = { 2022 = 100 }", "cafc = { 2022 = 100 }\npol = {}",
     "enterprise[Alpha].opening.pol", "pool"),
    ("max_credits_per_year = 100 }", "max_credit_per_year = 100 }",
     "enterprise[Alpha].abatement[0].max_credit_per_year", "max_credits_per_year"),
    ("reserve_price_cny_per_credit = 1500", "reserve_prise_cny_per_credit = 1500",
     "market.reserve_prise_cny_per_credit", "reserve_price_cny_per_credit"),
    ("cea_price_cny_per_t_co2e = [90, 100]",
     "cea_price_cny_per_t_co2e = [90, 100]\ncea_price_cny_per_t = 1",
     "linkage.cea_price_cny_per_t", "cea_price_cny_per_t_co2e"),
    ("penalty_cny_per_credit = 5000", "penalty_cny_per_credits = 5000",
     "penalty.penalty_cny_per_credits", "penalty_cny_per_credit"),
])
def test_unknown_keys_in_every_table_with_did_you_mean(tmp_path, old, new, key, hint):
    assert old in FULL
    p = write(tmp_path, FULL.replace(old, new))
    with pytest.raises(ScenarioError) as info:
        load_scenario(p)
    assert info.value.key == key
    assert f"did you mean '{hint}'?" in info.value.rule
    assert str(info.value).startswith(f"{p}, key '{key}': unknown")


# --------------------------------------------------------------------------- files
def test_unreadable_files_are_located_errors(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory") as info:
        load_scenario(tmp_path)
    assert info.value.file == str(tmp_path)
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario(tmp_path / "absent.toml")
    p = tmp_path / "latin1.toml"
    p.write_bytes('[scenario]\nname = "Citroën"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError, match=r"not UTF-8.*line 2") as info:
        load_scenario(p)
    assert info.value.file == str(p)
    p = write(tmp_path, "[scenario]\nname = 'x'\nyears = [2024,\n[market]\n", "syntax.toml")
    with pytest.raises(ScenarioError, match=r"not valid TOML.*line 4") as info:
        load_scenario(p)
    assert info.value.file == str(p)


def test_a_utf8_byte_order_mark_is_not_part_of_the_text(tmp_path):
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + UNSORTED.encode("utf-8"))
    assert optimize_scenario(load_scenario(p)).total_cost_cny == pytest.approx(3_000_000.0)


def test_rules_path_that_is_a_directory(tmp_path):
    p = write(tmp_path, FULL.replace('name = "every number"',
                                     'name = "every number"\nrules = "."'))
    with pytest.raises(ScenarioError, match="is a directory") as info:
        load_scenario(p)
    assert info.value.key == "scenario.rules"


def test_parse_scenario_refuses_a_non_table():
    with pytest.raises(ScenarioError):
        parse_scenario([1, 2])  # type: ignore[arg-type]


# --------------------------------------------------------------------------- CLI
BAD_FILES = [
    ("years = [2025, 2024]", "years = [2025, 2025]", "scenario.years"),
    ("nev_buy_price_cny_per_credit = [1100, 1000]", "nev_buy_price_cny_per_credit = [1100, inf]",
     "market.nev_buy_price_cny_per_credit[1]"),
    ("nev_buy_price_cny_per_credit = [1100, 1000]", "nev_buy_price_cny_per_credit = [1100, nan]",
     "market.nev_buy_price_cny_per_credit[1]"),
    ("supply_demand_ratio = 1.8", "supply_demand_ratio = true", "market.supply_demand_ratio"),
    ("supply_demand_ratio = 1.8", "supply_demand_ratio = 1.8\nreserve = 5", "market.reserve"),
]


@pytest.mark.parametrize("command", ["optimize", "market", "brief"])
@pytest.mark.parametrize(("old", "new", "key"), BAD_FILES, ids=[b[2] for b in BAD_FILES])
def test_cli_exits_2_with_one_line_naming_file_and_key(tmp_path, command, old, new, key):
    p = write(tmp_path, UNSORTED.replace(old, new), "bad.toml")
    res = CliRunner().invoke(main, [command, str(p), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert str(p) in lines[0] and f"key '{key}'" in lines[0]


@pytest.mark.parametrize("command", ["optimize", "market", "brief"])
def test_cli_toml_syntax_error_names_file_and_line(tmp_path, command):
    p = write(tmp_path, "[scenario]\nname = 'x'\nyears = 20x4\n[market]\n", "syntax.toml")
    res = CliRunner().invoke(main, [command, str(p), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(p) in lines[0] and "line 3" in lines[0]


# --------------------------------------------------------------------------- API
TWO = """\
[scenario]
name = "two"
years = [2024, 2025]

[[enterprise]]
name = "Alpha"
cafc_credits = [0, 0]
nev_credits = [-1000, -1000]
abatement = [{ kind = "nev", cost_cny_per_credit = 5000, max_credits_per_year = 10 }]

[[enterprise]]
name = "Beta"
cafc_credits = [0, 0]
nev_credits = [500, 500]
nev_carry_eligible = [false, false]
abatement = [{ kind = "nev", cost_cny_per_credit = 5000, max_credits_per_year = 10 }]

[market]
nev_buy_price_cny_per_credit = [1000, 1100]
nev_sell_price_cny_per_credit = [0, 0]
supply_demand_ratio = 1.8

[linkage]
exchange_rate_credits_per_t_co2e = 0.2
cea_price_cny_per_t_co2e = 100
allow_cea_for_deficits = false

[penalty]
penalty_cny_per_credit = 5000
"""


@pytest.fixture
def two(tmp_path):
    return load_scenario(write(tmp_path, TWO, "two.toml"))


def test_unknown_enterprise_is_a_located_library_error(two):
    with pytest.raises(UnknownEnterpriseError) as info:
        EnterpriseModel(two, "Alpah")
    exc = info.value
    assert isinstance(exc, LinkageError) and isinstance(exc, InputError)
    assert isinstance(exc, KeyError)  # a failed lookup, as before
    assert exc.file == two.source and exc.key == "enterprise"
    msg = str(exc)
    assert "'Alpah'" in msg and "did you mean 'Alpha'?" in msg and "'Beta'" in msg
    with pytest.raises(UnknownEnterpriseError, match="known: 'Alpha', 'Beta'"):
        EnterpriseModel(two, "Nobody")


def _prices(m):
    return {name: {t: pyo.value(p[t]) for t in p} if p.is_indexed() else pyo.value(p)
            for name, p in (("buy", m.model.p_buy), ("sell", m.model.p_sell),
                            ("cea", m.model.p_cea), ("abate", m.model.p_abate),
                            ("penalty", m.model.p_penalty))}


@pytest.mark.parametrize("kwargs", [
    {"nev_buy_price_cny_per_credit": {2024: 900.0},
     "nev_sell_price_cny_per_credit": {2025: 2000.0}},  # sell > buy 1,100
    {"nev_buy_price_cny_per_credit": {2024: 900.0, 2025: float("nan")}},
    {"nev_buy_price_cny_per_credit": {2024: 900.0, 2025: float("inf")}},
    {"nev_buy_price_cny_per_credit": {2024: 900.0, 2026: 1000.0}},  # not a scenario year
    {"nev_buy_price_cny_per_credit": {2024: 900.0, 2025: True}},
    {"nev_buy_price_cny_per_credit": {2024: 900.0, 2025: "1000"}},
    {"nev_buy_price_cny_per_credit": {2024: 900.0}, "penalty_cny_per_credit": -1.0},
    {"nev_buy_price_cny_per_credit": {2024: 900.0}, "penalty_cny_per_credit": float("nan")},
    {"nev_buy_price_cny_per_credit": {2024: 900.0}, "cea_price_cny_per_t_co2e": {2024: -5.0}},
    {"nev_buy_price_cny_per_credit": {2024: 900.0}, "abatement_cost_cny_per_credit": {1: 10.0}},
    # one segment only
    {"nev_buy_price_cny_per_credit": {2024: 900.0}, "reserve_price_cny_per_credit": 800.0},
    # built without the reserve
    {"nev_buy_price_cny_per_credit": 900.0},  # not a dict
])
def test_rejected_set_prices_changes_nothing(two, kwargs):
    m = EnterpriseModel(two, "Alpha")
    before = _prices(m)
    with pytest.raises(InputError):
        m.set_prices(**kwargs)
    assert _prices(m) == before
    # Alpha still buys 1,000 at 1,000 and 1,000 at 1,100 (undiscounted): 2,100,000
    assert m.solve().total_cost_cny == pytest.approx(2_100_000.0)


def test_accepted_set_prices_applies(two):
    m = EnterpriseModel(two, "Alpha")
    m.set_prices(nev_buy_price_cny_per_credit={2024: 900.0}, penalty_cny_per_credit=950.0)
    # 2024: penalty 950 > 900: buy 1,000 x 900; 2025: 950 < 1,100: uncovered 1,000 x 950
    assert m.solve().total_cost_cny == pytest.approx(900_000.0 + 950_000.0)


def test_cea_price_needs_a_linkage(tmp_path):
    sc = load_scenario(write(tmp_path, UNSORTED))
    with pytest.raises(InputError, match="without a carbon-market linkage"):
        EnterpriseModel(sc, "Alpha").set_prices(cea_price_cny_per_t_co2e={2024: 50.0})


def test_industry_set_prices_all_or_nothing(two):
    ind = IndustryModel(two)
    before = {n: _prices(f) for n, f in ind.firms.items()}
    bad = [
        {"cea_price_cny_per_t_co2e": {2024: 50.0},
         "abatement_cost_cny_per_credit": {"Beta": {0: -1.0}}},
        {"cea_price_cny_per_t_co2e": {2024: 50.0},
         "abatement_cost_cny_per_credit": {"Bta": {0: 1.0}}},
        {"cea_price_cny_per_t_co2e": {2024: 50.0}, "penalty_cny_per_credit": -5.0},
        {"cea_price_cny_per_t_co2e": {2024: float("nan")}},
    ]
    for kwargs in bad:
        with pytest.raises(InputError):
            ind.set_prices(**kwargs)
        assert {n: _prices(f) for n, f in ind.firms.items()} == before
    with pytest.raises(UnknownEnterpriseError, match="did you mean 'Beta'"):
        ind.set_prices(abatement_cost_cny_per_credit={"Bta": {0: 1.0}})
