"""Deprecated home of the ILLUSTRATIVE industry generator (kept for one release).

The generator moved to the linkage core, :mod:`linkage.industry` (assumptions, calibration to
MIIT 2023, forward projection), and its scenario export to
:func:`optimize.industry_scenario_document` / :func:`optimize.industry_scenario`. This module
re-exports them and warns (:class:`DeprecationWarning`) when imported; :class:`Industry` here
keeps the old ``to_scenario`` method. Use instead::

    from linkage.industry import illustrative_industry
    from optimize import industry_scenario_document

    doc = industry_scenario_document(illustrative_industry(), range(2024, 2027))
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable
from typing import Any

from linkage import industry as _industry
from linkage.industry import (
    CALIBRATION_YEAR,
    KINDS,
    STATEMENT_COLUMNS,
    IndustryDataError,
    assumptions_file,
    load_assumptions,
)
from optimize.industry_scenario import industry_scenario_document

__all__ = [
    "CALIBRATION_YEAR",
    "KINDS",
    "STATEMENT_COLUMNS",
    "Industry",
    "IndustryDataError",
    "assumptions_file",
    "illustrative_industry",
    "load_assumptions",
]

warnings.warn(
    "optimize.industry_data is deprecated and will be removed in the next release: import "
    "the generator from linkage.industry and the scenario export "
    "(industry_scenario_document) from optimize",
    DeprecationWarning,
    stacklevel=2,
)


@dataclasses.dataclass(repr=False)
class Industry(_industry.Industry):
    """:class:`linkage.industry.Industry` with the deprecated ``to_scenario`` method."""

    def to_scenario(self, years: Iterable[int], **kwargs: Any) -> dict[str, Any]:
        """Deprecated: :func:`optimize.industry_scenario_document` ``(self, years, ...)``."""
        return industry_scenario_document(self, years, **kwargs)


def illustrative_industry(*args: Any, **kwargs: Any) -> Industry:
    """Deprecated: :func:`linkage.industry.illustrative_industry` (same arguments)."""
    ind = _industry.illustrative_industry(*args, **kwargs)
    return Industry(**{f.name: getattr(ind, f.name) for f in dataclasses.fields(ind)})
