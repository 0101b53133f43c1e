"""The testkit plugins under `pytest -n 2`, as `make test` runs them: an inner session in a subprocess.

Why this is tested: under xdist the tests run in worker processes and the controller, which runs no test,
decides the exit status and prints the summary. A worker's own exit status is thrown away, so a secret that
only the end-of-session scan finds would pass silently unless the worker hands it over; the reliability
rows would never reach the printed table; and workers sharing one TMPDIR would share destination-xero's
run-lock files. The inner session plants each case and the outer test reads its verdict and output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

TESTS_DIR = Path(__file__).resolve().parent
PLANTED = "planted-secret-value-for-the-final-scan"

MODULE = """
import json, os
from pathlib import Path
from sandbox_testkit.scoreboard import BOARD

def test_records_a_row_and_its_tmpdir():
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    BOARD.row("Inner", "row from {name}", measured=worker, target="t", met=True)
    Path(os.environ["INNER_OUT"], "{name}.json").write_text(json.dumps([worker, os.environ["TMPDIR"]]))
"""

LEAK = """
import json

def test_leaves_a_secret_only_the_final_scan_finds(tmp_path_factory):
    kept = tmp_path_factory.mktemp("kept")
    (kept / "secrets.json").write_text(json.dumps(["{secret}"]))
    (kept / "run.log").write_text("token {secret}\\n")
"""


@pytest.mark.timeout(240)
def test_the_controller_gets_every_workers_findings_and_rows() -> None:
    with tempfile.TemporaryDirectory(prefix="testkit-xdist-inner-") as inner:
        root = Path(inner)
        out = root / "out"
        out.mkdir()
        (root / "pytest.ini").write_text("[pytest]\naddopts = --import-mode=importlib\n", encoding="utf-8")
        (root / "test_a.py").write_text(MODULE.replace("{name}", "a"), encoding="utf-8")
        (root / "test_b.py").write_text(
            MODULE.replace("{name}", "b") + LEAK.replace("{secret}", PLANTED), encoding="utf-8"
        )
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]),
            "INNER_OUT": str(out),
        }
        plugins = ["secret_scan", "isolation", "scoreboard"]
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                *[arg for name in plugins for arg in ("-p", f"sandbox_testkit.{name}")],
                "-p",
                "no:cacheprovider",
                "-n",
                "2",
                "--dist",
                "loadfile",
                "--basetemp",
                str(root / "tmp"),
                "-c",
                str(root / "pytest.ini"),
                str(root / "test_a.py"),
                str(root / "test_b.py"),
            ],
            capture_output=True,
            text=True,
            cwd=root,
            env=env,
            timeout=200,
        )
        output = proc.stdout + proc.stderr
        seen = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*.json")}
    assert "3 passed" in output, output[-4000:]
    assert proc.returncode == 1, "a secret left in a worker's files must fail the run:\n" + output[-4000:]
    assert "1 sandbox secret(s) found in files left by the session" in output, output[-4000:]
    assert "run.log:1: secret listed in secrets.json" in output, output[-4000:]
    assert PLANTED not in output
    assert "reliability (ci profile)" in output, output[-4000:]
    assert "| Inner | row from a |" in output and "| Inner | row from b |" in output, output[-4000:]
    workers = {worker for worker, _ in seen.values()}
    tmpdirs = {tmpdir for _, tmpdir in seen.values()}
    assert workers == {"gw0", "gw1"}, seen
    assert len(tmpdirs) == 2 and os.environ.get("TMPDIR") not in tmpdirs, seen
    assert all(Path(t).name.startswith(f"atx-{w}-") for w, t in seen.values()), seen
    assert all(Path(t).parent == Path(tempfile.gettempdir()).parent for _, t in seen.values()), seen
