"""Backcast 2020-2024 (issue 14, item 1): the MIIT-calibrated industry, the fitted model, CLI."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from linkage.cli import main
from linkage.data import miit_annual
from linkage.industry import IndustryDataError, backcast_industry
from linkage.ledger import verify_plan
from linkage.market import supply_demand_ratio
from optimize import BackcastResult, backcast
from optimize.backcasting import _Pricer, _rms_error

YEARS = [2020, 2021, 2022, 2023, 2024]
MIIT_COLUMNS = {
    "volume": "volume_10k_vehicles",
    "cafc_positive": "cafc_positive_10k_credits",
    "cafc_negative": "cafc_negative_10k_credits",
    "nev_positive": "nev_positive_10k_credits",
    "nev_negative": "nev_negative_10k_credits",
}
OBSERVED = {2020: 1204.0, 2021: 2088.0, 2022: 1128.0}  # CNY/credit, the shipped CSV's values


@pytest.fixture(scope="module")
def result() -> BackcastResult:
    return backcast()


def _totals(st: pd.DataFrame) -> dict[str, float]:
    return {
        "volume": float(st["volume_vehicles"].sum()),
        "cafc_positive": float(st.loc[st["cafc_credits"] > 0, "cafc_credits"].sum()),
        "cafc_negative": float(-st.loc[st["cafc_credits"] < 0, "cafc_credits"].sum()),
        "nev_positive": float(st.loc[st["nev_credits"] > 0, "nev_credits"].sum()),
        "nev_negative": float(-st.loc[st["nev_credits"] < 0, "nev_credits"].sum()),
    }


def test_totals_within_one_percent_of_miit(result: BackcastResult) -> None:
    """Every MIIT total that exists (all enterprises, and per kind where MIIT splits) is met
    within 1 %; the statements' sums are taken here, MIIT's figures read from miit_annual()."""
    st = result.industry.statements
    m = miit_annual()
    checked = 0
    for year in YEARS:
        rows = m[m["year"] == year].set_index("group")
        for group in rows.index:
            part = st[st["year"] == year]
            if group != "all":
                part = part[part["kind"] == group]
            got = _totals(part)
            for q, col in MIIT_COLUMNS.items():
                miit = rows.at[group, col]
                if pd.isna(miit):
                    continue
                assert got[q] == pytest.approx(float(miit) * 1e4, rel=0.01), (year, group, q)
                checked += 1
    # 2020-2023: 3 groups x 5 totals; 2024: 4 totals of all enterprises (no volume)
    assert checked == 4 * 15 + 4


def test_2024_gaps_reported(result: BackcastResult) -> None:
    cal = result.industry.calibration
    row = cal[(cal.year == 2024) & (cal.group == "all") & (cal.quantity == "volume")].iloc[0]
    assert math.isnan(row["miit"]) and row["miit_status"] == "not published"
    assert row["target_source"] == "assumption"
    assert row["generated"] == pytest.approx(2366.0e4, rel=1e-6)  # backcast.volume_2024


def test_statements_come_from_each_years_rules(result: BackcastResult) -> None:
    """The 2020 statements are the library's accounting of the 2020 fleet under the 2020
    rulebook (GB 27999-2014 weight bands), which differs from the 2021 rulebook (curve)."""
    from linkage.accounting import compute_credits
    from linkage.rules import default_rules

    rules = default_rules()
    assert rules.for_year(2020)["cafc_target.form"] == "bands"
    assert rules.for_year(2021)["cafc_target.form"] == "curve"
    ind = result.industry
    fleet = ind.fleet[ind.fleet["year"] == 2020]
    st = compute_credits(fleet).statements.set_index("enterprise")
    mine = ind.statements[ind.statements["year"] == 2020].set_index("enterprise")
    np.testing.assert_array_equal(
        np.floor(st["cafc_credits"].to_numpy() + 0.5).astype(int),
        mine.loc[st.index, "cafc_credits"].to_numpy())


def test_table_prices_2020_2022(result: BackcastResult) -> None:
    t = result.table.set_index("year")
    assert list(t.index) == YEARS
    for year, price in OBSERVED.items():
        assert t.at[year, "observed_price_cny_per_credit"] == price
        assert t.at[year, "observed_price_status"] == "secondary"
        assert math.isfinite(t.at[year, "modelled_price_cny_per_credit"])
    assert t.loc[[2023, 2024], "observed_price_status"].eq("not observed").all()


def test_supply_demand_ratio_column(result: BackcastResult) -> None:
    r = supply_demand_ratio(result.industry.statements)["ratio"]
    t = result.table.set_index("year")
    for year in YEARS:
        assert t.at[year, "supply_demand_ratio"] == pytest.approx(float(r[year]))
    # 2020: NEV surpluses 4.37 M against CAFC and NEV deficits of 11.7 + 1.07 M: short
    assert t.at[2020, "supply_demand_ratio"] < 0.5


def test_fit_reproduces_its_error(result: BackcastResult) -> None:
    """Re-solving at the reported scale gives the reported RMS relative error, computed here
    from the observed prices; no scale on the search grid does better."""
    fit = result.fit
    ind = result.industry
    pricer = _Pricer(ind, ind.years, fit["penalty_cny_per_credit"] / fit["scale_factor"])
    p = pricer.solve(fit["scale_factor"]).prices.set_index("year")["nev_price_cny_per_credit"]
    rel = [p[y] / OBSERVED[y] - 1.0 for y in OBSERVED]
    err = math.sqrt(sum(x * x for x in rel) / 3)
    assert err == pytest.approx(fit["rms_relative_error"], rel=1e-6)
    assert fit["years"] == [2020, 2021, 2022]
    for s in (0.05, 0.2, 1.0, 5.0):
        q = pricer.solve(s).prices.set_index("year")["nev_price_cny_per_credit"]
        assert _rms_error(q, pd.Series(OBSERVED)) >= err - 1e-9


def test_plan_verified(result: BackcastResult) -> None:
    sc = _Pricer(result.industry, result.industry.years, 1.0).scenario
    st = pd.concat([e.statements() for e in sc.enterprises], ignore_index=True)
    assert verify_plan(result.market.plan, st, sc.rules, years=sc.years,
                       supply_demand_ratio=sc.market.supply_demand_ratio) == []


def test_unexplained_and_summary(result: BackcastResult) -> None:
    s = result.summary()
    assert s["fit"] == result.fit
    assert all(v["status"] == "assumption" for v in s["parameters"].values())
    assert "backcast.penalty_cny_per_credit" in s["parameters"]
    assert len(s["unexplained"]) >= 2
    json.dumps(s, allow_nan=False)


def test_bad_scale() -> None:
    from linkage.errors import InputError

    with pytest.raises(InputError, match="scale_factor must be > 0"):
        backcast(scale_factor=0.0)


def test_bad_years() -> None:
    with pytest.raises(IndustryDataError, match="consecutive"):
        backcast_industry([2020, 2022])
    with pytest.raises(IndustryDataError, match="2025"):
        backcast_industry((2024, 2025))


def test_cli_writes_files(tmp_path, result: BackcastResult, monkeypatch) -> None:
    import optimize.backcasting as mod

    monkeypatch.setattr(mod, "backcast", lambda *a, **k: result)
    out = tmp_path / "bc"
    r = CliRunner().invoke(main, ["backcast", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["backcast.csv", "summary.json"]
    t = pd.read_csv(out / "backcast.csv")
    assert list(t["year"]) == YEARS
    fit = json.loads((out / "summary.json").read_text())["fit"]
    assert fit["scale_factor"] == result.fit["scale_factor"]
    again = CliRunner().invoke(main, ["backcast", "--out", str(out)])
    assert again.exit_code == 2  # non-empty folder without --overwrite
    assert CliRunner().invoke(main, ["backcast", "--out", str(out), "--overwrite"]).exit_code == 0


def test_cli_bad_option(tmp_path) -> None:
    r = CliRunner().invoke(main, ["backcast", "--out", str(tmp_path / "x"), "--first", "abc"])
    assert r.exit_code == 2
    assert not (tmp_path / "x").exists()
    r = CliRunner().invoke(main, ["backcast", "--out", str(tmp_path / "y"), "--first", "2020",
                                  "--last", "2026"])
    assert r.exit_code == 2 and "no totals for 2025" in r.output
    assert not (tmp_path / "y").exists()
