"""The plan verifier: seeded illegal plans.

Each case takes a legal plan (simulated, so the verifier has to accept it as is) and makes one
illegal change; ``verify_plan`` must name the broken rule with the enterprise, year, vintage and
(where meaningful) the amount, all worked out by hand in the case's comment. These cases may
break more than one rule; ``tests/test_verifier_rules.py`` holds one case per registered rule
that breaks that rule alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import pandas as pd
import pytest

from linkage.ledger import Strategy, simulate, verify_plan
from linkage.pool import ReserveVariant

NEUTRAL = 1.8  # neither a deposit (> 2.0) nor a release (< 1.5) year


def statements(rows: list[tuple]) -> pd.DataFrame:
    """Rows (enterprise, year, cafc, nev[, group])."""
    return pd.DataFrame([
        {"enterprise": r[0], "year": r[1], "cafc_credits": float(r[2]),
         "nev_credits": float(r[3]), "group": r[4] if len(r) > 4 else r[0],
         "nev_carry_eligible": True}
        for r in rows
    ])


@dataclass(frozen=True)
class Base:
    statements: pd.DataFrame
    years: tuple[int, ...]
    ratios: dict[int, float]
    transactions: pd.DataFrame
    reserve: ReserveVariant | None = None

    def verify(self, plan: pd.DataFrame):
        return verify_plan(plan, self.statements, years=self.years,
                           supply_demand_ratio=self.ratios, reserve=self.reserve)


def _simulate(rows, years, ratios, strategy=None, reserve=None, prices=1000.0) -> Base:
    st = statements(rows)
    res = simulate(st, years, prices=prices, strategy=strategy, supply_demand_ratio=ratios,
                   reserve=reserve)
    return Base(st, tuple(years), ratios, res.transactions, reserve)


@cache
def base(name: str) -> Base:
    if name == "carry":
        # A: CAFC +1000 in 2021 (900, 810, 729, expired after 2024); deficit 500 in 2025, bought
        years = range(2021, 2026)
        rows = [("A", 2021, 1000, 0)] + [("A", y, 0, 0) for y in (2022, 2023, 2024)] + [
            ("A", 2025, -500, 0)]
        return _simulate(rows, years, dict.fromkeys(years, NEUTRAL))
    if name == "carry_uncovered":
        years = range(2021, 2026)
        rows = [("A", 2021, 1000, 0)] + [("A", y, 0, 0) for y in (2022, 2023, 2024)] + [
            ("A", 2025, -500, 0)]
        return _simulate(rows, years, dict.fromkeys(years, NEUTRAL), Strategy(buy=False))
    if name == "pool":
        # P deposits 1000 in 2024 (ratio 3), buys 300 in 2025 (1.8), withdraws 200 in 2026
        # (1.2) and 300 in 2029 (1.2), 500 expire at the end of 2029, buys 100 in 2030
        years = range(2024, 2031)
        nev = {2024: 1000, 2025: -300, 2026: -200, 2027: 0, 2028: 0, 2029: -300, 2030: -100}
        ratios = {2024: 3.0, 2025: 1.8, 2026: 1.2, 2027: 1.8, 2028: 1.8, 2029: 1.2, 2030: 1.2}
        return _simulate([("P", y, 0, nev[y]) for y in years], years, ratios, prices=2000.0)
    if name == "deposits":
        # Q: NEV +400 in 2024 (ratio 1.8: kept, 200 carried), +100 in 2025 (ratio 3: deposited)
        return _simulate([("Q", 2024, 0, 400), ("Q", 2025, 0, 100)], [2024, 2025],
                         {2024: 1.8, 2025: 3.0})
    if name == "affiliates":
        # D, R in group G; X alone. 2024: D +1000 -> 600 to R; X buys 200. 2025: R buys 300
        rows = [("D", 2024, 1000, 0, "G"), ("D", 2025, 0, 0, "G"),
                ("R", 2024, -600, 0, "G"), ("R", 2025, -300, 0, "G"),
                ("X", 2024, -200, 0), ("X", 2025, 0, 0)]
        return _simulate(rows, [2024, 2025], {2024: NEUTRAL, 2025: NEUTRAL})
    if name == "mix":
        # E: NEV +500 clears its CAFC -300; F: CAFC +500, NEV -300 bought
        return _simulate([("E", 2024, -300, 500), ("F", 2024, 500, -300)], [2024],
                         {2024: NEUTRAL})
    if name == "reserve_off":
        # U: NEV -300 in release year 2026, bought on the market
        return _simulate([("U", 2026, 0, -300), ("V", 2026, 0, -50)], [2026], {2026: 1.2},
                         prices=2000.0)
    if name == "reserve_on":
        # cap 100 at 800: U buys 100 from the reserve and 200 on the market, V 50 on the market
        return _simulate([("U", 2026, 0, -300), ("V", 2026, 0, -50)], [2026], {2026: 1.2},
                         reserve=ReserveVariant(800.0, 100.0), prices=2000.0)
    raise KeyError(name)


BASES = ("carry", "carry_uncovered", "pool", "deposits", "affiliates", "mix", "reserve_off",
         "reserve_on")


@pytest.mark.parametrize("name", BASES)
def test_legal_base_plans_pass(name):
    b = base(name)
    assert b.verify(b.transactions) == []


def test_bases_are_what_the_cases_assume():
    """Guard: the rows the illegal changes edit exist with the hand-computed quantities."""
    def q(name, **eq):
        return float(_match(base(name).transactions, **eq)["quantity"].sum())
    assert q("carry", enterprise="A", year=2025, action="buy") == pytest.approx(500.0)
    assert q("carry_uncovered", enterprise="A", year=2025, action="uncovered") == \
        pytest.approx(500.0)
    assert q("pool", year=2024, action="deposit", instrument="nev") == pytest.approx(1000.0)
    assert q("pool", year=2026, action="withdraw", instrument="pool") == pytest.approx(200.0)
    assert q("pool", year=2025, action="buy") == pytest.approx(300.0)
    assert q("pool", year=2030, action="buy") == pytest.approx(100.0)
    assert q("deposits", year=2025, action="deposit", instrument="nev") == pytest.approx(100.0)
    assert q("affiliates", enterprise="D", year=2024, action="transfer_out") == \
        pytest.approx(600.0)
    assert q("affiliates", enterprise="X", year=2024, action="buy") == pytest.approx(200.0)
    assert q("affiliates", enterprise="R", year=2025, action="buy") == pytest.approx(300.0)
    assert q("mix", enterprise="F", action="buy") == pytest.approx(300.0)
    assert q("reserve_off", enterprise="U", action="buy") == pytest.approx(300.0)
    assert q("reserve_on", enterprise="U", action="buy_reserve") == pytest.approx(100.0)
    assert q("reserve_on", enterprise="V", action="buy") == pytest.approx(50.0)


# --------------------------------------------------------------------------- plan editing


def _match(tx: pd.DataFrame, **eq) -> pd.DataFrame:
    m = pd.Series(True, index=tx.index)
    for col, val in eq.items():
        m &= tx[col].isin(val) if isinstance(val, list) else tx[col] == val
    return tx[m]


def drop(tx: pd.DataFrame, **eq) -> pd.DataFrame:
    hit = _match(tx, **eq)
    assert len(hit), f"no row matches {eq}"
    return tx.drop(index=hit.index)


def set_qty(tx: pd.DataFrame, q: float, **eq) -> pd.DataFrame:
    hit = _match(tx, **eq)
    assert len(hit), f"no row matches {eq}"
    tx = tx.copy()
    tx.loc[hit.index, "quantity"] = q
    return tx


def row(e, y, inst, v, action, q, counterparty=None) -> dict:
    return {"enterprise": e, "year": y, "instrument": inst, "vintage": v, "action": action,
            "quantity": float(q), "counterparty": counterparty, "cash_flow_cny": 0.0,
            "unit": "credit"}


def offset(e, y, inst, v, kind, q) -> list[dict]:
    """Both sides of an offset: the bucket used and the deficit cleared."""
    return [row(e, y, inst, v, f"offset_{kind}", q), row(e, y, f"{kind}_deficit", y,
                                                          f"offset_{kind}", q)]


def add(tx: pd.DataFrame, *rows) -> pd.DataFrame:
    flat = []
    for r in rows:
        flat.extend(r if isinstance(r, list) else [r])
    return pd.concat([tx, pd.DataFrame(flat)], ignore_index=True)


def drop_bought(tx, e, y):
    """Remove a market purchase and its offsets (both sides) of enterprise e in year y."""
    tx = drop(tx, enterprise=e, year=y, action="buy")
    tx = drop(tx, enterprise=e, year=y, instrument="nev_market")
    for kind in ("cafc", "nev"):
        m = _match(tx, enterprise=e, year=y, instrument=f"{kind}_deficit",
                   action=f"offset_{kind}")
        tx = tx.drop(index=m.index)
    return tx


# --------------------------------------------------------------------------- illegal plans


@dataclass(frozen=True)
class Case:
    base: str
    change: Callable[[pd.DataFrame], pd.DataFrame]
    rule: str
    enterprise: str
    year: int
    vintage: int | None
    amount: float | None


CASES = {
    # F clears its NEV deficit of 300 with its CAFC 2024 surplus instead of buying
    "cafc_for_nev_deficit": Case(
        "mix", lambda t: add(drop_bought(t, "F", 2024), offset("F", 2024, "cafc", 2024, "nev",
                                                               300)),
        "cafc_for_nev_deficit", "F", 2024, 2024, 300.0),
    # A clears its 2025 deficit of 500 with vintage 2021, expired at the end of 2024
    "expired_vintage": Case(
        "carry", lambda t: add(drop_bought(t, "A", 2025), offset("A", 2025, "cafc", 2021,
                                                                 "cafc", 500)),
        "expired_or_unheld_vintage", "A", 2025, 2021, 500.0),
    # Q deposits its 400 in 2024 whose ratio 1.8 is not above 2.0
    "deposit_in_closed_year": Case(
        "deposits", lambda t: add(t, row("Q", 2024, "nev", 2024, "deposit", 400),
                                  row("Q", 2024, "pool", 2024, "deposit", 400)),
        "deposit_in_closed_year", "Q", 2024, 2024, 400.0),
    # Q deposits its carried 2024 vintage (400 * 0.5 = 200) in 2025
    "deposit_of_old_vintage": Case(
        "deposits", lambda t: add(t, row("Q", 2025, "nev", 2024, "deposit", 200),
                                  row("Q", 2025, "pool", 2024, "deposit", 200)),
        "deposit_of_old_vintage", "Q", 2025, 2024, 200.0),
    # P deposits 1200 of the 1000 earned in 2024 (share 100 %): 200 too many
    "deposit_above_share": Case(
        "pool", lambda t: set_qty(t, 1200.0, enterprise="P", year=2024, action="deposit"),
        "deposit_above_share", "P", 2024, 2024, 200.0),
    # P withdraws 1200 in 2026 of the 1000 stored: 200 too many
    "withdrawal_above_stored": Case(
        "pool", lambda t: set_qty(t, 1200.0, enterprise="P", year=2026, action="withdraw"),
        "withdrawal_above_stored", "P", 2026, 2024, 200.0),
    # same change, seen by the share rule: 1200 - 1.0 * 1000 stored at the start of 2026
    "withdrawal_above_share": Case(
        "pool", lambda t: set_qty(t, 1200.0, enterprise="P", year=2026, action="withdraw"),
        "withdrawal_above_share", "P", 2026, None, 200.0),
    # P withdraws 300 in 2025 (ratio 1.8 is not below 1.5) instead of buying
    "withdrawal_in_closed_year": Case(
        "pool", lambda t: add(drop_bought(t, "P", 2025),
                              row("P", 2025, "pool", 2024, "withdraw", 300),
                              row("P", 2025, "pool_release", 2024, "withdraw", 300),
                              offset("P", 2025, "pool_release", 2024, "nev", 300)),
        "withdrawal_in_closed_year", "P", 2025, 2024, 300.0),
    # P withdraws 100 of the 2024 deposit in 2030: 2030 - 2024 = 6 > 5 years
    "expired_pool_vintage": Case(
        "pool", lambda t: add(drop_bought(t, "P", 2030),
                              row("P", 2030, "pool", 2024, "withdraw", 100),
                              row("P", 2030, "pool_release", 2024, "withdraw", 100),
                              offset("P", 2030, "pool_release", 2024, "nev", 100)),
        "expired_pool_vintage", "P", 2030, 2024, 100.0),
    # R passes 50 of the 600 it received on to D
    "re_transfer": Case(
        "affiliates", lambda t: add(
            t, row("R", 2024, "affiliate_cafc", 2024, "transfer_out", 50, "D"),
            row("D", 2024, "affiliate_cafc", 2024, "transfer_in", 50, "R")),
        "re_transfer", "R", 2024, 2024, 50.0),
    # D transfers 200 to X (another group) instead of X buying
    "transfer_to_non_affiliate": Case(
        "affiliates", lambda t: add(
            drop_bought(t, "X", 2024),
            row("D", 2024, "cafc", 2024, "transfer_out", 200, "X"),
            row("X", 2024, "affiliate_cafc", 2024, "transfer_in", 200, "D"),
            offset("X", 2024, "affiliate_cafc", 2024, "cafc", 200)),
        "transfer_to_non_affiliate", "D", 2024, 2024, 200.0),
    # D transfers 300 of its carried 2024 vintage (400 * 0.9 = 360 held) to R in 2025
    "transfer_of_carried_cafc": Case(
        "affiliates", lambda t: add(
            drop_bought(t, "R", 2025),
            row("D", 2025, "cafc", 2024, "transfer_out", 300, "R"),
            row("R", 2025, "affiliate_cafc", 2025, "transfer_in", 300, "D"),
            offset("R", 2025, "affiliate_cafc", 2025, "cafc", 300)),
        "transfer_of_carried_cafc", "D", 2025, 2024, 300.0),
    # R receives 600 from D that D never sends
    "unmatched_transfer": Case(
        "affiliates", lambda t: drop(t, enterprise="D", action="transfer_out"),
        "unmatched_transfer", "D", 2024, 2024, 600.0),
    # D sells 100 CAFC credits
    "cafc_sale": Case(
        "affiliates", lambda t: add(t, row("D", 2024, "cafc", 2024, "sell", 100)),
        "cafc_sale", "D", 2024, 2024, 100.0),
    # A buys 600 in 2025 and uses 500: 100 bought credits left over
    "bought_credits_not_used": Case(
        "carry", lambda t: set_qty(t, 600.0, enterprise="A", year=2025, action="buy"),
        "bought_credits_not_used", "A", 2025, 2025, 100.0),
    # A buys and offsets 600 against a 500 deficit
    "offset_exceeds_deficit": Case(
        "carry", lambda t: set_qty(t, 600.0, enterprise="A", year=2025,
                                   action=["buy", "offset_cafc"]),
        "offset_exceeds_deficit", "A", 2025, 2025, 100.0),
    # the uncovered 500 of 2025 is not declared
    "undeclared_uncovered_deficit": Case(
        "carry_uncovered", lambda t: drop(t, action="uncovered"),
        "undeclared_uncovered_deficit", "A", 2025, 2025, 500.0),
    # U buys 100 of its 300 from the reserve, which is off
    "reserve_used_when_off": Case(
        "reserve_off", lambda t: add(
            set_qty(set_qty(t, 200.0, enterprise="U", action="buy"), 200.0, enterprise="U",
                    instrument="nev_market", action="offset_nev"),
            row("U", 2026, "reserve", 2026, "buy_reserve", 100),
            row("U", 2026, "reserve", 2026, "offset_nev", 100)),
        "reserve_closed", "U", 2026, 2026, 100.0),
    # V also takes 50 from the reserve: 100 + 50 = 150 > cap 100
    "reserve_above_cap": Case(
        "reserve_on", lambda t: add(
            drop_bought(t, "V", 2026),
            row("V", 2026, "reserve", 2026, "buy_reserve", 50),
            offset("V", 2026, "reserve", 2026, "nev", 50)),
        "reserve_above_cap", "<all>", 2026, None, 50.0),
    # a purchase with a negative quantity
    "negative_quantity": Case(
        "carry", lambda t: set_qty(t, -500.0, enterprise="A", year=2025, action="buy"),
        "negative_quantity", "A", 2025, 2025, -500.0),
    # an action the schema does not know
    "unknown_action": Case(
        "carry", lambda t: add(t, row("A", 2025, "nev_market", 2025, "borrow", 100)),
        "unknown_action", "A", 2025, 2025, 100.0),
    # credits bought in 2024 used against the 2025 deficit
    "bought_used_next_year": Case(
        "carry", lambda t: add(drop_bought(t, "A", 2025),
                               row("A", 2024, "nev_market", 2024, "buy", 500),
                               offset("A", 2025, "nev_market", 2024, "cafc", 500)),
        "same_year_credit_outside_year", "A", 2025, 2024, 500.0),
    # offsetting straight from the pool, without a withdrawal
    "offset_from_pool": Case(
        "pool", lambda t: add(drop(drop(t, year=2026, action="withdraw"), year=2026,
                                   instrument="pool_release"),
                              offset("P", 2026, "pool", 2024, "nev", 200)),
        "bad_offset_instrument", "P", 2026, 2024, 200.0),
    # the plan earns 1100 where the statements give 1000
    "earn_mismatch": Case(
        "carry", lambda t: set_qty(t, 1100.0, enterprise="A", year=2021, action="earn"),
        "earn_mismatch", "A", 2021, 2021, 100.0),
    # the deficit side of the 2025 offset says 400, the source side 500
    "mirror_mismatch": Case(
        "carry", lambda t: set_qty(t, 400.0, enterprise="A", year=2025,
                                   instrument="cafc_deficit", action="offset_cafc"),
        "mirror_mismatch", "A", 2025, None, -100.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_illegal_plan_is_refused(name):
    case = CASES[name]
    b = base(case.base)
    plan = case.change(b.transactions.copy())
    violations = b.verify(plan)
    hits = [v for v in violations if v.rule == case.rule and v.enterprise == case.enterprise
            and v.year == case.year and v.vintage == case.vintage]
    assert hits, (f"expected {case.rule} for {case.enterprise} {case.year} vintage "
                  f"{case.vintage}; got {[str(v) for v in violations]}")
    if case.amount is not None:
        assert hits[0].amount_credits == pytest.approx(case.amount)
    assert hits[0].detail


def test_at_least_fourteen_cases():
    assert len(CASES) >= 14
