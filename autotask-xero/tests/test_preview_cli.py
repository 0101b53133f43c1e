"""`autotask-xero preview` on the demo sandbox: a dry-run first sync as a page a browser opens.

Asserted: nothing is written to Xero (the sandbox's request log holds only reads and the token call),
and the page, opened in headless Chromium, has one section per organisation of the demo, each with its
documents and their totals.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from demo import configs as demo_configs
from sandbox import launcher

ORGANISATIONS = {"Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"}


def _browser() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)


def test_the_preview_writes_nothing_and_opens_with_a_section_per_organisation(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "autotask-xero"
    page = tmp_path / "preview.html"
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        paths = demo_configs.write_configs(sb.info, tmp_path, tmp_path)
        seen = len(sb.admin("xero", "requests"))
        proc = subprocess.run(
            [str(script), "preview", "--source", str(paths.source), "--destination", str(paths.destination),
             "--since", "2026-01-01", "--html", str(page)],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        requests = sb.admin("xero", "requests")[seen:]
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr[-2000:]
    assert requests
    writes = [r for r in requests if r["method"] != "GET" and r["path"] != "/connect/token"]
    assert not writes, writes[:3]
    browser = _browser()
    if browser is None:
        pytest.skip("no chromium on this machine")
    dom = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    sections = dom.count('<section class="organisation"')
    assert sections == len(ORGANISATIONS), dom[:2000]
    for name in ORGANISATIONS:
        assert f"<h2>{name}</h2>" in dom
    assert dom.count('<article class="document"') >= 300 and "Total tax" in dom
    assert '<span class="rejected">rejected</span>' in dom and '<p class="reason">' in dom
    assert "<h3>Would be created</h3>" in dom
