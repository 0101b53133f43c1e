"""Purchase orders as bills (mapping_bill.py): what `mappings.purchase_orders` makes of an Autotask PO,
and the ACCPAY invoice a received one becomes."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from destination_xero.mapping import Mapper, MappingError
from destination_xero.records import parse_purchase_order

D = Decimal


def raw_po(**over: Any) -> dict[str, Any]:
    po: dict[str, Any] = {
        "id": 9,
        "purchaseOrderNumber": "4711",
        "vendor": {"id": 70, "companyName": "Ingram Micro"},
        "createDateTime": "2025-09-01T10:00:00Z",
        "submitDateTime": "2025-09-02T10:00:00Z",
        "status": 4,
        "statusName": "Received Full",
        "receivedDate": "2025-09-12T15:30:00Z",
        "externalPONumber": "EXT-1",
        "freight": "12.5000",
        "items": [
            {"id": 1, "quantity": 3, "unitCost": "12.3456", "memo": "Switch"},
            {"id": 2, "quantity": 1, "unitCost": "99.0000", "memo": "Router"},
        ],
    }
    po.update(over)
    return po


def mapper(make_config, base_config, profile, **purchase_orders: Any) -> Mapper:
    mappings = copy.deepcopy(base_config["mappings"])
    mappings["purchase_orders"] = {"send_as": "bill", **purchase_orders}
    mappings["tax"]["purchase"] = "INPUT"
    mappings["tax"]["rates"] = {"INPUT": "10"}
    cfg = make_config(mappings=mappings)
    return Mapper(cfg.tenants[0], profile)


@pytest.mark.parametrize(
    ("send_as", "kinds"),
    [("purchase_order", ("purchase_order",)), ("bill", ("bill",)), ("both", ("purchase_order", "bill"))],
)
def test_send_as_says_what_a_purchase_order_becomes(make_config, base_config, profile, send_as, kinds):
    assert mapper(make_config, base_config, profile, send_as=send_as).purchase_order_kinds() == kinds


def test_the_default_is_the_xero_purchase_order_alone(make_config, profile):
    assert Mapper(make_config().tenants[0], profile).purchase_order_kinds() == ("purchase_order",)


def test_a_received_purchase_order_becomes_an_accpay_bill(make_config, base_config, profile):
    doc = mapper(make_config, base_config, profile).bill(parse_purchase_order(raw_po()))
    assert doc.kind == "bill" and doc.key == "PO-4711" and doc.collection == "Invoices"
    assert not doc.void and not doc.held and doc.unitdp4  # 12.3456: a bill keeps the cost exact
    assert doc.contact is not None and doc.contact.id == 70 and doc.source_id == 9
    coded = {"AccountCode": "300", "TaxType": "INPUT"}
    assert doc.payload == {
        "Type": "ACCPAY",
        "InvoiceNumber": "PO-4711",
        "Date": "2025-09-12",  # received, not ordered
        "DueDate": "2025-10-12",  # + bill_due_days (30)
        "LineAmountTypes": "Exclusive",
        "Status": "DRAFT",
        "LineItems": [
            {"Description": "Switch", "Quantity": D("3.0000"), "UnitAmount": D("12.3456"), **coded},
            {"Description": "Router", "Quantity": D("1.0000"), "UnitAmount": D("99.0000"), **coded},
            {"Description": "Freight", "Quantity": D("1.0000"), "UnitAmount": D("12.5000"), **coded},
        ],
    }
    assert "Reference" not in doc.payload  # Xero drops Reference on bills: it would be an update forever


def test_prefix_status_due_days_and_a_po_not_received_on_a_date(make_config, base_config, profile):
    m = mapper(
        make_config,
        base_config,
        profile,
        bill_number_prefix="BILL/",
        bill_status="AUTHORISED",
        bill_due_days=7,
    )
    raw = raw_po(receivedDate=None, freight=None, items=[{"id": 1, "quantity": 2, "unitCost": "10"}])
    doc = m.bill(parse_purchase_order(raw))
    p = doc.payload
    assert (doc.key, p["InvoiceNumber"], p["Status"]) == ("BILL/4711", "BILL/4711", "AUTHORISED")
    assert (p["Date"], p["DueDate"]) == ("2025-09-02", "2025-09-09")  # the PO's date when none received
    assert not doc.unitdp4 and p["LineItems"][0]["UnitAmount"] == D("10.00")
    assert p["LineItems"][0]["Description"] == "-"


@pytest.mark.parametrize(("sales", "bill"), [("Inclusive", "Exclusive"), ("NoTax", "NoTax")])
def test_unit_costs_are_read_tax_exclusive_whatever_the_sales_setting(
    make_config, base_config, profile, sales, bill
):
    base_config["mappings"]["status"] = {"line_amount_types": sales}
    doc = mapper(make_config, base_config, profile).bill(parse_purchase_order(raw_po()))
    assert doc.payload["LineAmountTypes"] == bill
    assert doc.payload["LineItems"][1]["UnitAmount"] == D("99.0000")


@pytest.mark.parametrize(
    ("wanted", "label"),
    [("received full", "Received Full"), ("  RECEIVED FULL ", "Received Full"), ("4", None)],
)
def test_bill_when_compares_the_label_case_insensitively_or_the_id_of_an_unlabelled_status(
    make_config, base_config, profile, wanted, label
):
    m = mapper(make_config, base_config, profile, bill_when=[wanted])
    assert not m.bill(parse_purchase_order(raw_po(statusName=label))).held


def test_a_purchase_order_not_received_yet_is_held(make_config, base_config, profile):
    doc = mapper(make_config, base_config, profile).bill(
        parse_purchase_order(raw_po(status=2, statusName="Submitted", receivedDate=None))
    )
    assert doc.kind == "bill" and doc.key == "PO-4711" and not doc.void
    assert doc.held == (
        "not received yet: Autotask gives status 'Submitted'; the bill is made when the purchase order is "
        "'Received Full', 'Received in Full' (mappings.purchase_orders.bill_when)"
    )
    assert doc.payload == {"Type": "ACCPAY", "InvoiceNumber": "PO-4711"}
    assert doc.contact is None  # a PO nobody received creates no contact in Xero


def test_a_held_bill_is_not_mapped_so_a_mapping_gap_waits_for_the_receipt(make_config, base_config, profile):
    del base_config["mappings"]["accounts"]["purchase"]
    del base_config["mappings"]["accounts"]["default"]
    m = mapper(make_config, base_config, profile)
    held = m.bill(parse_purchase_order(raw_po(statusName="Partially Received", status=3)))
    assert held.held
    with pytest.raises(MappingError) as exc:
        m.bill(parse_purchase_order(raw_po()))
    assert str(exc.value) == "bill PO-4711: no purchase account declared (mappings.accounts.purchase)"


def test_a_cancelled_purchase_order_is_a_void_bill_of_its_vendor(make_config, base_config, profile):
    raw = raw_po(status=5, statusName="Cancelled", cancelDateTime="2025-09-20T00:00:00Z")
    doc = mapper(make_config, base_config, profile).bill(parse_purchase_order(raw))
    assert doc.void and not doc.held and doc.key == "PO-4711"
    assert doc.payload == {"Type": "ACCPAY", "InvoiceNumber": "PO-4711"}
    assert doc.contact is not None and doc.contact.id == 70  # only the vendor's own bill is voided


def test_problems_are_collected_and_name_the_bill(make_config, base_config, profile):
    m = mapper(make_config, base_config, profile, bill_due_days=10**9)
    with pytest.raises(MappingError) as exc:
        m.bill(parse_purchase_order(raw_po(currency={"name": "JPY"})))
    assert exc.value.document == "bill PO-4711"
    assert exc.value.problems == [
        "due date out of range: bill date 2025-09-12 + 1000000000 days "
        "(mappings.purchase_orders.bill_due_days)",
        "currency JPY is not enabled in organisation 'Acme AU'",
    ]


def test_currency_and_items_follow_the_purchase_order_rules(make_config, base_config, profile):
    base_config["mappings"]["items"] = {"enabled": True, "code_from": "sku"}
    raw = raw_po(
        currency={"name": "USD"},
        items=[{"id": 1, "quantity": 1, "unitCost": "5", "productID": 31, "productSku": "SW-24"}],
        freight=None,
    )
    doc = mapper(make_config, base_config, profile).bill(parse_purchase_order(raw))
    assert doc.payload["CurrencyCode"] == "USD"
    assert doc.payload["LineItems"][0]["ItemCode"] == "SW-24" and doc.item_lines == 1
