"""`check`: authenticate, list reachable tenants, validate every declared mapping against each organisation.

All problems are collected and reported at once (an admin fixing a mapping file wants the full list, not
one error per attempt), each naming the field it is about (`tenants[1].mappings.tax.by_region["New
Zealand"]`; field_paths.py) and, for a wrong code, listing the valid ones. Checked per tenant: the tenant
is connected; then org_check.py: every TaxType exists, is ACTIVE and fits the accounts it is used with;
every account code exists, is ACTIVE and can carry a line (not a bank or system account); branding
themes, tracking categories and options exist; currencies named in route rules are enabled (or the base
currency); the rounding tax type is 0%. The settings read are kept in the result (`organisations`) for
tools that go on to compare them with Autotask (`autotask-xero check`).

Before any of that, the scopes the token was granted are compared with the ones the configured features
need (scopes.py says why and how a token's scopes are known): each missing one is named with the fix, and
the per-tenant settings reads are skipped when `accounting.settings` is missing (each would only say 401).

A value left `TODO: ...` (what `autotask-xero propose-mapping` writes for every choice it could not make) is
refused first, one line per field naming its path, until someone resolves it: a proposal nobody reviewed
must not go live. The problems that only echo a TODO (`TaxType 'TODO: ...' does not exist`) are dropped,
so that the list says each open choice once (`todo_fields`, `without_todo_echoes`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xero_client.client import XeroClient, XeroError
from xero_client.scopes import Requirement, describe_missing, missing, scope_fix

from .config import Config, ConfigError, with_mapping_sources
from .field_paths import FieldPaths, key
from .org_check import OrgSettings, check_mappings, merge_organisations, read_settings

SETTINGS = Requirement(
    "accounting.settings",
    "read the organisation, tax rates, accounts, currencies, branding themes and tracking categories",
    ("accounting.settings.read",),
)
DOCUMENTS = Requirement("accounting.invoices", "write invoices, credit notes and purchase orders")
TODO_MARK = "TODO"
# Fields whose keys are names (Autotask's, or TaxTypes), written `by_region["New Zealand GST"]` in a path.
KEYED_FIELDS = frozenset(
    {
        "by_tax_name",
        "by_region_category",
        "by_category",
        "by_region",
        "exempt_by_region",
        "rates",
        "by_billing_code",
        "by_billing_item_type",
        "by_product_category",
        "by_template",
        "options",
    }
)


@dataclass
class CheckResult:
    tenants: list[str] = field(default_factory=list)  # reachable tenant names
    problems: list[str] = field(default_factory=list)
    organisations: dict[str, OrgSettings] = field(default_factory=dict)  # by tenant id, those read

    @property
    def ok(self) -> bool:
        return not self.problems


def _writes_contacts(config: Config) -> bool:
    contacts = [t.mappings.contacts for t in config.tenants]
    return any(c.create_missing or c.update_details or c.unarchive for c in contacts)


def needed_scopes(config: Config) -> list[Requirement]:
    """The scopes this configuration's features use (`accounting.attachments` when a tenant attaches the
    invoice PDFs: attachments.py lists and uploads them)."""
    needs = [DOCUMENTS, SETTINGS]
    if _writes_contacts(config):
        needs.append(Requirement("accounting.contacts", "find, create and update contacts"))
    else:
        needs.append(Requirement("accounting.contacts.read", "find contacts"))
    items = [t.mappings.items for t in config.tenants if t.mappings.items.enabled]
    if any(i.create_missing for i in items):
        needs.append(Requirement("accounting.invoices", "create items", ("accounting.settings",)))
    elif items:
        needs.append(Requirement("accounting.invoices.read", "read items", ("accounting.settings.read",)))
    if any(t.mappings.attachments.invoice_pdf for t in config.tenants):
        needs.append(Requirement("accounting.attachments", "attach the Autotask invoice PDFs"))
    return needs


def scope_problems(config: Config, granted: frozenset[str] | None) -> tuple[list[str], bool]:
    """(one line per missing scope, whether the settings reads can work)."""
    if granted is None:
        return [], True
    lacking = missing(granted, needed_scopes(config))
    lines = [describe_missing(n, granted, scope_fix(config.auth, n.scope)) for n in lacking]
    return lines, SETTINGS not in lacking


def is_todo(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith(TODO_MARK)


def todo_fields(raw: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field path, value) of every TODO value in the config merged over its `mapping_yaml` text and its
    `mapping_file`, in order."""
    data = dict(raw)
    with contextlib.suppress(ConfigError):  # load_config says why the text or the file cannot be read
        data = with_mapping_sources(raw)
    data.pop("mapping_file", None)
    data.pop("mapping_yaml", None)
    found: list[tuple[str, str]] = []

    def walk(value: Any, path: str, keyed: bool) -> None:
        if isinstance(value, Mapping):
            for name, item in value.items():
                inner = f"{path}{key(str(name))}" if keyed else f"{path}.{name}" if path else str(name)
                walk(item, inner, str(name) in KEYED_FIELDS)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{path}[{index}]", False)
        elif is_todo(value):
            found.append((path, str(value).strip()))

    walk(data, "", False)
    return found


def without_todo_echoes(problems: list[str], todos: list[tuple[str, str]]) -> list[str]:
    """One line per TODO (`<field>: unresolved TODO: ...`), then the other problems but those quoting a
    TODO value: a TaxType, account or name that is still a TODO is that TODO's problem, said once."""
    lines = [f"{path}: unresolved {value}" for path, value in todos]
    others = [p for p in problems if not any(value in p for _, value in todos)]
    return list(dict.fromkeys(lines + others))


def check(config: Config, client: XeroClient, raw: Mapping[str, Any] | None = None) -> CheckResult:
    """`raw`: the config as the user wrote it, so that a message names `mappings.tax` rather than
    `tenants[0].mappings.tax` when the section is the shared default (field_paths.py), and so that a
    TODO left in it, or in its mapping file, is refused naming its field."""
    result = _check(config, client, raw)
    if raw is not None:
        result.problems = without_todo_echoes(result.problems, todo_fields(raw))
    return result


def _check(config: Config, client: XeroClient, raw: Mapping[str, Any] | None) -> CheckResult:
    result = CheckResult()
    paths = FieldPaths(raw)
    try:
        connections = client.connections()
    except XeroError as exc:
        result.problems.append(f"cannot authenticate or list connections: {exc}")
        return result
    scope_lines, can_read_settings = scope_problems(config, client.auth.granted_scopes)
    result.problems.extend(scope_lines)
    reachable = {str(c.get("tenantId")): str(c.get("tenantName")) for c in connections}
    result.tenants = sorted(reachable.values())
    found: list[tuple[str, str]] = []
    for index, tenant in enumerate(config.tenants):
        if tenant.tenant_id not in reachable:
            where = f"{paths.tenant(index)}: tenant {tenant.name!r} ({tenant.tenant_id})"
            result.problems.append(
                f"{where} is not connected to this app; reachable: " + (", ".join(result.tenants) or "none")
            )
            continue
        if not can_read_settings:
            continue
        try:
            settings = read_settings(client, tenant)
        except XeroError as exc:
            result.problems.append(
                f"{paths.tenant(index)}: tenant {tenant.name!r}: cannot read its settings: {exc}"
            )
            continue
        result.organisations[tenant.tenant_id] = settings
        found += [(settings.name, p) for p in check_mappings(tenant, index, settings, paths)]
    result.problems.extend(merge_organisations(found))
    return result
