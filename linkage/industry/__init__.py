"""An ILLUSTRATIVE industry: synthetic enterprises calibrated to MIIT's 2023 totals.

**ILLUSTRATIVE DATA.** Every enterprise made here is invented ("Domestic 001 (illustrative)",
"Import 07 (illustrative)", "Group 3 (illustrative)"). Only the *totals* of the calibration year
are real: they match MIIT's 2023 announcement (:func:`linkage.data.miit_annual`, ``official``)
within 1 % for volume, CAFC positive and negative credits and NEV positive and negative
credits, for all enterprises and for domestic makers and importers separately, with 95 domestic
makers and 24 importers. Use the result to exercise the industry model, the ledger and the
optimizer at realistic scale, never as data about a real enterprise.

Method
------
1. **Sizes** (2023): heavy-tailed (lognormal) volumes per kind, scaled to MIIT's volume and
   rounded to whole vehicles by largest remainder (the kind's total is exact).
2. **Representative models**: each enterprise has at most four models, ICE, HEV, BEV and PHEV,
   sharing its curb mass (lognormal around MIIT's average curb mass of its kind, whose
   volume-weighted mean it keeps) and two seat rows. The BEV has a drawn electric range and
   energy consumption (a share of its target Y(m)); the PHEV a fixed range; HEV and PHEV fuel
   consumptions are fixed shares of the target T. Per-vehicle NEV credits come from the
   year's rulebook through the library's pure functions
   (:func:`~linkage.accounting.bev_standard_credit` and the adjustment factors).
3. **NEV calibration** (2023): enterprises drawn into NEV deficit (conventional-based, liable
   to the requirement whatever their NEV share; most deficits small) share MIIT's NEV
   negative credits by capped weights, and each one's NEV volume follows from its deficit.
   The other enterprises' drawn raw NEV shares are scaled by one common factor per kind
   (bisection) so that their NEV positive credits match MIIT; the largest enterprises then
   absorb the residual left by the jumps of the 30,000 exemption. Balances are evaluated in
   whole vehicles and credits exactly as the accounting does.
4. **CAFC calibration** (2023): with the NEV mix fixed, each enterprise's CAFC credit per
   vehicle is linear in its ICE model's fuel consumption (kept within stated bounds and above
   the low-fuel-consumption threshold). Enterprises that can be in deficit are drawn into it
   (importers mostly); capped weights share MIIT's CAFC negative credits among them and its
   CAFC positive credits among the others; the ICE fuel consumption follows, in whole
   hundredths of L/100 km, the largest enterprises absorbing what that rounding moves.
   A draw that cannot meet MIIT's totals within 0.5 % (a rare split of sizes and NEV
   shares) is rejected and the same generator draws again, so a seed still gives one result;
   :attr:`Industry.assumptions` reports the rejections (``derived.rejected_draws``).
5. **Forward years**: volumes grow at drawn rates; every enterprise's NEV share follows a
   logistic (diffusion) curve whose logit rises by one yearly amount per kind, so that the
   kind's NEV share reaches a stated target in 2030 (laggards stay laggards); BEV ranges
   grow; ICE fuel consumption falls at a stated rate; the HEV share of conventional volume
   rises. Credits of every year, 2023 included, are then computed by the library's own
   accounting (:func:`~linkage.accounting.compute_credits`) from the representative fleet
   (:attr:`Industry.fleet`) with that year's rulebook: the 2024 and 2026 cuts of per-vehicle
   NEV credits, the NEV ratios, the low-fuel-consumption factor, the 30,000 exemption, the
   CAFC requirement and the accounting multipliers all come from the rules, never from a
   branch on the year.
6. **Abatement**: three NEV and three CAFC cost segments per enterprise (piecewise-linear cost
   curves) scaled with its volume in a reference year (2025).

Modules
-------
- :mod:`linkage.industry.assumptions`: the sourced assumption records, loaded and overridden;
- :mod:`linkage.industry.calibration`: draws of the 2023 enterprises and their calibration to
  MIIT (steps 1-4);
- :mod:`linkage.industry.projection`: forward years, the representative fleet, statements by
  the library's accounting, abatement curves (steps 5-6);
- :mod:`linkage.industry.generator`: :func:`illustrative_industry` and its result,
  :class:`Industry` (plain tables).

Assumptions
-----------
Every number the generator uses is an ``assumption`` stated in
``linkage/industry/data/industry_assumptions.toml`` with its unit and a sentence of text,
returned in :attr:`Industry.assumptions` and overridable through
``illustrative_industry(assumptions=...)``.
The main ones: lognormal size spreads 1.6 (domestic) and 1.4 (import); 30 % of domestic makers
NEV-focused; BEV share of NEV volume 45-95 %; BEV range 330-560 km in 2023, +15 km a year up
to 700 km; BEV consumption 72-92 % of Y(m); PHEV 100 km and 28 % of T; HEV 80 % of T; ICE fuel
consumption up to 1.80 x T (and above the 2023 requirement of 1.15 x T), -1.5 % a year; HEV
share of conventional volume +2 points a year up to 60 %; volume growth +2 %/year (domestic)
and -5 %/year (import); NEV share 75 % (domestic) and 35 % (import) in 2030; six affiliate
groups of 2-5 domestic makers; NEV abatement 6,000 / 12,000 / 24,000 CNY per extra NEV for
0.5 / 1 / 2 % of volume; CAFC abatement 1,500 / 4,000 / 9,000 CNY per L/100 km and vehicle
for 0.10 / 0.15 / 0.25 L/100 km.

Examples
--------
>>> from linkage.industry import illustrative_industry
>>> ind = illustrative_industry()                                    # doctest: +SKIP
>>> ind.calibration                                                  # doctest: +SKIP

The optimisation layer turns it into a scenario (this package never imports :mod:`optimize`):

>>> from optimize import industry_scenario_document
>>> doc = industry_scenario_document(ind, range(2024, 2027),
...     market={"nev_buy_price_cny_per_credit": 1500.0})              # doctest: +SKIP
"""

from linkage.industry.assumptions import IndustryDataError, assumptions_file, load_assumptions
from linkage.industry.backcast import backcast_industry
from linkage.industry.calibration import CALIBRATION_YEAR, KINDS
from linkage.industry.generator import Industry, illustrative_industry
from linkage.industry.projection import STATEMENT_COLUMNS

__all__ = [
    "CALIBRATION_YEAR",
    "KINDS",
    "STATEMENT_COLUMNS",
    "Industry",
    "IndustryDataError",
    "assumptions_file",
    "backcast_industry",
    "illustrative_industry",
    "load_assumptions",
]
