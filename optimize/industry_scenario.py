"""Scenario export of the ILLUSTRATIVE industry: :class:`linkage.industry.Industry` -> scenario.

The generator (:mod:`linkage.industry`) returns plain tables and knows nothing of optimisation;
this module writes its positions and abatement curves in the scenario format that
:func:`optimize.parse_scenario` reads (a TOML-serialisable document), or parses it directly.

Examples
--------
>>> from linkage.industry import illustrative_industry
>>> from optimize import industry_scenario, industry_scenario_document
>>> ind = illustrative_industry()                                      # doctest: +SKIP
>>> doc = industry_scenario_document(ind, range(2024, 2027),
...     market={"nev_buy_price_cny_per_credit": 1500.0})              # doctest: +SKIP
>>> scenario = industry_scenario(ind, range(2024, 2027))              # doctest: +SKIP
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from linkage.console import did_you_mean
from linkage.industry import Industry, IndustryDataError
from optimize.scenario import Scenario, parse_scenario

__all__ = ["industry_scenario", "industry_scenario_document"]


def _consecutive_years(industry: Industry, years: Iterable[int]) -> list[int]:
    """``years`` sorted, checked to be consecutive and generated.

    Raises
    ------
    IndustryDataError
        Years not consecutive (or repeated) or not among :attr:`Industry.years`.
    """
    ys = [int(y) for y in years]
    if not ys or sorted(ys) != list(range(min(ys), max(ys) + 1)) or len(set(ys)) != len(ys):
        raise IndustryDataError(f"years must be consecutive, got {ys}", key="years")
    missing = sorted(set(ys) - set(industry.years))
    if missing:
        raise IndustryDataError(
            f"years {missing} were not generated (industry years: {industry.years})", key="years"
        )
    return sorted(ys)


def _selected_enterprises(industry: Industry, enterprises: Iterable[str] | None) -> list[str]:
    """Names of the enterprises to export, in the industry's order.

    Raises
    ------
    IndustryDataError
        A requested name is not an enterprise of the industry.
    """
    names = list(industry.enterprises["enterprise"])
    if enterprises is None:
        return names
    wanted = list(enterprises)
    unknown = [e for e in wanted if e not in set(names)]
    if unknown:
        raise IndustryDataError(f"unknown enterprise {unknown[0]!r}"
                                f"{did_you_mean(unknown[0], names)}", key="enterprises")
    return [e for e in names if e in set(wanted)]


def _abatement_entries(segments: pd.DataFrame | None) -> list[dict[str, Any]]:
    """One enterprise's abatement segments as ``[[enterprise.abatement]]`` tables."""
    if segments is None:
        return []
    return [
        {
            "kind": str(k),
            "cost_cny_per_credit": float(c),
            "max_credits_per_year": float(m),
        }
        for k, c, m in zip(
            segments["kind"],
            segments["cost_cny_per_credit"],
            segments["max_credits_per_year"],
            strict=True,
        )
    ]


def _enterprise_entry(
    name: str, group: Any, rows: pd.DataFrame, segments: pd.DataFrame | None
) -> dict[str, Any]:
    """One ``[[enterprise]]`` table from the enterprise's statements ``rows`` (by year)."""
    return {
        "name": name,
        "group": str(group),
        "cafc_credits": [int(x) for x in rows["cafc_credits"]],
        "nev_credits": [int(x) for x in rows["nev_credits"]],
        "nev_carry_eligible": [bool(x) for x in rows["nev_carry_eligible"]],
        "abatement": _abatement_entries(segments),
    }


_TECH_KEYS = ("cost_cny_per_unit", "max_units_per_year", "cafc_credits_per_unit",
              "nev_credits_per_unit", "co2_change_t_co2e_per_unit")


def _technology_entries(options: pd.DataFrame | None, years: list[int]) -> list[dict[str, Any]]:
    """One enterprise's options (rows of ``industry_technology``) as
    ``[[enterprise.technology]]`` tables, per-year tables by year; a year without units of an
    option gets 0 units (cost and effects 0)."""
    if options is None:
        return []
    out = []
    for option, g in options.groupby("option", sort=True):
        g = g.set_index("year")
        entry: dict[str, Any] = {"name": str(option)}
        for k in _TECH_KEYS:
            entry[k] = {str(y): float(g.at[y, k]) if y in g.index else 0.0 for y in years}
        out.append(entry)
    return out


def _penalty_table(penalty: float | Mapping[str, Any]) -> dict[str, Any]:
    """The ``[penalty]`` table from a table or a cost per uncovered credit [CNY/credit]."""
    if isinstance(penalty, Mapping):
        return copy.deepcopy(dict(penalty))
    return {"penalty_cny_per_credit": float(penalty)}


def industry_scenario_document(
    industry: Industry,
    years: Iterable[int],
    *,
    market: Mapping[str, Any] | None = None,
    linkage: Mapping[str, Any] | None = None,
    penalty: float | Mapping[str, Any] | None = None,
    name: str = "illustrative industry (synthetic enterprises)",
    enterprises: Iterable[str] | None = None,
    discount_rate: float = 0.0,
    rules: str = "default",
    technology: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """A scenario document (what :func:`optimize.parse_scenario` accepts) of an industry.

    Parameters
    ----------
    industry : Industry
        From :func:`linkage.industry.illustrative_industry`.
    years : iterable of int
        Consecutive years, all in :attr:`Industry.years`.
    market : mapping, optional
        The ``[market]`` table, used as given. Without it: an empty table (no prices),
        which the industry model needs (prices are its outputs); the per-enterprise
        optimizer needs ``nev_buy_price_cny_per_credit`` [CNY/credit] and refuses to run
        without it.
        ``supply_demand_ratio`` is left out unless given, so the parser computes it from
        the enterprises' positions.
    linkage : mapping, optional
        The ``[linkage]`` table.
    penalty : float or mapping, optional
        Cost of an uncovered deficit credit [CNY/credit] (or the ``[penalty]`` table).
    name : str
        Scenario name.
    enterprises : iterable of str, optional
        Keep only these enterprises (default: all). The computed supply/demand ratio then
        covers only them.
    discount_rate : float
        Yearly discount rate [-].
    rules : str
        ``[scenario] rules``: ``"default"`` or a rulebook path. The positions were computed
        with the rules given to :func:`~linkage.industry.illustrative_industry`; name the same
        rules here.
    technology : DataFrame, optional
        Options from :func:`linkage.industry.technology.industry_technology` (issue 13),
        written as each enterprise's ``[[enterprise.technology]]`` (kind ``"given"``, per-year
        tables); None (default): no options.

    Returns
    -------
    dict
        ``scenario``, ``enterprise`` (name, group, cafc_credits, nev_credits,
        nev_carry_eligible, abatement), ``market`` and, when given,
        ``linkage`` and ``penalty``; plain Python types (TOML-serialisable).

    Raises
    ------
    IndustryDataError
        Years not consecutive or not generated; unknown enterprise names.
    """
    ys = _consecutive_years(industry, years)
    names = _selected_enterprises(industry, enterprises)
    st = industry.statements[industry.statements["year"].isin(ys)].set_index(
        ["enterprise", "year"]
    )
    groups = dict(
        zip(industry.enterprises["enterprise"], industry.enterprises["group"], strict=True)
    )
    segs = {e: g for e, g in industry.abatement.groupby("enterprise", sort=False)}
    ents = [_enterprise_entry(e, groups[e], st.loc[e].loc[ys], segs.get(e)) for e in names]
    if technology is not None:
        tech = {e: g for e, g in technology[technology["year"].isin(ys)].groupby(
            "enterprise", sort=False)}
        for entry in ents:
            options = _technology_entries(tech.get(entry["name"]), ys)
            if options:
                entry["technology"] = options
    doc: dict[str, Any] = {
        "scenario": {
            "name": name,
            "years": ys,
            "discount_rate": float(discount_rate),
            "rules": rules,
        },
        "enterprise": ents,
        "market": copy.deepcopy(dict(market)) if market is not None else {},
    }
    if linkage is not None:
        doc["linkage"] = copy.deepcopy(dict(linkage))
    if penalty is not None:
        doc["penalty"] = _penalty_table(penalty)
    return doc


def industry_scenario(industry: Industry, years: Iterable[int], **kwargs: Any) -> Scenario:
    """The industry's :class:`~optimize.Scenario`: :func:`industry_scenario_document`, parsed.

    Parameters
    ----------
    industry : Industry
        From :func:`linkage.industry.illustrative_industry`.
    years : iterable of int
        Consecutive years, all in :attr:`Industry.years`.
    **kwargs
        ``market``, ``linkage``, ``penalty``, ``name``, ``enterprises``, ``discount_rate``,
        ``rules``: as for :func:`industry_scenario_document`.

    Returns
    -------
    Scenario
        What :func:`optimize.parse_scenario` makes of the document.

    Raises
    ------
    IndustryDataError
        As :func:`industry_scenario_document`.
    ScenarioError
        The document does not parse (e.g. a bad ``market`` or ``linkage`` table).
    """
    return parse_scenario(industry_scenario_document(industry, years, **kwargs))
