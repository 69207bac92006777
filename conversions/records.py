"""Sourced records: one TOML reader, one set of record checks, one status vocabulary.

Every number the library ships (rulebook entries, ETS facts and the ETS side, conversion-basis
presets, the industry and backcast assumptions) is a *sourced record*: a key, a value, a unit,
the years it applies to, a status and a source. This module, in the bottom layer, reads such
files and checks their records the same way everywhere; each data module adds only its own
schema (which keys and units it knows).

Status vocabulary (:data:`STATUSES`, meanings in :data:`STATUS_MEANINGS`):

- ``official``: read in the primary legal or official text;
- ``secondary``: from a secondary source (press, reports) quoting an official one;
- ``provisional``: an expected or held-over value, not yet confirmed;
- ``scenario``: a value chosen to explore a policy that does not exist;
- ``assumption``: a stated modelling choice, with its reasoning in the source text.

Rulebook entries (``linkage/rules/data/*.toml``) are law and use the four
:data:`LAW_STATUSES` only; ``assumption`` is for data files (ETS side, industry and backcast
assumptions), never for a rule.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conversions.errors import DataFileError, InputError, did_you_mean
from conversions.registry import ureg

__all__ = [
    "LAW_STATUSES",
    "STATUSES",
    "STATUS_MEANINGS",
    "SourcedRecord",
    "check_fields",
    "check_source",
    "check_status",
    "check_unit",
    "load_records",
    "read_toml",
]

#: What each status means (one line each); the keys, in order, are :data:`STATUSES`.
STATUS_MEANINGS: Mapping[str, str] = {
    "official": "read in the primary legal or official text",
    "secondary": "from a secondary source quoting an official one",
    "provisional": "an expected or held-over value, not yet confirmed",
    "scenario": "a value chosen to explore a policy that does not exist",
    "assumption": "a stated modelling choice, with its reasoning in the source text",
}
#: Every status a sourced record may carry.
STATUSES: tuple[str, ...] = tuple(STATUS_MEANINGS)
#: The statuses of law (rulebook entries, ETS rules, conversion bases): all but ``assumption``.
LAW_STATUSES: tuple[str, ...] = STATUSES[:4]

#: Units that are not pint units (the value is a text, flag or date).
_NON_PINT_UNITS = frozenset({"flag", "text", "date"})


@dataclass(frozen=True)
class SourcedRecord:
    """One record of a sourced-record TOML file.

    Attributes
    ----------
    key : str
        Dotted key, e.g. ``"covered_emissions.power"``.
    value : object
        A number, a list of numbers, a bool (unit ``"flag"``) or a text.
    unit : str
        A pint unit string (parsed by :data:`conversions.ureg`), or ``flag`` / ``text``.
    from_year, to_year : int or None
        The span of years the value applies to (inclusive); ``None`` where the file has none.
    status : str
        One of :data:`STATUSES`.
    source : str
        Where the value comes from (non-empty).
    file : str
        The file the record was read from.
    """

    key: str
    value: Any
    unit: str
    from_year: int | None
    to_year: int | None
    status: str
    source: str
    file: str


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a dict; every failure names the file.

    Raises
    ------
    DataFileError
        The file is missing, a directory, not UTF-8 or not valid TOML (line and column).
    """
    file = str(path)
    try:
        with open(path, "rb") as fh:
            return tomllib.loads(fh.read().decode("utf-8"))
    except FileNotFoundError:
        raise DataFileError("file not found", file=file) from None
    except IsADirectoryError:
        raise DataFileError("is a directory, not a TOML file", file=file) from None
    except UnicodeDecodeError as exc:
        raise DataFileError(f"not UTF-8 text (byte {exc.start})", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise DataFileError(f"not valid TOML: {exc}", file=file) from None


def check_fields(raw: Mapping[str, Any], required: Iterable[str], optional: Iterable[str] = (),
                 *, file: str, key: str) -> None:
    """Refuse a record with a missing or unknown field (with the closest known field).

    Raises
    ------
    DataFileError
        ``"unknown field(s) [...] / missing field(s) [...]"`` naming file and key.
    """
    required = set(required)
    known = required | set(optional)
    extra, missing = set(raw) - known, required - set(raw)
    if extra or missing:
        hint = did_you_mean(sorted(extra)[0], sorted(known - set(raw))) if extra else ""
        raise DataFileError(f"unknown field(s) {sorted(extra)} / missing field(s) "
                            f"{sorted(missing)}{hint}", file=file, key=key)


def check_status(status: object, allowed: Iterable[str], *, file: str, key: str,
                 error: type[InputError] = DataFileError) -> str:
    """``status`` if it is one of ``allowed`` (a subset of :data:`STATUSES`).

    Raises
    ------
    DataFileError
        (or ``error``) ``"status must be one of ..., got '...'"``.
    """
    allowed = tuple(allowed)
    if status not in allowed:
        raise error(f"status must be one of {', '.join(allowed)}, got {status!r}",
                    file=file, key=key)
    return str(status)


def check_source(source: object, *, file: str, key: str, field: str = "source",
                 error: type[InputError] = DataFileError) -> str:
    """``source`` if it is a non-empty text.

    Raises
    ------
    DataFileError
        (or ``error``) ``"source must be a non-empty text"``.
    """
    if not isinstance(source, str) or not source.strip():
        raise error(f"{field} must be a non-empty text", file=file, key=key)
    return source


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def check_unit(unit: object, *, file: str, key: str, unparsed: Iterable[str] = ()) -> str:
    """``unit`` if it parses with :data:`conversions.ureg` (a scale such as ``10^4 vehicle`` is
    allowed); ``flag``, ``text``, ``date`` and the ``unparsed`` units pass unchecked.

    Raises
    ------
    DataFileError
        ``"bad unit ...: ..."``.
    """
    if not isinstance(unit, str):
        raise DataFileError(f"unit must be a text, got {unit!r}", file=file, key=key)
    if unit in _NON_PINT_UNITS or unit in set(unparsed):
        return unit
    try:
        ureg.parse_expression(unit)
    except Exception as exc:  # any pint parse error: name the key
        raise DataFileError(f"bad unit {unit!r}: {exc}", file=file, key=key) from None
    return unit


def _value(raw: Any, unit: str, *, file: str, key: str) -> Any:
    if unit == "flag":
        if not isinstance(raw, bool):
            raise DataFileError("expected true or false", file=file, key=key)
    elif unit in ("text", "date"):
        if not isinstance(raw, str):
            raise DataFileError(f"expected a text, got {raw!r}", file=file, key=key)
    elif not (_finite(raw) or (isinstance(raw, list) and raw and all(map(_finite, raw)))):
        raise DataFileError(f"value must be a finite number or a list of them, got {raw!r}",
                            file=file, key=key)
    return raw


def _years(raw: Mapping[str, Any], *, file: str, key: str) -> tuple[int | None, int | None]:
    if "year" in raw:
        first = last = raw["year"]
    else:
        first, last = raw.get("from_year"), raw.get("to_year")
    if first is None and last is None:
        return None, None
    if not (type(first) is int and type(last) is int and first <= last):
        raise DataFileError("from_year and to_year must be years, from <= to", file=file,
                            key=key)
    return first, last


def load_records(
    path: str | Path,
    *,
    table: str = "record",
    source_field: str = "source",
    optional: Iterable[str] = (),
    allowed_statuses: Iterable[str] = STATUSES,
    schema: Mapping[str, str] | None = None,
    unparsed_units: Iterable[str] = (),
) -> list[SourcedRecord]:
    """The ``[[<table>]]`` records of a TOML file, each checked.

    Parameters
    ----------
    path : str or Path
        The TOML file.
    table : str
        Name of the array of tables holding the records (``record``, ``fact``, ``assumption``).
    source_field : str
        Field holding the source text (``source``; ``text`` for the assumption files).
    optional : iterable of str
        Fields a record may carry besides key, value, unit, status and the source field
        (e.g. ``year`` or ``from_year``/``to_year``).
    allowed_statuses : iterable of str
        The statuses this file may use (a subset of :data:`STATUSES`).
    schema : mapping key stem -> unit, optional
        When given, the first part of each key (before the first dot) must be one of its
        keys and the unit must be the one it names.
    unparsed_units : iterable of str
        Units this file writes that the registry does not define (e.g. ``"enterprise"``,
        ``"USD/kWh"``): accepted unchecked, a known gap of the assumption files.

    Returns
    -------
    list of SourcedRecord
        In file order; an empty file gives an empty list.

    Raises
    ------
    DataFileError
        Naming the file and key: the file cannot be read, a field is missing or unknown, the
        status is not allowed, the source is empty, a number is not finite, a unit does not
        parse or does not match the schema, or the years are not a span.
    """
    file = str(path)
    doc = read_toml(path)
    entries = doc.get(table, [])
    if not isinstance(entries, list):
        raise DataFileError(f"expected [[{table}]] tables", file=file, key=table)
    required = ("key", "value", "unit", "status", source_field)
    allowed = tuple(allowed_statuses)
    out: list[SourcedRecord] = []
    for i, raw in enumerate(entries, 1):
        key = str(raw.get("key", f"{table} #{i}"))
        check_fields(raw, required, optional, file=file, key=key)
        unit = raw["unit"]
        if schema is not None:
            stem = key.split(".")[0]
            if stem not in schema or unit != schema[stem]:
                raise DataFileError(
                    f"unknown key or unit {unit!r}{did_you_mean(stem, schema)} (keys and units: "
                    f"{dict(schema)})", file=file, key=key)
        check_status(raw["status"], allowed, file=file, key=key)
        check_source(raw[source_field], file=file, key=key, field=source_field)
        value = _value(raw["value"], unit, file=file, key=key)
        check_unit(unit, file=file, key=key, unparsed=unparsed_units)
        first, last = _years(raw, file=file, key=key)
        out.append(SourcedRecord(key=key, value=value, unit=unit, from_year=first,
                                 to_year=last, status=raw["status"],
                                 source=raw[source_field], file=file))
    return out
