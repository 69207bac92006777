"""Issue 10, type coercion in fleet and enterprise tables: the same rule for CSV, XLSX and
DataFrame input. A numeric column holds numbers only; a true/false cell, a date, ``1,500``,
``¥800``, ``inf``/``nan`` written as a number or a fractional count is refused with the file,
the row (header = row 1), the column and the rule -- never turned into 1/0, stripped, or
truncated.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from linkage import FleetError, LinkageError, compute_credits, read_enterprises, read_fleet
from linkage.cli import main

HEADER = ["enterprise", "year", "model", "powertrain", "volume_vehicles", "curb_mass_kg",
          "fuel_consumption_l_per_100km"]
# The header is row 1: ROWS[i] is row i + 2. The ICE model of row 2 sells 50,000 vehicles, so
# the enterprise is above the 30,000-vehicle exemption; read as 1 vehicle it would drop under.
ROWS = [
    ["E1", 2024, "ice-big", "ICE", 50000, 1500, 6.0],      # row 2
    ["E1", 2024, "ice-small", "ICE", 2000, 1300, 5.5],     # row 3
]


def _xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    """Typed cells, written with openpyxl as a spreadsheet program saves them."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _csv(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    lines = [",".join(header)] + [",".join(str(c) for c in r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _changed(row: int, col: str, value: object) -> list[list[object]]:
    rows = [list(r) for r in ROWS]
    rows[row - 2][HEADER.index(col)] = value
    return rows


def _frame(rows: list[list[object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=HEADER, index=range(2, 2 + len(rows)))


def _assert_cli_refuses(tmp_path: Path, args: list[str], *phrases: str) -> None:
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    for p in phrases:
        assert p in res.output, (p, res.output)
    assert not out.exists()


def test_valid_base_counts_fifty_thousand_vehicles(tmp_path):
    # positive control: the typed XLSX base reads 50,000 vehicles, like the CSV
    for path in (_xlsx(tmp_path / "f.xlsx", ROWS), _csv(tmp_path / "f.csv", ROWS)):
        fleet = read_fleet(path)
        assert fleet["volume_vehicles"].tolist() == [50000, 2000]
        assert compute_credits(path).statements["volume_vehicles"].tolist() == [52000]


# --------------------------------------------------------------------------- XLSX cells


@pytest.mark.parametrize(
    ("row", "col", "cell", "phrase"),
    [
        pytest.param(2, "volume_vehicles", True, "expected a number, got True", id="true_volume"),
        pytest.param(3, "volume_vehicles", False, "expected a number, got False",
                     id="false_volume"),
        pytest.param(2, "curb_mass_kg", True, "expected a number, got True", id="true_mass"),
        pytest.param(3, "fuel_consumption_l_per_100km", dt.datetime(2024, 6, 1),
                     "expected a number", id="date_fc"),
        pytest.param(2, "year", dt.date(2024, 1, 1), "expected a number", id="date_year"),
        pytest.param(2, "volume_vehicles", "50,000", "expected a number, got '50,000'",
                     id="text_thousands_separator"),
        pytest.param(2, "curb_mass_kg", "¥1500", "expected a number, got '¥1500'",
                     id="text_currency"),
        pytest.param(2, "volume_vehicles", "50 000", "expected a number",
                     id="text_space_separator"),
        pytest.param(2, "volume_vehicles", "inf", "expected a number, got 'inf'", id="text_inf"),
        pytest.param(2, "curb_mass_kg", "1e400", "expected a finite number", id="text_overflow"),
        pytest.param(2, "volume_vehicles", 10.5, "must be a whole number, got 10.5",
                     id="fractional_volume"),
        pytest.param(2, "year", 2024.5, "must be a whole number, got 2024.5", id="fractional_year"),
    ],
)
def test_xlsx_refuses_non_numbers_in_numeric_columns(tmp_path, row, col, cell, phrase):
    path = _xlsx(tmp_path / "fleet.xlsx", _changed(row, col, cell))
    with pytest.raises(FleetError, match=None) as err:
        read_fleet(path)
    e = err.value
    assert (e.file, e.row, e.column) == (str(path), row, col)
    assert phrase in str(e)
    _assert_cli_refuses(tmp_path, ["credits", str(path)], str(path), f"row {row}",
                        f"column '{col}'", phrase)


def test_xlsx_true_volume_is_refused_like_the_same_text_in_a_csv(tmp_path):
    # the regression of the issue: TRUE in a 50,000-vehicle model's volume
    x = _xlsx(tmp_path / "fleet.xlsx", _changed(2, "volume_vehicles", True))
    c = _csv(tmp_path / "fleet.csv", _changed(2, "volume_vehicles", "TRUE"))
    errors = []
    for path in (x, c):
        with pytest.raises(FleetError) as err:
            read_fleet(path)
        errors.append(err.value)
    assert [(e.row, e.column) for e in errors] == [(2, "volume_vehicles"), (2, "volume_vehicles")]
    assert all(e.rule.startswith("expected a number, got ") for e in errors)


# --------------------------------------------------------------------------- CSV text


@pytest.mark.parametrize(
    ("col", "text", "phrase"),
    [
        ("volume_vehicles", "inf", "expected a number, got 'inf'"),
        ("volume_vehicles", "-inf", "expected a number, got '-inf'"),
        ("curb_mass_kg", "Infinity", "expected a number, got 'Infinity'"),
        ("curb_mass_kg", "1e999", "expected a finite number"),
        ("volume_vehicles", '"1,500"', "expected a number, got '1,500'"),
        ("curb_mass_kg", "¥800", "expected a number, got '¥800'"),
        ("curb_mass_kg", "$1500", "expected a number, got '$1500'"),
        ("volume_vehicles", "1_500", "expected a number, got '1_500'"),
        ("volume_vehicles", "0x10", "expected a number, got '0x10'"),
        ("volume_vehicles", "10.5", "must be a whole number, got 10.5"),
        ("year", "2024.5", "must be a whole number, got 2024.5"),
    ],
)
def test_csv_refuses_non_numbers_in_numeric_columns(tmp_path, col, text, phrase):
    path = _csv(tmp_path / "fleet.csv", _changed(2, col, text))
    with pytest.raises(FleetError) as err:
        read_fleet(path)
    assert (err.value.row, err.value.column) == (2, col)
    assert phrase in str(err.value)
    _assert_cli_refuses(tmp_path, ["credits", str(path)], str(path), "row 2", f"column '{col}'",
                        phrase)


def test_csv_nan_text_in_a_required_column_is_an_empty_cell(tmp_path):
    # "nan" is pandas' text for a missing value: the volume is then missing, never a number
    path = _csv(tmp_path / "fleet.csv", _changed(3, "volume_vehicles", "nan"))
    with pytest.raises(FleetError, match="must not be empty") as err:
        read_fleet(path)
    assert (err.value.row, err.value.column) == (3, "volume_vehicles")


def test_csv_plain_notations_still_read(tmp_path):
    # positive control: signs, exponents and surrounding spaces are plain numbers
    rows = _changed(2, "volume_vehicles", "5e4")
    rows[1][HEADER.index("curb_mass_kg")] = " 1300.0 "
    fleet = read_fleet(_csv(tmp_path / "fleet.csv", rows))
    assert fleet["volume_vehicles"].tolist() == [50000, 2000]
    assert fleet["curb_mass_kg"].tolist() == [1500.0, 1300.0]


# --------------------------------------------------------------------------- DataFrames


@pytest.mark.parametrize(
    ("col", "cell", "phrase"),
    [
        ("volume_vehicles", True, "expected a number, got True"),
        ("volume_vehicles", np.True_, "expected a number, got"),
        ("curb_mass_kg", pd.Timestamp("2024-01-01"), "expected a number"),
        ("curb_mass_kg", np.inf, "expected a finite number, got inf"),
        ("volume_vehicles", -np.inf, "expected a finite number, got -inf"),
        ("volume_vehicles", "1,500", "expected a number, got '1,500'"),
        ("volume_vehicles", 10.5, "must be a whole number, got 10.5"),
    ],
)
def test_dataframe_refuses_non_numbers_in_numeric_columns(col, cell, phrase):
    df = _frame(_changed(2, col, cell))
    with pytest.raises(FleetError) as err:
        read_fleet(df)
    assert (err.value.file, err.value.row, err.value.column) == ("<DataFrame>", 2, col)
    assert phrase in str(err.value)


def test_dataframe_bool_and_datetime_dtypes_refused():
    df = _frame(ROWS)
    df["volume_vehicles"] = [True, False]
    with pytest.raises(FleetError, match="expected a number, got True") as err:
        read_fleet(df)
    assert err.value.column == "volume_vehicles"
    df = _frame(ROWS)
    df["curb_mass_kg"] = pd.to_datetime(["2024-01-01", "2024-01-02"])
    with pytest.raises(FleetError, match="expected a number") as err:
        read_fleet(df)
    assert err.value.column == "curb_mass_kg"


def test_dataframe_of_typed_numbers_unchanged():
    # positive control: int, float and numpy scalars in an object column are numbers
    df = _frame(ROWS).astype(object)
    df.loc[2, "volume_vehicles"] = np.int64(50000)
    df.loc[3, "curb_mass_kg"] = np.float32(1300.0)
    assert read_fleet(df)["volume_vehicles"].tolist() == [50000, 2000]


# --------------------------------------------------------------------------- enterprise table


def test_enterprise_table_refuses_bool_in_numeric_column(tmp_path):
    fleet = _xlsx(tmp_path / "fleet.xlsx", ROWS)
    ent = _xlsx(tmp_path / "ent.xlsx", [["E1", True]],
                header=["enterprise", "previous_cafc_actual_l_per_100km"])
    with pytest.raises(FleetError, match="expected a number, got True") as err:
        read_enterprises(ent)
    assert (err.value.row, err.value.column) == (2, "previous_cafc_actual_l_per_100km")
    assert isinstance(err.value, LinkageError)
    _assert_cli_refuses(tmp_path, ["credits", str(fleet), "--enterprises", str(ent)],
                        str(ent), "row 2", "column 'previous_cafc_actual_l_per_100km'")


def test_enterprise_table_refuses_fractional_year(tmp_path):
    ent = _csv(tmp_path / "ent.csv", [["E1", "2024.5", "G"]], header=["enterprise", "year",
                                                                      "group"])
    with pytest.raises(FleetError, match=r"must be a whole number, got 2024\.5") as err:
        read_enterprises(ent)
    assert (err.value.row, err.value.column) == (2, "year")
