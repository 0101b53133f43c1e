"""`make demo` end to end: `python -m demo` as a subprocess, into a temp output dir, once per runner.

The default runner is Meltano (`meltano run` of meltano.yml's two jobs, from the cached virtualenvs that
test_meltano.py shares); `--runner airbyte` pipes the connectors' Airbyte CLIs. Each runner's demo runs
once (Meltano about two minutes warm, Airbyte about one) and backs every test here: the demo starts its own
sandbox and runs the real connector CLIs, so what is checked is what a user of `make demo` sees. Both runs
sync the same dataset with the same seed, so their figures must be identical.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.timeout(900)

UK, AU, US = "Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"
RUNNERS = ("meltano", "airbyte")


def _run_demo(tmp_path_factory: pytest.TempPathFactory, runner: str) -> dict[str, Any]:
    out = tmp_path_factory.mktemp(f"demo-{runner}-out")
    audit = tmp_path_factory.mktemp(f"demo-{runner}-audit") / "secrets.json"
    proc = subprocess.run(
        [sys.executable, "-m", "demo", "--runner", runner, "--secrets-audit-file", str(audit)],
        capture_output=True,
        text=True,
        timeout=840,
        env={**os.environ, "SANDBOX_DEMO_OUTPUT": str(out), "PYTHONUNBUFFERED": "1"},
    )
    summary = out / "demo-summary.json"
    figures = json.loads(summary.read_text()) if summary.exists() else {}
    return {"runner": runner, "proc": proc, "out": out, "figures": figures, "audit": audit}


@pytest.fixture(scope="module")
def meltano_demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run_demo(tmp_path_factory, "meltano")


@pytest.fixture(scope="module")
def airbyte_demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run_demo(tmp_path_factory, "airbyte")


@pytest.fixture(params=RUNNERS)
def demo(request: pytest.FixtureRequest) -> dict[str, Any]:
    result: dict[str, Any] = request.getfixturevalue(f"{request.param}_demo")
    return result


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
    assert f"HTML report: {demo['out'] / 'demo-report.html'}" in proc.stdout
    assert demo["figures"]["problems"] == []
    assert demo["figures"]["runner"] == demo["runner"]
    assert f"(runner: {demo['runner']})" in proc.stdout


def test_progress_is_visible_while_it_runs(demo):
    out = demo["proc"].stdout
    if demo["runner"] == "airbyte":
        assert "checkpoint" in out and "read 50 records so far" in out
        return
    assert "[1/4] meltano run autotask-to-xero" in out
    assert "[3/4] meltano run xero-payments-to-autotask" in out
    assert "[4/4] The same forward sync again, it must write nothing: meltano run --full-refresh" in out
    for line in (
        "meltano: No state was found, complete import.",
        "tap-autotask: beginning sync of 'invoices'",
        "tap-autotask: 298 invoices records read",
        "target-xero: 50 documents decided so far",
        "target-xero: rejected invoice",
        "meltano: Incremental state has been updated",
        "meltano: Run completed",
    ):
        assert line in out, line
    # Meltano's own detail stays out: no raw JSON log line, no run id.
    assert '"event":' not in out and "run ID" not in out
    # Never a line more than the relay allows (rejection reasons are cut; the full text is in the file).
    assert max(len(line) for line in out.splitlines()) < 260


def test_every_exercised_row_has_figures(demo):
    f = demo["figures"]
    for name, currency in ((UK, "GBP"), (AU, "AUD"), (US, "USD")):
        org = _org(f, name)
        assert org["currency"] == currency
        assert _n(org, "invoice", "created") > 0, name
        assert _n(org, "credit_note", "created") > 0, name
        assert _n(org, "contact", "created") > 0, name
        assert _n(org, "invoice", "skipped") > 0, name  # voided invoices
        assert org["rounding_lines"] > 0, name
    uk = _org(f, UK)
    assert _n(uk, "purchase_order", "created") > 0
    assert _n(uk, "item", "created") > 0
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
    assert calls["xero_tier"]["name"] == "starter", "the sandbox's default tier: an MSP's own app"
    for row in calls["xero"]:
        assert 0 < row["peak_minute"] <= row["calls"] <= 1000  # Starter's day limit
        assert row["bytes"] > 0, row
        assert row["peak_minute"] <= 60, row  # the demo stays inside Xero's per-minute limit
    assert 0 < calls["autotask"]["peak_hour"] <= calls["autotask"]["calls"] < 10_000
    assert "of 1,000/day" in demo["proc"].stdout and "10,000/hour" in demo["proc"].stdout
    assert "(Xero app tier: starter)" in demo["proc"].stdout and "bytes received" in demo["proc"].stdout


def test_second_run_made_zero_xero_writes(demo):
    second = demo["figures"]["second_run"]
    assert second["xero_writes"] == 0
    assert second["unchanged"] > 200  # everything was re-read (Meltano: --full-refresh), nothing rewritten
    assert "Xero writes (PUT/POST): 0" in demo["proc"].stdout
    if demo["runner"] == "meltano":
        assert second["state_resumed"] is False  # the full refresh did not start from the saved bookmarks


_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _comparable(value: Any) -> Any:
    """Figures without what differs between two sandboxes by design: the ids Xero generates, and the
    Autotask calls of the payments destination, which depend on how the runner batches records into its
    flushes (singer-sdk drains per batch, the Airbyte CDK per state message)."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items() if k != "autotask_calls"}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    if isinstance(value, str) and _UUID.match(value):
        return "<xero id>"
    return value


def test_both_runners_report_the_same_figures(meltano_demo, airbyte_demo):
    """Same dataset, same seed, same connectors: only the runner differs, so every figure a finance admin
    reads must be the same (the Meltano runner reads the connectors' own summary off Meltano's log)."""
    meltano, airbyte = meltano_demo["figures"], airbyte_demo["figures"]
    assert meltano["organisations"] == airbyte["organisations"]
    assert meltano["unrouted_rejected"] == airbyte["unrouted_rejected"]
    assert _comparable(meltano["payments"]) == _comparable(airbyte["payments"])
    assert meltano["second_run"]["unchanged"] == airbyte["second_run"]["unchanged"]
    for runner in (meltano, airbyte):
        assert runner["second_run"]["xero_writes"] == 0


def test_html_report_is_self_contained_and_holds_the_figures(demo):
    page = (demo["out"] / "demo-report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<svg" in page
    for external in ("<script", "<link", "src=", "url(", "@import"):
        assert external not in page
    f = demo["figures"]
    for name in (UK, AU, US):
        org = _org(f, name)
        assert name in page
        assert f"<td>{_n(org, 'invoice', 'created')}</td>" in page
    assert f"Rejected {len(_org(f, AU)['rejections'][0]['documents'])}</span>" in page
    assert "Xero writes on the second run: 0" in page
    assert f"runner: {demo['runner']}" in page


def test_the_demo_renders_the_destinations_own_run_reports(demo):
    """The per-organisation figures of the page and the summary are the run reports the destinations
    wrote (`report_path`), rendered by the product's renderer: the page holds its sections once per
    report, and the payments figures add up to the destination's own summary line."""
    from connector_kit.run_report import load_report

    out = demo["out"]
    forward = load_report(out / "report-forward.json")
    payments = load_report(out / "report-payments.json")
    second = load_report(out / "report-second-sync.json")
    assert (forward.connector, payments.connector) == ("destination-xero", "destination-autotask-payments")
    assert forward.exit_status == second.exit_status == 1 and payments.exit_status == 0
    assert [o.name for o in forward.organisations] == [UK, AU, US]
    au = next(o for o in forward.organisations if o.name == AU)
    assert any("Map the tax region 'New Zealand GST'" in step for step in forward.next_steps)
    assert any(g.next_step and "then the next run sends these" in g.next_step for g in au.rejections)
    summary = demo["figures"]["payments"]["summary"]
    marked = sum(o.count("invoice", "marked_paid") for o in payments.organisations)
    assert marked == summary["marked_paid"] > 0
    assert sum(o.count("invoice", "partial") for o in payments.organisations) == len(summary["partial"])
    page = (out / "demo-report.html").read_text(encoding="utf-8")
    assert page.count('<section class="run-report"') == 2  # forward, payments
    for section in ("What to do next", "Documents per organisation", "Calls against vendor limits"):
        assert page.count(f"<h3>{section}</h3>") == 2, section
    assert 'data-connector="destination-autotask-payments"' in page and "<th>marked paid</th>" in page
    stdout = demo["proc"].stdout
    assert "What to do next:" in stdout and "Calls against vendor limits:" in stdout


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


def test_without_meltano_the_demo_names_the_airbyte_runner(tmp_path: Path):
    """No network: Meltano cannot be installed. The demo stops before starting anything and says how to
    run without Meltano (uv is kept offline with an empty cache, and the virtualenv goes to a new path)."""
    env = {
        **os.environ,
        "AUTOTASK_XERO_MELTANO_VENV": str(tmp_path / "meltano-venv"),
        "UV_OFFLINE": "1",
        "UV_CACHE_DIR": str(tmp_path / "uv-cache"),
        "UV_PYTHON_DOWNLOADS": "never",
        "PIP_NO_INDEX": "1",
        "SANDBOX_DEMO_OUTPUT": str(tmp_path / "out"),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "demo"], capture_output=True, text=True, timeout=300, env=env
    )
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Meltano could not be installed" in proc.stderr
    assert "uv run python -m demo --runner airbyte" in proc.stderr
    assert "Starting the sandbox" not in proc.stdout
    assert not (tmp_path / "meltano-venv" / ".complete").exists()


def _meltano_line(event: str, name: str | None = None, level: str = "info") -> str:
    entry: dict[str, Any] = {"event": event, "level": level, "timestamp": "2026-11-25T22:07:59.538302Z"}
    if name:
        entry.update({"name": name, "stdio": "stderr", "string_id": name, "cmd_type": "elb"})
    return json.dumps(entry)


def test_meltano_output_reads_the_targets_own_lines_with_exact_money():
    """The parser on Meltano's `--log-format=json` shape (as recorded from a real run): figures come from
    the target's `summary` and `decision` lines, money stays Decimal, the tap's record counts add up."""
    from decimal import Decimal

    from demo.meltano_runner import MeltanoOutput

    shown: list[str] = []
    output = MeltanoOutput(shown.append, "tap-autotask", "target-xero")
    lines = [
        _meltano_line("Reading state from Database"),
        _meltano_line("No state was found, complete import.", level="warning"),
        _meltano_line("Using systemdb state backend"),
        _meltano_line("Beginning sync of 'invoices' in incremental mode", "tap-autotask"),
        _meltano_line(
            'METRIC: {"type":"counter","metric":"record_count","value":250,"tags":{"stream":"invoices"}}',
            "tap-autotask",
        ),
        _meltano_line(
            'METRIC: {"type":"counter","metric":"record_count","value":48,"tags":{"stream":"invoices"}}',
            "tap-autotask",
        ),
        _meltano_line(
            'METRIC: {"type":"counter","metric":"record_count","value":298,"tags":{"stream":"invoices"}}',
            "target-xero",
        ),
        _meltano_line("rejected invoice 20013: currency USD is not enabled", "target-xero"),
        *[
            _meltano_line(f'decision {{"action": "create", "key": "{n}", "rounding": 0.01}}', "target-xero")
            for n in range(50)
        ],
        _meltano_line(
            'summary {"Northwind MSP Ltd": {"documents": {"invoice": {"create": 50}}, "total": 10.10}}',
            "target-xero",
        ),
        _meltano_line("Incremental state has been updated at 2026-11-25 22:08:12.275152+00:00."),
        _meltano_line("Run completed"),
    ]
    for line in lines:
        output.feed(line + "\n")
    result = output.finish(0, 12.5, "autotask-to-xero")
    assert result.failure is None
    assert result.records == {"invoices": 298}  # the tap's counters only, summed
    assert result.states == 1 and result.state_resumed is False
    assert result.summary == {
        "Northwind MSP Ltd": {"documents": {"invoice": {"create": 50}}, "total": Decimal("10.10")}
    }
    assert len(result.decisions()) == 50 and result.decisions()[0]["rounding"] == Decimal("0.01")
    assert "    target-xero: 50 documents decided so far (create 50)" in shown
    assert "    tap-autotask: 298 invoices records read" in shown
    assert "    target-xero: rejected invoice 20013: currency USD is not enabled" in shown
    assert "    meltano: No state was found, complete import." in shown
    assert not any("systemdb" in line or "METRIC" in line for line in shown)


def test_meltano_output_says_why_a_run_failed():
    from demo.meltano_runner import MeltanoOutput

    shown: list[str] = []
    output = MeltanoOutput(shown.append, "tap-autotask", "target-xero")
    output.feed(_meltano_line("Reading state from Database") + "\n")
    output.feed(_meltano_line("Found state from 2026-11-25", level="info") + "\n")
    output.feed(_meltano_line("Loader failed", level="error") + "\n")
    output.feed("Error: Loader failed\n")  # Meltano's own last words are not JSON
    failed = output.finish(1, 3.0, "autotask-to-xero")
    assert failed.failure is not None
    assert failed.failure.startswith("meltano run autotask-to-xero exited 1: ")
    assert "meltano: Loader failed" in failed.failure and "Error: Loader failed" in failed.failure
    assert failed.state_resumed is True

    quiet = MeltanoOutput(shown.append, "tap-autotask", "target-xero")
    assert (
        quiet.finish(0, 1.0, "autotask-to-xero").failure
        == "meltano run autotask-to-xero: target-xero logged no summary"
    )


def test_both_runners_end_each_job_with_the_status_a_scheduler_sees(meltano_demo, airbyte_demo):
    """Before: the Meltano runner turned `fail_on_rejections` off, so its forward job exited 0 on the
    planted rejections while the Airbyte runner's exited 1. Now both run the committed config, report the
    same exit status per job, and the summary says a real run would end failed (the demo still exits 0).
    (That both runners reject the same documents is test_both_runners_report_the_same_figures.)"""
    statuses = {
        demo["runner"]: [(j["job"], j["exit_status"]) for j in demo["figures"]["exit_status"]]
        for demo in (meltano_demo, airbyte_demo)
    }
    assert statuses["meltano"] == statuses["airbyte"]
    assert statuses["meltano"] == [("forward sync", 1), ("payments sync", 0), ("second sync", 1)]
    for demo in (meltano_demo, airbyte_demo):
        figures = demo["figures"]
        by_job = {j["job"]: j for j in figures["exit_status"]}
        documents = sum(
            n for org in figures["organisations"] for per in org["documents"].values()
            for action, n in per.items() if action in ("rejected", "not_changeable")
        )  # fmt: skip
        assert by_job["forward sync"]["rejected"] == documents + figures["unrouted_rejected"] > 0
        assert by_job["payments sync"]["rejected"] == 0
        assert demo["proc"].returncode == 0
        assert "EXIT STATUS a scheduler would see" in demo["proc"].stdout
        assert "A real scheduled run of these jobs ends failed (exit 1)" in demo["proc"].stdout


def test_a_job_ending_on_its_rejections_is_its_exit_status_not_a_demo_failure():
    """The one rule both runners apply (demo.jobs.ended_on_rejections), on each runner's own evidence:
    Meltano's "Block run completed" exit codes, the Airbyte pipe's two exit statuses."""
    from collections import Counter

    from demo.jobs import _job_result, payments_rejected
    from demo.meltano_runner import MeltanoOutput
    from demo.pipe import PipeResult

    summary = {UK: {"documents": {"invoice": {"create": 3, "rejected": 2}}, "stopped": None}}
    summary_line = _meltano_line("summary " + json.dumps(summary), "target-xero")

    def meltano(exit_codes: dict[str, int], summary_line: str = summary_line) -> Any:
        output = MeltanoOutput(lambda _: None, "tap-autotask", "target-xero")
        output.feed(summary_line + "\n")
        output.feed(json.dumps({"event": "Block run completed", "level": "error", "exit_codes": exit_codes}))
        return output.finish(1, 1.0, "autotask-to-xero")

    on_rejections = meltano({"loaders": 1})
    assert on_rejections.failure is None
    assert (on_rejections.exit_status, on_rejections.rejected) == (1, 2)
    assert meltano({"extractors": 1, "loaders": 1}).failure is not None  # the tap broke
    stopped = {UK: {"documents": {"invoice": {"rejected": 2}}, "stopped": "daily call limit"}}
    assert meltano({"loaders": 1}, _meltano_line("summary " + json.dumps(stopped), "target-xero")).failure

    def pipe(source: int, destination: int, report: dict[str, Any] | None) -> Any:
        result = PipeResult(source, destination, Counter(), summary=report, trace_errors=["3 rejected"])
        return _job_result(result, "source-xero-payments", "destination-autotask-payments", payments_rejected)

    assert pipe(0, 1, {"unmatched_or_rejected": 3}).failure is None
    assert pipe(0, 1, {"unmatched_or_rejected": 3}).exit_status == 1
    assert pipe(0, 1, {"unmatched_or_rejected": 0}).failure is not None  # exit 1 without a rejection
    assert pipe(1, 1, {"unmatched_or_rejected": 3}).failure is not None
    assert pipe(0, 1, None).failure is not None
