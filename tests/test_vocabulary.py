"""One vocabulary: every public name the running code uses is a canonical name of
``conversions/data/vocabulary.toml`` in its context, names end in their unit, and no quantity
has two names (issue 12, item 5).

The scan runs the library once per module (the demo fleet through ``compute_credits`` and the
ledger, the enterprise and industry examples through the optimizer, a one-scenario sweep) and
reads the scenario schema and the signatures and dataclass fields of every ``__all__`` object;
each name found must be registered, under its canonical spelling, in the context it was found
in. Seeded vocabularies prove that each check can fail.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import textwrap
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import conversions
import linkage
import linkage.data
import linkage.ledger
import optimize
from conversions import vocabulary as vocab
from conversions.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PACKAGES = (conversions, vocab, linkage, linkage.ledger, optimize)
_LIBRARY = ("conversions", "linkage", "optimize")


# ----------------------------------------------------------------------------- the scan
def _keys(tree: Any, skip: set[str]) -> Iterator[str]:
    """Keys of a JSON summary that are names: years, enterprise names and the labels of
    label-keyed tables (levers, instruments) are skipped; their values are still read."""
    if isinstance(tree, Mapping):
        for k, v in tree.items():
            k = str(k)
            if k == "basis_assumptions":  # the fields of a ConversionBasis (python.*)
                continue
            if not (k.isdigit() or k in skip):
                yield k
            if k not in _LABEL_KEYED:  # below a label-keyed key: labels and numbers only
                yield from _keys(v, skip)
    elif isinstance(tree, list):
        for item in tree:
            yield from _keys(item, skip)


#: summary keys whose tables are keyed by labels (a lever, a credit, a year), not names
_LABEL_KEYED = {"cost_by_instrument", "cost_by_instrument_cny", "uncovered_deficit",
                "uncovered_credits", "solver"}


def _frame_names(found: dict[str, dict[str, str]], where: str, columns: Any, origin: str):
    for c in columns:
        found.setdefault(where, {}).setdefault(str(c), origin)


def _scan_tables(found: dict[str, dict[str, str]], tmp: Path) -> None:
    """Columns and keys of the outputs of one run of each model on the shipped examples."""
    from click.testing import CliRunner
    from openpyxl import load_workbook

    from linkage.cli import main
    from linkage.fleet import ENTERPRISE_COLUMNS, FLEET_COLUMNS
    from linkage.ledger.statements import PRICE_COLUMNS
    from optimize.backcasting import BACKCAST_COLUMNS

    _frame_names(found, "fleet", FLEET_COLUMNS, "linkage.fleet.FLEET_COLUMNS")
    _frame_names(found, "enterprises", ENTERPRISE_COLUMNS, "linkage.fleet.ENTERPRISE_COLUMNS")
    _frame_names(found, "prices", PRICE_COLUMNS, "linkage.ledger.statements.PRICE_COLUMNS")
    _frame_names(found, "backcast", BACKCAST_COLUMNS, "optimize.backcasting.BACKCAST_COLUMNS")
    _frame_names(found, "miit", linkage.data.miit_annual().columns, "linkage.data.miit_annual()")
    _frame_names(found, "bases", conversions.list_bases().columns, "conversions.list_bases()")
    for table in (conversions.cea_prices, conversions.nev_credit_prices, conversions.grid_factors,
                  linkage.data.nev_credit_prices):
        _frame_names(found, "data", table().columns, f"{table.__module__}.{table.__name__}()")
    res = linkage.compute_credits(EXAMPLES / "data" / "demo_fleet.csv",
                                  EXAMPLES / "data" / "demo_enterprises.csv")
    _frame_names(found, "statements", res.statements.columns, "compute_credits().statements")
    _frame_names(found, "models", res.models.columns, "compute_credits().models")
    # the ledger as `linkage ledger` writes it: transactions, positions, ratios sheets
    runner = CliRunner()
    credits_csv, book = tmp / "credits.csv", tmp / "ledger.xlsx"
    for args in (["credits", str(EXAMPLES / "data" / "demo_fleet.csv"), "--enterprises",
                  str(EXAMPLES / "data" / "demo_enterprises.csv"), "--out", str(credits_csv)],
                 ["ledger", str(credits_csv), "--years", "2024-2025", "--format", "xlsx",
                  "--out", str(book)]):
        out = runner.invoke(main, args)
        assert out.exit_code == 0, out.output
    wb = load_workbook(book, read_only=True)
    for sheet in ("transactions", "positions", "ratios"):
        header = next(wb[sheet].iter_rows(max_row=1, values_only=True))
        _frame_names(found, sheet, [str(h).split(" [")[0] for h in header],
                     f"`linkage ledger --format xlsx`, sheet {sheet}")
    wb.close()
    sc = optimize.load_scenario(EXAMPLES / "enterprise_compliance.toml")
    opt = optimize.optimize_scenario(sc)
    _frame_names(found, "plan", opt.plan.columns, "optimize_scenario().plan")
    names = {e.name for e in sc.enterprises}
    _frame_names(found, "summary", _keys(opt.summary(), names), "optimize_scenario().summary()")
    isc = optimize.load_scenario(EXAMPLES / "industry_market.toml")
    ind = optimize.solve_industry(isc)
    names = {e.name for e in isc.enterprises}
    _frame_names(found, "industry.prices", ind.prices.columns, "solve_industry().prices")
    _frame_names(found, "industry.enterprises", ind.enterprises.columns,
                 "solve_industry().enterprises")
    _frame_names(found, "summary", _keys(ind.summary(), names), "solve_industry().summary()")
    _frame_names(found, "plan", ind.plan.columns, "solve_industry().plan")
    _frame_names(found, "emissions", optimize.emissions_ledger(ind.plan, isc).columns,
                 "emissions_ledger()")
    for model in ("industry", "enterprise"):
        sweep = optimize.run_scenarios(EXAMPLES / "industry_market.toml",
                                       [{"market.supply_demand_ratio": 1.0}], model=model,
                                       progress=False)
        _frame_names(found, "sweep.results", sweep.columns,
                     f"run_scenarios(model={model!r})")


def _scan_schema(found: dict[str, dict[str, str]]) -> None:
    """Keys of every table of the scenario and sweep formats (pydantic model fields)."""
    from optimize import schema

    doc = schema.ScenarioDocument.model_fields
    tables = {"scenario": schema.ScenarioTable, "enterprise": schema.EnterpriseTable,
              "opening": schema.Opening, "abatement": schema.Abatement,
              "technology": schema.Technology, "market": schema.MarketTable,
              "linkage": schema.LinkageTable, "ets": schema.EtsTable,
              "penalty": schema.PenaltyTable}
    assert set(doc) <= set(tables), f"a scenario table the scan does not know: {set(doc)}"
    for table, model in tables.items():
        _frame_names(found, f"scenario.{table}", model.model_fields,
                     f"optimize.schema.{model.__name__}")
    _frame_names(found, "sweep.file", schema.SweepTable.model_fields,
                 "optimize.schema.SweepTable")


def _parameters(func: Any) -> list[str]:
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return []
    return [p.name for p in sig.parameters.values()
            if p.name not in ("self", "cls")
            and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def _ours(obj: Any) -> bool:
    return str(getattr(obj, "__module__", "")).split(".")[0] in _LIBRARY


def _has_attribute(cls: type, name: str) -> bool:
    fields = {f.name for f in dataclasses.fields(cls)} if dataclasses.is_dataclass(cls) else set()
    return name in fields or any(name in vars(k) for k in cls.__mro__)


def _scan_class(found: dict[str, dict[str, str]], cls: type, origin: str) -> None:
    owner = next((c for c in cls.__mro__ if "__init__" in vars(c)), object)
    if _ours(owner):
        init_ctx = f"python.{owner.__name__}"
        if dataclasses.is_dataclass(owner):
            fields = [f.name for f in dataclasses.fields(owner) if not f.name.startswith("_")]
            _frame_names(found, init_ctx, fields, f"{origin} (dataclass fields)")
        else:
            _frame_names(found, init_ctx, _parameters(owner.__init__), f"{origin}.__init__")
    if dataclasses.is_dataclass(cls) and owner is not cls:
        fields = [f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")]
        _frame_names(found, f"python.{cls.__name__}", fields, f"{origin} (dataclass fields)")
    for klass in cls.__mro__:
        if not _ours(klass):
            continue
        for attr, value in vars(klass).items():
            if attr.startswith("_"):
                continue
            if isinstance(value, property):
                new = vocab.deprecated_aliases(f"python.{cls.__name__}").get(attr)
                if new is None or not _has_attribute(cls, new):
                    # an old attribute name kept beside the new one (a warning property) is
                    # allowed; an old name alone is not
                    _frame_names(found, f"python.{cls.__name__}", [attr],
                                 f"{origin}.{attr} (property)")
            elif inspect.isfunction(value) or isinstance(value, classmethod | staticmethod):
                func = value.__func__ if isinstance(value, classmethod | staticmethod) else value
                _frame_names(found, f"python.{attr}", _parameters(func),
                             f"{origin}.{attr}()")


def _scan_api(found: dict[str, dict[str, str]]) -> None:
    """Parameters of the public functions, fields, properties and method parameters of the
    public classes of ``__all__`` (``python.<name>`` contexts)."""
    for module in PACKAGES:
        for name in module.__all__:
            obj = getattr(module, name)
            origin = f"{module.__name__}.{name}"
            if inspect.isclass(obj):
                if _ours(obj):
                    _scan_class(found, obj, origin)
            elif callable(obj) and _ours(obj):
                _frame_names(found, f"python.{name}", _parameters(obj), f"{origin}()")


def scan(tmp: Path) -> dict[str, dict[str, str]]:
    """Every public name the code uses: context -> {name: where it was found}."""
    found: dict[str, dict[str, str]] = {}
    with warnings.catch_warnings():  # the examples use no deprecated spelling
        warnings.filterwarnings("error", message=".*is deprecated, use '",
                                category=DeprecationWarning)
        _scan_tables(found, tmp)
    _scan_schema(found)
    _scan_api(found)
    return found


# ----------------------------------------------------------------------------- the checks
def unregistered(found: Mapping[str, Mapping[str, str]],
                 path: str | Path = vocab.VOCABULARY_FILE) -> list[str]:
    """One sentence per name found that is not a canonical name of its context."""
    names = vocab.vocabulary(path)
    problems = []
    for where, here in found.items():
        canonical = {n.name for n in names.values() if where in n.where}
        old = {o: n.name for n in names.values() for o in n.spellings_in(where)}
        for name, origin in sorted(here.items()):
            if name.startswith("set:"):  # a sweep axis: the scenario key it sets
                table, _, key = name[4:].partition(".")
                if table == "rule" or key in vocab.canonical_names(f"scenario.{table}", path):
                    continue
                advice = f"sets {key!r}, not a canonical key of scenario.{table}"
            elif name in canonical:
                continue
            else:
                advice = _advice(name, where, old, names)
            problems.append(f"{name!r} in {where} (from {origin}): {advice}")
    return problems


def _advice(name: str, where: str, old: Mapping[str, str], names: Mapping[str, Any]) -> str:
    if name in old:
        return f"a deprecated spelling: use {old[name]!r}"
    elsewhere = sorted({n.name for n in names.values() if name in n.old_spellings})
    if elsewhere:
        return (f"a deprecated spelling of {', '.join(map(repr, elsewhere))} in other "
                f"contexts: rename it, or register the rename for {where}")
    if name in names:
        return (f"registered for {', '.join(names[name].where)} only: add {where!r} to its "
                "where in conversions/data/vocabulary.toml if it means the same there")
    return ("not in the vocabulary: use the canonical name of the quantity, or register it "
            "(unit, meaning, where) in conversions/data/vocabulary.toml")


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    return scan(tmp_path_factory.mktemp("scan"))


def test_scan_reaches_every_context(found):
    """The scan sees every context of the vocabulary (nothing is checked vacuously)."""
    # the brief's tables are checked by tests/test_brief.py (the brief takes half a minute)
    scanned = set(vocab.CONTEXTS) - {"brief"}
    assert scanned <= set(found), scanned - set(found)
    assert {"python.compute_credits", "python.Scenario", "python.CarbonLink",
            "python.set_prices", "python.ConversionBasis"} <= set(found)
    assert len([n for names in found.values() for n in names]) > 500


def test_every_public_name_is_canonical(found):
    """(a) Every name the running code uses is a canonical name of the vocabulary in the
    context it was found in: no deprecated spelling, nothing unregistered."""
    problems = unregistered(found)
    print(f"{len(problems)} public names are not canonical:")
    for p in problems:
        print("  " + p)
    assert not problems, f"{len(problems)} public names are not canonical:\n" + "\n".join(
        problems)


def test_every_name_ends_in_its_unit():
    """(b) Quantities end in their unit's suffix; dimensionless ones in a dimensionless
    ending; labels, flags, years and counts in no unit suffix."""
    problems = [p for n in vocab.vocabulary().values()
                if (p := vocab.suffix_problem(n)) is not None]
    assert not problems, "\n".join(problems)


def test_one_name_per_quantity():
    """(c) No two canonical names share a meaning; no canonical name is an old spelling."""
    names = vocab.vocabulary()
    by_meaning: dict[str, list[str]] = {}
    for n in names.values():
        assert n.meaning.strip(), f"{n.name!r} has no meaning"
        by_meaning.setdefault(n.meaning.strip().lower(), []).append(n.name)
    # a pint Quantity's name and its plain-number form (the name plus the unit's suffix)
    # are one name in two representations
    twice = {m: ns for m, ns in by_meaning.items() if len(ns) > 1
             and not (len(ns) == 2 and vocab.plain_form_of(names[ns[0]], names[ns[1]]))}
    assert not twice, twice
    # an old spelling is canonical nowhere; one qualified with its context (context:old) is
    # not canonical in that context (ReserveVariant's old max_credits_per_year stays the
    # abatement segments' canonical name)
    clash = sorted((e, n.name) for n in names.values() for e in n.deprecated
                   if (o := e.rpartition(":")[2]) in names
                   and (":" not in e or e.rpartition(":")[0] in names[o].where))
    assert not clash, clash
    assert vocab.naming_problems() == []


def test_units_parse_or_are_non_units():
    from conversions.registry import parse_unit

    for unit in vocab.units().values():
        if unit not in vocab.NON_UNITS:
            for choice in (unit.replace("credit", "cafc_credit"),
                           unit.replace("credit", "nev_credit")):
                parse_unit(choice)  # raises on a unit the registry does not know
    assert vocab.units()["cafc_target_l_per_100km"] == "L_per_100km"
    assert vocab.units()["nev_buy_price_cny_per_credit"] == "CNY/credit"


def test_terms():
    terms = {t.term: t.meaning for t in vocab.terms()}
    assert {"CAFC", "CAFC credit", "NEV credit", "vintage", "exchange rate"} <= set(terms)
    assert all(m.strip() for m in terms.values())


def test_known_renames_of_the_issue():
    """The three duplicates of issue 12 have one canonical name each."""
    names = vocab.vocabulary()
    assert "conventional_fleet_meets_threshold" in names["nev_carry_eligible"].deprecated
    assert "cea_t" in names["cea_surrendered_t_co2e"].deprecated
    assert "uncovered_credit_cny" in names["penalty_cny_per_credit"].old_spellings
    assert vocab.deprecated_aliases("scenario.penalty") == {
        "uncovered_credit_cny": "penalty_cny_per_credit"}


# ----------------------------------------------------------------------------- seeded failures
_GOOD = textwrap.dedent("""\
    [suffixes]
    "_credits" = "credit"
    "_cny_per_credit" = "CNY/credit"
    "_l_per_100km" = "L_per_100km"

    [generic_units]
    credit = ["cafc_credit", "nev_credit"]

    [[name]]
    name = "nev_credits"
    unit = "credit"
    meaning = "NEV position"
    where = ["statements"]
    deprecated = ["nev_position"]

    [[name]]
    name = "cafc_actual_l_per_100km"
    unit = "L_per_100km"
    meaning = "actual CAFC"
    where = ["statements", "python.CreditResult"]
    deprecated = ["cafc_actual"]

    [[name]]
    name = "cafc_requirement_share"
    unit = "-"
    meaning = "requirement share"
    where = ["statements"]
""")


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "vocabulary.toml"
    p.write_text(text, encoding="utf-8")
    return p


def _entry(name: str, unit: str, meaning: str, where: str = "statements",
           extra: str = "") -> str:
    return (f'\n[[name]]\nname = "{name}"\nunit = "{unit}"\nmeaning = "{meaning}"\n'
            f'where = ["{where}"]\n{extra}')


def test_seeded_good_vocabulary_passes(tmp_path):
    p = _write(tmp_path, _GOOD)
    assert set(vocab.vocabulary(p)) == {"nev_credits", "cafc_actual_l_per_100km",
                                        "cafc_requirement_share"}
    assert vocab.naming_problems(p) == []


@pytest.mark.parametrize(("extra", "words"), [
    (_entry("nev_credits", "credit", "again"), "'nev_credits' is given twice"),
    (_entry("fc_l_per_100km", "L/100 km", "fc"), "unit 'L/100 km' does not parse"),
    (_entry("cost_cny", "yuan_of_mars", "cost"), "does not parse"),
    (_entry("cost_cny", "CNY", "cost", where="statemnts"), "unknown context 'statemnts'"),
    (_entry("cafc_actual", "L_per_100km", "old name", extra=""),
     "'cafc_actual' is a deprecated spelling of 'cafc_actual_l_per_100km' and a canonical name"),
    ('\n[[name]]\nname = "x_credits"\nunit = "credit"\nmeaning = "m"\n',
     "entry 4 lacks where"),
    # typed fields, never coerced: a text `where` is not split into letters
    ('\n[[name]]\nname = "x_credits"\nunit = "credit"\nmeaning = "m"\nwhere = "plan"\n',
     "x_credits.where must be a list of text, got 'plan'"),
    (_entry("x_credits", "credit", "m", extra='pint = "yes"\n'),
     "x_credits.pint must be true or false"),
    (_entry("x_credits", "credit", "m", extra="deprecated = [1]\n"),
     "x_credits.deprecated must be a list of text"),
    ('\n[[name]]\nname = 5\nunit = "credit"\nwhere = ["plan"]\n', "name must be text, got 5"),
    (_entry("x_credits", "credit", "m", extra='meening = "m"\n'),
     "unknown field 'meening' of x_credits; did you mean 'meaning'?"),
    ('\n[[term]]\nterm = "CAFC"\n', "entry 1 lacks meaning"),
    ('\n[sufixes]\n"_km" = "km"\n', "unknown table 'sufixes'; did you mean 'suffixes'?"),
])
def test_seeded_bad_vocabulary_is_refused(tmp_path, extra, words):
    """(d) A duplicate, an unparsable unit, an unknown context, an old spelling reused:
    each is an InputError naming the file and the name."""
    p = _write(tmp_path, _GOOD + extra)
    with pytest.raises(InputError) as err:
        vocab.vocabulary(p)
    assert words in str(err.value)
    assert err.value.file == str(p)


@pytest.mark.parametrize(("text", "words"), [
    ('[name]\nname = "x_credits"\n', "[[name]] must be an array of tables"),
    ('suffixes = ["_km"]\n', "[suffixes] must be a table"),
])
def test_seeded_wrong_layout_is_refused(tmp_path, text, words):
    with pytest.raises(InputError, match=re.escape(words)) as err:
        vocab.vocabulary(_write(tmp_path, text))
    assert err.value.file == str(tmp_path / "vocabulary.toml")


def test_seeded_two_suffixes_of_one_unit(tmp_path):
    p = _write(tmp_path, _GOOD.replace('"_credits" = "credit"',
                                       '"_credits" = "credit"\n"_cr" = "credit"'))
    with pytest.raises(InputError, match="both mean 'credit'"):
        vocab.vocabulary(p)


@pytest.mark.parametrize(("extra", "words"), [
    (_entry("nev_requirement", "credit", "NEV requirement"),
     "'nev_requirement' [credit] must end in '_credits'"),
    (_entry("buy_price_credits", "CNY/credit", "buy price"),
     "'buy_price_credits' [CNY/credit] must end in '_cny_per_credit', not '_credits'"),
    (_entry("relief", "-", "relief"), "'relief' is dimensionless [-]"),
    (_entry("label_credits", "text", "a label"), "ends in the suffix '_credits'"),
    (_entry("cafc_position_credits", "credit", "NEV position"), "same meaning"),
    (_entry("nev_position", "credit", "the NEV position", where="summary"),
     "'nev_position' is canonical but also a deprecated spelling of 'nev_credits'"),
    (_entry("stored_kg", "kg", "mass"), "no suffix for the unit 'kg'"),
])
def test_seeded_naming_breaks_are_found(tmp_path, extra, words):
    """(d) A wrong suffix, a dimensionless name without its ending, a second name of one
    quantity, an old spelling reused elsewhere: naming_problems says which."""
    p = _write(tmp_path, _GOOD + extra)
    problems = vocab.naming_problems(p)
    assert any(words in q for q in problems), problems


def test_seeded_output_columns_are_caught(tmp_path):
    """(d) A fake output column with an unregistered or a deprecated name fails check (a)."""
    p = _write(tmp_path, _GOOD)
    fake = {"statements": {"nev_credits": "fake", "cafc_actual": "fake frame",
                           "made_up_credits": "fake frame"},
            "python.CreditResult": {"cafc_actual_l_per_100km": "fake attribute"},
            "summary": {"nev_credits": "fake summary"}}
    problems = unregistered(fake, p)
    assert len(problems) == 3, problems
    assert ("'cafc_actual' in statements (from fake frame): a deprecated spelling: use "
            "'cafc_actual_l_per_100km'") in problems
    assert any(q.startswith("'made_up_credits' in statements") and "not in the vocabulary" in q
               for q in problems)
    assert any(q.startswith("'nev_credits' in summary") and "registered for statements" in q
               for q in problems)
    assert unregistered({"statements": {"nev_credits": "x"}}, p) == []


# ----------------------------------------------------------------------------- deprecation
def test_rename_deprecated_warns_and_renames():
    """(e) An old spelling is renamed with a DeprecationWarning naming file, old and new."""
    with pytest.warns(DeprecationWarning, match=r"f\.csv: 'volume' is deprecated, use "
                      r"'volume_vehicles' \(fleet\)"):
        found = vocab.rename_deprecated(["enterprise", "volume", "year"], "fleet", file="f.csv")
    assert found == {"volume": "volume_vehicles"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert vocab.rename_deprecated(["enterprise", "volume_vehicles"], "fleet") == {}
    with pytest.warns(DeprecationWarning, match="'nev_buy_price' is deprecated"):
        out = vocab.rename_mapping({"nev_buy_price": 700.0, "reserve_price_cny_per_credit": 1},
                                   "scenario.market", file="s.toml")
    assert out == {"nev_buy_price_cny_per_credit": 700.0, "reserve_price_cny_per_credit": 1}


def test_both_spellings_are_an_input_error():
    with pytest.raises(InputError) as err:
        vocab.rename_deprecated(["volume", "volume_vehicles"], "fleet", file="f.csv")
    assert err.value.file == "f.csv"
    assert err.value.key == "volume"
    assert "give only 'volume_vehicles'" in str(err.value)


def test_renamed_parameters_passes_the_keyword_on():
    @vocab.renamed_parameters("python.set_prices")
    def set_prices(*, nev_buy_price_cny_per_credit: float | None = None,
                   penalty_cny_per_credit: float | None = None) -> tuple:
        return nev_buy_price_cny_per_credit, penalty_cny_per_credit

    with pytest.warns(DeprecationWarning, match="'nev_buy_price' is deprecated"):
        assert set_prices(nev_buy_price=700.0, penalty_cny_per_credit=5000.0) == (700.0, 5000.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert set_prices(nev_buy_price_cny_per_credit=1.0) == (1.0, None)
    with pytest.raises(InputError, match="same quantity"):
        set_prices(nev_buy_price=1.0, nev_buy_price_cny_per_credit=2.0)
    assert inspect.signature(set_prices).parameters.keys() == {
        "nev_buy_price_cny_per_credit", "penalty_cny_per_credit"}


def test_an_old_attribute_alone_is_caught():
    """(d) An old attribute name kept as a property beside the new one is allowed; an old
    name without the new one is reported by the scan."""

    @dataclasses.dataclass
    class CarbonLink:  # the context python.CarbonLink: t_per_credit -> t_co2e_per_credit
        t_co2e_per_credit: float = 0.1

        @property
        def t_per_credit(self) -> float:
            return self.t_co2e_per_credit

    class Old:
        @property
        def t_per_credit(self) -> float:
            return 0.1

    Old.__name__ = Old.__qualname__ = "CarbonLink"
    for cls in (CarbonLink, Old):
        cls.__module__ = "linkage.fake"
    kept: dict[str, dict[str, str]] = {}
    _scan_class(kept, CarbonLink, "fake.CarbonLink")
    assert unregistered(kept) == []
    alone: dict[str, dict[str, str]] = {}
    _scan_class(alone, Old, "fake.Old")
    assert unregistered(alone) == ["'t_per_credit' in python.CarbonLink (from fake.Old."
                                   "t_per_credit (property)): a deprecated spelling: use "
                                   "'t_co2e_per_credit'"]


def test_context_qualified_old_spelling_is_read_only_in_its_context(tmp_path):
    """``context:old`` renames ``old`` in that context only; a context the name is not used in
    is refused; an old spelling canonical elsewhere is allowed only when qualified."""
    extra = _entry("reserve_cap_credits", "credit", "most reserve credits a year",
                   where='summary", "python.Reserve',
                   extra='deprecated = ["python.Reserve:cap_credits", "old_cap"]\n')
    p = _write(tmp_path, _GOOD + extra + _entry("cap_credits", "credit", "a segment's cap",
                                                where="python.Segment"))
    names = vocab.vocabulary(p)
    assert names["reserve_cap_credits"].spellings_in("python.Reserve") == ("cap_credits",
                                                                           "old_cap")
    assert names["reserve_cap_credits"].spellings_in("summary") == ("old_cap",)
    assert names["reserve_cap_credits"].spellings_in("statements") == ()
    assert not any("cap_credits" in q for q in vocab.naming_problems(p))
    # unqualified, the same old spelling is a second name of a canonical one
    (tmp_path / "bad").mkdir()
    bad = _write(tmp_path / "bad", _GOOD + extra.replace("python.Reserve:cap_credits",
                                                         "cap_credits")
                 + _entry("cap_credits", "credit", "a segment's cap", where="python.Segment"))
    assert any("'cap_credits' is canonical but also a deprecated spelling of "
               "'reserve_cap_credits'" in q for q in vocab.naming_problems(bad))
    (tmp_path / "wrong").mkdir()
    wrong = _write(tmp_path / "wrong", _GOOD + extra.replace("python.Reserve:",
                                                             "python.Nowhere:"))
    with pytest.raises(InputError, match="names a context"):
        vocab.vocabulary(wrong)
