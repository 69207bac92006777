"""Strict click parameter types shared by the command lines (``linkage convert`` and ``linkage``).

They read the text of an option exactly: a number is plain decimal notation (``1500``,
``-2.5``, ``1e3``), never ``1,500``, ``1_500``, ``¥800``, ``inf`` or ``nan``; a year is a
whole number of four digits, never ``2024.5`` or ``y2024``. Nothing is stripped, rounded or
clamped: a text that is not exactly right is refused with the option's name (click exits
with code 2). They live in the bottom layer so that :mod:`conversions.cli` can use them;
:mod:`linkage._cli_params` re-exports them.
"""

from __future__ import annotations

import math
import re
from typing import Any

import click

__all__ = ["FINITE_FLOAT", "YEAR", "FiniteFloat", "Year", "parse_finite", "parse_year"]

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_YEAR = re.compile(r"\d{4}")


def parse_finite(text: Any) -> float:
    """A finite float from plain decimal text (or a real number); ValueError otherwise.

    Parameters
    ----------
    text : str or number
        ``"1500"``, ``"-2.5"``, ``"1e3"``; a Python int or float is accepted as it is. Booleans,
        thousands separators, currency signs, underscores, ``inf`` and ``nan`` are refused.

    Returns
    -------
    float
    """
    if isinstance(text, bool):
        raise ValueError(f"expected a number, got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    elif isinstance(text, str) and _NUMBER.fullmatch(text.strip()):
        value = float(text.strip())
    else:
        raise ValueError(f"expected a plain number such as 1500 or 2.5 (no thousands separator, "
                         f"currency sign or unit), got {text!r}")
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {text!r}")
    return value


def parse_year(text: Any) -> int:
    """A year from four-digit text (or an int); ValueError otherwise (no truncation).

    Parameters
    ----------
    text : str or int
        ``"2024"`` or ``2024``. ``"2024.5"``, ``"2024.0"``, ``"y2024"``, booleans and floats
        are refused.

    Returns
    -------
    int
    """
    if isinstance(text, bool):
        raise ValueError(f"expected a year such as 2024, got {text!r}")
    if isinstance(text, int):
        return int(text)
    if isinstance(text, str) and _YEAR.fullmatch(text.strip()):
        return int(text.strip())
    raise ValueError(f"expected a year of four digits such as 2024, got {text!r}")


class FiniteFloat(click.ParamType):
    """A finite number in plain decimal notation, optionally with a lower bound.

    Parameters
    ----------
    minimum : float, optional
        Smallest value allowed (inclusive).
    """

    name = "number"

    def __init__(self, minimum: float | None = None) -> None:
        self.minimum = minimum

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            number = parse_finite(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if self.minimum is not None and number < self.minimum:
            self.fail(f"must be >= {self.minimum:g}, got {value!r}", param, ctx)
        return number


class Year(click.ParamType):
    """A compliance year: four digits, no fraction, no prefix."""

    name = "year"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        try:
            return parse_year(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


#: Shared instances.
FINITE_FLOAT = FiniteFloat()
YEAR = Year()
