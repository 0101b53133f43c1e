"""An invoice's PDF as Autotask serves it: `GET /v1.0/Invoices/{id}/InvoicePDF`, read and checked.

Where the path comes from: the swagger (`KelvinTegelaar/AutotaskAPI` `v1.json`) lists the operation as
`GET /V1.0/InvoicePDF` with an `{id}` path parameter, a path that cannot carry the id. The live path is
`/V1.0/Invoices/{id}/InvoicePDF`, as public clients call it:
- KelvinTegelaar/AutotaskAPI `Public/Get-AutotaskAPIResource.ps1` rewrites the swagger's
  `V1.0/InvoicePDF` to `V1.0/Invoices/{id}/InvoicePDF` (PR #69, "used for over a year successfully"),
  and returns the response body itself, not an `item` or `items` member of it;
- msoukhomlinov/n8n-nodes-autotask `nodes/Autotask/resources/invoices/execute.ts` calls
  `Invoices/${invoiceId}/InvoicePDF` and accepts the file either at the top level or under `item`;
- Autotask's own InvoicesEntity page names InvoicePDF among the entity's special endpoints.

The body is the swagger's `InvoicePDFModel`: `{"id", "contentType", "fileName", "fileSize", "data"}`,
camelCase on the wire like every live field, `data` the file in base64. Choices where the sources are
silent (UNCONFIRMED, each the safer one):
- the file is taken from the top level or from an `item` member (both shapes are in use by clients);
- `{"item": null}` (how the API answers a GET of a record that does not exist) and a body without
  `data` are errors naming the invoice, never an empty PDF;
- `data` must decode as strict base64; when `fileSize` is given it must equal the decoded size (a
  truncated transfer must not reach the books); a file that says it is a PDF must start with `%PDF-`.
What is kept: the base64 text exactly as Autotask sent it, the decoded size and the SHA-256 of the decoded
bytes (what a destination compares to decide whether the PDF it attached is still the current one).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any

from .errors import AutotaskApiError

PDF_MAGIC = b"%PDF-"
DEFAULT_CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class InvoicePdf:
    """One invoice's PDF: the base64 text as served, and what the decoded file is."""

    invoice_id: int
    file_name: str
    content_type: str
    data: str  # base64, exactly as Autotask returned it
    size: int  # decoded bytes
    sha256: str  # hex digest of the decoded bytes

    def content(self) -> bytes:
        return base64.b64decode(self.data, validate=True)


class InvoicePdfError(AutotaskApiError):
    """Autotask answered, but not with a usable PDF of the invoice."""


def read_invoice_pdf(payload: Any, invoice_id: int) -> InvoicePdf:
    """The PDF in an InvoicePDF answer, or an `InvoicePdfError` saying what was wrong with it."""
    where = f"Autotask InvoicePDF of invoice id {invoice_id}"
    body = payload
    if isinstance(body, dict) and "item" in body and "data" not in body:
        body = body["item"]
        if body is None:
            raise _error(f"{where}: no such invoice (the answer was an empty item)")
    if not isinstance(body, dict):
        raise _error(f"{where}: the answer is not a JSON object")
    text = body.get("data")
    if not isinstance(text, str) or not text.strip():
        raise _error(f"{where}: the answer has no file data")
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise _error(f"{where}: the file data is not base64") from None
    declared = body.get("fileSize")
    if isinstance(declared, int) and not isinstance(declared, bool) and declared != len(content):
        raise _error(f"{where}: fileSize says {declared} bytes but the data holds {len(content)}")
    content_type = str(body.get("contentType") or DEFAULT_CONTENT_TYPE)
    if "pdf" in content_type.lower() and not content.startswith(PDF_MAGIC):
        raise _error(f"{where}: the file is not a PDF (it does not start with %PDF-)")
    file_name = str(body.get("fileName") or "").strip() or f"Invoice {invoice_id}.pdf"
    return InvoicePdf(
        invoice_id=invoice_id,
        file_name=file_name,
        content_type=content_type,
        data=text,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def _error(message: str) -> InvoicePdfError:
    return InvoicePdfError(message, entity="Invoices")
