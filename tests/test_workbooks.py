"""``--format xlsx`` of ``credits``, ``ledger``, ``optimize`` and ``market``: one workbook,
read back with openpyxl and compared cell by cell with the CSV output of the same command."""

from __future__ import annotations

import json
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from linkage import compute_credits
from linkage.cli import main
from linkage.workbook import column_header, column_unit

ROOT = Path(__file__).resolve().parents[1]
FLEET = ROOT / "examples" / "data" / "demo_fleet.csv"
ENTERPRISES = ROOT / "examples" / "data" / "demo_enterprises.csv"
SCENARIO = ROOT / "examples" / "enterprise_compliance.toml"
MARKET = ROOT / "examples" / "industry_market.toml"


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def sheet_frame(ws) -> tuple[list[str], list[list]]:
    rows = list(ws.iter_rows())
    return [c.value for c in rows[0]], [list(r) for r in rows[1:]]


def assert_sheet_equals_csv(ws, csv: Path, columns: list[str] | None = None) -> None:
    """Same headers (with units), same values, numbers stored as numbers."""
    table = pd.read_csv(csv)
    headers, rows = sheet_frame(ws)
    names = [h.split(" [")[0] for h in headers]
    cols = columns or list(table.columns)
    assert names[:len(cols)] == cols
    assert headers[:len(cols)] == [column_header(c) for c in cols]
    assert len(rows) == len(table)
    for j, col in enumerate(cols):
        for i, expected in enumerate(table[col].tolist()):
            cell = rows[i][j]
            if isinstance(expected, float) and math.isnan(expected):
                assert cell.value is None, (col, i)
            elif isinstance(expected, bool):
                assert cell.value is expected, (col, i)
            elif isinstance(expected, int | float):
                assert cell.data_type == "n", (col, i, cell.value)  # a number, not text
                # openpyxl stores 16 significant digits (Excel itself keeps 15)
                assert cell.value == pytest.approx(expected, rel=1e-15, abs=0), (col, i)
            else:
                assert cell.value == expected, (col, i)


# --------------------------------------------------------------------------- credits
@pytest.fixture(scope="module")
def credits_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("credits")
    r1 = invoke("credits", FLEET, "--enterprises", ENTERPRISES, "--format", "xlsx",
                "--out", d / "book.xlsx")
    r2 = invoke("credits", FLEET, "--enterprises", ENTERPRISES, "--out", d / "st.csv",
                "--detail", d / "models.csv")
    assert r1.exit_code == 0, r1.output
    assert r2.exit_code == 0, r2.output
    return d


def test_credits_workbook_sheets_and_frozen_headers(credits_run):
    wb = openpyxl.load_workbook(credits_run / "book.xlsx")
    assert wb.sheetnames == ["statements", "models", "notes"]
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert all(c.font.bold for c in ws[1])
    headers = [c.value for c in wb["statements"][1]]
    assert "cafc_actual_l_per_100km [L/100 km]" in headers
    assert "nev_credits [credit]" in headers
    assert "volume_vehicles [vehicle]" in headers
    assert headers[0] == "enterprise"  # a name: no unit
    models = [c.value for c in wb["models"][1]]
    assert "curb_mass_kg [kg]" in models
    assert "energy_consumption_kwh_per_100km [kWh/100 km]" in models
    assert "nev_standard_credit_per_vehicle [credit/vehicle]" in models


def test_credits_workbook_equals_the_csv_files(credits_run):
    wb = openpyxl.load_workbook(credits_run / "book.xlsx")
    assert_sheet_equals_csv(wb["statements"], credits_run / "st.csv")
    assert_sheet_equals_csv(wb["models"], credits_run / "models.csv")


def test_credits_column_widths_fit_the_headers(credits_run):
    ws = openpyxl.load_workbook(credits_run / "book.xlsx")["statements"]
    for cell in ws[1]:
        width = ws.column_dimensions[cell.column_letter].width
        assert len(cell.value) + 2 <= width <= 60


def test_credits_notes_list_the_provisional_parameters_with_sources(credits_run):
    ws = openpyxl.load_workbook(credits_run / "book.xlsx")["notes"]
    headers, rows = sheet_frame(ws)
    assert headers[:3] == ["topic", "year [year]", "key"]
    listed = {(r[1].value, r[2].value) for r in rows if r[0].value == "provisional parameter"}
    res = compute_credits(FLEET, ENTERPRISES)
    expected = {(int(r.year), r.key) for r in res.provisional_parameters().itertuples()}
    assert listed == expected and listed
    for r in rows:
        if r[0].value == "provisional parameter":
            assert r[5].value in ("provisional", "scenario")
            assert r[6].value  # a source


def test_credits_xlsx_refuses_detail_and_a_missing_or_bad_name(tmp_path):
    r = invoke("credits", FLEET, "--format", "xlsx", "--out", tmp_path / "a.xlsx",
               "--detail", tmp_path / "d.csv")
    assert r.exit_code == 2 and "--detail" in r.output
    r = invoke("credits", FLEET, "--format", "xlsx")
    assert r.exit_code == 2 and "--out" in r.output
    r = invoke("credits", FLEET, "--format", "xlsx", "--out", tmp_path / "a.csv")
    assert r.exit_code == 2 and ".xlsx" in r.output
    assert list(tmp_path.iterdir()) == []


def test_existing_workbook_needs_overwrite_and_is_replaced_whole(tmp_path):
    book = tmp_path / "b.xlsx"
    book.write_text("old")
    r = invoke("credits", FLEET, "--format", "xlsx", "--out", book)
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert book.read_text() == "old"
    r = invoke("credits", FLEET, "--format", "xlsx", "--out", book, "--overwrite")
    assert r.exit_code == 0, r.output
    assert openpyxl.load_workbook(book).sheetnames == ["statements", "models", "notes"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.xlsx"]  # no temp, no lock


def test_bad_input_leaves_no_workbook(tmp_path):
    bad = tmp_path / "fleet.csv"
    bad.write_text("enterprise,year\nA,2024\n")
    r = invoke("credits", bad, "--format", "xlsx", "--out", tmp_path / "b.xlsx")
    assert r.exit_code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fleet.csv"]


# --------------------------------------------------------------------------- ledger
def test_ledger_workbook_transactions_equal_the_csv(credits_run, tmp_path):
    st = credits_run / "st.csv"
    r1 = invoke("ledger", st, "--years", "2021-2025", "--pool-ratio", "2021=1.2",
                "--format", "xlsx", "--out", tmp_path / "l.xlsx")
    r2 = invoke("ledger", st, "--years", "2021-2025", "--pool-ratio", "2021=1.2",
                "--out", tmp_path / "tx.csv")
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    wb = openpyxl.load_workbook(tmp_path / "l.xlsx")
    assert wb.sheetnames == ["transactions", "positions", "ratios", "notes"]
    assert all(ws.freeze_panes == "A2" for ws in wb.worksheets)
    assert_sheet_equals_csv(wb["transactions"], tmp_path / "tx.csv")
    headers = [c.value for c in wb["transactions"][1]]
    assert "cash_flow_cny [CNY]" in headers and "balance_after_credits [credit]" in headers
    positions = [c.value for c in wb["positions"][1]]
    assert positions[:4] == ["enterprise", "year [year]", "earned_credits [credit]",
                             "deficit_credits [credit]"]
    assert "uncovered_credits [credit]" in positions and "sold_credits [credit]" in positions
    _, rows = sheet_frame(wb["ratios"])
    assert (rows[0][0].value, rows[0][2].value) == (2021, "observed")
    assert rows[0][1].value == 1.2 and rows[0][1].data_type == "n"
    assert {r[2].value for r in rows[1:]} == {"computed"}


# --------------------------------------------------------------------------- optimize, market
def test_optimize_workbook_equals_plan_csv_and_summary(tmp_path):
    r1 = invoke("optimize", SCENARIO, "--format", "xlsx", "--out", tmp_path / "o.xlsx")
    r2 = invoke("optimize", SCENARIO, "--out", tmp_path / "o")
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    wb = openpyxl.load_workbook(tmp_path / "o.xlsx")
    assert wb.sheetnames == ["plan", "summary", "enterprise_years", "enterprise_costs",
                             "notes"]
    assert all(ws.freeze_panes == "A2" for ws in wb.worksheets)
    assert_sheet_equals_csv(wb["plan"], tmp_path / "o" / "plan.csv")
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    _, rows = sheet_frame(wb["summary"])
    items = {r[0].value: (r[1], r[2].value) for r in rows}
    cell, unit = items["total_cost_cny"]
    assert cell.data_type == "n" and cell.value == pytest.approx(summary["total_cost_cny"],
                                                                 rel=1e-9)
    assert unit == "CNY"
    name, ent = next(iter(summary["enterprises"].items()))
    year, price = next(iter(ent["shadow_price_nev_cny_per_credit"].items()))
    cell, unit = items[f"enterprises.{name}.shadow_price_nev_cny_per_credit.{year}"]
    assert cell.value == pytest.approx(price, rel=1e-9) and unit == "CNY/credit"
    _, years = sheet_frame(wb["enterprise_years"])
    row = next(r for r in years if r[0].value == name and r[1].value == int(year))
    assert row[2].value == pytest.approx(price, rel=1e-9)
    _, costs = sheet_frame(wb["enterprise_costs"])
    total = next(r for r in costs if r[0].value == name and r[1].value == "total")
    assert total[2].value == pytest.approx(ent["total_cost_cny"], rel=1e-9)


def test_market_workbook_equals_prices_and_enterprises_csv(tmp_path):
    r1 = invoke("market", MARKET, "--format", "xlsx", "--out", tmp_path / "m.xlsx")
    r2 = invoke("market", MARKET, "--out", tmp_path / "m")
    assert r1.exit_code == 0 and r2.exit_code == 0, r1.output + r2.output
    wb = openpyxl.load_workbook(tmp_path / "m.xlsx")
    assert wb.sheetnames == ["prices", "enterprises", "plan", "summary", "notes"]
    cols = ["year", "nev_price_cny_per_credit", "implied_carbon_price_cny_per_t_co2e"]
    assert_sheet_equals_csv(wb["prices"], tmp_path / "m" / "prices.csv", cols)
    assert "nev_price_cny_per_credit [CNY/credit]" in [c.value for c in wb["prices"][1]]
    assert_sheet_equals_csv(wb["enterprises"], tmp_path / "m" / "enterprises.csv")
    assert "cea_surrendered_t_co2e [t CO2e]" in [c.value for c in wb["enterprises"][1]]


def test_optimize_xlsx_refuses_the_scenario_file_as_output(tmp_path):
    sc = tmp_path / "s.xlsx"
    sc.write_bytes(SCENARIO.read_bytes())
    r = invoke("optimize", sc, "--format", "xlsx", "--out", sc, "--overwrite")
    assert r.exit_code == 2
    assert sc.read_bytes() == SCENARIO.read_bytes()


# --------------------------------------------------------------------------- units
#: Units written by hand from the quantities' definitions (not from the code's tables).
EXPECTED_UNITS = {
    "year": "year", "vintage": "year", "provisional_parameters": "count",
    "volume_vehicles": "vehicle", "nev_volume_vehicles": "vehicle",
    "cafc_target_l_per_100km": "L/100 km", "cafc_actual_l_per_100km": "L/100 km",
    "conventional_cafc_unweighted_l_per_100km": "L/100 km",
    "cafc_requirement_share": "-", "small_enterprise_relief_factor": "-",
    "cafc_credits": "credit", "nev_earned_credits": "credit",
    "nev_requirement_credits": "credit", "nev_standard_credit_per_vehicle": "credit/vehicle",
    "nev_credit_per_vehicle": "credit/vehicle", "cafc_multiplier": "-",
    "nev_requirement_weight": "-", "cafc_co2_reference_g_per_km": "g/km",
    "balance_after_credits": "credit", "cash_flow_cny": "CNY", "traded_credits": "credit",
    "bought_credits": "credit", "deficit_covered_by_cea_credits": "credit",
    "cea_surrendered_t_co2e": "t CO2e", "offsets_sold_t_co2e": "t CO2e",
    "implied_carbon_price_cny_per_t_co2e": "CNY/t CO2e",
    "offset_rent_cny_per_t_co2e": "CNY/t CO2e", "nev_price_cny_per_credit": "CNY/credit",
    "supply_demand_ratio": "-", "earned_credits": "credit", "uncovered_credits": "credit",
    "cost_cny_per_unit": "CNY/unit", "nev_credits_per_unit": "credit/unit",
    "volume_10k_vehicles": "10^4 vehicle",
    "nev_carry_eligible": None, "basis": None, "enterprise": None,
}


def test_header_units_are_the_quantities_units(credits_run):
    for name, unit in EXPECTED_UNITS.items():
        assert column_unit(name) == unit, name
    wb = openpyxl.load_workbook(credits_run / "book.xlsx")
    headers = {c.value for ws in wb.worksheets for c in ws[1]}
    for name in ("volume_vehicles", "cafc_multiplier", "nev_earned_credits",
                 "nev_standard_credit_per_vehicle"):
        assert f"{name} [{EXPECTED_UNITS[name]}]" in headers
    assert "enterprise" in headers and "model" in headers  # names: no unit


def test_unit_suffixes():
    assert column_unit("cafc_actual_l_per_100km") == "L/100 km"
    assert column_unit("nev_buy_price_cny_per_credit") == "CNY/credit"
    assert column_unit("implied_carbon_price_cny_per_t_co2e") == "CNY/t CO2e"
    assert column_unit("battery_energy_density_wh_per_kg") == "Wh/kg"
    assert column_unit("enterprise") is None
    assert column_header("cash_flow_cny") == "cash_flow_cny [CNY]"
