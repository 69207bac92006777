"""The policy brief: files, sections, headline numbers recomputed from the API, a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conversions import get_basis, tonnes_per_credit
from linkage.brief import make_brief
from linkage.data import miit_annual

SECTIONS = [
    "1. Key findings",
    "2. History 2016-2024 and the backcast",
    "3. Outlook 2026-2030 under the rules in force",
    "4. Linkage designs: price, cost and CO2",
    "5. Winners and losers (illustrative, synthetic enterprises)",
    "6. One enterprise's least-cost plan with and without a link",
    "7. Appendix: provisional rule parameters and assumptions",
]
CHARTS = ["history_backcast", "outlook_bands", "linkage_heatmaps", "enterprise_gains"]
TABLES = ["miit_annual", "backcast", "outlook", "outlook_monte_carlo", "linkage_designs",
          "linkage_grid", "enterprise_gains", "enterprise_plan", "provisional_parameters",
          "conversion_bases"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def brief(tmp_path_factory):
    out = tmp_path_factory.mktemp("brief")
    t0 = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "linkage.cli", "brief", "--out", str(out)],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    seconds = time.perf_counter() - t0
    assert result.returncode == 0, result.stderr
    return out, seconds, result


def test_brief_runs_under_two_minutes(brief):
    _out, seconds, result = brief
    assert seconds < 120, f"linkage brief took {seconds:.0f} s"
    assert "brief.html" in result.stdout


def test_files_exist_and_are_referenced(brief):
    out, _s, _r = brief
    md = (out / "brief.md").read_text(encoding="utf-8")
    page = (out / "brief.html").read_text(encoding="utf-8")
    for name in CHARTS:
        for ext in ("png", "svg"):
            f = out / f"{name}.{ext}"
            assert f.exists() and f.stat().st_size > 1000, f
        assert f"({name}.png)" in md
    for name in TABLES:
        f = out / f"{name}.csv"
        assert f.exists() and f.stat().st_size > 0, f
        assert f"{name}.csv" in md and f"{name}.csv" in page
    # self-contained HTML: every chart embedded
    assert page.count("data:image/png;base64,") == len(CHARTS)


def test_sections_in_order(brief):
    out, _s, _r = brief
    md = (out / "brief.md").read_text(encoding="utf-8")
    heads = re.findall(r"^## (.+)$", md, flags=re.M)
    assert heads == SECTIONS


def _body_tables(md: str) -> list[list[str]]:
    """The Markdown tables of the brief, as lists of rows (header and separator included)."""
    tables, cur = [], []
    for line in md.splitlines():
        if line.startswith("|"):
            cur.append(line)
        elif cur:
            tables.append(cur)
            cur = []
    return tables


def test_headline_numbers_equal_their_recomputation(brief):
    out, _s, _r = brief
    md = (out / "brief.md").read_text(encoding="utf-8")
    findings = md.split("## 1. Key findings")[1].split("## 2.")[0]
    # 1. 2023 NEV positive / negative credits, straight from the MIIT table
    m = miit_annual().set_index(["year", "group"])
    ratio = m.loc[(2023, "all"), "nev_positive_10k_credits"] / m.loc[
        (2023, "all"), "nev_negative_10k_credits"]  # 2128.8 / 51.0 = 41.74
    assert f"{ratio:.1f} times as many" in findings
    assert "41.7 times as many" in md
    # 2. t CO2e per credit on the ttw-real-world basis: 1500 L x 2.348 kg/L x 1.37 = 4.825 t
    tpc = tonnes_per_credit(get_basis("ttw-real-world")).to("t_CO2e / cafc_credit").magnitude
    assert f"{tpc:.3f} t CO2e" in md
    assert "4.825 t CO2e" in md
    # 3. the implied carbon price of the 2021 credit: 2088 / 4.82514 = 432.7 CNY/t
    assert "implied 432.7 CNY/t CO2e" in md
    assert "against an observed 2,088" in findings  # the observed 2021 average price


def test_outlook_headline_recomputed(brief):
    """The central 2026 price and the first binding year, from the API (no Monte Carlo)."""
    from linkage.industry import illustrative_industry
    from linkage.industry.technology import industry_technology
    from optimize import industry_scenario_document, parse_scenario, solve_industry

    out, _s, _r = brief
    md = (out / "brief.md").read_text(encoding="utf-8")
    years = list(range(2026, 2031))
    ind = illustrative_industry()
    doc = industry_scenario_document(ind, years, penalty=5000.0,
                                     technology=industry_technology(ind, years))
    prices = solve_industry(parse_scenario(doc, file="<test>")).prices
    binding = prices[prices["nev_price_cny_per_credit"] > 0]
    first = int(binding["year"].iloc[0])
    p = binding["nev_price_cny_per_credit"].iloc[0]
    assert f"binds in {first} at {p:,.0f} CNY/credit" in md.split("## 2.")[0]
    # the Monte Carlo bands bracket the central case's median draw, p10 <= p90
    o = pd.read_csv(out / "outlook.csv")
    assert (o["p10_cny_per_credit"] <= o["p90_cny_per_credit"]).all()
    mc = pd.read_csv(out / "outlook_monte_carlo.csv")
    assert mc["draw"].nunique() >= 12
    assert mc["nev_requirement_scale_factor"].between(0.8, 1.2).all()


def test_linkage_net_co2_recomputed(brief):
    """Two-way link at 100 CNY/t, the basis's rate, the sourced 5 % limit: net CO2 in Mt."""
    from linkage.industry import illustrative_industry
    from linkage.industry.technology import industry_technology
    from optimize import industry_scenario_document, parse_scenario, solve_industry

    out, _s, _r = brief
    md = (out / "brief.md").read_text(encoding="utf-8")
    years = list(range(2026, 2031))
    ind = illustrative_industry()
    doc = industry_scenario_document(ind, years, penalty=5000.0,
                                     technology=industry_technology(ind, years))
    doc["linkage"] = {"basis": "ttw-real-world", "cea_price_cny_per_t_co2e": 100.0,
                      "allow_cea_for_deficits": True, "allow_credit_offsets": True}
    doc["ets"] = {"offset_limit_share": 0.05}
    p = solve_industry(parse_scenario(doc, file="<test>")).prices
    net = p["net_change_t_co2e"].sum() / 1e6
    gap = p["integrity_gap_t_co2e"].sum() / 1e6
    findings = md.split("## 2.")[0]
    verb = "raises" if net > 0 else "lowers"
    assert f"{verb} net CO2 by {abs(net):,.2f} Mt over the period" in findings
    assert f"integrity gap of {gap:,.2f} Mt (section 4)" in findings
    # the linkage section carries net CO2 and integrity gap columns, in its table and CSVs
    sec4 = md.split("## 4.")[1].split("## 5.")[0]
    header = _body_tables(sec4)[0][0]
    assert "net_change_t_co2e" in header and "integrity_gap_t_co2e" in header
    grid = pd.read_csv(out / "linkage_grid.csv")
    assert {"net_change_t_co2e", "integrity_gap_t_co2e", "cea_price_cny_per_t_co2e",
            "policy_t_co2e_per_credit", "offset_limit_share"} <= set(grid.columns)
    assert len(grid) == 27
    assert 0.05 in set(grid["offset_limit_share"])
    # at a policy rate above the physical one the gap is positive, below it negative
    assert (grid.loc[grid["policy_t_co2e_per_credit"] == 8.0, "integrity_gap_t_co2e"] >= 0).all()


def test_backcast_table_has_observed_and_modelled_prices(brief):
    out, _s, _r = brief
    bc = pd.read_csv(out / "backcast.csv").set_index("year")
    observed = {2020: 1204.0, 2021: 2088.0, 2022: 1128.0}  # shipped averages (secondary)
    for year, price in observed.items():
        assert bc.loc[year, "observed_price_cny_per_credit"] == price
        assert np.isfinite(bc.loc[year, "modelled_price_cny_per_credit"])
    md = (out / "brief.md").read_text(encoding="utf-8")
    sec2 = md.split("## 2.")[1].split("## 3.")[0]
    assert "What the model cannot explain" in sec2
    for year in observed:
        assert f"{year}: observed {observed[year]:,.0f}, modelled " in sec2


def test_body_tables_are_short(brief):
    out, _s, _r = brief
    md = (out / "brief.md").read_text(encoding="utf-8")
    for table in _body_tables(md):
        assert len(table) - 2 <= 15, table[0]


def test_all_equal_table_says_why(tmp_path):
    from linkage.brief import _Doc

    d = _Doc(tmp_path)
    d.table(pd.DataFrame({"year": [1, 1], "x": [0.0, 0.0]}), "same")
    assert "same" in d.md[0] and d.md[0].startswith("Every value")
    d2 = _Doc(tmp_path)
    d2.table(pd.DataFrame({"year": [1, 2], "x": [0.0, 1.0]}), "diff")
    assert d2.md[0].startswith("| year")


def test_api_returns_headlines(tmp_path):
    # the Python API on a small custom scenario: headlines and sections
    scen = ROOT / "examples" / "industry_market.toml"
    b = make_brief(scen, tmp_path, progress=False)
    assert b.sections == SECTIONS
    assert b.headlines["t_co2e_per_credit_ttw_real_world"] == pytest.approx(4.82514)
    assert (tmp_path / "brief.html").exists()


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="Debian's chromium is not installed "
                    "(.ci/run installs it)")
def test_brief_in_a_real_browser(brief, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    out, _s, _r = brief
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=_chromium(),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto((out / "brief.html").as_uri())
        page.wait_for_load_state("load")
        n_images = page.evaluate("document.images.length")
        loaded = page.evaluate(
            "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)")
        shot = tmp_path / "brief.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert n_images == len(CHARTS)
    assert loaded, "an image of brief.html did not load"
    assert errors == []
    assert shot.stat().st_size > 50_000


def test_outlook_draw_scales_requirement_and_costs():
    """One Monte Carlo draw's document, by hand: NEV credits = earned - s x requirement, the
    shift options' NEV effect + (s - 1) x ratio (0.48 in 2026), costs x c."""
    from linkage.brief import _inputs, _outlook_document

    inp = _inputs(None)
    base, draw = _outlook_document(inp, 1.0, 1.0), _outlook_document(inp, 1.2, 0.5)
    name = "Domestic 001 (illustrative)"
    st = inp.industry.statements.set_index(["enterprise", "year"]).loc[(name, 2026)]
    e0 = next(e for e in base["enterprise"] if e["name"] == name)
    e1 = next(e for e in draw["enterprise"] if e["name"] == name)
    assert e1["nev_credits"][0] == round(st["nev_earned_credits"]
                                         - 1.2 * st["nev_requirement_credits"])
    assert e0["nev_credits"][0] == st["nev_credits"]  # scale 1 is the industry as it is
    t0 = {o["name"]: o for o in e0["technology"]}
    t1 = {o["name"]: o for o in e1["technology"]}
    assert t1["ICE -> BEV"]["nev_credits_per_unit"]["2026"] == pytest.approx(
        t0["ICE -> BEV"]["nev_credits_per_unit"]["2026"] + 0.2 * 0.48)
    assert t1["ICE -> BEV"]["cost_cny_per_unit"]["2026"] == pytest.approx(
        0.5 * t0["ICE -> BEV"]["cost_cny_per_unit"]["2026"])
    if "ICE efficiency" in t1:  # replaces no conventional vehicle: NEV effect unchanged
        assert t1["ICE efficiency"]["nev_credits_per_unit"]["2026"] == pytest.approx(
            t0["ICE efficiency"]["nev_credits_per_unit"]["2026"])


#: The vocabulary context of each table the brief writes (the rest are the brief's own).
TABLE_CONTEXTS = {"miit_annual": "miit", "conversion_bases": "bases", "backcast": "backcast"}


def test_every_column_is_a_canonical_name(brief):
    """Each column of each CSV the brief writes is a canonical name of the vocabulary in its
    context (tests/test_vocabulary.py checks the other outputs the same way)."""
    from conversions.vocabulary import canonical_names

    out, _s, _r = brief
    bad = []
    for f in sorted(out.glob("*.csv")):
        where = TABLE_CONTEXTS.get(f.stem, "brief")
        known = canonical_names(where)
        bad += [f"{f.name}: {c!r} is not a canonical name in {where!r}"
                for c in pd.read_csv(f, nrows=0).columns if c not in known]
    assert len(list(out.glob("*.csv"))) >= len(TABLES)
    assert not bad, "\n".join(bad)
