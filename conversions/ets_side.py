"""The carbon-market side of a link: what China's national ETS can absorb, per year.

Data: ``conversions/data/ets_side.toml``, one record per key and span of years with value,
unit, status and source. :func:`ets_side` gathers one year's figures as plain floats (units in
the names); :func:`ets_side_records` lists the records.

Keys: ``covered_emissions.*`` (summed: the power sector from 2021, steel, cement and
aluminium from 2024) [t_CO2e/year], ``offset_limit_share`` [-], ``other_offsets``
[t_CO2e/year], ``offset_price_factor`` [-], ``cea_retired`` [flag].

The offset limit of automakers in a year is
``offset_limit_share x covered_emissions_t_co2e - other_offsets_t_co2e`` [t CO2e].
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from conversions._checks import check_year
from conversions.carbon_market import DATA_DIR
from conversions.errors import ArgumentError, DataFileError
from conversions.records import STATUSES, SourcedRecord, load_records
from conversions.vocabulary import renamed_attributes

__all__ = ["ETS_SIDE_STATUSES", "EtsSide", "ets_side", "ets_side_records"]

#: Statuses of the records: all of :data:`conversions.records.STATUSES` (the law statuses plus
#: ``assumption``, a stated modelling choice).
ETS_SIDE_STATUSES = STATUSES
_UNITS = {"covered_emissions": "t_CO2e / year", "offset_limit_share": "dimensionless",
          "other_offsets": "t_CO2e / year", "offset_price_factor": "dimensionless",
          "cea_retired": "flag"}
_FILE = "ets_side.toml"


@renamed_attributes("python.EtsSide")
@dataclass(frozen=True)
class EtsSide:
    """One year of the ETS side, as shipped.

    Attributes
    ----------
    year : int
    covered_emissions_t_co2e : float
        Verified emissions covered by the national ETS [t CO2e/year].
    offset_limit_share : float
        Largest share of verified emissions offsets may cover [-].
    other_offsets_t_co2e : float
        Other offsets (CCERs) competing for the limit [t CO2e/year].
    offset_price_factor : float
        Price of an accepted offset over the CEA price [-].
    cea_retired : bool
        A CEA bought by an automaker leaves the ETS one for one.
    statuses, sources : dict key -> str
        Status and source of each figure (covered emissions: every record summed, joined).
    """

    year: int
    covered_emissions_t_co2e: float
    offset_limit_share: float
    other_offsets_t_co2e: float
    offset_price_factor: float
    cea_retired: bool
    statuses: dict[str, str] = field(default_factory=dict, compare=False)
    sources: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def offset_limit_t_co2e(self) -> float:
        """Offsets automakers may place: share x covered - other offsets [t CO2e/year]."""
        return (self.offset_limit_share * self.covered_emissions_t_co2e
                - self.other_offsets_t_co2e)


def _check_record(rec: SourcedRecord) -> dict[str, Any]:
    """The ETS-side checks on top of the shared ones: numbers are >= 0 and years a span."""
    if rec.unit != "flag" and (isinstance(rec.value, list) or rec.value < 0):
        raise DataFileError(f"expected a finite number >= 0, got {rec.value!r}", file=rec.file,
                            key=rec.key)
    if rec.from_year is None:
        raise DataFileError("from_year and to_year must be years, from <= to", file=rec.file,
                            key=rec.key)
    return {"key": rec.key, "value": rec.value, "unit": rec.unit, "from_year": rec.from_year,
            "to_year": rec.to_year, "status": rec.status, "source": rec.source}


@cache
def _records() -> pd.DataFrame:
    path = DATA_DIR / _FILE
    rows = [_check_record(r) for r in load_records(
        path, optional=("from_year", "to_year"), allowed_statuses=ETS_SIDE_STATUSES,
        schema=_UNITS)]
    if not rows:
        raise DataFileError("no [[record]] entries", file=str(path))
    df = pd.DataFrame(rows, columns=["key", "value", "unit", "from_year", "to_year", "status",
                                     "source"])
    for key, g in df.groupby("key"):
        spans = sorted(zip(g["from_year"], g["to_year"], strict=True))
        for (_, a_to), (b_from, _) in itertools.pairwise(spans):
            if b_from <= a_to:
                raise DataFileError(f"overlapping years {spans}", file=str(path), key=str(key))
    return df


def ets_side_records() -> pd.DataFrame:
    """The shipped records of the ETS side.

    Returns
    -------
    pandas.DataFrame
        ``key, value, unit, from_year, to_year, status, source`` (a copy).
    """
    return _records().copy()


def _covering(year: int, stem: str) -> pd.DataFrame:
    df = _records()
    hit = df[(df["key"].str.split(".").str[0] == stem) & (df["from_year"] <= year)
             & (df["to_year"] >= year)]
    if hit.empty:
        spans = df[df["key"].str.startswith(stem)][["from_year", "to_year"]]
        years = f"{int(spans['from_year'].min())}-{int(spans['to_year'].max())}"
        raise ArgumentError(f"no shipped ETS record '{stem}' for {year} (records cover "
                            f"{years}); give the value in the scenario's [ets] table")
    return hit


def ets_side(year: int) -> EtsSide:
    """The shipped ETS side of one year.

    Parameters
    ----------
    year : int

    Returns
    -------
    EtsSide

    Raises
    ------
    ArgumentError
        For a year no record covers (2021-2035 in the data).

    Examples
    --------
    >>> s = ets_side(2025)
    >>> s.covered_emissions_t_co2e, s.offset_limit_t_co2e
    (8000000000.0, 350000000.0)
    """
    year = check_year(year)
    values: dict[str, Any] = {}
    statuses: dict[str, str] = {}
    sources: dict[str, str] = {}
    for stem in _UNITS:
        hit = _covering(year, stem)
        if stem == "covered_emissions":
            values[stem] = float(hit["value"].astype(float).sum())
        else:
            values[stem] = hit["value"].iloc[0]
        statuses[stem] = ", ".join(dict.fromkeys(hit["status"]))
        sources[stem] = " + ".join(f"{k}: {s}" for k, s in zip(hit["key"], hit["source"],
                                                                  strict=True))
    return EtsSide(year, values["covered_emissions"], float(values["offset_limit_share"]),
                   float(values["other_offsets"]), float(values["offset_price_factor"]),
                   bool(values["cea_retired"]), statuses, sources)
