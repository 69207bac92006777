"""Linkage designs between the dual-credit system and the national carbon market (ETS).

No official design exists (MIIT, April 2023: "explore the connection"); these are the levers a
study compares. Every rate is explicit: credits per t CO2e from a named conversion basis or
set by policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from conversions.vocabulary import renamed_attributes

__all__ = ["CarbonLink"]


@renamed_attributes("python.CarbonLink")
@dataclass(frozen=True)
class CarbonLink:
    """A linkage design.

    Attributes
    ----------
    exchange_rate_credits_per_t_co2e : float
        Credits cleared by one t CO2e of allowances, and credits needed for one t CO2e of
        offsets [credit/t CO2e].
    basis : str
        Name of the conversion basis the rate comes from, or ``"policy"``.
    allow_cea_for_deficits : bool
        Enterprises may surrender CEAs (allowances) against credit deficits.
    cea_clears : tuple of str
        Which deficits CEAs may clear: ``"cafc"``, ``"nev"`` or both.
    max_cea_deficit_share : float
        Cap on CEA-cleared credits as a share of each year's deficit [-].
    allow_credit_offsets : bool
        Surplus credits may be sold into the ETS as carbon offsets.
    offset_cap_t_co2e : mapping year -> float
        Cap on offsets sold per year [t CO2e] (absent year: no cap). For one enterprise in the
        enterprise model; industry-wide in the industry model.

    The names before the one-vocabulary rename (``exchange_rate_credits_per_t``,
    ``max_cea_share_of_deficit``, ``offset_cap_t``, ``t_per_credit``) are still read (and the
    fields accepted by the constructor), with a :class:`DeprecationWarning`.
    """

    exchange_rate_credits_per_t_co2e: float
    basis: str = "policy"
    allow_cea_for_deficits: bool = True
    cea_clears: tuple[str, ...] = ("cafc", "nev")
    max_cea_deficit_share: float = 1.0
    allow_credit_offsets: bool = False
    offset_cap_t_co2e: Mapping[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.exchange_rate_credits_per_t_co2e > 0:
            raise ValueError("exchange_rate_credits_per_t_co2e must be > 0 [credit/t CO2e]")
        if not 0.0 <= self.max_cea_deficit_share <= 1.0:
            raise ValueError("max_cea_deficit_share must lie in [0, 1]")
        bad = set(self.cea_clears) - {"cafc", "nev"}
        if bad:
            raise ValueError(f"cea_clears may list 'cafc' and 'nev' only, got {sorted(bad)}")

    @property
    def t_co2e_per_credit(self) -> float:
        """t CO2e per credit [t CO2e/credit]."""
        return 1.0 / self.exchange_rate_credits_per_t_co2e
