"""The industry model: all enterprises at once, NEV credits clearing among them every year.

The LP is :mod:`optimize.formulation` with every enterprise of the scenario over flat index
tables and ``nev_prices="equilibrium"``: purchases and sales are no longer at given prices but
must balance across the industry every year, CAFC transfers balance inside each affiliate
group, and the reserve and the ETS offset caps are industry-wide. The problem minimises the
industry's total discounted cost; the dual of each year's market-clearing row is the
**equilibrium NEV credit price**::

    nev_market_clearing[t]  sum_e nev_sold[e,.,t] - sum_e nev_bought[e,t,.] = 0
                            (dual / discount_t = price [CNY/credit])
    cafc_group_balance[g,t] sum_{e in g} cafc_transfer_out[e,t] = sum_{e in g} cafc_transfer_in[e,t]
    offset_cap[t]           sum_e credit_offsets_sold[e,.,.,t] / rate <= industry cap [t CO2e]
    reserve_cap[t]          sum_e reserve_bought[e,t,.] <= reserve cap [credit]

With a transaction cost ``tc`` paid by buyers, the clearing price is what sellers receive and
buyers pay ``price + tc``. In oversupply the price is 0; with CEA surrender allowed without a
cap, the price cannot exceed ``CEA price x t CO2e per credit``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from conversions.vocabulary import renamed_parameters
from linkage.carbon_link import CarbonLink
from linkage.ledger import TRANSACTION_COLUMNS, Violation, verify_plan
from linkage.ledger.schema import MIRRORS
from linkage.outputs import OutputDir
from linkage.pool import ReserveVariant
from linkage.rules import ParameterLog, record_lookups
from optimize.emissions import EMISSION_COLUMNS, emissions_ledger, emissions_summary
from optimize.enterprise import (
    OptimizationError,
    PlanVerificationError,
    apply_prices,
    check_price_arguments,
    default_t_per_credit,
    solver_version_cached,
)
from optimize.formulation import Formulation, PositionsMode, build_formulation, legacy_names
from optimize.plan import PlanTemplate, transfer_pairs
from optimize.scenario import EnterpriseInput, Scenario, find_enterprise
from optimize.solver import PersistentHighs

__all__ = ["IndustryModel", "IndustryResult", "solve_industry"]

#: The emission figures [t CO2e] of ``prices.csv`` (industry totals by year) and
#: ``enterprises.csv`` (see :func:`optimize.emissions.emissions_ledger`).
EMISSION_FIGURES = EMISSION_COLUMNS[2:-1]


@dataclass
class IndustryResult:
    """Equilibrium of the industry model.

    Attributes
    ----------
    status : str
    total_cost_cny : float
        Industry's discounted total cost [CNY].
    prices : DataFrame
        ``year, nev_price_cny_per_credit, implied_carbon_price_cny_per_t_co2e, traded_credits,
        offset_rent_cny_per_t_co2e`` (the offset limit's scarcity rent [CNY/t CO2e]), the
        industry's emission figures of the year (``EMISSION_FIGURES`` [t CO2e]) and ``basis``.
    enterprises : DataFrame
        Per enterprise and year: ``cost_cny`` (money of the year; NEV purchases and sales at
        the equilibrium price), ``bought_credits``, ``sold_credits``, ``deposited_credits``,
        ``withdrawn_credits``, ``transferred_in_credits``, ``transferred_out_credits``
        [credit], ``cea_surrendered_t_co2e`` [t CO2e], ``deficit_covered_by_cea_credits``
        [credit], ``offsets_sold_t_co2e`` [t CO2e], ``abated_credits``,
        ``uncovered_credits`` [credit], ``technology_units`` [unit], then the emissions
        ledger's figures [t CO2e] and ``basis`` (:func:`optimize.emissions.emissions_ledger`).
    plan : DataFrame
        The industry's transactions (ledger shape), verified.
    solver : str
    solve_seconds : float
    highs_seconds : float
    emissions : dict
        :func:`optimize.emissions.emissions_summary` of the plan (``summary.json``).
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
    emissions: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (``summary.json`` of ``linkage market``)."""
        return {
            "status": self.status,
            "total_cost_cny": self.total_cost_cny,
            "nev_price_cny_per_credit": {str(int(r.year)): r.nev_price_cny_per_credit
                                         for r in self.prices.itertuples()},
            "implied_carbon_price_cny_per_t_co2e": {
                str(int(r.year)): r.implied_carbon_price_cny_per_t_co2e
                for r in self.prices.itertuples()},
            "uncovered_credits": float(self.enterprises["uncovered_credits"].sum()),
            "offset_rent_cny_per_t_co2e": {str(int(r.year)): r.offset_rent_cny_per_t_co2e
                                           for r in self.prices.itertuples()},
            "emissions": self.emissions,
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
                              "implied_carbon_price_cny_per_t_co2e",
                              "offset_rent_cny_per_t_co2e", *EMISSION_FIGURES, "basis"]]
        names = ["prices.csv", "enterprises.csv", "summary.json"]
        with OutputDir(out, overwrite=overwrite) as d:
            prices.to_csv(d / names[0], index=False)
            self.enterprises.to_csv(d / names[1], index=False)
            (d / names[2]).write_text(json.dumps(
                self.summary(), indent=2, ensure_ascii=False, default=float,
                allow_nan=False))
        return [Path(out) / n for n in names]


@dataclass
class _Firm:
    """One enterprise of the industry model, kept for callers of the earlier per-enterprise
    blocks: ``ent``, ``_tpc()`` (t CO2e per credit of the prices) and ``model``, the earlier
    block's short names as views of the industry model (:func:`legacy_names`)."""

    ent: EnterpriseInput
    _tpc: Callable[[], float]
    _industry: pyo.ConcreteModel

    @property
    def model(self) -> SimpleNamespace:
        return legacy_names(self._industry, self.ent.name)


class IndustryModel:
    """All enterprises of a scenario in one LP; prices are outputs.

    Parameters
    ----------
    scenario : Scenario
        ``[market]`` needs no prices; ``nev_transaction_cost_cny_per_credit`` [CNY/credit] is
        used when given; the linkage's ``offset_cap_t_co2e`` is industry-wide here.
    extra_functionality : callable, optional
        ``f(model, self)`` called before the first solve; ``model`` carries the named
        components of :mod:`optimize.formulation` (``nev_bought[e, t, g]``,
        ``cafc_transfer_out[e, t]``, ``nev_market_clearing[t]``, ...).
    positions : {"fixed_sign", "exact"}, optional
        Overrides ``[scenario] positions``. ``"exact"``: technology and abatement may flip a
        year's sign (binaries; each solve is a MIP followed by the LP at the optimal signs,
        whose duals give the prices; docs/formulation.md, "Exact positions").
    """

    def __init__(self, scenario: Scenario, *,
                 extra_functionality: Callable[[pyo.ConcreteModel, IndustryModel], None]
                 | None = None, positions: PositionsMode | None = None) -> None:
        self.scenario = scenario
        #: Every rule parameter the LP (and its verification) looked up (provenance).
        self.rule_lookups: ParameterLog
        with record_lookups() as self.rule_lookups:
            self.formulation: Formulation = build_formulation(
                scenario, list(scenario.enterprises), nev_prices="equilibrium",
                name=f"industry:{scenario.name}", positions=positions)
        self.model = self.formulation.model
        self._technology = scenario.technology_frame()
        self.years = list(scenario.years)
        self.disc = self.formulation.sets.discount.to_dict()
        self.firms = {e.name: _Firm(e, self._tpc, self.model) for e in scenario.enterprises}
        if extra_functionality is not None:
            extra_functionality(self.model, self)
        self._solver = PersistentHighs(self.model, self.formulation.binaries)
        self._objective = self._objective_costs if extra_functionality is None else None
        with PauseGC():
            self._template = PlanTemplate(self.formulation)
        self.last_highs_seconds = float("nan")
        self._default_tpc: float | None = None

    def _objective_costs(self) -> tuple[np.ndarray, np.ndarray]:
        """The objective's current coefficients by solver column (see PersistentHighs)."""
        return self.formulation.objective_coefficients(
            lambda name: self._solver.columns(getattr(self.model, name)))

    def load_solution(self) -> None:
        """Write the last solution into the Pyomo variables (``model.<name>[...].value``).

        Not done by :meth:`solve`: the result is read from the solver's arrays, and setting
        ~10^4 Pyomo values would cost about as much as a re-solve."""
        self._solver.load_values()

    def provisional_parameters(self) -> list[str]:
        """Provisional or scenario rule parameters the industry result relied on: those the
        enterprises' fleet accounting, the LP and the verifier looked up, sorted."""
        fleets = {k for e in self.scenario.enterprises for k in e.provisional_parameters}
        return sorted(fleets | set(self.rule_lookups.unverified()))

    def _tpc(self) -> float:
        """t CO2e per credit for expressing prices per tonne."""
        link = self.scenario.link
        if link is not None:
            return link.t_co2e_per_credit
        if self._default_tpc is None:
            self._default_tpc = default_t_per_credit()
        return self._default_tpc

    @renamed_parameters("python.set_prices")
    def set_prices(self, *, cea_price_cny_per_t_co2e: dict[int, float] | None = None,
                   abatement_cost_cny_per_credit: dict[str, dict[int, float]] | None = None,
                   penalty_cny_per_credit: float | None = None,
                   reserve_price_cny_per_credit: float | None = None) -> None:
        """Change exogenous prices in place, for a re-solve on the persistent solver.

        The keywords before the one-vocabulary rename (``cea_price``, ``abatement_cost``,
        ``reserve_price``) still work, with a :class:`DeprecationWarning`.

        Parameters
        ----------
        cea_price_cny_per_t_co2e : dict year -> float, optional
            [CNY/t CO2e].
        abatement_cost_cny_per_credit : dict enterprise -> {segment index: cost}, optional
            [CNY/credit].
        penalty_cny_per_credit, reserve_price_cny_per_credit : float, optional
            [CNY/credit].

        Raises
        ------
        InputError
            See :meth:`EnterpriseModel.set_prices`; every enterprise's prices are checked
            first, so a rejected call changes nothing.
        """
        abatement = abatement_cost_cny_per_credit or {}
        for name in abatement:
            if name not in self.firms:
                find_enterprise(self.scenario, name,
                                key=f"abatement_cost_cny_per_credit[{name!r}]")
        # everything is checked before anything changes: no half-applied prices
        shared = check_price_arguments(
            self.scenario, 0, {"cea_price_cny_per_t_co2e": cea_price_cny_per_t_co2e,
                               "reserve_price_cny_per_credit": reserve_price_cny_per_credit,
                               "penalty_cny_per_credit": penalty_cny_per_credit},
            nev_prices_given=False)
        own = {name: check_price_arguments(self.scenario, len(self.firms[name].ent.abatement),
                                           {"abatement_cost_cny_per_credit": costs},
                                           nev_prices_given=False)
               for name, costs in abatement.items()}
        apply_prices(self.model, "", shared)
        for name, new in own.items():
            apply_prices(self.model, name, new)

    def solve(self, *, verify: bool = True) -> IndustryResult:
        """Solve (or re-solve) for the equilibrium.

        Raises
        ------
        OptimizationError, PlanVerificationError
        """
        out = self._solver.solve(self._objective)
        if not out.optimal:
            tc = out.termination
            if "nfeasible" in tc:
                raise OptimizationError(
                    f"{self.scenario.name}: the industry cannot meet its requirements ({tc}); "
                    "add [penalty] penalty_cny_per_credit, abatement or a linkage")
            raise OptimizationError(f"{self.scenario.name}: no optimal solution ({tc})")
        self.last_highs_seconds = out.highs_seconds
        price = self._equilibrium_prices()
        plan = self._plan(price)
        if verify:
            with record_lookups() as used:
                problems = self.verify(plan)
            self.rule_lookups.update(used)
            if problems:
                raise PlanVerificationError(problems)
        tpc = self._tpc()
        d = self.formulation.sets.deficits
        bought = pd.Series(self._solver.values(self.model.nev_bought), dtype=float)
        traded = bought.groupby(d["year"].to_numpy()).sum().to_dict()
        rent = self._offset_rent()
        prices = pd.DataFrame({
            "year": self.years,
            "nev_price_cny_per_credit": [price[t] for t in self.years],
            "implied_carbon_price_cny_per_t_co2e": [price[t] / tpc for t in self.years],
            "traded_credits": [float(traded.get(t, 0.0)) for t in self.years],
            "offset_rent_cny_per_t_co2e": [rent[t] for t in self.years],
        })
        ledger = emissions_ledger(plan, self.scenario)
        by_year = ledger.groupby("year")[EMISSION_FIGURES].sum()
        prices = prices.join(by_year, on="year")
        prices["basis"] = ", ".join(dict.fromkeys(ledger["basis"]))
        per_ent = self._per_enterprise(plan).merge(ledger, on=["enterprise", "year"],
                                                   how="left")
        prov = self.provisional_parameters()
        return IndustryResult("optimal", out.objective, prices, per_ent,
                              plan, solver_version_cached(), out.seconds, out.highs_seconds,
                              prov, emissions_summary(ledger))

    def _offset_rent(self) -> dict[int, float]:
        """The offset scarcity rent [CNY/t CO2e, money of the year]: what one more tonne of
        offset limit (``offset_limit``, and ``offset_cap`` where it binds instead) would save
        the industry, ``-(dual / discount) x rate`` (>= 0; 0 below 1e-7 and where offsets are
        not bounded)."""
        rent = dict.fromkeys(self.years, 0.0)
        rate = self.formulation.rate
        for name in ("offset_limit", "offset_cap"):
            con = getattr(self.model, name, None)
            if con is None or not len(con):
                continue
            for t, y in zip(list(con.keys()), self._solver.duals(con).tolist(), strict=True):
                rent[t] += -y / self.disc[t] * rate
        return {t: 0.0 if abs(r) < 1e-7 else r for t, r in rent.items()}

    def _equilibrium_prices(self) -> dict[int, float]:
        """Dual of each year's clearing row / discount [CNY/credit] (0 below 1e-7; 0 in a
        year with neither sellers nor buyers)."""
        con = self.model.nev_market_clearing
        price = dict.fromkeys(self.years, 0.0)
        for t, y in zip(list(con.keys()), self._solver.duals(con).tolist(), strict=True):
            p = y / self.disc[t]
            price[t] = 0.0 if abs(p) < 1e-7 else p
        return price

    def verify(self, plan: pd.DataFrame) -> list[Violation]:
        """Check the whole industry plan (every enterprise's slice) with verify_plan."""
        sc, mk = self.scenario, self.scenario.market
        ents = sc.enterprises
        st = pd.concat([e.statements() for e in ents], ignore_index=True)
        opening = [e.opening.assign(enterprise=e.name) for e in ents if len(e.opening)]
        link = sc.link
        if link is not None and link.offset_cap_t_co2e:
            # the cap is industry-wide here: checked by the model, not per enterprise
            link = CarbonLink(**{**link.__dict__, "offset_cap_t_co2e": {}})
        return verify_plan(
            plan, st, sc.rules, years=sc.years, supply_demand_ratio=mk.supply_demand_ratio,
            reserve=ReserveVariant(mk.reserve_price_cny_per_credit,
                                   mk.reserve_max_credits_per_year),
            opening=pd.concat(opening, ignore_index=True) if opening else None, link=link,
            technology=self._technology if len(self._technology) else None,
            offset_limit_t_co2e=sc.offset_limit_t_co2e,
        )

    def _plan(self, price: dict[int, float]) -> pd.DataFrame:
        """The industry's transactions: every enterprise's rows (purchases and sales at the
        equilibrium price), then the CAFC transfers paired inside each group."""
        def columns(name: str) -> np.ndarray:
            return self._solver.columns(getattr(self.model, name))

        def values(name: str) -> np.ndarray:
            return self._solver.values(getattr(self.model, name))

        t = self._template
        rows = t.plan(self._solver.x(), columns, t.price_vector(price, price))
        pairs = transfer_pairs(self.formulation, values)
        if not pairs:
            return rows
        extra = pd.DataFrame(pairs, columns=TRANSACTION_COLUMNS).astype(
            {"year": np.int64, "vintage": np.int64})
        return pd.concat([rows, extra], ignore_index=True)

    def _per_enterprise(self, plan: pd.DataFrame) -> pd.DataFrame:
        """Per enterprise and year: cost and quantities by kind of transaction (numpy sums
        over codes; each movement counted once, mirror rows left out)."""
        names, years = list(self.firms), self.years
        action = plan["action"].to_numpy(dtype=object)
        inst = plan["instrument"].to_numpy(dtype=object)
        keep = np.ones(len(plan), dtype=bool)  # mirror rows (ledger.MIRRORS) left out
        for act, ins in MIRRORS:
            keep &= ~((action == act) & (inst == ins))
        action, inst = action[keep], inst[keep]
        rank = {n: i for i, n in enumerate(names)}
        ent = np.fromiter((rank[e] for e in plan["enterprise"].to_numpy(dtype=object)[keep]),
                          dtype=np.int64, count=int(keep.sum()))
        code = ent * len(years) + (plan["year"].to_numpy(np.int64)[keep] - years[0])
        size = len(names) * len(years)
        qty = plan["quantity"].to_numpy(float)[keep]
        cash = plan["cash_flow_cny"].to_numpy(float)[keep]
        keys = {
            "bought_credits": (action == "buy") & (inst == "nev_market"),
            "sold_credits": action == "sell",
            "deposited_credits": action == "deposit",
            "withdrawn_credits": action == "withdraw",
            "transferred_in_credits": action == "transfer_in",
            "transferred_out_credits": action == "transfer_out",
            "cea_surrendered_t_co2e": (action == "buy") & (inst == "cea"),
            "deficit_covered_by_cea_credits": (inst == "cea") & (
                (action == "offset_cafc") | (action == "offset_nev")),
            "offsets_sold_t_co2e": action == "sell_offset",
            "abated_credits": action == "abate",
            "uncovered_credits": action == "uncovered",
            "technology_units": action == "technology",
        }
        out = pd.DataFrame({"enterprise": np.repeat(names, len(years)),
                            "year": np.tile(np.asarray(years, dtype=np.int64), len(names))})
        out["cost_cny"] = -np.bincount(code, weights=cash, minlength=size) + 0.0
        for name, mask in keys.items():
            out[name] = np.bincount(code[mask], weights=qty[mask], minlength=size)
        link = self.scenario.link
        if link is not None:
            out["offsets_sold_t_co2e"] = (out["offsets_sold_t_co2e"]
                                          / link.exchange_rate_credits_per_t_co2e)
        return out


def solve_industry(scenario: Scenario, **kwargs: Any) -> IndustryResult:
    """Build and solve the industry model (see :class:`IndustryModel`)."""
    return IndustryModel(scenario, **kwargs).solve()
