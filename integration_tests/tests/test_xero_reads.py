"""Xero reads over HTTP: envelope, summary vs detail, paging, every list filter, `where`/`order` parsing and
errors, lookups by ID or number, unitdp."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_platform_kit import (
    ALPHA_ID,
    BETA_ID,
    INVOICES,
    XeroHttp,
    contact_id,
    gid,
    invoice_id,
    write_dataset,
)

NOT_FOUND = "The resource you're looking for cannot be found"


@pytest.fixture(scope="module")
def xero_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("xero-reads") / "dataset.json")
    with running_sandbox(path, rate_limits="off") as running:
        yield running


@pytest.fixture(scope="module")
def x(xero_sandbox: RunningSandbox) -> XeroHttp:
    return XeroHttp(xero_sandbox.xero)


@pytest.fixture(autouse=True)
def _reset(xero_sandbox: RunningSandbox) -> None:
    xero_sandbox.admin("xero", "reset", {})


def ok(response: requests.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json(parse_float=Decimal)
    return body


def numbers(body: dict[str, Any], key: str = "Invoices", field: str = "InvoiceNumber") -> list[str]:
    return [record[field] for record in body[key]]


def query_error(response: requests.Response) -> str:
    assert response.status_code == 400, response.text[:300]
    body = response.json()
    assert body["ErrorNumber"] == 16
    assert body["Type"] == "QueryParseException"
    return str(body["Message"])


# --- envelope and summary/detail ---------------------------------------------------------------------------


def test_envelope_and_unpaged_summary(x: XeroHttp) -> None:
    body = ok(x.get("Invoices"))
    assert list(body)[:4] == ["Id", "Status", "ProviderName", "DateTimeUTC"]
    assert body["Status"] == "OK"
    assert re.fullmatch(r"[0-9a-f-]{36}", body["Id"])
    assert re.fullmatch(r"/Date\(\d{13}\)/", body["DateTimeUTC"])
    assert "pagination" not in body
    assert len(body["Invoices"]) == len(INVOICES)
    first = body["Invoices"][0]
    assert "LineItems" not in first, "unpaged lists omit line items"
    assert first["Contact"]["ContactID"] == contact_id("acme")
    assert re.fullmatch(r"/Date\(\d+\+0000\)/", first["Date"])
    assert first["DateString"] == "2025-01-05T00:00:00"
    assert first["Total"] == Decimal("100.00")
    assert '"Total":100.00' in x.get("Invoices").text, "money is a JSON number with Xero's 2 decimals"


def test_paged_list_has_lines_and_pagination(x: XeroHttp) -> None:
    body = ok(x.get("Invoices", params={"page": 1, "pageSize": 5}))
    assert body["pagination"] == {"page": 1, "pageSize": 5, "pageCount": 3, "itemCount": 12}
    assert list(body)[4] == "pagination"
    assert numbers(body) == [row[0] for row in INVOICES[:5]]
    assert all(invoice["LineItems"] for invoice in body["Invoices"])
    third = ok(x.get("Invoices", params={"page": 3, "pageSize": 5}))
    assert numbers(third) == [row[0] for row in INVOICES[10:]]
    beyond = ok(x.get("Invoices", params={"page": 4, "pageSize": 5}))
    assert beyond["Invoices"] == [] and beyond["pagination"]["page"] == 4


def test_default_page_size_is_100(x: XeroHttp) -> None:
    first = ok(x.get("Contacts", tenant=BETA_ID, params={"page": 1}))
    assert first["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 2, "itemCount": 131}
    assert len(first["Contacts"]) == 100
    second = ok(x.get("Contacts", tenant=BETA_ID, params={"page": 2}))
    assert len(second["Contacts"]) == 31
    ids = {c["ContactID"] for c in first["Contacts"]} | {c["ContactID"] for c in second["Contacts"]}
    assert len(ids) == 131


def test_page_size_above_1000_is_clamped(x: XeroHttp) -> None:
    body = ok(x.get("Contacts", tenant=BETA_ID, params={"page": 1, "pageSize": 5000}))
    assert body["pagination"]["pageSize"] == 1000
    assert len(body["Contacts"]) == 131


@pytest.mark.parametrize(
    ("params", "expected"),
    [({"page": 0, "pageSize": 5}, (1, 5)), ({"page": 1, "pageSize": 0}, (1, 100)), ({"page": -3}, (1, 100))],
)
def test_out_of_range_paging_values(x: XeroHttp, params: dict[str, int], expected: tuple[int, int]) -> None:
    body = ok(x.get("Invoices", params=params))
    assert (body["pagination"]["page"], body["pagination"]["pageSize"]) == expected


@pytest.mark.parametrize("params", [{"page": "one"}, {"page": 1, "pageSize": "lots"}])
def test_non_numeric_paging_is_400(x: XeroHttp, params: dict[str, Any]) -> None:
    response = x.get("Invoices", params=params)
    assert response.status_code == 400
    assert response.json()["Title"] == "Bad Request"


def test_summary_only_page_has_no_lines(x: XeroHttp) -> None:
    body = ok(x.get("Invoices", params={"page": 1, "summaryOnly": "true"}))
    assert body["pagination"]["itemCount"] == 12
    assert all("LineItems" not in invoice for invoice in body["Invoices"])


def test_other_paged_collections(x: XeroHttp) -> None:
    credit = ok(x.get("CreditNotes", params={"page": 1}))
    assert credit["pagination"]["itemCount"] == 2 and credit["CreditNotes"][0]["LineItems"]
    payments = ok(x.get("Payments", params={"page": 1, "pageSize": 1}))
    assert payments["pagination"] == {"page": 1, "pageSize": 1, "pageCount": 1, "itemCount": 1}
    orders = ok(x.get("PurchaseOrders", params={"page": 1, "pageSize": 2}))
    assert orders["pagination"]["pageCount"] == 2
    assert ok(x.get("Items", params={"page": 1}))["Items"] and "pagination" not in ok(
        x.get("Items", params={"page": 1})
    )


# --- by id / number ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "key", "field", "value"),
    [
        (f"Invoices/{invoice_id('INV-0003')}", "Invoices", "InvoiceNumber", "INV-0003"),
        ("Invoices/INV-0003", "Invoices", "InvoiceNumber", "INV-0003"),
        (f"invoices/{invoice_id('INV-0003').upper()}", "Invoices", "InvoiceNumber", "INV-0003"),
        ("Contacts/C-003", "Contacts", "Name", "Charlie Old Co"),
        (f"Contacts/{contact_id('bravo')}", "Contacts", "Name", "Bravo Ltd"),
        ("Items/HOURS", "Items", "Code", "HOURS"),
        ("TaxRates/OUTPUT", "TaxRates", "Name", "State Sales Tax"),
        ("PurchaseOrders/PO-0002", "PurchaseOrders", "Status", "AUTHORISED"),
        (f"CreditNotes/{gid('credit', 'CN-0001')}", "CreditNotes", "CreditNoteNumber", "CN-0001"),
        (f"Payments/{gid('payment', '1')}", "Payments", "Reference", "Part payment"),
        (f"Accounts/{gid('account', '090')}", "Accounts", "Code", "090"),
        (f"BrandingThemes/{gid('theme', 'special')}", "BrandingThemes", "Name", "Special"),
        (f"TrackingCategories/{gid('tracking', 'region')}", "TrackingCategories", "Name", "Region"),
    ],
)
def test_get_one_by_id_or_number(x: XeroHttp, path: str, key: str, field: str, value: str) -> None:
    body = ok(x.get(path))
    assert len(body[key]) == 1
    assert body[key][0][field] == value
    if key in ("Invoices", "CreditNotes", "PurchaseOrders"):
        assert body[key][0]["LineItems"], "a record fetched by id comes with its lines"


@pytest.mark.parametrize(
    "path",
    [
        "Invoices/00000000-0000-0000-0000-000000000000",
        "Invoices/NOPE-1",
        "Contacts/C-999",
        "Items/NOPE",
        "Nonsense",
        "Invoices/x/History",
        "CreditNotes/nope/Allocations",
    ],
)
def test_unknown_resources_are_plain_text_404(x: XeroHttp, path: str) -> None:
    response = x.get(path)
    assert response.status_code == 404
    assert response.text == NOT_FOUND
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("path", ["Organisations", "organisations"])
def test_plural_organisations_answers_like_organisation(x: XeroHttp, path: str) -> None:
    """tap-xero (`"organisations".title()`) and pyxero (`Xero.organisations`) GET /Organisations from Xero
    and read its `Organisations` key."""
    plural, singular = ok(x.get(path)), ok(x.get("Organisation"))
    assert [o["OrganisationID"] for o in plural["Organisations"]] == [ALPHA_ID]
    assert plural["Organisations"] == singular["Organisations"]
    assert x.get(f"{path}/Actions").status_code == x.get("Organisation/Actions").status_code
    assert x.send("POST", path, {"Organisations": [{}]}).status_code == 501


def test_organisation_and_settings_collections(x: XeroHttp) -> None:
    org = ok(x.get("Organisation"))
    assert [o["OrganisationID"] for o in org["Organisations"]] == [ALPHA_ID]
    assert ok(x.get("Organisation", tenant=BETA_ID))["Organisations"][0]["Name"] == "Beta Books Inc"
    themes = ok(x.get("BrandingThemes"))["BrandingThemes"]
    assert [t["Name"] for t in themes] == ["Standard", "Special"]
    assert [a["Code"] for a in ok(x.get("Accounts", params={"where": 'Type=="BANK"'}))["Accounts"]] == ["090"]
    assert len(ok(x.get("TaxRates", params={"where": 'Status=="ACTIVE"'}))["TaxRates"]) == 2
    assert [c["Code"] for c in ok(x.get("Currencies", params={"where": 'Code=="USD"'}))["Currencies"]] == [
        "USD"
    ]


def test_unitdp_on_items(x: XeroHttp) -> None:
    default = ok(x.get("Items/WIDGET"))["Items"][0]["PurchaseDetails"]["UnitPrice"]
    four = ok(x.get("Items/WIDGET", params={"unitdp": 4}))["Items"][0]["PurchaseDetails"]["UnitPrice"]
    assert (default, four) == (Decimal("3.12"), Decimal("3.1234"))
    listed = ok(x.get("Items", params={"unitdp": 4, "where": 'Code=="WIDGET"'}))["Items"]
    assert listed[0]["PurchaseDetails"]["UnitPrice"] == Decimal("3.1234")


# --- list filters ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Thu, 05 Jun 2025 00:00:00 GMT", 8),
        ("2025-06-05T00:00:00", 8),
        ("2025-06-05T02:00:00+02:00", 8),
        ("2025-06-05T00:00:00.999Z", 8),
        ("2025-06-05T00:00:01Z", 7),
        ("2025-06-01T00:00:01.500Z", 12),
        ("2025-06-01T00:00:02Z", 11),
        ("2025-06-12T00:00:00Z", 1),
        ("2025-06-12T00:00:01Z", 0),
    ],
)
def test_if_modified_since_is_accurate_to_the_second_and_inclusive(
    x: XeroHttp, header: str, expected: int
) -> None:
    body = ok(x.get("Invoices", headers={"If-Modified-Since": header}))
    assert len(body["Invoices"]) == expected


def test_if_modified_since_sees_new_writes_and_bad_values_are_400(x: XeroHttp) -> None:
    created = ok(x.send("PUT", "Contacts", {"Contacts": [{"Name": "Fresh Customer"}]}))["Contacts"][0]
    since = ok(x.get("Contacts", headers={"If-Modified-Since": "2026-01-01T00:00:00Z"}))
    assert [c["ContactID"] for c in since["Contacts"]] == [created["ContactID"]]
    assert x.get("Contacts", headers={"If-Modified-Since": "last tuesday"}).status_code == 400


def test_explicit_invoice_filters(x: XeroHttp) -> None:
    ids = f"{invoice_id('INV-0002')},{invoice_id('BILL-100').upper()}"
    assert numbers(ok(x.get("Invoices", params={"IDs": ids}))) == ["INV-0002", "BILL-100"]
    assert numbers(ok(x.get("Invoices", params={"InvoiceNumbers": "INV-0001,INV-0010,NOPE"}))) == [
        "INV-0001",
        "INV-0010",
    ]
    by_contact = ok(x.get("Invoices", params={"ContactIDs": contact_id("delta")}))
    assert numbers(by_contact) == ["INV-0005", "INV-0006"]
    statuses = ok(x.get("Invoices", params={"Statuses": "DRAFT,VOIDED"}))
    assert numbers(statuses) == ["INV-0002", "INV-0004", "INV-0008", "BILL-101"]
    search = ok(x.get("Invoices", params={"searchTerm": "po"}))
    assert numbers(search) == ["INV-0001", "INV-0002", "INV-0009"]
    combined = ok(
        x.get("Invoices", params={"Statuses": "AUTHORISED", "ContactIDs": contact_id("acme"), "page": 1})
    )
    assert numbers(combined) == ["INV-0001", "INV-0009"]
    assert combined["pagination"]["itemCount"] == 2


def test_contacts_include_archived_ids_and_search(x: XeroHttp) -> None:
    names = [c["Name"] for c in ok(x.get("Contacts"))["Contacts"]]
    assert "Charlie Old Co" not in names and len(names) == 4
    archived = ok(x.get("Contacts", params={"includeArchived": "true"}))
    assert "Charlie Old Co" in [c["Name"] for c in archived["Contacts"]]
    ids = ok(x.get("Contacts", params={"IDs": f"{contact_id('acme')},{contact_id('echo')}"}))
    assert [c["Name"] for c in ids["Contacts"]] == ["Acme Corp", "echo lowercase"]
    search = ok(x.get("Contacts", params={"searchTerm": "BRAVO"}))
    assert [c["Name"] for c in search["Contacts"]] == ["Bravo Ltd"]
    categories = ok(x.get("TrackingCategories"))["TrackingCategories"]
    assert [c["Name"] for c in categories] == ["Region"]
    everything = ok(x.get("TrackingCategories", params={"includeArchived": "true"}))["TrackingCategories"]
    assert [c["Name"] for c in everything] == ["Region", "Legacy"]


def test_purchase_order_filters_and_where_is_not_supported(x: XeroHttp) -> None:
    def po(params: dict[str, str]) -> list[str]:
        return numbers(ok(x.get("PurchaseOrders", params=params)), "PurchaseOrders", "PurchaseOrderNumber")

    assert po({"Status": "AUTHORISED"}) == ["PO-0002"]
    assert po({"DateFrom": "2025-02-01", "DateTo": "2025-03-15"}) == ["PO-0002", "PO-0003"]
    assert po({"DateTo": "2025-01-31"}) == ["PO-0001"]
    assert po({"where": 'Status=="DRAFT"'}) == ["PO-0001", "PO-0002", "PO-0003"]
    assert po({"order": "Date DESC"}) == ["PO-0003", "PO-0002", "PO-0001"]
    assert x.get("PurchaseOrders", params={"DateFrom": "15/01/2025"}).status_code == 400


# --- where and order ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ('Status=="AUTHORISED"', ["INV-0001", "INV-0003", "INV-0007", "BILL-100", "INV-0009", "INV-0010"]),
        ('Type=="ACCPAY"', ["BILL-100", "BILL-101"]),
        ('status = "DRAFT" and type == "ACCREC"', ["INV-0002", "INV-0008"]),
        ('Status=="draft"', []),
        (f'Contact.ContactID==Guid("{contact_id("echo")}")', ["INV-0007", "INV-0008"]),
        (f'Contact.ContactID = Guid("{contact_id("echo").upper()}")', ["INV-0007", "INV-0008"]),
        ('Contact.Name=="Bravo Ltd"', ["INV-0003", "INV-0004", "BILL-100", "INV-0010"]),
        ('Contact.Name.ToLower().StartsWith("echo")', ["INV-0007", "INV-0008"]),
        ('Date>=DateTime(2025,05,01) AND Type=="ACCREC"', ["INV-0009", "INV-0010"]),
        ('Date < DateTime.Parse("2025-02-01T00:00:00")', ["INV-0001", "INV-0002"]),
        ("Total>100", ["INV-0002", "INV-0005", "INV-0007", "BILL-100"]),
        ("Total >= 250.5 && Total <= 500", ["INV-0002", "INV-0007", "BILL-100"]),
        ('(Status=="VOIDED" OR Status=="DELETED") AND Total<5', ["INV-0006"]),
        ('NOT (Type=="ACCREC") || InvoiceNumber=="INV-0001"', ["INV-0001", "BILL-100", "BILL-101"]),
        ('!(Status!="SUBMITTED")', ["INV-0005"]),
        ('Reference.Contains("PO") AND InvoiceNumber.EndsWith("9")', ["INV-0009"]),
        ("Reference!=null AND Reference.Length > 4", ["INV-0003", "INV-0007"]),
        (f'InvoiceID.ToString()=="{invoice_id("INV-0004")}"', ["INV-0004"]),
        ("UpdatedDateUTC > DateTime(2025,06,10)", ["INV-0009", "INV-0010"]),
        ("UpdatedDateUTC >= DateTime(2025,06,10)", ["BILL-101", "INV-0009", "INV-0010"]),
        ('HasAttachments==false AND SentToContact!=true AND Type=="ACCPAY"', ["BILL-100", "BILL-101"]),
    ],
)
def test_where_expressions(x: XeroHttp, where: str, expected: list[str]) -> None:
    assert numbers(ok(x.get("Invoices", params={"where": where}))) == expected


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ('Foo=="x"', "No property or field 'Foo' exists in type 'Invoice'"),
        (
            f'Contact.ContactID=="{contact_id("acme")}"',
            "Operator '==' incompatible with operand types 'Guid' and 'String'",
        ),
        ('SentToContact=="true"', "Operator '==' incompatible with operand types 'Boolean?' and 'String'"),
        ('Total>"100"', "Operator '>' incompatible with operand types 'Decimal?' and 'String'"),
        ('Status=="DRAFT" AND', "Expression expected"),
        ('(Status=="DRAFT"', "')' or operator expected"),
        ('Status=="DRAFT', "Unterminated string literal"),
        ("Status", "Expression of type 'Boolean' expected"),
        ('Contact.Nickname=="x"', "No property or field 'Nickname' exists in type 'Contact'"),
        ("Status.Frobnicate()", "No applicable method 'Frobnicate' exists in type 'String'"),
        ('Guid("not-a-guid")==InvoiceID', "Unrecognized Guid format."),
        ("Status=='AB'", "Character literal must contain exactly one character"),
        ("Guid(Reference)==InvoiceID", "No applicable constructor exists in type 'Guid'"),
        ("Date > DateTime.Parse(Reference)", "No applicable method 'Parse' exists in type 'DateTime'"),
        ('Date > DateTime.Parse("the first of May")', "String was not recognized as a valid DateTime."),
        (
            "Date > DateTime(2025,13,45)",
            "Year, Month, and Day parameters describe an un-representable DateTime.",
        ),
        ("Date > DateTime(2025,1)", "No applicable constructor exists in type 'DateTime'"),
        (
            "Total > -1 AND -Total < 0 AND Status",
            "Operator 'AND' incompatible with operand types 'Boolean' and 'String'",
        ),
        ('Status=="A" Type=="B"', "Syntax error"),
        ('Status=="A" # 1', "Syntax error '#'"),
    ],
)
def test_malformed_where_is_a_query_parse_exception(x: XeroHttp, where: str, message: str) -> None:
    assert query_error(x.get("Invoices", params={"where": where})) == message


def test_where_on_other_collections(x: XeroHttp) -> None:
    contacts = ok(
        x.get("Contacts", params={"where": 'EmailAddress.EndsWith("example") AND ContactStatus=="ACTIVE"'})
    )
    assert [c["Name"] for c in contacts["Contacts"]] == ["Acme Corp", "Bravo Ltd", "echo lowercase"]
    items = ok(x.get("Items", params={"where": "IsSold==true"}))
    assert [i["Code"] for i in items["Items"]] == ["HOURS"]
    assert query_error(x.get("Items", params={"where": 'IsSold=="true"'})).startswith("Operator '=='")
    payments = ok(x.get("Payments", params={"where": f'Invoice.InvoiceID==Guid("{invoice_id("INV-0003")}")'}))
    assert [p["Amount"] for p in payments["Payments"]] == [Decimal("25.25")]
    credit = ok(x.get("CreditNotes", params={"where": 'Type=="ACCRECCREDIT" AND Status=="AUTHORISED"'}))
    assert [c["CreditNoteNumber"] for c in credit["CreditNotes"]] == ["CN-0001"]


@pytest.mark.parametrize(
    ("order", "expected"),
    [
        ("Total DESC", ["INV-0005", "INV-0007", "BILL-100", "INV-0002"]),
        ("Total", ["INV-0006", "INV-0004", "BILL-101", "INV-0009"]),
        ("Type DESC, InvoiceNumber ASC", ["INV-0001", "INV-0002", "INV-0003", "INV-0004"]),
        ("Contact.Name, Date DESC", ["INV-0009", "BILL-101", "INV-0002", "INV-0001"]),
        ("UpdatedDateUTC DESC", ["INV-0010", "INV-0009", "BILL-101", "BILL-100"]),
    ],
)
def test_order(x: XeroHttp, order: str, expected: list[str]) -> None:
    assert numbers(ok(x.get("Invoices", params={"order": order})))[:4] == expected


def test_order_applies_before_paging_and_rejects_unknown_fields(x: XeroHttp) -> None:
    page = ok(x.get("Invoices", params={"order": "Date DESC", "page": 1, "pageSize": 2}))
    assert numbers(page) == ["INV-0010", "INV-0009"]
    assert query_error(x.get("Invoices", params={"order": "Colour DESC"})) == (
        "No property or field 'Colour' exists in type 'Invoice'"
    )


def test_read_templates_in_stats(xero_sandbox: RunningSandbox, x: XeroHttp) -> None:
    x.get("invoices")
    x.get(f"Invoices/{invoice_id('INV-0001')}")
    x.get("Contacts/C-001")
    calls = xero_sandbox.admin("xero", "stats")["calls"]
    paths = {(c["path"], c["tenant"]) for c in calls if c["method"] == "GET"}
    assert ("/api.xro/2.0/Invoices", ALPHA_ID) in paths
    assert ("/api.xro/2.0/Invoices/{id}", ALPHA_ID) in paths
    assert ("/api.xro/2.0/Contacts/{id}", ALPHA_ID) in paths


def test_query_string_over_2048_characters_is_404(x: XeroHttp) -> None:
    ids = [gid("unknown", str(i)) for i in range(60)]
    fits = x.get("Invoices", params={"IDs": ",".join([*ids[:50], invoice_id("INV-0001")])})
    assert numbers(ok(fits)) == ["INV-0001"]
    too_long = x.get("Invoices", params={"IDs": ",".join(ids)})
    assert too_long.status_code == 404
    assert too_long.text == NOT_FOUND


_WHERE_PIECES = st.sampled_from(
    [
        "Status",
        "Type",
        "Total",
        "Date",
        "Contact.Name",
        "Contact.ContactID",
        "InvoiceNumber",
        "SentToContact",
        "==",
        "!=",
        ">",
        "<=",
        "=",
        "AND",
        "OR",
        "NOT",
        "&&",
        "||",
        "!",
        "(",
        ")",
        '"DRAFT"',
        '"x',
        "'a'",
        "100",
        "1.5",
        "-",
        "true",
        "null",
        'Guid("6e4a8e1c-0000-0000-0000-000000000001")',
        "DateTime(2025,01,01)",
        'DateTime.Parse("2025-01-01")',
        '.Contains("A")',
        ".ToLower()",
        ".StartsWith(",
        ",",
        ".",
        " ",
        "Foo",
    ]
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_WHERE_PIECES, min_size=1, max_size=8).map(" ".join))
def test_any_where_text_is_answered_200_or_a_query_parse_exception(x: XeroHttp, where: str) -> None:
    response = x.get("Invoices", params={"where": where})
    assert response.status_code in (200, 400), (where, response.status_code, response.text[:200])
    if response.status_code == 400:
        assert response.json()["Type"] == "QueryParseException", where
