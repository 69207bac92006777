"""The ``linkage`` command line on the demo data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from linkage import compute_credits
from linkage.cli import main
from linkage.rules import STATUSES, schema

ROOT = Path(__file__).resolve().parents[1]
FLEET = ROOT / "examples" / "data" / "demo_fleet.csv"
ENTERPRISES = ROOT / "examples" / "data" / "demo_enterprises.csv"

OUT_COLUMNS = [
    "enterprise", "year", "volume_vehicles", "conventional_volume_vehicles", "nev_volume_vehicles",
    "low_fc_volume_vehicles",
    "cafc_target_l_per_100km", "cafc_compliance_l_per_100km", "cafc_actual_l_per_100km",
    "cafc_credits",
    "nev_earned_credits", "nev_requirement_credits", "nev_credits", "provisional_parameters",
]


def invoke(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    out, det = d / "o.csv", d / "d.csv"
    result = invoke("credits", FLEET, "--enterprises", ENTERPRISES, "--out", out,
                    "--detail", det)
    return result, out, det, d


def test_demo_credits_exit_0(demo_run):
    result, out, det, d = demo_run
    assert result.exit_code == 0, (result.output, result.exception)
    assert out.exists() and det.exists()
    assert sorted(p.name for p in d.iterdir()) == ["d.csv", "o.csv"]  # no temp files
    assert "30 statement(s)" in result.stdout


def test_demo_statement_columns_and_rows(demo_run):
    _, out, _, _ = demo_run
    st = pd.read_csv(out)
    assert list(st.columns) == OUT_COLUMNS
    assert len(st) == 30
    assert st["enterprise"].nunique() == 6
    assert sorted(st["year"].unique()) == list(range(2021, 2026))
    assert not st.duplicated(["enterprise", "year"]).any()
    for _, grp in st.groupby("enterprise"):
        assert sorted(grp["year"]) == list(range(2021, 2026))
    assert (st["volume_vehicles"]
            == st["conventional_volume_vehicles"] + st["nev_volume_vehicles"]).all()
    assert (st["nev_credits"] == st["nev_earned_credits"] - st["nev_requirement_credits"]).all()
    assert (st["provisional_parameters"] > 0).all()


def test_demo_statements_match_the_api(demo_run):
    _, out, _, _ = demo_run
    res = compute_credits(FLEET, ENTERPRISES)
    expected = res.statements[OUT_COLUMNS].reset_index(drop=True)
    got = pd.read_csv(out)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_demo_detail_has_one_row_per_model(demo_run):
    _, _, det, _ = demo_run
    detail = pd.read_csv(det)
    fleet = pd.read_csv(FLEET)
    assert len(detail) == len(fleet)
    for col in ("enterprise", "year", "model", "nev_credit_per_vehicle", "nev_credit_source"):
        assert col in detail.columns


def test_year_filter(tmp_path):
    out = tmp_path / "o.csv"
    result = invoke("credits", FLEET, "--enterprises", ENTERPRISES, "--year", 2023,
                    "--out", out)
    assert result.exit_code == 0, (result.output, result.exception)
    st = pd.read_csv(out)
    assert list(st.columns) == OUT_COLUMNS
    assert len(st) == 6
    assert set(st["year"]) == {2023}
    full = compute_credits(FLEET, ENTERPRISES).statements
    expected = full[full["year"] == 2023][OUT_COLUMNS].reset_index(drop=True)
    pd.testing.assert_frame_equal(st, expected, check_dtype=False)


def test_year_absent_from_fleet_exits_2(tmp_path):
    result = invoke("credits", FLEET, "--year", 2027, "--out", tmp_path / "o.csv")
    assert result.exit_code == 2
    assert result.stderr.startswith("error:")
    assert list(tmp_path.iterdir()) == []


def test_credits_without_outputs_prints_table():
    result = invoke("credits", FLEET, "--enterprises", ENTERPRISES)
    assert result.exit_code == 0
    assert "Demo Auto A (illustrative)" in result.stdout


def test_rules_json_2024():
    result = invoke("rules", "--year", 2024, "--format", "json")
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    # every key but those of the per-model target's bands form (2024 uses the curve)
    curve_year = {k for k, spec in schema().items()
                  if spec.get("when", ["", "curve"])[1] == "curve"}
    assert isinstance(records, list) and len(records) == len(curve_year)
    for r in records:
        assert {"key", "value", "unit", "status", "source"} <= set(r)
        assert r["status"] in STATUSES
        assert r["source"].strip()
        assert r["year"] == 2024
    by_key = {r["key"]: r for r in records}
    assert set(by_key) == curve_year
    assert by_key["nev.ratio"]["value"] == 0.28
    assert by_key["nev.ratio"]["unit"] == "1"
    assert by_key["nev.ratio"]["status"] == "official"
    assert isinstance(by_key["bev.range_factor_values"]["value"], list)


def test_rules_table():
    result = invoke("rules", "--year", 2028)
    assert result.exit_code == 0
    assert "nev.ratio" in result.stdout and "scenario" in result.stdout


def test_rules_year_without_rulebook_exits_2():
    result = invoke("rules", "--year", 2040)
    assert result.exit_code == 2
    err = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(err) == 1 and err[0].startswith("error:")
    assert "2040" in err[0]
    assert result.stdout == ""


USER_RULES = """\
[[parameter]]
key = "nev.ratio"
years = 2024
value = 0.30
unit = "1"
status = "provisional"
source = "user test file"
"""


def test_rules_with_user_file(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text(USER_RULES, encoding="utf-8")
    result = invoke("rules", "--year", 2024, "--format", "json", "--rules", user)
    assert result.exit_code == 0, result.output
    by_key = {r["key"]: r for r in json.loads(result.stdout)}
    assert by_key["nev.ratio"]["value"] == 0.30
    assert by_key["nev.ratio"]["status"] == "provisional"
    assert by_key["nev.ratio"]["source"] == "user test file"


def test_credits_with_user_rules(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text(USER_RULES, encoding="utf-8")
    base, changed = tmp_path / "base.csv", tmp_path / "user.csv"
    r1 = invoke("credits", FLEET, "--enterprises", ENTERPRISES, "--out", base)
    r2 = invoke("credits", FLEET, "--enterprises", ENTERPRISES, "--rules", user,
                "--out", changed)
    assert r1.exit_code == 0 and r2.exit_code == 0, (r1.output, r2.output)
    a, b = pd.read_csv(base), pd.read_csv(changed)
    other = a["year"] != 2024
    pd.testing.assert_frame_equal(a[other], b[other])
    y24 = ~other & (a["nev_requirement_credits"] > 0)
    assert y24.any()
    # requirement = round(ratio x base): the base is the same, so the ratio scales it
    ratio = b.loc[y24, "nev_requirement_credits"] / a.loc[y24, "nev_requirement_credits"]
    assert ((ratio - 0.30 / 0.28).abs() < 1e-3).all()


def test_bad_user_rules_file_exits_2(tmp_path):
    user = tmp_path / "bad.toml"
    # units are checked by dimension (issue 11): "%" is a valid dimensionless unit now and is
    # converted, so the bad unit is one of another dimension
    user.write_text(USER_RULES.replace('unit = "1"', 'unit = "kg"'), encoding="utf-8")
    out = tmp_path / "o.csv"
    result = invoke("credits", FLEET, "--rules", user, "--out", out)
    assert result.exit_code == 2
    assert result.stderr.startswith("error:")
    assert str(user) in result.stderr and "nev.ratio" in result.stderr
    assert "expected dimension dimensionless" in result.stderr
    assert not out.exists()


def test_console_script_runs(tmp_path):
    exe = Path(sys.executable).parent / "linkage"
    if not exe.exists():
        pytest.skip("console script not installed next to the interpreter")
    out = tmp_path / "o.csv"
    proc = subprocess.run(
        [str(exe), "credits", str(FLEET), "--enterprises", str(ENTERPRISES), "--year", "2025",
         "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(pd.read_csv(out)) == 6
    proc = subprocess.run([str(exe), "rules", "--year", "2040"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("error:") and proc.stderr.count("\n") == 1
