"""Credits <-> CO2e <-> CNY: pure, vectorised conversion functions over pint Quantities.

Every function takes a conversion basis (a :class:`ConversionBasis` or a preset name) and works
on scalars, numpy arrays and pandas Series alike. Inputs may be Quantities of
:data:`conversions.ureg` in any convertible unit, or plain numbers in the unit the docstring
names. Outputs are always Quantities (a numpy magnitude for array inputs; a Series loses its
index).

The factor "t CO2e per credit" is computed once per basis, credit and method *through the
basis's pint context* (:meth:`ConversionBasis.context_name`) and cached; the arrays are then
multiplied by it, so converting a million values costs about one numpy multiplication.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pint

from conversions.basis import ConversionBasis, check_method
from conversions.contexts import t_co2e_per_credit
from conversions.errors import ArgumentError, QuantityRegistryError, UnitDimensionalityError
from conversions.formulas import nev_lifetime_emissions
from conversions.presets import get_basis
from conversions.registry import Q_, as_magnitude, parse_unit, ureg
from conversions.vocabulary import renamed_parameters

__all__ = [
    "CREDITS",
    "cafc_credits_to_co2e",
    "co2e_to_cafc_credits",
    "co2e_to_nev_credits",
    "convert",
    "credit_value_at_cea_price",
    "exchange_rate",
    "implied_carbon_price",
    "nev_avoided_emissions",
    "nev_credits_to_co2e",
    "tonnes_per_credit",
]

CreditKind = Literal["cafc", "nev"]
Method = Literal["compliance", "avoided"]
BasisLike = ConversionBasis | str

#: Credit kinds: ``"cafc"`` (unit ``cafc_credit``) and ``"nev"`` (unit ``nev_credit``).
CREDITS: tuple[str, ...] = ("cafc", "nev")
_UNIT = {"cafc": ureg.cafc_credit, "nev": ureg.nev_credit}
_T = ureg.t_CO2e
_CNY = ureg.CNY
_CNY_PER_T = _CNY / _T

#: t CO2e per credit [t_CO2e/credit], computed once through the basis's context.
_factor = t_co2e_per_credit
#: Dimensions a basis context converts between (credits, CO2e and their prices in CNY).
_BASIS_DIMS = frozenset(
    ureg.parse_units(u).dimensionality
    for u in ("cafc_credit", "nev_credit", "t_CO2e", "CNY / cafc_credit", "CNY / nev_credit",
              "CNY / t_CO2e")
)


def _basis(basis: BasisLike) -> ConversionBasis:
    return get_basis(basis)


def _kind(credit: str) -> str:
    if credit not in CREDITS:
        raise ArgumentError(f"credit must be one of {', '.join(CREDITS)}, got {credit!r}")
    return credit


def _magnitude(value: Any, unit: pint.Unit) -> float | np.ndarray:
    """Magnitude of ``value`` in ``unit``; plain numbers are taken to be in ``unit``.

    Raises pint.DimensionalityError for a Quantity that cannot be converted (no context is
    active here).
    """
    if isinstance(value, pint.Quantity):
        if value._REGISTRY is not ureg:
            raise QuantityRegistryError(
                "the Quantity belongs to another pint registry; use conversions.Q_")
        if value.units == unit:
            return value.magnitude
        return value.m_as(unit)
    return as_magnitude(value)


def _infer(value: Any, credit: str | None, template: str) -> str:
    """Credit kind: ``credit`` if given, else from the units of a Quantity, else ``"cafc"``."""
    if credit is not None:
        return _kind(credit)
    if isinstance(value, pint.Quantity):
        for kind in CREDITS:
            expected = ureg.parse_units(template.format(_UNIT[kind]))
            if value.dimensionality == expected.dimensionality:
                return kind
        raise UnitDimensionalityError(
            value.units,
            template.format("cafc_credit or nev_credit"),
            extra_msg=" (pass credit='cafc' or 'nev' with the right units)",
        )
    return "cafc"


def tonnes_per_credit(
    basis: BasisLike, credit: CreditKind = "cafc", method: Method = "compliance"
) -> pint.Quantity:
    """CO2e one credit stands for under ``basis``.

    Parameters
    ----------
    basis : ConversionBasis or str
        Basis or preset name.
    credit : {"cafc", "nev"}, default "cafc"
        Credit kind.
    method : {"compliance", "avoided"}, default "compliance"
        How an NEV credit is valued (see :func:`nev_credits_to_co2e`); a CAFC credit has the
        same value under both.

    Returns
    -------
    Quantity
        [t_CO2e/cafc_credit] or [t_CO2e/nev_credit].

    Notes
    -----
    CAFC: (1 L/100 km) x lifetime_km / 100 x kg_CO2_per_L x gap x (1 + uplift) / 1000
    (carbon-linkage reference, section 1). ``ttw-lab``: 1500 L x 2.348 kg/L = 3.522 t;
    ``ttw-real-world``: x 1.37 = 4.825 t.
    """
    b, kind = _basis(basis), _kind(credit)
    return Q_(_factor(b, kind, check_method(method)), _T / _UNIT[kind])


def exchange_rate(
    basis: BasisLike, credit: CreditKind = "cafc", method: Method = "compliance"
) -> pint.Quantity:
    """Credits per t CO2e: the inverse of :func:`tonnes_per_credit`.

    Parameters
    ----------
    basis : ConversionBasis or str
        Basis or preset name.
    credit : {"cafc", "nev"}, default "cafc"
        Credit kind.
    method : {"compliance", "avoided"}, default "compliance"
        How an NEV credit is valued.

    Returns
    -------
    Quantity
        [cafc_credit/t_CO2e] or [nev_credit/t_CO2e].
    """
    b, kind = _basis(basis), _kind(credit)
    return Q_(1.0 / _factor(b, kind, check_method(method)), _UNIT[kind] / _T)


def cafc_credits_to_co2e(credits: Any, basis: BasisLike) -> pint.Quantity:
    """CO2e of CAFC credits.

    Parameters
    ----------
    credits : Quantity, number, array-like or Series
        CAFC credits [cafc_credit] (any unit of dimension L/100 km x vehicle; plain numbers are
        cafc_credit).
    basis : ConversionBasis or str
        Basis or preset name.

    Returns
    -------
    Quantity
        [t_CO2e], same shape as ``credits``.

    Raises
    ------
    pint.DimensionalityError
        When ``credits`` is not a CAFC credit quantity (e.g. NEV credits).

    Examples
    --------
    >>> cafc_credits_to_co2e(1, "ttw-lab")  # 1500 L x 2.348 kg/L
    <Quantity(3.522, 't_CO2e')>
    """
    b = _basis(basis)
    return Q_(_magnitude(credits, _UNIT["cafc"]) * _factor(b, "cafc", "compliance"), _T)


def co2e_to_cafc_credits(co2e: Any, basis: BasisLike) -> pint.Quantity:
    """CAFC credits equivalent to a CO2e mass (inverse of :func:`cafc_credits_to_co2e`).

    Parameters
    ----------
    co2e : Quantity, number, array-like or Series
        CO2e mass [t_CO2e] (plain numbers are t_CO2e; a fuel mass in kg is refused).
    basis : ConversionBasis or str
        Basis or preset name.

    Returns
    -------
    Quantity
        [cafc_credit].
    """
    b = _basis(basis)
    return Q_(_magnitude(co2e, _T) / _factor(b, "cafc", "compliance"), _UNIT["cafc"])


def nev_credits_to_co2e(
    credits: Any, basis: BasisLike, method: Method = "compliance"
) -> pint.Quantity:
    """CO2e of NEV credits, by compliance equivalence or by avoided emissions.

    Parameters
    ----------
    credits : Quantity, number, array-like or Series
        NEV credits [nev_credit] (plain numbers are nev_credit).
    basis : ConversionBasis or str
        Basis or preset name.
    method : {"compliance", "avoided"}, default "compliance"
        ``compliance``: an NEV credit clears one CAFC credit (the Measures allow NEV credits to
        offset CAFC deficits one for one), so it is worth what a CAFC credit is worth.
        ``avoided``: the lifetime emissions of the displaced conventional car minus the NEV's
        grid emissions, divided by the NEV's credits per vehicle.

    Returns
    -------
    Quantity
        [t_CO2e].

    Raises
    ------
    BasisValueError
        ``avoided``, when the basis's NEV emits as much as the car it displaces or more.

    Notes
    -----
    Avoided, per NEV credit:

    (fc x D x g x c x (1 + u)  -  e x D x g x f) / n

    fc displaced fuel consumption [L/100 km], e NEV energy consumption [kWh/100 km], D lifetime
    distance [km], g real-world gap, c CO2 per litre [kg/L], u upstream uplift, f grid factor
    [kg/kWh], n NEV credits per vehicle. The gap applies to both cars (both consumptions are
    type-approval values); the upstream uplift applies to the fuel only (the grid factor
    already counts generation). See :func:`nev_avoided_emissions` for the breakdown.
    """
    b = _basis(basis)
    f = _factor(b, "nev", check_method(method))
    return Q_(_magnitude(credits, _UNIT["nev"]) * f, _T)


def co2e_to_nev_credits(
    co2e: Any, basis: BasisLike, method: Method = "compliance"
) -> pint.Quantity:
    """NEV credits equivalent to a CO2e mass (inverse of :func:`nev_credits_to_co2e`).

    Parameters
    ----------
    co2e : Quantity, number, array-like or Series
        CO2e mass [t_CO2e] (plain numbers are t_CO2e).
    basis : ConversionBasis or str
        Basis or preset name.
    method : {"compliance", "avoided"}, default "compliance"
        As in :func:`nev_credits_to_co2e`.

    Returns
    -------
    Quantity
        [nev_credit].
    """
    b = _basis(basis)
    f = _factor(b, "nev", check_method(method))
    return Q_(_magnitude(co2e, _T) / f, _UNIT["nev"])


def implied_carbon_price(
    credit_price: Any,
    basis: BasisLike,
    credit: CreditKind | None = None,
    method: Method = "compliance",
) -> pint.Quantity:
    """Carbon price implied by a credit price: CNY per credit / t CO2e per credit.

    Parameters
    ----------
    credit_price : Quantity, number, array-like or Series
        Credit price [CNY/nev_credit or CNY/cafc_credit] (plain numbers: CNY per credit of
        kind ``credit``).
    basis : ConversionBasis or str
        Basis or preset name.
    credit : {"cafc", "nev"}, optional
        Credit kind; default: from the units of a Quantity, else ``"cafc"`` (the same value as
        ``"nev"`` under ``method="compliance"``).
    method : {"compliance", "avoided"}, default "compliance"
        How an NEV credit is valued.

    Returns
    -------
    Quantity
        [CNY/t_CO2e].

    Examples
    --------
    The 2021 NEV credit price, 2,088 CNY, at 4.825 t per credit (``ttw-real-world``):

    >>> implied_carbon_price(Q_(2088, "CNY/nev_credit"), "ttw-real-world")  # doctest: +ELLIPSIS
    <Quantity(432.73..., 'CNY / t_CO2e')>
    """
    b = _basis(basis)
    kind = _infer(credit_price, credit, "CNY / {}")
    m = _magnitude(credit_price, _CNY / _UNIT[kind])
    return Q_(m / _factor(b, kind, check_method(method)), _CNY_PER_T)


@renamed_parameters("python.credit_value_at_cea_price")
def credit_value_at_cea_price(
    credits: Any,
    cea_price_cny_per_t_co2e: Any,
    basis: BasisLike,
    credit: CreditKind | None = None,
    method: Method = "compliance",
) -> pint.Quantity:
    """What credits would be worth at a carbon-allowance (CEA) price: CO2e x CNY per t.

    Parameters
    ----------
    credits : Quantity, number, array-like or Series
        Credits [cafc_credit or nev_credit] (plain numbers: credits of kind ``credit``).
    cea_price_cny_per_t_co2e : Quantity, number, array-like or Series
        CEA price [CNY/t_CO2e] (plain numbers are CNY/t_CO2e); broadcast against ``credits``.
        (``cea_price``, its name before the one-vocabulary rename, still works as a keyword
        with a :class:`DeprecationWarning`.)
    basis : ConversionBasis or str
        Basis or preset name.
    credit : {"cafc", "nev"}, optional
        Credit kind; default: from the units of a Quantity, else ``"cafc"``.
    method : {"compliance", "avoided"}, default "compliance"
        How an NEV credit is valued.

    Returns
    -------
    Quantity
        [CNY].
    """
    b = _basis(basis)
    kind = _infer(credits, credit, "{}")
    tonnes = _magnitude(credits, _UNIT[kind]) * _factor(b, kind, check_method(method))
    return Q_(tonnes * _magnitude(cea_price_cny_per_t_co2e, _CNY_PER_T), _CNY)


def nev_avoided_emissions(basis: BasisLike) -> dict[str, pint.Quantity]:
    """Breakdown of the avoided-emissions value of an NEV credit under ``basis``.

    Parameters
    ----------
    basis : ConversionBasis or str
        Basis or preset name.

    Returns
    -------
    dict
        ``conventional`` and ``nev`` lifetime emissions [t_CO2e/vehicle], ``avoided``
        (their difference) [t_CO2e/vehicle], ``per_credit`` [t_CO2e/nev_credit].
    """
    b = _basis(basis)
    a = b.assumptions
    conventional, nev = nev_lifetime_emissions(
        **{k: v for k, v in a.items() if k != "nev_credit_per_vehicle"}
    )
    return {
        "conventional": conventional,
        "nev": nev,
        "avoided": conventional - nev,
        "per_credit": tonnes_per_credit(b, "nev", "avoided"),
    }


def convert(
    value: Any,
    unit: str | None,
    to: str,
    basis: BasisLike | None = None,
    method: Method = "compliance",
) -> pint.Quantity:
    """Convert between any units of the registry; across credits and CO2e with a basis.

    Parameters
    ----------
    value : number, array-like or Quantity
        Value(s) in ``unit``; a Quantity needs ``unit=None``.
    unit : str or None
        Unit of ``value``, e.g. ``"cafc_credit"``, ``"CNY/nev_credit"``, ``"kWh"``.
    to : str
        Target unit, e.g. ``"t_CO2e"``, ``"CNY/t_CO2e"``.
    basis : ConversionBasis or str, optional
        Needed to cross between credits (or CNY per credit) and CO2e (or CNY per t CO2e):
        the conversion runs inside the basis's pint context.
    method : {"compliance", "avoided"}, default "compliance"
        How an NEV credit is valued.

    Returns
    -------
    Quantity
        In ``to``.

    Raises
    ------
    UnitDimensionalityError
        When the units are not convertible (without a basis: any credit <-> CO2e conversion);
        also a :class:`pint.DimensionalityError`.
    UndefinedUnitExpressionError
        For an unknown unit name; also a :class:`pint.UndefinedUnitError`.
    UnitExpressionError
        For a malformed unit expression, or one with a number in it (``L/100km``: write
        ``L_per_100km``).
    ArgumentError
        For an amount that is not a finite number (``inf``, ``nan``, a text, a boolean).

    Examples
    --------
    >>> convert(1000, "cafc_credit", "t_CO2e", basis="ttw-lab")
    <Quantity(3522.0, 't_CO2e')>
    """
    dst = parse_unit(to)
    if isinstance(value, pint.Quantity):
        if unit is not None:
            raise ArgumentError("give unit=None with a Quantity value (it has its own unit)")
        q = value
        if q._REGISTRY is not ureg:
            raise QuantityRegistryError(
                "the Quantity belongs to another pint registry; use conversions.Q_")
    else:
        if unit is None:
            raise ArgumentError("unit is required with a plain value")
        q = Q_(_finite_amount(value), parse_unit(unit))
    _finite_amount(q.magnitude)
    if basis is None:
        try:
            return q.to(dst)
        except pint.DimensionalityError as exc:
            extra = ""
            if {q.dimensionality, dst.dimensionality} <= _BASIS_DIMS:
                extra = ("; converting between credits and CO2e needs a conversion basis "
                         "(basis=... in Python, --basis NAME on the command line)")
            raise UnitDimensionalityError(exc.units1, exc.units2, exc.dim1, exc.dim2,
                                          extra_msg=exc.extra_msg + extra) from None
    b = _basis(basis)
    with ureg.context(b.context_name(check_method(method))):
        try:
            return q.to(dst)
        except pint.DimensionalityError as exc:
            raise UnitDimensionalityError(exc.units1, exc.units2, exc.dim1, exc.dim2,
                                          extra_msg=exc.extra_msg) from None


def _finite_amount(value: Any) -> float | np.ndarray:
    """The magnitude of an amount to convert; refuses booleans, texts and non-finite values."""
    if isinstance(value, bool | np.bool_ | str | bytes):
        raise ArgumentError(f"the amount must be a number, got {value!r}")
    try:
        m = as_magnitude(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"the amount must be a number, got {value!r}") from None
    if not np.all(np.isfinite(m)):
        raise ArgumentError(f"the amount must be a finite number, got {value!r}")
    return m
