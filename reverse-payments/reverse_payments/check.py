"""`check` for both connectors: one cheap read per tenant / one Autotask query, errors the user can act on.

The source first compares the scopes its Xero token was granted with the two it reads with
(`accounting.payments.read` for GET /Payments, `accounting.invoices.read` for GET /Invoices; the full
scopes and a legacy app's `accounting.transactions` also do): a missing one is named with the fix, and the
reads, which could only answer 401, are not made.
"""

from __future__ import annotations

from destination_xero.check import scope_fix
from destination_xero.client import XeroClient, XeroError
from destination_xero.scopes import Requirement, describe_missing, missing
from source_autotask.client import AutotaskClient
from source_autotask.errors import AutotaskError
from source_autotask.query import F, Query

from .config import DestinationConfig, SourceConfig

SOURCE_NEEDS = (
    Requirement("accounting.payments.read", "read payments from GET /Payments"),
    Requirement("accounting.invoices.read", "read the sales invoices' payment status from GET /Invoices"),
)


def scope_problems(config: SourceConfig, client: XeroClient) -> list[str]:
    """One line per scope the token lacks (none when the token response does not say what it granted)."""
    client.auth.access_token()
    granted = client.auth.granted_scopes
    if granted is None:
        return []
    lacking = missing(granted, SOURCE_NEEDS)
    return [describe_missing(n, granted, scope_fix(config.auth, n.scope)) for n in lacking]


def check_source(config: SourceConfig, client: XeroClient) -> tuple[bool, str]:
    try:
        problems = scope_problems(config, client)
    except XeroError as exc:
        problems = [f"cannot authenticate: {exc}"]
    if problems:
        return False, "\n".join(_scrub(problems, client.auth.secrets()))
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
