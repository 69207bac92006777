"""The environmental ledger of a result: what a plan does to CO2, per enterprise and year.

Pure functions of a plan (``PLAN_COLUMNS``) and its :class:`~optimize.scenario.Scenario`.
Every figure is in t CO2e, negative = less CO2 (carbon-linkage reference, section 4):

``vehicle_lifetime_change_t_co2e``
    Technology units taken (rows ``action = "technology"``, ``instrument = "technology"``,
    the option's name in ``counterparty``, ``quantity`` in units) x the option's
    ``co2_change_t_co2e_per_unit`` of the year.
``deficit_covered_by_cea_t_co2e``
    Credits of deficit cleared with CEAs (rows ``instrument = "cea"``, ``action =
    "offset_cafc"`` or ``"offset_nev"``) x the basis's *physical* t CO2e per credit: the fleet
    emitted that much above its standard.
``cea_retired_t_co2e``
    CEAs bought (rows ``instrument = "cea"``, ``action = "buy"``, unit t_CO2e) when they leave
    the ETS one for one (``[ets] cea_retired``; true when the scenario has no ``[ets]``).
``offsets_into_ets_t_co2e``
    Credits sold as offsets (``action = "sell_offset"``) / the link's exchange rate: the
    tonnes the ETS lets its entities emit more.
``net_change_t_co2e``
    vehicle + deficit covered by CEA - CEA retired + offsets into the ETS.
``integrity_gap_t_co2e``
    Tonnes the policy rate creates on paper: CEA-covered credits x (physical - policy t per
    credit) + offset credits x (policy - physical t per credit); 0 when the link's rate is the
    basis's physical rate.

Physical t per credit: the scenario's ``[linkage] basis`` (CAFC credit, compliance method,
applied to CAFC and NEV credits alike, as the link's one exchange rate is), else the link's
rate itself (then the gap is 0 by construction). ``basis`` names it in every row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from optimize.scenario import Scenario

__all__ = ["EMISSION_COLUMNS", "TECHNOLOGY_ACTION", "emissions_ledger", "emissions_summary"]

#: action and instrument of plan rows recording technology units taken.
TECHNOLOGY_ACTION = "technology"
#: columns of :func:`emissions_ledger` (figures in t CO2e).
EMISSION_COLUMNS = [
    "enterprise", "year", "vehicle_lifetime_change_t_co2e", "deficit_covered_by_cea_t_co2e",
    "cea_retired_t_co2e", "offsets_into_ets_t_co2e", "net_change_t_co2e",
    "integrity_gap_t_co2e", "basis",
]
_FIGURES = EMISSION_COLUMNS[2:-1]


def _rates(scenario: Scenario) -> tuple[float, float, str]:
    """(physical, policy) t CO2e per credit and the basis named."""
    link = scenario.link
    policy = link.t_co2e_per_credit if link is not None else np.nan
    if scenario.basis_t_co2e_per_credit is not None:
        return scenario.basis_t_co2e_per_credit, policy, str(scenario.basis_name)
    return policy, policy, link.basis if link is not None else "none (no linkage)"


def _co2_per_unit(scenario: Scenario) -> dict[tuple[str, str, int], float]:
    return {(e.name, t.name, y): v for e in scenario.enterprises for t in e.technology
            for y, v in t.co2_change_t_co2e_per_unit.items()}


def emissions_ledger(plan: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Per enterprise and year, what the plan does to CO2 [t CO2e].

    Parameters
    ----------
    plan : DataFrame
        ``enterprise, year, instrument, action, quantity, counterparty`` (``PLAN_COLUMNS``).
    scenario : Scenario
        For the options' CO2 per unit, the link's rate, the basis and ``[ets] cea_retired``.

    Returns
    -------
    DataFrame
        :data:`EMISSION_COLUMNS`, one row per enterprise and scenario year.

    Raises
    ------
    KeyError
        A technology row naming an option the scenario does not have.
    """
    phys, pol, basis = _rates(scenario)
    retired = scenario.ets.cea_retired if scenario.ets is not None else True
    co2 = _co2_per_unit(scenario)
    p = plan
    act, ins = p["action"].to_numpy(dtype=object), p["instrument"].to_numpy(dtype=object)
    q = p["quantity"].to_numpy(dtype=float)
    tech = (act == TECHNOLOGY_ACTION) & (ins == TECHNOLOGY_ACTION)
    per_unit = np.array([co2[(str(e), str(o), int(y))] if m else 0.0 for e, o, y, m in zip(
        p["enterprise"], p["counterparty"], p["year"], tech, strict=True)], dtype=float)
    cea_used = (ins == "cea") & np.isin(act, ("offset_cafc", "offset_nev"))
    cea_bought = (ins == "cea") & (act == "buy")
    offsets = act == "sell_offset"
    parts = pd.DataFrame({
        "enterprise": p["enterprise"].astype(str).to_numpy(),
        "year": p["year"].to_numpy(dtype=np.int64),
        "vehicle_lifetime_change_t_co2e": np.where(tech, q * per_unit, 0.0),
        "deficit_covered_by_cea_t_co2e": np.where(cea_used, q * phys, 0.0),
        "cea_retired_t_co2e": np.where(cea_bought & retired, q, 0.0),
        "offsets_into_ets_t_co2e": np.where(offsets, q * pol, 0.0),
        "integrity_gap_t_co2e": np.where(cea_used, q * (phys - pol), 0.0)
        + np.where(offsets, q * (pol - phys), 0.0),
    })
    grid = pd.MultiIndex.from_product([[e.name for e in scenario.enterprises], scenario.years],
                                      names=["enterprise", "year"])
    out = parts.groupby(["enterprise", "year"]).sum().reindex(grid, fill_value=0.0)
    out["net_change_t_co2e"] = (out["vehicle_lifetime_change_t_co2e"]
                                + out["deficit_covered_by_cea_t_co2e"]
                                - out["cea_retired_t_co2e"] + out["offsets_into_ets_t_co2e"])
    out["basis"] = basis
    return out.reset_index()[EMISSION_COLUMNS]


def emissions_summary(ledger: pd.DataFrame) -> dict[str, Any]:
    """The ``"emissions"`` entry of ``summary.json``: totals, per year, per enterprise.

    Parameters
    ----------
    ledger : DataFrame
        From :func:`emissions_ledger`.

    Returns
    -------
    dict
        ``basis``, ``total`` (figure -> t CO2e), ``by_year`` (year -> figure -> t CO2e),
        ``by_enterprise`` (name -> figure -> t CO2e).
    """
    figures = list(_FIGURES)

    def by(column: str) -> dict[str, dict[str, float]]:
        sums = ledger.groupby(column)[figures].sum().to_dict(orient="index")
        return {str(k): {f: float(v) for f, v in row.items()} for k, row in sums.items()}

    return {
        "basis": ", ".join(dict.fromkeys(ledger["basis"])),
        "total": {f: float(v) for f, v in ledger[figures].sum().items()},
        "by_year": by("year"),
        "by_enterprise": by("enterprise"),
    }
