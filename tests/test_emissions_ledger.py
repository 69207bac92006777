"""The environmental ledger (issue 13): a two-enterprise case computed by hand, signs pinned."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimize import PLAN_COLUMNS, parse_scenario
from optimize.emissions import EMISSION_COLUMNS, emissions_ledger, emissions_summary

# basis ttw-lab: 1 L/100 km x 150,000 km / 100 x 2.348 kg/L x gap 1.0 = 1,500 L x 2.348
# = 3,522 kg = 3.522 t CO2e per CAFC credit (physical); policy rate 0.5 credit/t = 2.0 t/credit
PHYS, POL = 3.522, 2.0


def scenario(cea_retired=True):
    return parse_scenario({
        "scenario": {"name": "two", "years": [2024, 2025]},
        "enterprise": [
            {"name": "A", "cafc_credits": [-25, 0], "nev_credits": [0, 0],
             "technology": [{"name": "bev", "cost_cny_per_unit": 5000,
                             "max_units_per_year": 1000, "cafc_credits_per_unit": 0.5,
                             "nev_credits_per_unit": 2.0, "co2_change_t_co2e_per_unit": -20.0}]},
            {"name": "B", "cafc_credits": [0, 10], "nev_credits": [0, 0]},
        ],
        "market": {"nev_buy_price_cny_per_credit": 1000, "supply_demand_ratio": 1.8},
        "linkage": {"basis": "ttw-lab", "exchange_rate_credits_per_t_co2e": 0.5,
                    "cea_price_cny_per_t_co2e": 100,
                    "allow_credit_offsets": True},
        "ets": {"covered_emissions_t_co2e": 1e10, "cea_retired": cea_retired},
    }, file="two.toml")


def plan():
    rows = [  # enterprise, year, instrument, vintage, action, quantity, unit, cash, cp
        ("A", 2024, "technology", 2024, "technology", 100.0, "unit", -500_000.0, "bev"),
        ("A", 2024, "cea", 2024, "buy", 50.0, "t_CO2e", -5_000.0, None),
        ("A", 2024, "cea", 2024, "offset_cafc", 25.0, "credit", 0.0, None),
        ("A", 2024, "cafc_deficit", 2024, "offset_cafc", 25.0, "credit", 0.0, None),
        ("B", 2025, "cafc", 2025, "earn", 10.0, "credit", 0.0, None),
        ("B", 2025, "cafc", 2025, "sell_offset", 10.0, "credit", 2_000.0, None),
    ]
    return pd.DataFrame(rows, columns=PLAN_COLUMNS)


def cell(ledger, e, y, col):
    return float(ledger.loc[(ledger["enterprise"] == e) & (ledger["year"] == y), col].iloc[0])


def test_physical_rate_is_the_basis():
    sc = scenario()
    assert sc.basis_t_co2e_per_credit == pytest.approx(PHYS)
    assert sc.link.t_co2e_per_credit == pytest.approx(POL)


def test_two_enterprise_case_by_hand():
    led = emissions_ledger(plan(), scenario())
    assert list(led.columns) == EMISSION_COLUMNS
    assert len(led) == 4  # 2 enterprises x 2 years
    # A 2024: 100 units x -20 t = -2,000 t (less CO2: negative)
    assert cell(led, "A", 2024, "vehicle_lifetime_change_t_co2e") == pytest.approx(-2000.0)
    # 25 credits of deficit cleared by CEAs x 3.522 t = 88.05 t emitted above the standard
    assert cell(led, "A", 2024, "deficit_covered_by_cea_t_co2e") == pytest.approx(88.05)
    # 50 t of CEAs bought leave the ETS
    assert cell(led, "A", 2024, "cea_retired_t_co2e") == pytest.approx(50.0)
    assert cell(led, "A", 2024, "offsets_into_ets_t_co2e") == 0.0
    # net: -2,000 + 88.05 - 50 + 0 = -1,961.95
    assert cell(led, "A", 2024, "net_change_t_co2e") == pytest.approx(-1961.95)
    # gap: 25 x (3.522 - 2.0) = 38.05 t the policy rate lets the fleet emit on paper
    assert cell(led, "A", 2024, "integrity_gap_t_co2e") == pytest.approx(38.05)
    # B 2025: 10 credits sold as offsets / 0.5 credit/t = 20 t more ETS emissions (positive)
    assert cell(led, "B", 2025, "offsets_into_ets_t_co2e") == pytest.approx(20.0)
    assert cell(led, "B", 2025, "net_change_t_co2e") == pytest.approx(20.0)
    # gap: 10 x (2.0 - 3.522) = -15.22 t
    assert cell(led, "B", 2025, "integrity_gap_t_co2e") == pytest.approx(-15.22)
    # years without rows are zero, and every row names its basis
    assert cell(led, "A", 2025, "net_change_t_co2e") == 0.0
    assert set(led["basis"]) == {"ttw-lab"}


def test_cea_not_retired():
    led = emissions_ledger(plan(), scenario(cea_retired=False))
    assert cell(led, "A", 2024, "cea_retired_t_co2e") == 0.0
    # -2,000 + 88.05 = -1,911.95
    assert cell(led, "A", 2024, "net_change_t_co2e") == pytest.approx(-1911.95)


def test_summary_totals():
    s = emissions_summary(emissions_ledger(plan(), scenario()))
    # -1,961.95 + 20 = -1,941.95
    assert s["total"]["net_change_t_co2e"] == pytest.approx(-1941.95)
    # 38.05 - 15.22 = 22.83
    assert s["total"]["integrity_gap_t_co2e"] == pytest.approx(22.83)
    assert s["by_year"]["2025"]["offsets_into_ets_t_co2e"] == pytest.approx(20.0)
    assert s["by_enterprise"]["B"]["vehicle_lifetime_change_t_co2e"] == 0.0
    assert s["basis"] == "ttw-lab"
    assert all(k.endswith("_t_co2e") for k in s["total"])


def test_no_gap_when_the_rate_is_the_basis():
    sc = scenario()
    sc.basis_t_co2e_per_credit = POL
    led = emissions_ledger(plan(), sc)
    assert np.allclose(led["integrity_gap_t_co2e"], 0.0)


def test_summary_json_holds_the_emissions(tmp_path):
    """An optimised scenario's summary carries the ledger: A covers 25 CAFC credits with CEAs
    (buy price 1,100 CNY/credit vs 2.0 t x 100 CNY/t = 200 CNY/credit)."""
    from optimize import optimize_scenario

    sc = scenario()
    sc.enterprises = sc.enterprises[:1]
    s = optimize_scenario(sc).summary()
    e = s["emissions"]
    # 25 credits x 3.522 = 88.05 t above the standard; 25 / 0.5 = 50 t of CEAs retired
    assert e["total"]["deficit_covered_by_cea_t_co2e"] == pytest.approx(88.05)
    assert e["total"]["cea_retired_t_co2e"] == pytest.approx(50.0)
    assert e["total"]["net_change_t_co2e"] == pytest.approx(38.05)
    assert e["basis"] == "ttw-lab"
