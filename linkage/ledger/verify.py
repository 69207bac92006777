"""Independent verification of a compliance plan against every rule.

:func:`verify_plan` replays a plan (a transaction table, e.g. from the optimizer or the
simulator) from the statements alone: it recomputes what each enterprise holds, year by year,
with its own carry-forward and pool arithmetic, and lists every rule the plan breaks. It shares
no code with the simulator's strategy or with the optimizer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.carbon_link import CarbonLink
from linkage.ledger.schema import ACTIONS, INSTRUMENTS
from linkage.ledger.statements import prepare_statements
from linkage.market import resolve_ratios
from linkage.pool import ReserveVariant
from linkage.rules import RuleSet, default_rules

__all__ = ["Violation", "verify_plan"]

_USE_ACTIONS = ("offset_cafc", "offset_nev", "sell", "deposit", "transfer_out", "withdraw")
_SAME_YEAR = ("nev_market", "affiliate_cafc", "reserve", "pool_release", "cea")
EXTERNAL_AFFILIATES = "<affiliates>"
_MIRRORS = (("deposit", "pool"), ("withdraw", "pool_release"), ("offset_cafc", "cafc_deficit"),
            ("offset_nev", "nev_deficit"))


@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes
    ----------
    enterprise : str
    year : int
    vintage : int or None
    rule : str
        Short rule name, e.g. ``"cafc_for_nev_deficit"``.
    amount : float
        Amount involved [credit].
    detail : str
        Human-readable explanation.
    """

    enterprise: str
    year: int
    vintage: int | None
    rule: str
    amount: float
    detail: str

    def __str__(self) -> str:
        v = "" if self.vintage is None else f" vintage {self.vintage}"
        return (f"{self.enterprise} {self.year}{v}: {self.rule} ({self.amount:,.2f} credits): "
                f"{self.detail}")


def _tol(x: float) -> float:
    return 1e-6 * max(1.0, abs(x))


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
    affiliate_supply: Mapping[tuple[str, int], float] | None = None,
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
    affiliate_supply : mapping (enterprise, year) -> credits, optional
        CAFC credits affiliates outside the plan can transfer in; such ``transfer_in`` rows
        carry the counterparty ``"<affiliates>"`` and are not paired with a ``transfer_out``.

    Returns
    -------
    list of Violation

    Notes
    -----
    Rules checked: non-negative finite quantities and known actions/instruments; every row
    lies in ``years``; ``earn``/``deficit`` rows match the statements and mirror rows their
    source rows (discounts, expiry and returns are recomputed, not read); no bucket is
    overdrawn (this
    catches expired or never-held vintages); NEV deficits are cleared only with NEV credits;
    offsets do not exceed the deficit; every remaining deficit is declared ``uncovered``; CAFC
    credits are never sold and are transferred only to affiliates, only the year's own surplus
    and never re-transferred, and each transfer out is matched by a transfer in; same-year
    buckets (bought, transferred, withdrawn, reserve credits) are used in their year only and
    bought credits are not banked; deposits only in open years, of the year's own credits, up
    to the deposit share; withdrawals only in release years, of valid vintages, up to the
    withdrawal share; reserve purchases only when the variant is on, in release years, up to
    its cap.
    """
    rules = rules or default_rules()
    reserve = reserve or ReserveVariant()
    st, _ = prepare_statements(statements)
    out: list[Violation] = []

    def bad(e: str, y: int, v: int | None, rule: str, amount: float, detail: str) -> None:
        out.append(Violation(str(e), int(y), None if v is None else int(v), rule,
                             float(amount), detail))

    p = plan.copy()
    if "counterparty" not in p:
        p["counterparty"] = None
    for col in ("enterprise", "year", "instrument", "vintage", "action", "quantity"):
        if col not in p:
            bad("<plan>", 0, None, "missing_column", 0.0, f"the plan has no column {col!r}")
            return out
    keep = np.ones(len(p), dtype=bool)
    for i, r in enumerate(p.itertuples(index=False)):
        if r.action not in ACTIONS:
            bad(r.enterprise, r.year, r.vintage, "unknown_action", r.quantity, repr(r.action))
            keep[i] = False
        elif r.instrument not in INSTRUMENTS:
            bad(r.enterprise, r.year, r.vintage, "unknown_instrument", r.quantity,
                repr(r.instrument))
            keep[i] = False
        elif not (np.isfinite(r.quantity) and r.quantity >= 0):
            bad(r.enterprise, r.year, r.vintage, "negative_quantity", r.quantity,
                "quantities must be finite and >= 0")
            keep[i] = False
    p = p[keep]
    # mirror rows (the destination side of a movement) are bookkeeping: check they match the
    # source side, then drop them
    act = p["action"].to_numpy(dtype=object)
    ins_ = p["instrument"].to_numpy(dtype=object)
    mirror = np.zeros(len(p), dtype=bool)
    for action, dest in _MIRRORS:
        m = (act == action) & (ins_ == dest)
        if not m.any():
            continue
        sums: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
        src = (act == action) & (ins_ != dest)
        for side, mask in ((0, m), (1, src)):
            sub = p[mask]
            for e_, y_, q_ in zip(sub["enterprise"], sub["year"], sub["quantity"], strict=True):
                sums[(e_, int(y_))][side] += float(q_)
        for key, (qa, qb) in sums.items():
            if abs(qa - qb) > _tol(qb):
                bad(key[0], key[1], None, "mirror_mismatch", qa - qb,
                    f"{action}: {dest} side {qa:g} differs from the source side {qb:g}")
        mirror |= m
    p = p[~mirror & (act != "return")]
    plan_years = sorted({int(y) for y in p["year"]})
    years = sorted(int(y) for y in years) if years is not None else plan_years
    if not years:
        return out
    years = list(range(years[0], years[-1] + 1))
    outside = ~p["year"].isin(years).to_numpy()
    for r in p[outside].itertuples(index=False):
        bad(r.enterprise, r.year, r.vintage, "row_outside_years", r.quantity,
            f"the plan has a {r.action} row in {r.year}, outside the years verified "
            f"({years[0]}-{years[-1]})")
    ratios = resolve_ratios(years, st[st["year"].isin(years)], supply_demand_ratio, rules)
    abate = p[p["action"] == "abate"]
    if len(abate):
        st = st.copy()
        for r in abate.itertuples(index=False):
            col = {"cafc": "cafc_credits", "nev": "nev_credits"}.get(r.instrument)
            m = ((st["enterprise"] == r.enterprise) & (st["year"] == int(r.year))).to_numpy()
            if col is None or int(r.vintage) != int(r.year) or not m.any():
                bad(r.enterprise, r.year, r.vintage, "bad_abatement", r.quantity,
                    "abatement adds own cafc or nev credits of a statement's year")
                continue
            st.loc[m, col] += float(r.quantity)
    supply = dict(affiliate_supply or {})
    stmt = {(r.enterprise, int(r.year)): r for r in st.itertuples(index=False)}
    group = dict(zip(st["enterprise"], st["group"], strict=False))
    enterprises = sorted(set(st["enterprise"]) | set(p["enterprise"]))

    # opening holdings (own arithmetic: face x factor^age when still within the carry period)
    hold: dict[str, dict[tuple[str, int], float]] = defaultdict(lambda: defaultdict(float))
    if opening is not None:
        for r in opening.itertuples(index=False):
            v, age = int(r.vintage), years[0] - int(r.vintage)
            if r.instrument == "pool":
                if age <= int(rules.for_year(years[0])["pool.validity_years"]):
                    hold[r.enterprise][("pool", v)] += float(r.quantity)
                continue
            book = rules.for_year(v) if v in rules else rules.for_year(years[0])
            ok = age <= int(book[f"{r.instrument}.carry_years"])
            s = stmt.get((r.enterprise, v))
            if r.instrument == "nev" and s is not None:
                ok = ok and bool(s.nev_carry_eligible)
            if ok:
                f = float(book[f"{r.instrument}.carry_factor"])
                one_off = r.instrument == "nev" and book["nev.carry_discount"] == "one_off"
                hold[r.enterprise][(r.instrument, v)] += (
                    float(r.quantity) * (f if one_off else f ** age))

    cols = ["enterprise", "year", "instrument", "vintage", "action", "quantity", "counterparty"]
    by_ent_year: dict[tuple[int, str], list] = defaultdict(list)
    for r in p[cols].itertuples(index=False):
        by_ent_year[(int(r.year), r.enterprise)].append(r)
    for y in years:
        rb = rules.for_year(y)
        ratio = ratios[y]
        enabled = bool(rb["pool.enabled"])
        deposit_open = enabled and ratio > rb["pool.deposit_trigger_ratio"]
        release_open = enabled and ratio < rb["pool.release_trigger_ratio"]
        validity = int(rb["pool.validity_years"])
        reserve_bought_total = 0.0

        # transfers must pair up: out of d to e == into e from d
        outs: dict[tuple, float] = defaultdict(float)
        ins: dict[tuple, float] = defaultdict(float)
        external: dict[str, float] = defaultdict(float)
        for (yy, _e), lst in by_ent_year.items():
            if yy != y:
                continue
            for r in lst:
                if r.action == "transfer_out":
                    outs[(r.enterprise, r.counterparty)] += float(r.quantity)
                elif r.action == "transfer_in" and r.counterparty == EXTERNAL_AFFILIATES:
                    external[r.enterprise] += float(r.quantity)
                elif r.action == "transfer_in":
                    ins[(r.counterparty, r.enterprise)] += float(r.quantity)
        for e_, q_ in external.items():
            cap_ = float(supply.get((e_, y), 0.0))
            if q_ > cap_ + _tol(cap_):
                bad(e_, y, y, "affiliate_supply_exceeded", q_ - cap_,
                    f"received {q_:g} from outside affiliates, {cap_:g} available")
        for key in set(outs) | set(ins):
            a, b = outs.get(key, 0.0), ins.get(key, 0.0)
            if abs(a - b) > _tol(a):
                bad(key[0], y, y, "unmatched_transfer", abs(a - b),
                    f"{key[0]} transfers {a:g} to {key[1]} which receives {b:g}")

        for e in enterprises:
            h = hold[e]
            s = stmt.get((e, y))
            c = float(s.cafc_credits) if s is not None else 0.0
            n = float(s.nev_credits) if s is not None else 0.0
            mine = by_ent_year.get((y, e), [])
            stored_start = sum(q for (i, _v), q in h.items() if i == "pool")
            if c > 0:
                h[("cafc", y)] += c
            if n > 0:
                h[("nev", y)] += n
            deficit = {"cafc": max(-c, 0.0), "nev": max(-n, 0.0)}

            def total(action: str, instrument: str | None = None,
                      vintage: int | None = None, rows: list = mine) -> float:
                return float(sum(r.quantity for r in rows if r.action == action
                                 and (instrument is None or r.instrument == instrument)
                                 and (vintage is None or int(r.vintage) == vintage)))

            actions = {r.action for r in mine}

            # bookkeeping rows, when present
            for inst, amount in (("cafc", max(c, 0.0)), ("nev", max(n, 0.0))):
                if "earn" in actions:
                    got = total("earn", inst)
                    if abs(got - amount) > _tol(amount):
                        bad(e, y, y, "earn_mismatch", got - amount,
                            f"plan earns {got:g} {inst} credits, statements give {amount:g}")
            for inst in ("cafc", "nev"):
                if "deficit" in actions:
                    got = total("deficit", f"{inst}_deficit")
                    if abs(got - deficit[inst]) > _tol(deficit[inst]):
                        bad(e, y, y, "deficit_mismatch", got - deficit[inst],
                            f"plan records a {inst} deficit of {got:g}, statements give "
                            f"{deficit[inst]:g}")

            # decisions that bring credits in
            for r in mine:
                v, q = int(r.vintage), float(r.quantity)
                if r.action == "buy" and r.instrument == "cea":
                    if link is None or not link.allow_cea_for_deficits:
                        bad(e, y, v, "cea_not_allowed", q, "this design has no CEA surrender")
                        continue
                    h[("cea", y)] += q * link.exchange_rate_credits_per_t
                elif r.action == "buy":
                    if r.instrument != "nev_market" or v != y:
                        bad(e, y, v, "bad_purchase", q, "purchases are nev_market credits of "
                            "the year")
                        continue
                    h[("nev_market", y)] += q
                elif r.action == "transfer_in":
                    if r.instrument != "affiliate_cafc" or v != y:
                        bad(e, y, v, "bad_transfer_in", q, "transfers in are affiliate_cafc "
                            "credits of the year")
                        continue
                    h[("affiliate_cafc", y)] += q
                elif r.action == "buy_reserve":
                    if not reserve.enabled:
                        bad(e, y, v, "reserve_closed", q, "the reserve policy variant is off")
                    elif not release_open:
                        bad(e, y, v, "reserve_closed", q,
                            f"the reserve sells only in release years (ratio {ratio:.2f})")
                    reserve_bought_total += q
                    h[("reserve", y)] += q
            # withdrawals
            withdrawn = 0.0
            for r in (r for r in mine if r.action == "withdraw"):
                v, q = int(r.vintage), float(r.quantity)
                if r.instrument != "pool":
                    bad(e, y, v, "bad_withdrawal", q, "withdrawals are from the pool")
                    continue
                if not release_open:
                    bad(e, y, v, "withdrawal_in_closed_year", q,
                        f"ratio {ratio:.2f} is not below the release trigger "
                        f"{rb['pool.release_trigger_ratio']}")
                if y - v > validity:
                    bad(e, y, v, "expired_pool_vintage", q,
                        f"deposits keep value {validity} years")
                withdrawn += q
                h[("pool_release", v)] += q
                h[("pool", v)] -= q
            share = float(rb["pool.withdrawal_share"])
            if withdrawn > share * stored_start + _tol(stored_start):
                bad(e, y, None, "withdrawal_above_share", withdrawn - share * stored_start,
                    f"withdrew {withdrawn:g} of {stored_start:g} stored (share {share:g})")

            # uses
            used = {"cafc": 0.0, "nev": 0.0}
            cea_used = {"cafc": 0.0, "nev": 0.0}
            offsets_t = 0.0
            for r in mine:
                v, q, inst = int(r.vintage), float(r.quantity), r.instrument
                if r.action not in ("offset_cafc", "offset_nev", "sell", "deposit",
                                    "transfer_out", "sell_offset"):
                    continue
                if r.action in ("offset_cafc", "offset_nev"):
                    kind = r.action.split("_")[1]
                    if kind == "nev" and inst in ("cafc", "affiliate_cafc"):
                        bad(e, y, v, "cafc_for_nev_deficit", q,
                            "a NEV deficit may be cleared only with NEV credits")
                        continue
                    if inst == "cea" and (link is None or kind not in link.cea_clears):
                        bad(e, y, v, "cea_not_allowed", q,
                            f"CEAs may not clear {kind} deficits in this design")
                        continue
                    if inst not in ("cafc", "nev", "nev_market", "affiliate_cafc",
                                    "pool_release", "reserve", "cea"):
                        bad(e, y, v, "bad_offset_instrument", q, f"cannot offset with {inst}")
                        continue
                    used[kind] += q
                    if inst == "cea":
                        cea_used[kind] += q
                elif r.action == "sell_offset":
                    if link is None or not link.allow_credit_offsets:
                        bad(e, y, v, "offsets_not_allowed", q,
                            "this design does not let credits be sold as carbon offsets")
                        continue
                    if inst not in ("cafc", "nev"):
                        bad(e, y, v, "bad_sale", q, f"only own credits become offsets, not {inst}")
                        continue
                    offsets_t += q / link.exchange_rate_credits_per_t
                elif r.action == "sell":
                    if inst in ("cafc", "affiliate_cafc"):
                        bad(e, y, v, "cafc_sale", q,
                            "CAFC credits cannot be sold to non-affiliates")
                        continue
                    if inst != "nev":
                        bad(e, y, v, "bad_sale", q, f"only own NEV credits can be sold, not "
                            f"{inst}")
                        continue
                elif r.action == "deposit":
                    if inst != "nev" or v != y:
                        bad(e, y, v, "deposit_of_old_vintage", q,
                            "only the year's own NEV credits can be deposited")
                        continue
                    if not deposit_open:
                        bad(e, y, v, "deposit_in_closed_year", q,
                            f"ratio {ratio:.2f} is not above the deposit trigger "
                            f"{rb['pool.deposit_trigger_ratio']}")
                elif r.action == "transfer_out":
                    if inst == "affiliate_cafc":
                        bad(e, y, v, "re_transfer", q, "transferred credits cannot be "
                            "transferred again")
                        continue
                    if inst != "cafc" or v != y:
                        bad(e, y, v, "transfer_of_carried_cafc", q,
                            "only the year's own CAFC surplus can be transferred")
                        continue
                    cp = r.counterparty
                    if cp is None or (isinstance(cp, float) and np.isnan(cp)) or \
                            group.get(str(cp)) != group.get(e) or str(cp) == e:
                        bad(e, y, v, "transfer_to_non_affiliate", q,
                            f"{cp!r} is not an affiliate of {e!r}")
                        continue
                if inst in _SAME_YEAR and inst != "pool_release" and v != y:
                    rule = ("affiliate_transfer_outside_year" if inst == "affiliate_cafc"
                            else "same_year_credit_outside_year")
                    bad(e, y, v, rule, q, f"{inst} credits of {v} are usable only in {v}")
                h[(inst, v)] -= q
            dep = total("deposit", "nev", y)
            if dep > 0:
                cap = float(rb["pool.deposit_share"]) * max(n, 0.0)
                if dep > cap + _tol(cap):
                    bad(e, y, y, "deposit_above_share", dep - cap,
                        f"deposited {dep:g}, at most {cap:g}")
                h[("pool", y)] += dep

            # no bucket overdrawn
            for (inst, v), q in list(h.items()):
                if q < -_tol(q):
                    rule = "overdraw"
                    if inst in ("cafc", "nev") and v < y:
                        rule = "expired_or_unheld_vintage"
                    if inst == "pool":
                        rule = "withdrawal_above_stored"
                    bad(e, y, v, rule, -q, f"{inst} vintage {v} used beyond what is held")
                    h[(inst, v)] = 0.0
            # linkage caps
            if link is not None:
                cap_t = link.offset_cap_t.get(y)
                if cap_t is not None and offsets_t > cap_t + _tol(cap_t):
                    bad(e, y, None, "offset_cap_exceeded", offsets_t - cap_t,
                        f"{offsets_t:g} t CO2e of offsets, cap {cap_t:g} t")
                for kind in ("cafc", "nev"):
                    lim = link.max_cea_share_of_deficit * deficit[kind]
                    if cea_used[kind] > lim + _tol(lim):
                        bad(e, y, y, "cea_share_exceeded", cea_used[kind] - lim,
                            f"CEAs clear {cea_used[kind]:g} of a {kind} deficit of "
                            f"{deficit[kind]:g} (share {link.max_cea_share_of_deficit:g})")
            # deficits: covered, not over-covered, rest declared
            for kind in ("cafc", "nev"):
                d = deficit[kind]
                if used[kind] > d + _tol(d):
                    bad(e, y, y, "offset_exceeds_deficit", used[kind] - d,
                        f"{kind} offsets {used[kind]:g} exceed the deficit {d:g}")
                rest = max(d - used[kind], 0.0)
                declared = total("uncovered", f"{kind}_deficit")
                if abs(declared - rest) > _tol(rest):
                    bad(e, y, y, "undeclared_uncovered_deficit", rest - declared,
                        f"{kind} deficit left {rest:g}, declared uncovered {declared:g}")
            # year end: bought credits must be used; withdrawals return; transfers lapse
            for inst in ("nev_market", "reserve", "cea"):
                left = sum(q for (i, _v), q in h.items() if i == inst)
                if left > _tol(left):
                    bad(e, y, y, "bought_credits_not_used", left,
                        f"{inst} credits bought but not used in the year")
            for (inst, v), q in list(h.items()):
                if inst == "pool_release" and q > 0:
                    h[("pool", v)] += q
                if inst in _SAME_YEAR:
                    h[(inst, v)] = 0.0
            # carry-forward with the verifier's own arithmetic
            for (inst, v), q in sorted(h.items()):
                if q <= 0:
                    continue
                if inst in ("cafc", "nev"):
                    book = rules.for_year(v) if v in rules else rb
                    ok = (y + 1 - v) <= int(book[f"{inst}.carry_years"])
                    sv = stmt.get((e, v))
                    if inst == "nev" and sv is not None:
                        ok = ok and bool(sv.nev_carry_eligible)
                    f = float(book[f"{inst}.carry_factor"])
                    if inst == "nev" and book["nev.carry_discount"] == "one_off" and y > v:
                        f = 1.0  # one-off reading: discounted once, at the first carry
                    h[(inst, v)] = q * f if ok else 0.0
                elif inst == "pool" and y + 1 - v > validity:
                    h[(inst, v)] = 0.0
        if reserve.max_credits_per_year is not None and (
                reserve_bought_total > reserve.max_credits_per_year
                + _tol(reserve.max_credits_per_year)):
            bad("<all>", y, None, "reserve_above_cap",
                reserve_bought_total - reserve.max_credits_per_year,
                f"the reserve sells at most {reserve.max_credits_per_year:g} a year")
    return out
