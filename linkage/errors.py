"""Exception classes. Every input error names where it happened and the rule broken.

The root :class:`LinkageError` and its located subclass :class:`InputError` are defined in
the bottom layer (:mod:`conversions.errors`) and re-exported here, so that every error the
library raises on purpose, in ``conversions`` as in ``linkage`` and ``optimize``, is a
:class:`LinkageError`.
"""

from __future__ import annotations

from conversions.errors import ArgumentTypeError, InputError, LinkageError

__all__ = ["ArgumentTypeError", "FleetError", "InputError", "LinkageError", "RulebookError"]


class FleetError(InputError):
    """A fleet or enterprise table breaks a rule of the input format."""


class RulebookError(InputError):
    """A rulebook file is malformed, incomplete or inconsistent."""
