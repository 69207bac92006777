"""Regenerate the illustrative demo fleet (``demo_fleet.csv``, ``demo_enterprises.csv``).

ILLUSTRATIVE DATA: the enterprises and models are invented. Masses, consumptions, ranges and
volumes are set to plausible values for China's 2021-2025 market, not to any real enterprise.

Run ``python examples/data/make_demo_fleet.py`` from the repository root.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

YEARS = range(2021, 2026)
HERE = Path(__file__).parent

# enterprise, model, powertrain, 2021 volume, yearly growth, curb mass, seat rows,
# fuel consumption, off-cycle, range, kWh/100km, Wh/kg, fuel-cell kW, cs condition
MODELS = [
    ("Demo Auto A (illustrative)", "A-sedan 1.5T", "ICE", 260_000, -0.12, 1420, 2, 6.1, 0.08),
    ("Demo Auto A (illustrative)", "A-SUV 2.0T", "ICE", 150_000, -0.10, 1710, 2, 7.4, 0.0),
    ("Demo Auto A (illustrative)", "A-MPV 2.0T", "ICE", 40_000, -0.05, 1890, 3, 7.9, 0.0),
    ("Demo Auto A (illustrative)", "A-sedan hybrid", "HEV", 30_000, 0.25, 1480, 2, 4.2, 0.0),
    ("Demo Auto A (illustrative)", "A-SUV PHEV", "PHEV", 25_000, 0.60, 1850, 2, 1.6, 0.0,
     82, 17.5, None, None, True),
    ("Demo Auto A (illustrative)", "A-hatch EV", "BEV", 40_000, 0.45, 1560, 2, None, None,
     420, 12.9, 150, None, None),
    ("Demo EV B (illustrative)", "B-sedan EV", "BEV", 120_000, 0.40, 1870, 2, None, None,
     605, 13.8, 160, None, None),
    ("Demo EV B (illustrative)", "B-city EV", "BEV", 90_000, 0.20, 890, 2, None, None,
     170, 9.4, 118, None, None),
    ("Demo EV B (illustrative)", "B-SUV PHEV", "PHEV", 70_000, 0.55, 1975, 2, 1.4, 0.0,
     110, 18.9, None, None, True),
    ("Demo EV B (illustrative)", "B-SUV EREV", "PHEV", 20_000, 0.50, 2150, 3, 1.1, 0.0,
     190, 20.5, None, None, False),
    ("Demo Motors C (illustrative)", "C-compact 1.5", "ICE", 70_000, -0.06, 1290, 2, 5.9, 0.0),
    ("Demo Motors C (illustrative)", "C-SUV 1.5T", "ICE", 45_000, -0.04, 1560, 2, 6.8, 0.08),
    ("Demo Motors C (illustrative)", "C-mini EV", "BEV", 3_000, 0.30, 1050, 2, None, None,
     305, 11.2, 140, None, None),
    ("Demo Import D (illustrative)", "D-luxury SUV 3.0T", "ICE", 14_000, -0.05, 2180, 2, 9.6, 0.0),
    ("Demo Import D (illustrative)", "D-sports 4.0T", "ICE", 3_000, 0.00, 2600, 2, 12.1, 0.0),
    ("Demo Import D (illustrative)", "D-SUV PHEV", "PHEV", 4_000, 0.20, 2350, 2, 2.3, 0.0,
     70, 24.0, None, None, True),
    ("Demo Small E (illustrative)", "E-microvan", "ICE", 1_300, -0.02, 1080, 2, 6.6, 0.0),
    ("Demo Small E (illustrative)", "E-pickup car", "ICE", 500, -0.02, 1750, 2, 8.9, 0.0),
    ("Demo Hydrogen F (illustrative)", "F-fuel-cell sedan", "FCEV", 600, 0.30, 1900, 2, None,
     None, None, None, None, 92, None),
    ("Demo Hydrogen F (illustrative)", "F-city EV", "BEV", 3_500, 0.30, 1180, 2, None, None,
     230, 11.9, 128, None, None),
]

COLUMNS = [
    "enterprise", "model", "powertrain", "v0", "growth", "curb_mass_kg", "seat_rows",
    "fuel_consumption_l_per_100km", "off_cycle_reduction_l_per_100km", "electric_range_km",
    "energy_consumption_kwh_per_100km", "battery_energy_density_wh_per_kg",
    "fuel_cell_power_kw", "phev_cs_condition_met",
]


def build() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo fleet and enterprise tables."""
    rows = []
    for spec in MODELS:
        rec = dict(zip(COLUMNS, list(spec) + [None] * (len(COLUMNS) - len(spec)), strict=True))
        for k, year in enumerate(YEARS):
            # consumption falls 2 % a year (technology), range grows 5 % a year
            fc = rec["fuel_consumption_l_per_100km"]
            rng = rec["electric_range_km"]
            rows.append({
                "enterprise": rec["enterprise"],
                "year": year,
                "model": rec["model"],
                "powertrain": rec["powertrain"],
                "volume_vehicles": int(round(rec["v0"] * (1 + rec["growth"]) ** k, -1)),
                "curb_mass_kg": rec["curb_mass_kg"],
                "seat_rows": rec["seat_rows"],
                "fuel_consumption_l_per_100km": None if fc is None else round(fc * 0.98**k, 2),
                "off_cycle_reduction_l_per_100km": rec["off_cycle_reduction_l_per_100km"],
                "electric_range_km": None if rng is None else round(rng * 1.05**k),
                "energy_consumption_kwh_per_100km": rec["energy_consumption_kwh_per_100km"],
                "battery_energy_density_wh_per_kg": rec["battery_energy_density_wh_per_kg"],
                "fuel_cell_power_kw": rec["fuel_cell_power_kw"],
                "phev_cs_condition_met": rec["phev_cs_condition_met"],
            })
    fleet = pd.DataFrame(rows)
    fleet["fuel_cell_power_kw"] = fleet["fuel_cell_power_kw"].astype("Float64")
    ents = pd.DataFrame({
        "enterprise": sorted({m[0] for m in MODELS}),
    })
    ents["group"] = np.where(ents["enterprise"].str.startswith("Demo Motors C")
                             | ents["enterprise"].str.startswith("Demo Auto A"),
                             "Demo Group One (illustrative)", ents["enterprise"])
    ents["small_independent"] = ents["enterprise"].str.startswith("Demo Small E")
    ents["previous_cafc_actual_l_per_100km"] = np.where(ents["small_independent"], 7.60, np.nan)
    return fleet, ents


if __name__ == "__main__":
    fleet, ents = build()
    fleet.to_csv(HERE / "demo_fleet.csv", index=False)
    ents.to_csv(HERE / "demo_enterprises.csv", index=False)
    print(f"wrote {len(fleet)} model rows and {len(ents)} enterprises")
