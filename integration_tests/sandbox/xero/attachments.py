"""Attachments on invoices and credit notes: `/{Invoices|CreditNotes}/{id}/Attachments[/{FileName}]`.

Why a module of its own: an attachment is a file, not a JSON element, so none of the write machinery of the
collections applies (no `{"Invoices": [...]}` body, no summarizeErrors, a 10 MB limit instead of 3.5 MB);
only the routing, the token, the tenant and the limits in front of it are shared with them (app.py).

What Xero documents, and where it says so:
- the operations (Xero's OpenAPI, xero_accounting.yaml): `GET .../Attachments` (the list), `GET
  .../Attachments/{AttachmentID}` and `GET .../Attachments/{FileName}` (the file, binary), `PUT
  .../Attachments/{FileName}` ("Creates an attachment", query `IncludeOnline`, header `Idempotency-Key`)
  and `POST .../Attachments/{FileName}` ("Updates an attachment", `Idempotency-Key`, no `IncludeOnline`),
  for invoices (and bills) and for credit notes alike;
- the body is the file's raw bytes, not JSON (the spec's "Byte array of file in body of request"); the
  answer is `{"Id","Status":"OK","ProviderName","DateTimeUTC","Attachments":[{AttachmentID, FileName, Url,
  MimeType, ContentLength}]}` (the spec's examples; `IncludeOnline` is in the Attachment schema);
- `IncludeOnline` ("Allows an attachment to be seen by the end customer within their online invoice"),
  boolean, default false (spec `components.parameters.includeOnline`, declared on both PUTs);
- scopes: `accounting.attachments` for PUT and POST, `accounting.attachments` or `.read` for the GETs (the
  spec's per-operation `security`); no other scope is named there (scopes.py);
- `HasAttachments` (read-only) on every Invoice and CreditNote, and `Attachments` on the single-record
  `GET /Invoices/{InvoiceID}` and `GET /CreditNotes/{CreditNoteID}` (the spec's examples of both);
- an upload too large is refused `413 {"Title":"RequestEntityTooLarge","Status":413,"Detail":
  "PayloadTooLarge",...}` (XeroAPI/Xero-Java#349, a 14 MB file); the limit is **10 MB per file** (codat-docs
  PR #1802, 2026-04, "The xero file upload limit is actually 10MB"; Workato's Xero connector docs: "each
  attachment is limited to 10 MB"; it was 3 MB before: xero-node PR #15, codat-docs PR #1311);
- **at most 10 attachments per document** (Xero's API release note on community.xero.com/developer
  discussion 3095073: "you can now attach up to 10 files per document"; Workato, Linx docs, xero-node PR #15);
- a document id that is not found, on an upload: `400` ValidationException (ErrorNumber 10) whose element is
  the Attachment with "A document with id '<id>' could not be found" (XeroAPI/Xero-Java#126);
- the file types Xero takes (the 2013 release note; codat-docs' Xero table): 7z bmp csv doc docx eml gif
  jpeg jpg keynote msg numbers odf ods odt pages pdf png ppt pptx rar rtf tif tiff txt xls xlsx zip.

Choices where the sources are silent or disagree (UNCONFIRMED; each picked so a sloppy client fails here):
- 10 MB is 10 x 1024 x 1024 bytes; the limit is checked on the body as sent, before anything is stored;
- a PUT or POST naming a file the document already holds (file names compared case-insensitively) replaces
  that attachment's content and keeps its AttachmentID, as Linx's Xero docs say ("the attachment being
  uploaded will overwrite it"); XeroAPI/Xero-NetStandard#52 reports duplicates of one name instead. A new
  name past the 10th is refused (400 ValidationException);
- an empty body, a file type outside the list, and a document that is VOIDED or DELETED are refused with
  400 ValidationException (an element echoing the attachment, its `ValidationErrors`);
- `IncludeOnline` is shown in answers only when true (xero-node#338 shows it absent otherwise); POST keeps
  the value the attachment had; adding an attachment does not change the document's UpdatedDateUTC;
- `MimeType` is the request's Content-Type (without parameters), `application/octet-stream` when none;
- only the document's InvoiceID / CreditNoteID is accepted in the path (the spec declares the id; a number
  there is "could not be found");
- `Idempotency-Key`: as on the other writes (platform_idempotency.py), scoped by method and path; the query
  string is part of what must match;
- a bare GET of the file answers its bytes with its MimeType as Content-Type.

Test hook (not Xero): `POST /__sandbox/attachment_faults {"file_names": [...], "status": 500}` makes every
upload of those file names answer that status (400: a ValidationException; 500: Xero's problem JSON;
503: "The Organisation is offline"), until `{"clear": true}` or a reset. It lets a test make one document's
attachment fail while everything else, the document itself included, is written normally.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from . import http_errors
from .platform_idempotency import MAX_KEY_LENGTH, IdempotencyStore

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_PER_DOCUMENT = 10
ALLOWED_EXTENSIONS = frozenset(
    {
        *("7z", "bmp", "csv", "doc", "docx", "eml", "gif", "jpeg", "jpg", "keynote", "msg", "numbers"),
        *("odf", "ods", "odt", "pages", "pdf", "png", "ppt", "pptx", "rar", "rtf", "tif", "tiff", "txt"),
        *("xls", "xlsx", "zip"),
    }
)
ID_FIELDS = {"Invoices": "InvoiceID", "CreditNotes": "CreditNoteID"}
STORED = "_Attachments"  # the record's own list; keys starting with "_" are never serialised (wire.py)
FAULT_STATUSES = frozenset({400, 500, 503})
_CLOSED = frozenset({"VOIDED", "DELETED"})

Envelope = Callable[[str, list[Any]], dict[str, Any]]


def is_attachment_path(parts: list[str]) -> bool:
    """`{collection}/{id}/Attachments[/{name}]` under an endpoint that takes attachments."""
    return (
        len(parts) in (3, 4)
        and parts[0].lower() in ("invoices", "creditnotes")
        and (parts[2].lower() == "attachments")
    )


def element(record: Mapping[str, Any], base_url: str, collection: str) -> list[dict[str, Any]]:
    """The document's attachments as Xero lists them (no bytes)."""
    doc_id = str(record.get(ID_FIELDS[collection]) or "")
    return [_public(a, base_url, collection, doc_id) for a in record.get(STORED) or []]


def _public(stored: Mapping[str, Any], base_url: str, collection: str, doc_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "AttachmentID": stored["AttachmentID"],
        "FileName": stored["FileName"],
        "Url": f"{base_url}/{collection}/{doc_id}/Attachments/{quote(str(stored['FileName']))}",
        "MimeType": stored["MimeType"],
        "ContentLength": len(stored["Data"]),
    }
    if stored.get("IncludeOnline"):
        out["IncludeOnline"] = True
    return out


class AttachmentFaults:
    """The test hook: file names whose uploads answer a chosen status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._names: dict[str, int] = {}

    def configure(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise ValueError("attachment_faults takes a JSON object")
        with self._lock:
            if body.get("clear"):
                self._names.clear()
            else:
                status = int(body.get("status", 500))
                if status not in FAULT_STATUSES:
                    raise ValueError(f"attachment fault status must be one of {sorted(FAULT_STATUSES)}")
                names = body.get("file_names")
                if not isinstance(names, list) or not names:
                    raise ValueError('attachment_faults needs "file_names": a non-empty list')
                self._names.update({str(n).lower(): status for n in names})
            return {"attachment_faults": dict(self._names)}

    def status_for(self, file_name: str) -> int | None:
        with self._lock:
            return self._names.get(file_name.lower())

    def reset(self) -> None:
        with self._lock:
            self._names.clear()


class Attachments:
    """The routes. `envelope(key, items)` is the app's answer envelope; `api_base` the Accounting API's
    path prefix (`/api.xro/2.0`), from which each attachment's Url is built."""

    def __init__(self, idempotency: IdempotencyStore, envelope: Envelope, api_base: str) -> None:
        self.idempotency = idempotency
        self.envelope = envelope
        self.api_base = api_base
        self.faults = AttachmentFaults()

    def handle(
        self, request: Request, ctx: Any, client_id: str, book: Any, collection: str, parts: list[str]
    ) -> Response:
        method = request.method.upper()
        base_url = request.host_url.rstrip("/") + self.api_base
        with book.lock:
            record = book.get(collection, parts[1])
        if len(parts) == 3:
            if method != "GET":
                return http_errors.method_not_allowed(method)
            if record is None:
                return http_errors.not_found()
            body = self.envelope("Attachments", element(record, base_url, collection))
            return http_errors.json_body(body, 200)
        name = parts[3]
        if method == "GET":
            return _download(record, name)
        if method not in ("PUT", "POST"):
            return http_errors.method_not_allowed(method)
        return self._upload(request, ctx, client_id, book, collection, parts[1], name, base_url)

    def _upload(
        self,
        request: Request,
        ctx: Any,
        client_id: str,
        book: Any,
        collection: str,
        path_id: str,
        name: str,
        base_url: str,
    ) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is not None and len(key) > MAX_KEY_LENGTH:
            return http_errors.bad_request(
                f"The Idempotency-Key header must be at most {MAX_KEY_LENGTH} characters"
            )
        length = request.content_length
        if length is not None and length > MAX_FILE_BYTES:
            return _too_large()
        request.max_content_length = MAX_FILE_BYTES + 1
        try:
            data = request.get_data(cache=False)
        except RequestEntityTooLarge:
            return _too_large()
        if len(data) > MAX_FILE_BYTES:
            return _too_large()
        mime = request.mimetype or "application/octet-stream"
        ctx.log_body = {"FileName": name, "MimeType": mime, "ContentLength": len(data)}
        fault = self.faults.status_for(name)
        if fault is not None:
            return _fault(fault, name, mime, len(data))
        scope = (client_id, book.tenant_id, request.method.upper(), request.path.lower(), key or "")
        fingerprint = hashlib.sha256(request.query_string + b"\x00" + data).hexdigest()
        with book.lock:
            if key:
                stored = self.idempotency.lookup(scope)
                if stored is not None:
                    if stored.fingerprint != fingerprint:
                        return http_errors.bad_request(
                            "This Idempotency-Key was already used for a request with a different body"
                        )
                    return Response(stored.body, status=stored.status, content_type=stored.content_type)
            response = self._store(request, book, collection, path_id, name, mime, data, base_url)
            if key and response.status_code in (200, 400):
                self.idempotency.store(
                    scope, response.status_code, response.get_data(), response.content_type or "", fingerprint
                )
            return response

    def _store(
        self,
        request: Request,
        book: Any,
        collection: str,
        path_id: str,
        name: str,
        mime: str,
        data: bytes,
        base_url: str,
    ) -> Response:
        record = book.get(collection, path_id)
        if record is None:
            return _refused(name, mime, len(data), f"A document with id '{path_id}' could not be found")
        problem = _problem(record, name, data)
        if problem:
            return _refused(name, mime, len(data), problem)
        held = [dict(a) for a in record.get(STORED) or []]
        same = next((a for a in held if str(a["FileName"]).lower() == name.lower()), None)
        online = str(request.args.get("IncludeOnline", "")).lower() == "true"
        if same is not None:
            same.update(Data=data, MimeType=mime)
            if request.method.upper() == "PUT":
                same["IncludeOnline"] = online
            attachment = same
        elif len(held) >= MAX_PER_DOCUMENT:
            message = f"A document can have at most {MAX_PER_DOCUMENT} attachments"
            return _refused(name, mime, len(data), message)
        else:
            attachment = {
                "AttachmentID": str(uuid.uuid4()),
                "FileName": name,
                "MimeType": mime,
                "Data": data,
                "IncludeOnline": online and request.method.upper() == "PUT",
            }
            held.append(attachment)
        book.put(collection, {**record, "HasAttachments": True, STORED: held})
        doc_id = str(record[ID_FIELDS[collection]])
        answer = self.envelope("Attachments", [_public(attachment, base_url, collection, doc_id)])
        return http_errors.json_body(answer, 200)


def _problem(record: Mapping[str, Any], name: str, data: bytes) -> str | None:
    if str(record.get("Status")) in _CLOSED:
        return f"Attachments cannot be added to a document that is {record.get('Status')}"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ALLOWED_EXTENSIONS:
        return f"The file type '.{extension}' is not allowed as an attachment"
    if not data:
        return "The attachment is empty"
    return None


def _download(record: Mapping[str, Any] | None, name_or_id: str) -> Response:
    if record is None:
        return http_errors.not_found()
    wanted = name_or_id.lower()
    for stored in record.get(STORED) or []:
        if str(stored["AttachmentID"]).lower() == wanted or str(stored["FileName"]).lower() == wanted:
            return Response(stored["Data"], status=200, content_type=str(stored["MimeType"]))
    return http_errors.not_found()


def _echo(name: str, mime: str, size: int, message: str) -> dict[str, Any]:
    return {
        "AttachmentID": "00000000-0000-0000-0000-000000000000",
        "FileName": name,
        "MimeType": mime,
        "ContentLength": size,
        "ValidationErrors": [{"Message": message}],
    }


def _refused(name: str, mime: str, size: int, message: str) -> Response:
    return http_errors.validation_exception([_echo(name, mime, size, message)])


def _too_large() -> Response:
    return http_errors.problem(413, "RequestEntityTooLarge", "PayloadTooLarge")


def _fault(status: int, name: str, mime: str, size: int) -> Response:
    if status == 503:
        return http_errors.organisation_offline()
    if status == 500:
        return http_errors.internal_error()
    return _refused(name, mime, size, "The sandbox was told to refuse this attachment (attachment fault)")
