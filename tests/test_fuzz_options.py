"""Fuzz: option values of ``credits``, ``rules``, ``ledger``, ``sweep`` and ``convert``.

Bad option values (``--year 2024.5``, ``--years 2025-2024``, ``--reserve-price nan``,
``--workers 0``, a unit ``km/0``, ``--set lifetime_distance=inf km``, ...) exit 2 with one line
naming the option, no traceback, nothing written. Equivalent spellings give the same result
(``--years 2024-2025`` and ``2024,2025``). ``convert`` of finite values between units of one
dimension is checked against the factor computed by hand.
"""

from __future__ import annotations

import json
import math

import pytest
from fuzz_strategies import (
    ANY,
    assert_clean_outcome,
    convert_cases,
    fuzz_settings,
    invoke,
    option_cases,
    run_option_case,
)
from hypothesis import given
from hypothesis import strategies as st

OPTION_CASES = option_cases()
CONVERT_CASES = convert_cases()


# explicit lists: every value runs, each as its own test
@pytest.mark.parametrize("case", OPTION_CASES, ids=[c.label for c in OPTION_CASES])
def test_option_values(case):
    res, problems = run_option_case(case)
    assert not problems, f"[{case.label}]: " + "; ".join(problems) + (
        f"\n--- exit {res.exit_code}\n--- stderr:\n{(res.stderr or '')[-1000:]}")


@pytest.mark.parametrize("case", CONVERT_CASES, ids=[c[0] for c in CONVERT_CASES])
def test_convert_bad_values_units_and_assumptions(case):
    _label, args, expect, key = case
    res = invoke(args)
    assert_clean_outcome(res, expect=expect, key=key)


@fuzz_settings(60)
@given(st.text(max_size=12), st.text(max_size=12))
def test_convert_arbitrary_unit_text_never_crashes(unit, to):
    res = invoke(["convert", "5", unit, "--to", to])
    assert_clean_outcome(res, expect=ANY)


# km -> m and t_CO2e -> kg_CO2e: factors of 1000 by definition of the SI prefixes
@fuzz_settings(40)
@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
       st.sampled_from([("km", "m", 1000.0), ("t_CO2e", "kg_CO2e", 1000.0),
                        ("m", "km", 0.001)]))
def test_convert_finite_values_exactly(value, units):
    unit, to, factor = units
    # "--" ends the options: a negative VALUE is not an option
    res = invoke(["convert", "--to", to, "--json", "--", repr(value), unit])
    assert_clean_outcome(res)
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)["value"]
    assert math.isclose(got, value * factor, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("value", ["1,000", "1_000"])
def test_convert_grouped_digits_refused_or_read_as_1000(value):
    res = invoke(["convert", value, "km", "--to", "m", "--json"])
    assert_clean_outcome(res)
    if res.exit_code == 0:
        assert json.loads(res.stdout)["value"] == 1_000_000.0
