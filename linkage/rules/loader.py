"""Rulebooks as data: load, validate and query the dual-credit rules year by year.

Every parameter of the policy lives in a TOML file under ``linkage/rules/data`` with its value,
unit, valid years, status (``official``, ``secondary``, ``provisional``, ``scenario``) and
source. The code never branches on the year: it asks the :class:`RuleSet` for the
:class:`Rulebook` of a year and reads parameters by key.

File format::

    [rulebook]
    family = "nev_requirement"      # free text
    title = "..."                    # free text
    # optional, for scenario files: copy every parameter of `based_on` into the `years`
    # for which no earlier file defines it, marked "scenario", then apply the parameters below
    years = [2028, 2030]
    based_on = 2027

    [[parameter]]
    key = "nev.ratio"
    years = 2024                     # one year, or [first, last] inclusive
    value = 0.28                     # number, integer, true/false, a list of numbers or,
                                     # for a reading switch, one of the schema's choices
    unit = "1"                       # any unit of the same dimension as the schema's unit
                                     # ("percent" for "1", "g/km" for "kg/km"): converted
    status = "official"
    source = "Order No. 64 (2023)"

Files loaded later override earlier ones for the years they name, so a user file only needs the
parameters it changes (plus ``based_on`` for a year with no rulebook yet).

Units are parsed by the library's pint registry (:data:`conversions.ureg`, with the rulebooks'
spellings ``L/100km``, ``kWh/100km`` and ``credit`` read as ``L_per_100km``, ``kWh_per_100km``
and ``nev_credit``): a value given in another unit of the same dimension is converted to the
schema's unit, a unit of another dimension is refused with the expected dimension.

Every lookup ``rulebook[key]`` is recorded into the :class:`ParameterLog` of each active
:func:`record_lookups` block, so a result can report exactly which provisional or scenario
parameters it relied on.
"""

from __future__ import annotations

import contextvars
import functools
import itertools
import math
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pint

from conversions._checks import check_year
from conversions.errors import UnitExpressionError
from conversions.records import LAW_STATUSES, check_source, check_status
from conversions.registry import parse_unit, ureg
from linkage.console import did_you_mean
from linkage.errors import RulebookError

__all__ = [
    "STATUSES",
    "UNVERIFIED_STATUSES",
    "Parameter",
    "ParameterLog",
    "RuleSet",
    "Rulebook",
    "default_rule_files",
    "load_rules",
    "record_lookups",
    "rule_unit",
    "schema",
]

#: Statuses of a rulebook entry: the law statuses of :mod:`conversions.records` (``assumption``,
#: a modelling choice, is for data files only, never for a rule).
STATUSES = LAW_STATUSES
#: Statuses counted as "provisional parameters" in every result: not verified law.
UNVERIFIED_STATUSES = frozenset({"provisional", "scenario"})

ParamValue = float | int | bool | str | tuple[float, ...]


@dataclass(frozen=True)
class Parameter:
    """One rule parameter valid over an inclusive range of compliance years.

    Attributes
    ----------
    key : str
        Canonical name, e.g. ``"nev.ratio"``.
    value : float, int, bool, str or tuple of float
        Value in ``unit`` (a str is the chosen reading of a ``choice`` key).
    unit : str
        Unit, as in ``schema.toml`` (``"1"`` for dimensionless shares and factors).
    first_year, last_year : int
        Compliance years the value applies to [year].
    status : str
        One of ``official``, ``secondary``, ``provisional``, ``scenario``.
    source : str
        Where the value comes from.
    file : str
        File the parameter was read from.
    """

    key: str
    value: ParamValue
    unit: str
    first_year: int
    last_year: int
    status: str
    source: str
    file: str

    def covers(self, year: int) -> bool:
        """Whether ``year`` lies in the parameter's valid years."""
        return self.first_year <= year <= self.last_year

    @property
    def provisional(self) -> bool:
        """True when the status is ``provisional`` or ``scenario`` (not verified law)."""
        return self.status in UNVERIFIED_STATUSES


def _schema_path() -> Path:
    return Path(str(resources.files("linkage.rules").joinpath("data", "schema.toml")))


_SCHEMA_CACHE: dict[str, dict[str, Any]] = {}
_KINDS = ("number", "integer", "bool", "number_list", "choice")


def schema() -> dict[str, dict[str, Any]]:
    """The rulebook schema: key -> ``{"kind", "unit", "description"}`` (and ``"choices"``).

    Every unit is parsed by :func:`rule_unit` when the schema is first read, so a schema unit
    the registry does not know fails at once, naming the key.
    """
    if not _SCHEMA_CACHE:
        with open(_schema_path(), "rb") as fh:
            keys = tomllib.load(fh)["keys"]
        file = str(_schema_path())
        for key, spec in keys.items():
            if spec.get("kind") not in _KINDS:
                raise RulebookError(f"kind must be one of {', '.join(_KINDS)}", file=file, key=key)
            if spec["kind"] == "choice" and not spec.get("choices"):
                raise RulebookError("a choice key needs choices = [...]", file=file, key=key)
            try:
                rule_unit(spec["unit"])
            except ValueError as exc:
                raise RulebookError(str(exc), file=file, key=key) from None
        _SCHEMA_CACHE.update(keys)
    return _SCHEMA_CACHE


# --------------------------------------------------------------------------- units

#: Spellings of the rulebooks and fleet tables that pint cannot read as written: a unit name
#: cannot contain a number ("per 100 km"), and "credit" in a rule unit is always a NEV credit
#: (CAFC credits are never a rule unit).
_SPELLINGS = (
    (re.compile(r"(?<![\w])(L|kWh)/100 ?km"), r"\1_per_100km"),
    (re.compile(r"\bcredit\b"), "nev_credit"),
)


@functools.lru_cache(maxsize=256)
def rule_unit(text: str) -> pint.Unit:
    """Parse a rulebook or fleet-column unit with the library's registry (cached).

    Parameters
    ----------
    text : str
        Unit as written in ``schema.toml``, a rulebook or a fleet column description, e.g.
        ``"L/100km"``, ``"credit/vehicle/km"``, ``"percent"``, ``"1"``.

    Returns
    -------
    pint.Unit
        A unit of :data:`conversions.ureg`.

    Raises
    ------
    ValueError
        When the text is not a unit the registry knows.

    Examples
    --------
    >>> str(rule_unit("L/100km"))
    'L_per_100km'
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"a unit must be a non-empty text, got {text!r}")
    spelled = text
    for pattern, repl in _SPELLINGS:
        spelled = pattern.sub(repl, spelled)
    try:
        return parse_unit(spelled)
    except (pint.UndefinedUnitError, UnitExpressionError) as exc:
        raise ValueError(f"unit '{text}' is not known to the library's unit registry "
                         f"(conversions/units.txt): {exc}") from None


def _dimension(unit: pint.Unit) -> str:
    dim = unit.dimensionality
    return "dimensionless" if not dim else str(dim)


@functools.lru_cache(maxsize=1024)
def _unit_factor(given: str, expected: str) -> float:
    """Factor from ``given`` to ``expected`` (both rule-unit texts) [-]; raises on dimension."""
    g, e = rule_unit(given), rule_unit(expected)
    if g == e:
        return 1.0
    if g.dimensionality != e.dimensionality:
        raise ValueError(
            f"unit '{given}' has dimension {_dimension(g)}, expected dimension "
            f"{_dimension(e)} (the schema unit of this key is '{expected}')"
        )
    return float(ureg.Quantity(1.0, g).to(e).magnitude)


# --------------------------------------------------------------------------- lookup recording


class ParameterLog:
    """The rule parameters looked up while a :func:`record_lookups` block was active.

    Each entry is a (compliance year, key) pair with the :class:`Parameter` that answered it.
    """

    def __init__(self) -> None:
        self._seen: dict[tuple[int, str], Parameter] = {}

    def _record(self, year: int, p: Parameter) -> None:
        self._seen.setdefault((year, p.key), p)

    def __len__(self) -> int:
        return len(self._seen)

    def keys(self, *, unverified: bool = False) -> list[str]:
        """Sorted keys looked up (only ``provisional``/``scenario`` ones with ``unverified``)."""
        return sorted({k for (_y, k), p in self._seen.items()
                       if not unverified or p.provisional})

    def unverified(self) -> list[str]:
        """Sorted keys of the ``provisional`` or ``scenario`` parameters looked up."""
        return self.keys(unverified=True)

    def entries(self, *, unverified: bool = True) -> list[dict[str, Any]]:
        """One JSON-ready dict per (year, key): ``year, key, value, unit, status, source``."""
        rows = []
        for (y, k), p in sorted(self._seen.items()):
            if unverified and not p.provisional:
                continue
            value = list(p.value) if isinstance(p.value, tuple) else p.value
            rows.append({"year": y, "key": k, "value": value, "unit": p.unit,
                         "status": p.status, "source": p.source})
        return rows

    def update(self, other: ParameterLog) -> None:
        """Add every entry of ``other``."""
        for (y, _k), p in other._seen.items():
            self._record(y, p)


_ACTIVE_LOGS: contextvars.ContextVar[tuple[ParameterLog, ...]] = contextvars.ContextVar(
    "linkage_rule_lookups", default=()
)


@contextmanager
def record_lookups() -> Iterator[ParameterLog]:
    """Record every ``rulebook[key]`` lookup made inside the block.

    Blocks nest: a lookup is recorded in every active log, so an outer block (an optimizer
    run) sees what inner blocks (the accounting of its fleet) looked up.

    Yields
    ------
    ParameterLog

    Examples
    --------
    >>> with record_lookups() as log:
    ...     _ = default_rules().for_year(2024)["pool.deposit_share"]
    >>> log.unverified()
    ['pool.deposit_share']
    """
    log = ParameterLog()
    token = _ACTIVE_LOGS.set((*_ACTIVE_LOGS.get(), log))
    try:
        yield log
    finally:
        _ACTIVE_LOGS.reset(token)


def default_rule_files(*, scenarios: bool = True) -> list[Path]:
    """Rulebook files shipped with the package, in load order.

    Parameters
    ----------
    scenarios : bool, default True
        Include the shipped ``scenario`` rulebooks (2028-2030).
    """
    base = Path(str(resources.files("linkage.rules").joinpath("data")))
    files = sorted(p for p in base.glob("*.toml") if p.name != "schema.toml")
    if scenarios:
        files += sorted((base / "scenario").glob("*.toml"))
    return files


class Rulebook(Mapping[str, ParamValue]):
    """The complete, validated rules of one compliance year.

    Behaves as a read-only mapping from key to value; :meth:`parameter` gives the full
    :class:`Parameter` with unit, status and source. Reading a value (``rulebook[key]``) is
    recorded by every active :func:`record_lookups` block; :meth:`parameter` and
    :meth:`to_frame` (reporting) are not.
    """

    def __init__(self, year: int, parameters: Mapping[str, Parameter]) -> None:
        self.year = int(year)
        self._params = dict(parameters)

    def __getitem__(self, key: str) -> ParamValue:
        try:
            p = self._params[key]
        except KeyError:
            raise KeyError(f"rulebook {self.year} has no parameter '{key}'") from None
        for log in _ACTIVE_LOGS.get():
            log._record(self.year, p)
        return p.value

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def parameter(self, key: str) -> Parameter:
        """The :class:`Parameter` behind ``key``."""
        return self._params[key]

    def unverified(self, keys: Iterable[str] | None = None) -> list[str]:
        """Keys (of ``keys``, default all) whose status is ``provisional`` or ``scenario``."""
        pool = self._params if keys is None else keys
        return sorted(k for k in pool if self._params[k].provisional)

    def to_frame(self) -> pd.DataFrame:
        """One row per parameter: key, value, unit, years, status, source, file."""
        return _params_frame(self._params.values(), year=self.year)

    def __repr__(self) -> str:
        n = len(self.unverified())
        return f"<Rulebook {self.year}: {len(self)} parameters, {n} provisional or scenario>"


def _params_frame(params: Iterable[Parameter], year: int | None = None) -> pd.DataFrame:
    rows = []
    for p in params:
        value = list(p.value) if isinstance(p.value, tuple) else p.value
        rows.append(
            {
                **({"year": year} if year is not None else {}),
                "key": p.key,
                "value": value,
                "unit": p.unit,
                "first_year": p.first_year,
                "last_year": p.last_year,
                "status": p.status,
                "source": p.source,
                "file": p.file,
            }
        )
    return pd.DataFrame(rows)


class RuleSet:
    """All loaded rule parameters; gives the :class:`Rulebook` of any covered year.

    Parameters
    ----------
    parameters : iterable of Parameter
        In load order: for a key and year, the last parameter covering the year wins.
    """

    def __init__(self, parameters: Iterable[Parameter]) -> None:
        self._params: list[Parameter] = list(parameters)
        self._cache: dict[int, Rulebook] = {}

    @property
    def parameters(self) -> tuple[Parameter, ...]:
        """Every loaded parameter in load order."""
        return tuple(self._params)

    @property
    def years(self) -> list[int]:
        """Compliance years for which at least one parameter exists."""
        ys: set[int] = set()
        for p in self._params:
            ys.update(range(p.first_year, p.last_year + 1))
        return sorted(ys)

    def _resolve(self, year: int) -> dict[str, Parameter]:
        out: dict[str, Parameter] = {}
        for p in self._params:
            if p.covers(year):
                out[p.key] = p
        return out

    def for_year(self, year: int) -> Rulebook:
        """The complete rulebook of ``year``.

        Raises
        ------
        RulebookError
            When no rulebook covers the year, a key is missing or parameters are inconsistent.
        ArgumentTypeError
            When ``year`` is not a whole number of type int (``2024.5``, ``"2024"``, ``True``).
        """
        year = check_year(year)
        if year in self._cache:
            return self._cache[year]
        params = self._resolve(year)
        if not params:
            covered = self.years
            span = f"{covered[0]}-{covered[-1]}" if covered else "none"
            raise RulebookError(
                f"no rulebook for compliance year {year} (rules cover {span}); "
                "pass a scenario rulebook file for it (see based_on)"
            )
        missing = [k for k in schema() if k not in params and _required(k, params)]
        if missing:
            files = sorted({p.file for p in params.values()})
            raise RulebookError(
                f"the rulebook for {year} lacks {len(missing)} parameter(s): "
                f"{', '.join(missing)} (files: {', '.join(files)})",
                key=missing[0],
            )
        _check_consistency(year, params)
        rb = Rulebook(year, params)
        self._cache[year] = rb
        return rb

    def __contains__(self, year: object) -> bool:
        try:
            self.for_year(int(year))  # type: ignore[call-overload]
        except (RulebookError, TypeError, ValueError):
            return False
        return True

    def to_frame(self, years: Iterable[int] | None = None) -> pd.DataFrame:
        """Tidy table of the resolved parameters of ``years`` (default: every covered year)."""
        frames = [self.for_year(y).to_frame() for y in (years or self.years)]
        return pd.concat(frames, ignore_index=True)

    def __repr__(self) -> str:
        ys = self.years
        span = f"{ys[0]}-{ys[-1]}" if ys else "empty"
        return f"<RuleSet {span}: {len(self._params)} parameter entries>"


def _required(key: str, params: Mapping[str, Parameter]) -> bool:
    """Whether a year must define ``key``: always, unless the schema gives ``when = [other,
    value]`` (a key of one form of a rule, e.g. the per-model target's ``bands`` form), in
    which case only when the year's ``other`` equals ``value``."""
    when = schema()[key].get("when")
    if not when:
        return True
    other = params.get(when[0])
    return other is not None and other.value == when[1]


def _check_consistency(year: int, params: Mapping[str, Parameter]) -> None:
    """Cross-key checks of one year's piecewise tables."""

    def fail(key: str, rule: str) -> None:
        raise RulebookError(f"rulebook {year}: {rule}", file=params[key].file, key=key)

    def increasing(key: str) -> tuple[float, ...]:
        v = params[key].value
        assert isinstance(v, tuple)
        if len(v) == 0:
            fail(key, "the list must not be empty")
        if any(b <= a for a, b in itertools.pairwise(v)):
            fail(key, f"the list must be strictly increasing, got {list(v)}")
        return v

    def length(key: str, n: int) -> None:
        v = params[key].value
        assert isinstance(v, tuple)
        if len(v) != n:
            fail(key, f"expected {n} values to match the bounds, got {len(v)}")

    nb = len(increasing("bev.standard_range_bounds"))
    length("bev.standard_slopes", nb)
    length("bev.standard_intercepts", nb)
    length("bev.range_factor_values", len(increasing("bev.range_factor_bounds")) + 1)
    length("bev.density_factor_values", len(increasing("bev.density_factor_bounds")) + 1)
    nm = len(increasing("bev.consumption_mass_bounds"))
    length("bev.consumption_slopes", nm + 1)
    length("bev.consumption_intercepts", nm + 1)
    length(
        "small_enterprise.requirement_factors",
        len(increasing("small_enterprise.fall_thresholds")),
    )
    if params["cafc_target.form"].value == "bands":
        length("cafc_target.band_values", len(increasing("cafc_target.band_bounds")) + 1)
    elif params["cafc_target.low_mass"].value >= params["cafc_target.high_mass"].value:  # type: ignore[operator]
        fail("cafc_target.low_mass", "low_mass must be below high_mass")


def _parse_years(raw: Any, file: str, key: str) -> tuple[int, int]:
    if isinstance(raw, bool):
        raise RulebookError("years must be a year or [first, last]", file=file, key=key)
    if isinstance(raw, int):
        return raw, raw
    if (
        isinstance(raw, list)
        and len(raw) == 2
        and all(isinstance(y, int) and not isinstance(y, bool) for y in raw)
    ):
        first, last = raw
        if first > last:
            raise RulebookError(
                f"years [{first}, {last}]: first year after last year", file=file, key=key
            )
        return first, last
    raise RulebookError(
        f"years must be a year (2024) or an inclusive range [2024, 2025], got {raw!r}",
        file=file,
        key=key,
    )


def _parse_value(raw: Any, kind: str, file: str, key: str) -> ParamValue:
    def bad(expected: str) -> RulebookError:
        return RulebookError(f"value must be {expected}, got {raw!r}", file=file, key=key)

    if kind == "choice":
        choices = list(schema()[key]["choices"])
        if not isinstance(raw, str) or raw not in choices:
            raise bad("one of " + ", ".join(f'"{c}"' for c in choices))
        return raw

    def number(x: Any) -> float:
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise bad("a number" if kind == "number" else "a list of numbers")
        if not math.isfinite(x) or x < 0:
            raise RulebookError(
                f"value must be finite and non-negative, got {x!r}", file=file, key=key
            )
        return float(x)

    if kind == "bool":
        if not isinstance(raw, bool):
            raise bad("true or false")
        return raw
    if kind == "integer":
        if isinstance(raw, bool) or not isinstance(raw, int):
            raise bad("an integer")
        if raw < 0:
            raise RulebookError(f"value must be non-negative, got {raw}", file=file, key=key)
        return raw
    if kind == "number":
        return number(raw)
    if kind == "number_list":
        if not isinstance(raw, list):
            raise bad("a list of numbers")
        return tuple(number(x) for x in raw)
    raise AssertionError(kind)  # pragma: no cover - schema kinds are fixed


_PARAM_FIELDS = ("key", "years", "value", "unit", "status", "source")
#: Keys of the ``[rulebook]`` header table.
_HEADER_FIELDS = ("family", "title", "years", "based_on")


def _check_header(head: Mapping[str, Any], file: str) -> None:
    """The ``[rulebook]`` table: known keys (did you mean) and texts; ``based_on`` and
    ``years`` (the span the file covers) are checked where they are used."""
    for k in head:
        if k not in _HEADER_FIELDS:
            raise RulebookError(
                "unknown key" + did_you_mean(k, _HEADER_FIELDS)
                + f" (known: {', '.join(sorted(_HEADER_FIELDS))})",
                file=file, key=f"rulebook.{k}",
            )
    for k in ("family", "title"):
        if k in head and not isinstance(head[k], str):
            raise RulebookError(f"{k} must be a text, got {head[k]!r}", file=file,
                                key=f"rulebook.{k}")


def _in_schema_unit(
    value: ParamValue, unit: Any, spec: Mapping[str, Any], source: str, file: str, key: str
) -> tuple[ParamValue, str]:
    """Convert ``value`` from ``unit`` into the schema's unit, or refuse it by dimension.

    A converted value is rounded to 12 significant digits (so 28 percent is 0.28, not
    0.28000000000000003) and the source notes the unit it was given in.
    """
    if not isinstance(unit, str):
        raise RulebookError(f"unit must be a text, got {unit!r}", file=file, key=key)
    try:
        factor = _unit_factor(unit, spec["unit"])
    except ValueError as exc:
        raise RulebookError(str(exc), file=file, key=key) from None
    if factor == 1.0:
        return value, source
    if isinstance(value, bool | str):
        raise RulebookError(
            f"a {spec['kind']} value has no unit to convert: give unit = '{spec['unit']}'",
            file=file, key=key,
        )

    def conv(x: float) -> float:
        return float(f"{x * factor:.12g}")

    new: ParamValue
    if isinstance(value, tuple):
        new = tuple(conv(x) for x in value)
    elif spec["kind"] == "integer":
        f = conv(value)
        if f != round(f):
            raise RulebookError(
                f"{value} {unit} is {f:g} {spec['unit']}, not a whole number", file=file, key=key
            )
        new = round(f)
    else:
        new = conv(value)
    shown = ("[" + ", ".join(f"{x:g}" for x in value) + "]" if isinstance(value, tuple)
             else f"{value:g}")
    return new, f"{source} [given as {shown} {unit}]"


def _uncovered_runs(
    loaded: Iterable[Parameter], key: str, first: int, last: int
) -> list[tuple[int, int]]:
    """Runs of consecutive years in [first, last] for which no loaded entry defines ``key``."""
    covered = {y for p in loaded if p.key == key
               for y in range(max(p.first_year, first), min(p.last_year, last) + 1)}
    runs: list[tuple[int, int]] = []
    for y in range(first, last + 1):
        if y in covered:
            continue
        if runs and runs[-1][1] == y - 1:
            runs[-1] = (runs[-1][0], y)
        else:
            runs.append((y, y))
    return runs


def _read_file(path: Path, loaded: list[Parameter]) -> list[Parameter]:
    """Parse and validate one rulebook file; ``loaded`` resolves ``based_on``."""
    file = str(path)
    head, raw_params = _rulebook_tables(_read_toml(path, file), file)
    out: list[Parameter] = []
    if "based_on" in head:
        out = _copied_from_base(head, loaded, file)
    elif not raw_params:
        raise RulebookError("the file defines no [[parameter]]", file=file)
    known = schema()
    own: list[Parameter] = []
    for i, raw in enumerate(raw_params, start=1):
        p = _own_parameter(raw, f"parameter #{i}", known, file)
        _check_no_overlap(p, own, file)
        own.append(p)
    if "years" in head:
        _check_within_span(own, _parse_years(head["years"], file, "rulebook.years"), file)
    return out + own


def _read_toml(path: Path, file: str) -> dict[str, Any]:
    """The TOML document of a rulebook file, or an error saying why it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise RulebookError("rulebook file not found", file=file) from None
    except IsADirectoryError:
        raise RulebookError("is a directory, not a rulebook file", file=file) from None
    except UnicodeDecodeError as exc:
        raise RulebookError(f"not UTF-8 text ({exc.reason} at byte {exc.start}): save the "
                            "file as UTF-8", file=file) from None
    except tomllib.TOMLDecodeError as exc:
        raise RulebookError(f"not valid TOML: {exc}", file=file) from None


def _rulebook_tables(doc: dict[str, Any], file: str) -> tuple[dict[str, Any], list[Any]]:
    """The checked ``[rulebook]`` table and the ``[[parameter]]`` list of a document."""
    unknown_top = set(doc) - {"rulebook", "parameter"}
    if unknown_top:
        raise RulebookError(
            f"unknown top-level table(s) {sorted(unknown_top)}; expected [rulebook] and "
            "[[parameter]]",
            file=file,
        )
    head = doc.get("rulebook", {})
    if not isinstance(head, dict):
        raise RulebookError("[rulebook] must be a table", file=file, key="rulebook")
    _check_header(head, file)
    raw_params = doc.get("parameter", [])
    if not isinstance(raw_params, list):
        raise RulebookError("parameters must be [[parameter]] tables", file=file, key="parameter")
    return head, raw_params


def _copied_from_base(head: dict[str, Any], loaded: list[Parameter],
                      file: str) -> list[Parameter]:
    """``based_on``: the base year's parameters for the rulebook's years no file covers yet."""
    base_year = head["based_on"]
    if isinstance(base_year, bool) or not isinstance(base_year, int):
        raise RulebookError("based_on must be a year", file=file, key="rulebook.based_on")
    if "years" not in head:
        raise RulebookError(
            "based_on needs years = [first, last] in [rulebook]", file=file,
            key="rulebook.years",
        )
    first, last = _parse_years(head["years"], file, "rulebook.years")
    try:
        base_book = RuleSet(loaded).for_year(base_year)
    except RulebookError as exc:
        raise RulebookError(
            f"based_on = {base_year}: {exc.rule}", file=file, key="rulebook.based_on"
        ) from None
    out: list[Parameter] = []
    for key in base_book:
        p = base_book.parameter(key)
        # a key that an earlier file already defines for a year keeps that value: based_on
        # fills the gaps (e.g. GB 27999-2025 states CAFC targets up to 2030)
        for run_first, run_last in _uncovered_runs(loaded, key, first, last):
            out.append(
                replace(
                    p,
                    first_year=run_first,
                    last_year=run_last,
                    status="scenario",
                    source=f"copied from the {base_year} rulebook ({p.status}: {p.source})",
                    file=file,
                )
            )
    return out


def _check_fields(raw: Any, where: str, known: Mapping[str, Any], file: str) -> None:
    """A ``[[parameter]]`` table has every field, no unknown one, and a known key."""
    if not isinstance(raw, dict):
        raise RulebookError("must be a table", file=file, key=where)
    missing = [f for f in _PARAM_FIELDS if f not in raw]
    if missing:
        raise RulebookError(
            f"missing field(s) {', '.join(missing)}", file=file,
            key=str(raw.get("key", where)),
        )
    extra = set(raw) - set(_PARAM_FIELDS) - {"note"}
    if extra:
        raise RulebookError(f"unknown field(s) {sorted(extra)}", file=file, key=raw["key"])
    key = raw["key"]
    if key not in known:
        raise RulebookError(f"unknown parameter{did_you_mean(key, known)}", file=file,
                            key=str(key))


def _own_parameter(raw: Any, where: str, known: Mapping[str, Any], file: str) -> Parameter:
    """One ``[[parameter]]`` table, checked, with its value in the schema's unit."""
    _check_fields(raw, where, known, file)
    key = raw["key"]
    spec = known[key]
    check_status(raw["status"], STATUSES, file=file, key=key, error=RulebookError)
    check_source(raw["source"], file=file, key=key, error=RulebookError)
    first, last = _parse_years(raw["years"], file, key)
    value = _parse_value(raw["value"], spec["kind"], file, key)
    value, source = _in_schema_unit(value, raw["unit"], spec, raw["source"], file, key)
    return Parameter(key, value, spec["unit"], first, last, raw["status"], source, file)


def _check_no_overlap(p: Parameter, own: Iterable[Parameter], file: str) -> None:
    """No two entries of one key in one file share a year."""
    for q in own:
        if q.key == p.key and q.first_year <= p.last_year and p.first_year <= q.last_year:
            raise RulebookError(
                f"years {p.first_year}-{p.last_year} overlap another entry of the same key "
                f"({q.first_year}-{q.last_year}) in the same file",
                file=file, key=p.key,
            )


def _check_within_span(params: Iterable[Parameter], span: tuple[int, int], file: str) -> None:
    """Every ``[[parameter]]`` lies within the years the ``[rulebook]`` table declares."""
    for p in params:
        if p.first_year < span[0] or p.last_year > span[1]:
            raise RulebookError(
                f"years {p.first_year}-{p.last_year} lie outside the years of this rulebook "
                f"([rulebook] years = [{span[0]}, {span[1]}])", file=file, key=p.key,
            )


def load_rules(
    *files: str | Path, defaults: bool = True, scenarios: bool = True
) -> RuleSet:
    """Load rulebooks: the shipped ones, then the user's files in order.

    Parameters
    ----------
    *files : str or Path
        User rulebook files. Their parameters override the defaults for the years they name.
    defaults : bool, default True
        Load the shipped rulebooks (2021-2027 law) first.
    scenarios : bool, default True
        With ``defaults``, also load the shipped 2028-2030 ``scenario`` rulebook.

    Returns
    -------
    RuleSet

    Raises
    ------
    RulebookError
        Naming the file and key of a missing or malformed parameter.

    Examples
    --------
    >>> rules = load_rules()
    >>> rules.for_year(2024)["nev.ratio"]
    0.28
    """
    paths = default_rule_files(scenarios=scenarios) if defaults else []
    paths += [Path(f) for f in files]
    loaded: list[Parameter] = []
    for path in paths:
        loaded.extend(_read_file(path, loaded))
    return RuleSet(loaded)


_DEFAULT: RuleSet | None = None


def default_rules() -> RuleSet:
    """The shipped rules (law 2021-2027 and the 2028-2030 scenario), loaded once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_rules()
    return _DEFAULT
