"""The secret-scan plugin catches a leak: an inner pytest session (a real subprocess, with the plugin) whose
tests start a real sandbox and leak its secrets in each place the plugin watches, next to tests that keep
them where they belong. The outer test reads the inner session's verdicts and output.

Why a subprocess and not in-process pytester: the plugin patches the launcher and `subprocess` for its whole
process and keeps session state; an inner session in the same process would share both with this one.
The inner session's files live outside this session's temp directory, so the leaks planted there are
never seen by the plugin running around this test.
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

INNER = """
import base64, json, subprocess, sys
from pathlib import Path
import pytest
from sandbox.launcher import running_sandbox

@pytest.fixture(scope="module")
def sb():
    with running_sandbox("bench:1", rate_limits="off") as running:
        # the outer test needs the secrets to prove the report never shows them; a *secret* name is on purpose
        Path(__file__).with_name("issued-secrets.json").write_text(json.dumps(running.secrets()))
        yield running

def test_prints_a_secret(sb):
    print("refreshing with", sb.info["xero"]["refresh_token"])

def test_logs_a_secret_to_a_file(sb, tmp_path):
    (tmp_path / "state").mkdir()
    secret = sb.info["autotask"]["secret"]
    (tmp_path / "state" / "run.log").write_text("started\\nauth failed for " + secret + "\\n")

def test_subprocess_stderr_leaks(sb):
    code = "import sys; sys.stderr.write(sys.argv[1])"
    subprocess.run([sys.executable, "-c", code, "x" + sb.info["xero"]["client_secret"]], capture_output=True)

def test_basic_header_leaks(sb):
    x = sb.info["xero"]
    pair = (x["client_id"] + ":" + x["client_secret"]).encode()
    print("Authorization: Basic " + base64.b64encode(pair).decode())

def test_url_encoded_leak_in_rejected_records(sb, tmp_path):
    from urllib.parse import quote
    code = quote(sb.info["autotask"]["integration_code"], safe="")
    line = {"reason": "POST /token?code=" + code, "kind": "invoice"}
    (tmp_path / "rejected.jsonl").write_text(json.dumps(line) + "\\n")

def test_configs_and_stores_written_on_purpose_pass(sb, tmp_path):
    x, a = sb.info["xero"], sb.info["autotask"]
    auth = {"type": "refresh_token", "client_secret": x["client_secret"], "refresh_token": x["refresh_token"]}
    config = {"auth": auth}
    (tmp_path / "destination.json").write_text(json.dumps(config))
    (tmp_path / "tap.json").write_text(json.dumps({"username": a["username"], "secret": a["secret"]}))
    (tmp_path / "mapping.yaml").write_text("auth:\\n  client_secret: " + x["client_secret"] + "\\n")
    (tmp_path / "xero-token-store.json").write_text(json.dumps({"refresh_token": x["refresh_token"]}))
    (tmp_path / "sandbox.env").write_text("export XERO_CLIENT_SECRET=" + x["client_secret"] + "\\n")
    control = {"type": "CONTROL", "control": {"connectorConfig": {"config": config}}}
    (tmp_path / "destination-output.jsonl").write_text(json.dumps(control) + "\\n")
    print("wrote the configs")

def test_a_config_dumped_into_a_log_line_fails(sb, tmp_path):
    config = {"client_secret": sb.info["xero"]["client_secret"]}
    (tmp_path / "debug.log").write_text("loaded config " + json.dumps(config) + "\\n")
"""

LEAKING = {
    "test_prints_a_secret": "captured stdout call:1: xero.refresh_token",
    "test_logs_a_secret_to_a_file": "run.log:2: autotask.secret",
    "test_subprocess_stderr_leaks": "stderr:1: xero.client_secret",
    "test_basic_header_leaks": "captured stdout call:1: xero.client_secret (Basic authorization)",
    "test_url_encoded_leak_in_rejected_records": "rejected.jsonl:1: autotask.integration_code",
    "test_a_config_dumped_into_a_log_line_fails": "debug.log:1: xero.client_secret",
}


@pytest.mark.timeout(240)
def test_the_plugin_fails_every_leak_and_only_leaks() -> None:
    with tempfile.TemporaryDirectory(prefix="secret-scan-inner-") as inner:
        root = Path(inner)
        (root / "pytest.ini").write_text("[pytest]\naddopts = --import-mode=importlib\n", encoding="utf-8")
        (root / "test_inner.py").write_text(INNER, encoding="utf-8")
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]),
        }
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "sandbox_testkit.secret_scan",
                "-p",
                "no:cacheprovider",
                "-rA",
                "-q",
                "--basetemp",
                str(root / "tmp"),
                "-c",
                str(root / "pytest.ini"),
                str(root / "test_inner.py"),
            ],
            capture_output=True,
            text=True,
            cwd=root,
            env=env,
            timeout=200,
        )
        output = proc.stdout + proc.stderr
        issued = json.loads((root / "issued-secrets.json").read_text(encoding="utf-8"))
    assert proc.returncode == 1, output[-4000:]
    for name, finding in LEAKING.items():
        assert f"FAILED test_inner.py::{name}" in output, (name, output[-4000:])
        block = output.split(f"_ {name} _", 1)[1].split("\n___", 1)[0] if f"_ {name} _" in output else ""
        assert "secret scan:" in block and finding in block, (name, block[-2000:])
    assert "PASSED test_inner.py::test_configs_and_stores_written_on_purpose_pass" in output, output[-4000:]
    assert len(issued) >= 4
    for secret in issued:
        assert secret not in output, "the plugin's own report must never show the secret"
