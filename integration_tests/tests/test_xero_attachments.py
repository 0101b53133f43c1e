"""Attachments on invoices and credit notes over HTTP (sandbox/xero/attachments.py): the raw-bytes upload
and its answer, the listing, the file read back, HasAttachments on the document, Xero's limits (10 MB a
file, 10 a document) with its status and error shapes, the scope, Idempotency-Key, a name uploaded again,
the test hook that makes one upload fail, and xero-python reading the listing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_platform_kit import ALPHA_ID, XeroHttp, gid, invoice_id, write_dataset

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MB10 = 10 * 1024 * 1024
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
INVOICE = invoice_id("INV-0001")  # AUTHORISED
CREDIT = gid("credit", "CN-0001")


@pytest.fixture(scope="module")
def xero_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("xero-attachments") / "dataset.json")
    with running_sandbox(path, rate_limits="off") as running:
        yield running


@pytest.fixture
def sb(xero_sandbox: RunningSandbox) -> RunningSandbox:
    xero_sandbox.admin("xero", "reset", {})
    return xero_sandbox


@pytest.fixture
def http(sb: RunningSandbox) -> XeroHttp:
    return XeroHttp(sb.xero)


def upload(
    http: XeroHttp,
    path: str,
    data: bytes = PDF,
    *,
    method: str = "PUT",
    params: dict[str, str] | None = None,
    token: str | None = None,
    key: str | None = None,
) -> requests.Response:
    headers = {**http.headers(token=token), "Content-Type": "application/pdf"}
    if key:
        headers["Idempotency-Key"] = key
    return http.session.request(
        method, f"{http.api}/{path}", params=params, data=data, headers=headers, timeout=60
    )


def custom_token(sb: RunningSandbox, scope: str) -> str:
    custom = sb.xero["custom_connection"]
    response = requests.post(
        f"{sb.xero_root}/connect/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(custom["client_id"], custom["client_secret"]),
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def validation_message(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    (element,) = body["Elements"]
    assert element["AttachmentID"] == ZERO_GUID
    return str(element["ValidationErrors"][0]["Message"])


@pytest.mark.parametrize(("collection", "doc_id"), [("Invoices", INVOICE), ("CreditNotes", CREDIT)])
def test_an_upload_lands_on_the_document_and_reads_back(http: XeroHttp, collection: str, doc_id: str) -> None:
    answer = upload(http, f"{collection}/{doc_id}/Attachments/20123.pdf", params={"IncludeOnline": "true"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["Status"] == "OK" and body["Id"] and body["DateTimeUTC"].startswith("/Date(")
    (attachment,) = body["Attachments"]
    assert attachment["FileName"] == "20123.pdf" and attachment["MimeType"] == "application/pdf"
    assert attachment["ContentLength"] == len(PDF) and attachment["IncludeOnline"] is True
    assert attachment["Url"].endswith(f"/api.xro/2.0/{collection}/{doc_id}/Attachments/20123.pdf")
    listed = http.get(f"{collection}/{doc_id}/Attachments").json()["Attachments"]
    assert listed == [attachment]
    document = http.get(f"{collection}/{doc_id}").json()[collection][0]
    assert document["HasAttachments"] is True and document["Attachments"] == [attachment]
    paged = http.get(collection, params={"page": 1, "where": "HasAttachments==true"}).json()[collection]
    assert [d["HasAttachments"] for d in paged] == [True] and "Attachments" not in paged[0]
    for name in ("20123.pdf", attachment["AttachmentID"]):
        file = http.get(f"{collection}/{doc_id}/Attachments/{name}")
        assert file.status_code == 200 and file.content == PDF
        assert file.headers["Content-Type"] == "application/pdf"


def test_documents_without_attachments_say_so(http: XeroHttp) -> None:
    invoices = http.get("Invoices", params={"page": 1}).json()["Invoices"]
    assert invoices and all(i["HasAttachments"] is False for i in invoices)
    assert http.get(f"Invoices/{INVOICE}/Attachments").json()["Attachments"] == []
    assert "Attachments" not in http.get(f"Invoices/{INVOICE}").json()["Invoices"][0]


def test_include_online_defaults_to_false_and_post_updates_by_name(http: XeroHttp) -> None:
    first = upload(http, f"Invoices/{INVOICE}/Attachments/a.pdf").json()["Attachments"][0]
    assert "IncludeOnline" not in first
    again = upload(http, f"Invoices/{INVOICE}/Attachments/A.PDF", b"%PDF-2 new", method="POST")
    assert again.status_code == 200, again.text
    replaced = again.json()["Attachments"][0]
    assert replaced["AttachmentID"] == first["AttachmentID"] and replaced["ContentLength"] == 10
    listed = http.get(f"Invoices/{INVOICE}/Attachments").json()["Attachments"]
    assert len(listed) == 1
    assert http.get(f"Invoices/{INVOICE}/Attachments/a.pdf").content == b"%PDF-2 new"


def test_a_file_over_10_mb_is_refused_with_413_and_nothing_is_stored(http: XeroHttp) -> None:
    at_limit = upload(http, f"Invoices/{INVOICE}/Attachments/big.pdf", b"%" * MB10)
    assert at_limit.status_code == 200, at_limit.text[:300]
    over = upload(http, f"Invoices/{INVOICE}/Attachments/bigger.pdf", b"%" * (MB10 + 1))
    assert over.status_code == 413
    body = over.json()
    assert (body["Title"], body["Status"], body["Detail"]) == (
        "RequestEntityTooLarge",
        413,
        "PayloadTooLarge",
    )
    names = [a["FileName"] for a in http.get(f"Invoices/{INVOICE}/Attachments").json()["Attachments"]]
    assert names == ["big.pdf"]


def test_a_document_holds_at_most_10_attachments(http: XeroHttp) -> None:
    for index in range(10):
        assert upload(http, f"Invoices/{INVOICE}/Attachments/{index}.pdf").status_code == 200
    eleventh = upload(http, f"Invoices/{INVOICE}/Attachments/10.pdf")
    assert validation_message(eleventh) == "A document can have at most 10 attachments"
    assert upload(http, f"Invoices/{INVOICE}/Attachments/3.pdf").status_code == 200  # a name it holds
    assert len(http.get(f"Invoices/{INVOICE}/Attachments").json()["Attachments"]) == 10


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("Invoices/INV-0001/Attachments/x.pdf", PDF, "A document with id 'INV-0001' could not be found"),
        (f"Invoices/{gid('invoice', 'nope')}/Attachments/x.pdf", PDF, "could not be found"),
        (f"Invoices/{invoice_id('INV-0004')}/Attachments/x.pdf", PDF, "document that is VOIDED"),
        (f"Invoices/{invoice_id('INV-0006')}/Attachments/x.pdf", PDF, "document that is DELETED"),
        (f"Invoices/{INVOICE}/Attachments/tool.exe", PDF, "The file type '.exe' is not allowed"),
        (f"Invoices/{INVOICE}/Attachments/empty.pdf", b"", "The attachment is empty"),
    ],
)
def test_uploads_xero_refuses_answer_a_validation_exception(
    http: XeroHttp, path: str, data: bytes, message: str
) -> None:
    assert message in validation_message(upload(http, path, data))


def test_reads_of_what_is_not_there_are_404(http: XeroHttp) -> None:
    assert http.get(f"Invoices/{gid('invoice', 'nope')}/Attachments").status_code == 404
    missing = http.get(f"Invoices/{INVOICE}/Attachments/none.pdf")
    assert missing.status_code == 404 and missing.text == "The resource you're looking for cannot be found"
    assert http.send("DELETE", f"Invoices/{INVOICE}/Attachments/a.pdf").status_code == 405
    assert http.send("PUT", f"Invoices/{INVOICE}/Attachments", data=PDF).status_code == 405


def test_attachments_need_their_own_scope(sb: RunningSandbox, http: XeroHttp) -> None:
    path = f"Invoices/{INVOICE}/Attachments"
    invoices_only = custom_token(sb, "accounting.invoices accounting.settings")
    for response in (
        http.get(path, headers={"Authorization": f"Bearer {invoices_only}"}),
        upload(http, f"{path}/x.pdf", token=invoices_only),
    ):
        assert response.status_code == 401 and response.json()["Detail"] == "AuthorizationUnsuccessful"
    reader = custom_token(sb, "accounting.attachments.read")
    assert http.get(path, headers={"Authorization": f"Bearer {reader}"}).status_code == 200
    assert upload(http, f"{path}/x.pdf", token=reader).status_code == 401
    writer = custom_token(sb, "accounting.attachments")
    assert upload(http, f"{path}/x.pdf", token=writer).status_code == 200


def test_an_idempotency_key_replays_the_first_answer(http: XeroHttp) -> None:
    path = f"Invoices/{INVOICE}/Attachments/k.pdf"
    first = upload(http, path, key="attach-1")
    replay = upload(http, path, key="attach-1")
    assert first.status_code == replay.status_code == 200 and replay.content == first.content
    other = upload(http, path, b"%PDF other", key="attach-1")
    assert other.status_code == 400 and "already used" in other.json()["Detail"]
    online = upload(http, path, key="attach-1", params={"IncludeOnline": "true"})
    assert online.status_code == 400  # the query is part of the request the key names
    assert len(http.get(f"Invoices/{INVOICE}/Attachments").json()["Attachments"]) == 1


def test_the_fault_hook_fails_chosen_file_names_until_cleared(sb: RunningSandbox, http: XeroHttp) -> None:
    sb.admin("xero", "attachment_faults", {"file_names": ["bad.pdf"], "status": 500})
    failed = upload(http, f"Invoices/{INVOICE}/Attachments/bad.pdf")
    assert failed.status_code == 500 and failed.json()["Title"] == "An error occurred"
    assert upload(http, f"Invoices/{INVOICE}/Attachments/good.pdf").status_code == 200
    sb.admin("xero", "attachment_faults", {"file_names": ["bad.pdf"], "status": 400})
    assert "attachment fault" in validation_message(upload(http, f"Invoices/{INVOICE}/Attachments/bad.pdf"))
    sb.admin("xero", "attachment_faults", {"clear": True})
    assert upload(http, f"Invoices/{INVOICE}/Attachments/bad.pdf").status_code == 200


def test_answers_are_xml_unless_json_is_asked_for(http: XeroHttp) -> None:
    upload(http, f"Invoices/{INVOICE}/Attachments/x.pdf")
    headers = {"Authorization": f"Bearer {http.access_token()}", "xero-tenant-id": ALPHA_ID}
    listed = http.session.get(f"{http.api}/Invoices/{INVOICE}/Attachments", headers=headers, timeout=30)
    root = ElementTree.fromstring(listed.content)
    assert root.tag == "Response" and root.findtext("Attachments/Attachment/FileName") == "x.pdf"
    refused = http.session.put(
        f"{http.api}/Invoices/{INVOICE}/Attachments/x.exe", headers=headers, data=PDF, timeout=30
    )
    assert refused.status_code == 400 and b'xsi:type="Attachment"' in refused.content


def test_the_request_log_keeps_the_file_name_not_the_bytes(sb: RunningSandbox, http: XeroHttp) -> None:
    upload(http, f"Invoices/{INVOICE}/Attachments/logged.pdf")
    entries = [e for e in sb.admin("xero", "requests") if e["method"] == "PUT"]
    assert entries[-1]["body"] == {
        "FileName": "logged.pdf",
        "MimeType": "application/pdf",
        "ContentLength": 45,
    }
    calls = {c["path"] for c in sb.admin("xero", "stats")["calls"]}
    assert "/api.xro/2.0/Invoices/{id}/Attachments/{id}" in calls


def test_xero_python_reads_the_listing_and_uploads_a_file(http: XeroHttp) -> None:
    accounting = pytest.importorskip("xero_python.accounting")
    api_client = pytest.importorskip("xero_python.api_client")
    oauth2 = pytest.importorskip("xero_python.api_client.oauth2")
    token = {"access_token": http.access_token(), "token_type": "Bearer", "expires_in": 1800, "scope": []}
    config = api_client.Configuration(oauth2_token=oauth2.OAuth2Token(client_id="c", client_secret="s"))
    client = api_client.ApiClient(
        config, oauth2_token_getter=lambda: token, oauth2_token_saver=lambda t: None
    )
    api = accounting.AccountingApi(client, base_url=http.api)
    created = api.create_invoice_attachment_by_file_name(
        ALPHA_ID, INVOICE, "sdk.pdf", PDF, include_online=True
    )
    assert created.attachments[0].file_name == "sdk.pdf" and created.attachments[0].include_online is True
    listed = api.get_invoice_attachments(ALPHA_ID, INVOICE)
    (only,) = listed.attachments
    assert (only.file_name, only.mime_type, only.content_length) == (
        "sdk.pdf",
        "application/octet-stream",
        45,
    )
    raw = json.loads(http.get(f"Invoices/{INVOICE}/Attachments").text)
    assert str(only.attachment_id) == raw["Attachments"][0]["AttachmentID"]


def test_a_reset_forgets_attachments(sb: RunningSandbox, http: XeroHttp) -> None:
    upload(http, f"Invoices/{INVOICE}/Attachments/x.pdf")
    sb.admin("xero", "reset", {})
    fresh = XeroHttp(sb.xero)
    assert fresh.get(f"Invoices/{INVOICE}").json()["Invoices"][0]["HasAttachments"] is False
