"""What an organisation holds, probed once a run: a kind it holds none of needs no look-up.

Why: on a first sync into an organisation, every look-up before a write answers "not there". At
bench:10000 those look-ups were about a third of the calls, and Xero's 2026 Starter tier allows 1,000
calls a day. One call (`page=1&pageSize=1`, whose `pagination.itemCount` counts the organisation's
documents of that type) tells whether there is anything to find:
- when it counts none, no document of that kind is looked up for the rest of the run, by number or by
  link. The exceptions are the documents this run has itself sent already: a newer version of one of
  those is looked up as usual, so it updates what the first one created;
- when it counts some, the documents are looked up as before (lookups.py), and the probe cost one call.

The probe is made for a kind only when a cycle brings at least PROBE_MIN of its documents. Below that,
at most one look-up call is at stake, and a probe would cost as much as it could save. Only sales
invoices and credit notes are probed: bills and purchase orders are listed in one paged call already
(lookups.py), and an empty listing costs that one call.

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

from .documents import Document

PROBE_MIN = 20
# kind -> (collection, the `where` that selects every document of that kind)
PROBED: dict[str, tuple[str, str]] = {
    "invoice": ("Invoices", 'Type=="ACCREC"'),
    "credit_note": ("CreditNotes", 'Type=="ACCRECCREDIT"'),
}


class OrgHoldings:
    """One organisation's answer to "does it hold any document of this kind?", for the whole run."""

    def __init__(self) -> None:
        self._empty: dict[str, bool] = {}  # kind -> the organisation held none when probed
        self._sent: set[tuple[str, str]] = set()  # (kind, key) of every write this run planned
        self._lock = threading.Lock()
        self.probes = 0

    def absent(self, client: XeroClient, tenant_id: str, documents: Sequence[Document]) -> set[int]:
        """The ids of the documents Xero cannot hold: their kind was empty and this run sent none of
        them. Probes each kind on the first cycle that brings PROBE_MIN of its documents."""
        counts: dict[str, int] = {}
        for doc in documents:
            counts[doc.kind] = counts.get(doc.kind, 0) + 1
        for kind, count in counts.items():
            if kind in PROBED and kind not in self._empty and count >= PROBE_MIN:
                self._empty[kind] = self._probe(client, tenant_id, kind)
        with self._lock:
            return {
                id(doc)
                for doc in documents
                if self._empty.get(doc.kind) and (doc.kind, doc.key) not in self._sent
            }

    def note_sent(self, documents: Iterable[Document]) -> None:
        """Documents a write was planned for: a later version of one is looked up, never assumed new."""
        with self._lock:
            self._sent.update((doc.kind, doc.key) for doc in documents)

    def _probe(self, client: XeroClient, tenant_id: str, kind: str) -> bool:
        collection, where = PROBED[kind]
        self.probes += 1
        body = client.get(tenant_id, collection, {"where": where, "page": 1, "pageSize": 1})
        count = _item_count(body)
        if count is not None:
            return count == 0
        return not (body.get(collection) if isinstance(body, Mapping) else None)


def _item_count(body: Any) -> int | None:
    pagination = body.get("pagination") if isinstance(body, Mapping) else None
    count = pagination.get("itemCount") if isinstance(pagination, Mapping) else None
    return count if isinstance(count, int) and count >= 0 else None
