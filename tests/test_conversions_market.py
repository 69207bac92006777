"""conversions.carbon_market: CEA prices, grid factors, NEV credit prices and the ETS rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from conversions import (
    Q_,
    PenaltyMultipleError,
    ccer_offset_limit,
    ccer_price,
    cea_price,
    cea_prices,
    ets_fact,
    ets_facts,
    ets_penalty,
    get_basis,
    grid_factor,
    grid_factors,
    implied_carbon_price,
    nev_credit_price,
    nev_credit_prices,
    penalty_multiple_range,
    ureg,
)
from conversions.errors import ArgumentError

STATUSES = {"official", "secondary", "provisional", "scenario"}


def test_ets_penalty_worked_case_exact():
    # 865,300 t x 98.00 CNY/t x 5 = 423,997,000 CNY (reference section 2)
    fine = ets_penalty(865_300, 98.00, price_multiplier=5)
    assert fine.units == ureg.CNY
    assert fine.magnitude == 423_997_000
    # the same with Quantities in other units: 865.3 kt
    fine = ets_penalty(Q_(865.3, "kt_CO2e"), Q_(98.00, "CNY/t_CO2e"))
    assert fine.magnitude == pytest.approx(423_997_000, rel=1e-15)


def test_ets_penalty_range_and_vectorised():
    assert penalty_multiple_range() == (5.0, 10.0)
    # 865,300 x 98 x 10 = 847,994,000
    assert ets_penalty(865_300, 98.00, price_multiplier=10).magnitude == 847_994_000
    fines = ets_penalty(np.array([1000.0, 0.0, 2500.0]), 60.0, price_multiplier=7.5)
    np.testing.assert_array_equal(fines.magnitude, [450_000.0, 0.0, 1_125_000.0])


@pytest.mark.parametrize("multiple", [4.99, 10.01, 0, 20, float("nan")])
def test_ets_penalty_multiple_outside_range_raises(multiple):
    with pytest.raises(PenaltyMultipleError, match=r"\[5, 10\]"):
        ets_penalty(865_300, 98.00, price_multiplier=multiple)


def test_ets_penalty_rejects_negative_and_wrong_units():
    with pytest.raises(ArgumentError, match="shortfall_t_co2e"):
        ets_penalty(-1, 98.0)
    with pytest.raises(Exception, match="Cannot convert"):
        ets_penalty(Q_(1, "kg"), 98.0)  # a fuel mass is not an allowance shortfall


def test_cea_prices():
    df = cea_prices().set_index("year")
    assert list(df.index) == [2021, 2022, 2023, 2024, 2025]
    assert df["average_price_cny_per_t_co2e"].to_dict() == {2021: 42.8, 2022: 55.30, 2023: 68.15,
                                                  2024: 95.8, 2025: 62.36}
    assert df.loc[2022, "close_price_cny_per_t_co2e"] == 55.00
    assert df.loc[2023, "close_price_cny_per_t_co2e"] == 79.42
    assert df.loc[2024, "close_price_cny_per_t_co2e"] == 97.49
    assert math.isnan(df.loc[2021, "close_price_cny_per_t_co2e"])
    assert math.isnan(df.loc[2025, "close_price_cny_per_t_co2e"])
    # 2021: 7.661 bn CNY / 179 Mt = 42.799 CNY/t
    assert df.loc[2021, "average_price_cny_per_t_co2e"] == pytest.approx(7.661e9 / 179e6, abs=0.01)
    assert set(df["status"]) <= STATUSES
    assert (df["source"].str.len() > 10).all()
    assert cea_price(2024, "close") == Q_(97.49, "CNY/t_CO2e")
    assert cea_price(2025).magnitude == 62.36
    with pytest.raises(ArgumentError, match="no close CEA price for 2021"):
        cea_price(2021, "close")
    with pytest.raises(ArgumentError, match="2021, 2022"):
        cea_price(2019)


def test_cea_prices_returns_a_copy():
    df = cea_prices()
    df.loc[0, "average_price_cny_per_t_co2e"] = -1
    assert cea_price(2021).magnitude == 42.8


def test_grid_factors():
    df = grid_factors()
    nat = df[(df["region"] == "national") & (df["kind"] == "average")].set_index("year")
    assert nat["grid_factor_kg_co2e_per_kwh"].to_dict() == {2021: 0.5568, 2022: 0.5366,
                                                            2023: 0.5306}
    assert set(nat["status"]) == {"official"}
    regional = df[(df["region"] != "national")].set_index("region")["grid_factor_kg_co2e_per_kwh"]
    assert regional.to_dict() == {"north": 0.6361, "north-east": 0.5122, "east": 0.5500,
                                  "central": 0.5271, "north-west": 0.5543, "south": 0.4042,
                                  "south-west": 0.2472}
    rep = df[df["kind"] == "reporting"]
    assert rep["grid_factor_kg_co2e_per_kwh"].tolist() == [0.5703]
    assert rep["status"].tolist() == ["provisional"]
    assert grid_factor(2023, "south-west") == Q_(0.2472, "kg_CO2e/kWh")
    assert grid_factor(None, kind="reporting").magnitude == 0.5703
    # the presets use the 2023 national factor
    assert get_basis("ttw-real-world").grid_factor == grid_factor(2023)
    with pytest.raises(ArgumentError, match="the data hold"):
        grid_factor(2021, "south")


def test_nev_credit_prices():
    df = nev_credit_prices().set_index("year")
    assert df["average_price_cny_per_credit"].to_dict() == {2020: 1204, 2021: 2088, 2022: 1128}
    # 2022: secondary (MIIT via the press), corrected from provisional by the audit (issue 11)
    assert df["status"].to_dict() == {2020: "secondary", 2021: "secondary",
                                      2022: "secondary"}
    assert nev_credit_price(2021) == Q_(2088, "CNY/nev_credit")


def test_ets_facts():
    df = ets_facts()
    assert set(df["status"]) <= STATUSES
    assert (df["source"].str.len() > 10).all()
    assert ccer_offset_limit().m_as("dimensionless") == 0.05
    assert ccer_price(2025) == Q_(70.76, "CNY/t_CO2e")
    assert ets_fact("ccer.restart_date") == "2024-01-22"
    assert ets_fact("ets.launch_date") == "2021-07-16"
    with pytest.raises(ArgumentError, match="known keys"):
        ets_fact("penalty.multiple")


def test_implied_price_gap_to_the_cea_price():
    # 2021: 2,088 CNY / 4.82514 t = 432.7 CNY/t against a CEA average of 42.8: about 10 x,
    # inside the reference's "5-14 x the CEA price"
    implied = implied_carbon_price(nev_credit_price(2021), "ttw-real-world")
    ratio = (implied / cea_price(2021)).m_as("dimensionless")
    assert ratio == pytest.approx(432.7335 / 42.8, rel=1e-5)
    assert 5 <= ratio <= 14
