"""Reconcile's parts without a sandbox: Xero's predicted totals, reading Xero documents, the renderings.

The end-to-end behaviour is in test_reconcile_cli.py (demo sandbox) and test_reconcile_calls.py (a month
of 1,000 invoices); these pin the rules those runs rely on, in milliseconds.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from autotask_xero.reconcile import refused_reasons
from autotask_xero.reconcile_compare import index, predicted
from autotask_xero.reconcile_model import KINDS, Finding, Organisation, Result, Side
from autotask_xero.reconcile_reads import XeroDocument
from autotask_xero.reconcile_report import cause, html_page, json_text, markdown, terminal
from connector_kit.exact_json import loads
from connector_kit.numbering import NumberingMapping
from destination_xero.documents import Document
from destination_xero.rounding import TaxComponent

GST = (TaxComponent(Decimal("10")),)
CA = (TaxComponent(Decimal("7.25")), TaxComponent(Decimal("1.25"), compound=True))


class _Rules:
    """The one thing `predicted` asks a Mapper: a TaxType's components."""

    def components(self, tax_type: str, problems: list[str]) -> tuple[TaxComponent, ...]:
        return {"OUTPUT": GST, "TAX001": CA}.get(tax_type, ())


def _document(lines: list[dict[str, Any]], lat: str = "Exclusive") -> Document:
    payload = {"Type": "ACCREC", "LineAmountTypes": lat, "LineItems": lines}
    return Document("invoice", "t", "20001", 1, payload)


def _line(quantity: str, unit: str, tax_type: str = "OUTPUT", **extra: Any) -> dict[str, Any]:
    return {"Quantity": Decimal(quantity), "UnitAmount": Decimal(unit), "TaxType": tax_type, **extra}


def test_predicted_rounds_each_line_and_its_tax_as_xero_does():
    document = _document([_line("0.3333", "87.3125"), _line("3", "19.99")])
    # 0.3333 x 87.3125 = 29.10 (tax 2.91); 3 x 19.99 = 59.97 (tax 6.00)
    assert predicted(document, _Rules()) == (Decimal("97.98"), Decimal("8.91"))  # type: ignore[arg-type]


def test_predicted_takes_the_tax_overrides_and_the_rounding_line():
    lines = [
        _line("1", "10.05", TaxAmount=Decimal("1.00")),  # Xero's own 1.01, overridden to Autotask's tax
        _line("1", "0.01", "NONE"),  # the rounding line, on a zero-rate type
    ]
    assert predicted(_document(lines), _Rules()) == (Decimal("11.06"), Decimal("1.00"))  # type: ignore[arg-type]


def test_predicted_with_tax_inclusive_prices_keeps_the_gross_total():
    document = _document([_line("1", "110.00"), _line("2", "5.50")], "Inclusive")
    assert predicted(document, _Rules()) == (Decimal("121.00"), Decimal("11.00"))  # type: ignore[arg-type]


def test_predicted_compounds_components_in_order():
    document = _document([_line("1", "100.00", "TAX001")])
    # 7.25 + 1.25% of 107.25 = 7.25 + 1.340625 = 8.590625 -> 8.59
    assert predicted(document, _Rules()) == (Decimal("108.59"), Decimal("8.59"))  # type: ignore[arg-type]


def _xero(status: str, total: str = "100", due: str | None = "100", **extra: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "InvoiceID": "id-" + status,
        "Type": "ACCREC",
        "InvoiceNumber": "AT-20001",
        "Status": status,
        "Total": Decimal(total),
        "TotalTax": Decimal("0"),
        "Date": "/Date(1790208000000+0000)/",
        "CurrencyCode": "GBP",
        **extra,
    }
    if due is not None:
        record["AmountDue"] = Decimal(due)
    return record


PREFIX = NumberingMapping(mode="prefix", prefix="AT-")


def test_a_xero_document_carries_the_autotask_number_its_numbering_reads():
    doc = XeroDocument.of("invoice", _xero("AUTHORISED"), PREFIX)
    assert doc.autotask_number == "20001" and doc.date == "2026-09-24"
    foreign = XeroDocument.of("invoice", _xero("AUTHORISED", InvoiceNumber="INV-0042"), PREFIX)
    assert foreign.autotask_number is None
    assert index([foreign]) == {}


def test_paid_means_status_paid_or_nothing_left_due_on_a_document_that_had_something_to_pay():
    assert XeroDocument.of("invoice", _xero("PAID", due="0"), PREFIX).paid
    assert XeroDocument.of("invoice", _xero("AUTHORISED", due="0"), PREFIX).paid
    assert not XeroDocument.of("invoice", _xero("AUTHORISED", due="40"), PREFIX).paid  # part-paid
    assert not XeroDocument.of("invoice", _xero("AUTHORISED", total="0", due="0"), PREFIX).paid
    note = {**_xero("AUTHORISED", due=None), "Type": "ACCRECCREDIT", "CreditNoteNumber": "AT-20001"}
    assert XeroDocument.of("credit_note", {**note, "RemainingCredit": Decimal("0")}, PREFIX).paid


def test_of_a_voided_and_a_live_document_under_one_number_the_live_one_counts():
    voided = XeroDocument.of("invoice", _xero("VOIDED"), PREFIX)
    live = XeroDocument.of("invoice", _xero("AUTHORISED"), PREFIX)
    assert index([voided, live])["20001"] is live
    assert index([live, voided])["20001"] is live


def test_a_cause_shared_by_many_documents_reads_once():
    a = (
        "no TaxType mapped for tax region 'New Zealand GST', category 'Labour' (lines 1, 2); no TaxType "
        "mapped for tax region 'New Zealand GST', category 'Hardware' (line 3)"
    )
    b = "no TaxType mapped for tax region 'New Zealand GST', category 'Recurring Services' (line 9)"
    assert cause(a) == cause(b) == "no TaxType mapped for tax region 'New Zealand GST'"
    assert (
        cause("line 33000012 (company 3) matches no routing rule")
        == "a line (company 3) matches no routing rule"
    )


def test_the_last_refusal_of_a_document_is_its_reason(tmp_path: Path):
    path = tmp_path / "rejected.jsonl"
    entries = [
        {
            "kind": "invoice",
            "key": "20001",
            "tenant_id": "t",
            "action": "rejected",
            "reason": "old",
            "at": "2026-10-01",
        },
        {
            "kind": "invoice",
            "key": "20001",
            "tenant_id": "t",
            "action": "rejected",
            "reason": "new",
            "at": "2026-10-02",
        },
        {"kind": "purchase_order", "key": "20001", "tenant_id": "t", "action": "rejected", "reason": "po"},
        {"kind": "invoice", "key": "20002", "tenant_id": None, "action": "rejected", "reason": "unrouted"},
    ]
    path.write_text("\n".join(json.dumps(e) for e in entries) + "\nnot json\n")
    assert refused_reasons(str(path)) == {("t", "20001"): "refused by the sync on 2026-10-02: new"}
    assert refused_reasons(str(tmp_path / "absent.jsonl")) == {}
    assert refused_reasons(None) == {}


def _result() -> Result:
    result = Result("2026-10-01", "2026-10-31", autotask_invoices=3, autotask_calls=9)
    result.organisations = [Organisation("t", "Acme <Ltd> | UK", 3, 2, 7)]
    result.findings = [
        Finding(
            "amounts_differ",
            "t",
            "invoice 20001",
            "Xero shows GBP 110.00 (tax 0.00); the Autotask invoice gives GBP 100.00 (tax 0.00) <script>",
            autotask_id=1,
            xero_id="x",
            autotask=Side("20001", Decimal("100.00"), Decimal("0.00"), "unpaid", "GBP"),
            xero=Side("20001", Decimal("110.00"), Decimal("0.00"), "authorised", "GBP"),
        ),
        Finding("paid_in_autotask_only", "t", "invoice 20002", "paid in Autotask on 2026-10-05"),
        Finding("unplaceable", "", "invoice 20003", "line 5 (company 3) matches no routing rule"),
    ]
    return result


def test_exit_status_is_0_clean_1_differences_2_unreadable():
    result = _result()
    assert result.exit_status == 1
    result.findings = []
    assert result.exit_status == 0
    result.problems.append("Autotask could not be read: refused")
    assert result.exit_status == 2


def test_the_terminal_names_each_document_and_what_to_do():
    text = terminal(_result())
    assert text.startswith("autotask-xero reconcile, 2026-10-01 to 2026-10-31: 3 differences found")
    assert "    invoice 20001: Xero shows GBP 110.00" in text
    assert (
        "  Paid in Autotask, not in Xero (1):\n    invoice 20002\n    What to do: Record the payment" in text
    )
    assert "Not placed in any organisation\n  No mapping can place it (1):" in text
    assert "a line (company 3) matches no routing rule: invoice 20003" in text
    assert "Calls used: Autotask 9 (of 10,000 an hour); Xero Acme <Ltd> | UK 7" in text


def test_json_keeps_money_exact_and_masks_secrets():
    result = _result()
    result.problems.append("token s3cr3t-value leaked")
    report = loads(json_text(result, "2026-11-01T00:00:00Z", ["s3cr3t-value"]))
    [finding] = report["organisations"][0]["findings"]["amounts_differ"]
    assert finding["xero"]["total"] == Decimal("110.00") and isinstance(finding["xero"]["total"], Decimal)
    assert report["unrouted"]["unplaceable"][0]["document"] == "invoice 20003"
    assert report["exit_status"] == 2 and report["schema_version"] == 1
    assert "s3cr3t-value" not in json.dumps(report, default=str)
    assert [k["kind"] for k in report["kinds"]] == [k.key for k in KINDS]


def test_markdown_escapes_table_cells():
    text = markdown(_result(), "2026-11-01T00:00:00Z", [])
    assert "| Acme <Ltd> \\| UK | 3 | 2 | 2 | 7 |" in text
    assert "| invoice 20001 | 20001, GBP 100.00 (tax 0.00), unpaid |" in text


def test_html_is_escaped_and_self_contained():
    page = html_page(_result(), "2026-11-01T00:00:00Z", [])
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Acme &lt;Ltd&gt; | UK" in page
    assert "<link" not in page and "src=" not in page and "http" not in page
    assert page.count('<div class="kind"') == 3
