"""One enterprise's least-cost compliance over several years: a Pyomo LP solved by HiGHS.

The model is built once; prices are mutable parameters, so a sweep changes them and re-solves
on the persistent solver. Every plan is checked by the ledger's independent
:func:`~linkage.ledger.verify_plan` before it is returned.

Formulation (all variables >= 0, credits unless said; t = year, v = vintage, g = the deficit
cleared, "cafc" or "nev"; delta_t = (1 + r)^-(t - t0))::

    position   own[k,t] - sum_j a[j,t] = B[k,t]          (surplus year of k: B >= 0)
               -dfc[k,t] - sum_j a[j,t] = B[k,t]         (deficit year of k: B < 0)
    vintage    sum_g use[k,v,t,g] + sell[v,t] + so[k,v,t] + dep[t] + end[k,v,t] = open[k,v,t]
               open[k,t,t] = own[k,t];  open[k,v,t] = f_k(v) end[k,v,t-1]  while t - v <= N_k(v)
               (and, for NEV, the vintage was eligible); opening vintages: face f^age
    pool       stock[d,t] = stock[d,t-1] (+ dep[d] if t = d) - sum_g wd[d,t,g]   t - d <= 5
               sum wd[.,t,.] <= share x stock at the start of t;  dep[t] <= share x own[nev,t]
               (deposits only when ratio > 2.0, withdrawals only when ratio < 1.5)
    cover      sum use[.,.,t,g] + sum_d wd[d,t,g] + b[t,g] + rs[t,g] + tr[t] (g = cafc)
               + ce[t,g] + unc[t,g] = dfc[g,t]           (CAFC credits never clear g = nev)
    caps       sum_g b[t,g] <= buy limit; tr[t] <= affiliates; ce[t,g] <= share x dfc[g,t];
               sum so[.,.,t] / rate <= offset cap; a[j,t] <= segment size
    objective  min sum_t delta_t ( (p_buy + tc) b + p_reserve rs + p_cea ce / rate - p_sell sell
               - p_cea so / rate + c_j a + penalty unc )

The dual of the position row is the marginal cost of one more credit of requirement:
``shadow price = -dual / delta_t`` [CNY/credit, money of year t]. A position of exactly 0 is
modelled as a deficit year (so the dual is the cost of one more credit of requirement) unless
the enterprise has abatement of that kind.

Limitation (LP, no integers): in a deficit year of a kind, abatement of that kind can at most
erase the deficit; it cannot also create a surplus of that kind in the same year. Representing
"surplus or deficit, never both" exactly would need binary variables, and the shadow prices
this model exists for would be lost. ``tc`` is ``[market] nev_transaction_cost`` [CNY/credit]
added to every purchase.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.contrib.solver.common.factory import SolverFactory

from linkage.errors import LinkageError
from linkage.ledger import TRANSACTION_COLUMNS, Violation, verify_plan
from linkage.ledger.carry import carry_factor, carry_step
from linkage.ledger.verify import EXTERNAL_AFFILIATES
from linkage.pool import ReserveVariant, pool_window
from linkage.rules import ParameterLog, record_lookups
from optimize.scenario import EnterpriseInput, Scenario

__all__ = [
    "EnterpriseModel",
    "EnterpriseResult",
    "OptimizationError",
    "PlanVerificationError",
    "solve_enterprise",
]

_ZERO = 1e-7


class OptimizationError(LinkageError):
    """The LP is infeasible, unbounded or the solver failed; the message says why."""


class PlanVerificationError(LinkageError):
    """The optimizer's plan broke a rule (a bug): the violations are attached."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("the optimal plan fails verify_plan: " +
                         "; ".join(str(v) for v in violations[:5]))


@dataclass
class EnterpriseResult:
    """Least-cost plan of one enterprise.

    Attributes
    ----------
    enterprise : str
    status : str
        ``"optimal"``.
    total_cost_cny : float
        Discounted total cost [CNY] (money of the first year).
    plan : DataFrame
        Transactions (ledger shape, plus ``unit`` and ``cash_flow_cny`` [CNY, money of the
        year, negative = payment]).
    cost_by_instrument : dict
        Discounted cost per lever [CNY]; sums to ``total_cost_cny``.
    shadow_price_nev_cny_per_credit, shadow_price_cafc_cny_per_credit : dict year -> float
        Marginal cost of one more credit of requirement [CNY/credit, money of the year].
    implied_carbon_price_cny_per_t : dict year -> float
        NEV shadow price / t CO2e per credit [CNY/t CO2e].
    uncovered_deficit : dict year -> dict
        Credits left uncovered, ``{"cafc": x, "nev": y}`` [credit].
    provisional_parameters : list of str
        Provisional or scenario rule parameters the result relied on: those the fleet's
        accounting, the LP and the verifier looked up (recorded by ``record_lookups``).
    solver : str
    solve_seconds : float
        Wall time of the last solve, model update included [s].
    highs_seconds : float
        Time HiGHS itself reported for the solve [s].
    """

    enterprise: str
    status: str
    total_cost_cny: float
    plan: pd.DataFrame
    cost_by_instrument: dict[str, float]
    shadow_price_nev_cny_per_credit: dict[int, float]
    shadow_price_cafc_cny_per_credit: dict[int, float]
    implied_carbon_price_cny_per_t: dict[int, float]
    uncovered_deficit: dict[int, dict[str, float]]
    provisional_parameters: list[str] = field(default_factory=list)
    solver: str = ""
    solve_seconds: float = 0.0
    highs_seconds: float = float("nan")

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "total_cost_cny": self.total_cost_cny,
            "cost_by_instrument": self.cost_by_instrument,
            "shadow_price_nev_cny_per_credit": {str(k): v for k, v in
                                                self.shadow_price_nev_cny_per_credit.items()},
            "shadow_price_cafc_cny_per_credit": {str(k): v for k, v in
                                                 self.shadow_price_cafc_cny_per_credit.items()},
            "implied_carbon_price_cny_per_t": {str(k): v for k, v in
                                               self.implied_carbon_price_cny_per_t.items()},
            "uncovered_deficit": {str(k): v for k, v in self.uncovered_deficit.items()},
            "provisional_parameters": self.provisional_parameters,
        }


def _solver_version() -> str:
    """``"HiGHS x.y.z"`` without printing HiGHS's banner."""
    v = SolverFactory("highs").version()
    return "HiGHS " + ".".join(str(x) for x in v) if v else "HiGHS"


class EnterpriseModel:
    """The LP of one enterprise in a scenario; build once, change prices, re-solve.

    Parameters
    ----------
    scenario : Scenario
    enterprise : EnterpriseInput or str
        The enterprise (or its name in the scenario).
    extra_functionality : callable, optional
        ``f(model, self)`` called on the built Pyomo model before the first solve, to add
        constraints or variables (an extension seam, as PyPSA's ``extra_functionality``).
    t_per_credit_for_prices : float, optional
        t CO2e per credit used to express shadow prices per tonne when the scenario has no
        linkage (default: the ``ttw-real-world`` basis).

    Examples
    --------
    >>> m = EnterpriseModel(scenario, "Demo Auto A")        # doctest: +SKIP
    >>> r1 = m.solve()                                       # doctest: +SKIP
    >>> m.set_prices(nev_buy_price={2025: 800.0}); r2 = m.solve()   # doctest: +SKIP
    """

    def __init__(
        self,
        scenario: Scenario,
        enterprise: EnterpriseInput | str,
        *,
        extra_functionality: Callable[[pyo.ConcreteModel, EnterpriseModel], None] | None = None,
        t_per_credit_for_prices: float | None = None,
        block: pyo.Block | None = None,
    ) -> None:
        if isinstance(enterprise, str):
            found = [e for e in scenario.enterprises if e.name == enterprise]
            if not found:
                raise KeyError(f"no enterprise {enterprise!r} in the scenario")
            enterprise = found[0]
        self.scenario = scenario
        self.ent = enterprise
        self._tpc_prices = t_per_credit_for_prices
        #: "industry" when the enterprise is one block of the industry model: purchases and
        #: sales then clear among enterprises at the equilibrium price, CAFC transfers balance
        #: inside the group, and caps are industry-wide (see optimize.industry).
        self.mode = "industry" if block is not None else "enterprise"
        self.market_price: dict[int, float] = {}
        if self.mode == "enterprise" and scenario.market.nev_buy_price is None:
            from optimize.scenario import ScenarioError

            raise ScenarioError("the enterprise optimizer needs NEV credit prices",
                                file=scenario.source, key="market.nev_buy_price")
        #: Every rule parameter the LP (and its verification) looked up (provenance).
        self.rule_lookups: ParameterLog
        with record_lookups() as self.rule_lookups:
            self.model = self._build(block)
        if block is not None:
            return
        if extra_functionality is not None:
            extra_functionality(self.model, self)
        self._solver = SolverFactory("highs")
        self._solver.config.load_solutions = False
        self._solver.config.raise_exception_on_nonoptimal_result = False
        self._solver.config.solver_options = {"threads": 1, "output_flag": False}
        self._version = ""

    # ------------------------------------------------------------------ build
    def _build(self, block: pyo.Block | None = None) -> pyo.ConcreteModel:
        sc, ent, mk, link = self.scenario, self.ent, self.scenario.market, self.scenario.link
        years = sc.years
        t0 = years[0]
        rules = sc.rules
        books = {y: rules.for_year(y) for y in years}
        win = {y: pool_window(y, mk.supply_demand_ratio[y], books[y]) for y in years}
        B = {"cafc": ent.cafc_credits, "nev": ent.nev_credits}
        # A zero position is modelled on the deficit side (so its dual is the cost of one more
        # credit of requirement) unless abatement of that kind could turn it into a surplus.
        abates = {k: any(s.kind == k for s in ent.abatement) for k in B}
        surplus = {k: {t for t in years if B[k][t] > 0 or (B[k][t] == 0 and abates[k])}
                   for k in B}
        deficit = {k: {t for t in years if t not in surplus[k]} for k in B}
        m = block if block is not None else pyo.ConcreteModel(name=f"{sc.name}:{ent.name}")
        industry = self.mode == "industry"
        self.years, self.books, self.win = years, books, win
        self.surplus, self.deficit, self.B = surplus, deficit, B

        def book_of(v: int) -> Any:
            return rules.for_year(v) if v in rules else books[t0]

        # vintages and holding pairs
        opening = {k: {} for k in ("cafc", "nev", "pool")}
        for r in ent.opening.itertuples(index=False):
            opening[r.instrument][int(r.vintage)] = opening[r.instrument].get(
                int(r.vintage), 0.0) + float(r.quantity)
        pairs: dict[str, list[tuple[int, int]]] = {"cafc": [], "nev": []}
        open_const: dict[tuple[str, int, int], float] = {}
        for k in ("cafc", "nev"):
            for v, face in opening[k].items():
                bk = book_of(v)
                n_years = int(bk[f"{k}.carry_years"])
                for t in years:
                    if t - v <= n_years:
                        pairs[k].append((v, t))
                if t0 - v <= n_years:
                    open_const[(k, v, t0)] = face * carry_factor(bk, k, t0 - v)
            for v in sorted(surplus[k]):
                bk = book_of(v)
                n_years = int(bk[f"{k}.carry_years"])
                ok = k == "cafc" or ent.nev_carry_eligible[v]
                for t in years:
                    if t == v or (t > v and ok and t - v <= n_years):
                        pairs[k].append((v, t))
        self.pairs = pairs
        targets = {"cafc": ("cafc",), "nev": ("cafc", "nev")}
        use_idx = [(k, v, t, g) for k in pairs for (v, t) in pairs[k] for g in targets[k]
                   if t in deficit[g]]
        link_on = link is not None
        offsets_on = link_on and link.allow_credit_offsets
        cea_on = link_on and link.allow_cea_for_deficits

        pool_vint = sorted(set(opening["pool"]) | {t for t in surplus["nev"]
                                                  if win[t].deposit_open})
        stock_idx = [(d, t) for d in pool_vint for t in years
                     if t >= d and t - d <= win[t].validity_years]
        wd_idx = [(d, t, g) for (d, t) in stock_idx for g in ("cafc", "nev")
                  if t > d and win[t].release_open and t in deficit[g]]
        dep_years = [t for t in surplus["nev"] if win[t].deposit_open]
        reserve_on = mk.reserve_price is not None
        def_idx = [(t, g) for g in ("cafc", "nev") for t in sorted(deficit[g])]
        seg_idx = [(j, t) for j, _s in enumerate(ent.abatement) for t in years]

        m.use = pyo.Var(use_idx, domain=pyo.NonNegativeReals)
        m.end = pyo.Var([(k, v, t) for k in pairs for (v, t) in pairs[k]],
                        domain=pyo.NonNegativeReals)
        m.own = pyo.Var([(k, t) for k in surplus for t in sorted(surplus[k])],
                        domain=pyo.NonNegativeReals)
        m.dfc = pyo.Var([(k, t) for k in deficit for t in sorted(deficit[k])],
                        domain=pyo.NonNegativeReals)
        m.sell = pyo.Var(pairs["nev"], domain=pyo.NonNegativeReals)
        m.so = pyo.Var([(k, v, t) for k in pairs for (v, t) in pairs[k]] if offsets_on else [],
                       domain=pyo.NonNegativeReals)
        m.dep = pyo.Var(dep_years, domain=pyo.NonNegativeReals)
        m.stock = pyo.Var(stock_idx, domain=pyo.NonNegativeReals)
        m.wd = pyo.Var(wd_idx, domain=pyo.NonNegativeReals)
        m.b = pyo.Var(def_idx, domain=pyo.NonNegativeReals)
        m.rs = pyo.Var([(t, g) for (t, g) in def_idx if reserve_on and win[t].release_open],
                       domain=pyo.NonNegativeReals)
        m.tr = pyo.Var([t for t in sorted(deficit["cafc"])], domain=pyo.NonNegativeReals)
        # industry mode: the year's own CAFC surplus may go to affiliates (transfer out)
        m.tro = pyo.Var(sorted(surplus["cafc"]) if industry else [],
                        domain=pyo.NonNegativeReals)
        m.ce = pyo.Var([(t, g) for (t, g) in def_idx if cea_on and g in link.cea_clears],
                       domain=pyo.NonNegativeReals)
        m.unc = pyo.Var(def_idx if sc.penalty_cny_per_credit is not None else [],
                        domain=pyo.NonNegativeReals)
        m.a = pyo.Var(seg_idx, domain=pyo.NonNegativeReals)

        # mutable prices
        disc = {t: (1.0 + sc.discount_rate) ** -(t - t0) for t in years}
        m.p_buy = pyo.Param(years, mutable=True, initialize=mk.nev_buy_price or {})
        m.p_sell = pyo.Param(years, mutable=True, initialize=mk.nev_sell_price or {})
        m.p_cea = pyo.Param(years, mutable=True,
                            initialize={t: sc.cea_price.get(t, 0.0) for t in years})
        m.p_reserve = pyo.Param(mutable=True, initialize=mk.reserve_price or 0.0)
        m.p_tc = pyo.Param(mutable=True, initialize=mk.nev_transaction_cost)
        m.p_penalty = pyo.Param(mutable=True, initialize=sc.penalty_cny_per_credit or 0.0)
        m.rate = pyo.Param(mutable=True,
                           initialize=link.exchange_rate_credits_per_t if link_on else 1.0)
        m.p_abate = pyo.Param(range(len(ent.abatement)), mutable=True,
                              initialize={j: s.cost_cny_per_credit
                                          for j, s in enumerate(ent.abatement)})
        self.disc = disc

        # position rows (their duals are the shadow prices)
        def seg_sum(k: str, t: int) -> Any:
            return sum(m.a[j, t] for j, s in enumerate(ent.abatement) if s.kind == k)

        pos_idx = [(k, t) for k in ("cafc", "nev") for t in years]
        m.B = pyo.Param(pos_idx, mutable=True, initialize={(k, t): float(B[k][t])
                                                           for (k, t) in pos_idx})

        def pos_rule(m: pyo.ConcreteModel, k: str, t: int) -> Any:
            if t in surplus[k]:
                return m.own[k, t] - seg_sum(k, t) == m.B[k, t]
            return -m.dfc[k, t] - seg_sum(k, t) == m.B[k, t]

        m.pos = pyo.Constraint(pos_idx, rule=pos_rule)

        def open_expr(k: str, v: int, t: int) -> Any:
            if (k, v, t) in open_const:
                return open_const[(k, v, t)]
            if v == t:
                return m.own[k, t]
            return carry_step(book_of(v), k, t - v) * m.end[k, v, t - 1]

        def vint_rule(m: pyo.ConcreteModel, k: str, v: int, t: int) -> Any:
            out = sum(m.use[k, v, t, g] for g in targets[k] if t in deficit[g])
            if k == "nev":
                out += m.sell[v, t]
                if v == t and t in dep_years:
                    out += m.dep[t]
            if offsets_on:
                out += m.so[k, v, t]
            if k == "cafc" and v == t and t in m.tro:
                out += m.tro[t]
            return out + m.end[k, v, t] == open_expr(k, v, t)

        m.vint = pyo.Constraint([(k, v, t) for k in pairs for (v, t) in pairs[k]],
                                rule=vint_rule)

        def stock_rule(m: pyo.ConcreteModel, d: int, t: int) -> Any:
            inflow = (m.dep[d] if t == d and d in dep_years else
                      (opening["pool"].get(d, 0.0) if t == t0 and d < t0 else
                       m.stock[d, t - 1]))
            out = sum(m.wd[d, t, g] for g in ("cafc", "nev") if (d, t, g) in m.wd)
            return m.stock[d, t] == inflow - out

        m.stock_bal = pyo.Constraint(stock_idx, rule=stock_rule)

        def stored_start(t: int) -> Any:
            total = 0.0
            for d in pool_vint:
                if t == t0 and d < t0:
                    if t0 - d <= win[t0].validity_years:
                        total += opening["pool"].get(d, 0.0)
                elif (d, t - 1) in m.stock and t - d <= win[t].validity_years:
                    total += m.stock[d, t - 1]
            return total

        wd_years = sorted({t for (_d, t, _g) in wd_idx})
        m.wd_share = pyo.Constraint(wd_years, rule=lambda m, t: sum(
            m.wd[d, tt, g] for (d, tt, g) in wd_idx if tt == t)
            <= win[t].withdrawal_share * stored_start(t))
        m.dep_share = pyo.Constraint(dep_years, rule=lambda m, t: m.dep[t]
                                     <= win[t].deposit_share * m.own["nev", t])

        def cover_rule(m: pyo.ConcreteModel, t: int, g: str) -> Any:
            lhs = sum(m.use[k, v, tt, gg] for (k, v, tt, gg) in use_idx if tt == t and gg == g)
            lhs += sum(m.wd[d, tt, gg] for (d, tt, gg) in wd_idx if tt == t and gg == g)
            lhs += m.b[t, g]
            if (t, g) in m.rs:
                lhs += m.rs[t, g]
            if g == "cafc":
                lhs += m.tr[t]
            if (t, g) in m.ce:
                lhs += m.ce[t, g]
            if (t, g) in m.unc:
                lhs += m.unc[t, g]
            return lhs == m.dfc[g, t]

        m.cover = pyo.Constraint(def_idx, rule=cover_rule)
        if mk.nev_buy_limit is not None:
            m.buy_limit = pyo.Constraint(
                sorted({t for (t, _g) in def_idx}),
                rule=lambda m, t: sum(m.b[tt, g] for (tt, g) in def_idx if tt == t)
                <= mk.nev_buy_limit[t])
        if reserve_on and mk.reserve_max_credits_per_year is not None and not industry:
            m.reserve_cap = pyo.Constraint(
                sorted({t for (t, _g) in m.rs}),
                rule=lambda m, t: sum(m.rs[tt, g] for (tt, g) in m.rs if tt == t)
                <= mk.reserve_max_credits_per_year)
        if not industry:
            m.tr_cap = pyo.Constraint(list(m.tr.index_set()), rule=lambda m, t: m.tr[t]
                                      <= mk.affiliate_cafc_available.get(t, 0.0))
        if cea_on:
            m.cea_share = pyo.Constraint(list(m.ce.index_set()), rule=lambda m, t, g: m.ce[t, g]
                                         <= link.max_cea_share_of_deficit * m.dfc[g, t])
        if offsets_on and link.offset_cap_t and not industry:
            m.offset_cap = pyo.Constraint(
                [t for t in years if t in link.offset_cap_t],
                rule=lambda m, t: sum(m.so[k, v, tt] for (k, v, tt) in m.so if tt == t)
                <= link.offset_cap_t[t] * m.rate)
        m.seg_cap = pyo.Constraint(seg_idx, rule=lambda m, j, t: m.a[j, t]
                                   <= ent.abatement[j].max_credits_per_year)

        # objective by lever (discounted)
        def lever(name: str) -> Any:
            if name == "nev_market":
                price = (lambda t: m.p_tc) if industry else (lambda t: m.p_buy[t] + m.p_tc)
                return sum(disc[t] * price(t) * m.b[t, g] for (t, g) in def_idx)
            if name == "nev_sales":
                if industry:
                    return 0.0
                return -sum(disc[t] * m.p_sell[t] * m.sell[v, t] for (v, t) in pairs["nev"])
            if name == "reserve":
                return sum(disc[t] * m.p_reserve * m.rs[t, g] for (t, g) in m.rs)
            if name == "cea":
                return sum(disc[t] * m.p_cea[t] / m.rate * m.ce[t, g] for (t, g) in m.ce)
            if name == "credit_offsets":
                return -sum(disc[t] * m.p_cea[t] / m.rate * m.so[k, v, t] for (k, v, t) in m.so)
            if name == "abatement":
                return sum(disc[t] * m.p_abate[j] * m.a[j, t] for (j, t) in seg_idx)
            if name == "uncovered_penalty":
                return sum(disc[t] * m.p_penalty * m.unc[t, g] for (t, g) in m.unc)
            raise KeyError(name)

        self.levers = ("nev_market", "nev_sales", "reserve", "cea", "credit_offsets",
                       "abatement", "uncovered_penalty")
        self._lever_expr = {name: lever(name) for name in self.levers}
        if not industry:
            m.obj = pyo.Objective(expr=sum(self._lever_expr.values()), sense=pyo.minimize)
        self.use_idx, self.wd_idx, self.def_idx = use_idx, wd_idx, def_idx
        self.opening = opening
        return m

    # ------------------------------------------------------------------ prices
    def set_prices(
        self,
        *,
        nev_buy_price: dict[int, float] | None = None,
        nev_sell_price: dict[int, float] | None = None,
        cea_price: dict[int, float] | None = None,
        reserve_price: float | None = None,
        penalty_cny_per_credit: float | None = None,
        abatement_cost: dict[int, float] | None = None,
    ) -> None:
        """Change prices in place [CNY/credit or CNY/t CO2e]; the next :meth:`solve` re-uses
        the persistent solver."""
        m = self.model
        for param, values in ((m.p_buy, nev_buy_price), (m.p_sell, nev_sell_price),
                              (m.p_cea, cea_price), (m.p_abate, abatement_cost)):
            for k, v in (values or {}).items():
                if not v >= 0:
                    raise ValueError(f"prices must be >= 0, got {v} for {k}")
                param[k] = float(v)
        if reserve_price is not None:
            if self.scenario.market.reserve_price is None:
                raise ValueError("the model was built without the reserve variant: set "
                                 "[market] reserve_price and rebuild")
            m.p_reserve = float(reserve_price)
        if penalty_cny_per_credit is not None:
            if self.scenario.penalty_cny_per_credit is None:
                raise ValueError("the model was built without uncovered deficits: set "
                                 "[penalty] uncovered_credit_cny and rebuild")
            m.p_penalty = float(penalty_cny_per_credit)
        for t in self.years if self.mode == "enterprise" else ():
            if pyo.value(m.p_sell[t]) > pyo.value(m.p_buy[t]) + 1e-9:
                raise ValueError(f"sell price above buy price in {t}: the LP would be unbounded")

    # ------------------------------------------------------------------ solve
    def solve(self, *, verify: bool = True) -> EnterpriseResult:
        """Solve (or re-solve) and return the verified plan.

        Raises
        ------
        OptimizationError
            Infeasible (e.g. a deficit no lever can cover and no penalty given), unbounded or
            a solver failure, with a diagnosis.
        PlanVerificationError
            The plan broke a rule (would be a bug in the model).
        """
        t0 = time.perf_counter()
        res = self._solver.solve(self.model)
        seconds = time.perf_counter() - t0
        tc = str(res.termination_condition).split(".")[-1]
        if tc != "convergenceCriteriaSatisfied":
            raise OptimizationError(self._diagnose(tc))
        # HiGHS reports its run time cumulated over the persistent instance's solves
        cum = float(getattr(res.timing_info, "highs_time", float("nan")))
        prev = getattr(self, "_highs_cumulative", 0.0)
        self.last_highs_seconds = cum - prev if cum >= prev else cum
        self._highs_cumulative = cum
        res.solution_loader.load_vars()
        duals = res.solution_loader.get_duals([self.model.pos[i] for i in self.model.pos])
        if not self._version:
            self._version = _solver_version()
        result = self._result(duals, seconds)
        if verify:
            with record_lookups() as used:
                problems = self.verify(result.plan)
            self.rule_lookups.update(used)
            result.provisional_parameters = self.provisional_parameters()
            if problems:
                raise PlanVerificationError(problems)
        self._zero_position_prices(result)
        return result

    def _zero_position_prices(self, result: EnterpriseResult) -> None:
        """At a position of exactly 0 the dual is degenerate (the row and the variable bound
        are both active); the shadow price is then the cost difference of one more credit of
        requirement, from a re-solve with the position lowered by 1 credit."""
        m = self.model
        zero = [(k, t) for (k, t) in m.pos if t in self.deficit[k] and self.B[k][t] == 0]
        if not zero:
            return
        base = result.total_cost_cny
        for k, t in zero:
            m.B[k, t] = -1.0
            res = self._solver.solve(m)
            m.B[k, t] = 0.0
            if str(res.termination_condition).endswith("convergenceCriteriaSatisfied"):
                res.solution_loader.load_vars()
                price = (float(pyo.value(m.obj)) - base) / self.disc[t]
                target = (result.shadow_price_nev_cny_per_credit if k == "nev"
                          else result.shadow_price_cafc_cny_per_credit)
                target[t] = price
                if k == "nev":
                    result.implied_carbon_price_cny_per_t[t] = price / self._tpc()
        # restore the variables of the original optimum
        self._solver.solve(m).solution_loader.load_vars()

    def _tpc(self) -> float:
        """t CO2e per credit for expressing prices per tonne."""
        sc = self.scenario
        return sc.link.t_per_credit if sc.link is not None else self._default_tpc()

    def _diagnose(self, tc: str) -> str:
        name = f"{self.scenario.name} / {self.ent.name}"
        if "nfeasible" in tc:
            gaps = [f"{g} {t}" for (t, g) in self.def_idx]
            return (f"{name}: infeasible ({tc}): some deficit ({', '.join(gaps)}) cannot be "
                    "covered by any allowed lever; add [penalty] uncovered_credit_cny to accept "
                    "uncovered deficits at a cost, or allow purchases (nev_buy_limit)")
        if "nbounded" in tc:
            return (f"{name}: unbounded ({tc}): a lever earns money without limit (check that "
                    "sell prices do not exceed buy prices and offset caps)")
        return f"{name}: the solver stopped without an optimal solution ({tc})"

    def verify(self, plan: pd.DataFrame) -> list[Violation]:
        """Check a plan with the ledger's independent verifier."""
        sc, ent, mk = self.scenario, self.ent, self.scenario.market
        opening = ent.opening.assign(enterprise=ent.name) if len(ent.opening) else None
        return verify_plan(
            plan, ent.statements(), sc.rules, years=sc.years,
            supply_demand_ratio=mk.supply_demand_ratio,
            reserve=ReserveVariant(mk.reserve_price, mk.reserve_max_credits_per_year),
            opening=opening, link=sc.link,
            affiliate_supply={(ent.name, t): mk.affiliate_cafc_available.get(t, 0.0)
                              for t in sc.years},
        )

    def provisional_parameters(self) -> list[str]:
        """Provisional or scenario rule parameters the enterprise's result relied on.

        The union of those its fleet's accounting looked up (``EnterpriseInput``) and those the
        LP and the verifier looked up (:attr:`rule_lookups`), sorted.
        """
        return sorted(set(self.ent.provisional_parameters) | set(self.rule_lookups.unverified()))

    def _result(self, duals: dict, seconds: float) -> EnterpriseResult:
        m, sc, ent = self.model, self.scenario, self.ent
        plan = self._plan()
        costs = {k: float(pyo.value(e)) if not isinstance(e, int | float) else float(e)
                 for k, e in self._lever_expr.items()}
        total = float(pyo.value(m.obj))
        tpc = self._tpc()
        sp: dict[str, dict[int, float]] = {"cafc": {}, "nev": {}}
        for (k, t) in m.pos:
            val = -float(duals[m.pos[k, t]]) / self.disc[t]
            sp[k][t] = 0.0 if abs(val) < 1e-9 else val
        unc = {t: {"cafc": 0.0, "nev": 0.0} for t in sc.years}
        for (t, g) in m.unc:
            q = float(m.unc[t, g].value or 0.0)
            unc[t][g] = q if q > _ZERO else 0.0
        return EnterpriseResult(
            enterprise=ent.name, status="optimal", total_cost_cny=total, plan=plan,
            cost_by_instrument=costs, shadow_price_nev_cny_per_credit=sp["nev"],
            shadow_price_cafc_cny_per_credit=sp["cafc"],
            implied_carbon_price_cny_per_t={t: v / tpc for t, v in sp["nev"].items()},
            uncovered_deficit=unc, provisional_parameters=self.provisional_parameters(),
            solver=self._version, solve_seconds=seconds,
            highs_seconds=self.last_highs_seconds,
        )

    def _default_tpc(self) -> float:
        if self._tpc_prices is None:
            from conversions import get_basis, tonnes_per_credit

            q = tonnes_per_credit(get_basis("ttw-real-world"), credit="cafc")
            self._tpc_prices = float(q.to("t_CO2e / cafc_credit").magnitude)
        return self._tpc_prices

    # ------------------------------------------------------------------ plan
    def _buy_price(self, t: int) -> float:
        if self.mode == "industry":
            return self.market_price.get(t, float("nan"))
        return float(pyo.value(self.model.p_buy[t]))

    def _sell_price(self, t: int) -> float:
        if self.mode == "industry":
            return self.market_price.get(t, float("nan"))
        return float(pyo.value(self.model.p_sell[t]))

    def _plan(self) -> pd.DataFrame:
        plan = pd.DataFrame(self._plan_rows(), columns=TRANSACTION_COLUMNS)
        return plan.astype({"year": np.int64, "vintage": np.int64})

    def _plan_rows(self) -> list[tuple]:
        """The plan's transaction rows (ledger shape) from the solved variables."""
        m, ent, sc = self.model, self.ent, self.scenario
        e = ent.name
        rows: list[tuple] = []

        def val(x: Any) -> float:
            v = float(x.value or 0.0)
            return v if v > _ZERO else 0.0

        def add(y: int, inst: str, v: int, action: str, q: float, cash: float = 0.0,
                unit: str = "credit", cp: str | None = None) -> None:
            if q > 0:
                rows.append((e, y, inst, v, action, q, np.nan, cp, cash, unit))

        rate = float(pyo.value(m.rate))
        for t in sc.years:
            for j, s in enumerate(ent.abatement):
                add(t, s.kind, t, "abate", val(m.a[j, t]),
                    cash=-val(m.a[j, t]) * float(pyo.value(m.p_abate[j])))
            for k in ("cafc", "nev"):
                if t in self.surplus[k]:
                    add(t, k, t, "earn", val(m.own[k, t]))
                else:
                    add(t, f"{k}_deficit", t, "deficit", val(m.dfc[k, t]))
            for (k, v, tt, g) in self.use_idx:
                if tt == t:
                    q = val(m.use[k, v, t, g])
                    add(t, k, v, f"offset_{g}", q)
                    add(t, f"{g}_deficit", t, f"offset_{g}", q)
            for (d, tt, g) in self.wd_idx:
                if tt == t:
                    q = val(m.wd[d, t, g])
                    add(t, "pool", d, "withdraw", q)
                    add(t, "pool_release", d, "withdraw", q)
                    add(t, "pool_release", d, f"offset_{g}", q)
                    add(t, f"{g}_deficit", t, f"offset_{g}", q)
            for (tt, g) in self.def_idx:
                if tt != t:
                    continue
                q = val(m.b[t, g])
                add(t, "nev_market", t, "buy", q, cash=-q * (self._buy_price(t)
                                                              + float(pyo.value(m.p_tc))))
                add(t, "nev_market", t, f"offset_{g}", q)
                add(t, f"{g}_deficit", t, f"offset_{g}", q)
                if (t, g) in m.rs:
                    q = val(m.rs[t, g])
                    add(t, "reserve", t, "buy_reserve", q,
                        cash=-q * float(pyo.value(m.p_reserve)))
                    add(t, "reserve", t, f"offset_{g}", q)
                    add(t, f"{g}_deficit", t, f"offset_{g}", q)
                if g == "cafc":
                    q = val(m.tr[t])
                    if self.mode == "enterprise":  # industry: paired rows added by the model
                        add(t, "affiliate_cafc", t, "transfer_in", q, cp=EXTERNAL_AFFILIATES)
                    add(t, "affiliate_cafc", t, "offset_cafc", q)
                    add(t, "cafc_deficit", t, "offset_cafc", q)
                if (t, g) in m.ce:
                    q = val(m.ce[t, g])
                    tonnes = q / rate
                    add(t, "cea", t, "buy", tonnes, unit="t_CO2e",
                        cash=-tonnes * float(pyo.value(m.p_cea[t])))
                    add(t, "cea", t, f"offset_{g}", q)
                    add(t, f"{g}_deficit", t, f"offset_{g}", q)
                if (t, g) in m.unc:
                    q = val(m.unc[t, g])
                    add(t, f"{g}_deficit", t, "uncovered", q,
                        cash=-q * float(pyo.value(m.p_penalty)))
            for (v, tt) in self.pairs["nev"]:
                if tt == t:
                    q = val(m.sell[v, t])
                    add(t, "nev", v, "sell", q, cash=q * self._sell_price(t))
            for (k, v, tt) in m.so:
                if tt == t:
                    q = val(m.so[k, v, t])
                    add(t, k, v, "sell_offset", q,
                        cash=q / rate * float(pyo.value(m.p_cea[t])))
            if t in m.dep:
                q = val(m.dep[t])
                add(t, "nev", t, "deposit", q)
                add(t, "pool", t, "deposit", q)
        return rows


def solve_enterprise(scenario: Scenario, enterprise: EnterpriseInput | str,
                     **kwargs: Any) -> EnterpriseResult:
    """Build and solve one enterprise's LP (see :class:`EnterpriseModel`)."""
    return EnterpriseModel(scenario, enterprise, **kwargs).solve()
