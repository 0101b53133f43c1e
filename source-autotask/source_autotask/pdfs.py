"""Invoice PDFs (`invoice_pdfs`): the PDF Autotask renders for each invoice the sync sends, in its record.

When: only for an invoice the sync emits, after its fingerprint decided that (`sync.py`), so an unchanged
invoice costs no PDF call; and the PDF is never part of the fingerprint: Autotask renders it afresh on
every call, and a new timestamp inside must not send an unchanged invoice again.
How: up to `PDF_WORKERS` (3, the documented thread limit per endpoint, which the client's slots also hold)
at a time, in groups of `GROUP` records kept in order, each call paced under the hourly threshold and
retried by the client like any read.
What goes in the record: `invoicePDF` `{fileName, contentType, data (base64 as Autotask sent it), size
(decoded bytes), sha256 (hex of the decoded bytes)}` and `invoicePDFError` null; with the option off both
are null.
A PDF that cannot be read (any error, after the client's retries) never holds the invoice back: the record
goes out with `invoicePDF: null` and `invoicePDFError` saying why in one line, a warning names the
invoice, and the invoice's id is kept in `failed`: the sync stores no fingerprint for it and lists it in
the state's `pdf_retry`, so the next sync reads it again by id, however old, and sends it with its PDF.
Reads stop for the rest of the sync (the remaining invoices are sent without their PDF, and read again
next time) after a refusal of the credentials or of the permission to read invoice PDFs, or after
`MAX_FAILURES_IN_A_ROW` failures in a row: a broken rendering must not spend the database's hourly
threshold on every invoice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from autotask_client.client import AutotaskClient
from autotask_client.errors import AuthenticationError, PermissionDeniedError
from autotask_client.invoice_pdf import InvoicePdf

LOGGER = logging.getLogger("source_autotask")
PDF_WORKERS = 3
GROUP = 30
MAX_FAILURES_IN_A_ROW = 5
MAX_WARNINGS = 20
MAX_REASON = 300

Record = dict[str, Any]


class InvoicePdfs:
    """Puts `invoicePDF`/`invoicePDFError` into invoice records on their way out."""

    def __init__(self, client: AutotaskClient, enabled: bool) -> None:
        self.client = client
        self.enabled = enabled
        self.failed: set[int] = set()  # invoice ids sent without their PDF this sync
        self._in_a_row = 0
        self._stopped: str | None = None  # why reads stopped for the rest of this sync
        self._warnings = 0
        self._lock = threading.Lock()  # the counters are shared by the reading threads

    def attach(self, records: Iterable[Record]) -> Iterator[Record]:
        """The records, in order, each with its PDF (or why it has none); `failed` names this call's."""
        self.failed = set()
        if not self.enabled:
            for record in records:
                record["invoicePDF"] = None
                record["invoicePDFError"] = None
                yield record
            return
        with ThreadPoolExecutor(max_workers=PDF_WORKERS, thread_name_prefix="invoice-pdf") as pool:
            group: list[Record] = []
            for record in records:
                group.append(record)
                if len(group) >= GROUP:
                    yield from self._filled(pool, group)
                    group = []
            if group:
                yield from self._filled(pool, group)
        self.report()

    def report(self) -> None:
        """One closing line when more failures happened than were named one by one."""
        if self._warnings > MAX_WARNINGS:
            LOGGER.warning(
                "invoices: %d invoice PDF(s) in all could not be read this sync (the first %d are named "
                "above); those invoices were sent without them and are read again next sync",
                len(self.failed),
                MAX_WARNINGS,
            )

    def _filled(self, pool: ThreadPoolExecutor, group: list[Record]) -> Iterator[Record]:
        if self._stopped is None:
            results = list(pool.map(self._read, group))
        else:
            results = [(None, f"not read: {self._stopped}") for _ in group]
        for record, (pdf, error) in zip(group, results, strict=True):
            record["invoicePDF"] = _as_field(pdf) if pdf is not None else None
            record["invoicePDFError"] = error
            if error is not None:
                self.failed.add(int(record["id"]))
                self._warn(record, error)
            yield record

    def _read(self, record: Record) -> tuple[InvoicePdf | None, str | None]:
        if self._stopped is not None:
            return None, f"not read: {self._stopped}"
        try:
            pdf = self.client.invoice_pdf(int(record["id"]))
        except Exception as exc:  # any failure: the invoice goes out without its PDF, the sync goes on
            reason = self._reason(exc)
            self._count_failure(reason, refused=isinstance(exc, AuthenticationError | PermissionDeniedError))
            return None, reason
        with self._lock:
            self._in_a_row = 0
        return pdf, None

    def _count_failure(self, reason: str, *, refused: bool) -> None:
        with self._lock:
            self._in_a_row += 1
            if self._stopped is not None:
                return
            if refused:
                self._stopped = f"Autotask refused invoice PDFs earlier in this sync ({reason})"
            elif self._in_a_row >= MAX_FAILURES_IN_A_ROW:
                self._stopped = (
                    f"{self._in_a_row} PDF reads failed in a row earlier in this sync (last: {reason})"
                )
            else:
                return
        LOGGER.warning(
            "invoices: PDF reads stop for the rest of this sync: %s; the remaining invoices are sent "
            "without their PDF and read again next sync%s",
            self._stopped,
            " (give the API user's security level access to invoice PDFs)" if refused else "",
        )

    def _reason(self, exc: BaseException) -> str:
        text = " ".join(self.client.scrub(str(exc) or type(exc).__name__).split())
        return text if len(text) <= MAX_REASON else text[: MAX_REASON - 3] + "..."

    def _warn(self, record: Record, error: str) -> None:
        self._warnings += 1
        if self._warnings > MAX_WARNINGS:
            return
        number = str(record.get("invoiceNumber") or "").strip()
        LOGGER.warning(
            "invoice %s (id %s): its PDF could not be read (%s); the invoice is sent without it, and the "
            "PDF is read again next sync",
            number or "(no number)",
            record.get("id"),
            error,
        )


def _as_field(pdf: InvoicePdf) -> dict[str, Any]:
    return {
        "fileName": pdf.file_name,
        "contentType": pdf.content_type,
        "data": pdf.data,
        "size": pdf.size,
        "sha256": pdf.sha256,
    }
