"""The verifier's rules: one small documented check per rule, registered under a stable name.

Each ``check_*`` function reads a :class:`~linkage.ledger.verify_context.PlanContext` and
returns the :class:`~linkage.ledger.verify_context.Violation` s of its one rule; the rule's name
is the ``rule`` field of every violation it reports. :data:`RULES` lists them in the order
:func:`~linkage.ledger.verify.verify_plan` runs them (the pattern of PyPSA's
``consistency.py``). Each rule judges one thing and takes the rest of the plan as written, so a
plan that breaks one rule is reported under that rule alone (the seeded plans of
``tests/test_verifier_rules.py`` prove it for every rule).

Sources: the dual-credit measures (MIIT Order 44, 2020, amended by Order 53, 2023:
carry-forward, affiliate transfers, NEV credits for CAFC deficits, the credit pool), the
project's reading of them in ``docs/reference/dual-credit-rules.md`` (section 10), the reserve
policy variant (:class:`~linkage.pool.ReserveVariant`) and the linkage designs
(:class:`~linkage.carbon_link.CarbonLink`). Numbers (shares, triggers, carry factors and periods)
come from the rulebook of the year, never from this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.ledger.verify_context import (
    EXTERNAL_AFFILIATES,
    MIRRORS,
    OFFSETS,
    OWN,
    SAME_YEAR,
    USES,
    PlanContext,
    Violation,
    tolerance,
    violation,
)

__all__ = ["RULES", "Rule", "register"]

#: phases: 0 the columns, 1 the rows (before the years are known), 2 the ledger
COLUMNS, ROWS, LEDGER = 0, 1, 2


@dataclass(frozen=True)
class Rule:
    """A registered verifier rule.

    Attributes
    ----------
    name : str
        Stable rule name; the ``rule`` of every violation the check reports.
    check : callable
        ``check(ctx) -> list of Violation``.
    phase : int
        0: needs the plan's columns only; 1: the rows; 2: the whole ledger.
    summary : str
        First line of the check's docstring (the rule in one sentence).
    """

    name: str
    check: Callable[[PlanContext], list[Violation]]
    phase: int
    summary: str


#: name -> Rule, in the order they run.
RULES: dict[str, Rule] = {}


def register(name: str, phase: int = LEDGER) -> Callable:
    """Register ``check`` under ``name`` (a decorator); names are unique."""
    def deco(check: Callable[[PlanContext], list[Violation]]) -> Callable:
        if name in RULES:
            raise ValueError(f"verifier rule {name!r} registered twice")
        summary = (check.__doc__ or "").strip().splitlines()[0]
        RULES[name] = Rule(name, check, phase, summary)
        return check
    return deco


def _held_in(ctx: PlanContext, i: int) -> str:
    return f"ratio {ctx.ratio[ctx.yi[i]]:.2f}"


# =========================================================================== plan shape


@register("missing_column", COLUMNS)
def check_missing_column(ctx: PlanContext) -> list[Violation]:
    """The plan has every column a transaction needs (schema of the transaction table).

    Source: :mod:`linkage.ledger.schema`. Without them nothing else can be checked, so
    :func:`verify_plan` stops here.
    """
    return [violation("<plan>", 0, None, "missing_column", 0.0,
                      f"the plan has no column {c!r}") for c in ctx.missing_columns()]


def _raw_rows(ctx: PlanContext, rule: str, mask: np.ndarray, detail: Callable) -> list:
    r = ctx.raw[mask]
    return [violation(e, y, v, rule, q, detail(a, i))
            for e, y, v, q, a, i in zip(r["enterprise"], r["year"], r["vintage"],
                                        ctx.raw_qty[mask], r["action"], r["instrument"],
                                        strict=True)]


@register("unknown_action", ROWS)
def check_unknown_action(ctx: PlanContext) -> list[Violation]:
    """Every row's action is one of the schema's actions (the row is then ignored).

    Source: :data:`linkage.ledger.schema.ACTIONS`.
    """
    return _raw_rows(ctx, "unknown_action", ctx.unknown_action, lambda a, i: repr(a))


@register("unknown_instrument", ROWS)
def check_unknown_instrument(ctx: PlanContext) -> list[Violation]:
    """Every row's instrument is one of the schema's instruments (the row is then ignored).

    Source: :data:`linkage.ledger.schema.INSTRUMENTS`.
    """
    return _raw_rows(ctx, "unknown_instrument", ctx.unknown_instrument, lambda a, i: repr(i))


@register("negative_quantity", ROWS)
def check_negative_quantity(ctx: PlanContext) -> list[Violation]:
    """Quantities are finite and non-negative (the row is then ignored).

    Source: the transaction schema (a movement's direction is its action, never its sign).
    """
    return _raw_rows(ctx, "negative_quantity", ctx.bad_quantity,
                     lambda a, i: "quantities must be finite and >= 0")


@register("mirror_mismatch", ROWS)
def check_mirror_mismatch(ctx: PlanContext) -> list[Violation]:
    """The destination side of a movement equals its source side, per enterprise and year.

    Source: the transaction schema (a deposit lands in the pool, a withdrawal in
    ``pool_release``, an offset on the deficit it clears). Checked only where the plan
    records destination rows.
    """
    raw, out = ctx.raw, []
    act = raw["action"].to_numpy(dtype=object)
    ins = raw["instrument"].to_numpy(dtype=object)
    keys = [raw["enterprise"].to_numpy(dtype=object), raw["year"].to_numpy()]
    for action, dest in MIRRORS:
        dest_rows = ctx.mirror & (act == action) & (ins == dest)
        if not dest_rows.any():
            continue
        src_rows = ctx.valid & (act == action) & (ins != dest)
        side = pd.DataFrame({
            "d": np.where(dest_rows, ctx.raw_qty, 0.0), "s": np.where(src_rows, ctx.raw_qty, 0.0),
        })[dest_rows | src_rows]
        sums = side.groupby([k[dest_rows | src_rows] for k in keys], sort=True).sum()
        gap = (sums["d"] - sums["s"]).to_numpy()
        bad = np.abs(gap) > tolerance(sums["s"].to_numpy())
        for (e, y), qd, qs, g in zip(sums.index[bad], sums["d"][bad], sums["s"][bad], gap[bad],
                                     strict=True):
            out.append(violation(e, y, None, "mirror_mismatch", g,
                                 f"{action}: {dest} side {qd:g} differs from the source side "
                                 f"{qs:g}"))
    return out


@register("row_outside_years", ROWS)
def check_row_outside_years(ctx: PlanContext) -> list[Violation]:
    """Every decision row lies in the consecutive years verified (the row is then ignored).

    Source: the verifier's contract (a plan is verified over the years it covers).
    """
    if not ctx.years:
        return []
    span = f"({ctx.years[0]}-{ctx.years[-1]})"
    return _raw_rows(ctx, "row_outside_years", ctx.outside,
                     lambda a, i: f"the plan has a {a} row outside the years verified {span}")


@register("bad_abatement")
def check_bad_abatement(ctx: PlanContext) -> list[Violation]:
    """Abatement adds own CAFC or NEV credits of a year that has a statement.

    Source: the optimizer's abatement lever (``abate`` rows, schema); an abatement of another
    instrument, vintage or enterprise-year is ignored.
    """
    return ctx.report_rows("bad_abatement", ctx.bad_abatement,
                           "abatement adds own cafc or nev credits of a statement's year")


# =========================================================================== bookkeeping


def _statement_mismatch(ctx: PlanContext, action: str, rule: str, expected: Callable,
                        instrument: Callable) -> list[Violation]:
    present = ctx.rows_with(action)
    out = []
    for kind in OWN:
        want = expected(kind)
        got = ctx.sum_by_enterprise_year(ctx.is_(action, instrument(kind)))
        bad = present & (np.abs(got - want) > tolerance(want))
        for e, j in zip(*np.nonzero(bad), strict=True):
            y = ctx.years[j]
            out.append(violation(ctx.enterprises[e], y, y, rule, got[e, j] - want[e, j],
                                 f"plan {action}s {got[e, j]:g} {kind}, statements give "
                                 f"{want[e, j]:g}"))
    return out


@register("earn_mismatch")
def check_earn_mismatch(ctx: PlanContext) -> list[Violation]:
    """``earn`` rows, where a plan has them, equal the statement's own surplus of the year.

    Source: the credit statements (MIIT annual results); abatement included.
    """
    return _statement_mismatch(ctx, "earn", "earn_mismatch", ctx.surplus, lambda k: k)


@register("deficit_mismatch")
def check_deficit_mismatch(ctx: PlanContext) -> list[Violation]:
    """``deficit`` rows, where a plan has them, equal the statement's deficit of the year.

    Source: the credit statements (MIIT annual results); abatement included.
    """
    return _statement_mismatch(ctx, "deficit", "deficit_mismatch", ctx.deficit,
                               lambda k: f"{k}_deficit")


# =========================================================================== inflows


@register("bad_purchase")
def check_bad_purchase(ctx: PlanContext) -> list[Violation]:
    """Credits bought on the market are NEV credits of the year (instrument ``nev_market``).

    Source: Order 44 art. 21 (only NEV credits are traded); purchases settle the year's
    accounts.
    """
    m = ctx.is_("buy") & (ctx.ins != "cea") & ((ctx.ins != "nev_market") | (ctx.vin != ctx.yr))
    return ctx.report_rows("bad_purchase", m, "purchases are nev_market credits of the year")


@register("bad_transfer_in")
def check_bad_transfer_in(ctx: PlanContext) -> list[Violation]:
    """Credits received from an affiliate are ``affiliate_cafc`` credits of the year.

    Source: Order 44 art. 20 (CAFC surplus transferred between affiliates in the year).
    """
    m = ctx.is_("transfer_in") & ((ctx.ins != "affiliate_cafc") | (ctx.vin != ctx.yr))
    return ctx.report_rows("bad_transfer_in", m,
                           "transfers in are affiliate_cafc credits of the year")


@register("affiliate_supply_exceeded")
def check_affiliate_supply_exceeded(ctx: PlanContext) -> list[Violation]:
    """Transfers from affiliates outside the plan stay within their stated supply.

    Source: the caller's ``affiliate_cafc_available_credits`` (CAFC surplus of affiliates not
    modelled).
    """
    m = ctx.is_("transfer_in") & (ctx.cp == EXTERNAL_AFFILIATES)
    got = ctx.sum_by_enterprise_year(m)
    out = []
    for e, j in zip(*np.nonzero(got), strict=True):
        y, name = ctx.years[j], ctx.enterprises[e]
        cap = float(ctx.affiliate_cafc_available_credits.get((name, y), 0.0))
        if got[e, j] > cap + tolerance(cap):
            out.append(violation(name, y, y, "affiliate_supply_exceeded", got[e, j] - cap,
                                 f"received {got[e, j]:g} from outside affiliates, "
                                 f"{cap:g} available"))
    return out


@register("unmatched_transfer")
def check_unmatched_transfer(ctx: PlanContext) -> list[Violation]:
    """Each transfer out of D to R equals the transfer into R from D in the same year.

    Source: Order 44 art. 20 (a transfer is one movement between two affiliates).
    """
    cp = np.array([None if c is None or (isinstance(c, float) and np.isnan(c)) else str(c)
                   for c in ctx.cp], dtype=object)
    o = ctx.is_("transfer_out")
    i = ctx.is_("transfer_in") & (cp != EXTERNAL_AFFILIATES)
    frame = pd.DataFrame({
        "y": np.concatenate([ctx.yr[o], ctx.yr[i]]),
        "src": np.concatenate([ctx.ent[o], cp[i]]),
        "dst": np.concatenate([cp[o], ctx.ent[i]]),
        "out": np.concatenate([ctx.qty[o], np.zeros(i.sum())]),
        "in": np.concatenate([np.zeros(o.sum()), ctx.qty[i]]),
    })
    sums = frame.groupby(["y", "src", "dst"], dropna=False, sort=True).sum()
    gap = (sums["out"] - sums["in"]).abs().to_numpy()
    bad = gap > tolerance(sums["out"].to_numpy())
    return [violation(s, y, y, "unmatched_transfer", g, f"{s} transfers {a:g} to {d} which "
                      f"receives {b:g}")
            for (y, s, d), a, b, g in zip(sums.index[bad], sums["out"][bad], sums["in"][bad],
                                          gap[bad], strict=True)]


@register("cea_not_allowed")
def check_cea_not_allowed(ctx: PlanContext) -> list[Violation]:
    """CEAs are bought and surrendered only under a design that allows it, for the deficits
    it names.

    Source: the linkage design (:class:`~linkage.carbon_link.CarbonLink`:
    ``allow_cea_for_deficits``, ``cea_clears``); no design means no CEA use.
    """
    link = ctx.link
    allowed = link is not None and link.allow_cea_for_deficits
    buy = ctx.is_("buy", "cea") & (not allowed)
    clears = () if link is None else tuple(f"offset_{k}" for k in link.cea_clears)
    offset = ctx.is_(OFFSETS, "cea") & ~np.isin(ctx.act, clears)
    return (ctx.report_rows("cea_not_allowed", buy, "this design has no CEA surrender")
            + ctx.report_rows("cea_not_allowed", offset,
                              lambda i: f"CEAs may not clear {ctx.act[i][7:]} deficits in this "
                              "design"))


@register("reserve_closed")
def check_reserve_closed(ctx: PlanContext) -> list[Violation]:
    """Reserve credits are bought only when the reserve variant is on, in release years.

    Source: the reserve policy variant (:class:`~linkage.pool.ReserveVariant`); release years
    are those whose supply/demand ratio is below ``pool.release_trigger_ratio``.
    """
    m = ctx.is_("buy_reserve")
    if not ctx.reserve.enabled:
        return ctx.report_rows("reserve_closed", m, "the reserve policy variant is off")
    return ctx.report_rows("reserve_closed", m & ~ctx.release_open[ctx.yi],
                           lambda i: f"the reserve sells only in release years "
                           f"({_held_in(ctx, i)})")


@register("reserve_above_cap")
def check_reserve_above_cap(ctx: PlanContext) -> list[Violation]:
    """The reserve sells at most its yearly cap, all enterprises together.

    Source: :attr:`~linkage.pool.ReserveVariant.reserve_max_credits_per_year`.
    """
    cap = ctx.reserve.reserve_max_credits_per_year
    if cap is None:
        return []
    sold = ctx.sum_by_enterprise_year(ctx.is_("buy_reserve")).sum(axis=0)
    bad = sold > cap + tolerance(cap)
    return [violation("<all>", ctx.years[j], None, "reserve_above_cap", sold[j] - cap,
                      f"the reserve sells at most {cap:g} a year") for j in np.flatnonzero(bad)]


# =========================================================================== the pool


@register("bad_withdrawal")
def check_bad_withdrawal(ctx: PlanContext) -> list[Violation]:
    """Withdrawals are taken from the pool (instrument ``pool``).

    Source: Order 53 (the credit pool); a withdrawal of another instrument creates nothing.
    """
    m = ctx.is_("withdraw") & (ctx.ins != "pool")
    return ctx.report_rows("bad_withdrawal", m, "withdrawals are from the pool")


@register("withdrawal_in_closed_year")
def check_withdrawal_in_closed_year(ctx: PlanContext) -> list[Violation]:
    """Pool withdrawals only in release years (ratio below ``pool.release_trigger_ratio``).

    Source: Order 53 (credits are released when supply/demand falls below 1.5).
    """
    m = ctx.is_("withdraw", "pool") & ~ctx.release_open[ctx.yi]
    return ctx.report_rows("withdrawal_in_closed_year", m, lambda i: (
        f"ratio {ctx.ratio[ctx.yi[i]]:.2f} is not below the release trigger "
        f"{ctx.release_trigger[ctx.yi[i]]:g}"))


@register("expired_pool_vintage")
def check_expired_pool_vintage(ctx: PlanContext) -> list[Violation]:
    """Pool deposits are withdrawn within ``pool.validity_years`` of their deposit year.

    Source: Order 53 (stored credits keep their value five years).
    """
    m = ctx.is_("withdraw", "pool") & (ctx.yr - ctx.vin > ctx.validity[ctx.yi])
    return ctx.report_rows("expired_pool_vintage", m, lambda i: (
        f"deposits keep value {ctx.validity[ctx.yi[i]]} years"))


@register("withdrawal_above_share")
def check_withdrawal_above_share(ctx: PlanContext) -> list[Violation]:
    """A year's withdrawals stay within ``pool.withdrawal_share`` of the valid stored credits.

    Source: Order 53 (the share of stored credits that may be released in a year).
    """
    withdrawn = ctx.sum_by_enterprise_year(ctx.is_("withdraw", "pool"))
    stored = ctx.holdings.stored_valid
    cap = ctx.withdrawal_share[None, :] * stored
    bad = withdrawn > cap + tolerance(stored)
    return [violation(ctx.enterprises[e], ctx.years[j], None, "withdrawal_above_share",
                      withdrawn[e, j] - cap[e, j],
                      f"withdrew {withdrawn[e, j]:g} of {stored[e, j]:g} stored (share "
                      f"{ctx.withdrawal_share[j]:g})")
            for e, j in zip(*np.nonzero(bad), strict=True)]


@register("deposit_of_old_vintage")
def check_deposit_of_old_vintage(ctx: PlanContext) -> list[Violation]:
    """Only the year's own NEV credits are deposited in the pool.

    Source: Order 53 (surplus NEV credits of the year may be stored).
    """
    m = ctx.is_("deposit") & ((ctx.ins != "nev") | (ctx.vin != ctx.yr))
    return ctx.report_rows("deposit_of_old_vintage", m,
                           "only the year's own NEV credits can be deposited")


@register("deposit_in_closed_year")
def check_deposit_in_closed_year(ctx: PlanContext) -> list[Violation]:
    """Deposits only in deposit years (ratio above ``pool.deposit_trigger_ratio``, pool on).

    Source: Order 53 (credits are stored when supply/demand exceeds 2.0; from 2024).
    """
    m = ctx.is_("deposit") & ~ctx.deposit_open[ctx.yi]
    return ctx.report_rows("deposit_in_closed_year", m, lambda i: (
        f"ratio {ctx.ratio[ctx.yi[i]]:.2f} is not above the deposit trigger "
        f"{ctx.deposit_trigger[ctx.yi[i]]:g}"))


@register("deposit_above_share")
def check_deposit_above_share(ctx: PlanContext) -> list[Violation]:
    """A year's deposit is at most ``pool.deposit_share`` of its own NEV surplus.

    Source: Order 53 (the share of the year's surplus that may be stored).
    """
    own = ctx.is_("deposit", "nev") & (ctx.vin == ctx.yr)
    dep = ctx.sum_by_enterprise_year(own)
    cap = ctx.deposit_share[None, :] * ctx.surplus("nev")
    bad = (dep > 0) & (dep > cap + tolerance(cap))
    return [violation(ctx.enterprises[e], ctx.years[j], ctx.years[j], "deposit_above_share",
                      dep[e, j] - cap[e, j], f"deposited {dep[e, j]:g}, at most {cap[e, j]:g}")
            for e, j in zip(*np.nonzero(bad), strict=True)]


# =========================================================================== uses


@register("cafc_for_nev_deficit")
def check_cafc_for_nev_deficit(ctx: PlanContext) -> list[Violation]:
    """A NEV deficit is cleared only with NEV credits, never CAFC credits.

    Source: Order 44 art. 19 (NEV deficits are offset by NEV credits; CAFC surplus cannot).
    """
    m = ctx.is_("offset_nev", ("cafc", "affiliate_cafc"))
    return ctx.report_rows("cafc_for_nev_deficit", m,
                           "a NEV deficit may be cleared only with NEV credits")


@register("bad_offset_instrument")
def check_bad_offset_instrument(ctx: PlanContext) -> list[Violation]:
    """Deficits are cleared from a holding: own, bought, received, released, reserve or CEA.

    Source: the transaction schema; the pool itself, for one, must be withdrawn first.
    """
    usable = ("cafc", "nev", "nev_market", "affiliate_cafc", "pool_release", "reserve", "cea")
    m = ctx.is_(OFFSETS) & ~np.isin(ctx.ins, usable)
    return ctx.report_rows("bad_offset_instrument", m,
                           lambda i: f"cannot offset with {ctx.ins[i]}")


@register("offsets_not_allowed")
def check_offsets_not_allowed(ctx: PlanContext) -> list[Violation]:
    """Credits are sold as carbon offsets only under a design that allows it.

    Source: the linkage design (``CarbonLink.allow_credit_offsets``).
    """
    if ctx.link is not None and ctx.link.allow_credit_offsets:
        return []
    return ctx.report_rows("offsets_not_allowed", ctx.is_("sell_offset"),
                           "this design does not let credits be sold as carbon offsets")


@register("bad_sale")
def check_bad_sale(ctx: PlanContext) -> list[Violation]:
    """Only own credits are sold: own NEV credits on the market, own credits as offsets.

    Source: Order 44 art. 21 (enterprises sell their own NEV surplus); bought, received or
    released credits are not resold. CAFC sales are their own rule (``cafc_sale``).
    """
    link = ctx.link
    offsets_on = link is not None and link.allow_credit_offsets
    sell = ctx.is_("sell") & ~np.isin(ctx.ins, ("cafc", "affiliate_cafc", "nev"))
    offset = ctx.is_("sell_offset") & ~np.isin(ctx.ins, OWN) & offsets_on
    return (ctx.report_rows("bad_sale", sell,
                            lambda i: f"only own NEV credits can be sold, not {ctx.ins[i]}")
            + ctx.report_rows("bad_sale", offset,
                              lambda i: f"only own credits become offsets, not {ctx.ins[i]}"))


@register("cafc_sale")
def check_cafc_sale(ctx: PlanContext) -> list[Violation]:
    """CAFC credits are never sold (only transferred to affiliates).

    Source: Order 44 art. 20-21.
    """
    m = ctx.is_("sell", ("cafc", "affiliate_cafc"))
    return ctx.report_rows("cafc_sale", m, "CAFC credits cannot be sold to non-affiliates")


@register("re_transfer")
def check_re_transfer(ctx: PlanContext) -> list[Violation]:
    """Credits received from an affiliate are not transferred again.

    Source: Order 44 art. 20 (only an enterprise's own surplus is transferable).
    """
    m = ctx.is_("transfer_out", "affiliate_cafc")
    return ctx.report_rows("re_transfer", m, "transferred credits cannot be transferred again")


@register("transfer_of_carried_cafc")
def check_transfer_of_carried_cafc(ctx: PlanContext) -> list[Violation]:
    """Only the year's own CAFC surplus is transferred, not carried vintages.

    Source: Order 44 art. 20 (the year's surplus; carried credits serve the holder only).
    """
    m = (ctx.is_("transfer_out") & (ctx.ins != "affiliate_cafc")
         & ((ctx.ins != "cafc") | (ctx.vin != ctx.yr)))
    return ctx.report_rows("transfer_of_carried_cafc", m,
                           "only the year's own CAFC surplus can be transferred")


@register("transfer_to_non_affiliate")
def check_transfer_to_non_affiliate(ctx: PlanContext) -> list[Violation]:
    """CAFC credits go only to another enterprise of the same affiliate group.

    Source: Order 44 art. 20 (affiliates: the statements' ``group``).
    """
    m = ctx.is_("transfer_out")
    bad = np.zeros(len(m), dtype=bool)
    for i in np.flatnonzero(m):
        cp = ctx.cp[i]
        missing = cp is None or (isinstance(cp, float) and np.isnan(cp))
        bad[i] = (missing or str(cp) == ctx.ent[i]
                  or ctx.group.get(str(cp)) != ctx.group.get(ctx.ent[i]))
    return ctx.report_rows("transfer_to_non_affiliate", bad,
                           lambda i: f"{ctx.cp[i]!r} is not an affiliate of {ctx.ent[i]!r}")


def _outside_year(ctx: PlanContext, rule: str, instruments: tuple[str, ...]) -> list:
    m = ctx.is_(USES, instruments) & (ctx.vin != ctx.yr)
    return ctx.report_rows(rule, m, lambda i: (
        f"{ctx.ins[i]} credits of {ctx.vin[i]} are usable only in {ctx.vin[i]}"))


@register("affiliate_transfer_outside_year")
def check_affiliate_transfer_outside_year(ctx: PlanContext) -> list[Violation]:
    """Credits received from an affiliate are used in the year received.

    Source: Order 44 art. 20 (a transfer settles the receiving year's deficit).
    """
    return _outside_year(ctx, "affiliate_transfer_outside_year", ("affiliate_cafc",))


@register("same_year_credit_outside_year")
def check_same_year_credit_outside_year(ctx: PlanContext) -> list[Violation]:
    """Bought, reserve and CEA credits are used in the year bought.

    Source: purchases settle the year's accounts (Order 44 art. 21); the reserve variant and
    the linkage designs likewise.
    """
    others = tuple(i for i in SAME_YEAR if i != "affiliate_cafc")
    return _outside_year(ctx, "same_year_credit_outside_year", others)


# =========================================================================== balances


def _overdrafts(ctx: PlanContext, rule: str, mask: Callable[[pd.DataFrame], pd.Series],
                detail: str) -> list[Violation]:
    o = ctx.holdings.overdrafts
    o = o[mask(o).to_numpy(dtype=bool)] if len(o) else o
    return [violation(e, y, v, rule, a, detail.format(i=i, v=v))
            for e, y, i, v, a in o.itertuples(index=False, name=None)]


@register("expired_or_unheld_vintage")
def check_expired_or_unheld_vintage(ctx: PlanContext) -> list[Violation]:
    """An earlier own CAFC or NEV vintage is used only while still held and not expired.

    Source: Order 44 art. 18 as amended (CAFC carried 3 years at 90 %, NEV at 50 % when the
    conventional fleet meets its threshold): ``*.carry_factor``, ``*.carry_years``.
    """
    return _overdrafts(ctx, "expired_or_unheld_vintage",
                       lambda o: o["instrument"].isin(OWN) & (o["vintage"] < o["year"]),
                       "{i} vintage {v} used beyond what is held (discounted, unexpired)")


@register("withdrawal_above_stored")
def check_withdrawal_above_stored(ctx: PlanContext) -> list[Violation]:
    """A pool deposit is withdrawn (or used) only up to what it holds.

    Source: Order 53 (the pool returns what was deposited).
    """
    return _overdrafts(ctx, "withdrawal_above_stored", lambda o: o["instrument"] == "pool",
                       "{i} vintage {v} used beyond what is held")


@register("overdraw")
def check_overdraw(ctx: PlanContext) -> list[Violation]:
    """No other holding is used beyond what it holds (this year's own credits, bought,
    received, released, reserve or CEA credits).

    Source: the ledger's balance: credits used must have been held.
    """
    return _overdrafts(ctx, "overdraw", lambda o: ~(
        (o["instrument"].isin(OWN) & (o["vintage"] < o["year"])) | (o["instrument"] == "pool")),
        "{i} vintage {v} used beyond what is held")


@register("bought_credits_not_used")
def check_bought_credits_not_used(ctx: PlanContext) -> list[Violation]:
    """Credits bought (market, reserve, CEA) are used in their year, not banked.

    Source: purchases settle the year's accounts (Order 44 art. 21); the reserve variant and
    the linkage designs likewise.
    """
    u = ctx.holdings.unused
    return [violation(e, y, y, "bought_credits_not_used", a,
                      f"{i} credits bought but not used in the year")
            for e, y, i, a in u.itertuples(index=False, name=None)]


# =========================================================================== deficits


def _offsets_by_kind(ctx: PlanContext, kind: str, instrument: str | None = None) -> np.ndarray:
    return ctx.sum_by_enterprise_year(ctx.is_(f"offset_{kind}", instrument))


@register("offset_exceeds_deficit")
def check_offset_exceeds_deficit(ctx: PlanContext) -> list[Violation]:
    """Offsets against a deficit do not exceed it.

    Source: Order 44 art. 19 (credits clear a deficit; a surplus cannot be created by offsets).
    """
    out = []
    for kind in OWN:
        used, d = _offsets_by_kind(ctx, kind), ctx.deficit(kind)
        bad = used > d + tolerance(d)
        out += [violation(ctx.enterprises[e], ctx.years[j], ctx.years[j],
                          "offset_exceeds_deficit", used[e, j] - d[e, j],
                          f"{kind} offsets {used[e, j]:g} exceed the deficit {d[e, j]:g}")
                for e, j in zip(*np.nonzero(bad), strict=True)]
    return out


@register("undeclared_uncovered_deficit")
def check_undeclared_uncovered_deficit(ctx: PlanContext) -> list[Violation]:
    """Whatever a plan leaves of a deficit is declared in an ``uncovered`` row.

    Source: Order 44 art. 22-23 (an uncovered deficit has consequences; the plan must show it).
    """
    out = []
    for kind in OWN:
        d = ctx.deficit(kind)
        rest = np.maximum(d - _offsets_by_kind(ctx, kind), 0.0)
        declared = ctx.sum_by_enterprise_year(ctx.is_("uncovered", f"{kind}_deficit"))
        bad = np.abs(declared - rest) > tolerance(rest)
        out += [violation(ctx.enterprises[e], ctx.years[j], ctx.years[j],
                          "undeclared_uncovered_deficit", rest[e, j] - declared[e, j],
                          f"{kind} deficit left {rest[e, j]:g}, declared uncovered "
                          f"{declared[e, j]:g}")
                for e, j in zip(*np.nonzero(bad), strict=True)]
    return out


@register("cea_share_exceeded")
def check_cea_share_exceeded(ctx: PlanContext) -> list[Violation]:
    """CEAs clear at most ``max_cea_deficit_share`` of each deficit.

    Source: the linkage design (``CarbonLink.max_cea_deficit_share``).
    """
    if ctx.link is None:
        return []
    share, out = ctx.link.max_cea_deficit_share, []
    for kind in OWN:
        used = _offsets_by_kind(ctx, kind, "cea")
        lim = share * ctx.deficit(kind)
        bad = used > lim + tolerance(lim)
        out += [violation(ctx.enterprises[e], ctx.years[j], ctx.years[j], "cea_share_exceeded",
                          used[e, j] - lim[e, j],
                          f"CEAs clear {used[e, j]:g} of a {kind} deficit of "
                          f"{ctx.deficit(kind)[e, j]:g} (share {share:g})")
                for e, j in zip(*np.nonzero(bad), strict=True)]
    return out


@register("offset_cap_exceeded")
def check_offset_cap_exceeded(ctx: PlanContext) -> list[Violation]:
    """Credits sold as offsets stay within the year's cap [t CO2e].

    Source: the linkage design (``CarbonLink.offset_cap_t_co2e``, per enterprise in this
    check).
    """
    if ctx.link is None:
        return []
    sold_t = ctx.sum_by_enterprise_year(ctx.is_("sell_offset")) / \
        ctx.link.exchange_rate_credits_per_t_co2e
    out = []
    for j, y in enumerate(ctx.years):
        cap = ctx.link.offset_cap_t_co2e.get(y)
        if cap is None:
            continue
        for e in np.flatnonzero(sold_t[:, j] > cap + tolerance(cap)):
            out.append(violation(ctx.enterprises[e], y, None, "offset_cap_exceeded",
                                 sold_t[e, j] - cap,
                                 f"{sold_t[e, j]:g} t CO2e of offsets, cap {cap:g} t"))
    return out


# =========================================================================== issue 13


@register("technology_units_within_bounds")
def check_technology_units_within_bounds(ctx: PlanContext) -> list[Violation]:
    """Technology units are of an option the enterprise has, within its units of the year.

    Source: the scenario's ``[[enterprise.technology]]`` options (``max_units_per_year``),
    given to :func:`~linkage.ledger.verify_plan` as ``technology``.
    """
    options = ctx.technology_options()
    rows = np.flatnonzero(ctx.is_("technology", "technology"))
    out, taken = [], {}
    for i in rows:
        k = (str(ctx.ent[i]), int(ctx.yr[i]), str(ctx.cp[i]))
        if k not in options:
            out.append(violation(k[0], k[1], None, "technology_units_within_bounds",
                                 ctx.qty[i], f"no technology option {k[2]!r} in {k[1]}"))
            continue
        taken[k] = taken.get(k, 0.0) + ctx.qty[i]
    for k, q in taken.items():
        cap = options[k][0]
        if q > cap + tolerance(cap):
            out.append(violation(k[0], k[1], None, "technology_units_within_bounds", q - cap,
                                 f"{q:g} units of {k[2]!r} taken, at most {cap:g} (amount in "
                                 "units)"))
    return out


@register("offsets_within_limit")
def check_offsets_within_limit(ctx: PlanContext) -> list[Violation]:
    """All automakers' offsets of a year stay within the carbon market's limit [t CO2e].

    Source: the ETS side (``[ets]``: offset_limit_share x covered_emissions_t_co2e -
    other_offsets_t_co2e), given to :func:`~linkage.ledger.verify_plan` as
    ``offset_limit_t_co2e``;
    the amount reported is in credits at the link's exchange rate.
    """
    if ctx.link is None or not ctx.offset_limit_t_co2e:
        return []
    rate = ctx.link.exchange_rate_credits_per_t_co2e
    sold = ctx.sum_by_enterprise_year(ctx.is_("sell_offset")).sum(axis=0)
    out = []
    for j, y in enumerate(ctx.years):
        lim = ctx.offset_limit_t_co2e.get(y)
        if lim is None:
            continue
        cap = lim * rate
        if sold[j] > cap + tolerance(cap):
            out.append(violation("<all>", y, None, "offsets_within_limit", sold[j] - cap,
                                 f"{sold[j] / rate:g} t CO2e of offsets in {y}, the ETS "
                                 f"accepts {lim:g} t"))
    return out
