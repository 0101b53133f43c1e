"""Line items of invoices, credit notes and purchase orders: references, amounts, tax and tracking.

Why separate from the document rules: pricing a line is the arithmetic our users judge us by ("totals
equal to the cent"), and the same code prices seeded documents, new documents and updates.

Choices (UNCONFIRMED in the sources, each picked so a sloppy client fails here rather than in Xero):
- a LineAmount sent together with Quantity and UnitAmount must equal Xero's own result
  (round_half_up(Quantity x UnitAmount less discount, 2)); a mismatch is an element error instead of a
  silent recalculation, so a client that rounds differently (half-even, subtotal tax) finds out here;
- Quantity defaults to 1 when an amount is given; UnitAmount is derived from LineAmount / Quantity when
  only LineAmount is given; a line with neither is a description-only line (amount 0);
- a TaxAmount sent on a line is kept as an override (Xero allows it); on a NoTax document tax is 0;
- discounts (DiscountRate/DiscountAmount) only on ACCREC invoices and purchase orders;
- lines of a SUBMITTED/AUTHORISED document that carry an amount must name an account;
- a line may be coded to any active non-bank, non-system account, but its TaxType must be allowed on the
  account's class (TaxRates.CanApplyTo*) — this is what keeps revenue tax codes off expense accounts;
- tracking categories and options are matched by ID or by name (case-insensitive) and must be ACTIVE.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import wire
from .rounding import (
    HUNDRED,
    QUANTITY,
    ZERO,
    Totals,
    document_totals,
    line_amount,
    line_tax,
    quantize,
    round_money,
    unit_step,
)
from .rules_common import line_account, tax_allowed_on, tax_rate

if TYPE_CHECKING:
    from .book import Book


def reprice_input(line: dict[str, Any]) -> dict[str, Any]:
    """A stored line turned back into what a client would have sent (computed values dropped)."""
    again = {k: v for k, v in line.items() if k not in ("_Discount",)}
    if again.get("Quantity") is not None and again.get("UnitAmount") is not None:
        again.pop("LineAmount", None)
    if not again.get("_TaxAmountSent"):
        again.pop("TaxAmount", None)
    again.pop("_TaxAmountSent", None)
    return again


@dataclass(frozen=True)
class LineContext:
    noun: str
    sales: bool
    discounts: bool
    require_account: bool


MISSING_ACCOUNT = (
    "An AccountCode must be specified for every line item with an amount on a submitted or approved document."
)


def kept_line_errors(lines: list[dict[str, Any]], ctx: LineContext) -> list[str]:
    """What a status change asks of stored lines an update leaves as they are (no re-pricing)."""
    if not ctx.require_account:
        return []
    for line in lines:
        if (line.get("LineAmount") or ZERO) != ZERO and not line.get("AccountID"):
            return [MISSING_ACCOUNT]
    return []


def price_lines(
    book: Book,
    lines: list[dict[str, Any]],
    line_amount_types: str,
    unitdp: int,
    ctx: LineContext | None,
    *,
    strict: bool = True,
) -> tuple[list[dict[str, Any]], Totals, list[str]]:
    """Priced lines (internal form), document totals and the element errors (empty when strict=False)."""
    errors: list[str] = []
    priced = [price_line(book, line, line_amount_types, unitdp, ctx, errors) for line in lines]
    totals = document_totals(
        (
            (line.get("LineAmount") or ZERO, line.get("TaxAmount") or ZERO, line.get("_Discount") or ZERO)
            for line in priced
        ),
        line_amount_types,
    )
    return priced, totals, errors if strict else []


def price_line(
    book: Book, line: dict[str, Any], lat: str, unitdp: int, ctx: LineContext | None, errors: list[str]
) -> dict[str, Any]:
    out = dict(line)
    out.setdefault("LineItemID", book.new_id())
    sales = ctx.sales if ctx else True
    item = None
    item_code = line.get("ItemCode") or (line.get("Item") or {}).get("Code")
    if item_code:
        item = book.find("Items", str(item_code))
        if item is None or str(item.get("Code", "")).lower() != str(item_code).lower():
            errors.append(f"Item code '{item_code}' is not valid.")
            item = None
    if item is not None:
        out["ItemCode"] = item["Code"]
        out["Item"] = {"ItemID": item["ItemID"], "Code": item["Code"], "Name": item.get("Name")}
        details = item.get("SalesDetails" if sales else "PurchaseDetails") or {}
        if not line.get("Description"):
            described = item.get("Description" if sales else "PurchaseDescription") or item.get("Name")
            if described:
                out["Description"] = described
        if (
            line.get("UnitAmount") is None
            and line.get("LineAmount") is None
            and details.get("UnitPrice") is not None
        ):
            out["UnitAmount"] = wire.to_decimal(details["UnitPrice"])
        if not line.get("AccountCode") and not line.get("AccountID") and details.get("AccountCode"):
            out["AccountCode"] = details["AccountCode"]
        if not line.get("TaxType") and details.get("TaxType"):
            out["TaxType"] = details["TaxType"]
    if ctx is not None and not out.get("Description") and item is None:
        errors.append("Description or ItemCode must be specified for every line item.")

    account = line_account(book, out, errors)
    if account is not None:
        out["AccountCode"] = account.get("Code")
        out["AccountID"] = account["AccountID"]

    # Amounts.
    quantity = out.get("Quantity")
    unit = out.get("UnitAmount")
    sent_amount = line.get("LineAmount")
    discount_rate = out.get("DiscountRate")
    discount_amount = out.get("DiscountAmount")
    has_discount = (discount_rate not in (None, ZERO)) or (discount_amount not in (None, ZERO))
    if ctx is not None and has_discount and not ctx.discounts:
        errors.append(f"Discounts are not supported on this type of {ctx.noun.lower()}.")
    if discount_rate is not None and not ZERO <= discount_rate <= HUNDRED:
        errors.append("DiscountRate must be between 0 and 100.")
    step = unit_step(unitdp)
    if quantity is not None:
        quantity = quantize(quantity, QUANTITY)
    if unit is not None:
        unit = quantize(unit, step)
    if quantity is None and (unit is not None or sent_amount is not None):
        quantity = Decimal(1).quantize(QUANTITY)
    if unit is None and sent_amount is not None and quantity:
        unit = quantize(sent_amount / quantity, step)
    if quantity is not None and unit is not None:
        amount = line_amount(quantity, unit, discount_rate, discount_amount)
        if sent_amount is not None and round_money(sent_amount) != amount and ctx is not None:
            errors.append(
                f"The LineAmount {sent_amount} does not equal Quantity x UnitAmount less discount ({amount})."
            )
        out["Quantity"] = quantity
        out["UnitAmount"] = unit
    elif sent_amount is not None:
        amount = round_money(sent_amount)
    else:
        amount = ZERO
    out["LineAmount"] = amount
    gross = round_money(quantity * unit) if quantity is not None and unit is not None else amount
    out["_Discount"] = gross - amount if has_discount else ZERO

    # Tax.
    rate = None
    tax_type = out.get("TaxType")
    if not tax_type and account is not None and account.get("TaxType") and lat != "NoTax":
        tax_type = account["TaxType"]
        out["TaxType"] = tax_type
    if tax_type:
        rate = tax_rate(book, tax_type, errors)
        if rate is not None and not tax_allowed_on(rate, account, errors):
            rate = None
    if lat == "NoTax" or rate is None:
        tax = ZERO
    elif line.get("TaxAmount") is not None:
        tax = round_money(line["TaxAmount"])
        out["_TaxAmountSent"] = True
    else:
        from .rules_seed import tax_components

        tax = line_tax(amount, tax_components(rate), lat)
    out["TaxAmount"] = tax

    # Tracking.
    tracking = out.get("Tracking") or []
    if tracking:
        out["Tracking"] = _tracking(book, tracking, errors)
    else:
        out["Tracking"] = []
    if (
        ctx is not None
        and ctx.require_account
        and amount != ZERO
        and account is None
        and not any("Account" in e for e in errors)
    ):
        errors.append(MISSING_ACCOUNT)
    return out


def _tracking(book: Book, tracking: list[dict[str, Any]], errors: list[str]) -> list[dict[str, Any]]:
    if len(tracking) > 2:
        errors.append("A line item can have at most 2 tracking categories.")
        return []
    categories = book.records("TrackingCategories")
    resolved: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in tracking:
        category = None
        if entry.get("TrackingCategoryID"):
            category = book.get("TrackingCategories", entry["TrackingCategoryID"])
        elif entry.get("Name"):
            wanted = str(entry["Name"]).lower()
            category = next((c for c in categories if str(c.get("Name", "")).lower() == wanted), None)
        label = entry.get("Name") or entry.get("TrackingCategoryID") or ""
        if category is None or category.get("Status", "ACTIVE") != "ACTIVE":
            errors.append(f"The tracking category '{label}' does not exist or is not active.")
            continue
        if category["TrackingCategoryID"] in seen:
            errors.append(
                f"The tracking category '{category.get('Name')}' is used more than once on a line item."
            )
            continue
        seen.add(category["TrackingCategoryID"])
        option = None
        options = category.get("Options") or []
        if entry.get("TrackingOptionID"):
            wanted_id = str(entry["TrackingOptionID"]).lower()
            option = next(
                (o for o in options if str(o.get("TrackingOptionID", "")).lower() == wanted_id), None
            )
        elif entry.get("Option"):
            wanted = str(entry["Option"]).lower()
            option = next((o for o in options if str(o.get("Name", "")).lower() == wanted), None)
        option_label = entry.get("Option") or entry.get("TrackingOptionID") or ""
        if option is None or option.get("Status", "ACTIVE") != "ACTIVE":
            errors.append(
                f"The tracking option '{option_label}' does not exist or is not active in tracking "
                f"category '{category.get('Name')}'."
            )
            continue
        resolved.append(
            {
                "TrackingCategoryID": category["TrackingCategoryID"],
                "TrackingOptionID": option["TrackingOptionID"],
                "Name": category.get("Name"),
                "Option": option.get("Name"),
            }
        )
    return resolved
