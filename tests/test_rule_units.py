"""Units that are checked (issue 11 item 5): every unit of the schema, the rulebooks and the
fleet columns is parsed by the library's pint registry; a rulebook value given in a unit of the
same dimension is converted to the schema's unit, one of another dimension is refused (CLI exit
2) naming the file, the key and the expected dimension.
"""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conversions import ureg
from linkage import compute_credits
from linkage.cli import main
from linkage.errors import RulebookError
from linkage.fleet import ENTERPRISE_COLUMNS, FLEET_COLUMNS
from linkage.rules import load_rules, rule_unit, schema
from linkage.rules.loader import _unit_factor

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "linkage" / "rules" / "data"
FLEET = ROOT / "examples" / "data" / "demo_fleet.csv"


def rulebook(tmp_path, key, value, unit, years="2024", name="user.toml"):
    p = tmp_path / name
    p.write_text(f'[[parameter]]\nkey = "{key}"\nyears = {years}\nvalue = {value}\n'
                 f'unit = "{unit}"\nstatus = "provisional"\nsource = "test"\n',
                 encoding="utf-8")
    return p


def test_every_schema_unit_is_parsed_by_the_library_registry():
    dims = {}
    for key, spec in schema().items():
        u = rule_unit(spec["unit"])
        assert u._REGISTRY is ureg, key
        dims[key] = u.dimensionality
    # L/100km is a volume per length, i.e. an area; kWh/100km an energy per length
    assert dims["cafc_target.low_value"] == ureg.parse_units("L/km").dimensionality
    assert dims["bev.consumption_intercepts"] == ureg.parse_units("kWh/km").dimensionality
    # "credit" in a rule unit is a NEV credit, never a CAFC credit
    assert rule_unit("credit/vehicle") == ureg.parse_units("nev_credit/vehicle")
    assert rule_unit("seat_row").dimensionality == ureg.parse_units("seat_row").dimensionality
    assert rule_unit("1").dimensionless


def test_every_shipped_rulebook_unit_matches_its_schema_dimension():
    files = sorted(RULES_DIR.rglob("*.toml"))
    seen = 0
    for path in files:
        if path.name == "schema.toml":
            continue
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
        for p in doc.get("parameter", []):
            expected = rule_unit(schema()[p["key"]]["unit"])
            assert rule_unit(p["unit"]).dimensionality == expected.dimensionality, (path, p)
            seen += 1
    assert seen > 60


def test_every_fleet_column_unit_is_parsed():
    units = [c.unit for c in {**FLEET_COLUMNS, **ENTERPRISE_COLUMNS}.values() if c.unit]
    assert "L/100km" in units and "kWh/100km" in units and "credit/vehicle" in units
    for u in units:
        rule_unit(u)


def test_percent_is_converted_to_the_schema_unit(tmp_path):
    # nev.ratio 30 percent = 0.30; ICE 40,000 vehicles in 2024: requirement 0.30 x 40000 = 12000
    rs = load_rules(rulebook(tmp_path, "nev.ratio", 30, "percent"))
    p = rs.for_year(2024).parameter("nev.ratio")
    assert (p.value, p.unit) == (0.30, "1")
    assert "given as 30 percent" in p.source
    fleet = pd.DataFrame([dict(enterprise="E", year=2024, model="m", powertrain="ICE",
                               volume_vehicles=40000, curb_mass_kg=1500.0,
                               fuel_consumption_l_per_100km=6.0)])
    assert compute_credits(fleet, rules=rs).statements.iloc[0]["nev_requirement_credits"] == 12000


def test_compatible_units_are_converted(tmp_path):
    # 40.2 mL/km = 40.2 x 0.001 L / 0.01 (100 km) = 4.02 L/100km
    rs = load_rules(rulebook(tmp_path, "cafc_target.low_value", 40.2, "mL/km"))
    assert rs.for_year(2024)["cafc_target.low_value"] == 4.02
    # 1.09 t = 1090 kg
    rs = load_rules(rulebook(tmp_path, "cafc_target.low_mass", 1.09, "t"))
    assert rs.for_year(2024)["cafc_target.low_mass"] == 1090.0
    # lists: [100000, 150000] m = [100, 150] km; 3 x 1.2 credit/vehicle per 1000 km ... in km
    rs = load_rules(rulebook(tmp_path, "bev.range_factor_bounds",
                             "[150000, 200000, 300000]", "m"))
    assert rs.for_year(2024)["bev.range_factor_bounds"] == (150.0, 200.0, 300.0)
    # an integer key: 36 months = 3 years
    rs = load_rules(rulebook(tmp_path, "nev.carry_years", 36, "month"))
    assert rs.for_year(2024)["nev.carry_years"] == 3


def test_conversion_to_a_fraction_of_an_integer_is_refused(tmp_path):
    # 30 months = 2.5 years: not a whole number of years
    with pytest.raises(RulebookError, match="not a whole number") as info:
        load_rules(rulebook(tmp_path, "nev.carry_years", 30, "month"))
    assert info.value.key == "nev.carry_years"


@pytest.mark.parametrize(("key", "value", "unit", "expected"), [
    ("cafc_target.low_value", 4.02, "kg", r"expected dimension \[length\] \*\* 2"),
    ("nev.ratio", 0.3, "km", "expected dimension dimensionless"),
    ("bev.standard_cap", 3.4, "cafc_credit/vehicle", r"\[nev_credit\] / \[vehicle\]"),
])
def test_wrong_dimension_is_refused(tmp_path, key, value, unit, expected):
    path = rulebook(tmp_path, key, value, unit)
    with pytest.raises(RulebookError, match=expected) as info:
        load_rules(path)
    assert info.value.key == key
    assert info.value.file == str(path)
    assert f"unit '{unit}' has dimension" in info.value.rule


def test_unknown_unit_is_refused(tmp_path):
    with pytest.raises(RulebookError, match="not known to the library's unit registry"):
        load_rules(rulebook(tmp_path, "nev.ratio", 0.3, "bananas"))


def test_cli_wrong_dimension_exits_2(tmp_path):
    bad = rulebook(tmp_path, "cafc_target.low_value", 4.02, "kg", name="BAD.toml")
    result = CliRunner().invoke(main, ["credits", str(FLEET), "--rules", str(bad)])
    assert result.exit_code == 2
    out = result.output
    assert "BAD.toml" in out and "cafc_target.low_value" in out
    assert "expected dimension [length] ** 2" in out
    assert "Traceback" not in out


def test_load_time_parses_each_unit_once():
    rule_unit.cache_clear()
    _unit_factor.cache_clear()
    t0 = time.perf_counter()
    load_rules()
    seconds = time.perf_counter() - t0
    # one parse per distinct unit text and one conversion factor per distinct (given, schema)
    # pair (about 15 each); the other hundreds of parameters are cache hits
    assert rule_unit.cache_info().misses <= 20
    factors = _unit_factor.cache_info()
    assert factors.misses <= 20 < factors.hits
    assert seconds < 2.0
