"""A catalogue of bad fleet and enterprise inputs.

Every case starts from a small valid fleet (``BASE_ROWS``), breaks one thing and checks that

(a) the Python API raises :class:`linkage.FleetError` naming the expected column and
    spreadsheet row (header = row 1, first data row = row 2) with a specific phrase, and
(b) ``linkage credits BAD --out OUT.csv --detail DET.csv`` exits with code 2, prints one line
    ``error: ...`` naming the file (and the row, when there is one) and writes nothing.

Positive controls (the base fleet, lowercase powertrains, ``adjustments="neutral"``, an XLSX
copy of the fleet) check that the base is valid and that the checks are not over-eager.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import linkage
from linkage import FleetError, compute_credits, read_fleet
from linkage.cli import main

COLUMNS = [
    "enterprise", "year", "model", "powertrain", "volume_vehicles", "curb_mass_kg", "seat_rows",
    "fuel_consumption_l_per_100km", "off_cycle_reduction_l_per_100km", "electric_range_km",
    "energy_consumption_kwh_per_100km", "battery_energy_density_wh_per_kg",
    "fuel_cell_power_kw", "phev_cs_condition_met",
]
FC, OFF, RANGE, EC, DENS, POWER, CS = (
    "fuel_consumption_l_per_100km", "off_cycle_reduction_l_per_100km", "electric_range_km",
    "energy_consumption_kwh_per_100km", "battery_energy_density_wh_per_kg",
    "fuel_cell_power_kw", "phev_cs_condition_met",
)


def _row(ent, model, pt, vol, mass, fc="", off="", rng="", ec="", dens="", power="", cs=""):
    return {
        "enterprise": ent, "year": "2024", "model": model, "powertrain": pt, "volume_vehicles": vol,
        "curb_mass_kg": mass, "seat_rows": "2", FC: fc, OFF: off, RANGE: rng, EC: ec,
        DENS: dens, POWER: power, CS: cs,
    }


# Spreadsheet rows: the header is row 1, so BASE_ROWS[i] is row i + 2.
BASE_ROWS = [
    _row("E1", "ice-1", "ICE", "40000", "1500", fc="6.0", off="0.08"),          # row 2
    _row("E1", "hev-1", "HEV", "5000", "1600", fc="4.5"),                       # row 3
    _row("E1", "phev-1", "PHEV", "3000", "1800", fc="1.5", rng="80", cs="true"),  # row 4
    _row("E1", "bev-1", "BEV", "4000", "1700", rng="450", ec="14", dens="150"),  # row 5
    _row("E1", "fcev-1", "FCEV", "10", "1900", power="80"),                     # row 6
    _row("E2", "e2-ice", "ICE", "1500", "1300", fc="5.5"),                      # row 7
]

ENT_HEADER = ["enterprise", "group", "small_independent", "previous_cafc_actual_l_per_100km"]
BASE_ENTERPRISES = [
    {"enterprise": "E1", "group": "G1", "small_independent": "false",
     "previous_cafc_actual_l_per_100km": ""},                                     # row 2
    {"enterprise": "E2", "group": "G2", "small_independent": "true",
     "previous_cafc_actual_l_per_100km": "7.0"},                                  # row 3
]


def write_csv(path: Path, rows: list[dict], header: list[str]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([r.get(c, "") for c in header])
    return path


def base_frame() -> pd.DataFrame:
    """The base fleet as typed values (numbers as numbers, blanks as NaN)."""
    df = pd.DataFrame(BASE_ROWS, columns=COLUMNS).replace("", np.nan)
    for c in COLUMNS:
        if c not in ("enterprise", "model", "powertrain", CS):
            df[c] = pd.to_numeric(df[c])
    df[CS] = df[CS].map({"true": True}).astype(object)
    return df


# --------------------------------------------------------------------------- case builders


@dataclass
class Built:
    fleet: Path
    enterprises: Path | None = None
    bad: Path | None = None  # the file the error must name (default: the fleet)

    @property
    def named(self) -> Path:
        return self.bad or self.fleet


Builder = Callable[[Path], Built]


def cells(*changes: tuple[int, str, str]) -> Builder:
    """Set cells (spreadsheet row, column, text) of the base fleet."""

    def build(d: Path) -> Built:
        rows = [dict(r) for r in BASE_ROWS]
        for row, col, value in changes:
            rows[row - 2][col] = value
        return Built(write_csv(d / "fleet.csv", rows, COLUMNS))

    return build


def header(transform: Callable[[list[str]], list[str]]) -> Builder:
    """Write the base rows under a transformed header."""

    def build(d: Path) -> Built:
        path = d / "fleet.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(transform(list(COLUMNS)))
            for r in BASE_ROWS:
                w.writerow([r[c] for c in COLUMNS])
        return Built(path)

    return build


def drop_column(name: str) -> Builder:
    def build(d: Path) -> Built:
        cols = [c for c in COLUMNS if c != name]
        return Built(write_csv(d / "fleet.csv", BASE_ROWS, cols))

    return build


def lines(transform: Callable[[list[str]], list[str]]) -> Builder:
    """Transform the text lines of the base CSV (line 1 is the header)."""

    def build(d: Path) -> Built:
        path = write_csv(d / "fleet.csv", BASE_ROWS, COLUMNS)
        text = path.read_text(encoding="utf-8").splitlines()
        path.write_text("\n".join(transform(text)) + "\n", encoding="utf-8")
        return Built(path)

    return build


def raw(name: str, content: bytes) -> Builder:
    def build(d: Path) -> Built:
        path = d / name
        path.write_bytes(content)
        return Built(path)

    return build


def missing_file(d: Path) -> Built:
    return Built(d / "no_such_fleet.csv")


def xlsx_cells(*changes: tuple[int, str, object]) -> Builder:
    """The base fleet as XLSX (typed cells) with some cells changed."""

    def build(d: Path) -> Built:
        df = base_frame()
        for row, col, value in changes:
            df[col] = df[col].astype(object)
            df.loc[row - 2, col] = value
        path = d / "fleet.xlsx"
        df.to_excel(path, index=False)
        return Built(path)

    return build


def enterprises(*changes: tuple[int, str, str], extra: list[dict] | None = None) -> Builder:
    """A valid fleet with an enterprise table (spreadsheet row, column, text) changed."""

    def build(d: Path) -> Built:
        fleet = write_csv(d / "fleet.csv", BASE_ROWS, COLUMNS)
        rows = [dict(r) for r in BASE_ENTERPRISES] + list(extra or [])
        for row, col, value in changes:
            rows[row - 2][col] = value
        ent = write_csv(d / "enterprises.csv", rows, ENT_HEADER)
        return Built(fleet, ent, bad=ent)

    return build


def enterprise_header(transform: Callable[[list[str]], list[str]]) -> Builder:
    def build(d: Path) -> Built:
        fleet = write_csv(d / "fleet.csv", BASE_ROWS, COLUMNS)
        ent = d / "enterprises.csv"
        with open(ent, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(transform(list(ENT_HEADER)))
            for r in BASE_ENTERPRISES:
                w.writerow([r[c] for c in ENT_HEADER])
        return Built(fleet, ent, bad=ent)

    return build


def _rename(old: str, new: str) -> Callable[[list[str]], list[str]]:
    return lambda cols: [new if c == old else c for c in cols]


def _insert_blank_line_and_break_row4(text: list[str]) -> list[str]:
    # After a blank line 4, the PHEV row (spreadsheet row 4 before) is on line 5.
    text = list(text)
    text[3] = text[3].replace(",3000,", ",-3,")
    return [*text[:3], "", *text[3:]]


def _extra_field(line_no: int) -> Callable[[list[str]], list[str]]:
    def t(text: list[str]) -> list[str]:
        text = list(text)
        text[line_no - 1] = text[line_no - 1] + ",surplus"
        return text

    return t


def _thousands_separator_row2(text: list[str]) -> list[str]:
    text = list(text)
    text[1] = text[1].replace(",40000,", ",40,000,")
    return text


# --------------------------------------------------------------------------- the catalogue

# (builder, stage, expected column, expected row, phrase (regex, case-insensitive))
# stage "read": read_fleet alone must raise; "compute": only compute_credits can know.
H = 1  # errors in the header line are in spreadsheet row 1
CASES = [
    # --- columns
    pytest.param(drop_column("curb_mass_kg"), "read", "curb_mass_kg", H,
                 "required column missing", id="missing_required_column"),
    pytest.param(header(_rename("volume_vehicles", "volume_vehicle")), "read", "volume_vehicle", H,
                 "did you mean 'volume_vehicles'", id="misspelled_column_did_you_mean"),
    pytest.param(header(_rename("curb_mass_kg", "volume_vehicles")), "read", "volume_vehicles", H,
                 "more than once", id="duplicate_column"),
    # --- volume
    pytest.param(cells((4, "volume_vehicles", "")), "read", "volume_vehicles", 4,
                 "must not be empty",
                 id="volume_empty"),
    pytest.param(cells((4, "volume_vehicles", "NaN")), "read", "volume_vehicles", 4,
                 "must not be empty",
                 id="volume_nan"),
    pytest.param(cells((5, "volume_vehicles", "-1")), "read", "volume_vehicles", 5,
                 "must not be negative",
                 id="volume_negative"),
    pytest.param(cells((3, "volume_vehicles", "10.5")), "read", "volume_vehicles", 3,
                 "whole number",
                 id="volume_fractional"),
    pytest.param(cells((3, "volume_vehicles", "inf")), "read", "volume_vehicles", 3,
                 "finite|infinite|outside the accepted range|expected a number",
                 id="volume_infinite"),
    pytest.param(cells((2, "volume_vehicles", "1e30")), "read", "volume_vehicles", 2,
                 "outside the accepted range|too large|implausible", id="volume_astronomical"),
    # --- year
    pytest.param(cells((2, "year", "2024.5")), "read", "year", 2, "whole number",
                 id="year_fractional"),
    pytest.param(cells((6, "year", "2035")), "compute", "year", 6,
                 "no rulebook for compliance year 2035", id="year_without_rulebook_2035"),
    # --- text columns
    pytest.param(cells((2, "powertrain", "DIESEL")), "read", "powertrain", 2,
                 "unknown powertrain 'DIESEL'", id="powertrain_unknown"),
    pytest.param(cells((3, "powertrain", "")), "read", "powertrain", 3, "must not be empty",
                 id="powertrain_empty"),
    pytest.param(cells((7, "enterprise", "")), "read", "enterprise", 7, "must not be empty",
                 id="enterprise_name_empty"),
    pytest.param(cells((3, "model", "ice-1")), "read", "model", 3,
                 "'ice-1' appears twice for 'E1' in 2024", id="duplicate_model_enterprise_year"),
    pytest.param(cells((3, "model", "ice-1 ")), "read", "model", 3, "appears twice",
                 id="duplicate_model_trailing_space"),
    # --- fuel consumption
    pytest.param(cells((5, FC, "5.0")), "read", FC, 5, "burns no fuel",
                 id="bev_with_fuel_consumption"),
    pytest.param(cells((2, FC, "")), "read", FC, 2, "required for a ICE model",
                 id="ice_without_fuel_consumption"),
    pytest.param(cells((3, FC, "-4.5")), "read", FC, 3, "outside the accepted range",
                 id="fuel_consumption_negative"),
    pytest.param(cells((3, FC, "1.2"), (3, OFF, "1.2")), "read", OFF, 3,
                 "not below the fuel consumption", id="off_cycle_not_below_fuel_consumption"),
    pytest.param(cells((5, OFF, "0.08")), "read", OFF, 5, "no off-cycle reduction",
                 id="off_cycle_on_bev"),
    # --- NEV inputs
    pytest.param(cells((4, RANGE, "")), "read", RANGE, 4, "required for a PHEV",
                 id="phev_without_range"),
    pytest.param(cells((5, EC, "")), "read", EC, 5,
                 "needs energy_consumption_kwh_per_100km.*adjustments='neutral'",
                 id="bev_without_energy_consumption_strict"),
    pytest.param(cells((5, DENS, "")), "read", DENS, 5,
                 "needs battery_energy_density_wh_per_kg", id="bev_without_density_strict"),
    pytest.param(cells((4, CS, "")), "read", CS, 4, "needs phev_cs_condition_met",
                 id="phev_without_cs_condition_strict"),
    pytest.param(cells((6, POWER, "")), "read", POWER, 6, "required for a FCEV",
                 id="fcev_without_fuel_cell_power"),
    pytest.param(cells((5, POWER, "80")), "read", POWER, 5, "only FCEV models",
                 id="fuel_cell_power_on_bev"),
    pytest.param(cells((5, CS, "true")), "read", CS, 5, "only PHEV models",
                 id="cs_condition_on_bev"),
    pytest.param(cells((2, RANGE, "50")), "read", RANGE, 2,
                 "conventional ICE model cannot have electric_range_km",
                 id="conventional_with_electric_range"),
    pytest.param(cells((4, CS, "maybe")), "read", CS, 4, "expected true or false, got 'maybe'",
                 id="invalid_boolean"),
    # --- numeric plausibility
    pytest.param(cells((2, "seat_rows", "7")), "read", "seat_rows", 2,
                 "outside the accepted range", id="seat_rows_7"),
    pytest.param(cells((3, "curb_mass_kg", "0")), "read", "curb_mass_kg", 3,
                 "outside the accepted range", id="curb_mass_0"),
    pytest.param(cells((6, "curb_mass_kg", "10000")), "read", "curb_mass_kg", 6,
                 "outside the accepted range", id="curb_mass_10000"),
    pytest.param(cells((4, "curb_mass_kg", "heavy")), "read", "curb_mass_kg", 4,
                 "expected a number, got 'heavy'", id="text_in_numeric_column"),
    pytest.param(cells((7, "volume_vehicles", "0")), "read", "volume_vehicles", 7,
                 "total volume of 0",
                 id="enterprise_year_total_volume_0"),
    # --- files
    pytest.param(raw("fleet.csv", b""), "read", None, None, "empty",
                 id="empty_file_0_bytes"),
    pytest.param(raw("fleet.csv", (",".join(COLUMNS) + "\n").encode()), "read", None, None,
                 "no data rows", id="header_only"),
    pytest.param(raw("fleet.xlsx", bytes(range(256)) * 8), "read", None, None,
                 "cannot read the file as XLSX", id="unreadable_xlsx"),
    pytest.param(raw("fleet.json", b"[]"), "read", None, None, "unsupported file type",
                 id="unsupported_suffix"),
    pytest.param(missing_file, "read", None, None, "not found", id="file_not_found"),
    pytest.param(raw("fleet.csv", b"\xff\xfe\x00enterprise,\x99\n\x88\x81\n"), "read", None,
                 None, "UTF-8|utf-8", id="not_utf8"),
    # --- layout of the CSV text
    pytest.param(lines(_insert_blank_line_and_break_row4), "read", "volume_vehicles", 5,
                 "must not be negative", id="blank_line_shifts_rows"),
    pytest.param(lines(_extra_field(3)), "read", None, 3, "field",
                 id="extra_field_in_row_3"),
    pytest.param(lines(_thousands_separator_row2), "read", None, 2, "field",
                 id="unquoted_thousands_separator_row_2"),
    # --- XLSX
    pytest.param(xlsx_cells((4, "volume_vehicles", -3)), "read", "volume_vehicles", 4,
                 "must not be negative",
                 id="xlsx_negative_volume"),
    pytest.param(xlsx_cells((5, "powertrain", "STEAM")), "read", "powertrain", 5,
                 "unknown powertrain", id="xlsx_unknown_powertrain"),
    # --- enterprise table
    pytest.param(enterprises(extra=[{"enterprise": "E1", "group": "G9",
                                     "small_independent": "false"}]),
                 "compute", "enterprise", 4, "'E1' appears twice",
                 id="enterprise_duplicate"),
    pytest.param(enterprises((2, "small_independent", "perhaps")), "compute",
                 "small_independent", 2, "expected true or false, got 'perhaps'",
                 id="enterprise_small_independent_not_boolean"),
    pytest.param(enterprises((3, "previous_cafc_actual_l_per_100km", "")), "compute",
                 "previous_cafc_actual_l_per_100km", 3, "asks for small-enterprise relief",
                 id="enterprise_relief_without_previous_cafc"),
    pytest.param(enterprises((3, "previous_cafc_actual_l_per_100km", "lots")), "compute",
                 "previous_cafc_actual_l_per_100km", 3, "expected a number, got 'lots'",
                 id="enterprise_previous_cafc_not_a_number"),
    pytest.param(enterprise_header(_rename("group", "grup")), "compute", "grup", H,
                 "did you mean 'group'", id="enterprise_misspelled_column"),
]


def _check_error(exc: FleetError, built: Built, column, row, phrase) -> None:
    assert exc.column == column, f"column {exc.column!r} != {column!r}: {exc}"
    assert exc.row == row, f"row {exc.row!r} != {row!r}: {exc}"
    assert exc.file is not None and Path(exc.file) == built.named, f"file: {exc}"
    assert re.search(phrase, str(exc), re.IGNORECASE), f"{phrase!r} not in: {exc}"


@pytest.mark.parametrize(("build", "stage", "column", "row", "phrase"), CASES)
def test_api_raises_fleet_error(tmp_path, build, stage, column, row, phrase):
    built = build(tmp_path)
    if stage == "read":
        with pytest.raises(FleetError) as info:
            read_fleet(built.fleet)
        _check_error(info.value, built, column, row, phrase)
    with pytest.raises(FleetError) as info:
        compute_credits(built.fleet, built.enterprises)
    _check_error(info.value, built, column, row, phrase)


@pytest.mark.parametrize(("build", "stage", "column", "row", "phrase"), CASES)
def test_cli_exits_2_and_writes_nothing(tmp_path, build, stage, column, row, phrase):
    built = build(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    args = ["credits", str(built.fleet), "--out", str(tmp_path / "OUT.csv"),
            "--detail", str(tmp_path / "DET.csv")]
    if built.enterprises is not None:
        args += ["--enterprises", str(built.enterprises)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    err = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(err) == 1, result.stderr
    assert err[0].startswith("error: ")
    assert str(built.named) in err[0]
    if row is not None:
        assert f"row {row}" in err[0]
    if column is not None:
        assert f"'{column}'" in err[0]
    assert re.search(phrase, err[0], re.IGNORECASE)
    after = sorted(p.name for p in tmp_path.iterdir())
    assert after == before, "the failed command left files behind"


def test_catalogue_is_large_enough():
    assert len(CASES) >= 24
    assert len({c.id for c in CASES}) == len(CASES)


# --------------------------------------------------------------------------- DataFrame input


def test_dataframe_negative_volume_names_index_label():
    df = base_frame()
    df.index = [10, 11, 12, 13, 14, 15]
    df.loc[13, "volume_vehicles"] = -5
    with pytest.raises(FleetError) as info:
        read_fleet(df)
    assert info.value.file == "<DataFrame>"
    assert info.value.column == "volume_vehicles"
    assert info.value.row == 13
    assert "must not be negative" in str(info.value)


def test_dataframe_infinite_volume_is_a_fleet_error():
    df = base_frame()
    df["volume_vehicles"] = df["volume_vehicles"].astype(float)
    df.loc[2, "volume_vehicles"] = np.inf
    with pytest.raises(FleetError) as info:
        compute_credits(df)
    assert info.value.column == "volume_vehicles"
    assert info.value.row == 2


def test_dataframe_blank_model_name():
    df = base_frame()
    df.loc[1, "model"] = "   "
    with pytest.raises(FleetError, match="must not be empty") as info:
        read_fleet(df)
    assert info.value.column == "model"
    assert info.value.row == 1


def test_dataframe_boolean_in_numeric_column():
    df = base_frame()
    df["curb_mass_kg"] = True
    with pytest.raises(FleetError, match="expected a number") as info:
        read_fleet(df)
    assert info.value.column == "curb_mass_kg"


def test_bad_adjustments_mode():
    with pytest.raises(FleetError, match="adjustments must be one of"):
        read_fleet(base_frame(), adjustments="lenient")


# --------------------------------------------------------------------------- positive controls


def _run_ok(tmp_path: Path, *extra: str, fleet: Path | None = None):
    fleet = fleet or write_csv(tmp_path / "fleet.csv", BASE_ROWS, COLUMNS)
    out, det = tmp_path / "OUT.csv", tmp_path / "DET.csv"
    result = CliRunner().invoke(
        main, ["credits", str(fleet), "--out", str(out), "--detail", str(det), *extra]
    )
    assert result.exit_code == 0, (result.output, result.exception)
    return result, out, det


def test_base_fleet_is_valid(tmp_path):
    path = write_csv(tmp_path / "fleet.csv", BASE_ROWS, COLUMNS)
    fleet = read_fleet(path)
    assert list(fleet["row"]) == [2, 3, 4, 5, 6, 7]
    res = compute_credits(path)
    assert sorted(res.statements["enterprise"]) == ["E1", "E2"]
    ent = write_csv(tmp_path / "ent.csv", BASE_ENTERPRISES, ENT_HEADER)
    res = compute_credits(path, ent)
    assert list(res.statements["group"]) == ["G1", "G2"]
    _, out, det = _run_ok(tmp_path, "--enterprises", str(ent))
    assert out.exists() and det.exists()
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_lowercase_powertrain_accepted(tmp_path):
    rows = [dict(r, powertrain=r["powertrain"].lower()) for r in BASE_ROWS]
    lower = read_fleet(write_csv(tmp_path / "lower.csv", rows, COLUMNS))
    base = read_fleet(write_csv(tmp_path / "base.csv", BASE_ROWS, COLUMNS))
    assert list(lower["powertrain"]) == ["ICE", "HEV", "PHEV", "BEV", "FCEV", "ICE"]
    pd.testing.assert_frame_equal(lower, base)


def test_column_names_are_case_insensitive(tmp_path):
    path = header(lambda cols: [c.upper() for c in cols])(tmp_path).fleet
    base = read_fleet(write_csv(tmp_path / "base.csv", BASE_ROWS, COLUMNS))
    pd.testing.assert_frame_equal(read_fleet(path), base)


def test_bev_without_energy_consumption_neutral(tmp_path):
    path = cells((5, EC, ""))(tmp_path).fleet
    res = compute_credits(path, adjustments="neutral")
    bev = res.models.set_index("model").loc["bev-1"]
    assert bev["nev_credit_source"] == "neutral"
    assert "consumption" in bev["neutral_factors"]
    assert bev["nev_consumption_factor"] == 1.0
    others = res.models.set_index("model").loc[["phev-1", "fcev-1"], "nev_credit_source"]
    assert list(others) == ["computed", "computed"]
    assert list(res.neutral_models["model"]) == ["bev-1"]

    result, _, det = _run_ok(tmp_path, "--adjustments", "neutral", fleet=path)
    assert "adjustments=neutral" in result.stdout
    detail = pd.read_csv(det)
    assert detail.set_index("model").loc["bev-1", "nev_credit_source"] == "neutral"


def test_xlsx_reads_identically_to_csv(tmp_path):
    csv_path = write_csv(tmp_path / "fleet.csv", BASE_ROWS, COLUMNS)
    xlsx_path = tmp_path / "fleet.xlsx"
    base_frame().to_excel(xlsx_path, index=False)
    from_csv, from_xlsx = read_fleet(csv_path), read_fleet(xlsx_path)
    pd.testing.assert_frame_equal(from_csv, from_xlsx)
    a, b = compute_credits(csv_path), compute_credits(xlsx_path)
    pd.testing.assert_frame_equal(a.statements, b.statements)


def test_dataframe_reads_identically_to_csv(tmp_path):
    csv_path = write_csv(tmp_path / "fleet.csv", BASE_ROWS, COLUMNS)
    from_csv = read_fleet(csv_path).drop(columns="row")
    from_df = read_fleet(base_frame()).drop(columns="row")
    pd.testing.assert_frame_equal(from_csv, from_df)


def test_fleet_error_is_a_value_error():
    assert issubclass(FleetError, ValueError)
    assert issubclass(FleetError, linkage.LinkageError)
