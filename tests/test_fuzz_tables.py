"""Fuzz: malformed and perturbed CSV/XLSX tables through ``credits`` and ``ledger``.

Each example writes one mutated table (fleet, enterprise table, credits CSV from
``credits --out``, price file) to a fresh directory and runs the command in-process. The
contract (``fuzz_strategies.assert_case``): a perturbation that keeps the meaning (row or
column order, CRLF, BOM, quoting, blank lines) gives the same statements or transactions as
the original; a broken input exits 2 with one line naming the file (and row/column where the
break is located) and writes nothing; never a traceback, never exit 1.
"""

from __future__ import annotations

from fuzz_strategies import (
    assert_case,
    cases_from,
    credits_enterprises_target,
    credits_extra_mutations,
    credits_fleet_target,
    credits_spec,
    enterprises_spec,
    fleet_spec,
    fuzz_settings,
    ledger_credits_target,
    ledger_enterprises_target,
    ledger_prices_target,
    prices_extra_mutations,
    prices_spec,
    table_mutations,
    xlsx_fleet_mutations,
)
from hypothesis import given

FLEET = fleet_spec()
ENTERPRISES = enterprises_spec()
PRICES = prices_spec()


@fuzz_settings(80)
@given(cases_from(table_mutations(FLEET)))
def test_credits_on_mutated_fleet_csv(case):
    assert_case(credits_fleet_target(), case, FLEET.text.encode())


@fuzz_settings(20)
@given(cases_from(xlsx_fleet_mutations()))
def test_credits_on_mutated_fleet_xlsx(case):
    assert_case(credits_fleet_target(), case, FLEET.text.encode())


@fuzz_settings(30)
@given(cases_from(table_mutations(ENTERPRISES)))
def test_credits_on_mutated_enterprise_table(case):
    assert_case(credits_enterprises_target(), case, ENTERPRISES.text.encode())


@fuzz_settings(40)
@given(cases_from(table_mutations(credits_spec()) + credits_extra_mutations()))
def test_ledger_on_mutated_credits_csv(case):
    assert_case(ledger_credits_target(), case, credits_spec().text.encode())


@fuzz_settings(40)
@given(cases_from(table_mutations(PRICES) + prices_extra_mutations()))
def test_ledger_on_mutated_price_file(case):
    assert_case(ledger_prices_target(), case, PRICES.text.encode())


@fuzz_settings(12)
@given(cases_from(table_mutations(ENTERPRISES)))
def test_ledger_on_mutated_enterprise_table(case):
    assert_case(ledger_enterprises_target(), case, ENTERPRISES.text.encode())
