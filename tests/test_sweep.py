"""Scenario sweeps: the same table serial, on processes and on Dask; batches; streamed output.

The base market is solved by hand (see :func:`expected`): A is short 1,000 NEV credits a year,
B long 300 (not eligible to carry, so the years are independent), C makes NEV credits at
500 CNY (400 a year) and 800 CNY (600 a year); a CEA clears one credit for 4.825 t.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from linkage.errors import InputError
from linkage.outputs import OutputExistsError
from linkage.rules import default_rule_files
from optimize.sweep import expand_grid, load_sweep, run_scenarios

ROOT = Path(__file__).resolve().parents[1]
T_PER_CREDIT = 4.825
YEARS = [2025, 2026]
CURVE = [{"kind": "nev", "cost_cny_per_credit": 500.0, "max_credits_per_year": 400.0},
         {"kind": "nev", "cost_cny_per_credit": 800.0, "max_credits_per_year": 600.0}]


def base_doc(*, linkage=True, penalty=None):
    d = {
        "scenario": {"name": "sweep base", "years": YEARS},
        "enterprise": [
            {"name": "A", "cafc_credits": [0, 0], "nev_credits": [-1000, -1000]},
            {"name": "B", "cafc_credits": [0, 0], "nev_credits": [300, 300],
             "nev_carry_eligible": False},
            {"name": "C", "cafc_credits": [0, 0], "nev_credits": [0, 0], "abatement": CURVE},
        ],
        "market": {"supply_demand_ratio": 1.8},
    }
    if linkage:
        d["linkage"] = {"exchange_rate_credits_per_t_co2e": 1 / T_PER_CREDIT,
                        "cea_price_cny_per_t_co2e": 100.0,
                        "max_cea_deficit_share": 1.0}
    if penalty is not None:
        d["penalty"] = {"penalty_cny_per_credit": penalty}
    return d


def expected(share, cea):
    """(price, cost of one year) by hand: A's 1,000 = B's 300 (free) + 700 from CEAs or C."""
    per_credit = T_PER_CREDIT * cea  # CNY for a CEA-cleared credit
    if per_credit >= 800:  # CEAs dearer than all of C: 400 x 500 + 300 x 800, C marginal
        return 800.0, 400 * 500 + 300 * 800.0
    if share == 1.0:  # CEAs below C's cheapest (500) clear all 700 and set the price
        assert per_credit < 500
        return per_credit, 700 * per_credit
    # share 0.2: CEAs clear 0.2 x 1,000 = 200; C makes 500: 400 x 500 + 100 x 800 (marginal)
    assert share == 0.2
    return 800.0, 200 * per_credit + 400 * 500 + 100 * 800.0


GRID = {"linkage.max_cea_deficit_share": [0.2, 1.0], "linkage.cea_price_cny_per_t_co2e": [50,
                                                                                             100,
                                                                                             200]}


def by_hand_table():
    rows = []
    for sid, ch in enumerate(expand_grid(GRID)):
        p, cost = expected(ch["linkage.max_cea_deficit_share"],
                           ch["linkage.cea_price_cny_per_t_co2e"])
        for y in YEARS:
            rows.append((sid, y, p, 2 * cost))
    return pd.DataFrame(rows, columns=["scenario_id", "year", "price", "total"])


def sort(t):
    return t.sort_values(["scenario_id", "year"]).reset_index(drop=True)


# --------------------------------------------------------------------------- expand_grid
def test_expand_grid_is_the_cartesian_product_in_order():
    g = expand_grid({"a": [1, 2], "b": ["x", "y", "z"]})
    assert g == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                 {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"}]
    assert expand_grid({"a": [5]}) == [{"a": 5}]
    assert len(expand_grid(GRID)) == 6


# --------------------------------------------------------------------------- values by hand
def test_sweep_prices_by_hand():
    # share 1.0: price = min(4.825 x CEA, 800): 241.25, 482.5, 800 (965 > 800)
    # share 0.2: CEA clears 200 at most, C's 800 segment is marginal: 800 throughout;
    # cost a year at 50 CNY/t: 200 x 241.25 + 400 x 500 + 100 x 800 = 328,250
    assert expected(1.0, 50) == (241.25, 700 * 241.25)
    assert expected(0.2, 50) == (800.0, 328_250.0)
    table = run_scenarios(base_doc(), expand_grid(GRID), batch_size=4)
    hand = by_hand_table()
    assert len(table) == 6 * len(YEARS)
    assert list(table["scenario_id"]) == list(hand["scenario_id"])
    assert list(table["year"]) == list(hand["year"])
    assert (table["status"] == "optimal").all()
    assert table["nev_price_cny_per_credit"].to_numpy() == pytest.approx(hand["price"])
    assert table["total_cost_cny"].to_numpy() == pytest.approx(hand["total"])
    # the varied values are columns
    assert list(table["set:linkage.cea_price_cny_per_t_co2e"]) == \
        [c for c in (50, 100, 200) for _ in YEARS] * 2
    # per tonne: the price / 4.825
    assert table["implied_carbon_price_cny_per_t_co2e"].to_numpy() == pytest.approx(
        hand["price"] / T_PER_CREDIT)


# --------------------------------------------------------------------------- executors
def test_serial_and_two_processes_give_the_same_table():
    changes = expand_grid(GRID)
    serial = run_scenarios(base_doc(), changes, batch_size=2)
    with ProcessPoolExecutor(2) as ex:
        par = run_scenarios(base_doc(), changes, executor=ex, batch_size=2)
    pd.testing.assert_frame_equal(sort(serial), sort(par))
    assert serial["nev_price_cny_per_credit"].to_numpy() == pytest.approx(
        by_hand_table()["price"])


def test_dask_local_cluster_gives_the_same_table():
    distributed = pytest.importorskip("distributed")
    changes = expand_grid(GRID)
    serial = run_scenarios(base_doc(), changes, batch_size=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask = run_scenarios(base_doc(), changes, executor=client.get_executor(),
                             batch_size=2)
    pd.testing.assert_frame_equal(sort(serial), sort(dask))


def test_batches_of_one_and_of_four_give_the_same_table():
    # batches of 4 re-use one model and change only the CEA price between solves
    changes = expand_grid(GRID)
    one = run_scenarios(base_doc(), changes, batch_size=1)
    four = run_scenarios(base_doc(), changes, batch_size=4)
    pd.testing.assert_frame_equal(one, four)


PENALTY_CASES = {"without": (800.0, 2 * 440_000.0, 0.0), "with": (600.0, 2 * 380_000.0, 300.0)}


@pytest.mark.parametrize("batch", [1, 2])
@pytest.mark.parametrize("order", [("without", "with"), ("with", "without")],
                         ids=["without-then-with", "with-then-without"])
def test_penalty_added_or_left_out_by_a_case(order, batch):
    # base without [penalty]; the "with" case adds a penalty of 600 CNY a credit.
    # without: A's 700 come from C: 400 x 500 + 300 x 800 = 440,000 a year, price 800;
    # with: 300 left uncovered at 600 < 800: 400 x 500 + 300 x 600 = 380,000, price 600.
    # A batch of 2 re-uses one model for both cases: it must give what batches of 1 give.
    changes = [{"penalty.penalty_cny_per_credit": 600.0} if c == "with" else {} for c in order]
    t = run_scenarios(base_doc(linkage=False), changes, batch_size=batch)
    for sid, case in enumerate(order):
        rows = t[t["scenario_id"] == sid]
        p, total, unc = PENALTY_CASES[case]
        assert list(rows["status"]) == ["optimal"] * 2
        assert rows["nev_price_cny_per_credit"].to_numpy() == pytest.approx(p)
        assert rows["total_cost_cny"].to_numpy() == pytest.approx(total)
        assert rows["uncovered_credits"].to_numpy() == pytest.approx(unc)


# --------------------------------------------------------------------------- streamed output
def test_results_streamed_to_csv_and_manifest(tmp_path):
    changes = expand_grid(GRID)
    run = tmp_path / "run"
    table = run_scenarios(base_doc(), changes, batch_size=4, out=run)
    in_memory = run_scenarios(base_doc(), changes, batch_size=4)
    on_disk = pd.read_csv(run / "results.csv")
    assert len(on_disk) == 6 * len(YEARS)  # one row per scenario and year
    pd.testing.assert_frame_equal(sort(on_disk), table)
    pd.testing.assert_frame_equal(table, in_memory, check_dtype=False)
    m = json.loads((run / "manifest.json").read_text())
    assert m["changes"] == changes
    assert m["scenarios"] == 6 and m["batch_size"] == 4 and m["model"] == "industry"
    assert m["base"] == json.loads(json.dumps(base_doc()))
    for pkg in ("python", "pyomo", "highspy", "pandas", "numpy", "HiGHS"):
        assert m["versions"][pkg], pkg
    assert m["versions"]["HiGHS"].startswith("HiGHS")
    files = default_rule_files()
    assert set(m["rulebooks"]) == {str(p) for p in files}
    for p in files:
        assert m["rulebooks"][str(p)] == hashlib.sha256(p.read_bytes()).hexdigest()
    # a second run into the same folder is refused without overwrite (the folder unchanged),
    # and with overwrite replaces results.csv (no appending to old rows)
    with pytest.raises(OutputExistsError, match="already exists"):
        run_scenarios(base_doc(), changes[:1], out=run)
    assert len(pd.read_csv(run / "results.csv")) == 6 * len(YEARS)
    run_scenarios(base_doc(), changes[:1], out=run, overwrite=True)
    assert len(pd.read_csv(run / "results.csv")) == len(YEARS)


def test_manifest_hashes_a_scenario_rulebook(tmp_path):
    rules = ROOT / "tests" / "data" / "optimize" / "withdrawal_share_half.toml"
    d = base_doc()
    d["scenario"]["rules"] = str(rules)
    run_scenarios(d, [{}], out=tmp_path)
    m = json.loads((tmp_path / "manifest.json").read_text())
    # the base scenario ran on this rulebook: the manifest must identify it by its hash
    assert hashlib.sha256(rules.read_bytes()).hexdigest() in m["rulebooks"].values()


def test_streamed_csv_keeps_columns_aligned_when_changes_differ(tmp_path):
    # cases that vary different keys, so the set: columns differ from batch to batch.
    # case 0: CEA at 50, uncapped: 4.825 x 50 = 241.25; case 1: CEAs not allowed: C's 800
    # segment is marginal; case 2: the ratio given as a list (market unchanged): 482.5
    changes = [{"linkage.cea_price_cny_per_t_co2e": 50, "linkage.max_cea_deficit_share": 1.0},
               {"linkage.allow_cea_for_deficits": False},
               {"market.supply_demand_ratio": [1.8, 1.8]}]
    prices = [241.25, 800.0, 482.5]
    in_memory = run_scenarios(base_doc(), changes, batch_size=1)
    assert list(in_memory["year"]) == YEARS * 3
    assert in_memory["nev_price_cny_per_credit"].to_numpy() == pytest.approx(
        [p for p in prices for _ in YEARS])
    streamed = run_scenarios(base_doc(), changes, batch_size=1, out=tmp_path)
    on_disk = sort(pd.read_csv(tmp_path / "results.csv"))
    for t in (streamed, on_disk):
        assert set(t.columns) == set(in_memory.columns)
        assert list(t["year"]) == YEARS * 3
        assert set(t["status"]) == {"optimal"}
        assert t["nev_price_cny_per_credit"].to_numpy() == pytest.approx(
            [p for p in prices for _ in YEARS])
        # each varied value under its own key, empty where the case did not set it
        cea = t["set:linkage.cea_price_cny_per_t_co2e"]
        assert list(cea[:2]) == [50, 50] and cea[2:].isna().all()
        allow = t["set:linkage.allow_cea_for_deficits"]
        assert allow[:2].isna().all() and allow[4:].isna().all()
        assert list(allow[2:4].astype(str)) == ["False", "False"]


def test_failed_scenario_is_a_row(tmp_path):
    # no purchases allowed (limit 0) and no CEAs, no penalty: A's deficit cannot be met
    bad = {"market.nev_buy_limit_credits": 0, "linkage.allow_cea_for_deficits": False}
    changes = [{"market.nev_buy_limit_credits": 1000, "linkage.allow_cea_for_deficits": True}, bad]
    t = run_scenarios(base_doc(), changes, batch_size=1)
    ok, failed = t[t["scenario_id"] == 0], t[t["scenario_id"] == 1]
    assert list(ok["status"]) == ["optimal"] * 2
    assert ok["nev_price_cny_per_credit"].to_numpy() == pytest.approx(482.5)
    assert len(failed) == 1
    assert failed["status"].iloc[0].startswith("failed: OptimizationError")
    assert "cannot meet" in failed["status"].iloc[0]
    # the same row in the streamed results.csv, status in its own column
    run_scenarios(base_doc(), changes, batch_size=1, out=tmp_path)
    disk = pd.read_csv(tmp_path / "results.csv")
    row = disk[disk["scenario_id"] == 1]
    assert len(row) == 1
    assert str(row["status"].iloc[0]).startswith("failed: OptimizationError")


# --------------------------------------------------------------------------- rule overrides
FLEET = ROOT / "examples" / "data" / "demo_fleet.csv"
MOTORS_C = "Demo Motors C (illustrative)"


def fleet_doc():
    # Demo Motors C in 2025 from its fleet: CAFC -74,051; NEV credits earned 13,369 against a
    # requirement of nev.ratio x 92,870 conventional cars (0.38: 35,291 -> NEV -21,922).
    # S makes NEV credits: 90,000 at 500, then up to 1,000,000 at 900.
    return {
        "scenario": {"name": "fleet sweep", "years": [2025]},
        "enterprise": [
            {"name": MOTORS_C, "fleet": str(FLEET)},
            {"name": "S", "cafc_credits": [0], "nev_credits": [0], "abatement": [
                {"kind": "nev", "cost_cny_per_credit": 500.0, "max_credits_per_year": 90000},
                {"kind": "nev", "cost_cny_per_credit": 900.0,
                 "max_credits_per_year": 1_000_000}]},
        ],
        "market": {"supply_demand_ratio": 1.8},
    }


def test_rule_nev_ratio_override_moves_the_price():
    t = run_scenarios(fleet_doc(), [{"rule.nev.ratio": 0.38}, {"rule.nev.ratio": 0.1}])
    p = dict(zip(t["set:rule.nev.ratio"], t["nev_price_cny_per_credit"], strict=True))
    cost = dict(zip(t["set:rule.nev.ratio"], t["total_cost_cny"], strict=True))
    # 0.38 (the rulebook's value): C needs 74,051 + 21,922 = 95,973 > 90,000: the 900 segment
    # is marginal; cost 90,000 x 500 + 5,973 x 900 = 50,375,700
    assert p[0.38] == pytest.approx(900.0)
    assert cost[0.38] == pytest.approx(50_375_700.0)
    # 0.1: requirement 9,287 -> NEV +4,082 of its own, used against the CAFC deficit;
    # C buys 74,051 - 4,082 = 69,969 < 90,000: price 500, cost 34,984,500
    assert p[0.1] < p[0.38]  # a lower NEV requirement lowers the price
    assert p[0.1] == pytest.approx(500.0)
    assert cost[0.1] == pytest.approx(69_969 * 500)


def test_unknown_rule_key_raises_naming_the_key():
    # an unknown rule parameter is refused before any solve: the sweep raises InputError
    with pytest.raises(InputError, match=r"rule\.unknown\.key") as info:
        run_scenarios(base_doc(), [{"linkage.cea_price_cny_per_t_co2e": 50},
                                   {"rule.unknown.key": 1.0}],
                      batch_size=1)
    assert info.value.key == "rule.unknown.key"
    assert "unknown rule parameter" in str(info.value)


def test_unknown_scenario_table_raises():
    with pytest.raises(InputError, match=r"cannot vary 'foo\.bar'"):
        run_scenarios(base_doc(), [{"foo.bar": 1}])


def test_bad_arguments():
    with pytest.raises(ValueError, match="model must be"):
        run_scenarios(base_doc(), [{}], model="market")
    with pytest.raises(ValueError, match="batch_size"):
        run_scenarios(base_doc(), [{}], batch_size=0)


# --------------------------------------------------------------------------- enterprise model
def test_enterprise_model_sweep():
    # prices given: buy 1,100, sell 600. A (short 1,000) buys or surrenders CEAs at
    # 4.825 x CEA; B (long 300) sells at 600.
    d = base_doc()
    d["market"].update({"nev_buy_price_cny_per_credit": 1100.0,
                        "nev_sell_price_cny_per_credit": 600.0})
    d["enterprise"] = d["enterprise"][:2]
    d["scenario"]["years"] = [2025]
    d["enterprise"][0].update(cafc_credits=[0], nev_credits=[-1000])
    d["enterprise"][1].update(cafc_credits=[0], nev_credits=[300],
                              nev_carry_eligible=[False])
    t = run_scenarios(d, [{"linkage.cea_price_cny_per_t_co2e": c} for c in (100, 300)],
                      model="enterprise")
    assert len(t) == 2 * 2  # scenarios x enterprises x one year
    assert set(t["enterprise"]) == {"A", "B"}
    a = t[t["enterprise"] == "A"].set_index("set:linkage.cea_price_cny_per_t_co2e")
    b = t[t["enterprise"] == "B"].set_index("set:linkage.cea_price_cny_per_t_co2e")
    # CEA 100: 482.5 < 1,100 -> 1,000 x 482.5; CEA 300: 1,447.5 > 1,100 -> 1,000 x 1,100
    assert a.loc[100, "total_cost_cny"] == pytest.approx(482_500.0)
    assert a.loc[100, "shadow_price_nev_cny_per_credit"] == pytest.approx(482.5)
    assert a.loc[100, "cea_surrendered_t_co2e"] == pytest.approx(4825.0)
    assert a.loc[300, "total_cost_cny"] == pytest.approx(1_100_000.0)
    assert a.loc[300, "bought_credits"] == pytest.approx(1000.0)
    assert a.loc[300, "shadow_price_nev_cny_per_credit"] == pytest.approx(1100.0)
    assert b["total_cost_cny"].to_numpy() == pytest.approx(-300 * 600.0)
    assert b["sold_credits"].to_numpy() == pytest.approx(300.0)


def test_enterprise_sweep_needs_prices():
    # the base has no NEV prices: every scenario is a failed row naming the missing key
    t = run_scenarios(base_doc(), [{}, {"linkage.cea_price_cny_per_t_co2e": 50}],
                      model="enterprise")
    assert len(t) == 2
    for status in t["status"]:
        assert status.startswith("failed: ScenarioError")
        assert "market.nev_buy_price_cny_per_credit" in status


# --------------------------------------------------------------------------- load_sweep
def write(path, text):
    path.write_text(text)
    return path


# a base scenario the sweeps below can build (load_sweep refuses a base none of whose
# scenarios builds, e.g. an empty file)
VALID_BASE = """\
[scenario]
years = [2025]
[[enterprise]]
name = "A"
cafc_credits = 0
nev_credits = -100
[market]
nev_buy_price_cny_per_credit = 1000
supply_demand_ratio = 1.8
[linkage]
exchange_rate_credits_per_t_co2e = 0.2
cea_price_cny_per_t_co2e = 50
"""


def test_load_sweep_reads_grid_and_cases(tmp_path):
    write(tmp_path / "base.toml", VALID_BASE)
    p = write(tmp_path / "s.toml", """
[sweep]
base = "base.toml"
model = "enterprise"
batch_size = 3
[grid]
"linkage.cea_price_cny_per_t_co2e" = [50, 100]
"linkage.max_cea_deficit_share" = [0.2, 1.0]
[[case]]
"rule.nev.ratio" = 0.6
""")
    base, changes, model, batch = load_sweep(p)
    assert base == (tmp_path / "base.toml").resolve()
    assert model == "enterprise" and batch == 3
    grid = expand_grid({"linkage.cea_price_cny_per_t_co2e": [50, 100],
                        "linkage.max_cea_deficit_share": [0.2, 1.0]})
    assert changes == [*grid, {"rule.nev.ratio": 0.6}]


def test_load_sweep_example():
    base, changes, model, batch = load_sweep(ROOT / "examples" / "cea_sweep.toml")
    assert base == (ROOT / "examples" / "industry_market.toml").resolve()
    assert model == "industry" and batch == 10
    assert len(changes) == 2 * 9


@pytest.mark.parametrize("text, key", [
    ("[grid]\n\"linkage.cea_price_cny_per_t_co2e\" = [1]\n", "sweep.base"),  # no [sweep] base
    ("[sweep]\nbase = \"missing.toml\"\n[grid]\n\"linkage.cea_price_cny_per_t_co2e\" = [1]\n",
     "sweep.base"),
    ("[sweep]\nbase = \"base.toml\"\nworkers = 3\n[grid]\n"
     "\"linkage.cea_price_cny_per_t_co2e\" = [1]\n",
     "sweep.workers"),
    ("[sweep]\nbase = \"base.toml\"\n[grid]\n\"linkage.cea_price_cny_per_t_co2e\" = []\n",
     "grid.linkage.cea_price_cny_per_t_co2e"),
    ("[sweep]\nbase = \"base.toml\"\n[grid]\n\"linkage.cea_price_cny_per_t_co2e\" = 5\n",
     "grid.linkage.cea_price_cny_per_t_co2e"),
    ("[sweep]\nbase = \"base.toml\"\n[grids]\n\"linkage.cea_price_cny_per_t_co2e\" = [1]\n",
     "grids"),
    ("[sweep]\nbase = \"base.toml\"\nmodel = \"market\"\n[grid]\n"
     "\"linkage.cea_price_cny_per_t_co2e\" = [1]\n",
     "sweep.model"),
    ("[sweep]\nbase = \"base.toml\"\nbatch_size = 0\n[grid]\n"
     "\"linkage.cea_price_cny_per_t_co2e\" = [1]\n",
     "sweep.batch_size"),
])
def test_load_sweep_errors_name_file_and_key(tmp_path, text, key):
    write(tmp_path / "base.toml", VALID_BASE)
    p = write(tmp_path / "s.toml", text)
    with pytest.raises(InputError) as info:
        load_sweep(p)
    assert info.value.key == key
    assert str(p) in str(info.value) and f"key '{key}'" in str(info.value)


def test_load_sweep_without_scenarios_or_file(tmp_path):
    write(tmp_path / "base.toml", VALID_BASE)
    p = write(tmp_path / "s.toml", "[sweep]\nbase = \"base.toml\"\n")
    with pytest.raises(InputError, match="no scenarios"):
        load_sweep(p)
    with pytest.raises(InputError, match="sweep file not found"):
        load_sweep(tmp_path / "nope.toml")
    p = write(tmp_path / "bad.toml", "[sweep\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_sweep(p)
