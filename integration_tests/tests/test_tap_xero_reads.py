"""singer-io tap-xero (PyPI, unchanged; the benchmark's peer) reads the sandbox as it reads Xero.

A client nobody here wrote is the check that the sandbox answers as Xero does: tap-xero's `contacts` stream
reads `contact["ContactGroups"]` of every contact (so a contact created through the API must carry it,
`[]`), and its `organisations` stream requests `GET /Organisations` (plural). tap-xero reaches the sandbox
through bench/peer.py's request rewrite; its virtualenv is the benchmark's cached one (PyPI the first time).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench import peer, venvs
from sandbox.jsonmoney import loads
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_platform_kit import XeroHttp

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

STREAMS = ("contacts", "organisations")


@pytest.fixture(scope="module")
def tap_xero_venv() -> Path:
    return Path(venvs.cached_venv(peer.TAP_XERO, peer.TAP_XERO_VERSION, "tap_xero", peer.TAP_XERO_EXTRA))


@pytest.fixture(scope="module")
def demo() -> Iterator[RunningSandbox]:
    with running_sandbox("demo", seed=1, rate_limits="off") as running:
        yield running


def selected(catalog: dict[str, Any]) -> dict[str, Any]:
    chosen = [entry for entry in catalog["streams"] if entry["tap_stream_id"] in STREAMS]
    for entry in chosen:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = True
    return {"streams": chosen}


def records(stdout: bytes) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {stream: [] for stream in STREAMS}
    for raw in stdout.splitlines():
        if b'"RECORD"' in raw:
            message = loads(raw)
            found.setdefault(str(message["stream"]), []).append(message["record"])
    return found


def test_tap_xero_reads_api_created_contacts_and_the_organisation(
    demo: RunningSandbox, tap_xero_venv: Path, tmp_path: Path
) -> None:
    tenant_id = str(demo.xero["tenants"][0]["tenant_id"])
    x = XeroHttp(demo.xero)
    created = x.send("PUT", "Contacts", {"Contacts": [{"Name": "Made Through The API"}]}, tenant=tenant_id)
    assert created.status_code == 200, created.text
    contact_id = created.json()["Contacts"][0]["ContactID"]

    side = peer.peer_side(demo, tmp_path, tap_xero_venv)
    side.secrets += [s for s in demo.secrets() if s]
    args = peer.peer_config(demo, side, tenant_id, x.refresh_token)  # the rotated, still unused token
    discovered = peer.run_once(side, [*args, "--discover"], tmp_path)
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(selected(json.loads(discovered.stdout))), encoding="utf-8")
    done = peer.run_once(side, [*args, "--catalog", str(catalog)], tmp_path)  # raises on a crash

    found = records(done.stdout)
    ours = [c for c in found["contacts"] if c["ContactID"] == contact_id]
    assert ours and ours[0]["ContactGroups"] == []
    assert [o["OrganisationID"] for o in found["organisations"]] == [tenant_id]
    assert side.leaks == 0
