"""Xero writes at the HTTP layer: summarizeErrors envelopes (both modes), Idempotency-Key replay, request
size, body errors, method errors, allocations, item and payment deletion, and what the request log keeps."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_platform_kit import (
    ALPHA_ID,
    BETA_ID,
    XeroHttp,
    contact_id,
    gid,
    invoice_id,
    write_dataset,
)

ZERO_GUID = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def xero_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("xero-http") / "dataset.json")
    with running_sandbox(path, rate_limits="off") as running:
        yield running


@pytest.fixture
def sb(xero_sandbox: RunningSandbox) -> RunningSandbox:
    xero_sandbox.admin("xero", "reset", {})
    return xero_sandbox


@pytest.fixture
def x(sb: RunningSandbox) -> XeroHttp:
    return XeroHttp(sb.xero)


def invoice(number: str, amount: str = "10.00", contact: str = "acme", **extra: Any) -> dict[str, Any]:
    return {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id(contact)},
        "Date": "2025-07-01",
        "DueDate": "2025-07-31",
        "InvoiceNumber": number,
        "LineItems": [
            {
                "Description": "Support",
                "Quantity": 1,
                "UnitAmount": Decimal(amount),
                "AccountCode": "200",
                "TaxType": "NONE",
            }
        ],
        **extra,
    }


def send(x: XeroHttp, method: str, path: str, body: Any, **kwargs: Any) -> requests.Response:
    """Decimals go out as exact JSON numbers (XeroHttp serialises bodies that way)."""
    return x.send(method, path, body, **kwargs)


def invoice_numbers(x: XeroHttp, *numbers: str, tenant: str | None = None) -> list[str]:
    kwargs: dict[str, Any] = {"params": {"InvoiceNumbers": ",".join(numbers)}}
    if tenant:
        kwargs["tenant"] = tenant
    return [i["InvoiceNumber"] for i in x.get("Invoices", **kwargs).json()["Invoices"]]


# --- summarizeErrors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("params", [{}, {"summarizeErrors": "true"}, {"summarizeErrors": "True"}])
def test_summarized_errors_fail_the_whole_batch(x: XeroHttp, params: dict[str, str]) -> None:
    body = {"Invoices": [invoice("NEW-1"), invoice("INV-0001"), invoice("NEW-2")]}
    response = send(x, "PUT", "Invoices", body, params=params)
    assert response.status_code == 400
    error = response.json()
    assert (error["ErrorNumber"], error["Type"], error["Message"]) == (
        10,
        "ValidationException",
        "A validation exception occurred",
    )
    assert len(error["Elements"]) == 1, "only the failed elements are listed"
    failed = error["Elements"][0]
    assert failed["InvoiceNumber"] == "INV-0001"
    assert failed["InvoiceID"] == ZERO_GUID
    assert failed["HasErrors"] is True
    assert failed["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]
    assert invoice_numbers(x, "NEW-1", "NEW-2") == [], "nothing of a failed summarised batch is written"
    for header in ("X-DayLimit-Remaining", "X-MinLimit-Remaining", "X-AppMinLimit-Remaining"):
        assert header in response.headers


def test_summarize_false_reports_every_element(x: XeroHttp) -> None:
    body = {"Invoices": [invoice("NEW-1"), invoice("INV-0001"), invoice("NEW-2", amount="20.50")]}
    response = send(x, "PUT", "Invoices", body, params={"summarizeErrors": "false"})
    assert response.status_code == 200
    payload = response.json(parse_float=Decimal)
    assert payload["Status"] == "OK"
    elements = payload["Invoices"]
    assert [e["InvoiceNumber"] for e in elements] == ["NEW-1", "INV-0001", "NEW-2"]
    assert [e["StatusAttributeString"] for e in elements] == ["OK", "ERROR", "OK"]
    assert elements[0]["InvoiceID"] != ZERO_GUID and elements[0]["LineItems"]
    assert elements[2]["Total"] == Decimal("20.50")
    assert elements[1]["InvoiceID"] == ZERO_GUID
    assert elements[1]["HasErrors"] is True
    assert elements[1]["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]
    assert "ValidationErrors" not in elements[0]
    assert invoice_numbers(x, "NEW-1", "NEW-2") == ["NEW-1", "NEW-2"]


def test_summarize_false_contacts_use_has_validation_errors(x: XeroHttp) -> None:
    body = {"Contacts": [{"Name": "Acme Corp"}, {"Name": "Brand New Customer"}]}
    response = send(x, "PUT", "Contacts", body, params={"summarizeErrors": "false"})
    assert response.status_code == 200
    failed, created = response.json()["Contacts"]
    assert failed["ContactID"] == ZERO_GUID and failed["HasValidationErrors"] is True
    assert "HasErrors" not in failed
    assert failed["StatusAttributeString"] == "ERROR" and failed["ValidationErrors"]
    assert created["StatusAttributeString"] == "OK"


def test_warnings_mark_an_element_warning(x: XeroHttp) -> None:
    bill = invoice("BILL-200", Type="ACCPAY", Reference="ignored on bills")
    response = send(x, "PUT", "Invoices", {"Invoices": [bill]}, params={"summarizeErrors": "false"})
    element = response.json()["Invoices"][0]
    assert element["StatusAttributeString"] == "WARNING"
    assert element["Warnings"] and all(set(w) == {"Message"} for w in element["Warnings"])


def test_update_by_id_in_the_path(x: XeroHttp) -> None:
    target = invoice_id("INV-0002")
    response = send(x, "POST", f"Invoices/{target}", {"Invoices": [{"Reference": "Changed by POST"}]})
    assert response.status_code == 200, response.text
    assert response.json()["Invoices"][0]["InvoiceID"] == target
    assert x.get(f"Invoices/{target}").json()["Invoices"][0]["Reference"] == "Changed by POST"
    missing = send(x, "POST", f"Invoices/{ZERO_GUID}", {"Invoices": [{"Reference": "x"}]})
    assert missing.status_code == 404


def test_unitdp_keeps_four_decimals_on_writes(x: XeroHttp) -> None:
    body = {"Invoices": [invoice("NEW-4DP", amount="10.1234")]}
    four = send(x, "PUT", "Invoices", body, params={"unitdp": "4"})
    assert four.status_code == 200, four.text
    assert '"UnitAmount":10.1234' in four.text


# --- Idempotency-Key -------------------------------------------------------------------------------------


def test_idempotency_key_replays_without_writing_again(sb: RunningSandbox, x: XeroHttp) -> None:
    body = {"Invoices": [invoice("IDEM-1")]}
    key = {"Idempotency-Key": "batch-7f3a"}
    first = send(x, "PUT", "Invoices", body, headers=key)
    assert first.status_code == 200
    replay = send(x, "PUT", "Invoices", body, headers=key)
    assert replay.status_code == 200
    assert replay.content == first.content, "the stored answer comes back byte for byte"
    assert invoice_numbers(x, "IDEM-1") == ["IDEM-1"]
    other_tenant = send(
        x, "PUT", "Invoices", {"Invoices": [invoice("IDEM-1", contact="acme")]}, headers=key, tenant=BETA_ID
    )
    assert other_tenant.status_code == 400, (
        "keys are per tenant: this one really ran (and failed on Beta's data)"
    )
    post = send(x, "POST", "Invoices", body, headers=key)
    assert post.status_code == 400, "keys are per method and endpoint: this one really ran"
    assert post.json()["Elements"][0]["ValidationErrors"] == [{"Message": "Invoice # must be unique."}]


def test_idempotency_key_replays_failures_too(x: XeroHttp) -> None:
    body = {"Invoices": [invoice("INV-0001")]}
    key = {"Idempotency-Key": "failing-batch"}
    first = send(x, "PUT", "Invoices", body, headers=key)
    assert first.status_code == 400
    assert send(x, "PUT", "Invoices", body, headers=key).content == first.content


def test_idempotency_key_with_a_different_body_is_refused(x: XeroHttp) -> None:
    key = {"Idempotency-Key": "reused-key"}
    assert send(x, "PUT", "Invoices", {"Invoices": [invoice("IDEM-A")]}, headers=key).status_code == 200
    reused = send(x, "PUT", "Invoices", {"Invoices": [invoice("IDEM-B")]}, headers=key)
    assert reused.status_code == 400
    assert reused.json()["Title"] == "Bad Request"
    assert invoice_numbers(x, "IDEM-B") == []


def test_idempotency_key_length_limit(x: XeroHttp) -> None:
    too_long = send(
        x, "PUT", "Contacts", {"Contacts": [{"Name": "Long Key Co"}]}, headers={"Idempotency-Key": "k" * 129}
    )
    assert too_long.status_code == 400
    assert "128" in too_long.json()["Detail"]
    exact = send(
        x, "PUT", "Contacts", {"Contacts": [{"Name": "Long Key Co"}]}, headers={"Idempotency-Key": "k" * 128}
    )
    assert exact.status_code == 200


def test_idempotency_keys_expire_after_24_hours(sb: RunningSandbox, x: XeroHttp) -> None:
    body = {"Invoices": [invoice("IDEM-TTL")]}
    key = {"Idempotency-Key": "ttl-key"}
    assert send(x, "PUT", "Invoices", body, headers=key).status_code == 200
    sb.admin("xero", "clock", {"advance_seconds": 23 * 3600})
    x.renew()
    assert send(x, "PUT", "Invoices", body, headers=key).status_code == 200
    sb.admin("xero", "clock", {"advance_seconds": 3600 + 1})
    x.renew()
    rerun = send(x, "PUT", "Invoices", body, headers=key)
    assert rerun.status_code == 400, "after 24 hours the key is forgotten and the request runs again"


# --- body and method errors --------------------------------------------------------------------------------


def test_body_over_3_5_mb_is_413(x: XeroHttp) -> None:
    padding = "x" * 3_670_016
    body = {"Contacts": [{"Name": "Too Big Co", "Website": padding}]}
    response = send(x, "PUT", "Contacts", body)
    assert response.status_code == 413
    assert response.json()["Status"] == 413
    chunked = x.send(
        "PUT",
        "Contacts",
        data=iter([json.dumps(body).encode()]),
        headers={"Content-Type": "application/json"},
    )
    assert chunked.status_code == 413
    names = [c["Name"] for c in x.get("Contacts", params={"where": 'Name=="Too Big Co"'}).json()["Contacts"]]
    assert names == []


@pytest.mark.parametrize(
    ("data", "number", "kind"),
    [
        ("{not json", 14, "PostDataInvalidException"),
        ('{"Invoices": [{"Type": "ACCREC", "Colour": "red"}]}', 14, "PostDataInvalidException"),
        ("", 17, "NoDataProcessedException"),
        ('{"Invoices": []}', 17, "NoDataProcessedException"),
    ],
)
def test_body_errors_are_api_exceptions(x: XeroHttp, data: str, number: int, kind: str) -> None:
    response = x.send("PUT", "Invoices", data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    body = response.json()
    assert (body["ErrorNumber"], body["Type"]) == (number, kind)
    assert body["Message"]


@pytest.mark.parametrize(
    ("content_type", "message"),
    [
        (None, "Data at the root level is invalid. Line 1, position 1."),
        ("text/plain", "Data at the root level is invalid. Line 1, position 1."),
        ("application/x-www-form-urlencoded", "Data at the root level is invalid. Line 1, position 1."),
    ],
)
def test_json_body_must_be_declared_json(x: XeroHttp, content_type: str | None, message: str) -> None:
    text = json.dumps({"Contacts": [{"Name": "Undeclared Json Co"}]})
    headers = {"Content-Type": content_type} if content_type else {}
    response = x.session.put(
        f"{x.api}/Contacts", data=text.encode(), headers={**x.headers(), **headers}, timeout=30
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["ErrorNumber"], body["Type"], body["Message"]) == (14, "PostDataInvalidException", message)
    declared = x.send(
        "PUT", "Contacts", data=text, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert declared.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("DELETE", f"Invoices/{invoice_id('INV-0001')}", 405),
        ("PATCH", "Invoices", 405),
        ("DELETE", "Contacts", 405),
        ("PUT", "Organisation", 501),
        ("POST", "BrandingThemes", 501),
        ("GET", f"CreditNotes/{gid('credit', 'CN-0001')}/Allocations", 405),
        ("PUT", "Nonsense", 404),
    ],
)
def test_method_errors(x: XeroHttp, method: str, path: str, status: int) -> None:
    assert x.send(method, path, data="{}", headers={"Content-Type": "application/json"}).status_code == status


def test_endpoint_names_are_case_insensitive_for_writes(sb: RunningSandbox, x: XeroHttp) -> None:
    response = send(x, "PUT", "contacts", {"Contacts": [{"Name": "Lowercase Path Co"}]})
    assert response.status_code == 200
    assert response.json()["Contacts"][0]["Name"] == "Lowercase Path Co"
    calls = sb.admin("xero", "stats")["calls"]
    assert any(c["path"] == "/api.xro/2.0/Contacts" and c["method"] == "PUT" for c in calls)


# --- sub-resources -----------------------------------------------------------------------------------------


def test_credit_note_allocation_round_trip(sb: RunningSandbox, x: XeroHttp) -> None:
    credit = gid("credit", "CN-0001")
    target = invoice_id("INV-0001")
    body = {
        "Allocations": [{"Invoice": {"InvoiceID": target}, "Amount": Decimal("6.00"), "Date": "2025-07-02"}]
    }
    created = send(x, "PUT", f"CreditNotes/{credit}/Allocations", body)
    assert created.status_code == 200, created.text
    allocation = created.json(parse_float=Decimal)["Allocations"][0]
    assert allocation["Amount"] == Decimal("6.00")
    assert x.get(f"Invoices/{target}").json(parse_float=Decimal)["Invoices"][0]["AmountDue"] == Decimal(
        "94.00"
    )
    too_much = {"Allocations": [{"Invoice": {"InvoiceID": target}, "Amount": 500, "Date": "2025-07-02"}]}
    refused = send(
        x, "PUT", f"CreditNotes/{credit}/Allocations", too_much, params={"summarizeErrors": "false"}
    )
    assert refused.status_code == 200
    assert refused.json()["Allocations"][0]["StatusAttributeString"] == "ERROR"
    deleted = x.send("DELETE", f"CreditNotes/{credit}/Allocations/{allocation['AllocationID']}")
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["IsDeleted"] is True
    assert x.get(f"Invoices/{target}").json(parse_float=Decimal)["Invoices"][0]["AmountDue"] == Decimal(
        "100.00"
    )
    again = x.send("DELETE", f"CreditNotes/{credit}/Allocations/{allocation['AllocationID']}")
    assert again.status_code == 400 and again.json()["Type"] == "ValidationException"
    assert (
        x.send("DELETE", f"CreditNotes/{ZERO_GUID}/Allocations/{allocation['AllocationID']}").status_code
        == 404
    )
    paths = {c["path"] for c in sb.admin("xero", "stats")["calls"]}
    assert {
        "/api.xro/2.0/CreditNotes/{id}/Allocations",
        "/api.xro/2.0/CreditNotes/{id}/Allocations/{id}",
    } <= paths


def test_delete_item(x: XeroHttp) -> None:
    item = gid("item", "WIDGET")
    deleted = x.send("DELETE", f"Items/{item}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert x.get(f"Items/{item}").status_code == 404
    assert x.send("DELETE", f"Items/{item}").status_code == 404


def test_delete_payment_by_posting_status_deleted(x: XeroHttp) -> None:
    payment = gid("payment", "1")
    before = x.get(f"Invoices/{invoice_id('INV-0003')}").json(parse_float=Decimal)["Invoices"][0]["AmountDue"]
    response = send(x, "POST", f"Payments/{payment}", {"Payments": [{"Status": "DELETED"}]})
    assert response.status_code == 200, response.text
    assert response.json()["Payments"][0]["Status"] == "DELETED"
    after = x.get(f"Invoices/{invoice_id('INV-0003')}").json(parse_float=Decimal)["Invoices"][0]["AmountDue"]
    assert after == before + Decimal("25.25")


# --- logging -----------------------------------------------------------------------------------------------


def test_write_bodies_are_logged_without_credentials(sb: RunningSandbox, x: XeroHttp) -> None:
    send(x, "PUT", "Contacts", {"Contacts": [{"Name": "Logged Co"}]}, headers={"Idempotency-Key": "log-1"})
    entries = [e for e in sb.admin("xero", "requests") if e["method"] == "PUT"]
    assert entries[-1]["body"] == {"Contacts": [{"Name": "Logged Co"}]}
    assert entries[-1]["tenant"] == x.info["tenants"][0]["tenant_id"]
    text = json.dumps(sb.admin("xero", "requests"))
    assert x.access_token() not in text
    for secret in sb.secrets():
        assert secret not in text


# --- response format ---------------------------------------------------------------------------------------

XSI = "{http://www.w3.org/2001/XMLSchema-instance}type"


@pytest.mark.parametrize("accept", [None, "*/*", "application/xml", "text/xml"])
def test_accounting_answers_xml_unless_json_is_accepted(sb: RunningSandbox, accept: str | None) -> None:
    headers = {"Authorization": f"Bearer {XeroHttp(sb.xero).access_token()}", "xero-tenant-id": ALPHA_ID}
    if accept is not None:
        headers["Accept"] = accept
    response = requests.get(f"{sb.xero['api_url']}/Invoices", headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    assert "X-MinLimit-Remaining" in response.headers
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    assert root.findtext("Status") == "OK"
    invoices = root.findall("Invoices/Invoice")
    assert len(invoices) == 12
    first = invoices[0]
    assert first.findtext("InvoiceNumber") == "INV-0001"
    assert first.findtext("Date") == "2025-01-05T00:00:00"
    assert first.find("DateString") is None
    assert first.findtext("Total") == "100.00"
    assert first.findtext("Contact/ContactID") == contact_id("acme")


def test_xml_validation_exception(sb: RunningSandbox, x: XeroHttp) -> None:
    response = x.send("PUT", "Invoices", {"Invoices": [invoice("INV-0001")]}, headers={"Accept": "*/*"})
    assert response.status_code == 400
    root = ElementTree.fromstring(response.content)
    assert root.tag == "ApiException"
    assert (root.findtext("ErrorNumber"), root.findtext("Type")) == ("10", "ValidationException")
    element = root.find("Elements/DataContractBase")
    assert element is not None and element.get(XSI) == "Invoice"
    assert element.findtext("ValidationErrors/ValidationError/Message") == "Invoice # must be unique."
    json_again = x.send("PUT", "Invoices", {"Invoices": [invoice("INV-0001")]})
    assert json_again.json()["ErrorNumber"] == 10


def test_gateway_errors_stay_json_or_text_whatever_the_accept_header(sb: RunningSandbox) -> None:
    unauthorized = requests.get(
        f"{sb.xero['api_url']}/Invoices", headers={"xero-tenant-id": ALPHA_ID}, timeout=30
    )
    assert unauthorized.status_code == 401 and unauthorized.json()["Title"] == "Unauthorized"
    headers = {"Authorization": f"Bearer {XeroHttp(sb.xero).access_token()}", "xero-tenant-id": ALPHA_ID}
    missing = requests.get(f"{sb.xero['api_url']}/Invoices/NOPE", headers=headers, timeout=30)
    assert missing.status_code == 404 and missing.text == "The resource you're looking for cannot be found"


# --- conformance with the published operation list -------------------------------------------------------

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "specs" / "xero_accounting.yaml"
COLLECTIONS = (
    "Organisation",
    "Accounts",
    "TaxRates",
    "Currencies",
    "BrandingThemes",
    "TrackingCategories",
    "Contacts",
    "Items",
    "Invoices",
    "CreditNotes",
    "PurchaseOrders",
    "Payments",
)
SAMPLE_KEYS = {
    "Accounts": gid("account", "090"),
    "TaxRates": "OUTPUT",
    "BrandingThemes": gid("theme", "standard"),
    "TrackingCategories": gid("tracking", "region"),
    "Contacts": contact_id("bravo"),
    "Items": gid("item", "HOURS"),
    "Invoices": invoice_id("INV-0002"),
    "CreditNotes": gid("credit", "CN-0002"),
    "PurchaseOrders": gid("po", "PO-0001"),
    "Payments": gid("payment", "1"),
    "Organisation": "Actions",
    "Currencies": "USD",
}


def spec_operations() -> set[tuple[str, str]]:
    if not SPEC.exists():
        pytest.skip(f"the official Xero spec is not beside the checkout ({SPEC})")
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    paths = yaml.load(SPEC.read_text(encoding="utf-8"), Loader=loader)["paths"]
    found: set[tuple[str, str]] = set()
    for path, item in paths.items():
        parts = [p for p in path.split("/") if p]
        if parts[0] not in COLLECTIONS or len(parts) > 4:
            continue
        if len(parts) > 2 and not (parts[0] == "CreditNotes" and parts[2] == "Allocations"):
            continue
        shape = "/".join(["{key}" if p.startswith("{") else p for p in parts])
        shape = shape.replace("Organisation/Actions", "Organisation/{key}")
        for method in item:
            if method != "parameters":
                found.add((method.upper(), shape))
    return found


def test_every_published_operation_is_routed_and_nothing_else(x: XeroHttp) -> None:
    """405 must mean "Xero has no such operation": every documented one is answered (or 501 when the
    sandbox does not emulate it), every undocumented method on the same paths is 405 (501 for
    Organisation/BrandingThemes writes, Xero's own example of Not Implemented)."""
    documented = spec_operations()
    credit = gid("credit", "CN-0002")
    for collection in COLLECTIONS:
        shapes = [collection, f"{collection}/{{key}}"]
        if collection == "CreditNotes":
            shapes += ["CreditNotes/{key}/Allocations", "CreditNotes/{key}/Allocations/{key}"]
        for shape in shapes:
            for method in ("GET", "PUT", "POST", "DELETE"):
                path = shape.replace("{key}", SAMPLE_KEYS[collection], 1).replace("{key}", ZERO_GUID)
                if collection == "CreditNotes" and "Allocations" in shape:
                    path = path.replace(SAMPLE_KEYS[collection], credit)
                status = x.send(
                    method, path, data="{}", headers={"Content-Type": "application/json"}
                ).status_code
                if (method, shape) in documented:
                    assert status != 405, (method, path, status)
                elif collection == "Currencies" and shape.endswith("{key}"):
                    assert status in (404, 405), (method, path, status)
                else:
                    assert status in (405, 501), (method, path, status)
