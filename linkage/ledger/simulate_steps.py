"""The simulator's rules: one small documented step per move the regulation allows.

:func:`~linkage.ledger.simulate.simulate` runs, for every compliance year, the steps of
:data:`YEAR_STEPS` in the order the regulation applies them (the pattern of PyPSA's
``consistency.py``, the same shape as the verifier's :data:`~linkage.ledger.verify_rules.RULES`,
with which this module shares no code). A deficit cleared with NEV credits draws on the sources
of :data:`NEV_SOURCES`, cheapest legal source first. Each step reads and writes one
:class:`YearState`; every movement goes through :class:`Book`, which keeps the holdings and the
transaction log (see :mod:`linkage.ledger.schema`).

Sources: the dual-credit measures (MIIT Order 44, 2020, amended by Order 53, 2023: offsetting,
carry-forward, affiliate transfers, NEV credits for CAFC deficits; Order 64: the credit pool),
the project's reading of them in ``docs/reference/dual-credit-rules.md`` (sections 5 and 10),
and the reserve policy variant (:class:`~linkage.pool.ReserveVariant`, not law). Numbers
(shares, triggers, carry factors and periods) come from the rulebooks, never from this module.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linkage.ledger.carry import carry_step
from linkage.pool import PoolWindow, ReserveVariant
from linkage.rules import Rulebook, RuleSet

__all__ = ["EPS", "NEV_SOURCES", "YEAR_STEPS", "Book", "Step", "YearState"]

EPS = 1e-9


class Book:
    """Holdings of every enterprise and the transaction log."""

    def __init__(self) -> None:
        self.hold: dict[str, dict[tuple[str, int], float]] = defaultdict(lambda: defaultdict(float))
        self.rows: list[tuple] = []

    def log(self, e: str, y: int, instrument: str, vintage: int, action: str, qty: float,
            delta: float, counterparty: str | None = None, cash: float = 0.0,
            unit: str = "credit") -> None:
        """Add ``delta`` to a bucket and log the movement with the balance after it."""
        h = self.hold[e]
        h[(instrument, vintage)] += delta
        if abs(h[(instrument, vintage)]) < EPS:
            h[(instrument, vintage)] = 0.0
        self.rows.append((e, y, instrument, vintage, action, float(qty),
                          h[(instrument, vintage)], counterparty, cash, unit))

    def take(self, e: str, y: int, instrument: str, vintage: int, action: str, qty: float,
             **kw: Any) -> None:
        """Remove ``qty`` from a bucket and log it."""
        self.log(e, y, instrument, vintage, action, qty, -qty, **kw)

    def vintages(self, e: str, instrument: str) -> list[int]:
        """Vintages of an instrument the enterprise holds a positive quantity of, oldest first."""
        return sorted(v for (i, v), q in self.hold[e].items() if i == instrument and q > EPS)


@dataclass
class YearState:
    """The simulator's state within one compliance year.

    Attributes
    ----------
    book : Book
        Holdings and transaction log, carried across years.
    y : int
        The compliance year.
    rules, rb : RuleSet, Rulebook
        All rulebooks, and the rulebook of year ``y``.
    win : PoolWindow
        What the pool allows in year ``y``.
    buy_price_cny_per_credit, sell_price_cny_per_credit : float
        Market prices of the year [CNY/credit] (NaN: none given).
    strategy, reserve
        The :class:`~linkage.ledger.simulate.Strategy` and the reserve variant.
    enterprises : list of str
        Enterprises, sorted: every step visits them in this order.
    statement : dict
        Statement row per ``(enterprise, year)``.
    group_of : dict
        Affiliate group per enterprise.
    eligible : dict
        Whether the NEV vintage ``(enterprise, year)`` may be carried forward.
    balances : list
        Year-end holdings rows, shared across years.
    stored_start : dict
        Pool stock per enterprise at the start of the year [credit].
    reserve_left : float
        What the reserve may still sell this year [credit].
    withdrawn : dict
        Withdrawn from the pool so far this year, per enterprise [credit].
    need_nev, need_cafc : dict
        Deficit still to clear per enterprise [credit].
    """

    book: Book
    y: int
    rules: RuleSet
    rb: Rulebook
    win: PoolWindow
    buy_price_cny_per_credit: float
    sell_price_cny_per_credit: float
    strategy: Any
    reserve: ReserveVariant
    enterprises: list[str]
    statement: dict[tuple[str, int], Any]
    group_of: dict[str, str]
    eligible: dict[tuple[str, int], bool]
    balances: list[tuple]
    stored_start: dict[str, float] = field(default_factory=dict)
    reserve_left: float = float("inf")
    withdrawn: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    need_nev: dict[str, float] = field(default_factory=dict)
    need_cafc: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.stored_start = {e: sum(q for (i, _v), q in self.book.hold[e].items() if i == "pool")
                             for e in self.enterprises}
        cap = self.reserve.reserve_max_credits_per_year
        self.reserve_left = cap if cap is not None else float("inf")

    def offset(self, e: str, kind: str, instrument: str, v: int, amount: float) -> float:
        """Clear up to ``amount`` of a ``kind`` deficit from one bucket; return the amount."""
        q = min(self.book.hold[e][(instrument, v)], amount)
        if q <= EPS:
            return 0.0
        self.book.take(e, self.y, instrument, v, f"offset_{kind}", q)
        self.book.log(e, self.y, f"{kind}_deficit", self.y, f"offset_{kind}", q, -q)
        return q


@dataclass(frozen=True)
class Step:
    """A registered simulator step.

    Attributes
    ----------
    name : str
        Stable name (the function's name).
    apply : callable
        ``apply(state)`` for a year step, ``apply(state, enterprise, kind, need) -> need``
        for a NEV source.
    rule : str
        The rule the step applies (first line of its docstring).
    """

    name: str
    apply: Callable
    rule: str


def _registry(into: dict[str, Step]) -> Callable[[Callable], Callable]:
    def add(fn: Callable) -> Callable:
        name = fn.__name__
        if name in into:
            raise ValueError(f"simulator step {name!r} registered twice")
        into[name] = Step(name, fn, (fn.__doc__ or "").strip().splitlines()[0])
        return fn
    return add


#: Sources of NEV credits for a deficit, cheapest legal source first (order of application).
NEV_SOURCES: dict[str, Step] = {}
#: The steps of one compliance year, in the order the regulation applies them.
YEAR_STEPS: dict[str, Step] = {}
_nev_source = _registry(NEV_SOURCES)
_year_step = _registry(YEAR_STEPS)


# --- sources of NEV credits (dual-credit-rules.md section 5) ---------------------------------

@_nev_source
def offset_with_own_nev(s: YearState, e: str, kind: str, need: float) -> float:
    """Own NEV credits, oldest vintage first (carried ones only when the strategy uses them).

    Source: Order 44 as amended (NEV credits clear NEV deficits and, one for one, CAFC
    deficits; carried NEV credits are usable while valid); dual-credit-rules.md section 5.
    """
    for v in s.book.vintages(e, "nev"):
        if s.strategy.use_carried or v == s.y:
            need -= s.offset(e, kind, "nev", v, need)
    return need


@_nev_source
def withdraw_from_pool(s: YearState, e: str, kind: str, need: float) -> float:
    """Own stored pool credits, in a release year, within the withdrawal share and validity.

    Source: Order 64 (pool from 2024: withdrawal when the supply/demand ratio is below the
    release trigger, up to the withdrawal share of the stock, deposits valid for the pool's
    validity period); dual-credit-rules.md section 5.
    """
    win, book = s.win, s.book
    if need <= EPS or not s.strategy.withdraw_from_pool or not win.release_open:
        return need
    cap = win.withdrawal_share * s.stored_start[e] - s.withdrawn[e]
    for v in book.vintages(e, "pool"):
        if s.y - v > win.validity_years or need <= EPS or cap <= EPS:
            continue
        q = min(book.hold[e][("pool", v)], need, cap)
        if q <= EPS:
            continue
        book.take(e, s.y, "pool", v, "withdraw", q)
        book.log(e, s.y, "pool_release", v, "withdraw", q, q)
        s.withdrawn[e] += q
        cap -= q
        need -= s.offset(e, kind, "pool_release", v, need)
    return need


def _reserve_sells(s: YearState) -> bool:
    """Whether the reserve is on, open this year, not exhausted and not dearer than the market."""
    r = s.reserve
    return (s.strategy.buy_reserve and r.enabled and s.win.release_open
            and s.reserve_left > EPS
            and (np.isnan(s.buy_price_cny_per_credit)
                 or r.reserve_price_cny_per_credit <= s.buy_price_cny_per_credit))


@_nev_source
def buy_from_reserve(s: YearState, e: str, kind: str, need: float) -> float:
    """Buy from the reserve at its set price, up to what it may still sell this year.

    Source: the reserve policy variant (:class:`~linkage.pool.ReserveVariant`; a design from
    the linkage reference, not law): sells in release years when not dearer than the market.
    """
    if need <= EPS or not _reserve_sells(s):
        return need
    q = min(need, s.reserve_left)
    s.reserve_left -= q
    s.book.log(e, s.y, "reserve", s.y, "buy_reserve", q, q,
               cash=-q * float(s.reserve.reserve_price_cny_per_credit))
    return need - s.offset(e, kind, "reserve", s.y, need)


@_nev_source
def buy_nev_credits(s: YearState, e: str, kind: str, need: float) -> float:
    """Buy NEV credits on the market at the year's price for all that is still needed.

    Source: Order 44 as amended (NEV credits bought from other enterprises clear NEV and CAFC
    deficits); dual-credit-rules.md section 5.
    """
    if need <= EPS or not s.strategy.buy:
        return need
    s.book.log(e, s.y, "nev_market", s.y, "buy", need, need,
               cash=-need * s.buy_price_cny_per_credit)
    return need - s.offset(e, kind, "nev_market", s.y, need)


def clear_with_nev(s: YearState, e: str, kind: str, need: float) -> float:
    """Clear a ``kind`` deficit from the sources of :data:`NEV_SOURCES` in order."""
    for source in NEV_SOURCES.values():
        need = source.apply(s, e, kind, need)
    return need


# --- the year's steps ------------------------------------------------------------------------

@_year_step
def record_statements(s: YearState) -> None:
    """Earn the year's credits and record its deficits, as the statements give them.

    Source: the annual credit statements (MIIT accounting; dual-credit-rules.md sections 3-4).
    """
    for e in s.enterprises:
        r = s.statement.get((e, s.y))
        c = float(r.cafc_credits) if r is not None else 0.0
        n = float(r.nev_credits) if r is not None else 0.0
        if c > 0:
            s.book.log(e, s.y, "cafc", s.y, "earn", c, c)
        elif c < 0:
            s.book.log(e, s.y, "cafc_deficit", s.y, "deficit", -c, -c)
        if n > 0:
            s.book.log(e, s.y, "nev", s.y, "earn", n, n)
        elif n < 0:
            s.book.log(e, s.y, "nev_deficit", s.y, "deficit", -n, -n)
        s.need_cafc[e], s.need_nev[e] = max(-c, 0.0), max(-n, 0.0)


@_year_step
def offset_nev_deficits(s: YearState) -> None:
    """Clear NEV deficits with NEV credits only (own, pool, reserve, market).

    Source: Order 44 as amended (a NEV deficit is cleared only with NEV credits); section 5.
    """
    for e in s.enterprises:
        if s.need_nev[e] > EPS:
            s.need_nev[e] = clear_with_nev(s, e, "nev", s.need_nev[e])


@_year_step
def carry_own_vintages(s: YearState) -> None:
    """Clear CAFC deficits with own carried CAFC credits, oldest vintage first.

    Source: Order 44 as amended, Art. 24 (CAFC surplus carried forward, discounted, for at most
    the carry period); dual-credit-rules.md section 5.
    """
    if not s.strategy.use_carried:
        return
    for e in s.enterprises:
        if s.need_cafc[e] > EPS:
            for v in s.book.vintages(e, "cafc"):
                s.need_cafc[e] -= s.offset(e, "cafc", "cafc", v, s.need_cafc[e])


def _transfer_from(s: YearState, d: str, e: str) -> None:
    """Transfer what affiliate ``d`` can give of its year's CAFC surplus to ``e`` and offset."""
    q = min(s.book.hold[d][("cafc", s.y)], s.need_cafc[e])
    if q <= EPS:
        return
    s.book.take(d, s.y, "cafc", s.y, "transfer_out", q, counterparty=e)
    s.book.log(e, s.y, "affiliate_cafc", s.y, "transfer_in", q, q, counterparty=d)
    s.need_cafc[e] -= s.offset(e, "cafc", "affiliate_cafc", s.y, s.need_cafc[e])


@_year_step
def transfer_within_groups(s: YearState) -> None:
    """Clear CAFC deficits with the year's CAFC surplus of affiliates in the same group.

    Source: Order 44 as amended (transfers between affiliated enterprises, >= 25 %
    shareholding; usable only in the year received, not re-transferable); section 5.
    """
    if not s.strategy.affiliate_transfers:
        return
    for e in s.enterprises:
        for d in s.enterprises:
            if s.need_cafc[e] <= EPS:
                break
            if d != e and s.group_of[d] == s.group_of[e]:
                _transfer_from(s, d, e)


@_year_step
def offset_cafc_with_nev(s: YearState) -> None:
    """Clear the rest of CAFC deficits with NEV credits (own, pool, reserve, market), 1:1.

    Source: Order 44 as amended (NEV credits offset CAFC deficits one for one); section 5.
    """
    if not s.strategy.nev_for_cafc:
        return
    for e in s.enterprises:
        if s.need_cafc[e] > EPS:
            s.need_cafc[e] = clear_with_nev(s, e, "cafc", s.need_cafc[e])


@_year_step
def record_uncovered(s: YearState) -> None:
    """Report what is left of every deficit as uncovered.

    Source: dual-credit-rules.md section 5 (no fine; sanctions on new models; models must
    report every uncovered deficit).
    """
    for e in s.enterprises:
        for kind, need in (("nev", s.need_nev[e]), ("cafc", s.need_cafc[e])):
            if need > EPS:
                s.book.log(e, s.y, f"{kind}_deficit", s.y, "uncovered", need, -need)


def deposit_to_pool(s: YearState, e: str) -> None:
    """Deposit the strategy's share of what may be deposited of the year's NEV surplus.

    Source: Order 64 (in a deposit year, NEV credits of that year up to the deposit share of
    those earned; deposits keep full value for the validity period); section 5.
    """
    r = s.statement.get((e, s.y))
    earned = max(float(r.nev_credits), 0.0) if r is not None else 0.0
    have = s.book.hold[e][("nev", s.y)]
    if not (s.win.deposit_open and s.strategy.deposit_share > 0 and have > EPS):
        return
    q = s.strategy.deposit_share * min(s.win.deposit_share * earned, have)
    if q > EPS:
        s.book.take(e, s.y, "nev", s.y, "deposit", q)
        s.book.log(e, s.y, "pool", s.y, "deposit", q, q)


def sell_surplus(s: YearState, e: str) -> None:
    """Sell the strategy's share of the year's remaining own NEV surplus at the year's price.

    Source: Order 44 as amended (NEV positive credits may be sold to other enterprises).
    """
    have = s.book.hold[e][("nev", s.y)]
    if s.strategy.sell_share > 0 and have > EPS:
        q = s.strategy.sell_share * have
        s.book.take(e, s.y, "nev", s.y, "sell", q, cash=q * s.sell_price_cny_per_credit)


@_year_step
def deposit_and_sell_surplus(s: YearState) -> None:
    """For each enterprise: deposit to the pool, then sell part of the year's NEV surplus.

    Source: :func:`deposit_to_pool` and :func:`sell_surplus`.
    """
    for e in s.enterprises:
        deposit_to_pool(s, e)
        sell_surplus(s, e)


def return_unused_withdrawals(s: YearState, e: str) -> None:
    """Return pool credits withdrawn but not used this year to the pool (same vintage).

    Source: Order 64 (withdrawn credits not used that year go back to the pool); section 5.
    """
    h = s.book.hold[e]
    for v in s.book.vintages(e, "pool_release"):
        q = h[("pool_release", v)]
        s.book.take(e, s.y, "pool_release", v, "return", q)
        s.book.log(e, s.y, "pool", v, "return", q, q)


def expire_unused_purchases(s: YearState, e: str) -> None:
    """Lose affiliate transfers, market and reserve credits not used in the year received.

    Source: Order 44 as amended (transferred credits are usable only in the year received);
    the simulator buys only what it uses, so these buckets are normally empty.
    """
    h = s.book.hold[e]
    for inst in ("affiliate_cafc", "nev_market", "reserve"):
        for v in s.book.vintages(e, inst):
            s.book.take(e, s.y, inst, v, "expire", h[(inst, v)])


def record_balances(s: YearState, e: str) -> None:
    """Record the year-end holdings of own CAFC, NEV and pool credits (before the discount)."""
    for (inst, v), q in sorted(s.book.hold[e].items()):
        if q > EPS and inst in ("cafc", "nev", "pool"):
            s.balances.append((e, s.y, inst, v, q))


def _kept(s: YearState, e: str, inst: str, v: int, vb: Rulebook) -> bool:
    """Whether vintage ``v`` of ``inst`` may be carried into the next year."""
    keep = (s.y + 1 - v) <= int(vb[f"{inst}.carry_years"])
    if inst == "nev":
        keep = keep and s.eligible.get((e, v), True)
    return keep


def carry_forward(s: YearState, e: str) -> None:
    """Discount own CAFC and NEV credits carried into the next year; expire those past it.

    Source: Order 44 as amended (CAFC kept at the carry factor per year for the carry period;
    NEV 2021+ likewise, only for vintages whose conventional fleet met its threshold); the
    factors and periods come from the vintage's rulebook (:mod:`linkage.ledger.carry`).
    """
    h = s.book.hold[e]
    for inst in ("cafc", "nev"):
        for v in s.book.vintages(e, inst):
            q = h[(inst, v)]
            vb = s.rules.for_year(v) if v in s.rules else s.rb
            if not _kept(s, e, inst, v, vb):
                s.book.take(e, s.y, inst, v, "expire", q)
                continue
            loss = q * (1.0 - carry_step(vb, inst, s.y + 1 - v))
            if loss > EPS:
                s.book.take(e, s.y, inst, v, "discount", loss)


def expire_pool_deposits(s: YearState, e: str) -> None:
    """Expire pool deposits older than the pool's validity period at the year's end.

    Source: Order 64 (deposits keep full value for the validity period); section 5.
    """
    h = s.book.hold[e]
    for v in s.book.vintages(e, "pool"):
        if s.y + 1 - v > s.win.validity_years:
            s.book.take(e, s.y, "pool", v, "expire", h[("pool", v)])


@_year_step
def close_year(s: YearState) -> None:
    """For each enterprise: returns, lost purchases, balances, carry-forward, pool expiry.

    Source: the functions it calls, in this order.
    """
    for e in s.enterprises:
        return_unused_withdrawals(s, e)
        expire_unused_purchases(s, e)
        record_balances(s, e)
        carry_forward(s, e)
        expire_pool_deposits(s, e)
