"""The BACKCAST industry: the illustrative generator calibrated to each of MIIT's 2020-2024 years.

:func:`backcast_industry` draws one panel of synthetic enterprises (fixed names and counts, see
``data/backcast_assumptions.toml``) and, for every backcast year separately, calibrates NEV
shares and ICE fuel consumptions (:func:`linkage.industry.calibration._calibrate`) so that the
year's accounting, under the year's own rulebook (2020: GB 27999-2014 weight bands, NEDC,
Order 44; 2021-2024: GB 27999-2019, WLTC, the 2020 amendment), reproduces MIIT's totals:
volume, CAFC positive and negative, NEV positive and negative credits, per kind (domestic,
import). The statements of each year are the library's accounting
(:func:`linkage.accounting.compute_credits`) of that year's representative fleet, as in the
forward projection. The same seed is used for every year, so an enterprise keeps its rank,
archetype, curb-mass spread and deficit draws from year to year; its shares and fuel
consumptions are recalibrated each year (a sequence of calibrated cross-sections, not a
simulated history).

MIIT totals a year lacks are filled by assumption records and reported: 2024 (secondary
summary) has no volume, no curb mass and no domestic/import split.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from linkage.data import miit_annual
from linkage.errors import InputError
from linkage.industry.assumptions import IndustryDataError, _records, _Values, load_assumptions
from linkage.industry.calibration import (
    _MIIT_QUANTITIES,
    KINDS,
    _calibrate,
    _CalibrationFailedError,
    _draw_firms,
    _draw_groups,
    _Firms,
)
from linkage.industry.generator import Industry
from linkage.industry.projection import _abatement, _fleet_frame, _statements
from linkage.rules import RuleSet, default_rules

__all__ = [
    "BACKCAST_QUANTITIES",
    "backcast_assumptions_file",
    "backcast_industry",
    "load_backcast_assumptions",
]

#: MIIT totals the backcast matches (quantity, MIIT column, unit).
BACKCAST_QUANTITIES = tuple(_MIIT_QUANTITIES)
_MAX_DRAWS = 50
#: Largest relative error of a calibrated total accepted for a year [-].
_ACCEPT_TOLERANCE = 0.005


def backcast_assumptions_file() -> str:
    """Path of ``linkage/industry/data/backcast_assumptions.toml``."""
    return str(resources.files("linkage.industry").joinpath("data", "backcast_assumptions.toml"))


def load_backcast_assumptions() -> dict[str, dict[str, Any]]:
    """The backcast's own assumption records: key -> ``{"value", "unit", "status", "text"}``.

    Raises
    ------
    IndustryDataError
        A record is malformed (see :func:`linkage.industry.load_assumptions`).
    """
    return _records(backcast_assumptions_file())


def _miit_year(year: int) -> pd.DataFrame:
    m = miit_annual()
    return m[m["year"] == year].set_index("group")


def _year_targets(year: int, b: _Values) -> tuple[dict[str, dict[str, float]], list[str]]:
    """MIIT's totals of ``year`` per kind [vehicle, credit, kg], and the fields filled by
    assumption (``"<group> <quantity>"``)."""
    m = _miit_year(year)
    if "all" not in m.index:
        raise IndustryDataError(f"MIIT publishes no totals for {year}", key="years")
    filled: list[str] = []
    cols = {q: c for q, c, _ in BACKCAST_QUANTITIES} | {"avg_curb_mass_kg": "avg_curb_mass_kg"}
    fallback = {"volume": float(b("backcast.volume_2024_10k_vehicles")),
                "avg_curb_mass_kg": float(b("backcast.avg_curb_mass_2024_kg"))}
    total = {}
    for q, c in cols.items():
        x = float(m.loc["all", c])
        if np.isnan(x):
            x = fallback[q] if q in fallback else np.nan
            filled.append(f"all {q}")
        total[q] = x if q == "avg_curb_mass_kg" else x * 1e4
    out: dict[str, dict[str, float]] = {}
    if set(KINDS) <= set(m.index):
        for kind in KINDS:
            out[kind] = {q: float(m.loc[kind, c]) * (1.0 if q == "avg_curb_mass_kg" else 1e4)
                         for q, c in cols.items()}
    else:  # split the all-enterprise totals with the latest year that has a split
        ref = _miit_year(2023)
        scale = float(b("backcast.import_share_2024"))
        for q, c in cols.items():
            if q == "avg_curb_mass_kg":
                rel = {k: float(ref.loc[k, c]) / float(ref.loc["all", c]) for k in KINDS}
                out.setdefault("domestic", {})[q] = total[q] * rel["domestic"]
                out.setdefault("import", {})[q] = total[q] * rel["import"]
                continue
            share = scale * float(ref.loc["import", c]) / float(ref.loc["all", c])
            out.setdefault("import", {})[q] = total[q] * share
            out.setdefault("domestic", {})[q] = total[q] * (1.0 - share)
        filled += [f"{k} {q}" for k in KINDS for q in cols]
    for kind in KINDS:
        out[kind]["firms"] = float(b(f"backcast.firms.{kind}"))
    return out, filled


@dataclass
class _Year:
    firms: _Firms
    group: np.ndarray
    statements: pd.DataFrame
    fleet: pd.DataFrame
    rejected: list[str] = field(default_factory=list)


def _calibrated_year(year: int, seed: int, v: _Values, b: _Values, rules: RuleSet,
                     targets: Mapping[str, Mapping[str, float]]) -> _Year:
    """The first draw (from ``seed``) whose ``year`` totals meet ``targets``.

    Raises
    ------
    IndustryDataError
        No draw of ``_MAX_DRAWS`` meets them.
    """
    rb = rules.for_year(year)
    rng = np.random.default_rng(seed)
    rejected: list[str] = []
    for _ in range(_MAX_DRAWS):
        f = _draw_firms(rng, v, targets)
        group = _draw_groups(rng, v, f)
        try:
            _calibrate(f, rb, v, targets)
        except _CalibrationFailedError as exc:
            rejected.append(str(exc))
            continue
        fleet = _fleet_frame(f, [year], v, dict.fromkeys(KINDS, 0.0), rb, base_year=year)
        st, _ = _statements(fleet, rules, f, group)
        errors = _errors(st, targets)
        worst = max(errors, key=lambda k: abs(errors[k]))
        if abs(errors[worst]) <= _ACCEPT_TOLERANCE:
            return _Year(f, group, st, fleet, rejected)
        rejected.append(f"{year} {worst} off by {errors[worst]:+.2%} after rounding")
    raise IndustryDataError(
        f"no draw of {_MAX_DRAWS} met MIIT's {year} totals; last reason: {rejected[-1]}",
        key="years")


def _totals(st: pd.DataFrame) -> dict[str, float]:
    return {
        "volume": float(st["volume_vehicles"].sum()),
        "cafc_positive": float(st["cafc_credits"].clip(lower=0).sum()),
        "cafc_negative": float(-st["cafc_credits"].clip(upper=0).sum()),
        "nev_positive": float(st["nev_credits"].clip(lower=0).sum()),
        "nev_negative": float(-st["nev_credits"].clip(upper=0).sum()),
    }


def _errors(st: pd.DataFrame, targets: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    out = {}
    for kind in KINDS:
        gen = _totals(st[st["kind"] == kind])
        for q, x in gen.items():
            goal = targets[kind][q]
            out[f"{kind} {q}"] = x / goal - 1.0 if goal else x
    return out


def _calibration_rows(year: int, st: pd.DataFrame, filled: list[str]) -> list[dict[str, Any]]:
    """Generated vs MIIT totals of ``year``, per group; MIIT NaN where it publishes nothing."""
    m = _miit_year(year)
    rows = []
    for group in ("all", *KINDS):
        gen = _totals(st if group == "all" else st[st["kind"] == group])
        for q, col, unit in BACKCAST_QUANTITIES:
            miit = float(m.loc[group, col]) * 1e4 if group in m.index else np.nan
            rows.append({
                "year": year, "group": group, "quantity": q, "unit": unit,
                "generated": gen[q], "miit": miit,
                "relative_error": gen[q] / miit - 1.0 if miit == miit and miit else np.nan,
                "miit_status": str(m.loc["all", "status"]) if miit == miit else "not published",
                "target_source": "assumption" if f"{group} {q}" in filled else "miit",
            })
    return rows


def _enterprises(y: _Year) -> pd.DataFrame:
    f = y.firms
    return pd.DataFrame({
        "enterprise": f.name, "kind": f.kind, "group": y.group,
        "archetype": np.where(f.focused, "nev_focused", "conventional_based"),
        "curb_mass_kg": f.mass,
    })


def _checked(years: Iterable[int], rules: RuleSet) -> list[int]:
    ys = sorted({int(y) for y in years})
    if not ys or ys != list(range(ys[0], ys[-1] + 1)):
        raise IndustryDataError(f"backcast years must be consecutive, got {ys}", key="years")
    have = set(miit_annual()["year"])
    for y in ys:
        if y not in have:
            raise IndustryDataError(f"MIIT publishes no totals for {y}", key="years")
        try:
            rules.for_year(y)
        except InputError as exc:
            raise IndustryDataError(exc.rule, key="years") from None
    return ys


def backcast_industry(
    years: tuple[int, int] | Iterable[int] = (2020, 2024),
    *,
    seed: int = 2020,
    rules: RuleSet | None = None,
) -> Industry:
    """An ILLUSTRATIVE industry whose statements match MIIT's totals in each backcast year.

    Parameters
    ----------
    years : (first, last) or iterable of int
        Backcast years: a ``(first, last)`` pair (inclusive) or the years themselves;
        consecutive, each published by MIIT (:func:`linkage.data.miit_annual`) and covered by
        ``rules`` (default 2020-2024).
    seed : int
        Seed of every year's :class:`numpy.random.Generator` (the same for each year).
    rules : RuleSet, optional
        Default: :func:`linkage.rules.default_rules` (which carries the 2019-2020 rulebooks).

    Returns
    -------
    Industry
        ``statements`` of every backcast year (each year calibrated separately),
        ``enterprises`` (the fixed panel: enterprise, kind, group, archetype, curb_mass_kg of
        the last year), ``abatement`` (from ``backcast.abatement_reference_year``),
        ``fleet`` (every year's representative models), ``calibration`` (one row per year,
        group and quantity: ``generated``, ``miit`` (NaN when not published),
        ``relative_error`` [-], ``miit_status``, ``target_source`` (``miit`` or
        ``assumption``)), ``assumptions`` (the generator's and the backcast's records).

    Raises
    ------
    IndustryDataError
        Years not consecutive, not published by MIIT or not in the rules; no draw meets a
        year's totals.
    """
    rules = rules if rules is not None else default_rules()
    ys = list(range(years[0], years[1] + 1)) if isinstance(years, tuple) and len(years) == 2 \
        else list(years)
    ys = _checked(ys, rules)
    table = load_assumptions()
    backcast = load_backcast_assumptions()
    v, b = _Values(table), _Values(backcast)
    done: dict[int, _Year] = {}
    rows: list[dict[str, Any]] = []
    for y in ys:
        targets, filled = _year_targets(y, b)
        done[y] = _calibrated_year(y, seed, v, b, rules, targets)
        rows += _calibration_rows(y, done[y].statements, filled)
    ref = int(b("backcast.abatement_reference_year"))
    ref = ref if ref in done else ys[len(ys) // 2]
    ab_v = _Values({**table, "abatement.reference_year": {"value": float(ref)}})
    r = done[ref]
    return Industry(
        enterprises=_enterprises(done[ys[-1]]),
        statements=pd.concat([d.statements for d in done.values()], ignore_index=True),
        abatement=_abatement(r.firms, ab_v, rules, dict.fromkeys(KINDS, 0.0),
                             rules.for_year(ref)),
        assumptions={**table, **backcast},
        fleet=pd.concat([d.fleet for d in done.values()], ignore_index=True),
        calibration=pd.DataFrame(rows),
        years=ys,
        seed=int(seed),
    )
