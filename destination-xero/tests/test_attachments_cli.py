"""Invoice PDFs attached in Xero (mappings.attachments, attachments.py), end to end: the destination CLI
(`destination-xero write`, a real subprocess) against the sandbox, every result read back over HTTP.

What is shown: an invoice and a credit note land with their PDF (shown online); a rerun of the same
records writes nothing and uploads nothing; a changed PDF is kept out (`keep`) or added beside the first
(`add`, also when it has the same size); a PDF over Xero's 10 MB, a PDF the source could not read and an
upload the sandbox refuses are each reported, their invoices landed all the same, and the two that can
succeed later are put in the state's retry list; a dry run uploads nothing; the run report says it all."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from connector_kit.run_report import RunReport, load_report
from sandbox import launcher

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import CATALOGS, XeroReader, script, xero_writes

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: helpers by path
from cli_configs import sandbox_config

UK = "Northwind MSP Ltd"
Q4 = Decimal("0.0001")
CATALOG = CATALOGS / "configured_catalog.json"
PDF_A = b"%PDF-1.7\n% Autotask invoice, first render\n%%EOF\n"
PDF_SAME_SIZE = b"%PDF-1.7\n% Autotask invoice, other render\n%%EOF\n"
PDF_LONGER = b"%PDF-1.7\n% Autotask invoice, a longer second render\n%%EOF\n"
TOO_BIG = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        yield running


def _config(sb: Any, tmp: Path, on_change: str = "keep", **over: Any) -> Path:
    mappings = {
        "tax": {"by_region": {"UK VAT": "OUTPUT2"}},
        "accounts": {"default": "200"},
        "attachments": {"invoice_pdf": True, "on_change": on_change},
    }
    return sandbox_config(sb.info, tmp, mappings, **over)


def _pdf(data: bytes, number: str) -> dict[str, Any]:
    return {
        "fileName": f"Invoice {number}.pdf",
        "contentType": "application/pdf",
        "data": base64.b64encode(data).decode(),
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def _invoice(
    iid: int, pdf: bytes | None, credit: bool = False, pdf_error: str | None = None
) -> dict[str, Any]:
    sign = Decimal(-1) if credit else Decimal(1)
    ext = Decimal("10.0000") * sign
    tax = (ext * Decimal("0.2")).quantize(Q4, ROUND_HALF_UP)
    number = f"AT-{iid}"
    return {
        "id": iid,
        "invoiceNumber": number,
        "invoiceDateTime": "2026-09-02T00:00:00.000Z",
        "invoiceTotal": str(ext + tax),
        "isVoided": False,
        "taxRegionName": "UK VAT",
        "company": {"id": 44, "companyName": "Attach Ltd"},
        "lines": [
            {
                "id": iid * 10,
                "description": "Support",
                "quantity": str(sign),
                "rate": "10",
                "extendedPrice": str(ext),
                "taxDollars": str(tax),
                "taxCategoryName": "Labour",
            }
        ],
        "lineCount": 1,
        "invoicePDF": _pdf(pdf, number) if pdf is not None else None,
        "invoicePDFError": pdf_error,
    }


def _input(records: list[dict[str, Any]]) -> str:
    lines: list[dict[str, Any]] = [
        *({"type": "RECORD", "record": {"stream": "invoices", "data": r, "emitted_at": 0}} for r in records),
        {
            "type": "STATE",
            "state": {
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": "invoices"}, "stream_state": {"cursor": "c1"}},
            },
        },
    ]
    return "\n".join(json.dumps(x) for x in lines) + "\n"


class Run:
    def __init__(self, proc: subprocess.CompletedProcess[str], report: RunReport, calls: dict[str, int]):
        self.proc = proc
        self.report = report
        self.calls = calls

    @property
    def pdfs(self) -> Any:
        (org,) = self.report.organisations
        assert org.attachments is not None
        return org.attachments

    def summary(self) -> dict[str, Any]:
        """The organisation's figures in the `summary {...}` line the adapter logs."""
        for line in self.proc.stdout.splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            text = str(((message.get("log") or {}) if isinstance(message, dict) else {}).get("message", ""))
            if text.startswith("summary {"):
                figures: dict[str, Any] = json.loads(text[len("summary ") :])[UK]
                return figures
        raise AssertionError("no summary line: " + self.proc.stdout[-2000:])

    def states(self) -> list[dict[str, Any]]:
        found = []
        for line in self.proc.stdout.splitlines():
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("type") == "STATE":
                found.append(message["state"]["stream"]["stream_state"])
        return found


def _attachment_calls(sb: Any) -> dict[str, int]:
    counts = {"GET list": 0, "GET file": 0, "PUT": 0, "writes": xero_writes(sb.admin("xero", "stats"))}
    for entry in sb.admin("xero", "requests"):
        parts = str(entry["path"]).split("/")
        if "Attachments" not in parts:
            continue
        if entry["method"] == "PUT":
            counts["PUT"] += 1
        elif entry["method"] == "GET":
            counts["GET list" if parts[-1] == "Attachments" else "GET file"] += 1
    return counts


def _run(sb: Any, config: Path, records: list[dict[str, Any]], tmp: Path) -> Run:
    before = _attachment_calls(sb)
    command = [script("destination-xero"), "write", "--config", str(config), "--catalog", str(CATALOG)]
    proc = subprocess.run(command, input=_input(records), capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:] + proc.stdout[-3000:]
    after = _attachment_calls(sb)
    return Run(proc, load_report(tmp / "run-report.json"), {k: after[k] - before[k] for k in after})


def _held(
    reader: XeroReader, number: str, credit: bool = False
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The document Xero holds under `number` and its attachments (listed, each file read back)."""
    if credit:
        params = {"where": f'CreditNoteNumber=="{number}"', "page": 1}
        document = reader.get(UK, "CreditNotes", params)["CreditNotes"][0]
        path = f"CreditNotes/{document['CreditNoteID']}/Attachments"
    else:
        document = reader.get(UK, "Invoices", {"InvoiceNumbers": number, "page": 1})["Invoices"][0]
        path = f"Invoices/{document['InvoiceID']}/Attachments"
    listed = reader.get(UK, path)["Attachments"]
    for attachment in listed:
        file = requests.get(
            attachment["Url"],
            headers={"Authorization": f"Bearer {reader.token}", "xero-tenant-id": reader.tenants[UK]},
            timeout=60,
        )
        assert file.status_code == 200
        attachment["content"] = file.content
    return document, listed


def test_an_invoice_and_a_credit_note_land_with_their_pdf_and_a_rerun_uploads_nothing(
    sb: Any, tmp_path: Path
) -> None:
    sb.reset()
    config = _config(sb, tmp_path)
    records = [_invoice(9101, PDF_A), _invoice(9102, PDF_LONGER, credit=True)]
    first = _run(sb, config, records, tmp_path)
    assert first.calls["PUT"] == 2 and first.calls["GET list"] == 0  # created: no listing
    assert (first.pdfs.attached, first.pdfs.failed) == (2, [])
    reader = XeroReader(sb.info, json.loads((tmp_path / "token.json").read_text())["refresh_token"])
    for number, credit, pdf in (("AT-9101", False, PDF_A), ("AT-9102", True, PDF_LONGER)):
        document, (attachment,) = _held(reader, number, credit)
        assert document["HasAttachments"] is True
        assert attachment["FileName"] == f"{number}.pdf" and attachment["IncludeOnline"] is True
        assert attachment["MimeType"] == "application/pdf" and attachment["content"] == pdf
    assert first.summary()["attachments"] == {
        "attached": 2,
        "already_attached": 0,
        "would_attach": 0,
        "failed": 0,
        "without_pdf": 0,
    }

    again = _run(sb, config, records, tmp_path)
    assert again.calls["writes"] == 0 and again.calls["PUT"] == 0
    assert again.calls["GET list"] == 2  # each holds attachments: listed once, ours found
    assert (again.pdfs.attached, again.pdfs.already_attached) == (0, 2)
    assert again.report.organisations[0].count("invoice", "unchanged") == 1


@pytest.mark.parametrize("on_change", ["keep", "add"])
def test_a_changed_pdf_is_kept_out_or_added_beside_the_first(sb: Any, tmp_path: Path, on_change: str) -> None:
    sb.reset()
    config = _config(sb, tmp_path, on_change=on_change)
    _run(sb, config, [_invoice(9201, PDF_A)], tmp_path)
    reader = XeroReader(sb.info, json.loads((tmp_path / "token.json").read_text())["refresh_token"])
    changed = _run(sb, config, [_invoice(9201, PDF_SAME_SIZE)], tmp_path)  # the same size as the first
    _, held = _held(reader, "AT-9201")
    if on_change == "keep":
        assert changed.calls["PUT"] == 0 and changed.pdfs.already_attached == 1
        assert [(a["FileName"], a["content"]) for a in held] == [("AT-9201.pdf", PDF_A)]
        return
    sha8 = hashlib.sha256(PDF_SAME_SIZE).hexdigest()[:8]
    assert changed.calls == {"GET list": 1, "GET file": 1, "PUT": 1, "writes": 1}  # read back to compare
    assert [(a["FileName"], a["content"]) for a in held] == [
        ("AT-9201.pdf", PDF_A),
        (f"AT-9201-{sha8}.pdf", PDF_SAME_SIZE),
    ]
    longer = _run(sb, config, [_invoice(9201, PDF_LONGER)], tmp_path)  # another size: no read back
    assert (longer.calls["GET file"], longer.calls["PUT"]) == (0, 1)
    for pdf in (PDF_A, PDF_SAME_SIZE, PDF_LONGER):  # each is there: nothing more
        rerun = _run(sb, config, [_invoice(9201, pdf)], tmp_path)
        assert rerun.calls["PUT"] == 0 and rerun.pdfs.already_attached == 1
    assert len(_held(reader, "AT-9201")[1]) == 3


def test_pdfs_that_cannot_be_attached_are_reported_and_their_invoices_land(sb: Any, tmp_path: Path) -> None:
    sb.reset()
    sb.admin("xero", "attachment_faults", {"file_names": ["AT-9302.pdf"], "status": 400})
    config = _config(sb, tmp_path)
    records = [
        _invoice(9301, TOO_BIG),
        _invoice(9302, PDF_A),
        _invoice(9303, None, pdf_error="Autotask answered HTTP 500 to GET InvoicePDF"),
        _invoice(9304, PDF_A),
    ]
    run = _run(sb, config, records, tmp_path)
    assert run.report.organisations[0].count("invoice", "created") == 4
    assert run.report.exit_status == 0 and run.calls["PUT"] == 2  # 9301 is never sent
    assert run.pdfs.attached == 1
    groups = {tuple(g.documents): g for g in run.pdfs.failed}
    assert set(groups) == {("AT-9301",), ("AT-9302",), ("AT-9303",)}
    assert "over Xero's limit of 10 MB" in groups[("AT-9301",)].example
    assert groups[("AT-9301",)].next_step is None  # resending cannot help: attach a smaller copy by hand
    assert "attachment fault" in groups[("AT-9302",)].example
    assert "Autotask answered HTTP 500" in groups[("AT-9303",)].example
    for key in (("AT-9302",), ("AT-9303",)):
        assert f"autotask-xero resync id:{key[0][3:]}`" in str(groups[key].next_step)
    steps = [s for s in run.report.next_steps if s.startswith(f"{UK}: 1 invoice without the PDF (")]
    assert len(steps) == 3 and any("autotask-xero resync id:9302" in s for s in steps)
    (state,) = run.states()
    assert state["retry"] == [9302, 9303]  # the source reads these again; 9301 would fail again
    assert "PDF not attached to invoice AT-9302" in run.proc.stdout + run.proc.stderr
    html, markdown = tmp_path / "report.html", tmp_path / "report.md"
    render = [script("autotask-xero"), "report", str(tmp_path / "run-report.json")]
    subprocess.run([*render, "--html", str(html), "--markdown", str(markdown)], check=True, timeout=120)
    line = "Invoice PDFs: 1 attached, 3 not attached (below, with what to do)."
    page, text = html.read_text(encoding="utf-8"), markdown.read_text(encoding="utf-8")
    assert f"<p>{line}</p>" in page and f"- {line}" in text
    assert page.count('<span class="bad">PDF not attached 1</span>') == 3
    assert "- **PDF not attached 1**: the PDF is 10,485,769 bytes, over Xero's limit of 10 MB" in text

    sb.admin("xero", "attachment_faults", {"clear": True})
    retried = _run(sb, config, records, tmp_path)
    assert retried.pdfs.attached == 1 and retried.calls["PUT"] == 1  # 9302, its document unlisted
    assert {tuple(g.documents) for g in retried.pdfs.failed} == {("AT-9301",), ("AT-9303",)}
    assert retried.calls["writes"] == 1


def test_a_dry_run_says_what_it_would_attach_and_uploads_nothing(sb: Any, tmp_path: Path) -> None:
    sb.reset()
    config = _config(sb, tmp_path, dry_run=True)
    run = _run(sb, config, [_invoice(9401, PDF_A), _invoice(9402, PDF_A, credit=True)], tmp_path)
    assert run.calls["writes"] == 0 and run.calls["PUT"] == 0
    assert (run.pdfs.would_attach, run.pdfs.attached) == (2, 0)
    assert f"{UK}: dry run, nothing written: 2 created" in run.proc.stdout + run.proc.stderr
    assert "2 PDF(s) would be attached" in run.proc.stdout + run.proc.stderr
