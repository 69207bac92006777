"""The transaction table shared by the ledger, the simulator, the verifier and the optimizer.

One row per movement of credits::

    enterprise, year, instrument, vintage, action, quantity, balance_after_credits
    [, counterparty, cash_flow_cny, unit]

``quantity`` is a non-negative amount [credit] (``unit`` "credit"; t CO2e rows of the linkage
levers say so in ``unit``). ``balance_after_credits`` is the holding of (instrument, vintage)
after the row [credit]. ``cash_flow_cny`` is negative for payments [CNY].

Instruments (buckets of one enterprise):

============== ===============================================================================
cafc           own CAFC surplus of vintage v (carried at ``cafc.carry_factor`` a year)
nev            own NEV surplus of vintage v (carried at ``nev.carry_factor`` if eligible)
nev_market     NEV credits bought this year (vintage = year); usable this year only
affiliate_cafc CAFC credits received from an affiliate this year; usable this year only
pool           own NEV credits stored in the pool, by deposit year
pool_release   credits withdrawn from the pool this year (vintage = deposit year)
reserve        credits bought from the reserve (policy variant) this year
cafc_deficit   the year's CAFC deficit to clear
nev_deficit    the year's NEV deficit to clear
cea            carbon allowances bought (``buy``, unit t_CO2e) and surrendered against a
               deficit (``offset_*``, unit credit) under a linkage design
technology     units of a technology option taken (action ``technology``, unit ``unit``, the
               option's name in ``counterparty``); their credit effects change the statements
============== ===============================================================================

Actions: bookkeeping ``earn``, ``deficit``, ``discount`` (carry-forward loss at year end),
``expire``, ``return`` (unused pool withdrawals going back); decisions ``buy``, ``sell``,
``buy_reserve``, ``transfer_out``, ``transfer_in``, ``deposit`` (instrument nev: own credits of
the year into the pool), ``withdraw`` (instrument pool), ``offset_cafc`` and ``offset_nev``
(instrument = the bucket used), ``uncovered`` (deficit left uncovered, reported loudly),
``abate`` (extra own credits of the year from abatement, instrument cafc or nev, added to the
statement), ``sell_offset`` (own surplus credits sold into the ETS as carbon offsets under a
linkage design) and ``technology`` (units of a technology option taken, instrument
``technology``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "ACTIONS",
    "BOOKKEEPING_ACTIONS",
    "DECISION_ACTIONS",
    "INSTRUMENTS",
    "MIRRORS",
    "TRANSACTION_COLUMNS",
    "mirror_rows",
]

#: Columns of a transaction table (``LedgerResult.transactions``), in order.
TRANSACTION_COLUMNS = [
    "enterprise", "year", "instrument", "vintage", "action", "quantity", "balance_after_credits",
    "counterparty", "cash_flow_cny", "unit",
]

#: Buckets a transaction moves credits in or out of (``instrument`` column).
INSTRUMENTS = (
    "cafc", "nev", "nev_market", "affiliate_cafc", "pool", "pool_release", "reserve",
    "cafc_deficit", "nev_deficit", "cea", "technology",
)
#: Actions the rules perform by themselves (``action`` column).
BOOKKEEPING_ACTIONS = ("earn", "deficit", "discount", "expire", "return")
#: Actions an enterprise (or the optimizer) decides (``action`` column).
DECISION_ACTIONS = (
    "buy", "sell", "buy_reserve", "transfer_out", "transfer_in", "deposit", "withdraw",
    "offset_cafc", "offset_nev", "uncovered", "abate", "sell_offset", "technology",
)
#: Every action: the bookkeeping ones, then the decisions.
ACTIONS = BOOKKEEPING_ACTIONS + DECISION_ACTIONS


#: (action, instrument) pairs recording the destination side of a movement.
MIRRORS = (
    ("deposit", "pool"),
    ("withdraw", "pool_release"),
    ("offset_cafc", "cafc_deficit"),
    ("offset_nev", "nev_deficit"),
    ("return", "pool"),
)


def mirror_rows(transactions: pd.DataFrame) -> np.ndarray:
    """Boolean mask of the rows that record the destination side of a movement.

    Parameters
    ----------
    transactions : DataFrame
        A transaction table.

    Returns
    -------
    ndarray of bool
        True for mirror rows; summing quantities over the other rows counts each movement once.
    """
    mask = np.zeros(len(transactions), dtype=bool)
    for action, instrument in MIRRORS:
        mask |= ((transactions["action"] == action)
                 & (transactions["instrument"] == instrument)).to_numpy()
    return mask
