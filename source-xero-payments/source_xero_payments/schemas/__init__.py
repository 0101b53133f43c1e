"""The two streams' JSON schemas, shipped inside the wheel: the one source for both adapters.

They follow Xero's Payment and Invoice objects (field names as Xero spells them) plus `TenantID`; every
field is nullable and nested objects allow unknown fields, because Xero adds fields over time and a schema
that refuses them breaks syncs (tap-xero's issues #15 and #26). The reader emits only the top-level fields
listed here (an invoice's LineItems are not needed to know whether it is paid). Money is `number`, dates
ISO 8601 strings. Files rather than Python: a reviewer (or a platform's UI) reads them as they are sent.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

STREAMS = ("payments", "invoices")
PRIMARY_KEYS: dict[str, list[str]] = {
    "payments": ["TenantID", "PaymentID"],
    "invoices": ["TenantID", "InvoiceID"],
}


@cache
def _load(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """A fresh copy of one stream's schema (callers may mutate it)."""
    if name not in STREAMS:
        raise ValueError(f"unknown stream {name}")
    loaded: dict[str, Any] = json.loads(_load(name))
    return loaded


def fields(name: str) -> frozenset[str]:
    """The top-level fields a stream's records carry."""
    return frozenset(load_schema(name)["properties"])
