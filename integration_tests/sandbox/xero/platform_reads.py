"""GET on the Accounting endpoints: filters, ordering, paging and the summary/detail split.

Each endpoint honours exactly the query parameters Xero documents for it (anything else is ignored, as
Xero ignores unknown parameters: `where` on PurchaseOrders does nothing). Filters run on the Book's
internal records in this order: If-Modified-Since, the explicit list filters (IDs, InvoiceNumbers,
ContactIDs, Statuses, PurchaseOrder Status/DateFrom/DateTo, searchTerm), includeArchived, where; then
order, then the page.

Paging (Invoices, CreditNotes, Contacts, PurchaseOrders, Payments): without `page` every matching record
comes back in the summary form (no LineItems, contact summary) and no `pagination` element; with `page`
the records come with their lines and `pagination {page,pageSize,pageCount,itemCount}` is added. A
record fetched by ID (or number) always comes in full.

Choices where the sources are silent (UNCONFIRMED):
- `pageSize` above 1000 is clamped to 1000 (and `pagination.pageSize` says 1000), so a client that
  stops paging when a page holds fewer than the pageSize it asked for loses records here as it would in
  production; `pageSize` below 1 means the default 100; `page` below 1 means page 1; a non-numeric page,
  pageSize, unparseable If-Modified-Since or PurchaseOrder DateFrom/DateTo is a 400;
- If-Modified-Since (RFC 1123 or ISO 8601; a time without zone is UTC) is "accurate to the second" as
  Xero's docs say: the time is truncated to whole seconds and records updated at or after it come back,
  so a record stamped exactly at a client's bookmark is returned again (clients must de-duplicate rather
  than assume an exclusive bound);
- without `order` records come in creation order; nulls sort first ascending;
- contacts with ContactStatus ARCHIVED (and archived tracking categories) are left out unless
  `includeArchived=true`; invoice and credit-note lists include every status, DELETED and VOIDED too.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pendulum

from .where import COLLECTION_MODELS, WhereError, compile_order, compile_where, resolving

Record = dict[str, Any]

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

PAGED = frozenset({"Invoices", "CreditNotes", "Contacts", "PurchaseOrders", "Payments"})
LIST_PARAMS: dict[str, frozenset[str]] = {
    "Invoices": frozenset(
        {
            "ims",
            "where",
            "order",
            "IDs",
            "InvoiceNumbers",
            "ContactIDs",
            "Statuses",
            "page",
            "pageSize",
            "unitdp",
            "summaryOnly",
            "searchTerm",
        }
    ),
    "CreditNotes": frozenset({"ims", "where", "order", "page", "pageSize", "unitdp"}),
    "Contacts": frozenset(
        {"ims", "where", "order", "IDs", "page", "pageSize", "includeArchived", "summaryOnly", "searchTerm"}
    ),
    "Items": frozenset({"ims", "where", "order", "unitdp"}),
    "PurchaseOrders": frozenset({"ims", "Status", "DateFrom", "DateTo", "order", "page", "pageSize"}),
    "Payments": frozenset({"ims", "where", "order", "page", "pageSize"}),
    "Accounts": frozenset({"ims", "where", "order"}),
    "TaxRates": frozenset({"where", "order"}),
    "Currencies": frozenset({"where", "order"}),
    "BrandingThemes": frozenset(),
    "TrackingCategories": frozenset({"where", "order", "includeArchived"}),
    "Organisation": frozenset(),
}
ID_FIELDS: dict[str, str] = {
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Contacts": "ContactID",
    "Items": "ItemID",
    "PurchaseOrders": "PurchaseOrderID",
    "Payments": "PaymentID",
    "Accounts": "AccountID",
    "TrackingCategories": "TrackingCategoryID",
    "BrandingThemes": "BrandingThemeID",
}
SEARCH_FIELDS = {
    "Contacts": ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress"),
    "Invoices": ("InvoiceNumber", "Reference"),
}
_MODEL_COLLECTION = {model: collection for collection, model in COLLECTION_MODELS.items()}


class ReadError(Exception):
    """A request the API rejects before reading: `kind` is "query" (QueryParseException) or "bad"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


@dataclass
class Page:
    records: list[Record]
    detail: bool
    unitdp: int
    pagination: dict[str, int] | None


class BookView:
    """What reads need from a Book (kept narrow so reads never depend on write internals)."""

    def __init__(self, book: Any) -> None:
        self.book = book

    def records(self, collection: str) -> list[Record]:
        return list(self.book.records(collection))

    def find(self, collection: str, key: str) -> Record | None:
        found: Record | None = self.book.find(collection, key)
        return found

    def resolver(self) -> Callable[[str, Record], Record | None]:
        def resolve(model: str, partial: Record) -> Record | None:
            collection = _MODEL_COLLECTION.get(model)
            id_field = ID_FIELDS.get(collection or "")
            if collection is None or id_field is None or not partial.get(id_field):
                return None
            return self.find(collection, str(partial[id_field]))

        return resolve


def unitdp_of(args: Any) -> int:
    return 4 if str(args.get("unitdp", "")).strip() == "4" else 2


def list_records(view: BookView, collection: str, args: Any, headers: Any) -> Page:
    allowed = LIST_PARAMS[collection]
    records = view.records(collection)
    unitdp = unitdp_of(args) if "unitdp" in allowed else 2

    if "ims" in allowed and headers.get("If-Modified-Since"):
        since = parse_if_modified_since(headers["If-Modified-Since"])
        records = [r for r in records if _after(r.get("UpdatedDateUTC"), since)]

    id_field = ID_FIELDS.get(collection)
    if "IDs" in allowed and args.get("IDs") and id_field:
        wanted = _csv(args["IDs"])
        records = [r for r in records if str(r.get(id_field, "")).lower() in wanted]
    if "InvoiceNumbers" in allowed and args.get("InvoiceNumbers"):
        numbers = _csv(args["InvoiceNumbers"])
        records = [r for r in records if str(r.get("InvoiceNumber") or "").lower() in numbers]
    if "ContactIDs" in allowed and args.get("ContactIDs"):
        contacts = _csv(args["ContactIDs"])
        records = [
            r for r in records if str((r.get("Contact") or {}).get("ContactID", "")).lower() in contacts
        ]
    if "Statuses" in allowed and args.get("Statuses"):
        statuses = {s.upper() for s in _csv(args["Statuses"])}
        records = [r for r in records if str(r.get("Status", "")).upper() in statuses]
    if "Status" in allowed and args.get("Status"):
        status = str(args["Status"]).strip().upper()
        records = [r for r in records if str(r.get("Status", "")).upper() == status]
    if "DateFrom" in allowed and args.get("DateFrom"):
        start = _query_date(args["DateFrom"], "DateFrom")
        records = [r for r in records if _as_date(r.get("Date")) >= start]
    if "DateTo" in allowed and args.get("DateTo"):
        end = _query_date(args["DateTo"], "DateTo")
        records = [r for r in records if _as_date(r.get("Date")) <= end]
    if "searchTerm" in allowed and args.get("searchTerm"):
        term = str(args["searchTerm"]).lower()
        fields = SEARCH_FIELDS[collection]
        records = [r for r in records if any(term in str(r.get(f) or "").lower() for f in fields)]
    if "includeArchived" in allowed and str(args.get("includeArchived", "")).lower() != "true":
        status_field = "ContactStatus" if collection == "Contacts" else "Status"
        records = [r for r in records if str(r.get(status_field) or "").upper() != "ARCHIVED"]

    with resolving(view.resolver()):
        try:
            if "where" in allowed and args.get("where", "").strip():
                predicate = compile_where(collection, args["where"])
                records = [r for r in records if predicate(r)]
            if "order" in allowed and args.get("order", "").strip():
                compile_order(collection, args["order"])(records)
        except WhereError as exc:
            raise ReadError("query", str(exc)) from None

    summary_only = "summaryOnly" in allowed and str(args.get("summaryOnly", "")).lower() == "true"
    if collection not in PAGED or "page" not in args:
        return Page(records, detail=collection not in PAGED, unitdp=unitdp, pagination=None)

    page = max(1, _int_arg(args, "page", 1))
    size = _int_arg(args, "pageSize", DEFAULT_PAGE_SIZE) if "pageSize" in args else DEFAULT_PAGE_SIZE
    size = DEFAULT_PAGE_SIZE if size < 1 else min(size, MAX_PAGE_SIZE)
    total = len(records)
    chunk = records[(page - 1) * size : page * size]
    pagination = {"page": page, "pageSize": size, "pageCount": math.ceil(total / size), "itemCount": total}
    return Page(chunk, detail=not summary_only, unitdp=unitdp, pagination=pagination)


def parse_if_modified_since(text: str) -> dt.datetime:
    text = text.strip()
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        moment = None
    if moment is None:
        try:
            parsed = pendulum.parse(text, tz="UTC")
        except Exception:  # pendulum raises several parser errors
            raise ReadError("bad", f"The If-Modified-Since header '{text}' is not a valid date") from None
        if not isinstance(parsed, dt.datetime):
            if isinstance(parsed, dt.date):
                return dt.datetime(parsed.year, parsed.month, parsed.day, tzinfo=dt.UTC)
            raise ReadError("bad", f"The If-Modified-Since header '{text}' is not a valid date")
        moment = parsed
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)


def _after(value: Any, since: dt.datetime) -> bool:
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment >= since
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC) >= since
    return False


def _csv(text: str) -> set[str]:
    return {part.strip().lower() for part in str(text).split(",") if part.strip()}


def _int_arg(args: Any, name: str, default: int) -> int:
    raw = str(args.get(name, "")).strip()
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ReadError("bad", f"The value '{raw}' is not valid for {name}.") from None


def _query_date(text: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip()[:10])
    except ValueError:
        raise ReadError("bad", f"The value '{text}' is not valid for {name}: use YYYY-MM-DD.") from None


def _as_date(value: Any) -> dt.date:
    """A record's date (a record without one sorts before every date)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.min
