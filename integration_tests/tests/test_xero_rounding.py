"""Xero's line and document arithmetic in the emulator (api-facts A4b), mostly over HTTP."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox.xero.rounding import Component, exclusive_fraction, line_tax, round_money
from sandbox_testkit.xero_rules_kit import ACME_ID, XeroClient, loads

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]

D = Decimal


def create(
    xero: XeroClient, lines: list[dict[str, Any]], lat: str = "Exclusive", **params: Any
) -> dict[str, Any]:
    body = {
        "Invoices": [
            {"Type": "ACCREC", "Contact": {"ContactID": ACME_ID}, "LineAmountTypes": lat, "LineItems": lines}
        ]
    }
    response = xero.put("Invoices", body, **params)
    assert response.status_code == 200, response.text
    created: dict[str, Any] = loads(response)["Invoices"][0]
    return created


def sale(quantity: Any, unit: Any, tax: str = "OUTPUT2", **extra: Any) -> dict[str, Any]:
    return {
        "Description": "line",
        "Quantity": quantity,
        "UnitAmount": unit,
        "AccountCode": "200",
        "TaxType": tax,
        **extra,
    }


def totals(invoice: dict[str, Any]) -> tuple[Decimal, Decimal, Decimal]:
    return invoice["SubTotal"], invoice["TotalTax"], invoice["Total"]


# --------------------------------------------------------------------------- module arithmetic


def test_half_up_not_half_even() -> None:
    assert round_money(D("2.165")) == D("2.17")
    assert round_money(D("2.164")) == D("2.16")
    assert round_money(D("2.125")) == D("2.13")


def test_compound_component_taxes_the_earlier_components() -> None:
    components = [Component(D(5), False), Component(D(10), True)]
    assert exclusive_fraction(components) == D("0.155")
    assert line_tax(D("100.00"), components, "Exclusive") == D("15.50")
    assert line_tax(D("115.50"), components, "Inclusive") == D("15.50")
    assert line_tax(D("100.00"), components, "NoTax") == D("0")


# --------------------------------------------------------------------------- over HTTP


def test_official_example_tax_per_line_not_on_the_subtotal(xero: XeroClient) -> None:
    invoice = create(xero, [sale(1, 25.06), sale(1, 25.61), sale(1, 25.63)])
    assert [line["TaxAmount"] for line in invoice["LineItems"]] == [D("3.76"), D("3.84"), D("3.84")]
    assert totals(invoice) == (D("76.30"), D("11.44"), D("87.74"))


def test_unit_amount_rounds_to_two_places_half_up_by_default(xero: XeroClient) -> None:
    invoice = create(xero, [sale(3, 10.005)])
    (line,) = invoice["LineItems"]
    assert (line["UnitAmount"], line["LineAmount"]) == (D("10.01"), D("30.03"))


def test_unitdp_4_keeps_four_places_and_the_line_amount_is_rounded_after(xero: XeroClient) -> None:
    invoice = create(xero, [sale(3, 10.00549)], unitdp=4)
    (line,) = invoice["LineItems"]
    assert (line["UnitAmount"], line["LineAmount"]) == (D("10.0055"), D("30.02"))
    again = loads(xero.get(f"Invoices/{invoice['InvoiceID']}", unitdp=4))["Invoices"][0]
    assert again["LineItems"][0]["UnitAmount"] == D("10.0055")
    shown = loads(xero.get(f"Invoices/{invoice['InvoiceID']}"))["Invoices"][0]
    assert shown["LineItems"][0]["UnitAmount"] == D("10.01")
    assert shown["Total"] == invoice["Total"]


def test_quantity_keeps_four_places(xero: XeroClient) -> None:
    invoice = create(xero, [sale(1.23456, 100)])
    (line,) = invoice["LineItems"]
    assert (line["Quantity"], line["LineAmount"]) == (D("1.2346"), D("123.46"))


def test_tax_inclusive_lines(xero: XeroClient) -> None:
    invoice = create(xero, [sale(1, 115), sale(1, 10)], "Inclusive")
    assert [line["TaxAmount"] for line in invoice["LineItems"]] == [D("15.00"), D("1.30")]
    assert totals(invoice) == (D("108.70"), D("16.30"), D("125.00"))


def test_no_tax_document_has_no_tax_whatever_the_lines_say(xero: XeroClient) -> None:
    invoice = create(xero, [sale(1, 100)], "NoTax")
    assert totals(invoice) == (D("100.00"), D("0.00"), D("100.00"))


def test_compound_tax_rate_over_http(xero: XeroClient) -> None:
    invoice = create(xero, [sale(1, 100, "TAX001"), sale(1, 33.33, "TAX001")])
    assert [line["TaxAmount"] for line in invoice["LineItems"]] == [D("15.50"), D("5.17")]
    assert totals(invoice) == (D("133.33"), D("20.67"), D("154.00"))


def test_tax_amount_override_is_kept(xero: XeroClient) -> None:
    invoice = create(xero, [sale(1, 25.06, TaxAmount=3.75), sale(1, 25.61)])
    assert [line["TaxAmount"] for line in invoice["LineItems"]] == [D("3.75"), D("3.84")]
    assert invoice["TotalTax"] == D("7.59")


def test_line_amount_alone_derives_quantity_and_unit_amount(xero: XeroClient) -> None:
    invoice = create(xero, [{"Description": "fixed fee", "LineAmount": 99.99, "AccountCode": "200"}])
    (line,) = invoice["LineItems"]
    assert (line["Quantity"], line["UnitAmount"], line["LineAmount"]) == (D("1.0000"), D("99.99"), D("99.99"))


def test_discount_rate_reduces_the_line_before_tax(xero: XeroClient) -> None:
    invoice = create(xero, [sale(3, 33.33, DiscountRate=12.5)])
    (line,) = invoice["LineItems"]
    assert (line["LineAmount"], line["TaxAmount"]) == (D("87.49"), D("13.12"))
    assert invoice["TotalDiscount"] == D("12.50")


def reference_totals(lines: list[tuple[Decimal, Decimal]], lat: str) -> tuple[Decimal, Decimal, Decimal]:
    """An independent statement of Xero's published rule, for the property test below."""
    cent, rate = D("0.01"), D("0.15")
    sub = tax = gross = D(0)
    for quantity, unit in lines:
        amount = (
            quantity.quantize(D("0.0001"), ROUND_HALF_UP) * unit.quantize(cent, ROUND_HALF_UP)
        ).quantize(cent, ROUND_HALF_UP)
        if lat == "Inclusive":
            line_tax_amount = (amount * rate / (1 + rate)).quantize(cent, ROUND_HALF_UP)
            sub += amount - line_tax_amount
        else:
            line_tax_amount = (amount * rate).quantize(cent, ROUND_HALF_UP)
            sub += amount
        tax += line_tax_amount
        gross += amount
    total = gross if lat == "Inclusive" else sub + tax
    return sub, tax, total


money = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
quantities = st.decimals(min_value=D("0.0001"), max_value=D("250"), places=4)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lines=st.lists(st.tuples(quantities, money), min_size=1, max_size=6),
    lat=st.sampled_from(["Exclusive", "Inclusive"]),
)
def test_totals_match_the_published_rule(
    xero: XeroClient, lines: list[tuple[Decimal, Decimal]], lat: str
) -> None:
    # float() of a 2/4-place Decimal serialises with exactly those digits (shortest round-trip repr).
    invoice = create(xero, [sale(float(q), float(u)) for q, u in lines], lat)
    assert totals(invoice) == reference_totals(lines, lat)
