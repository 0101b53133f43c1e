"""`check`: authenticate, list reachable tenants, validate every declared mapping against each organisation.

All problems are collected and reported at once (an admin fixing a mapping file wants the full list, not
one error per attempt). Checked per tenant: the tenant is connected; every TaxType named anywhere exists
and is ACTIVE; every account code exists and is ACTIVE, and revenue mappings point at accounts that can
take the mapped sales tax types; branding themes, tracking categories and options exist; currencies named
in route rules are enabled (or the base currency); the rounding account exists and its tax type is 0%.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .client import XeroClient, XeroError
from .config import Config, Tenant
from .documents import OrgProfile
from .planner import load_profile


@dataclass
class CheckResult:
    tenants: list[str] = field(default_factory=list)  # reachable tenant names
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _tax_types(tenant: Tenant) -> set[str]:
    tax = tenant.mappings.tax
    names = set(tax.by_tax_name.values()) | set(tax.by_region_category.values())
    names |= set(tax.by_category.values()) | set(tax.by_region.values())
    names |= {t for t in (tax.exempt, tax.no_tax, tax.default, tax.purchase) if t}
    if tenant.mappings.rounding.account:
        names.add(tenant.mappings.rounding.tax_type)
    return names


def _accounts(tenant: Tenant) -> set[str]:
    a = tenant.mappings.accounts
    codes = set(a.by_billing_code.values()) | set(a.by_billing_item_type.values())
    codes |= set(a.by_product_category.values())
    codes |= {c for c in (a.default, a.purchase, tenant.mappings.rounding.account) if c}
    return codes


def check_tenant(tenant: Tenant, profile: OrgProfile) -> list[str]:
    where = f"tenant {tenant.name!r}"
    problems = []
    for tax_type in sorted(_tax_types(tenant)):
        if tax_type in tenant.mappings.tax.rates:
            continue
        info = profile.tax_rates.get(tax_type)
        if info is None:
            problems.append(f"{where}: TaxType {tax_type!r} does not exist")
        elif info.status != "ACTIVE":
            problems.append(f"{where}: TaxType {tax_type!r} is {info.status}")
    for code in sorted(_accounts(tenant)):
        account = profile.accounts.get(code)
        if account is None:
            problems.append(f"{where}: account code {code!r} does not exist")
        elif account.status != "ACTIVE":
            problems.append(f"{where}: account code {code!r} is {account.status}")
    rounding = tenant.mappings.rounding
    if rounding.account:
        info = profile.tax_rates.get(rounding.tax_type)
        if info is not None and any(c.rate for c in info.components):
            problems.append(f"{where}: rounding tax_type {rounding.tax_type!r} must have a zero rate")
    branding = tenant.mappings.branding
    for theme in sorted(
        set(branding.by_template.values()) | ({branding.default} if branding.default else set())
    ):
        if profile.theme_id(theme) is None:
            problems.append(f"{where}: branding theme {theme!r} does not exist")
    for rule in tenant.mappings.tracking:
        category = profile.tracking.get(rule.category.strip().lower())
        if category is None:
            problems.append(f"{where}: tracking category {rule.category!r} does not exist (or is archived)")
            continue
        name, options = category
        wanted = set(rule.options.values()) | ({rule.default_option} if rule.default_option else set())
        for option in sorted(wanted):
            if option.strip().lower() not in options:
                problems.append(f"{where}: tracking option {option!r} does not exist in category {name!r}")
    for currency in tenant.route.currencies:
        if not profile.currency_enabled(currency):
            problems.append(f"{where}: currency {currency} is not enabled")
    return problems


def check(config: Config, client: XeroClient) -> CheckResult:
    result = CheckResult()
    try:
        connections = client.connections()
    except XeroError as exc:
        result.problems.append(f"cannot authenticate or list connections: {exc}")
        return result
    reachable = {str(c.get("tenantId")): str(c.get("tenantName")) for c in connections}
    result.tenants = sorted(reachable.values())
    for tenant in config.tenants:
        if tenant.tenant_id not in reachable:
            result.problems.append(
                f"tenant {tenant.name!r} ({tenant.tenant_id}) is not connected to this app; reachable: "
                + (", ".join(result.tenants) or "none")
            )
            continue
        try:
            profile = load_profile(client, tenant, with_accounts=True)
        except XeroError as exc:
            result.problems.append(f"tenant {tenant.name!r}: cannot read its settings: {exc}")
            continue
        result.problems.extend(check_tenant(tenant, profile))
    return result
