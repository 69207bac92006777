"""Issue 13 inputs: the [ets] table, [[enterprise.technology]] options, the shipped ETS side."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from conversions import ets_side, ets_side_records
from optimize import ScenarioError, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
FLEET = ROOT / "examples" / "data" / "demo_fleet.csv"
C = "Demo Motors C (illustrative)"


def doc(**extra):
    d = {
        "scenario": {"name": "t", "years": [2024, 2025]},
        "enterprise": [{"name": "A", "cafc_credits": [100, -200], "nev_credits": [-50, 30],
                        "technology": [{"name": "shift ICE -> BEV",
                                        "cost_cny_per_unit": [9000, 8000],
                                        "max_units_per_year": 20000,
                                        "cafc_credits_per_unit": 0.62,
                                        "nev_credits_per_unit": 1.95,
                                        "co2_change_t_co2e_per_unit": -21.4}]}],
        "market": {"nev_buy_price_cny_per_credit": 1000, "supply_demand_ratio": 1.8},
    }
    d.update(extra)
    return d


def fails(d, key, *words, file="s.toml"):
    with pytest.raises(ScenarioError) as err:
        parse_scenario(d, file=file)
    assert err.value.file == file
    assert err.value.key == key, str(err.value)
    for w in words:
        assert w in str(err.value), str(err.value)


# ------------------------------------------------------------------ shipped ETS side
def test_shipped_ets_side_2025():
    s = ets_side(2025)
    # power > 5.0 Gt + steel, cement, aluminium 3.0 Gt (MEE, 26 Mar 2025, via press)
    assert s.covered_emissions_t_co2e == 8.0e9
    assert s.offset_limit_share == 0.05
    # 0.05 x 8.0e9 - 5.0e7 = 4.0e8 - 0.5e8 = 3.5e8 t
    assert s.offset_limit_t_co2e == pytest.approx(3.5e8)
    assert s.cea_retired is True
    assert s.statuses["cea_retired"] == "assumption"
    assert s.statuses["covered_emissions"] == "secondary"


def test_shipped_ets_side_before_the_extension():
    assert ets_side(2023).covered_emissions_t_co2e == 5.0e9  # power only


def test_every_record_has_status_and_source():
    recs = ets_side_records()
    assert set(recs["status"]) <= {"secondary", "provisional", "assumption"}
    assert (recs["source"].str.len() > 20).all()


# ------------------------------------------------------------------ [ets]
def test_ets_defaults_from_shipped_records_and_given_keys_win():
    sc = parse_scenario(doc(ets={"covered_emissions_t_co2e": [1e10, 2e10]}), file="s.toml")
    assert sc.ets.covered_emissions_t_co2e == {2024: 1e10, 2025: 2e10}
    assert sc.ets.sources["covered_emissions_t_co2e"] == "scenario"
    assert sc.ets.offset_limit_share == {2024: 0.05, 2025: 0.05}
    assert sc.ets.sources["offset_limit_share"].startswith("shipped")
    assert sc.ets.cea_retired is True


def test_no_ets_table_is_none():
    assert parse_scenario(doc(), file="s.toml").ets is None


def test_negative_covered_emissions_refused():
    fails(doc(ets={"covered_emissions_t_co2e": [1e9, -1.0]}), "ets.covered_emissions_t_co2e[1]",
          ">= 0")


@pytest.mark.parametrize("share", [-0.01, 1.5])
def test_share_outside_0_1_refused(share):
    fails(doc(ets={"offset_limit_share": share}), "ets.offset_limit_share", "<=" if share > 1
          else ">=")


def test_other_offsets_above_the_limit_refused():
    # 0.05 x 1000 = 50 t < 60 t of other offsets
    fails(doc(ets={"covered_emissions_t_co2e": 1000.0, "other_offsets_t_co2e": 60.0}),
          "ets.other_offsets_t_co2e", "exceed")


def test_years_without_records_are_refused_not_extrapolated():
    from conversions.errors import ArgumentError

    with pytest.raises(ArgumentError, match="2040"):
        ets_side(2040)


def test_unknown_ets_key_refused():
    fails(doc(ets={"covered_emission_t": 1.0}), "ets.covered_emission_t", "did you mean")


# ------------------------------------------------------------------ technology (given)
def test_given_option_parsed():
    sc = parse_scenario(doc(), file="s.toml")
    (t,) = sc.enterprises[0].technology
    assert t.cost_cny_per_unit == {2024: 9000.0, 2025: 8000.0}
    assert t.max_units_per_year == {2024: 20000.0, 2025: 20000.0}
    assert t.cafc_credits_per_unit == {2024: 0.62, 2025: 0.62}
    assert t.co2_change_t_co2e_per_unit[2025] == -21.4
    assert t.basis == "given"


def test_option_without_cost_refused():
    d = doc()
    del d["enterprise"][0]["technology"][0]["cost_cny_per_unit"]
    fails(d, "enterprise[A].technology[0].cost_cny_per_unit", "cost")


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("k", ["cafc_credits_per_unit", "nev_credits_per_unit",
                               "co2_change_t_co2e_per_unit"])
def test_effects_nan_inf_refused(k, bad):
    d = doc()
    d["enterprise"][0]["technology"][0][k] = bad
    fails(d, f"enterprise[A].technology[0].{k}", "finite")


def test_given_option_without_an_effect_refused():
    d = doc()
    del d["enterprise"][0]["technology"][0]["co2_change_t_co2e_per_unit"]
    fails(d, "enterprise[A].technology[0].co2_change_t_co2e_per_unit", "effect")


def test_shift_without_fleet_refused():
    d = doc()
    t = d["enterprise"][0]["technology"][0]
    for k in ("cafc_credits_per_unit", "nev_credits_per_unit", "co2_change_t_co2e_per_unit"):
        del t[k]
    t.update(kind="shift", from_model="x", to_model="y")
    fails(d, "enterprise[A].technology[0].kind", "fleet")


# ------------------------------------------------------------------ technology (fleet)
def fleet_doc(tmp_path, option):
    shutil.copy(FLEET, tmp_path / "fleet.csv")
    d = doc()
    d["enterprise"] = [{"name": C, "fleet": "fleet.csv", "technology": [option]}]
    return d


def test_from_model_not_in_fleet_refused(tmp_path):
    d = fleet_doc(tmp_path, {"name": "s", "kind": "shift", "cost_cny_per_unit": 1.0,
                             "max_units_per_year": 10, "from_model": "C-nothing",
                             "to_model": "C-mini EV"})
    with pytest.raises(ScenarioError) as err:
        parse_scenario(d, file="s.toml", base=tmp_path)
    assert err.value.key == f"enterprise[{C}].technology[0].from_model"
    assert "C-nothing" in str(err.value) and "C-SUV 1.5T" in str(err.value)


def test_shift_effects_derived_from_the_accounting(tmp_path):
    d = fleet_doc(tmp_path, {"name": "s", "kind": "shift", "cost_cny_per_unit": 1.0,
                             "max_units_per_year": 2000, "from_model": "C-SUV 1.5T",
                             "to_model": "C-mini EV"})
    sc = parse_scenario(d, file="s.toml", base=tmp_path)
    (t,) = sc.enterprises[0].technology
    assert t.basis == "ttw-real-world"
    assert t.co2_change_t_co2e_per_unit[2025] < 0  # a BEV replaces an ICE: less CO2
    assert t.nev_credits_per_unit[2025] > 0
    assert set(t.linearisation_error_credits) == {2024, 2025}


def test_technology_frame_feeds_the_verifier():
    sc = parse_scenario(doc(ets={}), file="s.toml")
    t = sc.technology_frame()
    assert list(t["year"]) == [2024, 2025]
    assert list(t["cost_cny_per_unit"]) == [9000.0, 8000.0]
    assert set(t["max_units"]) == {20000.0}
    # shipped 2024 and 2025: 0.05 x 8.0e9 - 5.0e7 = 3.5e8 t
    assert sc.offset_limit_t_co2e == {2024: pytest.approx(3.5e8), 2025: pytest.approx(3.5e8)}
    assert parse_scenario(doc(), file="s.toml").offset_limit_t_co2e is None
