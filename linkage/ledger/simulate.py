"""Multi-year simulation of the vintage ledger under a rule-following strategy."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from conversions.vocabulary import renamed_attributes
from linkage.errors import InputError
from linkage.ledger.carry import carry_factor
from linkage.ledger.schema import TRANSACTION_COLUMNS
from linkage.ledger.simulate_steps import YEAR_STEPS, Book, YearState
from linkage.ledger.statements import (
    check_opening,
    ledger_years,
    missing_statement_notes,
    normalise_prices,
    prepare_statements,
)
from linkage.market import resolve_ratios
from linkage.pool import ReserveVariant, pool_window
from linkage.rules import RuleSet, default_rules

__all__ = ["LedgerResult", "Strategy", "normalise_prices", "simulate"]


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


@renamed_attributes("python.LedgerResult")
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
    def uncovered_deficits(self) -> pd.DataFrame:
        """Deficits left uncovered: ``enterprise, year, instrument, quantity`` [credit]
        (formerly ``uncovered``, still readable with a DeprecationWarning)."""
        t = self.transactions
        return t.loc[t["action"] == "uncovered",
                     ["enterprise", "year", "instrument", "quantity"]].reset_index(drop=True)


def _check_opening_row(r, first: int) -> tuple[int, float]:
    """Vintage and quantity of one opening row, or a located error for the rule it breaks."""
    v, q = int(r.vintage), float(r.quantity)
    if r.instrument not in ("cafc", "nev", "pool"):
        raise InputError(f"opening instrument must be cafc, nev or pool, got {r.instrument!r}",
                         column="instrument")
    if q < 0 or v >= first:
        raise InputError(f"opening {r.instrument} vintage {v}: quantity must be >= 0 and the "
                         f"vintage before {first}", column="vintage")
    return v, q


def _opening_value(r, v: int, q: float, first: int, rules: RuleSet,
                   eligible: Mapping[tuple[str, int], bool]) -> float:
    """What an opening holding is worth at the start of ``first`` [credit] (0 if lapsed)."""
    age = first - v
    if r.instrument == "pool":
        valid = age <= int(rules.for_year(first)["pool.validity_years"])
        return q if valid else 0.0
    rb = rules.for_year(v) if v in rules else rules.for_year(first)
    kind = r.instrument
    ok = age <= int(rb[f"{kind}.carry_years"])
    if kind == "nev":
        ok = ok and eligible.get((r.enterprise, v), True)
    return q * carry_factor(rb, kind, age) if ok else 0.0


def _opening_holdings(book: Book, opening: pd.DataFrame | None, first: int, rules: RuleSet,
                      eligible: Mapping[tuple[str, int], bool]) -> None:
    if opening is None or len(opening) == 0:
        return
    check_opening(opening, first)
    for col in ("enterprise", "instrument", "vintage", "quantity"):
        if col not in opening:
            raise InputError("opening holdings need enterprise, instrument, vintage, quantity",
                             column=col)
    for r in opening.itertuples(index=False):
        v, q = _check_opening_row(r, first)
        book.hold[r.enterprise][(r.instrument, v)] += _opening_value(r, v, q, first, rules,
                                                                     eligible)


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
    book = Book()
    _opening_holdings(book, opening, years[0], rules, eligible)
    balances: list[tuple] = []

    for y in years:
        rb = rules.for_year(y)
        state = YearState(book, y, rules, rb, pool_window(y, ratios[y], rb), buy_price[y],
                          sell_price[y], strategy, reserve, enterprises, by_key, group_of,
                          eligible, balances)
        for step in YEAR_STEPS.values():
            step.apply(state)

    tx = pd.DataFrame(book.rows, columns=TRANSACTION_COLUMNS)
    tx = tx.astype({"year": np.int64, "vintage": np.int64, "quantity": float,
                    "balance_after_credits": float, "cash_flow_cny": float})
    bal = pd.DataFrame(balances, columns=["enterprise", "year", "instrument", "vintage",
                                          "quantity"])
    return LedgerResult(tx, bal, ratios, notes)
