"""The conversion science as pure functions of pint Quantities (scalars or arrays).

These functions are the single place where the formulas live: the pint contexts of the
conversion bases (:mod:`conversions.contexts`) call them, and so does the uncertainty sampler
(:mod:`conversions.uncertainty`) on arrays of draws.
"""

from __future__ import annotations

import numpy as np
import pint

from conversions.errors import BasisValueError
from conversions.registry import Q_

__all__ = ["co2e_per_cafc_credit", "co2e_per_nev_credit_avoided", "nev_lifetime_emissions"]

def co2e_per_cafc_credit(
    *,
    co2_per_litre: pint.Quantity,
    upstream_uplift: pint.Quantity,
    lifetime_distance: pint.Quantity,
    real_world_gap: pint.Quantity,
) -> pint.Quantity:
    """CO2e of one CAFC credit: the fuel one vehicle saves over its life at 1 L/100 km less.

    Parameters
    ----------
    co2_per_litre : Quantity
        Tailpipe CO2 of burning one litre of fuel [kg_CO2e/L].
    upstream_uplift : Quantity
        Share added for well-to-tank emissions [dimensionless]; 0 for tank-to-wheel.
    lifetime_distance : Quantity
        Distance a vehicle is driven over its life [km/vehicle].
    real_world_gap : Quantity
        Real-world over type-approval fuel consumption [dimensionless], >= 1.

    Returns
    -------
    Quantity
        [t_CO2e/cafc_credit]; an array when any input is one.

    Notes
    -----
    .. math::

        t_{CO2e}/\\text{credit} = (1\\,\\mathrm{L/100\\,km}) \\times \\frac{D}{100}
            \\times c \\times g \\times (1 + u) / 1000

    with :math:`D` the lifetime distance [km], :math:`c` the CO2 per litre [kg/L], :math:`g`
    the real-world gap and :math:`u` the upstream uplift (carbon-linkage reference, section 1).
    Each input is read in its unit through pint (a wrong dimension raises
    ``pint.DimensionalityError``); the arithmetic divides by the exact 100 and 1000 so that
    round values stay round (1500 L x 2.348 kg/L = 3.522 t, not 3.5220000000000002).
    """
    d = lifetime_distance.m_as("km / vehicle")
    c = co2_per_litre.m_as("kg_CO2e / L")
    g = real_world_gap.m_as("dimensionless")
    u = upstream_uplift.m_as("dimensionless")
    return Q_(d / 100 * c * g * (1 + u) / 1000, "t_CO2e / cafc_credit")


def nev_lifetime_emissions(
    *,
    co2_per_litre: pint.Quantity,
    upstream_uplift: pint.Quantity,
    lifetime_distance: pint.Quantity,
    real_world_gap: pint.Quantity,
    grid_factor: pint.Quantity,
    displaced_fuel_consumption: pint.Quantity,
    nev_energy_consumption: pint.Quantity,
) -> tuple[pint.Quantity, pint.Quantity]:
    """Lifetime emissions of the displaced conventional car and of the reference NEV.

    Parameters
    ----------
    co2_per_litre : Quantity
        [kg_CO2e/L].
    upstream_uplift : Quantity
        [dimensionless]; applied to the fuel only.
    lifetime_distance : Quantity
        [km/vehicle]; the same for both cars.
    real_world_gap : Quantity
        [dimensionless]; applied to both cars.
    grid_factor : Quantity
        CO2e of one kWh taken from the grid [kg_CO2e/kWh].
    displaced_fuel_consumption : Quantity
        Type-approval fuel consumption of the conventional car the NEV displaces [L_per_100km].
    nev_energy_consumption : Quantity
        Type-approval electricity consumption of the NEV, at the plug [kWh_per_100km].

    Returns
    -------
    conventional, nev : Quantity
        Lifetime emissions per vehicle [t_CO2e/vehicle].

    Notes
    -----
    conventional = fuel consumption x lifetime distance x gap x CO2 per litre x (1 + uplift);
    NEV = energy consumption x lifetime distance x gap x grid factor.

    Choices (stated because the reference is silent): the real-world gap multiplies both cars'
    type-approval consumption (both are laboratory values); the upstream uplift is a
    well-to-tank share for the *fuel* and is not applied to electricity, whose grid factor
    already counts the power plants' emissions. The NEV's grid emissions are subtracted whatever
    the basis's boundary, as the reference's avoided-emissions definition says.
    """
    d = lifetime_distance.m_as("km / vehicle")
    g = real_world_gap.m_as("dimensionless")
    fuel_l = displaced_fuel_consumption.m_as("L_per_100km") * d / 100 * g
    conventional = fuel_l * co2_per_litre.m_as("kg_CO2e / L") * (
        1 + upstream_uplift.m_as("dimensionless")
    ) / 1000
    kwh = nev_energy_consumption.m_as("kWh_per_100km") * d / 100 * g
    nev = kwh * grid_factor.m_as("kg_CO2e / kWh") / 1000
    return Q_(conventional, "t_CO2e / vehicle"), Q_(nev, "t_CO2e / vehicle")


def co2e_per_nev_credit_avoided(
    *,
    co2_per_litre: pint.Quantity,
    upstream_uplift: pint.Quantity,
    lifetime_distance: pint.Quantity,
    real_world_gap: pint.Quantity,
    grid_factor: pint.Quantity,
    displaced_fuel_consumption: pint.Quantity,
    nev_energy_consumption: pint.Quantity,
    nev_credit_per_vehicle: pint.Quantity,
) -> pint.Quantity:
    """CO2e of one NEV credit by the avoided-emissions method.

    Parameters
    ----------
    co2_per_litre, upstream_uplift, lifetime_distance, real_world_gap, grid_factor,
    displaced_fuel_consumption, nev_energy_consumption : Quantity
        As in :func:`nev_lifetime_emissions`.
    nev_credit_per_vehicle : Quantity
        NEV credits the reference NEV earns [nev_credit/vehicle].

    Returns
    -------
    Quantity
        [t_CO2e/nev_credit].

    Raises
    ------
    BasisValueError
        When the NEV emits as much as the car it displaces or more (no avoided emissions).

    Notes
    -----
    (conventional - NEV lifetime emissions) / NEV credits per vehicle, with the lifetime
    emissions of :func:`nev_lifetime_emissions` (carbon-linkage reference, section 1, method 2).
    """
    conventional, nev = nev_lifetime_emissions(
        co2_per_litre=co2_per_litre,
        upstream_uplift=upstream_uplift,
        lifetime_distance=lifetime_distance,
        real_world_gap=real_world_gap,
        grid_factor=grid_factor,
        displaced_fuel_consumption=displaced_fuel_consumption,
        nev_energy_consumption=nev_energy_consumption,
    )
    avoided = conventional.magnitude - nev.magnitude
    bad = np.asarray(avoided <= 0)
    if bad.any():
        which = f" in {int(bad.sum())} of {bad.size} cases" if bad.ndim else ""
        raise BasisValueError(
            "avoided-emissions method: the reference NEV's lifetime grid emissions are not "
            f"below those of the displaced car{which}; lower grid_factor or "
            "nev_energy_consumption, or use method='compliance'",
            field="grid_factor",
        )
    n = nev_credit_per_vehicle.m_as("nev_credit / vehicle")
    return Q_(avoided / n, "t_CO2e / nev_credit")
