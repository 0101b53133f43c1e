"""Attachments: the Autotask invoice PDF attached to the Xero invoice or credit note it became.

Why a stage of its own, after posting: an attachment needs the document's Xero id, which a created document
has only once it is written, and a PDF Xero does not take must never un-land the document it belongs to.
So the documents are written first, as always, and then this stage attaches, document by document; what
happens to an attachment is counted and reported apart from the document (outcome.py, report.py).

Rules (declared; BEHAVIOR.md "Invoice PDFs in Xero"):
- per tenant, optional: `mappings.attachments.invoice_pdf` (the source must also be asked for PDFs, its
  `invoice_pdfs`; a document that comes without one is counted and named in a warning);
- only documents of this run that Xero now holds as Autotask has them (created, updated, unchanged), never
  a voided one, never one whose write failed or was deferred; a dry run uploads nothing and reports what
  it would attach (it still reads the listings it needs, as a dry run reads everything else);
- idempotent without local state: the file name is deterministic, `<number>.pdf` (the Autotask number,
  characters other than letters, digits, `.`, `_` and `-` replaced by `-`). A created document, or one Xero
  shows `HasAttachments: false`, gets the PDF in one call, unlisted; one with attachments is listed (one
  GET) and gets the PDF only when ours is not there, by `on_change`:
  - `keep` (default): any PDF of ours (`<number>.pdf` or `<number>-<8 hex>.pdf`) means nothing is added;
  - `add`: a PDF whose content is not there yet is added beside the others as `<number>-<sha256[:8]>.pdf`
    (the first one is `<number>.pdf`; when that one has the same size as ours it is read back, one more
    GET, to compare its content). Xero's API cannot delete an attachment, so nothing is ever replaced;
- every upload carries a deterministic Idempotency-Key (the document, the file name, the PDF's sha256), so a
  retried call cannot attach twice; `IncludeOnline` is `include_online` (the PDF shows on the customer's
  online invoice);
- a PDF over Xero's 10 MB a file is not sent, and a document holding Xero's maximum of 10 attachments gets
  no more: both are reported with what to do (attach by hand; remove one in Xero);
- a failed attachment (Xero's refusal, or a 5xx after the client's retries) and a PDF that did not come
  usable (the source could not read it, `invoicePDFError`, or it arrived cut) never fail the document:
  each is reported naming the document, the cause and what to do, and its Autotask id goes into the retry
  list of the state (retry_ledger.py), so that the next run reads it again and tries again;
- Xero's day limit stops attaching for that organisation like everything else (the documents already
  written stay landed; those left are reported and retried); an organisation that refuses the attachment
  (401/403: the app lacks `accounting.attachments`) stops attaching for the rest of the run, not writing;
- every call goes through the same client, so it counts against the organisation's minute and day limits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from xero_client.client import XeroClient
from xero_client.errors import AuthError, DailyLimitReached, TenantAccessError, XeroError
from xero_client.wire import idempotency_key

from .config import Tenant
from .documents import Document
from .planner import Decision

MAX_FILE_BYTES = 10 * 1024 * 1024  # Xero's limit per file (sandbox/xero/attachments.py has the sources)
MAX_PER_DOCUMENT = 10
ATTACHABLE = frozenset({"create", "update", "unchanged"})
COLLECTIONS = {"invoice": "Invoices", "credit_note": "CreditNotes"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def base_name(document: Document) -> str:
    """The document's number as a file name: what Xero shows the customer and what a rerun looks for."""
    return _UNSAFE.sub("-", document.autotask_number or document.key).strip("-") or str(document.source_id)


def first_name(document: Document) -> str:
    return f"{base_name(document)}.pdf"


def changed_name(document: Document, sha256: str) -> str:
    return f"{base_name(document)}-{sha256[:8].lower()}.pdf"


def is_ours(name: str, document: Document) -> bool:
    pattern = rf"{re.escape(base_name(document))}(-[0-9a-f]{{8}})?\.pdf"
    return re.fullmatch(pattern, name, re.IGNORECASE) is not None


@dataclass(frozen=True)
class AttachmentNote:
    """What happened to one document's PDF: `attached`, `already_attached`, `would_attach` (dry run),
    `without_pdf` (none came with the record) or `failed` (`reason` says why and what to do)."""

    outcome: str
    kind: str
    key: str  # the document's Autotask number
    source_id: int | None
    file_name: str = ""
    reason: str = ""
    retry: bool = False  # the next run should read the document again to try again


@dataclass
class AttachmentTally:
    """One organisation's attachments this run (TenantSummary.attachments)."""

    attached: int = 0
    already_attached: int = 0
    would_attach: int = 0
    without_pdf: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)  # {"key", "kind", "reason", "retry", "id"}

    def add(self, note: AttachmentNote) -> None:
        if note.outcome == "failed":
            entry = {"key": note.key, "kind": note.kind, "reason": note.reason, "retry": str(note.retry)}
            self.failed.append({**entry, "id": str(note.source_id or "")})
        elif note.outcome == "without_pdf":
            self.without_pdf.append(note.key)
        elif note.outcome in ("attached", "already_attached", "would_attach"):
            setattr(self, note.outcome, getattr(self, note.outcome) + 1)

    @property
    def any(self) -> bool:
        counts = (self.attached, self.already_attached, self.would_attach)
        return any(counts) or bool(self.failed or self.without_pdf)

    def figures(self) -> dict[str, Any]:
        return {
            "attached": self.attached,
            "already_attached": self.already_attached,
            "would_attach": self.would_attach,
            "failed": len(self.failed),
            "without_pdf": len(self.without_pdf),
        }

    def warnings(self) -> list[str]:
        if not self.without_pdf:
            return []
        shown = ", ".join(self.without_pdf[:10]) + (" ..." if len(self.without_pdf) > 10 else "")
        return [
            f"{len(self.without_pdf)} document(s) came without their Autotask PDF ({shown}), so none was "
            "attached: turn on invoice_pdfs in the source (source-autotask) as mappings.attachments asks"
        ]


class _Skip(Exception):
    """This document's PDF is not sent: its note says why."""

    def __init__(self, reason: str, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class Attacher:
    """Attaches each tenant's PDFs after its documents are written; `record` is Outcome.attachment."""

    def __init__(
        self, client: XeroClient, dry_run: bool, record: Callable[[str, AttachmentNote], None]
    ) -> None:
        self.client = client
        self.dry_run = dry_run
        self.record = record
        self._refused: dict[str, str] = {}  # tenant id -> why Xero refuses this app's attachments

    def attach(self, tenant: Tenant, decisions: Sequence[Decision]) -> None:
        """Every eligible document's PDF, in order. DailyLimitReached is raised (after the documents left
        are noted) for the engine to stop the tenant; any other failure is one document's."""
        settings = tenant.mappings.attachments
        if not settings.invoice_pdf:
            return
        tid = tenant.tenant_id
        due = [d for d in decisions if _eligible(d)]
        for index, decision in enumerate(due):
            document = decision.document
            assert document is not None  # _eligible
            try:
                self._one(tid, decision, document, settings.on_change, settings.include_online)
            except _Skip as skip:
                self._note(tid, "failed", document, reason=skip.reason, retry=skip.retry)
            except DailyLimitReached:
                why = "Xero's daily call limit for this organisation ran out first; the next run attaches it"
                for left in due[index:]:
                    assert left.document is not None
                    self._note(tid, "failed", left.document, reason=why, retry=True)
                raise
            except TenantAccessError:
                self._refused[tid] = (
                    "Xero does not let this app attach files to the organisation: grant the app the "
                    "accounting.attachments scope (run xero-auth again; check names what is missing), and "
                    "the next run attaches it"
                )
                self._note(tid, "failed", document, reason=self._refused[tid], retry=True)
            except AuthError:
                raise
            except XeroError as exc:
                self._note(tid, "failed", document, reason=_refusal(exc), retry=True)

    def _one(self, tid: str, decision: Decision, document: Document, on_change: str, online: bool) -> None:
        if tid in self._refused:
            raise _Skip(self._refused[tid], retry=True)
        pdf = document.pdf
        if pdf is None:
            if document.pdf_error:
                why = f"no usable PDF came with the document ({document.pdf_error})"
                raise _Skip(f"{why}; the next run reads it again", retry=True)
            self._note(tid, "without_pdf", document)
            return
        if len(pdf.data) > MAX_FILE_BYTES:
            raise _Skip(
                f"the PDF is {len(pdf.data):,} bytes, over Xero's limit of 10 MB a file, so it was not sent: "
                "attach a smaller copy by hand in Xero",
                retry=False,
            )
        sha = hashlib.sha256(pdf.data).hexdigest()  # what the name and the key are derived from
        xero_id = decision.existing_id or ""  # a dry run's creates have none
        path = f"{COLLECTIONS[document.kind]}/{xero_id}/Attachments"
        name: str | None = first_name(document)
        if decision.action != "create" and decision.has_attachments:
            name = self._name_to_send(tid, path, document, pdf.data, sha, on_change)
        if name is None:
            self._note(tid, "already_attached", document)
            return
        if self.dry_run:
            self._note(tid, "would_attach", document, file_name=name)
            return
        if not xero_id:
            raise _Skip("Xero gave no id for the document; the next run that reads it tries again", True)
        key = idempotency_key(
            tid, [(f"attachment:{xero_id}:{name}", {"sha256": sha, "IncludeOnline": online})]
        )
        self.client.request(
            "PUT",
            tid,
            f"{path}/{quote(name)}",
            params={"IncludeOnline": "true" if online else "false"},
            content=pdf.data,
            content_type=pdf.content_type or "application/pdf",
            idempotency_key=key,
        )
        self._note(tid, "attached", document, file_name=name)

    def _name_to_send(
        self, tid: str, path: str, document: Document, data: bytes, sha: str, on_change: str
    ) -> str | None:
        """The file to upload after one listing, or None when ours is there already (by `on_change`)."""
        held = self.client.get(tid, path).get("Attachments") or []
        names = {str(a.get("FileName") or "").lower(): a for a in held}
        first = first_name(document)
        if on_change == "keep":
            wanted: str | None = None if any(is_ours(n, document) for n in names) else first
        elif changed_name(document, sha).lower() in names:
            wanted = None
        elif first.lower() not in names:
            wanted = first
        else:
            wanted = changed_name(document, sha)
            if int(names[first.lower()].get("ContentLength") or -1) == len(data):  # else it surely differs
                content = self.client.request("GET", tid, f"{path}/{quote(first)}").content
                wanted = None if hashlib.sha256(content).hexdigest() == sha else wanted
        if wanted is not None and len(held) >= MAX_PER_DOCUMENT:
            raise _Skip(
                f"the document already holds Xero's maximum of {MAX_PER_DOCUMENT} attachments, so the PDF "
                "was not added: remove one in Xero, then re-send the invoice",
                retry=False,
            )
        return wanted

    def _note(self, tid: str, outcome: str, document: Document, **kw: Any) -> None:
        number = document.autotask_number or document.key
        self.record(tid, AttachmentNote(outcome, document.kind, number, document.source_id, **kw))


def _refusal(exc: XeroError) -> str:
    """Why Xero did not take a PDF, in an admin's words (Xero's own messages, no paths or ids)."""
    if exc.status is not None and 400 <= exc.status < 500 and exc.messages:
        said = f"Xero refused the PDF ({'; '.join(exc.messages)})"
    else:
        said = "Xero failed to store the PDF, again after several tries (a fault on Xero's side)"
    return f"{said}; the next run that reads the document tries again"


def _eligible(decision: Decision) -> bool:
    document = decision.document
    return (
        decision.action in ATTACHABLE
        and document is not None
        and not document.void
        and document.kind in COLLECTIONS
    )
