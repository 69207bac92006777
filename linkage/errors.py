"""Exception classes. Every input error names where it happened and the rule broken."""

from __future__ import annotations

__all__ = ["FleetError", "InputError", "LinkageError", "RulebookError"]


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
        Key of a TOML file (used instead of a column).
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


class FleetError(InputError):
    """A fleet or enterprise table breaks a rule of the input format."""


class RulebookError(InputError):
    """A rulebook file is malformed, incomplete or inconsistent."""
