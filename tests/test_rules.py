"""Rulebooks: coverage of the shipped rules, user overrides and malformed files."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd
import pytest

from linkage import RulebookError, compute_credits, default_rules, load_rules
from linkage.rules import STATUSES, default_rule_files, schema

NEV_RATIO = {
    2019: 0.10, 2020: 0.12, 2021: 0.14, 2022: 0.16, 2023: 0.18, 2024: 0.28, 2025: 0.38,
    2026: 0.48, 2027: 0.58,
    2028: 0.68, 2029: 0.78, 2030: 0.88,
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def param(key="nev.ratio", years="2024", value="0.30", unit='"1"', status='"official"',
          source='"test file"', extra="") -> str:
    """One [[parameter]] table; pass None to leave a field out."""
    fields = {"key": f'"{key}"', "years": years, "value": value, "unit": unit,
              "status": status, "source": source}
    body = "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)
    return "[[parameter]]\n" + body + extra


# --------------------------------------------------------------------------- shipped rules


@pytest.mark.parametrize("year", range(2019, 2031))
def test_default_rules_cover_every_year_completely(year):
    rules = default_rules()
    book = rules.for_year(year)
    assert book.year == year
    # every key, except those of the per-model target's other form (schema `when`)
    form = book["cafc_target.form"]
    required = {k for k, spec in schema().items()
                if "when" not in spec or spec["when"] == ["cafc_target.form", form]}
    assert set(book) == required
    assert year in rules


def test_default_rules_years():
    assert default_rules().years == list(range(2019, 2031))


@pytest.mark.parametrize(("year", "ratio"), sorted(NEV_RATIO.items()))
def test_nev_ratio_per_year(year, ratio):
    assert default_rules().for_year(year)["nev.ratio"] == pytest.approx(ratio, abs=1e-12)


# GB 27999-2025 states the CAFC targets up to 2030: those keys are law entries (provisional
# values) in 2028-2030; every other key is the scenario's copy of 2027.
GB27999_2025_KEYS = {k for k in schema()
                     if k.startswith(("cafc_target.", "cafc.")) and not k.startswith("cafc.carry")}


@pytest.mark.parametrize("year", [2028, 2029, 2030])
def test_scenario_years_are_all_scenario(year):
    book = default_rules().for_year(year)
    statuses = {book.parameter(k).status for k in book if k not in GB27999_2025_KEYS}
    assert statuses == {"scenario"}
    for k in GB27999_2025_KEYS & set(book):
        assert book.parameter(k).status != "scenario", k
        assert "scenario" not in Path(book.parameter(k).file).parts, k
    assert book.unverified() == sorted(
        k for k in book if book.parameter(k).status in ("provisional", "scenario"))


@pytest.mark.parametrize("year", range(2019, 2028))
def test_law_years_have_no_scenario_parameter(year):
    book = default_rules().for_year(year)
    assert all(book.parameter(k).status != "scenario" for k in book)


def test_every_parameter_has_status_and_source():
    rules = default_rules()
    assert set(STATUSES) == {"official", "secondary", "provisional", "scenario"}
    for p in rules.parameters:
        assert p.status in STATUSES, p
        assert isinstance(p.source, str) and p.source.strip(), p
        assert p.unit == schema()[p.key]["unit"], p
        assert p.first_year <= p.last_year, p
    for year in rules.years:
        book = rules.for_year(year)
        for key in book:
            p = book.parameter(key)
            assert p.status in STATUSES and p.source.strip()


def test_without_scenarios_rules_stop_at_2027():
    # the law's CAFC entries reach 2030 (GB 27999-2025) but no NEV rule exists after 2027
    rules = load_rules(scenarios=False)
    assert rules.years == list(range(2019, 2031))
    assert 2027 in rules and 2028 not in rules
    with pytest.raises(RulebookError, match=r"the rulebook for 2028 lacks .*nev\.ratio"):
        rules.for_year(2028)


def test_default_rule_files_exist():
    files = default_rule_files()
    assert files and all(f.suffix == ".toml" and f.exists() for f in files)
    assert any("scenario" in f.parts for f in files)


def test_rulebook_frame():
    frame = default_rules().for_year(2024).to_frame()
    assert {"key", "value", "unit", "status", "source"} <= set(frame.columns)
    bands_only = {k for k, spec in schema().items()
                  if spec.get("when") == ["cafc_target.form", "bands"]}
    assert len(frame) == len(schema()) - len(bands_only)  # 2024: the curve form


# --------------------------------------------------------------------------- user files

SCENARIO_2028 = """\
[rulebook]
family = "scenario"
title = "user scenario"
years = [2028, 2028]
based_on = 2027

[[parameter]]
key = "nev.ratio"
years = 2028
value = {ratio}
unit = "1"
status = "scenario"
source = "user assumption"
"""


def _fleet_2028(tmp_path: Path) -> Path:
    """ICE 50,000 (7.0 L, not low-FC), HEV 10,000 (3.90 L, low-FC), BEV 20,000."""
    cols = ("enterprise,year,model,powertrain,volume_vehicles,curb_mass_kg,"
            "fuel_consumption_l_per_100km,electric_range_km,energy_consumption_kwh_per_100km,"
            "battery_energy_density_wh_per_kg")
    rows = [
        "U,2028,u-ice,ICE,50000,1500,7.0,,,",
        "U,2028,u-hev,HEV,10000,1600,3.90,,,",
        "U,2028,u-bev,BEV,20000,1700,,400,12,160",
    ]
    path = tmp_path / "fleet_2028.csv"
    path.write_text("\n".join([cols, *rows]) + "\n", encoding="utf-8")
    return path


def test_user_scenario_2028_based_on_2027(tmp_path):
    user = write(tmp_path, "scen.toml", SCENARIO_2028.format(ratio=0.68))
    rules = load_rules(user, scenarios=False)
    assert rules.years == list(range(2019, 2031))  # CAFC law entries reach 2030
    book = rules.for_year(2028)
    assert book["nev.ratio"] == 0.68
    assert book.parameter("nev.ratio").file == str(user)
    b2027 = rules.for_year(2027)
    for key in book:
        if key in GB27999_2025_KEYS:  # based_on fills only the keys the law leaves open
            assert book.parameter(key).status != "scenario", key
            continue
        assert book.parameter(key).status == "scenario"
        if key != "nev.ratio":
            assert book[key] == b2027[key], key
    assert book["cafc.requirement"] == 1.21  # GB 27999-2025 provisional phase-in

    # Hand calculation (2028: provisional GB 27999-2025 curve, requirement 1.21).
    # T(1500 kg) = 0.001185 x 85 + 3.03 = 3.130725, threshold round(3.130725 x 1.21 = 3.78818)
    # = 3.79: ICE 7.0 is not low-FC. T(1600) = 0.001185 x 185 + 3.03 = 3.249225, threshold
    # round(3.93156) = 3.93: HEV 3.90 is low-FC, weight 0.1 (the 2027 factor).
    # Base = 50,000 + 0.1 x 10,000 = 51,000; requirement = 0.68 x 51,000.
    res = compute_credits(_fleet_2028(tmp_path), rules=rules)
    st = res.statements.iloc[0]
    assert st["year"] == 2028
    assert st["conventional_volume_vehicles"] == 60000
    assert st["low_fc_volume_vehicles"] == 10000
    assert st["nev_requirement_credits"] == 34680
    assert st["nev_credits"] == st["nev_earned_credits"] - 34680


def test_user_scenario_overrides_shipped_scenario(tmp_path):
    user = write(tmp_path, "scen70.toml", SCENARIO_2028.format(ratio=0.70))
    rules = load_rules(user)
    assert rules.for_year(2028)["nev.ratio"] == 0.70
    assert rules.for_year(2029)["nev.ratio"] == 0.78  # shipped scenario untouched
    res = compute_credits(_fleet_2028(tmp_path), rules=rules)
    assert res.statements.iloc[0]["nev_requirement_credits"] == 35700  # 0.70 x 51,000
    shipped = compute_credits(_fleet_2028(tmp_path))
    assert shipped.statements.iloc[0]["nev_requirement_credits"] == 34680


def test_user_override_changes_only_its_year(tmp_path):
    user = write(tmp_path, "r2024.toml", param(value="0.30", status='"provisional"'))
    rules = load_rules(user)
    default = default_rules()
    book = rules.for_year(2024)
    assert book["nev.ratio"] == 0.30
    assert book.parameter("nev.ratio").status == "provisional"
    assert book.parameter("nev.ratio").file == str(user)
    for key in book:
        if key != "nev.ratio":
            assert book[key] == default.for_year(2024)[key], key
    for year in rules.years:
        if year != 2024:
            assert rules.for_year(year)["nev.ratio"] == NEV_RATIO[year]
            pd.testing.assert_frame_equal(
                rules.for_year(year).to_frame(), default.for_year(year).to_frame()
            )


def test_user_override_used_by_compute_credits(tmp_path):
    fleet = tmp_path / "f.csv"
    fleet.write_text(
        "enterprise,year,model,powertrain,volume_vehicles,curb_mass_kg,fuel_consumption_l_per_100km\n"
        "U,2024,u-ice,ICE,40000,1500,7.0\n",
        encoding="utf-8",
    )
    user = write(tmp_path, "r2024.toml", param(value="0.30"))
    # 2024: T(1500) = 4.753, threshold round(4.753 x 1.08, 2) = 5.13 < 7.0: base 40,000.
    assert compute_credits(fleet).statements.iloc[0]["nev_requirement_credits"] == 11200  # 0.28
    res = compute_credits(fleet, rules=load_rules(user))
    assert res.statements.iloc[0]["nev_requirement_credits"] == 12000  # 0.30


# --------------------------------------------------------------------------- malformed files

BAD_FILES = [
    pytest.param(param(key="nev.ratoi"), "nev.ratoi", "did you mean 'nev.ratio'",
                 id="unknown_key"),
    # units are compared by dimension (issue 11 item 5): "%" is a valid dimensionless unit
    # now (converted, see tests/test_rule_units.py); a mass is refused
    pytest.param(param(unit='"kg"'), "nev.ratio",
                 "unit 'kg' has dimension \\[mass\\], expected dimension dimensionless",
                 id="wrong_unit"),
    pytest.param(param(value='"0.30"'), "nev.ratio", "value must be a number",
                 id="wrong_kind_string"),
    pytest.param(param(value="[0.3]"), "nev.ratio", "value must be a number",
                 id="wrong_kind_list"),
    pytest.param(param(key="pool.enabled", value="1", unit='"1"'), "pool.enabled",
                 "true or false", id="wrong_kind_bool"),
    pytest.param(param(key="bev.range_factor_values", value="0.7", unit='"1"'),
                 "bev.range_factor_values", "list of numbers", id="wrong_kind_scalar_for_list"),
    pytest.param(param(value="-0.1"), "nev.ratio", "non-negative", id="negative_value"),
    pytest.param(param(key="nev.carry_years", value="-1", unit='"year"'), "nev.carry_years",
                 "non-negative", id="negative_integer"),
    pytest.param(param(value="nan"), "nev.ratio", "finite", id="nan_value"),
    pytest.param(param(status='"official-ish"'), "nev.ratio", "status must be one of",
                 id="bad_status"),
    pytest.param(param(source=None), "nev.ratio", "missing field.*source",
                 id="missing_source"),
    pytest.param(param(source='"  "'), "nev.ratio", "source must be a non-empty",
                 id="blank_source"),
    pytest.param(param(years="[2025, 2024]"), "nev.ratio", "first year after last year",
                 id="years_reversed"),
    pytest.param(param(years='"2024"'), "nev.ratio", "years must be", id="years_text"),
    pytest.param(param(extra='colour = "red"\n'), "nev.ratio", "unknown field",
                 id="unknown_field"),
    pytest.param(param(years="[2024, 2025]") + param(years="2025"), "nev.ratio", "overlap",
                 id="overlapping_entries"),
    pytest.param('[rulebook]\nyears = [2041, 2041]\nbased_on = 2040\n' + param(years="2041"),
                 "rulebook.based_on", "no rulebook", id="based_on_year_without_rules"),
    pytest.param('[rulebook]\nbased_on = 2027\n', "rulebook.years", "needs years",
                 id="based_on_without_years"),
]


@pytest.mark.parametrize(("text", "key", "phrase"), BAD_FILES)
def test_malformed_rulebook(tmp_path, text, key, phrase):
    path = write(tmp_path, "bad.toml", text)
    with pytest.raises(RulebookError, match=phrase) as info:
        load_rules(path)
    assert info.value.file == str(path)
    assert info.value.key == key
    assert str(path) in str(info.value) and f"key '{key}'" in str(info.value)


def test_invalid_toml(tmp_path):
    path = write(tmp_path, "bad.toml", '[[parameter]]\nkey = "nev.ratio\nvalue = 0.3\n')
    with pytest.raises(RulebookError, match="not valid TOML") as info:
        load_rules(path)
    assert info.value.file == str(path)
    assert "line" in str(info.value)


def test_missing_rulebook_file(tmp_path):
    path = tmp_path / "nope.toml"
    with pytest.raises(RulebookError, match="not found") as info:
        load_rules(path)
    assert info.value.file == str(path)


def test_file_without_parameters(tmp_path):
    path = write(tmp_path, "empty.toml", '[rulebook]\nfamily = "x"\n')
    with pytest.raises(RulebookError, match="defines no") as info:
        load_rules(path)
    assert info.value.file == str(path)


def test_unknown_top_level_table(tmp_path):
    path = write(tmp_path, "top.toml", "[parameters]\nx = 1\n" + param())
    with pytest.raises(RulebookError, match="unknown top-level") as info:
        load_rules(path)
    assert info.value.file == str(path)


def test_list_length_mismatch(tmp_path):
    path = write(tmp_path, "len.toml", param(key="bev.range_factor_values",
                                             value="[0.7, 0.8, 1.0]"))
    rules = load_rules(path)  # each entry is valid alone; the year is inconsistent
    with pytest.raises(RulebookError, match="expected 4 values") as info:
        rules.for_year(2024)
    assert info.value.file == str(path)
    assert info.value.key == "bev.range_factor_values"
    assert rules.for_year(2023)["bev.range_factor_values"] == (0.7, 0.8, 0.9, 1.0)
    assert 2024 not in rules


def test_bounds_not_increasing(tmp_path):
    path = write(tmp_path, "inc.toml", param(key="bev.range_factor_bounds", unit='"km"',
                                             value="[150, 300, 200]"))
    with pytest.raises(RulebookError, match="strictly increasing") as info:
        load_rules(path).for_year(2024)
    assert info.value.key == "bev.range_factor_bounds"
    assert info.value.file == str(path)


def test_low_mass_above_high_mass(tmp_path):
    path = write(tmp_path, "mass.toml", param(key="cafc_target.low_mass", unit='"kg"',
                                              value="3000"))
    with pytest.raises(RulebookError, match="below high_mass") as info:
        load_rules(path).for_year(2024)
    assert info.value.key == "cafc_target.low_mass"


def test_year_without_rulebook():
    with pytest.raises(RulebookError, match="no rulebook for compliance year 2040") as info:
        default_rules().for_year(2040)
    assert "2019-2030" in str(info.value)
    assert 2040 not in default_rules()


def test_incomplete_new_year(tmp_path):
    path = write(tmp_path, "partial.toml", param(years="2031", value="0.9",
                                                 status='"scenario"'))
    rules = load_rules(path)
    with pytest.raises(RulebookError, match="lacks") as info:
        rules.for_year(2031)
    assert info.value.key in schema()


# --------------------------------------------------------------------------- [rulebook] header
HEADER_2028 = SCENARIO_2028.format(ratio=0.68)


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    # a typo in the header must not silently fall back to the shipped rules
    ("based_on = 2027", "basedon = 2027", "rulebook.basedon",
     ["unknown key", "did you mean 'based_on'?"]),
    ('title = "user scenario"', 'titel = "user scenario"', "rulebook.titel",
     ["did you mean 'title'?"]),
    ('title = "user scenario"', "title = 5", "rulebook.title", ["must be a text", "5"]),
    ('family = "scenario"', "family = true", "rulebook.family", ["must be a text"]),
    ("based_on = 2027", "based_on = 2027.0", "rulebook.based_on", ["must be a year"]),
    ("based_on = 2027", "based_on = true", "rulebook.based_on", ["must be a year"]),
    ("based_on = 2027", 'based_on = "2027"', "rulebook.based_on", ["must be a year"]),
    ("years = [2028, 2028]", "years = [2028.5, 2029]", "rulebook.years", ["2028.5"]),
    ("years = [2028, 2028]", "years = [2029, 2028]", "rulebook.years", ["first year after"]),
    ("years = [2028, 2028]\n", "", "rulebook.years", ["based_on needs years"]),
    # years declare the span of the file: a parameter outside it is refused
    ("years = [2028, 2028]", "years = [2029, 2029]", "nev.ratio",
     ["outside the years of this rulebook", "2029"]),
])
def test_rulebook_header_is_checked(tmp_path, old, new, key, words):
    assert old in HEADER_2028
    path = write(tmp_path, "head.toml", HEADER_2028.replace(old, new))
    with pytest.raises(RulebookError) as info:
        load_rules(path)
    assert info.value.file == str(path)
    assert info.value.key == key
    msg = str(info.value)
    assert msg.startswith(f"{path}, key '{key}': ")
    for w in words:
        assert w in msg


def test_rulebook_header_typo_on_the_command_line(tmp_path):
    from click.testing import CliRunner

    from linkage.cli import main

    path = write(tmp_path, "head.toml", HEADER_2028.replace("based_on", "basedon"))
    res = CliRunner().invoke(main, ["rules", "--year", "2028", "--rules", str(path)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1
    assert str(path) in lines[0] and "rulebook.basedon" in lines[0]


def test_unreadable_rulebook_files(tmp_path):
    with pytest.raises(RulebookError, match="is a directory") as info:
        load_rules(tmp_path)
    assert info.value.file == str(tmp_path)
    p = tmp_path / "latin1.toml"
    p.write_bytes('[rulebook]\ntitle = "Citroën"\n'.encode("latin-1"))
    with pytest.raises(RulebookError, match="not UTF-8") as info:
        load_rules(p)
    assert info.value.file == str(p)



def test_rulebook_years_without_based_on_declare_the_span(tmp_path):
    """``years`` without ``based_on``: the file's own span; parameters inside it load."""
    doc = """
[rulebook]
family = "custom"
years = [2024, 2024]

[[parameter]]
key = "nev.ratio"
years = 2024
value = 0.3
unit = "1"
status = "scenario"
source = "my assumption"
"""
    rules = load_rules(write(tmp_path, "span.toml", doc))
    assert rules.for_year(2024)["nev.ratio"] == 0.3
    outside = doc.replace("years = 2024\n", "years = 2025\n")
    with pytest.raises(RulebookError) as info:
        load_rules(write(tmp_path, "outside.toml", outside))
    assert info.value.key == "nev.ratio" and "2025-2025" in str(info.value)
