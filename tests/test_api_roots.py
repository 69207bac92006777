"""The public API is discoverable from the package roots, and the roots respect the layers.

``import linkage`` exposes the core's subpackages without loading :mod:`optimize` or the
application modules; the names a user needs import from their package roots; every ``__all__``
entry resolves; each root's docstring names what it exposes.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Package roots and their documented front doors.
ROOTS = (
    "conversions",
    "linkage",
    "linkage.rules",
    "linkage.ledger",
    "linkage.industry",
    "linkage.data",
    "optimize",
)

#: Subpackages and modules of the linkage core that ``import linkage`` makes attributes.
CORE_MODULES = (
    "accounting",
    "carbon_link",
    "data",
    "errors",
    "fleet",
    "industry",
    "ledger",
    "market",
    "pool",
    "rules",
)

#: (root, name, module that defines it): names the issue asks to import from the root.
ROOT_NAMES = (
    ("linkage", "CarbonLink", "linkage.carbon_link"),
    ("linkage", "ReserveVariant", "linkage.pool"),
    ("linkage", "Industry", "linkage.industry.generator"),
    ("linkage", "illustrative_industry", "linkage.industry.generator"),
    ("linkage", "IndustryDataError", "linkage.industry.assumptions"),
    ("linkage", "compute_credits", "linkage.accounting"),
    ("linkage", "simulate", "linkage.ledger.simulate"),
    ("linkage", "verify_plan", "linkage.ledger.verify"),
    ("linkage.industry", "illustrative_industry", "linkage.industry.generator"),
    ("linkage.industry", "load_assumptions", "linkage.industry.assumptions"),
    ("optimize", "EnterpriseModel", "optimize.enterprise"),
    ("optimize", "IndustryModel", "optimize.industry"),
    ("optimize", "solve_industry", "optimize.industry"),
    ("optimize", "industry_scenario", "optimize.industry_scenario"),
    ("optimize", "industry_scenario_document", "optimize.industry_scenario"),
    ("optimize", "run_scenarios", "optimize.sweep"),
    ("optimize", "Scenario", "optimize.scenario"),
)


@pytest.mark.parametrize("root", ROOTS)
def test_every_all_entry_resolves(root):
    module = importlib.import_module(root)
    names = module.__all__
    assert len(names) == len(set(names)), f"{root}.__all__ repeats a name"
    missing = [name for name in names if not hasattr(module, name)]
    assert not missing, f"{root}.__all__ names what {root} does not define: {missing}"
    namespace: dict = {}
    exec(f"from {root} import *", namespace)  # the star import honours __all__
    assert set(names) <= set(namespace)


@pytest.mark.parametrize(("root", "name", "home"), ROOT_NAMES)
def test_public_name_imports_from_its_root(root, name, home):
    module = importlib.import_module(root)
    assert name in module.__all__, f"{name} not in {root}.__all__"
    obj = getattr(module, name)
    assert obj is getattr(importlib.import_module(home), name)
    assert obj.__module__ == home


def _fresh_import(statement: str) -> dict:
    """Run ``statement`` in a new interpreter; its loaded modules and ``linkage`` attributes."""
    code = (
        f"{statement}\n"
        "import json, sys\n"
        "mods = sorted(sys.modules)\n"
        "attrs = sorted(dir(sys.modules['linkage'])) if 'linkage' in sys.modules else []\n"
        "print(json.dumps({'modules': mods, 'attrs': attrs}))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(proc.stdout)


def _loaded(modules: list[str], package: str) -> list[str]:
    return [m for m in modules if m == package or m.startswith(package + ".")]


def test_import_linkage_exposes_the_core_and_nothing_above_it():
    seen = _fresh_import("import linkage")
    assert set(CORE_MODULES) <= set(seen["attrs"])
    for above in ("optimize", "linkage.cli", "linkage.brief", "pyomo"):
        assert not _loaded(seen["modules"], above), f"import linkage loads {above}"


def test_import_conversions_loads_neither_linkage_nor_optimize():
    seen = _fresh_import("import conversions")
    assert not _loaded(seen["modules"], "linkage")
    assert not _loaded(seen["modules"], "optimize")


def test_import_optimize_loads_no_application_module():
    seen = _fresh_import("import optimize")
    assert not _loaded(seen["modules"], "linkage.cli")
    assert not _loaded(seen["modules"], "linkage.brief")


def test_linkage_docstring_names_its_subpackages_and_layer():
    import linkage

    doc = linkage.__doc__
    for name in CORE_MODULES:
        assert f":mod:`linkage.{name}`" in doc, name
    assert "docs/architecture.md" in doc
    # the application layer is named as such, not as where orchestration lives
    assert "orchestration" not in doc


def test_optimize_docstring_names_its_models():
    import optimize

    for name in ("EnterpriseModel", "IndustryModel", "industry_scenario_document"):
        assert f"`{name}`" in optimize.__doc__, name


def _contracts() -> dict[str, dict]:
    with open(ROOT / "pyproject.toml", "rb") as fh:
        config = tomllib.load(fh)["tool"]["importlinter"]
    return {c["name"]: c for c in config["contracts"]}


def _core_and_application() -> tuple[dict, set[str]]:
    core = next(c for c in _contracts().values() if "linkage core" in c["name"])
    return core, {m for m in core["forbidden_modules"] if m.startswith("linkage.")}


def test_core_contract_names_every_linkage_module():
    """Each module of linkage is a source of the core contract or a forbidden application module.

    A new module of linkage fails this test until it is classified in pyproject.toml.
    """
    import linkage

    core, application = _core_and_application()
    assert {"linkage.cli", "linkage.brief"} <= application
    assert "optimize" in core["forbidden_modules"]
    modules = {f"linkage.{m.name}" for m in pkgutil.iter_modules(linkage.__path__)}
    unclassified = modules - set(core["source_modules"]) - application
    assert not unclassified, f"classify in [tool.importlinter] of pyproject.toml: {unclassified}"
    assert not set(core["source_modules"]) & application


def test_contracts_cover_the_three_layer_rules():
    contracts = list(_contracts().values())
    assert all(c["type"] == "forbidden" for c in contracts)
    forbidden = {tuple(c["source_modules"]): set(c["forbidden_modules"]) for c in contracts}
    assert forbidden[("conversions",)] == {"linkage", "optimize"}
    # optimize may import no application module, the same list the core may not import
    assert forbidden[("optimize",)] == _core_and_application()[1]


def test_architecture_page_places_the_modules_as_the_contracts_do():
    """docs/architecture.md's layer table names the core and application modules of pyproject."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = {
        m.group(1): set(re.findall(r"`([\w.]+)`", m.group(2)))
        for m in re.finditer(r"^\| (\d [\w ]+?) \| (.*?) \|", text, re.MULTILINE)
    }
    core, application = _core_and_application()
    assert rows["2 linkage core"] == set(core["source_modules"])
    assert rows["4 application"] == application
    for names in rows.values():
        for name in names - {"conversions.*", "optimize.*"}:
            if "." in name:
                importlib.import_module(name)  # every module named exists
