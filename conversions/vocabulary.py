"""One vocabulary: every public name of a quantity, its unit, its meaning and its old names.

The library's names are data, in ``conversions/data/vocabulary.toml`` (the bottom layer, so
every layer reads the same table):

- ``[suffixes]``: the unit suffix of a name for each unit (``_l_per_100km`` -> ``L/100 km``);
  one suffix per unit, parsed by the library's pint registry;
- ``[generic_units]``: units of the vocabulary standing for one of several registry units
  (``credit`` is a ``cafc_credit`` or a ``nev_credit``);
- ``[[name]]``: one entry per public name (a table column, a scenario key, an argument or
  attribute of the Python API, a key of a JSON summary), with its ``unit`` (a pint unit
  expression of the library's registry, or one of :data:`NON_UNITS`), its ``meaning``, the
  contexts it appears in (``where``, one of :data:`CONTEXTS` or ``python.<object>``), its
  ``deprecated`` spellings and ``pint = true`` when its value is a pint Quantity. A name of a
  quantity ends in the suffix of its unit (:func:`suffix_problem`); the same name means the
  same thing wherever it appears, and no quantity has two names (:func:`naming_problems`);
- ``[[term]]``: the concepts of the glossary's Terms section (:func:`terms`).

:func:`vocabulary` reads and checks the file (units parse, one suffix per unit, no name twice,
known contexts, an old spelling never canonical in the same context).

Old spellings stay readable for a deprecation period: :func:`deprecated_aliases` gives the
``old -> new`` map of a context, :func:`rename_deprecated` applies it to the keys of a mapping
or the columns of a table (a :class:`DeprecationWarning` naming the file, old and new name;
an :class:`~conversions.errors.InputError` when both spellings are given) and
:func:`renamed_parameters` to the keyword arguments of a function; :func:`renamed_attributes`
keeps the old attribute names (and constructor keywords) of a dataclass.

``docs/glossary.md`` is generated from this table and the code (``docs/generate_glossary.py``);
``tests/test_vocabulary.py`` fails on a public name that is not here, or on a second name of
the same quantity.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pint

from conversions.errors import InputError, UnitExpressionError, did_you_mean
from conversions.registry import parse_unit

__all__ = [
    "CONTEXTS",
    "DIMENSIONLESS_ENDINGS",
    "NAME_QUALIFIERS",
    "NON_UNITS",
    "VOCABULARY_FILE",
    "Name",
    "Term",
    "canonical_names",
    "deprecated_aliases",
    "naming_problems",
    "plain_form_of",
    "rename_deprecated",
    "rename_mapping",
    "renamed_attributes",
    "renamed_parameters",
    "suffix_problem",
    "suffixes",
    "terms",
    "units",
    "vocabulary",
]

#: The vocabulary file shipped with the library.
VOCABULARY_FILE = Path(__file__).parent / "data" / "vocabulary.toml"

#: ``unit`` values of names that are not quantities of a pint unit: labels and indexes
#: (``text``), flags (``bool``), calendar years (``year``), counts of things that are not
#: vehicles or credits (``count``), dimensionless shares, ratios and factors (``-``) and
#: numbers whose unit is given beside them, in the ``unit`` column or field of the same row or
#: record (``per-row``: a ledger row's ``quantity``, a record's ``value``).
NON_UNITS = ("text", "bool", "year", "count", "-", "per-row")

#: Endings of the names of dimensionless quantities (unit ``-``).
DIMENSIONLESS_ENDINGS = ("_share", "_ratio", "_factor", "_rate", "_weight", "_multiplier",
                         "_error")

#: Qualifiers a name may carry after its unit suffix: ``cost_cny_per_unit`` (per technology
#: unit), ``max_credits_per_year`` (per year); the unit is the amount's.
NAME_QUALIFIERS = ("_per_unit", "_per_year")

#: The contexts a name may appear in (``where``), besides ``python.<object>`` (an argument or
#: attribute of the Python API: ``python.MarketInput``, ``python.set_prices``).
CONTEXTS = (
    "fleet", "enterprises",  # input tables of compute_credits
    "statements", "models",  # its outputs
    "transactions", "positions", "ratios", "prices",  # the ledger (prices: its input file)
    "plan", "summary",  # optimizer outputs (plan.csv, summary.json)
    "industry.enterprises", "industry.prices",  # the industry model's tables
    "sweep.results", "sweep.file",  # a sweep's results.csv, the keys of a sweep file's [sweep]
    "backcast", "emissions",  # backcast.csv, the emissions ledger
    "miit", "bases",  # MIIT's published annual table, the conversion bases' table
    "data",  # the published price and grid-factor tables (conversions.cea_prices, ...)
    "brief",  # the tables the brief writes (brief/*.csv)
    "scenario.scenario", "scenario.enterprise", "scenario.opening", "scenario.market",
    "scenario.linkage", "scenario.ets", "scenario.penalty", "scenario.technology",
    "scenario.abatement",  # keys of the scenario file's tables
)
_PYTHON_CONTEXT = re.compile(r"python\.[A-Za-z_][A-Za-z0-9_]*")

F = TypeVar("F", bound=Callable[..., Any])
C = TypeVar("C", bound=type)


@dataclass(frozen=True)
class Name:
    """One public name of the library.

    Attributes
    ----------
    name : str
        The canonical spelling.
    unit : str
        Pint unit expression of the library's registry, or one of :data:`NON_UNITS`.
    meaning : str
        One-line meaning (the glossary's text).
    where : tuple of str
        Contexts the name appears in (``statements``, ``scenario.market``, ``python``, ...).
    deprecated : tuple of str
        Old spellings still read, with a :class:`DeprecationWarning`: in every context of
        ``where``, or only in one when written ``context:old``
        (``python.ReserveVariant:max_credits_per_year``).
    pint : bool
        The value is a pint Quantity (plain numbers are read in ``unit``): the unit travels
        with it and the name carries no unit suffix.
    """

    name: str
    unit: str
    meaning: str
    where: tuple[str, ...]
    deprecated: tuple[str, ...] = ()
    pint: bool = False

    def spellings_in(self, where: str) -> tuple[str, ...]:
        """The old spellings read in context ``where`` (unqualified ones in every context)."""
        out = []
        for entry in self.deprecated:
            context, qualified, old = entry.rpartition(":")
            if where in self.where and (not qualified or context == where):
                out.append(old)
        return tuple(out)

    @property
    def old_spellings(self) -> tuple[str, ...]:
        """Every old spelling, without its context qualifier."""
        return tuple(entry.rpartition(":")[2] for entry in self.deprecated)


@dataclass(frozen=True)
class Term:
    """One term of the glossary (a concept, not a name of the code).

    Attributes
    ----------
    term : str
        The term (``CAFC credit``).
    meaning : str
        Its definition, with the unit in brackets where it has one.
    """

    term: str
    meaning: str


def _error(message: str, *, hint: str = "", file: str | None = None,
           key: str | None = None) -> InputError:
    """A located :class:`InputError`: what is wrong, then the rule broken in brackets."""
    return InputError(f"{message} ({hint})" if hint else message, file=file, key=key)


@functools.cache
def _document(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise _error(f"cannot read the vocabulary: {exc.strerror or exc}",
                         file=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise _error(f"not valid TOML: {exc}", file=str(path)) from None
    _check_shape(doc, path)
    return doc


#: The fields of each array of tables of the file: field -> (type, required).
_FIELDS: dict[str, dict[str, tuple[type, bool]]] = {
    "name": {"name": (str, True), "unit": (str, True), "where": (list, True),
             "meaning": (str, False), "deprecated": (list, False), "pint": (bool, False)},
    "term": {"term": (str, True), "meaning": (str, True)},
}
#: The tables of the file: table -> the type of each value.
_TABLES: dict[str, type] = {"suffixes": str, "generic_units": list}


def _check_value(value: Any, kind: type, path: Path, key: str) -> None:
    """``value`` is of ``kind`` (lists: of text); never coerced."""
    if not isinstance(value, kind) or (kind is list and not all(
            isinstance(v, str) for v in value)):
        wanted = "a list of text" if kind is list else {str: "text", bool: "true or false"}[kind]
        raise _error(f"{key} must be {wanted}, got {value!r}", file=str(path), key=key,
                     hint="the vocabulary's fields are typed")


def _check_shape(doc: Mapping[str, Any], path: Path) -> None:
    """Known tables and fields only, each of its type (file and key named otherwise)."""
    for top, value in doc.items():
        if top in _TABLES and isinstance(value, dict):
            for k, v in value.items():
                _check_value(v, _TABLES[top], path, f"{top}.{k}")
        elif top in _FIELDS and isinstance(value, list) and all(
                isinstance(raw, dict) for raw in value):
            for i, raw in enumerate(value, start=1):
                _check_fields(raw, top, i, path)
        elif top in _TABLES or top in _FIELDS:
            shape = f"[{top}] must be a table" if top in _TABLES else \
                f"[[{top}]] must be an array of tables"
            raise _error(shape, file=str(path), key=top, hint="the vocabulary's layout")
        else:
            raise _error(f"unknown table {top!r}{did_you_mean(top, [*_TABLES, *_FIELDS])}",
                         file=str(path), key=top, hint="the vocabulary's tables are "
                         "[suffixes], [generic_units], [[name]] and [[term]]")


def _check_fields(raw: Mapping[str, Any], table: str, i: int, path: Path) -> None:
    label = f"{table}[{i}]" if "name" not in raw else str(raw["name"])
    fields = _FIELDS[table]
    for k, v in raw.items():
        if k not in fields:
            raise _error(f"unknown field {k!r} of {label}{did_you_mean(k, fields)}",
                         file=str(path), key=label, hint=f"fields: {', '.join(fields)}")
        _check_value(v, fields[k][0], path, f"{label}.{k}")
    missing = [k for k, (_t, required) in fields.items() if required and k not in raw]
    if missing:
        raise _error(f"entry {i} lacks {', '.join(missing)}", file=str(path), key=label,
                     hint=f"a {table} has {', '.join(k for k in fields if fields[k][1])}")


def _generic_units(path: Path) -> dict[str, tuple[str, ...]]:
    table = _document(path).get("generic_units", {})
    return {str(k): tuple(str(u) for u in v) for k, v in table.items()}


def _parse(unit: str, path: Path, key: str) -> tuple[pint.Unit, ...]:
    """A vocabulary unit as pint units, one per choice of its generic units."""
    choices = [unit]
    for generic, alternatives in _generic_units(path).items():
        pattern = re.compile(rf"\b{re.escape(generic)}\b")
        if any(pattern.search(c) for c in choices):
            choices = [pattern.sub(a, c) for c in choices for a in alternatives]
    try:
        return tuple(parse_unit(c) for c in choices)
    except UnitExpressionError as exc:
        raise _error(f"unit {unit!r} does not parse: {exc}", file=str(path), key=key,
                         hint="a unit is a pint expression of conversions/units.txt or one "
                              f"of {', '.join(NON_UNITS)}") from None


def _check_contexts(entry: Name, path: Path) -> None:
    for w in entry.where:
        if w not in CONTEXTS and not _PYTHON_CONTEXT.fullmatch(w):
            raise _error(f"unknown context {w!r}", file=str(path), key=entry.name,
                             hint="a context is one of conversions.vocabulary.CONTEXTS or "
                                  "python.<object>")


def _entry(raw: Mapping[str, Any], path: Path) -> Name:
    """One ``[[name]]`` entry (its fields and types checked by :func:`_check_shape`)."""
    entry = Name(name=raw["name"], unit=raw["unit"], meaning=raw.get("meaning", ""),
                 where=tuple(raw["where"]), deprecated=tuple(raw.get("deprecated", ())),
                 pint=raw.get("pint", False))
    if not entry.where:
        raise _error("no context", file=str(path), key=entry.name,
                         hint="a name appears in at least one context")
    _check_contexts(entry, path)
    if entry.unit not in NON_UNITS:
        _parse(entry.unit, path, entry.name)
    return entry


def _parsed_text(unit: str, path: Path, key: str) -> tuple[str, ...]:
    return tuple(str(u) for u in _parse(unit, path, key))


def _check_suffix_table(path: Path) -> None:
    seen: dict[tuple[str, ...], str] = {}
    for suffix, unit in suffixes(path).items():
        parsed = _parsed_text(unit, path, f"suffixes.{suffix}")
        if parsed in seen:
            raise _error(f"suffixes {seen[parsed]!r} and {suffix!r} both mean {unit!r}",
                             file=str(path), key=f"suffixes.{suffix}",
                             hint="one suffix per unit")
        seen[parsed] = suffix


def _check_deprecated(out: Mapping[str, Name], path: Path) -> None:
    """An old spelling is no canonical name of the same context and renames to one name."""
    owner: dict[tuple[str, str], str] = {}
    for n in out.values():
        for entry in n.deprecated:
            context, qualified, _ = entry.rpartition(":")
            if qualified and context not in n.where:
                raise _error(f"{entry!r} names a context {n.name!r} is not used in",
                             file=str(path), key=n.name,
                             hint="a context-qualified old spelling names one of `where`")
        for w in n.where:
            for old in n.spellings_in(w):
                other = out.get(old)
                if other is not None and w in other.where:
                    raise _error(f"{old!r} is a deprecated spelling of {n.name!r} and a "
                                     f"canonical name in {w}", file=str(path), key=n.name,
                                     hint="a deprecated spelling is never a canonical name "
                                          "of the same context")
                first = owner.setdefault((w, old), n.name)
                if first != n.name:
                    raise _error(f"{old!r} is a deprecated spelling of both {first!r} and "
                                     f"{n.name!r} in {w}", file=str(path), key=n.name,
                                     hint="an old spelling renames to one name per context")


@functools.cache
def vocabulary(path: str | Path = VOCABULARY_FILE) -> dict[str, Name]:
    """Every public name of the vocabulary file, by canonical spelling, checked.

    Parameters
    ----------
    path : str or Path, default :data:`VOCABULARY_FILE`

    Returns
    -------
    dict of str -> Name

    Raises
    ------
    InputError
        The file and the name (``key``) of the first problem: an entry without
        ``name``/``unit``/``where``, a name given twice, a unit that is neither a pint
        expression of the library's registry nor one of :data:`NON_UNITS`, an unknown context,
        two suffixes of the same unit, a deprecated spelling that is a canonical name of the
        same context or renames to two names.
    """
    path = Path(path)
    out: dict[str, Name] = {}
    for raw in _document(path).get("name", []):
        entry = _entry(raw, path)
        if entry.name in out:
            raise _error(f"{entry.name!r} is given twice", file=str(path), key=entry.name,
                             hint="one entry per name")
        out[entry.name] = entry
    _check_suffix_table(path)
    _check_deprecated(out, path)
    return out


def suffixes(path: str | Path = VOCABULARY_FILE) -> dict[str, str]:
    """The unit suffix of each unit: ``{suffix: unit}``, longest suffix first."""
    table = _document(Path(path)).get("suffixes", {})
    return dict(sorted(table.items(), key=lambda kv: -len(kv[0])))


def terms(path: str | Path = VOCABULARY_FILE) -> list[Term]:
    """The glossary's terms (``[[term]]`` entries), in the file's order."""
    return [Term(term=t["term"], meaning=t["meaning"])
            for t in _document(Path(path)).get("term", [])]


def units(path: str | Path = VOCABULARY_FILE) -> dict[str, str]:
    """The unit of every canonical name: ``{name: unit}`` (a pint expression or a
    :data:`NON_UNITS` value)."""
    return {n.name: n.unit for n in vocabulary(path).values()}


def canonical_names(where: str, path: str | Path = VOCABULARY_FILE) -> set[str]:
    """The canonical names registered in a context (``statements``, ``python.Scenario``)."""
    return {n.name for n in vocabulary(path).values() if where in n.where}


def _ends_in(name: str, ending: str) -> bool:
    """``name`` ends in ``ending`` (``_credits``), or is it without the underscore."""
    return name.endswith(ending) or name == ending.lstrip("_")


def suffix_problem(entry: Name, path: str | Path = VOCABULARY_FILE) -> str | None:
    """Why a name breaks the naming convention of its unit, or None.

    A quantity's name ends in the suffix of its unit (optionally followed by one of
    :data:`NAME_QUALIFIERS`); a dimensionless name (``-``) in one of
    :data:`DIMENSIONLESS_ENDINGS`; a name of another :data:`NON_UNITS` value in no unit
    suffix. Names of pint Quantities (``pint = true``) are exempt.

    Parameters
    ----------
    entry : Name
    path : str or Path, default :data:`VOCABULARY_FILE`
        Vocabulary file whose suffix table applies.

    Returns
    -------
    str or None
        A sentence naming the name, its unit and the ending it needs.
    """
    if entry.pint:
        return None
    table = suffixes(path)
    bare = entry.name
    for qualifier in NAME_QUALIFIERS:
        if bare.endswith(qualifier) and bare != qualifier.lstrip("_"):
            bare = bare.removesuffix(qualifier)
            break
    if entry.unit == "-":
        if not any(_ends_in(entry.name, e) for e in DIMENSIONLESS_ENDINGS):
            return (f"{entry.name!r} is dimensionless [-]: its name ends in one of "
                    f"{', '.join(DIMENSIONLESS_ENDINGS)}")
        return None
    carried = next((s for s in table if _ends_in(bare, s)), None)
    if entry.unit in NON_UNITS:
        if carried is not None:
            return (f"{entry.name!r} ends in the suffix {carried!r} of {table[carried]!r} but "
                    f"its unit is {entry.unit!r}")
        return None
    path = Path(path)
    parsed = _parsed_text(entry.unit, path, entry.name)
    wanted = [s for s, u in table.items() if _parsed_text(u, path, f"suffixes.{s}") == parsed]
    if not wanted:
        return f"no suffix for the unit {entry.unit!r} of {entry.name!r} in [suffixes]"
    if carried != wanted[0]:
        return (f"{entry.name!r} [{entry.unit}] must end in {wanted[0]!r}"
                + (f", not {carried!r}" if carried else ""))
    return None


def _old_clashes(n: Name, old: str, canonical: Name) -> bool:
    """An old spelling of ``n`` that is ``canonical``'s name: read everywhere (unqualified),
    or qualified with a context where ``canonical`` is used too."""
    contexts = [e.rpartition(":")[0] for e in n.deprecated if e.rpartition(":")[2] == old]
    return any(not c or c in canonical.where for c in contexts)


def plain_form_of(entry: Name, other: Name, path: str | Path = VOCABULARY_FILE) -> bool:
    """Whether one of two names is a pint Quantity and the other its plain-number form: the
    same name followed by the unit's suffix or a dimensionless ending, in the same unit
    (``real_world_gap`` of a :class:`~conversions.ConversionBasis` and the bases table's
    ``real_world_gap_factor``). One quantity, one name, two representations.
    """
    quantity, plain = (entry, other) if entry.pint else (other, entry)
    if not quantity.pint or plain.pint or quantity.unit != plain.unit:
        return False
    return (plain.name.startswith(quantity.name + "_")
            and suffix_problem(plain, path) is None)


def naming_problems(path: str | Path = VOCABULARY_FILE) -> list[str]:
    """Every break of the naming rules in a vocabulary file, as sentences.

    Checks that each name ends in its unit (:func:`suffix_problem`), that no two canonical
    names share a meaning (a second name of one quantity), and that no canonical name is a
    deprecated spelling of another name.

    Parameters
    ----------
    path : str or Path, default :data:`VOCABULARY_FILE`

    Returns
    -------
    list of str
        Empty when the vocabulary keeps the rules.
    """
    names = vocabulary(path)
    problems = [p for n in names.values() if (p := suffix_problem(n, path)) is not None]
    meanings: dict[str, str] = {}
    for n in names.values():
        first = meanings.setdefault(n.meaning.strip().lower(), n.name)
        if first != n.name and not plain_form_of(names[first], n, path):
            problems.append(f"{first!r} and {n.name!r} have the same meaning "
                            f"({n.meaning!r}): one quantity, two names")
    problems += [f"{old!r} is canonical but also a deprecated spelling of {n.name!r}"
                 for n in names.values() for old in n.old_spellings
                 if old in names and _old_clashes(n, old, names[old])]
    return problems


@functools.cache
def deprecated_aliases(where: str) -> dict[str, str]:
    """The ``old -> new`` spellings of a context.

    Parameters
    ----------
    where : str
        A context of the vocabulary (``fleet``, ``statements``, ``scenario.market``, ...).

    Returns
    -------
    dict of str -> str
    """
    return {old: n.name for n in vocabulary().values() for old in n.spellings_in(where)}


def rename_deprecated(names: Iterable[str], where: str, *, file: str | None = None,
                      stacklevel: int = 3) -> dict[str, str]:
    """The renaming of deprecated spellings among ``names``, with one warning each.

    Parameters
    ----------
    names : iterable of str
        Keys of a mapping or columns of a table, as read.
    where : str
        Their context in the vocabulary.
    file : str, optional
        The file they were read from (named in the warning and the error).
    stacklevel : int, default 3
        Passed to :func:`warnings.warn`.

    Returns
    -------
    dict of str -> str
        ``{old: new}`` for the deprecated names present (empty when none); pass it to
        :meth:`pandas.DataFrame.rename` or use it on a mapping's keys.

    Raises
    ------
    InputError
        Both the old and the new spelling are given.
    """
    aliases = deprecated_aliases(where)
    present = list(names)
    found = {old: aliases[old] for old in present if old in aliases}
    for old, new in found.items():
        if new in present:
            raise _error(f"{old!r} and {new!r} are the same quantity; give only {new!r}",
                             file=file, key=old, hint="one name per quantity")
        place = f"{file}: " if file else ""
        warnings.warn(f"{place}{old!r} is deprecated, use {new!r} ({where})",
                      DeprecationWarning, stacklevel=stacklevel)
    return found


def renamed_parameters(where: str) -> Callable[[F], F]:
    """Decorator: keyword arguments under a deprecated spelling of ``where`` still work.

    The old keyword is passed on under its new name with a :class:`DeprecationWarning`;
    giving both raises :class:`~conversions.errors.InputError`.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            found = rename_deprecated(kwargs, where, stacklevel=4)
            for old, new in found.items():
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _old_attribute(cls: type, old: str, new: str, where: str) -> property:
    """A property ``old`` reading (and setting) ``new``, with a :class:`DeprecationWarning`."""
    message = f"{cls.__name__}.{old!r} is deprecated, use {new!r} ({where})"

    def get(self: Any) -> Any:
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return getattr(self, new)

    def set_(self: Any, value: Any) -> None:
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        setattr(self, new, value)

    return property(get, set_, doc=f"Deprecated spelling of :attr:`{new}`.")


def renamed_attributes(where: str) -> Callable[[C], C]:
    """Class decorator: the deprecated spellings of ``where`` stay attributes of a dataclass.

    For each ``old -> new`` of :func:`deprecated_aliases` whose ``new`` is a field or an
    attribute of the class (and ``old`` is not), ``old`` becomes a property reading and
    setting ``new`` with a :class:`DeprecationWarning`, and the constructor takes ``old`` as
    a keyword too (an :class:`~conversions.errors.InputError` when both are given).

    Parameters
    ----------
    where : str
        The class's context, ``python.<ClassName>``.
    """

    def decorate(cls: C) -> C:
        own = {f.name for f in dataclasses.fields(cls)} | set(dir(cls))
        aliases = {old: new for old, new in deprecated_aliases(where).items()
                   if new in own and old not in own}
        for old, new in aliases.items():
            setattr(cls, old, _old_attribute(cls, old, new, where))
        init = cls.__init__

        @functools.wraps(init)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            olds = [k for k in kwargs if k in aliases]
            if olds:  # only the class's own aliases: a field is never renamed
                found = rename_deprecated(olds + [k for k in kwargs if k in aliases.values()],
                                          where, stacklevel=3)
                for old, new in found.items():
                    kwargs[new] = kwargs.pop(old)
            init(self, *args, **kwargs)

        cls.__init__ = __init__  # type: ignore[misc]
        return cls

    return decorate


def rename_mapping(mapping: Mapping[str, Any], where: str, *,
                   file: str | None = None) -> dict[str, Any]:
    """A copy of ``mapping`` with deprecated keys of ``where`` under their new names."""
    found = rename_deprecated(mapping, where, file=file, stacklevel=4)
    return {found.get(k, k): v for k, v in mapping.items()}
