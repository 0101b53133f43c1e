"""What `propose-mapping` reads, read-only, from both sides, and what each organisation's invoices use.

Autotask: autotask_reads.py's narrow reads (reference names, the recent invoices with their lines and
companies, the billing item type picklist), plus the `Taxes` rows with their rates, which a proposal needs
and a check does not. The invoices are parsed by destination-xero's own intake (`parse_invoice`) and
routed by its own `Router`, so what the proposal believes reaches an organisation is what a sync would
send there.

Xero, per connected organisation: destination-xero's settings read (`read_org_settings`: Organisation,
TaxRates, Currencies, Accounts) plus every BrandingTheme and TrackingCategory (a sync reads those only when
mapped; a proposal reads them to map them), kept as org_check's `OrgSettings` so that the lists of valid
codes are the ones `check` accepts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from autotask_client.query import F, Query
from destination_xero.config import Config, Tenant
from destination_xero.documents import OrgProfile
from destination_xero.lookups import fold_name, read_org_settings
from destination_xero.org_check import OrgSettings
from destination_xero.record_fields import RecordError
from destination_xero.record_types import Invoice, InvoiceLine
from destination_xero.records import parse_invoice
from destination_xero.rounding import TaxComponent, effective_rate
from destination_xero.routing import Rejection, Router
from xero_client.client import XeroClient

from .autotask_reads import AutotaskReads

TAX_FIELDS = ("taxRegionID", "taxCategoryID", "taxName", "taxRate", "isCompounded")


class ProposeReads(AutotaskReads):
    """autotask_reads.py's reads plus the tax rows (`Taxes`: region x category -> name, rate, compounding)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._taxes: list[dict[str, Any]] | None = None

    def taxes(self) -> list[dict[str, Any]]:
        if self._taxes is None:
            query = Query("Taxes", (F("id").gte(0),), include_fields=("id", *TAX_FIELDS))
            self._taxes = sorted(self.client.query(query), key=lambda row: int(row["id"]))
        return self._taxes

    def _id_of(self, entity: str, name: str | None) -> int | None:
        wanted = fold_name(name or "")
        return next(
            (i for i, row in self.table(entity).items() if fold_name(str(row.get("name") or "")) == wanted),
            None,
        )

    def tax_rows(self, region: str | None, category: str | None) -> list[tuple[str, TaxComponent]]:
        """(tax name, component) of the region x category, plain rows before compounded ones (a compounded
        row taxes the amount plus the plain taxes). No row at all means no tax, as Autotask bills it."""
        region_id, category_id = self._id_of("TaxRegions", region), self._id_of("TaxCategories", category)
        rows = [
            r
            for r in self.taxes()
            if region_id is not None
            and _int(r.get("taxRegionID")) == region_id
            and _int(r.get("taxCategoryID")) == category_id
        ]
        rows.sort(key=lambda r: bool(r.get("isCompounded")))
        return [
            (
                str(r.get("taxName") or ""),
                TaxComponent(Decimal(str(r.get("taxRate") or 0)), bool(r.get("isCompounded"))),
            )
            for r in rows
        ]

    def internal_currency(self) -> str | None:
        row = next((r for r in self.table("Currencies").values() if r.get("isInternalCurrency")), None)
        return str(row["name"]) if row and row.get("name") else None


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


@dataclass
class XeroOrg:
    tenant_id: str
    settings: OrgSettings
    organisation: Mapping[str, Any]
    themes: list[Mapping[str, Any]]
    tracking: list[Mapping[str, Any]]

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def profile(self) -> OrgProfile:
        return self.settings.profile

    @property
    def country(self) -> str:
        return str(self.organisation.get("CountryCode") or "").upper()

    @property
    def base_currency(self) -> str:
        return self.profile.base_currency.upper()

    def rate_of(self, tax_type: str) -> Decimal:
        info = self.profile.tax_rates.get(tax_type)
        return effective_rate(info.components) if info else Decimal(0)

    def rate_name(self, tax_type: str) -> str:
        return str(self.settings.tax_rates.get(tax_type, {}).get("Name") or tax_type)


def read_org(client: XeroClient, tenant_id: str, name: str) -> XeroOrg:
    """One organisation's settings, themes and tracking categories: GETs only."""
    read = read_org_settings(client, Tenant(tenant_id=tenant_id, name=name), with_accounts=True)
    themes = list(client.get(tenant_id, "BrandingThemes")["BrandingThemes"])
    tracking = list(client.get(tenant_id, "TrackingCategories")["TrackingCategories"])
    profile = OrgProfile.from_xero(
        read.organisation, read.tax_rates, read.currencies, themes, tracking, read.accounts
    )
    profile.name = profile.name or name
    settings = OrgSettings(
        profile=profile,
        tax_rates={str(r["TaxType"]): r for r in read.tax_rates if r.get("TaxType")},
        accounts={str(a["Code"]): a for a in read.accounts if a.get("Code")},
        themes=[str(t["Name"]) for t in themes if t.get("Name")],
    )
    return XeroOrg(tenant_id, settings, read.organisation, themes, tracking)


# ---- what each organisation's invoices use ------------------------------------------------------------
Pair = tuple[str | None, str | None]  # (tax region, tax category) of a line, as named in Autotask


@dataclass
class Usage:
    """What the recent invoices routed to one organisation use (counts of lines, unless said)."""

    invoices: int = 0
    lines: int = 0
    pairs: Counter[Pair] = field(default_factory=Counter)  # lines the ordinary tax rules take
    taxed_without_category: int = 0
    untaxed_without_category: int = 0
    exempt: Counter[str] = field(default_factory=Counter)  # tax-exempt companies' untaxed lines, by region
    codes: Counter[str] = field(default_factory=Counter)
    item_types: Counter[str] = field(default_factory=Counter)  # of lines without a billing code
    templates: Counter[str] = field(default_factory=Counter)  # invoices, by template name
    currencies: Counter[str] = field(default_factory=Counter)  # invoices
    lines_of_business: Counter[str] = field(default_factory=Counter)
    branches: Counter[str] = field(default_factory=Counter)

    def add_line(self, invoice: Invoice, line: InvoiceLine) -> None:
        self.lines += 1
        region = line.tax_region or invoice.tax_region_name
        if invoice.company.tax_exempt and line.tax_dollars == 0:
            self.exempt[region or ""] += 1
        elif line.tax_category:
            self.pairs[(region, line.tax_category)] += 1
        elif line.tax_dollars == 0:
            self.untaxed_without_category += 1
        else:
            self.taxed_without_category += 1
        if line.billing_code:
            self.codes[line.billing_code] += 1
        elif line.billing_item_type:
            self.item_types[line.billing_item_type] += 1
        if line.line_of_business:
            self.lines_of_business[line.line_of_business] += 1
        if line.branch:
            self.branches[line.branch] += 1


def parse_invoices(records: Iterable[Mapping[str, Any]]) -> list[Invoice]:
    """The invoices a sync would write: numbered, not voided, readable (as coverage.py takes them)."""
    invoices = []
    for raw in records:
        if not str(raw.get("invoiceNumber") or "").strip():
            continue
        try:
            invoice = parse_invoice(raw)
        except RecordError:
            continue
        if not invoice.voided:
            invoices.append(invoice)
    return invoices


@dataclass
class Routed:
    usage: dict[str, Usage]  # by tenant id
    unrouted: list[str] = field(default_factory=list)  # the router's reasons, one per invoice


def route_usage(config: Config, invoices: Iterable[Invoice], templates: Mapping[int, str]) -> Routed:
    """Each invoice through destination-xero's router (split by line, as `split` would), its use counted
    on the organisation each part goes to."""
    router = Router(config)
    routed = Routed({t.tenant_id: Usage() for t in config.tenants})
    for invoice in invoices:
        parts = router.route_invoice(invoice)
        if isinstance(parts, Rejection):
            routed.unrouted.append(parts.reason)
            continue
        for part in parts:
            usage = routed.usage[part.tenant.tenant_id]
            usage.invoices += 1
            usage.currencies[(invoice.currency_code or "").upper()] += 1
            name = templates.get(invoice.template_id or -1)
            if name:
                usage.templates[name] += 1
            for line in part.lines:
                usage.add_line(invoice, line)
    return routed
