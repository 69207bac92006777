"""Carry-forward discounts of CAFC and NEV surpluses, as the year's rulebook reads them.

``cafc.carry_factor`` is kept per year carried (90 %, compounding; Measures Art. 24).
``nev.carry_factor`` applies as ``nev.carry_discount`` reads it: ``compounding`` (default,
50 % per year carried) or ``one_off`` (one 50 % haircut at the first carry, then full value
until ``nev.carry_years``). Expiry and eligibility are the caller's business.
"""

from __future__ import annotations

from linkage.rules import Rulebook

__all__ = ["carry_factor", "carry_step"]


def _one_off(rulebook: Rulebook, instrument: str) -> bool:
    return instrument == "nev" and rulebook["nev.carry_discount"] == "one_off"


def carry_factor(rulebook: Rulebook, instrument: str, age: int) -> float:
    """Share of a surplus's face value kept after ``age`` years carried [-].

    Parameters
    ----------
    rulebook : Rulebook
        Rules of the surplus's vintage year.
    instrument : {"cafc", "nev"}
    age : int
        Years carried (0 in the vintage year) [year].

    Returns
    -------
    float
        ``f ** age`` (compounding) or ``f`` for any age >= 1 (one-off); 1 at age 0.

    Examples
    --------
    With ``nev.carry_factor`` = 0.5: age 2 keeps 0.25 compounding, 0.5 one-off.
    """
    f = float(rulebook[f"{instrument}.carry_factor"])
    if age <= 0:
        return 1.0
    return f if _one_off(rulebook, instrument) else f**age


def carry_step(rulebook: Rulebook, instrument: str, age: int) -> float:
    """Share kept when a holding moves from ``age - 1`` to ``age`` years carried [-].

    Parameters
    ----------
    rulebook : Rulebook
        Rules of the surplus's vintage year.
    instrument : {"cafc", "nev"}
    age : int
        Years carried after the move (>= 1) [year].

    Returns
    -------
    float
        ``f`` every year (compounding); ``f`` at age 1 and 1 afterwards (one-off).
    """
    f = float(rulebook[f"{instrument}.carry_factor"])
    if _one_off(rulebook, instrument) and age > 1:
        return 1.0
    return f
