from __future__ import annotations

from decimal import Decimal

import pytest
from destination_xero.mapping import Mapper, MappingError
from destination_xero.records import parse_invoice, parse_product, parse_purchase_order
from destination_xero.routing import Router

D = Decimal


def map_invoice(make_config, profile, raw, **config):
    cfg = make_config(**config)
    parts = Router(cfg).route_invoice(parse_invoice(raw))
    assert isinstance(parts, list)
    return Mapper(cfg.tenants[0], profile).invoice(parts[0])


def test_invoice_payload(make_config, profile, raw_invoice):
    doc = map_invoice(make_config, profile, raw_invoice())
    p = doc.payload
    assert doc.kind == "invoice" and doc.key == "1001" and doc.match_on == "number" and doc.rounding == 0
    assert p["Type"] == "ACCREC" and p["InvoiceNumber"] == "1001" and p["Status"] == "AUTHORISED"
    assert p["Date"] == "2025-09-05" and p["DueDate"] == "2025-10-05" and p["LineAmountTypes"] == "Exclusive"
    assert p["BrandingThemeID"] == "5d4dd402-c851-497e-aae1-9ff265c0d15a"
    assert "CurrencyCode" not in p  # the org's base currency
    assert p["LineItems"] == [
        {
            "Description": "Line 1",
            "Quantity": D("2.0000"),
            "UnitAmount": D("50.00"),
            "AccountCode": "210",
            "TaxType": "OUTPUT",
        }
    ]
    assert not doc.unitdp4 and doc.contact is not None and doc.contact.id == 7


def test_negative_invoice_becomes_credit_note_with_positive_amounts(
    make_config, profile, raw_invoice, raw_line
):
    raw = raw_invoice(
        invoiceTotal="-110.0000",
        lines=[raw_line(1, quantity="-2", extendedPrice="-100", taxDollars="-10")],
    )
    doc = map_invoice(make_config, profile, raw)
    p = doc.payload
    assert doc.kind == "credit_note" and p["Type"] == "ACCRECCREDIT" and p["CreditNoteNumber"] == "1001"
    assert "DueDate" not in p
    assert p["LineItems"][0]["Quantity"] == D("2.0000") and p["LineItems"][0]["UnitAmount"] == D("50.00")


def test_unmapped_tax_fails_the_document_by_name_listing_all_problems(
    make_config, profile, raw_invoice, raw_line, base_config
):
    raw = raw_invoice(lines=[raw_line(1, taxRegionName="Narnia", billingItemTypeName="Odd")])
    base_config["mappings"]["accounts"] = {"by_billing_item_type": {"Labor": "210"}}
    cfg = make_config(mappings=base_config["mappings"])
    parts = Router(cfg).route_invoice(parse_invoice({**raw, "taxRegionName": "Narnia"}))
    with pytest.raises(MappingError) as info:
        Mapper(cfg.tenants[0], profile).invoice(parts[0])  # type: ignore[index]
    assert "no TaxType mapped for tax region 'Narnia', category 'Standard'" in str(info.value)
    assert "no account mapped" in str(info.value)
    assert info.value.document == "invoice 1001"


def test_default_tax_and_exempt_companies(make_config, profile, raw_invoice, raw_line, base_config):
    base_config["mappings"]["tax"]["default"] = "NONE"
    raw = raw_invoice(
        lines=[raw_line(1, taxRegionName="Narnia", taxDollars="0")],
        invoiceTotal="100",
        taxRegionName="Narnia",
    )
    doc = map_invoice(make_config, profile, raw, mappings=base_config["mappings"])
    assert doc.payload["LineItems"][0]["TaxType"] == "NONE"
    exempt = raw_invoice(
        company={"id": 7, "companyName": "Charity", "isTaxExempt": True},
        lines=[raw_line(1, taxDollars="0")],
        invoiceTotal="100",
    )
    doc = map_invoice(make_config, profile, exempt)
    assert doc.payload["LineItems"][0]["TaxType"] == "EXEMPTOUTPUT"


def test_tax_type_must_exist_and_be_active(make_config, profile, raw_invoice, base_config):
    base_config["mappings"]["tax"]["by_region"] = {"Australia": "OLDTAX"}
    with pytest.raises(MappingError, match="TaxType 'OLDTAX' is DELETED"):
        map_invoice(make_config, profile, raw_invoice(), mappings=base_config["mappings"])
    base_config["mappings"]["tax"]["by_region"] = {"Australia": "MISSING"}
    with pytest.raises(MappingError, match="TaxType 'MISSING' does not exist"):
        map_invoice(make_config, profile, raw_invoice(), mappings=base_config["mappings"])


def test_four_dp_rates_opt_in_to_unitdp4_and_rounding_line(make_config, profile, raw_invoice, raw_line):
    # 3 x 33.3333 = 99.9999; tax 9.99999 -> Autotask 10.0000; total 109.9999 -> 110.00
    # Xero: line 100.00 (3 x 33.3333 = 99.9999 -> 100.00), tax 10.00, total 110.00: no rounding line
    raw = raw_invoice(
        invoiceTotal="109.9999",
        lines=[raw_line(1, quantity="3", rate="33.3333", extendedPrice="99.9999", taxDollars="10.0000")],
    )
    doc = map_invoice(make_config, profile, raw)
    assert doc.unitdp4 and doc.payload["LineItems"][0]["UnitAmount"] == D("33.3333") and doc.rounding == 0
    # three lines of 0.3333 tax each: Autotask 1.0000+0.0999... make a cent appear
    lines = [
        raw_line(i, quantity="1", rate="1.0050", extendedPrice="1.0050", taxDollars="0.1005")
        for i in (1, 2, 3)
    ]
    raw = raw_invoice(invoiceTotal="3.3165", lines=lines)  # -> 3.32; Xero: 3 x (1.01 + 0.10) = 3.33
    doc = map_invoice(make_config, profile, raw)
    assert doc.rounding == D("-0.01")
    assert doc.payload["LineItems"][-1] == {
        "Description": "Rounding adjustment",
        "Quantity": D("1.0000"),
        "UnitAmount": D("-0.0100"),
        "AccountCode": "860",
        "TaxType": "NONE",
    }


def test_foreign_currency_and_rate(make_config, profile, raw_invoice, base_config):
    usd = raw_invoice(currency={"name": "USD", "exchangeRate": "0.6512"})
    base_config["mappings"]["currency"] = {"autotask_internal_currency": "AUD"}
    doc = map_invoice(make_config, profile, usd, mappings=base_config["mappings"])
    assert doc.payload["CurrencyCode"] == "USD" and doc.payload["CurrencyRate"] == D("0.651200")
    # Autotask's rate is relative to its internal currency: sent only when that is the org's base
    for currency in ({"autotask_internal_currency": "GBP"}, {}):
        base_config["mappings"]["currency"] = currency
        doc = map_invoice(make_config, profile, usd, mappings=base_config["mappings"])
        assert doc.payload["CurrencyCode"] == "USD" and "CurrencyRate" not in doc.payload
    with pytest.raises(MappingError, match="currency EUR is not enabled in organisation 'Acme AU'"):
        map_invoice(make_config, profile, raw_invoice(currency={"name": "EUR", "exchangeRate": "0.6"}))


def test_branding_theme_must_exist(make_config, profile, raw_invoice, base_config):
    base_config["mappings"]["branding"] = {"by_template": {"3": "Fancy"}}
    with pytest.raises(MappingError, match="branding theme 'Fancy' does not exist"):
        map_invoice(make_config, profile, raw_invoice(), mappings=base_config["mappings"])


def test_tracking_from_line_of_business(make_config, profile, raw_invoice, raw_line, base_config):
    base_config["mappings"]["tracking"] = [{"category": "division", "source": "line_of_business"}]
    doc = map_invoice(make_config, profile, raw_invoice(), mappings=base_config["mappings"])
    assert doc.payload["LineItems"][0]["Tracking"] == [{"Name": "Division", "Option": "Managed Services"}]
    raw = raw_invoice(lines=[raw_line(1, organizationalLevel2Name="Hardware")])
    with pytest.raises(MappingError, match="option 'Hardware' does not exist in category 'Division'"):
        map_invoice(make_config, profile, raw, mappings=base_config["mappings"])


def test_tracking_from_branch(make_config, profile, raw_invoice, raw_line, base_config):
    rule = {"category": "Division", "source": "branch", "options": {"Asia Pacific": "Projects"}}
    base_config["mappings"]["tracking"] = [rule]
    lines = [raw_line(1, organizationalLevel1Name="asia pacific"), raw_line(2)]
    raw = raw_invoice(lines=lines, invoiceTotal="220.0000", totalTaxValue="20.0000")
    doc = map_invoice(make_config, profile, raw, mappings=base_config["mappings"])
    assert doc.payload["LineItems"][0]["Tracking"] == [{"Name": "Division", "Option": "Projects"}]
    assert "Tracking" not in doc.payload["LineItems"][1]  # a line with no branch is left untracked
    raw = raw_invoice(lines=[raw_line(1, organizationalLevel1Name="North America")])
    with pytest.raises(MappingError, match="tracking 'Division': no option mapped for 'North America'"):
        map_invoice(make_config, profile, raw, mappings=base_config["mappings"])


@pytest.mark.parametrize(
    ("numbering", "fields", "key", "match_on"),
    [
        ({"mode": "autotask"}, {"InvoiceNumber": "1001"}, "1001", "number"),
        ({"mode": "prefix", "prefix": "AT-"}, {"InvoiceNumber": "AT-1001"}, "AT-1001", "number"),
        ({"mode": "xero", "reference_prefix": "AT "}, {"Reference": "AT 1001"}, "AT 1001", "reference"),
    ],
)
def test_numbering(make_config, profile, raw_invoice, base_config, numbering, fields, key, match_on):
    base_config["mappings"]["numbering"] = numbering
    doc = map_invoice(make_config, profile, raw_invoice(), mappings=base_config["mappings"])
    assert {k: doc.payload[k] for k in fields} == fields and doc.key == key and doc.match_on == match_on
    if match_on == "reference":
        assert "InvoiceNumber" not in doc.payload


def test_status_mark_sent_and_due_date_from_term(make_config, profile, raw_invoice, base_config):
    status = {"invoice": "AUTHORISED", "mark_sent": True, "due_date": "payment_term"}
    base_config["mappings"]["status"] = status
    raw = raw_invoice(paymentTermDueInDays=14)
    doc = map_invoice(make_config, profile, raw, mappings=base_config["mappings"])
    assert doc.payload["SentToContact"] is True and doc.payload["DueDate"] == "2025-09-19"


def test_voided_invoice_is_flagged(make_config, profile, raw_invoice):
    assert map_invoice(make_config, profile, raw_invoice(isVoided=True)).void


def test_items_on_lines(make_config, profile, raw_invoice, raw_line, base_config):
    base_config["mappings"]["items"] = {"enabled": True, "code_from": "sku", "create_missing": True}
    raw = raw_invoice(lines=[raw_line(1, product={"id": 44, "sku": "SW-24", "name": "Switch 24p"})])
    doc = map_invoice(make_config, profile, raw, mappings=base_config["mappings"])
    assert doc.payload["LineItems"][0]["ItemCode"] == "SW-24" and doc.products[0].id == 44
    cfg = make_config(mappings=base_config["mappings"])
    item = Mapper(cfg.tenants[0], profile).item(
        parse_product({"id": 44, "sku": "SW-24", "name": "Switch 24p", "unitPrice": "120.5"})
    )
    sales = {"UnitPrice": D("120.5000")}
    assert item.payload == {"Code": "SW-24", "Name": "Switch 24p", "SalesDetails": sales}


def test_contact_payload(make_config, profile, raw_invoice):
    cfg = make_config()
    doc = Mapper(cfg.tenants[0], profile).contact(parse_invoice(raw_invoice()).company)
    assert doc.key == "AT-7"
    assert doc.payload["Name"] == "Acme Pty Ltd" and doc.payload["AccountNumber"] == "ACME01"
    address = {"AddressType": "POBOX", "AddressLine1": "1 George St", "City": "Sydney"}
    assert doc.payload["Addresses"] == [address]


def test_purchase_order(make_config, profile):
    po = parse_purchase_order(
        {
            "id": 9,
            "purchaseOrderNumber": "PO-9",
            "vendor": {"id": 70, "companyName": "Ingram"},
            "createDateTime": "2025-09-01T10:00:00Z",
            "status": 5,
            "shipToName": "Warehouse",
            "items": [{"id": 1, "quantity": 3, "unitCost": "12.3456", "memo": "Switch"}],
        }
    )
    cfg = make_config()
    doc = Mapper(cfg.tenants[0], profile).purchase_order(po)
    assert doc.kind == "purchase_order" and doc.key == "PO-9" and doc.void and not doc.unitdp4
    assert doc.payload["LineItems"] == [  # Xero POs take no unitdp=4
        {"Description": "Switch", "Quantity": D("3.0000"), "UnitAmount": D("12.35"), "AccountCode": "300"}
    ]
    assert doc.payload["Status"] == "DRAFT" and doc.payload["AttentionTo"] == "Warehouse"


# ---- issue 13: tax precedence for tax-exempt companies ---------------------------------------------------
def _exempt_invoice(raw_invoice, raw_line, **line):
    """A charity flagged tax-exempt in Autotask, billed 100 with no tax on a Labour line in Australia."""
    return raw_invoice(
        company={"id": 7, "companyName": "Charity", "isTaxExempt": True},
        lines=[raw_line(1, taxDollars="0", **line)],
        invoiceTotal="100",
    )


@pytest.mark.parametrize(
    ("rule", "table", "key"),
    [
        ("by_region_category", "by_region_category", "Australia / Standard"),
        ("by_tax_name", "by_tax_name", "GST"),
        ("by_category", "by_category", "Standard"),
    ],
)
def test_a_tax_exempt_company_uses_exempt_before_any_region_category_or_tax_name_rule(
    make_config, profile, raw_invoice, raw_line, base_config, rule, table, key
):
    """The admin maps the line's region/category (or its tax name) to OUTPUT (10%); the company is
    tax-exempt and Autotask billed no tax: the line takes `exempt`, and the document is not rejected."""
    base_config["mappings"]["tax"][table] = {key: "OUTPUT"}
    raw = _exempt_invoice(raw_invoice, raw_line, taxName="GST")
    doc = map_invoice(make_config, profile, raw, mappings=base_config["mappings"])
    assert doc.payload["LineItems"][0]["TaxType"] == "EXEMPTOUTPUT", rule
    assert doc.rounding == 0


def test_exempt_by_region_names_the_exemption_of_one_region_before_exempt(
    make_config, profile, raw_invoice, raw_line, base_config
):
    """`exempt_by_region` is the rule that names exemption otherwise: exempt customers in Australia take
    NONE, exempt customers elsewhere still take `exempt`."""
    base_config["mappings"]["tax"]["by_region_category"] = {"Australia / Standard": "OUTPUT"}
    base_config["mappings"]["tax"]["exempt_by_region"] = {"australia": "NONE"}
    base_config["mappings"]["tax"]["by_region"]["Elsewhere"] = "OUTPUT"
    doc = map_invoice(
        make_config, profile, _exempt_invoice(raw_invoice, raw_line), mappings=base_config["mappings"]
    )
    assert doc.payload["LineItems"][0]["TaxType"] == "NONE"
    elsewhere = _exempt_invoice(raw_invoice, raw_line, taxRegionName="Elsewhere")
    doc = map_invoice(make_config, profile, elsewhere, mappings=base_config["mappings"])
    assert doc.payload["LineItems"][0]["TaxType"] == "EXEMPTOUTPUT"


def test_a_line_autotask_taxed_follows_the_ordinary_rules_even_for_an_exempt_company(
    make_config, profile, raw_invoice, raw_line
):
    """Autotask charged 10 GST on the line (billed before the company became exempt): Xero gets what was
    billed, OUTPUT and 110, not an exempt line that could never total 110."""
    raw = raw_invoice(company={"id": 7, "companyName": "Charity", "isTaxExempt": True})
    doc = map_invoice(make_config, profile, raw)
    assert doc.payload["LineItems"][0]["TaxType"] == "OUTPUT" and doc.rounding == 0


def test_an_exempt_company_without_an_exempt_rule_is_rejected_naming_the_fix(
    make_config, profile, raw_invoice, raw_line, base_config
):
    """No `exempt` declared: the untaxed line would land on OUTPUT (10%). The rejection says why and what
    to declare, instead of only that Xero's total would differ from Autotask's."""
    del base_config["mappings"]["tax"]["exempt"]
    with pytest.raises(MappingError) as info:
        map_invoice(
            make_config,
            profile,
            _exempt_invoice(raw_invoice, raw_line),
            mappings=base_config["mappings"],
        )
    text = str(info.value)
    assert "company 'Charity' is tax-exempt in Autotask" in text
    assert "TaxType 'OUTPUT' charges 10%" in text and "mappings.tax.exempt" in text
    assert "total" not in text.lower()
