from __future__ import annotations

from decimal import Decimal

import pendulum
import pytest
from destination_xero.record_fields import RecordError
from destination_xero.record_types import Invoice
from destination_xero.records import parse_invoice, parse_purchase_order, parse_record, stream_kind


def test_invoice_parses_to_decimals_and_dates(raw_invoice):
    invoice = parse_invoice(raw_invoice())
    assert invoice.total == Decimal("110.0000")
    assert invoice.date == pendulum.Date(2025, 9, 5)
    assert invoice.due_date == pendulum.Date(2025, 10, 5)
    assert invoice.payment_term_days == 30
    assert invoice.template_name == "Standard Invoice"
    assert invoice.currency_code == "AUD"
    line = invoice.lines[0]
    assert line.quantity == Decimal("2.0000") and isinstance(line.rate, Decimal)
    assert line.billing_item_type == "Labor"
    assert line.line_of_business == "Managed Services"
    assert invoice.company.udf("xero org") == "AU"


def test_numbers_as_floats_ints_or_strings_and_case_insensitive_names(raw_invoice, raw_line):
    raw = raw_invoice(lines=[raw_line(1, quantity=1, rate=0.1, extendedPrice="0.1", taxDollars=0)])
    raw["INVOICETOTAL"] = raw.pop("invoiceTotal")
    invoice = parse_invoice(raw)
    assert invoice.lines[0].rate == Decimal("0.1")
    assert invoice.total == Decimal("110.0000")


def test_unknown_fields_are_ignored_and_missing_total_is_derived(raw_invoice):
    raw = raw_invoice()
    del raw["invoiceTotal"]
    raw["brandNewField"] = [1, 2]
    assert parse_invoice(raw).total == Decimal("110.0000")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"invoiceNumber": None}, "invoiceNumber is missing"),
        ({"company": None}, "company"),
        ({"lines": []}, "lines is missing"),
        ({"invoiceDateTime": "not a date"}, "invoiceDateTime is not a date"),
        ({"invoiceTotal": "abc"}, "invoiceTotal is not a number"),
    ],
)
def test_unusable_invoices_name_the_field(raw_invoice, change, message):
    with pytest.raises(RecordError, match=message):
        parse_invoice(raw_invoice(**change))


def test_bad_line_names_the_invoice_and_field(raw_invoice, raw_line):
    with pytest.raises(RecordError, match="invoice 1001: line: quantity is missing"):
        parse_invoice(raw_invoice(lines=[raw_line(1, quantity=None)]))


def test_a_short_invoice_is_refused(raw_invoice):
    with pytest.raises(RecordError, match="lineCount says 3 lines but 1 arrived"):
        parse_invoice(raw_invoice(lineCount=3))


def test_negative_total_is_a_credit(raw_invoice):
    assert parse_invoice(raw_invoice(invoiceTotal="-5")).is_credit


def test_purchase_order(raw_invoice):
    po = parse_purchase_order(
        {
            "id": 9,
            "purchaseOrderNumber": "PO-9",
            "vendor": {"id": 70, "companyName": "Ingram"},
            "createDateTime": "2025-09-01T10:00:00.000Z",
            "status": 2,
            "statusLabel": "Submitted",
            "items": [{"id": 1, "quantity": 3, "unitCost": "12.3456", "memo": "Switch", "productID": 44}],
        }
    )
    assert po.status == "Submitted" and not po.cancelled
    assert po.lines[0].unit_cost == Decimal("12.3456")
    assert po.lines[0].product is not None and po.lines[0].product.id == 44


def test_branch_is_read_from_organizational_level_1(raw_invoice, raw_line):
    lines = [
        raw_line(1, organizationalLevel1ID=3, organizationalLevel1Name="Asia Pacific"),
        raw_line(2, organizationalLevel1={"id": 2, "name": "North America"}),
        raw_line(3),
    ]
    invoice = parse_invoice(raw_invoice(lines=lines))
    assert [line.branch for line in invoice.lines] == ["Asia Pacific", "North America", None]


def _purchase_order(**over):
    raw = {
        "id": 9,
        "vendor": {"id": 70, "companyName": "Dicker Data", "currencyID": 4},
        "createDateTime": "2025-09-01T10:00:00.000Z",
        "items": [{"id": 1, "quantity": 3, "unitCost": "12.3456"}],
    }
    raw.update(over)
    return parse_purchase_order(raw)


def test_purchase_order_currency_is_the_records_vendor_currency():
    po = _purchase_order(currency={"id": 4, "name": "aud", "exchangeRate": "1.94120"})
    assert po.currency_code == "AUD" and po.exchange_rate == Decimal("1.94120")
    assert _purchase_order().currency_code is None  # an older source: no currency, none guessed
    vendor = {"id": 70, "companyName": "Dicker Data", "currency": {"name": "NZD"}}
    assert _purchase_order(vendor=vendor).currency_code == "NZD"  # else the vendor snapshot's


def test_streams(raw_invoice):
    assert stream_kind("purchase_orders") == "purchase_order"
    assert stream_kind("PurchaseOrders") == "purchase_order"
    assert stream_kind("tickets") is None
    assert parse_record("tickets", {"id": 1}) is None
    assert isinstance(parse_record("invoices", raw_invoice()), Invoice)
