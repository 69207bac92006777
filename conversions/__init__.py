"""Unit-aware conversion of dual credits into CO2e and CNY, and carbon-market data.

- :data:`ureg` / :data:`Q_`: the library's one pint registry, with the domain units of
  ``units.txt`` (``vehicle``, ``cafc_credit``, ``nev_credit``, ``kg_CO2e``, ``t_CO2e``,
  ``CNY``, ``L_per_100km``, ``kWh_per_100km``);
- :class:`ConversionBasis` and the presets (:func:`list_bases`, :func:`get_basis`): named,
  sourced assumptions; credit <-> CO2e conversions happen only inside a basis's pint context;
- conversion functions (:func:`cafc_credits_to_co2e`, :func:`implied_carbon_price`, ...);
- uncertainty (:func:`sample_bases`, :func:`exchange_rate_interval`);
- the national carbon market's prices, grid factors and rules (:mod:`conversions.carbon_market`);
- the library's vocabulary (:mod:`conversions.vocabulary`): every public name with its unit,
  meaning and old spellings, and the helpers that read old spellings with a warning;
- the root exceptions (:class:`LinkageError`, :class:`InputError`) and the one sourced-record
  loader (:func:`load_records`).

``conversions`` imports neither :mod:`linkage` nor :mod:`optimize`.
"""

from conversions.basis import (
    ASSUMPTIONS,
    BOUNDARIES,
    FUELS,
    METHODS,
    Assumption,
    ConversionBasis,
)
from conversions.carbon_market import (
    ccer_offset_limit,
    ccer_price,
    cea_price,
    cea_prices,
    ets_fact,
    ets_facts,
    ets_penalty,
    grid_factor,
    grid_factors,
    nev_credit_price,
    nev_credit_prices,
    penalty_multiple_range,
)
from conversions.credits import (
    CREDITS,
    cafc_credits_to_co2e,
    co2e_to_cafc_credits,
    co2e_to_nev_credits,
    convert,
    credit_value_at_cea_price,
    exchange_rate,
    implied_carbon_price,
    nev_avoided_emissions,
    nev_credits_to_co2e,
    tonnes_per_credit,
)
from conversions.errors import (
    ArgumentError,
    ArgumentTypeError,
    BasisError,
    BasisUnitError,
    BasisValueError,
    ConversionError,
    DataFileError,
    InputError,
    LinkageError,
    PenaltyMultipleError,
    QuantityRegistryError,
    SamplingError,
    UndefinedUnitExpressionError,
    UnitDimensionalityError,
    UnitExpressionError,
    UnknownBasisError,
)
from conversions.ets_side import ETS_SIDE_STATUSES, EtsSide, ets_side, ets_side_records
from conversions.presets import get_basis, list_bases, load_bases
from conversions.records import STATUS_MEANINGS, SourcedRecord, load_records
from conversions.registry import Q_, UNITS_FILE, parse_unit, ureg
from conversions.uncertainty import (
    default_ranges,
    exchange_rate_interval,
    format_interval,
    sample_bases,
)

__all__ = [
    "ASSUMPTIONS",
    "BOUNDARIES",
    "CREDITS",
    "ETS_SIDE_STATUSES",
    "FUELS",
    "METHODS",
    "Q_",
    "STATUS_MEANINGS",
    "UNITS_FILE",
    "ArgumentError",
    "ArgumentTypeError",
    "Assumption",
    "BasisError",
    "BasisUnitError",
    "BasisValueError",
    "ConversionBasis",
    "ConversionError",
    "DataFileError",
    "EtsSide",
    "InputError",
    "LinkageError",
    "PenaltyMultipleError",
    "QuantityRegistryError",
    "SamplingError",
    "SourcedRecord",
    "UndefinedUnitExpressionError",
    "UnitDimensionalityError",
    "UnitExpressionError",
    "UnknownBasisError",
    "cafc_credits_to_co2e",
    "ccer_offset_limit",
    "ccer_price",
    "cea_price",
    "cea_prices",
    "co2e_to_cafc_credits",
    "co2e_to_nev_credits",
    "convert",
    "credit_value_at_cea_price",
    "default_ranges",
    "ets_fact",
    "ets_facts",
    "ets_penalty",
    "ets_side",
    "ets_side_records",
    "exchange_rate",
    "exchange_rate_interval",
    "format_interval",
    "get_basis",
    "grid_factor",
    "grid_factors",
    "implied_carbon_price",
    "list_bases",
    "load_bases",
    "load_records",
    "nev_avoided_emissions",
    "nev_credit_price",
    "nev_credit_prices",
    "nev_credits_to_co2e",
    "parse_unit",
    "penalty_multiple_range",
    "sample_bases",
    "tonnes_per_credit",
    "ureg",
]
