"""The scenario and sweep file formats as pydantic models, and one reader for TOML files.

The models check the *form* of a document: known keys only (a typo is refused with a "did you
mean"), types as documented (no coercion: a text or ``true`` where a number is expected is
refused), finite numbers only (no ``inf``/``nan``), signs and ranges, and per-year values
aligned with the scenario's years **by value**: a list is paired with ``scenario.years`` in the
order the file gives them, then sorted with them. Rules that need more than the form (a fleet
file, the rulebooks, a conversion basis, sell price not above buy price) are checked by
:func:`optimize.scenario.parse_scenario`.

Every violation becomes an :class:`~linkage.errors.InputError` (or the subclass the caller
names) with ``file=`` and ``key=`` the dotted location, e.g.
``market.nev_buy_price_cny_per_credit[2]`` or ``enterprise[Alpha].opening.cafc.2022``.

Keys renamed by the library's vocabulary (:mod:`conversions.vocabulary`, contexts
``scenario.<table>``) are still read under their old spelling, with a
:class:`DeprecationWarning` naming the file (:func:`canonical_scenario`).
"""

from __future__ import annotations

import math
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Strict,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from conversions.vocabulary import rename_deprecated
from linkage.console import did_you_mean
from linkage.errors import InputError

__all__ = [
    "ScenarioDocument",
    "SweepDocument",
    "canonical_scenario",
    "read_toml",
    "scenario_years",
    "table_fields",
    "validate_document",
]


# ----------------------------------------------------------------------------- reading
def read_toml(path: str | Path, error: type[InputError] = InputError,
              what: str = "file") -> dict[str, Any]:
    """Read a TOML file; every failure is ``error`` naming the file (and the line).

    Parameters
    ----------
    path : str or Path
    error : subclass of InputError
        Exception class raised.
    what : str
        What the file is, for messages (``"scenario file"``).

    Raises
    ------
    InputError
        Not found, a directory, unreadable, not UTF-8, or not valid TOML (with line and column).
    """
    p = Path(path)
    file = str(p)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise error(f"{what} not found", file=file) from None
    except IsADirectoryError:
        raise error(f"is a directory, not a {what}", file=file) from None
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror or exc}", file=file) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line} cannot be "
                    "decoded (save the file as UTF-8)", file=file) from None
    try:
        # a byte-order mark (Notepad, Excel) is not part of the text
        return tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise error(f"not valid TOML: {exc}", file=file) from None


# ----------------------------------------------------------------------------- value types
def _no_bool(x: Any) -> Any:
    # pydantic's strict float accepts numpy scalars; a bool is never a number here
    if isinstance(x, bool):
        raise PydanticCustomError("bool_number", "expected a number, got {got}",
                                  {"got": str(x).lower()})
    return x


_Num = Annotated[float, BeforeValidator(_no_bool), Strict(), Field(allow_inf_nan=False)]
#: Any finite number (credit positions may be negative).
Signed = _Num
#: A finite number >= 0.
NonNeg = Annotated[_Num, Field(ge=0)]
#: A finite number in [0, 1].
Share = Annotated[_Num, Field(ge=0, le=1)]
#: A finite number > 0.
Positive = Annotated[_Num, Field(gt=0)]
Text = Annotated[str, Strict()]
Flag = Annotated[bool, Strict()]
Year = Annotated[int, Strict(), Field(ge=1, le=9999)]


def _year_key(k: Any) -> Any:
    """A table key that is a year: ``"2024"`` (TOML) or ``2024`` (Python)."""
    if isinstance(k, str) and re.fullmatch(r"[0-9]{1,4}", k):
        return int(k)
    if isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 9999:
        return k
    raise PydanticCustomError("year_key", "table keys must be years, got {got}",
                              {"got": repr(k)})


YearKey = Annotated[int, BeforeValidator(_year_key)]

_SHAPE = "per-year:"  # loc tags of the per-year shapes, dropped from error keys


def _shape(v: Any) -> str:
    if isinstance(v, list):
        return _SHAPE + "list"
    if isinstance(v, dict):
        return _SHAPE + "table"
    return _SHAPE + "scalar"


def _align(value: Any, info: ValidationInfo) -> Any:
    """Per-year value -> {year: value} in year order, pairing lists with years by position
    in the file's order (so an unsorted ``years`` keeps each value with its year)."""
    years = (info.context or {}).get("years")
    if years is None:  # years themselves invalid: reported on scenario.years
        return value
    if isinstance(value, list):
        if len(value) != len(years):
            raise PydanticCustomError(
                "per_year_length", "expected {n} values, one per year of {years}, got {got}",
                {"n": len(years), "years": str(list(years)), "got": len(value)})
        return dict(sorted(zip(years, value, strict=True)))
    if isinstance(value, dict):
        missing = [y for y in sorted(years) if y not in value]
        if missing:
            raise PydanticCustomError("per_year_missing", "no value for year(s) {missing}",
                                      {"missing": str(missing)})
        extra = sorted(set(value) - set(years))
        if extra:
            raise PydanticCustomError(
                "per_year_extra", "year(s) {extra} are not scenario years {years}",
                {"extra": str(extra), "years": str(sorted(years))})
        return {y: value[y] for y in sorted(years)}
    return dict.fromkeys(sorted(years), value)


def per_year(element: Any) -> Any:
    """A value for every year: a scalar, a list aligned with the years or a table by year."""
    return Annotated[
        Union[  # noqa: UP007 - tagged union members need Annotated
            Annotated[element, Tag(_SHAPE + "scalar")],
            Annotated[list[element], Tag(_SHAPE + "list")],
            Annotated[dict[YearKey, element], Tag(_SHAPE + "table")],
        ],
        Discriminator(_shape),
        AfterValidator(_align),
    ]


# ----------------------------------------------------------------------------- scenario
class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScenarioTable(_Table):
    """``[scenario]``."""

    name: Text | None = None
    years: list[Year] = Field(min_length=1)
    discount_rate: Share = 0.0
    rules: Text = "default"
    positions: Literal["fixed_sign", "exact"] = "fixed_sign"

    @field_validator("years")
    @classmethod
    def _consecutive(cls, years: list[int]) -> list[int]:
        dup = sorted({y for y in years if years.count(y) > 1})
        if dup:
            raise PydanticCustomError("year_twice", "year(s) {dup} appear more than once",
                                      {"dup": str(dup)})
        s = sorted(years)
        if s[-1] - s[0] != len(s) - 1:  # distinct: consecutive iff the span is the count
            raise PydanticCustomError("years_gap", "years must be consecutive, got {got}",
                                      {"got": str(years)})
        return years


class Abatement(_Table):
    """``[[enterprise.abatement]]``."""

    kind: Literal["nev", "cafc"]
    cost_cny_per_credit: NonNeg
    max_credits_per_year: NonNeg


class Technology(_Table):
    """``[[enterprise.technology]]``: a unit of real change with a cost and joint effects.

    ``kind = "given"`` (the default) states the effects per unit; ``"shift"`` (one vehicle from
    ``from_model`` to ``to_model``) and ``"efficiency"`` (one vehicle of ``model`` improved by
    ``reduction_l_per_100km``) derive them from the enterprise's fleet file.
    """

    name: Annotated[Text, Field(min_length=1)]
    kind: Literal["given", "shift", "efficiency"] = "given"
    cost_cny_per_unit: per_year(Signed)
    max_units_per_year: per_year(NonNeg)
    cafc_credits_per_unit: per_year(Signed) | None = None
    nev_credits_per_unit: per_year(Signed) | None = None
    co2_change_t_co2e_per_unit: per_year(Signed) | None = None
    from_model: Annotated[Text, Field(min_length=1)] | None = None
    to_model: Annotated[Text, Field(min_length=1)] | None = None
    model: Annotated[Text, Field(min_length=1)] | None = None
    reduction_l_per_100km: Positive | None = None


class Opening(_Table):
    """``[enterprise.opening]``: face values held at the start, by vintage [credit]."""

    cafc: dict[YearKey, NonNeg] = {}
    nev: dict[YearKey, NonNeg] = {}
    pool: dict[YearKey, NonNeg] = {}


class EnterpriseTable(_Table):
    """``[[enterprise]]``."""

    name: Annotated[Text, Field(min_length=1)]
    group: Text | None = None
    fleet: Annotated[Text, Field(min_length=1)] | None = None
    cafc_credits: per_year(Signed) | None = None
    nev_credits: per_year(Signed) | None = None
    nev_carry_eligible: per_year(Flag) | None = None
    opening: Opening = Opening()
    abatement: list[Abatement] = []
    technology: list[Technology] = []


class MarketTable(_Table):
    """``[market]``."""

    nev_buy_price_cny_per_credit: per_year(NonNeg) | None = None
    nev_sell_price_cny_per_credit: per_year(NonNeg) | None = None
    nev_buy_limit_credits: per_year(NonNeg) | None = None
    supply_demand_ratio: per_year(NonNeg) | None = None
    reserve_price_cny_per_credit: NonNeg | None = None
    reserve_max_credits_per_year: NonNeg | None = None
    affiliate_cafc_available_credits: per_year(NonNeg) | None = None
    nev_transaction_cost_cny_per_credit: NonNeg = 0.0


def _basis(v: Any) -> Any:
    if isinstance(v, str):
        return v
    if not isinstance(v, dict):
        raise PydanticCustomError("basis", "expected a preset name or a table of assumptions, "
                                  "got {got}", {"got": repr(v)})
    for k, x in v.items():
        if not isinstance(k, str):
            raise PydanticCustomError("basis_key", "keys of a basis table are texts, got {got}",
                                      {"got": repr(k)})
        if k in ("base", "name") and not isinstance(x, str):
            raise PydanticCustomError("basis_text", "expected a text, got {got}",
                                      {"got": repr(x), "sub": f".{k}"})
        if isinstance(x, float) and not math.isfinite(x):
            raise PydanticCustomError("basis_number", "expected a finite number, got {got}",
                                      {"got": repr(x), "sub": f".{k}"})
    return v


def _clears(v: list[Any]) -> list[Any]:
    if (not v or not all(isinstance(x, str) for x in v) or not set(v) <= {"cafc", "nev"}
            or len(set(v)) != len(v)):
        raise PydanticCustomError("cea_clears", 'expected a list of "cafc" and/or "nev" '
                                  "(each once), got {got}", {"got": repr(v)})
    return v


class LinkageTable(_Table):
    """``[linkage]``."""

    basis: Annotated[Any, AfterValidator(_basis)] = None
    exchange_rate_credits_per_t_co2e: Positive | None = None
    cea_price_cny_per_t_co2e: per_year(NonNeg)
    allow_cea_for_deficits: Flag = True
    cea_clears: Annotated[list[Any], AfterValidator(_clears)] = ["cafc", "nev"]
    max_cea_deficit_share: Share = 1.0
    allow_credit_offsets: Flag = False
    offset_cap_t_co2e: per_year(NonNeg) | None = None
    method: Literal["compliance", "avoided"] = "compliance"


class EtsTable(_Table):
    """``[ets]``: the carbon market's side (keys left out take the shipped records)."""

    covered_emissions_t_co2e: per_year(NonNeg) | None = None
    offset_limit_share: per_year(Share) | None = None
    other_offsets_t_co2e: per_year(NonNeg) | None = None
    offset_price_factor: per_year(NonNeg) | None = None
    cea_retired: Flag | None = None


class PenaltyTable(_Table):
    """``[penalty]``."""

    penalty_cny_per_credit: NonNeg | None = None


class ScenarioDocument(_Table):
    """A whole scenario file."""

    scenario: ScenarioTable
    enterprise: list[EnterpriseTable] = Field(min_length=1)
    market: MarketTable
    linkage: LinkageTable | None = None
    ets: EtsTable | None = None
    penalty: PenaltyTable | None = None


def table_fields(table: str) -> list[str]:
    """Keys of one table of the scenario format (``"market"`` ->
    ``["nev_buy_price_cny_per_credit", ...]``)."""
    model = _model_at(ScenarioDocument, (table,)) or _model_at(ScenarioDocument, (table, 0))
    if model is None:
        raise KeyError(table)
    return list(model.model_fields)


def scenario_years(doc: Mapping[str, Any]) -> list[int] | None:
    """``scenario.years`` in the file's order when well formed (ints, no repeats), else None."""
    sc = doc.get("scenario") if isinstance(doc, Mapping) else None
    ys = sc.get("years") if isinstance(sc, Mapping) else None
    if (isinstance(ys, list) and ys
            and all(isinstance(y, int) and not isinstance(y, bool) for y in ys)
            and len(set(ys)) == len(ys)):
        return list(ys)
    return None


def _canonical_table(table: Any, where: str, file: str, error: type[InputError],
                     key: str) -> Any:
    """A table with the deprecated keys of ``where`` renamed (itself when it has none)."""
    if not isinstance(table, Mapping):
        return table
    try:
        found = rename_deprecated(table, where, file=file, stacklevel=5)
    except InputError as exc:
        raise error(exc.rule, file=file, key=f"{key}.{exc.key}") from None
    return {found.get(k, k): v for k, v in table.items()} if found else table


def _canonical_list(items: Any, where: str, file: str, error: type[InputError], key: str,
                    label: Any = None) -> Any:
    """Each table of an array of tables, canonical (``label(i, table)`` names it in keys)."""
    if not isinstance(items, list):
        return items
    out = [_canonical_table(t, where, file, error, f"{key}[{label(i, t) if label else i}]")
           for i, t in enumerate(items)]
    return items if all(a is b for a, b in zip(out, items, strict=True)) else out


def _enterprise_label(i: int, table: Any) -> Any:
    name = table.get("name") if isinstance(table, Mapping) else None
    return name if isinstance(name, str) and name else i


def canonical_scenario(doc: Any, *, file: str, error: type[InputError] = InputError,
                       key_prefix: str = "") -> Any:
    """A scenario document with every deprecated key under its canonical name.

    The keys of each table are looked up in the vocabulary's context ``scenario.<table>``
    (``[[enterprise.technology]]``: ``scenario.technology``, ``[[enterprise.abatement]]``:
    ``scenario.abatement``); each old key found gives one :class:`DeprecationWarning` naming
    the file. Tables without old keys are shared with ``doc``, which is not modified.

    Raises
    ------
    InputError
        (``error``) a table gives a key under both its old and its new name, naming the file
        and the dotted key.
    """
    if not isinstance(doc, Mapping):
        return doc
    out = dict(doc)
    for t in ("scenario", "market", "linkage", "ets", "penalty"):
        if t in out:
            out[t] = _canonical_table(out[t], f"scenario.{t}", file, error, key_prefix + t)
    ents = _canonical_list(out.get("enterprise"), "scenario.enterprise", file, error,
                           key_prefix + "enterprise", _enterprise_label)
    if isinstance(ents, list):
        ents = list(ents)
        for i, e in enumerate(ents):
            if not isinstance(e, Mapping):
                continue
            key = f"{key_prefix}enterprise[{_enterprise_label(i, e)}]"
            subs = {s: _canonical_list(e.get(s), f"scenario.{s}", file, error, f"{key}.{s}")
                    for s in ("technology", "abatement") if s in e}
            if any(subs[s] is not e[s] for s in subs):
                ents[i] = {**e, **subs}
        out["enterprise"] = ents
    return out


# ----------------------------------------------------------------------------- sweep
class SweepTable(_Table):
    """``[sweep]``."""

    base: Annotated[Text, Field(min_length=1)]
    model: Literal["industry", "enterprise"] = "industry"
    batch_size: Annotated[int, Strict(), Field(ge=1)] = 50


class SweepDocument(_Table):
    """A whole sweep file (the keys of ``[grid]`` and ``[[case]]`` are checked apart)."""

    sweep: SweepTable
    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    case: list[dict[str, Any]] = []


# ----------------------------------------------------------------------------- errors
_MISSING = {
    ("scenario",): "missing [scenario] table with name and years",
    ("scenario", "years"): "expected a list of years, e.g. [2024, 2025, 2026]",
    ("enterprise",): "expected at least one [[enterprise]] table",
    ("market",): "missing [market] table (nev_buy_price_cny_per_credit, supply_demand_ratio, "
                 "...); it may be empty",
    ("linkage", "cea_price_cny_per_t_co2e"): "expected a CEA price [CNY/t CO2e] or one per "
                                             "year",
    ("sweep",): 'missing [sweep] table with base = "scenario.toml"',
    ("sweep", "base"): 'missing base = "scenario.toml"',
}
#: messages for a missing key wherever its table sits (by the key's name)
_MISSING_KEY = {
    "cost_cny_per_unit": "an option needs its cost [CNY/unit]: a number, one per year or a "
                         "table by year",
    "max_units_per_year": "an option needs its bound [unit/year]: a number, one per year or "
                          "a table by year",
}
_EXPECT = {
    "float_type": "expected a number", "float_parsing": "expected a number",
    "int_type": "expected an integer", "int_from_float": "expected an integer",
    "int_parsing": "expected an integer",
    "bool_type": "expected true or false", "bool_parsing": "expected true or false",
    "string_type": "expected a text", "list_type": "expected a list",
    "dict_type": "expected a table", "model_type": "expected a table",
    "model_attributes_type": "expected a table",
}


def _unwrap(t: Any) -> Any:
    while True:
        origin = typing.get_origin(t)
        if origin is Annotated:
            t = typing.get_args(t)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in typing.get_args(t) if a is not type(None)]
            if len(args) != 1:
                return t
            t = args[0]
        else:
            return t


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class of the table at ``loc`` (None when not a model)."""
    t: Any = root
    for part in loc:
        t = _unwrap(t)
        if isinstance(t, type) and issubclass(t, BaseModel):
            f = t.model_fields.get(part) if isinstance(part, str) else None
            if f is None:
                return None
            t = f.annotation
        elif typing.get_origin(t) is list and isinstance(part, int):
            t = typing.get_args(t)[0]
        elif typing.get_origin(t) is dict:
            t = typing.get_args(t)[1]
        else:
            return None
    t = _unwrap(t)
    return t if isinstance(t, type) and issubclass(t, BaseModel) else None


def _key(doc: Any, loc: tuple[Any, ...]) -> str:
    """Dotted key of a location; an enterprise is named by its name when it has one."""
    out = ""
    node = doc
    for part in loc:
        if isinstance(part, str) and (part.startswith(_SHAPE) or part == "[key]"):
            continue
        if isinstance(part, int):
            label = str(part)
            item = node[part] if isinstance(node, list) and part < len(node) else None
            if loc[:1] == ("enterprise",) and out == "enterprise" and isinstance(item, dict) \
                    and isinstance(item.get("name"), str) and item["name"]:
                label = item["name"]
            out += f"[{label}]"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _shown(x: Any) -> str:
    if isinstance(x, bool):
        return str(x).lower()
    return repr(x)


def _rule(root: type[BaseModel], err: Mapping[str, Any]) -> str:
    """One sentence for one pydantic error."""
    typ, loc, ctx = err["type"], tuple(err["loc"]), err.get("ctx") or {}
    plain = tuple(p for p in loc if not (isinstance(p, str) and p.startswith(_SHAPE)))
    got = err.get("input")
    if typ == "missing":
        return _MISSING.get(plain, _MISSING_KEY.get(str(plain[-1]) if plain else "",
                                                    "required key missing"))
    if typ == "extra_forbidden":
        known = sorted((_model_at(root, plain[:-1]) or root).model_fields)
        more = did_you_mean(plain[-1], known)
        what = "table" if len(plain) == 1 else "key"
        return f"unknown {what}{more} (known: {', '.join(known)})"
    if typ == "finite_number":
        return f"expected a finite number, got {_shown(got)}"
    if typ in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        op = {"greater_than_equal": ">=", "greater_than": ">", "less_than_equal": "<=",
              "less_than": "<"}[typ]
        bound = next(iter(ctx.values()))
        limits = f"{op} {bound:g}" if isinstance(bound, int | float) else f"{op} {bound}"
        return f"expected a number {limits}, got {_shown(got)}"
    if typ == "literal_error":
        return f"expected {ctx.get('expected')}, got {_shown(got)}"
    if typ == "too_short":
        return "expected at least one value" if isinstance(got, list) else "must not be empty"
    if typ in _EXPECT:
        return f"{_EXPECT[typ]}, got {_shown(got)}"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def validate_document(model: type[BaseModel], doc: Any, *, file: str,
                      error: type[InputError] = InputError, partial: bool = False,
                      context: Mapping[str, Any] | None = None,
                      key_prefix: str = "") -> BaseModel | None:
    """Validate a parsed TOML document against ``model``.

    Parameters
    ----------
    model : pydantic model class
    doc : mapping
    file : str
        File named in errors.
    error : subclass of InputError
    partial : bool
        Ignore missing keys (a sweep's base scenario may leave keys to its cases); returns
        None then.
    context : mapping, optional
        Validation context (``{"years": [...]}`` for scenarios; see :func:`scenario_years`).
    key_prefix : str
        Prepended to error keys.

    Raises
    ------
    InputError
        The first violation (in the model's key order), with its dotted key.
    """
    if model is ScenarioDocument:
        doc = canonical_scenario(doc, file=file, error=error, key_prefix=key_prefix)
    if context is None and model is ScenarioDocument:
        context = {"years": scenario_years(doc)}
    try:
        return model.model_validate(doc, context=dict(context or {}))
    except ValidationError as exc:
        errors = [e for e in exc.errors() if not (partial and e["type"] == "missing")]
        # a misspelt key is also a missing one: the unknown key (with its hint) explains both
        errors.sort(key=lambda e: e["type"] != "extra_forbidden")
        if not errors:
            return None
        first = errors[0]
        key = _key(doc, tuple(first["loc"])) + str((first.get("ctx") or {}).get("sub", ""))
        rule = _rule(model, first)
        if len(errors) > 1:
            rule += f" ({len(errors) - 1} more problem(s))"
        raise error(rule, file=file, key=(key_prefix + key) or None) from None
