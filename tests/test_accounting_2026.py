"""GB 27999-2025 accounting from 2026, worked by hand.

Rules used (shipped rulebooks, see docs/rules.md):
- electricity counted as fuel: k = 0.1131 L/kWh (GB/T 37340, secondary) x 1.0 (efficiency
  factor, provisional) = 0.1131 L/kWh; BEV FC = EC x k; PHEV FC = fuel + UF x EC_cd x k;
- multipliers W = 1 (removed, secondary);
- PROVISIONAL curve: T = 0.001185 (CM - 1415) + 3.03 for 1090 < CM <= 2510 (2.65 below,
  4.33 above); requirement 2026 1.41, 2027 1.31;
- CO2 reference value = A x 2.37 kg/L x 10 [g/km].

Per-model targets of the reference models (1090 < CM <= 2510):
  ICE  1500 kg: 0.001185 x 85    = 0.100725  -> T = 3.130725
  HEV  1415 kg:                               T = 3.03
  PHEV 1800 kg: 0.001185 x 385   = 0.456225  -> T = 3.486225
  BEV  1200 kg: 0.001185 x (-215) = -0.254775 -> T = 2.775225
  FCEV 1900 kg: 0.001185 x 485   = 0.574725  -> T = 3.604725
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conversions import get_basis, tonnes_per_credit
from linkage import FleetError, compute_credits, default_rules, load_rules
from linkage.accounting import electricity_fuel_factor, phev_cd_factor


def ice(e, y, v, m=1500.0, fc=6.00, name="ice"):
    return dict(enterprise=e, year=y, model=name, powertrain="ICE", volume_vehicles=v,
                curb_mass_kg=m, fuel_consumption_l_per_100km=fc)


def hev(e, y, v, m=1415.0, fc=3.10, name="hev"):
    return dict(enterprise=e, year=y, model=name, powertrain="HEV", volume_vehicles=v,
                curb_mass_kg=m, fuel_consumption_l_per_100km=fc)


def phev(e, y, v, m=1800.0, fc=1.50, r=60.0, ec_cd=20.0, uf=0.5, name="phev", **kw):
    return dict(enterprise=e, year=y, model=name, powertrain="PHEV", volume_vehicles=v,
                curb_mass_kg=m,
                fuel_consumption_l_per_100km=fc, electric_range_km=r, phev_cs_condition_met=True,
                phev_cd_energy_consumption_kwh_per_100km=ec_cd, phev_utility_factor=uf, **kw)


def bev(e, y, v, m=1200.0, r=400.0, ec=10.528, dens=150.0, name="bev", **kw):
    return dict(enterprise=e, year=y, model=name, powertrain="BEV", volume_vehicles=v,
                curb_mass_kg=m, electric_range_km=r, energy_consumption_kwh_per_100km=ec,
                battery_energy_density_wh_per_kg=dens, **kw)


def fcev(e, y, v, m=1900.0, p=50.0, name="fcev"):
    return dict(enterprise=e, year=y, model=name, powertrain="FCEV", volume_vehicles=v,
                curb_mass_kg=m, fuel_cell_power_kw=p)


def run(rows, **kw):
    return compute_credits(pd.DataFrame(rows), **kw)


def mdl(res, name):
    m = res.models
    return m[m["model"] == name].iloc[0]


def stmt(res, ent="E"):
    s = res.statements
    return s[s["enterprise"] == ent].iloc[0]


# --------------------------------------------------------------------------- the factor


def test_electricity_factor_by_year():
    rules = default_rules()
    # 2025 and before: GB 27999-2019 counts the electricity as zero
    assert electricity_fuel_factor(rules.for_year(2025)) == 0.0
    # 2026: 0.1131 L/kWh x 1.0
    assert electricity_fuel_factor(rules.for_year(2026)) == pytest.approx(0.1131, abs=1e-15)
    p = rules.for_year(2026).parameter("cafc.electricity_fuel_energy_factor")
    assert (p.unit, p.status) == ("L/kWh", "secondary")
    assert rules.for_year(2026).parameter("cafc.electricity_efficiency_factor").status == \
        "provisional"


# --------------------------------------------------------------------------- one BEV


def test_2026_bev_with_its_electricity_counted():
    # FC = 10.528 kWh/100 km x 0.1131 L/kWh = 1.1907168 L/100 km
    # T_ent = round(2.775225) = 2.78; C = round(2.78 x 1.41 = 3.9198) = 3.92
    # A = round(1.1907168) = 1.19 (W = 1); credits = (3.92 - 1.19) x 1000 = 2730
    # NEV: Y(1200) = 0.0078 x 1200 + 3.8 = 13.16; 13.16 / 10.528 = 1.25;
    #      0.0017 x 400 + 0.15 = 0.83; 0.83 x 1.25 = 1.0375 -> 1.04; 1000 x 1.04 = 1040
    res = run([bev("E", 2026, 1000)])
    m = mdl(res, "bev")
    assert m["electricity_factor_l_per_kwh"] == pytest.approx(0.1131, abs=1e-15)
    assert m["electricity_fuel_equivalent_l_per_100km"] == pytest.approx(1.1907168, abs=1e-12)
    assert m["fuel_consumption_accounted_l_per_100km"] == pytest.approx(1.1907168, abs=1e-12)
    assert m["target_l_per_100km"] == pytest.approx(2.775225, abs=1e-12)
    assert m["cafc_multiplier"] == 1.0
    s = stmt(res)
    assert s["cafc_target_l_per_100km"] == 2.78
    assert s["cafc_compliance_l_per_100km"] == 3.92
    assert s["cafc_actual_l_per_100km"] == 1.19
    assert s["cafc_credits"] == 2730
    assert s["nev_earned_credits"] == 1040
    # CO2 reference value: 1.19 x 2.37 x 10 = 28.203 g/km; no conventional car
    assert s["cafc_co2_reference_g_per_km"] == pytest.approx(28.203, abs=1e-9)
    assert math.isnan(s["conventional_cafc_unweighted_l_per_100km"])


def test_2025_bev_counts_zero():
    # the same BEV in 2025: FC 0, factor 0; T_ent = round(0.0018 x (1200-1415) + 4.60
    # = 4.213) = 4.21 = C; credits 4.21 x 1000 = 4210 (unchanged from before GB 27999-2025)
    res = run([bev("E", 2025, 1000)])
    m = mdl(res, "bev")
    assert m["electricity_factor_l_per_kwh"] == 0.0
    assert m["fuel_consumption_accounted_l_per_100km"] == 0.0
    s = stmt(res)
    assert (s["cafc_actual_l_per_100km"], s["cafc_credits"]) == (0.0, 4210)
    assert math.isnan(s["cafc_co2_reference_g_per_km"])
    assert math.isnan(s["conventional_cafc_unweighted_l_per_100km"])


# --------------------------------------------------------------------------- one PHEV


def test_2026_phev_with_charge_depleting_electricity():
    # electricity part = UF x EC_cd x k = 0.5 x 20.0 x 0.1131 = 1.131; FC = 1.50 + 1.131 = 2.631
    # T_ent = round(3.486225) = 3.49; C = round(3.49 x 1.41 = 4.9209) = 4.92; A = 2.63
    # credits = (4.92 - 2.63) x 1000 = 2290
    # CD test: Y(1800) = 0.0048 x 1800 + 8.6 = 17.24; 1.35 x 17.24 = 23.274 >= 20: factor 1;
    # PHEV credit 0.5 -> 500
    res = run([phev("E", 2026, 1000)])
    m = mdl(res, "phev")
    assert m["electricity_fuel_equivalent_l_per_100km"] == pytest.approx(1.131, abs=1e-12)
    assert m["fuel_consumption_accounted_l_per_100km"] == pytest.approx(2.631, abs=1e-12)
    assert m["nev_cd_factor"] == 1.0
    assert m["unchecked_inputs"] == ""  # CD input given; low temperature is BEV only
    s = stmt(res)
    assert (s["cafc_target_l_per_100km"], s["cafc_compliance_l_per_100km"],
            s["cafc_actual_l_per_100km"]) == (
        3.49, 4.92, 2.63)
    assert s["cafc_credits"] == 2290
    assert s["nev_earned_credits"] == 500


@pytest.mark.parametrize(
    ("year", "ec_cd", "factor", "credit"),
    [
        (2026, 23.27, 1.0, 0.5),   # 23.27 <= 23.274
        (2026, 23.28, 0.5, 0.25),  # 23.28 > 23.274: 0.5 x 0.5
        (2024, 23.28, 0.5, 0.5),   # 2024: PHEV 1.0 x 0.5
    ],
)
def test_phev_charge_depleting_test(year, ec_cd, factor, credit):
    res = run([phev("E", year, 1000, ec_cd=ec_cd)])
    m = mdl(res, "phev")
    assert m["nev_cd_factor"] == factor
    assert m["nev_credit_per_vehicle"] == credit
    assert float(phev_cd_factor([ec_cd], [1800.0], default_rules().for_year(year))[0]) == factor


def test_phev_without_charge_depleting_input_is_reported_not_tested():
    # 2024: the electricity is not counted, so the input is optional; the test is skipped
    row = phev("E", 2024, 1000)
    del row["phev_cd_energy_consumption_kwh_per_100km"], row["phev_utility_factor"]
    res = run([row])
    m = mdl(res, "phev")
    assert m["nev_cd_factor"] == 1.0
    assert m["unchecked_inputs"] == "charge_depleting"
    assert stmt(res)["unchecked_optional_inputs"] == "charge_depleting"
    assert "phev.cd_consumption_limit_ratio" not in stmt(res)["provisional_parameter_keys"]
    # given, the test is applied and its provisional keys are reported
    tested = run([phev("E", 2024, 1000)])
    assert "phev.cd_consumption_limit_ratio" in stmt(tested)["provisional_parameter_keys"]


# --------------------------------------------------------------------------- combined fleet

# Combined fleet: ICE 30000 (6.00 L), HEV 10000 (3.10 L), PHEV 5000 (1.50 L, EC_cd 20, UF 0.5),
# BEV 8000 (EC 10.528), FCEV 100 (P 50); V = 53100, conventional 40000.
#   sum T x V = 3.130725 x 30000 + 3.03 x 10000 + 3.486225 x 5000 + 2.775225 x 8000
#               + 3.604725 x 100
#             = 93921.75 + 30300 + 17431.125 + 22201.8 + 360.4725 = 164215.1475
#   T_ent = 164215.1475 / 53100 = 3.092564 -> 3.09
#   sum FC x V = 6.00 x 30000 + 3.10 x 10000 + 2.631 x 5000 + 1.1907168 x 8000
#              = 180000 + 31000 + 13155 + 9525.7344 = 233680.7344
#   A = 233680.7344 / 53100 (W = 1) = 4.400767 -> 4.40
#   conventional CAFC = (180000 + 31000) / 40000 = 5.275 -> 5.28 (half up)
#   CO2 reference = 4.40 x 2.37 x 10 = 104.28 g/km
#   NEV earned = 5000 x 0.5 + 8000 x 1.04 + 100 x 2.5 = 2500 + 8320 + 250 = 11070
# year: (C, low-FC threshold ICE, HEV, CAFC credits, NEV requirement)
#   2026: C = round(3.09 x 1.41 = 4.3569) = 4.36; (4.36 - 4.40) x 53100 = -2124
#         ICE threshold round(3.130725 x 1.41 = 4.41432) = 4.41 (6.00 not low);
#         HEV round(3.03 x 1.41 = 4.2723) = 4.27 (3.10 low, f = 0.1);
#         requirement 0.48 x (30000 + 0.1 x 10000) = 0.48 x 31000 = 14880
#   2027: C = round(3.09 x 1.31 = 4.0479) = 4.05; (4.05 - 4.40) x 53100 = -18585
#         ICE round(3.130725 x 1.31 = 4.10125) = 4.10; HEV round(3.03 x 1.31 = 3.9693) = 3.97;
#         requirement 0.58 x 31000 = 17980
COMBO = {
    2026: (4.36, 4.41, 4.27, -2124, 14880),
    2027: (4.05, 4.10, 3.97, -18585, 17980),
}


def combo(y):
    return [ice("E", y, 30000), hev("E", y, 10000), phev("E", y, 5000), bev("E", y, 8000),
            fcev("E", y, 100)]


@pytest.mark.parametrize("year", sorted(COMBO))
def test_combined_fleet_2026_2027(year):
    c, thr_ice, thr_hev, cafc, req = COMBO[year]
    res = run(combo(year))
    assert mdl(res, "ice")["low_fc_threshold_l_per_100km"] == thr_ice
    assert not mdl(res, "ice")["low_fc"]
    assert mdl(res, "hev")["low_fc_threshold_l_per_100km"] == thr_hev
    assert mdl(res, "hev")["low_fc"]
    assert mdl(res, "fcev")["fuel_consumption_accounted_l_per_100km"] == 0.0  # no H2 rule read
    s = stmt(res)
    assert s["cafc_target_l_per_100km"] == 3.09
    assert s["cafc_compliance_l_per_100km"] == c
    assert s["cafc_actual_l_per_100km"] == 4.40
    assert s["cafc_credits"] == cafc
    assert s["nev_earned_credits"] == 11070
    assert s["nev_requirement_credits"] == req
    assert s["nev_credits"] == 11070 - req
    assert s["conventional_cafc_unweighted_l_per_100km"] == 5.28
    assert s["cafc_co2_reference_g_per_km"] == pytest.approx(104.28, abs=1e-9)
    keys = s["provisional_parameter_keys"].split(";")
    for k in ("cafc.electricity_efficiency_factor", "cafc.co2_per_litre", "cafc.requirement",
              "cafc_target.slope"):
        assert k in keys, k
    assert "cafc.multiplier_nev" not in keys  # secondary from 2026


# --------------------------------------------------------------------------- multipliers


def _mult_fleet(y):
    return [ice("E", y, 30000), hev("E", y, 10000), bev("E", y, 8000)]


def test_cafc_with_and_without_multipliers(tmp_path):
    # 2024 (GB 27999-2019 multipliers): ICE 6.00 > 3.20: W 1; HEV 3.10 <= 3.20: W 1.1; BEV W 1.3
    #   sum V x W = 30000 + 11000 + 10400 = 51400; sum FC x V = 180000 + 31000 = 211000
    #   A = 211000 / 51400 = 4.105058 -> 4.11
    r24 = run(_mult_fleet(2024))
    assert (mdl(r24, "hev")["cafc_multiplier"], mdl(r24, "bev")["cafc_multiplier"]) == (1.1, 1.3)
    assert stmt(r24)["cafc_actual_l_per_100km"] == 4.11
    # 2025: the 2019 standard's multipliers have already reached 1.0: A = 211000 / 48000
    #   = 4.395833 -> 4.40
    assert stmt(run(_mult_fleet(2025)))["cafc_actual_l_per_100km"] == 4.40
    # 2026 (removed): W = 1 everywhere, electricity counted:
    #   sum FC x V = 211000 + 8000 x 1.1907168 = 220525.7344; A = 220525.7344 / 48000
    #   = 4.594286 -> 4.59
    r26 = run(_mult_fleet(2026))
    assert set(r26.models["cafc_multiplier"]) == {1.0}
    assert stmt(r26)["cafc_actual_l_per_100km"] == 4.59
    # 2026 with the electricity switched off by a user rulebook: only the multipliers' removal
    # acts: 211000 / 48000 = 4.40
    user = tmp_path / "no_elec.toml"
    user.write_text('[[parameter]]\nkey = "cafc.electricity_counted"\nyears = 2026\n'
                    'value = false\nunit = "1"\nstatus = "scenario"\nsource = "test"\n',
                    encoding="utf-8")
    r26_off = run(_mult_fleet(2026), rules=load_rules(user))
    assert stmt(r26_off)["cafc_actual_l_per_100km"] == 4.40


# --------------------------------------------------------------------------- CO2 and conventional


def test_co2_reference_value_and_preset():
    # ICE only, 30000 x 6.00 L: A = 6.00; CO2 = 6.00 x 2.37 x 10 = 142.2 g/km
    # conventional CAFC = 6.00
    s = stmt(run([ice("E", 2026, 30000)]))
    assert s["cafc_co2_reference_g_per_km"] == pytest.approx(142.2, abs=1e-9)
    assert s["conventional_cafc_unweighted_l_per_100km"] == 6.00
    # the conversion basis uses the same bridge: 1 CAFC credit = 1 L/100 km x 150,000 km
    #   = 1500 L x 2.37 kg/L = 3555 kg = 3.555 t
    b = get_basis("gb27999-co2")
    p = default_rules().for_year(2026).parameter("cafc.co2_per_litre")
    assert b.co2_per_litre.magnitude == p.value == 2.37
    assert b.statuses["co2_per_litre"] == p.status == "provisional"
    assert tonnes_per_credit(b).to("t_CO2e / cafc_credit").magnitude == pytest.approx(3.555)


def test_conventional_cafc_has_no_multipliers_and_no_nev():
    # ICE 20000 x 7.00 + HEV 20000 x 3.00 = 140000 + 60000 = 200000 over 40000 -> 5.00;
    # the BEV does not enter it
    s = stmt(run([ice("E", 2026, 20000, fc=7.00), hev("E", 2026, 20000, fc=3.00),
                  bev("E", 2026, 5000)]))
    assert s["conventional_cafc_unweighted_l_per_100km"] == 5.00


# --------------------------------------------------------------------------- inputs


def test_missing_electricity_strict_and_neutral():
    row = bev("E", 2026, 1000, nev_credit_per_vehicle=1.0)
    del row["energy_consumption_kwh_per_100km"]
    with pytest.raises(FleetError, match=r"energy_consumption_kwh_per_100km.*2026.*neutral"):
        run([row])
    res = run([row], adjustments="neutral")
    m = mdl(res, "bev")
    assert m["fuel_consumption_accounted_l_per_100km"] == 0.0
    assert m["neutral_factors"] == "electricity"
    assert len(res.neutral_models) == 1
    # a 2025 BEV with an official credit needs no consumption
    row25 = dict(row, year=2025)
    assert mdl(run([row25]), "bev")["neutral_factors"] == ""

    p = phev("E", 2026, 1000)
    del p["phev_utility_factor"]
    with pytest.raises(FleetError) as exc:
        run([p])
    assert exc.value.column == "phev_utility_factor"


def test_low_temperature_factor():
    # 2026 BEV with factor 0.9: 0.83 x 1.25 x 0.9 = 0.93375 -> 0.93
    res = run([bev("E", 2026, 1000, nev_low_temperature_factor=0.9)])
    m = mdl(res, "bev")
    assert m["nev_low_temperature_applied_factor"] == 0.9
    assert m["nev_credit_per_vehicle"] == 0.93
    assert m["unchecked_inputs"] == ""
    # absent: 1.0, reported
    res = run([bev("E", 2026, 1000)])
    assert mdl(res, "bev")["nev_credit_per_vehicle"] == 1.04
    assert stmt(res)["unchecked_optional_inputs"] == "low_temperature"
    assert "nev.low_temperature_factor_applies" in stmt(res)["provisional_parameter_keys"]
    # given in a year whose rules apply none: refused
    with pytest.raises(FleetError, match=r"nev\.low_temperature_factor_applies"):
        run([bev("E", 2025, 1000, nev_low_temperature_factor=0.9)])
