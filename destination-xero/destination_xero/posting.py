"""Posting: the planned writes sent to Xero, in as few calls as its limits allow, each element's outcome read.

Why apart from planning: what to write is decided once (planner.py); how to send it is Xero's wire rules,
which apply to documents, contacts and items alike:
- POST (create or update) with `summarizeErrors=false`, so one bad element does not fail its batch and
  every element's outcome is read and reported on its own;
- at most 50 elements and 3.5 MB per call;
- `unitdp=4` when a document carries 4-dp unit amounts (or sends no lines: `needs_unitdp4`), only on the
  collections whose writes declare it;
- a deterministic Idempotency-Key per batch content, so a retried call cannot write twice;
- each payload serialised once (`wire.dumps_bytes`): the same bytes give the batch's size, are hashed for
  its Idempotency-Key and make its body (serialising was three passes of pure Python per payload, the
  largest single cost of a first sync);
- a whole-call 400 (a malformed request) rejects the elements of that call with Xero's message; a day limit
  or a refused organisation (DailyLimitReached, TenantAccessError) is raised for the engine to stop that
  tenant: the unwritten documents are deferred, never rejected.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

from connector_kit.batching import bounded_batches
from xero_client.client import XeroClient
from xero_client.errors import DailyLimitReached, TenantAccessError, XeroError, validation_messages
from xero_client.wire import dumps_bytes, idempotency_key_of

from .documents import COLLECTION, ID_FIELD, Document
from .planner import Decision

WRITE_BATCH = 50
MAX_BODY_BYTES = 3_400_000  # under Xero's 3.5 MB
# Bills first: a bill approved in Xero (bill_status AUTHORISED) adds the quantity of its tracked items to
# stock, and a sales invoice of the same flush may sell that stock (Xero refuses an approved sale that
# would take a tracked item below zero). Then invoices before credit notes, and purchase orders last.
WRITE_ORDER = ("bill", "invoice", "credit_note", "purchase_order")
# The collections whose writes declare `unitdp` in Xero's OpenAPI spec (PurchaseOrders and Contacts do not:
# an undeclared parameter is not sent, whatever a document asks for).
UNITDP_COLLECTIONS = frozenset({"Invoices", "CreditNotes", "Items"})


class Posted(NamedTuple):
    """One element's outcome: written or not, the element as Xero returned it, Xero's messages."""

    ok: bool
    element: dict[str, Any]
    messages: list[str]


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def needs_unitdp4(decision: Decision) -> bool:
    """`unitdp=4` for a document with 4-dp unit amounts, and for any write that sends no LineItems (a void):
    Xero re-creates the stored lines of such an update at the call's precision, so without it a 4-dp
    invoice written earlier would be rounded to 2 dp and its totals moved (Xero's API feedback forum,
    "Preserve invoice line items if they are not sent"); 4 dp changes nothing on a 2-dp document."""
    if decision.document is not None and decision.document.unitdp4:
        return True
    return "LineItems" not in (decision.payload or {})


def batches(
    decisions: list[Decision], serialised: Mapping[int, bytes] | None = None
) -> Iterable[list[Decision]]:
    """The decisions in call-sized batches: at most WRITE_BATCH elements and MAX_BODY_BYTES of payload.
    `serialised` (by id of the decision) are their payloads' bytes when the caller has them already."""
    if serialised is None:
        serialised = {id(d): dumps_bytes(d.payload or {}) for d in decisions}
    known = serialised
    return bounded_batches(decisions, lambda d: len(known[id(d)]), MAX_BODY_BYTES, WRITE_BATCH)


def body_of(collection: str, serialised: Sequence[bytes]) -> bytes:
    """`{collection: [elements]}` from elements already serialised: the bytes `dumps_bytes` would write for
    the whole body, without serialising the elements a second time."""
    return b"{" + dumps_bytes(collection) + b":[" + b",".join(serialised) + b"]}"


class Poster:
    def __init__(self, client: XeroClient, dry_run: bool) -> None:
        self.client = client
        self.dry_run = dry_run

    def post(
        self,
        tenant_id: str,
        collection: str,
        elements: list[dict[str, Any]],
        keys: list[str],
        unitdp4: bool,
        serialised: list[bytes] | None = None,
    ) -> list[Posted]:
        """One write call; per element (ok, element as Xero returned it, messages). `serialised`: the
        elements' bytes when the caller has them (`write`), else they are serialised here, once."""
        params: dict[str, Any] = {"summarizeErrors": "false"}
        if unitdp4 and collection in UNITDP_COLLECTIONS:
            params["unitdp"] = 4
        if serialised is None:
            serialised = [dumps_bytes(element) for element in elements]
        key = idempotency_key_of(tenant_id, list(zip(keys, serialised, strict=True)))
        body = body_of(collection, serialised)
        try:
            response = self.client.request(
                "POST", tenant_id, collection, params=params, body=body, idempotency_key=key
            )
        except (DailyLimitReached, TenantAccessError):
            raise
        except XeroError as exc:
            if exc.status == 400:
                return [Posted(False, {}, exc.messages or [str(exc)]) for _ in elements]
            raise
        returned = (response.body or {}).get(collection) or []
        results = []
        for index in range(len(elements)):
            element = returned[index] if index < len(returned) else {}
            messages = validation_messages(element)
            failed = (
                not element
                or element.get("StatusAttributeString") == "ERROR"
                or bool(element.get("HasErrors"))
                or bool(element.get("HasValidationErrors"))
            )
            results.append(
                Posted(not failed, element, messages or ([] if element else ["no element returned"]))
            )
        return results

    def write(
        self,
        tenant_id: str,
        decisions: list[Decision],
        pending: dict[int, Document],
        record: Callable[[Decision], None],
        *,
        carry: bool = False,
    ) -> list[Decision]:
        """Write one kind's creates and updates; each decision is recorded with its outcome (a dry run
        records them as planned) and its document taken out of `pending` (what a stop would defer).

        With `carry`, a last batch that is not full is not sent: those decisions are returned, for the
        writer lane to send with the next documents (pipeline.py). A partial call costs as much of the
        organisation's limits as a full one."""
        if not decisions:
            return []
        if self.dry_run:
            for decision in decisions:
                pending.pop(id(decision.document), None)
                record(decision)
            return []
        collection = COLLECTION[decisions[0].kind]
        serialised = {id(d): dumps_bytes(d.payload or {}) for d in decisions}
        planned = list(batches(decisions, serialised))
        held: list[Decision] = []
        if carry and planned and len(planned[-1]) < WRITE_BATCH:
            held = planned.pop()
        for batch in planned:
            payloads = [d.payload or {} for d in batch]
            unitdp4 = any(needs_unitdp4(d) for d in batch)
            keys, blobs = [d.write_key for d in batch], [serialised[id(d)] for d in batch]
            results = self.post(tenant_id, collection, payloads, keys, unitdp4, blobs)
            id_field = ID_FIELD[batch[0].kind]
            for decision, (ok, element, messages) in zip(batch, results, strict=True):
                pending.pop(id(decision.document), None)
                if ok:
                    decision.existing_id = str(element.get(id_field) or decision.existing_id or "")
                    decision.messages = messages  # warnings
                else:
                    decision.action = "rejected"
                    decision.reason = "Xero rejected the document"
                    decision.messages = messages
                record(decision)
        return held
