"""Optimisation: least-cost compliance of enterprises and of the industry (Pyomo + HiGHS).

The third of four layers (see ``docs/architecture.md``): it imports the linkage core and
:mod:`conversions`, never the application modules (:mod:`linkage.cli`, :mod:`linkage.brief`).

- :func:`load_scenario` / :func:`parse_scenario`: scenario files (TOML) -> :class:`Scenario`;
- :class:`EnterpriseModel`: one enterprise at given prices; build once, change prices,
  re-solve; every plan verified by :func:`linkage.ledger.verify_plan`;
- :class:`IndustryModel` / :func:`solve_industry`: every enterprise together, prices as
  outputs (market clearing);
- :func:`optimize_scenario`: every enterprise of a scenario -> :class:`ScenarioResult`;
- :func:`expand_grid`, :func:`load_sweep`, :func:`run_scenarios`: scenario sweeps;
- :func:`industry_scenario_document` / :func:`industry_scenario`: the ILLUSTRATIVE industry of
  :func:`linkage.industry.illustrative_industry` as a scenario.
"""

from optimize.backcasting import BackcastResult, backcast, write_backcast
from optimize.emissions import emissions_ledger, emissions_summary
from optimize.enterprise import (
    EnterpriseModel,
    EnterpriseResult,
    OptimizationError,
    PlanVerificationError,
    solve_enterprise,
)
from optimize.industry import IndustryModel, IndustryResult, solve_industry
from optimize.industry_scenario import industry_scenario, industry_scenario_document
from optimize.results import PLAN_COLUMNS, ScenarioResult, optimize_scenario
from optimize.scenario import (
    AbatementSegment,
    EnterpriseInput,
    EtsInput,
    MarketInput,
    Scenario,
    ScenarioError,
    TechnologyOption,
    load_scenario,
    parse_scenario,
)
from optimize.sweep import expand_grid, load_sweep, run_scenarios

__all__ = [
    "PLAN_COLUMNS",
    "AbatementSegment",
    "BackcastResult",
    "EnterpriseInput",
    "EnterpriseModel",
    "EnterpriseResult",
    "EtsInput",
    "IndustryModel",
    "IndustryResult",
    "MarketInput",
    "OptimizationError",
    "PlanVerificationError",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "TechnologyOption",
    "backcast",
    "emissions_ledger",
    "emissions_summary",
    "expand_grid",
    "industry_scenario",
    "industry_scenario_document",
    "load_scenario",
    "load_sweep",
    "optimize_scenario",
    "parse_scenario",
    "run_scenarios",
    "solve_enterprise",
    "solve_industry",
    "write_backcast",
]
