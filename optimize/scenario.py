"""Scenario files (TOML): parsed and validated into typed objects.

A scenario names years, enterprises (credit positions or a fleet file), the market, an optional
linkage design and the penalty for uncovered deficits. Every error names the file, the key and
the expected form. See the README for a full example.

Keys, attributes and constructor keywords renamed by the library's vocabulary
(:mod:`conversions.vocabulary`) are still read under their old names, with a
:class:`DeprecationWarning`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from conversions import ConversionBasis, get_basis, tonnes_per_credit
from conversions.errors import ConversionError
from conversions.ets_side import ets_side
from conversions.vocabulary import renamed_attributes
from linkage.accounting import compute_credits
from linkage.carbon_link import CarbonLink
from linkage.console import did_you_mean
from linkage.errors import InputError
from linkage.fleet import read_fleet
from linkage.market import supply_demand_ratio
from linkage.rules import RuleSet, default_rules, load_rules, record_lookups, schema
from linkage.rules.loader import Parameter, _parse_value
from linkage.technology import fleet_option_effects
from optimize.schema import (
    EnterpriseTable,
    EtsTable,
    LinkageTable,
    MarketTable,
    ScenarioDocument,
    canonical_scenario,
    read_toml,
    table_fields,
    validate_document,
)

__all__ = [
    "AbatementSegment",
    "EnterpriseInput",
    "EtsInput",
    "MarketInput",
    "Scenario",
    "ScenarioError",
    "TechnologyOption",
    "UnknownEnterpriseError",
    "find_enterprise",
    "load_scenario",
    "parse_scenario",
    "read_scenario_document",
]


class ScenarioError(InputError):
    """A scenario file breaks its format."""


class UnknownEnterpriseError(ScenarioError, KeyError):
    """An enterprise name that is not in the scenario (also a KeyError, as a lookup)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self._message()


def find_enterprise(scenario: Scenario, name: str, *, key: str = "enterprise"
                    ) -> EnterpriseInput:
    """The enterprise called ``name`` in the scenario.

    Raises
    ------
    UnknownEnterpriseError
        Naming the scenario file, the name, a close match and the known names.
    """
    known = [e.name for e in scenario.enterprises]
    for e in scenario.enterprises:
        if e.name == name:
            return e
    raise UnknownEnterpriseError(
        f"no enterprise {name!r} in the scenario" + did_you_mean(name, known)
        + f" (known: {', '.join(repr(k) for k in known)})",
        file=scenario.source, key=key)


@dataclass(frozen=True)
class AbatementSegment:
    """One piecewise-linear segment of an abatement cost curve.

    Attributes
    ----------
    kind : str
        ``"nev"`` (extra NEV credits) or ``"cafc"`` (CAFC improvement).
    cost_cny_per_credit : float
        Cost of each extra credit [CNY/credit].
    max_credits_per_year : float
        Credits the segment can deliver per year [credit].
    """

    kind: str
    cost_cny_per_credit: float
    max_credits_per_year: float


@renamed_attributes("python.TechnologyOption")
@dataclass(frozen=True)
class TechnologyOption:
    """One technology option: a unit of real change with a cost and joint effects.

    Attributes
    ----------
    name : str
    kind : str
        ``"given"`` (effects stated in the file), ``"shift"`` or ``"efficiency"`` (derived from
        the fleet by :func:`linkage.technology.fleet_option_effects`).
    cost_cny_per_unit : dict year -> float
        [CNY/unit] (may be negative: a cheaper technology).
    max_units_per_year : dict year -> float
        [unit/year].
    cafc_credits_per_unit, nev_credits_per_unit : dict year -> float
        Effect on the year's CAFC and NEV positions (NEV requirement change included)
        [credit/unit].
    co2_change_t_co2e_per_unit : dict year -> float
        Lifetime CO2e change of the fleet [t CO2e/unit]; negative = less CO2.
    basis : str
        Conversion basis of ``co2_change_t_co2e_per_unit`` (``"given"`` when stated in the
        file).
    linearisation_error_credits : dict year -> (float, float)
        Derived options: linear minus exact (CAFC, NEV) credits at half the units (see
        :mod:`linkage.technology`); empty for given options.
    """

    name: str
    kind: str
    cost_cny_per_unit: dict[int, float]
    max_units_per_year: dict[int, float]
    cafc_credits_per_unit: dict[int, float]
    nev_credits_per_unit: dict[int, float]
    co2_change_t_co2e_per_unit: dict[int, float]
    basis: str = "given"
    linearisation_error_credits: dict[int, tuple[float, float]] = field(default_factory=dict)


@renamed_attributes("python.EtsInput")
@dataclass(frozen=True)
class EtsInput:
    """The carbon market's side of a link (``[ets]``), per year.

    Attributes
    ----------
    covered_emissions_t_co2e : dict year -> float
        Verified emissions covered by the national ETS [t CO2e/year].
    offset_limit_share : dict year -> float
        Largest share of verified emissions offsets may cover [-].
    other_offsets_t_co2e : dict year -> float
        Other offsets competing for the limit [t CO2e/year].
    offset_price_factor : dict year -> float
        Price of an accepted offset over the CEA price [-].
    cea_retired : bool
        CEAs bought by automakers leave the ETS one for one.
    sources : dict key -> str
        ``"scenario"`` or ``"shipped (<status>)"`` for each key.
    """

    covered_emissions_t_co2e: dict[int, float]
    offset_limit_share: dict[int, float]
    other_offsets_t_co2e: dict[int, float]
    offset_price_factor: dict[int, float]
    cea_retired: bool
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def offset_limit_t_co2e(self) -> dict[int, float]:
        """Automakers' offsets allowed per year: share x covered - other [t CO2e/year]."""
        return {y: self.offset_limit_share[y] * c - self.other_offsets_t_co2e[y]
                for y, c in self.covered_emissions_t_co2e.items()}


@renamed_attributes("python.EnterpriseInput")
@dataclass
class EnterpriseInput:
    """One enterprise's data for the optimizer.

    Attributes
    ----------
    name, group : str
    cafc_credits, nev_credits : dict year -> float
        Credit positions [credit] (signed: negative is a deficit).
    nev_carry_eligible : dict year -> bool
        The year's NEV surplus may be carried forward.
    opening : DataFrame
        ``instrument (cafc|nev|pool), vintage, quantity`` face values held at the start.
    abatement : list of AbatementSegment
    provisional_parameters : list of str
        Provisional or scenario rule parameters the positions relied on (fleet input).
    technology : list of TechnologyOption
    """

    name: str
    group: str
    cafc_credits: dict[int, float]
    nev_credits: dict[int, float]
    nev_carry_eligible: dict[int, bool]
    opening: pd.DataFrame
    abatement: list[AbatementSegment] = field(default_factory=list)
    provisional_parameters: list[str] = field(default_factory=list)
    technology: list[TechnologyOption] = field(default_factory=list)

    def statements(self) -> pd.DataFrame:
        """The positions as ledger statements."""
        years = sorted(self.cafc_credits)
        return pd.DataFrame({
            "enterprise": self.name,
            "year": years,
            "group": self.group,
            "cafc_credits": [self.cafc_credits[y] for y in years],
            "nev_credits": [self.nev_credits[y] for y in years],
            "nev_carry_eligible": [self.nev_carry_eligible[y] for y in years],
        })


@renamed_attributes("python.MarketInput")
@dataclass
class MarketInput:
    """Prices and market conditions per year.

    Attributes
    ----------
    nev_buy_price_cny_per_credit, nev_sell_price_cny_per_credit : dict year -> float, or None
        [CNY/credit]; the sell price defaults to the buy price. None (not given): only the
        industry model, where prices are outputs, can run.
    nev_buy_limit_credits : dict year -> float or None
        Most credits the enterprise can buy per year [credit] (None: unlimited).
    supply_demand_ratio : dict year -> float
        Industry ratio that opens the pool [-].
    reserve_price_cny_per_credit : float or None
        Reserve policy variant price [CNY/credit]; None: the reserve is off.
    reserve_max_credits_per_year : float or None
    affiliate_cafc_available_credits : dict year -> float
        CAFC credits affiliates can transfer in, free [credit].
    nev_transaction_cost_cny_per_credit : float
        Cost per NEV credit traded, paid by the buyer on top of the price [CNY/credit].

    The names before the one-vocabulary rename (``nev_buy_price``, ...) are still read and
    accepted by the constructor, with a :class:`DeprecationWarning`.
    """

    nev_buy_price_cny_per_credit: dict[int, float] | None
    nev_sell_price_cny_per_credit: dict[int, float] | None
    nev_buy_limit_credits: dict[int, float] | None
    supply_demand_ratio: dict[int, float]
    reserve_price_cny_per_credit: float | None = None
    reserve_max_credits_per_year: float | None = None
    affiliate_cafc_available_credits: dict[int, float] = field(default_factory=dict)
    nev_transaction_cost_cny_per_credit: float = 0.0


@renamed_attributes("python.Scenario")
@dataclass
class Scenario:
    """A parsed, validated scenario.

    Attributes
    ----------
    name : str
    years : list of int
    discount_rate : float
        Yearly discount rate [-]; costs of year t are divided by (1 + r)^(t - first year).
    rules : RuleSet
    rules_label : str
    enterprises : list of EnterpriseInput
    market : MarketInput
    link : CarbonLink or None
    cea_price_cny_per_t_co2e : dict year -> float
        CEA price [CNY/t CO2e] (linkage only).
    penalty_cny_per_credit : float or None
        Cost of an uncovered deficit credit; None: uncovered deficits are not allowed.
    source : str
    basis_assumptions : dict
        The linkage basis's assumptions (value, unit, source), for reports.
    ets : EtsInput or None
        The carbon market's side (``[ets]``); None when the file has no ``[ets]`` table.
    basis_name : str or None
        The conversion basis of ``[linkage] basis`` (None: none named).
    basis_t_co2e_per_credit : float or None
        Its *physical* t CO2e per CAFC credit (compliance method) [t CO2e/credit], whatever
        policy rate ``exchange_rate_credits_per_t_co2e`` the link applies.
    positions : {"fixed_sign", "exact"}
        ``[scenario] positions``: ``"fixed_sign"`` (default) fixes each year's surplus or
        deficit of a kind by the position before technology and abatement (an LP);
        ``"exact"`` lets technology and abatement flip it, with a binary per enterprise,
        kind and year that can flip (a MIP; prices from the LP at the optimal signs).
    """

    name: str
    years: list[int]
    discount_rate: float
    rules: RuleSet
    rules_label: str
    enterprises: list[EnterpriseInput]
    market: MarketInput
    link: CarbonLink | None
    cea_price_cny_per_t_co2e: dict[int, float]
    penalty_cny_per_credit: float | None
    source: str = "<dict>"
    basis_assumptions: dict[str, Any] = field(default_factory=dict)
    ets: EtsInput | None = None
    basis_name: str | None = None
    basis_t_co2e_per_credit: float | None = None
    positions: str = "fixed_sign"

    @property
    def offset_limit_t_co2e(self) -> dict[int, float] | None:
        """All automakers' offsets allowed per year by ``[ets]`` [t CO2e]; None without it."""
        return self.ets.offset_limit_t_co2e if self.ets is not None else None

    def technology_frame(self) -> pd.DataFrame:
        """Every enterprise's technology options, one row per option and year.

        Returns
        -------
        DataFrame
            ``enterprise, year, option, kind, cost_cny_per_unit`` [CNY/unit], ``max_units``
            [unit], ``cafc_credits_per_unit``, ``nev_credits_per_unit`` [credit/unit],
            ``co2_change_t_co2e_per_unit`` [t CO2e/unit] (what
            :func:`linkage.ledger.verify_plan` takes as ``technology``).
        """
        rows = [(e.name, y, t.name, t.kind, t.cost_cny_per_unit[y], t.max_units_per_year[y],
                 t.cafc_credits_per_unit[y], t.nev_credits_per_unit[y],
                 t.co2_change_t_co2e_per_unit[y])
                for e in self.enterprises for t in e.technology for y in self.years]
        return pd.DataFrame(rows, columns=[
            "enterprise", "year", "option", "kind", "cost_cny_per_unit", "max_units",
            "cafc_credits_per_unit", "nev_credits_per_unit", "co2_change_t_co2e_per_unit"])


#: Keys of each table of the format (from the schema models; the docs are checked against it).
_KEYS = {table: set(table_fields(table)) for table in ScenarioDocument.model_fields}


class _Reader:
    """Raises located errors and resolves paths for one scenario file."""

    def __init__(self, file: str, base: Path | None) -> None:
        self.file = file
        self.base = base

    def fail(self, key: str, rule: str) -> ScenarioError:
        return ScenarioError(rule, file=self.file, key=key)

    def path(self, raw: str, key: str) -> Path:
        p = Path(raw)
        if not p.is_absolute() and self.base is not None:
            p = self.base / p
        if not p.exists():
            raise self.fail(key, f"file not found: {p}")
        if p.is_dir():
            raise self.fail(key, f"is a directory, not a file: {p}")
        return p


def _basis_rate(r: _Reader, raw: Any, method: str) -> tuple[str, float, dict[str, Any]]:
    """Credits per t CO2e of a basis (preset name or table of assumptions)."""
    try:
        if isinstance(raw, str):
            basis: ConversionBasis = get_basis(raw)
        elif isinstance(raw, dict):
            raw = dict(raw)
            base = raw.pop("base", "ttw-real-world")
            name = raw.pop("name", None)
            basis = get_basis(base).replace(**raw, **({"name": name} if name else {}))
        else:
            raise r.fail("linkage.basis", "expected a preset name or a table of assumptions")
        t = tonnes_per_credit(basis, credit="cafc", method=method)
    except ConversionError as exc:
        raise r.fail("linkage.basis", str(exc)) from None
    t_per_credit = float(t.to("t_CO2e / cafc_credit").magnitude)
    return basis.name, 1.0 / t_per_credit, basis.to_dict() if hasattr(basis, "to_dict") else {}


def parse_scenario(doc: Mapping[str, Any], *, file: str = "<dict>",
                   base: Path | None = None,
                   rule_overrides: Mapping[str, Any] | None = None) -> Scenario:
    """Validate a scenario document (the parsed TOML) into a :class:`Scenario`.

    The form of the document is checked by :class:`optimize.schema.ScenarioDocument` (known
    keys, types, finite numbers, per-year values aligned with the years by value); the rest
    (rules, fleets, the conversion basis, prices) here.

    Parameters
    ----------
    doc : mapping
        The TOML document.
    file : str
        Name used in error messages.
    base : Path, optional
        Folder relative paths (fleet, rules) are resolved against.
    rule_overrides : mapping, optional
        Rule parameter -> value for every scenario year (status ``scenario``), applied before
        fleets are accounted (used by sweeps' ``rule.*`` keys).

    Raises
    ------
    ScenarioError
        Naming the file, the key and the expected form.
    """
    r = _Reader(file, base)
    if not isinstance(doc, Mapping):
        raise r.fail("scenario", f"expected a scenario document (a table), got "
                     f"{type(doc).__name__}")
    d = validate_document(ScenarioDocument, dict(doc), file=file, error=ScenarioError)
    assert isinstance(d, ScenarioDocument)
    years = sorted(d.scenario.years)
    name = d.scenario.name if d.scenario.name is not None else Path(file).stem
    if d.scenario.rules == "default":
        rules, label = default_rules(), "default"
    else:
        rpath = r.path(d.scenario.rules, "scenario.rules")
        rules, label = load_rules(rpath), str(rpath)
    if rule_overrides:
        rules = _override_rules(r, rules, rule_overrides, years)
        label += " + " + ", ".join(f"{k}={v}" for k, v in rule_overrides.items())
    for y in years:
        try:
            rules.for_year(y)
        except InputError as exc:
            raise r.fail("scenario.years", exc.rule) from None

    basis = _technology_basis(d.linkage)
    enterprises = [_enterprise(r, e, years, rules, basis) for e in d.enterprise]
    names = [e.name for e in enterprises]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise r.fail(f"enterprise[{dup}].name", f"enterprise {dup!r} appears twice")

    market = _market(r, d.market, years, enterprises, rules)
    link, cea, assumptions = None, {}, {}
    if d.linkage is not None:
        link, cea, assumptions = _linkage(r, d.linkage)
    ets = _ets(r, d.ets, years) if d.ets is not None else None
    if (link is not None and link.allow_credit_offsets and ets is None
            and not link.offset_cap_t_co2e):
        raise r.fail("linkage.allow_credit_offsets",
                     "offsets into the ETS need a bound: add an [ets] table (the carbon "
                     "market's offset limit; keys left out take the shipped records) or "
                     "[linkage] offset_cap_t_co2e [t CO2e/year]")
    penalty = d.penalty.penalty_cny_per_credit if d.penalty is not None else None
    basis_name, basis_t = None, None
    if d.linkage is not None and d.linkage.basis is not None:
        basis_name, rate, _ = _basis_rate(r, d.linkage.basis, "compliance")
        basis_t = 1.0 / rate
    return Scenario(name, years, d.scenario.discount_rate, rules, label, enterprises, market,
                    link, cea, penalty, file, assumptions, ets, basis_name, basis_t,
                    d.scenario.positions)


def _ets(r: _Reader, t: EtsTable, years: list[int]) -> EtsInput:
    """``[ets]`` with every key left out taken from the shipped records of each year."""
    given = {k: getattr(t, k) for k in ("covered_emissions_t_co2e", "offset_limit_share",
                                         "other_offsets_t_co2e", "offset_price_factor")}
    shipped = {}
    if any(v is None for v in given.values()) or t.cea_retired is None:
        missing = next(k for k, v in [*given.items(), ("cea_retired", t.cea_retired)]
                       if v is None)
        try:
            shipped = {y: ets_side(y) for y in years}
        except ConversionError as exc:
            raise r.fail(f"ets.{missing}", str(exc)) from None
    names = {"covered_emissions_t_co2e": "covered_emissions", "offset_limit_share":
             "offset_limit_share", "other_offsets_t_co2e": "other_offsets",
             "offset_price_factor": "offset_price_factor", "cea_retired": "cea_retired"}
    values, sources = {}, {}
    for k, v in given.items():
        if v is not None:
            values[k], sources[k] = dict(v), "scenario"
        else:
            values[k] = {y: float(getattr(shipped[y], k)) for y in years}
            sources[k] = "shipped (" + ", ".join(dict.fromkeys(
                shipped[y].statuses[names[k]] for y in years)) + ")"
    retired = t.cea_retired if t.cea_retired is not None else shipped[years[0]].cea_retired
    sources["cea_retired"] = "scenario" if t.cea_retired is not None else \
        f"shipped ({shipped[years[0]].statuses['cea_retired']})"
    ets = EtsInput(values["covered_emissions_t_co2e"], values["offset_limit_share"],
                   values["other_offsets_t_co2e"], values["offset_price_factor"],
                   bool(retired), sources)
    for y, lim in ets.offset_limit_t_co2e.items():
        if lim < 0:
            raise r.fail("ets.other_offsets_t_co2e",
                         f"other offsets {ets.other_offsets_t_co2e[y]:g} t exceed the offset "
                         f"limit {ets.offset_limit_share[y]:g} x "
                         f"{ets.covered_emissions_t_co2e[y]:g} t "
                         f"in {y}")
    return ets


def _technology_basis(lk: LinkageTable | None) -> Any:
    """The conversion basis for fleet-derived options' CO2: the link's, else ttw-real-world."""
    raw = lk.basis if lk is not None else None
    if isinstance(raw, str):
        return raw
    if isinstance(raw, dict):
        return dict(raw)
    return get_basis("ttw-real-world").name


def _override_rules(r: _Reader, base: RuleSet, overrides: Mapping[str, Any],
                    years: list[int]) -> RuleSet:
    extra = []
    for key, value in overrides.items():
        spec = schema().get(key)
        if spec is None:
            raise r.fail(f"rule.{key}", "unknown rule parameter" + did_you_mean(key, schema()))
        try:
            v = _parse_value(value, spec["kind"], "<override>", key)
        except InputError as exc:
            raise r.fail(f"rule.{key}", exc.rule) from None
        extra.append(Parameter(key, v, spec["unit"], min(years), max(years), "scenario",
                               "scenario override", "<override>"))
    rs = RuleSet(list(base.parameters) + extra)
    for y in years:
        try:
            rs.for_year(y)
        except InputError as exc:
            raise r.fail("rule", exc.rule) from None
    return rs


def _enterprise(r: _Reader, e: EnterpriseTable, years: list[int],
                rules: RuleSet, basis: Any = "ttw-real-world") -> EnterpriseInput:
    name = e.name
    key = f"enterprise[{name}]"
    group = e.group if e.group is not None else name
    prov: list[str] = []
    if e.fleet is not None:
        if e.cafc_credits is not None or e.nev_credits is not None \
                or e.nev_carry_eligible is not None:
            raise r.fail(f"{key}.fleet", "give either fleet or cafc_credits/nev_credits "
                         "(eligibility then comes from the fleet)")
        cafc, nev, elig, prov = _fleet_positions(r, e, years, rules)
    else:
        for k in ("cafc_credits", "nev_credits"):
            if getattr(e, k) is None:
                raise r.fail(f"{key}.{k}", "expected a list aligned with years (or fleet = "
                             "\"file.csv\")")
        cafc, nev = dict(e.cafc_credits), dict(e.nev_credits)
        elig = (dict(e.nev_carry_eligible)
                if e.nev_carry_eligible is not None
                else dict.fromkeys(years, True))
    rows = []
    for inst in ("cafc", "nev", "pool"):
        for vint, q in getattr(e.opening, inst).items():
            if vint >= years[0]:
                raise r.fail(f"{key}.opening.{inst}.{vint}",
                             f"opening vintages must be before {years[0]}")
            rows.append((inst, vint, q))
    segs = [AbatementSegment(a.kind, a.cost_cny_per_credit, a.max_credits_per_year)
            for a in e.abatement]
    tech = [_technology(r, e, j, years, rules, basis) for j in range(len(e.technology))]
    names = [t.name for t in tech]
    for t in tech:
        if names.count(t.name) > 1:
            raise r.fail(f"{key}.technology", f"option {t.name!r} appears twice")
    return EnterpriseInput(name, group, cafc, nev, elig,
                           pd.DataFrame(rows, columns=["instrument", "vintage", "quantity"]),
                           segs, prov, tech)


_EFFECTS = ("cafc_credits_per_unit", "nev_credits_per_unit", "co2_change_t_co2e_per_unit")
_DERIVED_KEYS = {"shift": ("from_model", "to_model"),
                 "efficiency": ("model", "reduction_l_per_100km")}


def _technology(r: _Reader, e: EnterpriseTable, j: int, years: list[int], rules: RuleSet,
                basis: Any) -> TechnologyOption:
    """One ``[[enterprise.technology]]`` option, its effects given or derived from the fleet."""
    t = e.technology[j]
    key = f"enterprise[{e.name}].technology[{j}]"
    cost, cap = dict(t.cost_cny_per_unit), dict(t.max_units_per_year)
    fleet_keys = ("from_model", "to_model", "model", "reduction_l_per_100km")
    if t.kind == "given":
        for k in _EFFECTS:
            if getattr(t, k) is None:
                raise r.fail(f"{key}.{k}", "an option states its effect [per unit] (or names "
                             "models: kind = \"shift\" / \"efficiency\" with a fleet)")
        for k in fleet_keys:
            if getattr(t, k) is not None:
                raise r.fail(f"{key}.{k}", "only options of kind \"shift\" or "
                             "\"efficiency\" name models")
        return TechnologyOption(t.name, "given", cost, cap,
                                *(dict(getattr(t, k)) for k in _EFFECTS))
    for k in _EFFECTS:
        if getattr(t, k) is not None:
            raise r.fail(f"{key}.{k}", f"an option of kind {t.kind!r} derives its effects "
                         "from the fleet; leave the effect out")
    need = _DERIVED_KEYS[t.kind]
    for k in fleet_keys:
        if (getattr(t, k) is None) == (k in need):
            raise r.fail(f"{key}.{k}", f"an option of kind {t.kind!r} takes "
                         f"{' and '.join(need)}" + ("" if k in need else f", not {k}"))
    if e.fleet is None:
        raise r.fail(f"{key}.kind", f"an option of kind {t.kind!r} needs the enterprise's "
                     "fleet file (fleet = \"file.csv\")")
    return _derived(r, e, t, key, cap, cost, rules, basis)


def _derived(r: _Reader, e: EnterpriseTable, t: Any, key: str, cap: dict[int, float],
             cost: dict[int, float], rules: RuleSet, basis: Any) -> TechnologyOption:
    fleet = read_fleet(r.path(e.fleet or "", f"enterprise[{e.name}].fleet"))
    try:
        if isinstance(basis, str):
            b = get_basis(basis)
        else:
            raw = dict(basis)
            name = raw.pop("name", None)
            b = get_basis(raw.pop("base", "ttw-real-world")).replace(
                **raw, **({"name": name} if name else {}))
    except (ConversionError, TypeError) as exc:
        raise r.fail("linkage.basis", str(exc)) from None
    option = {"kind": t.kind, "from_model": t.from_model, "to_model": t.to_model,
              "model": t.model, "reduction_l_per_100km": t.reduction_l_per_100km}
    try:
        eff = fleet_option_effects(fleet, e.name, option, cap, rules, b)
    except InputError as exc:
        raise r.fail(f"{key}.{exc.key}" if exc.key else key, exc.rule) from None
    years = sorted(cap)
    return TechnologyOption(
        t.name, t.kind, cost, cap,
        {y: eff[y].cafc_credits_per_unit for y in years},
        {y: eff[y].nev_credits_per_unit for y in years},
        {y: eff[y].co2_change_t_co2e_per_unit for y in years}, b.name,
        {y: (eff[y].cafc_error_credits, eff[y].nev_error_credits) for y in years})


def _fleet_positions(r: _Reader, e: EnterpriseTable, years: list[int], rules: RuleSet
                     ) -> tuple[dict[int, float], dict[int, float], dict[int, bool], list[str]]:
    """Credit positions, eligibility and provisional keys of an enterprise from its fleet."""
    key = f"enterprise[{e.name}].fleet"
    path = r.path(e.fleet or "", key)
    try:
        res = compute_credits(path, rules=rules)
    except InputError as exc:
        raise r.fail(key, str(exc)) from None
    st = res.statements[res.statements["enterprise"] == e.name].set_index("year")
    missing = [y for y in years if y not in st.index]
    if missing:
        raise r.fail(key, f"the fleet has no rows for {e.name!r} in {missing}")
    cafc = {y: float(st.loc[y, "cafc_credits"]) for y in years}
    nev = {y: float(st.loc[y, "nev_credits"]) for y in years}
    elig = {y: bool(st.loc[y, "nev_carry_eligible"]) for y in years}
    prov = {k for y in years for k in st.loc[y, "provisional_parameter_keys"].split(";") if k}
    return cafc, nev, elig, sorted(prov)


def _market(r: _Reader, m: MarketTable, years: list[int],
            enterprises: list[EnterpriseInput], rules: RuleSet | None = None) -> MarketInput:
    buy = sell = None
    if m.nev_buy_price_cny_per_credit is not None:
        buy = dict(m.nev_buy_price_cny_per_credit)
        sell = (dict(m.nev_sell_price_cny_per_credit)
                if m.nev_sell_price_cny_per_credit is not None else dict(buy))
        for y in years:
            if sell[y] > buy[y]:
                raise r.fail("market.nev_sell_price_cny_per_credit",
                             f"sell price {sell[y]:g} above buy price {buy[y]:g} in {y}")
    elif m.nev_sell_price_cny_per_credit is not None:
        raise r.fail("market.nev_sell_price_cny_per_credit",
                     "give nev_buy_price_cny_per_credit too")
    limit = dict(m.nev_buy_limit_credits) if m.nev_buy_limit_credits is not None else None
    if m.supply_demand_ratio is not None:
        ratio = dict(m.supply_demand_ratio)
    else:
        st = pd.concat([e.statements() for e in enterprises], ignore_index=True)
        with record_lookups() as used:
            comp = supply_demand_ratio(st, rules)["ratio"]
        for e in enterprises:  # every plan relies on the computed ratio
            e.provisional_parameters = sorted(set(e.provisional_parameters)
                                              | set(used.unverified()))
        ratio = {y: float(comp.loc[y]) for y in years}
    aff = (dict(m.affiliate_cafc_available_credits)
           if m.affiliate_cafc_available_credits is not None else dict.fromkeys(years, 0.0))
    return MarketInput(buy, sell, limit, ratio, m.reserve_price_cny_per_credit,
                       m.reserve_max_credits_per_year, aff, m.nev_transaction_cost_cny_per_credit)


def _linkage(r: _Reader, lk: LinkageTable
             ) -> tuple[CarbonLink, dict[int, float], dict[str, Any]]:
    if lk.method == "avoided":
        raise r.fail("linkage.method", "the optimizer applies one exchange rate to CAFC and "
                     "NEV balances, and a CAFC credit's CO2 worth has no avoided-emissions "
                     "method: give exchange_rate_credits_per_t_co2e (e.g. from "
                     "conversions.exchange_rate(basis, \"nev\", \"avoided\")) instead")
    if lk.basis is None and lk.exchange_rate_credits_per_t_co2e is None:
        raise r.fail("linkage.basis", "expected a basis preset name (e.g. \"ttw-real-world\") "
                     "or exchange_rate_credits_per_t_co2e")
    name, rate, assumptions = "policy", None, {}
    if lk.basis is not None:
        name, rate, assumptions = _basis_rate(r, lk.basis, lk.method)
    if lk.exchange_rate_credits_per_t_co2e is not None:
        rate = lk.exchange_rate_credits_per_t_co2e
        name = f"policy rate ({name})" if name != "policy" else "policy"
    link = CarbonLink(
        exchange_rate_credits_per_t_co2e=float(rate),  # type: ignore[arg-type]
        basis=name,
        allow_cea_for_deficits=lk.allow_cea_for_deficits,
        cea_clears=tuple(lk.cea_clears),
        max_cea_deficit_share=lk.max_cea_deficit_share,
        allow_credit_offsets=lk.allow_credit_offsets,
        offset_cap_t_co2e=dict(lk.offset_cap_t_co2e) if lk.offset_cap_t_co2e is not None
        else {},
    )
    return link, dict(lk.cea_price_cny_per_t_co2e), assumptions


def read_scenario_document(path: str | Path) -> dict[str, Any]:
    """The TOML document of a scenario file, validated as :func:`load_scenario` does.

    For callers that change the document before parsing it (the brief's designs): keys of
    a deprecated spelling come back under their new names (one :class:`DeprecationWarning`
    each).

    Parameters
    ----------
    path : str or Path

    Raises
    ------
    ScenarioError
        Naming the file (and the line of a TOML syntax error, or the key).
    """
    p = Path(path)
    doc = canonical_scenario(read_toml(p, ScenarioError, "scenario file"), file=str(p),
                             error=ScenarioError)
    parse_scenario(doc, file=str(p), base=p.parent)
    return doc


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        Not found, a directory, not UTF-8, not TOML (with the line), or a key breaking the
        format (with the dotted key).
    """
    p = Path(path)
    doc = read_toml(p, ScenarioError, "scenario file")
    return parse_scenario(doc, file=str(p), base=p.parent)
