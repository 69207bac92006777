"""Fuzz: malformed and perturbed TOML files (rulebooks, scenarios, sweeps).

Rulebooks go through ``rules --rules`` and ``credits --rules``; scenarios through
``optimize``, ``market``, ``brief`` and as the base of a ``sweep``; sweep files through
``sweep``. The contract is the one of ``fuzz_strategies.assert_case``: no-op changes (comments,
indentation, CRLF, years listed in reverse with their lists reversed too) give the same result;
non-finite or wrongly typed numbers, unknown or missing keys, wrong shapes and syntax errors
exit 2 with one line naming the file (and the key) and write nothing.
"""

from __future__ import annotations

from fuzz_strategies import (
    REFUSE,
    assert_case,
    brief_target,
    cases_from,
    credits_rules_target,
    dump_toml,
    fuzz_settings,
    market_target,
    optimize_target,
    rulebook_extra_mutations,
    rulebook_spec,
    rules_target,
    scenario_extra_mutations,
    scenario_spec,
    sweep_base_target,
    sweep_extra_mutations,
    sweep_spec,
    sweep_target,
    toml_mutations,
)
from hypothesis import Phase, given, settings

RULEBOOK = rulebook_spec()
SCENARIO = scenario_spec(1)
MARKET = scenario_spec(2)
SWEEP = sweep_spec()
RULEBOOK_MUTATIONS = toml_mutations(RULEBOOK) + rulebook_extra_mutations()
SCENARIO_MUTATIONS = toml_mutations(SCENARIO) + scenario_extra_mutations(1)
MARKET_MUTATIONS = toml_mutations(MARKET) + scenario_extra_mutations(2)


def _base(spec) -> bytes:
    return dump_toml(spec.doc).encode()


@fuzz_settings(60)
@given(cases_from(RULEBOOK_MUTATIONS))
def test_rules_on_mutated_rulebook(case):
    assert_case(rules_target(), case, _base(RULEBOOK))


@fuzz_settings(15)
@given(cases_from(RULEBOOK_MUTATIONS))
def test_credits_on_mutated_rulebook(case):
    assert_case(credits_rules_target(), case, _base(RULEBOOK))


@fuzz_settings(45)
@given(cases_from(SCENARIO_MUTATIONS))
def test_optimize_on_mutated_scenario(case):
    assert_case(optimize_target(), case, _base(SCENARIO))


@fuzz_settings(25)
@given(cases_from(MARKET_MUTATIONS))
def test_market_on_mutated_scenario(case):
    assert_case(market_target(), case, _base(MARKET))


@fuzz_settings(25)
@given(cases_from(toml_mutations(SWEEP) + sweep_extra_mutations()))
def test_sweep_on_mutated_sweep_file(case):
    assert_case(sweep_target(), case, _base(SWEEP))


@fuzz_settings(10)
@given(cases_from(MARKET_MUTATIONS))
def test_sweep_on_mutated_base_scenario(case):
    assert_case(sweep_base_target(), case, _base(MARKET))


# A valid brief takes seconds: only inputs that must be refused, which a careful tool refuses
# before any work.
_BRIEF_MUTATIONS = [m for m in SCENARIO_MUTATIONS
                    if m.label.split(": ")[1] in ("nonfinite", "syntax_error", "non_utf8",
                                                  "unknown_key", "missing_key", "bad_years",
                                                  "wrong_type", "empty")]


# no shrinking: each failing brief example costs seconds, and the mutations are discrete
@settings(fuzz_settings(6), phases=[Phase.explicit, Phase.generate])
@given(cases_from(_BRIEF_MUTATIONS))
def test_brief_on_broken_scenario(case):
    assert case.expect == REFUSE
    assert_case(brief_target(), case, _base(SCENARIO))
