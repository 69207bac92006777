"""Dual-credit rules as data: one validated :class:`Rulebook` per compliance year."""

from linkage.rules.loader import (
    STATUSES,
    UNVERIFIED_STATUSES,
    Parameter,
    Rulebook,
    RuleSet,
    default_rule_files,
    default_rules,
    load_rules,
    schema,
)

__all__ = [
    "STATUSES",
    "UNVERIFIED_STATUSES",
    "Parameter",
    "RuleSet",
    "Rulebook",
    "default_rule_files",
    "default_rules",
    "load_rules",
    "schema",
]
