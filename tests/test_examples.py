"""Every example script runs from the repository root, prints its key result, writes only
under ``--out`` and finishes in under 60 s."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(p.name for p in EXAMPLES.glob("*.py"))
LIMIT_S = 60.0

#: script -> regular expressions its output must match (a script not listed here must at
#: least print something)
KEY_LINES: dict[str, list[str]] = {
    "credit_statement.py": [
        r"Credit statements of demo_fleet\.csv",
        r"Demo EV B \(illustrative\)\s+2025",
        r"Per-model factors of BEV '.+'",
        r"= NEV credit per vehicle\s+\d+\.\d+ credit/vehicle",
        r"\d+ provisional or scenario parameters relied on",
    ],
    "enterprise_compliance.py": [
        r"without linkage: total cost [\d,]+ CNY",
        r"with CEA surrender \(20 % cap\): total cost [\d,]+ CNY",
    ],
    "cea_price_sweep.py": [
        r"Equilibrium NEV credit price \[CNY/credit\] by CEA price",
        r"no linkage\s+CEA -> credits \(20 % cap\)\s+CEA -> credits \(no cap\)",
        r"chart: .+nev_price_vs_cea_price\.png",
    ],
    "conversion_monte_carlo.py": [
        r"\d+\.\d+\u2013\d+\.\d+ t CO2e per credit \(90 % interval\)",
        r"A 2,088 CNY NEV credit implies [\d,]+\u2013[\d,]+ CNY/t CO2e",
        r"2024: CEA\s+\d+\.\d+ CNY/t",
    ],
    "brief_from_scenario.py": [r"brief: .+brief\.html \([\d,]+ bytes"],
}
#: script -> files it must write under --out
OUTPUTS: dict[str, list[str]] = {
    "credit_statement.py": ["statements.csv", "models.csv", "provisional_parameters.csv"],
    "cea_price_sweep.py": ["results.csv", "nev_price_vs_cea_price.png"],
    "conversion_monte_carlo.py": ["draws.csv", "conversion_monte_carlo.png"],
    "brief_from_scenario.py": ["scenario.toml", "brief/brief.html"],
}


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")
            if "__pycache__" not in p.parts}


def test_examples_are_found():
    assert set(KEY_LINES) <= set(SCRIPTS), "an example listed here is missing from examples/"


@pytest.mark.parametrize("script", SCRIPTS)
def test_example_runs(script: str, tmp_path: Path) -> None:
    if script == "brief_from_scenario.py":
        pytest.importorskip("linkage.brief",
                            reason="linkage.brief (make_brief) is not in this installation yet")
    out = tmp_path / "out"
    before = _tree(EXAMPLES)
    env = {**os.environ, "MPLBACKEND": "Agg"}
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, f"examples/{script}", "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120,
    )
    seconds = time.perf_counter() - t0
    print(f"{script}: {seconds:.1f} s")
    assert proc.returncode == 0, f"{script} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
    assert proc.stdout.strip(), f"{script} printed nothing"
    for pattern in KEY_LINES.get(script, []):
        assert re.search(pattern, proc.stdout), (
            f"{script}: no line matches {pattern!r} in:\n{proc.stdout[-3000:]}")
    assert seconds < LIMIT_S, f"{script} took {seconds:.1f} s (limit {LIMIT_S:.0f} s)"

    for name in OUTPUTS.get(script, []):
        f = out / name
        assert f.is_file() and f.stat().st_size > 0, f"{script} did not write {name}"
    for png in out.rglob("*.png") if out.exists() else []:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png.name} is not a PNG"
        assert png.stat().st_size > 1000, f"{png.name} is (nearly) empty"
    assert _tree(EXAMPLES) == before, f"{script} wrote into examples/ instead of --out"
