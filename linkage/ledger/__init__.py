"""The multi-year compliance ledger: vintages, carry-forward, transfers, the pool, a verifier.

- :func:`simulate` runs a rule-following :class:`Strategy` over consecutive years;
- :func:`verify_plan` checks any plan (same transaction shape) against every rule,
  independently of how the plan was made;
- :mod:`linkage.ledger.schema` documents the transaction table.
"""

from linkage.ledger.schema import ACTIONS, INSTRUMENTS, TRANSACTION_COLUMNS, mirror_rows
from linkage.ledger.simulate import LedgerResult, Strategy, normalise_prices, simulate
from linkage.ledger.statements import prepare_statements
from linkage.ledger.verify import Violation, verify_plan

__all__ = [
    "ACTIONS",
    "INSTRUMENTS",
    "TRANSACTION_COLUMNS",
    "LedgerResult",
    "Strategy",
    "Violation",
    "mirror_rows",
    "normalise_prices",
    "prepare_statements",
    "simulate",
    "verify_plan",
]
