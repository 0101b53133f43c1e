"""meltano.yml for real: `meltano run` of both jobs against a sandbox subprocess.

Meltano and the plugins come from `demo.meltano_env`, the same cached virtualenvs `make demo` uses
(built on first use, `meltano install` redone only when what the plugins are built from changes); each
test module run gets its own system database, state and job logs in a temporary folder, so the repository
is left untouched. Every result is read back over HTTP from the sandbox, and every Meltano output and
every file Meltano keeps at rest is scanned for the sandbox's secrets.
"""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
import simplejson
from demo import meltano_env
from sandbox import launcher

REPO = Path(__file__).resolve().parents[2]
EXPORT = ("--format", "requirements-txt")
JOB_TIMEOUT = 240
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


class MeltanoProject:
    def __init__(self, exe: Path, base_env: dict[str, str], sandbox: Any, tmp: Path) -> None:
        self.exe = exe
        self.sandbox = sandbox
        self.tmp = tmp
        self.outputs: list[str] = []
        self.env = {**base_env, **meltano_env.sandbox_settings(sandbox.info, tmp / "work")}
        self.token_store = Path(self.env["XERO_TOKEN_STORE_PATH"])

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(self.exe), *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=JOB_TIMEOUT,
            check=False,
        )
        output = done.stdout + done.stderr
        self.outputs.append(output)
        self.assert_no_secret(output, f"meltano {' '.join(args)}")
        assert done.returncode == 0, f"meltano {' '.join(args)} exited {done.returncode}:\n{output[-6000:]}"
        return done

    def secrets(self) -> list[str]:
        found = list(self.sandbox.secrets())
        found.append(self.sandbox.info["autotask"]["integration_code"])
        with contextlib.suppress(FileNotFoundError, ValueError):
            rotated = json.loads(self.token_store.read_text(encoding="utf-8")).get("refresh_token")
            if rotated:
                found.append(rotated)
        return [s for s in found if s]

    def assert_no_secret(self, text: str, where: str) -> None:
        leaked = [s[:4] + "…" for s in self.secrets() if s in text]
        assert not leaked, f"{where}: output contains sandbox secret(s) {leaked}"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeltanoProject]:
    tmp = tmp_path_factory.mktemp("meltano")
    with (
        meltano_env.meltano_project(tmp) as (exe, base_env),
        launcher.running_sandbox("demo", rate_limits="off") as sb,
    ):
        if not sb.info["xero"].get("tenants"):
            pytest.skip("the Xero emulator serves no tenants")
        yield MeltanoProject(exe, base_env, sb, tmp)


@pytest.fixture(scope="module")
def forward(project: MeltanoProject) -> subprocess.CompletedProcess[str]:
    return project.run("run", "autotask-to-xero")


# --- HTTP helpers: read results as any client would ------------------------------------------------


class Xero:
    """A Xero API client on the token chain the plugins share (a rotated token is stored before use)."""

    def __init__(self, project: MeltanoProject) -> None:
        info = project.sandbox.info["xero"]
        self.api = info["api_url"]
        self.tenants = {t["name"]: t["tenant_id"] for t in info["tenants"]}
        store = project.token_store
        current = json.loads(store.read_text(encoding="utf-8"))["refresh_token"]
        response = requests.post(
            info["identity_url"] + "/connect/token",
            data={"grant_type": "refresh_token", "refresh_token": current},
            auth=(info["client_id"], info["client_secret"]),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        store.write_text(json.dumps({"refresh_token": body["refresh_token"]}), encoding="utf-8")
        self.token = body["access_token"]

    def call(self, method: str, tenant_id: str, path: str, body: Any = None, **params: Any) -> Any:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "xero-tenant-id": tenant_id,
            "Accept": "application/json",
        }
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = simplejson.dumps(body, use_decimal=True)  # money as exact JSON numbers
        response = requests.request(
            method, f"{self.api}/{path}", headers=headers, params=params, data=data, timeout=30
        )
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text[:800]}"
        return response.json(parse_float=Decimal)

    def all(self, tenant_id: str, collection: str, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in range(1, 100):
            batch = self.call("GET", tenant_id, collection, page=page, **params)[collection]
            found.extend(batch)
            if len(batch) < 100:
                break
        return found


def autotask_invoices(sandbox: Any) -> dict[str, dict[str, Any]]:
    at = sandbox.info["autotask"]
    headers = {
        "UserName": at["username"],
        "Secret": at["secret"],
        "ApiIntegrationCode": at["integration_code"],
        "Content-Type": "application/json",
    }
    url: str | None = at["base_url"] + "v1.0/Invoices/query"
    body = json.dumps({"filter": [{"op": "gte", "field": "id", "value": 0}], "MaxRecords": 500})
    found: dict[str, dict[str, Any]] = {}
    while url:
        response = requests.post(url, headers=headers, data=body, timeout=30)
        assert response.status_code == 200, response.text[:500]
        page = response.json(parse_float=Decimal)
        for item in page["items"]:
            if item.get("invoiceNumber"):
                found[str(item["invoiceNumber"])] = item
        url = (page.get("pageDetails") or {}).get("nextPageUrl")
    return found


def xero_writes(sandbox: Any) -> int:
    calls = sandbox.admin("xero", "stats")["calls"]
    return sum(
        c["count"] for c in calls if c["method"] in ("PUT", "POST") and c["path"].startswith("/api.xro")
    )


def cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


DECISION = re.compile(r"target-xero\s+decision (\{.*\})")


# --- tests ---------------------------------------------------------------------------------------------


def _requirements(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")}


def test_plugin_constraints_match_the_lock() -> None:
    """meltano.yml installs the plugins with uv.lock's versions; the exported file must not go stale."""
    uv = meltano_env.uv()
    if uv is None:
        pytest.skip("uv is not on PATH (make test bootstraps it)")
    exported = subprocess.run(
        [
            uv,
            "export",
            "--frozen",
            "--all-packages",
            "--no-emit-workspace",
            "--no-hashes",
            "--no-dev",
            *EXPORT,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    committed = (REPO / "integration_tests" / "meltano" / "constraints.txt").read_text(encoding="utf-8")
    stale, missing = (
        _requirements(committed) - _requirements(exported),
        _requirements(exported) - _requirements(committed),
    )
    assert not stale and not missing, (
        "integration_tests/meltano/constraints.txt differs from uv.lock; regenerate it (command in its "
        f"header). Not in the lock: {sorted(stale)[:10]}; missing: {sorted(missing)[:10]}"
    )
    meltano_yml = (REPO / "meltano.yml").read_text(encoding="utf-8")
    assert meltano_yml.count("-c ./integration_tests/meltano/constraints.txt") == 4


def test_sandbox_env_refuses_a_mapping_file_for_other_tenants(tmp_path: Path) -> None:
    helper = meltano_env.load_sandbox_env()
    info = {
        "autotask": {"username": "u", "secret": "s", "integration_code": "c", "zone_lookup_url": "http://x"},
        "xero": {
            "client_id": "i",
            "client_secret": "s",
            "refresh_token": "r",
            "api_url": "http://x",
            "identity_url": "http://x",
            "tenants": [{"tenant_id": "not-the-demo-tenant", "name": "Other"}],
        },
    }
    with pytest.raises(helper.TenantMismatch, match=r"destination\.demo\.yaml names tenants"):
        helper.meltano_env(info, tmp_path)


def test_sensitive_settings_are_redacted_by_meltano(project: MeltanoProject) -> None:
    for plugin in ("tap-autotask", "target-xero", "tap-xero-payments", "target-autotask-payments"):
        listed = project.run("config", "list", plugin).stdout
        assert "(redacted)" in listed, f"{plugin}: no sensitive setting was redacted:\n{listed}"


def test_forward_job_lands_invoices_in_every_tenant_to_the_cent(
    project: MeltanoProject, forward: subprocess.CompletedProcess[str]
) -> None:
    output = forward.stdout + forward.stderr
    decisions = [json.loads(m) for m in DECISION.findall(output)]
    created = {(d["tenant_id"], d["kind"], d["key"]) for d in decisions if d["action"] == "create"}
    assert created, output[-3000:]
    xero = Xero(project)
    autotask = autotask_invoices(project.sandbox)
    checked = 0
    for name, tenant_id in xero.tenants.items():
        invoices = xero.all(tenant_id, "Invoices", where='Type=="ACCREC"')
        assert invoices, f"no invoice landed in {name}"
        landed = {str(inv["InvoiceNumber"]) for inv in invoices}
        expected = {key for (tid, kind, key) in created if tid == tenant_id and kind == "invoice"}
        assert expected <= landed, f"{name}: created but not in Xero: {sorted(expected - landed)[:10]}"
        for inv in invoices:
            source = autotask.get(str(inv["InvoiceNumber"]))
            if source is not None and inv["Status"] != "VOIDED":
                assert cents(inv["Total"]) == cents(source["invoiceTotal"]), inv["InvoiceNumber"]
                checked += 1
    assert checked >= len([c for c in created if c[1] == "invoice"])


def test_rerun_resumes_from_state_with_zero_writes(
    project: MeltanoProject, forward: subprocess.CompletedProcess[str]
) -> None:
    before = xero_writes(project.sandbox)
    assert before > 0
    rerun = project.run("run", "autotask-to-xero")
    output = rerun.stdout + rerun.stderr
    assert xero_writes(project.sandbox) == before, "the rerun wrote to Xero again"
    assert "Environment 'sandbox' is active" in output and "Reading state from" in output, output[-3000:]
    rewritten = [d for d in map(json.loads, DECISION.findall(output)) if d["action"] in ("create", "update")]
    assert rewritten == []


def test_payment_recorded_in_xero_reaches_autotask_paid_date(
    project: MeltanoProject, forward: subprocess.CompletedProcess[str]
) -> None:
    xero = Xero(project)
    uk = xero.tenants["Northwind MSP Ltd"]
    autotask = autotask_invoices(project.sandbox)
    candidates = [
        inv
        for inv in xero.all(uk, "Invoices", where='Type=="ACCREC"&&Status=="AUTHORISED"')
        if inv["AmountDue"] > 0
        and inv["AmountPaid"] == 0
        and str(inv["InvoiceNumber"]) in autotask
        and not autotask[str(inv["InvoiceNumber"])].get("paidDate")
    ]
    assert candidates, "no open Xero invoice left to pay"
    invoice = candidates[0]
    number = str(invoice["InvoiceNumber"])
    paid_on = str(invoice["DateString"])[:10]
    payment = {
        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
        "Account": {"Code": "090"},
        "Date": paid_on,
        "Amount": invoice["AmountDue"],
    }
    xero.call("PUT", uk, "Payments", {"Payments": [payment]})
    project.run("run", "xero-payments-to-autotask")
    after = autotask_invoices(project.sandbox)[number]
    assert after.get("paidDate"), f"Autotask invoice {number} has no paidDate after the payments job"
    assert str(after["paidDate"]).startswith(paid_on), after["paidDate"]
    now_paid = {n for n, inv in autotask_invoices(project.sandbox).items() if inv.get("paidDate")}
    was_paid = {n for n, inv in autotask.items() if inv.get("paidDate")}
    assert now_paid == was_paid | {number}, "the payments job changed paid dates nobody paid in Xero"


def test_every_meltano_output_and_file_at_rest_is_free_of_secrets(
    project: MeltanoProject, forward: subprocess.CompletedProcess[str]
) -> None:
    """Outputs, and what Meltano keeps between runs (system database, state, catalogs, job logs): never a
    secret. Meltano's per-run config files hold them by design and are deleted when the run ends; the
    plugin virtualenvs (links to the shared cache) are skipped."""
    assert len(project.outputs) >= 2
    for output in project.outputs:
        project.assert_no_secret(output, "meltano output")
    sys_dir = project.tmp / "meltano-sys"
    scanned = 0
    for path in sys_dir.rglob("*"):
        relative = path.relative_to(sys_dir).parts
        if not path.is_file() or relative[0] in ("extractors", "loaders", "utilities"):
            continue
        project.assert_no_secret(path.read_bytes().decode("latin-1"), str(path))
        scanned += 1
    assert scanned >= 2, "expected at least Meltano's system database and a state file"
    logs = [path for path in (project.tmp / "state").rglob("*") if path.is_file()]
    assert logs, "Meltano's job logs should be in the run's own folder (XDG_STATE_HOME), not in ~/.local"
    for path in logs:
        project.assert_no_secret(path.read_bytes().decode("latin-1"), str(path))


def test_plugins_come_from_the_shared_cache_without_reinstalling(project: MeltanoProject) -> None:
    """A second project on the same checkout links the cached plugin virtualenvs instead of running
    `meltano install` again (what makes a warm `make demo` fast)."""
    cache = meltano_env.plugins_dir()
    marker = cache / ".complete"
    assert marker.read_text(encoding="utf-8") == meltano_env.plugins_fingerprint(project.exe)
    for kind in meltano_env.PLUGIN_TYPES:
        assert (project.tmp / "meltano-sys" / kind).resolve() == (cache / kind).resolve()
    installed_at = marker.stat().st_mtime_ns
    with meltano_env.meltano_project(project.tmp / "second", project.exe) as (exe, env):
        assert exe == project.exe
        assert env["MELTANO_SYS_DIR_ROOT"] == str(project.tmp / "second" / "meltano-sys")
        tap = (
            project.tmp
            / "second"
            / "meltano-sys"
            / "extractors"
            / "tap-autotask"
            / "venv"
            / "bin"
            / "tap-autotask"
        )
        assert tap.exists()
    assert marker.stat().st_mtime_ns == installed_at, "the plugins were reinstalled although nothing changed"


def test_plugin_cache_fingerprint_follows_every_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copies = []
    for index, source in enumerate(meltano_env.PLUGIN_INPUTS):
        copy = tmp_path / f"{index}-{source.name}"
        copy.write_bytes(source.read_bytes())
        copies.append(copy)
    monkeypatch.setattr(meltano_env, "PLUGIN_INPUTS", tuple(copies))
    exe = tmp_path / "meltano"
    seen = {meltano_env.plugins_fingerprint(exe)}
    for copy in copies:
        copy.write_bytes(copy.read_bytes() + b"\n# changed\n")
        seen.add(meltano_env.plugins_fingerprint(exe))
    assert len(seen) == len(copies) + 1, "a change to one of the plugins' inputs would not reinstall them"
    assert meltano_env.plugins_fingerprint(tmp_path / "other-meltano") not in seen
