"""One enterprise's least-cost compliance over several years: a Pyomo LP solved by HiGHS.

The LP is :mod:`optimize.formulation` with one enterprise and given NEV prices (the industry
model is the same formulation with every enterprise and the NEV price an output). It is built
once; prices are mutable parameters, so a sweep changes them and re-solves on the persistent
solver. Every plan is checked by the ledger's independent :func:`~linkage.ledger.verify_plan`
before it is returned.

The dual of the ``position`` row is the marginal cost of one more credit of requirement:
``shadow price = -dual / discount_t`` [CNY/credit, money of year t]. A position of exactly 0
is modelled as a deficit year (so the dual is the cost of one more credit of requirement)
unless the enterprise has abatement of that kind; the degenerate dual there is replaced by a
finite difference (a re-solve with the position lowered by one credit).

Limitation (LP, no integers): in a deficit year of a kind, abatement of that kind can at most
erase the deficit; it cannot also create a surplus of that kind in the same year. Representing
"surplus or deficit, never both" exactly would need binary variables, and the shadow prices
this model exists for would be lost. ``[market] nev_transaction_cost_cny_per_credit``
[CNY/credit] is added to every purchase.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from conversions import get_basis, tonnes_per_credit
from conversions.vocabulary import renamed_attributes, renamed_parameters
from linkage.errors import InputError, LinkageError
from linkage.ledger import Violation, verify_plan
from linkage.pool import ReserveVariant
from linkage.rules import ParameterLog, record_lookups
from optimize.formulation import Formulation, PositionsMode, build_formulation, legacy_names
from optimize.plan import ZERO_CREDITS, PlanTemplate
from optimize.scenario import EnterpriseInput, Scenario, ScenarioError, find_enterprise
from optimize.solver import PersistentHighs, Solve, solver_version

__all__ = [
    "EnterpriseModel",
    "EnterpriseResult",
    "OptimizationError",
    "PlanVerificationError",
    "solve_enterprise",
]

_solver_version = solver_version  # kept for callers of the old private name


class OptimizationError(LinkageError):
    """The LP is infeasible, unbounded or the solver failed; the message says why."""


class PlanVerificationError(LinkageError):
    """The optimizer's plan broke a rule (a bug): the violations are attached."""

    def __init__(self, violations: list[Violation]) -> None:
        self.violations = violations
        super().__init__("the optimal plan fails verify_plan: " +
                         "; ".join(str(v) for v in violations[:5]))


@renamed_attributes("python.EnterpriseResult")
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
    cost_by_instrument_cny : dict
        Discounted cost per lever [CNY]; sums to ``total_cost_cny``.
    shadow_price_nev_cny_per_credit, shadow_price_cafc_cny_per_credit : dict year -> float
        Marginal cost of one more credit of requirement [CNY/credit, money of the year].
    implied_carbon_price_cny_per_t_co2e : dict year -> float
        NEV shadow price / t CO2e per credit [CNY/t CO2e].
    uncovered_credits : dict year -> dict
        Credits left uncovered, ``{"cafc": x, "nev": y}`` [credit].
    provisional_parameters : list of str
    solver : str
    solve_seconds : float
        Wall time of the last solve, model update included [s].
    highs_seconds : float
        Time HiGHS itself reported for the solve [s].

    Notes
    -----
    The names before the one vocabulary (``cost_by_instrument``,
    ``implied_carbon_price_cny_per_t``, ``uncovered_deficit``) are still readable, with a
    :class:`DeprecationWarning`.
    """

    enterprise: str
    status: str
    total_cost_cny: float
    plan: pd.DataFrame
    cost_by_instrument_cny: dict[str, float]
    shadow_price_nev_cny_per_credit: dict[int, float]
    shadow_price_cafc_cny_per_credit: dict[int, float]
    implied_carbon_price_cny_per_t_co2e: dict[int, float]
    uncovered_credits: dict[int, dict[str, float]]
    provisional_parameters: list[str] = field(default_factory=list)
    solver: str = ""
    solve_seconds: float = 0.0
    highs_seconds: float = float("nan")

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "total_cost_cny": self.total_cost_cny,
            "cost_by_instrument_cny": self.cost_by_instrument_cny,
            "shadow_price_nev_cny_per_credit": {str(k): v for k, v in
                                                self.shadow_price_nev_cny_per_credit.items()},
            "shadow_price_cafc_cny_per_credit": {str(k): v for k, v in
                                                 self.shadow_price_cafc_cny_per_credit.items()},
            "implied_carbon_price_cny_per_t_co2e": {
                str(k): v for k, v in self.implied_carbon_price_cny_per_t_co2e.items()},
            "uncovered_credits": {str(k): v for k, v in self.uncovered_credits.items()},
            "provisional_parameters": self.provisional_parameters,
        }


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
        ``model`` carries the named components of :mod:`optimize.formulation`
        (``nev_bought[e, t, g]``, ``credits_held[e, k, v, t]``, ``position[e, k, t]``, ...),
        indexed by the enterprise name first. The earlier model's short names are kept as
        views for hooks written against it (``model.b[t, g]`` = ``nev_bought[name, t, g]``,
        ``p_buy``, ``p_sell``, ``p_cea``, ``p_abate``, ``p_penalty``; see
        :func:`optimize.formulation.legacy_names`).
    price_t_co2e_per_credit : float, optional
        t CO2e per credit used to express shadow prices per tonne when the scenario has no
        linkage (default: the ``ttw-real-world`` basis).
    positions : {"fixed_sign", "exact"}, optional
        Overrides ``[scenario] positions``. ``"exact"``: technology and abatement may flip a
        year's sign (binaries; each solve is a MIP followed by the LP at the optimal signs,
        whose duals give the prices; docs/formulation.md, "Exact positions").

    Examples
    --------
    >>> m = EnterpriseModel(scenario, "Demo Auto A")        # doctest: +SKIP
    >>> r1 = m.solve()                                       # doctest: +SKIP
    >>> m.set_prices(nev_buy_price_cny_per_credit={2025: 800.0})   # doctest: +SKIP
    >>> r2 = m.solve()                                       # doctest: +SKIP
    """

    @renamed_parameters("python.EnterpriseModel")
    def __init__(
        self,
        scenario: Scenario,
        enterprise: EnterpriseInput | str,
        *,
        extra_functionality: Callable[[pyo.ConcreteModel, EnterpriseModel], None] | None = None,
        price_t_co2e_per_credit: float | None = None,
        positions: PositionsMode | None = None,
    ) -> None:
        if not isinstance(enterprise, EnterpriseInput):
            enterprise = find_enterprise(scenario, enterprise)
        self.scenario = scenario
        self.ent = enterprise
        self._tpc_prices = price_t_co2e_per_credit
        if scenario.market.nev_buy_price_cny_per_credit is None:
            raise ScenarioError("the enterprise optimizer needs NEV credit prices",
                                file=scenario.source, key="market.nev_buy_price_cny_per_credit")
        #: Every rule parameter the LP (and its verification) looked up (provenance).
        self.rule_lookups: ParameterLog
        with record_lookups() as self.rule_lookups:
            self.formulation: Formulation = build_formulation(
                scenario, [enterprise], nev_prices="given",
                name=f"{scenario.name}:{enterprise.name}", positions=positions)
        self.model = self.formulation.model
        self.years = list(scenario.years)
        self.disc = self.formulation.sets.discount.to_dict()
        # the earlier per-enterprise model's short names, for hooks written against it
        for alias, view in vars(legacy_names(self.model, enterprise.name)).items():
            self.model.add_component(alias, view)
        if extra_functionality is not None:
            extra_functionality(self.model, self)
        self._solver = PersistentHighs(self.model, self.formulation.binaries)
        self._objective = self._objective_costs if extra_functionality is None else None
        with PauseGC():
            self._template = PlanTemplate(self.formulation)
        pos = self.formulation.sets.positions
        self._pos_discount = pos["year"].map(self.disc).to_numpy(dtype=float)
        self._pos_keys = (pos["kind"].tolist(), pos["year"].tolist())
        self.last_highs_seconds = float("nan")

    # ------------------------------------------------------------------ prices
    @renamed_parameters("python.set_prices")
    def set_prices(
        self,
        *,
        nev_buy_price_cny_per_credit: dict[int, float] | None = None,
        nev_sell_price_cny_per_credit: dict[int, float] | None = None,
        cea_price_cny_per_t_co2e: dict[int, float] | None = None,
        reserve_price_cny_per_credit: float | None = None,
        penalty_cny_per_credit: float | None = None,
        abatement_cost_cny_per_credit: dict[int, float] | None = None,
    ) -> None:
        """Change prices in place [CNY/credit or CNY/t CO2e]; the next :meth:`solve` re-uses
        the persistent solver.

        Every argument is checked before anything changes: a rejected call leaves the model
        as it was. The keywords before the one-vocabulary rename (``nev_buy_price``,
        ``nev_sell_price``, ``cea_price``, ``reserve_price``, ``abatement_cost``) still work,
        with a :class:`DeprecationWarning`.

        Parameters
        ----------
        nev_buy_price_cny_per_credit, nev_sell_price_cny_per_credit : dict year -> float
            [CNY/credit].
        cea_price_cny_per_t_co2e : dict year -> float
            [CNY/t CO2e].
        reserve_price_cny_per_credit, penalty_cny_per_credit : float
            [CNY/credit].
        abatement_cost_cny_per_credit : dict segment index -> float
            [CNY/credit].

        Raises
        ------
        InputError
            A price that is not a finite number >= 0, a year not of the scenario, a segment
            that does not exist, a sell price above the buy price, or a price the model was
            built without (reserve, penalty, linkage; NEV prices in the industry model).
        """
        new = self.check_prices(nev_buy_price_cny_per_credit=nev_buy_price_cny_per_credit,
                                nev_sell_price_cny_per_credit=nev_sell_price_cny_per_credit,
                                cea_price_cny_per_t_co2e=cea_price_cny_per_t_co2e,
                                reserve_price_cny_per_credit=reserve_price_cny_per_credit,
                                penalty_cny_per_credit=penalty_cny_per_credit,
                                abatement_cost_cny_per_credit=abatement_cost_cny_per_credit)
        apply_prices(self.model, self.ent.name, new)

    @renamed_parameters("python.set_prices")
    def check_prices(self, **prices: Any) -> dict[str, Any]:
        """Validate :meth:`set_prices` arguments without changing anything.

        Returns
        -------
        dict
            The given (not None) arguments as floats (dicts keyed by year or segment).
        """
        m = self.model
        return check_price_arguments(
            self.scenario, len(self.ent.abatement), prices, nev_prices_given=True,
            current_nev={t: (m.nev_buy_price[t].value, m.nev_sell_price[t].value)
                         for t in self.years})

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
        out = self._solver.solve(self._objective)
        if not out.optimal:
            raise OptimizationError(self._diagnose(out.termination))
        self.last_highs_seconds = out.highs_seconds
        self._solver.load_values()  # var.value, as a hook may read it (cheap for one firm)
        result = self._result(out)
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
        pos = self.formulation.sets.positions
        zero = pos[~pos["surplus"] & (pos["position_credits"] == 0)]
        if zero.empty:
            return
        B = self.model.zero_position_credits
        base = result.total_cost_cny
        for e, k, t in zip(zero["enterprise"], zero["kind"], zero["year"], strict=True):
            B[e, k, t] = -1.0
            out = self._solver.solve(self._objective)
            B[e, k, t] = 0.0
            if out.optimal:
                price = (out.objective - base) / self.disc[t]
                target = (result.shadow_price_nev_cny_per_credit if k == "nev"
                          else result.shadow_price_cafc_cny_per_credit)
                target[t] = price
                if k == "nev":
                    result.implied_carbon_price_cny_per_t_co2e[t] = price / self._tpc()
        # back to the original optimum
        self._solver.solve(self._objective)

    def _objective_costs(self) -> tuple[np.ndarray, np.ndarray]:
        """The objective's current coefficients by solver column (see PersistentHighs)."""
        return self.formulation.objective_coefficients(
            lambda name: self._solver.columns(getattr(self.model, name)))

    def _tpc(self) -> float:
        """t CO2e per credit for expressing prices per tonne."""
        sc = self.scenario
        return sc.link.t_co2e_per_credit if sc.link is not None else self._default_tpc()

    def _diagnose(self, tc: str) -> str:
        name = f"{self.scenario.name} / {self.ent.name}"
        if "nfeasible" in tc:
            d = self.formulation.sets.deficits
            gaps = [f"{g} {t}" for t, g in zip(d["year"], d["target"], strict=True)]
            return (f"{name}: infeasible ({tc}): some deficit ({', '.join(gaps)}) cannot be "
                    "covered by any allowed lever; add [penalty] penalty_cny_per_credit to "
                    "accept uncovered deficits at a cost, or allow purchases "
                    "(nev_buy_limit_credits)")
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
            reserve=ReserveVariant(mk.reserve_price_cny_per_credit,
                                   mk.reserve_max_credits_per_year),
            opening=opening, link=sc.link,
            affiliate_cafc_available_credits={
                (ent.name, t): mk.affiliate_cafc_available_credits.get(t, 0.0)
                for t in sc.years},
            technology=_technology_of(sc, ent.name),
            offset_limit_t_co2e=sc.offset_limit_t_co2e,
        )

    def load_solution(self) -> None:
        """Write the last solution into the Pyomo variables (``model.<name>[...].value``);
        :meth:`solve` does it for the enterprise model."""
        self._solver.load_values()

    def provisional_parameters(self) -> list[str]:
        """Provisional or scenario rule parameters the enterprise's result relied on.

        The union of those its fleet's accounting looked up (``EnterpriseInput``) and those the
        LP and the verifier looked up (:attr:`rule_lookups`), sorted.
        """
        return sorted(set(self.ent.provisional_parameters) | set(self.rule_lookups.unverified()))

    def _columns(self, name: str) -> np.ndarray:
        return self._solver.columns(getattr(self.model, name))

    def _result(self, out: Solve) -> EnterpriseResult:
        m, sc, ent, solver = self.model, self.scenario, self.ent, self._solver
        prices = self._template.price_vector(
            {t: m.nev_buy_price[t].value for t in self.years},
            {t: m.nev_sell_price[t].value for t in self.years})
        x = solver.x()
        plan = self._template.plan(x, self._columns, prices)
        tpc = self._tpc()
        price = -solver.duals(m.position) / self._pos_discount
        price = np.where(np.abs(price) < 1e-9, 0.0, price)
        sp: dict[str, dict[int, float]] = {"cafc": {}, "nev": {}}
        for k, t, p in zip(self._pos_keys[0], self._pos_keys[1], price.tolist(), strict=True):
            sp[k][t] = p
        unc = {t: {"cafc": 0.0, "nev": 0.0} for t in sc.years}
        if len(m.uncovered_credits):
            for (_e, t, g), q in zip(m.uncovered_credits.keys(),
                                     solver.values(m.uncovered_credits).tolist(), strict=True):
                unc[t][g] = q if q > ZERO_CREDITS else 0.0
        return EnterpriseResult(
            enterprise=ent.name, status="optimal", total_cost_cny=out.objective, plan=plan,
            cost_by_instrument_cny=self._template.lever_costs(x, self._columns, prices),
            shadow_price_nev_cny_per_credit=sp["nev"],
            shadow_price_cafc_cny_per_credit=sp["cafc"],
            implied_carbon_price_cny_per_t_co2e={t: v / tpc for t, v in sp["nev"].items()},
            uncovered_credits=unc, provisional_parameters=self.provisional_parameters(),
            solver=solver_version_cached(), solve_seconds=out.seconds,
            highs_seconds=out.highs_seconds,
        )

    def _default_tpc(self) -> float:
        if self._tpc_prices is None:
            self._tpc_prices = default_t_per_credit()
        return self._tpc_prices


_VERSION: list[str] = []


def _technology_of(scenario: Scenario, enterprise: str) -> pd.DataFrame | None:
    """The technology options of ``enterprise`` (``Scenario.technology_frame`` rows), or None
    when the scenario has none."""
    frame = scenario.technology_frame()
    return frame[frame["enterprise"] == enterprise] if len(frame) else None


def solver_version_cached() -> str:
    """HiGHS's version string (asked once per process)."""
    if not _VERSION:
        _VERSION.append(solver_version())
    return _VERSION[0]


def default_t_per_credit() -> float:
    """t CO2e per credit of the ``ttw-real-world`` basis, for prices per tonne without a
    linkage [t CO2e/credit]."""
    q = tonnes_per_credit(get_basis("ttw-real-world"), credit="cafc")
    return float(q.to("t_CO2e / cafc_credit").magnitude)


def check_price_arguments(scenario: Scenario, segments: int, prices: dict[str, Any],
                          *, nev_prices_given: bool,
                          current_nev: dict[int, tuple[float, float]] | None = None
                          ) -> dict[str, Any]:
    """Validate ``set_prices`` arguments without changing anything.

    Parameters
    ----------
    scenario : Scenario
    segments : int
        Number of abatement segments of the enterprise (``abatement_cost_cny_per_credit``
        keys).
    prices : dict
        ``set_prices`` keyword arguments.
    nev_prices_given : bool
        False in the industry model (NEV prices are outputs there).
    current_nev : dict year -> (buy, sell), optional
        The model's NEV prices [CNY/credit], to refuse a sell price above the buy price.

    Returns
    -------
    dict
        The given (not None) arguments as floats (dicts keyed by year or segment).

    Raises
    ------
    InputError
    """
    sc, years = scenario, list(scenario.years)
    keys = {"nev_buy_price_cny_per_credit": years, "nev_sell_price_cny_per_credit": years,
            "cea_price_cny_per_t_co2e": years,
            "abatement_cost_cny_per_credit": list(range(segments))}
    nev_out = "given NEV prices (they are outputs of the industry model)"
    built_without = {
        "reserve_price_cny_per_credit": (sc.market.reserve_price_cny_per_credit is None,
                                         "the reserve variant: set [market] "
                                         "reserve_price_cny_per_credit"),
        "penalty_cny_per_credit": (sc.penalty_cny_per_credit is None, "uncovered "
                                   "deficits: set [penalty] penalty_cny_per_credit"),
        "cea_price_cny_per_t_co2e": (sc.link is None, "a carbon-market linkage: set [linkage]"),
        "nev_buy_price_cny_per_credit": (not nev_prices_given, nev_out),
        "nev_sell_price_cny_per_credit": (not nev_prices_given, nev_out),
    }
    out: dict[str, Any] = {}
    for name, value in prices.items():
        if value is None:
            continue
        if name not in keys and name not in built_without:
            raise TypeError(f"set_prices() got an unexpected keyword argument {name!r}")
        without, what = built_without.get(name, (False, ""))
        if without:
            raise InputError(f"the model was built without {what} and rebuild",
                             file=sc.source, key=name)
        if name not in keys:
            out[name] = _price(value, name, sc.source)
            continue
        out[name] = _price_table(value, name, keys[name], sc.source)
    if current_nev is not None and ("nev_buy_price_cny_per_credit" in out
                                    or "nev_sell_price_cny_per_credit" in out):
        for t in years:
            buy = out.get("nev_buy_price_cny_per_credit", {}).get(t, current_nev[t][0])
            sell = out.get("nev_sell_price_cny_per_credit", {}).get(t, current_nev[t][1])
            if sell > buy + 1e-9:
                raise InputError(f"sell price {sell:g} above buy price {buy:g} in {t}: "
                                 "the LP would be unbounded", file=sc.source,
                                 key="nev_sell_price_cny_per_credit")
    return out


def _price_table(value: Any, name: str, allowed: list[int], file: str) -> dict[int, float]:
    """A dict year (or segment) -> price, every key allowed and every price valid."""
    if not isinstance(value, Mapping):
        by = "segment" if name == "abatement_cost_cny_per_credit" else "year"
        raise InputError(f"expected a dict {by} -> price, got {value!r}", file=file, key=name)
    out = {}
    for k, v in value.items():
        if isinstance(k, bool) or k not in allowed:
            raise InputError(f"{k!r} is not one of {allowed}", file=file, key=f"{name}[{k!r}]")
        out[k] = _price(v, f"{name}[{k!r}]", file)
    return out


def _price(value: Any, key: str, file: str) -> float:
    """A price argument: a real, finite number >= 0 (a bool or a text is refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(f"expected a number, got {value!r}", file=file, key=key)
    x = float(value)
    if not math.isfinite(x) or x < 0:
        raise InputError(f"expected a finite number >= 0, got {value!r}", file=file, key=key)
    return x


def apply_prices(m: pyo.ConcreteModel, enterprise: str, new: dict[str, Any]) -> None:
    """Write checked prices (:func:`check_price_arguments`) into the model's mutable
    parameters; ``abatement_cost_cny_per_credit`` is keyed by segment of ``enterprise``."""
    for name, param in (("nev_buy_price_cny_per_credit", m.nev_buy_price),
                        ("nev_sell_price_cny_per_credit", m.nev_sell_price),
                        ("cea_price_cny_per_t_co2e", m.cea_price)):
        for t, v in new.get(name, {}).items():
            param[t] = v
    for j, v in new.get("abatement_cost_cny_per_credit", {}).items():
        m.abatement_cost[enterprise, j] = v
    if "reserve_price_cny_per_credit" in new:
        m.reserve_price = new["reserve_price_cny_per_credit"]
    if "penalty_cny_per_credit" in new:
        m.penalty = new["penalty_cny_per_credit"]


def solve_enterprise(scenario: Scenario, enterprise: EnterpriseInput | str,
                     **kwargs: Any) -> EnterpriseResult:
    """Build and solve one enterprise's LP (see :class:`EnterpriseModel`)."""
    return EnterpriseModel(scenario, enterprise, **kwargs).solve()
