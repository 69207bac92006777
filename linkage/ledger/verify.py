"""Independent verification of a compliance plan against every rule.

:func:`verify_plan` replays a plan (a transaction table, e.g. from the optimizer or the
simulator) from the statements alone and runs every rule registered in
:mod:`linkage.ledger.verify_rules` (one small ``check_*`` function per rule, under a stable
name). The replay (:mod:`linkage.ledger.verify_context`) recomputes what each enterprise holds,
year by year, with its own carry-forward and pool arithmetic. The verifier shares no code with
the simulator's strategy or with the optimizer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from conversions.vocabulary import renamed_parameters
from linkage.carbon_link import CarbonLink
from linkage.ledger.verify_context import EXTERNAL_AFFILIATES, PlanContext, Violation
from linkage.ledger.verify_rules import COLUMNS, LEDGER, ROWS, RULES
from linkage.pool import ReserveVariant
from linkage.rules import RuleSet, default_rules

__all__ = ["EXTERNAL_AFFILIATES", "RULES", "Violation", "verify_plan"]


def _run(phase: int, ctx: PlanContext) -> list[Violation]:
    out: list[Violation] = []
    for rule in list(RULES.values()):
        if rule.phase == phase:
            out.extend(rule.check(ctx))
    return out


@renamed_parameters("python.verify_plan")
def verify_plan(
    plan: pd.DataFrame,
    statements: pd.DataFrame,
    rules: RuleSet | None = None,
    *,
    years: Iterable[int] | None = None,
    supply_demand_ratio: Mapping[int, float] | None = None,
    reserve: ReserveVariant | None = None,
    opening: pd.DataFrame | None = None,
    link: CarbonLink | None = None,
    affiliate_cafc_available_credits: Mapping[tuple[str, int], float] | None = None,
    technology: pd.DataFrame | None = None,
    offset_limit_t_co2e: Mapping[int, float] | None = None,
) -> list[Violation]:
    """Check a plan against every dual-credit rule; an empty list means the plan is legal.

    Parameters
    ----------
    plan : DataFrame
        Transactions with ``enterprise, year, instrument, vintage, action, quantity``
        (optional ``counterparty``; other columns ignored). Bookkeeping rows (``earn``,
        ``deficit``, ``discount``, ``expire``, ``return``) and the destination side of a
        movement (``deposit`` into ``pool``, ``withdraw`` into ``pool_release``, ``offset_*``
        of ``*_deficit``) are optional: ``earn``/``deficit`` rows are checked against the
        statements and mirror rows against their source rows; the verifier recomputes carry
        discounts, expiry and returns itself.
    statements : DataFrame
        Credit statements (see :func:`~linkage.ledger.statements.prepare_statements`).
    rules : RuleSet, optional
    years : iterable of int, optional
        Consecutive years covered (default: the plan's years).
    supply_demand_ratio : mapping, optional
        Observed ratios; other years computed from the statements.
    reserve : ReserveVariant, optional
        The reserve policy variant the plan may use (off by default).
    opening : DataFrame, optional
        Opening holdings (face values), as given to :func:`~linkage.ledger.simulate`.
    link : CarbonLink, optional
        The linkage design the plan may use (CEA surrender, credit offsets); None: no linkage.
    affiliate_cafc_available_credits : mapping (enterprise, year) -> credits, optional
        CAFC credits affiliates outside the plan can transfer in; such ``transfer_in`` rows
        carry the counterparty ``"<affiliates>"`` and are not paired with a ``transfer_out``.
    technology : DataFrame, optional
        Technology options the plan may take: ``enterprise, year, option, max_units``
        [unit], ``cafc_credits_per_unit``, ``nev_credits_per_unit`` [credit/unit]. Rows
        ``action = instrument = "technology"`` name the option in ``counterparty`` and their
        units x effects change the year's statement (like ``abate``). None: no options.
    offset_limit_t_co2e : mapping year -> t CO2e, optional
        The carbon market's limit on all automakers' offsets of a year (``[ets]``), in
        tonnes at the link's exchange rate; None: no such limit. (``offset_limit_t``, its
        name before the one-vocabulary rename, still works with a
        :class:`DeprecationWarning`.)

    Returns
    -------
    list of Violation

    Notes
    -----
    Runs every rule registered in :data:`linkage.ledger.verify_rules.RULES` (``rule`` of a
    violation = the rule's registered name; ``linkage.ledger.verify_rules.RULES[name].summary``
    states it). Each rule judges one thing and takes the rest of the plan as written, so a plan
    that breaks one rule is reported under that rule alone.

    Rules checked: non-negative finite quantities and known actions/instruments; every row lies
    in ``years``; ``earn``/``deficit`` rows match the statements and mirror rows their source
    rows (discounts, expiry and returns are recomputed, not read); no bucket is overdrawn (this
    catches expired or never-held vintages); NEV deficits are cleared only with NEV credits;
    offsets do not exceed the deficit; every remaining deficit is declared ``uncovered``; CAFC
    credits are never sold and are transferred only to affiliates, only the year's own surplus
    and never re-transferred, and each transfer out is matched by a transfer in; same-year
    buckets (bought, transferred, withdrawn, reserve credits) are used in their year only and
    bought credits are not banked; deposits only in open years, of the year's own credits, up to
    the deposit share; withdrawals only in release years, of valid vintages, up to the
    withdrawal share; reserve purchases only when the variant is on, in release years, up to its
    cap.
    """
    ctx = PlanContext(plan, statements, rules or default_rules(), years=years,
                      supply_demand_ratio=supply_demand_ratio, reserve=reserve or ReserveVariant(),
                      opening=opening, link=link,
                      affiliate_cafc_available_credits=affiliate_cafc_available_credits,
                      technology=technology, offset_limit_t_co2e=offset_limit_t_co2e)
    out = _run(COLUMNS, ctx)
    if ctx.missing_columns():
        return out
    ctx.prepare_rows()
    out += _run(ROWS, ctx)
    if not ctx.years:
        return out
    ctx.prepare_ledger()
    return out + _run(LEDGER, ctx)
