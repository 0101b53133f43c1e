"""Planning, bills: which of the bills Xero holds under a number is ours, and what a bill not due yet means.

Why apart from planner.py: a sales invoice's number is unique in Xero, so its look-up finds one document
or none; a bill's is not (ACCPAY numbers are the supplier's references, lookups.lookup_bills returns every
bill under the number), so a bill needs a choice the others do not, and its own words for the admin.

The choice (`choose_bill`), for a bill that carries its vendor's contact:
- the vendor's own bill under the number (a live one before a deleted or voided one) is ours;
- two live bills of the vendor under the number: not written, either could be this PO's (one was
  probably entered by hand); the admin removes or renumbers the other;
- only another contact's live bill under the number: not created beside it, it may be this PO's bill
  entered by hand under another contact (a duplicate payable is the costly mistake); the admin says which
  by fixing its contact or its number. A cancelled PO never deletes another contact's bill;
- nothing of the vendor's: none (a create, or for a cancelled PO "never billed").
A held bill (its PO not received yet, mapping_bill.py) carries no contact, so it takes any live bill
under the number: it is only asked whether one exists.

Bills deleted or voided in Xero while Autotask still has the PO are skipped, not reported as a failure
as invoices are: a bill is a proposal for the payables, and an accountant who deletes the draft (to enter
the supplier's own bill, say) has decided; it is never made again by a sync.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .documents import Document

GONE = ("DELETED", "VOIDED")
NEVER_BILLED = "cancelled in Autotask and never billed in Xero"  # the void of a PO that had no bill


def _live(record: Mapping[str, Any]) -> bool:
    return record.get("Status") not in GONE


def _contact_id(record: Mapping[str, Any]) -> str:
    return str((record.get("Contact") or {}).get("ContactID") or "")


def choose_bill(
    document: Document, candidates: Sequence[dict[str, Any]]
) -> tuple[dict[str, Any] | None, str | None]:
    """(the bill to decide against, or None) and, when none may be chosen, the rejection's reason."""
    if document.contact is None:
        live = [c for c in candidates if _live(c)]
        return next(iter(live or candidates), None), None
    ours = str((document.payload.get("Contact") or {}).get("ContactID") or "")
    mine = [c for c in candidates if ours and _contact_id(c) == ours]
    live_mine = [c for c in mine if _live(c)]
    if len(live_mine) > 1:
        statuses = ", ".join(str(c.get("Status")) for c in live_mine)
        reason = (
            f"Xero holds {len(live_mine)} bills numbered {document.key!r} for this vendor ({statuses}): not "
            "written, as either could be this purchase order's. Delete or renumber the one entered by hand "
            "in Xero; the next run updates the other"
        )
        return None, reason
    if live_mine:
        return live_mine[0], None
    others = [c for c in candidates if c not in mine and _live(c)]
    if others and not document.void:
        names = ", ".join(sorted({str((c.get("Contact") or {}).get("Name") or "?") for c in others}))
        vendor = document.contact.name
        reason = (
            f"Xero holds a bill numbered {document.key!r} for another contact ({names}): not created beside "
            "it, as it may be this purchase order's bill entered by hand. If it is, set its contact to "
            f"{vendor!r} in Xero; if it is not, renumber it (or change mappings.purchase_orders."
            "bill_number_prefix); the next run then sends this one"
        )
        return None, reason
    return next(iter(mine), None), None


def held_outcome(document: Document, existing: Mapping[str, Any] | None) -> tuple[str, str]:
    """(action, reason) for a bill whose PO is not received: skipped, unless Xero already holds one."""
    if existing is None or not _live(existing):
        return "skipped", document.held
    status = existing.get("Status")
    return (
        "not_changeable",
        f"{document.held}; yet Xero holds bill {document.key!r} ({status}), left as it is: if the receipt "
        "was undone in Autotask, delete the bill in Xero (void it if approved); otherwise receive the "
        "purchase order again in Autotask and the next run updates the bill",
    )


def gone_in_xero(status: str) -> str:
    """Why a bill a person deleted or voided in Xero is not made again."""
    undone = "deleted" if status == "DELETED" else "voided"
    return (
        f"{status} in Xero: a bill {undone} there is not made again by a sync (the payable is the "
        "accountant's decision); enter it again in Xero by hand if that was a mistake"
    )
