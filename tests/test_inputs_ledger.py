"""Issue 10, ledger inputs: every bad statement, year, price, reserve price or group input is
refused naming the file, row and column (or the option), never simulated as something else.

CLI cases run ``linkage ledger`` through click's CliRunner and assert exit code 2, the location
in the message, no traceback and no output file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from linkage.cli import main
from linkage.errors import ArgumentTypeError, InputError, LinkageError
from linkage.fleet import read_enterprises
from linkage.ledger import normalise_prices, prepare_statements, simulate
from linkage.ledger.statements import assign_groups, ledger_years, read_prices
from linkage.pool import ReserveVariant

NEUTRAL = "1.8"  # neither deposits (> 2.0) nor releases (< 1.5)
STATEMENTS = ("enterprise,year,cafc_credits,nev_credits\n"
              "A,2024,-100,0\n"      # row 2: a CAFC deficit of 100
              "B,2024,300,0\n"       # row 3: a CAFC surplus of 300
              "A,2025,0,0\n"         # row 4
              "B,2025,0,0\n")        # row 5
PRICES = "year,nev_buy_price_cny_per_credit\n2024,1000\n2025,1000\n"


@pytest.fixture
def files(tmp_path):
    st = tmp_path / "credits.csv"
    st.write_text(STATEMENTS, encoding="utf-8")
    prices = tmp_path / "prices.csv"
    prices.write_text(PRICES, encoding="utf-8")
    return tmp_path, st, prices


def _ledger(tmp_path: Path, *args: object):
    out = tmp_path / "tx.csv"
    res = CliRunner().invoke(main, ["ledger", *map(str, args), "--pool-ratio",
                                    f"2024={NEUTRAL}", "--pool-ratio", f"2025={NEUTRAL}",
                                    "--out", str(out)])
    return res, out


def _refused(tmp_path: Path, *args: object, phrases: tuple[str, ...]) -> str:
    res, out = _ledger(tmp_path, *args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for p in phrases:
        assert p in res.output, (p, res.output)
    assert not out.exists()
    return res.output


def test_valid_ledger_runs(files):
    # positive control: A's deficit of 100 is bought at 1,000 CNY (no group): -100,000 CNY
    d, st, prices = files
    res, out = _ledger(d, st, "--years", "2024-2025", "--prices", prices)
    assert res.exit_code == 0, res.output
    tx = pd.read_csv(out)
    buys = tx[tx["action"] == "buy"]
    assert buys[["enterprise", "year", "quantity"]].values.tolist() == [["A", 2024, 100.0]]
    assert buys["cash_flow_cny"].sum() == pytest.approx(-100_000.0)


# --------------------------------------------------------------------------- years


def test_cli_refuses_enterprise_year_without_statement(files):
    d, st, prices = files
    st.write_text(STATEMENTS.replace("B,2025,0,0\n", ""), encoding="utf-8")
    _refused(d, st, "--years", "2024-2025", "--prices", prices,
             phrases=(str(st), "column 'year'", "'B'", "2025", "not read as zero"))


def test_cli_refuses_year_without_any_statement(files):
    d, st, prices = files
    prices.write_text(PRICES + "2026,1000\n", encoding="utf-8")
    _refused(d, st, "--years", "2024-2026", "--prices", prices,
             phrases=(str(st), "no statement for 2026"))


def test_api_reads_missing_year_as_zero_and_says_so():
    st = pd.DataFrame({"enterprise": ["A", "B", "A"], "year": [2024, 2024, 2025],
                       "cafc_credits": [0.0, 0.0, 0.0], "nev_credits": [0.0, 0.0, 0.0]})
    res = simulate(st, [2024, 2025], prices=1.0, supply_demand_ratio={2024: 1.8, 2025: 1.8})
    assert any(n.startswith("B has no statement for 2025") for n in res.assumptions)
    with pytest.raises(InputError, match="'B' has no statement for 2025"):
        prepare_statements(st, years=[2024, 2025])


@pytest.mark.parametrize("years", ["2024.5-2025", "2024-2025.0", "y2024", "2024,2024",
                                   "2025-2024", "24-25", ""])
def test_cli_refuses_malformed_years(files, years):
    d, st, prices = files
    _refused(d, st, "--years", years, "--prices", prices, phrases=("--years",))


@pytest.mark.parametrize("years", ["2024", [2024.0, 2025.0], [True], [2024, "2025"],
                                   np.array([2024.5])])
def test_api_years_of_wrong_type_refused(years):
    with pytest.raises(ArgumentTypeError, match="years") as err:
        ledger_years(years)
    assert isinstance(err.value, LinkageError) and isinstance(err.value, TypeError)


@pytest.mark.parametrize(("years", "phrase"), [([], "no years"), ([2024, 2024], "twice"),
                                               ([2024, 2026], "consecutive")])
def test_api_years_of_wrong_value_refused(years, phrase):
    with pytest.raises(InputError, match=phrase):
        ledger_years(years)


def test_api_numpy_years_and_any_order_accepted():
    assert ledger_years(np.array([2025, 2024])) == [2024, 2025]


def test_fractional_statement_year_refused_not_truncated(files):
    d, st, prices = files
    st.write_text(STATEMENTS.replace("A,2025,0,0", "A,2025.5,0,0"), encoding="utf-8")
    _refused(d, st, "--years", "2024-2025", "--prices", prices,
             phrases=(str(st), "row 4", "column 'year'", "whole number, got 2025.5"))


@pytest.mark.parametrize(("cell", "phrase"), [('"1,500"', "got '1,500'"), ("abc", "got 'abc'"),
                                              ("TRUE", "got 'TRUE'"), ("inf", "got 'inf'")])
def test_statement_credit_cells_strict(files, cell, phrase):
    d, st, prices = files
    st.write_text(STATEMENTS.replace("B,2024,300,0", f"B,2024,{cell},0"), encoding="utf-8")
    _refused(d, st, "--years", "2024-2025", "--prices", prices,
             phrases=(str(st), "row 3", "column 'cafc_credits'", phrase))


def test_statement_bool_cell_in_a_dataframe_refused():
    st = pd.DataFrame({"enterprise": ["A"], "year": [2024], "cafc_credits": [True],
                       "nev_credits": [0.0]})
    with pytest.raises(InputError, match="expected a number, got True"):
        prepare_statements(st)


# --------------------------------------------------------------------------- prices


@pytest.mark.parametrize(
    ("text", "row", "column", "phrase"),
    [
        ('year,nev_buy_price_cny_per_credit\n2024,"1,500"\n2025,1000\n', 2,
         "nev_buy_price_cny_per_credit", "got '1,500'"),
        ("year,nev_buy_price_cny_per_credit\n2024,abc\n2025,1000\n", 2,
         "nev_buy_price_cny_per_credit", "got 'abc'"),
        ("year,nev_buy_price_cny_per_credit\n2024,¥800\n2025,1000\n", 2,
         "nev_buy_price_cny_per_credit", "got '¥800'"),
        ("year,nev_buy_price_cny_per_credit\n2024,1000\n2025,nan\n", 3,
         "nev_buy_price_cny_per_credit", "must not be empty"),
        ("year,nev_buy_price_cny_per_credit\n2024,1000\n2025,inf\n", 3,
         "nev_buy_price_cny_per_credit", "got 'inf'"),
        ("year,nev_buy_price_cny_per_credit\n2024,1000\n2025,-5\n", 3,
         "nev_buy_price_cny_per_credit", "must be >= 0"),
        ("year,nev_buy_price_cny_per_credit\ny2024,1000\n2025,1000\n", 2, "year",
         "got 'y2024'"),
        ("year,nev_buy_price_cny_per_credit\n2024.5,1000\n2025,1000\n", 2, "year",
         "whole number, got 2024.5"),
        ("year,nev_buy_price_cny_per_credit\n2024,1000\n2025,900\n2025,5000\n", 4, "year",
         "year 2025 appears twice"),
        ("year,nev_buy_price_cny_per_credit,nev_sell_price_cny_per_credit\n2024,1000,1200\n"
         "2025,1000,900\n", 2, "nev_sell_price_cny_per_credit", "free money"),
        ("year,nev_buy_price_cny_per_credit,price_note\n2024,1000,x\n2025,1000,y\n", 1,
         "price_note", "unknown column"),
        ("year,nev_buy_price_cny_per_credit\n2024,1000,7\n", 2, None, "3 fields"),
    ],
    ids=["thousands", "abc", "yen", "nan", "inf", "negative", "y2024", "fractional_year",
         "duplicate_year", "sell_above_buy", "unknown_column", "extra_field"],
)
def test_cli_refuses_bad_price_files(files, text, row, column, phrase):
    d, st, prices = files
    prices.write_text(text, encoding="utf-8")
    where = (str(prices), f"row {row}") + ((f"column '{column}'",) if column else ())
    _refused(d, st, "--years", "2024-2025", "--prices", prices, phrases=(*where, phrase))


def test_cli_missing_price_year_names_the_file_and_the_simulated_years(files):
    d, st, prices = files
    prices.write_text("year,nev_buy_price_cny_per_credit\n2024,1000\n", encoding="utf-8")
    _refused(d, st, "--years", "2024-2025", "--prices", prices,
             phrases=(str(prices), "column 'year'", "no NEV buy price for 2025",
                      "simulated years 2024-2025"))


def test_duplicate_price_year_is_not_last_wins():
    table = pd.DataFrame({"year": [2024, 2024], "nev_buy_price_cny_per_credit": [900, 5000]})
    with pytest.raises(InputError, match="appears twice"):
        normalise_prices(table, [2024])


def test_cli_refuses_non_utf8_price_file(files):
    d, st, prices = files
    prices.write_bytes("year,nev_buy_price_cny_per_credit\n2024,1000\n2025,¥800\n"
                       .encode("gb18030"))
    _refused(d, st, "--years", "2024-2025", "--prices", prices,
             phrases=(str(prices), "row 3", "column 'nev_buy_price_cny_per_credit'",
                      "not a UTF-8 text file"))


def test_cli_refuses_non_utf8_statements(files):
    d, st, prices = files
    st.write_bytes(STATEMENTS.replace("B,2025", "\u6bd4\u4e9a\u8fea,2025").encode("gbk"))
    _refused(d, st, "--years", "2024-2025", "--prices", prices,
             phrases=(str(st), "row 5", "column 'enterprise'", "not a UTF-8 text file"))


def test_cli_refuses_missing_price_file_and_directory(files):
    d, st, _ = files
    _refused(d, st, "--years", "2024-2025", "--prices", d / "none.csv",
             phrases=("none.csv", "not found"))


def test_read_prices_keeps_rows_as_the_spreadsheet_shows_them(files):
    _, _, prices = files
    prices.write_text("year,nev_buy_price_cny_per_credit\n\n2024,1000\n2025,x\n",
                      encoding="utf-8")
    with pytest.raises(InputError) as err:
        normalise_prices(read_prices(prices), [2024, 2025])
    assert (err.value.file, err.value.row, err.value.column) == (
        str(prices), 4, "nev_buy_price_cny_per_credit")


@pytest.mark.parametrize(
    ("prices", "error", "phrase"),
    [(-1000.0, InputError, "must be >= 0"), (float("nan"), InputError, "finite"),
     (float("inf"), InputError, "finite"), (True, ArgumentTypeError, "real number"),
     ("800", ArgumentTypeError, "real number"), ({2024: -5.0}, InputError, ">= 0"),
     ({2024: float("nan")}, InputError, "finite"), ({"2024": 800.0}, ArgumentTypeError, "int")],
)
def test_api_scalar_and_mapping_prices_checked(prices, error, phrase):
    with pytest.raises(error, match=phrase):
        normalise_prices(prices, [2024])


def test_api_valid_prices_unchanged():
    buy, sell, notes = normalise_prices(800, [2024, 2025])
    assert buy == sell == {2024: 800.0, 2025: 800.0} and notes == []


# --------------------------------------------------------------------------- reserve price


@pytest.mark.parametrize("price", ["-100", "nan", "inf", "-inf", "1,000", "¥800", "abc"])
def test_cli_refuses_bad_reserve_price(files, price):
    d, st, prices = files
    _refused(d, st, "--years", "2024-2025", "--prices", prices, "--reserve-price", price,
             phrases=("--reserve-price",))


@pytest.mark.parametrize("price", [-100.0, float("nan"), float("inf")])
def test_api_refuses_bad_reserve_price(price):
    with pytest.raises(InputError, match="reserve_price_cny_per_credit"):
        ReserveVariant(price)
    with pytest.raises(InputError, match="max_credits_per_year"):
        ReserveVariant(800.0, price)


def test_api_reserve_price_zero_and_ints_accepted():
    assert ReserveVariant(0).reserve_price_cny_per_credit == 0.0
    assert ReserveVariant(800, 100).reserve_max_credits_per_year == 100.0


@pytest.mark.parametrize("ratio", ["2025=nan", "2025=inf", "2025=1,2", "2025.5=1.2",
                                   "2025=1.2 2024=1", "2030=1.2"])
def test_cli_refuses_bad_pool_ratio(files, ratio):
    d, st, prices = files
    out = d / "tx.csv"
    res = CliRunner().invoke(main, ["ledger", str(st), "--years", "2024-2025", "--prices",
                                    str(prices), "--pool-ratio", ratio, "--out", str(out)])
    assert res.exit_code == 2 and "--pool-ratio" in res.output and not out.exists()
    assert "Traceback" not in res.output


# --------------------------------------------------------------------------- groups


def test_enterprises_year_rows_set_the_group_of_their_year(files):
    # A's 2023 row names an old group; its 2024 and 2025 rows put A with B. The old code kept
    # A's first row (group Old) for every year: A bought 100 credits instead of B's transfer.
    d, st, prices = files
    ent = d / "ent.csv"
    ent.write_text("enterprise,year,group\nA,2023,Old\nA,2024,G\nA,2025,G\nB,,G\n",
                   encoding="utf-8")
    res, out = _ledger(d, st, "--years", "2024-2025", "--prices", prices, "--enterprises", ent)
    assert res.exit_code == 0, res.output
    tx = pd.read_csv(out)
    moved = tx[tx["action"] == "transfer_in"]
    assert moved[["enterprise", "year", "quantity", "counterparty"]].values.tolist() == [
        ["A", 2024, 100.0, "B"]]
    assert not (tx["action"] == "buy").any()


def test_enterprises_group_change_within_simulated_years_refused(files):
    d, st, prices = files
    ent = d / "ent.csv"
    ent.write_text("enterprise,year,group\nA,2024,G\nA,2025,H\nB,,G\n", encoding="utf-8")
    _refused(d, st, "--years", "2024-2025", "--prices", prices, "--enterprises", ent,
             phrases=(str(ent), "row 3", "column 'group'", "'A'", "one affiliate group"))


def test_assign_groups_generic_row_and_own_group():
    st, _ = prepare_statements(pd.DataFrame({
        "enterprise": ["A", "B", "C"], "year": [2024] * 3, "cafc_credits": [0.0] * 3,
        "nev_credits": [0.0] * 3}))
    ents = read_enterprises(pd.DataFrame({"enterprise": ["A", "B"], "group": ["G", None]}))
    assert assign_groups(st, ents)["group"].tolist() == ["G", "B", "C"]


# --------------------------------------------------------------------------- opening holdings


@pytest.mark.parametrize(
    ("change", "column", "phrase"),
    [({"quantity": float("nan")}, "quantity", "got nan"),
     ({"quantity": float("inf")}, "quantity", "finite"),
     ({"quantity": -5.0}, "quantity", ">= 0"),
     ({"quantity": True}, "quantity", "expected a number, got True"),
     ({"vintage": 2023.5}, "vintage", "whole number, got 2023.5"),
     ({"vintage": 2024}, "vintage", "before 2024"),
     ({"instrument": "reserve"}, "instrument", "cafc, nev or pool")],
)
def test_opening_holdings_checked(change, column, phrase):
    st = pd.DataFrame({"enterprise": ["A"], "year": [2024], "cafc_credits": [0.0],
                       "nev_credits": [0.0]})
    row = {"enterprise": "A", "instrument": "nev", "vintage": 2023, "quantity": 10.0} | change
    with pytest.raises(InputError, match=phrase) as err:
        simulate(st, [2024], prices=1.0, supply_demand_ratio={2024: 1.8},
                 opening=pd.DataFrame([row], index=[7]))
    assert (err.value.row, err.value.column) == (7, column)
