"""Exception classes of :mod:`conversions`, and the library's exception root.

:class:`LinkageError` is the root of every error the library (``conversions``, ``linkage``,
``optimize``) raises on purpose; :class:`InputError` is its located subclass (file, row,
column, key, rule). They live here, in the bottom layer, so that ``conversions`` needs no
import of :mod:`linkage`; :mod:`linkage.errors` re-exports them. Each message names the
assumption, file or key.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

import pint

__all__ = [
    "ArgumentError",
    "ArgumentTypeError",
    "BasisError",
    "BasisUnitError",
    "BasisValueError",
    "ConversionError",
    "DataFileError",
    "InputError",
    "LinkageError",
    "PenaltyMultipleError",
    "QuantityRegistryError",
    "SamplingError",
    "UndefinedUnitExpressionError",
    "UnitDimensionalityError",
    "UnitExpressionError",
    "UnknownBasisError",
    "did_you_mean",
]


class LinkageError(Exception):
    """Base class of every error raised by the library."""


class InputError(LinkageError, ValueError):
    """Bad input: names the file, row, column (or key) and the rule that was broken.

    Parameters
    ----------
    rule : str
        What is wrong, in one sentence.
    file : str, optional
        File (or ``"<DataFrame>"``) the input came from.
    row : int, optional
        Row as a spreadsheet shows it: the header is row 1, the first data row is row 2.
    column : str, optional
        Column name.
    key : str, optional
        Key of a TOML file, option or argument (used instead of a column).
    """

    def __init__(
        self,
        rule: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        key: str | None = None,
    ) -> None:
        self.rule = rule
        self.file = file
        self.row = row
        self.column = column
        self.key = key
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file is not None:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.key is not None:
            where.append(f"key '{self.key}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.rule}" if prefix else self.rule

    def __reduce__(self):  # keyword-only arguments survive pickling (process pools)
        return (_rebuild, (type(self), self.rule, self.file, self.row, self.column, self.key,
                           self.__dict__))


def _rebuild(cls: type, rule: str, file: str | None, row: int | None, column: str | None,
             key: str | None, state: dict) -> InputError:
    err = cls.__new__(cls)
    InputError.__init__(err, rule, file=file, row=row, column=column, key=key)
    err.__dict__.update(state)
    return err


class ArgumentTypeError(InputError, TypeError):
    """An argument of a public function has the wrong type; ``key`` names the argument.

    Also a :class:`TypeError` (and, as every :class:`InputError`, a :class:`ValueError`).
    """


class ConversionError(LinkageError):
    """Base class of every error raised by :mod:`conversions`."""


class ArgumentError(ConversionError, ValueError):
    """An argument is not one of its allowed values (method, credit kind, level, ...)."""


class BasisError(ConversionError, ValueError):
    """A conversion basis is invalid.

    Parameters
    ----------
    message : str
        What is wrong.
    field : str, optional
        The assumption (field of :class:`~conversions.ConversionBasis`) at fault.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class BasisUnitError(BasisError):
    """An assumption has a unit that cannot be converted to the assumption's unit."""


class BasisValueError(BasisError):
    """An assumption (or the boundary, fuel or name) is outside its allowed values."""


class UnknownBasisError(BasisError):
    """No conversion basis of that name; the message lists the known names.

    Parameters
    ----------
    name : str
        The name asked for.
    known : sequence of str
        Names of the known bases.
    """

    def __init__(self, name: str, known: list[str] | tuple[str, ...]) -> None:
        self.name = name
        self.known = tuple(known)
        super().__init__(
            f"unknown conversion basis '{name}'; known bases: {', '.join(self.known)}"
        )


class DataFileError(ConversionError, InputError):
    """A data file of the package (or a user's preset file) is malformed.

    Parameters
    ----------
    rule : str
        What is wrong, in one sentence.
    file : str, optional
        File name.
    row : int, optional
        Row as a spreadsheet shows it (header = row 1).
    column : str, optional
        Column name.
    key : str, optional
        TOML key.
    """


class PenaltyMultipleError(ConversionError, ValueError):
    """The ETS penalty multiple lies outside the range the regulation allows."""


class SamplingError(ConversionError, ValueError):
    """An uncertainty range is malformed or produced draws outside an assumption's domain."""


class UnitExpressionError(ConversionError, ValueError):
    """A text is not a unit expression: empty, unknown name, bad syntax, division by zero or
    a number inside it (as in ``L/100km``). The message quotes the expression and the reason.
    """


class QuantityRegistryError(ConversionError, TypeError):
    """A pint Quantity belongs to another unit registry than :data:`conversions.ureg`."""


class UndefinedUnitExpressionError(UnitExpressionError, pint.UndefinedUnitError):
    """A unit expression names a unit the registry does not define.

    Also a :class:`pint.UndefinedUnitError`, so code catching pint's error keeps working.

    Parameters
    ----------
    expression : str
        The expression as given.
    unit_names : tuple of str
        The undefined names.
    """

    def __init__(self, expression: str, unit_names: tuple[str, ...] | str) -> None:
        pint.UndefinedUnitError.__init__(self, unit_names)
        self.expression = expression
        Exception.__init__(self, expression, self.unit_names)

    def __str__(self) -> str:
        names = ", ".join(f"'{n}'" for n in self.unit_names)
        return (f"'{self.expression}' is not a unit: unknown unit {names} (not defined in the "
                "unit registry: see conversions/units.txt and pint's definitions)")

    def __reduce__(self):
        return self.__class__, (self.expression, self.unit_names)


class UnitDimensionalityError(ConversionError, pint.DimensionalityError):
    """Two units cannot be converted into each other (also a :class:`pint.DimensionalityError`)."""


def did_you_mean(word: object, choices: Iterable[str], *, prefix: str = "") -> str:
    """The hint an error appends for an unknown ``word``: its closest known choice.

    Parameters
    ----------
    word : object
        What was given (compared as text).
    choices : iterable of str
        The known names.
    prefix : str
        Written before the match, e.g. ``"rule."`` for ``'rule.nev.ratio'``.

    Returns
    -------
    str
        ``"; did you mean '<prefix><match>'?"``, or ``""`` when nothing is close (difflib's
        ratio below 0.6).

    Examples
    --------
    >>> "unknown key" + did_you_mean("nev.ratoi", ["nev.ratio", "cafc.carry_years"])
    "unknown key; did you mean 'nev.ratio'?"
    """
    hint = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean '{prefix}{hint[0]}'?" if hint else ""
