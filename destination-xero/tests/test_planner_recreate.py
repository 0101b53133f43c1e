"""An explicit re-sync (`autotask-xero resync`) enters again a document a person deleted in Xero; nothing
else does, and a voided one is never entered again (planner.decide's `recreate_deleted`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from destination_xero.documents import Document
from destination_xero.planner import decide

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_planner import doc, existing


def test_a_scheduled_run_never_recreates_a_deleted_invoice() -> None:
    decision = decide(doc(), existing(Status="DELETED"))
    assert decision.action == "not_changeable"
    assert decision.reason == (
        "DELETED in Xero, so it is not recreated: void it in Autotask too, or, if deleting it in Xero was a "
        "mistake, send it again with `autotask-xero resync id:1`"
    )
    assert decision.replaces is None


def test_a_resync_recreates_a_deleted_invoice_as_a_new_one() -> None:
    wanted = doc()
    decision = decide(wanted, existing(Status="DELETED"), recreate_deleted=True)
    assert decision.action == "create"
    assert decision.payload == wanted.payload and "InvoiceID" not in decision.payload
    assert decision.replaces == "x-1" and decision.existing_id is None
    assert "deleted in Xero" in decision.reason
    assert decision.as_dict()["replaces_xero_id"] == "x-1"


def test_a_recreate_is_another_write_than_the_first_create() -> None:
    """Its Idempotency-Key part names the deleted document: a replay of the first create (whose answer is
    the invoice now deleted) cannot pass for it, nor can a second recreate after a second deletion."""
    first = decide(doc(), None)
    again = decide(doc(), existing(Status="DELETED"), recreate_deleted=True)
    twice = decide(doc(), existing(Status="DELETED", InvoiceID="x-2"), recreate_deleted=True)
    assert first.write_key == "create:1001"
    assert len({first.write_key, again.write_key, twice.write_key}) == 3


@pytest.mark.parametrize("recreate", [False, True])
def test_a_voided_invoice_stays_not_changeable(recreate: bool) -> None:
    decision = decide(doc(), existing(Status="VOIDED"), recreate_deleted=recreate)
    assert decision.action == "not_changeable"
    assert decision.reason.startswith("VOIDED in Xero, so it is not recreated")
    assert decision.reason.endswith("enter it again in Xero by hand (Xero cannot restore it)")


def test_a_void_in_autotask_of_a_deleted_invoice_is_unchanged_even_on_a_resync() -> None:
    decision = decide(doc(void=True), existing(Status="DELETED"), recreate_deleted=True)
    assert decision.action == "unchanged"


def test_a_deleted_purchase_order_is_not_recreated() -> None:
    """Xero does not let a deleted purchase order's number be used again; the re-sync names invoices only."""
    order = Document(
        kind="purchase_order", tenant_id="t", key="PO-7", source_id=7, payload={"PurchaseOrderNumber": "PO-7"}
    )
    held = {"PurchaseOrderID": "p-1", "PurchaseOrderNumber": "PO-7", "Status": "DELETED"}
    assert decide(order, held, recreate_deleted=True).action == "not_changeable"
