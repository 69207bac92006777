"""The shipped conversion-basis presets (``conversions/data/bases.toml``) and user preset files.

A preset file holds one table per basis; every assumption has a value, unit, status and source
(the format is described at the top of the shipped file). ``based_on`` copies the assumptions of
an earlier preset, so a variant lists only what it changes.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from conversions.basis import ASSUMPTIONS, FIELDS, ConversionBasis
from conversions.contexts import t_co2e_per_credit
from conversions.errors import BasisError, DataFileError, UnknownBasisError
from conversions.records import LAW_STATUSES, check_source, check_status, read_toml
from conversions.registry import Q_

__all__ = ["PRESET_FILE", "get_basis", "list_bases", "load_bases"]

#: The presets shipped with the package.
PRESET_FILE: Path = Path(str(resources.files("conversions").joinpath("data", "bases.toml")))

_HEAD = ("description", "boundary", "fuel", "based_on")
_ENTRY = ("value", "unit", "status", "source")


def _read(path: Path, known: dict[str, ConversionBasis]) -> dict[str, ConversionBasis]:
    file = str(path)
    doc = read_toml(path)
    if set(doc) != {"basis"} or not isinstance(doc["basis"], dict) or not doc["basis"]:
        raise DataFileError("expected [basis.<name>] tables and nothing else", file=file)
    out: dict[str, ConversionBasis] = {}
    for name, table in doc["basis"].items():
        key = f"basis.{name}"
        if not isinstance(table, dict):
            raise DataFileError("must be a table", file=file, key=key)
        unknown = set(table) - set(_HEAD) - set(FIELDS)
        if unknown:
            raise DataFileError(
                f"unknown key(s) {sorted(unknown)}; allowed: {', '.join(_HEAD + FIELDS)}",
                file=file, key=key,
            )
        values: dict[str, Any] = {}
        sources: dict[str, str] = {}
        statuses: dict[str, str] = {}
        if "based_on" in table:
            parent = {**known, **out}.get(table["based_on"])
            if parent is None:
                raise DataFileError(
                    f"based_on = {table['based_on']!r} names no earlier preset", file=file,
                    key=f"{key}.based_on",
                )
            values = parent.assumptions
            sources, statuses = dict(parent.sources), dict(parent.statuses)
        for f in FIELDS:
            if f not in table:
                if f not in values:
                    raise DataFileError("missing assumption", file=file, key=f"{key}.{f}")
                continue
            entry = table[f]
            where = f"{key}.{f}"
            if not isinstance(entry, dict) or set(entry) != set(_ENTRY):
                raise DataFileError(
                    f"must be a table with exactly {', '.join(_ENTRY)}", file=file, key=where
                )
            value = entry["value"]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DataFileError(f"value must be a number, got {value!r}", file=file,
                                    key=where)
            check_status(entry["status"], LAW_STATUSES, file=file, key=where)
            check_source(entry["source"], file=file, key=where)
            try:
                values[f] = Q_(float(value), entry["unit"])
            except Exception as exc:  # any pint parse error: name the key
                raise DataFileError(f"bad unit {entry['unit']!r}: {exc}", file=file,
                                    key=where) from None
            sources[f], statuses[f] = entry["source"], entry["status"]
        for head in ("description", "boundary", "fuel"):
            if head not in table:
                raise DataFileError("missing key", file=file, key=f"{key}.{head}")
        try:
            out[name] = ConversionBasis(
                name=name, boundary=table["boundary"], fuel=table["fuel"],
                description=table["description"], sources=sources, statuses=statuses,
                **values,
            )
        except BasisError as exc:
            sub = f"{key}.{exc.field}" if exc.field else key
            raise DataFileError(str(exc), file=file, key=sub) from None
    return out


def load_bases(*files: str | Path, defaults: bool = True) -> dict[str, ConversionBasis]:
    """Load conversion-basis presets: the shipped ones, then the user's files in order.

    Parameters
    ----------
    *files : str or Path
        User preset files (same format as ``conversions/data/bases.toml``). A preset with the
        name of an earlier one replaces it; ``based_on`` may name any earlier preset.
    defaults : bool, default True
        Load the shipped presets first.

    Returns
    -------
    dict
        Name -> :class:`ConversionBasis`, in file order.

    Raises
    ------
    DataFileError
        Naming the file and key of a malformed or invalid entry.
    """
    paths = ([PRESET_FILE] if defaults else []) + [Path(f) for f in files]
    bases: dict[str, ConversionBasis] = {}
    for path in paths:
        bases.update(_read(path, bases))
    return bases


_DEFAULT: dict[str, ConversionBasis] = {}


def _defaults() -> dict[str, ConversionBasis]:
    if not _DEFAULT:
        _DEFAULT.update(load_bases())
    return _DEFAULT


def get_basis(name: str | ConversionBasis) -> ConversionBasis:
    """The shipped preset called ``name`` (a :class:`ConversionBasis` is returned as is).

    Parameters
    ----------
    name : str or ConversionBasis
        Preset name, e.g. ``"ttw-real-world"``.

    Returns
    -------
    ConversionBasis

    Raises
    ------
    UnknownBasisError
        Listing the known preset names.
    """
    if isinstance(name, ConversionBasis):
        return name
    bases = _defaults()
    try:
        return bases[name]
    except (KeyError, TypeError):
        raise UnknownBasisError(str(name), list(bases)) from None


def list_bases(*files: str | Path) -> pd.DataFrame:
    """Table of the presets: one row per basis, every assumption in a unit-suffixed column.

    Parameters
    ----------
    *files : str or Path
        Extra preset files to load after the shipped ones (default: the shipped presets only).

    Returns
    -------
    pandas.DataFrame
        Columns ``name, description, boundary, fuel``, one column per assumption (e.g.
        ``lifetime_distance_km`` [km/vehicle], ``co2_per_litre_kg_co2e_per_l`` [kg_CO2e/L]),
        then ``t_co2e_per_credit`` [t_CO2e per CAFC credit, also per NEV credit by
        compliance equivalence] and ``nev_avoided_t_co2e_per_credit`` [t_CO2e/nev_credit].
    """
    bases = load_bases(*files) if files else _defaults()
    rows = []
    for b in bases.values():
        row: dict[str, Any] = {
            "name": b.name, "description": b.description, "boundary": b.boundary, "fuel": b.fuel,
        }
        for spec in ASSUMPTIONS:
            row[spec.column] = float(getattr(b, spec.field).magnitude)
        row["t_co2e_per_credit"] = t_co2e_per_credit(b, "cafc", "compliance")
        row["nev_avoided_t_co2e_per_credit"] = t_co2e_per_credit(b, "nev", "avoided")
        rows.append(row)
    return pd.DataFrame(rows)
