"""The records this source emits: Xero's Payment and Invoice objects with their dates as ISO 8601 strings.

Why rewritten at all: Xero's JSON writes dates as `/Date(ms+zzzz)/` (xero_client.wire reads them), which no
destination understands, and adds a `...String` twin of each date; tap-xero emits ISO strings without the
twins, so this source does the same and destinations written for tap-xero's records read ours. Money stays
Decimal (the adapters decide how it reaches JSON); field names are Xero's PascalCase.
"""

from __future__ import annotations

from typing import Any

import pendulum
from connector_kit.dates import utc_moment
from xero_client.wire import parse_date

DATE_FIELDS = frozenset(
    {"Date", "DueDate", "UpdatedDateUTC", "FullyPaidOnDate", "ExpectedPaymentDate", "PlannedPaymentDate"}
)
DROPPED = frozenset({"DateString", "DueDateString", "UpdatedDateUTCString", "FullyPaidOnDateString"})


class RecordError(ValueError):
    """A value that cannot be read; the message names the field, never a secret."""


def parse_moment(value: Any, name: str) -> pendulum.DateTime | None:
    """A Xero timestamp as UTC: `/Date(ms+hhmm)/` (milliseconds since the epoch in UTC, the offset is
    informational, as Xero documents), an ISO date-time, or a plain date (its midnight UTC)."""
    if value in (None, ""):
        return None
    if isinstance(value, pendulum.DateTime):
        return value.in_timezone("UTC")
    text = str(value).strip()
    moment = parse_date(text)
    if moment is not None:
        return moment
    moment = utc_moment(text)
    if moment is None:
        raise RecordError(f"{name} is not a date: {text[:40]!r}")
    return moment


def iso(moment: pendulum.DateTime | None) -> str | None:
    """`2026-11-03T00:00:00Z`: tap-xero's form, to the second (Xero's own precision)."""
    return moment.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss") + "Z" if moment is not None else None


def clean(value: Any, key: str = "") -> Any:
    """Xero wire values as record values: `/Date()/` → ISO 8601, nested objects cleaned, Decimals kept."""
    if isinstance(value, dict):
        return {k: clean(v, k) for k, v in value.items() if k not in DROPPED}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if key in DATE_FIELDS and isinstance(value, str):
        return iso(parse_moment(value, key))
    return value
