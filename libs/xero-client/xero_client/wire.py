"""Xero's wire format: exact JSON bodies, idempotency keys, and the `/Date(ms+zone)/` dates.

Why one module: the destination writes and re-reads documents, the payments source reads payments, and
both must agree byte for byte on how a payload is serialised (the idempotency key hashes it) and on which
day a `/Date()/` names (a day off would post a payment to the wrong period). Bodies are JSON with Decimals
as JSON numbers (connector_kit.exact_json); responses are parsed with `parse_float=Decimal`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any

import pendulum
import requests
from connector_kit.exact_json import dumps, loads

__all__ = ["IDEMPOTENCY_KEY_MAX", "api_path", "dumps", "idempotency_key", "loads", "parse_body", "parse_date"]

IDEMPOTENCY_KEY_MAX = 128
# `/Date(1757030400000+0000)/`: milliseconds since the epoch in UTC; the offset is informational (Xero
# documents it so), hence read and ignored. A negative count is a date before 1970.
_DOTNET_DATE = re.compile(r"/Date\((-?\d+)([-+]\d+)?\)/")


def parse_date(value: Any) -> pendulum.DateTime | None:
    """The UTC moment a Xero `/Date(ms±hhmm)/` value names; None for anything not in that form.

    Only that form: ISO strings, which Xero also sends (`DateString`, `UpdatedDateUTC` on some
    endpoints), are each caller's to read, since a caller may want the calendar day as written rather
    than a moment. Xero writes a date field as midnight UTC of the organisation's day, so the UTC
    calendar day of the result is the day Xero shows."""
    if not isinstance(value, str):
        return None
    match = _DOTNET_DATE.fullmatch(value.strip())
    if not match:
        return None
    return pendulum.from_timestamp(int(match.group(1)) / 1000, tz="UTC")


def idempotency_key(tenant_id: str, parts: list[tuple[str, Mapping[str, Any]]]) -> str:
    """sha256 over tenant + each document's key and its payload exactly as serialised.

    The same documents in the same versions give the same key (a retried or replayed call cannot write
    twice), and any change to a payload gives a new key (Xero may refuse a known key with another body).
    """
    digest = hashlib.sha256(tenant_id.encode())
    for key, payload in parts:
        digest.update(b"\x00" + key.encode() + b"\x00")
        digest.update(hashlib.sha256(dumps(payload).encode()).digest())
    return "dx-" + digest.hexdigest()[: IDEMPOTENCY_KEY_MAX - 3]


def parse_body(raw: requests.Response) -> Any:
    """A response body as JSON with Decimals; a body that is not JSON (a proxy's error page) as text,
    cut short, so the error can quote it without carrying a whole HTML page."""
    if not raw.content:
        return None
    try:
        return loads(raw.text)
    except ValueError:
        return raw.text[:500]


def api_path(url: str) -> str:
    """The part of an Accounting API URL worth naming in a message: the path after `/api.xro/2.0`."""
    marker = "/api.xro/2.0"
    return url[url.index(marker) + len(marker) :] if marker in url else url.split("?")[0]
