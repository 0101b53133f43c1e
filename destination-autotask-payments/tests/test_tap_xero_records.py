"""Records shaped by singer-io/tap-xero's payments stream (no tenant, ISO date-times, nested invoice) are
accepted by the destination and land in the Autotask sandbox."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from autotask_client.client import AutotaskClient
from destination_autotask_payments.config import load_destination_config
from destination_autotask_payments.writer import Engine
from payments_testkit.support import UK, destination_config, tenant_ids
from payments_testkit.xero_seed import autotask_invoices
from sandbox.launcher import RunningSandbox

FIXTURE = Path(__file__).parent / "fixtures" / "tap_xero_payments.jsonl"
# Property names of tap-xero's payments stream and of its nested invoice (stated as facts for this check).
TAP_XERO_PAYMENT_FIELDS = {
    "Date", "CurrencyRate", "Amount", "Reference", "IsReconciled", "Status", "PaymentType", "UpdatedDateUTC",
    "Account", "Invoice", "CreditNote", "Prepayments", "Overpayment", "BankAmount", "HasValidationErrors",
    "PaymentID", "HasAccount", "BatchPaymentID",
}  # fmt: skip
TAP_XERO_NESTED_INVOICE_FIELDS = {
    "Type", "Contact", "Date", "DueDate", "Status", "LineAmountTypes", "LineItems", "SubTotal", "TotalTax",
    "Total", "TotalDiscount", "UpdatedDateUTC", "CurrencyCode", "CurrencyRate", "InvoiceID", "InvoiceNumber",
    "Reference", "BrandingThemeID", "Url", "SentToContact", "ExpectedPaymentDate", "PlannedPaymentDate",
    "HasAttachments", "AmountDue", "AmountPaid", "FullyPaidOnDate", "AmountCredited", "DueDateString",
    "IsDiscounted", "HasErrors", "DateString",
}  # fmt: skip


def load_fixture() -> list[dict[str, Any]]:
    return [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_fixture_follows_tap_xero_schema() -> None:
    for record in load_fixture():
        assert set(record) <= TAP_XERO_PAYMENT_FIELDS, set(record) - TAP_XERO_PAYMENT_FIELDS
        if "Invoice" in record:
            assert set(record["Invoice"]) <= TAP_XERO_NESTED_INVOICE_FIELDS
        if "CreditNote" in record:
            assert set(record["CreditNote"]) == {"CreditNoteNumber"}


def run(config: dict[str, Any], records: list[dict[str, Any]]) -> tuple[Engine, list[dict[str, Any]]]:
    parsed = load_destination_config(config)
    events: list[dict[str, Any]] = []
    engine = Engine(parsed, AutotaskClient(parsed.autotask.connection()), on_event=events.append)
    for record in records:
        engine.add("payments", record)
    engine.flush()
    return engine, events


def test_tap_xero_payments_are_accepted(sandbox: RunningSandbox, tmp_path: Path) -> None:
    config = destination_config(sandbox, [UK], tmp_path, default_tenant_id=tenant_ids(sandbox)[UK])
    engine, _ = run(config, load_fixture())
    found = autotask_invoices(sandbox, ["20274", "20289", "20291", "20294"])
    assert {n: (i["paidDate"] or "")[:10] or None for n, i in found.items()} == {
        "20274": "2026-11-03",
        "20289": None,
        "20291": "2026-11-06",
        "20294": "2026-11-06",
    }
    report = engine.report()
    assert report["marked_paid"] == 3
    assert report["ignored"] == 2  # the bill payment and the credit-note refund
    assert [p["autotask_number"] for p in report["partial"]] == ["20289"]
    assert report["unmatched_or_rejected"] == 0


def test_payments_without_invoice_amounts_are_summed(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """No Status/AmountDue on the nested invoice: payments adding up to the total clear it on the last one."""
    base = load_fixture()[0]
    invoice = {"InvoiceID": base["Invoice"]["InvoiceID"], "InvoiceNumber": "20274", "Type": "ACCREC"}
    first = {**base, "PaymentID": "p-1", "Amount": 400.00, "Date": "2026-11-01T00:00:00Z", "Invoice": invoice}
    second = {
        **base,
        "PaymentID": "p-2",
        "Amount": "308.32",
        "Date": "2026-11-09T00:00:00Z",
        "Invoice": invoice,
    }
    config = destination_config(sandbox, [UK], tmp_path, default_tenant_id=tenant_ids(sandbox)[UK])
    run(config, [first])
    assert autotask_invoices(sandbox, ["20274"])["20274"]["paidDate"] is None
    run(config, [first, second])
    assert autotask_invoices(sandbox, ["20274"])["20274"]["paidDate"][:10] == "2026-11-09"


def test_records_without_tenant_need_a_default(sandbox: RunningSandbox, tmp_path: Path) -> None:
    engine, events = run(destination_config(sandbox, [UK], tmp_path), load_fixture()[:1])
    assert engine.summary.rejected == 1
    assert "no Xero tenant" in events[0]["reason"]
