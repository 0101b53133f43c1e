"""PurchaseOrderItemReceiving rows: what arrived of each purchase order the dataset marks received.

A receiving is one "Receive" in the Autotask UI: a quantity of one purchase order item, on a date. Derived
from the purchase orders alone (no random draw), so adding receivings changed no other generated value:
- "Received in Full" (status 4): every item is received in full; items at even positions with a quantity
  of two or more arrive in two receivings a day apart (half, then the rest), so a purchase order's latest
  receiving is not always its first;
- "Partially Received" (status 3): only the first item is received, half of it (all of it when the
  quantity is one), the rest back-ordered;
- other statuses: nothing received.
Receivings start two days after the order shipped, one day apart per item, and never after ANCHOR.
"""

from __future__ import annotations

from typing import Any

import pendulum

from . import autotask_reference as ref
from .autotask_side import ANCHOR, ts

RECEIVING_BASE = 40_000_000
RECEIVED_IN_FULL, PARTIALLY_RECEIVED = 4, 3


def receivings(orders: list[dict[str, Any]], items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    by_order: dict[int, list[dict[str, Any]]] = {}
    for item in items:
        by_order.setdefault(int(item["orderID"]), []).append(item)
    rows: list[dict[str, Any]] = []
    latest = ANCHOR.subtract(hours=1)
    for order in orders:
        status = order.get("status")
        if status not in (RECEIVED_IN_FULL, PARTIALLY_RECEIVED) or not order.get("shippingDate"):
            continue
        shipped = pendulum.parse(order["shippingDate"])
        assert isinstance(shipped, pendulum.DateTime)
        for position, item in enumerate(sorted(by_order.get(int(order["id"]), []), key=lambda i: i["id"])):
            if status == PARTIALLY_RECEIVED and position > 0:
                break
            quantity = int(item["quantity"])
            if status == PARTIALLY_RECEIVED:
                parts = [max(1, quantity // 2)]
            elif position % 2 == 0 and quantity >= 2:
                parts = [quantity // 2, quantity - quantity // 2]
            else:
                parts = [quantity]
            before = 0
            for step, now in enumerate(parts):
                day = min(shipped.add(days=2 + position + step).replace(hour=10, minute=30), latest)
                rows.append(
                    {
                        "id": RECEIVING_BASE + len(rows) + 1,
                        "purchaseOrderItemID": item["id"],
                        "quantityNowReceiving": now,
                        "quantityPreviouslyReceived": before,
                        "quantityBackOrdered": quantity - before - now,
                        "receiveDate": ts(day),
                        "receivedByResourceID": ref.ADMIN_RESOURCE_ID,
                        "serialNumber": None,
                    }
                )
                before += now
    return rows
