"""The connector configs `make demo` runs with, built from the sandbox's ready line into a private temp dir.

The committed mapping (`catalogs/demo/destination.demo.yaml`) holds every business rule; the ready line
adds only what changes per start: ports, credentials and the first refresh token. Every Xero connector in
the demo shares one token store file, because a refresh token is single-use: the destination rotates it,
and the payments source must start from the rotated one, exactly as two connectors sharing one Xero app
connection would in production.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
CATALOGS = REPO_ROOT / "catalogs"
MAPPING_FILE = CATALOGS / "demo" / "destination.demo.yaml"
SOURCE_CATALOG = CATALOGS / "source-autotask" / "configured_catalog.json"
PAYMENTS_CATALOG = CATALOGS / "reverse-payments" / "configured_catalog.json"
# The demo reads everything the dataset holds (invoices go back 90 days before 2026-11-01).
START_DATE = "2026-01-01T00:00:00Z"
# The rejections the demo data plants on purpose (DATASETS.md, "Edge cases": the mapping leaves New Zealand
# GST unmapped, the AU organisation has no USD, and the US Xero contact "acme plumbing" matches two
# Autotask companies by name, which the destination refuses to guess), as destination-xero words them. A
# rejection for any other reason, or any rejected payment, is a real problem: the demo exits 1 on it.
PLANTED_REJECTIONS = (
    "no TaxType mapped for tax region 'New Zealand GST'",
    "currency USD is not enabled in organisation 'Northwind MSP Pty Ltd'",
    "Xero contact 'acme plumbing'",
)


@dataclass(frozen=True)
class DemoConfigs:
    """Paths of the files the connector CLIs are started with, and where they write their outputs."""

    source: Path
    destination: Path
    payments_source: Path
    payments_destination: Path
    token_store: Path
    rejected: Path
    payments_rejected: Path
    tenants: dict[str, str]  # organisation name -> tenant id


def mapping() -> dict[str, Any]:
    loaded = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    if not isinstance(loaded, dict):
        raise ValueError(f"{MAPPING_FILE} must hold a mapping")
    return loaded


def check_tenants(info: dict[str, Any]) -> dict[str, str]:
    """The mapping names organisations by id: refuse to run when they are not the sandbox's ones, instead of
    letting every document be rejected for an unknown tenant."""
    served = {t["name"]: t["tenant_id"] for t in info["xero"]["tenants"]}
    declared = {t["name"]: t["tenant_id"] for t in mapping()["tenants"]}
    if served != declared:
        raise SystemExit(f"{MAPPING_FILE.name} names organisations {declared}, the sandbox serves {served}")
    return declared


def unplanned(rejected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rejected documents whose reason is none of the demo's planted problems."""
    return [r for r in rejected if not any(p in str(r.get("reason") or "") for p in PLANTED_REJECTIONS)]


def _write(path: Path, value: dict[str, Any]) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2)
    return path


def write_configs(
    info: dict[str, Any], secrets_dir: Path, output_dir: Path, *, invoice_pdfs: bool = False
) -> DemoConfigs:
    """Write the four configs (mode 0600) into `secrets_dir`; rejected-record files go to `output_dir`.

    `invoice_pdfs`: the source reads each invoice's PDF (the demo's US organisation attaches them). Off
    by default: the benchmark and the tools' tests that reuse these configs measure the sync without the
    PDF calls, which cost one Autotask call per invoice and one Xero call per attachment."""
    tenants = check_tenants(info)
    autotask, xero = info["autotask"], info["xero"]
    token_store = secrets_dir / "xero-token.json"
    rejected = output_dir / "rejected-records.jsonl"
    payments_rejected = output_dir / "rejected-payments.jsonl"
    autotask_auth = {
        "username": autotask["username"],
        "secret": autotask["secret"],
        "integration_code": autotask["integration_code"],
        "zone_lookup_url": autotask["zone_lookup_url"],
    }
    xero_auth = {
        "type": "refresh_token",
        "client_id": xero["client_id"],
        "client_secret": xero["client_secret"],
        "refresh_token": xero["refresh_token"],
        "token_store_path": str(token_store),
    }
    endpoints = {"api_url": xero["api_url"], "identity_url": xero["identity_url"]}
    # The payments connectors read the organisations and their numbering from the same mapping file
    # (as under Meltano), so the write-back matches invoices by the rule they were written with.
    shared = {"mapping_file": str(MAPPING_FILE)}
    return DemoConfigs(
        source=_write(
            secrets_dir / "source-autotask.json",
            {**autotask_auth, "start_date": START_DATE, "invoice_pdfs": invoice_pdfs},
        ),
        destination=_write(
            secrets_dir / "destination-xero.json",
            {
                "mapping_file": str(MAPPING_FILE),
                "auth": xero_auth,
                "xero": endpoints,
                "rejected_records_path": str(rejected),
            },
        ),
        payments_source=_write(
            secrets_dir / "source-xero-payments.json",
            {
                "auth": xero_auth,
                "xero": endpoints,
                **shared,
                "start_date": START_DATE[:10],
            },
        ),
        payments_destination=_write(
            secrets_dir / "destination-autotask-payments.json",
            {
                "autotask": autotask_auth,
                **shared,
                "other_tenants": "reject",
                "foreign_invoices": "ignore",
                "stamp_web_service_date": True,
                "rejected_records_path": str(payments_rejected),
                "fail_on_rejections": True,
            },
        ),
        token_store=token_store,
        rejected=rejected,
        payments_rejected=payments_rejected,
        tenants=tenants,
    )
