"""How a sync names documents and dates in its messages, and the fingerprint that says a document changed.

Kept apart from `sync.py` so that the rules of a read stay in one module a reader can hold in their head.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import pendulum
import simplejson

from .records.project import iso
from .streams.specs import StreamSpec

LABELS = {
    "invoices": "invoice",
    "purchase_orders": "purchase order",
    "companies": "company",
    "contacts": "contact",
    "services": "service",
}


def describe(spec: StreamSpec, raw: Mapping[str, Any]) -> str:
    """How a warning names a document: `invoice 20123 (id 555)`, `company id 12`."""
    number = str(raw.get("invoiceNumber") or "").strip() if spec.name == "invoices" else ""
    label = LABELS.get(spec.name, spec.name)
    return f"{label} {number} (id {raw.get('id')})" if number else f"{label} id {raw.get('id')}"


def shown_date(moment: pendulum.DateTime) -> str:
    """`2027-11-10` for a date-only value (midnight), the full UTC time otherwise."""
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return moment.to_date_string()
    return iso(moment)


def fingerprint(record: Mapping[str, Any]) -> str:
    """A short hash of the record's whole content (keys sorted, Decimals exact)."""
    text = simplejson.dumps(record, use_decimal=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]
