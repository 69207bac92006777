"""Exception classes of :mod:`conversions`. Each message names the assumption, file or key."""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "BasisError",
    "BasisUnitError",
    "BasisValueError",
    "ConversionError",
    "DataFileError",
    "PenaltyMultipleError",
    "SamplingError",
    "UnitExpressionError",
    "UnknownBasisError",
]


class ConversionError(Exception):
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


class DataFileError(ConversionError, ValueError):
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

    def __init__(
        self,
        rule: str,
        *,
        file: str | None = None,
        row: int | None = None,
        column: str | None = None,
        key: str | None = None,
    ) -> None:
        self.rule, self.file, self.row, self.column, self.key = rule, file, row, column, key
        where = [
            s
            for s in (
                file,
                f"row {row}" if row is not None else None,
                f"column '{column}'" if column is not None else None,
                f"key '{key}'" if key is not None else None,
            )
            if s
        ]
        super().__init__(f"{', '.join(where)}: {rule}" if where else rule)


class PenaltyMultipleError(ConversionError, ValueError):
    """The ETS penalty multiple lies outside the range the regulation allows."""


class SamplingError(ConversionError, ValueError):
    """An uncertainty range is malformed or produced draws outside an assumption's domain."""


class UnitExpressionError(ConversionError, ValueError):
    """A text is not a unit expression (e.g. it contains a number, as in ``L/100km``)."""
