"""XML answers for Accounting calls that do not ask for JSON.

Xero's Accounting API answers XML unless the request says `Accept: application/json` (developer.xero.com
"Requests and Responses": by default all successful responses are XML). A client that forgets the header
(`requests` sends `Accept: */*`) gets XML in production and fails to parse it, so the sandbox does the
same: success envelopes become `<Response>` documents and ApiExceptions `<ApiException>` documents. The
gateway's problem JSON (401/403/413), the plain-text 404/429/503 and the identity server stay as they are.

Shape: the JSON element names, list elements holding one child per item named in the singular
(`<Invoices><Invoice>`, `<LineItems><LineItem>`), dates as ISO 8601 text (the `...String` companions and
the .NET `/Date()/` form are JSON-only), booleans as `true`/`false`, nulls omitted; failed elements of an
ApiException sit in `<Elements><DataContractBase xsi:type="Invoice">`. Only what Xero documents about
the format is promised; the element order follows the JSON.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")
_SPECIAL_SINGULAR = {
    "Tracking": "TrackingCategory",
    "TaxComponents": "TaxComponent",
    "Addresses": "Address",
    "Currencies": "Currency",
    "TrackingCategories": "TrackingCategory",
    "Elements": "DataContractBase",
    "Options": "Option",
    "Organisations": "Organisation",
    "Warnings": "Warning",
    "TaxBreakdown": "TaxBreakdownComponent",
}
_NAMESPACES = (
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"'
)


def wants_xml(accept: str | None) -> bool:
    return "json" not in (accept or "").lower()


def singular(name: str) -> str:
    if name in _SPECIAL_SINGULAR:
        return _SPECIAL_SINGULAR[name]
    if name.endswith("ies"):
        return name[:-3] + "y"
    if name.endswith("sses"):
        return name[:-2]
    if name.endswith("s"):
        return name[:-1]
    return name


def render(body: Any, element_model: str | None = None) -> bytes:
    """An envelope, an ApiException or a bare record as Xero-style XML."""
    if isinstance(body, dict) and "ErrorNumber" in body:
        root = "ApiException"
    elif isinstance(body, dict) and body.get("Status") == "OK":
        root = "Response"
    else:
        root = element_model or "Response"
    parts: list[str] = [f"<{root} {_NAMESPACES}>"]
    if isinstance(body, dict):
        _fields(body, parts, element_model)
    parts.append(f"</{root}>")
    return "".join(parts).encode("utf-8")


def _fields(record: dict[str, Any], parts: list[str], element_model: str | None) -> None:
    for key, value in record.items():
        if value is None:
            continue
        if key.endswith("String") and isinstance(record.get(key[: -len("String")]), str):
            continue  # DateString & co. exist only in JSON
        _element(key, value, parts, element_model)


def _element(name: str, value: Any, parts: list[str], element_model: str | None) -> None:
    if isinstance(value, list):
        child = singular(name)
        parts.append(f"<{name}>")
        for item in value:
            if name == "Elements":
                kind = f' xsi:type="{element_model}"' if element_model else ""
                parts.append(f"<DataContractBase{kind}>")
                if isinstance(item, dict):
                    _fields(item, parts, None)
                parts.append("</DataContractBase>")
            else:
                _element(child, item, parts, None)
        parts.append(f"</{name}>")
        return
    if isinstance(value, dict):
        parts.append(f"<{name}>")
        _fields(value, parts, None)
        parts.append(f"</{name}>")
        return
    parts.append(f"<{name}>{escape(_text(value))}</{name}>")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        match = _MS_DATE.match(value)
        if match:
            moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(match.group(1)))
            text = moment.strftime("%Y-%m-%dT%H:%M:%S")
            return text + (f".{moment.microsecond // 1000:03d}" if moment.microsecond else "")
        return value
    return str(value)
