"""`check` for both connectors: one cheap read per tenant / one Autotask query, errors the user can act on."""

from __future__ import annotations

from destination_xero.client import XeroClient, XeroError
from source_autotask.client import AutotaskClient
from source_autotask.errors import AutotaskError
from source_autotask.query import F, Query

from .config import DestinationConfig, SourceConfig


def check_source(config: SourceConfig, client: XeroClient) -> tuple[bool, str]:
    problems = []
    for tenant in config.tenants:
        try:
            client.get(tenant.tenant_id, "Payments", params={"page": 1, "pageSize": 1})
        except XeroError as exc:
            problems.append(f"tenant {tenant.name!r}: {exc}")
    if problems:
        return False, "\n".join(_scrub(problems, client.auth.secrets()))
    return True, "reachable: " + ", ".join(t.name for t in config.tenants)


def check_destination(config: DestinationConfig, client: AutotaskClient) -> tuple[bool, str]:
    try:
        next(
            iter(client.query(Query("Invoices", (F("id").gte(0),), include_fields=("id",), max_records=1))),
            None,
        )
    except AutotaskError as exc:
        return False, client.scrub(str(exc))
    return True, "Autotask Invoices readable"


def _scrub(lines: list[str], secrets: list[str]) -> list[str]:
    out = []
    for line in lines:
        for secret in secrets:
            line = line.replace(secret, "****")
        out.append(line)
    return out
