"""``linkage convert``: unit conversions of credits, CO2e and prices from the command line.

A thin shell over :func:`conversions.convert` and the basis presets. The command is a
``click.Command`` named ``convert``; the main ``linkage`` group registers it with
``main.add_command(convert)``.

Exit codes: 0 success; 2 bad input (dimension error, unknown unit, unknown basis, bad
``--set``), with one line ``error: ...`` on stderr.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click
import numpy as np
import pint

from conversions._cli_params import parse_finite
from conversions.basis import FIELDS, METHODS, ConversionBasis
from conversions.credits import convert as convert_value
from conversions.errors import ConversionError
from conversions.presets import get_basis, list_bases
from conversions.registry import Q_, parse_unit

__all__ = ["convert"]

_LIST_COLUMNS = [
    "name", "boundary", "fuel", "co2_per_litre_kg_co2e_per_l", "upstream_uplift_share",
    "lifetime_distance_km", "real_world_gap_factor", "t_co2e_per_credit",
    "nev_avoided_t_co2e_per_credit",
]


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {' '.join(str(message).split())}", err=True)
    sys.exit(2)


def _number(x: float) -> str:
    return f"{x:.10g}"


def _parse_set(items: tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE_WITH_UNIT`` items -> keyword arguments of ``ConversionBasis.replace``."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key, text = key.strip(), text.strip()
        if not sep or not key or not text:
            _fail(f"--set {item!r}: expected KEY=VALUE_WITH_UNIT, e.g. lifetime_distance=200000km")
        if key in ("boundary", "fuel"):
            out[key] = text
            continue
        if key not in FIELDS:
            _fail(f"--set {item!r}: unknown assumption '{key}'; assumptions: "
                  f"{', '.join(FIELDS)}, boundary, fuel")
        try:
            value = Q_(text)
        except Exception as exc:  # pint's parser raises many kinds (TokenError, ZeroDivision...)
            _fail(f"--set {item!r}: cannot read {text!r} as a value with a unit "
                  f"({exc or type(exc).__name__})")
        if not isinstance(value, pint.Quantity):  # a bare number
            value = Q_(value)
        if not np.all(np.isfinite(value.magnitude)):
            _fail(f"--set {item!r}: the value must be a finite number")
        out[key] = value
    return out


def _list(as_json: bool) -> None:
    df = list_bases()
    if as_json:
        click.echo(json.dumps(
            [get_basis(name).to_dict() | {
                "t_co2e_per_credit": float(t), "nev_avoided_t_co2e_per_credit": float(a)}
             for name, t, a in zip(df["name"], df["t_co2e_per_credit"],
                                   df["nev_avoided_t_co2e_per_credit"], strict=True)],
            indent=2,
        ))
        return
    shown = df[_LIST_COLUMNS].rename(columns={
        "co2_per_litre_kg_co2e_per_l": "kg_co2e_per_l", "upstream_uplift_share": "uplift",
        "lifetime_distance_km": "lifetime_km", "real_world_gap_factor": "gap",
    })
    click.echo(shown.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    click.echo("\nt_co2e_per_credit: per CAFC credit (and per NEV credit by compliance "
               "equivalence); details: linkage convert --list-bases --json")


@click.command("convert", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("value", required=False)
@click.argument("unit", required=False)
@click.option("--to", "to_unit", metavar="UNIT", help="Target unit, e.g. t_CO2e, CNY/t_CO2e.")
@click.option("--basis", "basis_name", metavar="NAME",
              help="Conversion basis preset (see --list-bases); needed between credits and CO2e.")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE_WITH_UNIT",
              help="Override an assumption of the basis, e.g. lifetime_distance=200000km; "
                   "repeatable.")
@click.option("--method", type=click.Choice(METHODS), default="compliance", show_default=True,
              help="How an NEV credit is valued in CO2e.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON with the basis's assumptions.")
@click.option("--list-bases", is_flag=True, help="List the basis presets and exit.")
def convert(
    value: str | None,
    unit: str | None,
    to_unit: str | None,
    basis_name: str | None,
    overrides: tuple[str, ...],
    method: str,
    as_json: bool,
    list_bases: bool,
) -> None:
    """Convert VALUE in UNIT to the unit of --to (credits, CO2e, CNY, km, L, kWh, ...).

    \b
    Units: cafc_credit, nev_credit, vehicle, t_CO2e, kg_CO2e, CNY, L_per_100km,
    kWh_per_100km and pint's own (km, L, kWh, ...). Examples:
      linkage convert 1000 cafc_credit --to t_CO2e --basis ttw-real-world
      linkage convert 1000 cafc_credit --to t_CO2e --basis ttw-real-world \\
          --set lifetime_distance=200000km --json
      linkage convert 2088 CNY/nev_credit --to CNY/t_CO2e --basis ttw-real-world
      linkage convert --list-bases
    """
    if list_bases:
        _list(as_json)
        return
    if value is None or unit is None or not to_unit:
        _fail("VALUE, UNIT and --to UNIT are required (or --list-bases)")
    try:
        number = parse_finite(value)
    except ValueError as exc:
        _fail(f"VALUE must be a number: {exc}")
    if overrides and not basis_name:
        _fail("--set changes a basis: pass --basis NAME too (see --list-bases)")
    basis: ConversionBasis | None = None
    try:
        parse_unit(unit)
        parse_unit(to_unit)
        if basis_name:
            basis = get_basis(basis_name)
            if overrides:
                basis = basis.replace(**_parse_set(overrides))
        result = convert_value(number, unit, to_unit, basis=basis, method=method)
    except (ConversionError, pint.PintError) as exc:
        _fail(str(exc))
    magnitude = float(np.asarray(result.magnitude))
    if as_json:
        click.echo(json.dumps({
            "value": magnitude,
            "unit": to_unit,
            "input": {"value": number, "unit": unit},
            "method": method,
            "basis": basis.to_dict() if basis is not None else None,
        }, indent=2))
        return
    line = f"{_number(number)} {unit} = {_number(magnitude)} {to_unit}"
    if basis is not None:
        line += f"  (basis {basis.name}, method {method})"
    click.echo(line)
