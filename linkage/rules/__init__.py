"""Dual-credit rules as data: one validated :class:`Rulebook` per compliance year."""

from linkage.rules.diff import DIFF_COLUMNS, diff_rulebooks
from linkage.rules.loader import (
    STATUSES,
    UNVERIFIED_STATUSES,
    Parameter,
    ParameterLog,
    Rulebook,
    RuleSet,
    default_rule_files,
    default_rules,
    load_rules,
    record_lookups,
    rule_unit,
    schema,
)

__all__ = [
    "DIFF_COLUMNS",
    "STATUSES",
    "UNVERIFIED_STATUSES",
    "Parameter",
    "ParameterLog",
    "RuleSet",
    "Rulebook",
    "default_rule_files",
    "default_rules",
    "diff_rulebooks",
    "load_rules",
    "record_lookups",
    "rule_unit",
    "schema",
]
