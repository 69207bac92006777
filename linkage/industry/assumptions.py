"""Assumptions of the ILLUSTRATIVE industry generator: sourced records, loaded and overridden.

Every number the generator uses is a record of ``linkage/industry/data/industry_assumptions.toml``
(``key``, ``value``, ``unit``, ``status = "assumption"``, ``text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from conversions.errors import DataFileError
from conversions.records import load_records
from linkage.console import did_you_mean
from linkage.errors import InputError

__all__ = ["IndustryDataError", "assumptions_file", "load_assumptions"]

#: Units of the assumption files that :data:`conversions.ureg` does not define (no currency
#: other than CNY, no "enterprise" or bare "credit" unit): accepted as labels.
_UNPARSED_UNITS = ("enterprise", "CNY/USD", "CNY/credit", "USD/kWh")


class IndustryDataError(InputError):
    """The illustrative-industry generator got bad input or could not calibrate."""


def assumptions_file() -> str:
    """Path of the shipped assumption file (``linkage/industry/data/industry_assumptions.toml``)."""
    return str(resources.files("linkage.industry").joinpath("data", "industry_assumptions.toml"))


def _number_ok(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and bool(np.isfinite(x))


def _records(path: str) -> dict[str, dict[str, Any]]:
    """The checked ``[[assumption]]`` records of ``path``: key -> ``{"value", "unit", "status",
    "text"}`` (status ``"assumption"`` only; read by :func:`conversions.records.load_records`).

    Raises
    ------
    IndustryDataError
        A field is missing or unknown, the value is not a finite number or a non-empty list of
        them, the unit does not parse, or the status is not ``"assumption"``.
    """
    try:
        records = load_records(path, table="assumption", source_field="text",
                               allowed_statuses=("assumption",), unparsed_units=_UNPARSED_UNITS)
    except DataFileError as exc:
        raise IndustryDataError(exc.rule, file=exc.file, key=exc.key) from None
    return {r.key: {"value": r.value, "unit": r.unit, "status": r.status, "text": r.source}
            for r in records}


def _override_value(key: str, value: Any, old: Any) -> Any:
    """``value`` checked against the shape of the shipped value ``old`` (lists become floats).

    Raises
    ------
    IndustryDataError
        ``value`` is not a number (``old`` a number) or not a list of as many numbers.
    """
    if isinstance(old, list):
        ok = (
            isinstance(value, list | tuple)
            and len(value) == len(old)
            and all(_number_ok(v) for v in value)
        )
        value = [float(v) for v in value] if ok else value
    else:
        ok = _number_ok(value)
    if not ok:
        form = f"a list of {len(old)} numbers" if isinstance(old, list) else "a number"
        raise IndustryDataError(f"expected {form}, got {value!r}", key=key)
    return value


def load_assumptions(overrides: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """The generator's assumptions, optionally overridden.

    Parameters
    ----------
    overrides : mapping key -> value, optional
        New values for shipped keys (a number, or a list of numbers where the shipped value is
        a list of the same length).

    Returns
    -------
    dict
        key -> ``{"value", "unit", "status", "text"}``; ``status`` is ``"assumption"``
        (``"assumption (overridden)"`` for overridden keys).

    Raises
    ------
    IndustryDataError
        The file is malformed, or an override names an unknown key or has the wrong form.
    """
    out = _records(assumptions_file())
    for key, value in (overrides or {}).items():
        if key not in out:
            raise IndustryDataError(f"unknown assumption{did_you_mean(key, sorted(out))}",
                                    key=key)
        value = _override_value(key, value, out[key]["value"])
        out[key] = {**out[key], "value": value, "status": "assumption (overridden)"}
    return out


class _Values:
    """Read assumption values by key (and kind)."""

    def __init__(self, table: Mapping[str, Mapping[str, Any]]) -> None:
        self.table = table

    def __call__(self, key: str, kind: str | None = None) -> Any:
        return self.table[f"{key}.{kind}" if kind else key]["value"]
