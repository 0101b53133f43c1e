"""Which Xero organisation(s) a document goes to.

Rules (declared per tenant, OR-ed inside a tenant, names compared case-insensitively):
- line of business: the line's organizational level 2 name (a per-line property: the reason splits exist);
- company UDF value, company id, document currency: per-document properties (for a purchase order, the
  vendor company and the PO currency).
A line goes to the tenant whose rules match it; with no match it goes to the declared default tenant; with
no default the document is rejected ("never guessed"). A line matched by the rules of two or more tenants
is ambiguous and rejects the document (UNCONFIRMED territory, our choice: overlapping rules are a
configuration error that must surface, not be resolved by declaration order, which would silently post an
invoice to the wrong organisation).
When the lines of one invoice go to different tenants, `split_policy` decides: `reject`, or `split` into
one document per tenant, each numbered `<number><tenant.split_number_suffix>` and totalled from its own
lines (Autotask's extendedPrice + taxDollars).
A single tenant with no rules receives everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .config import Config, Tenant
from .records import Company, Invoice, InvoiceLine, PurchaseOrder


@dataclass(frozen=True)
class RoutedInvoice:
    tenant: Tenant
    invoice: Invoice
    lines: tuple[InvoiceLine, ...]
    number: str  # the Autotask number this part carries (suffixed when split)
    target_total: Decimal  # the Autotask total of these lines
    split: bool


@dataclass(frozen=True)
class Rejection:
    reason: str
    tenant: Tenant | None = None


class _Compiled:
    __slots__ = ("currencies", "default", "ids", "lobs", "tenant", "udf_name", "udf_values")

    def __init__(self, tenant: Tenant) -> None:
        route = tenant.route
        self.tenant = tenant
        self.lobs = frozenset(v.strip().lower() for v in route.lines_of_business)
        self.ids = frozenset(route.company_ids)
        self.currencies = frozenset(v.strip().upper() for v in route.currencies)
        self.udf_name = route.company_udf.name if route.company_udf else None
        values = route.company_udf.values if route.company_udf else []
        self.udf_values = frozenset(v.strip().lower() for v in values)
        self.default = route.default

    def document_matches(self, company: Company, currency: str | None) -> bool:
        if company.id in self.ids:
            return True
        if currency and currency.upper() in self.currencies:
            return True
        if self.udf_name:
            value = company.udf(self.udf_name)
            if value is not None and value.strip().lower() in self.udf_values:
                return True
        return False

    def line_matches(self, line: InvoiceLine) -> bool:
        lob = line.line_of_business
        return lob is not None and lob.strip().lower() in self.lobs


class Router:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._rules = [_Compiled(t) for t in config.tenants]
        self._default = next((t for t in config.tenants if t.route.default), None)
        if self._default is None and len(config.tenants) == 1 and config.tenants[0].route.is_empty():
            self._default = config.tenants[0]

    def _pick(self, matched: list[Tenant], what: str) -> Tenant | Rejection:
        if len(matched) > 1:
            names = ", ".join(t.name for t in matched)
            return Rejection(f"{what} matches the routing rules of several tenants ({names}): ambiguous")
        if matched:
            return matched[0]
        if self._default is not None:
            return self._default
        return Rejection(f"{what} matches no routing rule and no default tenant is declared")

    def _line_tenant(self, invoice: Invoice, line: InvoiceLine) -> Tenant | Rejection:
        company, currency = invoice.company, invoice.currency_code
        matched = [
            rule.tenant
            for rule in self._rules
            if rule.line_matches(line) or rule.document_matches(company, currency)
        ]
        lob = f", line of business {line.line_of_business!r}" if line.line_of_business else ""
        return self._pick(matched, f"line {line.id} (company {invoice.company.id}{lob})")

    def route_invoice(self, invoice: Invoice) -> list[RoutedInvoice] | Rejection:
        groups: dict[str, list[InvoiceLine]] = {}
        tenants: dict[str, Tenant] = {}
        for line in invoice.lines:
            picked = self._line_tenant(invoice, line)
            if isinstance(picked, Rejection):
                return picked
            groups.setdefault(picked.tenant_id, []).append(line)
            tenants[picked.tenant_id] = picked
        if len(groups) == 1:
            tenant = next(iter(tenants.values()))
            return [RoutedInvoice(tenant, invoice, invoice.lines, invoice.number, invoice.total, False)]
        if self.config.split_policy == "reject":
            names = ", ".join(tenants[t].name for t in groups)
            return Rejection(f"lines route to different tenants ({names}) and split_policy is 'reject'")
        parts = []
        for tenant_id, lines in groups.items():
            tenant = tenants[tenant_id]
            total = sum((ln.extended_price + ln.tax_dollars for ln in lines), Decimal(0))
            parts.append(
                RoutedInvoice(
                    tenant, invoice, tuple(lines), invoice.number + tenant.split_number_suffix, total, True
                )
            )
        return parts

    def route_company(self, company: Company, currency: str | None, what: str) -> Tenant | Rejection:
        """Documents without lines of business (purchase orders): company and currency rules only."""
        matched = [r.tenant for r in self._rules if r.document_matches(company, currency)]
        return self._pick(matched, what)

    def route_purchase_order(self, po: PurchaseOrder) -> Tenant | Rejection:
        return self.route_company(po.vendor, po.currency_code, f"purchase order {po.number}")
