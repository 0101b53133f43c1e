"""The run report's rules: versioned and validated, exact money, written atomically and redacted, causes
grouped with every document named."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pendulum
import pytest
from connector_kit.redaction import Redactor
from connector_kit.run_report import (
    Note,
    Organisation,
    ReportError,
    RunReport,
    Usage,
    load_report,
    parse_report,
    plural,
    reason_groups,
    write_report,
)

SECRET = "s3cr3t-refresh-token-value"


def _report(**over: object) -> RunReport:
    org = Organisation(
        name="Northwind MSP Ltd",
        tenant_id="t-1",
        documents={"invoice": {"created": 3, "rejected": 2}, "contact": {"created": 1}},
        rejections=reason_groups(
            [
                {"key": "20011", "kind": "invoice", "reason": "invoice 20011: no TaxType for 'X' (line 1)"},
                {"key": "20012", "kind": "invoice", "reason": f"invoice 20012: refused, token {SECRET}"},
            ]
        ),
        notes=[Note(outcome="partial", document="20013", detail="half paid", amount=Decimal("12.10"))],
        usage=[Usage(vendor="xero", calls=12, day_remaining=988, response_bytes=1234)],
    )
    values: dict[str, object] = {
        "connector": "destination-xero",
        "version": "0.1.0",
        "started_at": pendulum.datetime(2026, 11, 30, 9, 0, tz="UTC"),
        "finished_at": pendulum.datetime(2026, 11, 30, 9, 1, tz="UTC"),
        "seconds": Decimal("61.250"),
        "exit_status": 1,
        "organisations": [org],
        "next_steps": [f"Fix it; the error said {SECRET}"],
        **over,
    }
    return RunReport.model_validate(values)


def test_a_report_round_trips_with_exact_money_and_schema_version_1(tmp_path: Path) -> None:
    path = write_report(_report(), tmp_path / "out" / "report.json")
    raw = json.loads(path.read_text(), parse_float=Decimal)
    assert raw["schema_version"] == 1 and raw["seconds"] == Decimal("61.250")
    assert '"amount":12.10' in path.read_text()  # a JSON number, exact, never a float
    loaded = load_report(path)
    assert loaded.organisations[0].notes[0].amount == Decimal("12.10")
    assert loaded.organisations[0].count("invoice", "created") == 3
    assert loaded.organisations[0].contacts_created == 1
    assert loaded.started_at == pendulum.datetime(2026, 11, 30, 9, 0, tz="UTC")
    assert [p.name for p in path.parent.iterdir()] == ["report.json"]  # no temporary file left


def test_every_text_is_redacted_before_it_reaches_the_file(tmp_path: Path) -> None:
    path = write_report(_report(), tmp_path / "report.json", Redactor(lambda: [SECRET]))
    text = path.read_text()
    assert SECRET not in text and "***" in text


def test_a_failed_write_leaves_the_previous_report_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_report(_report(), tmp_path / "report.json")
    before = path.read_text()

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("connector_kit.run_report.os.replace", full_disk)
    with pytest.raises(OSError):
        write_report(_report(exit_status=0), path)
    assert path.read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_an_unknown_schema_version_is_refused_by_name(tmp_path: Path) -> None:
    data = json.loads(write_report(_report(), tmp_path / "r.json").read_text())
    with pytest.raises(
        ReportError, match=r"schema_version 2; this program reads schema_version 1 only: upgrade"
    ):
        parse_report(json.dumps({**data, "schema_version": 2}))
    with pytest.raises(ReportError, match="has no schema_version"):
        parse_report(json.dumps({k: v for k, v in data.items() if k != "schema_version"}))
    with pytest.raises(ReportError, match=r"organisations\.0\.documents"):
        parse_report(json.dumps({**data, "organisations": [{"name": "x", "documents": {"quote": {}}}]}))
    with pytest.raises(ReportError, match="not valid JSON"):
        parse_report("{")
    with pytest.raises(ReportError, match="cannot read the report file"):
        load_report(tmp_path / "missing.json")


def test_reasons_are_grouped_by_cause_with_every_document_named() -> None:
    groups = reason_groups(
        [
            {
                "key": "1",
                "kind": "invoice",
                "reason": "invoice 1: no TaxType mapped for 'NZ GST' (lines 11, 12)",
            },
            {"key": "2", "kind": "credit_note", "reason": "credit note 2: no TaxType mapped for 'NZ GST'"},
            {"key": "3", "kind": "invoice", "reason": "invoice 3: totals differ by 0.05"},
            {"key": "4", "kind": "invoice", "reason": "invoice 4: totals differ by 0.07"},
            {"key": "5", "kind": "invoice", "reason": "invoice 5: totals differ by 1.20"},
        ]
    )
    assert [(g.reason, g.documents, g.kind) for g in groups] == [
        ("totals differ by …", ["3", "4", "5"], "invoice"),
        ("no TaxType mapped for 'NZ GST'", ["1", "2"], None),  # two kinds share the cause
    ]
    assert groups[0].example == "totals differ by 0.05"
    assert plural(1, "credit_note") == "1 credit note" and plural(3, "invoice") == "3 invoices"
