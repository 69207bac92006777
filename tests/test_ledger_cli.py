"""The ``linkage ledger`` command on the statements of the demo fleet."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from linkage.cli import main
from linkage.ledger import TRANSACTION_COLUMNS, verify_plan

ROOT = Path(__file__).resolve().parents[1]
FLEET = ROOT / "examples" / "data" / "demo_fleet.csv"
ENTERPRISES = ROOT / "examples" / "data" / "demo_enterprises.csv"

DOCUMENTED_COLUMNS = [
    "enterprise", "year", "instrument", "vintage", "action", "quantity", "balance_after_credits",
    "counterparty", "cash_flow_cny", "unit",
]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("ledger_cli")
    credits = d / "CREDITS.csv"
    result = invoke("credits", FLEET, "--out", credits)
    assert result.exit_code == 0, result.output
    prices = d / "P.csv"
    pd.DataFrame({"year": [2021, 2022, 2023, 2024, 2025],
                  "nev_buy_price_cny_per_credit": [2088, 1128, 1000, 900, 800]}
                 ).to_csv(prices, index=False)
    short = d / "P_missing_2023.csv"
    pd.DataFrame({"year": [2021, 2022, 2024, 2025],
                  "nev_buy_price_cny_per_credit": [2088, 1128, 900, 800]}
                 ).to_csv(short, index=False)
    return d, credits, prices, short


@pytest.fixture(scope="module")
def ledger_run(files):
    d, credits, prices, _ = files
    out = d / "tx.csv"
    result = invoke("ledger", credits, "--years", "2021-2025", "--prices", prices,
                    "--pool-ratio", "2025=1.2", "--enterprises", ENTERPRISES, "--out", out)
    return result, out


def test_ledger_exit_0_and_transaction_csv(ledger_run):
    result, out = ledger_run
    assert result.exit_code == 0, result.output
    assert out.exists()
    tx = pd.read_csv(out)
    assert list(tx.columns) == DOCUMENTED_COLUMNS
    assert list(tx.columns) == TRANSACTION_COLUMNS
    assert len(tx) > 0
    assert set(tx["year"]) == {2021, 2022, 2023, 2024, 2025}
    assert (tx["quantity"] >= 0).all()
    assert set(tx["unit"]) == {"credit"}


def test_ledger_csv_is_a_legal_plan(files, ledger_run):
    _, credits, _, _ = files
    _, out = ledger_run
    tx = pd.read_csv(out)
    st = pd.read_csv(credits)
    groups = pd.read_csv(ENTERPRISES).set_index("enterprise")["group"]
    st["group"] = st["enterprise"].map(groups).fillna(st["enterprise"])
    assert verify_plan(tx, st, years=range(2021, 2026), supply_demand_ratio={2025: 1.2}) == []


def test_ledger_cash_flows_use_the_price_file(ledger_run):
    _, out = ledger_run
    tx = pd.read_csv(out)
    price = {2021: 2088, 2022: 1128, 2023: 1000, 2024: 900, 2025: 800}
    buys = tx[tx["action"] == "buy"]
    assert len(buys)
    expected = -buys["quantity"] * buys["year"].map(price)
    assert buys["cash_flow_cny"].to_numpy() == pytest.approx(expected.to_numpy())


def test_ledger_prints_notes_and_ratio(ledger_run):
    result, _ = ledger_run
    assert "note: nev_carry_eligible not given" in result.output
    assert "2025 1.20 (observed)" in result.output


@pytest.mark.parametrize(("ratio", "tag"), [("2025:1.2", "colon"), ("2025=abc", "text"),
                                           ("x=1.2", "year")])
def test_bad_pool_ratio_exits_2_without_file(files, ratio, tag):
    d, credits, prices, _ = files
    out = d / f"bad_ratio_{tag}.csv"
    result = invoke("ledger", credits, "--years", "2021-2025", "--prices", prices,
                    "--pool-ratio", ratio, "--out", out)
    assert result.exit_code == 2
    assert "error:" in result.output.lower() or "usage:" in result.output.lower()
    assert not out.exists()


def test_negative_pool_ratio_exits_2_without_file(files):
    d, credits, prices, _ = files
    out = d / "negative_ratio.csv"
    result = invoke("ledger", credits, "--years", "2021-2025", "--prices", prices,
                    "--pool-ratio", "2025=-1", "--out", out)
    assert result.exit_code == 2
    assert "error:" in result.output
    assert not out.exists()


def test_missing_price_year_exits_2_without_file(files):
    d, credits, _, short = files
    out = d / "missing_price.csv"
    result = invoke("ledger", credits, "--years", "2021-2025", "--prices", short,
                    "--out", out)
    assert result.exit_code == 2
    assert "error:" in result.output
    assert "2023" in result.output
    assert not out.exists()
    assert not list(d.glob(".missing_price.csv.*"))  # no temporary file left behind
