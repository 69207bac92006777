"""A scenario's optimisation over all its enterprises, and its output files."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from conversions.vocabulary import renamed_attributes
from linkage.outputs import OutputDir
from optimize.emissions import emissions_ledger, emissions_summary
from optimize.enterprise import EnterpriseModel, EnterpriseResult
from optimize.scenario import Scenario

__all__ = ["PLAN_COLUMNS", "ScenarioResult", "optimize_scenario"]

#: Columns of ``plan.csv``.
PLAN_COLUMNS = ["enterprise", "year", "instrument", "vintage", "action", "quantity", "unit",
                "cash_flow_cny", "counterparty"]


@renamed_attributes("python.ScenarioResult")
@dataclass
class ScenarioResult:
    """Every enterprise of a scenario optimised separately at the scenario's prices.

    Attributes
    ----------
    scenario : Scenario
    enterprises : dict name -> EnterpriseResult
    """

    scenario: Scenario
    enterprises: dict[str, EnterpriseResult] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """``"optimal"`` when every enterprise solved."""
        return "optimal" if all(r.status == "optimal" for r in self.enterprises.values()) \
            else "failed"

    @property
    def total_cost_cny(self) -> float:
        """Sum of the enterprises' discounted costs [CNY]."""
        return float(sum(r.total_cost_cny for r in self.enterprises.values()))

    @property
    def plan(self) -> pd.DataFrame:
        """All enterprises' transactions (``PLAN_COLUMNS``)."""
        frames = [r.plan for r in self.enterprises.values()]
        if not frames:
            return pd.DataFrame(columns=PLAN_COLUMNS)
        return pd.concat(frames, ignore_index=True)[PLAN_COLUMNS]

    @property
    def uncovered_deficits(self) -> list[tuple[str, int, str, float]]:
        """(enterprise, year, "cafc"|"nev", credits) left uncovered (formerly ``uncovered``,
        still readable with a DeprecationWarning)."""
        out = []
        for name, r in self.enterprises.items():
            for y, d in r.uncovered_credits.items():
                for kind, q in d.items():
                    if q > 0:
                        out.append((name, y, kind, q))
        return out

    @property
    def provisional_parameters(self) -> list[str]:
        """Provisional or scenario rule parameters any enterprise's result relied on, sorted."""
        return sorted({k for r in self.enterprises.values() for k in r.provisional_parameters})

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (what ``summary.json`` holds)."""
        sc = self.scenario
        solver = next((r.solver for r in self.enterprises.values()), "")
        return {
            "scenario": sc.name,
            "years": sc.years,
            "status": self.status,
            "total_cost_cny": self.total_cost_cny,
            "discount_rate": sc.discount_rate,
            "rules": sc.rules_label,
            "linkage": None if sc.link is None else {
                "basis": sc.link.basis,
                "exchange_rate_credits_per_t_co2e": sc.link.exchange_rate_credits_per_t_co2e,
                "allow_cea_for_deficits": sc.link.allow_cea_for_deficits,
                "cea_clears": list(sc.link.cea_clears),
                "max_cea_deficit_share": sc.link.max_cea_deficit_share,
                "allow_credit_offsets": sc.link.allow_credit_offsets,
                "offset_cap_t_co2e": {str(k): v for k, v in sc.link.offset_cap_t_co2e.items()},
                "basis_assumptions": sc.basis_assumptions,
            },
            "enterprises": {n: r.summary() for n, r in self.enterprises.items()},
            "emissions": emissions_summary(emissions_ledger(self.plan, sc)),
            "provisional_parameters": self.provisional_parameters,
            "solver": {"name": "highs (pyomo.contrib.solver)", "version": solver},
            "verified": "every plan passed linkage.ledger.verify_plan",
        }

    def write(self, out: str | Path, *, overwrite: bool = False) -> list[Path]:
        """Write ``plan.csv`` and ``summary.json`` into the folder ``out``, whole or not at all.

        Parameters
        ----------
        out : path
            Output folder, written beside it and renamed into place at the end.
        overwrite : bool
            Replace an existing (non-empty) ``out``; otherwise it is refused.

        Returns
        -------
        list of Path
            The files written.

        Raises
        ------
        linkage.outputs.OutputError
        """
        with OutputDir(out, overwrite=overwrite) as d:
            self.plan.to_csv(d / "plan.csv", index=False)
            (d / "summary.json").write_text(json.dumps(
                self.summary(), indent=2, ensure_ascii=False, default=float,
                allow_nan=False))
        return [Path(out) / "plan.csv", Path(out) / "summary.json"]


def optimize_scenario(
    scenario: Scenario,
    *,
    extra_functionality: Callable[..., None] | None = None,
) -> ScenarioResult:
    """Optimise every enterprise of ``scenario`` separately at its prices.

    Parameters
    ----------
    scenario : Scenario
    extra_functionality : callable, optional
        Passed to each :class:`~optimize.enterprise.EnterpriseModel`.

    Returns
    -------
    ScenarioResult

    Raises
    ------
    OptimizationError, PlanVerificationError
    """
    res = ScenarioResult(scenario)
    for ent in scenario.enterprises:
        model = EnterpriseModel(scenario, ent, extra_functionality=extra_functionality)
        res.enterprises[ent.name] = model.solve()
    return res
