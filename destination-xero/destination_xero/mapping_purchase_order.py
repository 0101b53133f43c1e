"""Mapping, purchase orders: one Autotask purchase order → one Xero purchase order.

Why apart from invoices: a purchase order is not posted to the ledger, so none of the invoice's amount
work applies (no rounding prediction, no tax matching, no 4-dp units: Xero's PurchaseOrders take no
`unitdp`). Its own rules: every line (and the freight, as a line of its own) on `accounts.purchase` (else
`default`) with `tax.purchase` (a stocked product's item line on its inventory asset account, where Xero
posts a tracked item's purchase: mapping_bill.stocked_account); numbered like invoices under
`numbering: prefix`, else by the Autotask number; a cancelled purchase order is planned as a void
(DELETED: Xero has no VOIDED purchase order). `mappings.purchase_orders.send_as` says whether a PO is sent
as this, as a bill (mapping_bill.py), or both.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .documents import Document
from .mapping_bill import stocked_account
from .mapping_common import LineTally, MappingError, q4, xero_date
from .mapping_item import ItemRules
from .mapping_rules import TenantRules
from .record_types import PurchaseOrder
from .rounding import unit_amount


def purchase_order_document(rules: TenantRules, items: ItemRules, po: PurchaseOrder) -> Document:
    """The Xero purchase order for an Autotask one, under the vendor's contact (resolved later)."""
    m = rules.m
    problems: list[str] = []
    account = m.accounts.purchase or m.accounts.default
    if account is None:
        problems.append("no purchase account declared (mappings.accounts.purchase)")
    lines = []
    tally = LineTally()
    purchase_tax = {"TaxType": m.tax.purchase} if m.tax.purchase else {}
    for line in po.lines:
        # Xero purchase orders take no unitdp=4: unit costs go at 2 dp and the quantity is kept (a PO
        # is not posted to the ledger; its quantities matter more than a sub-cent line difference).
        element: dict[str, Any] = {
            "Description": tally.description(line.id, line.description),
            "Quantity": q4(line.quantity),
            "UnitAmount": unit_amount(line.unit_cost, 2),
            **({"AccountCode": account} if account else {}),
            **purchase_tax,
        }
        items.attach(line.id, line.product, element, tally, problems)
        stocked_account(items, line.product, element)
        lines.append(element)
    if po.freight:
        freight = {
            "Description": "Freight",
            "Quantity": Decimal("1.0000"),
            "UnitAmount": unit_amount(po.freight, 2),
        }
        lines.append({**freight, **({"AccountCode": account} if account else {}), **purchase_tax})
    if m.tax.purchase and m.tax.purchase not in m.tax.rates:
        rules.components(m.tax.purchase, problems)
    prefix = m.numbering.prefix if m.numbering.mode == "prefix" else ""
    number = f"{prefix}{po.number}"
    ordered = xero_date(po.date, "purchase order date", problems)
    delivery = xero_date(po.delivery_date, "delivery date", problems) if po.delivery_date else None
    payload: dict[str, Any] = {
        "PurchaseOrderNumber": number,
        "Date": ordered,
        "LineAmountTypes": m.status.line_amount_types,
        "Status": m.status.purchase_order,
        "LineItems": lines,
    }
    if po.reference:
        payload["Reference"] = po.reference[:255]
    if delivery is not None:
        payload["DeliveryDate"] = delivery
    if po.ship_to.attention:
        payload["AttentionTo"] = po.ship_to.attention[:255]
    if po.telephone:
        payload["Telephone"] = po.telephone[:50]
    address = ", ".join(
        p for p in (po.ship_to.line1, po.ship_to.line2, po.ship_to.city, po.ship_to.postal_code) if p
    )
    if address:
        payload["DeliveryAddress"] = address
    rules.currency(po.currency_code, po.exchange_rate, payload, problems)
    if problems:
        raise MappingError(f"purchase order {po.number}", problems)
    return Document(
        kind="purchase_order",
        tenant_id=rules.tenant.tenant_id,
        key=number,
        source_id=po.id,
        payload=payload,
        contact=po.vendor,
        void=po.cancelled,
        autotask_number=po.number,
        update_issued_rates=m.currency.update_issued_rates,
        **tally.fields(),
    )
