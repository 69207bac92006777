"""Assumptions of the ILLUSTRATIVE industry generator: sourced records, loaded and overridden.

Every number the generator uses is a record of ``linkage/industry/data/industry_assumptions.toml``
(``key``, ``value``, ``unit``, ``status = "assumption"``, ``text``).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np

from linkage.console import did_you_mean
from linkage.errors import InputError

__all__ = ["IndustryDataError", "assumptions_file", "load_assumptions"]

#: Fields every assumption record carries.
_RECORD_FIELDS = frozenset({"key", "value", "unit", "status", "text"})


class IndustryDataError(InputError):
    """The illustrative-industry generator got bad input or could not calibrate."""


def assumptions_file() -> str:
    """Path of the shipped assumption file (``linkage/industry/data/industry_assumptions.toml``)."""
    return str(resources.files("linkage.industry").joinpath("data", "industry_assumptions.toml"))


def _number_ok(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and bool(np.isfinite(x))


def _record(entry: Mapping[str, Any], i: int, path: str) -> dict[str, Any]:
    """One checked record of the file: ``{"value", "unit", "status", "text"}``.

    Raises
    ------
    IndustryDataError
        A field is missing, the value is not a number or a non-empty list of numbers, or the
        status is not ``"assumption"``.
    """
    missing = _RECORD_FIELDS - set(entry)
    if missing:
        raise IndustryDataError(
            f"assumption {i} lacks {sorted(missing)}", file=path, key=f"assumption[{i}]"
        )
    key, value = entry["key"], entry["value"]
    ok = _number_ok(value) or (
        isinstance(value, list) and value and all(_number_ok(v) for v in value)
    )
    if not ok:
        raise IndustryDataError(
            f"value must be a number or a list of numbers, got {value!r}", file=path, key=key
        )
    if entry["status"] != "assumption":
        raise IndustryDataError(
            f"status must be 'assumption', got {entry['status']!r}", file=path, key=key
        )
    return {
        "value": value,
        "unit": entry["unit"],
        "status": entry["status"],
        "text": entry["text"],
    }


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
    path = assumptions_file()
    with open(path, "rb") as fh:
        doc = tomllib.load(fh)
    out: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(doc.get("assumption", [])):
        record = _record(entry, i, path)
        out[entry["key"]] = record
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
