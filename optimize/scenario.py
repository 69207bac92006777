"""Scenario files (TOML): parsed and validated into typed objects.

A scenario names years, enterprises (credit positions or a fleet file), the market, an optional
linkage design and the penalty for uncovered deficits. Every error names the file, the key and
the expected form. See the README for a full example.
"""

from __future__ import annotations

import difflib
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from linkage.carbon_link import CarbonLink
from linkage.errors import InputError
from linkage.rules import RuleSet, default_rules, load_rules, record_lookups

__all__ = [
    "AbatementSegment",
    "EnterpriseInput",
    "MarketInput",
    "Scenario",
    "ScenarioError",
    "load_scenario",
    "parse_scenario",
]


class ScenarioError(InputError):
    """A scenario file breaks its format."""


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
    """

    name: str
    group: str
    cafc_credits: dict[int, float]
    nev_credits: dict[int, float]
    nev_carry_eligible: dict[int, bool]
    opening: pd.DataFrame
    abatement: list[AbatementSegment] = field(default_factory=list)
    provisional_parameters: list[str] = field(default_factory=list)

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


@dataclass
class MarketInput:
    """Prices and market conditions per year.

    Attributes
    ----------
    nev_buy_price, nev_sell_price : dict year -> float, or None
        [CNY/credit]; the sell price defaults to the buy price. None (not given): only the
        industry model, where prices are outputs, can run.
    nev_buy_limit : dict year -> float or None
        Most credits the enterprise can buy per year [credit] (None: unlimited).
    supply_demand_ratio : dict year -> float
        Industry ratio that opens the pool [-].
    reserve_price : float or None
        Reserve policy variant price [CNY/credit]; None: the reserve is off.
    reserve_max_credits_per_year : float or None
    affiliate_cafc_available : dict year -> float
        CAFC credits affiliates can transfer in, free [credit].
    nev_transaction_cost : float
        Cost per NEV credit traded, paid by the buyer on top of the price [CNY/credit].
    """

    nev_buy_price: dict[int, float] | None
    nev_sell_price: dict[int, float] | None
    nev_buy_limit: dict[int, float] | None
    supply_demand_ratio: dict[int, float]
    reserve_price: float | None = None
    reserve_max_credits_per_year: float | None = None
    affiliate_cafc_available: dict[int, float] = field(default_factory=dict)
    nev_transaction_cost: float = 0.0


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
    cea_price : dict year -> float
        CEA price [CNY/t CO2e] (linkage only).
    penalty_cny_per_credit : float or None
        Cost of an uncovered deficit credit; None: uncovered deficits are not allowed.
    source : str
    basis_assumptions : dict
        The linkage basis's assumptions (value, unit, source), for reports.
    """

    name: str
    years: list[int]
    discount_rate: float
    rules: RuleSet
    rules_label: str
    enterprises: list[EnterpriseInput]
    market: MarketInput
    link: CarbonLink | None
    cea_price: dict[int, float]
    penalty_cny_per_credit: float | None
    source: str = "<dict>"
    basis_assumptions: dict[str, Any] = field(default_factory=dict)


_KEYS = {
    "scenario": {"name", "years", "discount_rate", "rules"},
    "enterprise": {"name", "group", "fleet", "cafc_credits", "nev_credits",
                   "conventional_fleet_meets_threshold", "opening", "abatement"},
    "market": {"nev_buy_price", "nev_sell_price", "nev_buy_limit", "supply_demand_ratio",
               "reserve_price", "reserve_max_credits_per_year", "affiliate_cafc_available",
               "nev_transaction_cost"},
    "linkage": {"basis", "exchange_rate_credits_per_t", "cea_price", "allow_cea_for_deficits",
                "cea_clears", "max_cea_share_of_deficit", "allow_credit_offsets",
                "offset_cap_t", "method"},
    "penalty": {"uncovered_credit_cny"},
}


class _Reader:
    def __init__(self, file: str, base: Path | None) -> None:
        self.file = file
        self.base = base

    def fail(self, key: str, rule: str) -> ScenarioError:
        return ScenarioError(rule, file=self.file, key=key)

    def table(self, raw: Any, key: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(key, "expected a table")
        allowed = _KEYS[key.split(".")[0].split("[")[0]]
        for k in raw:
            if k not in allowed:
                hint = difflib.get_close_matches(k, sorted(allowed), n=1)
                more = f"; did you mean '{hint[0]}'?" if hint else ""
                raise self.fail(f"{key}.{k}", f"unknown key{more} (known: "
                                f"{', '.join(sorted(allowed))})")
        return raw

    def number(self, raw: Any, key: str, *, minimum: float = 0.0,
               maximum: float = math.inf) -> float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise self.fail(key, f"expected a number, got {raw!r}")
        x = float(raw)
        if not (minimum <= x <= maximum):
            raise self.fail(key, f"expected a number in [{minimum:g}, {maximum:g}], got {x:g}")
        return x

    def boolean(self, raw: Any, key: str) -> bool:
        if not isinstance(raw, bool):
            raise self.fail(key, f"expected true or false, got {raw!r}")
        return raw

    def per_year(self, raw: Any, years: Sequence[int], key: str, *, minimum: float = 0.0,
                 maximum: float = math.inf, kind: str = "number") -> dict[int, Any]:
        """A scalar (every year), a list aligned with years, or a table year -> value."""
        conv = self.boolean if kind == "bool" else (
            lambda v, k: self.number(v, k, minimum=minimum, maximum=maximum))
        if isinstance(raw, list):
            if len(raw) != len(years):
                raise self.fail(key, f"expected {len(years)} values, one per year of "
                                f"{list(years)}, got {len(raw)}")
            return {y: conv(v, f"{key}[{i}]") for i, (y, v) in enumerate(zip(years, raw,
                                                                                  strict=True))}
        if isinstance(raw, dict):
            out = {}
            for k, v in raw.items():
                try:
                    y = int(k)
                except ValueError:
                    raise self.fail(f"{key}.{k}", "table keys must be years") from None
                out[y] = conv(v, f"{key}.{k}")
            missing = [y for y in years if y not in out]
            if missing:
                raise self.fail(key, f"no value for year(s) {missing}")
            return {y: out[y] for y in years}
        value = conv(raw, key)
        return dict.fromkeys(years, value)

    def path(self, raw: Any, key: str) -> Path:
        if not isinstance(raw, str) or not raw:
            raise self.fail(key, "expected a file path")
        p = Path(raw)
        if not p.is_absolute() and self.base is not None:
            p = self.base / p
        if not p.exists():
            raise self.fail(key, f"file not found: {p}")
        return p


def _basis_rate(r: _Reader, raw: Any, method: str) -> tuple[str, float, dict[str, Any]]:
    """Credits per t CO2e of a basis (preset name or table of assumptions)."""
    from conversions import ConversionBasis, get_basis, tonnes_per_credit
    from conversions.errors import ConversionError

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
    unknown = set(doc) - set(_KEYS)
    if unknown:
        k = sorted(unknown)[0]
        hint = difflib.get_close_matches(k, list(_KEYS), n=1)
        raise r.fail(k, "unknown table" + (f"; did you mean '{hint[0]}'?" if hint else ""))
    if "scenario" not in doc:
        raise r.fail("scenario", "missing [scenario] table with name and years")
    sc = r.table(doc["scenario"], "scenario")
    name = sc.get("name", Path(file).stem)
    if not isinstance(name, str):
        raise r.fail("scenario.name", "expected a text")
    years_raw = sc.get("years")
    if (not isinstance(years_raw, list) or not years_raw
            or not all(isinstance(y, int) and not isinstance(y, bool) for y in years_raw)):
        raise r.fail("scenario.years", "expected a list of years, e.g. [2024, 2025, 2026]")
    years = sorted(years_raw)
    if years != list(range(years[0], years[-1] + 1)) or len(set(years_raw)) != len(years_raw):
        raise r.fail("scenario.years", f"years must be consecutive, got {years_raw}")
    discount = r.number(sc.get("discount_rate", 0.0), "scenario.discount_rate", maximum=1.0)
    rules_raw = sc.get("rules", "default")
    if rules_raw == "default":
        rules, label = default_rules(), "default"
    else:
        rpath = r.path(rules_raw, "scenario.rules")
        rules, label = load_rules(rpath), str(rpath)
    if rule_overrides:
        rules = _override_rules(r, rules, rule_overrides, years)
        label += " + " + ", ".join(f"{k}={v}" for k, v in rule_overrides.items())
    for y in years:
        try:
            rules.for_year(y)
        except InputError as exc:
            raise r.fail("scenario.years", exc.rule) from None

    raw_ents = doc.get("enterprise")
    if not isinstance(raw_ents, list) or not raw_ents:
        raise r.fail("enterprise", "expected at least one [[enterprise]] table")
    enterprises = [_enterprise(r, e, i, years, rules) for i, e in enumerate(raw_ents)]
    names = [e.name for e in enterprises]
    if len(set(names)) != len(names):
        dup = next(n for n in names if names.count(n) > 1)
        raise r.fail("enterprise.name", f"enterprise {dup!r} appears twice")

    market = _market(r, doc.get("market"), years, enterprises, rules)
    link, cea, assumptions = None, {}, {}
    if "linkage" in doc:
        link, cea, assumptions = _linkage(r, doc["linkage"], years)
    penalty = None
    if "penalty" in doc:
        pen = r.table(doc["penalty"], "penalty")
        if "uncovered_credit_cny" in pen:
            penalty = r.number(pen["uncovered_credit_cny"], "penalty.uncovered_credit_cny")
    return Scenario(name, years, discount, rules, label, enterprises, market, link, cea,
                    penalty, file, assumptions)


def _override_rules(r: _Reader, base: RuleSet, overrides: Mapping[str, Any],
                    years: list[int]) -> RuleSet:
    from linkage.rules import schema
    from linkage.rules.loader import Parameter

    extra = []
    for key, value in overrides.items():
        spec = schema().get(key)
        if spec is None:
            hint = difflib.get_close_matches(key, list(schema()), n=1)
            raise r.fail(f"rule.{key}", "unknown rule parameter"
                         + (f"; did you mean '{hint[0]}'?" if hint else ""))
        from linkage.rules.loader import _parse_value

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


def _enterprise(r: _Reader, raw: Any, i: int, years: list[int],
                rules: RuleSet) -> EnterpriseInput:
    key = f"enterprise[{i}]"
    e = r.table(raw, key)
    name = e.get("name")
    if not isinstance(name, str) or not name:
        raise r.fail(f"{key}.name", "expected the enterprise's name")
    key = f"enterprise[{name}]"
    group = e.get("group", name)
    if not isinstance(group, str):
        raise r.fail(f"{key}.group", "expected a text")
    prov: list[str] = []
    if "fleet" in e:
        if "cafc_credits" in e or "nev_credits" in e:
            raise r.fail(f"{key}.fleet", "give either fleet or cafc_credits/nev_credits")
        from linkage.accounting import compute_credits

        path = r.path(e["fleet"], f"{key}.fleet")
        try:
            res = compute_credits(path, rules=rules)
        except InputError as exc:
            raise r.fail(f"{key}.fleet", str(exc)) from None
        st = res.statements[res.statements["enterprise"] == name].set_index("year")
        missing = [y for y in years if y not in st.index]
        if missing:
            raise r.fail(f"{key}.fleet", f"the fleet has no rows for {name!r} in {missing}")
        cafc = {y: float(st.loc[y, "cafc_credits"]) for y in years}
        nev = {y: float(st.loc[y, "nev_credits"]) for y in years}
        elig = {y: bool(st.loc[y, "nev_carry_eligible"]) for y in years}
        for y in years:
            prov += [k for k in st.loc[y, "provisional_parameter_keys"].split(";") if k]
        prov = sorted(set(prov))
    else:
        for k in ("cafc_credits", "nev_credits"):
            if k not in e:
                raise r.fail(f"{key}.{k}", "expected a list aligned with years (or fleet = "
                             "\"file.csv\")")
        cafc = r.per_year(e["cafc_credits"], years, f"{key}.cafc_credits", minimum=-math.inf)
        nev = r.per_year(e["nev_credits"], years, f"{key}.nev_credits", minimum=-math.inf)
        elig = r.per_year(e.get("conventional_fleet_meets_threshold", True), years,
                          f"{key}.conventional_fleet_meets_threshold", kind="bool")
    rows = []
    opening = e.get("opening", {})
    if not isinstance(opening, dict):
        raise r.fail(f"{key}.opening", "expected a table with cafc, nev, pool tables")
    for inst, table in opening.items():
        if inst not in ("cafc", "nev", "pool"):
            raise r.fail(f"{key}.opening.{inst}", "expected cafc, nev or pool")
        if not isinstance(table, dict):
            raise r.fail(f"{key}.opening.{inst}", "expected a table vintage -> credits")
        for v, q in table.items():
            try:
                vint = int(v)
            except ValueError:
                raise r.fail(f"{key}.opening.{inst}.{v}", "keys must be vintage years") from None
            if vint >= years[0]:
                raise r.fail(f"{key}.opening.{inst}.{v}",
                             f"opening vintages must be before {years[0]}")
            rows.append((inst, vint, r.number(q, f"{key}.opening.{inst}.{v}")))
    segs = []
    for j, a in enumerate(e.get("abatement", [])):
        akey = f"{key}.abatement[{j}]"
        if not isinstance(a, dict):
            raise r.fail(akey, "expected a table")
        extra = set(a) - {"kind", "cost_cny_per_credit", "max_credits_per_year"}
        if extra:
            raise r.fail(f"{akey}.{sorted(extra)[0]}", "unknown key (known: kind, "
                         "cost_cny_per_credit, max_credits_per_year)")
        if a.get("kind") not in ("nev", "cafc"):
            raise r.fail(f"{akey}.kind", f"expected \"nev\" or \"cafc\", got {a.get('kind')!r}")
        for k in ("cost_cny_per_credit", "max_credits_per_year"):
            if k not in a:
                raise r.fail(f"{akey}.{k}", "missing")
        segs.append(AbatementSegment(a["kind"], r.number(a["cost_cny_per_credit"],
                                                         f"{akey}.cost_cny_per_credit"),
                                     r.number(a["max_credits_per_year"],
                                              f"{akey}.max_credits_per_year")))
    return EnterpriseInput(name, group, cafc, nev, elig,
                           pd.DataFrame(rows, columns=["instrument", "vintage", "quantity"]),
                           segs, prov)


def _market(r: _Reader, raw: Any, years: list[int],
            enterprises: list[EnterpriseInput], rules: RuleSet | None = None) -> MarketInput:
    if raw is None:
        raise r.fail("market", "missing [market] table (nev_buy_price, supply_demand_ratio, ...)")
    m = r.table(raw, "market")
    buy = sell = None
    if "nev_buy_price" in m:
        buy = r.per_year(m["nev_buy_price"], years, "market.nev_buy_price")
        sell = r.per_year(m.get("nev_sell_price", m["nev_buy_price"]), years,
                          "market.nev_sell_price")
        for y in years:
            if sell[y] > buy[y]:
                raise r.fail("market.nev_sell_price",
                             f"sell price {sell[y]:g} above buy price {buy[y]:g} in {y}")
    elif "nev_sell_price" in m:
        raise r.fail("market.nev_sell_price", "give nev_buy_price too")
    limit = (r.per_year(m["nev_buy_limit"], years, "market.nev_buy_limit")
             if "nev_buy_limit" in m else None)
    if "supply_demand_ratio" in m:
        ratio = r.per_year(m["supply_demand_ratio"], years, "market.supply_demand_ratio")
    else:
        from linkage.market import supply_demand_ratio

        st = pd.concat([e.statements() for e in enterprises], ignore_index=True)
        with record_lookups() as used:
            comp = supply_demand_ratio(st, rules)["ratio"]
        for e in enterprises:  # every plan relies on the computed ratio
            e.provisional_parameters = sorted(set(e.provisional_parameters)
                                              | set(used.unverified()))
        ratio = {y: float(comp.loc[y]) for y in years}
    reserve = m.get("reserve_price")
    reserve = None if reserve is None else r.number(reserve, "market.reserve_price")
    rcap = m.get("reserve_max_credits_per_year")
    rcap = None if rcap is None else r.number(rcap, "market.reserve_max_credits_per_year")
    aff = (r.per_year(m["affiliate_cafc_available"], years, "market.affiliate_cafc_available")
           if "affiliate_cafc_available" in m else dict.fromkeys(years, 0.0))
    tc = r.number(m.get("nev_transaction_cost", 0.0), "market.nev_transaction_cost")
    return MarketInput(buy, sell, limit, ratio, reserve, rcap, aff, tc)


def _linkage(r: _Reader, raw: Any, years: list[int]
             ) -> tuple[CarbonLink, dict[int, float], dict[str, Any]]:
    lk = r.table(raw, "linkage")
    method = lk.get("method", "compliance")
    if method not in ("compliance", "avoided"):
        raise r.fail("linkage.method", "expected \"compliance\" or \"avoided\"")
    if method == "avoided":
        raise r.fail("linkage.method", "the optimizer applies one exchange rate to CAFC and "
                     "NEV balances, and a CAFC credit's CO2 worth has no avoided-emissions "
                     "method: give exchange_rate_credits_per_t (e.g. from "
                     "conversions.exchange_rate(basis, \"nev\", \"avoided\")) instead")
    if "basis" not in lk and "exchange_rate_credits_per_t" not in lk:
        raise r.fail("linkage.basis", "expected a basis preset name (e.g. \"ttw-real-world\") "
                     "or exchange_rate_credits_per_t")
    name, rate, assumptions = "policy", None, {}
    if "basis" in lk:
        name, rate, assumptions = _basis_rate(r, lk["basis"], method)
    if "exchange_rate_credits_per_t" in lk:
        rate = r.number(lk["exchange_rate_credits_per_t"], "linkage.exchange_rate_credits_per_t")
        if rate <= 0:
            raise r.fail("linkage.exchange_rate_credits_per_t", "expected a rate > 0")
        name = f"policy rate ({name})" if name != "policy" else "policy"
    if "cea_price" not in lk:
        raise r.fail("linkage.cea_price", "expected a CEA price [CNY/t CO2e] or one per year")
    cea = r.per_year(lk["cea_price"], years, "linkage.cea_price")
    clears = lk.get("cea_clears", ["cafc", "nev"])
    if not isinstance(clears, list) or not set(clears) <= {"cafc", "nev"}:
        raise r.fail("linkage.cea_clears", "expected a list of \"cafc\" and/or \"nev\"")
    cap_raw = lk.get("offset_cap_t")
    cap = {} if cap_raw is None else r.per_year(cap_raw, years, "linkage.offset_cap_t")
    link = CarbonLink(
        exchange_rate_credits_per_t=float(rate),  # type: ignore[arg-type]
        basis=name,
        allow_cea_for_deficits=r.boolean(lk.get("allow_cea_for_deficits", True),
                                         "linkage.allow_cea_for_deficits"),
        cea_clears=tuple(clears),
        max_cea_share_of_deficit=r.number(lk.get("max_cea_share_of_deficit", 1.0),
                                          "linkage.max_cea_share_of_deficit", maximum=1.0),
        allow_credit_offsets=r.boolean(lk.get("allow_credit_offsets", False),
                                       "linkage.allow_credit_offsets"),
        offset_cap_t=cap,
    )
    return link, cea, assumptions


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
    """
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            doc = tomllib.load(fh)
    except FileNotFoundError:
        raise ScenarioError("scenario file not found", file=str(p)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"not valid TOML: {exc}", file=str(p)) from None
    return parse_scenario(doc, file=str(p), base=p.parent)
