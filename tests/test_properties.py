"""Property-based tests of the credit accounting (hypothesis, deterministic).

Random valid fleets (a few enterprises, compliance years 2021-2027, every powertrain, inputs in
plausible ranges) must satisfy:

1. with rounding switched off, doubling every volume doubles CAFC credits, NEV credits earned
   and the NEV requirement (where the 30,000-vehicle exemption status is unchanged);
2. splitting an enterprise in two never changes the industry's total NEV credits earned
   (exactly with rounding off; within 0.5 credit per statement of the split enterprises with
   rounding on);
3. shuffling the row order does not change the statements.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkage import compute_credits, load_rules

POWERTRAINS = ("ICE", "HEV", "PHEV", "BEV", "FCEV")
ENTERPRISES = ("Alpha", "Beta", "Gamma")

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

ROUNDING_OFF_TOML = """\
[rulebook]
family = "test"
title = "Rounding switched off (property tests)"

[[parameter]]
key = "rounding.enabled"
years = [2021, 2027]
value = false
unit = "1"
status = "provisional"
source = "test fixture: rounding switched off"
"""


@pytest.fixture(scope="module")
def rules_unrounded(tmp_path_factory):
    path = tmp_path_factory.mktemp("rules") / "no_rounding.toml"
    path.write_text(ROUNDING_OFF_TOML, encoding="utf-8")
    rules = load_rules(path)
    for y in range(2021, 2028):
        assert rules.for_year(y)["rounding.enabled"] is False
    return rules


# --------------------------------------------------------------------------- strategies


def _hundredths(lo: int, hi: int):
    """Values lo/100 .. hi/100 with two decimals, as certified data are."""
    return st.integers(lo, hi).map(lambda i: i / 100)


@st.composite
def model_row(draw, enterprise: str, year: int, name: str) -> dict:
    pt = draw(st.sampled_from(POWERTRAINS))
    row = {
        "enterprise": enterprise,
        "year": year,
        "model": name,
        "powertrain": pt,
        "volume_vehicles": draw(
            st.one_of(st.integers(1, 800), st.integers(1, 40_000), st.integers(15_000, 60_000))
        ),
        "curb_mass_kg": float(draw(st.integers(800, 2800))),
        "seat_rows": draw(st.integers(1, 4)),
    }
    official = draw(st.integers(0, 5)) == 0  # about one NEV in six has an official credit
    if pt in ("ICE", "HEV"):
        row["fuel_consumption_l_per_100km"] = draw(_hundredths(250, 1200))
        row["off_cycle_reduction_l_per_100km"] = draw(st.sampled_from([0.0, 0.0, 0.05, 0.08]))
    elif pt == "PHEV":
        row["fuel_consumption_l_per_100km"] = draw(_hundredths(50, 300))
        row["off_cycle_reduction_l_per_100km"] = draw(st.sampled_from([0.0, 0.08]))
        if official:
            row["nev_credit_per_vehicle"] = draw(_hundredths(0, 200))
        else:
            row["electric_range_km"] = float(draw(st.integers(30, 150)))
            row["phev_cs_condition_met"] = draw(st.booleans())
    elif pt == "BEV":
        if official:
            row["nev_credit_per_vehicle"] = draw(_hundredths(0, 400))
        else:
            row["electric_range_km"] = float(draw(st.integers(80, 750)))
            row["energy_consumption_kwh_per_100km"] = draw(_hundredths(800, 2500))
            row["battery_energy_density_wh_per_kg"] = float(draw(st.integers(80, 200)))
    else:  # FCEV
        if official:
            row["nev_credit_per_vehicle"] = draw(_hundredths(0, 600))
        else:
            row["fuel_cell_power_kw"] = float(draw(st.integers(20, 150)))
    if year >= 2026:  # GB 27999-2025: BEV and PHEV electricity counts as fuel, input required
        if pt == "PHEV":
            row["phev_cd_energy_consumption_kwh_per_100km"] = draw(_hundredths(1000, 3000))
            row["phev_utility_factor"] = draw(_hundredths(20, 90))
        elif pt == "BEV" and official:
            row["energy_consumption_kwh_per_100km"] = draw(_hundredths(800, 2500))
    return row


@st.composite
def fleets(draw) -> pd.DataFrame:
    """1-3 enterprises, each over 1-3 consecutive years, 1-4 models per enterprise-year."""
    n_ent = draw(st.integers(1, 3))
    rows: list[dict] = []
    for ent in ENTERPRISES[:n_ent]:
        first = draw(st.integers(2021, 2027))
        last = min(2027, first + draw(st.integers(0, 2)))
        for year in range(first, last + 1):
            for i in range(draw(st.integers(1, 4))):
                rows.append(draw(model_row(ent, year, f"m{i}")))
    return pd.DataFrame(rows)


@st.composite
def enterprise_tables(draw, names) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "enterprise": list(names),
            "small_independent": [draw(st.booleans()) for _ in names],
            "previous_cafc_actual_l_per_100km": [draw(_hundredths(300, 900)) for _ in names],
        }
    )


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["enterprise", "year"]).reset_index(drop=True)


# --------------------------------------------------------------------------- 1. scaling


@SETTINGS
@given(fleet=fleets())
def test_doubling_volumes_doubles_credits_without_rounding(rules_unrounded, fleet):
    base = _sorted(compute_credits(fleet, rules=rules_unrounded).statements)
    doubled_fleet = fleet.assign(volume_vehicles=fleet["volume_vehicles"] * 2)
    doubled = _sorted(compute_credits(doubled_fleet, rules=rules_unrounded).statements)
    assert list(base["enterprise"]) == list(doubled["enterprise"])
    assert list(base["year"]) == list(doubled["year"])
    assert (doubled["volume_vehicles"] == 2 * base["volume_vehicles"]).all()

    # ratios are scale-free: target, compliance and actual CAFC unchanged
    for col in ("cafc_target_l_per_100km", "cafc_compliance_l_per_100km",
                "cafc_actual_l_per_100km"):
        np.testing.assert_allclose(doubled[col], base[col], rtol=1e-9, atol=1e-12)
    for col in ("cafc_credits", "nev_earned_credits"):
        np.testing.assert_allclose(doubled[col], 2 * base[col], rtol=1e-9, atol=1e-6)

    same = (base["nev_exempt"] == doubled["nev_exempt"]).to_numpy()
    np.testing.assert_allclose(
        doubled["nev_requirement_credits"][same], 2 * base["nev_requirement_credits"][same],
        rtol=1e-9, atol=1e-6
    )
    # the only allowed change of exemption: 15,000 <= conventional < 30,000 becomes >= 30,000
    changed = base[~same]
    assert changed["nev_exempt"].all()
    assert ((changed["conventional_volume_vehicles"] >= 15_000)
            & (changed["conventional_volume_vehicles"] < 30_000)).all()
    assert (doubled.loc[~same, "nev_requirement_credits"] > 0).all()


# --------------------------------------------------------------------------- 2. splitting


@st.composite
def split_cases(draw):
    fleet = draw(fleets())
    victim = draw(st.sampled_from(sorted(fleet["enterprise"].unique())))
    rows = np.flatnonzero((fleet["enterprise"] == victim).to_numpy())
    moved = [draw(st.booleans()) for _ in rows]
    split = fleet.copy()
    split.loc[rows[np.asarray(moved, dtype=bool)], "enterprise"] = f"{victim}-spun-off"
    return fleet, split, victim


def _check_split(fleet, split, victim, rules, tolerance_per_statement):
    a = compute_credits(fleet, rules=rules)
    b = compute_credits(split, rules=rules)
    # the per-vehicle credits of the models do not depend on the owner
    key = ["year", "model", "powertrain", "volume_vehicles"]
    ma = a.models.sort_values(["enterprise", *key]).reset_index(drop=True)
    mb = b.models.assign(enterprise=b.models["enterprise"].str.replace("-spun-off", ""))
    mb = mb.sort_values(["enterprise", *key]).reset_index(drop=True)
    np.testing.assert_array_equal(ma["nev_credit_per_vehicle"], mb["nev_credit_per_vehicle"])

    total_a = float(a.statements["nev_earned_credits"].sum())
    total_b = float(b.statements["nev_earned_credits"].sum())
    parts = b.statements["enterprise"].isin([victim, f"{victim}-spun-off"])
    bound = tolerance_per_statement * int(parts.sum()) + 1e-6
    assert abs(total_b - total_a) <= bound
    # untouched enterprises are unchanged
    other_a = _sorted(a.statements[a.statements["enterprise"] != victim])
    other_b = _sorted(b.statements[~parts])
    pd.testing.assert_frame_equal(other_a, other_b)
    return total_a, total_b


@SETTINGS
@given(case=split_cases())
def test_splitting_enterprise_keeps_total_nev_earned_without_rounding(rules_unrounded, case):
    fleet, split, victim = case
    total_a, total_b = _check_split(fleet, split, victim, rules_unrounded, 0.0)
    assert total_b == pytest.approx(total_a, rel=1e-9, abs=1e-6)


@SETTINGS
@given(case=split_cases())
def test_splitting_enterprise_keeps_total_nev_earned_with_rounding(case):
    fleet, split, victim = case
    # each whole-credit rounding moves a statement by at most 0.5
    _check_split(fleet, split, victim, None, 0.5)


# --------------------------------------------------------------------------- 3. row order


@st.composite
def shuffle_cases(draw):
    fleet = draw(fleets())
    order = draw(st.permutations(list(range(len(fleet)))))
    ents = draw(enterprise_tables(sorted(fleet["enterprise"].unique())))
    ent_order = draw(st.permutations(list(range(len(ents)))))
    return fleet, fleet.iloc[list(order)].reset_index(drop=True), ents, ents.iloc[list(ent_order)]


@SETTINGS
@given(case=shuffle_cases())
def test_row_order_does_not_change_statements(case):
    fleet, shuffled, ents, ents_shuffled = case
    a = compute_credits(fleet, ents.reset_index(drop=True))
    b = compute_credits(shuffled, ents_shuffled.reset_index(drop=True))
    pd.testing.assert_frame_equal(_sorted(a.statements), _sorted(b.statements), check_exact=True)
    key = ["enterprise", "year", "model"]
    ma = a.models.drop(columns="row").sort_values(key).reset_index(drop=True)
    mb = b.models.drop(columns="row").sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(ma, mb, check_exact=True)
