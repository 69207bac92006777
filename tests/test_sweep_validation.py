"""Sweep files are checked before any solve (issue 10): their own keys and types, every
varied key against the scenario format, every value (finite, typed, aligned with the years)
and the form of the base scenario; errors name the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from linkage.cli import main
from linkage.errors import InputError
from optimize import ScenarioError
from optimize.sweep import load_sweep, run_scenarios

BASE = """\
[scenario]
name = "base"
years = [2024, 2025]

[[enterprise]]
name = "A"
cafc_credits = [0, 0]
nev_credits = [-100, -100]

[market]
nev_buy_price_cny_per_credit = [1000, 1000]
supply_demand_ratio = 1.8

[linkage]
exchange_rate_credits_per_t_co2e = 0.2
cea_price_cny_per_t_co2e = [50, 60]
"""

HEAD = '[sweep]\nbase = "base.toml"\n'


def setup(tmp_path: Path, sweep: str, base: str = BASE) -> Path:
    (tmp_path / "base.toml").write_text(base, encoding="utf-8")
    p = tmp_path / "sweep.toml"
    p.write_text(sweep, encoding="utf-8")
    return p


def test_a_valid_sweep_loads(tmp_path):
    p = setup(tmp_path,
              HEAD + '[grid]\n"linkage.cea_price_cny_per_t_co2e" = [10, [20, 30], {2024 = 1, '
              '2025 = 2}]\n[[case]]\n"rule.nev.ratio" = 0.5\n"penalty.penalty_cny_per_credit" '
              "= 5000\n")
    base, changes, model, batch = load_sweep(p)
    assert base == (tmp_path / "base.toml").resolve() and (model, batch) == ("industry", 50)
    assert changes == [{"linkage.cea_price_cny_per_t_co2e": 10},
                       {"linkage.cea_price_cny_per_t_co2e": [20, 30]},
                       {"linkage.cea_price_cny_per_t_co2e": {"2024": 1, "2025": 2}},
                       {"rule.nev.ratio": 0.5, "penalty.penalty_cny_per_credit": 5000}]


BAD = [
    # (sweep file after [sweep] base = ..., key, words)
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = [10, inf]\n',
     "grid.linkage.cea_price_cny_per_t_co2e[1]", ["finite"]),
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = [10, nan]\n',
     "grid.linkage.cea_price_cny_per_t_co2e[1]", ["finite"]),
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = [[10, nan]]\n',
     "grid.linkage.cea_price_cny_per_t_co2e[0]",
     ["linkage.cea_price_cny_per_t_co2e[1]", "finite"]),
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = [[10, 20, 30]]\n',
     "grid.linkage.cea_price_cny_per_t_co2e[0]",
     ["expected 2 values"]),
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = [-5]\n',
     "grid.linkage.cea_price_cny_per_t_co2e[0]", [">= 0", "-5"]),
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = ["50"]\n',
     "grid.linkage.cea_price_cny_per_t_co2e[0]",
     ["expected a number"]),
    ('[grid]\n"penalty.penalty_cny_per_credit" = [true]\n',
     "grid.penalty.penalty_cny_per_credit[0]", ["expected a number, got true"]),
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = []\n', "grid.linkage.cea_price_cny_per_t_co2e",
     ["at least one"]),
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = 5\n', "grid.linkage.cea_price_cny_per_t_co2e",
     ["expected a list"]),
    ("[grid]\nlinkage.cea_price_cny_per_t_co2e = [5]\n", "grid.linkage", ["must be quoted"]),
    ('[grid]\n"linkage.cea_prise_cny_per_t_co2e" = [5]\n', "grid.linkage.cea_prise_cny_per_t_co2e",
     ["did you mean 'linkage.cea_price_cny_per_t_co2e'?"]),
    ('[grid]\n"market.nev_buy_prices_cny_per_credit" = [5]\n',
     "grid.market.nev_buy_prices_cny_per_credit",
     ["did you mean 'market.nev_buy_price_cny_per_credit'?"]),
    ('[grid]\n"enterprise.name" = ["x"]\n', "grid.enterprise.name", ["cannot vary"]),
    ('[grid]\n"cea_price_cny_per_t_co2e" = [5]\n', "grid.cea_price_cny_per_t_co2e",
     ["cannot vary"]),
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e.x" = [5]\n',
     "grid.linkage.cea_price_cny_per_t_co2e.x", ["sub-keys"]),
    ('[grid]\n"rule.nev.ratios" = [0.5]\n', "grid.rule.nev.ratios",
     ["did you mean 'rule.nev.ratio'?"]),
    ('[grid]\n"rule.nev.ratio" = [0.5, nan]\n', "grid.rule.nev.ratio[1]", ["finite"]),
    ('[[case]]\n"rule.nev.ratio" = "0.5"\n', "case[0].rule.nev.ratio", ["a number"]),
    ('[[case]]\n"linkage.max_cea_deficit_share" = 2\n',
     "case[0].linkage.max_cea_deficit_share", ["<= 1"]),
    ('[[case]]\n"scenario.discount_rate" = -inf\n', "case[0].scenario.discount_rate",
     ["finite"]),
    ('[case]\n"linkage.cea_price_cny_per_t_co2e" = 5\n', "case", ["[[case]]"]),
    ('[grid]\n"scenario.years" = [[2024, 2024]]\n', "grid.scenario.years[0]",
     ["more than once"]),
    ('[grid]\n"scenario.years" = [[2024, 2025], [2024, 2025, 2026]]\n', "grid",
     ["scenario 1", "expected 3 values"]),
    ("batch_size = 2.0\n", "sweep.batch_size", ["integer"]),
    ("batch_size = true\n", "sweep.batch_size", ["integer"]),
    ('model = "Industry"\n', "sweep.model", ["'industry'"]),
    ("modl = 1\n", "sweep.modl", ["did you mean 'model'?"]),
]


@pytest.mark.parametrize(("tail", "key", "words"), BAD, ids=[f"{b[1]}-{i}"
                                                             for i, b in enumerate(BAD)])
def test_bad_sweep_files_name_file_and_key(tmp_path, tail, key, words):
    if tail.startswith(("batch", "model", "modl")):
        text = HEAD + tail + '[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1]\n'
    else:
        text = HEAD + tail
    p = setup(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_sweep(p)
    assert info.value.file == str(p)
    assert info.value.key == key
    for w in words:
        assert w in str(info.value)


def test_years_and_lists_varied_together_are_accepted(tmp_path):
    p = setup(tmp_path, HEAD + '[[case]]\n"scenario.years" = [2025, 2026, 2027]\n'
              '"linkage.cea_price_cny_per_t_co2e" = [70, 80, 90]\n'
              '"market.nev_buy_price_cny_per_credit" = 900\n'
              '"market.supply_demand_ratio" = 1.8\n', BASE)
    # the base's enterprise has two values, for 2024 and 2025: the case needs its own;
    # refused before any solve, naming the case
    with pytest.raises(InputError) as info:
        load_sweep(p)
    assert info.value.key == "case[0]" and "enterprise[A].cafc_credits" in str(info.value)
    base = BASE.replace("cafc_credits = [0, 0]", "cafc_credits = 0").replace(
        "nev_credits = [-100, -100]", "nev_credits = -100")
    p = setup(tmp_path, HEAD + '[[case]]\n"scenario.years" = [2025, 2026, 2027]\n'
              '"linkage.cea_price_cny_per_t_co2e" = [70, 80, 90]\n'
              '"market.nev_buy_price_cny_per_credit" = 900\n', base)
    assert len(load_sweep(p)[1]) == 1


@pytest.mark.parametrize(("base", "key", "words"), [
    (BASE.replace("nev_buy_price_cny_per_credit = [1000, 1000]",
                  'nev_buy_price_cny_per_credit = "x"'),
     "market.nev_buy_price_cny_per_credit", ["expected a number"]),
    (BASE.replace("cea_price_cny_per_t_co2e = [50, 60]", "cea_price_cny_per_t_co2e = [50, inf]"),
     "linkage.cea_price_cny_per_t_co2e[1]",
     ["finite"]),
    (BASE.replace("[market]", "[markt]"), "markt", ["did you mean 'market'?"]),
    (BASE.replace("years = [2024, 2025]", "years = [2024.0, 2025]"), "scenario.years[0]",
     ["integer"]),
    ("[scenario]\nyears = [2024,\n[market]\n", None, ["not valid TOML", "line 3"]),
])
def test_malformed_base_scenario_names_the_base_file(tmp_path, base, key, words):
    p = setup(tmp_path, HEAD + '[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1]\n', base)
    with pytest.raises(ScenarioError) as info:
        load_sweep(p)
    assert info.value.file == str((tmp_path / "base.toml").resolve())
    assert info.value.key == key
    for w in words:
        assert w in str(info.value)


def test_incomplete_base_completed_by_the_cases_is_accepted(tmp_path):
    # the base leaves [linkage] cea_price_cny_per_t_co2e to the grid: what the base gives must
    # be right
    base = BASE.replace("cea_price_cny_per_t_co2e = [50, 60]\n", "")
    p = setup(tmp_path, HEAD + '[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1, 2]\n', base)
    assert len(load_sweep(p)[1]) == 2


def test_unreadable_sweep_and_base_files(tmp_path):
    with pytest.raises(InputError, match="is a directory"):
        load_sweep(tmp_path)
    p = tmp_path / "latin1.toml"
    p.write_bytes(b'[sweep]\nbase = "b\xe9.toml"\n')
    with pytest.raises(InputError, match=r"not UTF-8.*line 2") as info:
        load_sweep(p)
    assert info.value.file == str(p)
    p = setup(tmp_path, '[sweep]\nbase = "."\n[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1]\n')
    with pytest.raises(InputError, match="is a directory") as info:
        load_sweep(p)
    assert info.value.key == "sweep.base"
    p = setup(tmp_path, 'sweep = [1]\n[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1]\n')
    with pytest.raises(InputError) as info:
        load_sweep(p)
    assert info.value.key == "sweep"


def test_run_scenarios_refuses_unknown_scenario_keys():
    import tomllib

    doc = tomllib.loads(BASE)
    with pytest.raises(InputError,
                       match=r"did you mean 'linkage\.cea_price_cny_per_t_co2e'") as info:
        run_scenarios(doc, [{"linkage.cea_prise_cny_per_t_co2e": 50}])
    assert info.value.key == "linkage.cea_prise_cny_per_t_co2e"


@pytest.mark.parametrize(("tail", "key"), [
    ('[grid]\n"linkage.cea_price_cny_per_t_co2e" = [10, inf]\n',
     "grid.linkage.cea_price_cny_per_t_co2e[1]"),
    ("[grid]\nlinkage.cea_price_cny_per_t_co2e = [5]\n", "grid.linkage"),
    ('[grid]\n"linkage.cea_prise_cny_per_t_co2e" = [5]\n', "grid.linkage.cea_prise_cny_per_t_co2e"),
])
def test_sweep_cli_exits_2_before_writing_anything(tmp_path, tail, key):
    p = setup(tmp_path, HEAD + tail)
    out = tmp_path / "run"
    res = CliRunner().invoke(main, ["sweep", str(p), "--out", str(out)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(p) in lines[0] and f"key '{key}'" in lines[0]
    assert not out.exists()


def test_sweep_cli_malformed_base(tmp_path):
    p = setup(tmp_path, HEAD + '[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1]\n',
              "[scenario]\nyears = [2024,\n[market]\n")
    res = CliRunner().invoke(main, ["sweep", str(p), "--out", str(tmp_path / "run")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "base.toml" in lines[0] and "line 3" in lines[0]


@pytest.mark.parametrize(("base", "words"), [
    ("", ["missing [scenario]"]),
    (BASE.replace("exchange_rate_credits_per_t_co2e = 0.2", 'basis = "no-such-basis"'),
     ["linkage.basis", "no-such-basis"]),
    (BASE.replace("years = [2024, 2025]", "years = [2039, 2040]"),
     ["scenario.years", "no rulebook for compliance year 2039"]),
    (BASE.replace('name = "base"', 'name = "base"\nrules = "missing.toml"'),
     ["scenario.rules", "not found"]),
])
def test_a_base_no_scenario_can_be_built_from_is_refused(tmp_path, base, words):
    p = setup(tmp_path, HEAD + '[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1, 2]\n', base)
    with pytest.raises(InputError) as info:
        load_sweep(p)
    assert info.value.file == str(p) and info.value.key == "sweep.base"
    msg = str(info.value)
    assert "cannot be built" in msg and str((tmp_path / "base.toml").resolve()) in msg
    for w in words:
        assert w in msg


def test_enterprise_sweep_without_prices_is_refused(tmp_path):
    base = BASE.replace("nev_buy_price_cny_per_credit = [1000, 1000]\n", "")
    p = setup(tmp_path, '[sweep]\nbase = "base.toml"\nmodel = "enterprise"\n'
              '[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1]\n', base)
    with pytest.raises(InputError, match="needs NEV credit prices"):
        load_sweep(p)
    # a case that gives the prices makes the sweep buildable
    p = setup(tmp_path, '[sweep]\nbase = "base.toml"\nmodel = "enterprise"\n'
              '[grid]\n"market.nev_buy_price_cny_per_credit" = [1000]\n', base)
    assert len(load_sweep(p)[1]) == 1


def test_one_case_that_cannot_be_built_is_a_failed_row_not_a_refusal(tmp_path):
    # the first case names a rulebook that does not exist, the second builds: the sweep is
    # accepted and the first case becomes a failed row when it runs
    p = setup(tmp_path, HEAD + '[[case]]\n"scenario.rules" = "missing.toml"\n'
              '[[case]]\n"linkage.cea_price_cny_per_t_co2e" = 70\n')
    assert len(load_sweep(p)[1]) == 2


def test_sweep_cli_refuses_an_empty_base(tmp_path):
    p = setup(tmp_path, HEAD + '[grid]\n"linkage.cea_price_cny_per_t_co2e" = [1]\n', "")
    res = CliRunner().invoke(main, ["sweep", str(p), "--out", str(tmp_path / "run")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "key 'sweep.base'" in lines[0]
    assert not (tmp_path / "run").exists()
