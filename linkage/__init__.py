"""dualcredit-linkage: China's passenger-car dual-credit policy and its link to the carbon market.

Layers (as in pvlib): rules as data and pure accounting functions (:mod:`linkage.rules`,
:mod:`linkage.accounting`), domain objects (:mod:`linkage.fleet`), orchestration
(:mod:`linkage.cli`).
"""

from linkage.accounting import CreditResult, compute_credits
from linkage.errors import (
    ArgumentTypeError,
    FleetError,
    InputError,
    LinkageError,
    RulebookError,
)
from linkage.fleet import read_enterprises, read_fleet
from linkage.rules import Rulebook, RuleSet, default_rules, load_rules

__version__ = "0.1.0"

__all__ = [
    "ArgumentTypeError",
    "CreditResult",
    "FleetError",
    "InputError",
    "LinkageError",
    "RuleSet",
    "Rulebook",
    "RulebookError",
    "__version__",
    "compute_credits",
    "default_rules",
    "load_rules",
    "read_enterprises",
    "read_fleet",
]
