"""Translation between Xero's JSON and the Book's internal records.

Why a module of its own: Xero's wire format has quirks every client trips on (.NET `/Date(ms+0000)/`
dates with `DateString` companions, 2 dp money but 4 dp quantities and 6 dp currency rates, numbers that
must stay exact). Internal records are plain dicts with PascalCase keys, `Decimal` money, `datetime.date`
for dates and aware UTC `datetime` for UpdatedDateUTC; everything else in the Book can ignore the wire.
The conversion is driven by the xero-python model schema (see schema.py), so a field is a date or a
number exactly where Xero's schema says so.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pendulum

from . import schema
from .catalog import MODEL
from .json_numbers import read_decimal_string, read_integer_string
from .rounding import CENT, QUANTITY, RATE6, quantize

_MS_DATE_RE = re.compile(r"^/Date\((-?\d+)(?:([+-])(\d{2})(\d{2}))?\)/$")
# ISO 8601 only: a day-first or month-first text date is ambiguous, and a client sending one must find
# out here rather than get the wrong date in Xero.
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")

# Elements that get a "<name>String" companion in responses, as Xero's documents do.
_STRING_COMPANIONS = frozenset({"Date", "DueDate", "DeliveryDate", "ExpectedArrivalDate"})
_COMPANION_MODELS = frozenset({"Invoice", "CreditNote", "PurchaseOrder"})
# Decimal places per numeric element on the wire (anything not listed keeps its own exponent).
_QUANTITY_FIELDS = frozenset({"Quantity"})
_RATE6_FIELDS = frozenset({"CurrencyRate"})
_KEEP_FIELDS = frozenset(
    {
        "Rate",
        "EffectiveRate",
        "DisplayTaxRate",
        "DiscountRate",
        "UnitAmount",
        "UnitPrice",
        "QuantityOnHand",
        "QuantityAvailable",
        "QuantityOnBackOrder",
        "CISRate",
        "Discount",
    }
)


def parse_datetime_any(value: str) -> pendulum.DateTime:
    """Parse a Xero date in any form a client or a dataset may send; raise ValueError otherwise."""
    text = value.strip()
    match = _MS_DATE_RE.match(text)
    if match:
        millis = int(match.group(1))
        moment = pendulum.from_timestamp(millis / 1000, tz="UTC")
        return moment
    if not _ISO_RE.match(text):
        raise ValueError(f"not a date: {value!r}")
    try:
        parsed = pendulum.parse(text, strict=False)
    except Exception as exc:  # pendulum raises several parser errors
        raise ValueError(f"not a date: {value!r}") from exc
    if isinstance(parsed, pendulum.DateTime):
        return parsed.in_timezone("UTC") if parsed.tzinfo is not None else parsed.replace(tzinfo=pendulum.UTC)
    if isinstance(parsed, pendulum.Date):
        return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")
    raise ValueError(f"not a date: {value!r}")


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"not a date: {value!r}")
    text = value.strip()
    match = _MS_DATE_RE.match(text)
    if match:
        return pendulum.from_timestamp(int(match.group(1)) / 1000, tz="UTC").date()
    if not _ISO_RE.match(text):
        raise ValueError(f"not a date: {value!r}")
    moment = pendulum.parse(text, strict=False, exact=True)
    if isinstance(moment, pendulum.DateTime):
        return dt.date(moment.year, moment.month, moment.day)
    if isinstance(moment, dt.date):
        return dt.date(moment.year, moment.month, moment.day)
    raise ValueError(f"not a date: {value!r}")


def parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    moment = parse_datetime_any(str(value))
    return dt.datetime.fromtimestamp(moment.timestamp(), tz=dt.UTC)


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, (int, str)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    raise ValueError(f"not a number: {value!r}")


def ms_date(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        millis = round(moment.timestamp() * 1000)
    else:
        millis = int(dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC).timestamp()) * 1000
    return f"/Date({millis}+0000)/"


def date_string(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{value.isoformat()}T00:00:00"


def from_json(model_name: str, obj: dict[str, Any]) -> dict[str, Any]:
    """A JSON element (already schema-checked, or a dataset record) in internal form."""
    fields = schema.model(model_name).fields
    out: dict[str, Any] = {}
    for key, value in obj.items():
        ftype = fields.get(key)
        out[key] = _value_from_json(ftype, value) if ftype is not None else value
    return out


def _number_from_string(text: str, *, integer: bool) -> Decimal | int | None:
    """A number a client sent as a string, exactly as written (Json.NET's reading; json_numbers.py)."""
    if integer:
        return read_integer_string(text)
    return read_decimal_string(text)


def _value_from_json(ftype: schema.FieldType, value: Any) -> Any:
    if value is None:
        return None
    kind = ftype.kind
    if kind in ("float", "int") and isinstance(value, str):
        return _number_from_string(value, integer=kind == "int")
    if kind in ("float", "int") and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        number = to_decimal(value)
        return int(number) if kind == "int" else number
    if kind == "date" and isinstance(value, (str, dt.date)):
        return parse_date(value)
    if kind == "datetime" and isinstance(value, (str, dt.date)):
        return parse_datetime(value)
    if kind == "model" and isinstance(value, dict):
        assert ftype.model is not None
        return from_json(ftype.model, value)
    if kind == "list" and isinstance(value, list):
        assert ftype.item is not None
        item = ftype.item
        return [_value_from_json(item, entry) for entry in value]
    return value


def to_json(model_name: str, obj: dict[str, Any], *, unitdp: int = 2) -> dict[str, Any]:
    """An internal record as Xero would serialise it (Decimals stay Decimal, quantized as Xero shows them)."""
    fields = schema.model(model_name).fields
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key.startswith("_") or value is None:  # Xero omits null elements from its JSON
            continue
        ftype = fields.get(key)
        if ftype is None:
            out[key] = _plain(value)
            continue
        if ftype.kind == "date" and isinstance(value, dt.date):
            if key in _STRING_COMPANIONS and model_name in _COMPANION_MODELS:
                out[f"{key}String"] = date_string(value)
            out[key] = ms_date(value)
        elif ftype.kind == "datetime" and isinstance(value, dt.date):
            out[key] = ms_date(value)
        elif ftype.kind in ("float", "int") and isinstance(value, Decimal):
            out[key] = _number(key, value, unitdp)
        elif ftype.kind == "model" and isinstance(value, dict):
            assert ftype.model is not None
            out[key] = to_json(ftype.model, value, unitdp=unitdp)
        elif ftype.kind == "list" and isinstance(value, list):
            item = ftype.item
            if item is not None and item.kind == "model" and item.model is not None:
                sub = item.model
                out[key] = [to_json(sub, v, unitdp=unitdp) if isinstance(v, dict) else v for v in value]
            else:
                out[key] = [_plain(v) for v in value]
        else:
            out[key] = _plain(value)
    return out


def _number(key: str, value: Decimal, unitdp: int) -> Decimal:
    if key in _QUANTITY_FIELDS:
        return quantize(value, QUANTITY)
    if key in _RATE6_FIELDS:
        return quantize(value, RATE6)
    if key in ("UnitAmount", "UnitPrice"):
        return quantize(value, Decimal(1).scaleb(-unitdp))
    if key in _KEEP_FIELDS:
        return value
    return quantize(value, CENT)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return ms_date(value)
    if isinstance(value, dt.date):
        return ms_date(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not str(k).startswith("_") and v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# ----------------------------------------------------------------------------- response views
_DOCUMENTS = frozenset({"Invoices", "CreditNotes", "PurchaseOrders"})
_ERROR_FLAG = {
    "Invoices": "HasErrors",
    "CreditNotes": "HasErrors",
    "Contacts": "HasValidationErrors",
    "Payments": "HasValidationErrors",
}
_ID_FIELDS = {
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "PurchaseOrders": "PurchaseOrderID",
    "Contacts": "ContactID",
    "Items": "ItemID",
    "Payments": "PaymentID",
    "Allocations": "AllocationID",
}


def _contact_summary(contact: dict[str, Any]) -> dict[str, Any]:
    summary: dict[str, Any] = {"ContactID": contact.get("ContactID"), "Name": contact.get("Name")}
    if contact.get("ContactNumber"):
        summary["ContactNumber"] = contact["ContactNumber"]
    summary.update(Addresses=[], Phones=[], ContactGroups=[], ContactPersons=[], HasValidationErrors=False)
    return summary


def render(
    book: Any, collection: str, record: dict[str, Any], *, detail: bool, unitdp: int = 2
) -> dict[str, Any]:
    """A stored record as Xero's JSON (see Book.to_wire)."""
    model_name = MODEL[collection]
    body = to_json(model_name, record, unitdp=unitdp)
    if collection in _DOCUMENTS:
        ref = record.get("Contact") or {}
        contact = book.get("Contacts", ref.get("ContactID")) if ref.get("ContactID") else None
        if contact is not None:
            body["Contact"] = (
                render(book, "Contacts", contact, detail=True) if detail else _contact_summary(contact)
            )
        if not detail:
            body.pop("LineItems", None)
        body.setdefault("HasAttachments", False)
        if collection == "Invoices":
            body["IsDiscounted"] = bool(record.get("TotalDiscount"))
        if collection != "PurchaseOrders":
            body["HasErrors"] = False
    elif collection in ("Contacts", "Payments"):
        body["HasValidationErrors"] = False
    if collection == "Contacts":
        # Xero always returns ContactGroups, `[]` for a contact in no group (its spec examples do, and
        # singer-io tap-xero's contacts stream reads `contact["ContactGroups"]` unguarded).
        body.setdefault("ContactGroups", [])
    return body


def render_result(book: Any, collection: str, result: Any, *, unitdp: int = 2) -> dict[str, Any]:
    """One element of a PUT/POST response: the stored record, or the element as sent with its errors."""
    warnings = [{"Message": message} for message in result.warnings]
    if result.record is not None and not result.errors:
        body = render(book, collection, result.record, detail=True, unitdp=unitdp)
        body["StatusAttributeString"] = "WARNING" if warnings else "OK"
        if warnings:
            body["Warnings"] = warnings
        return body
    body = dict(result.echo)
    id_field = _ID_FIELDS.get(collection)
    if id_field and not body.get(id_field):
        from .book import ZERO_GUID

        body[id_field] = ZERO_GUID
    flag = _ERROR_FLAG.get(collection)
    if flag:
        body[flag] = True
    body["StatusAttributeString"] = "ERROR"
    body["ValidationErrors"] = [{"Message": message} for message in result.errors]
    if warnings:
        body["Warnings"] = warnings
    return body
