"""Strict click parameter types and option parsers of the ``linkage`` command line.

The generic types (:class:`FiniteFloat`, :class:`Year`) are defined in the bottom layer
(:mod:`conversions._cli_params`, so that ``linkage convert`` can use them) and re-exported
here; this module adds the parsers of the ledger's options (``--years``, ``--pool-ratio``).
"""

from __future__ import annotations

from conversions._cli_params import (
    FINITE_FLOAT,
    YEAR,
    FiniteFloat,
    Year,
    parse_finite,
    parse_year,
)
from linkage.errors import InputError

__all__ = [
    "FINITE_FLOAT",
    "NON_NEGATIVE_FLOAT",
    "YEAR",
    "FiniteFloat",
    "Year",
    "parse_finite",
    "parse_ratio_items",
    "parse_year",
    "parse_year_span",
]

#: A finite number >= 0 (prices [CNY/credit], ratios [-]).
NON_NEGATIVE_FLOAT = FiniteFloat(minimum=0.0)


def parse_year_span(text: str, option: str = "--years") -> list[int]:
    """Years of ``2024-2027`` (inclusive range) or ``2024,2025`` (a list).

    Parameters
    ----------
    text : str
        The option's text.
    option : str
        Option name for the message.

    Returns
    -------
    list of int
        Sorted, without duplicates.

    Raises
    ------
    InputError
        For a malformed year (``y2024``, ``2024.5``), a reversed range or a duplicated year;
        the key names the option.
    """
    usage = "expected 2024-2027 or 2024,2025"
    try:
        if "-" in text:
            first, last = (parse_year(x) for x in text.split("-", 1))
            if last < first:
                raise ValueError(f"the range ends before it starts ({first} > {last})")
            return list(range(first, last + 1))
        years = [parse_year(x) for x in text.split(",")]
    except ValueError as exc:
        raise InputError(f"{usage}, got {text!r}: {exc}", key=option) from None
    dup = sorted({y for y in years if years.count(y) > 1})
    if dup:
        raise InputError(f"year {dup[0]} is listed twice in {text!r}", key=option)
    return sorted(years)


def parse_ratio_items(items: tuple[str, ...], option: str = "--pool-ratio") -> dict[int, float]:
    """``YEAR=RATIO`` items -> {year: ratio}; finite ratios >= 0, each year once.

    Raises
    ------
    InputError
        For a malformed item, a non-finite or negative ratio, or a year given twice; the key
        names the option.
    """
    out: dict[int, float] = {}
    for item in items:
        year_text, sep, ratio_text = item.partition("=")
        try:
            if not sep:
                raise ValueError("no '='")
            year = parse_year(year_text)
            ratio = parse_finite(ratio_text)
        except ValueError as exc:
            raise InputError(f"expected YEAR=RATIO such as 2025=1.2, got {item!r}: {exc}",
                             key=option) from None
        if ratio < 0:
            raise InputError(f"{item!r}: a supply/demand ratio must be >= 0", key=option)
        if year in out:
            raise InputError(f"year {year} is given twice", key=option)
        out[year] = ratio
    return out
