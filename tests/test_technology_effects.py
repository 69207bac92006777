"""Per-unit effects of fleet-derived technology options, checked against hand accounting.

Fleet of one enterprise E: 40,000 ICE at 6.0 L/100 km and 20,000 BEV (official NEV credit
2.0 per vehicle), all 1,500 kg, so the CAFC target value (4.75) does not move with the mix.
"""

from __future__ import annotations

import pandas as pd
import pytest

from conversions import get_basis
from linkage.errors import InputError
from linkage.rules import default_rules
from linkage.technology import fleet_option_effects, vehicle_lifetime_co2_t

SHIFT = {"kind": "shift", "from_model": "ice", "to_model": "bev"}


def fleet(year: int) -> pd.DataFrame:
    return pd.DataFrame([
        {"enterprise": "E", "year": year, "model": "ice", "powertrain": "ICE",
         "volume_vehicles": 40_000, "curb_mass_kg": 1500.0, "fuel_consumption_l_per_100km": 6.0},
        {"enterprise": "E", "year": year, "model": "bev", "powertrain": "BEV",
         "volume_vehicles": 20_000, "curb_mass_kg": 1500.0, "electric_range_km": 400.0,
         "energy_consumption_kwh_per_100km": 13.0, "battery_energy_density_wh_per_kg": 150.0,
         "nev_credit_per_vehicle": 2.0},
    ])


def effects(year, option, units):
    return fleet_option_effects(fleet(year), "E", option, {year: units}, default_rules(),
                                get_basis("ttw-lab"))[year]


def test_shift_2025_multipliers_one_exactly_linear():
    e = effects(2025, SHIFT, 1000)
    # CAFC actual 6 x 40,000 / 60,000 = 4.00 -> 6 x 39,000 / 60,000 = 3.90 (multiplier 1):
    # credits (4.75 - 3.90) x 60,000 - (4.75 - 4.00) x 60,000 = 6,000 / 1,000 units = 6.0
    assert e.cafc_credits_per_unit == pytest.approx(6.0)
    # NEV: +2.0 earned, requirement 0.38 x 40,000 = 15,200 -> 0.38 x 39,000 = 14,820:
    # 2.0 + 0.38 = 2.38 per unit
    assert e.nev_credits_per_unit == pytest.approx(2.38)
    # half-way (500 units): actual 6 x 39,500 / 60,000 = 3.95, credits 48,000 = 45,000 +
    # 500 x 6.0: no error
    assert e.cafc_error_credits == pytest.approx(0.0)
    assert e.nev_error_credits == pytest.approx(0.0)
    # ttw-lab: BEV 13 kWh/100 km x 1,500 x 0.5306 kg/kWh = 10.3467 t; ICE 6 x 1,500 x 2.348
    # = 21.132 t; -10.7853 t per vehicle moved
    assert e.co2_change_t_co2e_per_unit == pytest.approx(-10.7853)
    assert e.basis == "ttw-lab"


def test_shift_2023_multiplier_linearisation_error_reported():
    e = effects(2023, SHIFT, 1000)
    # multiplier 1.6 for NEVs in the CAFC denominator, compliance value 5.46:
    # before 240,000 / (40,000 + 1.6 x 20,000 = 72,000) = 3.333 -> 3.33: (5.46 - 3.33) x 60,000
    # = 127,800; after 234,000 / (39,000 + 1.6 x 21,000 = 72,600) = 3.223 -> 3.22: 134,400;
    # secant 6,600 / 1,000 = 6.6
    assert e.cafc_credits_per_unit == pytest.approx(6.6)
    # half-way: 237,000 / (39,500 + 32,800 = 72,300) = 3.278 -> 3.28: 130,800 exact; linear
    # 127,800 + 500 x 6.6 = 131,100: error +300 credits
    assert e.cafc_error_credits == pytest.approx(300.0)
    # NEV ratio 2023 0.18: 2.0 + 0.18 = 2.18 (linear)
    assert e.nev_credits_per_unit == pytest.approx(2.18)
    assert e.nev_error_credits == pytest.approx(0.0)


def test_efficiency_2025():
    e = effects(2025, {"kind": "efficiency", "model": "ice", "reduction_l_per_100km": 0.5},
                1200)
    # 6 x 38,800 + 5.5 x 1,200 = 239,400 / 60,000 = 3.99: credits (4.75 - 3.99) x 60,000
    # = 45,600, +600 over 45,000: 0.5 per vehicle improved
    assert e.cafc_credits_per_unit == pytest.approx(0.5)
    assert e.nev_credits_per_unit == pytest.approx(0.0)
    # half-way: 6 x 39,400 + 5.5 x 600 = 239,700 / 60,000 = 3.995 -> 4.00 (rounded half up):
    # 45,000 exact, linear 45,000 + 600 x 0.5 = 45,300: the rounding's error, +300
    assert e.cafc_error_credits == pytest.approx(300.0)
    # -0.5 L/100 km x 1,500 x 2.348 kg/L = -1.761 t
    assert e.co2_change_t_co2e_per_unit == pytest.approx(-1.761)


def test_lifetime_co2_of_rows():
    co2 = vehicle_lifetime_co2_t(fleet(2025), get_basis("ttw-lab"))
    assert co2 == pytest.approx([21.132, 10.3467])


def test_bad_options():
    with pytest.raises(InputError) as err:
        effects(2025, {**SHIFT, "from_model": "suv"}, 10)
    assert err.value.key == "from_model" and "'ice'" in str(err.value)
    with pytest.raises(InputError) as err:
        effects(2025, SHIFT, 50_000)
    assert err.value.key == "max_units_per_year"
    with pytest.raises(InputError) as err:
        effects(2025, {"kind": "efficiency", "model": "bev", "reduction_l_per_100km": 0.5}, 10)
    assert err.value.key == "model"
