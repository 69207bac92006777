"""The one "did you mean" hint and the one progress bar (linkage.console)."""

from __future__ import annotations

import pytest

from linkage.console import did_you_mean, progress_bar


def test_did_you_mean_names_the_closest_choice():
    assert did_you_mean("nev.ratoi", ["cafc.carry_years", "nev.ratio"]) == \
        "; did you mean 'nev.ratio'?"


def test_did_you_mean_is_empty_when_nothing_is_close():
    assert did_you_mean("volume", ["nev.ratio", "cafc.carry_years"]) == ""


def test_did_you_mean_prefix_and_non_text_words():
    assert did_you_mean("cea_prise", {"cea_price": 1}, prefix="linkage.") == \
        "; did you mean 'linkage.cea_price'?"
    assert did_you_mean(2024, ["2023", "2025"]) in ("; did you mean '2023'?",
                                                     "; did you mean '2025'?")


def test_bar_draws_nothing_before_the_first_step_and_ends_the_line(capsys):
    bar = progress_bar(4, enabled=True, what="scenarios", width=8)
    assert capsys.readouterr().err == ""
    bar.update(2)
    bar.update(2)
    bar.close()
    err = capsys.readouterr().err
    frames = [f for f in err.split("\r") if f]
    assert frames[0].startswith("[####....] 2/4 scenarios (")
    assert frames[-1].startswith("[########] 4/4 scenarios (") and err.endswith("\n")


def test_bar_with_labels_shows_the_last_step(capsys):
    bar = progress_bar(2, enabled=True, width=4, label=True)
    bar.step("inputs")
    bar.step("appendix")
    bar.close()
    frames = [f.rstrip("\n") for f in capsys.readouterr().err.split("\r") if f]
    assert frames[0].startswith("[##..] 1/2 inputs ")
    assert frames[-1].startswith("[####] 2/2 appendix ") and frames[-1].endswith(" s")


@pytest.mark.parametrize("enabled", [False, True])
def test_bar_without_steps_or_disabled_leaves_no_text(capsys, enabled):
    bar = progress_bar(3, enabled=enabled)
    if not enabled:
        bar.update(3)
    bar.close()
    assert capsys.readouterr().err.strip("\r") == ""


def test_resumed_bar_counts_from_what_was_done(capsys):
    bar = progress_bar(10, enabled=True, initial=6, width=10)
    bar.update(4)
    bar.close()
    assert "[##########] 10/10" in capsys.readouterr().err
