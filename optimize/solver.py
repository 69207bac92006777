"""The persistent HiGHS solver (``pyomo.contrib.solver``) shared by the enterprise and industry
models: one instance per model, structure scans off after the first solve, and the solution
read as numpy arrays (one gather per variable family instead of one Python call per variable).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
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
        HiGHS's own run time of this solve [s] (with binaries: the MIP and the LP).
    mip_objective : float
        With binaries: the MIP's objective value [CNY] (the fixed LP's ``objective`` equals
        it up to HiGHS's tolerances); NaN for an LP.
    """

    termination: str
    objective: float
    seconds: float
    highs_seconds: float
    mip_objective: float = float("nan")

    @property
    def optimal(self) -> bool:
        """True when HiGHS proved optimality."""
        return self.termination == "convergenceCriteriaSatisfied"


_HIGHS_STATUS = {"kOptimal": "convergenceCriteriaSatisfied", "kInfeasible": "provenInfeasible",
                 "kUnbounded": "unbounded", "kUnboundedOrInfeasible": "infeasibleOrUnbounded"}


class PersistentHighs:
    """A persistent HiGHS instance bound to one Pyomo model.

    The first :meth:`solve` goes through Pyomo's persistent interface, which translates the
    model (``set_instance``). Later solves are re-solves: the structure scans are off, the
    persistent interface pushes the changed mutable parameters to HiGHS
    (``update_parameters``) and HiGHS runs warm on the instance the interface holds, without
    Pyomo's per-solve set-up (option copying, output capture threads, results objects), which
    costs more than HiGHS itself on small models. Call :meth:`structure_changed` after adding
    or removing components; the next solve then goes through Pyomo again.

    With ``binaries`` (a Pyomo ``Binary`` variable of the model) every solve is
    *fix-and-price*: HiGHS solves the MIP (relative gap 1e-9), the binaries are then fixed at
    their optimal (rounded) values and made continuous, and HiGHS re-solves the LP, whose
    duals are the prices reported (those of the LP at the optimal binaries). The next solve
    frees the binaries again.
    """

    def __init__(self, model: pyo.ConcreteModel, binaries: pyo.Var | None = None) -> None:
        self.model = model
        self._binaries = binaries if binaries is not None and len(binaries) else None
        self._fixed = False
        self._solver = SolverFactory("highs")
        cfg = self._solver.config
        cfg.load_solutions = False
        cfg.raise_exception_on_nonoptimal_result = False
        cfg.solver_options = {"threads": 1, "output_flag": False, "mip_rel_gap": 1e-9}
        self._cumulative = 0.0
        self._translated = False
        self._vectorised_costs = False
        self._cols: dict[int, np.ndarray] = {}
        self._rows: dict[int, np.ndarray] = {}
        self._sol: object | None = None
        self._x: np.ndarray | None = None
        self._y: np.ndarray | None = None

    def solve(self, objective: Callable[[], tuple[np.ndarray, np.ndarray]] | None = None
              ) -> Solve:
        """Solve (or re-solve after parameter changes).

        Parameters
        ----------
        objective : callable, optional
            ``objective()`` -> (solver columns, current costs): the objective's coefficients
            computed from the model's prices in one vectorised step. Re-solves then push them
            in one call instead of Pyomo's per-coefficient update (checked once, after the
            first solve, against what Pyomo translated; on any difference Pyomo's update is
            used).
        """
        t0 = time.perf_counter()
        highs = getattr(self._solver, "_solver_model", None)
        if self._fixed and highs is not None:
            self._free_binaries(highs)
        if self._translated and highs is not None:
            if objective is not None and self._vectorised_costs:
                self._push_parameters(highs, objective)
            else:
                self._solver.update_parameters()
            highs.run()
            status = highs.getModelStatus()
            tc = _HIGHS_STATUS.get(str(status).split(".")[-1], str(status))
        else:
            with PauseGC():  # translation creates ~10 objects a row
                res = self._solver.solve(self.model)
            self._freeze_structure()
            tc = str(res.termination_condition).split(".")[-1]
            highs = self._solver._solver_model
            self._vectorised_costs = objective is not None and self._same_costs(highs,
                                                                                objective)
        mip_obj = float("nan")
        if self._binaries is not None and tc == "convergenceCriteriaSatisfied":
            mip_obj = float(highs.getInfo().objective_function_value)
            tc = self._fix_binaries(highs)
        self._sol = highs.getSolution()
        obj = highs.getInfo().objective_function_value
        seconds = time.perf_counter() - t0
        # HiGHS reports its run time cumulated over the persistent instance's solves
        cum = float(highs.getRunTime())
        run = cum - self._cumulative if cum >= self._cumulative else cum
        self._cumulative = cum
        self._x = self._y = None
        optimal = tc == "convergenceCriteriaSatisfied"
        return Solve(tc, float(obj) if optimal else float("nan"), seconds, run, mip_obj)

    def _fix_binaries(self, highs: object) -> str:
        """Fix the binaries at the MIP optimum (rounded), make them continuous and re-solve
        the LP (its duals are the prices); returns the LP's termination name."""
        cols = self.columns(self._binaries).astype(np.int32)
        z = np.round(np.asarray(highs.getSolution().col_value, dtype=float)[cols])
        n = len(cols)
        highs.changeColsBounds(n, cols, z, z)
        highs.changeColsIntegrality(n, cols, np.full(n, highspy.HighsVarType.kContinuous))
        self._fixed = True
        highs.run()
        status = highs.getModelStatus()
        return _HIGHS_STATUS.get(str(status).split(".")[-1], str(status))

    def _free_binaries(self, highs: object) -> None:
        """Undo :meth:`_fix_binaries`: bounds [0, 1] and integrality back."""
        cols = self.columns(self._binaries).astype(np.int32)
        n = len(cols)
        highs.changeColsBounds(n, cols, np.zeros(n), np.ones(n))
        highs.changeColsIntegrality(n, cols, np.full(n, highspy.HighsVarType.kInteger))
        self._fixed = False

    def binary_values(self) -> np.ndarray:
        """The binaries' values at the last solve (fixed in its LP), in index order."""
        if self._binaries is None:
            return np.zeros(0)
        return self.values(self._binaries)

    def _same_costs(self, highs: object,
                    objective: Callable[[], tuple[np.ndarray, np.ndarray]]) -> bool:
        """True when the vectorised costs equal the costs Pyomo gave HiGHS (and the helpers
        needed to push the rest of the parameters exist)."""
        if not all(hasattr(self._solver, a) for a in ("_mutable_helpers", "_mutable_bounds")):
            return False
        cols, costs = objective()
        now = np.asarray(highs.getLp().col_cost_, dtype=float)
        mask = np.ones(len(now), dtype=bool)
        mask[cols] = False
        scale = max(1.0, float(np.abs(now).max(initial=0.0)))
        return bool(np.allclose(now[cols], costs, rtol=1e-12, atol=1e-12 * scale)
                    and not np.any(now[mask]))

    def _push_parameters(self, highs: object,
                         objective: Callable[[], tuple[np.ndarray, np.ndarray]]) -> None:
        """Objective costs in one call; constraint and bound parameters by Pyomo's helpers."""
        cols, costs = objective()
        highs.changeColsCost(len(cols), cols.astype(np.int32), costs)
        for helpers in self._solver._mutable_helpers.values():
            for helper in helpers:
                helper.update()
        for _v, helper in self._solver._mutable_bounds.values():
            helper.update()

    def _freeze_structure(self) -> None:
        au = self._solver.config.auto_updates
        for k in _STRUCTURE_SCANS:
            if k in au:
                setattr(au, k, False)
        self._translated = True

    def structure_changed(self) -> None:
        """Switch the structure scans back on for the next solve (after editing the model)."""
        au = self._solver.config.auto_updates
        for k in _STRUCTURE_SCANS:
            if k in au:
                setattr(au, k, True)
        self._translated = False
        self._cols.clear()
        self._rows.clear()

    # ----------------------------------------------------------------- solution arrays
    def x(self) -> np.ndarray:
        """The primal solution by solver column."""
        if self._x is None:
            self._x = np.asarray(self._sol.col_value, dtype=float)
        return self._x

    def columns(self, var: pyo.Var) -> np.ndarray:
        """Solver columns of an indexed variable, in its index order."""
        cols = self._cols.get(id(var))
        if cols is None:
            vmap = self._solver._pyomo_var_to_solver_var_map
            cols = np.fromiter((vmap[id(v)] for v in var.values()), dtype=np.int64,
                               count=len(var))
            self._cols[id(var)] = cols
        return cols

    def values(self, var: pyo.Var) -> np.ndarray:
        """Primal values of an indexed variable, in its index order [its unit]."""
        return self.x()[self.columns(var)] if len(var) else np.zeros(0)

    def duals(self, con: pyo.Constraint) -> np.ndarray:
        """Duals of an indexed constraint, in its index order [CNY per unit of the row]."""
        n = len(con)
        if n == 0:
            return np.zeros(0)
        if self._y is None:
            self._y = np.asarray(self._sol.row_dual, dtype=float)
        rows = self._rows.get(id(con))
        if rows is None:
            cmap = self._solver._pyomo_con_to_solver_con_map
            rows = np.fromiter((cmap[c] for c in con.values()), dtype=np.int64, count=n)
            self._rows[id(con)] = rows
        return self._y[rows]

    def load_values(self) -> None:
        """Write the last solution into the Pyomo variables (``var.value``)."""
        x = self.x()
        vmap = self._solver._pyomo_var_to_solver_var_map
        for v in self.model.component_data_objects(pyo.Var, descend_into=True):
            col = vmap.get(id(v))
            if col is not None:
                v.set_value(float(x[col]), skip_validation=True)
