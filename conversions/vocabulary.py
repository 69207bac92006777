"""One vocabulary: every public name of a quantity, its unit, its meaning and its old names.

The library's names are data, in ``conversions/data/vocabulary.toml`` (the bottom layer, so
every layer reads the same table):

- ``[suffixes]``: the unit suffix of a name for each unit (``_l_per_100km`` -> ``L/100 km``);
  one suffix per unit, parsed by the library's pint registry;
- ``[[name]]``: one entry per public name (a table column, a scenario key, an argument or
  attribute of the Python API, a key of a JSON summary), with its ``unit`` (a pint unit
  expression of the library's registry, or one of :data:`NON_UNITS`), its ``meaning``, the
  contexts it appears in (``where``) and its ``deprecated`` spellings. A name of a quantity
  ends in the suffix of its unit; the same name means the same thing wherever it appears.

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
import tomllib
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from conversions.errors import InputError

__all__ = [
    "NON_UNITS",
    "VOCABULARY_FILE",
    "Name",
    "deprecated_aliases",
    "rename_deprecated",
    "rename_mapping",
    "renamed_attributes",
    "renamed_parameters",
    "suffixes",
    "vocabulary",
]

#: The vocabulary file shipped with the library.
VOCABULARY_FILE = Path(__file__).parent / "data" / "vocabulary.toml"

#: ``unit`` values of names that are not quantities of a pint unit: labels and indexes
#: (``text``), flags (``bool``), calendar years (``year``), counts of things that are not
#: vehicles or credits (``count``) and dimensionless shares, ratios and factors (``-``).
NON_UNITS = ("text", "bool", "year", "count", "-")

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
        Old spellings still read, with a :class:`DeprecationWarning`.
    """

    name: str
    unit: str
    meaning: str
    where: tuple[str, ...]
    deprecated: tuple[str, ...] = ()


@functools.cache
def vocabulary(path: str | Path = VOCABULARY_FILE) -> dict[str, Name]:
    """Every public name of the vocabulary file, by canonical spelling.

    Parameters
    ----------
    path : str or Path, default :data:`VOCABULARY_FILE`

    Returns
    -------
    dict of str -> Name

    Raises
    ------
    InputError
        A name given twice, an entry without ``name``/``unit``/``where`` (file and key
        named).
    """
    path = Path(path)
    with path.open("rb") as fh:
        doc = tomllib.load(fh)
    out: dict[str, Name] = {}
    for i, entry in enumerate(doc.get("name", []), start=1):
        missing = [k for k in ("name", "unit", "where") if k not in entry]
        if missing:
            raise InputError(f"entry {i} lacks {', '.join(missing)}", file=str(path),
                             key=str(entry.get("name", f"name[{i}]")),
                             rule="a name has name, unit and where")
        name = entry["name"]
        if name in out:
            raise InputError(f"{name!r} is given twice", file=str(path), key=name,
                             rule="one entry per name")
        out[name] = Name(name=name, unit=entry["unit"], meaning=entry.get("meaning", ""),
                         where=tuple(entry["where"]),
                         deprecated=tuple(entry.get("deprecated", ())))
    return out


def suffixes(path: str | Path = VOCABULARY_FILE) -> dict[str, str]:
    """The unit suffix of each unit: ``{suffix: unit}``, longest suffix first."""
    with Path(path).open("rb") as fh:
        table = tomllib.load(fh).get("suffixes", {})
    return dict(sorted(table.items(), key=lambda kv: -len(kv[0])))


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
    return {old: n.name for n in vocabulary().values() if where in n.where
            for old in n.deprecated}


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
            raise InputError(f"{old!r} and {new!r} are the same quantity; give only {new!r}",
                             file=file, key=old)
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
    setting ``new`` with a :class:`DeprecationWarning`; the constructor takes ``old`` as a
    keyword too (:func:`renamed_parameters`).

    Parameters
    ----------
    where : str
        The class's context, ``python.<ClassName>``.
    """

    def decorate(cls: C) -> C:
        own = {f.name for f in dataclasses.fields(cls)} | set(dir(cls))
        for old, new in deprecated_aliases(where).items():
            if new in own and old not in own:
                setattr(cls, old, _old_attribute(cls, old, new, where))
        cls.__init__ = renamed_parameters(where)(cls.__init__)  # type: ignore[misc]
        return cls

    return decorate


def rename_mapping(mapping: Mapping[str, Any], where: str, *,
                   file: str | None = None) -> dict[str, Any]:
    """A copy of ``mapping`` with deprecated keys of ``where`` under their new names."""
    found = rename_deprecated(mapping, where, file=file, stacklevel=4)
    return {found.get(k, k): v for k, v in mapping.items()}
