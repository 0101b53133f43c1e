"""The planner's bill decisions: which bill under a number is ours (planner_bills.choose_bill), what a PO
not received yet means, and the life of a bill in Xero (update, not forced, delete, void, never again)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from destination_xero.documents import Document
from destination_xero.lookups import lookup_bills
from destination_xero.planner import decide, plan
from destination_xero.planner_bills import NEVER_BILLED, choose_bill
from destination_xero.record_types import Company
from destination_xero.retry_ledger import RetryLedger

D = Decimal
VENDOR = Company(id=70, name="Ingram Micro")
HELD = "not received yet: Autotask gives status 'Submitted'; the bill is made when ..."


def line(**over: Any) -> dict[str, Any]:
    return {
        "Description": "Switch",
        "Quantity": D("3.0000"),
        "UnitAmount": D("12.3456"),
        "AccountCode": "300",
        "TaxType": "INPUT2",
        **over,
    }


def bill(**over: Any) -> Document:
    payload = {
        "Contact": {"ContactID": "c-vendor"},
        "Type": "ACCPAY",
        "InvoiceNumber": "PO-4711",
        "Date": "2025-09-12",
        "DueDate": "2025-10-12",
        "LineAmountTypes": "Exclusive",
        "Status": "DRAFT",
        "LineItems": [line()],
    }
    payload.update(over.pop("payload", {}))
    fields: dict[str, Any] = {"contact": VENDOR, "unitdp4": True, "autotask_number": "4711", **over}
    return Document(kind="bill", tenant_id="t", key="PO-4711", source_id=9, payload=payload, **fields)


def held() -> Document:
    short = {"Type": "ACCPAY", "InvoiceNumber": "PO-4711"}
    return Document(kind="bill", tenant_id="t", key="PO-4711", source_id=9, payload=short, held=HELD)


def xero_bill(**over: Any) -> dict[str, Any]:
    """A bill as Xero returns it (unitdp=4)."""
    record = {
        "InvoiceID": "b-1",
        "Type": "ACCPAY",
        "InvoiceNumber": "PO-4711",
        "Contact": {"ContactID": "c-vendor", "Name": "Ingram Micro"},
        "DateString": "2025-09-12T00:00:00",
        "DueDateString": "2025-10-12T00:00:00",
        "Status": "DRAFT",
        "LineAmountTypes": "Exclusive",
        "AmountPaid": D("0.00"),
        "AmountCredited": D("0.00"),
        "LineItems": [{**line(), "LineItemID": "l-1", "LineAmount": D("37.04"), "TaxAmount": D("7.41")}],
    }
    record.update(over)
    return record


# ---- which bill is ours ------------------------------------------------------------------------------
def test_the_vendors_live_bill_is_chosen_among_other_suppliers_and_deleted_ones() -> None:
    other = xero_bill(InvoiceID="b-other", Contact={"ContactID": "c-other", "Name": "Someone"})
    deleted = xero_bill(InvoiceID="b-old", Status="DELETED")
    ours = xero_bill()
    assert choose_bill(bill(), [deleted, other, ours]) == (ours, None)
    assert choose_bill(bill(), [deleted]) == (deleted, None)  # then decide says it is not made again


def test_two_live_bills_of_the_vendor_under_one_number_are_not_guessed() -> None:
    chosen, reason = choose_bill(bill(), [xero_bill(), xero_bill(InvoiceID="b-2", Status="AUTHORISED")])
    assert chosen is None
    assert reason == (
        "Xero holds 2 bills numbered 'PO-4711' for this vendor (DRAFT, AUTHORISED): not written, as either "
        "could be this purchase order's. Delete or renumber the one entered by hand in Xero; the next run "
        "updates the other"
    )


def test_another_contacts_bill_under_our_number_is_not_duplicated_nor_deleted() -> None:
    other = xero_bill(Contact={"ContactID": "c-other", "Name": "Ingram (old)"})
    chosen, reason = choose_bill(bill(), [other])
    assert chosen is None and reason is not None
    assert reason.startswith("Xero holds a bill numbered 'PO-4711' for another contact (Ingram (old)): not")
    assert "set its contact to 'Ingram Micro' in Xero" in reason
    assert choose_bill(bill(void=True), [other]) == (None, None)  # a cancelled PO deletes only its own


def test_a_held_bill_asks_only_whether_one_exists() -> None:
    other = xero_bill(Contact={"ContactID": "c-other", "Name": "Someone"})
    assert choose_bill(held(), [xero_bill(Status="DELETED"), other]) == (other, None)
    assert choose_bill(held(), []) == (None, None)


# ---- decisions ---------------------------------------------------------------------------------------
def test_a_new_bill_is_created_and_an_unchanged_one_left_alone() -> None:
    assert decide(bill(), None).action == "create"
    assert decide(bill(), xero_bill()).action == "unchanged"


def test_a_po_not_received_yet_is_skipped_unless_xero_holds_its_bill() -> None:
    skipped = decide(held(), None)
    assert (skipped.action, skipped.reason, skipped.kind) == ("skipped", HELD, "bill")
    assert decide(held(), xero_bill(Status="DELETED")).action == "skipped"
    kept = decide(held(), xero_bill())
    assert kept.action == "not_changeable" and kept.existing_id == "b-1"
    assert kept.reason.startswith(HELD + "; yet Xero holds bill 'PO-4711' (DRAFT), left as it is")


@pytest.mark.parametrize("status", ["DRAFT", "SUBMITTED", "AUTHORISED"])
def test_a_changed_received_po_updates_its_bill_while_nothing_is_paid(status: str) -> None:
    changed = bill(payload={"LineItems": [line(Quantity=D("4.0000"))]})
    decision = decide(changed, xero_bill(Status=status))
    assert decision.action == "update" and decision.changes == ["LineItems"]
    assert decision.payload is not None and decision.payload["InvoiceID"] == "b-1"
    assert decision.payload["Status"] == status  # never moved back to DRAFT


@pytest.mark.parametrize(
    ("record", "held_as"),
    [
        (
            xero_bill(Status="PAID", FullyPaidOnDate="2025-10-01T00:00:00"),
            "PAID in Xero (paid on 2025-10-01)",
        ),
        (xero_bill(Status="AUTHORISED", AmountPaid=D("10.00")), "AUTHORISED in Xero with payments"),
    ],
)
def test_a_paid_bill_is_not_changeable_and_says_what_to_do(record: dict[str, Any], held_as: str) -> None:
    changed = bill(payload={"LineItems": [line(Quantity=D("4.0000"))]})
    decision = decide(changed, record)
    assert decision.action == "not_changeable"
    assert decision.reason.startswith(f"changed in Autotask (LineItems) but {held_as}")
    assert "remove its payments, refunds and credit allocations in Xero" in decision.reason
    voided = decide(bill(void=True), record)
    assert voided.action == "not_changeable"
    assert voided.reason.startswith(f"cancelled in Autotask but {held_as}")
    assert voided.reason.endswith("and the next run voids it")


def test_a_cancelled_po_deletes_a_draft_bill_and_voids_an_approved_one() -> None:
    for status, target in (("DRAFT", "DELETED"), ("SUBMITTED", "DELETED"), ("AUTHORISED", "VOIDED")):
        decision = decide(bill(void=True), xero_bill(Status=status))
        assert decision.action == "update", status
        assert decision.payload == {"InvoiceID": "b-1", "Status": target}
    assert decide(bill(void=True), xero_bill(Status="DELETED")).action == "unchanged"
    never = decide(bill(void=True), None)
    assert (never.action, never.reason) == ("skipped", NEVER_BILLED)


@pytest.mark.parametrize("status", ["DELETED", "VOIDED"])
def test_a_bill_a_person_deleted_or_voided_in_xero_is_not_made_again(status: str) -> None:
    decision = decide(bill(), xero_bill(Status=status))
    assert decision.action == "skipped"  # the accountant's decision: not a failure retried every run
    assert decision.reason.startswith(f"{status} in Xero: a bill")


# ---- the look-up -------------------------------------------------------------------------------------
class Recorder:
    """Answers GET /Invoices from a list, as Xero filters `InvoiceNumbers=` (any Type)."""

    def __init__(self, invoices: list[dict[str, Any]]) -> None:
        self.invoices = invoices
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get(self, tenant_id: str, collection: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append((collection, dict(params or {})))
        numbers = set(str((params or {}).get("InvoiceNumbers", "")).split(","))
        return {collection: [i for i in self.invoices if i["InvoiceNumber"] in numbers]}


def test_a_sales_invoice_of_the_same_number_is_never_taken_for_the_bill() -> None:
    sale = {
        "InvoiceID": "s-1",
        "Type": "ACCREC",
        "InvoiceNumber": "PO-4711",
        "Status": "AUTHORISED",
        "Contact": {"ContactID": "c-vendor"},
    }
    client = Recorder([sale])
    assert lookup_bills(client, "t", [bill()]) == {}  # type: ignore[arg-type]
    (decision,) = plan(client, "t", [bill()], "https://autotask.net/")  # type: ignore[arg-type]
    assert decision.action == "create"
    client.invoices.append(xero_bill())
    (decision,) = plan(client, "t", [bill()], "https://autotask.net/")  # type: ignore[arg-type]
    assert decision.action == "unchanged" and decision.existing_id == "b-1"
    assert [c[1]["InvoiceNumbers"] for c in client.calls] == ["PO-4711"] * 3  # one batched read each
    assert all(c[1]["unitdp"] == 4 for c in client.calls)


def test_a_rejected_choice_is_planned_as_a_rejection() -> None:
    other = xero_bill(Contact={"ContactID": "c-other", "Name": "Someone"})
    (decision,) = plan(Recorder([other]), "t", [bill()], "https://autotask.net/")  # type: ignore[arg-type]
    assert decision.action == "rejected" and decision.kind == "bill" and decision.key == "PO-4711"
    assert "for another contact (Someone)" in decision.reason


# ---- the retry ledger --------------------------------------------------------------------------------
def test_a_bill_is_retried_as_its_purchase_order_and_lands_with_it() -> None:
    """A bill comes from the purchase_orders stream: a rejected bill puts its PO on the retry list even
    when the Xero PO landed (`send_as: both`); a bill skipped as not received yet lands."""
    ledger = RetryLedger()
    ledger.note("purchase_order", "create", 9)
    ledger.note("bill", "rejected", 9, "no purchase account")
    ledger.note("bill", "skipped", 10, HELD)
    state = ledger.stream_state("purchase_orders", {"cursor": "c", "fingerprints": {"9": "a", "10": "b"}})
    assert state == {"cursor": "c", "fingerprints": {"10": "b"}, "retry": [9]}
