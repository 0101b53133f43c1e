"""The HTTP side of Xero writes: body limits, parsing, summarizeErrors envelopes and element echoes.

Accounting rules live in the Book; this module only turns its per-element results into what Xero
answers:
- `summarizeErrors=true` (also when the parameter is absent, as the SDKs send it): if any element fails
  the answer is HTTP 400 `ValidationException` listing only the failed elements with their
  `ValidationErrors`, and NOTHING of the request is written (the Book undoes the elements that had
  succeeded). Xero's docs describe the batch as failing as a whole; keeping the good elements would let a
  client believe a failed batch wrote nothing while half of it is in the books, so all-or-nothing is both
  the documented reading and the safer one;
- `summarizeErrors=false`: HTTP 200 and every element in request order, each with
  `StatusAttributeString` OK / WARNING / ERROR (written elements carry OK / WARNING in both modes, as
  Xero's own invoice example does); failed ones echo what was sent plus `ValidationErrors`,
  `HasErrors` or `HasValidationErrors` (whichever the model has) and a zero GUID in place of an ID that
  was never assigned.
- Endpoints whose spec has no `summarizeErrors` parameter always summarise.

Choices where the sources are silent (UNCONFIRMED): a body over 3.5 MB (3,670,016 bytes) is refused with
413 before it is read; a body that is not JSON is a PostDataInvalidException; an empty body or one
without the collection is a NoDataProcessedException; a body sent without a JSON Content-Type is read
as XML, Xero's default, and fails as .NET's XML reader fails on JSON text (XML bodies themselves are
not emulated: the connectors send JSON).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from . import http_errors
from .platform_json import loads
from .where import COLLECTION_MODELS, model_fields

MAX_BODY_BYTES = 3_670_016
ZERO_GUID = "00000000-0000-0000-0000-000000000000"

# Endpoints whose writes honour summarizeErrors (the others always summarise).
SUMMARIZE_ENDPOINTS = frozenset(
    {"Invoices", "CreditNotes", "Contacts", "Items", "PurchaseOrders", "Payments", "Allocations"}
)
ELEMENT_ID_FIELDS = {
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "Contacts": "ContactID",
    "Items": "ItemID",
    "PurchaseOrders": "PurchaseOrderID",
    "Payments": "PaymentID",
    "Accounts": "AccountID",
    "TrackingCategories": "TrackingCategoryID",
    "Allocations": "AllocationID",
}
MODELS = {**COLLECTION_MODELS, "Allocations": "Allocation"}


class BodyError(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__("body rejected")
        self.response = response


def read_body(request: Request) -> bytes:
    """The raw body, refusing anything over Xero's 3.5 MB limit before reading it."""
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise BodyError(http_errors.payload_too_large(MAX_BODY_BYTES))
    # One byte over the limit is allowed through the stream so "over" can be told from "exactly at".
    request.max_content_length = MAX_BODY_BYTES + 1
    try:
        data = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise BodyError(http_errors.payload_too_large(MAX_BODY_BYTES)) from None
    if not data and request.content_length is None and "CONTENT_LENGTH" in request.environ:
        # A server that has already de-chunked the body may still pass `Transfer-Encoding: chunked`
        # along, which makes werkzeug refuse to read the stream: read the buffered body directly.
        data = request.environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
    if len(data) > MAX_BODY_BYTES:
        raise BodyError(http_errors.payload_too_large(MAX_BODY_BYTES))
    return data


def parse_body(raw: bytes, collection: str, content_type: str | None = None) -> Any:
    model = MODELS.get(collection, collection)
    if raw.strip() and "json" not in (content_type or "").lower():
        # Xero reads a body that is not declared JSON as XML (its default format)
        if raw.lstrip().startswith(b"<"):
            raise BodyError(http_errors.post_data_invalid("The sandbox accepts JSON request bodies only"))
        raise BodyError(
            http_errors.post_data_invalid("Data at the root level is invalid. Line 1, position 1.")
        )
    if not raw.strip():
        raise BodyError(
            http_errors.no_data_processed(
                "No data has been processed for this endpoint. "
                f"This endpoint is expecting {model} data to be specifed in the request body."
            )
        )
    try:
        return loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BodyError(http_errors.post_data_invalid("Invalid Json data")) from None


def summarize_flag(args: Any, collection: str) -> bool:
    if collection not in SUMMARIZE_ENDPOINTS:
        return True
    return str(args.get("summarizeErrors", "true")).strip().lower() != "false"


def render_results(
    collection: str,
    results: list[Any],
    *,
    summarize: bool,
    render_record: Callable[[dict[str, Any]], dict[str, Any]],
) -> tuple[int, list[dict[str, Any]]]:
    """(HTTP status, elements) for a write's per-element results."""
    failed = [r for r in results if r.errors]
    if summarize and failed:
        return 400, [failed_element(collection, r) for r in failed]
    elements: list[dict[str, Any]] = []
    for result in results:
        if result.errors:
            elements.append(failed_element(collection, result))
            continue
        element = render_record(result.record)
        if result.warnings:
            element["Warnings"] = [{"Message": w} for w in result.warnings]
        element["StatusAttributeString"] = "WARNING" if result.warnings else "OK"
        elements.append(element)
    return 200, elements


def failed_element(collection: str, result: Any) -> dict[str, Any]:
    element: dict[str, Any] = copy.deepcopy(result.echo) if isinstance(result.echo, dict) else {}
    id_field = ELEMENT_ID_FIELDS.get(collection)
    if id_field and not element.get(id_field):
        element[id_field] = ZERO_GUID
    fields = model_fields(MODELS.get(collection, collection))
    if "haserrors" in fields:
        element["HasErrors"] = True
    if "hasvalidationerrors" in fields:
        element["HasValidationErrors"] = True
    element["StatusAttributeString"] = "ERROR"
    element["ValidationErrors"] = [{"Message": m} for m in result.errors]
    if result.warnings:
        element["Warnings"] = [{"Message": w} for w in result.warnings]
    return element
