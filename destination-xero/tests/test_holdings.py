"""holdings.py: one probe per kind and run tells whether Xero can hold any of our documents of that kind,
a kind holding few is listed once, and a document this run already sent is always looked up again.

A fake client records the reads, so each rule is pinned to the exact calls it costs.
"""

from __future__ import annotations

from typing import Any

from destination_xero.documents import Document
from destination_xero.holdings import LIST_MAX, PROBE_MIN, OrgHoldings, held_in


class FakeXero:
    def __init__(self, held: dict[str, list[dict[str, Any]]]) -> None:
        self.held = held
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get(self, tenant_id: str, collection: str, params: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((collection, dict(params)))
        records = self.held.get(collection, [])
        size, page = int(params.get("pageSize", 100)), int(params.get("page", 1))
        chunk = records[(page - 1) * size : page * size]
        pages = -(-len(records) // size)
        return {
            collection: chunk,
            "pagination": {"page": page, "pageSize": size, "pageCount": pages, "itemCount": len(records)},
        }


def _docs(kind: str, count: int, start: int = 1) -> list[Document]:
    number = "CreditNoteNumber" if kind == "credit_note" else "InvoiceNumber"
    return [
        Document(kind=kind, tenant_id="t", key=str(n), source_id=n, payload={number: str(n)})  # type: ignore[arg-type]
        for n in range(start, start + count)
    ]


def test_an_empty_kind_costs_one_probe_and_no_look_up() -> None:
    xero = FakeXero({})
    holdings = OrgHoldings()
    docs = _docs("invoice", PROBE_MIN)
    absent = holdings.absent(xero, "t", docs)  # type: ignore[arg-type]
    assert absent == {id(d) for d in docs}
    assert [c[0] for c in xero.calls] == ["Invoices"] and xero.calls[0][1]["pageSize"] == 1
    holdings.absent(xero, "t", _docs("invoice", PROBE_MIN, start=500))  # type: ignore[arg-type]
    assert len(xero.calls) == 1  # once a run


def test_a_document_sent_this_run_is_looked_up_again() -> None:
    xero = FakeXero({})
    holdings = OrgHoldings()
    first = _docs("invoice", PROBE_MIN)
    holdings.absent(xero, "t", first)  # type: ignore[arg-type]
    holdings.note_sent(first[:1])
    newer = _docs("invoice", 1)  # a newer version of the first, in a later cycle
    assert holdings.absent(xero, "t", newer) == set()  # type: ignore[arg-type]


def test_a_few_held_are_listed_once_and_decide_every_document_of_the_kind() -> None:
    mine = {"CreditNoteNumber": "7", "Status": "AUTHORISED", "CreditNoteID": "cn-7"}
    other = {"CreditNoteNumber": "X-1", "Status": "DRAFT", "CreditNoteID": "cn-x"}
    xero = FakeXero({"CreditNotes": [other, mine]})
    holdings = OrgHoldings()
    docs = _docs("credit_note", PROBE_MIN)
    assert holdings.absent(xero, "t", docs) == set()  # type: ignore[arg-type]
    assert [c[1]["pageSize"] for c in xero.calls] == [1, 1000]  # the probe, then one page
    listing = holdings.listed(docs[6])
    assert listing is not None
    assert held_in(listing, docs[6]) == (mine, None)  # number "7"
    assert held_in(listing, docs[0]) == (None, None)
    holdings.note_sent(docs[6:7])
    assert holdings.listed(docs[6]) is None  # written this run: looked up, not read from the listing


def test_a_small_run_makes_no_probe_and_a_large_holding_is_not_listed() -> None:
    xero = FakeXero({})
    holdings = OrgHoldings()
    assert holdings.absent(xero, "t", _docs("invoice", PROBE_MIN - 1)) == set()  # type: ignore[arg-type]
    assert xero.calls == []
    # the next cycle's document brings the run to PROBE_MIN: probed then, and found empty
    late = _docs("invoice", 1, start=900)
    assert holdings.absent(xero, "t", late) == {id(late[0])}  # type: ignore[arg-type]
    assert len(xero.calls) == 1
    many = FakeXero({"Invoices": [{"InvoiceNumber": str(n)} for n in range(LIST_MAX + 1)]})
    holdings = OrgHoldings()
    docs = _docs("invoice", PROBE_MIN)
    assert holdings.absent(many, "t", docs) == set()  # type: ignore[arg-type]
    assert len(many.calls) == 1 and holdings.listed(docs[0]) is None  # looked up as before


def test_a_renumbered_invoice_is_found_by_its_link_in_the_listing() -> None:
    link = "https://autotask.example/Invoice?ID=42"
    held = {"InvoiceNumber": "OLD-42", "Url": link, "Status": "AUTHORISED", "InvoiceID": "i-42"}
    doc = Document(kind="invoice", tenant_id="t", key="NEW-42", source_id=42, payload={}, identity=link)
    assert held_in([held], doc) == (None, held)


def test_an_organisation_without_contacts_holds_nothing_and_costs_no_probe() -> None:
    """Every invoice, credit note, purchase order and bill names a contact: an empty contact listing
    (archived ones included) answers for all of them, so nothing is probed or looked up."""
    xero = FakeXero({"Invoices": [{"InvoiceNumber": "1", "Type": "ACCREC"}]})  # never asked
    holdings = OrgHoldings()
    holdings.hold_nothing()
    docs = [*_docs("invoice", 3), *_docs("credit_note", 2), *_docs("purchase_order", 2), *_docs("bill", 1)]
    absent, waiting = holdings.sort(xero, "t", docs, drain=False)  # type: ignore[arg-type]
    assert absent == {id(d) for d in docs} and waiting == []
    assert xero.calls == []
    holdings.note_sent(docs[:1])  # a newer version of one we sent this run is still looked up
    assert holdings.absent(xero, "t", _docs("invoice", 1)) == set()  # type: ignore[arg-type]


def test_a_few_documents_of_an_unprobed_kind_wait_for_the_probe_instead_of_a_look_up_each_cycle() -> None:
    """Credit notes arrive a dozen a cycle: they are held back (counted once) until the run has brought
    PROBE_MIN of them, then one probe decides them all; at a drain the rest are decided without waiting."""
    xero = FakeXero({})
    holdings = OrgHoldings()
    first = _docs("credit_note", PROBE_MIN - 5)
    absent, waiting = holdings.sort(xero, "t", first, drain=False)  # type: ignore[arg-type]
    assert absent == set() and waiting == first and xero.calls == []
    # the same documents come back with the next cycle's: counted once, so 5 more reach PROBE_MIN
    again, more = waiting, _docs("credit_note", 5, start=100)
    absent, waiting = holdings.sort(xero, "t", again + more, drain=False)  # type: ignore[arg-type]
    assert waiting == [] and absent == {id(d) for d in again + more}
    assert [c[0] for c in xero.calls] == ["CreditNotes"]  # the one probe
    # a drain never holds back: a kind the run brought too few of is left to the look-ups
    fresh = OrgHoldings()
    few = _docs("invoice", 2)
    assert fresh.sort(xero, "t", few, drain=False)[1] == few  # type: ignore[arg-type]
    assert fresh.sort(xero, "t", few, drain=True) == (set(), [])  # type: ignore[arg-type]
    assert len(xero.calls) == 1
