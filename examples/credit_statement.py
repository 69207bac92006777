"""Credit statements of a fleet file
=================================

CAFC and NEV credit statements of a fleet file, one BEV's credit factors, and the
provisional rule parameters the statements rely on.

ILLUSTRATIVE: the demo fleet (examples/data/demo_fleet.csv, demo_enterprises.csv) is six
invented enterprises, 2021-2025. Point ``--fleet`` / ``--enterprises`` at your own files (same
columns, see the README) to get your statements. Run from the repository root::

    python examples/credit_statement.py [--out DIR] [--year 2025]

Writes ``statements.csv``, ``models.csv`` and ``provisional_parameters.csv`` into ``--out``
(default: a new temporary folder).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pandas as pd

from linkage import compute_credits

DATA = Path(__file__).resolve().parent / "data"

parser = argparse.ArgumentParser(description="Credit statements of a fleet file.")
parser.add_argument("--fleet", type=Path, default=DATA / "demo_fleet.csv")
parser.add_argument("--enterprises", type=Path, default=DATA / "demo_enterprises.csv")
parser.add_argument("--year", type=int, default=None, help="one compliance year only")
parser.add_argument("--out", type=Path, default=None,
                    help="folder for the CSV files (default: a new temporary folder)")
args = parser.parse_args()
out = args.out or Path(tempfile.mkdtemp(prefix="credit_statement_"))
out.mkdir(parents=True, exist_ok=True)

# strict adjustments (the default): a BEV without consumption or energy density is an error
res = compute_credits(args.fleet, args.enterprises, year=args.year)
st, models = res.statements, res.models

# 1. the statements: one row per enterprise and year
pd.set_option("display.width", 160)
cols = {
    "enterprise": "enterprise", "year": "year", "volume_vehicles": "volume",
    "nev_volume_vehicles": "NEVs",
    "cafc_target_l_per_100km": "CAFC target", "cafc_actual_l_per_100km": "CAFC actual",
    "cafc_credits": "CAFC credits", "nev_earned_credits": "NEV earned",
    "nev_requirement_credits": "NEV required", "nev_credits": "NEV credits",
    "provisional_parameters": "provisional",
}
print(f"Credit statements of {args.fleet.name} (CAFC in L/100 km, credits and vehicles):")
print(st[list(cols)].rename(columns=cols).to_string(index=False, float_format="{:.2f}".format))

# 2. every factor of one BEV's per-vehicle NEV credit (latest year, largest volume)
bev = models[models["powertrain"] == "BEV"]
if not bev.empty:
    m = bev.sort_values(["year", "volume_vehicles"]).iloc[-1]
    product = (m["nev_standard_credit_per_vehicle"] * m["nev_range_factor"]
               * m["nev_density_factor"] * m["nev_consumption_factor"])
    print(f"\nPer-model factors of BEV '{m['model']}' ({m['enterprise']}, {m['year']}):")
    for label, key, unit in (
        ("volume", "volume_vehicles", "vehicle"),
        ("curb mass", "curb_mass_kg", "kg"),
        ("electric range", "electric_range_km", "km"),
        ("energy consumption", "energy_consumption_kwh_per_100km", "kWh/100 km"),
        ("battery energy density", "battery_energy_density_wh_per_kg", "Wh/kg"),
        ("standard credit", "nev_standard_credit_per_vehicle", "credit/vehicle"),
        ("x range factor", "nev_range_factor", ""),
        ("x energy-density factor", "nev_density_factor", ""),
        ("x consumption factor", "nev_consumption_factor", ""),
        ("= NEV credit per vehicle", "nev_credit_per_vehicle", "credit/vehicle"),
        ("CAFC multiplier", "cafc_multiplier", "vehicles counted per vehicle"),
    ):
        print(f"    {label:26s} {m[key]:>10,.6g} {unit}".rstrip())
    print(f"    (product of the factors {product:.4f}, rounded as MIIT publishes; "
          f"source: {m['nev_credit_source']})")

# 3. the provisional (reconstructed, unverified) and scenario parameters relied on
prov = res.provisional_parameters()
years = prov.groupby("key")["year"].agg(
    lambda y: str(y.min()) if y.min() == y.max() else f"{y.min()}-{y.max()}")
last = prov.sort_values("year").groupby("key").last()
print(f"\n{prov['key'].nunique()} provisional or scenario parameters relied on "
      "(override them in your own rulebook if you know better):")
for key, row in last.iterrows():
    value = row["value"]
    unit = "" if row["unit"] == "1" else f" {row['unit']}"
    print(f"    {key:42s} {row['status']:11s} {years[key]:9s} {value}{unit}")

st.drop(columns="provisional_parameter_keys").to_csv(out / "statements.csv", index=False)
models.to_csv(out / "models.csv", index=False)
prov.to_csv(out / "provisional_parameters.csv", index=False)
print(f"\nwrote statements.csv, models.csv, provisional_parameters.csv to {out}")
