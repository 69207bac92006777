"""Hand-computed cases of the multi-year compliance ledger (rules reference, section 5).

Every expected number is worked out by hand below, with the arithmetic in a comment; none is
copied from the library's output. Rules used (shipped rulebooks): CAFC carry factor 0.9 a
year for at most 3 years, NEV carry factor 0.5 a year for at most 3 years (eligible vintages
only), pool from 2024: deposits when the supply/demand ratio is > 2.0, withdrawals when it is
< 1.5, deposits valid 5 years, deposit and withdrawal shares 100 %.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from linkage.errors import InputError
from linkage.ledger import Strategy, prepare_statements, simulate, verify_plan
from linkage.ledger.schema import TRANSACTION_COLUMNS
from linkage.market import resolve_ratios, supply_demand_ratio
from linkage.pool import ReserveVariant
from linkage.rules import load_rules

# --------------------------------------------------------------------------- helpers


def statements(rows: list[tuple]) -> pd.DataFrame:
    """Rows (enterprise, year, cafc, nev[, nev_carry_eligible[, group]])."""
    out = []
    for r in rows:
        e, y, c, n = r[:4]
        out.append({
            "enterprise": e, "year": y, "cafc_credits": float(c), "nev_credits": float(n),
            "nev_carry_eligible": r[4] if len(r) > 4 else True,
            "group": r[5] if len(r) > 5 else e,
        })
    return pd.DataFrame(out)


def select(tx: pd.DataFrame, **eq) -> pd.DataFrame:
    m = pd.Series(True, index=tx.index)
    for col, val in eq.items():
        m &= tx[col] == val
    return tx[m]


def total(tx: pd.DataFrame, **eq) -> float:
    return float(select(tx, **eq)["quantity"].sum())


def held(res, enterprise: str, year: int, instrument: str, vintage: int) -> float:
    """Year-end holding from ``LedgerResult.balances`` (0 when absent)."""
    return total(res.balances, enterprise=enterprise, year=year, instrument=instrument,
                 vintage=vintage)


def plan_row(e, y, inst, v, action, q, counterparty=None) -> dict:
    return {"enterprise": e, "year": y, "instrument": inst, "vintage": v, "action": action,
            "quantity": float(q), "counterparty": counterparty}


def plan(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def rules_of(v) -> set[tuple]:
    return {(x.rule, x.enterprise, x.year, x.vintage) for x in v}


def find(violations, rule: str):
    hits = [x for x in violations if x.rule == rule]
    assert hits, f"no {rule!r} violation among {[str(x) for x in violations]}"
    return hits[0]


NEUTRAL = 1.8  # neither > 2.0 (deposit) nor < 1.5 (release)


# --------------------------------------------------------------------------- CAFC carry-forward


@pytest.fixture(scope="module")
def cafc_carry():
    # A: 1,000 CAFC surplus in 2021, nothing until a 500 deficit in 2025
    # B: 1,000 CAFC surplus in 2021, a 1,000 deficit in 2024 (uses everything available)
    # C: 1,000 CAFC surplus in 2021, a 100 deficit every year 2022-2025
    rows = [("A", 2021, 1000, 0), ("A", 2022, 0, 0), ("A", 2023, 0, 0), ("A", 2024, 0, 0),
            ("A", 2025, -500, 0),
            ("B", 2021, 1000, 0), ("B", 2024, -1000, 0),
            ("C", 2021, 1000, 0)] + [("C", y, -100, 0) for y in range(2022, 2026)]
    st = statements(rows)
    years = range(2021, 2026)
    ratios = dict.fromkeys(years, NEUTRAL)
    res = simulate(st, years, prices=1000.0, supply_demand_ratio=ratios)
    return st, years, ratios, res


def test_cafc_surplus_balances_by_year(cafc_carry):
    _, _, _, res = cafc_carry
    # 1000 -> *0.9 = 900 -> *0.9 = 810 -> *0.9 = 729 -> expired after 3 years carried
    assert held(res, "A", 2021, "cafc", 2021) == pytest.approx(1000.0)
    assert held(res, "A", 2022, "cafc", 2021) == pytest.approx(900.0)
    assert held(res, "A", 2023, "cafc", 2021) == pytest.approx(810.0)
    assert held(res, "A", 2024, "cafc", 2021) == pytest.approx(729.0)
    assert held(res, "A", 2025, "cafc", 2021) == 0.0


def test_cafc_surplus_discount_and_expire_rows(cafc_carry):
    _, _, _, res = cafc_carry
    tx = select(res.transactions, enterprise="A", instrument="cafc", vintage=2021)
    disc = select(tx, action="discount")
    # 1000*0.1 = 100 (end 2021); 900*0.1 = 90 (end 2022); 810*0.1 = 81 (end 2023)
    assert dict(zip(disc["year"], disc["quantity"], strict=True)) == pytest.approx(
        {2021: 100.0, 2022: 90.0, 2023: 81.0})
    exp = select(tx, action="expire")
    assert list(exp["year"]) == [2024]  # 2021 + 3 years carried = 2024 is the last year
    assert float(exp["quantity"].iloc[0]) == pytest.approx(729.0)
    assert list(disc["balance_after_credits"]) == pytest.approx([900.0, 810.0, 729.0])
    assert float(exp["balance_after_credits"].iloc[0]) == 0.0


def test_expired_cafc_cannot_clear_2025_deficit(cafc_carry):
    st, years, ratios, res = cafc_carry
    tx = res.transactions
    a25 = select(tx, enterprise="A", year=2025)
    assert total(a25, instrument="cafc") == 0.0  # nothing from vintage 2021
    # the simulator buys instead: 500 NEV credits at 1,000 CNY = -500,000 CNY
    buy = select(a25, action="buy")
    assert list(buy["instrument"]) == ["nev_market"]
    assert float(buy["quantity"].iloc[0]) == pytest.approx(500.0)
    assert float(buy["cash_flow_cny"].iloc[0]) == pytest.approx(-500_000.0)
    assert total(a25, action="offset_cafc", instrument="nev_market") == pytest.approx(500.0)
    assert verify_plan(tx, st, years=years, supply_demand_ratio=ratios) == []

    # a hand-made plan clearing the 2025 deficit with vintage 2021 is refused
    bad = plan(plan_row("A", 2025, "cafc", 2021, "offset_cafc", 500))
    v = verify_plan(bad, st[st["enterprise"] == "A"], years=years, supply_demand_ratio=ratios)
    hit = find(v, "expired_or_unheld_vintage")
    assert (hit.enterprise, hit.year, hit.vintage) == ("A", 2025, 2021)
    assert hit.amount_credits == pytest.approx(500.0)


def test_cafc_carried_credits_used_when_available(cafc_carry):
    st, years, ratios, res = cafc_carry
    tx = res.transactions
    # B 2024: holds 729 of vintage 2021 (1000*0.9^3), deficit 1000 -> 729 used, 271 bought
    b24 = select(tx, enterprise="B", year=2024)
    assert total(b24, action="offset_cafc", instrument="cafc", vintage=2021) == \
        pytest.approx(729.0)
    assert total(b24, action="buy") == pytest.approx(271.0)  # 1000 - 729
    assert total(b24, action="buy", instrument="nev_market") == pytest.approx(271.0)
    # C: 1000 -> 900 (end 2021); 2022 uses 100 -> 800, *0.9 = 720; 2023 uses 100 -> 620,
    # *0.9 = 558; 2024 uses 100 -> 458, expires at the end of 2024; 2025 buys 100
    c = select(tx, enterprise="C", instrument="cafc", vintage=2021)
    for y in (2022, 2023, 2024):
        assert total(c, year=y, action="offset_cafc") == pytest.approx(100.0)
    assert total(c, year=2022, action="discount") == pytest.approx(80.0)   # 800 * 0.1
    assert total(c, year=2023, action="discount") == pytest.approx(62.0)   # 620 * 0.1
    assert total(c, year=2024, action="expire") == pytest.approx(458.0)    # 558 - 100
    assert held(res, "C", 2023, "cafc", 2021) == pytest.approx(620.0)
    assert total(tx, enterprise="C", year=2025, action="buy") == pytest.approx(100.0)
    assert verify_plan(tx, st, years=years, supply_demand_ratio=ratios) == []


# --------------------------------------------------------------------------- NEV carry-forward


@pytest.fixture(scope="module")
def nev_carry():
    # N1: 1,000 NEV surplus in 2021, eligible; N2: same, not eligible, and a 200 NEV deficit in
    # 2022; N3: 2021 not eligible, 2022 surplus of 400 eligible
    rows = [("N1", 2021, 0, 1000, True)] + [("N1", y, 0, 0, True) for y in range(2022, 2026)]
    rows += [("N2", 2021, 0, 1000, False), ("N2", 2022, 0, -200, True)]
    rows += [("N3", 2021, 0, 1000, False), ("N3", 2022, 0, 400, True)]
    st = statements(rows)
    years = range(2021, 2026)
    ratios = dict.fromkeys(years, NEUTRAL)
    res = simulate(st, years, prices=1000.0, supply_demand_ratio=ratios)
    return st, years, ratios, res


def test_nev_eligible_vintage_is_carried_at_half(nev_carry):
    _, _, _, res = nev_carry
    # 1000 -> *0.5 = 500 -> *0.5 = 250 -> *0.5 = 125 -> expired
    for y, q in ((2021, 1000.0), (2022, 500.0), (2023, 250.0), (2024, 125.0)):
        assert held(res, "N1", y, "nev", 2021) == pytest.approx(q)
    assert held(res, "N1", 2025, "nev", 2021) == 0.0
    tx = select(res.transactions, enterprise="N1", instrument="nev", vintage=2021)
    disc = select(tx, action="discount")
    # 1000*0.5 = 500; 500*0.5 = 250; 250*0.5 = 125
    assert dict(zip(disc["year"], disc["quantity"], strict=True)) == pytest.approx(
        {2021: 500.0, 2022: 250.0, 2023: 125.0})
    exp = select(tx, action="expire")
    assert list(exp["year"]) == [2024]
    assert float(exp["quantity"].iloc[0]) == pytest.approx(125.0)


def test_nev_ineligible_vintage_expires_at_year_end(nev_carry):
    st, years, ratios, res = nev_carry
    tx = res.transactions
    n2 = select(tx, enterprise="N2", instrument="nev", vintage=2021)
    assert select(n2, action="discount").empty
    exp = select(n2, action="expire")
    assert list(exp["year"]) == [2021]
    assert float(exp["quantity"].iloc[0]) == pytest.approx(1000.0)
    assert held(res, "N2", 2021, "nev", 2021) == pytest.approx(1000.0)
    assert held(res, "N2", 2022, "nev", 2021) == 0.0
    # the 2022 deficit of 200 is bought, not cleared with the lapsed vintage
    assert total(tx, enterprise="N2", year=2022, action="buy") == pytest.approx(200.0)
    assert total(tx, enterprise="N2", year=2022, action="offset_nev", instrument="nev") == 0.0
    # eligibility is per vintage: N3's 2021 lapses, its 2022 vintage is carried (400*0.5=200)
    assert total(tx, enterprise="N3", year=2021, instrument="nev", action="expire") == \
        pytest.approx(1000.0)
    assert held(res, "N3", 2023, "nev", 2022) == pytest.approx(200.0)
    assert held(res, "N3", 2023, "nev", 2021) == 0.0
    assert verify_plan(tx, st, years=years, supply_demand_ratio=ratios) == []

    bad = plan(plan_row("N2", 2022, "nev", 2021, "offset_nev", 200))
    hit = find(verify_plan(bad, st, years=years, supply_demand_ratio=ratios),
               "expired_or_unheld_vintage")
    assert (hit.enterprise, hit.year, hit.vintage) == ("N2", 2022, 2021)
    assert hit.amount_credits == pytest.approx(200.0)


# --------------------------------------------------------------------------- the credit pool

POOL_YEARS = range(2024, 2031)
POOL_RATIOS = {2024: 3.0, 2025: 1.8, 2026: 1.2, 2027: 1.8, 2028: 1.8, 2029: 1.2, 2030: 1.2}
POOL_NEV = {2024: 1000, 2025: -300, 2026: -200, 2027: 0, 2028: 0, 2029: -300, 2030: -100}


@pytest.fixture(scope="module")
def pool_case():
    st = statements([("P", y, 0, POOL_NEV[y]) for y in POOL_YEARS])
    res = simulate(st, POOL_YEARS, prices=2000.0, supply_demand_ratio=POOL_RATIOS)
    return st, res


def test_pool_deposit_in_ratio_3_year(pool_case):
    _, res = pool_case
    tx = res.transactions
    dep = select(tx, enterprise="P", year=2024, action="deposit")
    # both sides: 1000 out of nev 2024, 1000 into pool 2024 (deposit share 100 %)
    assert total(dep, instrument="nev", vintage=2024) == pytest.approx(1000.0)
    assert total(dep, instrument="pool", vintage=2024) == pytest.approx(1000.0)
    assert held(res, "P", 2024, "pool", 2024) == pytest.approx(1000.0)
    assert held(res, "P", 2024, "nev", 2024) == 0.0
    # deposits keep full value: no discount on pool rows
    assert select(tx, instrument="pool", action="discount").empty


def test_pool_closed_at_ratio_1_8(pool_case):
    _, res = pool_case
    y25 = select(res.transactions, enterprise="P", year=2025)
    assert select(y25, action="withdraw").empty
    assert total(y25, action="buy") == pytest.approx(300.0)
    assert total(y25, action="buy", instrument="nev_market") == pytest.approx(300.0)
    assert held(res, "P", 2025, "pool", 2024) == pytest.approx(1000.0)


def test_pool_release_at_ratio_1_2(pool_case):
    _, res = pool_case
    tx = res.transactions
    y26 = select(tx, enterprise="P", year=2026)
    assert total(y26, action="withdraw", instrument="pool", vintage=2024) == \
        pytest.approx(200.0)
    assert total(y26, action="offset_nev", instrument="pool_release", vintage=2024) == \
        pytest.approx(200.0)
    assert select(y26, action="buy").empty
    # 1000 - 200 = 800 stay in the pool, at full value, through 2028
    for y in (2026, 2027, 2028):
        assert held(res, "P", y, "pool", 2024) == pytest.approx(800.0)


def test_pool_validity_five_years(pool_case):
    st, res = pool_case
    tx = res.transactions
    # 2029 - 2024 = 5 years: still withdrawable; 800 - 300 = 500 left
    assert total(tx, enterprise="P", year=2029, action="withdraw", instrument="pool",
                 vintage=2024) == pytest.approx(300.0)
    assert held(res, "P", 2029, "pool", 2024) == pytest.approx(500.0)
    exp = select(tx, enterprise="P", instrument="pool", action="expire")
    assert list(exp["year"]) == [2029]
    assert float(exp["quantity"].iloc[0]) == pytest.approx(500.0)
    # 2030: gone; the 100 deficit is bought
    y30 = select(tx, enterprise="P", year=2030)
    assert select(y30, action="withdraw").empty
    assert total(y30, action="buy") == pytest.approx(100.0)
    assert float(select(y30, action="buy")["cash_flow_cny"].iloc[0]) == \
        pytest.approx(-200_000.0)  # 100 * 2000
    assert held(res, "P", 2030, "pool", 2024) == 0.0
    assert verify_plan(tx, st, years=POOL_YEARS, supply_demand_ratio=POOL_RATIOS) == []


def _pool_plan(withdraw_2026: float, withdraw_2029: float) -> pd.DataFrame:
    return plan(
        plan_row("P", 2024, "nev", 2024, "deposit", 1000),
        plan_row("P", 2025, "nev_market", 2025, "buy", 300),
        plan_row("P", 2025, "nev_market", 2025, "offset_nev", 300),
        plan_row("P", 2026, "pool", 2024, "withdraw", withdraw_2026),
        plan_row("P", 2026, "pool_release", 2024, "offset_nev", 200),
        plan_row("P", 2029, "pool", 2024, "withdraw", withdraw_2029),
        plan_row("P", 2029, "pool_release", 2024, "offset_nev", 300),
        plan_row("P", 2030, "nev_market", 2030, "buy", 100),
        plan_row("P", 2030, "nev_market", 2030, "offset_nev", 100),
    )


def test_unused_withdrawal_returns_to_pool(pool_case):
    st, _ = pool_case
    kw = {"years": POOL_YEARS, "supply_demand_ratio": POOL_RATIOS}
    # 2026: withdraw 500, use 200: 300 go back -> pool = 1000 - 500 + 300 = 800 in 2029
    assert verify_plan(_pool_plan(500, 800), st, **kw) == []
    # 801 > 800 stored
    hit = find(verify_plan(_pool_plan(500, 801), st, **kw), "withdrawal_above_stored")
    assert (hit.enterprise, hit.year, hit.vintage) == ("P", 2029, 2024)
    assert hit.amount_credits == pytest.approx(1.0)


def test_pool_withdrawal_after_validity_refused(pool_case):
    st, _ = pool_case
    bad = plan(
        plan_row("P", 2024, "nev", 2024, "deposit", 1000),
        plan_row("P", 2025, "nev_market", 2025, "buy", 300),
        plan_row("P", 2025, "nev_market", 2025, "offset_nev", 300),
        plan_row("P", 2026, "nev_market", 2026, "buy", 200),
        plan_row("P", 2026, "nev_market", 2026, "offset_nev", 200),
        plan_row("P", 2029, "nev_market", 2029, "buy", 300),
        plan_row("P", 2029, "nev_market", 2029, "offset_nev", 300),
        plan_row("P", 2030, "pool", 2024, "withdraw", 100),
        plan_row("P", 2030, "pool_release", 2024, "offset_nev", 100),
    )
    v = verify_plan(bad, st, years=POOL_YEARS, supply_demand_ratio=POOL_RATIOS)
    hit = find(v, "expired_pool_vintage")  # 2030 - 2024 = 6 > 5
    assert (hit.enterprise, hit.year, hit.vintage) == ("P", 2030, 2024)
    assert hit.amount_credits == pytest.approx(100.0)


def test_pool_disabled_before_2024():
    st = statements([("P", 2023, 0, 1000)])
    res = simulate(st, [2023], prices=1.0, supply_demand_ratio={2023: 3.0})
    assert select(res.transactions, action="deposit").empty
    bad = plan(plan_row("P", 2023, "nev", 2023, "deposit", 1000))
    hit = find(verify_plan(bad, st, years=[2023], supply_demand_ratio={2023: 3.0}),
               "deposit_in_closed_year")
    assert (hit.enterprise, hit.year, hit.vintage) == ("P", 2023, 2023)


HALF_DEPOSIT_TOML = """\
[rulebook]
family = "test"
title = "Deposit share 50 % in 2024 (ledger tests)"

[[parameter]]
key = "pool.deposit_share"
years = 2024
value = 0.5
unit = "1"
status = "scenario"
source = "test fixture"
"""


def test_deposit_above_share_refused(tmp_path):
    path = tmp_path / "half.toml"
    path.write_text(HALF_DEPOSIT_TOML, encoding="utf-8")
    rules = load_rules(path)
    st = statements([("P", 2024, 0, 1000)])
    ratios = {2024: 3.0}
    res = simulate(st, [2024], rules, prices=1.0, supply_demand_ratio=ratios)
    # 1000 * 0.5 = 500 deposited, 500 stay as nev 2024
    assert total(res.transactions, action="deposit", instrument="nev") == pytest.approx(500.0)
    assert held(res, "P", 2024, "nev", 2024) == pytest.approx(500.0)
    assert verify_plan(res.transactions, st, rules, years=[2024],
                       supply_demand_ratio=ratios) == []
    bad = plan(plan_row("P", 2024, "nev", 2024, "deposit", 600))
    hit = find(verify_plan(bad, st, rules, years=[2024], supply_demand_ratio=ratios),
               "deposit_above_share")
    assert (hit.enterprise, hit.year, hit.vintage) == ("P", 2024, 2024)
    assert hit.amount_credits == pytest.approx(100.0)  # 600 - 0.5 * 1000
    # with the shipped 100 % share, 1,000 is fine and 1,200 is 200 too many
    assert verify_plan(plan(plan_row("P", 2024, "nev", 2024, "deposit", 1000)), st,
                       years=[2024], supply_demand_ratio=ratios) == []
    hit = find(verify_plan(plan(plan_row("P", 2024, "nev", 2024, "deposit", 1200)), st,
                           years=[2024], supply_demand_ratio=ratios), "deposit_above_share")
    assert hit.amount_credits == pytest.approx(200.0)


# --------------------------------------------------------------------------- affiliates


@pytest.fixture(scope="module")
def affiliates():
    # D and R share group G; X is alone. 2024: D +1000, R -600, X -200; 2025: R -300
    st = statements([
        ("D", 2024, 1000, 0, True, "G"), ("D", 2025, 0, 0, True, "G"),
        ("R", 2024, -600, 0, True, "G"), ("R", 2025, -300, 0, True, "G"),
        ("X", 2024, -200, 0, True, "X"), ("X", 2025, 0, 0, True, "X"),
    ])
    years = [2024, 2025]
    ratios = dict.fromkeys(years, NEUTRAL)
    res = simulate(st, years, prices=1000.0, supply_demand_ratio=ratios)
    return st, years, ratios, res


def test_affiliate_transfer_used_in_year(affiliates):
    st, years, ratios, res = affiliates
    tx = res.transactions
    out = select(tx, year=2024, action="transfer_out")
    assert list(zip(out["enterprise"], out["instrument"], out["vintage"], out["counterparty"],
                    strict=True)) == [("D", "cafc", 2024, "R")]
    assert float(out["quantity"].iloc[0]) == pytest.approx(600.0)
    tin = select(tx, year=2024, action="transfer_in")
    assert list(zip(tin["enterprise"], tin["instrument"], tin["counterparty"],
                    strict=True)) == [("R", "affiliate_cafc", "D")]
    assert float(tin["quantity"].iloc[0]) == pytest.approx(600.0)
    assert total(tx, enterprise="R", year=2024, action="offset_cafc",
                 instrument="affiliate_cafc") == pytest.approx(600.0)
    assert select(tx, enterprise="R", year=2024, action="buy").empty
    # D keeps 1000 - 600 = 400, carried at 0.9 -> 360 in 2025
    assert held(res, "D", 2024, "cafc", 2024) == pytest.approx(400.0)
    assert held(res, "D", 2025, "cafc", 2024) == pytest.approx(360.0)
    # 2025: D's carried credits are not transferable; R buys its 300
    assert select(tx, year=2025, action="transfer_out").empty
    assert total(tx, enterprise="R", year=2025, action="buy") == pytest.approx(300.0)
    # X is not an affiliate: it buys its 200
    assert select(tx, enterprise="X", action="transfer_in").empty
    assert total(tx, enterprise="X", year=2024, action="buy") == pytest.approx(200.0)
    assert verify_plan(tx, st, years=years, supply_demand_ratio=ratios) == []


def test_affiliate_transfer_used_next_year_refused(affiliates):
    st, years, ratios, _ = affiliates
    bad = plan(
        plan_row("D", 2024, "cafc", 2024, "transfer_out", 900, "R"),
        plan_row("R", 2024, "affiliate_cafc", 2024, "transfer_in", 900, "D"),
        plan_row("R", 2024, "affiliate_cafc", 2024, "offset_cafc", 600),
        plan_row("X", 2024, "nev_market", 2024, "buy", 200),
        plan_row("X", 2024, "nev_market", 2024, "offset_cafc", 200),
        plan_row("R", 2025, "affiliate_cafc", 2024, "offset_cafc", 300),
    )
    hit = find(verify_plan(bad, st, years=years, supply_demand_ratio=ratios),
               "affiliate_transfer_outside_year")
    assert (hit.enterprise, hit.year, hit.vintage) == ("R", 2025, 2024)
    assert hit.amount_credits == pytest.approx(300.0)


def test_transfer_to_non_affiliate_refused(affiliates):
    st, years, ratios, _ = affiliates
    bad = plan(
        plan_row("D", 2024, "cafc", 2024, "transfer_out", 600, "R"),
        plan_row("R", 2024, "affiliate_cafc", 2024, "transfer_in", 600, "D"),
        plan_row("R", 2024, "affiliate_cafc", 2024, "offset_cafc", 600),
        plan_row("D", 2024, "cafc", 2024, "transfer_out", 200, "X"),
        plan_row("X", 2024, "affiliate_cafc", 2024, "transfer_in", 200, "D"),
        plan_row("X", 2024, "affiliate_cafc", 2024, "offset_cafc", 200),
        plan_row("R", 2025, "nev_market", 2025, "buy", 300),
        plan_row("R", 2025, "nev_market", 2025, "offset_cafc", 300),
    )
    v = verify_plan(bad, st, years=years, supply_demand_ratio=ratios)
    hit = find(v, "transfer_to_non_affiliate")
    assert (hit.enterprise, hit.year, hit.vintage) == ("D", 2024, 2024)
    assert hit.amount_credits == pytest.approx(200.0)
    assert all(x.rule == "transfer_to_non_affiliate" for x in v)


# --------------------------------------------------------------------------- NEV for CAFC


@pytest.fixture(scope="module")
def nev_cafc():
    # E: NEV +500, CAFC -300; F: CAFC +500, NEV -300; G: NEV +200, CAFC -300
    st = statements([("E", 2024, -300, 500), ("F", 2024, 500, -300), ("G", 2024, -300, 200)])
    ratios = {2024: NEUTRAL}
    res = simulate(st, [2024], prices=1000.0, supply_demand_ratio=ratios)
    return st, ratios, res


def test_nev_offsets_cafc_one_for_one(nev_cafc):
    st, ratios, res = nev_cafc
    tx = res.transactions
    assert total(tx, enterprise="E", action="offset_cafc", instrument="nev",
                 vintage=2024) == pytest.approx(300.0)
    assert total(tx, enterprise="E", action="offset_cafc", instrument="cafc_deficit") == \
        pytest.approx(300.0)
    assert select(tx, enterprise="E", action="buy").empty
    assert held(res, "E", 2024, "nev", 2024) == pytest.approx(200.0)  # 500 - 300
    # G: 200 own NEV, 300 - 200 = 100 bought
    assert total(tx, enterprise="G", action="offset_cafc", instrument="nev") == \
        pytest.approx(200.0)
    assert total(tx, enterprise="G", action="buy") == pytest.approx(100.0)
    assert verify_plan(tx, st, years=[2024], supply_demand_ratio=ratios) == []


def test_cafc_never_clears_nev(nev_cafc):
    st, ratios, res = nev_cafc
    tx = res.transactions
    f = select(tx, enterprise="F")
    assert select(f, action="offset_nev", instrument="cafc").empty
    assert total(f, action="buy") == pytest.approx(300.0)
    assert total(f, action="offset_nev", instrument="nev_market") == pytest.approx(300.0)
    assert held(res, "F", 2024, "cafc", 2024) == pytest.approx(500.0)
    bad = plan(plan_row("E", 2024, "nev", 2024, "offset_cafc", 300),
               plan_row("F", 2024, "cafc", 2024, "offset_nev", 300),
               plan_row("G", 2024, "nev", 2024, "offset_cafc", 200),
               plan_row("G", 2024, "nev_market", 2024, "buy", 100),
               plan_row("G", 2024, "nev_market", 2024, "offset_cafc", 100))
    hit = find(verify_plan(bad, st, years=[2024], supply_demand_ratio=ratios),
               "cafc_for_nev_deficit")
    assert (hit.enterprise, hit.year, hit.vintage, hit.amount_credits) == ("F", 2024, 2024, 300.0)


# --------------------------------------------------------------------------- supply/demand


def ratio_statements() -> pd.DataFrame:
    return statements([
        ("A", 2024, -300, 500), ("B", 2024, 100, -100), ("C", 2024, -50, 20),
        ("D", 2024, 0, 400),
        ("A", 2025, 0, 100), ("B", 2025, 0, -400), ("C", 2025, 0, 0), ("D", 2025, 0, 0),
        ("A", 2026, 10, 10), ("B", 2026, 0, 0), ("C", 2026, 0, 0), ("D", 2026, 0, 0),
    ])


def test_supply_demand_ratio_by_hand():
    t = supply_demand_ratio(ratio_statements())
    # 2024: A nets 300 of its 500 NEV against its own CAFC deficit 300 -> supply 200, demand 0
    #       B: NEV deficit 100 -> demand 100
    #       C: nets 20 of CAFC deficit 50 -> supply 0, demand 30
    #       D: supply 400
    #       supply 200 + 400 = 600, demand 100 + 30 = 130, ratio 600/130
    assert t.loc[2024, "supply_credits"] == pytest.approx(600.0)
    assert t.loc[2024, "demand_credits"] == pytest.approx(130.0)
    assert t.loc[2024, "ratio"] == pytest.approx(600.0 / 130.0)
    # 2025: supply 100, demand 400 -> 0.25
    assert t.loc[2025, "ratio"] == pytest.approx(0.25)
    # 2026: no demand -> inf
    assert math.isinf(t.loc[2026, "ratio"])


def test_observed_ratio_overrides_computed():
    st = ratio_statements()
    years = [2024, 2025, 2026]
    assert resolve_ratios(years, st, {2024: 1.2}) == pytest.approx(
        {2024: 1.2, 2025: 0.25, 2026: math.inf})
    computed = simulate(st, years, prices=1000.0)
    assert computed.ratios[2024] == pytest.approx(600.0 / 130.0)
    # 4.6 > 2.0: D deposits its 400; A deposits 500 - 300 (used on its CAFC deficit) = 200
    dep = select(computed.transactions, year=2024, action="deposit", instrument="nev")
    assert dict(zip(dep["enterprise"], dep["quantity"], strict=True)) == pytest.approx(
        {"A": 200.0, "D": 400.0})
    observed = simulate(st, years, prices=1000.0, supply_demand_ratio={2024: 1.2})
    assert observed.ratios[2024] == 1.2
    assert observed.ratios[2025] == pytest.approx(0.25)
    assert select(observed.transactions, year=2024, action="deposit").empty


# --------------------------------------------------------------------------- prices, reserve


def test_cash_flows_buy_and_sell_prices():
    st = statements([("S", 2024, 0, 1000), ("T", 2024, 0, -300)])
    prices = pd.DataFrame({"year": [2024], "nev_buy_price_cny_per_credit": [2000.0],
                           "nev_sell_price_cny_per_credit": [1500.0]})
    res = simulate(st, [2024], prices=prices, strategy=Strategy(sell_share=0.5),
                   supply_demand_ratio={2024: NEUTRAL})
    tx = res.transactions
    buy = select(tx, enterprise="T", action="buy")
    assert float(buy["quantity"].iloc[0]) == pytest.approx(300.0)
    assert float(buy["cash_flow_cny"].iloc[0]) == pytest.approx(-600_000.0)  # -300 * 2000
    sell = select(tx, enterprise="S", action="sell")
    assert float(sell["quantity"].iloc[0]) == pytest.approx(500.0)  # 0.5 * 1000
    assert float(sell["cash_flow_cny"].iloc[0]) == pytest.approx(750_000.0)  # 500 * 1500
    # every other row carries no cash
    other = tx[~tx["action"].isin(["buy", "sell"])]
    assert (other["cash_flow_cny"] == 0).all()
    # a year -> price mapping: buy = sell price
    res2 = simulate(st, [2024], prices={2024: 1200.0}, supply_demand_ratio={2024: NEUTRAL})
    assert float(select(res2.transactions, action="buy")["cash_flow_cny"].iloc[0]) == \
        pytest.approx(-360_000.0)  # -300 * 1200
    # no prices: NaN cash, reported
    res3 = simulate(st, [2024], supply_demand_ratio={2024: NEUTRAL})
    assert math.isnan(float(select(res3.transactions, action="buy")["cash_flow_cny"].iloc[0]))
    assert any("price" in a for a in res3.assumptions)


@pytest.fixture(scope="module")
def reserve_case():
    # 2025 ratio 1.8 (closed), 2026 ratio 1.2 (release year); U -300 and V -50 NEV each year
    st = statements([("U", 2025, 0, -300), ("V", 2025, 0, -50),
                     ("U", 2026, 0, -300), ("V", 2026, 0, -50)])
    years = [2025, 2026]
    ratios = {2025: 1.8, 2026: 1.2}
    return st, years, ratios


def test_reserve_on_buys_at_reserve_price_up_to_cap(reserve_case):
    st, years, ratios = reserve_case
    reserve = ReserveVariant(800.0, 100.0)
    res = simulate(st, years, prices=2000.0, supply_demand_ratio=ratios, reserve=reserve)
    tx = res.transactions
    # 2025 is not a release year: no reserve
    assert select(tx, year=2025, action="buy_reserve").empty
    assert total(tx, year=2025, enterprise="U", action="buy") == pytest.approx(300.0)
    # 2026: U (first) takes the whole cap of 100 at 800: -80,000; the rest 200 at 2000
    r = select(tx, year=2026, action="buy_reserve")
    assert list(r["enterprise"]) == ["U"]
    assert float(r["quantity"].iloc[0]) == pytest.approx(100.0)
    assert float(r["cash_flow_cny"].iloc[0]) == pytest.approx(-80_000.0)
    assert list(r["instrument"]) == ["reserve"]
    assert total(tx, year=2026, enterprise="U", action="offset_nev", instrument="reserve") == \
        pytest.approx(100.0)
    ub = select(tx, year=2026, enterprise="U", action="buy")
    assert float(ub["quantity"].iloc[0]) == pytest.approx(200.0)
    assert float(ub["cash_flow_cny"].iloc[0]) == pytest.approx(-400_000.0)
    # V: cap used up, 50 at market: -100,000
    vb = select(tx, year=2026, enterprise="V", action="buy")
    assert float(vb["cash_flow_cny"].iloc[0]) == pytest.approx(-100_000.0)
    assert verify_plan(tx, st, years=years, supply_demand_ratio=ratios, reserve=reserve) == []
    # verified without the variant, the same plan is refused
    hit = find(verify_plan(tx, st, years=years, supply_demand_ratio=ratios),
               "reserve_closed")
    assert (hit.enterprise, hit.year, hit.amount_credits) == ("U", 2026, 100.0)


def test_reserve_off_by_default_and_not_dearer(reserve_case):
    st, years, ratios = reserve_case
    for reserve in (None, ReserveVariant(2500.0, None)):  # off; dearer than the market
        res = simulate(st, years, prices=2000.0, supply_demand_ratio=ratios, reserve=reserve)
        tx = res.transactions
        assert select(tx, action="buy_reserve").empty
        assert total(tx, year=2026, enterprise="U", action="buy") == pytest.approx(300.0)
    assert not ReserveVariant().enabled


# --------------------------------------------------------------------------- opening holdings


def test_opening_holdings_carried_by_age():
    st = statements([("A", y, 0, 0) for y in (2024, 2025, 2026)]
                    + [("B", 2024, -800, 0)])
    opening = pd.DataFrame([
        {"enterprise": "A", "instrument": "cafc", "vintage": 2022, "quantity": 1000.0},
        {"enterprise": "A", "instrument": "cafc", "vintage": 2020, "quantity": 1000.0},
        {"enterprise": "A", "instrument": "nev", "vintage": 2023, "quantity": 1000.0},
        {"enterprise": "A", "instrument": "pool", "vintage": 2020, "quantity": 1000.0},
        {"enterprise": "A", "instrument": "pool", "vintage": 2018, "quantity": 1000.0},
        {"enterprise": "B", "instrument": "cafc", "vintage": 2021, "quantity": 1000.0},
    ])
    years = [2024, 2025, 2026]
    ratios = dict.fromkeys(years, NEUTRAL)
    res = simulate(st, years, prices=1000.0, supply_demand_ratio=ratios, opening=opening)
    # cafc 2022 in 2024: age 2 -> 1000 * 0.9^2 = 810; 2025: 729; expires end 2025 (age 4 > 3)
    assert held(res, "A", 2024, "cafc", 2022) == pytest.approx(810.0)
    assert held(res, "A", 2025, "cafc", 2022) == pytest.approx(729.0)
    assert held(res, "A", 2026, "cafc", 2022) == 0.0
    # cafc 2020 in 2024: age 4 > 3 -> nothing
    assert held(res, "A", 2024, "cafc", 2020) == 0.0
    # nev 2023 in 2024: 1000 * 0.5 = 500; 2025: 250; 2026: 125
    assert held(res, "A", 2024, "nev", 2023) == pytest.approx(500.0)
    assert held(res, "A", 2025, "nev", 2023) == pytest.approx(250.0)
    assert held(res, "A", 2026, "nev", 2023) == pytest.approx(125.0)
    # pool 2020: full face value through 2025 (2020 + 5); pool 2018: 2024 - 2018 = 6 > 5
    assert held(res, "A", 2024, "pool", 2020) == pytest.approx(1000.0)
    assert held(res, "A", 2025, "pool", 2020) == pytest.approx(1000.0)
    assert held(res, "A", 2026, "pool", 2020) == 0.0
    assert held(res, "A", 2024, "pool", 2018) == 0.0
    # B: cafc 2021 in 2024: age 3 -> 729 clears 729 of the 800 deficit; 800 - 729 = 71 bought
    tx = res.transactions
    assert total(tx, enterprise="B", action="offset_cafc", instrument="cafc", vintage=2021) \
        == pytest.approx(729.0)
    assert total(tx, enterprise="B", action="buy") == pytest.approx(71.0)
    kw = {"years": years, "supply_demand_ratio": ratios}
    assert verify_plan(tx, st, opening=opening, **kw) == []
    hit = find(verify_plan(tx, st, **kw), "expired_or_unheld_vintage")  # no opening given
    assert (hit.enterprise, hit.year, hit.vintage) == ("B", 2024, 2021)
    assert hit.amount_credits == pytest.approx(729.0)


def test_transaction_columns():
    st = statements([("A", 2024, 10, -5)])
    res = simulate(st, [2024], prices=1.0, supply_demand_ratio={2024: NEUTRAL})
    assert list(res.transactions.columns) == TRANSACTION_COLUMNS
    assert (res.transactions["quantity"] >= 0).all()
    assert (res.transactions["unit"] == "credit").all()


# --------------------------------------------------------------------------- boundaries


@pytest.mark.parametrize(("ratio", "open_"), [(2.0, False), (2.01, True)])
def test_deposit_trigger_is_strictly_above_2(ratio, open_):
    st = statements([("P", 2024, 0, 1000)])
    res = simulate(st, [2024], prices=1.0, supply_demand_ratio={2024: ratio})
    deposited = total(res.transactions, action="deposit", instrument="nev")
    assert deposited == pytest.approx(1000.0 if open_ else 0.0)
    v = verify_plan(plan(plan_row("P", 2024, "nev", 2024, "deposit", 1000)), st,
                    years=[2024], supply_demand_ratio={2024: ratio})
    assert ("deposit_in_closed_year" in {x.rule for x in v}) is not open_


@pytest.mark.parametrize(("ratio", "open_"), [(1.5, False), (1.49, True)])
def test_release_trigger_is_strictly_below_1_5(ratio, open_):
    st = statements([("P", 2024, 0, 1000), ("P", 2025, 0, -400)])
    ratios = {2024: 3.0, 2025: ratio}
    res = simulate(st, [2024, 2025], prices=1.0, supply_demand_ratio=ratios)
    withdrawn = total(res.transactions, year=2025, action="withdraw", instrument="pool")
    assert withdrawn == pytest.approx(400.0 if open_ else 0.0)
    assert total(res.transactions, year=2025, action="buy") == \
        pytest.approx(0.0 if open_ else 400.0)
    v = verify_plan(plan(plan_row("P", 2024, "nev", 2024, "deposit", 1000),
                         plan_row("P", 2025, "pool", 2024, "withdraw", 400),
                         plan_row("P", 2025, "pool_release", 2024, "offset_nev", 400)),
                    st, years=[2024, 2025], supply_demand_ratio=ratios)
    assert ("withdrawal_in_closed_year" in {x.rule for x in v}) is not open_


def test_cafc_carry_into_scenario_years():
    # a 2027 vintage is carried through the 2028-2030 scenario rulebooks: 900, 810, 729
    years = range(2027, 2031)
    st = statements([("A", 2027, 1000, 0)] + [("A", y, 0, 0) for y in range(2028, 2031)])
    res = simulate(st, years, prices=1.0, supply_demand_ratio=dict.fromkeys(years, NEUTRAL))
    for y, q in ((2027, 1000.0), (2028, 900.0), (2029, 810.0), (2030, 729.0)):
        assert held(res, "A", y, "cafc", 2027) == pytest.approx(q)
    assert total(res.transactions, year=2030, action="expire", instrument="cafc") == \
        pytest.approx(729.0)


# --------------------------------------------------------------------------- eligibility input


def test_blank_nev_carry_eligible_cell_is_not_silently_false(tmp_path):
    """A blank cell must not silently forfeit carry-forward: the documented default is True
    (reported); an error naming the row would also do."""
    path = tmp_path / "credits.csv"
    path.write_text("enterprise,year,cafc_credits,nev_credits,nev_carry_eligible\n"
                    "A,2021,0,1000,True\n"
                    "A,2022,0,1000,\n", encoding="utf-8")
    try:
        st, notes = prepare_statements(path)
    except InputError as exc:
        assert "nev_carry_eligible" in str(exc)
        return
    eligible = dict(zip(st["year"], st["nev_carry_eligible"], strict=True))
    assert eligible[2022], "blank nev_carry_eligible read as False (not eligible)"
    assert any("nev_carry_eligible" in n for n in notes)


def test_unreadable_nev_carry_eligible_value_is_an_error():
    st = statements([("A", 2021, 0, 1000, "ture")])
    with pytest.raises(InputError, match="nev_carry_eligible"):
        prepare_statements(st)
