"""The benchmark's peer (`bench/peer.py`): singer-io's tap-xero from PyPI and our tap-xero-payments read the
same invoices and payments of the sandbox, and the figures come from the sandbox's own counters.

Needs PyPI the first time (tap-xero's virtualenv is cached afterwards): without it the test fails with
the install error, on purpose, since the comparison is part of the benchmark. The truth both taps are
checked against is read here, over the Xero API, independently of either tap.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from bench import peer, scenarios, venvs
from sandbox.jsonmoney import loads
from sandbox.launcher import RunningSandbox, running_sandbox

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def tap_xero_venv() -> Path:
    return Path(venvs.cached_venv(peer.TAP_XERO, peer.TAP_XERO_VERSION, "tap_xero", peer.TAP_XERO_EXTRA))


@pytest.fixture(scope="module")
def synced() -> Iterator[RunningSandbox]:
    """The demo after a forward sync: Xero holds the invoices the peer comparison reads."""
    with running_sandbox("demo", seed=1, rate_limits="off") as running:
        scenarios.sync_series(running, [], scenarios.OFF_WINDOW_SECONDS, lambda _: None, reruns=False)
        yield running


def _books(running: RunningSandbox, tenant_name: str) -> dict[str, set[str]]:
    """Sales invoice and payment ids of one organisation, straight from the Xero API."""
    with requests.Session() as session:
        books = peer.Books(running, session)
        tenant_id = next(t["tenant_id"] for t in running.info["xero"]["tenants"] if t["name"] == tenant_name)
        invoices = books.all(tenant_id, "Invoices", where='Type=="ACCREC"')
        payments = books.all(tenant_id, "Payments")
    return {
        "invoices": {str(i["InvoiceID"]) for i in invoices},
        "payments": {str(p["PaymentID"]) for p in payments},
    }


def test_both_taps_read_the_same_invoices_and_payments(synced: RunningSandbox, tmp_path: Path) -> None:
    outcome = peer.run_peer(synced, tmp_path / "peer", runs=1)
    truth = _books(synced, outcome["tenant"])
    assert truth["invoices"] and truth["payments"], "the set-up left nothing to compare"
    assert len(truth["payments"]) >= peer.MIN_PAYMENTS
    for side in ("peer", "ours"):
        figures = outcome[side]
        assert figures["records"] == {s: len(truth[s]) for s in peer.STREAMS}, side
        assert figures["ids_sha256"] == {s: peer.ids_digest(truth[s]) for s in peer.STREAMS}, side
        assert figures["calls"]["median"] > 0 and figures["calls"]["runs"] == 1, side
        assert figures["calls_by_endpoint"].get("GET Invoices", 0) >= 1, side
        assert figures["calls_by_endpoint"].get("GET Payments", 0) >= 1, side
        assert figures["calls_by_endpoint"].get("POST token") == 1, side
        assert figures["wall_seconds"]["median"] > 0, side
        assert figures["leaks"] == 0, f"{side}: a secret appeared in the tap's output"
        assert figures["cpu_seconds"]["median"] > 0 and figures["peak_rss_mb"]["median"] > 10, side
    assert outcome["same_records"] is True
    # Both page until a short page (an exact multiple costs one empty page): tap-xero at Xero's default
    # 100 a page, ours at 1000; plus one token refresh each.
    invoices, payments = len(truth["invoices"]), len(truth["payments"])
    assert outcome["peer"]["calls_by_endpoint"] == {
        "GET Invoices": invoices // 100 + 1,
        "GET Payments": payments // 100 + 1,
        "POST token": 1,
    }
    assert outcome["ours"]["calls_by_endpoint"] == {
        "GET Invoices": invoices // 1000 + 1,
        "GET Payments": payments // 1000 + 1,
        "POST token": 1,
    }
    # The unchanged rerun from each tap's own state: one page per stream, and the same records re-read at
    # the inclusive bookmark (the payments recorded last and the invoices they paid), far fewer than all.
    for side in ("peer", "ours"):
        rerun = outcome[side]["unchanged_rerun"]
        assert rerun["calls_by_endpoint"] == {"GET Invoices": 1, "GET Payments": 1, "POST token": 1}, side
        assert rerun["records"]["invoices"] < invoices, side
    assert outcome["peer"]["unchanged_rerun"]["records"] == outcome["ours"]["unchanged_rerun"]["records"]
    assert outcome["machine"]["cores"] and outcome["machine"]["cpu"]
    body = json.dumps(outcome, default=str)
    leaked = [s[:4] + "…" for s in synced.secrets() if s and s in body]
    assert not leaked, f"the results carry sandbox secret(s) {leaked}"


def test_tap_xero_is_installed_unmodified(tap_xero_venv: Path) -> None:
    """The peer is pointed at the sandbox at run time only: every file of the installed distribution
    still has the hash its wheel's RECORD lists."""
    site = next((tap_xero_venv / "lib").glob("python3.*/site-packages"))
    record = next(site.glob("tap_xero-*.dist-info")) / "RECORD"
    checked = 0
    for line in record.read_text(encoding="utf-8").splitlines():
        path, digest, _ = line.rsplit(",", 2)
        if not digest or not path.startswith("tap_xero/"):
            continue
        algorithm, expected = digest.split("=", 1)
        actual = hashlib.new(algorithm, (site / path).read_bytes()).digest()
        assert base64.urlsafe_b64encode(actual).rstrip(b"=").decode() == expected, path
        checked += 1
    assert checked >= 5


def _in_peer_python(venv: Path, tmp_path: Path, code: str, env: dict[str, str]) -> Any:
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(peer.SITECUSTOMIZE, encoding="utf-8")
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        env={**venvs.clean_env(), "PYTHONPATH": str(site), **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return loads(done.stdout)


def test_redirect_reaches_the_sandbox_and_refuses_any_other_xero_host(
    tap_xero_venv: Path, tmp_path: Path, synced: RunningSandbox
) -> None:
    """tap-xero's own URLs land on the sandbox; a Xero host it does not map is refused before any packet
    leaves (so a miss can never reach the real Xero)."""
    xero = synced.info["xero"]
    before = scenarios.snapshot(synced)
    code = (
        "import json, requests\n"
        "from tap_xero import client\n"
        "out = {}\n"
        "r = requests.Session().post('https://identity.xero.com/connect/token', data={'grant_type': 'x'})\n"
        "out['token_status'] = r.status_code\n"
        "out['token_body'] = r.json()\n"
        "r = requests.Session().get(client.BASE_URL + '/Organisation')\n"
        "out['api_status'] = r.status_code\n"
        "try:\n"
        "    requests.get('https://login.xero.com/identity/connect/authorize', timeout=5)\n"
        "    out['other'] = 'sent'\n"
        "except RuntimeError as exc:\n"
        "    out['other'] = str(exc)\n"
        "print(json.dumps(out))\n"
    )
    env = {"PEER_XERO_API_URL": xero["api_url"], "PEER_XERO_IDENTITY_URL": xero["identity_url"]}
    out = _in_peer_python(tap_xero_venv, tmp_path, code, env)
    assert out["token_status"] == 400 and out["token_body"]["error"] == "invalid_client"
    assert out["api_status"] == 401  # the sandbox's Accounting API, asking for a token
    assert out["other"] == "peer sandbox redirect: refusing a request to login.xero.com"
    calls = scenarios.snapshot(synced)
    calls.subtract(before)
    paths = {path for (api, _, path, _), n in calls.items() if api == "xero" and n > 0}
    assert paths == {"/connect/token", "/api.xro/2.0/Organisation"}


def test_a_missing_peer_install_fails_loudly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No PyPI (here: a uv that cannot install anything) must be an error naming the package, not a
    silently skipped comparison."""
    fake_uv = tmp_path / "uv"
    real_uv = shutil.which("uv")
    assert real_uv, "uv is on PATH wherever the workspace runs"
    fake_uv.write_text(
        f'#!/bin/sh\n[ "$1" = venv ] && exec {real_uv} "$@"\necho "no network to reach PyPI" >&2\nexit 2\n',
        encoding="utf-8",
    )
    fake_uv.chmod(0o755)
    monkeypatch.setenv("UV", str(fake_uv))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(peer.PeerError, match=r"(?s)tap-xero==.*pip install.*no network to reach PyPI"):
        peer.run_peer(None, tmp_path / "work", runs=1)  # type: ignore[arg-type]
    assert not (venvs.venv_path(peer.TAP_XERO, peer.TAP_XERO_VERSION) / ".complete").exists()


def test_a_secret_in_a_tap_output_is_counted_and_never_repeated_in_an_error(tmp_path: Path) -> None:
    """The leak count is what the results report for each tap: it must see a secret in the output, and a
    failing tap's error message (which reaches the benchmark's console) must not carry it on."""
    token_file = tmp_path / "token.json"
    token_file.write_text(json.dumps({"refresh_token": "rotated-token-abc123"}), encoding="utf-8")
    side = peer.Side("fake-tap", ["/bin/sh", "-c"], venvs.clean_env(), token_file, ["client-secret-xyz789"])
    peer.run_once(side, ["echo all quiet"], tmp_path)
    assert side.leaks == 0
    peer.run_once(side, ["echo refreshing with rotated-token-abc123 >&2"], tmp_path)
    assert side.leaks == 1
    with pytest.raises(peer.PeerError) as failed:
        peer.run_once(side, ["echo bad client client-secret-xyz789 >&2; exit 3"], tmp_path)
    assert side.leaks == 2
    message = str(failed.value)
    assert "fake-tap sync exited 3" in message and "bad client [secret]" in message
    assert "client-secret-xyz789" not in message
