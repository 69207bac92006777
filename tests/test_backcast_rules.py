"""The 2019-2020 backcast rulebook (Order No. 44, GB 27999-2014 phase 4), checked by hand.

Every expected number is worked out by hand from the rule values of
``linkage/rules/data/backcast_2019_2020.toml`` (themselves from Order No. 44 and GB 27999-2014,
with the statuses given there); the arithmetic is written next to each literal.

GB 27999-2014 per-model target T (2 seat rows; + 0.2 for three or more), upper bounds
inclusive [kg -> L/100 km]: <=750 4.3, <=865 4.3, <=980 4.3, <=1090 4.5, <=1205 4.7,
<=1320 4.9, <=1430 5.1, <=1540 5.3, <=1660 5.5, <=1770 5.7, <=1880 5.9, <=2000 6.2,
<=2110 6.4, <=2280 6.6, <=2510 7.0, above 7.3.

2019: requirement 110 %, NEV multiplier 3, low-FC (<= 2.8 L/100 km) multiplier 2.5, NEV ratio
10 %; 2020: 100 %, 2, 1.5, 12 %. BEV: min(0.012 R + 0.8, 5) x density factor (< 90 Wh/kg 0,
90-120 1.0, >= 120 1.1) x consumption factor (EC <= Y(m): 1, else 0.5; Y = 0.014 m + 0.5 up
to 1000 kg, 0.012 m + 2.5 up to 1600 kg, 0.005 m + 13.7 above). PHEV 2 (R >= 50 km). FCEV
min(0.16 P, 5). No low-FC weighting of the NEV requirement (factor 1).

Rounding as for 2021+: T_ent, C and A to 2 decimals half up, per-vehicle NEV credit to 2
decimals, credit totals to whole credits.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from linkage import RulebookError, compute_credits, default_rules, load_rules
from linkage.accounting import cafc_model_target
from linkage.cli import main


def model(e, y, powertrain, v, m, name, rows=2, fc=None, **kw):
    row = dict(enterprise=e, year=y, model=name, powertrain=powertrain, volume_vehicles=v,
               curb_mass_kg=m, seat_rows=rows, **kw)
    if fc is not None:
        row["fuel_consumption_l_per_100km"] = fc
    return row


def statement(res, enterprise, year):
    s = res.statements
    sel = s[(s["enterprise"] == enterprise) & (s["year"] == year)]
    assert len(sel) == 1
    return sel.iloc[0]


# --------------------------------------------------------------------------- the target table
@pytest.mark.parametrize(("mass", "rows", "target"), [
    (700.0, 2, 4.3), (750.0, 2, 4.3),      # first band, bound inclusive
    (980.0, 2, 4.3), (980.5, 2, 4.5),      # 865 < CM <= 980 -> 4.3; just above -> 4.5
    (1090.0, 2, 4.5), (1090.5, 2, 4.7),
    (1500.0, 2, 5.3), (2000.0, 2, 6.2),
    (2510.0, 2, 7.0), (2510.5, 2, 7.3), (3000.0, 2, 7.3),
    (2000.0, 3, 6.4),                      # three seat rows: 6.2 + 0.2
    (750.0, 3, 4.5),                       # 4.3 + 0.2
])
def test_gb27999_2014_target_bands(mass, rows, target):
    for year in (2019, 2020):
        book = default_rules().for_year(year)
        got = cafc_model_target(np.array([mass]), np.array([rows]), book)[0]
        assert got == pytest.approx(target, abs=1e-12)


def test_2021_still_uses_the_curve():
    book = default_rules().for_year(2021)
    assert book["cafc_target.form"] == "curve"
    # 1500 kg: 0.0018 * (1500 - 1415) + 4.60 = 4.753
    got = cafc_model_target(np.array([1500.0]), np.array([2]), book)[0]
    assert got == pytest.approx(4.753, abs=1e-12)


# --------------------------------------------------------------------------- 2019 fleet
FLEET_2019 = [
    model("A", 2019, "ICE", 40_000, 1500.0, "ice1", fc=6.2),          # T 5.3
    model("A", 2019, "ICE", 10_000, 2000.0, "ice3rows", rows=3, fc=7.5),  # T 6.2 + 0.2 = 6.4
    model("A", 2019, "HEV", 5_000, 1100.0, "hev", fc=2.7),            # T 4.7, low FC (x 2.5)
    model("A", 2019, "BEV", 3_000, 1200.0, "bev", electric_range_km=300.0,
          energy_consumption_kwh_per_100km=14.0, battery_energy_density_wh_per_kg=130.0),
    model("A", 2019, "PHEV", 2_000, 1700.0, "phev", fc=1.6, electric_range_km=60.0,
          phev_cs_condition_met=True),                                # T 5.7
    model("A", 2019, "FCEV", 100, 1900.0, "fcev", fuel_cell_power_kw=40.0),  # T 6.2
]


def test_2019_fleet_by_hand():
    res = compute_credits(pd.DataFrame(FLEET_2019))
    s = statement(res, "A", 2019)
    # volume 40000 + 10000 + 5000 + 3000 + 2000 + 100 = 60100
    assert s["volume_vehicles"] == 60_100
    # sum T V = 5.3*40000 + 6.4*10000 + 4.7*5000 + 4.7*3000 + 5.7*2000 + 6.2*100
    #         = 212000 + 64000 + 23500 + 14100 + 11400 + 620 = 325620
    # T_ent = 325620 / 60100 = 5.41797 -> 5.42
    assert s["cafc_target_l_per_100km"] == pytest.approx(5.42, abs=1e-9)
    # C = 5.42 * 1.10 = 5.962 -> 5.96
    assert s["cafc_compliance_l_per_100km"] == pytest.approx(5.96, abs=1e-9)
    # sum FC V = 6.2*40000 + 7.5*10000 + 2.7*5000 + 0 (BEV) + 1.6*2000 + 0 (FCEV)
    #          = 248000 + 75000 + 13500 + 3200 = 339700
    # sum V W  = 40000 + 10000 + 5000*2.5 + (3000 + 2000 + 100)*3 = 40000+10000+12500+15300
    #          = 77800;  A = 339700 / 77800 = 4.36632 -> 4.37
    assert s["cafc_actual_l_per_100km"] == pytest.approx(4.37, abs=1e-9)
    # CAFC credits = (5.96 - 4.37) * 60100 = 1.59 * 60100 = 95559
    assert s["cafc_credits"] == pytest.approx(95_559, abs=0.5)
    # NEV requirement = 10 % * (40000 + 10000 + 5000) * 1.0 = 5500 (no low-FC weighting)
    assert s["nev_requirement_credits"] == pytest.approx(5_500, abs=0.5)
    # BEV: min(0.012*300 + 0.8, 5) = 4.4; density 130 >= 120 -> 1.1;
    #      Y(1200) = 0.012*1200 + 2.5 = 16.9 >= 14.0 -> 1.0;  4.4*1.1*1.0 = 4.84; *3000 = 14520
    # PHEV: R 60 >= 50 -> 2; *2000 = 4000
    # FCEV: min(0.16*40, 5) = min(6.4, 5) = 5; *100 = 500
    # earned = 14520 + 4000 + 500 = 19020
    assert s["nev_earned_credits"] == pytest.approx(19_020, abs=0.5)
    # NEV position = 19020 - 5500 = 13520
    assert s["nev_credits"] == pytest.approx(13_520, abs=0.5)
    per_vehicle = res.models.set_index("model")["nev_credit_per_vehicle"]
    assert per_vehicle["bev"] == pytest.approx(4.84, abs=1e-9)
    assert per_vehicle["phev"] == pytest.approx(2.0, abs=1e-9)
    assert per_vehicle["fcev"] == pytest.approx(5.0, abs=1e-9)


# --------------------------------------------------------------------------- 2020 fleet
FLEET_2020 = [
    model("B", 2020, "ICE", 20_000, 980.0, "ice_light", fc=5.0),      # T 4.3 (bound inclusive)
    model("B", 2020, "ICE", 15_000, 2600.0, "ice_heavy", fc=8.0),     # T 7.3 (above 2510)
    model("B", 2020, "HEV", 5_000, 1300.0, "hev", fc=2.6),            # T 4.9, low FC (x 1.5)
    model("B", 2020, "BEV", 4_000, 1700.0, "bev", electric_range_km=500.0,
          energy_consumption_kwh_per_100km=23.0, battery_energy_density_wh_per_kg=100.0),
    model("B", 2020, "PHEV", 1_000, 1600.0, "phev", fc=1.8, electric_range_km=45.0,
          phev_cs_condition_met=True),                                # T 5.5; R < 50: no credit
]


def test_2020_fleet_by_hand():
    res = compute_credits(pd.DataFrame(FLEET_2020))
    s = statement(res, "B", 2020)
    # volume 20000 + 15000 + 5000 + 4000 + 1000 = 45000
    assert s["volume_vehicles"] == 45_000
    # sum T V = 4.3*20000 + 7.3*15000 + 4.9*5000 + 5.7*4000 + 5.5*1000
    #         = 86000 + 109500 + 24500 + 22800 + 5500 = 248300
    # T_ent = 248300 / 45000 = 5.51778 -> 5.52;  C = 5.52 * 1.00 = 5.52
    assert s["cafc_target_l_per_100km"] == pytest.approx(5.52, abs=1e-9)
    assert s["cafc_compliance_l_per_100km"] == pytest.approx(5.52, abs=1e-9)
    # sum FC V = 5.0*20000 + 8.0*15000 + 2.6*5000 + 0 + 1.8*1000 = 100000+120000+13000+1800
    #          = 234800;  sum V W = 20000 + 15000 + 5000*1.5 + (4000 + 1000)*2 = 52500
    # A = 234800 / 52500 = 4.47238 -> 4.47
    assert s["cafc_actual_l_per_100km"] == pytest.approx(4.47, abs=1e-9)
    # CAFC credits = (5.52 - 4.47) * 45000 = 1.05 * 45000 = 47250
    assert s["cafc_credits"] == pytest.approx(47_250, abs=0.5)
    # NEV requirement = 12 % * (20000 + 15000 + 5000) = 4800
    assert s["nev_requirement_credits"] == pytest.approx(4_800, abs=0.5)
    # BEV: 0.012*500 + 0.8 = 6.8 -> cap 5; density 100 in [90, 120) -> 1.0;
    #      Y(1700) = 0.005*1700 + 13.7 = 22.2 < 23.0 -> 0.5;  5*1.0*0.5 = 2.5; *4000 = 10000
    # PHEV: R 45 < 50 -> 0
    assert s["nev_earned_credits"] == pytest.approx(10_000, abs=0.5)
    # NEV position = 10000 - 4800 = 5200
    assert s["nev_credits"] == pytest.approx(5_200, abs=0.5)


def test_exemption_below_30000_conventional_vehicles():
    # 29,999 conventional vehicles: no NEV requirement (Order No. 44); earned credits kept
    rows = [model("C", 2020, "ICE", 29_999, 1500.0, "ice", fc=6.0),
            model("C", 2020, "PHEV", 100, 1700.0, "phev", fc=1.6, electric_range_km=60.0,
                  phev_cs_condition_met=True)]
    s = statement(compute_credits(pd.DataFrame(rows)), "C", 2020)
    assert s["nev_requirement_credits"] == 0
    assert s["nev_earned_credits"] == pytest.approx(200, abs=0.5)  # 2 * 100


# --------------------------------------------------------------------------- rulebook
def test_no_backcast_parameter_claims_official_status():
    # nothing of Order No. 44 or GB 27999-2014 was read in the official text here
    for year in (2019, 2020):
        book = default_rules().for_year(year)
        statuses = {book.parameter(k).status for k in book}
        assert statuses <= {"secondary", "provisional"}, year
        assert book.parameter("nev.ratio").status == "secondary"
        assert book.parameter("cafc_target.band_values").status == "provisional"


def test_bands_need_one_value_more_than_bounds(tmp_path):
    bad = tmp_path / "bands.toml"
    bad.write_text('[[parameter]]\nkey = "cafc_target.band_values"\nyears = 2019\n'
                   'value = [4.3, 4.5]\nunit = "L/100km"\nstatus = "provisional"\n'
                   'source = "test"\n', encoding="utf-8")
    with pytest.raises(RulebookError, match="expected 16 values"):
        load_rules(bad).for_year(2019)


def test_cli_rules_year_2019():
    res = CliRunner().invoke(main, ["rules", "--year", "2019", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["key"]: r for r in json.loads(res.output)}
    assert rows["cafc_target.form"]["value"] == "bands"
    assert rows["nev.ratio"]["value"] == pytest.approx(0.10)
    assert rows["cafc.requirement"]["value"] == pytest.approx(1.10)
    assert rows["cafc.multiplier_nev"]["value"] == pytest.approx(3.0)
    assert "cafc_target.slope" not in rows  # the curve form's keys are not part of 2019
    assert all(r["source"] for r in rows.values())
    table = CliRunner().invoke(main, ["rules", "--year", "2019"])
    assert table.exit_code == 0 and "cafc_target.band_values" in table.output
