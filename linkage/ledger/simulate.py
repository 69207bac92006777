"""Multi-year simulation of the vintage ledger under a rule-following strategy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.errors import InputError
from linkage.ledger.carry import carry_factor, carry_step
from linkage.ledger.schema import TRANSACTION_COLUMNS
from linkage.ledger.statements import (
    check_opening,
    ledger_years,
    missing_statement_notes,
    normalise_prices,
    prepare_statements,
)
from linkage.market import resolve_ratios
from linkage.pool import PoolWindow, ReserveVariant, pool_window
from linkage.rules import RuleSet, default_rules

__all__ = ["LedgerResult", "Strategy", "normalise_prices", "simulate"]

_EPS = 1e-9


@dataclass(frozen=True)
class Strategy:
    """A rule-following compliance strategy.

    Deficits are cleared from the cheapest legal source first: NEV deficits with own NEV
    credits (oldest vintage first), then pool withdrawals (release years), the reserve (when
    on and not dearer than the market), then market purchases; CAFC deficits with own carried
    CAFC credits (oldest first), affiliate transfers, then NEV credits as above. A NEV surplus
    of the year is deposited when the pool is open, and may be partly sold.

    Attributes
    ----------
    use_carried : bool
        Use carried-forward own credits.
    affiliate_transfers : bool
        Transfer the year's CAFC surplus to affiliates with CAFC deficits.
    nev_for_cafc : bool
        Use NEV credits against CAFC deficits.
    withdraw_from_pool : bool
        Withdraw own stored credits in release years to clear deficits.
    buy : bool
        Buy NEV credits on the market for what is still uncovered.
    buy_reserve : bool
        Buy from the reserve (policy variant) when on and not dearer than the market.
    deposit_share : float
        Share of what may be deposited that is deposited when the pool is open [-].
    sell_share : float
        Share of the year's remaining own NEV surplus sold on the market [-].
    """

    use_carried: bool = True
    affiliate_transfers: bool = True
    nev_for_cafc: bool = True
    withdraw_from_pool: bool = True
    buy: bool = True
    buy_reserve: bool = True
    deposit_share: float = 1.0
    sell_share: float = 0.0

    def __post_init__(self) -> None:
        for name in ("deposit_share", "sell_share"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise InputError(f"must lie in [0, 1], got {v}", key=f"Strategy.{name}")


@dataclass
class LedgerResult:
    """Result of :func:`simulate`.

    Attributes
    ----------
    transactions : DataFrame
        The transaction log (see :mod:`linkage.ledger.schema`).
    balances : DataFrame
        Year-end holdings: ``enterprise, year, instrument, vintage, quantity`` [credit], after
        unused withdrawals returned and before the carry-forward discount.
    ratios : dict
        Supply/demand ratio used per year [-].
    assumptions : list of str
        Assumptions the simulation made (defaults taken for missing inputs).
    """

    transactions: pd.DataFrame
    balances: pd.DataFrame
    ratios: dict[int, float]
    assumptions: list[str] = field(default_factory=list)

    @property
    def uncovered(self) -> pd.DataFrame:
        """Deficits left uncovered: ``enterprise, year, instrument, quantity`` [credit]."""
        t = self.transactions
        return t.loc[t["action"] == "uncovered",
                     ["enterprise", "year", "instrument", "quantity"]].reset_index(drop=True)


class _Book:
    """Holdings of every enterprise and the transaction log."""

    def __init__(self) -> None:
        self.hold: dict[str, dict[tuple[str, int], float]] = defaultdict(lambda: defaultdict(float))
        self.rows: list[tuple] = []

    def log(self, e: str, y: int, instrument: str, vintage: int, action: str, qty: float,
            delta: float, counterparty: str | None = None, cash: float = 0.0,
            unit: str = "credit") -> None:
        h = self.hold[e]
        h[(instrument, vintage)] += delta
        if abs(h[(instrument, vintage)]) < _EPS:
            h[(instrument, vintage)] = 0.0
        self.rows.append((e, y, instrument, vintage, action, float(qty),
                          h[(instrument, vintage)], counterparty, cash, unit))

    def take(self, e: str, y: int, instrument: str, vintage: int, action: str, qty: float,
             **kw) -> None:
        self.log(e, y, instrument, vintage, action, qty, -qty, **kw)

    def vintages(self, e: str, instrument: str) -> list[int]:
        return sorted(v for (i, v), q in self.hold[e].items() if i == instrument and q > _EPS)


@dataclass
class _Year:
    """The simulator's state and moves within one compliance year."""

    book: _Book
    y: int
    win: PoolWindow
    bp: float
    strategy: Strategy
    reserve: ReserveVariant
    stored_start: dict[str, float]
    reserve_left: float
    withdrawn: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def offset(self, e: str, kind: str, instrument: str, v: int, amount: float) -> float:
        """Clear up to ``amount`` of a ``kind`` deficit from one bucket; return the amount."""
        q = min(self.book.hold[e][(instrument, v)], amount)
        if q <= _EPS:
            return 0.0
        self.book.take(e, self.y, instrument, v, f"offset_{kind}", q)
        self.book.log(e, self.y, f"{kind}_deficit", self.y, f"offset_{kind}", q, -q)
        return q

    def from_nev_sources(self, e: str, kind: str, need: float) -> float:
        """Own NEV (oldest first), pool, reserve, market; return what is still needed."""
        y, win, book, strategy, reserve = self.y, self.win, self.book, self.strategy, self.reserve
        for v in book.vintages(e, "nev"):
            if strategy.use_carried or v == y:
                need -= self.offset(e, kind, "nev", v, need)
        if need > _EPS and strategy.withdraw_from_pool and win.release_open:
            cap = win.withdrawal_share * self.stored_start[e] - self.withdrawn[e]
            for v in book.vintages(e, "pool"):
                if y - v > win.validity_years or need <= _EPS or cap <= _EPS:
                    continue
                q = min(book.hold[e][("pool", v)], need, cap)
                if q <= _EPS:
                    continue
                book.take(e, y, "pool", v, "withdraw", q)
                book.log(e, y, "pool_release", v, "withdraw", q, q)
                self.withdrawn[e] += q
                cap -= q
                need -= self.offset(e, kind, "pool_release", v, need)
        if (need > _EPS and strategy.buy_reserve and reserve.enabled and win.release_open
                and self.reserve_left > _EPS
                and (np.isnan(self.bp) or reserve.price_cny_per_credit <= self.bp)):
            q = min(need, self.reserve_left)
            self.reserve_left -= q
            book.log(e, y, "reserve", y, "buy_reserve", q, q,
                     cash=-q * float(reserve.price_cny_per_credit))
            need -= self.offset(e, kind, "reserve", y, need)
        if need > _EPS and strategy.buy:
            book.log(e, y, "nev_market", y, "buy", need, need, cash=-need * self.bp)
            need -= self.offset(e, kind, "nev_market", y, need)
        return need


def _opening_holdings(book: _Book, opening: pd.DataFrame | None, first: int, rules: RuleSet,
                      eligible: Mapping[tuple[str, int], bool]) -> None:
    if opening is None or len(opening) == 0:
        return
    check_opening(opening, first)
    for col in ("enterprise", "instrument", "vintage", "quantity"):
        if col not in opening:
            raise InputError("opening holdings need enterprise, instrument, vintage, quantity",
                             column=col)
    for r in opening.itertuples(index=False):
        v, q = int(r.vintage), float(r.quantity)
        if r.instrument not in ("cafc", "nev", "pool"):
            raise InputError(f"opening instrument must be cafc, nev or pool, got {r.instrument!r}",
                             column="instrument")
        if q < 0 or v >= first:
            raise InputError(f"opening {r.instrument} vintage {v}: quantity must be >= 0 and the "
                             f"vintage before {first}", column="vintage")
        age = first - v
        if r.instrument == "pool":
            valid = age <= int(rules.for_year(first)["pool.validity_years"])
            book.hold[r.enterprise][("pool", v)] += q if valid else 0.0
            continue
        rb = rules.for_year(v) if v in rules else rules.for_year(first)
        kind = r.instrument
        ok = age <= int(rb[f"{kind}.carry_years"])
        if kind == "nev":
            ok = ok and eligible.get((r.enterprise, v), True)
        book.hold[r.enterprise][(kind, v)] += q * carry_factor(rb, kind, age) if ok else 0.0


def simulate(
    statements: pd.DataFrame,
    years: Iterable[int],
    rules: RuleSet | None = None,
    prices: float | Mapping[int, float] | pd.DataFrame | None = None,
    strategy: Strategy | None = None,
    *,
    supply_demand_ratio: Mapping[int, float] | None = None,
    reserve: ReserveVariant | None = None,
    opening: pd.DataFrame | None = None,
) -> LedgerResult:
    """Run the vintage ledger over consecutive years with a rule-following strategy.

    Parameters
    ----------
    statements : DataFrame or path
        Credit statements (see :func:`~linkage.ledger.statements.prepare_statements`).
    years : iterable of int
        Consecutive compliance years to simulate.
    rules : RuleSet, optional
        Default: the shipped rules. Carry factors (read as ``nev.carry_discount`` says, see
        :mod:`linkage.ledger.carry`) and expiry come from the rulebook of each vintage's year;
        pool rules from the rulebook of the year of the movement.
    prices : float, mapping or DataFrame, optional
        NEV credit prices [CNY/credit] (see :func:`normalise_prices`).
    strategy : Strategy, optional
        Default: :class:`Strategy` ().
    supply_demand_ratio : mapping year -> ratio, optional
        Observed ratios [-]; other years are computed from all statements.
    reserve : ReserveVariant, optional
        The reserve policy variant (off by default).
    opening : DataFrame, optional
        Holdings at the start: ``enterprise, instrument (cafc|nev|pool), vintage, quantity``
        (face value; carry factors apply by age from the vintage year).

    Returns
    -------
    LedgerResult
    """
    rules = rules or default_rules()
    strategy = strategy or Strategy()
    reserve = reserve or ReserveVariant()
    years = ledger_years(years)
    st, notes = prepare_statements(statements)
    notes += missing_statement_notes(st, years)
    buy_price, sell_price, price_notes = normalise_prices(prices, years)
    notes += price_notes
    ratios = resolve_ratios(years, st[st["year"].isin(years)], supply_demand_ratio, rules)

    by_key = {(r.enterprise, int(r.year)): r for r in st.itertuples(index=False)}
    eligible = {k: bool(r.nev_carry_eligible) for k, r in by_key.items()}
    group_of = dict(zip(st["enterprise"], st["group"], strict=False))
    enterprises = sorted(set(st["enterprise"]))
    book = _Book()
    _opening_holdings(book, opening, years[0], rules, eligible)
    balances: list[tuple] = []

    for y in years:
        rb = rules.for_year(y)
        win = pool_window(y, ratios[y], rb)
        bp, sp = buy_price[y], sell_price[y]
        need_nev: dict[str, float] = {}
        need_cafc: dict[str, float] = {}
        stored_start = {e: sum(q for (i, _v), q in book.hold[e].items() if i == "pool")
                        for e in enterprises}
        ctx = _Year(book, y, win, bp, strategy, reserve, stored_start,
                    reserve.max_credits_per_year if reserve.max_credits_per_year is not None
                    else float("inf"))

        for e in enterprises:
            r = by_key.get((e, y))
            c = float(r.cafc_credits) if r is not None else 0.0
            n = float(r.nev_credits) if r is not None else 0.0
            if c > 0:
                book.log(e, y, "cafc", y, "earn", c, c)
            elif c < 0:
                book.log(e, y, "cafc_deficit", y, "deficit", -c, -c)
            if n > 0:
                book.log(e, y, "nev", y, "earn", n, n)
            elif n < 0:
                book.log(e, y, "nev_deficit", y, "deficit", -n, -n)
            need_cafc[e], need_nev[e] = max(-c, 0.0), max(-n, 0.0)

        # 1. NEV deficits: only NEV credits
        for e in enterprises:
            if need_nev[e] > _EPS:
                need_nev[e] = ctx.from_nev_sources(e, "nev", need_nev[e])
        # 2. CAFC deficits: own carried CAFC (oldest first)
        for e in enterprises:
            if need_cafc[e] > _EPS and strategy.use_carried:
                for v in book.vintages(e, "cafc"):
                    need_cafc[e] -= ctx.offset(e, "cafc", "cafc", v, need_cafc[e])
        # 3. affiliate transfers of the year's CAFC surplus
        if strategy.affiliate_transfers:
            for e in enterprises:
                if need_cafc[e] <= _EPS:
                    continue
                for d in enterprises:
                    if d == e or group_of[d] != group_of[e] or need_cafc[e] <= _EPS:
                        continue
                    q = min(book.hold[d][("cafc", y)], need_cafc[e])
                    if q <= _EPS:
                        continue
                    book.take(d, y, "cafc", y, "transfer_out", q, counterparty=e)
                    book.log(e, y, "affiliate_cafc", y, "transfer_in", q, q, counterparty=d)
                    need_cafc[e] -= ctx.offset(e, "cafc", "affiliate_cafc", y, need_cafc[e])
        # 4. CAFC deficits with NEV credits
        for e in enterprises:
            if need_cafc[e] > _EPS and strategy.nev_for_cafc:
                need_cafc[e] = ctx.from_nev_sources(e, "cafc", need_cafc[e])
        # 5. uncovered deficits, reported
        for e in enterprises:
            for kind, need in (("nev", need_nev[e]), ("cafc", need_cafc[e])):
                if need > _EPS:
                    book.log(e, y, f"{kind}_deficit", y, "uncovered", need, -need)
        # 6. surplus: deposit, then sell
        for e in enterprises:
            r = by_key.get((e, y))
            earned = max(float(r.nev_credits), 0.0) if r is not None else 0.0
            have = book.hold[e][("nev", y)]
            if win.deposit_open and strategy.deposit_share > 0 and have > _EPS:
                q = strategy.deposit_share * min(win.deposit_share * earned, have)
                if q > _EPS:
                    book.take(e, y, "nev", y, "deposit", q)
                    book.log(e, y, "pool", y, "deposit", q, q)
            have = book.hold[e][("nev", y)]
            if strategy.sell_share > 0 and have > _EPS:
                q = strategy.sell_share * have
                book.take(e, y, "nev", y, "sell", q, cash=q * sp)
        # 7. year end: returns, lost transfers, balances, carry-forward
        for e in enterprises:
            h = book.hold[e]
            for v in book.vintages(e, "pool_release"):
                q = h[("pool_release", v)]
                book.take(e, y, "pool_release", v, "return", q)
                book.log(e, y, "pool", v, "return", q, q)
            for inst in ("affiliate_cafc", "nev_market", "reserve"):
                for v in book.vintages(e, inst):
                    book.take(e, y, inst, v, "expire", h[(inst, v)])
            for (inst, v), q in sorted(h.items()):
                if q > _EPS and inst in ("cafc", "nev", "pool"):
                    balances.append((e, y, inst, v, q))
            for inst in ("cafc", "nev"):
                for v in book.vintages(e, inst):
                    q = h[(inst, v)]
                    vb = rules.for_year(v) if v in rules else rb
                    keep = (y + 1 - v) <= int(vb[f"{inst}.carry_years"])
                    if inst == "nev":
                        keep = keep and eligible.get((e, v), True)
                    if keep:
                        loss = q * (1.0 - carry_step(vb, inst, y + 1 - v))
                        if loss > _EPS:
                            book.take(e, y, inst, v, "discount", loss)
                    else:
                        book.take(e, y, inst, v, "expire", q)
            for v in book.vintages(e, "pool"):
                if y + 1 - v > win.validity_years:
                    book.take(e, y, "pool", v, "expire", h[("pool", v)])

    tx = pd.DataFrame(book.rows, columns=TRANSACTION_COLUMNS)
    tx = tx.astype({"year": np.int64, "vintage": np.int64, "quantity": float,
                    "balance_after": float, "cash_flow_cny": float})
    bal = pd.DataFrame(balances, columns=["enterprise", "year", "instrument", "vintage",
                                          "quantity"])
    return LedgerResult(tx, bal, ratios, notes)
