"""Conversion bases: immutable, named sets of the assumptions that turn credits into CO2e.

A CAFC credit (1 L/100 km x 1 vehicle) or an NEV credit has no CO2 content by itself. To express
it in t CO2e one must assume how far a vehicle is driven, how much CO2 a litre of fuel emits,
how far real-world consumption exceeds the laboratory value, whether upstream emissions count,
and, for the avoided-emissions value of an NEV credit, which conventional car an NEV displaces
and how much electricity it uses. A :class:`ConversionBasis` holds all of them, each as a pint
Quantity with its source and status; none is ever an unnamed constant. The shipped presets are
in ``conversions/data/bases.toml`` (see :func:`conversions.list_bases`).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
import pint

from conversions.contexts import register_context
from conversions.errors import ArgumentError, BasisUnitError, BasisValueError
from conversions.records import LAW_STATUSES
from conversions.registry import Q_, ureg

__all__ = [
    "ASSUMPTIONS",
    "BOUNDARIES",
    "FUELS",
    "METHODS",
    "OVERRIDE_SOURCE",
    "OVERRIDE_STATUS",
    "STATUSES",
    "Assumption",
    "ConversionBasis",
    "check_method",
]

#: Emissions a basis counts: tailpipe only, or also the fuel's production (well-to-tank).
BOUNDARIES = ("tank-to-wheel", "well-to-wheel")
#: Fuels of a basis: that of the conventional car whose consumption a CAFC credit measures.
FUELS = ("gasoline", "diesel")
#: Ways to value an NEV credit in CO2e (a CAFC credit has one value whatever the method).
METHODS = ("compliance", "avoided")
#: Statuses of values in data files, as in the rulebooks of :mod:`linkage`.
STATUSES = LAW_STATUSES
#: Status and source given to a value the user sets (:meth:`ConversionBasis.replace`).
OVERRIDE_STATUS = "user"
OVERRIDE_SOURCE = "user override"
_NO_SOURCE = "user-supplied, no source given"


@dataclass(frozen=True)
class Assumption:
    """Specification of one assumption of a conversion basis.

    Attributes
    ----------
    field : str
        Field name in :class:`ConversionBasis`.
    unit : str
        Canonical unit (pint expression); values are stored in it.
    label : str
        Unit as shown in tables (``"1"`` for dimensionless).
    column : str
        Unit-suffixed column name used in tables and draws.
    description : str
        What the assumption is.
    minimum : float
        Lower bound of the allowed values, in ``unit``.
    inclusive : bool
        Whether ``minimum`` itself is allowed.
    per_vehicle : bool
        A Quantity given without the ``/vehicle`` (e.g. ``200_000 km``) is read per vehicle.
    """

    field: str
    unit: str
    label: str
    column: str
    description: str
    minimum: float
    inclusive: bool
    per_vehicle: bool = False

    def invalid(self, magnitude: Any) -> np.ndarray:
        """Boolean mask of the magnitudes (in ``unit``) outside the allowed values."""
        m = np.asarray(magnitude, dtype=float)
        low = m < self.minimum if self.inclusive else m <= self.minimum
        return ~np.isfinite(m) | low

    def rule(self) -> str:
        """The allowed values in words, e.g. ``">= 1"``."""
        op = ">=" if self.inclusive else ">"
        unit = "" if self.label == "1" else f" {self.label}"
        return f"finite and {op} {self.minimum:g}{unit}"


#: Every assumption of a basis, in a fixed order (the order of fields, tables and draws).
ASSUMPTIONS: tuple[Assumption, ...] = (
    Assumption("co2_per_litre", "kg_CO2e / L", "kg_CO2e/L", "co2_per_litre_kg_co2e_per_l",
               "tailpipe CO2 of burning one litre of fuel", 0.0, False),
    Assumption("upstream_uplift", "dimensionless", "1", "upstream_uplift_share",
               "share added for well-to-tank emissions of the fuel (0 for tank-to-wheel)",
               0.0, True),
    Assumption("lifetime_distance", "km / vehicle", "km/vehicle", "lifetime_distance_km",
               "distance a vehicle is driven over its life", 0.0, False, per_vehicle=True),
    Assumption("real_world_gap", "dimensionless", "1", "real_world_gap_factor",
               "real-world over type-approval consumption (1.37 = 37 % more)", 1.0, True),
    Assumption("grid_factor", "kg_CO2e / kWh", "kg_CO2e/kWh", "grid_factor_kg_co2e_per_kwh",
               "CO2e of one kWh from the grid (avoided-emissions method only)", 0.0, True),
    Assumption("displaced_fuel_consumption", "L_per_100km", "L_per_100km",
               "displaced_fuel_consumption_l_per_100km",
               "type-approval fuel consumption of the conventional car an NEV displaces "
               "(avoided-emissions method only)", 0.0, False),
    Assumption("nev_energy_consumption", "kWh_per_100km", "kWh_per_100km",
               "nev_energy_consumption_kwh_per_100km",
               "type-approval electricity consumption of the reference NEV, at the plug "
               "(avoided-emissions method only)", 0.0, False),
    Assumption("nev_credit_per_vehicle", "nev_credit / vehicle", "nev_credit/vehicle",
               "nev_credit_per_vehicle",
               "NEV credits the reference NEV earns (avoided-emissions method only)", 0.0, False,
               per_vehicle=True),
)
_SPEC = {a.field: a for a in ASSUMPTIONS}
FIELDS = tuple(_SPEC)


def check_method(method: str) -> str:
    """Return ``method`` if it is one of :data:`METHODS`, else raise :class:`ArgumentError`."""
    if method not in METHODS:
        raise ArgumentError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    return method


def _normalise(spec: Assumption, value: Any, basis: str) -> pint.Quantity:
    """``value`` as a scalar float Quantity in ``spec.unit``, validated."""
    where = f"basis '{basis}': {spec.field}"
    if isinstance(value, bool) or value is None or isinstance(value, str):
        raise BasisValueError(
            f"{where} must be a Quantity or a number in {spec.label}, got {value!r}",
            field=spec.field,
        )
    if isinstance(value, pint.Quantity):
        if value._REGISTRY is not ureg:
            raise BasisUnitError(
                f"{where}: the Quantity belongs to another pint registry; use conversions.Q_",
                field=spec.field,
            )
        target = ureg.parse_units(spec.unit)
        if spec.per_vehicle and value.dimensionality == (target * ureg.vehicle).dimensionality:
            value = value / ureg.vehicle
        try:
            q = value.to(target)
        except pint.DimensionalityError:
            alt = f" (or {spec.label.split('/')[0]})" if spec.per_vehicle else ""
            raise BasisUnitError(
                f"{where} must be in {spec.label}{alt}, got {value:~} "
                f"(dimension {value.dimensionality})",
                field=spec.field,
            ) from None
    else:
        try:
            q = Q_(float(value), spec.unit)
        except (TypeError, ValueError):
            raise BasisValueError(
                f"{where} must be a Quantity or a number in {spec.label}, got {value!r}",
                field=spec.field,
            ) from None
    if np.ndim(q.magnitude) != 0:
        raise BasisValueError(f"{where} must be a single value, not an array", field=spec.field)
    q = Q_(float(q.magnitude), q.units)
    if spec.invalid(q.magnitude):
        raise BasisValueError(
            f"{where} must be {spec.rule()}, got {q.magnitude:g}", field=spec.field
        )
    return q


def _rebuild(
    name: str,
    boundary: str,
    fuel: str,
    values: dict[str, float],
    sources: dict[str, str],
    statuses: dict[str, str],
    description: str,
) -> ConversionBasis:
    quantities = {f: Q_(v, _SPEC[f].unit) for f, v in values.items()}
    return ConversionBasis(name=name, boundary=boundary, fuel=fuel, sources=sources,
                           statuses=statuses, description=description, **quantities)


def _texts(raw: Mapping[str, str] | None, what: str, basis: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, text in dict(raw or {}).items():
        if key not in _SPEC:
            raise BasisValueError(
                f"basis '{basis}': {what} names an unknown assumption '{key}'; assumptions: "
                f"{', '.join(FIELDS)}",
                field=key,
            )
        if not isinstance(text, str) or not text.strip():
            raise BasisValueError(
                f"basis '{basis}': the {what[:-1]} of {key} must be a non-empty text", field=key
            )
        out[key] = text
    return out


@dataclass(frozen=True, eq=False, repr=False)
class ConversionBasis:
    """A named, immutable set of assumptions to convert credits into CO2e.

    Quantities may be given in any convertible unit (they are stored in the unit listed below);
    plain numbers are read in that unit. Construction validates every value.

    Parameters
    ----------
    name : str
        Name (presets: ``"ttw-lab"``, ``"ttw-real-world"``, ``"wtw-real-world"``, ...).
    boundary : {"tank-to-wheel", "well-to-wheel"}
        Emissions counted: tailpipe only, or also the fuel's production (well-to-tank).
    fuel : {"gasoline", "diesel"}
        Fuel of the conventional car whose consumption a CAFC credit measures.
    co2_per_litre : Quantity
        Tailpipe CO2 of burning one litre of fuel [kg_CO2e/L], > 0.
    upstream_uplift : Quantity
        Share added for well-to-tank emissions [dimensionless], >= 0; must be 0 for
        tank-to-wheel.
    lifetime_distance : Quantity
        Distance driven over a vehicle's life [km/vehicle], > 0; a plain length (``km``) is read
        per vehicle.
    real_world_gap : Quantity
        Real-world over type-approval consumption [dimensionless], >= 1.
    grid_factor : Quantity
        CO2e of one kWh taken from the grid [kg_CO2e/kWh], >= 0 (avoided method only).
    displaced_fuel_consumption : Quantity
        Type-approval consumption of the conventional car a reference NEV displaces
        [L_per_100km], > 0 (avoided method only).
    nev_energy_consumption : Quantity
        Type-approval electricity consumption of the reference NEV, at the plug
        [kWh_per_100km], > 0 (avoided method only).
    nev_credit_per_vehicle : Quantity
        NEV credits the reference NEV earns [nev_credit/vehicle], > 0 (avoided method only); a
        plain ``nev_credit`` is read per vehicle.
    sources : mapping, optional
        Assumption -> where its value comes from. Missing ones read
        ``"user-supplied, no source given"``.
    statuses : mapping, optional
        Assumption -> ``official``, ``secondary``, ``provisional``, ``scenario`` or ``user``.
        Missing ones are ``"user"``.
    description : str, optional
        One line on what the basis represents.

    Raises
    ------
    BasisUnitError
        When a Quantity's unit cannot be converted to the assumption's unit.
    BasisValueError
        When a value is outside its allowed range (see above), not a single finite number, the
        boundary or fuel is unknown, or a tank-to-wheel basis has a non-zero upstream uplift.

    Notes
    -----
    t CO2e per CAFC credit = (1 L/100 km) x lifetime_km / 100 x kg_CO2_per_L x gap x
    (1 + uplift) / 1000 (carbon-linkage reference, section 1). See
    :func:`conversions.formulas.co2e_per_cafc_credit` and
    :func:`conversions.formulas.co2e_per_nev_credit_avoided` for the NEV methods.

    Examples
    --------
    >>> from conversions import get_basis, ureg
    >>> b = get_basis("ttw-real-world").replace(lifetime_distance=200_000 * ureg.km)
    >>> b.name, b.sources["lifetime_distance"]
    ('ttw-real-world*', 'user override')
    """

    name: str
    boundary: str
    fuel: str
    co2_per_litre: pint.Quantity
    upstream_uplift: pint.Quantity
    lifetime_distance: pint.Quantity
    real_world_gap: pint.Quantity
    grid_factor: pint.Quantity
    displaced_fuel_consumption: pint.Quantity
    nev_energy_consumption: pint.Quantity
    nev_credit_per_vehicle: pint.Quantity
    sources: Mapping[str, str] = field(default_factory=dict)
    statuses: Mapping[str, str] = field(default_factory=dict)
    description: str = ""

    def __post_init__(self) -> None:
        name = self.name
        if not isinstance(name, str) or not name.strip() or "\n" in name:
            raise BasisValueError(
                f"a basis name must be a non-empty one-line text, got {name!r}", field="name"
            )
        if self.boundary not in BOUNDARIES:
            raise BasisValueError(
                f"basis '{name}': boundary must be one of {', '.join(BOUNDARIES)}, "
                f"got {self.boundary!r}",
                field="boundary",
            )
        if self.fuel not in FUELS:
            raise BasisValueError(
                f"basis '{name}': fuel must be one of {', '.join(FUELS)}, got {self.fuel!r}",
                field="fuel",
            )
        if not isinstance(self.description, str):
            raise BasisValueError(f"basis '{name}': description must be a text",
                                  field="description")
        for spec in ASSUMPTIONS:
            object.__setattr__(self, spec.field, _normalise(spec, getattr(self, spec.field), name))
        if self.boundary == "tank-to-wheel" and self.upstream_uplift.magnitude != 0:
            raise BasisValueError(
                f"basis '{name}': a tank-to-wheel basis counts no well-to-tank emissions, so "
                f"upstream_uplift must be 0, got {self.upstream_uplift.magnitude:g} "
                "(use boundary='well-to-wheel')",
                field="upstream_uplift",
            )
        sources = _texts(self.sources, "sources", name)
        statuses = _texts(self.statuses, "statuses", name)
        for key, status in statuses.items():
            if status not in (*STATUSES, OVERRIDE_STATUS):
                raise BasisValueError(
                    f"basis '{name}': status of {key} must be one of "
                    f"{', '.join((*STATUSES, OVERRIDE_STATUS))}, got {status!r}",
                    field=key,
                )
        object.__setattr__(
            self, "sources",
            MappingProxyType({f: sources.get(f, _NO_SOURCE) for f in FIELDS}),
        )
        object.__setattr__(
            self, "statuses",
            MappingProxyType({f: statuses.get(f, OVERRIDE_STATUS) for f in FIELDS}),
        )

    # -- identity --------------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """Hex digest of the boundary, fuel and every value (not the name or sources)."""
        parts = [self.boundary, self.fuel]
        parts += [f"{f}={float(getattr(self, f).magnitude).hex()}" for f in FIELDS]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ConversionBasis):
            return NotImplemented
        return (
            self.name == other.name
            and self.fingerprint == other.fingerprint
            and dict(self.sources) == dict(other.sources)
            and dict(self.statuses) == dict(other.statuses)
            and self.description == other.description
        )

    def __hash__(self) -> int:
        return hash((self.name, self.fingerprint))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Quantities of conversions.ureg do not unpickle into another process's registry by
        # themselves: pickle plain magnitudes (in the canonical units) and rebuild.
        values = {f: float(getattr(self, f).magnitude) for f in FIELDS}
        return (
            _rebuild,
            (self.name, self.boundary, self.fuel, values, dict(self.sources),
             dict(self.statuses), self.description),
        )

    def __repr__(self) -> str:
        return (
            f"<ConversionBasis '{self.name}': {self.boundary}, {self.fuel}, "
            f"{self.co2_per_litre.magnitude:g} kg_CO2e/L, "
            f"{self.lifetime_distance.magnitude:g} km/vehicle, "
            f"gap {self.real_world_gap.magnitude:g}, uplift {self.upstream_uplift.magnitude:g}>"
        )

    # -- views -----------------------------------------------------------------------------
    @property
    def assumptions(self) -> dict[str, pint.Quantity]:
        """Assumption -> value, in :data:`ASSUMPTIONS` order."""
        return {f: getattr(self, f) for f in FIELDS}

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-ready description: name, boundary, fuel, description, then per assumption
        ``{"value", "unit", "status", "source"}``."""
        out: dict[str, Any] = {
            "name": self.name,
            "boundary": self.boundary,
            "fuel": self.fuel,
            "description": self.description,
        }
        for spec in ASSUMPTIONS:
            out[spec.field] = {
                "value": float(getattr(self, spec.field).magnitude),
                "unit": spec.label,
                "status": self.statuses[spec.field],
                "source": self.sources[spec.field],
            }
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per assumption: assumption, value, unit, status, source, description."""
        return pd.DataFrame(
            [
                {
                    "assumption": s.field,
                    "value": float(getattr(self, s.field).magnitude),
                    "unit": s.label,
                    "status": self.statuses[s.field],
                    "source": self.sources[s.field],
                    "description": s.description,
                }
                for s in ASSUMPTIONS
            ]
        )

    # -- derivation ------------------------------------------------------------------------
    def replace(
        self,
        *,
        name: str | None = None,
        sources: Mapping[str, str] | None = None,
        **changes: Any,
    ) -> ConversionBasis:
        """A new basis with some assumptions changed; this one is left as it is.

        Parameters
        ----------
        name : str, optional
            Name of the new basis. Default: this name with a ``*`` suffix
            (``"ttw-real-world*"``), unless it already ends with one.
        sources : mapping, optional
            Assumption -> source text of the new value; shown as ``"user override: <text>"``.
        **changes
            Assumption (or ``boundary``, ``fuel``, ``description``) -> new value, a Quantity or
            a number in the assumption's unit.

        Returns
        -------
        ConversionBasis
            Every changed assumption has source ``"user override"`` (plus the given text) and
            status ``"user"``.

        Raises
        ------
        BasisValueError, BasisUnitError
            For an unknown assumption or an invalid value.
        """
        allowed = {"boundary", "fuel", "description", *FIELDS}
        unknown = sorted(set(changes) - allowed)
        if unknown:
            raise BasisValueError(
                f"basis '{self.name}': cannot replace {', '.join(unknown)}; replaceable: "
                f"{', '.join(FIELDS)}, boundary, fuel, description",
                field=unknown[0],
            )
        texts = _texts(sources, "sources", self.name)
        missing = sorted(set(texts) - set(changes))
        if missing:
            raise BasisValueError(
                f"basis '{self.name}': sources given for unchanged assumption(s) "
                f"{', '.join(missing)}",
                field=missing[0],
            )
        new_sources = dict(self.sources)
        new_statuses = dict(self.statuses)
        for key in changes:
            if key in _SPEC:
                text = texts.get(key)
                new_sources[key] = f"{OVERRIDE_SOURCE}: {text}" if text else OVERRIDE_SOURCE
                new_statuses[key] = OVERRIDE_STATUS
        if name is None:
            name = self.name if self.name.endswith("*") else f"{self.name}*"
        return dataclasses.replace(
            self, name=name, sources=new_sources, statuses=new_statuses, **changes
        )

    # -- pint context ----------------------------------------------------------------------
    def context_name(self, method: str = "compliance") -> str:
        """Name of this basis's pint context for ``method``, registered on first use.

        Inside ``with ureg.context(basis.context_name(method)):`` credits convert to CO2e (and
        CNY per credit to CNY per t CO2e) with this basis's assumptions, which the context holds
        as its defaults; outside it the same conversion raises ``pint.DimensionalityError``.

        Parameters
        ----------
        method : {"compliance", "avoided"}
            How an NEV credit is valued (see :func:`conversions.nev_credits_to_co2e`).

        Returns
        -------
        str
            ``"<name>:<method>@<first 12 hex digits of the fingerprint>"``.
        """
        return register_context(self, check_method(method))
