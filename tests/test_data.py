"""Published MIIT aggregates: internal consistency (domestic + import = all)."""

import pandas as pd
import pytest

from linkage.data import miit_annual, nev_credit_prices

ADDITIVE = [
    "volume_10k_vehicles",
    "cafc_positive_10k_credits",
    "cafc_negative_10k_credits",
    "nev_positive_10k_credits",
    "nev_negative_10k_credits",
]


@pytest.fixture(scope="module")
def miit():
    return miit_annual().set_index(["year", "group"])


def test_years_and_groups(miit):
    assert sorted(miit.index.get_level_values("year").unique()) == [
        2016, 2017, 2018, 2019, 2020, 2021, 2022, 2023, 2024
    ]
    assert set(miit.index.get_level_values("group")) == {"all", "domestic", "import"}
    # compliance year 2024 is known from the press only (secondary); every other row official
    secondary = miit["status"] == "secondary"
    assert list(miit.index[secondary]) == [(2024, "all")]
    assert (miit.loc[~secondary, "status"] == "official").all()
    assert miit["source"].str.len().min() > 10


def test_2017_and_2024_rows(miit):
    # 2017, announcement 2018 No. 34: 2,469.29 x 10^4 vehicles, 6.05 L/100 km (NEDC),
    # NEV +179.32 x 10^4; the rest is not read and stays missing
    r = miit.loc[(2017, "all")]
    assert (r["volume_10k_vehicles"], r["cafc_actual_l_per_100km"],
            r["nev_positive_10k_credits"]) == (2469.29, 6.05, 179.32)
    assert r["test_cycle"] == "NEDC"
    assert pd.isna(r["firms"]) and pd.isna(r["cafc_positive_10k_credits"])
    assert "2018 No. 34" in r["source"]
    # 2024 (press): 117 enterprises, 3.31 L/100 km, CAFC +5,285 / -585, NEV +1,729 / -101
    r = miit.loc[(2024, "all")]
    assert r["firms"] == 117 and r["cafc_actual_l_per_100km"] == 3.31
    assert (r["cafc_positive_10k_credits"], r["cafc_negative_10k_credits"]) == (5285, 585)
    assert (r["nev_positive_10k_credits"], r["nev_negative_10k_credits"]) == (1729, 101)
    assert r["status"] == "secondary" and pd.isna(r["volume_10k_vehicles"])
    assert not {(2017, "domestic"), (2024, "domestic")} & set(miit.index)


@pytest.mark.parametrize("year", [2016, 2018, 2019, 2020, 2021, 2022, 2023])
def test_domestic_plus_import_is_all(miit, year):
    a, d, i = (miit.loc[(year, g)] for g in ("all", "domestic", "import"))
    assert d["firms"] + i["firms"] == a["firms"]
    # published figures are rounded to `decimals`; the parts may differ from the whole by one
    # unit in the last place (2019 CAFC+: 604.65 + 38.79 = 643.44 vs 643.43 published)
    tol = 10.0 ** -int(a["decimals"]) + 1e-9
    for col in ADDITIVE:
        if a[col] == a[col]:  # NEV negative credits are not published before 2019
            assert d[col] + i[col] == pytest.approx(a[col], abs=tol), col


def test_spot_values(miit):
    # 2023 announcement: 2250.2 x 10^4 vehicles, NEV+ 2128.8 x 10^4 credits, CAFC actual 3.78
    assert miit.loc[(2023, "all"), "volume_10k_vehicles"] == 2250.2
    assert miit.loc[(2023, "all"), "nev_positive_10k_credits"] == 2128.8
    assert miit.loc[(2023, "all"), "cafc_actual_l_per_100km"] == 3.78
    # 2021: 2064.82 x 10^4 vehicles, WLTC
    assert miit.loc[(2021, "all"), "volume_10k_vehicles"] == 2064.82
    assert miit.loc[(2021, "all"), "test_cycle"] == "WLTC"
    assert miit.loc[(2020, "all"), "test_cycle"] == "NEDC"


@pytest.mark.parametrize("year", [2016, 2018, 2019, 2020, 2021, 2022, 2023])
def test_average_curb_mass_is_volume_weighted(miit, year):
    # e.g. 2016: (2358.96*1392 + 90.51*1875) / 2449.47 = 1409.85 -> published 1410
    d, i, a = (miit.loc[(year, g)] for g in ("domestic", "import", "all"))
    w = (d["volume_10k_vehicles"] * d["avg_curb_mass_kg"]
         + i["volume_10k_vehicles"] * i["avg_curb_mass_kg"]) / (
        d["volume_10k_vehicles"] + i["volume_10k_vehicles"])
    assert abs(w - a["avg_curb_mass_kg"]) <= 1.0


def test_nev_credit_prices():
    p = nev_credit_prices().set_index("year")
    assert p.loc[2021, "average_price_cny_per_credit"] == 2088
    assert p.loc[2020, "average_price_cny_per_credit"] == 1204
    assert set(p["status"]) <= {"official", "secondary", "provisional"}
