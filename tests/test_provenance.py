"""Provenance that nothing escapes (issue 11 item 6): the provisional or scenario parameters a
result relied on are recorded by the rulebook lookups themselves and reported by statements, the
enterprise optimizer, the industry model, sweeps and the brief.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from linkage import compute_credits
from linkage.brief import _used_parameters
from linkage.ledger import simulate
from linkage.rules import default_rules, record_lookups
from optimize import load_scenario, optimize_scenario
from optimize.industry import IndustryModel
from optimize.sweep import run_scenarios

ROOT = Path(__file__).resolve().parents[1]
POOL_SHARES = {"pool.deposit_share", "pool.withdrawal_share"}


# --------------------------------------------------------------------------- the recorder


def test_lookups_are_recorded_with_year_status_and_source():
    book = default_rules().for_year(2024)
    with record_lookups() as log:
        assert book["pool.deposit_share"] == 1.0  # provisional (pool.toml)
        assert book["nev.ratio"] == 0.28  # official: recorded, not unverified
    assert log.keys() == ["nev.ratio", "pool.deposit_share"]
    assert log.unverified() == ["pool.deposit_share"]
    (entry,) = log.entries()
    assert (entry["year"], entry["key"], entry["status"]) == (2024, "pool.deposit_share",
                                                              "provisional")
    # reporting a parameter is not relying on it
    with record_lookups() as quiet:
        book.parameter("pool.withdrawal_share")
        book.to_frame()
    assert len(quiet) == 0


def test_nested_logs_both_record_and_nothing_after_the_block():
    book = default_rules().for_year(2025)
    with record_lookups() as outer:
        with record_lookups() as inner:
            book["pool.withdrawal_share"]
        book["cafc.requirement"]
    book["pool.validity_years"]  # outside every block
    assert inner.keys() == ["pool.withdrawal_share"]
    assert outer.keys() == ["cafc.requirement", "pool.withdrawal_share"]


def test_ledger_simulation_lookups_are_recorded():
    st = pd.DataFrame({"enterprise": ["A", "B"], "year": 2024, "cafc_credits": 0.0,
                       "nev_credits": [500.0, -100.0], "nev_carry_eligible": True,
                       "group": ["A", "B"]})
    with record_lookups() as log:
        simulate(st, [2024], prices=1000.0)
    assert POOL_SHARES <= set(log.unverified())
    assert "pool.ratio_basis" in log.unverified()  # the ratio was computed from statements


# --------------------------------------------------------------------------- statements


def _ice(e, y, v=1000):
    return dict(enterprise=e, year=y, model="ice", powertrain="ICE", volume_vehicles=v,
                curb_mass_kg=1500.0, fuel_consumption_l_per_100km=6.0)


def _bev(e, y, v=1000, **kw):
    return dict(enterprise=e, year=y, model="bev", powertrain="BEV", volume_vehicles=v,
                curb_mass_kg=1200.0, electric_range_km=400.0,
                energy_consumption_kwh_per_100km=13.16, battery_energy_density_wh_per_kg=150.0,
                **kw)


def _keys(res, e, y):
    s = res.statements
    row = s[(s["enterprise"] == e) & (s["year"] == y)].iloc[0]
    keys = [k for k in row["provisional_parameter_keys"].split(";") if k]
    assert row["provisional_parameters"] == len(keys)
    return set(keys)


def test_statement_keys_follow_what_each_enterprise_relied_on():
    fleet = pd.DataFrame([
        _ice("IceOnly", 2021),
        _ice("WithBev", 2021), _bev("WithBev", 2021),
        _ice("OfficialBev", 2021), _bev("OfficialBev", 2021, nev_credit_per_vehicle=2.0),
        _ice("Small", 2024, 1500),
    ])
    ents = pd.DataFrame([dict(enterprise="Small", small_independent=True,
                              previous_cafc_actual_l_per_100km=6.50)])
    res = compute_credits(fleet, ents)
    ice_only, with_bev = _keys(res, "IceOnly", 2021), _keys(res, "WithBev", 2021)
    # the per-model target curve is provisional (reference 3.1) and used by everyone
    assert "cafc_target.slope" in ice_only
    # a computed BEV adds the BEV formula's provisional keys, and only then
    bev_keys = with_bev - ice_only
    assert {"bev.range_factor_values", "bev.consumption_slopes"} <= bev_keys
    assert all(k.startswith("bev.") for k in bev_keys)
    # an official per-vehicle credit replaces the formula: no BEV keys relied on
    assert _keys(res, "OfficialBev", 2021) == ice_only
    # a small enterprise relies on the relief reading (provisional)
    assert "small_enterprise.relief_form" in _keys(res, "Small", 2024)
    assert not any(k.startswith("small_enterprise.") for k in ice_only)
    # official keys are never counted
    assert "nev.ratio" not in with_bev


def test_statement_counts_match_the_former_hand_kept_lists():
    # The hand-kept key lists removed from linkage/accounting.py (issue 11) gave, for the demo
    # fleet with its enterprise table (no small enterprises), per enterprise-year the
    # provisional keys of these 19 base keys (+ 13 BEV, 3 PHEV, 2 FCEV keys by powertrain
    # present, + the small-enterprise keys when flagged). The recorder must find the same for an
    # ICE-only enterprise (the readings it consults are official/secondary or already counted).
    base = {"cafc_target.low_mass", "cafc_target.high_mass", "cafc_target.low_value",
            "cafc_target.slope", "cafc_target.pivot_mass", "cafc_target.pivot_value",
            "cafc_target.high_value", "cafc_target.many_rows_seat_rows",
            "cafc_target.many_rows_addition", "cafc.requirement", "cafc.multiplier_nev",
            "cafc.multiplier_low_fc", "cafc.multiplier_low_fc_threshold", "nev.ratio",
            "nev.low_fc_factor", "nev.exemption_conventional_volume", "rounding.enabled",
            "rounding.low_fc_threshold_decimals", "nev.carry_threshold_ratio"}
    book = default_rules().for_year(2021)
    res = compute_credits(pd.DataFrame([_ice("E", 2021)]))
    assert _keys(res, "E", 2021) == set(book.unverified(base))


# --------------------------------------------------------------------------- optimizer


def test_enterprise_optimizer_reports_the_pool_shares(tmp_path):
    # examples/enterprise_compliance.toml: the LP builds the pool with the provisional deposit
    # and withdrawal shares; the result used to report [] (issue 11)
    sc = load_scenario(ROOT / "examples" / "enterprise_compliance.toml")
    res = optimize_scenario(sc)
    for r in res.enterprises.values():
        assert POOL_SHARES <= set(r.provisional_parameters)
        assert "nev.carry_discount" in r.provisional_parameters  # the LP carries NEV credits
    res.write(tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert POOL_SHARES <= set(summary["provisional_parameters"])
    for e in summary["enterprises"].values():
        assert POOL_SHARES <= set(e["provisional_parameters"])


def test_industry_model_reports_what_it_relied_on(tmp_path):
    sc = load_scenario(ROOT / "examples" / "industry_market.toml")
    res = IndustryModel(sc).solve()
    assert POOL_SHARES <= set(res.provisional_parameters)
    res.write(tmp_path)
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert POOL_SHARES <= set(summary["provisional_parameters"])


def test_sweep_rows_carry_the_provisional_parameters():
    base = {
        "scenario": {"name": "prov", "years": [2025]},
        "enterprise": [
            {"name": "A", "cafc_credits": [0], "nev_credits": [-100]},
            {"name": "B", "cafc_credits": [0], "nev_credits": [300]},
        ],
        "market": {"supply_demand_ratio": 1.8},
        "penalty": {"penalty_cny_per_credit": 5000.0},
    }
    table = run_scenarios(base, [{"penalty.penalty_cny_per_credit": 5000.0}], batch_size=1,
                          progress=False)
    assert "provisional_parameters" in table.columns
    for cell in table["provisional_parameters"]:
        assert POOL_SHARES <= set(cell.split(";"))


# --------------------------------------------------------------------------- brief


def test_brief_appendix_lists_what_was_looked_up():
    rules = default_rules()
    with record_lookups() as log:
        for y in (2024, 2025, 2026):
            rules.for_year(y)["pool.deposit_share"]
        rules.for_year(2024)["nev.ratio"]  # official: not in the appendix
    table = _used_parameters(log)
    assert list(table["key"]) == ["pool.deposit_share"]
    row = table.iloc[0]
    assert (row["years"], row["status"]) == ("2024-2026", "provisional")
