"""The compliance LP of one or many enterprises, built from index tables (docs/formulation.md).

One short ``define_*`` function per family of variables or constraints (the PyPSA pattern),
each over a flat index table of :mod:`optimize.sets` that spans every enterprise of the model.
The enterprise model is this LP with one enterprise and given NEV prices; the industry model is
it with all enterprises and the NEV price an output (the dual of ``nev_market_clearing``).

Named components (the extension hook ``extra_functionality(model, owner)`` receives them on
``model``; all variables >= 0, credits unless the name says otherwise; index keys: enterprise
e, kind k, vintage v, year t, deficit cleared g, pool deposit year d, abatement segment j):

=============================  ==================  =========================================
component                      index               meaning
=============================  ==================  =========================================
``credits_earned``             e, k, t             own credits of a surplus year
``deficit_credits``            e, k, t             deficit of a deficit year
``abated_credits``             e, j, t             extra credits from abatement segment j
                                                   (upper bound: the segment's size)
``technology_units``           e, o, t             units of technology option o taken in year
                                                   t [unit] (upper bound: max_units_per_year)
``credits_used``               e, k, v, t, g       vintage v used in year t against deficit g
``credits_held``               e, k, v, t          held at the end of year t
``nev_bought``                 e, t, g             NEV credits bought (against deficit g)
``nev_sold``                   e, v, t             NEV credits of vintage v sold
``reserve_bought``             e, t, g             bought from the reserve (reserve variant)
``cafc_transfer_in``           e, t                CAFC credits received from affiliates
``cafc_transfer_out``          e, t                own CAFC surplus given to affiliates
                                                   (equilibrium prices only)
``cea_surrendered_t_co2e``     e, t, g             CEAs surrendered against deficit g [t CO2e]
``credit_offsets_sold``        e, k, v, t          credits sold into the ETS as offsets
``pool_deposited``             e, t                NEV credits deposited into the pool
``pool_stock``                 e, d, t             pool stock of deposit year d, end of t
``pool_withdrawn``             e, d, t, g          withdrawn and used against deficit g
``uncovered_credits``          e, t, g             deficit left uncovered (penalty given)
``position``                   e, k, t             position rows; dual / discount = -shadow
                                                   price [CNY/credit]
``vintage_balance``            e, k, v, t          what leaves a vintage = what it holds
``deficit_cover``              e, t, g             levers clearing each deficit
``pool_stock_balance``         e, d, t             pool stock carried, deposited, withdrawn
``pool_withdrawal_share``      e, t                withdrawals <= share x stock at the start
``pool_deposit_share``         e, t                deposit <= share x own NEV credits
``nev_buy_limit``              e, t                purchases <= the year's limit
``reserve_cap``                t                   reserve purchases <= the cap (all
                                                   enterprises of the model)
``cafc_transfer_cap``          e, t                transfers in <= affiliates' supply (given
                                                   prices)
``cafc_group_balance``         group, t            transfers out = transfers in (equilibrium)
``cea_share_cap``              e, t, g             CEA credits <= share x deficit
``offset_cap``                 t                   offsets sold <= cap [t CO2e] x rate
``offset_limit``               t                   offsets sold <= the ETS's offset limit
                                                   [t CO2e] x rate (all enterprises of the
                                                   model; dual / discount x rate = the offset
                                                   scarcity rent [CNY/t CO2e])
``nev_market_clearing``        t                   sold - bought = 0 (equilibrium; dual /
                                                   discount = the NEV price)
``in_deficit``                 e, k, t             binary: 1 = the position ends in deficit
                                                   (``positions = "exact"``, rows that can
                                                   flip only)
``surplus_sign``               e, k, t             credits_earned <= M_s (1 - in_deficit)
``deficit_sign``               e, k, t             deficit_credits <= M_d in_deficit
``objective``                                      discounted total cost [CNY]
=============================  ==================  =========================================

Mutable parameters (re-solves change only these): ``nev_buy_price[t]``, ``nev_sell_price[t]``
[CNY/credit], ``cea_price[t]`` [CNY/t CO2e], ``reserve_price``, ``transaction_cost``,
``penalty`` [CNY/credit], ``abatement_cost[e, j]`` [CNY/credit],
``technology_cost[e, o, t]`` [CNY/unit], ``offset_price_factor[t]`` [-], and
``zero_position_credits[e, k, t]`` [credit], the right-hand side of the position rows at a
position of exactly 0 in a deficit year (lowered to -1 for the finite-difference shadow price).
Constants: ``position_credits[e, k, t]`` [credit], ``discount[t]`` [-], ``rate``
[credit/t CO2e].

The objective is laid out as data, :attr:`Formulation.objective_terms`: (variable, weight,
price) triples with weight = +-discount and price a key of :func:`price_value`; the Pyomo
objective is built from them and re-solves push the same coefficients to HiGHS in one call.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Literal

import numpy as np
import pandas as pd
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC
from pyomo.core.base.reference import Reference
from pyomo.core.expr import LinearExpression, MonomialTermExpression

from optimize.scenario import EnterpriseInput, Scenario
from optimize.sets import IndexSets, build_index_sets, keys

__all__ = ["Formulation", "NevPrices", "PositionsMode", "build_formulation"]

#: ``"given"``: NEV credits bought and sold at the scenario's prices (the enterprise model);
#: ``"equilibrium"``: they clear among the model's enterprises (the industry model).
NevPrices = Literal["given", "equilibrium"]
#: ``"fixed_sign"``: a year's surplus or deficit of a kind is fixed by the position before
#: technology and abatement; ``"exact"``: a binary decides it where they can flip it.
PositionsMode = Literal["fixed_sign", "exact"]

_NONNEG = pyo.NonNegativeReals


@dataclass
class Formulation:
    """A built LP: the Pyomo model and the index tables its components follow.

    Attributes
    ----------
    model : ConcreteModel
        With the named components of the module docstring.
    sets : IndexSets
    nev_prices : {"given", "equilibrium"}
    rate : float
        Credits per t CO2e of the linkage (1 without one) [credit/t CO2e].
    """

    model: pyo.ConcreteModel
    sets: IndexSets
    nev_prices: NevPrices
    rate: float
    objective_terms: list[tuple[str, np.ndarray, list[tuple]]]

    @property
    def binaries(self) -> pyo.Var | None:
        """``in_deficit`` when the model has binaries (``positions = "exact"`` with a
        position that can flip), else None: the model is then an LP."""
        z = getattr(self.model, "in_deficit", None)
        return z if z is not None and len(z) else None

    def objective_coefficients(self, columns: Callable[[str], np.ndarray]
                               ) -> tuple[np.ndarray, np.ndarray]:
        """Current objective coefficients [CNY per unit of the variable] by solver column.

        Parameters
        ----------
        columns : callable
            ``columns(variable name)`` -> solver columns of the variable, in index order.

        Returns
        -------
        cols, costs : ndarray
        """
        if not self.objective_terms:
            return np.zeros(0, np.int64), np.zeros(0)
        layout = getattr(self, "_layout", None)
        if layout is None:
            keys_: dict[tuple, int] = {}
            cols, weights, slots = [], [], []
            for name, weight, prices in self.objective_terms:
                cols.append(columns(name))
                weights.append(weight)
                slots.append([keys_.setdefault(k, len(keys_)) for k in prices])
            all_cols = np.concatenate(cols)
            uniq, inverse = np.unique(all_cols, return_inverse=True)
            layout = (list(keys_), np.concatenate(weights), np.concatenate(slots).astype(
                np.int64), uniq, inverse)
            self._layout = layout
        keys_list, weight, slot, uniq, inverse = layout
        values = np.array([price_value(self.model, k) for k in keys_list], dtype=float)
        costs = np.bincount(inverse, weights=weight * values[slot], minlength=len(uniq))
        return uniq, costs


# ----------------------------------------------------------------------------- helpers
class _Rows:
    """Linear rows collected term by term: (row number, variable, coefficient)."""

    def __init__(self, n: int) -> None:
        self.n = n
        self._rows: list[np.ndarray] = []
        self._vars: list[list] = []
        self._coefs: list[np.ndarray] = []

    def add(self, rows: np.ndarray | list[int], variables: list, coef: float | np.ndarray
            ) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        if rows.size == 0:
            return
        self._rows.append(rows)
        self._vars.append(list(variables))
        self._coefs.append(np.broadcast_to(np.asarray(coef, dtype=float), rows.shape))

    def expressions(self) -> list[LinearExpression]:
        """One ``LinearExpression`` per row (terms in the order added)."""
        if not self._rows:
            return [LinearExpression([]) for _ in range(self.n)]
        rows = np.concatenate(self._rows)
        order = np.argsort(rows, kind="stable")
        flat = [v for vs in self._vars for v in vs]
        terms = [MonomialTermExpression((c, flat[j])) for c, j in
                 zip(np.concatenate(self._coefs)[order].tolist(), order.tolist(), strict=True)]
        ends = np.searchsorted(rows[order], np.arange(self.n), side="right").tolist()
        starts = [0, *ends[:-1]]
        return [LinearExpression(terms[a:b]) for a, b in zip(starts, ends, strict=True)]


def _positions_in(table: pd.DataFrame, of: pd.DataFrame, on: list[str]) -> np.ndarray:
    """Row numbers in ``table`` of each row of ``of`` (matched on ``on``; every row found)."""
    if of.empty:
        return np.zeros(0, dtype=np.int64)
    row = {k: i for i, k in enumerate(keys(table, on))}
    return np.fromiter((row[k] for k in keys(of, on)), dtype=np.int64, count=len(of))


def _var(m: pyo.ConcreteModel, name: str, table: pd.DataFrame, columns: list[str]) -> list:
    """Add a non-negative variable indexed by ``table[columns]``; its data in table order."""
    index = keys(table, columns)
    if len(columns) == 1:
        index = [i[0] for i in index]
    var = pyo.Var(_index_set(m, name, index, len(columns)), domain=_NONNEG, dense=True)
    m.add_component(name, var)
    return list(var.values())


def _index_set(m: pyo.ConcreteModel, name: str, index: list, dimen: int) -> pyo.Set:
    """The ordered index set of a component (explicit dimension: it may be empty)."""
    s = pyo.Set(initialize=index, dimen=dimen, ordered=pyo.Set.InsertionOrder)
    m.add_component(f"{name}_index", s)
    return s


def legacy_names(m: pyo.ConcreteModel, enterprise: str) -> SimpleNamespace:
    """The earlier per-enterprise model's short names, as views (Pyomo References) of the
    named components for one enterprise: ``b[t, g]`` (``nev_bought``), ``p_buy``,
    ``p_sell``, ``p_cea`` (by year), ``p_abate`` (by segment), ``p_penalty``. Kept for hooks
    and callers written against that model; new code should use the named components."""
    return SimpleNamespace(
        b=Reference(m.nev_bought[enterprise, :, :]),
        p_buy=Reference(m.nev_buy_price[:]), p_sell=Reference(m.nev_sell_price[:]),
        p_cea=Reference(m.cea_price[:]), p_abate=Reference(m.abatement_cost[enterprise, :]),
        p_penalty=Reference(m.penalty))


def _constraint(m: pyo.ConcreteModel, name: str, index: list, relations: list) -> None:
    """Add an indexed constraint from relations listed in ``index`` order."""
    by_key = dict(zip(index, relations, strict=True))
    dimen = len(index[0]) if index and isinstance(index[0], tuple) else 1
    m.add_component(name, pyo.Constraint(_index_set(m, name, index, dimen),
                                         rule=lambda _m, *i: by_key[i if len(i) > 1 else i[0]]))


# ----------------------------------------------------------------------------- parameters
def define_parameters(m: pyo.ConcreteModel, sc: Scenario, s: IndexSets, rate: float) -> None:
    """Mutable prices and positions (re-solves change only these) and the constants."""
    mk, years = sc.market, s.years
    m.nev_buy_price = pyo.Param(years, mutable=True, default=0.0,
                                initialize=mk.nev_buy_price_cny_per_credit or {})
    m.nev_sell_price = pyo.Param(years, mutable=True, default=0.0,
                                 initialize=mk.nev_sell_price_cny_per_credit or {})
    m.cea_price = pyo.Param(years, mutable=True,
                            initialize={t: sc.cea_price_cny_per_t_co2e.get(t, 0.0)
                                        for t in years})
    m.reserve_price = pyo.Param(mutable=True, initialize=mk.reserve_price_cny_per_credit or 0.0)
    m.transaction_cost = pyo.Param(mutable=True,
                                   initialize=mk.nev_transaction_cost_cny_per_credit)
    m.penalty = pyo.Param(mutable=True, initialize=sc.penalty_cny_per_credit or 0.0)
    seg = s.segments
    m.abatement_cost = pyo.Param(_index_set(m, "abatement_cost", keys(
        seg, ["enterprise", "segment"]), 2), mutable=True,
                                 initialize=dict(zip(keys(seg, ["enterprise", "segment"]),
                                                     seg["cost_cny_per_credit"].tolist(),
                                                     strict=True)))
    tech = s.technology
    tkey = keys(tech, ["enterprise", "option", "year"])
    m.technology_cost = pyo.Param(_index_set(m, "technology_cost", tkey, 3), mutable=True,
                                  initialize=dict(zip(tkey, tech["cost_cny_per_unit"].tolist(),
                                                      strict=True)))
    factor = sc.ets.offset_price_factor if sc.ets is not None else {}
    m.offset_price_factor = pyo.Param(years, mutable=True,
                                      initialize={t: float(factor.get(t, 1.0)) for t in years})
    pos = s.positions
    pidx = keys(pos, ["enterprise", "kind", "year"])
    m.position_credits = pyo.Param(pidx, initialize=dict(
        zip(pidx, pos["position_credits"].tolist(), strict=True)))
    zero = pos[~pos["surplus"] & (pos["position_credits"] == 0)]
    m.zero_position_credits = pyo.Param(
        _index_set(m, "zero_position_credits", keys(zero, ["enterprise", "kind", "year"]), 3),
        mutable=True, initialize=0.0)
    m.discount = pyo.Param(years, initialize=s.discount.to_dict())
    m.rate = pyo.Param(initialize=rate)


# ----------------------------------------------------------------------------- variables
def define_abatement(m: pyo.ConcreteModel, s: IndexSets) -> None:
    """``abated_credits[e, j, t]``, bounded above by the segment's ``max_credits_per_year``
    (a variable bound, not a row: HiGHS handles bounds natively and the model has no row
    per segment and year to translate)."""
    ab = s.abatement
    a = _var(m, "abated_credits", ab, ["enterprise", "segment", "year"])
    for x, cap in zip(a, ab["max_credits_per_year"].tolist(), strict=True):
        x.setub(cap)


def define_technology(m: pyo.ConcreteModel, s: IndexSets) -> None:
    """``technology_units[e, o, t]`` [unit], bounded above by the option's
    ``max_units_per_year`` (a variable bound). Their effects enter the position rows of both
    kinds (:func:`define_credit_positions`)."""
    tech = s.technology
    x = _var(m, "technology_units", tech, ["enterprise", "option", "year"])
    for v, cap in zip(x, tech["max_units"].tolist(), strict=True):
        v.setub(cap)


def _technology_terms(m: pyo.ConcreteModel, s: IndexSets, rows: _Rows) -> None:
    """``- sum_o effect[o, k, t] x technology_units[o, t]`` in the position rows."""
    tech = s.technology
    if tech.empty:
        return
    units = list(m.technology_units.values())
    for k in ("cafc", "nev"):
        eff = tech[f"{k}_credits_per_unit"].to_numpy()
        sel = np.flatnonzero(eff != 0)
        if sel.size == 0:
            continue
        at = tech.iloc[sel].assign(kind=k)
        rows.add(_positions_in(s.positions, at, ["enterprise", "kind", "year"]),
                 [units[i] for i in sel.tolist()], -eff[sel])


def define_credit_positions(m: pyo.ConcreteModel, s: IndexSets) -> None:
    """``credits_earned`` / ``deficit_credits`` and the position rows.

    Surplus year: ``credits_earned - sum_j abated - sum_o effect x units = B``; deficit year:
    ``-deficit_credits - sum_j abated - sum_o effect x units = B`` (``B`` =
    ``position_credits``, or the mutable ``zero_position_credits`` at a zero position in a
    deficit year; the row's dual is the shadow price). So abatement and technology can at most
    erase a deficit of a kind, and an option with a negative effect on a kind can at most use
    up that kind's surplus: no year holds a surplus and a deficit of one kind. With
    ``positions = "exact"`` a position that can flip has both variables in its row, and
    :func:`define_exact_positions` keeps one of them at 0.
    """
    pos = s.positions
    sur, dfc = pos[pos["surplus"]], pos[pos["deficit"]]
    earned = _var(m, "credits_earned", sur, ["enterprise", "kind", "year"])
    deficit = _var(m, "deficit_credits", dfc, ["enterprise", "kind", "year"])
    rows = _Rows(len(pos))
    rows.add(np.flatnonzero(pos["surplus"].to_numpy()), earned, 1.0)
    rows.add(np.flatnonzero(pos["deficit"].to_numpy()), deficit, -1.0)
    ab = s.abatement
    if len(ab):
        rows.add(_positions_in(pos, ab, ["enterprise", "kind", "year"]),
                 list(m.abated_credits.values()), -1.0)
    _technology_terms(m, s, rows)
    index = keys(pos, ["enterprise", "kind", "year"])
    zero, B = m.zero_position_credits, m.position_credits
    _constraint(m, "position", index, [e == (zero[i] if i in zero else B[i])
                                       for e, i in zip(rows.expressions(), index, strict=True)])


def define_exact_positions(m: pyo.ConcreteModel, s: IndexSets) -> None:
    """``positions = "exact"``: on each position that technology or abatement can flip
    (``IndexSets.flips``) a binary ``in_deficit[e, k, t]`` and the big-M rows
    ``surplus_sign``: ``credits_earned + M_s x in_deficit <= M_s`` and ``deficit_sign``:
    ``deficit_credits - M_d x in_deficit <= 0``, with ``M_s = B + up`` and ``M_d = down - B``
    the largest surplus and deficit the row can reach [credit]
    (:func:`optimize.sets.exact_positions`). So a year ends either in surplus or in deficit
    of a kind, and which one is a decision."""
    f = s.flips
    index = keys(f, ["enterprise", "kind", "year"])
    z = pyo.Var(_index_set(m, "in_deficit", index, 3), domain=pyo.Binary, dense=True)
    m.add_component("in_deficit", z)
    if not index:
        return
    earned, deficit = m.credits_earned, m.deficit_credits
    ms = f["big_m_surplus_credits"].tolist()
    md = f["big_m_deficit_credits"].tolist()
    _constraint(m, "surplus_sign", index, [earned[i] + M * z[i] <= M
                                           for i, M in zip(index, ms, strict=True)])
    _constraint(m, "deficit_sign", index, [deficit[i] - M * z[i] <= 0
                                           for i, M in zip(index, md, strict=True)])


def define_nev_purchases(m: pyo.ConcreteModel, sc: Scenario, s: IndexSets) -> None:
    """``nev_bought[e, t, g]``, ``nev_sold[e, v, t]`` and ``nev_buy_limit`` (per enterprise)."""
    _var(m, "nev_bought", s.deficits, ["enterprise", "year", "target"])
    nev = s.holdings[s.holdings["kind"] == "nev"]
    _var(m, "nev_sold", nev, ["enterprise", "vintage", "year"])
    limit = sc.market.nev_buy_limit_credits
    if limit is None:
        return
    rows_t = s.deficits[["enterprise", "year"]].drop_duplicates().sort_values(
        ["enterprise", "year"], key=_enterprise_order(s), kind="stable")
    rows = _Rows(len(rows_t))
    rows.add(_positions_in(rows_t, s.deficits, ["enterprise", "year"]),
             list(m.nev_bought.values()), 1.0)
    index = keys(rows_t, ["enterprise", "year"])
    _constraint(m, "nev_buy_limit", index,
                [e <= limit[t] for e, (_n, t) in zip(rows.expressions(), index, strict=True)])


def _enterprise_order(s: IndexSets):
    order = {e.name: i for i, e in enumerate(s.enterprises)}
    return lambda col: col.map(order) if col.name == "enterprise" else col


def define_reserve(m: pyo.ConcreteModel, sc: Scenario, s: IndexSets) -> None:
    """``reserve_bought[e, t, g]`` (release years, reserve variant) and ``reserve_cap[t]``
    over every enterprise of the model."""
    d = s.deficits[s.deficits["reserve"]]
    rs = _var(m, "reserve_bought", d, ["enterprise", "year", "target"])
    cap = sc.market.reserve_max_credits_per_year
    if cap is None or d.empty:
        return
    years = sorted(set(d["year"]))
    rows = _Rows(len(years))
    rows.add(np.searchsorted(years, d["year"].to_numpy()), rs, 1.0)
    _constraint(m, "reserve_cap", years, [e <= cap for e in rows.expressions()])


def define_cafc_transfers(m: pyo.ConcreteModel, sc: Scenario, s: IndexSets,
                          nev_prices: NevPrices) -> None:
    """``cafc_transfer_in[e, t]`` (CAFC deficit years).

    Given prices (one enterprise): the affiliates are outside the model,
    ``cafc_transfer_cap``: transfer in <= ``market.affiliate_cafc_available_credits``.
    Equilibrium:
    ``cafc_transfer_out[e, t]`` from the year's own CAFC surplus and ``cafc_group_balance``:
    within each affiliate group, transfers out = transfers in.
    """
    tin = _var(m, "cafc_transfer_in", s.transfers_in, ["enterprise", "year"])
    if nev_prices == "given":
        avail = sc.market.affiliate_cafc_available_credits
        _constraint(m, "cafc_transfer_cap", keys(s.transfers_in, ["enterprise", "year"]),
                    [x <= avail.get(t, 0.0) for x, t in
                     zip(tin, s.transfers_in["year"].tolist(), strict=True)])
        return
    tout = _var(m, "cafc_transfer_out", s.transfers_out, ["enterprise", "year"])
    group = {e.name: e.group for e in s.enterprises}
    index = [(g, t) for g in dict.fromkeys(group.values()) for t in s.years]
    pos = {k: i for i, k in enumerate(index)}
    rows = _Rows(len(index))
    for table, xs, sign in ((s.transfers_out, tout, 1.0), (s.transfers_in, tin, -1.0)):
        rows.add([pos[group[e], t] for e, t in keys(table, ["enterprise", "year"])], xs, sign)
    exprs = rows.expressions()
    used = [i for i, e in enumerate(exprs) if e.nargs()]
    _constraint(m, "cafc_group_balance", [index[i] for i in used],
                [exprs[i] == 0 for i in used])


def define_cea_surrender(m: pyo.ConcreteModel, sc: Scenario, s: IndexSets,
                         rate: float) -> None:
    """``cea_surrendered_t_co2e[e, t, g]`` and ``cea_share_cap``:
    ``rate x cea_surrendered_t_co2e <= max_cea_deficit_share x deficit_credits``."""
    d = s.deficits[s.deficits["cea"]]
    cea = _var(m, "cea_surrendered_t_co2e", d, ["enterprise", "year", "target"])
    if d.empty:
        return
    share = sc.link.max_cea_deficit_share
    index = keys(d, ["enterprise", "year", "target"])
    dfc = m.deficit_credits
    _constraint(m, "cea_share_cap", index,
                [rate * x - share * dfc[e, g, t] <= 0 for x, (e, t, g) in
                 zip(cea, index, strict=True)])


def define_offsets(m: pyo.ConcreteModel, sc: Scenario, s: IndexSets, rate: float) -> None:
    """``credit_offsets_sold[e, k, v, t]`` (credits sold into the ETS, where the linkage
    allows it); ``offset_cap[t]``: offsets of all enterprises <= ``[linkage]
    offset_cap_t_co2e`` x rate; ``offset_limit[t]``: offsets of all enterprises <= the ETS's
    offset limit (``Scenario.offset_limit_t_co2e``, share x covered - other offsets) [t CO2e]
    x rate."""
    link = sc.link
    on = link is not None and link.allow_credit_offsets
    h = s.holdings if on else s.holdings.iloc[:0]
    so = _var(m, "credit_offsets_sold", h, ["enterprise", "kind", "vintage", "year"])
    if not on:
        return
    for name, cap in (("offset_cap", link.offset_cap_t_co2e),
                      ("offset_limit", sc.offset_limit_t_co2e)):
        if cap:
            _offset_bound(m, name, s, h, so, {t: cap[t] * rate for t in s.years if t in cap})


def _offset_bound(m: pyo.ConcreteModel, name: str, s: IndexSets, h: pd.DataFrame, so: list,
                  cap_credits: dict[int, float]) -> None:
    """``name[t]``: sum of every enterprise's offsets of year t <= ``cap_credits[t]``."""
    years = [t for t in s.years if t in cap_credits]
    sel = h["year"].isin(years).to_numpy()
    rows = _Rows(len(years))
    rows.add(np.searchsorted(years, h["year"].to_numpy()[sel]),
             [x for x, keep in zip(so, sel, strict=True) if keep], 1.0)
    _constraint(m, name, years, [e <= cap_credits[t]
                                 for e, t in zip(rows.expressions(), years, strict=True)])


def define_uncovered(m: pyo.ConcreteModel, s: IndexSets) -> None:
    """``uncovered_credits[e, t, g]`` (only when a penalty is given)."""
    d = s.deficits[s.deficits["uncovered"]]
    _var(m, "uncovered_credits", d, ["enterprise", "year", "target"])


def define_pool(m: pyo.ConcreteModel, s: IndexSets) -> None:
    """``pool_deposited``, ``pool_stock``, ``pool_withdrawn`` and their rows.

    ``pool_stock[d, t] = inflow - sum_g pool_withdrawn[d, t, g]`` with inflow the deposit
    (t = d), the opening stock (t = t0 > d) or the stock of t - 1 (only for vintages a
    release year may draw on; other deposits simply leave the enterprise);
    ``sum pool_withdrawn[., t, .] <= share x stock at the start of t``;
    ``pool_deposited[t] <= share x credits_earned[nev, t]``.
    """
    skey = ["enterprise", "deposit_year", "year"]
    dep = _var(m, "pool_deposited", s.deposits, ["enterprise", "year"])
    stocks, wd = s.pool_stocks, s.withdrawals
    stock = _var(m, "pool_stock", stocks, skey)
    wdv = _var(m, "pool_withdrawn", wd, [*skey, "target"])
    t0 = s.years[0]
    index = keys(stocks, skey)
    row = {k: i for i, k in enumerate(index)}
    # stock balance: stock + withdrawals - (deposit | stock of t - 1) = opening
    rows = _Rows(len(stocks))
    rows.add(np.arange(len(stocks)), stock, 1.0)
    rows.add([row[k] for k in keys(wd, skey)], wdv, 1.0)
    stored = [(row.get((e, t, t)), x) for (e, t), x in
              zip(keys(s.deposits, ["enterprise", "year"]), dep, strict=True)]
    rows.add([r for r, _x in stored if r is not None],
             [x for r, x in stored if r is not None], -1.0)
    carried = [(i, row[e, d, t - 1]) for i, (e, d, t) in enumerate(index) if t > max(d, t0)]
    rows.add([i for i, _p in carried], [stock[p] for _i, p in carried], -1.0)
    opening = [q if t == t0 and d < t0 else 0.0 for (_e, d, t), q in
               zip(index, stocks["opening_pool_credits"].fillna(0.0).tolist(), strict=True)]
    _constraint(m, "pool_stock_balance", index,
                [e == c for e, c in zip(rows.expressions(), opening, strict=True)])
    _withdrawal_share(m, s, stock, wdv)
    d = s.deposits
    earned = m.credits_earned
    _constraint(m, "pool_deposit_share", keys(d, ["enterprise", "year"]),
                [x - share * earned[e, "nev", t] <= 0 for x, e, t, share in
                 zip(dep, d["enterprise"].tolist(), d["year"].tolist(),
                     d["deposit_share"].tolist(), strict=True)])


def _withdrawal_share(m: pyo.ConcreteModel, s: IndexSets, stock: list, wdv: list) -> None:
    """``sum_d,g pool_withdrawn[d, t, g] - share x sum_d stock[d, t - 1] <= share x opening``
    (stock at the start of t of vintages still valid in t; at t0 the opening pool stock)."""
    wr = s.withdrawal_rows
    if wr.empty:
        return
    index = keys(wr, ["enterprise", "year"])
    row = {k: i for i, k in enumerate(index)}
    share = wr["withdrawal_share"].tolist()
    rows = _Rows(len(wr))
    rows.add([row[k] for k in keys(s.withdrawals, ["enterprise", "year"])], wdv, 1.0)
    start, opening = _stock_at_start(s, row)
    rows.add([r for r, _i in start], [stock[i] for _r, i in start],
             [-share[r] for r, _i in start])
    _constraint(m, "pool_withdrawal_share", index, [
        e <= sh * opening[k] for e, k, sh in zip(rows.expressions(), index, share, strict=True)])


def _stock_at_start(s: IndexSets, row: dict[tuple, int]
                    ) -> tuple[list[tuple[int, int]], dict[tuple, float]]:
    """For the withdrawal-share rows ``row[(e, t)]``: (row, stock position) pairs of the stock
    of d at the end of t - 1 still valid in t, and the opening pool stock [credit] at t0."""
    t0 = s.years[0]
    validity = {t: s.windows[t].validity_years for t in s.years}
    opening = dict.fromkeys(row, 0.0)
    start = []
    for i, ((e, d, t), q) in enumerate(zip(
            keys(s.pool_stocks, ["enterprise", "deposit_year", "year"]),
            s.pool_stocks["opening_pool_credits"].tolist(), strict=True)):
        if (e, t + 1) in row and t + 1 - d <= validity.get(t + 1, -1):
            start.append((row[e, t + 1], i))
        if t == t0 and d < t0 and (e, t0) in row and t0 - d <= validity[t0]:
            opening[e, t0] += q
    return start, opening


def define_carry_forward(m: pyo.ConcreteModel, s: IndexSets, nev_prices: NevPrices) -> None:
    """``credits_used``, ``credits_held`` and the vintage balances.

    ``sum_g used + sold + deposited + offsets + transferred out + held[v, t] =`` the own
    credits (t = v), the discounted opening face value (t = t0 > v) or ``carry_step x
    held[v, t - 1]`` (the share kept from t - 1 to t, :func:`linkage.ledger.carry.carry_step`).
    """
    h, u = s.holdings, s.uses
    hkey = ["enterprise", "kind", "vintage", "year"]
    used = _var(m, "credits_used", u, [*hkey, "target"])
    held = _var(m, "credits_held", h, hkey)
    rows = _Rows(len(h))
    rows.add(_positions_in(h, u, hkey), used, 1.0)
    rows.add(np.flatnonzero((h["kind"] == "nev").to_numpy()), list(m.nev_sold.values()), 1.0)
    dep = s.deposits.assign(kind="nev", vintage=s.deposits["year"])
    rows.add(_positions_in(h, dep, hkey), list(m.pool_deposited.values()), 1.0)
    if len(m.credit_offsets_sold):
        rows.add(np.arange(len(h)), list(m.credit_offsets_sold.values()), 1.0)
    if nev_prices == "equilibrium":
        out = s.transfers_out.assign(kind="cafc", vintage=s.transfers_out["year"])
        rows.add(_positions_in(h, out, hkey), list(m.cafc_transfer_out.values()), 1.0)
    rows.add(np.arange(len(h)), held, 1.0)
    fresh = (h["vintage"] == h["year"]).to_numpy()
    earned = m.credits_earned
    rows.add(np.flatnonzero(fresh), [earned[e, k, t] for e, k, t in
                                     keys(h[fresh], ["enterprise", "kind", "year"])], -1.0)
    carried = (~fresh) & h["opening_credits"].isna().to_numpy()
    prev = h[carried].assign(year=h.loc[carried, "year"] - 1)
    prev_pos = _positions_in(h, prev, hkey)
    rows.add(np.flatnonzero(carried), [held[i] for i in prev_pos],
             -h.loc[carried, "carry_step"].to_numpy())
    rhs = h["opening_credits"].fillna(0.0).tolist()
    _constraint(m, "vintage_balance", keys(h, hkey),
                [e == c for e, c in zip(rows.expressions(), rhs, strict=True)])


def define_deficit_cover(m: pyo.ConcreteModel, s: IndexSets, rate: float) -> None:
    """``sum used + withdrawn + bought + reserve + transferred in + rate x CEAs + uncovered
    - deficit_credits = 0`` for every deficit (CAFC credits never appear against NEV ones)."""
    d = s.deficits
    dkey = ["enterprise", "year", "target"]
    rows = _Rows(len(d))
    rows.add(_positions_in(d, s.uses, dkey), list(m.credits_used.values()), 1.0)
    rows.add(_positions_in(d, s.withdrawals, dkey), list(m.pool_withdrawn.values()), 1.0)
    rows.add(np.arange(len(d)), list(m.nev_bought.values()), 1.0)
    rows.add(np.flatnonzero(d["reserve"].to_numpy()), list(m.reserve_bought.values()), 1.0)
    tin = s.transfers_in.assign(target="cafc")
    rows.add(_positions_in(d, tin, dkey), list(m.cafc_transfer_in.values()), 1.0)
    rows.add(np.flatnonzero(d["cea"].to_numpy()), list(m.cea_surrendered_t_co2e.values()),
             rate)
    rows.add(np.flatnonzero(d["uncovered"].to_numpy()), list(m.uncovered_credits.values()),
             1.0)
    dfc = m.deficit_credits
    rows.add(np.arange(len(d)), [dfc[e, g, t] for e, t, g in keys(d, dkey)], -1.0)
    _constraint(m, "deficit_cover", keys(d, dkey), [e == 0 for e in rows.expressions()])


def define_nev_market_clearing(m: pyo.ConcreteModel, s: IndexSets) -> None:
    """``nev_market_clearing[t]``: NEV credits sold - bought = 0 over all enterprises (its
    dual / discount is the equilibrium NEV price)."""
    years = s.years
    rows = _Rows(len(years))
    nev = s.holdings[s.holdings["kind"] == "nev"]
    rows.add(np.searchsorted(years, nev["year"].to_numpy()), list(m.nev_sold.values()), 1.0)
    rows.add(np.searchsorted(years, s.deficits["year"].to_numpy()),
             list(m.nev_bought.values()), -1.0)
    exprs = rows.expressions()
    used = [i for i, e in enumerate(exprs) if e.nargs()]
    _constraint(m, "nev_market_clearing", [years[i] for i in used],
                [exprs[i] == 0 for i in used])


def price_value(m: pyo.ConcreteModel, key: tuple) -> float:
    """Current value of a price key of :attr:`Formulation.objective_terms` [CNY per unit]."""
    name = key[0]
    if name == "cea_per_credit":
        return m.cea_price[key[1]].value / m.rate.value
    if name == "offset_per_credit":
        return m.cea_price[key[1]].value * m.offset_price_factor[key[1]].value / m.rate.value
    comp = getattr(m, name)
    if len(key) == 1:
        return comp.value
    return comp[key[1:] if len(key) > 2 else key[1]].value


def _price_expr(m: pyo.ConcreteModel, key: tuple) -> object:
    if key[0] == "cea_per_credit":
        return m.cea_price[key[1]] / m.rate
    if key[0] == "offset_per_credit":
        return m.cea_price[key[1]] * m.offset_price_factor[key[1]] / m.rate
    comp = getattr(m, key[0])
    return comp[key[1:] if len(key) > 2 else key[1]] if len(key) > 1 else comp


def define_objective(m: pyo.ConcreteModel, s: IndexSets,
                     nev_prices: NevPrices) -> list[tuple[str, np.ndarray, list[tuple]]]:
    """Discounted total cost [CNY]: purchases (+ transaction cost), sales, reserve, CEAs,
    offsets sold (at CEA price x offset price factor / rate), abatement, uncovered penalty,
    technology units; with equilibrium prices, payments between
    enterprises cancel and only the transaction cost remains.

    Returns the objective as (variable, weight = +-discount, price keys) terms.
    """
    disc_of = s.discount.to_dict()
    d, h, ab = s.deficits, s.holdings, s.abatement
    nev = h[h["kind"] == "nev"]

    def w(table: pd.DataFrame, sign: float = 1.0) -> np.ndarray:
        return sign * np.array([disc_of[t] for t in table["year"].tolist()], dtype=float)

    terms: list[tuple[str, np.ndarray, list[tuple]]] = [
        ("nev_bought", w(d), [("transaction_cost",)] * len(d))]
    if nev_prices == "given":
        terms += [("nev_bought", w(d), [("nev_buy_price", t) for t in d["year"]]),
                  ("nev_sold", w(nev, -1.0), [("nev_sell_price", t) for t in nev["year"]])]
    rs, ce, un = d[d["reserve"]], d[d["cea"]], d[d["uncovered"]]
    terms += [("reserve_bought", w(rs), [("reserve_price",)] * len(rs)),
              ("cea_surrendered_t_co2e", w(ce), [("cea_price", t) for t in ce["year"]])]
    if len(m.credit_offsets_sold):
        terms.append(("credit_offsets_sold", w(h, -1.0),
                      [("offset_per_credit", t) for t in h["year"]]))
    terms += [("abated_credits", w(ab), [("abatement_cost", e, j) for e, j in
                                         zip(ab["enterprise"], ab["segment"], strict=True)]),
              ("uncovered_credits", w(un), [("penalty",)] * len(un))]
    tech = s.technology
    if len(tech):
        terms.append(("technology_units", w(tech), [
            ("technology_cost", e, o, t) for e, o, t in keys(tech, ["enterprise", "option",
                                                                  "year"])]))
    args = []
    for name, weight, prices in terms:
        var = getattr(m, name)
        args += [MonomialTermExpression((wt * _price_expr(m, k), x)) for wt, k, x in
                 zip(weight.tolist(), prices, var.values(), strict=True)]
    m.objective = pyo.Objective(expr=LinearExpression(args), sense=pyo.minimize)
    return terms


# ----------------------------------------------------------------------------- the model
def build_formulation(scenario: Scenario, enterprises: list[EnterpriseInput], *,
                      nev_prices: NevPrices, name: str = "",
                      positions: PositionsMode | None = None) -> Formulation:
    """Build the LP of ``enterprises`` (see the module docstring).

    Parameters
    ----------
    scenario : Scenario
    enterprises : list of EnterpriseInput
    nev_prices : {"given", "equilibrium"}
        ``"given"``: NEV credits trade at the scenario's prices with the rest of the market
        and CAFC transfers come from affiliates outside the model; ``"equilibrium"``: NEV
        credits clear among ``enterprises`` and CAFC transfers balance inside each group.
    name : str, optional
    positions : {"fixed_sign", "exact"}, optional
        How the sign of each year's position is decided (default: the scenario's
        ``[scenario] positions``). ``"fixed_sign"``: by the position before technology and
        abatement (an LP); ``"exact"``: a binary where technology or abatement can flip it
        (a MIP, :func:`define_exact_positions`).

    Returns
    -------
    Formulation
    """
    mode = positions if positions is not None else scenario.positions
    if mode not in ("fixed_sign", "exact"):
        raise ValueError(f"positions must be 'fixed_sign' or 'exact', got {mode!r}")
    with PauseGC():  # the cyclic GC would rescan the young model's objects again and again
        return _build(scenario, enterprises, nev_prices, name, mode)


def _build(scenario: Scenario, enterprises: list[EnterpriseInput], nev_prices: NevPrices,
           name: str, mode: PositionsMode) -> Formulation:
    s = build_index_sets(scenario, enterprises, positions_mode=mode)
    link = scenario.link
    rate = float(link.exchange_rate_credits_per_t_co2e) if link is not None else 1.0
    m = pyo.ConcreteModel(name=name or scenario.name)
    define_parameters(m, scenario, s, rate)
    define_abatement(m, s)
    define_technology(m, s)
    define_credit_positions(m, s)
    define_exact_positions(m, s)
    define_nev_purchases(m, scenario, s)
    define_reserve(m, scenario, s)
    define_cafc_transfers(m, scenario, s, nev_prices)
    define_cea_surrender(m, scenario, s, rate)
    define_offsets(m, scenario, s, rate)
    define_uncovered(m, s)
    define_pool(m, s)
    define_carry_forward(m, s, nev_prices)
    define_deficit_cover(m, s, rate)
    if nev_prices == "equilibrium":
        define_nev_market_clearing(m, s)
    terms = define_objective(m, s, nev_prices)
    return Formulation(m, s, nev_prices, rate, terms)
