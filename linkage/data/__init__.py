"""Published data shipped with the package: MIIT annual announcements and NEV credit prices."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from conversions import nev_credit_prices as _prices

__all__ = ["miit_annual", "nev_credit_prices"]

_MIIT_DTYPES = {"year": "int64", "group": "str", "firms": "Int64", "decimals": "int64"}


def _read(name: str, dtypes: dict[str, str] | None = None) -> pd.DataFrame:
    with resources.files("linkage.data").joinpath(name).open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=dtypes)


def miit_annual() -> pd.DataFrame:
    """MIIT's annual dual-credit announcements, 2016-2023 (``official``) and 2024 (``secondary``).

    Returns
    -------
    DataFrame
        One row per year and group (``all``, ``domestic``, ``import``; "all" = domestic makers
        + importers; 2017 and 2024: ``all`` only, figures not published or not read are
        missing). Columns: ``firms`` [-] (nullable integer), ``volume_10k_vehicles`` [10^4 vehicle],
        ``avg_curb_mass_kg`` [kg], ``cafc_actual_l_per_100km`` [L/100 km] (NEDC to 2020, WLTC
        from 2021: ``test_cycle``), ``cafc_positive_10k_credits``,
        ``cafc_negative_10k_credits``, ``nev_positive_10k_credits``,
        ``nev_negative_10k_credits`` [10^4 credit] (negative credits as positive magnitudes;
        NEV negative credits are not published before 2019), ``decimals`` (decimals published),
        ``status`` and ``source``.

    Notes
    -----
    Volumes are domestic production or imports, exports excluded, NEVs included.
    """
    return _read("miit_annual.csv", _MIIT_DTYPES)


def nev_credit_prices() -> pd.DataFrame:
    """Average NEV credit prices by year [CNY/credit] with status and source.

    The data live with the carbon-market data in :func:`conversions.nev_credit_prices`; this is
    the same table (column ``average_price_cny_per_credit``).
    """
    return _prices()
