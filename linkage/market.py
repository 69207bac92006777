"""The NEV credit market: the industry supply/demand ratio that opens and closes the pool."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from linkage.errors import InputError
from linkage.rules import RuleSet, default_rules

__all__ = ["resolve_ratios", "supply_demand_ratio"]


def supply_demand_ratio(statements: pd.DataFrame, rules: RuleSet | None = None) -> pd.DataFrame:
    """Industry NEV credit supply/demand ratio of each year, from all enterprises' statements.

    Parameters
    ----------
    statements : DataFrame
        One row per enterprise and year with ``cafc_credits`` and ``nev_credits`` [credit]
        (signed: negative is a deficit), e.g. ``CreditResult.statements``.
    rules : RuleSet, optional
        Rules whose ``pool.ratio_basis`` selects the reading of each year (default: the shipped
        rules).

    Returns
    -------
    DataFrame
        Indexed by year: ``supply_credits`` [credit], ``demand_credits`` [credit], ``ratio``
        [-] (inf when demand is 0).

    Notes
    -----
    Ratio = NEV positive credits available for trading / negative credits awaiting external
    offset. ``pool.ratio_basis`` selects the reading:

    - ``nev_and_cafc_deficits`` (default; reference 5, a secondary summary of Order No. 64):
      each enterprise first clears its own CAFC deficit with its own NEV surplus of the year
      (one for one); what is left of NEV surpluses is the supply; NEV deficits plus the CAFC
      deficits left after that internal offset are the demand;
    - ``nev_only`` (MIIT's explanation as relayed by the press: the ratio of NEV positive and
      negative credits): supply = NEV surpluses, demand = NEV deficits.

    Carried-forward credits, pool stocks and affiliate CAFC transfers are not counted
    (provisional reading). Pass an observed ratio instead through :func:`resolve_ratios`.
    """
    rules = rules or default_rules()
    year = statements["year"].to_numpy()
    cafc = statements["cafc_credits"].to_numpy(dtype=float)
    nev = statements["nev_credits"].to_numpy(dtype=float)
    nev_surplus = np.maximum(nev, 0.0)
    nev_deficit = np.maximum(-nev, 0.0)
    cafc_deficit = np.maximum(-cafc, 0.0)
    with_cafc = np.zeros(len(year), dtype=bool)
    for y in np.unique(year):
        basis = rules.for_year(int(y))["pool.ratio_basis"]
        with_cafc[year == y] = basis == "nev_and_cafc_deficits"
    cafc_deficit = np.where(with_cafc, cafc_deficit, 0.0)
    internal = np.minimum(nev_surplus, cafc_deficit)
    frame = pd.DataFrame({
        "year": year,
        "supply_credits": nev_surplus - internal,
        "demand_credits": nev_deficit + cafc_deficit - internal,
    })
    out = frame.groupby("year").sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = np.where(out["demand_credits"] > 0,
                                out["supply_credits"] / out["demand_credits"], np.inf)
    return out


def resolve_ratios(
    years: Iterable[int],
    statements: pd.DataFrame | None = None,
    observed: Mapping[int, float] | None = None,
    rules: RuleSet | None = None,
) -> dict[int, float]:
    """Supply/demand ratio of every year: observed where given, else computed.

    Parameters
    ----------
    years : iterable of int
        Compliance years needed.
    statements : DataFrame, optional
        All enterprises' statements (see :func:`supply_demand_ratio`).
    observed : mapping year -> ratio, optional
        Observed or assumed ratios [-]; they take precedence.
    rules : RuleSet, optional
        Rules of the computed ratios (``pool.ratio_basis``); default: the shipped rules.

    Returns
    -------
    dict
        year -> ratio [-].

    Raises
    ------
    InputError
        A year has neither an observed ratio nor statements, or a ratio is negative.
    """
    observed = dict(observed or {})
    for y, r in observed.items():
        if not r >= 0:  # also catches NaN
            raise InputError(f"supply/demand ratio of {y} must be >= 0, got {r}",
                             key=f"supply_demand_ratio.{y}")
    # compute only the years without an observed ratio (so the rules of the computation, e.g.
    # pool.ratio_basis, are looked up only when a ratio relies on them)
    years = [int(y) for y in years]
    missing = [y for y in years if y not in observed]
    computed = None
    if statements is not None and missing:
        part = statements[statements["year"].isin(missing)]
        computed = supply_demand_ratio(part, rules)["ratio"]
    out: dict[int, float] = {}
    for y in years:
        y = int(y)
        if y in observed:
            out[y] = float(observed[y])
        elif computed is not None and y in computed.index:
            out[y] = float(computed.loc[y])
        else:
            raise InputError(
                f"no supply/demand ratio for {y}: give statements of that year or an observed "
                "ratio", key=f"supply_demand_ratio.{y}"
            )
    return out
