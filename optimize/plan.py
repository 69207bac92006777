"""A solved formulation as transaction rows (the ledger's shape), from one template per model.

Each variable family becomes one to four kinds of rows (e.g. a credit used against a deficit
is an ``offset_<g>`` row of the vintage and one of the deficit). Everything that does not
depend on the solution (enterprise, year, instrument, vintage, action, unit, order) is laid
out once, when the model is built, in :class:`PlanTemplate`; a solve then only gathers the
variable values, multiplies by the current prices and drops rows at or below 1e-7 (numpy,
no per-row Python). Rows are ordered by enterprise, year, then the family order of
:meth:`PlanTemplate.__init__`.

The same template gives the discounted cost of each lever (``cost_by_instrument_cny``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from linkage.ledger import TRANSACTION_COLUMNS
from linkage.ledger.verify import EXTERNAL_AFFILIATES
from optimize.formulation import Formulation

__all__ = ["LEVERS", "ZERO_CREDITS", "PlanTemplate", "transfer_pairs"]

#: Values at or below this [credit] are treated as 0 (solver noise).
ZERO_CREDITS = 1e-7

#: Levers of ``cost_by_instrument_cny``, in objective order.
LEVERS = ("nev_market", "nev_sales", "reserve", "cea", "credit_offsets", "abatement",
          "uncovered_penalty", "technology")

_STATIC = ["enterprise", "year", "instrument", "vintage", "action", "counterparty", "unit"]


def _strings(prefix: str, names: pd.Series, suffix: str) -> np.ndarray:
    """``prefix + name + suffix`` for each name, as an object array."""
    return np.array([prefix + n + suffix for n in names.tolist()], dtype=object)


def clean(x: np.ndarray) -> np.ndarray:
    """Values with solver noise (<= ZERO_CREDITS) set to 0."""
    return np.where(x > ZERO_CREDITS, x, 0.0)


class _Prices:
    """Named price slots [CNY per unit of the row's variable]; slot 0 is a zero price."""

    def __init__(self) -> None:
        self.names: list[tuple] = [("zero",)]
        self._slot: dict[tuple, int] = {("zero",): 0}

    def slots(self, names: list[tuple]) -> np.ndarray:
        out = np.empty(len(names), dtype=np.int64)
        for i, n in enumerate(names):
            s = self._slot.get(n)
            if s is None:
                s = self._slot[n] = len(self.names)
                self.names.append(n)
            out[i] = s
        return out


class PlanTemplate:
    """The plan rows and lever costs of a formulation, laid out before any solve.

    Parameters
    ----------
    f : Formulation
    """

    def __init__(self, f: Formulation) -> None:
        self.f = f
        self.prices = _Prices()
        self._parts: list[dict] = []
        self._costs: list[tuple] = []
        s, m = f.sets, f.model
        self._abatement()
        self._technology()
        self._positions()
        u = s.uses
        self._offset(u, 2, 0, "credits_used", u["kind"], u["vintage"])
        w = s.withdrawals
        for line, (inst, act) in enumerate((("pool", "withdraw"), ("pool_release", "withdraw"))):
            self._add(w, 3, line, "pool_withdrawn", instrument=inst,
                      vintage=w["deposit_year"], action=act)
        self._offset(w, 3, 2, "pool_withdrawn", "pool_release", w["deposit_year"])
        self._deficit_levers()
        nev = s.holdings[s.holdings["kind"] == "nev"]
        sell = [("sell", t) for t in nev["year"]]
        self._add(nev, 5, 0, "nev_sold", instrument="nev", vintage=nev["vintage"],
                  action="sell", price=sell, sign=1.0)
        if f.nev_prices == "given":
            self._cost("nev_sales", nev, "nev_sold", sell, -1.0)
        if len(m.credit_offsets_sold):
            h = s.holdings
            per_credit = [("offset_per_credit", t) for t in h["year"]]
            self._add(h, 6, 0, "credit_offsets_sold", instrument=h["kind"],
                      vintage=h["vintage"], action="sell_offset", price=per_credit, sign=1.0)
            self._cost("credit_offsets", h, "credit_offsets_sold", per_credit, -1.0)
        d = s.deposits
        for line, inst in enumerate(("nev", "pool")):
            self._add(d, 7, line, "pool_deposited", instrument=inst, vintage=d["year"],
                      action="deposit")
        self._finish()

    # ------------------------------------------------------------------ layout
    def _add(self, table: pd.DataFrame, block: int, line: int, family: str, *,
             instrument: object, vintage: object, action: object, scale: float = 1.0,
             price: list[tuple] | None = None, sign: float = 0.0, unit: str = "credit",
             counterparty: object = None, row: np.ndarray | None = None) -> None:
        n = len(table)
        if n == 0:
            return

        def col(x: object) -> np.ndarray:
            if isinstance(x, pd.Series):
                return x.to_numpy()
            if isinstance(x, np.ndarray):
                return x
            return np.full(n, x, dtype=object)

        self._parts.append({
            "enterprise": table["enterprise"].to_numpy(), "year": table["year"].to_numpy(),
            "instrument": col(instrument), "vintage": np.asarray(col(vintage), dtype=np.int64),
            "action": col(action), "counterparty": col(counterparty), "unit": col(unit),
            "family": family, "pos": np.arange(n), "scale": np.full(n, scale),
            "slot": self.prices.slots(price) if price is not None else np.zeros(n, np.int64),
            "sign": np.full(n, sign), "_b": np.full(n, block),
            "_r": np.arange(n) if row is None else row, "_l": np.full(n, line)})

    def _offset(self, table: pd.DataFrame, block: int, line: int, family: str,
                instrument: object, vintage: object, *, scale: float = 1.0,
                row: np.ndarray | None = None) -> None:
        """The two rows of a lever clearing a deficit: the lever's and the deficit's."""
        action = _strings("offset_", table["target"], "")
        self._add(table, block, line, family, instrument=instrument, vintage=vintage,
                  action=action, scale=scale, row=row)
        self._add(table, block, line + 1, family,
                  instrument=_strings("", table["target"], "_deficit"), vintage=table["year"],
                  action=action, scale=scale, row=row)

    def _cost(self, lever: str, table: pd.DataFrame, family: str, price: list[tuple],
              sign: float) -> None:
        if len(table):
            d = self.f.sets.discount.to_dict()
            disc = np.array([d[t] for t in table["year"].tolist()], dtype=float)
            self._costs.append((LEVERS.index(lever), family, disc * sign,
                                self.prices.slots(price)))

    def _abatement(self) -> None:
        ab = self.f.sets.abatement
        cost = [("abate", e, j) for e, j in zip(ab["enterprise"], ab["segment"], strict=True)]
        self._add(ab, 0, 0, "abated_credits", instrument=ab["kind"], vintage=ab["year"],
                  action="abate", price=cost, sign=-1.0)
        self._cost("abatement", ab, "abated_credits", cost, 1.0)

    def _technology(self) -> None:
        """``technology`` rows: units taken (vintage = year, counterparty = option name,
        cash = -units x cost)."""
        tech = self.f.sets.technology
        cost = [("technology", e, o, t) for e, o, t in
                zip(tech["enterprise"], tech["option"], tech["year"], strict=True)]
        self._add(tech, 0, 1, "technology_units", instrument="technology", vintage=tech["year"],
                  action="technology", price=cost, sign=-1.0, unit="unit",
                  counterparty=tech["name"])
        self._cost("technology", tech, "technology_units", cost, 1.0)

    def _positions(self) -> None:
        pos = self.f.sets.positions
        kind_order = (pos["kind"] == "nev").to_numpy().astype(np.int64)
        sur, dfc = pos["surplus"].to_numpy(), pos["deficit"].to_numpy()
        a, b = pos[sur], pos[dfc]
        self._add(a, 1, 0, "credits_earned", instrument=a["kind"], vintage=a["year"],
                  action="earn", row=kind_order[sur])
        self._add(b, 1, 0, "deficit_credits", instrument=_strings("", b["kind"], "_deficit"),
                  vintage=b["year"], action="deficit", row=kind_order[dfc])

    def _deficit_levers(self) -> None:
        """Purchases, reserve, transfers in, CEAs and uncovered deficits, per deficit row."""
        f = self.f
        d = f.sets.deficits
        r = np.arange(len(d))
        buy = [("buy", t) for t in d["year"]]
        self._add(d, 4, 0, "nev_bought", instrument="nev_market", vintage=d["year"],
                  action="buy", price=buy, sign=-1.0)
        self._offset(d, 4, 1, "nev_bought", "nev_market", d["year"])
        self._cost("nev_market", d, "nev_bought", buy, 1.0)
        sel = d["reserve"].to_numpy()
        rs = d[sel]
        self._add(rs, 4, 10, "reserve_bought", instrument="reserve", vintage=rs["year"],
                  action="buy_reserve", price=[("reserve",)] * len(rs), sign=-1.0, row=r[sel])
        self._offset(rs, 4, 11, "reserve_bought", "reserve", rs["year"], row=r[sel])
        self._cost("reserve", rs, "reserve_bought", [("reserve",)] * len(rs), 1.0)
        sel = (d["target"] == "cafc").to_numpy()
        tr = d[sel]
        if f.nev_prices == "given":  # equilibrium: paired rows come from transfer_pairs
            self._add(tr, 4, 20, "cafc_transfer_in", instrument="affiliate_cafc",
                      vintage=tr["year"], action="transfer_in",
                      counterparty=EXTERNAL_AFFILIATES, row=r[sel])
        self._offset(tr, 4, 21, "cafc_transfer_in", "affiliate_cafc", tr["year"], row=r[sel])
        sel = d["cea"].to_numpy()
        ce = d[sel]
        cea = [("cea", t) for t in ce["year"]]
        self._add(ce, 4, 30, "cea_surrendered_t_co2e", instrument="cea", vintage=ce["year"],
                  action="buy", unit="t_CO2e", price=cea, sign=-1.0, row=r[sel])
        self._offset(ce, 4, 31, "cea_surrendered_t_co2e", "cea", ce["year"], scale=f.rate,
                     row=r[sel])
        self._cost("cea", ce, "cea_surrendered_t_co2e", cea, 1.0)
        sel = d["uncovered"].to_numpy()
        un = d[sel]
        pen = [("penalty",)] * len(un)
        self._add(un, 4, 40, "uncovered_credits", instrument=_strings("", un["target"], "_deficit"),
                  vintage=un["year"], action="uncovered", price=pen, sign=-1.0, row=r[sel])
        self._cost("uncovered_penalty", un, "uncovered_credits", pen, 1.0)

    def _finish(self) -> None:
        """One table of every possible row, in plan order."""
        parts = self._parts
        cols = {k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0)
                for k in (*_STATIC, "pos", "scale", "slot", "sign", "_b", "_r", "_l")}
        fams = [p["family"] for p in parts]
        self.families = list(dict.fromkeys(fams))
        cols["fam"] = (np.concatenate([np.full(len(p["pos"]), self.families.index(p["family"]))
                                       for p in parts]) if parts else np.zeros(0, np.int64))
        order = {e.name: i for i, e in enumerate(self.f.sets.enterprises)}
        ent = np.array([order[e] for e in cols["enterprise"].tolist()], dtype=np.int64)
        idx = np.lexsort((cols["_l"], cols["_r"], cols["_b"],
                          cols["year"].astype(np.int64), ent))
        self.static = {k: cols[k][idx] for k in _STATIC}
        self.static["year"] = self.static["year"].astype(np.int64)
        self.static["vintage"] = self.static["vintage"].astype(np.int64)
        self._fam = cols["fam"][idx].astype(np.int64)
        self._pos = cols["pos"][idx].astype(np.int64)
        self.scale, self.slot = cols["scale"][idx].astype(float), cols["slot"][idx]
        self.sign = cols["sign"][idx].astype(float)
        self._src: np.ndarray | None = None
        self._cost_src: list[np.ndarray] | None = None

    # ------------------------------------------------------------------ per solve
    def price_vector(self, buy: dict[int, float], sell: dict[int, float]) -> np.ndarray:
        """Current prices of every slot [CNY per unit]: NEV ``buy`` (+ transaction cost) and
        ``sell`` prices as given, the rest from the model's parameters."""
        m, rate = self.f.model, self.f.rate
        tc = m.transaction_cost.value

        def value(name: tuple) -> float:
            kind = name[0]
            if kind == "buy":
                return buy[name[1]] + tc
            if kind == "sell":
                return sell[name[1]]
            if kind == "cea":
                return m.cea_price[name[1]].value
            if kind == "cea_per_credit":
                return m.cea_price[name[1]].value / rate
            if kind == "offset_per_credit":
                return (m.cea_price[name[1]].value * m.offset_price_factor[name[1]].value
                        / rate)
            if kind == "technology":
                return m.technology_cost[name[1:]].value
            if kind == "abate":
                return m.abatement_cost[name[1], name[2]].value
            if kind == "reserve":
                return m.reserve_price.value
            if kind == "penalty":
                return m.penalty.value
            return 0.0

        return np.array([value(n) for n in self.prices.names], dtype=float)

    def _columns(self, columns: Callable[[str], np.ndarray]) -> np.ndarray:
        if self._src is None:
            src = np.empty(len(self._pos), dtype=np.int64)
            for i, fam in enumerate(self.families):
                sel = self._fam == i
                src[sel] = columns(fam)[self._pos[sel]]
            self._src = src
            self._cost_src = [columns(fam) for _l, fam, _w, _s in self._costs]
        return self._src

    def plan(self, x: np.ndarray, columns: Callable[[str], np.ndarray],
             prices: np.ndarray) -> pd.DataFrame:
        """The plan rows (``TRANSACTION_COLUMNS``).

        Parameters
        ----------
        x : ndarray
            The solution, by solver column [credit, t CO2e].
        columns : callable
            ``columns(family)`` -> solver columns of a variable family, in index order.
        prices : ndarray
            :meth:`price_vector`.
        """
        v = clean(x[self._columns(columns)])
        q = v * self.scale
        keep = q > 0
        st = self.static
        return pd.DataFrame({
            "enterprise": st["enterprise"][keep], "year": st["year"][keep],
            "instrument": st["instrument"][keep], "vintage": st["vintage"][keep],
            "action": st["action"][keep], "quantity": q[keep], "balance_after_credits": np.nan,
            "counterparty": st["counterparty"][keep],
            "cash_flow_cny": (self.sign * v * prices[self.slot])[keep],
            "unit": st["unit"][keep]}, columns=TRANSACTION_COLUMNS)

    def lever_costs(self, x: np.ndarray, columns: Callable[[str], np.ndarray],
                    prices: np.ndarray) -> dict[str, float]:
        """Discounted cost per lever [CNY] (sums to the objective)."""
        self._columns(columns)
        out = dict.fromkeys(LEVERS, 0.0)
        for (lever, _fam, weight, slot), cols in zip(self._costs, self._cost_src, strict=True):
            out[LEVERS[lever]] += float(np.dot(weight * prices[slot], x[cols]))
        return out


def transfer_pairs(f: Formulation, values: Callable[[str], np.ndarray]) -> list[tuple]:
    """CAFC transfers inside affiliate groups as paired ``transfer_out`` / ``transfer_in``
    rows (``TRANSACTION_COLUMNS`` tuples; donors matched to takers in model order, group by
    group, year by year)."""
    s = f.sets
    group = {e.name: e.group for e in s.enterprises}
    rank = {g: i for i, g in enumerate(dict.fromkeys(group.values()))}
    sides: dict[str, dict[tuple, list[list]]] = {}
    for side, table, name in (("in", s.transfers_in, "cafc_transfer_in"),
                              ("out", s.transfers_out, "cafc_transfer_out")):
        q = values(name)
        keep = np.flatnonzero(q > ZERO_CREDITS)
        found: dict[tuple, list[list]] = {}
        ents, yrs = table["enterprise"].to_numpy(), table["year"].to_numpy()
        for i in keep.tolist():
            found.setdefault((rank[group[ents[i]]], int(yrs[i])), []).append(
                [ents[i], float(q[i])])
        sides[side] = found
    out: list[tuple] = []
    for key in sorted(sides["in"]):
        _match(out, key[1], sides["out"].get(key, []), sides["in"][key])
    return out


def _match(out: list[tuple], t: int, donors: list[list], takers: list[list]) -> None:
    for taker in takers:
        for donor in donors:
            q = min(taker[1], donor[1])
            if q <= ZERO_CREDITS:
                continue
            out.append((donor[0], t, "cafc", t, "transfer_out", q, np.nan, taker[0], 0.0,
                        "credit"))
            out.append((taker[0], t, "affiliate_cafc", t, "transfer_in", q, np.nan,
                        donor[0], 0.0, "credit"))
            taker[1] -= q
            donor[1] -= q
