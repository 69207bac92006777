"""The NEV credit pool (Order No. 64): when it takes deposits and when it releases them.

All thresholds come from the year's rulebook (``pool.*``), so a scenario rulebook can move
the triggers, shares and validity.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversions._checks import check_finite
from conversions.vocabulary import renamed_attributes
from linkage.rules import Rulebook

__all__ = ["PoolWindow", "ReserveVariant", "pool_window"]


@dataclass(frozen=True)
class PoolWindow:
    """What the pool allows in one year.

    Attributes
    ----------
    year : int
        Compliance year.
    ratio : float
        Industry supply/demand ratio of the year [-].
    deposit_open : bool
        Deposits allowed (pool enabled and ratio > ``pool.deposit_trigger_ratio``).
    release_open : bool
        Withdrawals allowed (pool enabled and ratio < ``pool.release_trigger_ratio``).
    deposit_share : float
        Share of the year's NEV positive credits that may be deposited [-].
    withdrawal_share : float
        Share of own stored credits that may be withdrawn [-].
    validity_years : int
        A deposit of year d may be withdrawn up to year d + validity_years [year].
    """

    year: int
    ratio: float
    deposit_open: bool
    release_open: bool
    deposit_share: float
    withdrawal_share: float
    validity_years: int


def pool_window(year: int, ratio: float, rulebook: Rulebook) -> PoolWindow:
    """The pool's rules in ``year`` at supply/demand ``ratio``.

    Parameters
    ----------
    year : int
        Compliance year.
    ratio : float
        Industry supply/demand ratio [-].
    rulebook : Rulebook
        Rules of ``year``.

    Returns
    -------
    PoolWindow

    Notes
    -----
    Order No. 64 (2023): deposits when the ratio is above 2.0, withdrawals when it is below
    1.5; deposits keep full value for 5 years (``official``); shares default to 100 %
    (``provisional``).
    """
    enabled = bool(rulebook["pool.enabled"])
    return PoolWindow(
        year=int(year),
        ratio=float(ratio),
        deposit_open=enabled and ratio > rulebook["pool.deposit_trigger_ratio"],
        release_open=enabled and ratio < rulebook["pool.release_trigger_ratio"],
        deposit_share=float(rulebook["pool.deposit_share"]),
        withdrawal_share=float(rulebook["pool.withdrawal_share"]),
        validity_years=int(rulebook["pool.validity_years"]),
    )


@renamed_attributes("python.ReserveVariant")
@dataclass(frozen=True)
class ReserveVariant:
    """Policy variant: a reserve that sells released pool credits at a set price.

    Off by default (``reserve_price_cny_per_credit=None``). When on, in years when the pool
    releases (ratio below the release trigger) enterprises may buy, all together, up to
    ``reserve_max_credits_per_year`` [credit] a year (None: unlimited; in the enterprise
    optimizer the cap applies to the one enterprise modelled) at ``reserve_price_cny_per_credit``
    [CNY/credit], like a price containment reserve. Not law: a design from the linkage
    reference. (``price_cny_per_credit`` and ``max_credits_per_year``, the fields' names before
    the one-vocabulary rename, are still read and accepted, with a
    :class:`DeprecationWarning`.)
    """

    reserve_price_cny_per_credit: float | None = None
    reserve_max_credits_per_year: float | None = None

    def __post_init__(self) -> None:
        # a negative or NaN price would make buying from the reserve earn money
        for name in ("reserve_price_cny_per_credit", "reserve_max_credits_per_year"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, check_finite(value, name, minimum=0.0))

    @property
    def enabled(self) -> bool:
        """Whether the reserve sells at all."""
        return self.reserve_price_cny_per_credit is not None
