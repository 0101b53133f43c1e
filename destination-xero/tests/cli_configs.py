"""Destination config files for the end-to-end CLI tests against the sandbox's Xero (not a test module).

Why one helper: every feature's CLI test needs the same connection (refresh-token auth, a token store,
the sandbox's URLs) and the same outputs (rejected records, the run report) around its own mappings, and
that part must not drift from one test to the next.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

UK = "Northwind MSP Ltd"


def tenant_ids(info: dict[str, Any]) -> dict[str, str]:
    """The sandbox's organisations, name -> tenant id."""
    return {t["name"]: t["tenant_id"] for t in info["xero"]["tenants"]}


def sandbox_config(
    info: dict[str, Any],
    tmp: Path,
    mappings: dict[str, Any],
    tenants: list[dict[str, Any]] | None = None,
    **over: Any,
) -> Path:
    """Write the config to `tmp/config.json`: `mappings` for every tenant, `tenants` (default: the UK
    organisation alone), rejected records and the run report in `tmp`, `over` on top."""
    x = info["xero"]
    config = {
        "auth": {
            "type": "refresh_token",
            "client_id": x["client_id"],
            "client_secret": x["client_secret"],
            "refresh_token": x["refresh_token"],
            "token_store_path": str(tmp / "token.json"),
        },
        "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
        "mappings": mappings,
        "tenants": tenants or [{"tenant_id": tenant_ids(info)[UK], "name": UK}],
        "rejected_records_path": str(tmp / "rejected.jsonl"),
        "report_path": str(tmp / "run-report.json"),
        **over,
    }
    path = tmp / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path
