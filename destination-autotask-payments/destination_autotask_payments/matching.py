"""Find the Autotask invoices for a set of invoice numbers: batched `invoiceNumber in [...]` queries.

Why batched: one query per payment would spend the database's shared hourly threshold (10,000 calls for
every integration the MSP runs) on look-ups; 500 numbers per query (Autotask's cap on `in` values and on
MaxRecords) costs one call per 500 invoices. Only the fields the rules need are requested.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.query import MAX_IN_VALUES, F, Query

from .records import parse_money

FIELDS = ("id", "invoiceNumber", "isVoided", "paidDate", "webServiceDate", "invoiceTotal", "companyID")


@dataclass(frozen=True)
class AutotaskInvoice:
    id: int
    number: str
    is_voided: bool
    paid_date: pendulum.Date | None
    web_service_date: str | None
    total: Decimal | None


def _day(value: Any) -> pendulum.Date | None:
    if not value:
        return None
    text = str(value)
    try:
        return pendulum.Date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except (ValueError, IndexError):
        return None


def _read(item: dict[str, Any]) -> AutotaskInvoice:
    return AutotaskInvoice(
        id=int(item["id"]),
        number=str(item.get("invoiceNumber") or ""),
        is_voided=bool(item.get("isVoided")),
        paid_date=_day(item.get("paidDate")),
        web_service_date=str(item["webServiceDate"]) if item.get("webServiceDate") else None,
        total=parse_money(item.get("invoiceTotal"), "invoiceTotal"),
    )


def find_invoices(client: AutotaskClient, numbers: Iterable[str]) -> dict[str, list[AutotaskInvoice]]:
    """Autotask invoices by number (a list: numbers are not guaranteed unique, duplicates are reported)."""
    wanted = sorted(set(numbers))
    found: dict[str, list[AutotaskInvoice]] = {}
    for start in range(0, len(wanted), MAX_IN_VALUES):
        chunk = wanted[start : start + MAX_IN_VALUES]
        query = Query("Invoices", (F("invoiceNumber").in_(chunk),), include_fields=FIELDS)
        for item in client.query(query):
            invoice = _read(item)
            found.setdefault(invoice.number, []).append(invoice)
    return found
