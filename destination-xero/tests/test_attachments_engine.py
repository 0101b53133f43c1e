"""The attachment stage (attachments.py) inside the engine, where the CLI tests cannot reach in time: an
upload Xero keeps failing (500, every one of the client's tries, without the waits), an app without the
`accounting.attachments` scope (against the sandbox), and Xero's day limit in the middle of the uploads
(requests-mock plays Xero, as in test_writer.py). In each, the documents stay landed."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests_mock as rm
from destination_xero.attachments import Attacher, AttachmentNote, changed_name, first_name, is_ours
from destination_xero.check import needed_scopes, scope_problems
from destination_xero.config import load_config
from destination_xero.documents import Document
from destination_xero.planner import Decision
from destination_xero.record_types import InvoicePdf
from destination_xero.writer import Engine
from sandbox import launcher
from xero_client.client import XeroClient

UK = "Northwind MSP Ltd"
PDF = b"%PDF-1.7\n% engine test\n%%EOF\n"
API = "https://api.xero.com/api.xro/2.0"
BASE_MAPPINGS = {"tax": {"by_region": {"Australia": "OUTPUT"}}, "accounts": {"default": "200"}}


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        yield running


def _pdf(number: str) -> dict[str, Any]:
    return {
        "fileName": f"{number}.pdf",
        "contentType": "application/pdf",
        "data": base64.b64encode(PDF).decode(),
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }


def _record(iid: int, region: str = "UK VAT") -> dict[str, Any]:
    number = f"EN-{iid}"
    return {
        "id": iid,
        "invoiceNumber": number,
        "invoiceDateTime": "2026-09-03T00:00:00.000Z",
        "invoiceTotal": "12.0000",
        "isVoided": False,
        "taxRegionName": region,
        "company": {"id": 45, "companyName": "Engine Attach Ltd"},
        "lines": [
            {
                "id": iid * 10,
                "description": "Support",
                "quantity": "1",
                "rate": "10",
                "extendedPrice": "10.0000",
                "taxDollars": "2.0000",
                "taxCategoryName": "Labour",
            }
        ],
        "lineCount": 1,
        "invoicePDF": _pdf(number),
    }


def _sandbox_config(sb: Any, auth: dict[str, Any], tenant_id: str) -> Any:
    x = sb.info["xero"]
    return load_config(
        {
            "auth": auth,
            "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
            "mappings": {
                "tax": {"by_region": {"UK VAT": "OUTPUT2"}},
                "accounts": {"default": "200"},
                "attachments": {"invoice_pdf": True},
            },
            "tenants": [{"tenant_id": tenant_id, "name": UK}],
        }
    )


def _uk(sb: Any) -> str:
    return str(next(t["tenant_id"] for t in sb.info["xero"]["tenants"] if t["name"] == UK))


def _puts(sb: Any) -> list[str]:
    return [
        str(e["path"]).rsplit("/", 1)[-1]
        for e in sb.admin("xero", "requests")
        if e["method"] == "PUT" and "/Attachments/" in str(e["path"])
    ]


def test_an_upload_xero_keeps_failing_is_reported_after_every_try_and_retried_next_run(
    sb: Any, tmp_path: Path
) -> None:
    sb.reset()
    sb.admin("xero", "attachment_faults", {"file_names": ["EN-9501.pdf"], "status": 500})
    x = sb.info["xero"]
    auth = {"type": "refresh_token", "client_id": x["client_id"], "client_secret": x["client_secret"]}
    auth |= {"refresh_token": x["refresh_token"], "token_store_path": str(tmp_path / "token.json")}
    config = _sandbox_config(sb, auth, _uk(sb))
    engine = Engine(config, XeroClient(config, sleep=lambda seconds: None))
    engine.add("invoices", _record(9501))
    engine.add("invoices", _record(9502))
    assert engine.flush() is True
    tally = engine.summaries[config.tenants[0].tenant_id].attachments
    assert engine.summary()[UK]["documents"]["invoice"] == {"create": 2}
    assert (tally.attached, [f["key"] for f in tally.failed]) == (1, ["EN-9501"])
    assert tally.failed[0]["reason"].startswith("Xero failed to store the PDF, again after several tries")
    assert _puts(sb) == ["EN-9501.pdf"] * 6 + ["EN-9502.pdf"]  # the client's six tries, then the next
    assert engine.ledger.failed()["invoice"].keys() == {9501}
    assert engine.exit_code() == 0


def test_an_app_without_the_attachments_scope_lands_the_invoices_and_asks_for_the_scope(sb: Any) -> None:
    sb.reset()
    custom = sb.info["xero"]["custom_connection"]
    scopes = "accounting.invoices accounting.contacts accounting.settings"
    auth = {"type": "client_credentials", "client_id": custom["client_id"]}
    auth |= {"client_secret": custom["client_secret"], "scopes": scopes}
    config = _sandbox_config(sb, auth, custom["tenant_id"])
    engine = Engine(config, XeroClient(config))
    for iid in (9601, 9602):
        engine.add("invoices", _record(iid))
    assert engine.flush() is True
    summary = engine.summary()[UK]
    assert summary["documents"]["invoice"] == {"create": 2} and summary["stopped"] is None
    tally = engine.summaries[custom["tenant_id"]].attachments
    assert [f["key"] for f in tally.failed] == ["EN-9601", "EN-9602"]
    assert all("accounting.attachments scope" in f["reason"] for f in tally.failed)
    assert _puts(sb) == ["EN-9601.pdf", "EN-9601.pdf"]  # refused twice (a fresh token, then again); no more
    assert engine.ledger.failed()["invoice"].keys() == {9601, 9602}


def test_the_day_limit_stops_attaching_and_keeps_the_invoices_written(make_config, raw_invoice) -> None:
    mappings = {
        "tax": {"by_region": {"Australia": "OUTPUT"}},
        "accounts": {"default": "200", "by_billing_item_type": {"Labor": "210"}},
        "attachments": {"invoice_pdf": True, "include_online": False},
    }
    config = make_config(mappings=mappings)
    out: list[dict[str, Any]] = []
    with rm.Mocker() as m:
        m.post("https://identity.xero.com/connect/token", json={"access_token": "tok", "expires_in": 1800})
        m.get(f"{API}/Organisation", json={"Organisations": [{"Name": "Acme AU", "BaseCurrency": "AUD"}]})
        rate = {"TaxType": "OUTPUT", "Status": "ACTIVE", "TaxComponents": [{"Rate": 10}]}
        m.get(f"{API}/TaxRates", json={"TaxRates": [rate]})
        m.get(f"{API}/Currencies", json={"Currencies": [{"Code": "AUD"}]})
        contact = {
            "ContactID": "c-7",
            "Name": "Acme Pty Ltd",
            "ContactNumber": "AT-7",
            "ContactStatus": "ACTIVE",
        }
        m.get(f"{API}/Contacts", json={"Contacts": [contact]})
        m.get(f"{API}/Invoices", json={"Invoices": []})
        created = [
            {"InvoiceID": f"i-{n}", "InvoiceNumber": str(n), "StatusAttributeString": "OK"}
            for n in (1001, 1002)
        ]
        m.post(re.compile(f"{API}/Invoices"), json={"Invoices": created})
        m.put(f"{API}/Invoices/i-1001/Attachments/1001.pdf", json={"Attachments": [{"FileName": "1001.pdf"}]})
        day = {"X-Rate-Limit-Problem": "day", "Retry-After": "3600"}
        m.put(f"{API}/Invoices/i-1002/Attachments/1002.pdf", status_code=429, headers=day)
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add("invoices", raw_invoice(invoicePDF=_pdf("1001")))
        engine.add("invoices", raw_invoice(id=502, invoiceNumber="1002", invoicePDF=_pdf("1002")))
        assert engine.flush() is False
        puts = [r for r in m.request_history if r.method == "PUT"]
        assert [r.qs for r in puts] == [{"includeonline": ["false"]}] * 2
        assert puts[0].headers["Content-Type"] == "application/pdf" and puts[0].body == PDF
        assert puts[0].headers["Idempotency-Key"].startswith("dx-")
    assert [d["action"] for d in out] == ["create", "create"]  # written, and they stay so
    tally = engine.summaries["t-au"].attachments
    assert tally.attached == 1 and [f["key"] for f in tally.failed] == ["1002"]
    assert "daily call limit" in tally.failed[0]["reason"]
    assert "daily call limit" in str(engine.summary()["Acme AU"]["stopped"])
    assert engine.exit_code() == 2


def test_file_names_follow_the_number_and_the_content() -> None:
    document = Document("invoice", "t", "INV/2026 7", 7, {}, autotask_number="INV/2026 7")
    assert first_name(document) == "INV-2026-7.pdf"
    sha = hashlib.sha256(PDF).hexdigest()
    assert changed_name(document, sha) == f"INV-2026-7-{sha[:8]}.pdf"
    for name in ("INV-2026-7.pdf", f"inv-2026-7-{sha[:8]}.PDF"):
        assert is_ours(name, document)
    for name in ("INV-2026-70.pdf", "receipt.pdf", "INV-2026-7-xyz.pdf"):
        assert not is_ours(name, document)


def test_only_documents_xero_holds_as_autotask_has_them_get_a_pdf(make_config) -> None:
    """A tenant that does not attach makes no call; one that does skips voided documents, failed writes,
    deferred ones and purchase orders, without a call either."""
    pdf = InvoicePdf("x.pdf", "application/pdf", PDF, hashlib.sha256(PDF).hexdigest())

    def decision(action: str, kind: str = "invoice", void: bool = False) -> Decision:
        document = Document(kind, "t-au", "1", 1, {}, void=void, pdf=pdf, autotask_number="1")  # type: ignore[arg-type]
        return Decision(action, kind, "t-au", "1", 1, document=document, existing_id="i-1")

    skipped = [decision(a) for a in ("rejected", "deferred", "not_changeable", "skipped")]
    skipped += [decision("update", void=True), decision("create", kind="purchase_order")]
    attaching = make_config(mappings={**BASE_MAPPINGS, "attachments": {"invoice_pdf": True}})
    for config, decisions in ((make_config(), [decision("create")]), (attaching, skipped)):
        notes: list[AttachmentNote] = []
        attacher = Attacher(XeroClient(config), False, lambda tid, note, into=notes: into.append(note))
        with rm.Mocker() as m:
            attacher.attach(config.tenants[0], decisions)
            assert m.request_history == []
        assert notes == []


def test_check_asks_for_the_attachments_scope_only_when_a_tenant_attaches(make_config) -> None:
    plain = make_config()
    attaching = make_config(mappings={**BASE_MAPPINGS, "attachments": {"invoice_pdf": True}})
    assert "accounting.attachments" not in {n.scope for n in needed_scopes(plain)}
    granted = frozenset({"accounting.invoices", "accounting.contacts", "accounting.settings"})
    lines, settings_ok = scope_problems(attaching, granted)
    assert settings_ok and len(lines) == 1
    assert "accounting.attachments" in lines[0] and "attach the Autotask invoice PDFs" in lines[0]
    assert scope_problems(attaching, granted | {"accounting.attachments"}) == ([], True)
