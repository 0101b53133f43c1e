"""`source-xero-payments check` (the Airbyte CLI, a real process) names a scope its token lacks.

The refresh token comes from a consent asking for exactly the scopes under test, as `xero-auth --scopes`
would obtain it against the sandbox's default app (created after 2 March 2026: granular scopes only)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from payments_testkit.support import UK, source_config
from sandbox.launcher import RunningSandbox
from xero_client.scopes import XERO_AUTH_SCOPES

BIN = Path(sys.executable).parent
CALLBACK = "http://127.0.0.1:9/callback"


def consented_store(sandbox: RunningSandbox, scope: str, store: Path) -> Path:
    """A token store holding the refresh token of a new consent to `scope` (what xero-auth writes)."""
    xero = sandbox.xero
    answer = requests.get(
        f"{sandbox.xero_root}/connect/authorize",
        params={
            "response_type": "code",
            "client_id": xero["client_id"],
            "redirect_uri": CALLBACK,
            "scope": scope,
            "state": "s",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = requests.post(
        f"{sandbox.xero_root}/connect/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(xero["client_id"], xero["client_secret"]),
        timeout=30,
    )
    assert tokens.status_code == 200, tokens.text
    store.write_text(json.dumps({"refresh_token": tokens.json()["refresh_token"]}), encoding="utf-8")
    return store


def check(sandbox: RunningSandbox, tmp_path: Path, scope: str) -> tuple[dict[str, Any], str]:
    store = consented_store(sandbox, scope, tmp_path / "token.json")
    config = tmp_path / "source.json"
    config.write_text(json.dumps(source_config(sandbox, store, [UK])), encoding="utf-8")
    proc = subprocess.run(
        [str(BIN / "source-xero-payments"), "check", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
        check=False,
    )
    statuses = [
        json.loads(line)["connectionStatus"]
        for line in proc.stdout.splitlines()
        if '"CONNECTION_STATUS"' in line
    ]
    assert len(statuses) == 1, proc.stdout + proc.stderr
    output = proc.stdout + proc.stderr
    for secret in [*sandbox.secrets(), json.loads(store.read_text())["refresh_token"]]:
        assert secret not in output
    return statuses[0], output


def test_a_token_without_payments_fails_check_naming_the_scope(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    status, output = check(sandbox, tmp_path, "offline_access accounting.invoices.read accounting.contacts")
    assert status["status"] == "FAILED"
    message = status["message"]
    assert "lacks scope accounting.payments.read" in message
    assert "xero-auth --token-store" in message
    assert "accounting.invoices.read" not in message.split("(granted:")[0], "only the missing scope is named"
    assert "Traceback" not in output


@pytest.mark.parametrize(
    "scope",
    [XERO_AUTH_SCOPES, "offline_access accounting.invoices.read accounting.payments.read"],
    ids=["xero-auth-default", "read-only"],
)
def test_the_default_and_the_read_only_scopes_pass_check(
    sandbox: RunningSandbox, tmp_path: Path, scope: str
) -> None:
    status, _ = check(sandbox, tmp_path, scope)
    assert status["status"] == "SUCCEEDED", status
