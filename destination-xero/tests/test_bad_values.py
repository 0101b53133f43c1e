"""One bad value rejects only its own document, naming the document and the field; the planner keeps an
issued document's exchange rate, says what an update overwrites, and tells the admin what to do when Xero
no longer lets a document change."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import requests_mock as rm
from destination_xero.config import ConfigError
from destination_xero.documents import Document
from destination_xero.mapping import Mapper, MappingError
from destination_xero.planner import decide
from destination_xero.record_fields import RecordError
from destination_xero.records import parse_record
from destination_xero.routing import Router
from destination_xero.writer import Engine
from xero_client.client import XeroClient

D = Decimal
API = "https://api.xero.com/api.xro/2.0"


def xero_org(m: rm.Mocker) -> None:
    """The organisation's settings and an empty ledger: every invoice is new."""
    m.post("https://identity.xero.com/connect/token", json={"access_token": "tok", "expires_in": 1800})
    m.get(f"{API}/Organisation", json={"Organisations": [{"Name": "Acme AU", "BaseCurrency": "AUD"}]})
    gst = {"TaxType": "OUTPUT", "Status": "ACTIVE", "TaxComponents": [{"Rate": 10, "IsCompound": False}]}
    m.get(f"{API}/TaxRates", json={"TaxRates": [gst]})
    m.get(f"{API}/Currencies", json={"Currencies": [{"Code": "AUD"}]})
    m.get(f"{API}/BrandingThemes", json={"BrandingThemes": [{"BrandingThemeID": "b-1", "Name": "Standard"}]})
    contact = {"ContactID": "c-7", "Name": "Acme Pty Ltd", "ContactNumber": "AT-7", "ContactStatus": "ACTIVE"}
    m.get(f"{API}/Contacts", json={"Contacts": [contact]})
    m.get(re.compile(f"{API}/Invoices"), json={"Invoices": []})


def map_invoice(make_config, profile, raw, **config) -> Document:
    cfg = make_config(**config)
    invoice = parse_record("invoices", raw)
    parts = Router(cfg).route_invoice(invoice)  # type: ignore[arg-type]
    assert isinstance(parts, list)
    return Mapper(cfg.tenants[0], profile).invoice(parts[0])


def map_po(make_config, profile, **over: Any) -> Document:
    raw = {
        "id": 9,
        "vendor": {"id": 70, "companyName": "Ingram"},
        "createDateTime": "2025-09-01T10:00:00Z",
        "status": 1,
        "items": [{"id": 1, "quantity": 3, "unitCost": "12.00", "memo": "Switch"}],
        **over,
    }
    cfg = make_config()
    return Mapper(cfg.tenants[0], profile).purchase_order(parse_record("purchase_orders", raw))  # type: ignore[arg-type]


def rejection(make_config, profile, raw, **config) -> str:
    with pytest.raises(MappingError) as info:
        map_invoice(make_config, profile, raw, **config)
    return str(info.value)


def payment_term_first(base_config) -> dict[str, Any]:
    mappings = base_config["mappings"]
    mappings["status"] = {"due_date": "payment_term"}
    return mappings


# ---- 1. due dates that overflow ----------------------------------------------------------------------------
def test_due_date_past_9999_rejects_the_invoice_naming_the_sum(make_config, profile, raw_invoice, raw_line):
    raw = raw_invoice(invoiceDateTime="9999-12-31T00:00:00Z", dueDate=None)
    assert rejection(make_config, profile, raw) == (
        "invoice 1001: due date out of range: invoice date 9999-12-31 + 30 days"
    )
    no_term = raw_invoice(invoiceDateTime="9999-12-20", dueDate=None, paymentTermDueInDays=None)
    assert rejection(make_config, profile, no_term) == (
        "invoice 1001: due date out of range: invoice date 9999-12-20 + 30 days (status.default_due_days)"
    )
    credit = raw_invoice(
        invoiceDateTime="9999-12-31",
        dueDate=None,
        invoiceTotal="-110.0000",
        lines=[raw_line(1, quantity="-2", extendedPrice="-100", taxDollars="-10")],
    )
    doc = map_invoice(make_config, profile, credit)  # a credit note has no due date to overflow
    assert doc.kind == "credit_note" and doc.payload["Date"] == "9999-12-31" and "DueDate" not in doc.payload


def test_a_due_date_not_computed_is_never_a_reason_to_reject(make_config, profile, raw_invoice):
    # Autotask's own due date is the one used (status.due_date: autotask): the term is never added
    late = map_invoice(make_config, profile, raw_invoice(invoiceDateTime="9999-12-31", dueDate="9999-12-31"))
    assert late.payload["Date"] == "9999-12-31" and late.payload["DueDate"] == "9999-12-31"
    absurd_term = map_invoice(make_config, profile, raw_invoice(paymentTermDueInDays=10**9))
    assert absurd_term.payload["DueDate"] == "2025-10-05"


def test_a_payment_term_of_a_billion_days_rejects_when_it_is_the_rule(
    make_config, profile, raw_invoice, base_config
):
    raw = raw_invoice(paymentTermDueInDays=10**9)
    reason = rejection(make_config, profile, raw, mappings=payment_term_first(base_config))
    # the invoice's own due date is not used instead: a wrong term is fixed in Autotask, not replaced
    assert reason == "invoice 1001: due date out of range: invoice date 2025-09-05 + 1000000000 days"
    no_own = raw_invoice(dueDate=None, paymentTermDueInDays=10**12)
    assert "+ 1000000000000 days" in rejection(make_config, profile, no_own)


# ---- 2. dates Xero cannot take -----------------------------------------------------------------------------
def test_year_one_is_rejected_never_sent_as_1_01_01(make_config, profile, raw_invoice):
    reason = rejection(make_config, profile, raw_invoice(invoiceDateTime="0001-01-01T00:00:00Z"))
    assert reason == (
        "invoice 1001: invoice date out of range: 0001-01-01 (accepted: 1900-01-01 to 9999-12-31)"
    )
    due = rejection(make_config, profile, raw_invoice(dueDate="0001-01-01"))
    assert "invoice 1001: due date out of range: 0001-01-01" in due
    edge = map_invoice(make_config, profile, raw_invoice(invoiceDateTime="1900-01-01", dueDate="1900-01-31"))
    assert edge.payload["Date"] == "1900-01-01" and edge.payload["DueDate"] == "1900-01-31"


def test_a_date_problem_is_listed_with_the_others(make_config, profile, raw_invoice, raw_line, base_config):
    raw = raw_invoice(invoiceDateTime="1899-12-31", lines=[raw_line(1, taxRegionName="Narnia")])
    reason = rejection(make_config, profile, raw)
    assert "invoice date out of range: 1899-12-31" in reason and "no TaxType mapped" in reason


def test_purchase_order_dates_out_of_range_reject_the_order(make_config, profile):
    with pytest.raises(MappingError) as info:
        map_po(
            make_config,
            profile,
            createDateTime="0001-01-01T00:00:00Z",
            latestEstimatedArrivalDate="0002-02-02",
        )
    assert info.value.document == "purchase order 9"
    assert info.value.problems == [
        "purchase order date out of range: 0001-01-01 (accepted: 1900-01-01 to 9999-12-31)",
        "delivery date out of range: 0002-02-02 (accepted: 1900-01-01 to 9999-12-31)",
    ]
    far = map_po(make_config, profile, latestEstimatedArrivalDate="9999-12-31")
    assert far.payload["Date"] == "2025-09-01" and far.payload["DeliveryDate"] == "9999-12-31"


def test_an_unreadable_date_names_its_document(raw_invoice):
    with pytest.raises(RecordError, match=r"^invoice 1001: dueDate is not a date: '31/02/2026'$"):
        parse_record("invoices", raw_invoice(dueDate="31/02/2026"))


def test_one_bad_date_rejects_its_invoice_and_the_batch_carries_on(make_config, raw_invoice, tmp_path):
    config = make_config(rejected_records_path=str(tmp_path / "rej.jsonl"), dry_run=True)
    out: list[dict[str, Any]] = []
    with rm.Mocker() as m:
        xero_org(m)
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add(
            "invoices", raw_invoice(id=601, invoiceNumber="20123", invoiceDateTime="9999-12-31", dueDate=None)
        )
        engine.add("invoices", raw_invoice(id=602, invoiceNumber="20124", invoiceDateTime="0001-01-01"))
        engine.add("invoices", raw_invoice(id=603, invoiceNumber="20125"))
        engine.flush()
    by_key = {d["key"]: d for d in out}
    assert by_key["20123"]["action"] == "rejected"
    assert (
        by_key["20123"]["reason"] == "invoice 20123: due date out of range: invoice date 9999-12-31 + 30 days"
    )
    assert (
        by_key["20124"]["action"] == "rejected" and "invoice date out of range" in by_key["20124"]["reason"]
    )
    assert by_key["20125"]["action"] == "create" and by_key["20125"]["payload"]["Date"] == "2025-09-05"


# ---- 3. an issued document keeps its exchange rate ---------------------------------------------------------
def usd_invoice(rate: str = "0.650000", **over: Any) -> Document:
    payload = {
        "Type": "ACCREC",
        "InvoiceNumber": "1001",
        "Date": "2025-09-05",
        "DueDate": "2025-10-05",
        "Status": "AUTHORISED",
        "CurrencyCode": "USD",
        "CurrencyRate": D(rate),
        "LineItems": [{"Description": "Work", "Quantity": D("1.0000"), "UnitAmount": D("100.00")}],
    }
    payload.update(over.pop("payload", {}))
    return Document(kind="invoice", tenant_id="t", key="1001", source_id=1, payload=payload, **over)


def xero_usd(status: str = "AUTHORISED", rate: str = "0.612300", **over: Any) -> dict[str, Any]:
    record = {
        "InvoiceID": "x-1",
        "Type": "ACCREC",
        "InvoiceNumber": "1001",
        "Date": "2025-09-05",
        "DueDate": "2025-10-05",
        "Status": status,
        "CurrencyCode": "USD",
        "CurrencyRate": D(rate),
        "AmountPaid": D("0.00"),
        "LineItems": [{"Description": "Work", "Quantity": D("1.0000"), "UnitAmount": D("100.0000")}],
    }
    record.update(over)
    return record


def test_an_approved_invoice_keeps_its_rate_on_a_full_refresh():
    assert decide(usd_invoice(), xero_usd()).action == "unchanged"
    moved = decide(usd_invoice(payload={"DueDate": "2025-10-20"}), xero_usd())
    assert moved.action == "update" and moved.changes == ["DueDate"]
    assert moved.payload is not None and "CurrencyRate" not in moved.payload  # Xero keeps the rate it holds
    # a paid invoice whose only difference is the rate is not reported as changed in Autotask
    assert decide(usd_invoice(), xero_usd("PAID", AmountPaid=D("100.00"))).action == "unchanged"


def test_drafts_follow_autotask_and_the_option_rewrites_issued_rates():
    for status in ("DRAFT", "SUBMITTED"):
        decision = decide(usd_invoice(), xero_usd(status))
        assert "CurrencyRate" in decision.changes and decision.payload["CurrencyRate"] == D("0.65")  # type: ignore[index]
    forced = decide(usd_invoice(update_issued_rates=True), xero_usd())
    assert forced.action == "update" and forced.changes == ["CurrencyRate"]


def test_update_issued_rates_is_a_currency_option(make_config, profile, raw_invoice, base_config):
    base_config["mappings"]["currency"] = {"autotask_internal_currency": "AUD", "update_issued_rates": True}
    raw = raw_invoice(currency={"name": "USD", "exchangeRate": "0.6500"})
    doc = map_invoice(make_config, profile, raw, mappings=base_config["mappings"])
    assert doc.update_issued_rates and doc.payload["CurrencyRate"] == D("0.650000")
    assert not map_invoice(make_config, profile, raw).update_issued_rates
    base_config["mappings"]["currency"] = {"update_issued_rates": "sometimes"}
    with pytest.raises(ConfigError, match="update_issued_rates"):
        make_config(mappings=base_config["mappings"])


# ---- 4. an update says what it overwrites in Xero ----------------------------------------------------------
def test_an_update_names_what_it_overwrites_in_xero():
    edited_in_xero = xero_usd(DueDate="2025-11-30", LineItems=[{"Description": "Work (discounted)"}])
    decision = decide(usd_invoice(), edited_in_xero)
    assert decision.action == "update" and decision.overwrites == ["DueDate", "LineItems"]
    assert decision.reason == "updates DueDate, LineItems in Xero (overwrites any change made there)"
    assert decision.counters == ("update", "overwrites")
    assert decision.as_dict()["overwrites"] == ["DueDate", "LineItems"]


def test_approving_a_draft_overwrites_nothing():
    decision = decide(usd_invoice(payload={"CurrencyRate": D("0.6123")}), xero_usd("DRAFT"))
    assert decision.action == "update" and decision.changes == ["Status"]
    assert decision.overwrites == [] and decision.counters == ("update",) and decision.reason == ""
    assert "overwrites" not in decision.as_dict()


# ---- 5. not_changeable says what the admin must do ---------------------------------------------------------
def purchase_order(**over: Any) -> Document:
    payload = {"PurchaseOrderNumber": "9", "Date": "2025-09-01", "Status": "AUTHORISED", "Reference": "R"}
    payload.update(over.pop("payload", {}))
    return Document(kind="purchase_order", tenant_id="t", key="9", source_id=9, payload=payload, **over)


def xero_po(status: str, **over: Any) -> dict[str, Any]:
    return {
        "PurchaseOrderID": "p-1",
        "PurchaseOrderNumber": "9",
        "Date": "2025-09-01",
        "Status": status,
        **over,
    }


def test_every_not_changeable_reason_says_what_to_do():
    paid = xero_usd("PAID", AmountPaid=D("65.00"), FullyPaidOnDate="/Date(1759276800000+0000)/")
    cases = {
        "voided in Xero": (usd_invoice(), xero_usd("VOIDED"), "void it in Autotask too"),
        "deleted PO": (purchase_order(), xero_po("DELETED"), "cancel it in Autotask too"),
        "void of a paid invoice": (
            usd_invoice(void=True),
            paid,
            "PAID in Xero (paid on 2025-10-01) with payments or credits applied: remove its payments, "
            "refunds and credit allocations in Xero, and the next run voids it",
        ),
        "cancel of a billed PO": (
            purchase_order(void=True),
            xero_po("BILLED"),
            "unmark it as billed in Xero (Options > Unmark as billed), and the next run deletes it",
        ),
        "change to a paid invoice": (
            usd_invoice(payload={"DueDate": "2025-10-20"}),
            paid,
            "to apply the change, remove its payments, refunds and credit allocations in Xero, let the next "
            "run update it, then apply them again; or restore the previous value in Autotask",
        ),
        "change to a billed PO": (
            purchase_order(payload={"Reference": "new"}),
            xero_po("BILLED"),
            "let the next run update it, then mark it as billed again",
        ),
    }
    for name, (document, existing, advice) in cases.items():
        decision = decide(document, existing)
        assert decision.action == "not_changeable", name
        assert advice in decision.reason, (name, decision.reason)


def test_a_cancelled_approved_purchase_order_is_deleted_not_voided():
    decision = decide(purchase_order(void=True), xero_po("AUTHORISED"))
    assert decision.payload == {"PurchaseOrderID": "p-1", "Status": "DELETED"}
    assert decide(usd_invoice(void=True), xero_usd()).payload == {"InvoiceID": "x-1", "Status": "VOIDED"}
