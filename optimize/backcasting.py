"""Backcast 2020-2024: the industry model on the backcast industry, beside observed NEV prices.

:func:`backcast` builds :func:`linkage.industry.backcast_industry`, exports it as a scenario
(:func:`optimize.industry_scenario`, banking under each year's rules, perfect foresight over
the whole span), solves :class:`optimize.IndustryModel` (every plan verified by
:func:`linkage.ledger.verify_plan`) and fits ONE parameter family to the observed average
NEV credit prices (:func:`linkage.data.nev_credit_prices`): a scale ``s`` on every
enterprise's abatement costs and on the cost of an uncovered deficit credit
(``backcast.penalty_cny_per_credit``). The fit minimises the root mean squared relative error
of the modelled price over the years with an observed price, by a log-spaced grid search over
``backcast.scale_range`` refined by golden-section search.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from conversions import nev_credit_prices
from conversions.vocabulary import renamed_parameters, suffixes
from linkage.data import miit_annual
from linkage.errors import InputError
from linkage.industry import Industry
from linkage.industry.backcast import BACKCAST_QUANTITIES, backcast_industry
from linkage.market import supply_demand_ratio
from linkage.outputs import OutputDir
from optimize.industry import IndustryModel, IndustryResult
from optimize.industry_scenario import industry_scenario

__all__ = [
    "BACKCAST_COLUMNS", "BackcastResult", "backcast", "observed_nev_prices", "write_backcast",
]

#: The unit suffix of each unit (``vehicle`` -> ``_vehicles``), from the vocabulary.
_SUFFIX = {unit: suffix for suffix, unit in suffixes().items()}


def _total_column(side: str, quantity: str, unit: str) -> str:
    """Column of MIIT's (``miit``) or the backcast's (``modelled``) total of a quantity."""
    return f"{side}_{quantity}{_SUFFIX[unit]}"


#: Columns of :attr:`BackcastResult.table`.
BACKCAST_COLUMNS = [
    "year", "observed_price_cny_per_credit", "observed_price_status",
    "modelled_price_cny_per_credit", "price_relative_error", "supply_demand_ratio",
    "uncovered_credits",
    *[_total_column(side, q, unit) for q, _, unit in BACKCAST_QUANTITIES
      for side in ("miit", "modelled")],
    "miit_status",
]
_GRID = 13
_GOLDEN_STEPS = 20


def observed_nev_prices() -> pd.DataFrame:
    """Observed average NEV credit prices shipped in ``conversions/data/nev_credit_prices.csv``:
    ``year``, ``average_price_cny_per_credit`` [CNY/credit], ``status``, ``source``."""
    return nev_credit_prices()[["year", "average_price_cny_per_credit", "status", "source"]]


@dataclass
class BackcastResult:
    """The backcast, its fit and what it cannot explain.

    Attributes
    ----------
    table : DataFrame
        :data:`BACKCAST_COLUMNS`, one row per year: observed price [CNY/credit] and its status
        (NaN / ``"not observed"`` without one), modelled equilibrium price [CNY/credit],
        relative error [-], supply/demand ratio of the backcast statements [-], credits left
        uncovered [credit], MIIT's and the backcast's totals [vehicle, credit] (MIIT NaN
        where not published) and the MIIT row's status.
    fit : dict
        ``parameter`` (name), ``scale_factor`` [-], ``penalty_cny_per_credit`` [CNY/credit] at the
        fit, ``rms_relative_error`` [-], ``years`` fitted, ``method``.
    industry : Industry
        The backcast industry (:func:`linkage.industry.backcast_industry`).
    market : IndustryResult
        The industry model's solution at the fitted scale.
    unexplained : list of str
        What the model cannot explain, in sentences quoting the numbers.
    provisional_parameters : list of str
        Provisional or scenario rule parameters the LP relied on.
    """

    table: pd.DataFrame
    fit: dict[str, Any]
    industry: Industry = field(repr=False)
    market: IndustryResult = field(repr=False)
    unexplained: list[str] = field(default_factory=list)
    provisional_parameters: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary (``summary.json`` of ``linkage backcast``)."""
        keys = sorted(k for k in self.industry.assumptions if k.startswith("backcast."))
        return {
            "label": "ILLUSTRATIVE backcast (synthetic enterprises calibrated to MIIT totals)",
            "years": [int(y) for y in self.table["year"]],
            "fit": self.fit,
            "unexplained": self.unexplained,
            "parameters": {k: self.industry.assumptions[k] for k in keys},
            "provisional_parameters": self.provisional_parameters,
            "seed": self.industry.seed,
            "verified": "every industry plan passed linkage.ledger.verify_plan",
        }


class _Pricer:
    """The industry model at a compliance-cost scale (persistent re-solves)."""

    def __init__(self, industry: Industry, years: list[int], penalty: float) -> None:
        self.penalty = penalty
        self.scenario = industry_scenario(industry, years, penalty=penalty,
                                          name="backcast (synthetic enterprises)")
        self.model = IndustryModel(self.scenario)
        self.base = {e.name: {i: s.cost_cny_per_credit for i, s in enumerate(e.abatement)}
                     for e in self.scenario.enterprises}

    def solve(self, scale: float) -> IndustryResult:
        cost = {e: {i: c * scale for i, c in seg.items()} for e, seg in self.base.items() if seg}
        self.model.set_prices(abatement_cost_cny_per_credit=cost,
                              penalty_cny_per_credit=self.penalty * scale)
        return self.model.solve()


def _rms_error(prices: pd.Series, observed: pd.Series) -> float:
    rel = prices.reindex(observed.index) / observed - 1.0
    return float(math.sqrt((rel**2).mean()))


def _golden(fun: Callable[[float], float], lo: float, hi: float, steps: int) -> float:
    """Minimiser of ``fun`` on [lo, hi] in log space (golden-section search)."""
    g = (math.sqrt(5.0) - 1.0) / 2.0
    a, b = math.log(lo), math.log(hi)
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = fun(math.exp(c)), fun(math.exp(d))
    for _ in range(steps):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = fun(math.exp(c))
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = fun(math.exp(d))
    return math.exp(c) if fc <= fd else math.exp(d)


def _fit(pricer: _Pricer, observed: pd.Series, lo: float, hi: float) -> float:
    """The scale minimising the RMS relative price error: grid, then golden section."""
    cache: dict[float, float] = {}

    def err(s: float) -> float:
        if s not in cache:
            p = pricer.solve(s).prices.set_index("year")["nev_price_cny_per_credit"]
            cache[s] = _rms_error(p, observed)
        return cache[s]

    grid = [lo * (hi / lo) ** (i / (_GRID - 1)) for i in range(_GRID)]
    best = min(range(_GRID), key=lambda i: err(grid[i]))
    a, b = grid[max(best - 1, 0)], grid[min(best + 1, _GRID - 1)]
    s = _golden(err, a, b, _GOLDEN_STEPS)
    return s if err(s) <= err(grid[best]) else grid[best]


def _table(industry: Industry, res: IndustryResult, observed: pd.DataFrame) -> pd.DataFrame:
    years = industry.years
    ratio = supply_demand_ratio(industry.statements)["ratio"]
    obs = observed.set_index("year")
    price = res.prices.set_index("year")["nev_price_cny_per_credit"]
    unc = res.enterprises.groupby("year")["uncovered_credits"].sum()
    cal = industry.calibration[industry.calibration["group"] == "all"].set_index(
        ["year", "quantity"])
    miit = miit_annual()
    status = miit[miit["group"] == "all"].set_index("year")["status"]
    rows = []
    for y in years:
        o = float(obs.at[y, "average_price_cny_per_credit"]) if y in obs.index else math.nan
        row: dict[str, Any] = {
            "year": y,
            "observed_price_cny_per_credit": o,
            "observed_price_status": str(obs.at[y, "status"]) if y in obs.index
            else "not observed",
            "modelled_price_cny_per_credit": float(price[y]),
            "price_relative_error": float(price[y]) / o - 1.0 if o == o else math.nan,
            "supply_demand_ratio": float(ratio[y]),
            "uncovered_credits": float(unc.get(y, 0.0)),
        }
        for q, _, unit in BACKCAST_QUANTITIES:
            row[_total_column("miit", q, unit)] = float(cal.at[(y, q), "miit"])
            row[_total_column("modelled", q, unit)] = float(cal.at[(y, q), "generated"])
        row["miit_status"] = str(status[y])
        rows.append(row)
    return pd.DataFrame(rows, columns=BACKCAST_COLUMNS)


def _unexplained(table: pd.DataFrame, industry: Industry) -> list[str]:
    """Sentences on what the fitted model does not reproduce, quoting the table."""
    out = []
    for r in table.itertuples():
        if r.observed_price_cny_per_credit == r.observed_price_cny_per_credit \
                and abs(r.price_relative_error) > 0.25:
            out.append(
                f"{r.year}: modelled {r.modelled_price_cny_per_credit:,.0f} vs observed "
                f"{r.observed_price_cny_per_credit:,.0f} CNY/credit "
                f"({r.price_relative_error:+.0%}); supply/demand ratio "
                f"{r.supply_demand_ratio:.2f}.")
    out.append(
        "A competitive LP with perfect foresight prices NEV credits at the marginal "
        "compliance cost: 0 in a year whose surplus cannot be banked into a later deficit, the "
        "scaled penalty in a year with uncovered deficits. Observed prices stay positive in "
        "surplus years (bilateral contracts, transaction costs, market power, expectations of "
        "tighter rules), which this model does not represent.")
    first = table.loc[table.year == table.year.min(), "miit_cafc_negative_credits"].iloc[0]
    out.append(
        "The backcast starts in 2020 with empty banks: CAFC credits banked from 2016-2019, "
        "the deficits MIIT let enterprises carry, and affiliate transfers before 2020 are not "
        "modelled, so the 2020 shortfall (CAFC negatives "
        f"{float(first):,.0f}"
        " credits) is larger than what enterprises actually had to buy.")
    filled = industry.calibration[industry.calibration["target_source"] == "assumption"]
    if len(filled):
        ys = sorted(set(filled["year"]))
        out.append(f"MIIT totals not published for {ys} (volume, curb mass, domestic/import "
                   "split) were filled by backcast.* assumptions, not matched.")
    return out


@renamed_parameters("python.backcast")
def backcast(
    years: tuple[int, int] = (2020, 2024), *, seed: int = 2020,
    scale_factor: float | None = None,
) -> BackcastResult:
    """The 2020-2024 backcast: equilibrium NEV prices beside observed prices, fitted.

    Parameters
    ----------
    years : (first, last)
        Backcast span (inclusive); see :func:`linkage.industry.backcast_industry`.
    seed : int
        Seed of the backcast industry.
    scale_factor : float, optional
        Use this compliance-cost scale [-] instead of fitting one (must be > 0). (``scale``,
        its name before the one-vocabulary rename, still works with a
        :class:`DeprecationWarning`.)

    Returns
    -------
    BackcastResult

    Raises
    ------
    linkage.industry.IndustryDataError
        Bad years (not consecutive, not published by MIIT, not in the rules).
    InputError
        ``scale_factor`` not > 0.
    OptimizationError, PlanVerificationError
        From the industry model.
    """
    if scale_factor is not None and not scale_factor > 0:
        raise InputError(f"scale_factor must be > 0, got {scale_factor}", key="scale_factor")
    scale = scale_factor
    industry = backcast_industry(years, seed=seed)
    a = industry.assumptions
    pricer = _Pricer(industry, industry.years,
                     float(a["backcast.penalty_cny_per_credit"]["value"]))
    observed = observed_nev_prices()
    obs = observed[observed["year"].isin(industry.years)].set_index("year")[
        "average_price_cny_per_credit"].astype(float)
    fitted = scale is None
    if fitted:
        lo, hi = (float(x) for x in a["backcast.scale_range"]["value"])
        scale = _fit(pricer, obs, lo, hi)
    res = pricer.solve(float(scale))
    table = _table(industry, res, observed)
    err = _rms_error(table.set_index("year")["modelled_price_cny_per_credit"], obs)
    fit = {
        "parameter": "compliance-cost scale (multiplies every abatement cost and the "
                     "uncovered-credit penalty)",
        "scale_factor": float(scale),
        "penalty_cny_per_credit": pricer.penalty * float(scale),
        "rms_relative_error": err,
        "years": [int(y) for y in obs.index],
        "method": ("grid of 13 log-spaced scales over backcast.scale_range, then golden-section "
                   "search between the best grid point's neighbours" if fitted else "given"),
    }
    return BackcastResult(table, fit, industry, res, _unexplained(table, industry),
                          res.provisional_parameters)


def write_backcast(result: BackcastResult, out: str | Path, *,
                   overwrite: bool = False) -> list[Path]:
    """Write ``backcast.csv`` (:attr:`BackcastResult.table`) and ``summary.json`` into ``out``,
    whole or not at all (:class:`linkage.outputs.OutputDir`).

    Raises
    ------
    linkage.outputs.OutputError
        ``out`` exists and is not empty without ``overwrite``, or is locked.
    """
    names = ["backcast.csv", "summary.json"]
    with OutputDir(out, overwrite=overwrite) as d:
        result.table.to_csv(d / names[0], index=False)
        (d / names[1]).write_text(json.dumps(result.summary(), indent=2, ensure_ascii=False,
                                             default=float, allow_nan=False))
    return [Path(out) / n for n in names]
