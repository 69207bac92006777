"""The library's one pint unit registry, with the domain units of ``units.txt``.

Every module of the library (and every user) should take units from here::

    from conversions import ureg, Q_
    Q_(1000, "cafc_credit")

The registry is built on import from pint's default definitions plus the package's definitions
file ``conversions/units.txt``. Importing does not touch pint's global application registry and
prints nothing.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pint

from conversions.errors import UnitExpressionError

__all__ = ["Q_", "UNITS_FILE", "Quantity", "as_magnitude", "as_quantity", "parse_unit", "ureg"]

#: The definitions file shipped with the package.
UNITS_FILE: Path = Path(str(resources.files("conversions").joinpath("units.txt")))

ureg: pint.UnitRegistry = pint.UnitRegistry()
ureg.load_definitions(str(UNITS_FILE))

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
    pint.UndefinedUnitError
        When a name is not defined in the registry.
    UnitExpressionError
        When the expression contains a numeric factor or is not a unit at all.
    """
    if not isinstance(text, str) or not text.strip():
        raise UnitExpressionError(f"a unit must be a non-empty text, got {text!r}")
    try:
        return ureg.parse_units(text)
    except pint.UndefinedUnitError:
        raise
    except (ValueError, TypeError, SyntaxError, pint.PintError) as exc:
        hint = ""
        if any(ch.isdigit() for ch in text.replace("CO2", "")):
            hint = " (a unit cannot contain a number: write L_per_100km, kWh_per_100km)"
        raise UnitExpressionError(f"'{text}' is not a unit: {exc}{hint}") from None


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
    TypeError
        For a Quantity of another registry.
    """
    if isinstance(value, pint.Quantity):
        if value._REGISTRY is not ureg:
            raise TypeError(
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
