"""Argument checks of the public entry points (used by conversions, linkage and optimize).

Each check returns the clean value or raises :class:`~conversions.errors.ArgumentTypeError`
(wrong type) or :class:`~conversions.errors.InputError` (right type, wrong value) whose
``key`` names the argument. Nothing is converted silently: a year is an ``int`` (``"2024"``,
``2024.0`` and ``True`` are not years), an amount a finite real number.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from conversions.errors import ArgumentTypeError, InputError

__all__ = ["check_finite", "check_year", "check_years"]


def _type_name(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def check_year(value: Any, name: str = "year") -> int:
    """A year argument as an ``int``.

    Parameters
    ----------
    value : int
        Python or numpy integer. Booleans, texts and floats (even ``2024.0``) are refused.
    name : str
        Argument name for the message.

    Returns
    -------
    int

    Raises
    ------
    ArgumentTypeError
        When ``value`` is not an integer.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(f"expected an int year such as 2024, got {_type_name(value)}",
                                key=name)
    return int(value)


def check_years(values: Any, name: str = "years") -> list[int]:
    """A years argument (an iterable of ints, not a text) as a list of ``int``.

    Raises
    ------
    ArgumentTypeError
        When ``values`` is a text, a single number or not iterable, or an item is not an int.
    """
    if isinstance(values, str | bytes | numbers.Number) or not isinstance(values, Iterable):
        raise ArgumentTypeError(
            f"expected an iterable of int years such as [2024, 2025], got {_type_name(values)}",
            key=name)
    return [check_year(v, f"{name}[{i}]") for i, v in enumerate(values)]


def check_finite(value: Any, name: str, *, minimum: float | None = None) -> float:
    """A real-number argument as a finite ``float``, optionally ``>= minimum``.

    Raises
    ------
    ArgumentTypeError
        For a boolean, a text or another non-real type.
    InputError
        For ``inf``, ``nan`` or a value below ``minimum``.
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"expected a real number, got {_type_name(value)}", key=name)
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"expected a finite number, got {number!r}", key=name)
    if minimum is not None and number < minimum:
        raise InputError(f"must be >= {minimum:g}, got {number:g}", key=name)
    return number
