"""The library's one pint unit registry, with the domain units of ``units.txt``.

Every module of the library (and every user) should take units from here::

    from conversions import ureg, Q_
    Q_(1000, "cafc_credit")

The registry is built on import from pint's default definitions plus the package's definitions
file ``conversions/units.txt``. Importing makes it pint's application registry
(:func:`pint.set_application_registry`), so that a Quantity pickled in one process unpickles in
any other process that imported :mod:`conversions` (process pools, Dask workers), and prints
nothing.
"""

from __future__ import annotations

import tokenize
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pint

from conversions.errors import (
    QuantityRegistryError,
    UndefinedUnitExpressionError,
    UnitExpressionError,
)

__all__ = ["Q_", "UNITS_FILE", "Quantity", "as_magnitude", "as_quantity", "parse_unit", "ureg"]

#: The definitions file shipped with the package.
UNITS_FILE: Path = Path(str(resources.files("conversions").joinpath("units.txt")))

#: The library's one pint unit registry, with the domain units of :data:`UNITS_FILE`
#: (``vehicle``, ``cafc_credit``, ``nev_credit``, ``t_CO2e``, ``CNY``, ``L_per_100km``, ...).
ureg: pint.UnitRegistry = pint.UnitRegistry()
ureg.load_definitions(str(UNITS_FILE))
# Unpickling a Quantity looks its units up in pint's application registry: make it this one.
pint.set_application_registry(ureg)

#: Quantity class of :data:`ureg` (``Q_(1, "t_CO2e")``).
Q_ = ureg.Quantity
Quantity = ureg.Quantity


def parse_unit(text: str) -> pint.Unit:
    """Parse a unit expression such as ``"CNY/t_CO2e"`` into a unit of :data:`ureg`.

    Parameters
    ----------
    text : str
        Unit expression. It may not contain a number: write ``L_per_100km``, not ``L/100km``.

    Returns
    -------
    pint.Unit

    Raises
    ------
    UndefinedUnitExpressionError
        When a name is not defined in the registry (a :class:`UnitExpressionError` and a
        :class:`pint.UndefinedUnitError`).
    UnitExpressionError
        When the expression is empty, malformed (``km**``, ``(km``, ``km/0``), contains a
        numeric factor or is not a unit at all. The message quotes the expression.
    """
    if not isinstance(text, str) or not text.strip():
        raise UnitExpressionError(f"a unit must be a non-empty text, got {text!r}")
    try:
        unit = ureg.parse_units(text)
    except pint.UndefinedUnitError as exc:
        raise UndefinedUnitExpressionError(text, exc.unit_names) from None
    except Exception as exc:  # pint's parser raises many kinds (TokenError, AssertionError, ...)
        raise UnitExpressionError(f"'{text}' is not a unit: {_reason(text, exc)}") from None
    bad = [f"{name}**{power}" for name, power in unit._units.items()
           if not np.isfinite(float(power))]
    if bad:
        raise UnitExpressionError(f"'{text}' is not a unit: non-finite power {bad[0]}")
    return unit


def _reason(text: str, exc: Exception) -> str:
    """The parser's complaint in words, with a hint for numbers inside a unit."""
    if isinstance(exc, ZeroDivisionError):
        reason = "division by zero"
    elif isinstance(exc, tokenize.TokenError):
        reason = "unbalanced parentheses or unfinished expression"
    elif isinstance(exc, AssertionError | IndexError | StopIteration):
        reason = "incomplete expression (an operator without its operand?)"
    elif str(exc).strip():
        reason = " ".join(str(exc).split())
    else:
        reason = f"malformed expression ({type(exc).__name__})"
    if any(ch.isdigit() for ch in text.replace("CO2", "")):
        reason += " (a unit cannot contain a number: write L_per_100km, kWh_per_100km)"
    return reason


def as_quantity(value: Any, default_unit: str | pint.Unit) -> pint.Quantity:
    """A Quantity of :data:`ureg` from a Quantity or a plain number / array.

    Parameters
    ----------
    value : Quantity, number, array-like or pandas Series
        A Quantity is returned as it is (it must belong to :data:`ureg`); anything else is read
        in ``default_unit``. Array-likes become float numpy arrays (a Series loses its index).
    default_unit : str or pint.Unit
        Unit of plain numbers.

    Returns
    -------
    pint.Quantity

    Raises
    ------
    QuantityRegistryError
        For a Quantity of another registry (a TypeError).
    """
    if isinstance(value, pint.Quantity):
        if value._REGISTRY is not ureg:
            raise QuantityRegistryError(
                "the Quantity belongs to another pint registry; build it with conversions.Q_ "
                "(conversions.ureg) so that the domain units and contexts apply"
            )
        return value
    return Q_(as_magnitude(value), default_unit)


def as_magnitude(value: Any) -> float | np.ndarray:
    """A float or a float numpy array from a number, array-like or pandas object."""
    if isinstance(value, pd.Series | pd.Index):
        return value.to_numpy(dtype=float)
    if np.ndim(value) == 0:
        return float(value)
    return np.asarray(value, dtype=float)
