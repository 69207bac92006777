"""Index tables of the compliance LP: one flat table per family, across enterprises.

Built once per model with pandas from a :class:`~optimize.scenario.Scenario`; every row of a
table is one variable (or one constraint) of :mod:`optimize.formulation`. Keys:
``enterprise`` (name), ``kind`` (credit kind ``"cafc"``/``"nev"``), ``year`` (compliance
year t), ``vintage`` (year the credit was earned, v), ``target`` (the deficit a credit
clears, g), ``deposit_year`` (pool vintage, d), ``segment`` (abatement segment index, j).

The sets follow docs/formulation.md ("Sets"): a year is a surplus year of a kind when the
position is positive, or zero and the enterprise can abate that kind; otherwise it is a
deficit year (``positions = "exact"``: a position technology or abatement can flip is both,
with a binary deciding which, :func:`exact_positions`). Holdings of a vintage exist while
the vintage may be carried (``carry_years``, and for NEV credits only when the year's surplus
is carry-eligible).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from linkage.ledger.carry import carry_factor, carry_step
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
        ``enterprise, kind, vintage, year, carry_step, opening_credits`` (vintage balances;
        ``carry_step`` is the share kept from year t - 1 to t, ``linkage.ledger.carry``;
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
        ``enterprise, deposit_year, year, opening_pool_credits`` (only vintages some release
        year may draw on).
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
    technology : DataFrame
        ``enterprise, option, name, year, cost_cny_per_unit, max_units,
        cafc_credits_per_unit, nev_credits_per_unit, co2_change_t_co2e_per_unit`` (one
        variable each;
        ``option`` is the option's index in the enterprise's list).
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
    technology: pd.DataFrame = field(default_factory=lambda: _technology([], []))
    flips: pd.DataFrame = field(default_factory=lambda: _frame(list(_FLIP_COLUMNS), []))


def keys(frame: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """The rows of ``frame[columns]`` as a list of plain-Python tuples (Pyomo indices)."""
    if frame.empty:
        return []
    cols = [frame[c].tolist() for c in columns]
    return list(zip(*cols, strict=True))


def _carry_rules(scenario: Scenario, vintages: set[int]) -> dict[tuple[str, int], tuple]:
    """``(kind, vintage) -> (carry_years, rulebook)``: the vintage's rulebook (the first
    year's rulebook for a vintage no rulebook covers)."""
    rules = scenario.rules
    first = rules.for_year(scenario.years[0])
    out = {}
    for v in vintages:
        book = rules.for_year(v) if v in rules else first
        for k in KINDS:
            out[k, v] = (int(book[f"{k}.carry_years"]), book)
    return out


_DTYPES = {"year": np.int64, "vintage": np.int64, "deposit_year": np.int64,
           "segment": np.int64, "option": np.int64, "surplus": bool, "carry_eligible": bool,
           "reserve": bool, "cea": bool, "uncovered": bool, "enterprise": object, "kind": object,
           "target": object}


def _frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """A table from row tuples (typed columns also when empty)."""
    if not rows:
        return pd.DataFrame({c: np.array([], dtype=_DTYPES.get(c, float)) for c in columns})
    return pd.DataFrame(dict(zip(columns, map(list, zip(*rows, strict=True)), strict=True)))


def _positions(enterprises: list[EnterpriseInput], years: list[int]) -> pd.DataFrame:
    """One row per enterprise, kind and year: ``surplus`` (the row has a surplus variable)
    and ``deficit`` (it has a deficit variable); in the fixed-sign LP exactly one is true."""
    rows = []
    for e in enterprises:
        abates = {k: any(s.kind == k for s in e.abatement) for k in KINDS}
        credits = {"cafc": e.cafc_credits, "nev": e.nev_credits}
        for k in KINDS:
            rows += [(e.name, k, t, float(credits[k][t]),
                      credits[k][t] > 0 or (credits[k][t] == 0 and (
                          abates[k] or _raises(e, k, t))),
                      k == "cafc" or bool(e.nev_carry_eligible[t])) for t in years]
    out = _frame(["enterprise", "kind", "year", "position_credits", "surplus",
                  "carry_eligible"], rows)
    return out.assign(deficit=~out["surplus"].astype(bool))


_FLIP_COLUMNS = {"enterprise": object, "kind": object, "year": np.int64,
                 "big_m_surplus_credits": float, "big_m_deficit_credits": float}


def _reach(enterprises: list[EnterpriseInput], positions: pd.DataFrame,
           technology: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per position row: the most technology and abatement can raise it (``up``) and lower
    it (``down``) in its year [credit], every option at its maximum units."""
    at = {k: i for i, k in enumerate(keys(positions, ["enterprise", "kind", "year"]))}
    up, down = np.zeros(len(positions)), np.zeros(len(positions))
    for e in enterprises:
        for seg in e.abatement:
            for t in positions["year"].unique().tolist():
                up[at[e.name, seg.kind, t]] += float(seg.max_credits_per_year)
    for k in KINDS:
        eff = technology[f"{k}_credits_per_unit"].to_numpy(dtype=float)
        cap = technology["max_units"].to_numpy(dtype=float)
        rows = [at[e, k, t] for e, t in keys(technology, ["enterprise", "year"])]
        np.add.at(up, rows, np.clip(eff, 0.0, None) * cap)
        np.add.at(down, rows, np.clip(-eff, 0.0, None) * cap)
    return up, down


def exact_positions(enterprises: list[EnterpriseInput], positions: pd.DataFrame,
                    technology: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mark the positions whose sign can change (``positions = "exact"``).

    A position ``B`` of enterprise e, kind k, year t can end as a surplus when
    ``B + up > 0`` and as a deficit when ``B - down < 0`` (``up`` / ``down``: the most
    technology and abatement can raise / lower it, :func:`_reach`). Where both hold the row
    gets both variables, with the big-M bounds ``credits_earned <= (B + up) (1 - z)`` and
    ``deficit_credits <= (down - B) z``: each is the largest value the variable can take, so
    the bounds cut nothing off and are as tight as a constant bound can be.

    Returns
    -------
    positions : DataFrame
        With ``surplus`` and ``deficit`` both true on the rows that can flip.
    flips : DataFrame
        ``enterprise, kind, year, big_m_surplus_credits, big_m_deficit_credits`` [credit].
    """
    up, down = _reach(enterprises, positions, technology)
    b = positions["position_credits"].to_numpy(dtype=float)
    flip = (b + up > 0) & (b - down < 0)
    out = positions.copy()
    out.loc[flip, "surplus"] = True
    out.loc[flip, "deficit"] = True
    flips = positions.loc[flip, ["enterprise", "kind", "year"]].reset_index(drop=True).assign(
        big_m_surplus_credits=(b + up)[flip], big_m_deficit_credits=(down - b)[flip])
    return out, flips


def _raises(e: EnterpriseInput, kind: str, year: int) -> bool:
    """Whether a technology option of ``e`` can raise its ``kind`` position in ``year``."""
    return any(getattr(o, f"{kind}_credits_per_unit")[year] > 0
               and o.max_units_per_year[year] > 0 for o in e.technology)


def _technology(enterprises: list[EnterpriseInput], years: list[int]) -> pd.DataFrame:
    """One row per enterprise, technology option and year (options without units left out)."""
    rows = [(e.name, i, o.name, t, float(o.cost_cny_per_unit[t]),
             float(o.max_units_per_year[t]), float(o.cafc_credits_per_unit[t]),
             float(o.nev_credits_per_unit[t]), float(o.co2_change_t_co2e_per_unit[t]))
            for e in enterprises for i, o in enumerate(e.technology) for t in years
            if o.max_units_per_year[t] > 0]
    return _frame(["enterprise", "option", "name", "year", "cost_cny_per_unit", "max_units",
                   "cafc_credits_per_unit", "nev_credits_per_unit",
                   "co2_change_t_co2e_per_unit"], rows)


def _opening(enterprises: list[EnterpriseInput]) -> dict[tuple[str, str, int], float]:
    """``(enterprise, instrument, vintage) -> face value`` [credit] (repeated rows summed)."""
    out: dict[tuple[str, str, int], float] = {}
    for e in enterprises:
        op = e.opening
        if not len(op):
            continue
        for inst, v, q in zip(op["instrument"], op["vintage"], op["quantity"], strict=True):
            key = (e.name, str(inst), int(v))
            out[key] = out.get(key, 0.0) + float(q)
    return out


def _holdings(scenario: Scenario, positions: pd.DataFrame,
              opening: dict[tuple[str, str, int], float]) -> pd.DataFrame:
    """Holding pairs (vintage, year) per enterprise and kind: opening vintages while they may
    be carried, each surplus year's credits in that year and, when carry-eligible, after."""
    years, t0 = scenario.years, scenario.years[0]
    own = positions[positions["surplus"]]
    vint = [(e, k, v, face, True) for (e, k, v), face in opening.items() if k in KINDS]
    vint += [(e, k, v, None, ok) for e, k, v, ok in
             zip(own["enterprise"], own["kind"], own["year"], own["carry_eligible"],
                 strict=True)]
    carry = _carry_rules(scenario, {r[2] for r in vint} | set(years))
    rank = {e: i for i, e in enumerate(dict.fromkeys(positions["enterprise"]))}
    vint.sort(key=lambda r: (rank[r[0]], KINDS.index(r[1]), r[3] is None, r[2]))
    rows = []
    for e, k, v, face, ok in vint:
        n, book = carry[k, v]
        last = v + n if ok else v
        for t in years:
            if v <= t <= last:
                rows.append((e, k, v, t, carry_step(book, k, t - v) if t > v else 1.0,
                             face * carry_factor(book, k, t0 - v)
                             if face is not None and t == t0 else np.nan))
    return _frame(["enterprise", "kind", "vintage", "year", "carry_step",
                   "opening_credits"], rows)


def _deficits(scenario: Scenario, positions: pd.DataFrame,
              windows: dict[int, PoolWindow]) -> pd.DataFrame:
    sc, link, mk = scenario, scenario.link, scenario.market
    d = positions[positions["deficit"]]
    release = {t: bool(w.release_open) for t, w in windows.items()}
    cea = set(link.cea_clears) if link is not None and link.allow_cea_for_deficits else set()
    reserve = mk.reserve_price_cny_per_credit is not None
    uncovered = sc.penalty_cny_per_credit is not None
    rows = [(e, t, g, reserve and release[t], g in cea, uncovered)
            for e, g, t in zip(d["enterprise"], d["kind"], d["year"], strict=True)]
    return _frame(["enterprise", "year", "target", "reserve", "cea", "uncovered"], rows)


def _pool_stocks(scenario: Scenario, positions: pd.DataFrame,
                 opening: dict[tuple[str, str, int], float],
                 windows: dict[int, PoolWindow]) -> tuple[list[tuple], list[tuple]]:
    """Deposit rows (NEV surplus years with the deposit window open) and stock rows (each
    opening or deposited vintage while it is valid)."""
    w = windows
    nev = positions[(positions["kind"] == "nev") & positions["surplus"]]
    deposits = [(e, t, w[t].deposit_share) for e, t in
                zip(nev["enterprise"], nev["year"], strict=True) if w[t].deposit_open]
    vint = [(e, d, q) for (e, k, d), q in opening.items() if k == "pool"]
    vint += [(e, t, np.nan) for e, t, _s in deposits]
    rank = {e: i for i, e in enumerate(dict.fromkeys(positions["enterprise"]))}
    vint.sort(key=lambda r: (rank[r[0]], r[1]))
    stocks = [(e, d, t, q) for e, d, q in vint for t in scenario.years
              if 0 <= t - d <= w[t].validity_years]
    return deposits, stocks


def _pool(scenario: Scenario, positions: pd.DataFrame,
          opening: dict[tuple[str, str, int], float], deficits: pd.DataFrame,
          windows: dict[int, PoolWindow]) -> dict[str, pd.DataFrame]:
    """Deposits, pool stocks, withdrawals (release years, deficits of each kind) and the
    withdrawal-share rows."""
    w = windows
    deposits, stocks = _pool_stocks(scenario, positions, opening, windows)
    short = set(zip(deficits["enterprise"], deficits["year"], deficits["target"], strict=True))
    wd = [(e, d, t, g) for e, d, t, _q in stocks for g in TARGETS["nev"]
          if t > d and w[t].release_open and (e, t, g) in short]
    # a vintage no release year can draw on needs no stock rows: its deposit just leaves
    # the enterprise (it never enters a withdrawal or a withdrawal-share row either)
    drawn = {(e, d) for e, d, _t, _g in wd}
    stocks = [r for r in stocks if (r[0], r[1]) in drawn]
    rank = {e: i for i, e in enumerate(dict.fromkeys(positions["enterprise"]))}
    wd_rows = sorted({(e, t) for e, _d, t, _g in wd}, key=lambda r: (rank[r[0]], r[1]))
    return {
        "deposits": _frame(["enterprise", "year", "deposit_share"], deposits),
        "pool_stocks": _frame(["enterprise", "deposit_year", "year", "opening_pool_credits"],
                              stocks),
        "withdrawals": _frame(["enterprise", "deposit_year", "year", "target"], wd),
        "withdrawal_rows": _frame(["enterprise", "year", "withdrawal_share"],
                                  [(e, t, w[t].withdrawal_share) for e, t in wd_rows]),
    }


def _uses(holdings: pd.DataFrame, deficits: pd.DataFrame) -> pd.DataFrame:
    short = set(zip(deficits["enterprise"], deficits["year"], deficits["target"], strict=True))
    rows = [(e, k, v, t, g) for e, k, v, t in
            zip(holdings["enterprise"], holdings["kind"], holdings["vintage"],
                holdings["year"], strict=True)
            for g in TARGETS[k] if (e, t, g) in short]
    return _frame(["enterprise", "kind", "vintage", "year", "target"], rows)


def _segments(enterprises: list[EnterpriseInput], years: list[int]) -> dict[str, pd.DataFrame]:
    seg = [(e.name, j, s.kind, float(s.cost_cny_per_credit), float(s.max_credits_per_year))
           for e in enterprises for j, s in enumerate(e.abatement)]
    return {"segments": _frame(["enterprise", "segment", "kind", "cost_cny_per_credit",
                                "max_credits_per_year"], seg),
            "abatement": _frame(["enterprise", "segment", "kind", "year",
                                 "max_credits_per_year"],
                                [(e, j, k, t, size) for e, j, k, _c, size in seg
                                 for t in years])}


def build_index_sets(scenario: Scenario, enterprises: list[EnterpriseInput], *,
                     positions_mode: str = "fixed_sign") -> IndexSets:
    """Every index table of the LP of ``enterprises`` in ``scenario``.

    Parameters
    ----------
    scenario : Scenario
    enterprises : list of EnterpriseInput
        One enterprise (the enterprise model) or all of them (the industry model).
    positions_mode : {"fixed_sign", "exact"}
        ``"exact"``: positions technology or abatement can flip get both variables
        (:func:`exact_positions`).

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
    technology = _technology(enterprises, years)
    flips = _frame(list(_FLIP_COLUMNS), [])
    if positions_mode == "exact":
        positions, flips = exact_positions(enterprises, positions, technology)
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
        technology=technology, flips=flips,
    )


def lookup(frame: pd.DataFrame, columns: list[str], value: str) -> dict[tuple, Any]:
    """``{key tuple: value}`` from a table."""
    return dict(zip(keys(frame, columns), frame[value].tolist(), strict=True))
