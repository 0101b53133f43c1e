"""`xero-auth` end to end: the real console script against a real sandbox, consent done over HTTP."""

from __future__ import annotations

import json
import os
import queue
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
import yaml
from sandbox.launcher import RunningSandbox, running_sandbox

SCRIPT = Path(sys.executable).with_name("xero-auth")


@pytest.fixture(scope="module")
def xero_sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox("demo", rate_limits="off") as sbx:
        yield sbx


@dataclass
class Helper:
    process: subprocess.Popen[str]
    lines: queue.Queue[str] = field(default_factory=queue.Queue)
    stdout: list[str] = field(default_factory=list)
    stderr: str = ""

    def authorize_url(self, prefix: str) -> str:
        while True:
            line = self.lines.get(timeout=20)
            if line.startswith(prefix):
                return line.strip()

    def finish(self) -> int:
        rc = self.process.wait(timeout=30)
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()
        return rc

    @property
    def output(self) -> str:
        return "".join(self.stdout) + self.stderr


def start(
    sbx: RunningSandbox,
    store: Path,
    *,
    secret: str | None = None,
    timeout: float = 20,
    extra: tuple[str, ...] = (),
) -> Helper:
    xero = sbx.xero
    env = {k: v for k, v in os.environ.items() if not k.startswith("XERO_")}
    env["XERO_CLIENT_SECRET"] = secret if secret is not None else xero["client_secret"]
    command = [
        str(SCRIPT),
        "--client-id",
        xero["client_id"],
        "--identity-url",
        xero["identity_url"],
        "--no-browser",
        "--timeout",
        str(timeout),
        "--token-store",
        str(store),
        *extra,
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, env=env
    )
    helper = Helper(process)

    def _read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            helper.stdout.append(line)
            helper.lines.put(line)

    threading.Thread(target=_read, daemon=True).start()
    return helper


def consent(sbx: RunningSandbox, helper: Helper) -> str:
    """The sandbox auto-consents: its 302 Location is the loopback callback with code and state."""
    url = helper.authorize_url(f"{sbx.xero['identity_url']}/connect/authorize?")
    response = requests.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith("http://127.0.0.1:") and "/callback?" in location
    return location


def assert_no_secrets(sbx: RunningSandbox, helper: Helper, extra: list[str]) -> None:
    for secret in [*sbx.secrets(), *extra]:
        assert secret not in helper.output


def exchanges(sbx: RunningSandbox) -> int:
    """Authorization-code exchanges the sandbox has seen (its log keeps the grant type, never the code)."""
    log = sbx.admin("xero", "requests")
    return sum(
        1
        for entry in log
        if entry["path"] == "/connect/token"
        and (entry["body"] or {}).get("grant_type") == "authorization_code"
    )


def test_consent_stores_a_working_refresh_token_and_lists_tenants(
    xero_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    store = tmp_path / "cfg" / "xero-token.json"
    before = exchanges(xero_sandbox)
    helper = start(xero_sandbox, store)
    location = consent(xero_sandbox, helper)
    code = parse_qs(urlsplit(location).query)["code"][0]
    assert requests.get(location, timeout=10).status_code == 200
    assert helper.finish() == 0, helper.output
    assert exchanges(xero_sandbox) == before + 1
    out = "".join(helper.stdout)
    assert "Redirect URI" in out and "/callback" in out
    demo = xero_sandbox.xero["tenants"]
    assert len(demo) == 3
    listed = [line for line in helper.stdout if "tenant id:" in line]
    assert len(listed) == 3, out
    for tenant in demo:
        assert any(tenant["tenant_id"] in line and tenant["name"] in line for line in listed), out
    snippet = yaml.safe_load(out[out.index("tenants:") :])
    assert {(t["tenant_id"], t["name"]) for t in snippet["tenants"]} == {
        (t["tenant_id"], t["name"]) for t in demo
    }
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    refresh = json.loads(store.read_text())["refresh_token"]
    xero = xero_sandbox.xero
    renewed = requests.post(
        f"{xero['identity_url']}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh},
        auth=(xero["client_id"], xero["client_secret"]),
        timeout=10,
    )
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["refresh_token"] != refresh
    assert_no_secrets(xero_sandbox, helper, [refresh, code, xero["client_secret"]])
    assert str(store) in out


def test_wrong_client_secret_fails_clearly(xero_sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "xero-token.json"
    wrong = "not-the-secret-0123456789"
    helper = start(xero_sandbox, store, secret=wrong)
    requests.get(consent(xero_sandbox, helper), timeout=10)
    assert helper.finish() == 1
    assert "invalid_client" in helper.stderr and "XERO_CLIENT_SECRET" in helper.stderr
    assert "Traceback" not in helper.output and wrong not in helper.output
    assert not store.exists()


def test_tampered_state_is_refused_without_exchange(xero_sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "xero-token.json"
    before = exchanges(xero_sandbox)
    helper = start(xero_sandbox, store)
    parts = urlsplit(consent(xero_sandbox, helper))
    query = parse_qs(parts.query)
    query["state"] = ["forged-state"]
    tampered = urlunsplit(parts._replace(query=urlencode({k: v[0] for k, v in query.items()})))
    requests.get(tampered, timeout=10)
    assert helper.finish() == 1
    assert "state mismatch" in helper.stderr and "Traceback" not in helper.output
    assert not store.exists()
    # the code was never spent: the helper refused it before any exchange
    assert exchanges(xero_sandbox) == before
    assert xero_sandbox.xero["client_secret"] not in helper.output


def test_denied_consent_fails_clearly(xero_sandbox: RunningSandbox, tmp_path: Path) -> None:
    helper = start(xero_sandbox, tmp_path / "xero-token.json")
    url = helper.authorize_url(f"{xero_sandbox.xero['identity_url']}/connect/authorize?")
    params = parse_qs(urlsplit(url).query)
    callback = (
        params["redirect_uri"][0] + "?" + urlencode({"error": "access_denied", "state": params["state"][0]})
    )
    requests.get(callback, timeout=10)
    assert helper.finish() == 1
    assert "denied" in helper.stderr and "Traceback" not in helper.output


def test_authorize_url_asks_pkce_s256_and_the_default_scopes(
    xero_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    helper = start(xero_sandbox, tmp_path / "t.json", timeout=1)
    url = helper.authorize_url(f"{xero_sandbox.xero['identity_url']}/connect/authorize?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    assert params["code_challenge_method"] == "S256" and len(params["code_challenge"]) == 43
    assert params["response_type"] == "code" and len(params["state"]) >= 16
    asked = set(params["scope"].split())
    assert asked >= {"offline_access", "accounting.invoices", "accounting.contacts", "accounting.settings"}
    assert "accounting.payments.read" in asked, "the payments source shares the consent"
    assert not asked & {"accounting.transactions", "accounting.transactions.read", "accounting.reports.read"}
    assert urlsplit(params["redirect_uri"]).hostname == "127.0.0.1"
    assert helper.finish() == 1


def test_timeout_fails_clearly(xero_sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "xero-token.json"
    helper = start(xero_sandbox, store, timeout=0.5)
    assert helper.finish() == 1
    assert "timed out" in helper.stderr and "Traceback" not in helper.output
    assert not store.exists()


def test_missing_secret_is_an_error_not_a_prompt(xero_sandbox: RunningSandbox, tmp_path: Path) -> None:
    helper = start(xero_sandbox, tmp_path / "t.json", secret="")
    assert helper.finish() == 1
    assert "XERO_CLIENT_SECRET" in helper.stderr and "Traceback" not in helper.output


BROAD = "offline_access accounting.transactions accounting.contacts accounting.settings"


@pytest.fixture(scope="module")
def legacy_sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox("demo", rate_limits="off", legacy_app=True) as sbx:
        yield sbx


def run_consent(sbx: RunningSandbox, store: Path, extra: tuple[str, ...]) -> Helper:
    """xero-auth through the sandbox's auto-consent to its end."""
    helper = start(sbx, store, extra=extra)
    assert requests.get(consent(sbx, helper), timeout=10).status_code == 200
    helper.finish()
    return helper


def granted(store: Path, sbx: RunningSandbox) -> set[str]:
    """The scopes the stored refresh token carries (a refresh answers with them)."""
    xero = sbx.xero
    answer = requests.post(
        f"{xero['identity_url']}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": json.loads(store.read_text())["refresh_token"]},
        auth=(xero["client_id"], xero["client_secret"]),
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return set(answer.json()["scope"].split())


def test_default_scopes_work_on_a_new_app_and_are_reported(
    xero_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    store = tmp_path / "xero-token.json"
    helper = run_consent(xero_sandbox, store, ())
    assert helper.process.returncode == 0, helper.output
    assert "Scopes granted: " in helper.output and "accounting.invoices" in helper.output
    assert {"accounting.invoices", "accounting.payments.read"} <= granted(store, xero_sandbox)


def test_broad_scopes_on_a_new_app_fail_with_what_to_do(xero_sandbox: RunningSandbox, tmp_path: Path) -> None:
    store = tmp_path / "xero-token.json"
    helper = start(xero_sandbox, store, timeout=3, extra=("--scopes", BROAD))
    url = helper.authorize_url(f"{xero_sandbox.xero['identity_url']}/connect/authorize?")
    refused = requests.get(url, allow_redirects=False, timeout=10)
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    assert helper.finish() == 1
    assert "Traceback" not in helper.output
    assert "accounting.transactions" in helper.stderr and "2 March 2026" in helper.stderr
    assert "without --scopes" in helper.stderr
    assert "Invalid scope for client" in "".join(helper.stdout), "the note comes before the wait"
    assert not store.exists()
    assert_no_secrets(xero_sandbox, helper, [xero_sandbox.xero["client_secret"]])


@pytest.mark.parametrize(
    "extra", [(), ("--scopes", BROAD), ("--legacy-scopes",)], ids=["default", "scopes", "legacy-scopes"]
)
def test_a_legacy_app_takes_both_scope_sets(
    legacy_sandbox: RunningSandbox, tmp_path: Path, extra: tuple[str, ...]
) -> None:
    store = tmp_path / "xero-token.json"
    helper = run_consent(legacy_sandbox, store, extra)
    assert helper.process.returncode == 0, helper.output
    scopes = granted(store, legacy_sandbox)
    expected = "accounting.invoices" if not extra else "accounting.transactions"
    assert expected in scopes, scopes
    assert_no_secrets(legacy_sandbox, helper, [json.loads(store.read_text())["refresh_token"]])


def test_scopes_and_legacy_scopes_exclude_each_other(xero_sandbox: RunningSandbox, tmp_path: Path) -> None:
    helper = start(xero_sandbox, tmp_path / "t.json", extra=("--scopes", BROAD, "--legacy-scopes"))
    assert helper.finish() == 2
    assert "not allowed with argument" in helper.stderr and "Traceback" not in helper.output
