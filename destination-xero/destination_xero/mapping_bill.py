"""Mapping, bills: a received Autotask purchase order → one Xero bill (an ACCPAY invoice).

Why a document of its own: the paid Autotask-to-Xero sync offers "Xero PO or draft bill", and an admin
who does not use Xero's purchase orders wants the payable, not the order. `mappings.purchase_orders`
(config_mappings.PurchaseOrderMapping) says which: `send_as: purchase_order` (the default, the Xero PO
only, mapping_purchase_order.py), `bill` (the bill only), or `both` (the PO as today, the bill later).

When: a bill is made once the PO's Autotask status (its label, `statusName`) is one of `bill_when`
(default "Received Full" or "Received in Full"; trimmed, case-insensitive; the status id when the record
has no label). Before
that the PO yields a *held* bill document (`Document.held`): it is not mapped, writes nothing and creates
no contact; the planner looks it up only to tell the admin the truth: `skipped` "not received yet" when
Xero holds no such bill, `not_changeable` when it does (Autotask no longer says received: a receipt was
undone). A skipped document is not retried by the retry ledger, and need not be: the source emits a PO
again whenever its fingerprint (a hash of the whole record, status and `receivedDate` included:
source_autotask/sync.py `_fingerprint`) differs from the one it kept, so the PO comes back once received.
Receiving changes none of a PO's own dates, so the source also re-reads, each sync, the POs with a
receiving since its cursor minus the look-back window, however old they are (source_autotask `batches.py`);
only a database that refuses PurchaseOrderItemReceiving leaves a late receipt unseen until the PO's next
dated change (BEHAVIOR.md "Purchase orders as bills").

What the bill is:
- Type ACCPAY; Contact = the vendor, resolved exactly as the PO's vendor contact (resolution.py);
- InvoiceNumber = `bill_number_prefix` + the Autotask PO number (default "PO-"): on a bill Xero shows this
  element as "Reference", and it is our look-up key. ACCPAY numbers are the supplier's and not unique in
  Xero, so the look-up filters Type ACCPAY (an ACCREC invoice of the same number is never taken for it)
  and then the vendor's contact (lookups.lookup_bills, planner_bills.choose_bill);
- no `Reference`: Xero keeps Reference on sales invoices only and silently drops it on a bill
  (XeroAPI/Xero-NetStandard#249; XeroAPI/xero-mcp-server#121 maps a bill's reference to InvoiceNumber;
  the OpenAPI spec: "Reference: ACCREC only"), so sending the PO's external number there would change
  nothing in Xero and make every rerun plan an update;
- Date = the PO's `receivedDate` (the latest receiving) else its date; DueDate = Date + `bill_due_days`
  (always sent: Xero refuses to approve an invoice without one, xeroizer#395 per Xero's rjaus);
- Status = `bill_status` (default DRAFT, "draft bill" as the paid product offers); status only moves
  forward (planner.py), so a bill someone approved stays approved;
- LineItems: the PO lines at unit cost (4 dp and `unitdp=4` when a cost has digits past the cent: a bill
  is posted to the ledger, unlike a PO, so its amounts are kept exact), on `accounts.purchase` (else
  `default`) with `tax.purchase`, items attached as on PO lines, the freight as a line of its own;
  quantities are the ordered ones (the record carries no received quantity); a line of a stocked
  product's item (`items.inventory`) goes to the inventory asset account, where Xero posts it anyway;
- LineAmountTypes: Exclusive (NoTax when `status.line_amount_types` is NoTax). Why not the sales setting:
  Autotask's unit costs exclude tax, and Inclusive would read them as tax-inclusive and understate the
  cost by the purchase tax;
- CurrencyCode (and CurrencyRate) like the PO.
A cancelled Autotask PO yields a void bill document (key only): the planner deletes a DRAFT/SUBMITTED
bill, voids an AUTHORISED one without payments, reports a paid one, and skips when none was ever made.
A bill a person deleted or voided in Xero is never made again (planner_bills.py says why).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pendulum

from .config_mappings import PurchaseOrderMapping
from .documents import Document
from .mapping_common import (
    XERO_MAX_DATE,
    XERO_MIN_DATE,
    LineTally,
    MappingError,
    add_days,
    date_text,
    q4,
    xero_date,
)
from .mapping_item import ItemRules
from .mapping_rules import TenantRules
from .record_types import ProductRef, PurchaseOrder
from .rounding import needs_unitdp4, unit_amount


def sends_purchase_order(settings: PurchaseOrderMapping) -> bool:
    return settings.send_as in ("purchase_order", "both")


def sends_bill(settings: PurchaseOrderMapping) -> bool:
    return settings.send_as in ("bill", "both")


def _status_of(po: PurchaseOrder) -> str | None:
    return po.status_name or po.status


def bill_due(settings: PurchaseOrderMapping, po: PurchaseOrder) -> bool:
    """Whether Autotask's status says the PO is received as `bill_when` asks (its label, or its id)."""
    wanted = {status.strip().casefold() for status in settings.bill_when}
    held = {value.strip().casefold() for value in (po.status_name, po.status) if value}
    return bool(wanted & held)


def bill_number(settings: PurchaseOrderMapping, po: PurchaseOrder) -> str:
    return f"{settings.bill_number_prefix}{po.number}"


def held_reason(settings: PurchaseOrderMapping, po: PurchaseOrder) -> str:
    status = _status_of(po)
    shown = f"status {status!r}" if status else "no status"
    wanted = ", ".join(repr(s) for s in settings.bill_when)
    return (
        f"not received yet: Autotask gives {shown}; the bill is made when the purchase order is "
        f"{wanted} (mappings.purchase_orders.bill_when)"
    )


def bill_document(rules: TenantRules, items: ItemRules, po: PurchaseOrder) -> Document:
    """The bill for an Autotask PO: a void when it was cancelled, a held one until it is received, else
    the full ACCPAY invoice (mapping problems raised together as MappingError)."""
    settings = rules.m.purchase_orders
    number = bill_number(settings, po)
    base = {"Type": "ACCPAY", "InvoiceNumber": number}
    if po.cancelled:
        return _short(rules, po, number, base, contact=True, void=True)
    if not bill_due(settings, po):
        return _short(rules, po, number, base, held=held_reason(settings, po))
    return _full(rules, items, po, number)


def _short(
    rules: TenantRules,
    po: PurchaseOrder,
    number: str,
    payload: dict[str, Any],
    *,
    contact: bool = False,
    void: bool = False,
    held: str = "",
) -> Document:
    """A bill document that carries only what the look-up needs. A void keeps the vendor (so that the
    planner deletes only the vendor's own bill); a held one does not, so that a PO nobody has received
    yet creates no contact in Xero."""
    return Document(
        kind="bill",
        tenant_id=rules.tenant.tenant_id,
        key=number,
        source_id=po.id,
        payload=payload,
        contact=po.vendor if contact else None,
        void=void,
        autotask_number=po.number,
        held=held,
    )


def _full(rules: TenantRules, items: ItemRules, po: PurchaseOrder, number: str) -> Document:
    m = rules.m
    settings = m.purchase_orders
    problems: list[str] = []
    account = m.accounts.purchase or m.accounts.default
    if account is None:
        problems.append("no purchase account declared (mappings.accounts.purchase)")
    costs = [line.unit_cost for line in po.lines] + ([po.freight] if po.freight else [])
    dp = 4 if needs_unitdp4(costs) else 2
    coded = {**({"AccountCode": account} if account else {}), **_tax(m.tax.purchase)}
    tally = LineTally()
    lines: list[dict[str, Any]] = []
    for line in po.lines:
        element: dict[str, Any] = {
            "Description": tally.description(line.id, line.description),
            "Quantity": q4(line.quantity),
            "UnitAmount": unit_amount(line.unit_cost, dp),
            **coded,
        }
        items.attach(line.id, line.product, element, tally, problems)
        stocked_account(items, line.product, element)
        lines.append(element)
    if po.freight:
        freight = {
            "Description": "Freight",
            "Quantity": Decimal("1.0000"),
            "UnitAmount": unit_amount(po.freight, dp),
        }
        lines.append({**freight, **coded})
    if m.tax.purchase and m.tax.purchase not in m.tax.rates:
        rules.components(m.tax.purchase, problems)
    received = po.received_date or po.date
    issued = xero_date(received, "received date" if po.received_date else "purchase order date", problems)
    due = _due(received, settings.bill_due_days, problems) if issued else None
    payload: dict[str, Any] = {
        "Type": "ACCPAY",
        "InvoiceNumber": number,
        "Date": issued,
        "LineAmountTypes": "NoTax" if m.status.line_amount_types == "NoTax" else "Exclusive",
        "Status": settings.bill_status,
        "LineItems": lines,
    }
    if due is not None:
        payload["DueDate"] = due
    rules.currency(po.currency_code, po.exchange_rate, payload, problems)
    if problems:
        raise MappingError(f"bill {number}", problems)
    return Document(
        kind="bill",
        tenant_id=rules.tenant.tenant_id,
        key=number,
        source_id=po.id,
        payload=payload,
        contact=po.vendor,
        unitdp4=dp == 4,
        autotask_number=po.number,
        update_issued_rates=m.currency.update_issued_rates,
        **tally.fields(),
    )


def stocked_account(items: ItemRules, product: ProductRef | None, element: dict[str, Any]) -> None:
    """A purchase line of a stocked product's item goes to its inventory asset account: Xero posts the
    purchase of a tracked item there whatever account is sent (inventory.py), so sending the purchase
    account would read as a change on every rerun."""
    inventory = items.stock.inventory
    if (
        inventory is not None
        and product is not None
        and element.get("ItemCode")
        and items.stock.stocked(product)
    ):
        element["AccountCode"] = inventory.asset_account


def _tax(tax_type: str | None) -> dict[str, str]:
    return {"TaxType": tax_type} if tax_type else {}


def _due(start: pendulum.Date, days: int, problems: list[str]) -> str | None:
    due = add_days(start, days)
    if due is None or not XERO_MIN_DATE <= due <= XERO_MAX_DATE:
        problems.append(
            f"due date out of range: bill date {date_text(start)} + {days} days "
            "(mappings.purchase_orders.bill_due_days)"
        )
        return None
    return date_text(due)
