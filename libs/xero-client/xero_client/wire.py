"""Xero's wire format: exact JSON bodies, idempotency keys, and the `/Date(ms+zone)/` dates.

Why one module: the destination writes and re-reads documents, the payments source reads payments, and
both must agree byte for byte on how a payload is serialised (the idempotency key hashes it) and on which
day a `/Date()/` names (a day off would post a payment to the wrong period). Bodies are JSON with Decimals
as JSON numbers; responses are parsed with `parse_float=Decimal`.

Serialising is on the hot path (every document a sync writes, 10,000 at bench:10000), so `dumps_bytes`
writes with orjson, each Decimal as a `Fragment` of its plain digits, and a payload is serialised once
(posting.py reuses the bytes for the batch size, the idempotency key and the body). The bytes are exactly
those of `connector_kit.exact_json.dumps`, the rule's definition, which stays the fallback: same compact
separators, Decimals in `format(d, "f")`, non-ASCII text as `\\uXXXX` escapes (orjson writes UTF-8, so
such a payload is escaped afterwards), floats and unknown types refused before anything is written (orjson
would write a float, a date or a dataclass without complaint; `_plain` checks the types first). orjson is
imported when present (it is a dependency of the Airbyte CDK; a lone install without it is correct, only
slower).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pendulum
import requests
from connector_kit import exact_json
from connector_kit.exact_json import loads

try:
    import orjson
except ImportError:  # pragma: no cover - orjson comes with the Airbyte CDK and the workspace
    orjson = None  # type: ignore[assignment]

__all__ = [
    "IDEMPOTENCY_KEY_MAX",
    "api_path",
    "dumps",
    "dumps_bytes",
    "dumps_lenient",
    "idempotency_key",
    "idempotency_key_of",
    "loads",
    "parse_body",
    "parse_date",
]

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


_FAST = orjson is not None and hasattr(orjson, "Fragment")  # Fragment: orjson 3.9 and later
_INT64 = 2**63  # orjson writes integers of 64 bits; a larger one goes the slow, exact way
# what json.dumps(ensure_ascii=True) escapes beyond orjson: every character outside printable ASCII
_NOT_ASCII = re.compile(r"[^\x00-\x7e]")


_SCALARS = frozenset({str, bool, Decimal, type(None)})


def _plain(value: Any) -> bool:
    """Whether orjson writes `value` as exact_json would: only dicts with str keys, lists, tuples, str, int
    (64 bits), bool, None and Decimals. False sends it the slow way, which refuses what is wrong (a float,
    a date) with exact_json's own error, or writes what orjson cannot (a huge int, an int key). Exact
    types only: a subclass or another Mapping is rare, and exact_json knows what to do with it."""
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is int:
        return bool(-_INT64 <= value < _INT64)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _SCALARS and not _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # noqa: SIM110 - a loop: all() over a generator is slower, and this is hot
            if type(item) not in _SCALARS and not _plain(item):
                return False
        return True
    return False


def _fragment(value: Any) -> Any:
    if type(value) is Decimal:
        if not value.is_finite():
            raise ValueError("non-finite Decimal")
        return orjson.Fragment(format(value, "f"))
    raise TypeError(f"cannot serialise {type(value).__name__}")  # pragma: no cover - _plain let it by


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a surrogate pair, as json.dumps writes it
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def dumps_bytes(value: Any) -> bytes:
    """`value` as the exact JSON bytes of `connector_kit.exact_json.dumps` (ASCII), fast when it can."""
    if _FAST and _plain(value):
        try:
            data: bytes = orjson.dumps(value, default=_fragment)
        except orjson.JSONEncodeError:  # a lone surrogate in a str: json.dumps escapes it, orjson refuses
            return exact_json.dumps(value).encode("ascii")
        if data.isascii() and b"\x7f" not in data:
            return data
        return _NOT_ASCII.sub(_escape, data.decode("utf-8")).encode("ascii")
    return exact_json.dumps(value).encode("ascii")


def dumps(value: Any) -> str:
    """Compact JSON with Decimals written as plain numbers; floats and unknown types are refused (as
    `connector_kit.exact_json.dumps`, the same text, faster)."""
    return dumps_bytes(value).decode("ascii")


def dumps_lenient(value: Any) -> str:
    """`connector_kit.exact_json.dumps_lenient` (anything JSON has no type for in its string form, for
    log lines and reports), the same text: a value of JSON's types alone needs no conversion first."""
    if _FAST and _plain(value):
        return dumps(value)
    return exact_json.dumps_lenient(value)


def idempotency_key(tenant_id: str, parts: list[tuple[str, Mapping[str, Any]]]) -> str:
    """sha256 over tenant + each document's key and its payload exactly as serialised.

    The same documents in the same versions give the same key (a retried or replayed call cannot write
    twice), and any change to a payload gives a new key (Xero may refuse a known key with another body).
    """
    return idempotency_key_of(tenant_id, [(key, dumps_bytes(payload)) for key, payload in parts])


def idempotency_key_of(tenant_id: str, parts: list[tuple[str, bytes]]) -> str:
    """`idempotency_key` over payloads already serialised by `dumps_bytes` (posting.py serialises each
    once, for the body too)."""
    digest = hashlib.sha256(tenant_id.encode())
    for key, serialised in parts:
        digest.update(b"\x00" + key.encode() + b"\x00")
        digest.update(hashlib.sha256(serialised).digest())
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
