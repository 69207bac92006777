"""The persistent HiGHS solver (``pyomo.contrib.solver``) shared by the enterprise and industry
models: one instance per model, structure scans off after the first solve, and the solution
read as numpy arrays (one gather per variable family instead of one Python call per variable).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

__all__ = ["PersistentHighs", "Solve", "solver_version"]

_STRUCTURE_SCANS = ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                    "check_for_new_or_removed_params", "check_for_new_objective",
                    "update_constraints", "update_vars", "update_named_expressions")


def solver_version() -> str:
    """``"HiGHS x.y.z"`` without printing HiGHS's banner."""
    v = SolverFactory("highs").version()
    return "HiGHS " + ".".join(str(x) for x in v) if v else "HiGHS"


@dataclass
class Solve:
    """One solve's outcome.

    Attributes
    ----------
    termination : str
        Pyomo's termination condition name (``"convergenceCriteriaSatisfied"`` when optimal).
    objective : float
        Objective value [CNY] (NaN when not optimal).
    seconds : float
        Wall time of the solve call, model update included [s].
    highs_seconds : float
        HiGHS's own run time of this solve [s].
    """

    termination: str
    objective: float
    seconds: float
    highs_seconds: float

    @property
    def optimal(self) -> bool:
        """True when HiGHS proved optimality."""
        return self.termination == "convergenceCriteriaSatisfied"


class PersistentHighs:
    """A persistent HiGHS instance bound to one Pyomo model.

    The first :meth:`solve` translates the model (``set_instance``); later solves only push
    changed mutable parameters (prices, positions) to HiGHS: the scans for new or changed
    variables and constraints are switched off after the first solve. Call
    :meth:`structure_changed` after adding or removing components.
    """

    def __init__(self, model: pyo.ConcreteModel) -> None:
        self.model = model
        self._solver = SolverFactory("highs")
        cfg = self._solver.config
        cfg.load_solutions = False
        cfg.raise_exception_on_nonoptimal_result = False
        cfg.solver_options = {"threads": 1, "output_flag": False}
        self._cumulative = 0.0
        self._results = None
        self._cols: dict[int, np.ndarray] = {}
        self._rows: dict[int, np.ndarray] = {}
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None

    def solve(self) -> Solve:
        """Solve (or re-solve after parameter changes)."""
        t0 = time.perf_counter()
        res = self._solver.solve(self.model)
        seconds = time.perf_counter() - t0
        # HiGHS reports its run time cumulated over the persistent instance's solves
        cum = float(getattr(res.timing_info, "highs_time", float("nan")))
        highs = cum - self._cumulative if cum >= self._cumulative else cum
        self._cumulative = cum
        self._freeze_structure()
        tc = str(res.termination_condition).split(".")[-1]
        self._results = res
        self._x = self._y = None
        obj = res.incumbent_objective
        return Solve(tc, float(obj) if obj is not None and tc.startswith("convergence")
                     else float("nan"), seconds, highs)

    def _freeze_structure(self) -> None:
        au = self._solver.config.auto_updates
        for k in _STRUCTURE_SCANS:
            if k in au:
                setattr(au, k, False)

    def structure_changed(self) -> None:
        """Switch the structure scans back on for the next solve (after editing the model)."""
        au = self._solver.config.auto_updates
        for k in _STRUCTURE_SCANS:
            if k in au:
                setattr(au, k, True)
        self._cols.clear()
        self._rows.clear()

    # ----------------------------------------------------------------- solution arrays
    def _highs_solution(self) -> object | None:
        return getattr(self._solver, "_sol", None)

    def values(self, var: pyo.Var) -> np.ndarray:
        """Primal values of an indexed variable, in its index order [its unit]."""
        n = len(var)
        if n == 0:
            return np.zeros(0)
        sol = self._highs_solution()
        vmap = getattr(self._solver, "_pyomo_var_to_solver_var_map", None)
        if sol is None or vmap is None:  # another Pyomo version: the public, slower path
            vals = self._results.solution_loader.get_primals(list(var.values()))
            return np.array([vals[v] for v in var.values()], dtype=float)
        if self._x is None:
            self._x = np.asarray(sol.col_value, dtype=float)
        cols = self._cols.get(id(var))
        if cols is None:
            cols = np.fromiter((vmap[id(v)] for v in var.values()), dtype=np.int64, count=n)
            self._cols[id(var)] = cols
        return self._x[cols]

    def duals(self, con: pyo.Constraint) -> np.ndarray:
        """Duals of an indexed constraint, in its index order [CNY per unit of the row]."""
        n = len(con)
        if n == 0:
            return np.zeros(0)
        sol = self._highs_solution()
        cmap = getattr(self._solver, "_pyomo_con_to_solver_con_map", None)
        if sol is None or cmap is None:
            d = self._results.solution_loader.get_duals(list(con.values()))
            return np.array([d[c] for c in con.values()], dtype=float)
        if self._y is None:
            self._y = np.asarray(sol.row_dual, dtype=float)
        rows = self._rows.get(id(con))
        if rows is None:
            rows = np.fromiter((cmap[c] for c in con.values()), dtype=np.int64, count=n)
            self._rows[id(con)] = rows
        return self._y[rows]

    def load_values(self) -> None:
        """Load the solution into the Pyomo variables (``var.value``)."""
        self._results.solution_loader.load_vars()
