"""What a sync would reject in a set of invoices, from their routing and line mapping alone.

For tools that read Autotask themselves (`autotask-xero check`): given invoice records shaped as
source-autotask emits them (a narrow read is enough: the names routing and mapping look at), each invoice
is routed by the destination's own `Router` and each line goes through its own `Mapper` (tax type,
account, tracking), so the check and the sync cannot disagree about a rule. Problems are grouped (one per
tenant and unmapped tax region/category, not one per line), name the config section that takes the fix and
carry the numbers of the invoices concerned.

Not judged here: amounts and rounding (every amount would be needed), contacts and items (Xero's lists),
the documents' currencies. Left out: voided invoices (a void is written only for one already synced),
invoices Autotask has not numbered yet (the source holds them back) and the parts a skip rule skips
(skip.py: the sync does not map them, so nothing in them can be rejected). Tracking is judged for every
source the sync reads (mapping_rules.py: branch, line of business, department, billing code and item type
per line; territory, company type and UDF per company), from the fields the records carry; a record
without one (an older reader) has no value there, which the sync would treat the same way. With
`products_known=False` (a read without products), account rules of a tenant that maps by product
category are not judged.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .config import Config, Tenant
from .documents import OrgProfile
from .field_paths import FieldPaths
from .mapping import Mapper
from .record_fields import RecordError
from .record_types import Invoice, InvoiceLine
from .records import parse_invoice
from .routing import Rejection, Router
from .skip import invoice_skip_reason

EXAMPLES = 3


@dataclass
class Gap:
    field: str
    problem: str
    fix: str = ""
    invoices: list[str] = dataclasses.field(default_factory=list)  # invoice numbers, in the order read
    categories: list[str] = dataclasses.field(default_factory=list)  # for a tax gap: the categories seen

    def describe(self, window: str = "") -> str:
        """`field: problem (categories: ...): fix (N invoices <window>: A, B, C and N more)`."""
        n = len(self.invoices)
        sample = ", ".join(self.invoices[:EXAMPLES]) + (f" and {n - EXAMPLES} more" if n > EXAMPLES else "")
        counted = f"{n} invoice{'s' if n != 1 else ''}" + (f" {window}" if window else "")
        categories = f" (categories: {', '.join(self.categories)})" if self.categories else ""
        fix = f": {self.fix}" if self.fix else ""
        return f"{self.field}: {self.problem}{categories}{fix} ({counted}: {sample})"


class _Gaps:
    def __init__(self) -> None:
        self.found: dict[tuple[str, str], Gap] = {}

    def add(self, where: str, problem: str, number: str, fix: str = "") -> Gap:
        gap = self.found.setdefault((where, problem), Gap(where, problem, fix))
        if number not in gap.invoices:
            gap.invoices.append(number)
        return gap


def _routing_field(rejection: Rejection) -> str:
    return "split_policy" if "split_policy" in rejection.reason else "tenants[*].route"


def _routing_problem(rejection: Rejection) -> str:
    """The router's reason without the line id, so that one company's lines make one problem."""
    return re.sub(r"^line \d+ ", "a line ", rejection.reason)


TAX_FIX = "map the region (by_region) or each region / category (by_region_category), or declare default"
EXEMPT_FIX = "declare exempt (or exempt_by_region) for tax-exempt companies"
ACCOUNT_FIX = "map it (by_billing_code, by_billing_item_type) or declare default"


def _exempt(invoice: Invoice, line: InvoiceLine) -> bool:
    """A line the exemption rules would take (a tax-exempt company's line Autotask did not tax)."""
    return invoice.company.tax_exempt and line.tax_dollars == 0


def _tax_problem(invoice: Invoice, line: InvoiceLine, tenant: Tenant) -> str:
    """One problem per tenant and region (one `by_region` key fixes it), the categories listed with it."""
    region = line.tax_region or invoice.tax_region_name
    exempt = " of tax-exempt companies" if _exempt(invoice, line) else ""
    return f"no TaxType mapped for tax region {region!r} on lines{exempt} routed to {tenant.name}"


def _account_problem(line: InvoiceLine, tenant: Tenant) -> str:
    return (
        f"no account mapped for billing code {line.billing_code!r}, type {line.billing_item_type!r} on lines "
        f"routed to {tenant.name}"
    )


def _tracking_judged(tenant: Tenant, profile: OrgProfile | None) -> bool:
    """Only with the organisation's categories, and only when every rule's category exists there (a
    missing category is `check`'s problem already, said once)."""
    if profile is None or not tenant.mappings.tracking:
        return False
    return all(rule.category.strip().lower() in profile.tracking for rule in tenant.mappings.tracking)


def gaps(
    config: Config,
    invoices: Iterable[Mapping[str, Any]],
    profiles: Mapping[str, OrgProfile] | None = None,
    paths: FieldPaths | None = None,
    products_known: bool = True,
) -> list[Gap]:
    """What the sync would reject in `invoices`, grouped. `profiles` (by tenant id, e.g. from
    `check(...).organisations`) lets tracking options be judged; without one, tracking is skipped."""
    paths = paths or FieldPaths()
    profiles = profiles or {}
    router = Router(config)
    index = {t.tenant_id: i for i, t in enumerate(config.tenants)}
    mappers: dict[str, Mapper] = {}
    found = _Gaps()
    for raw in invoices:
        if not str(raw.get("invoiceNumber") or "").strip():
            continue
        try:
            invoice = parse_invoice(raw)
        except RecordError as exc:
            found.add("invoice", f"cannot be read: {exc}", str(raw.get("invoiceNumber")))
            continue
        if invoice.voided:
            continue
        routed = router.route_invoice(invoice)
        if isinstance(routed, Rejection):
            found.add(_routing_field(routed), _routing_problem(routed), invoice.number)
            continue
        for part in routed:
            if invoice_skip_reason(part) is not None:
                continue
            tenant, i = part.tenant, index[part.tenant.tenant_id]
            profile = profiles.get(tenant.tenant_id)
            if tenant.tenant_id not in mappers:
                mappers[tenant.tenant_id] = Mapper(tenant, profile or OrgProfile(base_currency=""))
            mapper = mappers[tenant.tenant_id]
            accounts = products_known or not tenant.mappings.accounts.by_product_category
            tracking = _tracking_judged(tenant, profile)
            for line in part.lines:
                if mapper.tax_type(invoice, line) is None:
                    fix = EXEMPT_FIX if _exempt(invoice, line) else TAX_FIX
                    problem = _tax_problem(invoice, line, tenant)
                    gap = found.add(paths.mapping(i, "tax"), problem, invoice.number, fix)
                    category = repr(line.tax_category) if line.tax_category else "none"
                    if category not in gap.categories:
                        gap.categories.append(category)
                if accounts and mapper.account(line) is None:
                    problem = _account_problem(line, tenant)
                    found.add(paths.mapping(i, "accounts"), problem, invoice.number, ACCOUNT_FIX)
                if tracking:
                    problems: list[str] = []
                    mapper.tracking(invoice, line, problems)
                    for problem in problems:
                        where = paths.mapping(i, "tracking")
                        found.add(where, f"{problem} ({tenant.name})", invoice.number)
    return list(found.found.values())
