"""`make demo` end to end: `python -m sandbox.demo` as a subprocess, into a temp output dir.

One run (about a minute) backs every test here: the demo starts its own sandbox and runs the four real
connector CLIs, so what is checked is what a user of `make demo` sees.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(400)

UK, AU, US = "Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo-out")
    audit = tmp_path_factory.mktemp("demo-audit") / "secrets.json"
    proc = subprocess.run(
        [sys.executable, "-m", "sandbox.demo", "--secrets-audit-file", str(audit)],
        capture_output=True,
        text=True,
        timeout=360,
        env={**os.environ, "SANDBOX_DEMO_OUTPUT": str(out), "PYTHONUNBUFFERED": "1"},
    )
    figures = (
        json.loads((out / "demo-summary.json").read_text()) if (out / "demo-summary.json").exists() else {}
    )
    return {"proc": proc, "out": out, "figures": figures, "audit": audit}


def _org(figures: dict[str, Any], name: str) -> dict[str, Any]:
    (org,) = [o for o in figures["organisations"] if o["name"] == name]
    return org


def _n(org: dict[str, Any], kind: str, action: str) -> int:
    return int(org["documents"].get(kind, {}).get(action, 0))


def test_demo_exits_zero_and_prints_the_summary(demo):
    proc = demo["proc"]
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    for heading in ("[1/4]", "[2/4]", "[3/4]", "[4/4]", "SUMMARY", "PAYMENTS", "API CALLS", "SECOND RUN"):
        assert heading in proc.stdout
    assert "checkpoint" in proc.stdout and "read 50 records so far" in proc.stdout  # progress while running
    assert f"HTML report: {demo['out'] / 'demo-report.html'}" in proc.stdout
    assert demo["figures"]["problems"] == []


def test_every_exercised_row_has_figures(demo):
    f = demo["figures"]
    for name, currency in ((UK, "GBP"), (AU, "AUD"), (US, "USD")):
        org = _org(f, name)
        assert org["currency"] == currency
        assert _n(org, "invoice", "create") > 0, name
        assert _n(org, "credit_note", "create") > 0, name
        assert _n(org, "contact", "create") > 0, name
        assert _n(org, "invoice", "skipped") > 0, name  # voided invoices
        assert org["rounding_lines"] > 0, name
    uk = _org(f, UK)
    assert _n(uk, "purchase_order", "create") > 0
    assert _n(uk, "item", "create") > 0
    au = _org(f, AU)
    assert _n(au, "invoice", "rejected") > 0
    reasons = {g["example"] for g in au["rejections"]}
    assert "no TaxType mapped for tax region 'New Zealand GST'" in reasons
    assert "currency USD is not enabled in organisation 'Northwind MSP Pty Ltd'" in reasons
    assert sum(len(g["documents"]) for g in au["rejections"]) == _n(au, "invoice", "rejected")
    rejected_lines = (demo["out"] / "rejected-records.jsonl").read_text().splitlines()
    assert len(rejected_lines) >= _n(au, "invoice", "rejected")  # both runs append to the file


def test_payments_went_back_to_autotask(demo):
    pay = demo["figures"]["payments"]
    kinds = [p["kind"] for p in pay["recorded"]]
    assert kinds.count("full") >= 3 and "partial" in kinds and "foreign currency" in kinds
    (foreign,) = [p for p in pay["recorded"] if p["kind"] == "foreign currency"]
    assert foreign["currency"] == "EUR" and foreign["organisation"] == UK
    summary = pay["summary"]
    assert summary["marked_paid"] == kinds.count("full") + kinds.count("foreign currency")
    partial_numbers = {p["invoice_number"] for p in summary["partial"]}
    assert partial_numbers == {p["invoice_number"] for p in pay["recorded"] if p["kind"] == "partial"}
    assert summary["unmatched_or_rejected"] == 0


def test_calls_are_counted_against_each_limit(demo):
    calls = demo["figures"]["calls"]
    assert {row["organisation"] for row in calls["xero"]} == {UK, AU, US}
    for row in calls["xero"]:
        assert 0 < row["peak_minute"] <= row["calls"] <= 5000
        assert row["peak_minute"] <= 60, row  # the demo stays inside Xero's per-minute limit
    assert 0 < calls["autotask"]["peak_hour"] <= calls["autotask"]["calls"] < 10_000
    assert "of 5,000/day" in demo["proc"].stdout and "10,000/hour" in demo["proc"].stdout


def test_second_run_made_zero_xero_writes(demo):
    second = demo["figures"]["second_run"]
    assert second["xero_writes"] == 0
    assert second["unchanged"] > 200
    assert "Xero writes (PUT/POST): 0" in demo["proc"].stdout


def test_html_report_is_self_contained_and_holds_the_figures(demo):
    page = (demo["out"] / "demo-report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<svg" in page
    for external in ("<script", "<link", "src=", "url(", "@import"):
        assert external not in page
    f = demo["figures"]
    for name in (UK, AU, US):
        org = _org(f, name)
        assert name in page
        assert f"<td>{_n(org, 'invoice', 'create')}</td>" in page
    assert f"Rejected {len(_org(f, AU)['rejections'][0]['documents'])}</span>" in page
    assert f"<td>Autotask invoices marked paid</td><td>{f['payments']['summary']['marked_paid']}</td>" in page
    assert "Xero writes on the second run: 0" in page


def test_no_secret_appears_in_any_output(demo):
    secrets = json.loads(demo["audit"].read_text())
    assert len(secrets) >= 5  # the ready line's four or five, plus the rotated refresh token
    proc = demo["proc"]
    texts = {"stdout": proc.stdout, "stderr": proc.stderr}
    for path in demo["out"].iterdir():
        texts[path.name] = path.read_text(encoding="utf-8")
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
