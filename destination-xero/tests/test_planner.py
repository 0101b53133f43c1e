from __future__ import annotations

from decimal import Decimal

from destination_xero.documents import Document
from destination_xero.lookups import ContactIndex, fold_name, url_batches
from destination_xero.planner import decide, diff, xero_date

D = Decimal


def doc(**over) -> Document:
    payload = {
        "Type": "ACCREC",
        "InvoiceNumber": "1001",
        "Contact": {"ContactID": "c-1"},
        "Date": "2025-09-05",
        "DueDate": "2025-10-05",
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "Description": "Work",
                "Quantity": D("2.0000"),
                "UnitAmount": D("50.00"),
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
                "Tracking": [{"Name": "Region", "Option": "North"}],
            }
        ],
    }
    payload.update(over.pop("payload", {}))
    return Document(kind="invoice", tenant_id="t", key="1001", source_id=1, payload=payload, **over)


def existing(**over) -> dict:
    record = {
        "InvoiceID": "x-1",
        "Type": "ACCREC",
        "InvoiceNumber": "1001",
        "Contact": {"ContactID": "c-1", "Name": "A"},
        "Date": "/Date(1757030400000+0000)/",
        "DateString": "2025-09-05T00:00:00",
        "DueDate": "/Date(1759622400000+0000)/",
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "AmountPaid": D("0.00"),
        "AmountCredited": D("0.00"),
        "LineItems": [
            {
                "LineItemID": "l-1",
                "Description": "Work",
                "Quantity": D("2.0000"),
                "UnitAmount": D("50.0000"),
                "AccountCode": "200",
                "TaxType": "OUTPUT2",
                "LineAmount": D("100.00"),
                "TaxAmount": D("20.00"),
                "Tracking": [{"TrackingCategoryID": "tc", "Name": "region", "Option": "north"}],
            }
        ],
    }
    record.update(over)
    return record


def test_xero_dates_and_name_folding():
    assert xero_date("/Date(1757030400000+0000)/") == "2025-09-05"
    assert xero_date("2025-09-05T00:00:00") == "2025-09-05"
    assert fold_name("  Café   ACME ") == fold_name("cafe acme") == "cafe acme"


def test_normalised_diff_sees_no_change():
    assert diff(doc().payload, existing()) == []
    assert decide(doc(), existing()).action == "unchanged"


def test_a_tax_amount_override_is_compared_only_when_we_send_one():
    line = dict(doc().payload["LineItems"][0])
    assert diff(doc(payload={"LineItems": [{**line, "TaxAmount": D("20.00")}]}).payload, existing()) == []
    moved = doc(payload={"LineItems": [{**line, "TaxAmount": D("20.01")}]})
    assert diff(moved.payload, existing()) == ["LineItems"]
    xero_other_tax = existing(LineItems=[{**existing()["LineItems"][0], "TaxAmount": D("1")}])
    assert diff(doc().payload, xero_other_tax) == []  # no override sent: Xero's own tax is not compared


def test_changes_are_named():
    changed = doc(payload={"DueDate": "2025-10-06", "Reference": "PO 7"})
    assert diff(changed.payload, existing()) == ["DueDate", "Reference"]
    decision = decide(changed, existing())
    assert decision.action == "update" and decision.payload["InvoiceID"] == "x-1"


def test_create_and_never_synced_void():
    assert decide(doc(), None).action == "create"
    assert decide(doc(void=True), None).action == "skipped"


def test_status_only_moves_forward():
    draft_wanted = doc(payload={"Status": "DRAFT", "Reference": "new"})
    decision = decide(draft_wanted, existing())
    assert decision.action == "update" and decision.payload["Status"] == "AUTHORISED"
    assert decide(doc(), existing(Status="DRAFT")).changes == ["Status"]


def test_paid_or_with_payments_is_not_forced():
    changed = doc(payload={"Reference": "changed"})
    assert decide(changed, existing(Status="PAID")).action == "not_changeable"
    assert decide(changed, existing(AmountPaid=D("1.00"))).action == "not_changeable"
    assert decide(doc(), existing(Status="PAID")).action == "unchanged"


def test_voids():
    voided = doc(void=True)
    assert decide(voided, existing()).payload == {"InvoiceID": "x-1", "Status": "VOIDED"}
    assert decide(voided, existing(Status="SUBMITTED")).payload == {"InvoiceID": "x-1", "Status": "DELETED"}
    assert decide(voided, existing(Status="VOIDED")).action == "unchanged"
    assert decide(voided, existing(AmountPaid=D("5"))).action == "not_changeable"
    assert decide(doc(), existing(Status="DELETED")).action == "not_changeable"


def test_contact_match_order_and_archived():
    index = ContactIndex(
        [
            {"ContactID": "1", "Name": "Acme Ltd", "ContactStatus": "ACTIVE"},
            {"ContactID": "2", "Name": "Other", "AccountNumber": "C7", "ContactStatus": "ACTIVE"},
            {"ContactID": "3", "Name": "Third", "ContactNumber": "AT-7", "ContactStatus": "ARCHIVED"},
            {"ContactID": "4", "Name": "Gone", "ContactNumber": "AT-9", "ContactStatus": "GDPRREQUEST"},
        ]
    )
    rules = ["contact_number", "account_number", "name"]
    assert index.match(rules, "AT-7", "C7", "ACME LTD")["ContactID"] == "3"
    assert index.match(rules, "AT-8", "C7", "ACME LTD")["ContactID"] == "2"
    assert index.match(rules, "AT-8", None, "acme  ltd")["ContactID"] == "1"
    assert index.match(["contact_number"], "AT-8", None, "Acme Ltd") is None
    assert index.match(rules, "AT-9", None, "Gone") is None


def test_look_ups_fill_the_url_budget_not_a_fixed_count():
    numbers = [f"INV-{n:06d}" for n in range(1000)]  # 10 characters + an encoded comma each
    batches = list(url_batches(numbers, budget=1500))
    assert [len(b) for b in batches[:2]] == [115, 115] and sum(map(len, batches)) == 1000
    assert [n for b in batches for n in b] == numbers
    assert all(len(",".join(b)) < 2000 for b in batches)
    assert [len(b) for b in url_batches(["7"] * 500)] == [200, 200, 100]  # at most 200 a call
    assert list(url_batches([])) == []
