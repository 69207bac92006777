"""``linkage market`` and ``linkage sweep`` on the examples, on hand-solved files and on
broken input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conversions import get_basis, tonnes_per_credit
from linkage.cli import main

ROOT = Path(__file__).resolve().parents[1]
MARKET = ROOT / "examples" / "industry_market.toml"
SWEEP = ROOT / "examples" / "cea_sweep.toml"
YEARS = [2025, 2026, 2027]
TC = 20.0  # [market] nev_transaction_cost_cny_per_credit of the example
CEA = {2025: 62.0, 2026: 80.0, 2027: 100.0}  # [linkage] cea_price_cny_per_t_co2e of the example


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def t_per_credit():
    """t CO2e per credit of the example's basis (an input: the conversion basis)."""
    q = tonnes_per_credit(get_basis("ttw-real-world"), credit="cafc", method="compliance")
    return float(q.to("t_CO2e / cafc_credit").magnitude)


@pytest.fixture(scope="module")
def market_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("market") / "out"
    return invoke("market", MARKET, "--out", out), out


# --------------------------------------------------------------------------- linkage market
def test_market_example_exits_0_and_writes_three_files(market_run):
    result, out = market_run
    assert result.exit_code == 0, (result.output, result.exception)
    assert sorted(p.name for p in out.iterdir()) == ["enterprises.csv", "prices.csv",
                                                     "summary.json"]
    assert "optimal" in result.stdout
    assert "WARNING" not in result.output  # the penalty (5,000) is never the cheapest lever


def test_market_example_prices_csv(market_run):
    _, out = market_run
    prices = pd.read_csv(out / "prices.csv")
    assert list(prices.columns) == [
        "year", "nev_price_cny_per_credit", "implied_carbon_price_cny_per_t_co2e",
        "offset_rent_cny_per_t_co2e", "vehicle_lifetime_change_t_co2e",
        "deficit_covered_by_cea_t_co2e", "cea_retired_t_co2e", "offsets_into_ets_t_co2e",
        "net_change_t_co2e", "integrity_gap_t_co2e", "basis"]
    assert (prices["offset_rent_cny_per_t_co2e"] == 0).all()  # the example sells no offsets
    assert list(prices["year"]) == YEARS
    p = prices.set_index("year")["nev_price_cny_per_credit"]
    tpc = t_per_credit()
    # 2026 and 2027: the conventional maker covers part of its deficits with CEAs (uncapped,
    # not exhausted) and buys the rest, so buyers pay price + 20 = CEA price x t per credit
    assert p[2026] == pytest.approx(CEA[2026] * tpc - TC)
    assert p[2027] == pytest.approx(CEA[2027] * tpc - TC)
    # 2025: supply (40,000 + 10,000) equals demand (30,000 NEV + 20,000 CAFC) exactly, so any
    # price between the sellers' bank value (0.5 x a 2026 credit worth CEA x tpc to the mixed
    # maker) and the buyers' CEA alternative (62 x tpc - 20) clears the market
    assert 0.5 * CEA[2026] * tpc - 1e-6 <= p[2025] <= CEA[2025] * tpc - TC + 1e-6
    implied = prices.set_index("year")["implied_carbon_price_cny_per_t_co2e"]
    assert implied.to_numpy() == pytest.approx((p / tpc).to_numpy())


def test_market_example_enterprises_csv_and_summary(market_run):
    _, out = market_run
    ent = pd.read_csv(out / "enterprises.csv")
    assert len(ent) == 3 * len(YEARS)
    for col in ("enterprise", "year", "cost_cny", "bought_credits", "sold_credits",
                "deposited_credits", "withdrawn_credits",
                "transferred_in_credits", "transferred_out_credits", "cea_surrendered_t_co2e",
                "deficit_covered_by_cea_credits", "offsets_sold_t_co2e",
                "abated_credits", "uncovered_credits"):
        assert col in ent.columns, col
    assert ent["uncovered_credits"].sum() == 0.0
    # market volumes balance every year
    by_year = ent.groupby("year")[["bought_credits", "sold_credits"]].sum()
    assert by_year["bought_credits"].to_numpy() == pytest.approx(by_year["sold_credits"].to_numpy())
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["status"] == "optimal"
    # no discounting: the industry's cost is the sum of the enterprises' cash costs (the
    # payments among them cancel; the buyers' transaction cost stays in)
    assert s["total_cost_cny"] == pytest.approx(ent["cost_cny"].sum())
    prices = pd.read_csv(out / "prices.csv").set_index("year")
    assert set(s["nev_price_cny_per_credit"]) == {str(y) for y in YEARS}
    for y in YEARS:
        assert s["nev_price_cny_per_credit"][str(y)] == pytest.approx(
            prices.loc[y, "nev_price_cny_per_credit"])
        assert s["implied_carbon_price_cny_per_t_co2e"][str(y)] == pytest.approx(
            prices.loc[y, "implied_carbon_price_cny_per_t_co2e"])


HAND = """
[scenario]
name = "hand market"
years = [2025]

[[enterprise]]
name = "A"
cafc_credits = [0]
nev_credits = [-1000]

[[enterprise]]
name = "B"
cafc_credits = [0]
nev_credits = [300]

[[enterprise]]
name = "C"
cafc_credits = [0]
nev_credits = [0]
[[enterprise.abatement]]
kind = "nev"
cost_cny_per_credit = 500
max_credits_per_year = 500
[[enterprise.abatement]]
kind = "nev"
cost_cny_per_credit = 800
max_credits_per_year = 500

[market]
supply_demand_ratio = 1.8
"""

LINK = """
[linkage]
exchange_rate_credits_per_t_co2e = 0.20725388601036268   # 1 / 4.825
cea_price_cny_per_t_co2e = 100
max_cea_deficit_share = 1.0
"""


def test_market_hand_file_without_prices(tmp_path):
    f = tmp_path / "hand.toml"
    f.write_text(HAND)
    result = invoke("market", f, "--out", tmp_path / "out")
    assert result.exit_code == 0, (result.output, result.exception)
    p = pd.read_csv(tmp_path / "out" / "prices.csv")
    # B's 300 + C: 500 x 500 + 200 x 800 -> price 800, cost 410,000
    assert p["nev_price_cny_per_credit"].tolist() == pytest.approx([800.0])
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["total_cost_cny"] == pytest.approx(410_000.0)
    assert s["nev_price_cny_per_credit"] == {"2025": pytest.approx(800.0)}


def test_market_hand_file_with_cea_cap(tmp_path):
    f = tmp_path / "hand.toml"
    f.write_text(HAND + LINK)
    result = invoke("market", f, "--out", tmp_path / "out")
    assert result.exit_code == 0, (result.output, result.exception)
    p = pd.read_csv(tmp_path / "out" / "prices.csv")
    # a CEA-cleared credit costs 4.825 x 100 = 482.5 < 500: the CEA sets the price
    assert p["nev_price_cny_per_credit"].tolist() == pytest.approx([482.5])
    assert p["implied_carbon_price_cny_per_t_co2e"].tolist() == pytest.approx([100.0])
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["total_cost_cny"] == pytest.approx(700 * 482.5)


@pytest.mark.parametrize("old, new, key", [
    ("supply_demand_ratio = 1.8",
     "supply_demand_ratio = 1.8\nnev_transaction_cost_cny_per_credit = -5",
     "market.nev_transaction_cost_cny_per_credit"),
    ("supply_demand_ratio = 1.8", "supply_demand_ratoi = 1.8", "market.supply_demand_ratoi"),
    ("cost_cny_per_credit = 800", "cost_cny_per_credit = \"dear\"",
     "enterprise[C].abatement[1].cost_cny_per_credit"),
])
def test_market_bad_scenario_exits_2_naming_file_and_key(tmp_path, old, new, key):
    f = tmp_path / "bad.toml"
    f.write_text(HAND.replace(old, new))
    out = tmp_path / "out"
    result = invoke("market", f, "--out", out)
    assert result.exit_code == 2, (result.output, result.exception)
    assert str(f) in result.stderr
    assert f"key '{key}'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


def test_market_infeasible_exits_2(tmp_path):
    f = tmp_path / "short.toml"
    f.write_text(HAND.replace("max_credits_per_year = 500", "max_credits_per_year = 100"))
    # 1,000 needed, 300 + 100 + 100 available, no penalty: infeasible
    result = invoke("market", f, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "cannot meet" in result.stderr
    assert not (tmp_path / "out" / "prices.csv").exists()


def test_market_missing_file_exits_2(tmp_path):
    result = invoke("market", tmp_path / "nope.toml", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "nope.toml" in result.stderr


# --------------------------------------------------------------------------- linkage sweep
@pytest.fixture(scope="module")
def sweep_serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "serial"
    return invoke("sweep", SWEEP, "--out", out), out


def test_sweep_example_serial(sweep_serial):
    result, out = sweep_serial
    assert result.exit_code == 0, (result.output, result.exception)
    assert "18 scenario(s), 54 row(s)" in result.stdout
    assert "0 failed" in result.stdout
    t = pd.read_csv(out / "results.csv")
    assert (out / "manifest.json").exists()
    # 2 shares x 9 CEA prices = 18 scenarios, one row per scenario and year
    assert len(t) == 18 * 3
    assert sorted(t.groupby("scenario_id")["year"].apply(tuple).unique()) == [tuple(YEARS)]
    assert set(t["scenario_id"]) == set(range(18))
    assert set(t["status"]) == {"optimal"}
    free = t[(t["set:linkage.cea_price_cny_per_t_co2e"] == 0)
             & (t["set:linkage.max_cea_deficit_share"]
                                                  == 1.0)]
    # CEAs free and uncapped clear every deficit at no cost
    assert free["total_cost_cny"].to_numpy() == pytest.approx(0.0, abs=1e-6)
    tpc = t_per_credit()
    for share in (0.2, 1.0):
        s = t[t["set:linkage.max_cea_deficit_share"] == share]
        cost = (s.groupby("set:linkage.cea_price_cny_per_t_co2e")["total_cost_cny"].first()
                .sort_index())
        # dearer CEAs never make compliance cheaper
        assert (cost.diff().dropna() >= -1e-6).all(), cost
    # share 1.0, CEA price c > 0: in 2026 and 2027 the conventional maker's deficits (90,000
    # and 130,000) exceed what the others can sell, so it surrenders CEAs (uncapped, not
    # exhausted): buyers pay price + 20 = c x t per credit
    s = t[(t["set:linkage.max_cea_deficit_share"] == 1.0)
          & (t["set:linkage.cea_price_cny_per_t_co2e"] > 0)
          & t["year"].isin([2026, 2027])]
    assert len(s) == 8 * 2
    assert (s["nev_price_cny_per_credit"] + TC).to_numpy() == pytest.approx(
        (s["set:linkage.cea_price_cny_per_t_co2e"] * tpc).to_numpy())
    # share 0.2: CEAs clear at most a fifth of the deficits; in 2027 the rest exceeds every
    # other source, the 5,000 penalty is the buyers' marginal source: price 5,000 - 20, at
    # every CEA price
    s = t[(t["set:linkage.max_cea_deficit_share"] == 0.2) & (t["year"] == 2027)]
    assert (s["uncovered_credits"] > 0).all()
    assert s["nev_price_cny_per_credit"].to_numpy() == pytest.approx(5000.0 - TC)


def test_sweep_example_two_workers(sweep_serial, tmp_path):
    _, serial = sweep_serial
    result = invoke("sweep", SWEEP, "--workers", 2, "--out", tmp_path / "par")
    assert result.exit_code == 0, (result.output, result.exception)
    a = pd.read_csv(serial / "results.csv").sort_values(["scenario_id", "year"])
    b = pd.read_csv(tmp_path / "par" / "results.csv").sort_values(["scenario_id", "year"])
    assert len(b) == 18 * 3
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    m = json.loads((tmp_path / "par" / "manifest.json").read_text())
    assert m["executor"] == "ProcessPoolExecutor"
    assert len(m["changes"]) == 18


def test_sweep_bad_file_exits_2(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[sweep]\nbase = \"missing.toml\"\n[grid]\n"
                 "\"linkage.cea_price_cny_per_t_co2e\" = [1]\n")
    result = invoke("sweep", f, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert str(f) in result.stderr and "key 'sweep.base'" in result.stderr
    result = invoke("sweep", SWEEP, "--workers", 0, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "--workers" in result.stderr
