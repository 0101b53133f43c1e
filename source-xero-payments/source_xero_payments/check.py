"""`check`: the token's scopes, then one cheap read per tenant; errors the user can act on, no secret.

The scopes the Xero token was granted are compared first with the two this source reads with
(`accounting.payments.read` for GET /Payments, `accounting.invoices.read` for GET /Invoices; the full
scopes and a legacy app's `accounting.transactions` also do): a missing one is named with the fix
(xero_client.scopes), and the reads, which could only answer 401, are not made.
"""

from __future__ import annotations

from connector_kit.redaction import Redactor
from xero_client.client import XeroClient, XeroError
from xero_client.scopes import Requirement, describe_missing, missing, scope_fix

from .config import SourceConfig

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
    """(reachable, message): every problem at once, each line scrubbed of the client's secrets."""
    redactor = Redactor(client.auth.secrets)
    try:
        problems = scope_problems(config, client)
    except XeroError as exc:
        problems = [f"cannot authenticate: {exc}"]
    if problems:
        return False, "\n".join(redactor.clean_all(problems))
    for tenant in config.tenants:
        try:
            client.get(tenant.tenant_id, "Payments", params={"page": 1, "pageSize": 1})
        except XeroError as exc:
            problems.append(f"tenant {tenant.name!r}: {exc}")
    if problems:
        return False, "\n".join(redactor.clean_all(problems))
    return True, "reachable: " + ", ".join(t.name for t in config.tenants)
