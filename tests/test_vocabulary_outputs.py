"""One vocabulary, output side: old column names of the files the library reads back.

- a fleet table with the old header ``volume`` is read as ``volume_vehicles``, with a
  DeprecationWarning naming the file, and gives the same statements; both spellings are a
  located error (file, column; CLI exit code 2);
- a statement file written before the renames (``nev_credits_earned``, ``cafc_actual``, ...,
  ``conventional_fleet_meets_threshold``) is read by ``prepare_statements`` / ``linkage ledger``
  with a warning per old name and gives the same ledger; both spellings are an error;
- the renamed statement columns carry the hand-computed numbers of
  ``tests/test_accounting_hand.py`` (its single-powertrain table, worked out from the rules);
- the old attribute names of the results stay readable, with a warning, and equal the new.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from linkage import compute_credits
from linkage.cli import main
from linkage.errors import InputError
from linkage.fleet import read_fleet
from linkage.ledger import Strategy, prepare_statements, simulate
from linkage.ledger.statements import normalise_prices, read_prices
from optimize import load_scenario, optimize_scenario
from tests.test_accounting_hand import SINGLE, SINGLE_ROW

# the old statement header (linkage credits --out before the one vocabulary) -> the new one
OLD_STATEMENT_COLUMNS = {
    "volume": "volume_vehicles",
    "conventional_volume": "conventional_volume_vehicles",
    "nev_volume": "nev_volume_vehicles",
    "low_fc_volume": "low_fc_volume_vehicles",
    "cafc_target_value": "cafc_target_l_per_100km",
    "cafc_compliance_value": "cafc_compliance_l_per_100km",
    "cafc_actual": "cafc_actual_l_per_100km",
    "nev_credits_earned": "nev_earned_credits",
    "nev_requirement": "nev_requirement_credits",
}
DEPRECATED = r"is deprecated, use"
SCENARIO = Path(__file__).resolve().parents[1] / "examples" / "enterprise_compliance.toml"


def hand_fleet() -> pd.DataFrame:
    """The single-powertrain enterprises of test_accounting_hand: one enterprise per
    powertrain, one model a year (no enterprise table, so no year depends on another)."""
    rows = []
    for year, powertrain in SINGLE:
        row = SINGLE_ROW[powertrain](year)
        row["enterprise"] = f"Solo {powertrain}"
        rows.append(row)
    return pd.DataFrame(rows)


def old_header(fleet: pd.DataFrame) -> pd.DataFrame:
    return fleet.rename(columns={"volume_vehicles": "volume"})


# --------------------------------------------------------------------------- fleet


def test_renamed_statement_columns_carry_the_hand_computed_numbers():
    res = compute_credits(hand_fleet())
    st = res.statements.set_index(["enterprise", "year"])
    assert len(st) == len(SINGLE)
    for (year, powertrain), (t_ent, c, a, cafc, earned, req) in SINGLE.items():
        s = st.loc[(f"Solo {powertrain}", year)]
        conventional = powertrain in ("ICE", "HEV")
        volume = 30000 if conventional else 1000  # SINGLE_ROW's volumes
        assert s["volume_vehicles"] == volume
        assert s["conventional_volume_vehicles"] == (volume if conventional else 0)
        assert s["nev_volume_vehicles"] == (0 if conventional else volume)
        assert s["low_fc_volume_vehicles"] == (volume if powertrain == "HEV" else 0)
        assert s["cafc_target_l_per_100km"] == t_ent
        assert s["cafc_compliance_l_per_100km"] == c
        assert s["cafc_actual_l_per_100km"] == a
        assert s["cafc_credits"] == cafc
        assert s["nev_earned_credits"] == earned
        assert s["nev_requirement_credits"] == req


def test_old_fleet_header_warns_and_gives_the_same_statements(tmp_path):
    fleet = hand_fleet()
    new = compute_credits(fleet).statements
    path = tmp_path / "old_fleet.csv"
    old_header(fleet).to_csv(path, index=False)
    with pytest.warns(DeprecationWarning,
                      match=r"old_fleet\.csv: 'volume' is deprecated, use 'volume_vehicles'"):
        old = compute_credits(path).statements
    pd.testing.assert_frame_equal(old, new)
    with pytest.warns(DeprecationWarning, match="'volume' is deprecated"):
        frame = read_fleet(old_header(fleet))
    assert frame["volume_vehicles"].tolist() == fleet["volume_vehicles"].tolist()
    assert "volume" not in frame.columns


def test_old_and_new_fleet_header_together_is_a_located_error(tmp_path):
    path = tmp_path / "both.csv"
    hand_fleet().assign(volume=1).to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        read_fleet(path)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 1, "volume")
    assert "'volume' and 'volume_vehicles' are the same quantity" in str(err.value)
    r = CliRunner().invoke(main, ["credits", str(path)])
    assert r.exit_code == 2
    assert "both.csv" in r.output and "column 'volume'" in r.output
    assert "Traceback" not in r.output


# --------------------------------------------------------------------------- statements


def old_statement_file(tmp_path, statements: pd.DataFrame) -> str:
    path = tmp_path / "old_statements.csv"
    old = statements.rename(columns={v: k for k, v in OLD_STATEMENT_COLUMNS.items()})
    old = old.rename(columns={"nev_carry_eligible": "conventional_fleet_meets_threshold"})
    old.to_csv(path, index=False)
    return str(path)


def test_old_statement_headers_warn_and_give_the_same_statements(tmp_path):
    res = compute_credits(hand_fleet())
    new_path = tmp_path / "new.csv"
    res.statements.to_csv(new_path, index=False)
    old_path = old_statement_file(tmp_path, res.statements)
    new, new_notes = prepare_statements(new_path)
    with pytest.warns(DeprecationWarning, match=DEPRECATED) as caught:
        old, old_notes = prepare_statements(old_path)
    warned = {str(w.message).split("'")[1] for w in caught
              if issubclass(w.category, DeprecationWarning)}
    assert warned == {*OLD_STATEMENT_COLUMNS, "conventional_fleet_meets_threshold"}
    assert all("old_statements.csv" in str(w.message) for w in caught)
    pd.testing.assert_frame_equal(old, new)
    assert old_notes == new_notes == []  # the carry flag was read, not assumed
    years = range(2021, 2026)
    a = simulate(old, years, prices=1000.0).transactions
    b = simulate(new, years, prices=1000.0).transactions
    pd.testing.assert_frame_equal(a, b)


def test_ledger_command_reads_old_statement_headers(tmp_path):
    res = compute_credits(hand_fleet())
    new_path = tmp_path / "new.csv"
    res.statements.to_csv(new_path, index=False)
    old_path = old_statement_file(tmp_path, res.statements)
    runner = CliRunner()
    # the command shows each deprecated spelling as one `warning:` line
    r_old = runner.invoke(main, ["ledger", old_path, "--years", "2021-2025",
                                 "--out", str(tmp_path / "old_tx.csv")])
    assert "warning: " in r_old.output
    assert "'nev_credits_earned' is deprecated, use 'nev_earned_credits'" in r_old.output
    r_new = runner.invoke(main, ["ledger", str(new_path), "--years", "2021-2025",
                                 "--out", str(tmp_path / "new_tx.csv")])
    assert r_old.exit_code == 0 and r_new.exit_code == 0, r_old.output + r_new.output
    assert (tmp_path / "old_tx.csv").read_text() == (tmp_path / "new_tx.csv").read_text()


def test_old_and_new_statement_column_together_is_a_located_error(tmp_path):
    st = compute_credits(hand_fleet()).statements.assign(nev_credits_earned=0)
    path = tmp_path / "both.csv"
    st.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        prepare_statements(path)
    assert (err.value.file, err.value.column) == (str(path), "nev_credits_earned")
    assert "'nev_earned_credits'" in str(err.value)
    r = CliRunner().invoke(main, ["ledger", str(path), "--years", "2021-2025"])
    assert r.exit_code == 2
    assert "both.csv" in r.output and "column 'nev_credits_earned'" in r.output


# --------------------------------------------------------------------------- attributes


def test_old_ledger_attribute_warns_and_equals_the_new():
    st = prepare_statements(compute_credits(hand_fleet()).statements)[0]
    # no purchases: the ICE enterprise's CAFC deficits stay uncovered
    led = simulate(st, range(2021, 2026), prices=1000.0, strategy=Strategy(buy=False))
    with pytest.warns(DeprecationWarning, match="'uncovered' is deprecated, use "
                                                "'uncovered_deficits'"):
        old = led.uncovered
    pd.testing.assert_frame_equal(old, led.uncovered_deficits)
    assert (led.uncovered_deficits["quantity"] > 0).any()


def test_old_optimizer_result_attributes_warn_and_equal_the_new():
    res = optimize_scenario(load_scenario(SCENARIO))
    r = next(iter(res.enterprises.values()))
    for old, new in (("cost_by_instrument", "cost_by_instrument_cny"),
                     ("implied_carbon_price_cny_per_t", "implied_carbon_price_cny_per_t_co2e"),
                     ("uncovered_deficit", "uncovered_credits")):
        with pytest.warns(DeprecationWarning, match=f"'{old}' is deprecated, use '{new}'"):
            assert getattr(r, old) == getattr(r, new)
    with pytest.warns(DeprecationWarning, match="'uncovered' is deprecated, use "
                                                "'uncovered_deficits'"):
        assert res.uncovered == res.uncovered_deficits
    summary = r.summary()
    assert {"cost_by_instrument_cny", "implied_carbon_price_cny_per_t_co2e",
            "uncovered_credits"} <= set(summary)
    assert not {"cost_by_instrument", "implied_carbon_price_cny_per_t",
                "uncovered_deficit"} & set(summary)


def test_old_price_table_header_warns_and_gives_the_same_prices(tmp_path):
    new = pd.DataFrame({"year": [2024, 2025], "nev_buy_price_cny_per_credit": [800.0, 900.0],
                        "nev_sell_price_cny_per_credit": [700.0, 850.0]})
    path = tmp_path / "old_prices.csv"
    new.rename(columns={"nev_buy_price_cny_per_credit": "nev_buy_price",
                        "nev_sell_price_cny_per_credit": "nev_sell_price"}).to_csv(path,
                                                                                  index=False)
    with pytest.warns(DeprecationWarning, match=DEPRECATED) as caught:
        old = normalise_prices(read_prices(path), [2024, 2025])
    assert sorted(str(w.message).split(": ", 1)[1] for w in caught) == [
        "'nev_buy_price' is deprecated, use 'nev_buy_price_cny_per_credit' (prices)",
        "'nev_sell_price' is deprecated, use 'nev_sell_price_cny_per_credit' (prices)"]
    assert all(str(w.message).startswith(str(path)) for w in caught)
    assert old == normalise_prices(new, [2024, 2025])
    assert old[0] == {2024: 800.0, 2025: 900.0} and old[1] == {2024: 700.0, 2025: 850.0}
    both = new.assign(nev_buy_price=800.0)
    with pytest.raises(InputError) as err:
        normalise_prices(both, [2024, 2025])
    assert err.value.column == "nev_buy_price"
