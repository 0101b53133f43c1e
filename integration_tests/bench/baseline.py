"""The plain-script baseline in the benchmark: its plan (set-up, untimed) and its measured run.

`capture_plan` runs right after a connector first sync, from the sandbox's own request log: the Autotask
data queries the source sent (first pages only; the script follows `nextPageUrl` itself; the zone lookup,
threshold and field-metadata calls are not data and are left out), and every Xero batch write the
destination sent, regrouped per organisation and endpoint so the script can post them 50 to a call.
Contacts the destination created get new ids when the script creates them again; their old ids are found
here (the organisation's contacts listed once, by ContactNumber, else by name) so the script can point
the documents that use them at the new ones. Writes the script cannot replay (anything but a batch write
to a collection, such as an attachment) are counted in the plan and reported, never silently dropped.

`run_baseline` resets the sandbox, gives the script a fresh Xero access token (its own consent), writes
the plan 0600 and runs `plain_script.py` under the exec probe like any connector; its figures come from
the script itself (phases) and from the sandbox's counters (calls, egress per organisation).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import requests
from sandbox import jsonmoney
from sandbox.launcher import RunningSandbox

from . import peer, scenarios
from .measure import run_alone

SCRIPT = Path(__file__).resolve().with_name("plain_script.py")
SCOPE = "offline_access accounting.invoices accounting.contacts accounting.settings accounting.attachments"
API_PREFIX = "/api.xro/2.0/"
FIRST = ("Contacts", "Items")  # what documents refer to is created first
NOT_DATA = ("zoneInformation", "ThresholdInformation", "entityInformation")
KIND_COLLECTIONS = {
    "invoice": "Invoices",
    "credit_note": "CreditNotes",
    "purchase_order": "PurchaseOrders",
    "contact": "Contacts",
    "item": "Items",
}


def request_log(running: RunningSandbox, api: str) -> list[dict[str, Any]]:
    """The emulator's request log, numbers parsed exactly (Decimal), as the connector sent them."""
    root = running.autotask_root if api == "autotask" else running.xero_root
    response = requests.get(f"{root}/__sandbox/requests", timeout=300)
    response.raise_for_status()
    found: list[dict[str, Any]] = jsonmoney.loads(response.text)
    return found


def autotask_queries(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Distinct data queries (path and parameters) in the order the source first sent them."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for entry in log:
        path = str(entry.get("path") or "")
        if entry.get("method") != "GET" or not path.endswith("/query") or any(n in path for n in NOT_DATA):
            continue
        params = dict(entry.get("query") or {})
        key = path + "?" + repr(sorted(params.items()))
        if key not in seen:
            seen.add(key)
            out.append({"path": path, "params": params})
    return out


def _strings(node: Any, wanted: set[str], into: set[str]) -> None:
    if isinstance(node, dict):
        for value in node.values():
            _strings(value, wanted, into)
    elif isinstance(node, list):
        for value in node:
            _strings(value, wanted, into)
    elif isinstance(node, str) and node in wanted:
        into.add(node)


def xero_groups(
    log: list[dict[str, Any]], contacts: dict[str, list[dict[str, Any]]]
) -> tuple[dict[str, list[dict[str, Any]]], Counter[str]]:
    """Per tenant, the batch writes regrouped by (method, endpoint, parameters): contacts and items first,
    then the rest in the order the destination first wrote them. `contacts` is each tenant's contact
    list after the sync (for the old ids of the contacts it created). Also: the writes not replayable."""
    skipped: Counter[str] = Counter()
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for entry in log:
        method, path, tenant = entry.get("method"), str(entry.get("path") or ""), entry.get("tenant")
        if method not in ("POST", "PUT") or not tenant or not path.startswith(API_PREFIX):
            continue
        collection = path[len(API_PREFIX) :]
        body = entry.get("body")
        if "/" in collection or not isinstance(body, dict) or not isinstance(body.get(collection), list):
            skipped[f"{method} {collection.split('/')[0]}/…"] += 1
            continue
        params = dict(entry.get("query") or {})
        key = f"{method} {collection} {sorted(params.items())!r}"
        group = groups.setdefault(str(tenant), {}).setdefault(
            key, {"method": method, "collection": collection, "params": params, "elements": []}
        )
        group["elements"].extend(body[collection])
    out: dict[str, list[dict[str, Any]]] = {}
    for tenant, by_key in groups.items():
        ordered = sorted(
            by_key.values(),
            key=lambda g: FIRST.index(g["collection"]) if g["collection"] in FIRST else len(FIRST),
        )
        old = _created_contact_ids(ordered, contacts.get(tenant, []))
        wanted = {i for ids in old.values() for i in ids if i}
        for group in ordered:
            group["old_ids"] = old.get(id(group), [None] * len(group["elements"]))
            refs = []
            for element in group["elements"]:
                found: set[str] = set()
                _strings(element, wanted, found)
                refs.append(sorted(found))
            group["refs"] = refs
        out[tenant] = ordered
    return out, skipped


def _created_contact_ids(
    groups: list[dict[str, Any]], listed: list[dict[str, Any]]
) -> dict[int, list[str | None]]:
    """For each contacts group, per element: the ContactID Xero gave the contact this element created
    (None for an update, which carries its ContactID, or when it cannot be found)."""
    by_number = {str(c["ContactNumber"]): str(c["ContactID"]) for c in listed if c.get("ContactNumber")}
    by_name = {str(c["Name"]): str(c["ContactID"]) for c in listed if c.get("Name")}
    out: dict[int, list[str | None]] = {}
    for group in groups:
        if group["collection"] != "Contacts":
            continue
        ids: list[str | None] = []
        for element in group["elements"]:
            if element.get("ContactID"):
                ids.append(None)
            elif element.get("ContactNumber") and str(element["ContactNumber"]) in by_number:
                ids.append(by_number[str(element["ContactNumber"])])
            else:
                ids.append(by_name.get(str(element.get("Name") or "")))
        out[id(group)] = ids
    return out


def expected_writes(stage: scenarios.Stage) -> dict[str, dict[str, int]]:
    """What the destination wrote per tenant id and collection (created + updated), from its summary."""
    out: dict[str, dict[str, int]] = {}
    for value in (stage.pipe.summary or {}).values():
        if not isinstance(value, dict) or not value.get("tenant_id"):
            continue
        documents = value.get("documents") or {}
        out[str(value["tenant_id"])] = {
            collection: sum(int((documents.get(kind) or {}).get(a, 0)) for a in ("create", "update"))
            for kind, collection in KIND_COLLECTIONS.items()
        }
    return out


def capture_plan(running: RunningSandbox, stage: scenarios.Stage) -> dict[str, Any]:
    """Right after a first sync (the request logs hold that sync only: `sync_series` resets first)."""
    contacts: dict[str, list[dict[str, Any]]] = {}
    with requests.Session() as session:
        books = peer.Books(running, session, SCOPE)
        for tenant in running.info["xero"]["tenants"]:
            contacts[tenant["tenant_id"]] = books.all(tenant["tenant_id"], "Contacts", includeArchived="true")
    groups, skipped = xero_groups(request_log(running, "xero"), contacts)
    return {
        "queries": autotask_queries(request_log(running, "autotask")),
        "groups": groups,
        "not_replayed": dict(sorted(skipped.items())),
        "expected": expected_writes(stage),
    }


def _write_private(path: Path, value: Any) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(jsonmoney.dumps(value, default=str))
    return path


def run_baseline(running: RunningSandbox, plan: dict[str, Any], lines: int) -> dict[str, Any]:
    """The script on a reset sandbox: wall (its work, plan loading excluded), CPU, RSS, calls, egress."""
    running.reset()
    with requests.Session() as session:
        token = str(peer.consent(running, session, SCOPE)["access_token"])
    full = {
        "autotask": {
            "root": running.autotask_root,
            "headers": scenarios.autotask_headers(running),
            "queries": plan["queries"],
        },
        "xero": {
            "api_url": running.info["xero"]["api_url"],
            "token": token,
            "tenants": [{"tenant_id": t, "groups": g} for t, g in plan["groups"].items()],
        },
    }
    before, bytes_before = scenarios.snapshot(running), scenarios.egress(running)
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        path = _write_private(Path(tmp) / "plan.json", full)
        run = run_alone([sys.executable, str(SCRIPT), str(path)], Path(tmp), keep=1, stdin=subprocess.DEVNULL)
    calls = scenarios.snapshot(running)
    calls.subtract(before)
    sent = scenarios.egress(running)
    sent.subtract(bytes_before)
    if run.result.exit_code != 0 or not run.kept:
        raise RuntimeError(f"plain script exited {run.result.exit_code}: {run.result.stderr_tail[-600:]}")
    figures = jsonmoney.loads(run.kept[0])
    names = {t["tenant_id"]: t["name"] for t in running.info["xero"]["tenants"]}
    per_tenant = scenarios.xero_per_tenant(+calls, +sent)
    written = {t: figures["xero"].get(t, {}).get("ok", {}) for t in plan["groups"]}
    differ = {
        names.get(t, t): {"destination": want, "script": {c: written.get(t, {}).get(c, 0) for c in want}}
        for t, want in plan["expected"].items()
        if any(n != written.get(t, {}).get(c, 0) for c, n in want.items())
    }
    # Its wall time: spawn to exit, minus reading its plan (set-up that a real script does not have).
    wall = run.result.wall_seconds - float(figures["plan_load_seconds"])
    return {
        "wall_seconds": wall,
        "read_seconds": float(figures["read_seconds"]),
        "write_seconds": float(figures["write_seconds"]),
        "lines_per_second": lines / wall if wall > 0 else 0.0,
        "cpu_seconds": run.result.cpu_seconds,
        "peak_rss_mb": run.result.peak_rss_mb,
        "autotask_calls": scenarios.autotask_calls(+calls),
        "autotask_records": figures["autotask"]["records"],
        "xero": {names.get(t, t): own for t, own in sorted(per_tenant.items())},
        "same_documents": not differ,
        "documents_differ": differ,
        "failed": {names.get(t, t): f["failed"] for t, f in figures["xero"].items() if f.get("failed")},
        "not_replayed": plan["not_replayed"],
    }
