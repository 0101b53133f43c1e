"""The Invoice `Url` element over HTTP: stored, read back (JSON and XML), filtered, validated like Xero."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from sandbox_testkit.xero_book_fixtures import errors_of, ok, one, write_one
from sandbox_testkit.xero_rules_kit import ACME_ID, SEEDED_DRAFT_ID, XeroClient, loads

pytest_plugins = ["sandbox_testkit.xero_book_fixtures"]

AUTOTASK_LINK = (
    "https://ww5.autotask.net/Autotask/AutotaskExtend/ExecuteCommand.aspx?Code=OpenInvoice&ID=1007"
)


def invoice(**overrides: Any) -> dict[str, Any]:
    line = {"Description": "Support", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}
    return {"Type": "ACCREC", "Contact": {"ContactID": ACME_ID}, "LineItems": [line], **overrides}


def xml_of(xero: XeroClient, path: str, **params: Any) -> ElementTree.Element:
    response = xero.session.get(
        f"{xero.api}/{path}",
        params=params or None,
        headers={"Authorization": f"Bearer {xero.access_token}", "xero-tenant-id": xero.tenant_id},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def test_url_is_stored_and_read_back_everywhere(xero: XeroClient) -> None:
    created = ok(write_one(xero, "Invoices", invoice(Url=AUTOTASK_LINK, InvoiceNumber="URL-1")))
    assert created["Url"] == AUTOTASK_LINK
    invoice_id = created["InvoiceID"]
    assert one(xero, "Invoices", invoice_id)["Url"] == AUTOTASK_LINK
    for params in ({}, {"page": 1}):  # the summary list and the paged list with lines
        listed = loads(xero.get("Invoices", InvoiceNumbers="URL-1", **params))["Invoices"]
        assert [i["Url"] for i in listed] == [AUTOTASK_LINK]
    root = xml_of(xero, f"Invoices/{invoice_id}")
    assert root.findtext("./Invoices/Invoice/Url") == AUTOTASK_LINK
    # An update changes it; an update that does not send it keeps it.
    ok(write_one(xero, "Invoices", {"InvoiceID": invoice_id, "Url": "https://example.com/a?b=1"}, "POST"))
    ok(write_one(xero, "Invoices", {"InvoiceID": invoice_id, "Reference": "no url sent"}, "POST"))
    assert one(xero, "Invoices", invoice_id)["Url"] == "https://example.com/a?b=1"


def test_url_can_be_filtered_on_in_where(xero: XeroClient) -> None:
    first = ok(write_one(xero, "Invoices", invoice(Url="https://example.com/inv/1")))
    second = ok(write_one(xero, "Invoices", invoice(Url="https://example.com/inv/2")))
    ok(write_one(xero, "Invoices", invoice(Url="https://example.com/inv/3")))
    ok(
        write_one(
            xero, "Invoices", {"InvoiceID": SEEDED_DRAFT_ID, "Url": "https://example.com/inv/10"}, "POST"
        )
    )

    def matching(where: str) -> set[str]:
        response = xero.get("Invoices", where=where)
        assert response.status_code == 200, response.text
        return {i["InvoiceID"] for i in loads(response)["Invoices"]}

    assert matching('Url=="https://example.com/inv/1"') == {first["InvoiceID"]}
    assert matching('Url=="https://example.com/inv/1" OR Url=="https://example.com/inv/2"') == {
        first["InvoiceID"],
        second["InvoiceID"],
    }
    assert matching('Url=="https://example.com/inv/9"') == set()
    assert matching('Url.StartsWith("https://example.com/inv/1")') == {first["InvoiceID"], SEEDED_DRAFT_ID}
    assert len(matching("Url != null")) == 4


@pytest.mark.parametrize(
    "url",
    [
        "www.example.com/invoice/1",  # no scheme: what Xero's Website rule refuses too
        "example.com",
        "/Autotask/invoice/1",  # relative
        "//example.com/invoice",
        "ftp://example.com/invoice.pdf",
        "mailto:billing@example.com",
        "javascript:alert(1)",
        "https://",  # no host
        "https:///invoice/1",
        "https://exa mple.com/",  # whitespace
        "https://example.com/a b",
        "https://example.com/\tx",
        'https://example.com/"quoted"',
        "https://example.com/<tag>",
        "https://example.com/{id}",
        "https://example.com/50%",  # a bare percent sign
        "https://example.com:99999/",  # port out of range
        "https://example.com:port/",
        "http:example.com",
    ],
)
def test_a_url_xero_would_refuse_is_an_element_validation_error(xero: XeroClient, url: str) -> None:
    response = xero.put("Invoices", {"Invoices": [invoice(Url=url)]})
    assert response.status_code == 400
    body = loads(response)
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    [element] = body["Elements"]
    assert element["Url"] == url and element["HasErrors"] is True
    assert errors_of(element) == ["Url must be valid."]
    # With summarizeErrors=false the element fails and its neighbour is written.
    response = xero.put(
        "Invoices", {"Invoices": [invoice(Url=url), invoice(Url=AUTOTASK_LINK)]}, summarizeErrors="false"
    )
    assert response.status_code == 200
    statuses = [e["StatusAttributeString"] for e in loads(response)["Invoices"]]
    assert statuses == ["ERROR", "OK"]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "HTTPS://EXAMPLE.COM/Invoice?id=1&x=%20y#top",
        "https://user:pass@example.com:8443/x",
        "http://127.0.0.1:8080/invoice/1",
        "http://[::1]/invoice",
        "https://münchen.example/rechnung/1",  # an IRI: .NET's Uri takes international hosts
        "",  # no link
    ],
)
def test_well_formed_http_urls_are_accepted(xero: XeroClient, url: str) -> None:
    created = ok(write_one(xero, "Invoices", invoice(Url=url)))
    assert created["Url"] == url


def test_url_is_at_most_255_characters(xero: XeroClient) -> None:
    base = "https://example.com/"
    exactly = base + "a" * (255 - len(base))
    assert ok(write_one(xero, "Invoices", invoice(Url=exactly)))["Url"] == exactly
    element = write_one(xero, "Invoices", invoice(Url=exactly + "a"))
    assert errors_of(element) == ["Url cannot be more than 255 characters."]
    # Counted as .NET counts: an emoji is two UTF-16 code units.
    emoji = base + "a" * (255 - len(base) - 1) + "\N{GRINNING FACE}"
    assert errors_of(write_one(xero, "Invoices", invoice(Url=emoji))) == [
        "Url cannot be more than 255 characters."
    ]


def test_a_bad_url_on_update_changes_nothing(xero: XeroClient) -> None:
    created = ok(write_one(xero, "Invoices", invoice(Url=AUTOTASK_LINK)))
    element = write_one(xero, "Invoices", {"InvoiceID": created["InvoiceID"], "Url": "not a link"}, "POST")
    assert errors_of(element) == ["Url must be valid."]
    assert one(xero, "Invoices", created["InvoiceID"])["Url"] == AUTOTASK_LINK


@pytest.mark.parametrize(
    ("collection", "element"),
    [
        (
            "CreditNotes",
            {
                "Type": "ACCRECCREDIT",
                "Contact": {"ContactID": ACME_ID},
                "LineItems": [
                    {"Description": "Credit", "Quantity": 1, "UnitAmount": 5, "AccountCode": "200"}
                ],
            },
        ),
        (
            "PurchaseOrders",
            {
                "Contact": {"ContactID": ACME_ID},
                "LineItems": [{"Description": "Paper", "Quantity": 1, "UnitAmount": 5, "AccountCode": "400"}],
            },
        ),
    ],
)
def test_credit_notes_and_purchase_orders_have_no_url(
    xero: XeroClient, collection: str, element: dict[str, Any]
) -> None:
    """Their models have no Url: it is refused as any unknown element is, the whole request, nothing kept."""
    for name in ("Url", "Colour"):
        response = xero.put(
            collection, {collection: [{**element, name: AUTOTASK_LINK}]}, summarizeErrors="false"
        )
        assert response.status_code == 400
        assert loads(response) == {
            "ErrorNumber": 14,
            "Type": "PostDataInvalidException",
            "Message": f"The element '{name}' was not recognised. Path '{collection}[0].{name}'.",
        }
    before = len(loads(xero.get(collection))[collection])
    xero.put(collection, {collection: [{**element, "Url": AUTOTASK_LINK}]})
    assert len(loads(xero.get(collection))[collection]) == before
