"""conversions.uncertainty: seeded draws of conversion bases and exchange-rate intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conversions import (
    Q_,
    SamplingError,
    exchange_rate_interval,
    format_interval,
    get_basis,
    sample_bases,
    tonnes_per_credit,
)
from conversions.errors import ArgumentError

N = 200_000
# Only lifetime uniform on 120,000-200,000 km at gap 1.0 (ttw-lab, 2.348 kg/L):
# t per credit = km / 100 x 2.348 / 1000, uniform on [1200 x 2.348, 2000 x 2.348] / 1000
LOW, HIGH = 2.8176, 4.696
WIDTH = HIGH - LOW  # 1.8784
# the p-quantile of n uniform draws has a standard error of sqrt(p (1 - p) / n) x width:
# sqrt(0.05 x 0.95 / 200,000) x 1.8784 = 0.00092; allow about 5 standard errors
TOL = 0.005


@pytest.fixture(scope="module")
def lifetime_only():
    return sample_bases(N, {"lifetime_distance": ("uniform", 120_000, 200_000)},
                        base="ttw-lab", seed=20240422)


def test_same_seed_same_draws_different_seed_different():
    a = sample_bases(1000, seed=7)
    b = sample_bases(1000, seed=7)
    c = sample_bases(1000, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert not np.allclose(a["t_co2e_per_credit"], c["t_co2e_per_credit"])


def test_order_of_ranges_does_not_change_draws():
    r1 = {"lifetime_distance": ("uniform", 120_000, 200_000), "real_world_gap": ("uniform",
                                                                                1.14, 1.37)}
    r2 = dict(reversed(list(r1.items())))
    pd.testing.assert_frame_equal(sample_bases(500, r1, seed=1), sample_bases(500, r2, seed=1))


def test_tidy_columns(lifetime_only):
    assert list(lifetime_only.columns) == [
        "draw", "lifetime_distance_km", "t_co2e_per_credit", "credits_per_t_co2e"
    ]
    assert len(lifetime_only) == N
    assert lifetime_only["draw"].tolist()[:3] == [0, 1, 2]
    np.testing.assert_allclose(lifetime_only["credits_per_t_co2e"],
                               1 / lifetime_only["t_co2e_per_credit"], rtol=1e-15)
    assert lifetime_only.attrs["t_co2e_per_credit_unit"] == "t_CO2e/cafc_credit"


def test_uniform_lifetime_quantiles_match_analytic_bounds(lifetime_only):
    t = lifetime_only["t_co2e_per_credit"]
    assert t.min() >= LOW
    assert t.max() <= HIGH
    iv = exchange_rate_interval(lifetime_only, coverage_share=0.9)
    row = iv.loc["t_co2e_per_credit"]
    assert row["lower"] == pytest.approx(LOW + 0.05 * WIDTH, abs=TOL)  # 2.91152
    assert row["upper"] == pytest.approx(LOW + 0.95 * WIDTH, abs=TOL)  # 4.60208
    assert row["median"] == pytest.approx(LOW + 0.5 * WIDTH, abs=TOL)  # 3.7568
    assert row["level"] == 0.9
    # credits per t is decreasing in t per credit: its bounds are the reciprocals
    inv = iv.loc["credits_per_t_co2e"]
    assert inv["lower"] == pytest.approx(1 / row["upper"], rel=2e-3)
    assert inv["upper"] == pytest.approx(1 / row["lower"], rel=2e-3)


def test_each_draw_equals_the_context_conversion_of_its_basis():
    draws = sample_bases(5, {"lifetime_distance": ("uniform", 120_000, 200_000),
                             "real_world_gap": ("uniform", 1.14, 1.37)}, seed=3)
    base = get_basis("ttw-real-world")
    for _, row in draws.iterrows():
        b = base.replace(lifetime_distance=row["lifetime_distance_km"],
                         real_world_gap=row["real_world_gap_factor"])
        assert tonnes_per_credit(b).magnitude == pytest.approx(row["t_co2e_per_credit"],
                                                               rel=1e-12)


def test_nev_avoided_draws_equal_the_context_conversion():
    draws = sample_bases(4, {"grid_factor": ("uniform", 0.2472, 0.6361)}, seed=5,
                         credit="nev", method="avoided")
    assert "grid_factor_kg_co2e_per_kwh" in draws.columns
    base = get_basis("ttw-real-world")
    for _, row in draws.iterrows():
        b = base.replace(grid_factor=row["grid_factor_kg_co2e_per_kwh"])
        assert tonnes_per_credit(b, "nev", "avoided").magnitude == pytest.approx(
            row["t_co2e_per_credit"], rel=1e-12
        )


def test_default_ranges_ttw_real_world():
    d = sample_bases(20_000, seed=11)
    assert {"lifetime_distance_km", "real_world_gap_factor"} <= set(d.columns)
    assert "upstream_uplift_share" not in d.columns  # tank-to-wheel
    # bounds: 120,000 km at gap 1.14 -> 2.8176 x 1.14 = 3.212064; 200,000 km at 1.37 -> 6.43352
    assert d["t_co2e_per_credit"].min() >= 3.212064
    assert d["t_co2e_per_credit"].max() <= 6.43352
    assert d["lifetime_distance_km"].between(120_000, 200_000).all()
    assert d["real_world_gap_factor"].between(1.14, 1.37).all()


def test_default_ranges_wtw_include_uplift():
    d = sample_bases(20_000, base="wtw-real-world", seed=11)
    assert d["upstream_uplift_share"].between(0.15, 0.25).all()
    # 3.212064 x 1.15 = 3.6938736; 6.43352 x 1.25 = 8.0419
    assert d["t_co2e_per_credit"].min() >= 3.6938736
    assert d["t_co2e_per_credit"].max() <= 8.0419


def test_quantities_and_numbers_give_the_same_draws():
    a = sample_bases(100, {"lifetime_distance": ("uniform", 120_000, 200_000)}, seed=2)
    b = sample_bases(100, {"lifetime_distance": ("uniform", Q_(120, "Mm"), Q_(200_000, "km"))},
                     seed=2)
    np.testing.assert_allclose(a["t_co2e_per_credit"], b["t_co2e_per_credit"], rtol=1e-14)


def test_triangular_mean():
    # gap triangular(1.14, 1.25, 1.37): mean (1.14 + 1.25 + 1.37) / 3 = 1.253333;
    # ttw-lab at 150,000 km: 3.522 t x 1.253333 = 4.41424 t
    d = sample_bases(N, {"real_world_gap": ("triangular", 1.14, 1.25, 1.37)}, base="ttw-lab",
                     seed=4)
    assert d["t_co2e_per_credit"].mean() == pytest.approx(3.522 * 3.76 / 3, abs=0.003)
    assert d["real_world_gap_factor"].min() >= 1.14 and d["real_world_gap_factor"].max() <= 1.37


def test_normal_mean_and_sd():
    # lifetime normal(160,000, 10,000) km at gap 1: mean 1600 L x 2.348 = 3.7568 t,
    # sd 100 L x 2.348 = 0.2348 t
    d = sample_bases(N, {"lifetime_distance": ("normal", 160_000, 10_000)}, base="ttw-lab",
                     seed=6)
    assert d["t_co2e_per_credit"].mean() == pytest.approx(3.7568, abs=0.003)
    assert d["t_co2e_per_credit"].std() == pytest.approx(0.2348, abs=0.003)


def test_format_interval():
    d = sample_bases(N, {"lifetime_distance": ("uniform", 120_000, 200_000)}, base="ttw-lab",
                     seed=1)
    # 2.91152 -> "2.9", 4.60208 -> "4.6"
    assert format_interval(exchange_rate_interval(d)) == (
        "2.9\u20134.6 t CO2e per credit (90 % interval)"
    )


@pytest.mark.parametrize(
    ("ranges", "kwargs", "match"),
    [
        ({"lifetime": ("uniform", 1, 2)}, {}, "cannot sample lifetime"),
        ({"real_world_gap": ("beta", 1, 2)}, {}, "unknown distribution"),
        ({"real_world_gap": ("uniform", 1.37, 1.14)}, {}, "low must be below high"),
        ({"real_world_gap": ("uniform", 1.14)}, {}, "takes low, high"),
        ({"real_world_gap": ("triangular", 1.14, 1.5, 1.37)}, {}, "mode"),
        ({"real_world_gap": ("normal", 1.25, 0)}, {}, "sd must be > 0"),
        ({"real_world_gap": ("normal", 1.05, 0.1)}, {}, "draws are outside"),  # gap < 1
        ({"real_world_gap": (1.1, 1.2)}, {}, "unknown distribution"),
        ({"real_world_gap": "uniform"}, {}, "must be a tuple"),
        ({"lifetime_distance": ("uniform", Q_(1, "kg"), Q_(2, "kg"))}, {}, "km/vehicle"),
        ({"upstream_uplift": ("uniform", 0.15, 0.25)}, {"base": "ttw-real-world"},
         "tank-to-wheel"),
        (None, {"n": 0}, "n must be an integer"),
    ],
)
def test_sampling_errors(ranges, kwargs, match):
    n = kwargs.pop("n", 100)
    with pytest.raises(SamplingError, match=match):
        sample_bases(n, ranges, seed=0, **kwargs)


def test_interval_errors():
    d = sample_bases(10, seed=0)
    with pytest.raises(ArgumentError, match="coverage_share"):
        exchange_rate_interval(d, coverage_share=1.5)
    with pytest.raises(ArgumentError, match="sample_bases"):
        exchange_rate_interval(d.drop(columns="credits_per_t_co2e"))
