"""One tenant's mappings against its organisation's settings: every problem names its field and, for a
wrong code, lists the valid ones.

Why this shape: an admin fixing a mapping file wants to go straight to the key
(`tenants[1].mappings.tax.by_region["New Zealand"]`, or `mappings.accounts.default` when the section is
the shared default, field_paths.py) and to pick the right code from the list, not to open Xero to find it.
Each field is reported on its own, so one TaxType named in two places gives two lines.

Checked (Xero alone; what also needs Autotask is `autotask-xero check`'s):
- every TaxType exists and is ACTIVE, unless `tax.rates` declares its rate; a sales one can be used on
  the revenue accounts mapped (Xero's `CanApplyToRevenue`..., per account class), the purchase one on the
  purchase account, the rounding one on the rounding account and has a zero rate;
- every account code exists, is ACTIVE and can carry a document line: not a bank account (Type BANK: Xero
  refuses an invoice line coded to one; 090 in the demo organisations) and not a system account Xero posts
  to itself (receivables, payables, tax, retained earnings, ...);
- branding themes, tracking categories and options exist; currencies named in route rules are enabled;
- `items.inventory` (inventory.py): its asset account is an ACTIVE account of type INVENTORY, its
  cost-of-goods-sold account an ACTIVE expense-class one (Xero's "an expense account"; Direct Costs is
  what Xero recommends), its purchase TaxType (or tax.purchase) may be used on the asset account, and
  items are enabled with create_missing (only items the connector creates are made tracked).
The valid lists are what fits the field: revenue accounts for a revenue mapping, sales TaxTypes for a
sales tax mapping, zero-rate TaxTypes for the rounding line.

The Xero facts written here (the `CanApplyTo...` flag per account class, the system accounts a line may not
use) are also written in the sandbox (integration_tests/sandbox/xero), on purpose: the sandbox is an
independent emulator, and a fact both sides imported from one place could be wrong without any test
noticing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from xero_client.client import XeroClient

from .config import Tenant
from .documents import OrgProfile
from .field_paths import FieldPaths, key
from .inventory import inventory_problems
from .lookups import read_org_settings

TaxRole = Literal["sales", "purchase", "rounding"]
AccountRole = Literal["revenue", "purchase", "rounding"]
MAX_LISTED = 40

# The TaxRate flag that says whether a TaxType may be used on an account of each class.
CLASS_FLAG = {
    "ASSET": "CanApplyToAssets",
    "EQUITY": "CanApplyToEquity",
    "EXPENSE": "CanApplyToExpenses",
    "LIABILITY": "CanApplyToLiabilities",
    "REVENUE": "CanApplyToRevenue",
}
# System accounts Xero posts to itself, which a document line may not be coded to (Xero answers "Account
# code '610' is not a valid code for this document", as for a bank account). ROUNDING and HISTORICAL are
# not in the list: a rounding line may use the rounding account.
LINE_BLOCKED_SYSTEM_ACCOUNTS = frozenset(
    {
        "DEBTORS",
        "CREDITORS",
        "BANKCURRENCYGAIN",
        "UNREALISEDCURRENCYGAIN",
        "RETAINEDEARNINGS",
        "GST",
        "GSTONIMPORTS",
        "TRACKINGTRANSFERS",
    }
)
ROLE_CLASSES: dict[AccountRole, frozenset[str]] = {
    "revenue": frozenset({"REVENUE"}),
    "purchase": frozenset({"EXPENSE", "ASSET"}),
    "rounding": frozenset(CLASS_FLAG),
}
ROLE_NOUN: dict[AccountRole, str] = {
    "revenue": "an invoice line",
    "purchase": "a purchase order line",
    "rounding": "the rounding line",
}


@dataclass
class OrgSettings:
    """What `check` read of one organisation: the planner's profile, plus the raw tax rates and accounts
    whose flags and names the messages need (the profile keeps only what a sync uses)."""

    profile: OrgProfile
    tax_rates: dict[str, Mapping[str, Any]]
    accounts: dict[str, Mapping[str, Any]]
    themes: list[str]

    @property
    def name(self) -> str:
        return self.profile.name


def read_settings(client: XeroClient, tenant: Tenant) -> OrgSettings:
    """The organisation's settings: the same reads as a sync's profile (lookups.read_org_settings) plus the
    accounts."""
    read = read_org_settings(client, tenant, with_accounts=True)
    profile = OrgProfile.from_xero(*read)
    if not profile.name:
        profile.name = tenant.name
    return OrgSettings(
        profile=profile,
        tax_rates={str(r["TaxType"]): r for r in read.tax_rates if r.get("TaxType")},
        accounts={str(a["Code"]): a for a in read.accounts if a.get("Code")},
        themes=[str(t["Name"]) for t in read.themes if t.get("Name")],
    )


def listing(values: Iterable[str], limit: int = MAX_LISTED) -> str:
    items = list(values)
    if not items:
        return "none"
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


# ---- where each code is used -------------------------------------------------------------------------
def tax_uses(tenant: Tenant, index: int, paths: FieldPaths) -> Iterator[tuple[str, str, TaxRole]]:
    """(field, TaxType, role) for every TaxType the tenant's mappings name. Every field of the tax
    section is a TaxType or a table of them (but `rates`), so a rule added to it is checked too."""
    tax = tenant.mappings.tax
    where = paths.mapping(index, "tax")
    for name in type(tax).model_fields:
        if name == "rates":
            continue
        value = getattr(tax, name)
        role: TaxRole = "purchase" if name == "purchase" else "sales"
        if isinstance(value, Mapping):
            for k, v in value.items():
                yield f"{where}.{name}{key(str(k))}", str(v), role
        elif isinstance(value, str) and value:
            yield f"{where}.{name}", value, role
    rounding = tenant.mappings.rounding
    if rounding.account:
        yield f"{paths.mapping(index, 'rounding')}.tax_type", rounding.tax_type, "rounding"


def account_uses(tenant: Tenant, index: int, paths: FieldPaths) -> Iterator[tuple[str, str, AccountRole]]:
    """(field, account code, role) for every account the tenant's mappings name."""
    accounts = tenant.mappings.accounts
    where = paths.mapping(index, "accounts")
    for name in type(accounts).model_fields:
        value = getattr(accounts, name)
        role: AccountRole = "purchase" if name == "purchase" else "revenue"
        if isinstance(value, Mapping):
            for k, v in value.items():
                yield f"{where}.{name}{key(str(k))}", str(v), role
        elif isinstance(value, str) and value:
            yield f"{where}.{name}", value, role
    rounding = tenant.mappings.rounding
    if rounding.account:
        yield f"{paths.mapping(index, 'rounding')}.account", rounding.account, "rounding"


# ---- the checks ------------------------------------------------------------------------------------------
def _active(record: Mapping[str, Any]) -> bool:
    return str(record.get("Status", "ACTIVE")) == "ACTIVE"


def _line_refusal(account: Mapping[str, Any]) -> str | None:
    """Why Xero refuses a document line coded to this account, or None."""
    if account.get("Type") == "BANK":
        return "is a bank account"
    system = account.get("SystemAccount")
    if system in LINE_BLOCKED_SYSTEM_ACCOUNTS:
        return f"is the system account {system}, which Xero posts to itself"
    return None


def _zero_rate(settings: OrgSettings, tax_type: str) -> bool:
    info = settings.profile.tax_rates.get(tax_type)
    return info is not None and not any(c.rate for c in info.components)


def valid_accounts(settings: OrgSettings, role: AccountRole) -> list[str]:
    classes = ROLE_CLASSES[role]
    return [
        f"{code} {a.get('Name', '')}".strip()
        for code, a in sorted(settings.accounts.items())
        if _active(a) and _line_refusal(a) is None and str(a.get("Class", "")) in classes
    ]


def valid_tax_types(settings: OrgSettings, role: TaxRole) -> list[str]:
    flag = {"sales": "CanApplyToRevenue", "purchase": "CanApplyToExpenses", "rounding": None}[role]
    return [
        tax_type
        for tax_type, rate in sorted(settings.tax_rates.items())
        if _active(rate)
        and (flag is None or rate.get(flag) is not False)
        and (role != "rounding" or _zero_rate(settings, tax_type))
    ]


def _account_problems(tenant: Tenant, index: int, paths: FieldPaths, settings: OrgSettings) -> list[str]:
    org = settings.name
    problems = []
    for where, code, role in account_uses(tenant, index, paths):
        valid = f"; valid: {listing(valid_accounts(settings, role))}"
        account = settings.accounts.get(code)
        if account is None:
            problems.append(f"{where}: account code {code!r} does not exist in {org}{valid}")
        elif not _active(account):
            problems.append(f"{where}: account code {code!r} is {account.get('Status')} in {org}{valid}")
        elif (refusal := _line_refusal(account)) is not None:
            problems.append(
                f"{where}: account code {code!r} ({account.get('Name', '')}) in {org} {refusal}: Xero "
                f"refuses {ROLE_NOUN[role]} coded to it{valid}"
            )
    return problems


def _classes_used(
    tenant: Tenant, index: int, paths: FieldPaths, settings: OrgSettings
) -> dict[str, set[tuple[str, str]]]:
    """Per account role, the (class, code) of the usable accounts the mappings send lines to."""
    used: dict[str, set[tuple[str, str]]] = {"revenue": set(), "purchase": set(), "rounding": set()}
    for _, code, role in account_uses(tenant, index, paths):
        account = settings.accounts.get(code)
        if account is not None and _active(account) and _line_refusal(account) is None:
            used[role].add((str(account.get("Class", "")), code))
    return used


def _tax_problems(tenant: Tenant, index: int, paths: FieldPaths, settings: OrgSettings) -> list[str]:
    org = settings.name
    declared = tenant.mappings.tax.rates
    used = _classes_used(tenant, index, paths, settings)
    account_role = {"sales": "revenue", "purchase": "purchase", "rounding": "rounding"}
    problems = []
    for where, tax_type, role in tax_uses(tenant, index, paths):
        valid = f"; valid: {listing(valid_tax_types(settings, role))}"
        if tax_type in declared:
            continue  # its rate is declared: the organisation's TaxRates are not consulted
        rate = settings.tax_rates.get(tax_type)
        if rate is None:
            problems.append(f"{where}: TaxType {tax_type!r} does not exist in {org}{valid}")
            continue
        if not _active(rate):
            problems.append(f"{where}: TaxType {tax_type!r} is {rate.get('Status')} in {org}{valid}")
            continue
        if role == "rounding" and not _zero_rate(settings, tax_type):
            problems.append(
                f"{where}: TaxType {tax_type!r} has a non-zero rate in {org}; the rounding line must carry "
                f"no tax{valid}"
            )
        refused: dict[str, list[str]] = {}
        for klass, code in sorted(used[account_role[role]]):
            flag = CLASS_FLAG.get(klass)
            if flag and rate.get(flag) is False:
                refused.setdefault(klass, []).append(code)
        for klass, codes in refused.items():
            problems.append(
                f"{where}: TaxType {tax_type!r} cannot be used on {klass} accounts in {org} (mapped: "
                f"{', '.join(codes)}){valid}"
            )
    return problems


def _branding_problems(tenant: Tenant, index: int, paths: FieldPaths, settings: OrgSettings) -> list[str]:
    branding = tenant.mappings.branding
    where = paths.mapping(index, "branding")
    uses = [(f"{where}.by_template{key(k)}", v) for k, v in branding.by_template.items()]
    if branding.default:
        uses.append((f"{where}.default", branding.default))
    return [
        f"{field}: branding theme {theme!r} does not exist in {settings.name}; valid: "
        + listing(settings.themes)
        for field, theme in uses
        if settings.profile.theme_id(theme) is None
    ]


def _tracking_problems(tenant: Tenant, index: int, paths: FieldPaths, settings: OrgSettings) -> list[str]:
    org = settings.name
    tracking = settings.profile.tracking
    problems = []
    for j, rule in enumerate(tenant.mappings.tracking):
        where = f"{paths.mapping(index, 'tracking')}[{j}]"
        category = tracking.get(rule.category.strip().lower())
        if category is None:
            names = sorted(name for name, _ in tracking.values())
            problems.append(
                f"{where}.category: tracking category {rule.category!r} does not exist (or is archived) in "
                f"{org}; valid: {listing(names)}"
            )
            continue
        name, options = category
        uses = [(f"{where}.options{key(k)}", v) for k, v in rule.options.items()]
        if rule.default_option:
            uses.append((f"{where}.default_option", rule.default_option))
        for field, option in uses:
            if option.strip().lower() not in options:
                problems.append(
                    f"{field}: tracking option {option!r} does not exist in category {name!r} of {org}; "
                    f"valid: {listing(sorted(options.values()))}"
                )
    return problems


def _currency_problems(tenant: Tenant, index: int, paths: FieldPaths, settings: OrgSettings) -> list[str]:
    profile = settings.profile
    enabled = sorted({profile.base_currency.upper(), *profile.currencies} - {""})
    return [
        f"{paths.route(index)}.currencies[{j}]: currency {currency} is not enabled in {settings.name}; "
        f"enabled: {listing(enabled)}"
        for j, currency in enumerate(tenant.route.currencies)
        if not profile.currency_enabled(currency)
    ]


CHECKS = (
    _tax_problems,
    _account_problems,
    _branding_problems,
    _tracking_problems,
    _currency_problems,
    inventory_problems,
)


def check_mappings(
    tenant: Tenant, index: int, settings: OrgSettings, paths: FieldPaths | None = None
) -> list[str]:
    """Every problem of tenant `index`'s mappings in its organisation, in field order, each said once."""
    paths = paths or FieldPaths()
    problems: list[str] = []
    for run in CHECKS:
        for problem in run(tenant, index, paths, settings):
            if problem not in problems:
                problems.append(problem)
    return problems


def merge_organisations(found: Iterable[tuple[str, str]]) -> list[str]:
    """(organisation, problem) pairs as lines, the same problem in several organisations said once naming
    them all: a wrong code in the shared `mappings` section is one line, not one per tenant."""
    orgs: dict[str, list[str]] = {}
    for org, problem in found:
        template = problem.replace(org, "\0") if org else problem
        names = orgs.setdefault(template, [])
        if org not in names:
            names.append(org)
    lines = []
    for template, names in orgs.items():
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        lines.append(template.replace("\0", joined))
    return lines
