"""The plain-script baseline: what the same sync costs with no connector framework at all.

It does what a competent hand-written script would: page the same Autotask data the source read (the same
query endpoints and filters, 500 records a page, following `nextPageUrl`, JSON parsed with exact decimals),
then post the same Xero documents the destination wrote, 50 to a call (the floor), one thread per
organisation, contacts and items before the documents that use them, `summarizeErrors=false`, each
element's outcome read from the answer. The documents are the destination's own payloads from a first
sync (captured by `baseline.py`, set-up, untimed): the script skips the mapping a real script would need,
so the baseline is an upper bound on what any Autotask-to-Xero script reaches against this sandbox on
this machine. Reading and writing are not overlapped (read everything, then write), as a plain script
would do; the figures give both phases so a reader can see what overlapping would bound. It is given a
Xero access token and knows its organisations' settings, so it makes no token or settings call: its
calls are the floor's writes and the Autotask pages.

Run: `python plain_script.py PLAN.json`; one JSON line of figures on stdout. No product code, no SDK, no
sandbox code is imported (requests and simplejson only, both ordinary libraries). The plan holds
credentials: it is written 0600 and nothing of it is printed.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urljoin

import requests
import simplejson

BATCH = 50
ID_KEYS = {
    "Contacts": "ContactID",
    "Items": "ItemID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "PurchaseOrders": "PurchaseOrderID",
}


def read_autotask(plan: dict[str, Any]) -> dict[str, Any]:
    """Every query of the plan, page after page: records per entity, calls, bytes."""
    base = plan["root"].rstrip("/")
    records: Counter[str] = Counter()
    calls = 0
    received = 0
    with requests.Session() as session:
        session.headers.update(plan["headers"])
        for query in plan["queries"]:
            entity = query["path"].split("/v1.0/", 1)[-1].split("/")[0]
            url: str | None = base + query["path"]
            params: dict[str, Any] | None = query["params"]
            while url:
                response = session.get(url, params=params, timeout=120)
                calls += 1
                received += len(response.content)
                response.raise_for_status()
                page = simplejson.loads(response.text, use_decimal=True)
                records[entity] += len(page.get("items") or [])
                following = (page.get("pageDetails") or {}).get("nextPageUrl")
                url, params = (urljoin(url, following), None) if following else (None, None)
    return {"calls": calls, "bytes": received, "records": dict(sorted(records.items()))}


def _rewrite(node: Any, ids: dict[str, str]) -> Any:
    """The element with every reference to a record created earlier in this run given its new id."""
    if isinstance(node, dict):
        return {k: _rewrite(v, ids) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, ids) for v in node]
    if isinstance(node, str):
        return ids.get(node, node)
    return node


def batches(group: dict[str, Any]) -> list[list[int]]:
    """Element indexes in calls of up to BATCH, in order; a call is cut early when an element refers to a
    record created in the same call (its id is only known from that call's answer)."""
    out: list[list[int]] = []
    current: list[int] = []
    created_here: set[str] = set()
    old_ids: list[str | None] = group["old_ids"]
    refs: list[list[str]] = group["refs"]
    for index in range(len(group["elements"])):
        if len(current) == BATCH or created_here.intersection(refs[index]):
            out.append(current)
            current, created_here = [], set()
        current.append(index)
        if old_ids[index]:
            created_here.add(str(old_ids[index]))
    if current:
        out.append(current)
    return out


def write_tenant(api_url: str, token: str, tenant: dict[str, Any], into: dict[str, Any]) -> None:
    """One organisation's documents, group after group (contacts, items, then the documents)."""
    ids: dict[str, str] = {}
    ok: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    calls = 0
    received = 0
    headers = {
        "Authorization": f"Bearer {token}",
        "xero-tenant-id": tenant["tenant_id"],
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    with requests.Session() as session:
        session.headers.update(headers)
        for group in tenant["groups"]:
            collection = group["collection"]
            url = api_url.rstrip("/") + "/" + collection
            for indexes in batches(group):
                elements = [
                    _rewrite(group["elements"][i], ids) if group["refs"][i] else group["elements"][i]
                    for i in indexes
                ]
                body = simplejson.dumps({collection: elements}, use_decimal=True)
                response = session.request(
                    group["method"], url, params=group["params"], data=body.encode(), timeout=300
                )
                calls += 1
                received += len(response.content)
                if response.status_code != 200:
                    failed[collection] += len(indexes)
                    continue
                answered = simplejson.loads(response.text, use_decimal=True).get(collection) or []
                for index, element in zip(indexes, answered, strict=False):
                    if element.get("HasErrors") or element.get("ValidationErrors"):
                        failed[collection] += 1
                        continue
                    ok[collection] += 1
                    old = group["old_ids"][index]
                    new = element.get(ID_KEYS.get(collection, ""))
                    if old and new:
                        ids[str(old)] = str(new)
    into[tenant["tenant_id"]] = {
        "calls": calls,
        "bytes": received,
        "ok": dict(sorted(ok.items())),
        "failed": dict(sorted(failed.items())),
    }


def write_xero(plan: dict[str, Any]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    threads = [
        threading.Thread(target=write_tenant, args=(plan["api_url"], plan["token"], tenant, results))
        for tenant in plan["tenants"]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def main(argv: list[str]) -> int:
    loaded = time.monotonic()
    with open(argv[1], encoding="utf-8") as handle:
        plan = simplejson.load(handle, use_decimal=True)
    started = time.monotonic()
    autotask = read_autotask(plan["autotask"])
    read_done = time.monotonic()
    xero = write_xero(plan["xero"])
    finished = time.monotonic()
    figures = {
        "plan_load_seconds": started - loaded,
        "read_seconds": read_done - started,
        "write_seconds": finished - read_done,
        "work_seconds": finished - started,
        "autotask": autotask,
        "xero": xero,
    }
    sys.stdout.write(simplejson.dumps(figures, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
