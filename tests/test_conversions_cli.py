"""``linkage convert``: the click command, invoked directly with CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conversions import ASSUMPTIONS
from conversions.cli import convert


def invoke(*args: str):
    return CliRunner().invoke(convert, [str(a) for a in args])


def test_convert_with_basis_and_set_json():
    r = invoke("1000", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-real-world",
               "--set", "lifetime_distance=200000km", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    # 1000 credits x 2000 L x 2.348 kg/L x 1.37 = 6,433,520 kg = 6433.52 t
    assert out["value"] == pytest.approx(6433.52, rel=1e-12)
    assert out["unit"] == "t_CO2e"
    assert out["method"] == "compliance"
    basis = out["basis"]
    assert basis["name"] == "ttw-real-world*"
    for spec in ASSUMPTIONS:
        assert {"value", "unit", "source"} <= set(basis[spec.field])
    assert basis["lifetime_distance"]["value"] == 200_000
    assert basis["lifetime_distance"]["unit"] == "km/vehicle"
    assert basis["lifetime_distance"]["source"] == "user override"
    assert basis["real_world_gap"]["value"] == 1.37
    assert "ICCT" in basis["real_world_gap"]["source"]
    assert basis["co2_per_litre"] == {
        "value": 2.348, "unit": "kg_CO2e/L", "status": "official",
        "source": basis["co2_per_litre"]["source"],
    }


def test_convert_text_output():
    r = invoke("1000", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-lab")
    assert r.exit_code == 0
    # 1000 x 1500 L x 2.348 kg/L = 3522 t
    assert r.stdout.startswith("1000 cafc_credit = 3522 t_CO2e")
    assert "ttw-lab" in r.stdout


def test_convert_price_and_nev_avoided():
    r = invoke("2088", "CNY/nev_credit", "--to", "CNY/t_CO2e", "--basis", "ttw-real-world",
               "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout)["value"] == pytest.approx(2088 / 4.82514, rel=1e-12)
    r = invoke("1", "nev_credit", "--to", "kg_CO2e", "--basis", "ttw-real-world", "--method",
               "avoided", "--json")
    assert r.exit_code == 0
    # (28,950.84 - 14,174.979) kg / 1.95 credits = 7,577.3646 kg
    assert json.loads(r.stdout)["value"] == pytest.approx(14_775.861 / 1.95, rel=1e-9)


def test_convert_without_basis_within_a_dimension():
    r = invoke("1", "kWh", "--to", "MJ", "--json")
    assert r.exit_code == 0
    out = json.loads(r.stdout)
    assert out["value"] == pytest.approx(3.6) and out["basis"] is None


def test_list_bases():
    r = invoke("--list-bases")
    assert r.exit_code == 0
    for name in ("ttw-lab", "ttw-real-world", "wtw-real-world"):
        assert name in r.stdout
    r = invoke("--list-bases", "--json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    by_name = {row["name"]: row for row in rows}
    assert by_name["ttw-real-world"]["t_co2e_per_credit"] == pytest.approx(4.82514, rel=1e-12)
    assert "source" in by_name["ttw-lab"]["lifetime_distance"]


@pytest.mark.parametrize(
    ("args", "match"),
    [
        # dimension error without --basis, with the hint
        (["1000", "cafc_credit", "--to", "t_CO2e"], "--basis"),
        (["1", "nev_credit", "--to", "L"], "Cannot convert"),
        (["1", "kg", "--to", "kg_CO2e", "--basis", "ttw-lab"], "Cannot convert"),
        (["1", "cafc_credit", "--to", "tCO2", "--basis", "ttw-lab"], "unknown unit"),
        # a tonne of mass is not a tonne of CO2e, even with a basis
        (["1", "cafc_credit", "--to", "t", "--basis", "ttw-lab"], "Cannot convert"),
        (["1", "credit", "--to", "t_CO2e", "--basis", "ttw-lab"], "unknown unit"),
        (["1", "cafc_credit", "--to", "L/100km"], "L_per_100km"),
        (["1", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-magic"], "known bases: ttw-lab"),
        (["1", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-lab", "--set", "lifetime"],
         "KEY=VALUE_WITH_UNIT"),
        (["1", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-lab", "--set", "life=1km"],
         "unknown assumption"),
        (["1", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-lab", "--set",
          "lifetime_distance=200000kg"], "km/vehicle"),
        (["1", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-lab", "--set",
          "lifetime_distance=200000"], "km/vehicle"),
        (["1", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-lab", "--set",
          "real_world_gap=0.9"], ">= 1"),
        (["1", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-lab", "--set",
          "lifetime_distance=km km"], "lifetime_distance"),
        (["1", "cafc_credit", "--to", "t_CO2e", "--set", "real_world_gap=1.2"], "--basis"),
        (["one", "cafc_credit", "--to", "t_CO2e"], "VALUE must be a number"),
        (["1", "cafc_credit"], "--to"),
    ],
)
def test_exit_2_with_one_line_error(args, match):
    r = invoke(*args)
    assert r.exit_code == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ")
    assert match in lines[0]


def test_set_well_to_wheel_via_boundary():
    r = invoke("1", "cafc_credit", "--to", "t_CO2e", "--basis", "ttw-real-world", "--set",
               "boundary=well-to-wheel", "--set", "upstream_uplift=0.2", "--json")
    assert r.exit_code == 0, r.stderr
    # 4.82514 x 1.2 = 5.790168
    assert json.loads(r.stdout)["value"] == pytest.approx(5.790168, rel=1e-12)
