"""JSON in and out of the Xero emulator with money kept exact.

Bodies are parsed with `parse_float=Decimal` and Decimals go back out as JSON numbers (never floats,
never strings): the stdlib encoder cannot emit a raw number for a custom type, so each Decimal is written
as a sentinel string and the sentinels are replaced by the number text in one pass afterwards. Dates and
datetimes that reach this layer un-converted are written in Xero's `/Date(ms+0000)/` form.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from .. import jsonmoney


def _default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return net_date(value)
    if isinstance(value, dt.date):
        return net_date(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC))
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    return str(value)


def dumps(data: Any) -> str:
    return jsonmoney.dumps(data, default=_default)


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def net_date(moment: dt.datetime) -> str:
    """`/Date(ms+0000)/` for an aware (or UTC-naive) datetime."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    millis = round(moment.timestamp() * 1000)
    return f"/Date({millis}+0000)/"
