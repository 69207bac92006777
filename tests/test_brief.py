"""The policy brief: files, sections, headline numbers recomputed from the API, a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conversions import get_basis, tonnes_per_credit
from linkage.brief import make_brief
from linkage.data import miit_annual

SECTIONS = [
    "1. The dual-credit system in numbers, 2016-2023",
    "2. Supply/demand ratio and the credit pool",
    "3. What a credit is worth in CO2",
    "4. Equilibrium NEV credit price and industry cost under linkage designs",
    "5. Which enterprises gain and lose",
    "Appendix: provisional rule parameters and assumptions",
]
CHARTS = ["credits_by_year", "supply_demand_ratio", "credit_co2_value", "linkage_designs",
          "enterprise_gains"]
TABLES = ["miit_annual", "supply_demand_ratio", "conversion_bases", "implied_carbon_price",
          "equilibrium_prices", "enterprise_gains", "provisional_parameters"]
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


def test_headline_numbers_equal_their_recomputation(brief):
    out, _s, _r = brief
    md = (out / "brief.md").read_text(encoding="utf-8")
    # 1. 2023 NEV positive / negative credits, straight from the MIIT table
    m = miit_annual().set_index(["year", "group"])
    ratio = m.loc[(2023, "all"), "nev_positive_10k_credits"] / m.loc[
        (2023, "all"), "nev_negative_10k_credits"]  # 2128.8 / 51.0 = 41.74
    assert f"{ratio:.1f} times as many" in md
    assert "41.7 times as many" in md
    # 2. t CO2e per credit on the ttw-real-world basis: 1500 L x 2.348 kg/L x 1.37 = 4.825 t
    tpc = tonnes_per_credit(get_basis("ttw-real-world")).to("t_CO2e / cafc_credit").magnitude
    assert f"{tpc:.3f} t CO2e" in md
    assert "4.825 t CO2e" in md
    # 3. the implied carbon price of the 2021 credit: 2088 / 4.82514 = 432.7 CNY/t
    assert "implied 432.7 CNY/t CO2e" in md


def test_api_returns_headlines(tmp_path):
    # the Python API on a small custom scenario (fast): headlines and sections
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
