"""The industry model: all enterprises at once, NEV credits clearing among them every year.

Each enterprise is one block of the enterprise LP (:mod:`optimize.enterprise`, built in
"industry" mode): its purchases and sales are no longer at given prices but must balance across
the industry every year, CAFC transfers balance inside each affiliate group, and the reserve and
the ETS offset caps are industry-wide. The problem minimises the industry's total discounted
cost; the dual of each year's market-clearing row is the **equilibrium NEV credit price**::

    clear[t]    sum_e sell_e[t] - sum_e buy_e[t] = 0          (dual / delta_t = price [CNY/credit])
    group[g,t]  sum_{e in g} transfer_out_e[t] = sum_{e in g} transfer_in_e[t]
    offsets[t]  sum_e offsets_e[t] / rate <= industry cap [t CO2e]
    reserve[t]  sum_e reserve_e[t] <= reserve cap [credit]

With a transaction cost ``tc`` paid by buyers, the clearing price is what sellers receive and
buyers pay ``price + tc``. In oversupply the price is 0; with CEA surrender allowed without a
cap, the price cannot exceed ``CEA price x t CO2e per credit``.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

from linkage.carbon_link import CarbonLink
from linkage.ledger import TRANSACTION_COLUMNS, Violation, verify_plan
from linkage.outputs import OutputDir
from linkage.pool import ReserveVariant
from linkage.rules import record_lookups
from optimize.enterprise import (
    EnterpriseModel,
    OptimizationError,
    PlanVerificationError,
    _solver_version,
)
from optimize.scenario import Scenario

__all__ = ["IndustryModel", "IndustryResult", "solve_industry"]

_ZERO = 1e-7


@dataclass
class IndustryResult:
    """Equilibrium of the industry model.

    Attributes
    ----------
    status : str
    total_cost_cny : float
        Industry's discounted total cost [CNY].
    prices : DataFrame
        ``year, nev_price_cny_per_credit, implied_carbon_price_cny_per_t, traded_credits``.
    enterprises : DataFrame
        Per enterprise and year: ``cost_cny`` (money of the year; NEV purchases and sales at
        the equilibrium price), ``bought``, ``sold``, ``deposited``, ``withdrawn``,
        ``transferred_in``, ``transferred_out`` [credit], ``cea_t`` [t CO2e], ``cea_credits``,
        ``offsets_t`` [t CO2e], ``abated`` [credit], ``uncovered`` [credit].
    plan : DataFrame
        The industry's transactions (ledger shape), verified.
    solver : str
    solve_seconds : float
    highs_seconds : float
    """

    status: str
    total_cost_cny: float
    prices: pd.DataFrame
    enterprises: pd.DataFrame
    plan: pd.DataFrame
    solver: str = ""
    solve_seconds: float = 0.0
    highs_seconds: float = float("nan")
    provisional_parameters: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (``summary.json`` of ``linkage market``)."""
        return {
            "status": self.status,
            "total_cost_cny": self.total_cost_cny,
            "nev_price_cny_per_credit": {str(int(r.year)): r.nev_price_cny_per_credit
                                         for r in self.prices.itertuples()},
            "implied_carbon_price_cny_per_t": {
                str(int(r.year)): r.implied_carbon_price_cny_per_t
                for r in self.prices.itertuples()},
            "uncovered_credits": float(self.enterprises["uncovered"].sum()),
            "provisional_parameters": self.provisional_parameters,
            "solver": {"name": "highs (pyomo.contrib.solver)", "version": self.solver},
            "verified": "the industry plan passed linkage.ledger.verify_plan",
        }

    def write(self, out: str | Path, *, overwrite: bool = False) -> list[Path]:
        """Write ``prices.csv``, ``enterprises.csv`` and ``summary.json`` into ``out``.

        Parameters
        ----------
        out : path
            Output folder, written beside it and renamed into place at the end (whole or
            not at all).
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
        prices = self.prices[["year", "nev_price_cny_per_credit",
                              "implied_carbon_price_cny_per_t"]]
        names = ["prices.csv", "enterprises.csv", "summary.json"]
        with OutputDir(out, overwrite=overwrite) as d:
            prices.to_csv(d / names[0], index=False)
            self.enterprises.to_csv(d / names[1], index=False)
            (d / names[2]).write_text(json.dumps(
                self.summary(), indent=2, ensure_ascii=False, default=float,
                allow_nan=False))
        return [Path(out) / n for n in names]


class IndustryModel:
    """All enterprises of a scenario in one LP; prices are outputs.

    Parameters
    ----------
    scenario : Scenario
        ``[market]`` needs no prices; ``nev_transaction_cost`` [CNY/credit] is used when given;
        the linkage's ``offset_cap_t`` is industry-wide here.
    extra_functionality : callable, optional
        ``f(model, self)`` called before the first solve.
    """

    def __init__(self, scenario: Scenario, *,
                 extra_functionality: Callable[[pyo.ConcreteModel, IndustryModel], None]
                 | None = None) -> None:
        self.scenario = scenario
        m = pyo.ConcreteModel(name=f"industry:{scenario.name}")
        names = [e.name for e in scenario.enterprises]
        m.firm = pyo.Block(names)
        self.firms: dict[str, EnterpriseModel] = {}
        for ent in scenario.enterprises:
            self.firms[ent.name] = EnterpriseModel(scenario, ent, block=m.firm[ent.name])
        years = scenario.years
        self.years = years

        def buys(t: int) -> Any:
            return sum(f.model.b[tt, g] for f in self.firms.values()
                       for (tt, g) in f.def_idx if tt == t)

        def sells(t: int) -> Any:
            return sum(f.model.sell[v, tt] for f in self.firms.values()
                       for (v, tt) in f.pairs["nev"] if tt == t)

        m.market_clearing = pyo.Constraint(years, rule=lambda m, t: sells(t) - buys(t) == 0)
        groups: dict[str, list[EnterpriseModel]] = defaultdict(list)
        for f in self.firms.values():
            groups[f.ent.group].append(f)
        self.groups = dict(groups)
        gidx = [(g, t) for g in groups for t in years]

        def group_rule(m: pyo.ConcreteModel, g: str, t: int) -> Any:
            out = sum(f.model.tro[t] for f in groups[g] if t in f.model.tro)
            inn = sum(f.model.tr[t] for f in groups[g] if t in f.model.tr)
            if isinstance(out, int) and isinstance(inn, int):
                return pyo.Constraint.Skip
            return out == inn

        m.group = pyo.Constraint(gidx, rule=group_rule)
        link, mk = scenario.link, scenario.market
        if link is not None and link.allow_credit_offsets and link.offset_cap_t:
            m.offset_cap = pyo.Constraint(
                [t for t in years if t in link.offset_cap_t],
                rule=lambda m, t: sum(f.model.so[k, v, tt] for f in self.firms.values()
                                      for (k, v, tt) in f.model.so if tt == t)
                <= link.offset_cap_t[t] * link.exchange_rate_credits_per_t)
        if mk.reserve_price is not None and mk.reserve_max_credits_per_year is not None:
            ryears = sorted({t for f in self.firms.values() for (t, _g) in f.model.rs})
            m.reserve_cap = pyo.Constraint(
                ryears, rule=lambda m, t: sum(f.model.rs[tt, g] for f in self.firms.values()
                                              for (tt, g) in f.model.rs if tt == t)
                <= mk.reserve_max_credits_per_year)
        m.obj = pyo.Objective(expr=sum(sum(f._lever_expr.values())
                                       for f in self.firms.values()), sense=pyo.minimize)
        self.model = m
        self.disc = next(iter(self.firms.values())).disc
        if extra_functionality is not None:
            extra_functionality(m, self)
        self._solver = SolverFactory("highs")
        self._solver.config.load_solutions = False
        self._solver.config.raise_exception_on_nonoptimal_result = False
        self._solver.config.solver_options = {"threads": 1, "output_flag": False}
        self.last_highs_seconds = float("nan")

    def set_prices(self, *, cea_price: dict[int, float] | None = None,
                   abatement_cost: dict[str, dict[int, float]] | None = None,
                   penalty_cny_per_credit: float | None = None,
                   reserve_price: float | None = None) -> None:
        """Change exogenous prices in place, for a re-solve on the persistent solver.

        Parameters
        ----------
        cea_price : dict year -> float, optional
            [CNY/t CO2e].
        abatement_cost : dict enterprise -> {segment index: cost}, optional
            [CNY/credit].
        penalty_cny_per_credit, reserve_price : float, optional
            [CNY/credit].
        """
        for name, f in self.firms.items():
            f.set_prices(cea_price=cea_price,
                         abatement_cost=(abatement_cost or {}).get(name),
                         penalty_cny_per_credit=penalty_cny_per_credit,
                         reserve_price=reserve_price)

    def solve(self, *, verify: bool = True) -> IndustryResult:
        """Solve (or re-solve) for the equilibrium.

        Raises
        ------
        OptimizationError, PlanVerificationError
        """
        t0 = time.perf_counter()
        res = self._solver.solve(self.model)
        seconds = time.perf_counter() - t0
        tc = str(res.termination_condition).split(".")[-1]
        if tc != "convergenceCriteriaSatisfied":
            if "nfeasible" in tc:
                raise OptimizationError(
                    f"{self.scenario.name}: the industry cannot meet its requirements ({tc}); "
                    "add [penalty] uncovered_credit_cny, abatement or a linkage")
            raise OptimizationError(f"{self.scenario.name}: no optimal solution ({tc})")
        # HiGHS reports its run time cumulated over the persistent instance's solves
        cum = float(getattr(res.timing_info, "highs_time", float("nan")))
        prev = getattr(self, "_highs_cumulative", 0.0)
        self.last_highs_seconds = cum - prev if cum >= prev else cum
        self._highs_cumulative = cum
        self._structure_fixed()
        res.solution_loader.load_vars()
        m = self.model
        duals = res.solution_loader.get_duals([m.market_clearing[t] for t in self.years])
        price = {}
        for t in self.years:
            p = float(duals[m.market_clearing[t]]) / self.disc[t]
            price[t] = 0.0 if abs(p) < 1e-7 else p
        for f in self.firms.values():
            f.market_price = price
        plan = self._plan()
        if verify:
            with record_lookups() as used:
                problems = self.verify(plan)
            for f in self.firms.values():
                f.rule_lookups.update(used)
            if problems:
                raise PlanVerificationError(problems)
        first = next(iter(self.firms.values()))
        tpc = first._tpc()
        traded = {t: sum(float(pyo.value(f.model.b[tt, g])) for f in self.firms.values()
                         for (tt, g) in f.def_idx if tt == t) for t in self.years}
        prices = pd.DataFrame({
            "year": self.years,
            "nev_price_cny_per_credit": [price[t] for t in self.years],
            "implied_carbon_price_cny_per_t": [price[t] / tpc for t in self.years],
            "traded_credits": [traded[t] for t in self.years],
        })
        # what each firm's fleet accounting, its LP block and the verifier looked up
        prov = sorted({k for f in self.firms.values() for k in f.provisional_parameters()})
        return IndustryResult("optimal", float(pyo.value(m.obj)), prices,
                              self._per_enterprise(plan), plan, _solver_version(), seconds,
                              self.last_highs_seconds, prov)

    def _structure_fixed(self) -> None:
        """After the first solve only mutable prices change (set_prices): skip Pyomo's scan
        for new or changed variables and constraints on re-solves (a large saving at 10^4
        rows). Call ``self._solver.config.auto_updates`` yourself to undo it if you change
        the model's structure afterwards."""
        au = self._solver.config.auto_updates
        for k in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                  "check_for_new_or_removed_params", "check_for_new_objective",
                  "update_constraints", "update_vars", "update_named_expressions"):
            if k in au:
                setattr(au, k, False)

    def verify(self, plan: pd.DataFrame) -> list[Violation]:
        """Check the whole industry plan (every enterprise's slice) with verify_plan."""
        sc, mk = self.scenario, self.scenario.market
        st = pd.concat([f.ent.statements() for f in self.firms.values()], ignore_index=True)
        opening = [f.ent.opening.assign(enterprise=f.ent.name) for f in self.firms.values()
                   if len(f.ent.opening)]
        link = sc.link
        if link is not None and link.offset_cap_t:
            # the cap is industry-wide here: checked by the model, not per enterprise
            link = CarbonLink(**{**link.__dict__, "offset_cap_t": {}})
        return verify_plan(
            plan, st, sc.rules, years=sc.years, supply_demand_ratio=mk.supply_demand_ratio,
            reserve=ReserveVariant(mk.reserve_price, mk.reserve_max_credits_per_year),
            opening=pd.concat(opening, ignore_index=True) if opening else None, link=link,
        )

    def _plan(self) -> pd.DataFrame:
        rows: list[tuple] = [r for f in self.firms.values() for r in f._plan_rows()]
        for _g, members in self.groups.items():
            for t in self.years:
                donors = [[f.ent.name, float(f.model.tro[t].value or 0.0)] for f in members
                          if t in f.model.tro]
                takers = [[f.ent.name, float(f.model.tr[t].value or 0.0)] for f in members
                          if t in f.model.tr]
                donors = [d for d in donors if d[1] > _ZERO]
                takers = [k for k in takers if k[1] > _ZERO]
                for taker in takers:
                    for donor in donors:
                        q = min(taker[1], donor[1])
                        if q <= _ZERO:
                            continue
                        rows.append((donor[0], t, "cafc", t, "transfer_out", q, np.nan,
                                     taker[0], 0.0, "credit"))
                        rows.append((taker[0], t, "affiliate_cafc", t, "transfer_in", q,
                                     np.nan, donor[0], 0.0, "credit"))
                        taker[1] -= q
                        donor[1] -= q
        plan = pd.DataFrame(rows, columns=TRANSACTION_COLUMNS)
        return plan.astype({"year": np.int64, "vintage": np.int64})

    def _per_enterprise(self, plan: pd.DataFrame) -> pd.DataFrame:
        from linkage.ledger import mirror_rows

        p = plan[~mirror_rows(plan)]
        keys = {
            "bought": (p["action"] == "buy") & (p["instrument"] == "nev_market"),
            "sold": p["action"] == "sell",
            "deposited": p["action"] == "deposit",
            "withdrawn": p["action"] == "withdraw",
            "transferred_in": p["action"] == "transfer_in",
            "transferred_out": p["action"] == "transfer_out",
            "cea_t": (p["action"] == "buy") & (p["instrument"] == "cea"),
            "cea_credits": (p["instrument"] == "cea") & p["action"].str.startswith("offset"),
            "offsets_t": p["action"] == "sell_offset",
            "abated": p["action"] == "abate",
            "uncovered": p["action"] == "uncovered",
        }
        idx = pd.MultiIndex.from_product([list(self.firms), self.years],
                                         names=["enterprise", "year"])
        out = pd.DataFrame(index=idx)
        out["cost_cny"] = -p.groupby(["enterprise", "year"])["cash_flow_cny"].sum()
        for name, mask in keys.items():
            out[name] = p[mask.to_numpy()].groupby(["enterprise", "year"])["quantity"].sum()
        link = self.scenario.link
        if link is not None:
            out["offsets_t"] = out["offsets_t"] / link.exchange_rate_credits_per_t
        return out.fillna(0.0).reset_index()


def solve_industry(scenario: Scenario, **kwargs: Any) -> IndustryResult:
    """Build and solve the industry model (see :class:`IndustryModel`)."""
    return IndustryModel(scenario, **kwargs).solve()
