"""Optimisation: each enterprise's least-cost compliance mix (Pyomo + HiGHS).

- :func:`load_scenario` / :func:`parse_scenario`: scenario files (TOML) -> :class:`Scenario`;
- :class:`EnterpriseModel`: build once, change prices, re-solve; every plan verified by
  :func:`linkage.ledger.verify_plan`;
- :func:`optimize_scenario`: every enterprise of a scenario -> :class:`ScenarioResult`.
"""

from optimize.enterprise import (
    EnterpriseModel,
    EnterpriseResult,
    OptimizationError,
    PlanVerificationError,
    solve_enterprise,
)
from optimize.industry import IndustryModel, IndustryResult, solve_industry
from optimize.results import PLAN_COLUMNS, ScenarioResult, optimize_scenario
from optimize.scenario import (
    AbatementSegment,
    EnterpriseInput,
    MarketInput,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_scenario,
)
from optimize.sweep import expand_grid, load_sweep, run_scenarios

__all__ = [
    "PLAN_COLUMNS",
    "AbatementSegment",
    "EnterpriseInput",
    "EnterpriseModel",
    "EnterpriseResult",
    "IndustryModel",
    "IndustryResult",
    "MarketInput",
    "OptimizationError",
    "PlanVerificationError",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "expand_grid",
    "load_scenario",
    "load_sweep",
    "optimize_scenario",
    "parse_scenario",
    "run_scenarios",
    "solve_enterprise",
    "solve_industry",
]
