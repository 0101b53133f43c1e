"""The run report's invoice PDFs (`Organisation.attachments`): written and read back with every failed
document named by cause, redacted like every other text, and absent (None) in a report that has none, so
that a report written before attachments existed still loads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pendulum
from connector_kit.redaction import Redactor
from connector_kit.run_report import (
    Attachments,
    Organisation,
    RunReport,
    load_report,
    reason_groups,
    report_json,
    write_report,
)

SECRET = "s3cr3t-token-in-a-cause"


def _report(attachments: Attachments | None) -> RunReport:
    return RunReport(
        connector="destination-xero",
        version="0.1.0",
        started_at=pendulum.datetime(2026, 11, 30, 9, 0, tz="UTC"),
        finished_at=pendulum.datetime(2026, 11, 30, 9, 1, tz="UTC"),
        seconds=Decimal("1.500"),
        organisations=[Organisation(name="Northwind MSP Ltd", attachments=attachments)],
    )


def test_attachments_round_trip_with_each_failed_document_named(tmp_path: Path) -> None:
    failed = reason_groups(
        [
            {"key": "20011", "kind": "invoice", "reason": f"Xero refused the PDF ({SECRET})"},
            {"key": "20012", "kind": "invoice", "reason": f"Xero refused the PDF ({SECRET})"},
            {"key": "20013", "kind": "credit_note", "reason": "the PDF is 11,000,000 bytes, over 10 MB"},
        ]
    )
    pdfs = Attachments(attached=7, already_attached=2, without_pdf=1, failed=failed)
    path = write_report(_report(pdfs), tmp_path / "r.json", Redactor(lambda: [SECRET]))
    assert SECRET not in path.read_text(encoding="utf-8")
    read = load_report(path).organisations[0].attachments
    assert read is not None and (read.attached, read.already_attached, read.without_pdf) == (7, 2, 1)
    assert read.failed_count == 3
    assert [(g.kind, g.documents) for g in read.failed] == [
        ("invoice", ["20011", "20012"]),
        ("credit_note", ["20013"]),
    ]


def test_a_report_without_attachments_says_none_and_older_reports_load(tmp_path: Path) -> None:
    data = json.loads(report_json(_report(None)))
    assert data["organisations"][0]["attachments"] is None
    del data["organisations"][0]["attachments"]  # as a report written before attachments existed
    older = tmp_path / "older.json"
    older.write_text(json.dumps(data), encoding="utf-8")
    assert load_report(older).organisations[0].attachments is None
