"""dualcredit-linkage: China's passenger-car dual-credit policy and its link to the carbon market.

This package is the **linkage core**, the second of four layers (see ``docs/architecture.md``):
it imports :mod:`conversions` below it and never :mod:`optimize` or the application modules
above it (import-linter contracts in ``pyproject.toml`` check this in CI). Its subpackages and
modules, all loaded by ``import linkage``:

- :mod:`linkage.rules`: rules as data, one validated :class:`Rulebook` per compliance year;
- :mod:`linkage.fleet`: fleet and enterprise tables (CSV, XLSX or DataFrame), checked;
- :mod:`linkage.accounting`: pure functions from a fleet to credit statements
  (:func:`compute_credits`);
- :mod:`linkage.ledger`: statements -> a year-by-year ledger of trades, carry-forward and the
  pool (:func:`~linkage.ledger.simulate`), and the independent plan verifier
  (:func:`~linkage.ledger.verify_plan`);
- :mod:`linkage.pool` (:class:`ReserveVariant`), :mod:`linkage.market` (supply/demand
  ratios), :mod:`linkage.carbon_link` (:class:`CarbonLink`, a linkage design with the ETS);
- :mod:`linkage.data`: published data (MIIT annual announcements, NEV credit prices);
- :mod:`linkage.industry`: the ILLUSTRATIVE industry generator (synthetic enterprises
  calibrated to MIIT 2023, :func:`illustrative_industry`);
- :mod:`linkage.errors`: the exception root :class:`LinkageError` and located
  :class:`InputError`.

The application layer, :mod:`linkage.cli` (the ``linkage`` command) and :mod:`linkage.brief`,
is not imported here: it sits above :mod:`optimize` and may import everything.
"""

# the subpackages and modules of the core, as attributes of ``linkage`` (explicit re-exports)
from linkage import accounting as accounting
from linkage import carbon_link as carbon_link
from linkage import data as data
from linkage import errors as errors
from linkage import fleet as fleet
from linkage import industry as industry
from linkage import ledger as ledger
from linkage import market as market
from linkage import pool as pool
from linkage import rules as rules
from linkage.accounting import CreditResult, compute_credits
from linkage.carbon_link import CarbonLink
from linkage.errors import (
    ArgumentTypeError,
    FleetError,
    InputError,
    LinkageError,
    RulebookError,
)
from linkage.fleet import read_enterprises, read_fleet
from linkage.industry import Industry, IndustryDataError, illustrative_industry
from linkage.ledger import LedgerResult, prepare_statements, simulate, verify_plan
from linkage.pool import ReserveVariant
from linkage.rules import Rulebook, RuleSet, default_rules, load_rules

__version__ = "0.1.0"

__all__ = [
    "ArgumentTypeError",
    "CarbonLink",
    "CreditResult",
    "FleetError",
    "Industry",
    "IndustryDataError",
    "InputError",
    "LedgerResult",
    "LinkageError",
    "ReserveVariant",
    "RuleSet",
    "Rulebook",
    "RulebookError",
    "__version__",
    "compute_credits",
    "default_rules",
    "illustrative_industry",
    "load_rules",
    "prepare_statements",
    "read_enterprises",
    "read_fleet",
    "simulate",
    "verify_plan",
]
