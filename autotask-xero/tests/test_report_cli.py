"""`autotask-xero report` through its real command line, on the reports of a real forward run and a real
payments run of the demo sandbox (the demo's own jobs: `source-autotask read | destination-xero write`,
payments recorded in Xero, then `source-xero-payments read | destination-autotask-payments write`, each
destination writing its `report_path`).

The two reports become one HTML page, opened in headless Chromium: the DOM it builds holds every section
of both reports (the page is also screenshotted, so a page the browser cannot lay out fails here), and one
Markdown file. No output holds a secret, and the secret-scan plugin does read run reports: a report with a
secret planted in it is found.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from connector_kit.run_report import load_report
from demo import configs as demo_configs
from demo import payments as demo_payments
from demo.jobs import AirbyteRunner, report_file
from sandbox import launcher
from sandbox_testkit import secret_scan

pytestmark = pytest.mark.timeout(900)
UK, AU, US = "Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"


def _script() -> str:
    found = Path(sys.executable).parent / "autotask-xero"
    assert found.exists(), "console script autotask-xero is not installed (run uv sync --all-packages)"
    return str(found)


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no headless Chromium on this machine (apt-get install -y chromium)")


def _browser(*args: str) -> subprocess.CompletedProcess[str]:
    command = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("report-runs")
    secrets_dir = tmp_path_factory.mktemp("report-secrets")
    with launcher.running_sandbox("demo", seed=1, rate_limits="off") as running:
        configs = demo_configs.write_configs(running.info, secrets_dir, out)
        runner = AirbyteRunner(configs, out)
        forward = runner.forward(lambda _: None, rerun=False)
        with requests.Session() as session:
            planned, _ = demo_payments.record_payments(
                running.info, configs.tenants, configs.token_store, session
            )
        payments = runner.payments(lambda _: None)
        yield {"out": out, "forward": forward, "payments": payments, "planned": planned, "running": running}


@pytest.fixture(scope="module")
def rendered(runs: dict[str, Any]) -> dict[str, Any]:
    out: Path = runs["out"]
    files = [report_file(out, "forward"), report_file(out, "payments")]
    page, text = out / "rendered" / "page.html", out / "rendered" / "page.md"
    proc = subprocess.run(
        [_script(), "report", *map(str, files), "--html", str(page), "--markdown", str(text)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return {"proc": proc, "files": files, "page": page, "markdown": text}


def test_a_forward_and_a_payments_run_each_wrote_a_report(runs: dict[str, Any]) -> None:
    forward, payments = runs["forward"].report, runs["payments"].report
    assert forward is not None and payments is not None, (runs["forward"].failure, runs["payments"].failure)
    assert forward.connector == "destination-xero" and payments.connector == "destination-autotask-payments"
    assert [o.name for o in forward.organisations] == [UK, AU, US]
    assert forward.exit_status == 1  # the demo mapping's planted rejections, with fail_on_rejections
    au = next(o for o in forward.organisations if o.name == AU)
    assert {g.example for g in au.rejections} >= {"no TaxType mapped for tax region 'New Zealand GST'"}
    assert sum(len(g.documents) for g in au.rejections) == au.count("invoice", "rejected")
    marked = sum(o.count("invoice", "marked_paid") for o in payments.organisations)
    assert marked == runs["payments"].summary["marked_paid"] >= 3


def test_the_render_command_makes_one_page_and_one_markdown_file(rendered: dict[str, Any]) -> None:
    proc = rendered["proc"]
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the forward run needs something done
    assert f"HTML report: {rendered['page']}" in proc.stdout
    assert f"Markdown report: {rendered['markdown']}" in proc.stdout
    page = rendered["page"].read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<svg" in page
    for external in ("<script", "<link", "src=", "url(", "@import"):
        assert external not in page


def test_headless_chromium_shows_every_section_of_both_reports(
    rendered: dict[str, Any], tmp_path: Path
) -> None:
    url = rendered["page"].resolve().as_uri()
    shot = tmp_path / "page.png"
    screenshot = _browser(f"--screenshot={shot}", "--window-size=1200,3000", url)
    assert shot.exists() and shot.stat().st_size > 10_000, screenshot.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    dom = _browser("--dump-dom", url).stdout
    assert dom.count('<section class="run-report"') == 2, dom[:2000]
    assert (
        'data-connector="destination-xero"' in dom and 'data-connector="destination-autotask-payments"' in dom
    )
    assert "<h1>Autotask and Xero: run report</h1>" in dom
    assert "<h2>Autotask billing to Xero</h2>" in dom and "<h2>Xero payments back to Autotask</h2>" in dom
    for heading in ("What to do next", "Documents per organisation", "Calls against vendor limits"):
        assert dom.count(f"<h3>{heading}</h3>") == 2, heading
    assert dom.count("<svg") == 2 and dom.count('<ol class="steps">') == 2
    for name in (UK, AU, US):
        assert dom.count(f'data-organisation="{name}"') == 2, name  # once per report
    text = re.sub(r"<[^>]+>", " ", dom)
    for words in (
        "Rejected 45",  # New Zealand GST, planted in the demo data
        "Map the tax region 'New Zealand GST' to a Xero tax rate",
        "Skipped",
        "carry a rounding line",
        "Items attached to",
        "Partly paid",
        "Autotask and Xero disagree",
        "Autotask (whole database)",
        "left today",
        "bytes received",
    ):
        assert words in text, words
    for column in (
        "created",
        "updated",
        "unchanged",
        "skipped",
        "rejected",
        "marked paid",
        "stamped as synced",
    ):
        assert f"<th>{column}</th>" in dom, column


def test_the_markdown_holds_the_same_sections(rendered: dict[str, Any]) -> None:
    text = rendered["markdown"].read_text(encoding="utf-8")
    assert text.startswith("# Autotask and Xero: run report\n")
    assert "## Autotask billing to Xero" in text and "## Xero payments back to Autotask" in text
    assert text.count("### What to do next") == 2 and text.count("### Calls against vendor limits") == 2
    for name in (UK, AU, US):
        assert text.count(f"### {name}") == 2, name
    assert "| Invoices |" in text and "| Autotask invoices |" in text
    assert "**Rejected 45**: no TaxType mapped for tax region 'New Zealand GST'" in text
    assert "- **Partly paid**: invoice " in text


def test_no_output_holds_a_secret_and_reports_are_scanned(rendered: dict[str, Any], tmp_path: Path) -> None:
    # the sandbox's secrets were learnt by the scan plugin when the module's sandbox started
    assert secret_scan.BOOK.forms, "the secret-scan plugin learnt no sandbox secret"
    outputs = [*rendered["files"], rendered["page"], rendered["markdown"]]
    for path in outputs:
        assert secret_scan.scan_file(path) == [], path
    secret = next(iter(secret_scan.BOOK.forms))
    planted = json.loads(rendered["files"][0].read_text(encoding="utf-8"))
    planted["next_steps"].append(f"the vendor said: {secret}")
    leaked = tmp_path / "report-forward.json"
    leaked.write_text(json.dumps(planted), encoding="utf-8")
    assert secret_scan.scan_file(leaked), "a run report with a secret in it must be found"
    leaked.unlink()  # this test's own plant: not a leak of the product


def test_a_report_of_another_schema_version_is_refused_by_name(runs: dict[str, Any], tmp_path: Path) -> None:
    data = json.loads(report_file(runs["out"], "forward").read_text(encoding="utf-8"))
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({**data, "schema_version": 2}), encoding="utf-8")
    proc = subprocess.run([_script(), "report", str(newer)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert (
        "has schema_version 2; this program reads schema_version 1 only: upgrade autotask-xero" in proc.stdout
    )
    assert load_report(report_file(runs["out"], "payments")).schema_version == 1
