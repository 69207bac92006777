"""The pint contexts of conversion bases: where credits become CO2e.

Each (basis, method) pair gets one named :class:`pint.Context`, registered in
:data:`conversions.ureg` the first time it is asked for (:meth:`ConversionBasis.context_name`)
and kept for the life of the process. The context's *defaults* are the basis's assumptions, and
its transformations compute the CO2e of a credit from them with the functions of
:mod:`conversions.formulas`; so the context itself carries the assumptions.

Transformations (both directions each):

========================  ============================  =====================================
from                      to                            method
========================  ============================  =====================================
CAFC credit               CO2e mass                     both
CNY per CAFC credit       CNY per CO2e mass             both
NEV credit                CAFC credit (one for one)     compliance
CNY per NEV credit        CNY per CAFC credit           compliance
NEV credit                CO2e mass                     avoided
CNY per NEV credit        CNY per CO2e mass             avoided
========================  ============================  =====================================

Under ``compliance`` an NEV credit reaches CO2e through the CAFC credit it clears (pint chains
the two transformations). The dimension of a CAFC credit is ``[length] ** 2 * [vehicle]``:
any quantity of that dimension converts. Registering contexts is not thread-safe; neither is
pint's registry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import pint

from conversions.formulas import co2e_per_cafc_credit, co2e_per_nev_credit_avoided
from conversions.registry import Q_, ureg

__all__ = [
    "CAFC_DIM",
    "CAFC_PER_NEV_CREDIT",
    "CO2E_DIM",
    "NEV_DIM",
    "ConversionBasisLike",
    "register_context",
    "t_co2e_per_credit",
]


class ConversionBasisLike(Protocol):
    """What a context needs of a :class:`~conversions.ConversionBasis` (this module sits below
    :mod:`conversions.basis`, which imports it)."""

    @property
    def name(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...

    @property
    def assumptions(self) -> dict[str, pint.Quantity]: ...

    def context_name(self, method: str = "compliance") -> str: ...


CAFC_DIM = "[length] ** 2 * [vehicle]"
NEV_DIM = "[nev_credit]"
CO2E_DIM = "[CO2e_mass]"

#: Compliance rule: an NEV credit offsets one CAFC credit (the Measures, MIIT Order No. 44
#: (2017) as amended: NEV positive credits may offset CAFC negative credits one for one).
CAFC_PER_NEV_CREDIT = Q_(1.0, "cafc_credit / nev_credit")

_CAFC_KEYS = ("co2_per_litre", "upstream_uplift", "lifetime_distance", "real_world_gap")
_registered: dict[tuple[str, str, str], str] = {}
_lock = threading.Lock()

PerUnit = Callable[[dict[str, Any]], pint.Quantity]


def _cafc(p: dict[str, Any]) -> pint.Quantity:
    return co2e_per_cafc_credit(**{k: p[k] for k in _CAFC_KEYS})


def _nev_avoided(p: dict[str, Any]) -> pint.Quantity:
    return co2e_per_nev_credit_avoided(**p)


def _nev_compliance(p: dict[str, Any]) -> pint.Quantity:
    return CAFC_PER_NEV_CREDIT


def _add_pair(ctx: pint.Context, src: str, dst: str, per_unit: PerUnit) -> None:
    """Add src <-> dst (x per_unit) and CNY/src <-> CNY/dst (/ per_unit) to ``ctx``."""
    ctx.add_transformation(src, dst, lambda _ureg, x, **p: x * per_unit(p))
    ctx.add_transformation(dst, src, lambda _ureg, x, **p: x / per_unit(p))
    price_src, price_dst = f"[currency] / ({src})", f"[currency] / ({dst})"
    ctx.add_transformation(price_src, price_dst, lambda _ureg, x, **p: x / per_unit(p))
    ctx.add_transformation(price_dst, price_src, lambda _ureg, x, **p: x * per_unit(p))


def build_context(name: str, method: str, assumptions: dict[str, pint.Quantity]) -> pint.Context:
    """A pint Context named ``name`` converting credits with ``assumptions`` by ``method``.

    Parameters
    ----------
    name : str
        Context name.
    method : {"compliance", "avoided"}
        How NEV credits are valued.
    assumptions : dict
        Assumption -> Quantity, as :attr:`ConversionBasis.assumptions`; they become the
        context's defaults and are passed to the transformations.

    Returns
    -------
    pint.Context
    """
    ctx = pint.Context(name, defaults=dict(assumptions))
    _add_pair(ctx, CAFC_DIM, CO2E_DIM, _cafc)
    if method == "compliance":
        _add_pair(ctx, NEV_DIM, CAFC_DIM, _nev_compliance)
    else:
        _add_pair(ctx, NEV_DIM, CO2E_DIM, _nev_avoided)
    return ctx


def register_context(basis: ConversionBasisLike, method: str) -> str:
    """Register (once) and return the name of the context of ``basis`` and ``method``."""
    key = (basis.name, basis.fingerprint, method)
    name = _registered.get(key)
    if name is not None:
        return name
    with _lock:
        name = _registered.get(key)
        if name is None:
            name = f"{basis.name}:{method}@{basis.fingerprint[:12]}"
            ureg.add_context(build_context(name, method, basis.assumptions))
            _registered[key] = name
    return name


#: Credit units by kind, and the cache of :func:`t_co2e_per_credit`.
_CREDIT_UNIT = {"cafc": ureg.cafc_credit, "nev": ureg.nev_credit}
_factors: dict[tuple[str, str, str], float] = {}


def t_co2e_per_credit(basis: ConversionBasisLike, credit: str, method: str) -> float:
    """t CO2e per credit [t_CO2e/credit], computed once through the basis's context.

    ``credit`` (``"cafc"``, ``"nev"``) and ``method`` are taken as checked; the public, checked
    form is :func:`conversions.tonnes_per_credit`.
    """
    key = (basis.fingerprint, credit, method)
    f = _factors.get(key)
    if f is None:
        with ureg.context(basis.context_name(method)):
            f = float(Q_(1.0, _CREDIT_UNIT[credit]).to(ureg.t_CO2e).magnitude)
        _factors[key] = f
    return f

