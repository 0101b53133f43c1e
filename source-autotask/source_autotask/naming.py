"""How a sync names documents and dates in its messages, and the fingerprint that says a document changed.

Kept apart from `sync.py` so that the rules of a read stay in one module a reader can hold in their head.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import orjson
import pendulum
import simplejson

from .fingerprints import DIGEST_BYTES
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
    """The record's fingerprint as a state holds it: 20 hex digits (`digest` says what is hashed)."""
    return digest(record).hex()


def digest(record: Mapping[str, Any]) -> bytes:
    """A short hash of the record's whole content (keys sorted, Decimals exact).

    The hashed text is simplejson's `dumps(record, use_decimal=True, sort_keys=True, separators=(",", ":"))`
    (saved states hold hashes of it: another text would send every document of the window again once).
    orjson writes the same text ten times faster once a Decimal is written as `str(value)` (as simplejson
    does) and what is not printable ASCII is escaped the way simplejson's `ensure_ascii` escapes it;
    anything orjson refuses (a key that is not text, an integer past 64 bits) takes simplejson itself."""
    try:
        text = orjson.dumps(record, default=_decimal_text, option=_OPTIONS)
    except TypeError:
        text = simplejson.dumps(record, use_decimal=True, sort_keys=True, separators=(",", ":")).encode()
    if not text.isascii() or b"\x7f" in text:
        text = _NOT_PRINTABLE_ASCII.sub(_escaped, text.decode()).encode()
    return hashlib.sha256(text).digest()[:DIGEST_BYTES]  # the 20 hex digits a state holds, as 10 bytes


# Dates and dataclasses go to `_decimal_text` too (refused there, so simplejson refuses them as before).
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _decimal_text(value: Any) -> orjson.Fragment:
    if isinstance(value, Decimal) and value.is_finite():  # simplejson refuses NaN and infinities
        return orjson.Fragment(str(value))
    raise TypeError(f"cannot fingerprint {type(value).__name__}")


# Past the control characters (which orjson escapes as simplejson does): DEL and everything not ASCII.
_NOT_PRINTABLE_ASCII = re.compile("[\x7f-\U0010ffff]")


def _escaped(match: re.Match[str]) -> str:
    """simplejson's `ensure_ascii` form of one character: `\\u00e9`, a surrogate pair past U+FFFF."""
    code = ord(match.group())
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
