"""Config builders for both payments connectors against a running sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sandbox.launcher import RunningSandbox

UK = "Northwind MSP Ltd"
AU = "Northwind MSP Pty Ltd"
US = "Northwind MSP Inc"


def tenant_ids(sandbox: RunningSandbox) -> dict[str, str]:
    return {t["name"]: t["tenant_id"] for t in sandbox.xero["tenants"]}


def source_config(
    sandbox: RunningSandbox, token_store: Path, tenants: list[str], numbering: dict[str, Any] | None = None
) -> dict[str, Any]:
    xero = sandbox.xero
    ids = tenant_ids(sandbox)
    config: dict[str, Any] = {
        "auth": {
            "type": "refresh_token",
            "client_id": xero["client_id"],
            "client_secret": xero["client_secret"],
            "token_store_path": str(token_store),
        },
        "xero": {"api_url": xero["api_url"], "identity_url": xero["identity_url"]},
        "tenants": [{"tenant_id": ids[name], "name": name} for name in tenants],
    }
    if numbering:
        config["mappings"] = {"numbering": numbering}
    return config


def destination_config(
    sandbox: RunningSandbox, tenants: list[str], tmp_path: Path, **extra: Any
) -> dict[str, Any]:
    at = sandbox.autotask
    ids = tenant_ids(sandbox)
    config: dict[str, Any] = {
        "autotask": {
            "username": at["username"],
            "secret": at["secret"],
            "integration_code": at["integration_code"],
            "zone_lookup_url": at["zone_lookup_url"],
            "backoff_base_seconds": 0,
        },
        "tenants": [{"tenant_id": ids[name], "name": name} for name in tenants],
        "rejected_records_path": str(tmp_path / "rejected.jsonl"),
    }
    config.update(extra)
    return config
