"""Rulebooks of GB 27999-2025 (2026+), the label corrections, `linkage rules --diff`."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from linkage.cli import main
from linkage.rules import default_rules, diff_rulebooks

ROOT = Path(__file__).resolve().parents[1]


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def param(year, key):
    return default_rules().for_year(year).parameter(key)


# --------------------------------------------------------------------------- labels


@pytest.mark.parametrize(
    ("year", "key", "status", "in_source"),
    [
        (2026, "nev.low_fc_factor", "official", "0.1倍"),
        (2027, "nev.low_fc_factor", "official", "294"),
        (2024, "nev.exemption_conventional_volume", "official", "不满3万辆"),
        (2024, "nev.ratio", "official", "378"),
        (2025, "nev.ratio", "official", "378"),
        (2024, "nev.low_fc_factor", "official", "378"),
        (2022, "cafc.requirement", "provisional", "GB 27999-2019"),
        (2023, "cafc.multiplier_nev", "provisional", "GB 27999-2019"),
        (2024, "bev.standard_slopes", "secondary", "Order No. 64"),
        (2024, "bev.standard_intercepts", "secondary", "Order No. 64"),
        (2024, "bev.standard_cap", "secondary", "before the adjustment factors"),
        (2024, "pool.enabled", "provisional", "2023-08-01"),
        (2026, "fcev.credit_per_kw", "provisional", "UNSOURCED"),
        (2027, "fcev.cap", "provisional", "UNSOURCED"),
        (2026, "nev.low_temperature_factor_applies", "provisional", "UNSOURCED"),
        (2026, "cafc.multiplier_nev", "secondary", "removes the accounting multipliers"),
    ],
)
def test_label_corrections(year, key, status, in_source):
    p = param(year, key)
    assert p.status == status
    assert in_source in p.source


def test_order_53_no_longer_cited_for_the_cafc_phase_in():
    for year in range(2021, 2026):
        for key in ("cafc.requirement", "cafc.multiplier_nev", "cafc.multiplier_low_fc"):
            assert "Order No. 53" not in param(year, key).source, (year, key)


# --------------------------------------------------------------------------- 2026-2030 CAFC


def test_gb27999_2025_law_entries_reach_2030():
    for year in (2026, 2028, 2030):
        book = default_rules().for_year(year)
        for key in ("cafc.requirement", "cafc_target.slope", "cafc.electricity_counted"):
            p = book.parameter(key)
            assert p.status != "scenario", (year, key)
            assert "scenario" not in Path(p.file).parts
        assert book.parameter("cafc_target.slope").status == "provisional"
        assert "PROVISIONAL CURVE" in book.parameter("cafc_target.slope").source
    # the NEV ratio after 2027 stays scenario
    assert param(2028, "nev.ratio").status == "scenario"
    assert param(2030, "nev.ratio").value == 0.88


def _derivation():
    spec = importlib.util.spec_from_file_location("grp", ROOT / "docs" / "generate_rules_page.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.gb27999_2025_derivation()


def test_provisional_curve_meets_the_anchor_and_matches_the_derivation():
    # by hand: MIIT 2023 average curb mass 1644 kg; T_2019(1644) = 0.0018 x 229 + 4.60 = 5.0122
    # s = 3.3 / 5.0122 = 0.658394; slope 0.0018 s = 0.0011851 -> 0.001185; pivot 4.60 s =
    # 3.02861 -> 3.03; T_2030(1644) = 0.001185 x 229 + 3.03 = 3.301365 (the 3.3 anchor)
    d = _derivation()
    assert d["mass_kg"] == 1644
    assert d["t2025"] == pytest.approx(5.0122, abs=1e-12)
    assert d["scale"] == pytest.approx(3.3 / 5.0122, rel=1e-12)
    assert d["t2030"] == pytest.approx(3.301365, abs=1e-12)
    book = default_rules().for_year(2030)
    for key, (_old, _exact, rounded) in d["curve"].items():
        assert book[key] == rounded, key
    assert (book["cafc_target.low_value"], book["cafc_target.slope"],
            book["cafc_target.pivot_value"], book["cafc_target.high_value"],
            book["cafc_target.many_rows_addition"]) == (2.65, 0.001185, 3.03, 4.33, 0.13)
    # phase-in: start = 5.0122 / 3.301365 = 1.518220; 2026: 1 + 0.518220 x 4/5 = 1.41458
    # -> 1.41; 2027: 1.31093 -> 1.31; 2028: 1.20729 -> 1.21; 2029: 1.10364 -> 1.10; 2030: 1.00
    expected = {2026: 1.41, 2027: 1.31, 2028: 1.21, 2029: 1.10, 2030: 1.00}
    for year, req in expected.items():
        assert param(year, "cafc.requirement").value == req
        assert d["requirement"][year][1] == req


def test_rules_page_shows_the_derivation():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert "## GB 27999-2025 from 2026: provisional curve and phase-in (derivation)" in text
    assert "Scale s = 3.3 / 5.0122 = 0.65839" in text
    assert "| 2026 | 1.4146 | 1.41 | provisional |" in text


# --------------------------------------------------------------------------- rules --year


def test_rules_year_2026_lists_the_electricity_factor():
    r = invoke("rules", "--year", 2026, "--format", "json")
    assert r.exit_code == 0, r.output
    rows = {x["key"]: x for x in json.loads(r.output)}
    f = rows["cafc.electricity_fuel_energy_factor"]
    assert (f["value"], f["unit"], f["status"]) == (0.1131, "L/kWh", "secondary")
    assert rows["cafc.electricity_counted"]["value"] is True
    table = invoke("rules", "--year", 2026)
    line = next(x for x in table.output.splitlines()
                if "cafc.electricity_fuel_energy_factor" in x)
    assert "L/kWh" in line and "secondary" in line and "0.1131" in line


# --------------------------------------------------------------------------- rules --diff

# What changes from 2025 to 2026, read off the rulebook files by hand:
#  GB 27999-2025: electricity counted (false -> true), reference indicators (false -> true),
#  requirement 1.00 -> 1.41, five curve values (4.02/0.0018/4.60/6.57/0.20 ->
#  2.65/0.001185/3.03/4.33/0.13), multipliers and their threshold provisional -> secondary
#  (values unchanged); notice 294: NEV ratio 0.38 -> 0.48, low-FC factor 0.2 -> 0.1, BEV
#  segments, slopes, intercepts and cap, PHEV 1.0 -> 0.5, low-temperature factor applies.
EXPECTED_2025_2026 = {
    "cafc.electricity_counted": (False, True, "secondary", "secondary", "value"),
    "cafc.reference_indicators": (False, True, "secondary", "secondary", "value"),
    "cafc.requirement": (1.0, 1.41, "provisional", "provisional", "value"),
    "cafc_target.low_value": (4.02, 2.65, "provisional", "provisional", "value"),
    "cafc_target.slope": (0.0018, 0.001185, "provisional", "provisional", "value"),
    "cafc_target.pivot_value": (4.6, 3.03, "provisional", "provisional", "value"),
    "cafc_target.high_value": (6.57, 4.33, "provisional", "provisional", "value"),
    "cafc_target.many_rows_addition": (0.2, 0.13, "provisional", "provisional", "value"),
    "cafc.multiplier_nev": (1.0, 1.0, "provisional", "secondary", "status"),
    "cafc.multiplier_low_fc": (1.0, 1.0, "provisional", "secondary", "status"),
    "cafc.multiplier_low_fc_threshold": (3.2, 3.2, "provisional", "secondary", "status"),
    "nev.ratio": (0.38, 0.48, "official", "official", "value"),
    "nev.low_fc_factor": (0.2, 0.1, "official", "official", "value"),
    "bev.standard_range_bounds": ([100.0], [100.0, 150.0], "provisional", "provisional",
                                  "value"),
    "bev.standard_slopes": ([0.0034], [0.0, 0.0017], "secondary", "provisional",
                            "value;status"),
    "bev.standard_intercepts": ([0.2], [0.3, 0.15], "secondary", "provisional",
                                "value;status"),
    "bev.standard_cap": (2.3, 1.2, "secondary", "provisional", "value;status"),
    "phev.credit": (1.0, 0.5, "provisional", "provisional", "value"),
    "nev.low_temperature_factor_applies": (False, True, "secondary", "provisional",
                                           "value;status"),
}


def test_diff_rulebooks_2025_2026():
    rules = default_rules()
    diff = diff_rulebooks(rules.for_year(2025), rules.for_year(2026)).set_index("key")
    assert set(diff.index) == set(EXPECTED_2025_2026)
    for key, (a, b, sa, sb, what) in EXPECTED_2025_2026.items():
        row = diff.loc[key]
        assert (row["value_from"], row["value_to"]) == (a, b), key
        assert (row["status_from"], row["status_to"]) == (sa, sb), key
        assert row["changes"] == what, key
        assert row["unit_from"] == row["unit_to"]
    assert diff.loc["cafc_target.slope", "unit_to"] == "L/100km/kg"


def test_rules_diff_cli_table_and_json():
    r = invoke("rules", "--diff", 2025, 2026)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    head = lines[0].split()
    assert head == ["key", "changes", "value_2025", "unit_2025", "status_2025", "value_2026",
                    "unit_2026", "status_2026"]
    req = next(x for x in lines if x.split()[0] == "cafc.requirement").split()
    assert req == ["cafc.requirement", "value", "1.0", "1", "provisional", "1.41", "1",
                   "provisional"]
    assert f"{len(EXPECTED_2025_2026)} parameter(s) change from 2025 to 2026" in r.output
    assert not any(x.split()[0] == "nev.exemption_conventional_volume" for x in lines if x)

    j = invoke("rules", "--diff", 2025, 2026, "--format", "json")
    doc = json.loads(j.output)
    assert (doc["from"], doc["to"]) == (2025, 2026)
    changes = pd.DataFrame(doc["changes"]).set_index("key")
    assert changes.loc["nev.ratio", "value_to"] == 0.48
    assert "294" in changes.loc["nev.ratio", "source_to"]


def test_rules_diff_between_equal_years_and_errors():
    r = invoke("rules", "--diff", 2022, 2022)
    assert r.exit_code == 0 and "(no parameter changes)" in r.output
    r = invoke("rules", "--diff", 2025, 2040)
    assert r.exit_code == 2 and "no rulebook for compliance year 2040" in r.output
    r = invoke("rules", "--diff", 2025, 2026, "--year", 2026)
    assert r.exit_code == 2 and "exclude each other" in r.output


# --------------------------------------------------------------------------- credits --detail


def test_credits_detail_shows_fuel_used_electricity_part_and_factor(tmp_path):
    fleet = tmp_path / "f.csv"
    fleet.write_text(
        "enterprise,year,model,powertrain,volume_vehicles,curb_mass_kg,fuel_consumption_l_per_100km,"
        "electric_range_km,energy_consumption_kwh_per_100km,battery_energy_density_wh_per_kg\n"
        "E,2026,ice,ICE,1000,1500,6.00,,,\n"
        "E,2026,bev,BEV,1000,1200,,400,10.528,150\n", encoding="utf-8")
    detail = tmp_path / "detail.csv"
    r = invoke("credits", fleet, "--detail", detail)
    assert r.exit_code == 0, r.output
    d = pd.read_csv(detail).set_index("model")
    # BEV: 10.528 x 0.1131 = 1.1907168; ICE: 6.00, no electricity
    assert d.loc["bev", "electricity_factor_l_per_kwh"] == pytest.approx(0.1131)
    assert d.loc["bev", "electricity_fuel_equivalent_l_per_100km"] == pytest.approx(1.1907168)
    assert d.loc["bev", "fuel_consumption_accounted_l_per_100km"] == pytest.approx(1.1907168)
    assert d.loc["ice", "electricity_fuel_equivalent_l_per_100km"] == 0.0
    assert d.loc["ice", "fuel_consumption_accounted_l_per_100km"] == 6.00


def test_2022_nev_credit_price_is_secondary():
    from linkage.data import nev_credit_prices

    p = nev_credit_prices().set_index("year")
    assert (p.loc[2022, "average_price_cny_per_credit"], p.loc[2022, "status"]) == (
        1128, "secondary")
