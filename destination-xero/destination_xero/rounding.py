"""Mapping's arithmetic: Xero's own rounding, reproduced, so the destination knows Xero's total before it
posts (mapping_invoice.py adds the rounding line and tax overrides this predicts).

Xero's rules (api-facts A4b, Xero's "rounding in Xero" guide):
- UnitAmount is rounded to 2 dp, or 4 dp when the request carries `unitdp=4`; Quantity keeps 4 dp;
- LineAmount = Quantity x UnitAmount rounded to 2 dp, half up;
- tax is computed per line on its LineAmount and rounded to 2 dp half up (for tax-inclusive lines, the tax
  contained in the amount), then summed; Total = SubTotal + TotalTax (exclusive) or Σ LineAmount (inclusive).
Compound components (UNCONFIRMED detail, our choice, matching the sandbox): in the tax rate's component
order, a compound component taxes the line amount plus every earlier component's tax; the components are
summed at full precision and the line's tax is rounded once.

Autotask keeps 4 dp everywhere and rounds once per figure, so Xero's total can be a cent or more away from
Autotask's invoiceTotal (rounded to cents, half up). `reconcile` measures that difference and returns the
explicit rounding line to add, or refuses when the difference exceeds the declared tolerance (a wrong tax
mapping, not rounding) or when no rounding account is declared. `match_tax` does the same for the tax:
Autotask's tax total is kept by overriding the TaxAmount of the fewest lines by one cent each (Xero
documents the override; it is the only way the tax, not just the total, can equal the invoice billed).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
_DP = {2: Decimal("0.01"), 4: Decimal("0.0001")}


def half_up(value: Decimal, places: int = 2) -> Decimal:
    return value.quantize(_DP[places], rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class TaxComponent:
    rate: Decimal  # percent
    compound: bool = False


NO_TAX: tuple[TaxComponent, ...] = ()


def needs_unitdp4(amounts: Iterable[Decimal]) -> bool:
    """True when any unit amount carries digits past the cent (it would be cut to 2 dp otherwise)."""
    return any(half_up(a, 4) != half_up(a, 2) for a in amounts)


def unit_amount(value: Decimal, unitdp: int) -> Decimal:
    return half_up(value, unitdp)


def line_amount(quantity: Decimal, unit: Decimal) -> Decimal:
    return half_up(half_up(quantity, 4) * unit)


def _exclusive_tax_exact(base: Decimal, components: Sequence[TaxComponent]) -> Decimal:
    """Components in the organisation's order; a compound one taxes the base plus every earlier tax."""
    tax = ZERO
    for c in components:
        tax += (base + tax if c.compound else base) * c.rate / HUNDRED
    return tax


def effective_rate(components: Sequence[TaxComponent]) -> Decimal:
    """The single percentage equal to the components (tax on 100 at full precision)."""
    return _exclusive_tax_exact(HUNDRED, components)


def line_tax(amount: Decimal, components: Sequence[TaxComponent], line_amount_types: str) -> Decimal:
    if line_amount_types == "NoTax" or not components:
        return ZERO
    if line_amount_types == "Inclusive":
        rate = effective_rate(components)
        return half_up(amount * rate / (HUNDRED + rate))
    return half_up(_exclusive_tax_exact(amount, components))


def fit_line(quantity: Decimal, unit: Decimal, target: Decimal, unitdp: int) -> tuple[Decimal, Decimal, bool]:
    """(quantity, unit amount, collapsed) whose Xero LineAmount equals `target` rounded to the cent.

    The unit amount rounded to `unitdp` (or one step either side) usually lands on the target; when the
    quantity is large enough that no unit amount does, the line is collapsed to quantity 1 at the target
    amount (Xero's own advice for over-precise prices; the caller keeps the detail in the description).
    """
    quantity = half_up(quantity, 4)
    wanted = half_up(target)
    rounded = half_up(unit, unitdp)
    step = _DP[unitdp]
    for candidate in (rounded, rounded + step, rounded - step):
        if line_amount(quantity, candidate) == wanted:
            return quantity, candidate, False
    return Decimal("1.0000"), wanted, True


@dataclass(frozen=True)
class LineIn:
    quantity: Decimal
    unit_amount: Decimal  # as it will be sent (already rounded to the request's unitdp)
    components: tuple[TaxComponent, ...] = NO_TAX


@dataclass(frozen=True)
class Totals:
    line_amounts: tuple[Decimal, ...]
    line_taxes: tuple[Decimal, ...]
    sub_total: Decimal
    total_tax: Decimal
    total: Decimal


def predict(lines: Sequence[LineIn], line_amount_types: str) -> Totals:
    """The SubTotal, TotalTax and Total Xero will compute for these lines."""
    amounts = tuple(line_amount(ln.quantity, ln.unit_amount) for ln in lines)
    taxes = tuple(line_tax(a, ln.components, line_amount_types) for a, ln in zip(amounts, lines, strict=True))
    total_tax = sum(taxes, ZERO)
    gross = sum(amounts, ZERO)
    if line_amount_types == "Inclusive":
        return Totals(amounts, taxes, gross - total_tax, total_tax, gross)
    return Totals(amounts, taxes, gross, total_tax, gross + total_tax)


def _exact_tax(amount: Decimal, components: Sequence[TaxComponent], line_amount_types: str) -> Decimal:
    if line_amount_types == "Inclusive":
        rate = effective_rate(components)
        return amount * rate / (HUNDRED + rate)
    return _exclusive_tax_exact(amount, components)


def match_tax(
    lines: Sequence[LineIn], totals: Totals, target_tax: Decimal, line_amount_types: str
) -> tuple[Decimal, ...] | None:
    """Per-line TaxAmounts that sum to `target_tax` (rounded to the cent), or None when Xero's own
    figures already do, or when no set of one-cent moves can (a wrong tax mapping is not rounding).

    Xero rounds tax per line; Autotask rounds its tax total once, so the two differ by a cent now and
    then, and a VAT return built from Xero would then disagree with the invoice the customer received.
    Each moved line stays within one cent of Xero's own figure, and the lines moved are those whose
    exact tax sat nearest the other side of the rounding, i.e. where Xero's rounding lost the most.
    """
    if line_amount_types == "NoTax":
        return None
    wanted = half_up(target_tax)
    difference = wanted - totals.total_tax
    if difference == 0:
        return None
    steps = int(abs(difference) / CENT)
    step = CENT if difference > 0 else -CENT
    candidates = []
    rows = zip(lines, totals.line_amounts, totals.line_taxes, strict=True)
    for index, (line, amount, tax) in enumerate(rows):
        if amount == 0 or not any(c.rate for c in line.components):
            continue
        moved = tax + step
        if (moved < 0 < amount) or (moved > 0 > amount):
            continue  # a tax never takes the opposite sign of its line
        remainder = _exact_tax(amount, line.components, line_amount_types) - tax
        candidates.append((remainder if step > 0 else -remainder, index))
    if steps > len(candidates) or steps * CENT != abs(difference):
        return None
    chosen = {index for _, index in sorted(candidates, reverse=True)[:steps]}
    return tuple(tax + step if i in chosen else tax for i, tax in enumerate(totals.line_taxes))


class RoundingRefused(ValueError):
    """Xero's total would differ from Autotask's and no explicit line may fix it; the message says why."""


def reconcile(
    predicted_total: Decimal,
    autotask_total: Decimal,
    tolerance: Decimal,
    rounding_account: str | None,
) -> Decimal:
    """The rounding-line amount that makes Xero's total equal Autotask's to the cent (0: none needed)."""
    target = half_up(autotask_total)
    difference = target - predicted_total
    if difference == 0:
        return ZERO
    if abs(difference) > tolerance:
        raise RoundingRefused(
            f"Xero would total {predicted_total} but Autotask's total is {target} (difference {difference}, "
            f"tolerance {tolerance}): check the tax mapping and rates"
        )
    if not rounding_account:
        raise RoundingRefused(
            f"Xero would total {predicted_total} but Autotask's total is {target}: declare "
            "mappings.rounding.account to add a rounding line"
        )
    return difference
