"""Skip rules (mappings.skip, skip.py): each rule, compared case-insensitively; credit notes judged by their
absolute value; purchase orders by their vendor and total; a skipped document costs no Xero call, is
reported as skipped with its rule and value (the run report groups them), and lands for the retry
ledger; a void is never skipped. requests-mock plays Xero where the engine runs: any call it is not told
about fails the test."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import requests_mock as rm
from destination_xero.config import load_config
from destination_xero.coverage import gaps
from destination_xero.records import parse_invoice, parse_purchase_order
from destination_xero.report import RunReporter
from destination_xero.routing import Router
from destination_xero.skip import amount, invoice_skip, purchase_order_skip
from destination_xero.writer import Engine
from xero_client.client import XeroClient

API = "https://api.xero.com/api.xro/2.0"
KEPT = "not sent: Xero keeps what an earlier run wrote, if anything"


def config_with(base_config: dict[str, Any], **skip: Any) -> Any:
    base_config["mappings"]["skip"] = skip
    return load_config(base_config)


def small(raw_invoice, raw_line, total: str, **over: Any) -> dict[str, Any]:
    """An invoice of one line whose whole total (price + tax) is `total`."""
    value = Decimal(total)
    line = raw_line(1, quantity="1", rate=str(value), extendedPrice=str(value), taxDollars="0")
    return raw_invoice(lines=[line], invoiceTotal=str(value), totalTaxValue="0", **over)


def decide(config: Any, raw: dict[str, Any]) -> list[Any]:
    parts = Router(config).route_invoice(parse_invoice(raw))
    assert isinstance(parts, list)
    return [invoice_skip(part) for part in parts]


def vendor_po(**over: Any) -> dict[str, Any]:
    po: dict[str, Any] = {
        "id": 77,
        "vendor": {
            "id": 9,
            "companyName": "Parts Ltd",
            "userDefinedFields": [{"name": "Sync", "value": "NO"}],
        },
        "createDateTime": "2025-09-01T10:00:00Z",
        "status": 1,
        "items": [{"id": 1, "quantity": "2", "unitCost": "0.20", "memo": "Washer"}],
    }
    po.update(over)
    return po


# ---- the rules -----------------------------------------------------------------------------------------
def test_below_total_skips_a_small_invoice_naming_the_rule_and_the_figures(
    base_config, raw_invoice, raw_line
):
    config = config_with(base_config, below_total="1.00")
    [decision] = decide(config, small(raw_invoice, raw_line, "0.4"))
    assert decision.action == "skipped" and decision.kind == "invoice" and decision.key == "1001"
    assert decision.reason == f"skip rule mappings.skip.below_total: total 0.40 is under 1.00; {KEPT}"
    assert decision.source_id == 501 and decision.tenant_id == "t-au"
    assert decide(config, small(raw_invoice, raw_line, "1.00")) == [None]  # "under": the threshold is sent
    assert decide(config, small(raw_invoice, raw_line, "0")) != [
        None
    ]  # a zero invoice is under any threshold


def test_a_credit_note_is_judged_by_its_absolute_value(base_config, raw_invoice, raw_line):
    config = config_with(base_config, below_total="1")
    [decision] = decide(config, small(raw_invoice, raw_line, "-0.40"))
    assert decision.kind == "credit_note"
    assert "total -0.40 (0.40 in absolute value) is under 1.00" in decision.reason
    # a signed comparison would skip every credit note, whatever its size
    assert decide(config, small(raw_invoice, raw_line, "-250.00")) == [None]


def test_amounts_are_never_rounded_to_look_equal_to_the_threshold():
    assert amount(Decimal("0.4000")) == "0.40" and amount(Decimal("0.999")) == "0.999"
    assert amount(Decimal("12")) == "12.00"


def test_company_udf_matches_name_and_value_case_insensitively(base_config, raw_invoice):
    config = config_with(base_config, company_udf={"name": "xero sync", "values": ["No Sync", "off"]})
    flagged = {
        "id": 7,
        "companyName": "Acme",
        "userDefinedFields": [{"name": "Xero Sync", "value": " NO SYNC "}],
    }
    [decision] = decide(config, raw_invoice(company=flagged))
    assert (
        decision.reason
        == f"skip rule mappings.skip.company_udf: company UDF 'xero sync' is 'NO SYNC'; {KEPT}"
    )
    other = {**flagged, "userDefinedFields": [{"name": "Xero Sync", "value": "Sync"}]}
    assert decide(config, raw_invoice(company=other)) == [None]
    assert decide(config, raw_invoice()) == [None]  # a company without the UDF is sent


def test_invoice_udf_reads_the_invoices_own_fields(base_config, raw_invoice):
    config = config_with(base_config, invoice_udf={"name": "Do Not Sync", "values": ["yes"]})
    [decision] = decide(config, raw_invoice(userDefinedFields=[{"name": "do not sync", "value": "Yes"}]))
    assert decision.reason.startswith(
        "skip rule mappings.skip.invoice_udf: invoice UDF 'Do Not Sync' is 'Yes'"
    )
    # the company's UDF of the same name is not the invoice's
    company = {"id": 7, "companyName": "Acme", "userDefinedFields": [{"name": "Do Not Sync", "value": "Yes"}]}
    assert decide(config, raw_invoice(company=company)) == [None]


def test_the_first_matching_rule_is_the_reason(base_config, raw_invoice, raw_line):
    config = config_with(base_config, below_total="5", invoice_udf={"name": "Do Not Sync", "values": ["yes"]})
    raw = small(raw_invoice, raw_line, "1", userDefinedFields=[{"name": "Do Not Sync", "value": "yes"}])
    [decision] = decide(config, raw)
    assert "below_total" in decision.reason and "invoice_udf" not in decision.reason


def test_a_void_is_never_skipped(base_config, raw_invoice, raw_line):
    config = config_with(base_config, below_total="1", company_udf={"name": "Xero Org", "values": ["AU"]})
    assert decide(config, small(raw_invoice, raw_line, "0.40", isVoided=True)) == [None]
    tenant = config.tenants[0]
    cancelled = parse_purchase_order(vendor_po(status="Cancelled"))
    assert cancelled.cancelled and purchase_order_skip(tenant, cancelled) is None


def test_a_split_invoice_is_judged_part_by_part(base_config, raw_invoice, raw_line):
    base_config["tenants"] = [
        {"tenant_id": "t-au", "name": "Acme AU", "route": {"default": True}},
        {
            "tenant_id": "t-nz",
            "name": "Acme NZ",
            "route": {"branches": ["Wellington"]},
            "split_number_suffix": "-NZ",
        },
    ]
    base_config["split_policy"] = "split"
    config = config_with(base_config, below_total="1")
    lines = [
        raw_line(1, quantity="1", rate="100", extendedPrice="100", taxDollars="0"),
        raw_line(
            2,
            quantity="1",
            rate="0.5",
            extendedPrice="0.5",
            taxDollars="0",
            organizationalLevel1Name="Wellington",
        ),
    ]
    decisions = decide(config, raw_invoice(lines=lines, invoiceTotal="100.5", totalTaxValue="0"))
    assert decisions[0] is None
    assert decisions[1].key == "1001-NZ" and decisions[1].tenant_id == "t-nz"
    assert "total 0.50 is under 1.00" in decisions[1].reason


def test_purchase_orders_by_total_with_freight_and_by_vendor_udf(base_config):
    config = config_with(base_config, below_total="1", invoice_udf={"name": "Sync", "values": ["no"]})
    tenant = config.tenants[0]
    po = parse_purchase_order(vendor_po())  # 2 x 0.20 = 0.40
    decision = purchase_order_skip(tenant, po)
    assert decision is not None and decision.kind == "purchase_order" and decision.key == "77"
    assert "total 0.40 is under 1.00" in decision.reason
    assert purchase_order_skip(tenant, parse_purchase_order(vendor_po(freight="0.60"))) is None
    # invoice_udf never applies to a purchase order, even when its vendor has a UDF of that name
    config = config_with(base_config, invoice_udf={"name": "Sync", "values": ["no"]})
    assert purchase_order_skip(config.tenants[0], po) is None
    config = config_with(base_config, company_udf={"name": "SYNC", "values": ["no"]})
    decision = purchase_order_skip(config.tenants[0], po)
    assert decision is not None and "company_udf: vendor UDF 'SYNC' is 'NO'" in decision.reason


def test_check_leaves_skipped_invoices_out_of_its_gaps(base_config, raw_invoice, raw_line):
    config = config_with(base_config, below_total="1")
    fiji = raw_line(1, quantity="1", rate="0.1", extendedPrice="0.1", taxDollars="0", taxRegionName="Fiji")
    invoice = raw_invoice(invoiceNumber="F1", lines=[fiji], invoiceTotal="0.1", taxRegionName="Fiji")
    assert gaps(config, [invoice]) == []  # unmapped tax, but the sync would not map it at all
    config = config_with(base_config)
    assert [gap.invoices for gap in gaps(config, [invoice])] == [["F1"]]


# ---- through the engine ----------------------------------------------------------------------------------
def xero_org(m: rm.Mocker, existing: list[dict[str, Any]] | None = None) -> None:
    m.post("https://identity.xero.com/connect/token", json={"access_token": "tok-abc", "expires_in": 1800})
    m.get(f"{API}/Organisation", json={"Organisations": [{"Name": "Acme AU", "BaseCurrency": "AUD"}]})
    rates = [{"TaxType": "OUTPUT", "Status": "ACTIVE", "TaxComponents": [{"Rate": 10, "IsCompound": False}]}]
    m.get(f"{API}/TaxRates", json={"TaxRates": rates})
    m.get(f"{API}/Currencies", json={"Currencies": [{"Code": "AUD"}]})
    m.get(f"{API}/BrandingThemes", json={"BrandingThemes": [{"BrandingThemeID": "b-1", "Name": "Standard"}]})
    m.get(f"{API}/Invoices", json={"Invoices": existing or []})
    contact = {"ContactID": "c-7", "Name": "Acme Pty Ltd", "ContactNumber": "AT-7", "ContactStatus": "ACTIVE"}
    m.get(f"{API}/Contacts", json={"Contacts": [contact]})


def test_skipped_documents_cost_no_call_and_are_reported_grouped(
    base_config, raw_invoice, raw_line, tmp_path
):
    base_config["rejected_records_path"] = str(tmp_path / "rejected.jsonl")
    config = config_with(base_config, below_total="1", company_udf={"name": "Xero Org", "values": ["au"]})
    out: list[dict[str, Any]] = []
    with rm.Mocker() as m:  # nothing registered: any call to Xero would fail the run
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add(
            "invoices",
            small(
                raw_invoice, raw_line, "0.40", id=1, invoiceNumber="S1", company={"id": 8, "companyName": "B"}
            ),
        )
        engine.add(
            "invoices",
            small(
                raw_invoice, raw_line, "0.75", id=2, invoiceNumber="S2", company={"id": 8, "companyName": "B"}
            ),
        )
        engine.add("invoices", raw_invoice(id=3, invoiceNumber="S3"))  # Xero Org = AU: company_udf
        assert engine.flush()
        assert m.request_history == []
    assert [(d["autotask_id"], d["action"]) for d in out] == [(1, "skipped"), (2, "skipped"), (3, "skipped")]
    assert engine.summaries["t-au"].counts == {"invoice": {"skipped": 3}}
    assert engine.ledger.failed() == {"invoice": {}, "purchase_order": {}}
    state = engine.ledger.stream_state("invoices", {"retry": [1, 2, 3, 99]})
    assert state["retry"] == [99]  # skipped counts as landed: not asked for again
    assert not (tmp_path / "rejected.jsonl").exists()
    report = RunReporter(config).build(engine.outcome, engine.client, engine.exit_code())
    [org] = report.organisations
    groups = {group.reason: group.documents for group in org.skips}
    assert groups == {
        f"skip rule mappings.skip.below_total: total … is under …; {KEPT}": ["S1", "S2"],
        f"skip rule mappings.skip.company_udf: company UDF 'Xero Org' is 'AU'; {KEPT}": ["S3"],
    }
    assert engine.exit_code() == 0 and not org.rejections


def test_a_void_matching_a_skip_rule_still_voids_what_an_earlier_run_wrote(
    base_config, raw_invoice, tmp_path
):
    base_config["rejected_records_path"] = str(tmp_path / "rejected.jsonl")
    config = config_with(base_config, company_udf={"name": "Xero Org", "values": ["AU"]})
    held = {
        "InvoiceID": "i-1",
        "InvoiceNumber": "1001",
        "Type": "ACCREC",
        "Status": "AUTHORISED",
        "Total": "110.00",
    }
    out: list[dict[str, Any]] = []
    with rm.Mocker() as m:
        xero_org(m, [held])
        m.post(re.compile(f"{API}/Invoices"), json={"Invoices": [{**held, "Status": "VOIDED"}]})
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add("invoices", raw_invoice(isVoided=True))
        assert engine.flush()
        posted = [r.json() for r in m.request_history if r.method == "POST" and "/Invoices" in r.url]
    assert posted == [{"Invoices": [{"InvoiceID": "i-1", "Status": "VOIDED"}]}]
    assert [d["action"] for d in out] == ["update"]


@pytest.mark.parametrize("field", ["below_total", "company_udf", "invoice_udf"])
def test_each_rule_is_optional(base_config, raw_invoice, field):
    config = config_with(base_config)
    assert getattr(config.tenants[0].mappings.skip, field) is None
    assert decide(config, raw_invoice()) == [None]
