"""Planning: what Xero holds (lookups.py) diffed against what we want, decided per document.

Why its own stage: reruns must converge without a local database, so everything a run writes follows from
this one comparison. The diff is normalised (Decimals by value, dates by calendar day, tracking as a set,
only the elements we send) so that an unchanged rerun plans zero writes; the reads it compares against
are batched in lookups.py, and the writes it decides are made by posting.py.

Decisions: create / update / unchanged / skipped (a void never synced) / not_changeable (Xero no longer
lets us change it: PAID, has payments or credits, VOIDED/DELETED, BILLED) / rejected.
Status only moves forward (DRAFT → SUBMITTED → AUTHORISED): a document someone approved in Xero is not
pulled back to DRAFT by a rerun. A voided Autotask invoice becomes DELETED (DRAFT/SUBMITTED) or VOIDED
(AUTHORISED without payments) in Xero; a cancelled purchase order becomes DELETED (Xero has no VOIDED PO).
An issued document (AUTHORISED, PAID, BILLED) keeps its CurrencyRate unless `update_issued_rates`; every
update lists the fields it overwrites in Xero; every not_changeable reason says what the admin must do.
An invoice Xero holds under another number (found by its link to Autotask) is reported, never created twice.
A document a person DELETED in Xero is never recreated by a sync; only an explicit re-sync
(`recreate_deleted`: `autotask-xero resync`) enters an invoice or credit note again (Xero lets a deleted
document's number be used again). VOIDED ones stay not_changeable: voiding is booked in Xero's ledger.
Bills (ACCPAY, from purchase orders) are decided like invoices once planner_bills.py has chosen ours
among the bills under the number; it also says what a PO not received yet, or a deleted bill, means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from xero_client.client import XeroClient
from xero_client.wire import parse_date

from .documents import ID_FIELD, NUMBER_FIELD, Document
from .lookups import lookup_bills, lookup_by_identity, lookup_existing
from .planner_bills import NEVER_BILLED, choose_bill, gone_in_xero, held_outcome

STATUS_RANK = {"DRAFT": 0, "SUBMITTED": 1, "AUTHORISED": 2}


# ---- helpers ---------------------------------------------------------------------------------------------
def xero_date(value: Any) -> str | None:
    """A Xero date element (`/Date(ms+0000)/` or ISO) as YYYY-MM-DD."""
    if value is None:
        return None
    text = str(value)
    moment = parse_date(text)
    if moment is not None:
        return moment.to_date_string()
    return text[:10]


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


# ---- decisions -------------------------------------------------------------------------------------------
@dataclass
class Decision:
    action: str  # create | update | unchanged | skipped | not_changeable | rejected | deferred
    kind: str
    tenant_id: str
    key: str
    source_id: int | None
    reason: str = ""
    payload: dict[str, Any] | None = None
    document: Document | None = None
    existing_id: str | None = None
    messages: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    # the fields an update replaces in Xero: the planner cannot tell a change in Autotask from an edit a
    # person made in Xero (no local state), so every field it rewrites on an existing document is listed
    overwrites: list[str] = field(default_factory=list)
    # a create that enters again a document a person deleted in Xero (explicit re-sync only): its XeroID
    replaces: str | None = None
    has_attachments: bool = False  # Xero's HasAttachments on what it holds (attachments.py)

    @property
    def write_key(self) -> str:
        """What names this write in its call's Idempotency-Key. A recreate names the deleted document too:
        the same invoice entered again after a second deletion is another write, not a replay of the first
        (whose stored answer would report a document that is deleted)."""
        base = f"{self.action}:{self.key}"
        return f"{base}:replaces:{self.replaces}" if self.replaces else base

    @property
    def counters(self) -> tuple[str, ...]:
        """The summary counters this decision adds to: its action, and `overwrites` for an update that
        replaces values held in Xero (so a run reports how many documents it rewrote)."""
        return (self.action, "overwrites") if self.overwrites else (self.action,)

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "action": self.action,
            "kind": self.kind,
            "tenant_id": self.tenant_id,
            "key": self.key,
            "autotask_id": self.source_id,
        }
        if self.reason:
            result["reason"] = self.reason
        if self.changes:
            result["changes"] = self.changes
        if self.overwrites:
            result["overwrites"] = self.overwrites
        if self.messages:
            result["xero_messages"] = self.messages
        if self.existing_id:
            result["xero_id"] = self.existing_id
        if self.replaces:
            result["replaces_xero_id"] = self.replaces
        if self.payload is not None:
            result["payload"] = self.payload
        if self.document is not None and self.document.rounding:
            result["rounding"] = self.document.rounding
        return result


# ---- normalised comparison -------------------------------------------------------------------------------
def _norm_line(line: Mapping[str, Any], with_tax: bool = False) -> tuple[Any, ...]:
    """`with_tax`: the line we send carries a TaxAmount override, so Xero's TaxAmount must match it too."""
    tracking = frozenset(
        (str(t.get("Name", "")).casefold(), str(t.get("Option", "")).casefold())
        for t in line.get("Tracking") or []
    )
    return (
        str(line.get("Description") or "").strip(),
        _dec(line.get("Quantity")),
        _dec(line.get("UnitAmount")),
        str(line.get("AccountCode") or ""),
        str(line.get("TaxType") or ""),
        str(line.get("ItemCode") or ""),
        tracking,
        _dec(line.get("TaxAmount")) if with_tax else None,
    )


def _lines_differ(want: Sequence[Mapping[str, Any]], have: Sequence[Mapping[str, Any]]) -> bool:
    if len(want) != len(have):
        return True
    pairs = zip(want, have, strict=True)
    return any(_norm_line(w, "TaxAmount" in w) != _norm_line(h, "TaxAmount" in w) for w, h in pairs)


def diff(desired: Mapping[str, Any], existing: Mapping[str, Any]) -> list[str]:
    """Names of the elements we send whose value differs from Xero's (Status handled by the caller)."""
    changes = []
    for name, want in desired.items():
        if name in ("Status", "Contact", "Type", "Url") or (
            name.endswith("ID") and name != "BrandingThemeID"
        ):
            continue  # Url (our link to Autotask) is sent with every write but never a reason for one
        have = existing.get(name)
        if name == "LineItems":
            if _lines_differ(want, have or []):
                changes.append(name)
        elif name in ("Date", "DueDate", "DeliveryDate"):
            if xero_date(want) != (xero_date(existing.get(f"{name}String")) or xero_date(have)):
                changes.append(name)
        elif isinstance(want, Decimal):
            if _dec(have) != want:
                changes.append(name)
        elif isinstance(want, bool):
            if bool(have) != want:
                changes.append(name)
        elif isinstance(want, list | dict):
            continue  # addresses, phones: compared only for contacts (see contact_changes)
        elif str(want) != str(have or ""):
            changes.append(name)
    want_contact = (desired.get("Contact") or {}).get("ContactID")
    if want_contact and want_contact != (existing.get("Contact") or {}).get("ContactID"):
        changes.append("Contact")
    return changes


def has_money_applied(existing: Mapping[str, Any]) -> bool:
    for name in ("AmountPaid", "AmountCredited", "AppliedAmount"):
        amount = _dec(existing.get(name))
        if amount is not None and amount != 0:
            return True
    return bool(existing.get("Payments")) or bool(existing.get("Allocations"))


def _decision(action: str, document: Document, existing_id: str | None = None, **kw: Any) -> Decision:
    return Decision(
        action,
        document.kind,
        document.tenant_id,
        document.key,
        document.source_id,
        document=document,
        existing_id=existing_id,
        **kw,
    )


# Statuses in which Xero has issued a document: an invoice or credit note posted to the ledger (AUTHORISED,
# then PAID), a purchase order approved (AUTHORISED, then BILLED). DRAFT and SUBMITTED ("awaiting
# approval") have posted nothing and cannot be sent to the customer yet, so they follow Autotask, exchange
# rate included.
ISSUED = frozenset({"AUTHORISED", "PAID", "BILLED"})
# What an explicit re-sync may enter again once deleted: Xero lets a deleted invoice's or credit note's
# number be used again, not a purchase order's.
RECREATABLE = frozenset({"invoice", "credit_note"})


def _void_target(document: Document, status: str) -> str:
    """Xero voids an approved invoice or credit note and deletes a draft; purchase orders have no VOIDED
    status, so an approved one is deleted too (Xero allows AUTHORISED → DELETED for them)."""
    return "VOIDED" if status == "AUTHORISED" and document.kind != "purchase_order" else "DELETED"


def _keeps_issued_rate(document: Document, status: str) -> bool:
    """True when Xero's CurrencyRate stands: the document is issued in Xero and the tenant has not asked
    for `currency.update_issued_rates`. Why: the rate fixed the base-currency amounts posted when it was
    approved; Autotask keeps only today's rate, so a full refresh would otherwise re-rate every unpaid
    foreign invoice and move amounts already in the ledger and in filed returns."""
    return status in ISSUED and not document.update_issued_rates


def _undo(document: Document) -> str:
    return "cancel" if document.kind in ("purchase_order", "bill") else "void"


def _held_as(status: str, existing: Mapping[str, Any]) -> str:
    """How Xero holds a locked document, in the admin's words: "PAID in Xero (paid on 2025-10-01)"."""
    paid_on = xero_date(existing.get("FullyPaidOnDate")) if status == "PAID" else None
    money = " with payments or credits applied" if status != "BILLED" else ""
    return f"{status} in Xero{f' (paid on {paid_on})' if paid_on else ''}{money}"


def _release(status: str) -> tuple[str, str]:
    """What frees a locked document in Xero so that the next run can change it, and what redoes it after."""
    if status == "BILLED":
        return "unmark it as billed in Xero (Options > Unmark as billed)", "mark it as billed again"
    return "remove its payments, refunds and credit allocations in Xero", "apply them again"


def _gone_reason(document: Document, status: str) -> str:
    """Xero voided or deleted a document Autotask still has: say how to make the two agree. A deleted
    invoice or credit note can be sent again on request (`autotask-xero resync`, named by Autotask id so
    that it works under any numbering); a voided one only entered again by hand."""
    undone = "voiding" if status == "VOIDED" else "deleting"
    again = "enter it again in Xero by hand (Xero cannot restore it)"
    if status == "DELETED" and document.kind in RECREATABLE and document.source_id is not None:
        again = f"send it again with `autotask-xero resync id:{document.source_id}`"
    return (
        f"{status} in Xero, so it is not recreated: {_undo(document)} it in Autotask too, or, if {undone} "
        f"it in Xero was a mistake, {again}"
    )


def _void_locked_reason(document: Document, status: str, existing: Mapping[str, Any]) -> str:
    free, _ = _release(status)
    if document.kind == "purchase_order":
        return f"cancelled in Autotask but {_held_as(status, existing)}: {free}, and the next run deletes it"
    if document.kind == "bill":
        return f"cancelled in Autotask but {_held_as(status, existing)}: {free}, and the next run voids it"
    return (
        f"voided in Autotask but {_held_as(status, existing)}: {free}, and the next run voids it "
        "(then apply the payment to the invoice that replaces it)"
    )


def _changed_locked_reason(status: str, existing: Mapping[str, Any], changes: Sequence[str]) -> str:
    free, redo = _release(status)
    return (
        f"changed in Autotask ({', '.join(changes)}) but {_held_as(status, existing)}; not forced: to apply "
        f"the change, {free}, let the next run update it, then {redo}; or restore the previous value in "
        "Autotask (or in the mappings)"
    )


def _overwrite_reason(overwrites: Sequence[str]) -> str:
    """Without a local state, a difference cannot be told apart from a change in Autotask or an edit a
    person made in Xero, so every update says plainly that it replaces what Xero shows."""
    return f"updates {', '.join(overwrites)} in Xero (overwrites any change made there)"


def decide(
    document: Document, existing: Mapping[str, Any] | None, recreate_deleted: bool = False
) -> Decision:
    """The action for one document given what Xero holds under its key (None: nothing).

    An update names in `overwrites` the fields whose Xero value it replaces (Status excluded: it only
    moves forward). An issued document keeps Xero's CurrencyRate (`_keeps_issued_rate`). Every
    not_changeable reason ends with what the admin must do for the next run to agree. `recreate_deleted`
    (an explicit re-sync, never a scheduled run) creates again an invoice or credit note deleted in Xero."""
    id_field = ID_FIELD[document.kind]
    if document.held:  # a bill whose PO is not received yet (planner_bills.py)
        action, why = held_outcome(document, existing)
        return _decision(action, document, str(existing[id_field]) if existing else None, reason=why)
    if existing is None:
        if document.void:
            never = NEVER_BILLED if document.kind == "bill" else "voided in Autotask and never synced to Xero"
            return _decision("skipped", document, reason=never)
        return _decision("create", document, payload=document.payload)
    xero_id = str(existing.get(id_field))
    status = str(existing.get("Status", ""))
    if status in ("VOIDED", "DELETED"):
        if document.void:
            return _decision("unchanged", document, xero_id)
        if document.kind == "bill":
            return _decision("skipped", document, xero_id, reason=gone_in_xero(status))
        if status == "DELETED" and recreate_deleted and document.kind in RECREATABLE:
            return Decision(
                "create",
                document.kind,
                document.tenant_id,
                document.key,
                document.source_id,
                reason="deleted in Xero; entered again as Autotask has it (re-sync on request)",
                payload=document.payload,
                document=document,
                replaces=xero_id,
            )
        return _decision("not_changeable", document, xero_id, reason=_gone_reason(document, status))
    locked = status in ("PAID", "BILLED") or (status == "AUTHORISED" and has_money_applied(existing))
    if document.void:
        if locked:
            why = _void_locked_reason(document, status, existing)
            return _decision("not_changeable", document, xero_id, reason=why)
        payload = {id_field: xero_id, "Status": _void_target(document, status)}
        return _decision("update", document, xero_id, payload=payload, changes=["Status"])
    changes = diff(document.payload, existing)
    want_status = str(document.payload.get("Status", ""))
    payload = dict(document.payload)
    if _keeps_issued_rate(document, status):
        # omitted, Xero keeps the rate it holds (as the sandbox does; Xero's docs are silent, UNCONFIRMED)
        payload.pop("CurrencyRate", None)
        changes = [name for name in changes if name != "CurrencyRate"]
    if want_status in STATUS_RANK and status in STATUS_RANK:
        if STATUS_RANK[want_status] > STATUS_RANK[status]:
            changes.append("Status")
        else:
            payload["Status"] = status  # never move a document backwards
    if not changes:
        return _decision("unchanged", document, xero_id)
    if locked:
        why = _changed_locked_reason(status, existing, changes)
        return _decision("not_changeable", document, xero_id, reason=why, changes=changes)
    payload[id_field] = xero_id
    overwrites = [name for name in changes if name != "Status"]
    reason = _overwrite_reason(overwrites) if overwrites else ""
    return _decision(
        "update", document, xero_id, payload=payload, changes=changes, overwrites=overwrites, reason=reason
    )


def identity_mismatch(document: Document, record: Mapping[str, Any]) -> Decision:
    """A document Xero already holds under another number (or Reference): reported, never created twice."""
    element = "Reference" if document.match_on == "reference" else NUMBER_FIELD[document.kind]
    held = str(record.get(element) or "")
    xero_id = str(record.get(ID_FIELD[document.kind]) or "")
    status = str(record.get("Status") or "")
    reason = (
        f"Autotask invoice id {document.source_id} is already in Xero with {element} {held!r} ({status}), "
        f"but Autotask now gives {document.key!r}: it was renumbered in Autotask or edited in Xero. Not "
        f"created a second time. Make the two agree (set {element} to {document.key!r} in Xero, or change "
        "the number back in Autotask); the next run then finds it"
    )
    return _decision("rejected", document, xero_id, reason=reason)


def plan(
    client: XeroClient,
    tenant_id: str,
    documents: Sequence[Document],
    link_prefix: str,
    recreate_deleted: bool = False,
) -> list[Decision]:
    """One decision per document, in their order, from the fewest reads: the documents' own keys first;
    only those not found there and carrying a link to Autotask are looked up by that link (`link_prefix`
    is every link up to the Autotask id), so an unchanged rerun never asks. `recreate_deleted`: see
    `decide`."""
    existing = lookup_existing(client, tenant_id, documents)
    unmatched = [doc for doc in documents if f"{doc.kind}:{doc.key}" not in existing and doc.identity]
    moved = lookup_by_identity(client, tenant_id, unmatched, link_prefix) if unmatched else {}
    bills = lookup_bills(client, tenant_id, documents)
    decisions = []
    for doc in documents:
        if doc.identity in moved:
            decisions.append(identity_mismatch(doc, moved[doc.identity]))
        elif doc.kind == "bill":  # ours among every bill under its number (planner_bills.choose_bill)
            chosen, refused = choose_bill(doc, bills.get(doc.key, []))
            decisions.append(
                _decision("rejected", doc, reason=refused)
                if refused
                else decide(doc, chosen, recreate_deleted)
            )
        else:
            decisions.append(decide(doc, existing.get(f"{doc.kind}:{doc.key}"), recreate_deleted))
    for doc, decision in zip(documents, decisions, strict=True):
        decision.has_attachments = bool((existing.get(f"{doc.kind}:{doc.key}") or {}).get("HasAttachments"))
    return decisions
