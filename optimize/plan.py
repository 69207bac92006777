"""A solved formulation as transaction rows (the ledger's shape), built column-wise.

Each variable family becomes one to four kinds of rows (e.g. a credit used against a deficit
is an ``offset_<g>`` row of the vintage and one of the deficit); quantities at or below
1e-7 credits are dropped. Rows are ordered by enterprise, year, then the family order below,
the order :func:`linkage.ledger.verify_plan` and the plan files have always used.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from linkage.ledger import TRANSACTION_COLUMNS
from linkage.ledger.verify import EXTERNAL_AFFILIATES
from optimize.formulation import Formulation

__all__ = ["ZERO_CREDITS", "plan_frame", "transfer_pairs"]

#: Values at or below this [credit] are treated as 0 (solver noise).
ZERO_CREDITS = 1e-7

_KEYS = ["_b", "_r", "_l"]


def clean(x: np.ndarray) -> np.ndarray:
    """Values with solver noise (<= ZERO_CREDITS) set to 0."""
    return np.where(x > ZERO_CREDITS, x, 0.0)


class _Rows:
    """Plan rows collected as columns."""

    def __init__(self, order: dict[str, int]) -> None:
        self.order = order
        self.parts: list[pd.DataFrame] = []

    def add(self, table: pd.DataFrame, block: int, line: int, *, instrument: object,
            vintage: object, action: object, quantity: np.ndarray, cash: object = 0.0,
            unit: str = "credit", counterparty: object = None, row: object = None) -> None:
        if len(table) == 0:
            return
        n = len(table)
        self.parts.append(pd.DataFrame({
            "enterprise": table["enterprise"].to_numpy(), "year": table["year"].to_numpy(),
            "instrument": instrument, "vintage": vintage, "action": action,
            "quantity": quantity, "balance_after": np.nan, "counterparty": counterparty,
            "cash_flow_cny": cash, "unit": unit,
            "_b": block, "_r": np.arange(n) if row is None else row, "_l": line}))

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return _empty()
        p = pd.concat(self.parts, ignore_index=True)
        p = p[p["quantity"] > 0]
        p = p.assign(_e=p["enterprise"].map(self.order))
        p = p.sort_values(["_e", "year", *_KEYS], kind="stable")
        out = p[TRANSACTION_COLUMNS].reset_index(drop=True)
        return out.astype({"year": np.int64, "vintage": np.int64})


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=TRANSACTION_COLUMNS).astype({"year": np.int64,
                                                              "vintage": np.int64})


def _offset(rows: _Rows, table: pd.DataFrame, block: int, line: int, q: np.ndarray,
            instrument: object, vintage: object, row: object = None) -> None:
    """The two rows of a lever clearing a deficit: the lever's and the deficit's."""
    action = "offset_" + table["target"]
    rows.add(table, block, line, instrument=instrument, vintage=vintage, action=action,
             quantity=q, row=row)
    rows.add(table, block, line + 1, instrument=table["target"] + "_deficit",
             vintage=table["year"].to_numpy(), action=action, quantity=q, row=row)


def plan_frame(f: Formulation, values: Callable[[str], np.ndarray], *,
               buy_price: dict[int, float], sell_price: dict[int, float]) -> pd.DataFrame:
    """The plan of every enterprise of ``f`` (ledger shape, ``TRANSACTION_COLUMNS``).

    Parameters
    ----------
    f : Formulation
    values : callable
        ``values(component name)`` -> solved values in the component's index order.
    buy_price, sell_price : dict year -> float
        NEV credit prices of the cash flows [CNY/credit] (the transaction cost is added to
        purchases).
    """
    s, m = f.sets, f.model
    rows = _Rows({e.name: i for i, e in enumerate(s.enterprises)})
    p = _param_values(m)
    ab = s.abatement
    q = clean(values("abated_credits"))
    cost = np.array([p["abatement_cost"][e, j] for e, j in
                     zip(ab["enterprise"], ab["segment"], strict=True)], dtype=float)
    rows.add(ab, 0, 0, instrument=ab["kind"], vintage=ab["year"].to_numpy(), action="abate",
             quantity=q, cash=-q * cost)
    _positions(rows, f, values)
    u = s.uses
    _offset(rows, u, 2, 0, clean(values("credits_used")), u["kind"], u["vintage"].to_numpy())
    w = s.withdrawals
    q = clean(values("pool_withdrawn"))
    for line, (inst, act) in enumerate((("pool", "withdraw"), ("pool_release", "withdraw"))):
        rows.add(w, 3, line, instrument=inst, vintage=w["deposit_year"].to_numpy(),
                 action=act, quantity=q)
    _offset(rows, w, 3, 2, q, "pool_release", w["deposit_year"].to_numpy())
    _deficit_levers(rows, f, values, p, buy_price)
    nev = s.holdings[s.holdings["kind"] == "nev"]
    q = clean(values("nev_sold"))
    rows.add(nev, 5, 0, instrument="nev", vintage=nev["vintage"].to_numpy(), action="sell",
             quantity=q, cash=q * nev["year"].map(sell_price).to_numpy(dtype=float))
    if len(m.credit_offsets_sold):
        h = s.holdings
        q = clean(values("credit_offsets_sold"))
        rows.add(h, 6, 0, instrument=h["kind"], vintage=h["vintage"].to_numpy(),
                 action="sell_offset", quantity=q,
                 cash=q / f.rate * h["year"].map(p["cea_price"]).to_numpy(dtype=float))
    d = s.deposits
    q = clean(values("pool_deposited"))
    for line, inst in enumerate(("nev", "pool")):
        rows.add(d, 7, line, instrument=inst, vintage=d["year"].to_numpy(), action="deposit",
                 quantity=q)
    return rows.frame()


def _param_values(m: object) -> dict:
    return {"abatement_cost": {k: v.value for k, v in m.abatement_cost.items()},
            "cea_price": {k: v.value for k, v in m.cea_price.items()},
            "reserve_price": m.reserve_price.value, "penalty": m.penalty.value,
            "transaction_cost": m.transaction_cost.value}


def _positions(rows: _Rows, f: Formulation, values: Callable[[str], np.ndarray]) -> None:
    pos = f.sets.positions
    kind_order = pos["kind"].map({"cafc": 0, "nev": 1}).to_numpy()
    sur, dfc = pos["surplus"].to_numpy(), ~pos["surplus"].to_numpy()
    a, b = pos[sur], pos[dfc]
    rows.add(a, 1, 0, instrument=a["kind"], vintage=a["year"].to_numpy(), action="earn",
             quantity=clean(values("credits_earned")), row=kind_order[sur])
    rows.add(b, 1, 0, instrument=b["kind"] + "_deficit", vintage=b["year"].to_numpy(),
             action="deficit", quantity=clean(values("deficit_credits")), row=kind_order[dfc])


def _deficit_levers(rows: _Rows, f: Formulation, values: Callable[[str], np.ndarray],
                    p: dict, buy_price: dict[int, float]) -> None:
    """Purchases, reserve, transfers in, CEAs and uncovered deficits, per deficit row."""
    s = f.sets
    d = s.deficits
    r = np.arange(len(d))
    q = clean(values("nev_bought"))
    price = d["year"].map(buy_price).to_numpy(dtype=float) + p["transaction_cost"]
    rows.add(d, 4, 0, instrument="nev_market", vintage=d["year"].to_numpy(), action="buy",
             quantity=q, cash=-q * price)
    _offset(rows, d, 4, 1, q, "nev_market", d["year"].to_numpy())
    sel = d["reserve"].to_numpy()
    rs = d[sel]
    q = clean(values("reserve_bought"))
    rows.add(rs, 4, 10, instrument="reserve", vintage=rs["year"].to_numpy(),
             action="buy_reserve", quantity=q, cash=-q * p["reserve_price"], row=r[sel])
    _offset(rows, rs, 4, 11, q, "reserve", rs["year"].to_numpy(), row=r[sel])
    sel = (d["target"] == "cafc").to_numpy()
    tr = d[sel]
    q = clean(values("cafc_transfer_in"))
    if f.nev_prices == "given":  # equilibrium: paired rows come from transfer_pairs
        rows.add(tr, 4, 20, instrument="affiliate_cafc", vintage=tr["year"].to_numpy(),
                 action="transfer_in", quantity=q, counterparty=EXTERNAL_AFFILIATES,
                 row=r[sel])
    _offset(rows, tr, 4, 21, q, "affiliate_cafc", tr["year"].to_numpy(), row=r[sel])
    sel = d["cea"].to_numpy()
    ce = d[sel]
    tonnes = clean(values("cea_surrendered_t_co2e"))
    rows.add(ce, 4, 30, instrument="cea", vintage=ce["year"].to_numpy(), action="buy",
             quantity=tonnes, unit="t_CO2e", row=r[sel],
             cash=-tonnes * ce["year"].map(p["cea_price"]).to_numpy(dtype=float))
    _offset(rows, ce, 4, 31, tonnes * f.rate, "cea", ce["year"].to_numpy(), row=r[sel])
    sel = d["uncovered"].to_numpy()
    un = d[sel]
    q = clean(values("uncovered_credits"))
    rows.add(un, 4, 40, instrument=un["target"] + "_deficit", vintage=un["year"].to_numpy(),
             action="uncovered", quantity=q, cash=-q * p["penalty"], row=r[sel])


def transfer_pairs(f: Formulation, values: Callable[[str], np.ndarray]) -> pd.DataFrame:
    """CAFC transfers inside affiliate groups as paired ``transfer_out`` / ``transfer_in``
    rows (donors matched to takers in model order)."""
    s = f.sets
    if f.nev_prices != "equilibrium":
        return _empty()
    group = {e.name: e.group for e in s.enterprises}
    tin = s.transfers_in.assign(q=values("cafc_transfer_in"))
    tout = s.transfers_out.assign(q=values("cafc_transfer_out"))
    tin, tout = tin[tin["q"] > ZERO_CREDITS], tout[tout["q"] > ZERO_CREDITS]
    out: list[tuple] = []
    for (g, t), takers in tin.groupby([tin["enterprise"].map(group), "year"], sort=False):
        donors = tout[(tout["year"] == t) & (tout["enterprise"].map(group) == g)]
        _match(out, t, donors[["enterprise", "q"]].values.tolist(),
               takers[["enterprise", "q"]].values.tolist())
    rank = {g: i for i, g in enumerate(dict.fromkeys(group.values()))}
    out.sort(key=lambda r: (rank[group[r[0]]], r[1]))
    return pd.DataFrame(out, columns=TRANSACTION_COLUMNS).astype({"year": np.int64,
                                                                  "vintage": np.int64})


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
