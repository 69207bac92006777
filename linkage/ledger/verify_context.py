"""What the verifier's rules read: the plan as arrays, the statements, each year's rulebook.

:class:`PlanContext` is built once per :func:`~linkage.ledger.verify.verify_plan` call; every
registered rule (:mod:`linkage.ledger.verify_rules`) reads it and reports its own violations.
The context also replays the holdings (:class:`Holdings`) with the verifier's own arithmetic:
it shares no code with the simulator (:mod:`linkage.ledger.simulate`) or the optimizer.

Replay conventions (each rule judges one thing; the replay judges only balances):

- credits *enter* a bucket only through a lawful channel: own surplus of a statement year
  (plus legal abatement), opening holdings, a purchase of ``nev_market`` credits of the year,
  a ``transfer_in`` of ``affiliate_cafc`` credits of the year, a withdrawal from the pool, a
  ``buy_reserve``, a CEA purchase under a design that allows it, a deposit (into the pool of
  the deposit year);
- every *use* (offset, sale, offset sale, deposit, transfer out, withdrawal) draws from the
  bucket it names, whatever other rule the row breaks (a use naming an instrument no credit
  can enter, e.g. ``nev_deficit``, is not replayed: an instrument rule refuses each such row);
- same-year buckets (``nev_market``, ``affiliate_cafc``, ``reserve``, ``cea``) exist one per
  year: a use draws from the bucket of its row's year; the vintage it names is judged by the
  ``*_outside_year`` rules;
- own CAFC and NEV vintages are discounted and expire at year end (``*.carry_factor``,
  ``*.carry_years`` of the vintage's rulebook; NEV only when the vintage is eligible); pool
  deposits keep their face value in the replay, their validity is judged per withdrawal
  (``expired_pool_vintage``) and in the stored amount the withdrawal share applies to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from conversions.vocabulary import renamed_attributes
from linkage.carbon_link import CarbonLink
from linkage.ledger.schema import ACTIONS, INSTRUMENTS
from linkage.ledger.statements import prepare_statements
from linkage.market import resolve_ratios
from linkage.pool import ReserveVariant
from linkage.rules import Rulebook, RuleSet

__all__ = ["EXTERNAL_AFFILIATES", "Holdings", "PlanContext", "Violation", "tolerance"]

#: Counterparty of ``transfer_in`` rows from affiliates outside the plan.
EXTERNAL_AFFILIATES = "<affiliates>"
PLAN_COLUMNS = ("enterprise", "year", "instrument", "vintage", "action", "quantity")
#: (action, instrument) of the destination side of a movement (bookkeeping, checked then dropped)
MIRRORS = (("deposit", "pool"), ("withdraw", "pool_release"), ("offset_cafc", "cafc_deficit"),
           ("offset_nev", "nev_deficit"))
OFFSETS = ("offset_cafc", "offset_nev")
#: actions that draw credits from the bucket the row names
USES = ("offset_cafc", "offset_nev", "sell", "sell_offset", "deposit", "transfer_out",
        "withdraw")
OWN = ("cafc", "nev")
SAME_YEAR = ("nev_market", "affiliate_cafc", "reserve", "cea")
BOUGHT = ("nev_market", "reserve", "cea")


@renamed_attributes("python.Violation")
@dataclass(frozen=True)
class Violation:
    """One broken rule.

    Attributes
    ----------
    enterprise : str
    year : int
    vintage : int or None
    rule : str
        Registered rule name, e.g. ``"cafc_for_nev_deficit"`` (see
        :data:`linkage.ledger.verify_rules.RULES`).
    amount_credits : float
        Amount involved [credit] (``amount``, its name before the one-vocabulary rename, is
        still read, with a :class:`DeprecationWarning`).
    detail : str
        Human-readable explanation.
    """

    enterprise: str
    year: int
    vintage: int | None
    rule: str
    amount_credits: float
    detail: str

    def __str__(self) -> str:
        v = "" if self.vintage is None else f" vintage {self.vintage}"
        return (f"{self.enterprise} {self.year}{v}: {self.rule} "
                f"({self.amount_credits:,.2f} credits): {self.detail}")


def violation(e: object, y: object, v: object, rule: str, amount: float,
              detail: str) -> Violation:
    """A :class:`Violation` with its fields cast to plain Python types."""
    return Violation(str(e), int(y), None if v is None else int(v), rule, float(amount), detail)


def tolerance(x: np.ndarray | float) -> np.ndarray | float:
    """Absolute slack of a comparison against ``x`` [credit]: 1e-6 relative, at least 1e-6."""
    return 1e-6 * np.maximum(1.0, np.abs(x))


class PlanContext:
    """The inputs of :func:`verify_plan`, prepared once for every rule.

    Attributes set by :meth:`prepare` (after the column check): ``raw`` (the plan with a
    ``counterparty`` column, all rows), masks of the rows the structural rules refuse, ``plan``
    (the decision rows inside ``years``, as numpy arrays ``ent``/``ei`` (enterprise code),
    ``yr``/``yi`` (year, year index), ``vin``, ``act``, ``ins``, ``qty``, ``cp``), the
    statements as dense ``(enterprise, year)`` arrays and each year's pool parameters.
    """

    def __init__(self, plan: pd.DataFrame, statements: pd.DataFrame, rules: RuleSet, *,
                 years: Iterable[int] | None, supply_demand_ratio: Mapping[int, float] | None,
                 reserve: ReserveVariant, opening: pd.DataFrame | None,
                 link: CarbonLink | None,
                 affiliate_cafc_available_credits: Mapping[tuple[str, int], float] | None,
                 technology: pd.DataFrame | None = None,
                 offset_limit_t_co2e: Mapping[int, float] | None = None) -> None:
        self.input_plan = plan
        self.input_statements = statements
        self.rules = rules
        self.requested_years = None if years is None else sorted(int(y) for y in years)
        self.observed_ratios = supply_demand_ratio
        self.reserve = reserve
        self.opening = opening
        self.link = link
        self.affiliate_cafc_available_credits = dict(affiliate_cafc_available_credits or {})
        self.technology = technology
        self.offset_limit_t_co2e = dict(offset_limit_t_co2e or {})
        self.years: list[int] = []

    # ------------------------------------------------------------------ preparation

    def missing_columns(self) -> list[str]:
        """Required plan columns that are absent."""
        return [c for c in PLAN_COLUMNS if c not in self.input_plan.columns]

    def prepare_rows(self) -> None:
        """Mark malformed and mirror rows; fix the years verified."""
        raw = self.input_plan.reset_index(drop=True)
        if "counterparty" not in raw:
            raw = raw.assign(counterparty=None)
        self.raw = raw
        act = raw["action"].to_numpy(dtype=object)
        ins = raw["instrument"].to_numpy(dtype=object)
        qty = pd.to_numeric(raw["quantity"], errors="coerce").to_numpy(dtype=float)
        self.raw_qty = qty
        self.unknown_action = ~np.isin(act, ACTIONS)
        self.unknown_instrument = ~self.unknown_action & ~np.isin(ins, INSTRUMENTS)
        well_formed = ~self.unknown_action & ~self.unknown_instrument
        self.bad_quantity = well_formed & ~(np.isfinite(qty) & (qty >= 0))
        self.valid = well_formed & ~self.bad_quantity
        self.mirror = np.zeros(len(raw), dtype=bool)
        for action, dest in MIRRORS:
            self.mirror |= self.valid & (act == action) & (ins == dest)
        decision = self.valid & ~self.mirror & (act != "return")
        years = sorted({int(y) for y in raw["year"][decision]})
        if self.requested_years is not None:
            years = self.requested_years
        self.years = list(range(years[0], years[-1] + 1)) if years else []
        self.outside = decision & ~raw["year"].isin(self.years).to_numpy()
        self.decision = decision & ~self.outside

    def prepare_ledger(self) -> None:
        """Statements, abatement, per-year parameters and the plan as arrays."""
        st, _ = prepare_statements(self.input_statements)
        in_years = st[st["year"].isin(self.years)]
        self.ratios = resolve_ratios(self.years, in_years, self.observed_ratios, self.rules)
        self.group = dict(zip(st["enterprise"], st["group"], strict=True))
        self.eligible = {(e, int(y)): bool(x) for e, y, x in zip(
            st["enterprise"], st["year"], st["nev_carry_eligible"], strict=True)}
        p = self.raw[self.decision]
        self.enterprises = sorted(set(st["enterprise"]) | {str(e) for e in p["enterprise"]})
        self.code = {e: i for i, e in enumerate(self.enterprises)}
        self._statement_arrays(in_years)
        self._plan_arrays(p)
        self._year_parameters()
        self._apply_abatement()
        self._apply_technology()

    def _statement_arrays(self, st: pd.DataFrame) -> None:
        shape = (len(self.enterprises), len(self.years))
        self.cafc = np.zeros(shape)
        self.nev = np.zeros(shape)
        self.has_statement = np.zeros(shape, dtype=bool)
        ei = st["enterprise"].map(self.code).to_numpy(dtype=int)
        yi = st["year"].to_numpy(dtype=int) - self.years[0]
        self.cafc[ei, yi] = st["cafc_credits"].to_numpy(dtype=float)
        self.nev[ei, yi] = st["nev_credits"].to_numpy(dtype=float)
        self.has_statement[ei, yi] = True

    def _plan_arrays(self, p: pd.DataFrame) -> None:
        self.ent = p["enterprise"].astype(str).to_numpy(dtype=object)
        self.ei = np.array([self.code[e] for e in self.ent], dtype=int)
        self.yr = p["year"].to_numpy(dtype=np.int64)
        self.yi = self.yr - self.years[0]
        self.vin = p["vintage"].to_numpy(dtype=float).astype(np.int64)
        self.act = p["action"].to_numpy(dtype=object)
        self.ins = p["instrument"].to_numpy(dtype=object)
        self.qty = self.raw_qty[self.decision]
        self.cp = p["counterparty"].to_numpy(dtype=object)

    def _year_parameters(self) -> None:
        books = [self.rules.for_year(y) for y in self.years]
        self.ratio = np.array([self.ratios[y] for y in self.years])
        enabled = np.array([bool(b["pool.enabled"]) for b in books])
        self.deposit_trigger = np.array([float(b["pool.deposit_trigger_ratio"]) for b in books])
        self.release_trigger = np.array([float(b["pool.release_trigger_ratio"]) for b in books])
        self.deposit_open = enabled & (self.ratio > self.deposit_trigger)
        self.release_open = enabled & (self.ratio < self.release_trigger)
        self.validity = np.array([int(b["pool.validity_years"]) for b in books])
        self.withdrawal_share = np.array([float(b["pool.withdrawal_share"]) for b in books])
        self.deposit_share = np.array([float(b["pool.deposit_share"]) for b in books])

    def _apply_abatement(self) -> None:
        """Add legal abatement to the statements; remember the rows that are not."""
        abate = self.act == "abate"
        own = np.isin(self.ins, OWN) & (self.vin == self.yr)
        legal = abate & own & self.has_statement[self.ei, self.yi]
        self.bad_abatement = abate & ~legal
        for name in OWN:
            m = legal & (self.ins == name)
            np.add.at(getattr(self, name), (self.ei[m], self.yi[m]), self.qty[m])

    def technology_options(self) -> dict[tuple[str, int, str], tuple[float, float, float]]:
        """(enterprise, year, option) -> (max units, CAFC, NEV credits per unit)."""
        t = self.technology
        if t is None or not len(t):
            return {}
        return {(str(e), int(y), str(o)): (float(m), float(c), float(n))
                for e, y, o, m, c, n in zip(t["enterprise"], t["year"], t["option"],
                                            t["max_units"], t["cafc_credits_per_unit"],
                                            t["nev_credits_per_unit"], strict=True)}

    def _apply_technology(self) -> None:
        """Add the credit effects of technology units of known options to the statements."""
        options = self.technology_options()
        rows = self.is_("technology", "technology") & self.has_statement[self.ei, self.yi]
        for i in np.flatnonzero(rows):
            eff = options.get((str(self.ent[i]), int(self.yr[i]), str(self.cp[i])))
            if eff is not None:
                self.cafc[self.ei[i], self.yi[i]] += self.qty[i] * eff[1]
                self.nev[self.ei[i], self.yi[i]] += self.qty[i] * eff[2]

    # ------------------------------------------------------------------ helpers for rules

    def is_(self, action: str | tuple[str, ...], instrument: str | tuple[str, ...] | None = None
            ) -> np.ndarray:
        """Mask of the decision rows with one of these actions (and instruments)."""
        m = np.isin(self.act, action)
        return m if instrument is None else m & np.isin(self.ins, instrument)

    def report_rows(self, rule: str, mask: np.ndarray,
                    detail: str | Callable[[int], str]) -> list[Violation]:
        """One violation per decision row in ``mask``; ``detail(i)`` may use the row index."""
        return [violation(self.ent[i], self.yr[i], self.vin[i], rule, self.qty[i],
                          detail(i) if callable(detail) else detail)
                for i in np.flatnonzero(mask)]

    def sum_by_enterprise_year(self, mask: np.ndarray) -> np.ndarray:
        """Quantities of the rows in ``mask`` summed into an (enterprise, year) array."""
        out = np.zeros((len(self.enterprises), len(self.years)))
        np.add.at(out, (self.ei[mask], self.yi[mask]), self.qty[mask])
        return out

    def deficit(self, kind: str) -> np.ndarray:
        """The year's deficit of ``kind`` (cafc or nev) per (enterprise, year) [credit]."""
        return np.maximum(-getattr(self, kind), 0.0)

    def surplus(self, kind: str) -> np.ndarray:
        """The year's own surplus of ``kind`` per (enterprise, year) [credit]."""
        return np.maximum(getattr(self, kind), 0.0)

    def rows_with(self, action: str) -> np.ndarray:
        """(enterprise, year) cells with at least one decision row of ``action``."""
        out = np.zeros((len(self.enterprises), len(self.years)), dtype=bool)
        m = self.act == action
        out[self.ei[m], self.yi[m]] = True
        return out

    @cached_property
    def holdings(self) -> Holdings:
        """The replayed holdings (computed on first use)."""
        return Holdings(self)


def _buckets(*keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of the integer ``keys`` (sorted) and each flow's row number."""
    stacked = np.stack([np.asarray(k, dtype=np.int64) for k in keys], axis=1)
    if not len(stacked):
        return stacked, np.zeros(0, dtype=np.int64)
    uniq, inv = np.unique(stacked, axis=0, return_inverse=True)
    return uniq, inv.reshape(-1)


class Holdings:
    """Replay of every bucket year by year, vectorised over the buckets.

    Attributes
    ----------
    overdrafts : DataFrame
        ``enterprise, year, instrument, vintage, amount``: a bucket used beyond what it held
        [credit] (the bucket is then taken as empty).
    unused : DataFrame
        ``enterprise, year, instrument, amount``: bought credits (``nev_market``, ``reserve``,
        ``cea``) left at the end of their year [credit].
    stored_valid : ndarray
        Pool credits stored at the start of each (enterprise, year) whose deposit year is still
        within the validity period [credit].
    """

    def __init__(self, ctx: PlanContext) -> None:
        self.ctx = ctx
        self._over: list[tuple] = []
        self._code = pd.Index(INSTRUMENTS).get_indexer(ctx.ins)
        uses = ctx.is_(USES)
        releases = self._replay_same_year(uses)
        self._replay_own(uses)
        self._replay_pool(uses, releases)
        self.overdrafts = pd.DataFrame(
            self._over, columns=["enterprise", "year", "instrument", "vintage", "amount"])

    def _record(self, e: np.ndarray, y: np.ndarray, i: np.ndarray, v: np.ndarray,
                amount: np.ndarray) -> None:
        names = self.ctx.enterprises
        self._over.extend((names[a], int(b), INSTRUMENTS[c], int(d), float(q))
                          for a, b, c, d, q in zip(e, y, i, v, amount, strict=True))

    def _replay_same_year(self, uses: np.ndarray) -> tuple[np.ndarray, ...]:
        """Same-year buckets and pool releases: in - out within the year.

        Returns the pool releases left unused, as arrays (enterprise, deposit year, year,
        amount), to go back to the pool.
        """
        c = self.ctx
        rate = c.link.exchange_rate_credits_per_t_co2e if c.link is not None else 0.0
        cea_ok = c.link is not None and c.link.allow_cea_for_deficits
        release = INSTRUMENTS.index("pool_release")
        same = uses & np.isin(c.ins, SAME_YEAR)
        flows = [  # (rows, instrument code, vintage, factor)
            (c.is_("buy", "nev_market") & (c.vin == c.yr), INSTRUMENTS.index("nev_market"),
             c.yr, 1.0),
            (c.is_("transfer_in", "affiliate_cafc") & (c.vin == c.yr),
             INSTRUMENTS.index("affiliate_cafc"), c.yr, 1.0),
            (c.is_("buy_reserve"), INSTRUMENTS.index("reserve"), c.yr, 1.0),
            (c.is_("buy", "cea") & cea_ok, INSTRUMENTS.index("cea"), c.yr, rate),
            (c.is_("withdraw", "pool"), release, c.vin, 1.0),
            (same, self._code, c.yr, -1.0),
            (uses & (c.ins == "pool_release"), release, c.vin, -1.0),
        ]
        e, i, v, y, q = (np.concatenate(x) for x in zip(*[
            (c.ei[m], np.broadcast_to(code, c.ei.shape)[m], vv[m], c.yr[m], c.qty[m] * f)
            for m, code, vv, f in flows], strict=True))
        keys, row = _buckets(e, y, i, v)
        bal = np.bincount(row, weights=q, minlength=len(keys))
        neg = bal < -tolerance(bal)
        self._record(keys[neg, 0], keys[neg, 1], keys[neg, 2], keys[neg, 3], -bal[neg])
        left = np.where(neg, 0.0, bal)
        bought = np.isin(keys[:, 2], [INSTRUMENTS.index(b) for b in BOUGHT])
        bought &= left > tolerance(left)
        self.unused = pd.DataFrame({
            "enterprise": [c.enterprises[k] for k in keys[bought, 0]],
            "year": keys[bought, 1], "instrument": [INSTRUMENTS[k] for k in keys[bought, 2]],
            "amount": left[bought]})
        rel = keys[:, 2] == release
        return keys[rel, 0], keys[rel, 3], keys[rel, 1], left[rel]

    def _carry(self, inst: str, e: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Year-end multiplier of own buckets (rows) in each year (columns)."""
        c = self.ctx
        out = np.zeros((len(v), len(c.years)))
        for j, y in enumerate(c.years):
            for vv in np.unique(v):
                book = c.rules.for_year(int(vv)) if int(vv) in c.rules else c.rules.for_year(y)
                ok = (y + 1 - vv) <= int(book[f"{inst}.carry_years"])
                f = float(book[f"{inst}.carry_factor"])
                if _one_off(inst, book) and y > vv:
                    f = 1.0  # one-off reading: discounted once, at the first carry
                out[v == vv, j] = f if ok else 0.0
        if inst == "nev":
            keep = np.array([c.eligible.get((c.enterprises[k], int(vv)), True)
                             for k, vv in zip(e, v, strict=True)], dtype=bool)
            out[~keep, :] = 0.0
        return out

    def _opening(self, instruments: tuple[str, ...]) -> pd.DataFrame:
        """Opening holdings of these instruments: e (code), i, v, q."""
        c = self.ctx
        if c.opening is None or not len(c.opening):
            return pd.DataFrame({"e": [], "i": [], "v": [], "q": []})
        o = c.opening[c.opening["instrument"].isin(instruments)]
        o = o[o["enterprise"].astype(str).isin(c.code)]
        return pd.DataFrame({"e": o["enterprise"].astype(str).map(c.code).to_numpy(dtype=int),
                             "i": o["instrument"].to_numpy(dtype=object),
                             "v": o["vintage"].to_numpy(dtype=float).astype(np.int64),
                             "q": o["quantity"].to_numpy(dtype=float)})

    def _opening_value(self, o: pd.DataFrame) -> np.ndarray:
        """Face value of opening own holdings carried to the first year."""
        c = self.ctx
        y0 = c.years[0]
        out = np.zeros(len(o))
        for k, (e, inst, v, q) in enumerate(o[["e", "i", "v", "q"]].itertuples(
                index=False, name=None)):
            book = c.rules.for_year(v) if v in c.rules else c.rules.for_year(y0)
            age = y0 - v
            ok = age <= int(book[f"{inst}.carry_years"])
            if inst == "nev":
                ok = ok and c.eligible.get((c.enterprises[e], v), True)
            f = float(book[f"{inst}.carry_factor"])
            out[k] = q * f ** (min(age, 1) if _one_off(inst, book) else age) if ok else 0.0
        return out

    def _replay_own(self, uses: np.ndarray) -> None:
        """Own CAFC and NEV vintages: earned, opening, used; discounted and expired."""
        c = self.ctx
        parts = []
        for inst in OWN:
            gain = c.surplus(inst)
            e, yi = np.nonzero(gain)
            parts.append((e, np.full(len(e), INSTRUMENTS.index(inst)),
                          np.asarray(c.years, dtype=np.int64)[yi], yi, gain[e, yi]))
        o = self._opening(OWN)
        parts.append((o["e"].to_numpy(dtype=np.int64), pd.Index(INSTRUMENTS).get_indexer(o["i"]),
                      o["v"].to_numpy(dtype=np.int64), np.zeros(len(o), dtype=np.int64),
                      self._opening_value(o)))
        m = uses & np.isin(c.ins, OWN)
        parts.append((c.ei[m], self._code[m], c.vin[m], c.yi[m], -c.qty[m]))
        e, i, v, yi, q = (np.concatenate(x) for x in zip(*parts, strict=True))
        keys, row = _buckets(e, i, v)
        net = np.zeros((len(keys), len(c.years)))
        np.add.at(net, (row, yi.astype(np.int64)), q)
        carry = np.zeros_like(net)
        for inst in OWN:
            b = keys[:, 1] == INSTRUMENTS.index(inst)
            carry[b] = self._carry(inst, keys[b, 0], keys[b, 2])
        bal = np.zeros(len(keys))
        for j, y in enumerate(c.years):
            bal = bal + net[:, j]
            neg = bal < -tolerance(bal)
            self._record(keys[neg, 0], np.full(neg.sum(), y), keys[neg, 1], keys[neg, 2],
                         -bal[neg])
            bal[neg] = 0.0
            bal = bal * carry[:, j]

    def _replay_pool(self, uses: np.ndarray, releases: tuple[np.ndarray, ...]) -> None:
        """Pool deposits: opening, deposited, withdrawn or used, unused releases returned."""
        c = self.ctx
        dep = c.is_("deposit")
        out = uses & (c.ins == "pool")
        o = self._opening(("pool",))
        re_e, re_v, re_y, re_q = releases
        parts = [  # (e, v, year index, q, when: 0 start of the first year, 1 in, 2 end)
            (o["e"].to_numpy(dtype=np.int64), o["v"].to_numpy(dtype=np.int64),
             np.zeros(len(o), dtype=np.int64), o["q"].to_numpy(dtype=float), 0),
            (c.ei[dep], c.yr[dep], c.yi[dep], c.qty[dep], 1),
            (c.ei[out], c.vin[out], c.yi[out], -c.qty[out], 1),
            (re_e, re_v, re_y - c.years[0], re_q, 2),
        ]
        e, v, yi, q, when = (np.concatenate(x) for x in zip(*[
            (pe, pv, py, pq, np.full(len(pe), w)) for pe, pv, py, pq, w in parts], strict=True))
        self.stored_valid = np.zeros((len(c.enterprises), len(c.years)))
        keys, row = _buckets(e, v)
        flows = np.zeros((3, len(keys), len(c.years)))
        np.add.at(flows, (when.astype(np.int64), row, yi.astype(np.int64)), q)
        bal = flows[0][:, 0].copy()
        for j, y in enumerate(c.years):
            valid = (y - keys[:, 1]) <= c.validity[j]
            np.add.at(self.stored_valid[:, j], keys[valid, 0], bal[valid])
            bal = bal + flows[1][:, j]
            neg = bal < -tolerance(bal)
            self._record(keys[neg, 0], np.full(neg.sum(), y),
                         np.full(neg.sum(), INSTRUMENTS.index("pool")), keys[neg, 1], -bal[neg])
            bal[neg] = 0.0
            bal = bal + flows[2][:, j]


def _one_off(inst: str, book: Rulebook) -> bool:
    """Whether a NEV vintage is discounted once only (``nev.carry_discount = one_off``)."""
    return inst == "nev" and book["nev.carry_discount"] == "one_off"
