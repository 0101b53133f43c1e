"""What an organisation holds, probed once a run: a kind it holds none of needs no look-up.

Why: on a first sync into an organisation, every look-up before a write answers "not there". At
bench:10000 those look-ups were about a third of the calls, and Xero's 2026 Starter tier allows 1,000
calls a day. One call (`page=1&pageSize=1`, whose `pagination.itemCount` counts the organisation's
documents of that type) tells whether there is anything to find:
- when it counts none, no document of that kind is looked up for the rest of the run, by number or by
  link. The exceptions are the documents this run has itself sent already: a newer version of one of
  those is looked up as usual, so it updates what the first one created;
- when it counts a few (at most LIST_MAX), they are listed once, 1,000 a page, and every document of
  that kind is decided against the listing without a look-up: an organisation holding 30 credit notes
  a person entered costs two calls, where looking up 400 of ours by `where` cost 20;
- when it counts more, the documents are looked up as before (lookups.py), and the probe cost one call.

The probe is made for a kind once the run has brought at least PROBE_MIN of its documents, counted over
its cycles: a credit note in 37 invoices arrives a dozen a cycle, and twenty cycles of one look-up each
cost more than a probe and a listing. Until then its documents wait, carried unplanned from cycle to
cycle (`sort`), so the first dozen are not looked up on their own before the probe; at a drain (the end
of the input, or states waiting too long) those still waiting are looked up: at most one look-up call
is then at stake, and a probe would cost as much as it could save. Only sales
invoices and credit notes are probed: bills and purchase orders are listed in one paged call already
(lookups.py), and an empty listing costs that one call.

Before any probe, the contact listing the resolution makes anyway answers for every kind at once: an
organisation that holds no contact at all (archived ones included) holds no document that names one
(`hold_nothing`), so an empty organisation costs that one call.

A document a person creates in Xero under one of our numbers while the run is under way is not seen
here. Nothing is doubled even then: a create whose number Xero already holds is refused as a duplicate
(the sandbox's reading, marked UNCONFIRMED in its rules_documents.py), reported, and looked up on the
next run like every document that did not land.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from xero_client.client import XeroClient

from .documents import NUMBER_FIELD, Document
from .lookups import item_count

PROBE_MIN = 20
LIST_MAX = 2000  # list a kind when it holds at most this many: two pages, cheaper than looking up 400
PAGE_SIZE = 1000
NAME_A_CONTACT = ("invoice", "credit_note", "purchase_order", "bill")  # no Xero document of these lacks one
# kind -> (collection, the `where` that selects every document of that kind)
PROBED: dict[str, tuple[str, str]] = {
    "invoice": ("Invoices", 'Type=="ACCREC"'),
    "credit_note": ("CreditNotes", 'Type=="ACCRECCREDIT"'),
}


class OrgHoldings:
    """One organisation's answer to "does it hold any document of this kind?", for the whole run."""

    def __init__(self) -> None:
        self._empty: dict[str, bool] = {}  # kind -> the organisation held none when probed
        self._listed: dict[str, list[dict[str, Any]]] = {}  # kind -> all it held, when it held few
        # hash of (kind, key) of every write this run planned: a run of 100,000 documents keeps 100,000
        # ints, not their keys. Two keys of one hash only cost a look-up that was not needed.
        self._sent: set[int] = set()
        self._seen: dict[str, int] = {}  # documents of each kind planned so far this run
        self._tallied: set[int] = set()  # ids of the documents held back last cycle: counted already
        self._lock = threading.Lock()
        self.probes = 0

    def absent(self, client: XeroClient, tenant_id: str, documents: Sequence[Document]) -> set[int]:
        """The ids of the documents Xero cannot hold: their kind was empty and this run sent none of
        them. Probes each kind once the run has brought PROBE_MIN of its documents."""
        return self.sort(client, tenant_id, documents, drain=True)[0]

    def sort(
        self, client: XeroClient, tenant_id: str, documents: Sequence[Document], drain: bool
    ) -> tuple[set[int], list[Document]]:
        """(the ids of the documents Xero cannot hold, the documents to hold back unplanned).

        Held back, unless `drain`: those of a probed kind whose probe has not been made because the run
        has brought fewer than PROBE_MIN of them so far. They come back with the next cycle (counted
        once) and are decided after the probe, so a dozen credit notes a cycle cost one probe in all,
        not a look-up per cycle and then the probe. At a drain they are looked up as before."""
        counts: dict[str, int] = {}
        for doc in documents:
            if id(doc) not in self._tallied:
                counts[doc.kind] = counts.get(doc.kind, 0) + 1
        for kind, count in counts.items():
            self._seen[kind] = self._seen.get(kind, 0) + count
        for kind in {doc.kind for doc in documents}:
            if kind in PROBED and kind not in self._empty and self._seen[kind] >= PROBE_MIN:
                self._empty[kind] = self._probe(client, tenant_id, kind)
        waiting = [] if drain else [doc for doc in documents if self._unprobed(doc.kind)]
        self._tallied = {id(doc) for doc in waiting}
        with self._lock:
            absent = {
                id(doc)
                for doc in documents
                if self._empty.get(doc.kind) and hash((doc.kind, doc.key)) not in self._sent
            }
        return absent, waiting

    def _unprobed(self, kind: str) -> bool:
        return kind in PROBED and kind not in self._empty

    def hold_nothing(self) -> None:
        """The organisation's contact listing (archived contacts included) came back empty. Every sales
        invoice, credit note, purchase order and bill in Xero names a contact, so it holds none of them
        either: no kind is probed or looked up, and a first sync into a new organisation reads nothing
        but its settings and that listing."""
        with self._lock:
            for kind in NAME_A_CONTACT:
                self._empty.setdefault(kind, True)

    def listed(self, document: Document) -> list[dict[str, Any]] | None:
        """Everything the organisation held of this document's kind when the run listed it, or None
        when it was not listed (or this run has written the document since: look it up)."""
        with self._lock:
            if hash((document.kind, document.key)) in self._sent:
                return None
            return self._listed.get(document.kind)

    def note_sent(self, documents: Iterable[Document]) -> None:
        """Documents a write was planned for: a later version of one is looked up, never assumed new."""
        with self._lock:
            self._sent.update(hash((doc.kind, doc.key)) for doc in documents)

    def _probe(self, client: XeroClient, tenant_id: str, kind: str) -> bool:
        """Whether the kind is empty; a kind holding at most LIST_MAX is listed whole as well."""
        collection, where = PROBED[kind]
        self.probes += 1
        body = client.get(tenant_id, collection, {"where": where, "page": 1, "pageSize": 1})
        count = item_count(body)
        if count is None:
            return not (body.get(collection) if isinstance(body, Mapping) else None)
        if 0 < count <= LIST_MAX:
            records: list[dict[str, Any]] = []
            for page in range(1, -(-count // PAGE_SIZE) + 1):
                params = {"where": where, "page": page, "pageSize": PAGE_SIZE, "unitdp": 4}
                records.extend(client.get(tenant_id, collection, params).get(collection) or [])
            with self._lock:
                self._listed[kind] = records
        return count == 0


def held_in(listing: Sequence[Mapping[str, Any]], document: Document) -> tuple[Any, Any]:
    """(what the listing holds under the document's key, what it holds carrying the document's link to
    Autotask under another key): the same answers lookups.py's reads give, from one listing. A live
    document is preferred to a DELETED or VOIDED one under the same key."""
    element = "Reference" if document.match_on == "reference" else NUMBER_FIELD[document.kind]
    found: Any = None
    moved: Any = None
    for record in listing:
        if str(record.get(element) or "") == document.key:
            if found is None or found.get("Status") in ("DELETED", "VOIDED"):
                found = record
        elif (
            document.identity
            and str(record.get("Url") or "") == document.identity
            and (moved is None or moved.get("Status") in ("DELETED", "VOIDED"))
        ):
            moved = record
    return found, (None if found is not None else moved)
