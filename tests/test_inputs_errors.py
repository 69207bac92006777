"""Issue 10: one exception root, unit expressions of ``convert``, argument types of the API.

- every exception class of ``conversions``, ``linkage`` and ``optimize`` derives from
  ``LinkageError``, defined in the bottom layer and re-exported by ``linkage.errors``;
- ``linkage convert`` refuses malformed unit expressions and non-finite amounts with exit 2,
  one ``error:`` line quoting the expression and the reason, no traceback;
- public functions with year arguments refuse texts, floats and booleans with an
  ``ArgumentTypeError`` naming the argument and the expected type.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import warnings

import numpy as np
import pint
import pytest
from click.testing import CliRunner

import conversions
import conversions.errors as cerr
import linkage
import linkage.errors as lerr
from linkage.cli import main

PACKAGES = ("conversions", "linkage", "optimize")


def _modules():
    for pkg in PACKAGES:
        root = importlib.import_module(pkg)
        yield root
        for info in pkgutil.walk_packages(root.__path__, prefix=f"{pkg}."):
            with warnings.catch_warnings():  # deprecated shims still count
                warnings.simplefilter("ignore", DeprecationWarning)
                yield importlib.import_module(info.name)


def _library_exceptions() -> set[type]:
    found: set[type] = set()
    for mod in _modules():
        for name, obj in vars(mod).items():
            # Exception, not BaseException: linkage.cli's Terminated is a signal, not an error
            if (inspect.isclass(obj) and issubclass(obj, Exception)
                    and obj.__module__.split(".")[0] in PACKAGES and not name.startswith("_")):
                found.add(obj)
    return found


# --------------------------------------------------------------------------- exception root


def test_every_library_exception_is_a_linkage_error():
    classes = _library_exceptions()
    assert {cerr.ConversionError, cerr.DataFileError, lerr.FleetError, lerr.RulebookError} \
        <= classes
    assert [c.__qualname__ for c in classes if not issubclass(c, lerr.LinkageError)] == []


def test_root_is_defined_in_the_bottom_layer_and_re_exported():
    from linkage.errors import FleetError, InputError, LinkageError, RulebookError

    assert LinkageError is cerr.LinkageError and InputError is cerr.InputError
    assert LinkageError.__module__ == "conversions.errors"
    assert issubclass(FleetError, InputError) and issubclass(RulebookError, InputError)
    assert linkage.LinkageError is conversions.LinkageError


def test_conversion_errors_are_linkage_errors_and_file_errors_are_located():
    assert issubclass(cerr.ConversionError, lerr.LinkageError)
    assert issubclass(cerr.DataFileError, lerr.InputError)
    e = cerr.DataFileError("not a number: 'x'", file="cea.csv", row=4, column="price")
    assert str(e) == "cea.csv, row 4, column 'price': not a number: 'x'"
    assert (e.file, e.row, e.column, e.rule) == ("cea.csv", 4, "price", "not a number: 'x'")
    # the message format of the located error is unchanged
    assert str(lerr.InputError("r", file="f", row=2, column="c", key="k")) == \
        "f, row 2, column 'c', key 'k': r"
    assert str(lerr.InputError("r")) == "r"


def test_pint_errors_of_conversions_keep_their_pint_class():
    with pytest.raises(pint.UndefinedUnitError) as err:
        conversions.parse_unit("credit")
    assert isinstance(err.value, lerr.LinkageError)
    with pytest.raises(pint.DimensionalityError) as err2:
        conversions.convert(1, "cafc_credit", "t_CO2e")
    assert isinstance(err2.value, lerr.LinkageError)
    assert "needs a conversion basis" in str(err2.value)


# --------------------------------------------------------------------------- unit expressions


@pytest.mark.parametrize(
    ("expr", "reason"),
    [("km/0", "division by zero"), ("km**", "incomplete expression"),
     ("(km", "unbalanced parentheses"), ("km)", "unbalanced parentheses"),
     ("", "non-empty"), ("   ", "non-empty"), ("furlongz", "unknown unit 'furlongz'"),
     ("km**1e400", "non-finite power"), ("2*km", "scaling factor"),
     ("L/100km", "L_per_100km")],
)
def test_parse_unit_raises_unit_expression_error(expr, reason):
    with pytest.raises(conversions.UnitExpressionError) as err:
        conversions.parse_unit(expr)
    assert isinstance(err.value, lerr.LinkageError)
    assert reason in str(err.value)
    if expr.strip():
        assert f"'{expr}'" in str(err.value)


@pytest.mark.parametrize("expr", ["km/0", "km**", "(km", "", "furlongz", "km/h)", "1/0"])
@pytest.mark.parametrize("where", ["unit", "to"])
def test_convert_cli_refuses_bad_unit_expressions(expr, where):
    args = ["convert", "1", expr, "--to", "m"] if where == "unit" else \
        ["convert", "1", "km", "--to", expr]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    assert ("Traceback" not in res.output and res.exception is None) or \
        isinstance(res.exception, SystemExit)
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")


@pytest.mark.parametrize("amount", ["inf", "+inf", "nan", "1e400", "1,000", "1_000", "¥800",
                                    "abc"])
def test_convert_cli_refuses_non_finite_or_malformed_amounts(amount):
    res = CliRunner().invoke(main, ["convert", amount, "km", "--to", "m"])
    assert res.exit_code == 2, res.output
    assert res.output.startswith("error: VALUE must be a number")


@pytest.mark.parametrize("value", ["1km/0", "(km", "infkm", "nan km", "km**"])
def test_convert_cli_refuses_bad_set_values(value):
    res = CliRunner().invoke(main, ["convert", "1000", "cafc_credit", "--to", "t_CO2e",
                                    "--basis", "ttw-real-world", "--set",
                                    f"lifetime_distance={value}"])
    assert res.exit_code == 2, res.output
    assert "lifetime_distance" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize("amount", [float("inf"), float("nan"), np.array([1.0, np.nan]), True,
                                    "12"])
def test_convert_api_refuses_non_finite_amounts(amount):
    with pytest.raises(conversions.ArgumentError, match="amount"):
        conversions.convert(amount, "km", "m")
    with pytest.raises(conversions.ArgumentError, match="amount"):
        conversions.convert(conversions.Q_(np.inf, "km") if amount is True else
                            conversions.Q_(float("nan"), "km"), None, "m")


def test_convert_valid_inputs_unchanged():
    # 1 km = 1000 m; 2088 CNY per NEV credit at 1 credit = 1 nev_credit stays 2088
    assert conversions.convert(1, "km", "m").magnitude == pytest.approx(1000.0)
    res = CliRunner().invoke(main, ["convert", "2.5", "km", "--to", "m"])
    assert res.exit_code == 0 and res.output.strip() == "2.5 km = 2500 m"


# --------------------------------------------------------------------------- argument types


@pytest.mark.parametrize("year", ["2024", 2024.0, 2024.5, True, [2024]])
def test_compute_credits_year_type_checked(year):
    with pytest.raises(lerr.ArgumentTypeError) as err:
        linkage.compute_credits("examples/data/demo_fleet.csv", year=year)
    e = err.value
    assert isinstance(e, lerr.LinkageError) and isinstance(e, TypeError)
    assert e.key == "year" and "expected an int year" in str(e)


@pytest.mark.parametrize(("kwargs", "key"), [
    ({"fleet": 42}, "fleet"), ({"fleet": None}, "fleet"),
    ({"fleet": "examples/data/demo_fleet.csv", "enterprises": 1}, "enterprises"),
    ({"fleet": "examples/data/demo_fleet.csv", "rules": "rules.toml"}, "rules"),
    ({"fleet": "examples/data/demo_fleet.csv", "adjustments": 1}, "adjustments"),
])
def test_compute_credits_argument_types_checked(kwargs, key):
    with pytest.raises(lerr.ArgumentTypeError) as err:
        linkage.compute_credits(**kwargs)
    assert err.value.key == key


def test_compute_credits_numpy_year_accepted():
    a = linkage.compute_credits("examples/data/demo_fleet.csv", year=np.int64(2024))
    b = linkage.compute_credits("examples/data/demo_fleet.csv", year=2024)
    assert a.statements.equals(b.statements)


@pytest.mark.parametrize("func", [conversions.cea_price, conversions.nev_credit_price,
                                  conversions.grid_factor, conversions.ccer_price])
@pytest.mark.parametrize("year", ["2023", 2023.0, True])
def test_carbon_market_year_type_checked(func, year):
    with pytest.raises(lerr.ArgumentTypeError, match="expected an int year") as err:
        func(year)
    assert err.value.key == "year"


def test_credits_cli_year_option_refuses_fractions(tmp_path):
    out = tmp_path / "o.csv"
    for text in ("2024.5", "y2024", "2024.0"):
        res = CliRunner().invoke(main, ["credits", "examples/data/demo_fleet.csv", "--year",
                                        text, "--out", str(out)])
        assert res.exit_code == 2 and "--year" in res.output and not out.exists()


@pytest.mark.parametrize("year", [2024.5, 2024.0, "2024", True])
def test_rulebook_year_is_an_int_never_truncated(year):
    """``RuleSet.for_year(2024.5)`` was read as 2024: a year argument is refused, not coerced."""
    from linkage import default_rules
    from linkage.errors import ArgumentTypeError

    with pytest.raises(ArgumentTypeError) as info:
        default_rules().for_year(year)
    assert info.value.key == "year"
