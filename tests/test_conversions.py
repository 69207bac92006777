"""conversions: units, conversion bases and credit <-> CO2e <-> CNY functions.

Expected values are worked out by hand in the comments (carbon-linkage reference, section 1),
never copied from the code's output.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pint
import pytest

import conversions
from conversions import (
    Q_,
    BasisUnitError,
    BasisValueError,
    ConversionBasis,
    DataFileError,
    UnitExpressionError,
    UnknownBasisError,
    cafc_credits_to_co2e,
    co2e_to_cafc_credits,
    co2e_to_nev_credits,
    convert,
    credit_value_at_cea_price,
    exchange_rate,
    get_basis,
    implied_carbon_price,
    list_bases,
    load_bases,
    nev_avoided_emissions,
    nev_credits_to_co2e,
    tonnes_per_credit,
    ureg,
)

ROOT = Path(__file__).resolve().parents[1]
REL = 1e-12


def make_basis(**overrides) -> ConversionBasis:
    """A stated, round-number basis for hand calculations."""
    values = dict(
        name="hand",
        boundary="tank-to-wheel",
        fuel="gasoline",
        co2_per_litre=Q_(2.0, "kg_CO2e/L"),
        upstream_uplift=0.0,
        lifetime_distance=Q_(100_000, "km"),
        real_world_gap=1.0,
        grid_factor=Q_(0.5, "kg_CO2e/kWh"),
        displaced_fuel_consumption=Q_(5.0, "L_per_100km"),
        nev_energy_consumption=Q_(15.0, "kWh_per_100km"),
        nev_credit_per_vehicle=Q_(2.0, "nev_credit/vehicle"),
    )
    values.update(overrides)
    return ConversionBasis(**values)


# --------------------------------------------------------------------------------------------
# registry and units
# --------------------------------------------------------------------------------------------


def test_units_file_is_shipped_and_loaded():
    assert conversions.UNITS_FILE.name == "units.txt"
    assert conversions.UNITS_FILE.exists()
    for name in ("vehicle", "cafc_credit", "nev_credit", "kg_CO2e", "t_CO2e", "CNY",
                 "L_per_100km", "kWh_per_100km", "kWh"):
        assert name in ureg


def test_domain_unit_definitions():
    # a CAFC credit is 1 L/100 km x 1 vehicle = 0.01 L/km x vehicle
    assert Q_(1, "cafc_credit").to("L/km * vehicle").magnitude == pytest.approx(0.01, rel=REL)
    assert Q_(3, "L_per_100km * vehicle").to("cafc_credit").magnitude == pytest.approx(3, rel=REL)
    assert Q_(1, "t_CO2e").to("kg_CO2e").magnitude == 1000
    assert Q_(2.5, "Mt_CO2e").to("t_CO2e").magnitude == pytest.approx(2.5e6, rel=REL)
    assert Q_(1, "kWh").to("MJ").magnitude == pytest.approx(3.6, rel=REL)
    # prices compose: 98 CNY/t x 1000 t = 98,000 CNY
    assert (Q_(98, "CNY/t_CO2e") * Q_(1000, "t_CO2e")).to("CNY").magnitude == 98_000
    assert Q_(2088, "CNY/nev_credit").check("[currency] / [nev_credit]")


@pytest.mark.parametrize(
    ("src", "dst"),
    [
        ("kg", "kg_CO2e"),  # a kilogram of fuel is not a kilogram of CO2
        ("t", "t_CO2e"),
        ("nev_credit", "L"),  # an NEV credit is not a fuel quantity
        ("nev_credit", "cafc_credit"),
        ("cafc_credit", "t_CO2e"),  # needs a basis context
        ("nev_credit", "t_CO2e"),
        ("CNY/cafc_credit", "CNY/t_CO2e"),
        ("vehicle", "dimensionless"),
        ("CNY", "dimensionless"),
    ],
)
def test_invalid_conversions_raise_outside_a_context(src, dst):
    with pytest.raises(pint.DimensionalityError):
        Q_(1.0, src).to(dst)


def test_fuel_mass_never_becomes_co2e_even_inside_a_context():
    with ureg.context(get_basis("ttw-lab").context_name()), pytest.raises(
        pint.DimensionalityError
    ):
        Q_(1.0, "kg").to("kg_CO2e")


def test_context_carries_the_assumptions():
    b = get_basis("ttw-lab")
    name = b.context_name()
    assert name == b.context_name()  # registered once, same name
    with pytest.raises(pint.DimensionalityError):
        Q_(1, "cafc_credit").to("t_CO2e")
    with ureg.context(name):
        # 0.01 L/km x 150,000 km = 1500 L; x 2.348 kg/L = 3522 kg
        assert Q_(1, "cafc_credit").to("t_CO2e").magnitude == pytest.approx(3.522, rel=REL)
        # the same through pint's own units (L/100 km x vehicle) and into kg
        assert Q_(1, "L_per_100km * vehicle").to("kg_CO2e").magnitude == pytest.approx(3522)
        # NEV credit by compliance equivalence: one CAFC credit
        assert Q_(1, "nev_credit").to("t_CO2e").magnitude == pytest.approx(3.522, rel=REL)
        assert Q_(3.522, "t_CO2e").to("cafc_credit").magnitude == pytest.approx(1, rel=REL)
    # the assumptions are parameters of the context: override one for a block
    with ureg.context(name, lifetime_distance=Q_(200_000, "km/vehicle")):
        # 2000 L x 2.348 = 4696 kg
        assert Q_(1, "cafc_credit").to("t_CO2e").magnitude == pytest.approx(4.696, rel=REL)
    with pytest.raises(pint.DimensionalityError):  # and outside it fails again
        Q_(1, "cafc_credit").to("t_CO2e")


def test_context_converts_prices():
    name = get_basis("ttw-real-world").context_name()
    with ureg.context(name):
        # 2,088 CNY per credit / 4.82514 t per credit = 432.73 CNY/t
        p = Q_(2088, "CNY/nev_credit").to("CNY/t_CO2e")
        assert p.magnitude == pytest.approx(2088 / 4.82514, rel=1e-12)


def test_import_prints_nothing_and_sets_pint_application_registry():
    # issue 10: a pickled Quantity unpickles through pint's application registry, so the
    # import makes conversions.ureg that registry (see tests/test_inputs_pickle.py)
    code = (
        "import pint, sys\n"
        "import conversions\n"
        "assert pint.get_application_registry().get() is conversions.ureg\n"
        "pint.get_application_registry().get().parse_units('cafc_credit')\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('linkage', 'optimize')]\n"
        "assert not bad, bad\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout == ""


def test_conversions_imports_neither_linkage_nor_optimize():
    for path in (ROOT / "conversions").rglob("*.py"):
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")):
                top = stripped.split()[1].split(".")[0]
                assert top not in ("linkage", "optimize"), (path, line)


def test_parse_unit_rejects_numbers_in_units():
    with pytest.raises(UnitExpressionError, match="L_per_100km"):
        conversions.parse_unit("L/100km")
    with pytest.raises(pint.UndefinedUnitError):
        conversions.parse_unit("credit")  # deliberately undefined: which credit?


# --------------------------------------------------------------------------------------------
# the reference's derived checks
# --------------------------------------------------------------------------------------------


def test_one_cafc_credit_lab_150000_km():
    # 1 L/100 km over 150,000 km = 1500 L; x 2.348 kg/L = 3522 kg = 3.522 t (gap 1.0)
    t = cafc_credits_to_co2e(1, "ttw-lab")
    assert t.units == ureg.t_CO2e
    assert t.magnitude == pytest.approx(3.522, rel=REL)


def test_one_cafc_credit_real_world_gap():
    # 3.522 t x 1.37 = 4.82514 t
    t = cafc_credits_to_co2e(Q_(1, "cafc_credit"), "ttw-real-world")
    assert t.magnitude == pytest.approx(4.82514, rel=REL)
    assert round(t.magnitude, 3) == 4.825


def test_one_cafc_credit_200000_km_real_world():
    # 2000 L x 2.348 kg/L x 1.37 = 6433.52 kg = 6.43352 t
    b = get_basis("ttw-real-world").replace(lifetime_distance=200_000 * ureg.km)
    t = cafc_credits_to_co2e(1, b)
    assert t.magnitude == pytest.approx(6.43352, rel=REL)
    assert 6.433 <= t.magnitude < 6.434  # the reference's "6.433 t"


def test_well_to_wheel_adds_uplift():
    # 4.82514 t x (1 + 0.20) = 5.790168 t
    assert tonnes_per_credit("wtw-real-world").magnitude == pytest.approx(5.790168, rel=REL)


def test_formula_of_the_reference_literally():
    # t per credit = (1 L/100 km) x lifetime_km / 100 x kg/L x gap x (1 + uplift) / 1000
    for lifetime, kg_l, gap, uplift in [(120_000, 2.348, 1.14, 0.0), (175_500, 2.689, 1.3, 0.0),
                                        (200_000, 2.348, 1.37, 0.25)]:
        boundary = "well-to-wheel" if uplift else "tank-to-wheel"
        b = make_basis(lifetime_distance=lifetime, co2_per_litre=kg_l, real_world_gap=gap,
                       upstream_uplift=uplift, boundary=boundary)
        expected = 1 * lifetime / 100 * kg_l * gap * (1 + uplift) / 1000
        assert tonnes_per_credit(b).magnitude == pytest.approx(expected, rel=REL)


def test_implied_carbon_price_2021_nev_credit():
    # 2,088 CNY per credit / 4.82514 t per credit = 432.73 CNY/t
    p = implied_carbon_price(Q_(2088, "CNY/nev_credit"), "ttw-real-world")
    assert p.units == ureg.CNY / ureg.t_CO2e
    assert p.magnitude == pytest.approx(432.7335, rel=1e-6)
    assert round(p.magnitude, 1) == 432.7
    # plain numbers are CNY per credit; the same under compliance for either credit kind
    assert implied_carbon_price(2088, "ttw-real-world").magnitude == pytest.approx(p.magnitude)
    assert implied_carbon_price(2088, "ttw-real-world", credit="nev").magnitude == (
        pytest.approx(p.magnitude)
    )


def test_implied_carbon_price_range_of_the_reference():
    # 2,088 CNY / 4.8 t ~ 435 and / 3.5 t ~ 597: the reference's "430-590 CNY/t" is 5-14 x CEA
    lo = implied_carbon_price(2088, "ttw-real-world").magnitude  # 4.825 t per credit
    hi = implied_carbon_price(2088, "ttw-lab").magnitude  # 3.522 t per credit
    assert lo == pytest.approx(2088 / 4.82514, rel=REL)
    assert hi == pytest.approx(2088 / 3.522, rel=REL)  # 592.85


def test_exchange_rate_is_inverse_of_tonnes_per_credit():
    x = exchange_rate("ttw-real-world")
    assert x.units == ureg.cafc_credit / ureg.t_CO2e
    # 1 / 4.82514 = 0.207247 credits per t
    assert x.magnitude == pytest.approx(1 / 4.82514, rel=REL)
    assert exchange_rate("ttw-lab", credit="nev").units == ureg.nev_credit / ureg.t_CO2e


def test_credit_value_at_cea_price():
    # 1000 credits x 4.82514 t = 4825.14 t; x 97.49 CNY/t (2024 close) = 470,402.8986 CNY
    v = credit_value_at_cea_price(1000, Q_(97.49, "CNY/t_CO2e"), "ttw-real-world")
    assert v.units == ureg.CNY
    assert v.magnitude == pytest.approx(470_402.8986, rel=1e-10)
    # arrays broadcast: prices of 2022-2024 averages
    v = credit_value_at_cea_price(Q_(1000, "nev_credit"), [55.30, 68.15, 95.8], "ttw-real-world")
    assert v.magnitude == pytest.approx([4825.14 * 55.30, 4825.14 * 68.15, 4825.14 * 95.8])


# --------------------------------------------------------------------------------------------
# NEV credits: compliance equivalence and avoided emissions
# --------------------------------------------------------------------------------------------


def test_nev_compliance_equals_cafc():
    for name in ("ttw-lab", "ttw-real-world", "wtw-real-world"):
        assert nev_credits_to_co2e(1, name).magnitude == pytest.approx(
            cafc_credits_to_co2e(1, name).magnitude, rel=REL
        )


def test_nev_avoided_by_hand_round_numbers():
    # stated vehicle: 100,000 km, gap 1.0, 2.0 kg CO2/L, uplift 0
    # displaced car: 5 L/100 km x 100,000 km = 5000 L x 2.0 kg/L = 10,000 kg
    # NEV: 15 kWh/100 km x 100,000 km = 15,000 kWh x 0.5 kg/kWh = 7,500 kg
    # avoided 2,500 kg per vehicle / 2.0 credits per vehicle = 1,250 kg = 1.25 t per credit
    b = make_basis()
    parts = nev_avoided_emissions(b)
    assert parts["conventional"].m_as("t_CO2e/vehicle") == pytest.approx(10.0, rel=REL)
    assert parts["nev"].m_as("t_CO2e/vehicle") == pytest.approx(7.5, rel=REL)
    assert parts["avoided"].m_as("t_CO2e/vehicle") == pytest.approx(2.5, rel=REL)
    assert parts["per_credit"].m_as("t_CO2e/nev_credit") == pytest.approx(1.25, rel=REL)
    assert nev_credits_to_co2e(1, b, method="avoided").magnitude == pytest.approx(1.25, rel=REL)
    # compliance for the same basis: 1000 L x 2.0 = 2 t per credit
    assert nev_credits_to_co2e(1, b).magnitude == pytest.approx(2.0, rel=REL)


def test_nev_avoided_gap_on_both_cars_uplift_on_fuel_only():
    # same vehicle, gap 1.2 and well-to-wheel uplift 0.1:
    # car: 5000 L x 1.2 = 6000 L x 2.0 kg/L x 1.1 = 13,200 kg
    # NEV: 15,000 kWh x 1.2 = 18,000 kWh x 0.5 = 9,000 kg (no uplift on electricity)
    # (13,200 - 9,000) / 2.0 = 2,100 kg = 2.1 t per credit
    b = make_basis(real_world_gap=1.2, upstream_uplift=0.1, boundary="well-to-wheel")
    assert tonnes_per_credit(b, "nev", "avoided").magnitude == pytest.approx(2.1, rel=REL)


def test_nev_avoided_preset_reference_vehicle():
    # ttw-real-world: 6.0 L/100 km x 150,000 km = 9000 L x 1.37 = 12,330 L x 2.348 = 28,950.84 kg
    # NEV: 13.0 kWh/100 km x 150,000 km = 19,500 kWh x 1.37 = 26,715 kWh x 0.5306 = 14,174.979 kg
    # (28,950.84 - 14,174.979) / 1.95 = 7,577.3646 kg per credit
    t = nev_credits_to_co2e(1, "ttw-real-world", method="avoided")
    assert t.magnitude == pytest.approx(14_775.861 / 1.95 / 1000, rel=1e-9)
    # inside the avoided context an NEV credit reaches CAFC credits through CO2e
    with ureg.context(get_basis("ttw-real-world").context_name("avoided")):
        n = Q_(1, "nev_credit").to("cafc_credit").magnitude
    assert n == pytest.approx(7.5773646 / 4.82514, rel=1e-7)


def test_nev_avoided_needs_positive_avoided_emissions():
    # NEV: 15,000 kWh x 0.7 = 10,500 kg > car 10,000 kg
    b = make_basis(grid_factor=Q_(0.7, "kg_CO2e/kWh"))
    with pytest.raises(BasisValueError, match="not below"):
        nev_credits_to_co2e(1, b, method="avoided")
    assert nev_credits_to_co2e(1, b).magnitude == pytest.approx(2.0)  # compliance still works


def test_unknown_method_and_credit():
    with pytest.raises(conversions.ArgumentError, match="compliance, avoided"):
        nev_credits_to_co2e(1, "ttw-lab", method="lifetime")
    with pytest.raises(conversions.ArgumentError, match="cafc, nev"):
        tonnes_per_credit("ttw-lab", credit="ccer")


# --------------------------------------------------------------------------------------------
# round trips, vectorisation, inputs
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("basis", ["ttw-lab", "ttw-real-world", "wtw-real-world"])
def test_round_trip_cafc_scalar_and_array(basis):
    x = np.array([0.0, 1.0, -250.5, 1e6, 3.14159])
    back = co2e_to_cafc_credits(cafc_credits_to_co2e(Q_(x, "cafc_credit"), basis), basis)
    assert back.units == ureg.cafc_credit
    np.testing.assert_allclose(back.magnitude, x, rtol=1e-13, atol=0)
    assert co2e_to_cafc_credits(cafc_credits_to_co2e(7, basis), basis).magnitude == (
        pytest.approx(7, rel=1e-14)
    )


@pytest.mark.parametrize("method", ["compliance", "avoided"])
def test_round_trip_nev(method):
    x = np.linspace(-100, 5000, 101)
    t = nev_credits_to_co2e(x, "wtw-real-world", method=method)
    back = co2e_to_nev_credits(t, "wtw-real-world", method=method)
    assert back.units == ureg.nev_credit
    np.testing.assert_allclose(back.magnitude, x, rtol=1e-13, atol=1e-12)


def test_series_and_list_inputs():
    s = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])
    t = cafc_credits_to_co2e(s, "ttw-lab")
    assert isinstance(t.magnitude, np.ndarray)
    np.testing.assert_allclose(t.magnitude, [3.522, 7.044, 10.566], rtol=1e-13)
    t = cafc_credits_to_co2e([1, 2], "ttw-lab")
    np.testing.assert_allclose(t.magnitude, [3.522, 7.044], rtol=1e-13)


def test_inputs_in_other_units_are_converted():
    # 3522 kg_CO2e is 1 credit under ttw-lab; 1 L/100 km x 1000 vehicles is 1000 credits
    assert co2e_to_cafc_credits(Q_(3522, "kg_CO2e"), "ttw-lab").magnitude == pytest.approx(1)
    assert cafc_credits_to_co2e(Q_(1, "L_per_100km") * Q_(1000, "vehicle"), "ttw-lab").magnitude \
        == pytest.approx(3522)


def test_wrong_input_dimension_raises():
    with pytest.raises(pint.DimensionalityError):
        cafc_credits_to_co2e(Q_(1, "nev_credit"), "ttw-lab")
    with pytest.raises(pint.DimensionalityError):
        co2e_to_cafc_credits(Q_(1, "kg"), "ttw-lab")  # fuel mass, not CO2e
    with pytest.raises(pint.DimensionalityError):
        implied_carbon_price(Q_(2088, "CNY/vehicle"), "ttw-lab")


def test_quantity_of_another_registry_is_refused():
    other = pint.UnitRegistry()
    with pytest.raises(TypeError, match="another pint registry"):
        cafc_credits_to_co2e(other.Quantity(1, "m"), "ttw-lab")


def test_convert_generic():
    # credits -> CO2e within a basis
    assert convert(1000, "cafc_credit", "t_CO2e", basis="ttw-lab").magnitude == pytest.approx(
        3522, rel=REL
    )
    # no basis needed within a dimension
    assert convert(150, "kWh", "MJ").magnitude == pytest.approx(540, rel=REL)
    # prices through the context: 2088 / 4.82514
    p = convert(2088, "CNY/nev_credit", "CNY/t_CO2e", basis="ttw-real-world")
    assert p.magnitude == pytest.approx(432.7335, rel=1e-6)
    # a Quantity value
    assert convert(Q_(2, "t_CO2e"), None, "kg_CO2e").magnitude == 2000
    with pytest.raises(pint.DimensionalityError, match="needs a conversion basis"):
        convert(1, "cafc_credit", "t_CO2e")
    with pytest.raises(pint.DimensionalityError):
        convert(1, "kg", "kg_CO2e", basis="ttw-lab")


# --------------------------------------------------------------------------------------------
# bases: presets, replace, validation
# --------------------------------------------------------------------------------------------


def test_list_bases():
    df = list_bases()
    assert {"ttw-lab", "ttw-real-world", "wtw-real-world"} <= set(df["name"])
    for col in ("boundary", "fuel", "co2_per_litre_kg_co2e_per_l", "upstream_uplift_share",
                "lifetime_distance_km", "real_world_gap_factor", "grid_factor_kg_co2e_per_kwh",
                "t_co2e_per_credit", "nev_avoided_t_co2e_per_credit"):
        assert col in df.columns
    row = df.set_index("name").loc["ttw-real-world"]
    assert row["t_co2e_per_credit"] == pytest.approx(4.82514, rel=REL)
    assert row["lifetime_distance_km"] == 150_000
    assert row["real_world_gap_factor"] == 1.37
    wtw = df.set_index("name").loc["wtw-real-world"]
    assert wtw["upstream_uplift_share"] == 0.20
    assert wtw["grid_factor_kg_co2e_per_kwh"] == 0.5306  # 2023 national


def test_preset_values_and_sources():
    lab = get_basis("ttw-lab")
    assert lab.co2_per_litre == Q_(2.348, "kg_CO2e/L")
    assert lab.lifetime_distance == Q_(150_000, "km/vehicle")
    assert lab.real_world_gap.magnitude == 1.0
    assert lab.upstream_uplift.magnitude == 0.0
    assert "EPA-420-F-11-041" in lab.sources["co2_per_litre"]
    assert lab.statuses["co2_per_litre"] == "official"
    rw = get_basis("ttw-real-world")
    assert "ICCT" in rw.sources["real_world_gap"]
    # based_on copies the rest, sources included
    assert rw.sources["co2_per_litre"] == lab.sources["co2_per_litre"]
    wtw = get_basis("wtw-real-world")
    assert wtw.boundary == "well-to-wheel" and wtw.upstream_uplift.magnitude == 0.20
    assert "15-25" in wtw.sources["upstream_uplift"]
    for b in load_bases().values():
        assert all(len(s) > 10 for s in b.sources.values())
        assert set(b.statuses.values()) <= {"official", "secondary", "provisional", "scenario"}


def test_ipcc_preset_is_the_stated_product():
    # 69.3 t/TJ = 69.3 g/MJ; x 44.3 MJ/kg = 3.06999 kg/kg; x 0.74 kg/L = 2.27179 kg/L
    assert get_basis("ttw-lab-ipcc").co2_per_litre.magnitude == pytest.approx(
        69.3e-3 * 44.3 * 0.74, abs=5e-5
    )


def test_reference_nev_credit_is_the_stated_calculation():
    # 0.0034 x 400 + 0.2 = 1.56; Y = 0.0078 x 1600 + 3.8 = 16.28; 16.28 / 13.0 = 1.2523
    # 1.56 x 1.2523 = 1.9536 -> 1.95
    assert get_basis("ttw-lab").nev_credit_per_vehicle.magnitude == round(
        (0.0034 * 400 + 0.2) * min((0.0078 * 1600 + 3.8) / 13.0, 1.5), 2
    )


def test_get_basis_unknown_lists_known():
    with pytest.raises(UnknownBasisError) as err:
        get_basis("ttw-magic")
    assert "ttw-lab" in str(err.value) and "wtw-real-world" in str(err.value)
    assert "ttw-real-world" in err.value.known
    assert isinstance(err.value, ValueError)


def test_replace_returns_new_basis_with_override_sources():
    rw = get_basis("ttw-real-world")
    new = rw.replace(lifetime_distance=200_000 * ureg.km)
    assert new is not rw
    assert new.name == "ttw-real-world*"
    assert new.lifetime_distance == Q_(200_000, "km/vehicle")
    assert new.sources["lifetime_distance"] == "user override"
    assert new.statuses["lifetime_distance"] == "user"
    assert new.sources["real_world_gap"] == rw.sources["real_world_gap"]  # unchanged
    assert rw.lifetime_distance == Q_(150_000, "km/vehicle")  # original untouched
    assert new.replace(real_world_gap=1.2).name == "ttw-real-world*"  # one star only
    named = rw.replace(name="my-basis", real_world_gap=1.14,
                       sources={"real_world_gap": "ICCT 2007"})
    assert named.name == "my-basis"
    assert named.sources["real_world_gap"] == "user override: ICCT 2007"
    assert new != rw and new.fingerprint != rw.fingerprint
    # same values, same fingerprint (and context factors are shared)
    assert rw.replace(name="copy").fingerprint == rw.fingerprint


def test_replace_rejects_unknown_assumption():
    with pytest.raises(BasisValueError, match="cannot replace"):
        get_basis("ttw-lab").replace(lifetime=1)


def test_basis_is_frozen_hashable_and_picklable():
    b = get_basis("ttw-real-world")
    with pytest.raises(AttributeError):
        b.real_world_gap = Q_(1.0, "dimensionless")  # type: ignore[misc]
    with pytest.raises(TypeError):
        b.sources["real_world_gap"] = "x"  # type: ignore[index]
    assert hash(b) == hash(get_basis("ttw-real-world"))
    b2 = pickle.loads(pickle.dumps(b))
    assert b2 == b
    assert tonnes_per_credit(b2).magnitude == pytest.approx(4.82514, rel=REL)


def test_to_dict_and_to_frame_state_every_assumption():
    d = get_basis("wtw-real-world").to_dict()
    assert d["name"] == "wtw-real-world" and d["boundary"] == "well-to-wheel"
    for spec in conversions.ASSUMPTIONS:
        assert set(d[spec.field]) == {"value", "unit", "status", "source"}
    assert d["lifetime_distance"] == {
        "value": 150_000.0, "unit": "km/vehicle", "status": "scenario",
        "source": d["lifetime_distance"]["source"],
    }
    f = get_basis("ttw-lab").to_frame()
    assert list(f["assumption"]) == [a.field for a in conversions.ASSUMPTIONS]


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"real_world_gap": 0.95}, BasisValueError, "real_world_gap must be finite and >= 1"),
        ({"lifetime_distance": -1}, BasisValueError, "lifetime_distance"),
        ({"lifetime_distance": Q_(0, "km")}, BasisValueError, "lifetime_distance"),
        ({"co2_per_litre": float("nan")}, BasisValueError, "co2_per_litre"),
        ({"lifetime_distance": Q_(150_000, "kg")}, BasisUnitError, "km/vehicle"),
        ({"co2_per_litre": Q_(2.348, "kg/L")}, BasisUnitError, "kg_CO2e/L"),  # fuel mass
        ({"grid_factor": Q_(0.5, "kg_CO2e/km")}, BasisUnitError, "kg_CO2e/kWh"),
        ({"nev_credit_per_vehicle": Q_(2, "cafc_credit/vehicle")}, BasisUnitError, "nev_credit"),
        ({"real_world_gap": Q_([1.1, 1.2], "dimensionless")}, BasisValueError, "single value"),
        ({"real_world_gap": True}, BasisValueError, "real_world_gap"),
        ({"real_world_gap": "1.2"}, BasisValueError, "real_world_gap"),
        ({"boundary": "cradle-to-grave"}, BasisValueError, "boundary must be one of"),
        ({"fuel": "kerosene"}, BasisValueError, "fuel must be one of"),
        ({"upstream_uplift": 0.2}, BasisValueError, "tank-to-wheel"),
        ({"upstream_uplift": -0.1, "boundary": "well-to-wheel"}, BasisValueError, "uplift"),
        ({"name": ""}, BasisValueError, "name"),
        ({"sources": {"lifetime": "x"}}, BasisValueError, "unknown assumption"),
        ({"statuses": {"lifetime_distance": "guess"}}, BasisValueError, "status"),
    ],
)
def test_basis_validation(overrides, error, match):
    with pytest.raises(error, match=match) as err:
        make_basis(**overrides)
    assert isinstance(err.value, ValueError)


def test_validation_error_names_the_field():
    with pytest.raises(BasisValueError) as err:
        make_basis(real_world_gap=0.5)
    assert err.value.field == "real_world_gap"


def test_plain_numbers_and_per_vehicle_units():
    a = make_basis(lifetime_distance=150_000)
    b = make_basis(lifetime_distance=Q_(150, "Mm"))  # a plain length is per vehicle
    c = make_basis(lifetime_distance=Q_(150_000, "km/vehicle"))
    assert a.lifetime_distance == b.lifetime_distance == c.lifetime_distance
    # stored in the assumption's unit: 2348 kg/m^3 = 2.348 kg/L
    assert make_basis(co2_per_litre=Q_(2348, "kg_CO2e/m**3")).co2_per_litre.magnitude == (
        pytest.approx(2.348, rel=REL)
    )
    # missing sources are stated, not silently empty
    assert a.sources["grid_factor"] == "user-supplied, no source given"
    assert a.statuses["grid_factor"] == "user"


def test_user_preset_file(tmp_path):
    f = tmp_path / "mine.toml"
    f.write_text(
        '[basis.long-life]\n'
        'description = "ttw-real-world with 200,000 km"\n'
        'boundary = "tank-to-wheel"\nfuel = "gasoline"\nbased_on = "ttw-real-world"\n'
        '[basis.long-life.lifetime_distance]\n'
        'value = 200000\nunit = "km"\nstatus = "scenario"\nsource = "my study"\n'
    )
    bases = load_bases(f)
    assert tonnes_per_credit(bases["long-life"]).magnitude == pytest.approx(6.43352, rel=REL)
    assert bases["long-life"].sources["lifetime_distance"] == "my study"
    assert "long-life" in set(list_bases(f)["name"])


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ('[basis.x]\ndescription = "d"\nboundary = "tank-to-wheel"\nfuel = "gasoline"\n',
         "missing assumption"),
        ('[basis.x]\ndescription = "d"\nboundary = "tank-to-wheel"\nfuel = "gasoline"\n'
         'based_on = "nope"\n', "names no earlier preset"),
        ('[basis.x]\ndescription = "d"\nboundary = "tank-to-wheel"\nfuel = "gasoline"\n'
         'based_on = "ttw-lab"\n[basis.x.real_world_gap]\nvalue = 1.2\nunit = "dimensionless"\n'
         'status = "guess"\nsource = "s"\n', "status must be one of"),
        ('[basis.x]\ndescription = "d"\nboundary = "tank-to-wheel"\nfuel = "gasoline"\n'
         'based_on = "ttw-lab"\n[basis.x.real_world_gap]\nvalue = 0.8\nunit = "dimensionless"\n'
         'status = "scenario"\nsource = "s"\n', "real_world_gap"),
        ('[basis.x]\ndescription = "d"\nboundary = "tank-to-wheel"\nfuel = "gasoline"\n'
         'based_on = "ttw-lab"\n[basis.x.real_world_gap]\nvalue = 1.2\n', "exactly"),
        ("not toml [", "not valid TOML"),
    ],
)
def test_bad_preset_files(tmp_path, body, match):
    f = tmp_path / "bad.toml"
    f.write_text(body)
    with pytest.raises(DataFileError, match=match) as err:
        load_bases(f)
    assert "bad.toml" in str(err.value)
