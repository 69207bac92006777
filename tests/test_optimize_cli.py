"""``linkage optimize SCENARIO.toml --out DIR`` on the example and on broken scenarios."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conversions import get_basis, tonnes_per_credit
from linkage.cli import main
from optimize import EnterpriseModel, load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "enterprise_compliance.toml"
DEMO_C = "Demo Motors C (illustrative)"
PLAN_COLUMNS = ["enterprise", "year", "instrument", "vintage", "action", "quantity", "unit",
                "cash_flow_cny", "counterparty"]
ENTERPRISE_KEYS = {"total_cost_cny", "cost_by_instrument_cny", "shadow_price_nev_cny_per_credit",
                   "shadow_price_cafc_cny_per_credit", "implied_carbon_price_cny_per_t_co2e",
                   "uncovered_credits", "provisional_parameters"}


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def example_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("example") / "out"
    return invoke("optimize", EXAMPLE, "--out", out), out


def test_example_exits_0_and_writes_both_files(example_run):
    result, out = example_run
    assert result.exit_code == 0, (result.output, result.exception)
    assert sorted(p.name for p in out.iterdir()) == ["plan.csv", "summary.json"]
    assert "optimal" in result.stdout
    assert "WARNING" not in result.output


def test_example_plan_csv(example_run):
    _, out = example_run
    plan = pd.read_csv(out / "plan.csv")
    assert list(plan.columns) == PLAN_COLUMNS
    assert set(plan["enterprise"]) == {DEMO_C}
    assert set(plan["unit"]) <= {"credit", "t_CO2e"}
    assert (plan["quantity"] > 0).all()
    # the plan read back from the file is legal
    sc = load_scenario(EXAMPLE)
    assert EnterpriseModel(sc, DEMO_C).verify(plan) == []


def test_example_summary_json(example_run):
    _, out = example_run
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert s["status"] == "optimal"
    assert set(s["enterprises"]) == {DEMO_C}
    e = s["enterprises"][DEMO_C]
    assert ENTERPRISE_KEYS <= set(e)
    assert s["total_cost_cny"] == pytest.approx(e["total_cost_cny"])
    assert sum(e["cost_by_instrument_cny"].values()) == pytest.approx(e["total_cost_cny"])
    years = ["2024", "2025", "2026", "2027"]
    for key in ("shadow_price_nev_cny_per_credit", "shadow_price_cafc_cny_per_credit",
                "implied_carbon_price_cny_per_t_co2e", "uncovered_credits"):
        assert sorted(e[key]) == years
    assert e["uncovered_credits"]["2027"] == {"cafc": 0.0, "nev": 0.0}
    assert isinstance(e["provisional_parameters"], list)
    assert s["solver"]["name"]
    assert s["solver"]["version"].startswith("HiGHS")


def test_example_solved_by_hand(example_run):
    """The example's optimum worked out from the rules and prices.

    t = t CO2e per credit of the ttw-real-world basis (about 4.825). Carry: CAFC x 0.9 a year
    for 3 years. Abatement (1,800 and 2,500 a credit) is dearer than every other lever.

    2024: NEV deficit 17,000: the 2023 NEV vintage is worth 6,000 x 0.5 = 3,000 (saves 700
          each now; carried it would be 1,500 worth 800 in 2025); buy 14,000 x 700.
    2025: NEV deficit 26,000 bought x 800.
    2026: NEV 38,000 bought x 1,000 (the pool is empty). CAFC deficit 25,000: the 2023 CAFC
          vintage 20,000 x 0.9^3 = 14,580 (its last year), affiliates 10,000, and the last 420
          with CEAs at 80 t (cap 5,000) rather than banked 2024/2025 credits, which would cost
          0.9 x 1,300 / 1.05 = 1,114 each in 2027.
    2027: NEV 52,000 bought x 1,300. CAFC deficit 60,000: 2024 vintage 42,000 x 0.9^3 =
          30,618, 2025 vintage 8,000 x 0.9^2 = 6,480, affiliates 10,000, CEAs 20 % x 60,000 =
          12,000 at 100 t, and the last 60,000 - 30,618 - 6,480 - 10,000 - 12,000 = 902
          bought x 1,300.
    """
    _, out = example_run
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    e = s["enterprises"][DEMO_C]
    t = float(tonnes_per_credit(get_basis("ttw-real-world"), credit="cafc")
              .to("t_CO2e / cafc_credit").magnitude)
    y2024 = 14_000 * 700
    y2025 = 26_000 * 800
    y2026 = 38_000 * 1000 + 420 * 80 * t
    y2027 = 52_000 * 1300 + 12_000 * 100 * t + 902 * 1300
    total = y2024 + y2025 / 1.05 + y2026 / 1.05**2 + y2027 / 1.05**3
    assert s["total_cost_cny"] == pytest.approx(total, rel=1e-9)
    assert e["cost_by_instrument_cny"]["cea"] == pytest.approx(
        420 * 80 * t / 1.05**2 + 12_000 * 100 * t / 1.05**3, rel=1e-9)
    # NEV: the market price of each year
    assert e["shadow_price_nev_cny_per_credit"] == {
        "2024": pytest.approx(700.0), "2025": pytest.approx(800.0),
        "2026": pytest.approx(1000.0), "2027": pytest.approx(1300.0)}
    # CAFC, one more credit of requirement:
    #   2027: the deficit grows, so does the CEA cap: 0.2 x 100 t + 0.8 x 1,300
    #   2026: one more CEA: 80 t
    #   2025: 0.9^2 fewer banked credits in 2027, bought there: 0.81 x 1,300 / 1.05^2
    #   2024: 0.9^3 x 1,300 / 1.05^3
    sp = e["shadow_price_cafc_cny_per_credit"]
    assert sp["2027"] == pytest.approx(0.2 * 100 * t + 0.8 * 1300)
    assert sp["2026"] == pytest.approx(80 * t)
    assert sp["2025"] == pytest.approx(0.81 * 1300 / 1.05**2)
    assert sp["2024"] == pytest.approx(0.729 * 1300 / 1.05**3)
    # per tonne: NEV shadow price / t
    assert e["implied_carbon_price_cny_per_t_co2e"]["2024"] == pytest.approx(700 / t)


def test_example_cash_flows_discount_to_the_total(example_run):
    _, out = example_run
    plan = pd.read_csv(out / "plan.csv")
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    disc = 1.05 ** -(plan["year"] - 2024)
    assert -(plan["cash_flow_cny"] * disc).sum() == pytest.approx(s["total_cost_cny"])


def test_module_entry_runs(tmp_path):
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "linkage.cli", "optimize", str(EXAMPLE),
                           "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert (out / "plan.csv").exists() and (out / "summary.json").exists()


UNCOVERED = """\
[scenario]
name = "short"
years = [2024]

[[enterprise]]
name = "Short Motors"
cafc_credits = [0]
nev_credits = [-1000]
nev_carry_eligible = [false]

[market]
nev_buy_price_cny_per_credit = 1100
nev_buy_limit_credits = 0
supply_demand_ratio = 1.8
"""


def test_uncovered_deficit_prints_a_warning(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(UNCOVERED + "\n[penalty]\npenalty_cny_per_credit = 5000\n", encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("optimize", path, "--out", out)
    assert result.exit_code == 0, (result.output, result.exception)
    assert "WARNING" in result.stderr
    assert "Short Motors" in result.stderr and "1,000" in result.stderr
    s = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    e = s["enterprises"]["Short Motors"]
    # 1,000 uncovered x 5,000
    assert e["uncovered_credits"]["2024"] == {"cafc": 0.0, "nev": pytest.approx(1000.0)}
    assert e["total_cost_cny"] == pytest.approx(5_000_000.0)


def test_infeasible_scenario_exits_2_with_a_diagnosis(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text(UNCOVERED, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("optimize", path, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.startswith("error:")
    assert "infeasible" in result.stderr
    assert "penalty" in result.stderr
    assert not out.exists()


def test_bad_scenario_exits_2_naming_file_and_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(UNCOVERED.replace("nev_buy_price_cny_per_credit =",
                                      "nev_buy_prise_cny_per_credit ="),
                    encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("optimize", path, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.startswith("error:")
    assert str(path) in result.stderr
    assert "market.nev_buy_prise_cny_per_credit" in result.stderr
    assert "did you mean 'nev_buy_price_cny_per_credit'" in result.stderr
    assert "Traceback" not in result.output
    assert not out.exists()


def test_bad_scenario_leaves_an_existing_out_folder_untouched(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(UNCOVERED.replace("[-1000]", "[-1000, 5]"), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = invoke("optimize", path, "--out", out)
    assert result.exit_code == 2
    assert "enterprise[Short Motors].nev_credits" in result.stderr
    assert list(out.iterdir()) == []


def test_missing_scenario_file(tmp_path):
    result = invoke("optimize", tmp_path / "absent.toml", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert "error:" in result.stderr and "absent.toml" in result.stderr
    assert not (tmp_path / "out").exists()
