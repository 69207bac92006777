"""Property-based tests of the multi-year ledger (hypothesis, deterministic).

Random statements (2-6 enterprises, some in a shared affiliate group, compliance years
2022-2027, signed CAFC and NEV credits, random ``nev_carry_eligible``, some enterprise-years
missing), random rule-following strategies, random observed supply/demand ratios (above the
deposit trigger 2.0, below the release trigger 1.5, in between, or computed), random prices and
an optional reserve variant must satisfy:

(a) credits are conserved per enterprise and credit type (NEV, CAFC, pool);
(b) no holding bucket ever goes negative;
(c) the verifier accepts every simulated plan;
(d) every deficit is offset or declared uncovered, exactly.

Bookkeeping for (a). ``mirror_rows`` marks the destination side of a movement (deposit into
``pool``, withdraw into ``pool_release``, offsets into ``*_deficit``, return into ``pool``);
only the other rows are summed, so each movement counts once, on its source side:

- NEV (buckets nev, nev_market, reserve, pool_release):
  earn(nev) + buy(nev_market) + buy_reserve(reserve) + withdraw(pool)
  = offset_*(nev, nev_market, reserve, pool_release) + sell(nev) + deposit(nev)
  + expire(those four) + discount(nev) + return(pool_release) + closing nev;
- CAFC (buckets cafc, affiliate_cafc):
  earn(cafc) + transfer_in(affiliate_cafc)
  = offset_*(cafc, affiliate_cafc) + transfer_out(cafc, affiliate_cafc)
  + expire(cafc, affiliate_cafc) + discount(cafc) + closing cafc;
- pool: deposit(nev) + return(pool_release) = withdraw(pool) + expire(pool) + closing pool.

Opening holdings (random, vintages 2015-2021) enter each balance at their value in 2022.
Closing = the last year's ``balances`` (year-end holdings taken after returns and before the
carry-forward step) minus the last year's ``discount`` and ``expire`` rows of the bucket (the
carry-forward step). Same-year buckets are empty at year end, so they have no closing term.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkage.ledger import Strategy, mirror_rows, simulate, verify_plan
from linkage.pool import ReserveVariant

YEARS = list(range(2022, 2028))
HOLDING = ("cafc", "nev", "pool", "nev_market", "reserve", "affiliate_cafc", "pool_release")
NEV_BUCKETS = ("nev", "nev_market", "reserve", "pool_release")
CAFC_BUCKETS = ("cafc", "affiliate_cafc")

#: every (action, instrument) pair of a non-mirror row that the bookkeeping above counts
COUNTED = {
    ("earn", "cafc"), ("earn", "nev"), ("deficit", "cafc_deficit"),
    ("deficit", "nev_deficit"), ("uncovered", "cafc_deficit"), ("uncovered", "nev_deficit"),
    ("buy", "nev_market"), ("buy_reserve", "reserve"), ("withdraw", "pool"),
    ("sell", "nev"), ("deposit", "nev"), ("discount", "nev"), ("discount", "cafc"),
    ("return", "pool_release"), ("transfer_in", "affiliate_cafc"),
    ("expire", "pool"),
} | {(a, i) for a in ("offset_cafc", "offset_nev") for i in NEV_BUCKETS + CAFC_BUCKETS} \
  | {("expire", i) for i in NEV_BUCKETS + CAFC_BUCKETS} \
  | {("transfer_out", i) for i in CAFC_BUCKETS}

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])

credit = st.one_of(
    st.integers(-5_000, 5_000).map(float),
    st.floats(-5_000, 5_000, allow_nan=False, allow_infinity=False),
    st.just(0.0),
)
ratio = st.one_of(
    st.sampled_from([1.2, 3.0, 0.5, 1.8, 1.49, 2.01, 1.5, 2.0, 0.0, 10.0]),
    st.none(),  # computed from the statements
    st.floats(0.0, 6.0, allow_nan=False),
)


@st.composite
def scenarios(draw):
    n = draw(st.integers(2, 6))
    names = [f"E{i}" for i in range(n)]
    n_groups = draw(st.integers(1, n))
    group = {e: f"G{draw(st.integers(0, n_groups - 1))}" for e in names}
    rows = []
    for e in names:
        for y in YEARS:
            if draw(st.integers(0, 9)) == 9 and y != YEARS[0]:
                continue  # the enterprise has no statement that year
            rows.append({"enterprise": e, "year": y, "group": group[e],
                         "cafc_credits": draw(credit), "nev_credits": draw(credit),
                         "nev_carry_eligible": draw(st.booleans())})
    statements = pd.DataFrame(rows, columns=["enterprise", "year", "group", "cafc_credits",
                                             "nev_credits", "nev_carry_eligible"])
    present = set(statements["year"])
    ratios = {}
    for y in YEARS:
        r = draw(ratio)
        if r is None and y not in present:
            r = draw(st.sampled_from([1.2, 1.8, 3.0]))
        if r is not None:
            ratios[y] = r
    buy = [draw(st.one_of(st.floats(500.0, 5_000.0), st.just(0.0))) for _ in YEARS]
    sell = [b * draw(st.floats(0.0, 1.0)) for b in buy]
    prices = pd.DataFrame({"year": YEARS, "nev_buy_price_cny_per_credit": buy,
                           "nev_sell_price_cny_per_credit": sell})
    reserve = draw(st.one_of(
        st.builds(ReserveVariant, st.floats(0.0, 1_000.0),
                  st.one_of(st.floats(0.0, 3_000.0), st.none())),
        st.none(),
    ))
    opening = []
    for e in names:
        for _ in range(draw(st.integers(0, 3))):
            opening.append({"enterprise": e,
                            "instrument": draw(st.sampled_from(["pool", "cafc", "nev"])),
                            "vintage": draw(st.integers(2015, 2021)),
                            "quantity": draw(st.floats(0.0, 3_000.0))})
    opening = pd.DataFrame(opening, columns=["enterprise", "instrument", "vintage", "quantity"])
    strategy = Strategy(
        use_carried=draw(st.booleans()), affiliate_transfers=draw(st.booleans()),
        nev_for_cafc=draw(st.booleans()), withdraw_from_pool=draw(st.booleans()),
        buy=draw(st.booleans()), buy_reserve=draw(st.booleans()),
        deposit_share=draw(st.floats(0.0, 1.0)), sell_share=draw(st.floats(0.0, 1.0)),
    )
    return {"statements": statements, "ratios": ratios, "prices": prices,
            "reserve": reserve, "strategy": strategy, "opening": opening}


def run(sc):
    return simulate(sc["statements"], YEARS, prices=sc["prices"], strategy=sc["strategy"],
                    supply_demand_ratio=sc["ratios"], reserve=sc["reserve"],
                    opening=sc["opening"])


def opening_value(sc, enterprise: str, instrument: str) -> float:
    """Opening holdings at the start of 2022, by hand: face x factor^age while still valid.

    Vintages before 2022 have no statement here, so NEV vintages count as eligible.
    CAFC: 0.9 a year, at most 3 years; NEV: 0.5 a year, at most 3 years; pool: full value,
    at most 5 years. A vintage with a rulebook of its own carries by it: NEV of 2019 (Order
    No. 44) full value for at most 1 year, NEV of 2020 not at all (backcast rulebook); vintages
    before 2019 have none and carry by the first simulated year's rules.
    """
    o = sc["opening"]
    o = o[(o["enterprise"] == enterprise) & (o["instrument"] == instrument)]
    rules = {"cafc": (0.9, 3), "nev": (0.5, 3), "pool": (1.0, 5)}[instrument]
    backcast = {2019: (1.0, 1), 2020: (1.0, 0)} if instrument == "nev" else {}
    total = 0.0
    for v, q in zip(o["vintage"], o["quantity"], strict=True):
        factor, limit = backcast.get(int(v), rules)
        age = YEARS[0] - int(v)
        total += q * factor ** age * (age <= limit)
    return float(total)


def close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-6 * max(1.0, scale)


def _sum(frame: pd.DataFrame, actions, instruments) -> float:
    m = frame["action"].isin(actions) & frame["instrument"].isin(instruments)
    return float(frame.loc[m, "quantity"].sum())


def _closing(res, moves: pd.DataFrame, enterprise: str, instrument: str) -> float:
    """Holding after the last year: its year-end balance minus its carry-forward step."""
    bal, last = res.balances, YEARS[-1]
    held = float(bal.loc[(bal["enterprise"] == enterprise) & (bal["year"] == last)
                         & (bal["instrument"] == instrument), "quantity"].sum())
    return held - _sum(moves[moves["year"] == last], ["discount", "expire"], [instrument])


@SETTINGS
@given(scenarios())
def test_credits_are_conserved(sc):
    res = run(sc)
    tx = res.transactions
    nm = tx[~mirror_rows(tx)]
    pairs = set(zip(nm["action"], nm["instrument"], strict=True))
    assert pairs <= COUNTED, f"uncounted movements: {pairs - COUNTED}"
    offsets = ["offset_cafc", "offset_nev"]
    for e in sorted(set(sc["statements"]["enterprise"])):
        mine = nm[nm["enterprise"] == e]
        closing = {i: _closing(res, mine, e, i) for i in ("nev", "cafc", "pool")}
        assert min(closing.values()) >= -1e-6, closing

        nev_in = (opening_value(sc, e, "nev") + _sum(mine, ["earn"], ["nev"])
                  + _sum(mine, ["buy"], ["nev_market"])
                  + _sum(mine, ["buy_reserve"], ["reserve"])
                  + _sum(mine, ["withdraw"], ["pool"]))
        nev_out = (_sum(mine, offsets, NEV_BUCKETS) + _sum(mine, ["sell"], ["nev"])
                   + _sum(mine, ["deposit"], ["nev"]) + _sum(mine, ["expire"], NEV_BUCKETS)
                   + _sum(mine, ["discount"], ["nev"])
                   + _sum(mine, ["return"], ["pool_release"]) + closing["nev"])
        assert close(nev_in, nev_out, nev_in), (e, "nev", nev_in, nev_out)

        cafc_in = (opening_value(sc, e, "cafc") + _sum(mine, ["earn"], ["cafc"])
                   + _sum(mine, ["transfer_in"], ["affiliate_cafc"]))
        cafc_out = (_sum(mine, offsets, CAFC_BUCKETS)
                    + _sum(mine, ["transfer_out"], CAFC_BUCKETS)
                    + _sum(mine, ["expire"], CAFC_BUCKETS) + _sum(mine, ["discount"], ["cafc"])
                    + closing["cafc"])
        assert close(cafc_in, cafc_out, cafc_in), (e, "cafc", cafc_in, cafc_out)

        pool_in = (opening_value(sc, e, "pool") + _sum(mine, ["deposit"], ["nev"])
                   + _sum(mine, ["return"], ["pool_release"]))
        pool_out = (_sum(mine, ["withdraw"], ["pool"]) + _sum(mine, ["expire"], ["pool"])
                    + closing["pool"])
        assert close(pool_in, pool_out, pool_in), (e, "pool", pool_in, pool_out)
    # transfers pair up across enterprises
    assert close(_sum(nm, ["transfer_out"], CAFC_BUCKETS),
                 _sum(nm, ["transfer_in"], ["affiliate_cafc"]), 1.0)


@SETTINGS
@given(scenarios())
def test_no_holding_goes_negative(sc):
    tx = run(sc).transactions
    hold = tx[tx["instrument"].isin(HOLDING)]
    assert (hold["balance_after_credits"] >= -1e-6).all(), \
        hold[hold["balance_after_credits"] < -1e-6]
    q = tx["quantity"].to_numpy(dtype=float)
    assert np.isfinite(q).all() and (q >= 0).all()


@SETTINGS
@given(scenarios())
def test_verifier_accepts_simulated_plans(sc):
    res = run(sc)
    violations = verify_plan(res.transactions, sc["statements"], years=YEARS,
                             supply_demand_ratio=sc["ratios"], reserve=sc["reserve"],
                             opening=sc["opening"])
    assert violations == [], [str(v) for v in violations]


@SETTINGS
@given(scenarios())
def test_every_deficit_is_offset_or_declared(sc):
    res = run(sc)
    tx = res.transactions
    mirror = mirror_rows(tx)
    tx = tx.assign(side=np.where(mirror, "dest", "src"))
    sums = tx.groupby(["enterprise", "year", "action", "instrument", "side"])["quantity"].sum()

    def get(*key) -> float:
        return float(sums.get(key, 0.0))

    nm = tx[~mirror]
    # a NEV deficit is cleared with NEV credits only
    assert not nm.loc[nm["action"] == "offset_nev", "instrument"].isin(CAFC_BUCKETS).any()
    for r in sc["statements"].itertuples(index=False):
        e, y = r.enterprise, int(r.year)
        for kind, value in (("cafc", r.cafc_credits), ("nev", r.nev_credits)):
            deficit = max(-float(value), 0.0)
            action = f"offset_{kind}"
            offset = sum(get(e, y, action, i, "src") for i in NEV_BUCKETS + CAFC_BUCKETS)
            cleared = get(e, y, action, f"{kind}_deficit", "dest")
            uncovered = get(e, y, "uncovered", f"{kind}_deficit", "src")
            assert close(offset, cleared, deficit), (e, y, kind, offset, cleared)
            assert close(offset + uncovered, deficit, deficit), (e, y, kind, offset, uncovered,
                                                                 deficit)
            assert close(get(e, y, "deficit", f"{kind}_deficit", "src"), deficit, deficit)
    # uncovered rows are reported by LedgerResult.uncovered_deficits
    assert close(float(res.uncovered_deficits["quantity"].sum()),
                 float(nm.loc[nm["action"] == "uncovered", "quantity"].sum()), 1.0)
