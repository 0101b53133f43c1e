"""Decimal money arithmetic shared by the generator and the tests' invariants.

Autotask stores amounts with 4 decimal places; every derived figure here is rounded once, half-up, at the
point Autotask would store it, so that `invoiceTotal == Σ extendedPrice + Σ taxDollars` holds exactly.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

FOUR_DP = Decimal("0.0001")
TWO_DP = Decimal("0.01")
ZERO = Decimal("0.0000")
HUNDRED = Decimal(100)


def q4(value: Decimal) -> Decimal:
    """Round to Autotask's storage precision (4 dp, half-up)."""
    return value.quantize(FOUR_DP, rounding=ROUND_HALF_UP)


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO_DP, rounding=ROUND_HALF_UP)


def line_tax(base: Decimal, rates: Iterable[tuple[Decimal, bool]]) -> Decimal:
    """Tax on one line from its region x category tax rows: `(percent, is_compounded)` pairs.

    Plain rows apply to the net amount; compounded rows apply to the net amount plus every plain tax (the
    way Autotask and Xero both define a compound component). Components are summed at full precision and
    the line's taxDollars is rounded once.
    """
    rows = list(rates)
    plain = sum((base * rate / HUNDRED for rate, compounded in rows if not compounded), Decimal(0))
    compound = sum(((base + plain) * rate / HUNDRED for rate, compounded in rows if compounded), Decimal(0))
    return q4(plain + compound)


def effective_rate(rates: Iterable[tuple[Decimal, bool]]) -> Decimal:
    """The single percentage equivalent to a set of plain and compound components (Xero's EffectiveRate)."""
    rows = list(rates)
    plain = sum((rate for rate, compounded in rows if not compounded), Decimal(0))
    compound = sum(
        (rate * (HUNDRED + plain) / HUNDRED for rate, compounded in rows if compounded), Decimal(0)
    )
    return q4(plain + compound)


def to_internal(amount: Decimal, exchange_rate: Decimal) -> Decimal:
    """Customer currency to internal currency; Autotask's exchangeRate is foreign units per internal unit."""
    if exchange_rate == 1:
        return amount
    return q4(amount / exchange_rate)
