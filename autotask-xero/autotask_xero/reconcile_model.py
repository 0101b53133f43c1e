"""What `autotask-xero reconcile` finds, and what each kind of difference means to a finance admin.

Why a module of its own: the comparison (reconcile_compare.py) produces findings, and three renderings
(terminal, Markdown, HTML) and the JSON report read them (reconcile_report.py); the words an admin reads for
each kind ("missing in Xero: send it again ...") are written once, here, so no rendering says it differently.

Every finding names one document as the admin knows it (the Autotask number, and Xero's number when it
differs), the organisation, and what each side shows. Money is Decimal throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class Kind:
    key: str
    label: str  # a heading: "Missing in Xero"
    meaning: str  # one sentence: what the two systems disagree about
    next_step: str  # what to do about it


# In the order a report shows them: what is absent first, then what differs, then the status disagreements.
KINDS: tuple[Kind, ...] = (
    Kind(
        "missing_in_xero",
        "Missing in Xero",
        "Autotask billed it, the mapping places it in this organisation, and Xero has no document under "
        "its number.",
        "Send it again: re-sync it by its number (`autotask-xero resync`), or run a full refresh of the "
        "invoices stream. The next regular sync sends it on its own only if it changes in Autotask.",
    ),
    Kind(
        "refused_by_last_sync",
        "Missing in Xero: the last sync refused it",
        "Autotask billed it and Xero does not hold it, because the sync refused it (the reason is the one "
        "in the destination's rejected-records file).",
        "Fix what the reason names (in Xero or in the mapping). The sync retries refused documents on "
        "every run, so the next one sends it.",
    ),
    Kind(
        "unplaceable",
        "No mapping can place it",
        "The destination's routing or mapping refuses this Autotask invoice, so no sync can send it to "
        "Xero as the mapping stands.",
        "Fix the mapping for the reason given (`autotask-xero check` lists every gap); the next sync then "
        "sends it. If it should never reach Xero, nothing needs doing.",
    ),
    Kind(
        "not_in_autotask",
        "In Xero, not in Autotask",
        "Xero holds a document under the numbering the sync uses, but Autotask has no invoice of that "
        "number.",
        "Someone entered it in Xero by hand, or it was deleted in Autotask. If it is a mistake, void it in "
        "Xero; if it is genuine, give it a number outside the sync's numbering so it is not taken for "
        "Autotask's.",
    ),
    Kind(
        "in_another_organisation",
        "In another organisation than the mapping says",
        "Xero holds the document in one organisation, but the routing now sends it to another (or to none).",
        "The routing changed after it was sent. Void it in the organisation that should not hold it; "
        "re-sync it (`autotask-xero resync`) to send it where the routing says.",
    ),
    Kind(
        "amounts_differ",
        "Total or tax differs",
        "Xero's total or tax is more than a cent away from what the mapping of the Autotask invoice gives "
        "(rounding lines and tax-inclusive prices already taken into account).",
        "Someone edited it in Xero, or it changed after it was sent. Re-sync it (`autotask-xero resync`): "
        "the update replaces its lines with Autotask's. If it is paid in Xero, correct it there by hand.",
    ),
    Kind(
        "voided_in_xero_only",
        "Voided or deleted in Xero, live in Autotask",
        "Xero has voided or deleted the document; Autotask still bills it.",
        "Void it in Autotask too; or, if voiding it in Xero was a mistake, enter it again in Xero by hand "
        "(Xero cannot restore a voided document, and the sync will not recreate it).",
    ),
    Kind(
        "voided_in_autotask_only",
        "Voided in Autotask, live in Xero",
        "Autotask has voided the invoice; Xero still holds it as live.",
        "The next sync voids it in Xero, unless payments or credits are applied there: remove them first, "
        "then let the sync void it.",
    ),
    Kind(
        "paid_in_autotask_only",
        "Paid in Autotask, not in Xero",
        "Autotask has a paid date for it; in Xero it still has an amount due.",
        "Record the payment in Xero (the payments sync then keeps both in step), or clear the paid date "
        "in Autotask if it was set by mistake.",
    ),
    Kind(
        "paid_in_xero_only",
        "Paid in Xero, not in Autotask",
        "Xero shows it fully paid; Autotask has no paid date for it.",
        "The payments sync (source-xero-payments to destination-autotask-payments) writes the paid date "
        "at its next run; if it has run already, its rejected payments say why it did not.",
    ),
)
KIND = {kind.key: kind for kind in KINDS}


@dataclass(frozen=True)
class Side:
    """What one system shows of a document: money as that system shows it, and its status in words."""

    number: str = ""
    total: Decimal | None = None
    tax: Decimal | None = None
    status: str = ""
    currency: str = ""

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"number": self.number, "status": self.status}
        if self.total is not None:
            shown["total"] = self.total
        if self.tax is not None:
            shown["tax"] = self.tax
        if self.currency:
            shown["currency"] = self.currency
        return shown


@dataclass(frozen=True)
class Finding:
    kind: str  # a key of KIND
    tenant_id: str  # "" when no organisation is concerned (routing refused the invoice)
    document: str  # "invoice 20012", "credit note 20006"
    detail: str  # the specifics, in an admin's words
    autotask_id: int | None = None
    xero_id: str | None = None
    autotask: Side | None = None
    xero: Side | None = None

    def as_dict(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"kind": self.kind, "document": self.document, "detail": self.detail}
        if self.autotask_id is not None:
            shown["autotask_id"] = self.autotask_id
        if self.xero_id:
            shown["xero_id"] = self.xero_id
        if self.autotask is not None:
            shown["autotask"] = self.autotask.as_dict()
        if self.xero is not None:
            shown["xero"] = self.xero.as_dict()
        return shown


@dataclass
class Organisation:
    tenant_id: str
    name: str
    autotask_documents: int = 0  # the documents of the period the mapping places here
    xero_documents: int = 0  # the documents of the period Xero holds under our numbering
    xero_calls: int = 0
    unreadable: str = ""  # why Xero could not be read (then nothing is compared for it)


@dataclass
class Result:
    period_from: str
    period_to: str
    organisations: list[Organisation] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    autotask_invoices: int = 0
    autotask_calls: int = 0
    problems: list[str] = field(default_factory=list)  # a side that could not be read: exit 2
    notes: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        if self.problems:
            return 2
        return 1 if self.findings else 0

    def of_kind(self, kind: str, tenant_id: str | None = None) -> list[Finding]:
        return [
            f for f in self.findings if f.kind == kind and (tenant_id is None or f.tenant_id == tenant_id)
        ]

    def xero_calls(self) -> int:
        return sum(org.xero_calls for org in self.organisations)
