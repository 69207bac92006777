"""Index tables of the compliance LP: one flat table per family, across enterprises.

Built once per model with pandas from a :class:`~optimize.scenario.Scenario`; every row of a
table is one variable (or one constraint) of :mod:`optimize.formulation`. Keys:
``enterprise`` (name), ``kind`` (credit kind ``"cafc"``/``"nev"``), ``year`` (compliance
year t), ``vintage`` (year the credit was earned, v), ``target`` (the deficit a credit
clears, g), ``deposit_year`` (pool vintage, d), ``segment`` (abatement segment index, j).

The sets follow docs/formulation.md ("Sets"): a year is a surplus year of a kind when the
position is positive, or zero and the enterprise can abate that kind; otherwise it is a
deficit year. Holdings of a vintage exist while the vintage may be carried (``carry_years``,
and for NEV credits only when the year's surplus is carry-eligible).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from linkage.pool import PoolWindow, pool_window
from optimize.scenario import EnterpriseInput, Scenario

__all__ = ["KINDS", "TARGETS", "IndexSets", "build_index_sets"]

#: Credit kinds, in the order of the position rows.
KINDS = ("cafc", "nev")
#: Deficits a credit of each kind may clear (CAFC credits never clear NEV deficits).
TARGETS = {"cafc": ("cafc",), "nev": ("cafc", "nev")}


@dataclass
class IndexSets:
    """The index tables of one model (see the module docstring for the keys).

    Attributes
    ----------
    enterprises : list of EnterpriseInput
    years : list of int
    discount : Series year -> float
        ``(1 + r) ** -(t - t0)`` [-].
    windows : dict year -> PoolWindow
    positions : DataFrame
        ``enterprise, kind, year, position_credits, surplus`` (one position row each).
    holdings : DataFrame
        ``enterprise, kind, vintage, year, carry_factor, opening_credits`` (vintage balances;
        ``opening_credits`` is the discounted face value of an opening vintage at t0, NaN
        otherwise).
    uses : DataFrame
        ``enterprise, kind, vintage, year, target``.
    deficits : DataFrame
        ``enterprise, year, target`` with ``reserve``, ``cea``, ``uncovered`` flags (which
        levers exist for the row).
    deposits : DataFrame
        ``enterprise, year, deposit_share``.
    pool_stocks : DataFrame
        ``enterprise, deposit_year, year, opening_pool_credits``.
    withdrawals : DataFrame
        ``enterprise, deposit_year, year, target``.
    withdrawal_rows : DataFrame
        ``enterprise, year, withdrawal_share`` (one share cap row each).
    segments : DataFrame
        ``enterprise, segment, kind, cost_cny_per_credit, max_credits_per_year``.
    abatement : DataFrame
        ``enterprise, segment, kind, year, max_credits_per_year``.
    transfers_in, transfers_out : DataFrame
        ``enterprise, year`` (CAFC deficit years / CAFC surplus years).
    """

    enterprises: list[EnterpriseInput]
    years: list[int]
    discount: pd.Series
    windows: dict[int, PoolWindow]
    positions: pd.DataFrame
    holdings: pd.DataFrame
    uses: pd.DataFrame
    deficits: pd.DataFrame
    deposits: pd.DataFrame
    pool_stocks: pd.DataFrame
    withdrawals: pd.DataFrame
    withdrawal_rows: pd.DataFrame
    segments: pd.DataFrame
    abatement: pd.DataFrame
    transfers_in: pd.DataFrame
    transfers_out: pd.DataFrame


def keys(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """The rows of ``frame[columns]`` as a list of plain-Python tuples (Pyomo indices)."""
    if frame.empty:
        return []
    cols = [frame[c].tolist() for c in columns]
    return list(zip(*cols, strict=True))


def _carry_table(scenario: Scenario, vintages: list[int]) -> pd.DataFrame:
    """``kind, vintage, carry_years, carry_factor`` from the vintage's rulebook (the first
    year's rulebook for a vintage no rulebook covers)."""
    rules, t0 = scenario.rules, scenario.years[0]
    first = rules.for_year(t0)
    rows = []
    for v in sorted(set(vintages)):
        book = rules.for_year(v) if v in rules else first
        for k in KINDS:
            rows.append((k, v, int(book[f"{k}.carry_years"]), float(book[f"{k}.carry_factor"])))
    return pd.DataFrame(rows, columns=["kind", "vintage", "carry_years", "carry_factor"])


def _positions(enterprises: list[EnterpriseInput], years: list[int]) -> pd.DataFrame:
    rows = []
    for e in enterprises:
        abates = {k: any(s.kind == k for s in e.abatement) for k in KINDS}
        credits = {"cafc": e.cafc_credits, "nev": e.nev_credits}
        for k in KINDS:
            for t in years:
                b = float(credits[k][t])
                rows.append((e.name, k, t, b, b > 0 or (b == 0 and abates[k]),
                             k == "cafc" or bool(e.nev_carry_eligible[t])))
    return pd.DataFrame(rows, columns=["enterprise", "kind", "year", "position_credits",
                                       "surplus", "carry_eligible"])


def _opening(enterprises: list[EnterpriseInput]) -> pd.DataFrame:
    frames = [e.opening.assign(enterprise=e.name) for e in enterprises if len(e.opening)]
    if not frames:
        return pd.DataFrame(columns=["enterprise", "instrument", "vintage", "quantity"])
    op = pd.concat(frames, ignore_index=True).astype({"vintage": int, "quantity": float})
    return op.groupby(["enterprise", "instrument", "vintage"], as_index=False,
                      sort=False)["quantity"].sum()


def _holdings(scenario: Scenario, positions: pd.DataFrame,
              opening: pd.DataFrame) -> pd.DataFrame:
    """Holding pairs (vintage, year) per enterprise and kind."""
    years, t0 = scenario.years, scenario.years[0]
    yr = pd.DataFrame({"year": years})
    own = positions.loc[positions["surplus"], ["enterprise", "kind", "year", "carry_eligible"]]
    own = own.rename(columns={"year": "vintage"}).assign(face=np.nan, origin=1)
    op = opening[opening["instrument"].isin(KINDS)].rename(
        columns={"instrument": "kind", "quantity": "face"}).assign(carry_eligible=True,
                                                                   origin=0)
    vint = pd.concat([op[own.columns], own], ignore_index=True)
    carry = _carry_table(scenario, vint["vintage"].tolist() + years)
    vint = vint.merge(carry, on=["kind", "vintage"], how="left")
    pairs = vint.merge(yr, how="cross")
    age = pairs["year"] - pairs["vintage"]
    keep = (age == 0) | ((age > 0) & pairs["carry_eligible"] & (age <= pairs["carry_years"]))
    keep |= (pairs["origin"] == 0) & (age <= pairs["carry_years"])
    pairs = pairs[keep].copy()
    at_t0 = (pairs["origin"] == 0) & (pairs["year"] == t0)
    pairs["opening_credits"] = np.where(
        at_t0, pairs["face"] * pairs["carry_factor"] ** (t0 - pairs["vintage"]), np.nan)
    order = {e: i for i, e in enumerate(positions["enterprise"].unique())}
    pairs["_e"] = pairs["enterprise"].map(order)
    pairs["_k"] = pairs["kind"].map({k: i for i, k in enumerate(KINDS)})
    pairs = pairs.sort_values(["_e", "_k", "origin", "vintage", "year"], kind="stable")
    return pairs[["enterprise", "kind", "vintage", "year", "carry_factor",
                  "opening_credits"]].reset_index(drop=True)


def _deficits(scenario: Scenario, positions: pd.DataFrame,
              windows: dict[int, PoolWindow]) -> pd.DataFrame:
    sc, link, mk = scenario, scenario.link, scenario.market
    d = positions.loc[~positions["surplus"], ["enterprise", "kind", "year"]]
    d = d.rename(columns={"kind": "target"})[["enterprise", "year", "target"]]
    release = d["year"].map({t: bool(w.release_open) for t, w in windows.items()})
    d["reserve"] = release & (mk.reserve_price is not None)
    cea_on = link is not None and link.allow_cea_for_deficits
    d["cea"] = d["target"].isin(link.cea_clears if cea_on else ())
    d["uncovered"] = sc.penalty_cny_per_credit is not None
    return d.reset_index(drop=True)


def _pool(scenario: Scenario, positions: pd.DataFrame, opening: pd.DataFrame,
          deficits: pd.DataFrame, windows: dict[int, PoolWindow]) -> dict[str, pd.DataFrame]:
    years = scenario.years
    win = pd.DataFrame({"year": years,
                        "deposit_open": [windows[t].deposit_open for t in years],
                        "release_open": [windows[t].release_open for t in years],
                        "validity": [windows[t].validity_years for t in years],
                        "deposit_share": [windows[t].deposit_share for t in years],
                        "withdrawal_share": [windows[t].withdrawal_share for t in years]})
    nev_surplus = positions[(positions["kind"] == "nev") & positions["surplus"]]
    deposits = nev_surplus[["enterprise", "year"]].merge(win, on="year")
    deposits = deposits.loc[deposits["deposit_open"], ["enterprise", "year", "deposit_share"]]
    op = opening[opening["instrument"] == "pool"].rename(
        columns={"vintage": "deposit_year", "quantity": "opening_pool_credits"})
    vint = pd.concat([op[["enterprise", "deposit_year", "opening_pool_credits"]],
                      deposits[["enterprise", "year"]].rename(columns={"year": "deposit_year"})
                      .assign(opening_pool_credits=np.nan)], ignore_index=True)
    vint = vint.sort_values(["enterprise", "deposit_year"], kind="stable")
    stocks = vint.merge(win, how="cross")
    age = stocks["year"] - stocks["deposit_year"]
    stocks = stocks[(age >= 0) & (age <= stocks["validity"])]
    order = {e: i for i, e in enumerate(positions["enterprise"].unique())}
    stocks = stocks.assign(_e=stocks["enterprise"].map(order)).sort_values(
        ["_e", "deposit_year", "year"], kind="stable")
    wd = stocks[(stocks["year"] > stocks["deposit_year"]) & stocks["release_open"]]
    wd = wd[["enterprise", "deposit_year", "year", "_e"]].merge(
        deficits[["enterprise", "year", "target"]], on=["enterprise", "year"])
    wd = wd.assign(_g=wd["target"].map({"cafc": 0, "nev": 1})).sort_values(
        ["_e", "deposit_year", "year", "_g"], kind="stable")
    wd_rows = wd[["enterprise", "year", "_e"]].drop_duplicates().merge(win, on="year")
    wd_rows = wd_rows.sort_values(["_e", "year"], kind="stable")
    return {
        "deposits": deposits.reset_index(drop=True),
        "pool_stocks": stocks[["enterprise", "deposit_year", "year",
                               "opening_pool_credits"]].reset_index(drop=True),
        "withdrawals": wd[["enterprise", "deposit_year", "year", "target"]]
        .reset_index(drop=True),
        "withdrawal_rows": wd_rows[["enterprise", "year", "withdrawal_share"]]
        .reset_index(drop=True),
    }


def _uses(holdings: pd.DataFrame, deficits: pd.DataFrame) -> pd.DataFrame:
    tgt = pd.DataFrame([(k, g) for k in KINDS for g in TARGETS[k]], columns=["kind", "target"])
    u = holdings[["enterprise", "kind", "vintage", "year"]].reset_index().merge(tgt, on="kind")
    u = u.merge(deficits[["enterprise", "year", "target"]], on=["enterprise", "year", "target"])
    u = u.assign(_g=u["target"].map({"cafc": 0, "nev": 1}))
    u = u.sort_values(["index", "_g"], kind="stable")
    return u[["enterprise", "kind", "vintage", "year", "target"]].reset_index(drop=True)


def _segments(enterprises: list[EnterpriseInput], years: list[int]) -> dict[str, pd.DataFrame]:
    seg = pd.DataFrame(
        [(e.name, j, s.kind, float(s.cost_cny_per_credit), float(s.max_credits_per_year))
         for e in enterprises for j, s in enumerate(e.abatement)],
        columns=["enterprise", "segment", "kind", "cost_cny_per_credit",
                 "max_credits_per_year"])
    ab = seg.merge(pd.DataFrame({"year": years}), how="cross")
    return {"segments": seg, "abatement": ab[["enterprise", "segment", "kind", "year",
                                              "max_credits_per_year"]]}


def build_index_sets(scenario: Scenario, enterprises: list[EnterpriseInput]) -> IndexSets:
    """Every index table of the LP of ``enterprises`` in ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    enterprises : list of EnterpriseInput
        One enterprise (the enterprise model) or all of them (the industry model).

    Returns
    -------
    IndexSets
    """
    years = list(scenario.years)
    t0 = years[0]
    mk = scenario.market
    windows = {t: pool_window(t, mk.supply_demand_ratio[t], scenario.rules.for_year(t))
               for t in years}
    positions = _positions(enterprises, years)
    opening = _opening(enterprises)
    holdings = _holdings(scenario, positions, opening)
    deficits = _deficits(scenario, positions, windows)
    pool = _pool(scenario, positions, opening, deficits, windows)
    surplus_cafc = positions[(positions["kind"] == "cafc") & positions["surplus"]]
    deficit_cafc = deficits[deficits["target"] == "cafc"]
    return IndexSets(
        enterprises=list(enterprises), years=years,
        discount=pd.Series({t: (1.0 + scenario.discount_rate) ** -(t - t0) for t in years}),
        windows=windows, positions=positions, holdings=holdings,
        uses=_uses(holdings, deficits), deficits=deficits, **pool,
        **_segments(enterprises, years),
        transfers_in=deficit_cafc[["enterprise", "year"]].reset_index(drop=True),
        transfers_out=surplus_cafc[["enterprise", "year"]].reset_index(drop=True),
    )


def lookup(frame: pd.DataFrame, columns: list[str], value: str) -> dict[tuple, Any]:
    """``{key tuple: value}`` from a table."""
    return dict(zip(keys(frame, columns), frame[value].tolist(), strict=True))
