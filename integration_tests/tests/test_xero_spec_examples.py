"""Xero's own OpenAPI examples against the emulator, and the emulator's bodies against Xero's schemas.

The official spec (XeroAPI/Xero-OpenAPI `xero_accounting.yaml`) lives beside the checkout in
`shared/specs/`; the sandbox never reads it at run time (its schema comes from xero-python), so this test
is where the two are held together:
- every request-body example of the write operations our connectors use is sent over HTTP (IDs and
  account codes adapted to the test organisation) and must be accepted;
- every request and response of this module is validated against the spec's component schemas with
  OAS30Validator;
- bodies the spec forbids (wrong type, bad enum) and unknown elements are rejected with 400
  PostDataInvalidException, in the spec's `Error` shape;
- the element names of the run-time schema and the spec agree.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from openapi_schema_validator import OAS30Validator
from sandbox.xero import schema as runtime_schema
from sandbox_testkit.xero_rules_kit import (
    ACME_ID,
    GLOBEX_ID,
    ITEM_ID,
    SEEDED_CREDIT_ID,
    SEEDED_INVOICE_ID,
    SUPPLIER_ID,
    SpecChecker,
    XeroClient,
    loads,
)

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]

SPEC_FILE = Path(__file__).resolve().parents[3] / "shared" / "specs" / "xero_accounting.yaml"
pytestmark = pytest.mark.skipif(not SPEC_FILE.exists(), reason=f"Xero OpenAPI spec not found at {SPEC_FILE}")

ZERO = "00000000-0000-0000-0000-000000000000"
# Spec example values that name objects of Xero's demo company -> the test organisation's equivalents.
SALES = {"430fa14a-f945-44d3-9f97-5df5e28441b8": ACME_ID, ZERO: ACME_ID}
PURCHASES = {"430fa14a-f945-44d3-9f97-5df5e28441b8": SUPPLIER_ID, ZERO: SUPPLIER_ID, "710": "400"}
ITEMS = {"140": "630", "500": "310"}
PAYMENTS = {ZERO: SEEDED_INVOICE_ID, "970": "090"}
ALLOCATIONS = {"c45720a1-ade3-4a38-a064-d15489be6841": SEEDED_INVOICE_ID}


@cache
def spec() -> dict[str, Any]:
    with SPEC_FILE.open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


@cache
def validator(component: str) -> OAS30Validator:
    document = {"$ref": f"#/components/schemas/{component}", "components": spec()["components"]}
    return OAS30Validator(document)


def schema_errors(component: str, body: Any) -> list[str]:
    plain = json.loads(json.dumps(body, default=float))
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator(component).iter_errors(plain)]


def assert_valid(component: str, body: Any) -> None:
    errors = schema_errors(component, body)
    assert not errors, errors[:5]


def unescape(value: Any) -> Any:
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, list):
        return [unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: unescape(v) for k, v in value.items()}
    return value


def adapt(value: Any, replacements: dict[str, str]) -> Any:
    if isinstance(value, str):
        return replacements.get(value, value)
    if isinstance(value, list):
        return [adapt(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: adapt(v, replacements) for k, v in value.items()}
    return value


def operation(path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = spec()["paths"][path][method]
    return found


def example_of(path: str, method: str) -> Any:
    return unescape(operation(path, method)["requestBody"]["content"]["application/json"]["example"])


def schema_name(ref: dict[str, Any]) -> str:
    return str(ref["$ref"]).rsplit("/", 1)[-1]


def send_example(
    xero: XeroClient, spec_path: str, method: str, url: str, replacements: dict[str, str], **params: Any
) -> requests.Response:
    """Send the spec's example for (spec_path, method) to `url`; validate request and response bodies."""
    op = operation(spec_path, method)
    body = adapt(example_of(spec_path, method), replacements)
    request_component = schema_name(op["requestBody"]["content"]["application/json"]["schema"])
    if request_component == "Payment":  # the spec's example for POST /Payments is the wrapped collection
        request_component = "Payments"
    if request_component == "PaymentDelete":  # schema of one element; the example wraps it in Payments
        for element in body["Payments"]:
            assert_valid(request_component, element)
    else:
        assert_valid(request_component, body)
    response = xero.request(method.upper(), url, body, params=params or None)
    assert response.status_code == 200, response.text
    response_component = schema_name(op["responses"]["200"]["content"]["application/json"]["schema"])
    assert_valid(response_component, loads(response))
    return response


def elements(response: requests.Response, key: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = loads(response)[key]
    for element in found:
        assert element.get("StatusAttributeString", "OK") in ("OK", "WARNING"), element.get(
            "ValidationErrors"
        )
    return found


# --------------------------------------------------------------------------- collection examples

COLLECTION_CASES = [
    ("/Invoices", "put", SALES, "Invoices"),
    ("/Invoices", "post", SALES, "Invoices"),
    ("/CreditNotes", "put", PURCHASES, "CreditNotes"),
    ("/CreditNotes", "post", PURCHASES, "CreditNotes"),
    ("/Contacts", "put", {}, "Contacts"),
    ("/Contacts", "post", {}, "Contacts"),
    ("/Items", "put", ITEMS, "Items"),
    ("/Items", "post", {}, "Items"),
    ("/PurchaseOrders", "put", PURCHASES, "PurchaseOrders"),
    ("/PurchaseOrders", "post", PURCHASES, "PurchaseOrders"),
    ("/Payments", "put", PAYMENTS, "Payments"),
    ("/Payments", "post", PAYMENTS, "Payments"),
]


@pytest.mark.parametrize(("spec_path", "method", "replacements", "key"), COLLECTION_CASES)
def test_collection_example_is_accepted(
    xero: XeroClient, spec_path: str, method: str, replacements: dict[str, str], key: str
) -> None:
    response = send_example(xero, spec_path, method, spec_path, replacements, summarizeErrors="false")
    created = elements(response, key)
    assert created


def test_invoice_example_totals(xero: XeroClient) -> None:
    response = send_example(xero, "/Invoices", "put", "/Invoices", SALES)
    (invoice,) = elements(response, "Invoices")
    assert (invoice["Status"], str(invoice["Total"]), invoice["Contact"]["ContactID"]) == (
        "AUTHORISED",
        "40.00",
        ACME_ID,
    )


def test_item_example_is_tracked_inventory(xero: XeroClient) -> None:
    (item,) = elements(send_example(xero, "/Items", "put", "/Items", ITEMS), "Items")
    assert item["IsTrackedAsInventory"] is True


def test_allocation_example_is_accepted(xero: XeroClient) -> None:
    response = send_example(
        xero,
        "/CreditNotes/{CreditNoteID}/Allocations",
        "put",
        f"/CreditNotes/{SEEDED_CREDIT_ID}/Allocations",
        ALLOCATIONS,
    )
    (allocation,) = loads(response)["Allocations"]
    assert str(allocation["Amount"]) == "1.00"


# --------------------------------------------------------------------------- single-record examples


def create(xero: XeroClient, key: str, element: dict[str, Any]) -> dict[str, Any]:
    response = xero.put(key, {key: [element]})
    assert response.status_code == 200, response.text
    created: dict[str, Any] = loads(response)[key][0]
    return created


def line(account: str) -> dict[str, Any]:
    return {"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": account}


def make_bill(xero: XeroClient) -> str:
    bill = create(
        xero,
        "Invoices",
        {"Type": "ACCPAY", "Contact": {"ContactID": SUPPLIER_ID}, "LineItems": [line("400")]},
    )
    return str(bill["InvoiceID"])


def make_payment(xero: XeroClient) -> str:
    payment = create(
        xero,
        "Payments",
        {
            "Invoice": {"InvoiceID": SEEDED_INVOICE_ID},
            "Account": {"Code": "090"},
            "Date": "2026-10-20",
            "Amount": 5,
        },
    )
    return str(payment["PaymentID"])


def make_order(xero: XeroClient) -> str:
    order = create(
        xero, "PurchaseOrders", {"Contact": {"ContactID": SUPPLIER_ID}, "LineItems": [line("400")]}
    )
    return str(order["PurchaseOrderID"])


def make_supplier_credit(xero: XeroClient) -> str:
    credit = create(
        xero,
        "CreditNotes",
        {"Type": "ACCPAYCREDIT", "Contact": {"ContactID": SUPPLIER_ID}, "LineItems": [line("400")]},
    )
    return str(credit["CreditNoteID"])


RECORD_CASES: list[tuple[str, str, Callable[[XeroClient], str], dict[str, str]]] = [
    ("/Invoices/{InvoiceID}", "Invoices", make_bill, {}),
    ("/Payments/{PaymentID}", "Payments", make_payment, {}),
    ("/Contacts/{ContactID}", "Contacts", lambda _: GLOBEX_ID, {}),
    ("/Items/{ItemID}", "Items", lambda _: ITEM_ID, {}),
    ("/PurchaseOrders/{PurchaseOrderID}", "PurchaseOrders", make_order, {}),
    ("/CreditNotes/{CreditNoteID}", "CreditNotes", make_supplier_credit, PURCHASES),
]


@pytest.mark.parametrize(("spec_path", "key", "make", "replacements"), RECORD_CASES)
def test_record_example_is_accepted(
    xero: XeroClient,
    spec_path: str,
    key: str,
    make: Callable[[XeroClient], str],
    replacements: dict[str, str],
) -> None:
    record_id = make(xero)
    url = spec_path.split("{")[0] + record_id
    response = send_example(xero, spec_path, "post", url, replacements, summarizeErrors="false")
    (updated,) = elements(response, key)
    id_field = spec_path.split("{")[1].rstrip("}")
    assert updated[id_field] == record_id


def test_payment_delete_example_reopens_the_invoice(xero: XeroClient) -> None:
    payment_id = make_payment(xero)
    send_example(xero, "/Payments/{PaymentID}", "post", f"/Payments/{payment_id}", {})
    invoice = loads(xero.get(f"Invoices/{SEEDED_INVOICE_ID}"))["Invoices"][0]
    assert str(invoice["AmountDue"]) == "115.00"


def test_payment_delete_in_the_schema_form_without_wrapper(xero: XeroClient) -> None:
    payment_id = make_payment(xero)
    body = {"Status": "DELETED"}
    assert_valid("PaymentDelete", body)
    response = xero.post(f"Payments/{payment_id}", body)
    assert response.status_code == 200, response.text
    assert loads(response)["Payments"][0]["Status"] == "DELETED"


# --------------------------------------------------------------------------- reads validate too


@pytest.mark.parametrize(
    ("url", "component"),
    [
        ("Invoices", "Invoices"),
        (f"Invoices/{SEEDED_INVOICE_ID}", "Invoices"),
        ("CreditNotes", "CreditNotes"),
        ("Contacts", "Contacts"),
        ("Items", "Items"),
        ("Accounts", "Accounts"),
        ("TaxRates", "TaxRates"),
        ("TrackingCategories", "TrackingCategories"),
        ("Currencies", "Currencies"),
        ("BrandingThemes", "BrandingThemes"),
        ("Organisation", "Organisations"),
    ],
)
def test_read_responses_match_the_spec(xero: XeroClient, url: str, component: str) -> None:
    response = xero.get(url)
    assert response.status_code == 200, response.text
    assert_valid(component, loads(response))


def test_paid_invoice_and_payment_reads_match_the_spec(xero: XeroClient) -> None:
    make_payment(xero)
    assert_valid("Invoices", loads(xero.get(f"Invoices/{SEEDED_INVOICE_ID}")))
    assert_valid("Payments", loads(xero.get("Payments")))


# --------------------------------------------------------------------------- forbidden bodies


def base_invoice() -> dict[str, Any]:
    body: dict[str, Any] = adapt(example_of("/Invoices", "put"), SALES)
    return body


def with_change(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    body = base_invoice()
    change(body["Invoices"][0])
    return body


FORBIDDEN = [
    ("string for a number", lambda inv: inv["LineItems"][0].update(UnitAmount="twenty"), True),
    ("object for a string", lambda inv: inv.update(Reference={"text": "x"}), True),
    ("bad CurrencyCode", lambda inv: inv.update(CurrencyCode="XYZ"), True),
    ("bad LineAmountTypes", lambda inv: inv.update(LineAmountTypes="Gross"), True),
    ("bad Type", lambda inv: inv.update(Type="BILL"), True),
    ("string for a boolean", lambda inv: inv.update(SentToContact="true"), True),
    ("unknown element", lambda inv: inv.update(Colour="red"), False),
    ("unknown nested element", lambda inv: inv["LineItems"][0].update(Colour="red"), False),
]


@pytest.mark.parametrize(("label", "change", "spec_forbids"), FORBIDDEN, ids=[f[0] for f in FORBIDDEN])
def test_forbidden_bodies_are_rejected_as_post_data_invalid(
    xero: XeroClient, label: str, change: Callable[[dict[str, Any]], None], spec_forbids: bool
) -> None:
    body = with_change(change)
    if spec_forbids:
        assert schema_errors("Invoices", body), f"the spec should reject: {label}"
    response = xero.put("Invoices", body, summarizeErrors="false")
    assert response.status_code == 400, response.text
    error = loads(response)
    assert_valid("Error", error)
    assert (error["ErrorNumber"], error["Type"]) == (14, "PostDataInvalidException")


def test_validation_error_response_matches_the_spec(xero: XeroClient) -> None:
    body = with_change(lambda inv: inv["LineItems"][0].update(AccountCode="999"))
    response = xero.put("Invoices", body)
    assert response.status_code == 400
    error = loads(response)
    assert_valid("Error", error)
    assert error["Elements"][0]["ValidationErrors"][0]["Message"] == (
        "Account code '999' is not a valid code for this document."
    )


# --------------------------------------------------------------------------- run-time schema vs spec

# Elements xero-python's models know and this spec version does not list (both read-only totals/stock).
KNOWN_RUNTIME_EXTRAS = {
    "Invoice": {"RoundingAmount", "EnteredTotal"},
    "Item": {"QuantityAvailable", "QuantityOnBackOrder"},
}
CHECKED_MODELS = [
    "Invoice",
    "CreditNote",
    "Contact",
    "Item",
    "Purchase",
    "PurchaseOrder",
    "Payment",
    "Allocation",
    "LineItem",
    "LineItemTracking",
    "LineItemItem",
    "Address",
    "Phone",
    "ContactPerson",
    "PaymentTerm",
    "Bill",
    "Account",
    "TaxRate",
    "TaxComponent",
    "TrackingCategory",
    "TrackingOption",
    "BrandingTheme",
    "Currency",
    "Organisation",
    "Invoices",
    "CreditNotes",
    "Contacts",
    "Items",
    "PurchaseOrders",
    "Payments",
    "Allocations",
]


@pytest.mark.parametrize("model", CHECKED_MODELS)
def test_runtime_schema_and_spec_agree_on_element_names(model: str) -> None:
    spec_names = set(spec()["components"]["schemas"][model].get("properties", {}))
    runtime_names = runtime_schema.element_names(model)
    assert spec_names - runtime_names == set()
    assert runtime_names - spec_names == KNOWN_RUNTIME_EXTRAS.get(model, set())


@pytest.mark.parametrize(
    ("model", "element"),
    [
        ("Invoice", "LineAmountTypes"),
        ("Invoice", "CurrencyCode"),
        ("Invoice", "Status"),
        ("Invoice", "Type"),
        ("CreditNote", "Type"),
        ("PurchaseOrder", "Status"),
        ("Contact", "ContactStatus"),
        ("Payment", "PaymentType"),
    ],
)
def test_runtime_enums_match_the_spec(model: str, element: str) -> None:
    components = spec()["components"]["schemas"]
    node = components[model]["properties"][element]
    if "$ref" in node:
        node = components[schema_name(node)]
    field = runtime_schema.model(model).fields[element]
    assert field.enum_values is not None
    assert field.enum_values == set(node["enum"]) - {None}


def test_the_spec_checker_used_by_the_rule_tests_catches_mismatches() -> None:
    checker = SpecChecker(SPEC_FILE)
    assert checker.errors("Invoices", {"Invoices": [{"Type": "BILL"}]})
    assert not checker.errors("Invoices", {"Invoices": [{"Type": "ACCREC"}]})
    operation = checker.operation("POST", "Invoices/INV-0001")
    assert operation is not None
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/Invoices")
    assert checker.operation("PUT", "CreditNotes/abc/Allocations") is not None
