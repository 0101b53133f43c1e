"""Routing, the second stage: which Xero organisation(s) a document goes to.

Why a stage of its own: a tenant's mappings apply only once its organisation is known, and a document that
routes nowhere (or to two places) is rejected before any mapping or call is spent on it.

Rules (declared per tenant, OR-ed inside a tenant, names compared case-insensitively):
- branch and line of business: the line's organizational level 1 and level 2 names (per-line properties:
  the reason splits exist);
- company UDF value, company id, document currency: per-document properties (for a purchase order, the
  vendor company and the PO currency, which is the vendor's: Autotask issues a PO in it).
Purchase orders are routed by the same rules, but Autotask's purchase order items carry no
organizational level (PurchaseOrderItems has no organizationalLevelAssociationID), so branch and
line-of-business rules never match one: a PO goes to the tenant its vendor (UDF, id) or its currency
names, else to the default. Its vendor contact is then found in that organisation (resolution.py), so a PO
never creates a second copy of a vendor that already exists where it belongs.
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

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from .config import Config, Tenant
from .record_types import Company, Invoice, InvoiceLine, PurchaseOrder


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
    __slots__ = ("branches", "currencies", "default", "ids", "lobs", "tenant", "udf_name", "udf_values")

    def __init__(self, tenant: Tenant) -> None:
        route = tenant.route
        self.tenant = tenant
        self.lobs = _names(route.lines_of_business)
        self.branches = _names(route.branches)
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
        return _named(line.line_of_business, self.lobs) or _named(line.branch, self.branches)


def _names(values: list[str]) -> frozenset[str]:
    """Rule names as compared: trimmed and case-folded, so "Asia Pacific " matches "asia pacific"."""
    return frozenset(v.strip().lower() for v in values)


def _named(value: str | None, names: frozenset[str]) -> bool:
    return value is not None and value.strip().lower() in names


def _line_label(invoice: Invoice, line: InvoiceLine) -> str:
    """How a rejection names a line: its id, company and the per-line properties the rules look at."""
    parts = [f"company {invoice.company.id}"]
    if line.branch:
        parts.append(f"branch {line.branch!r}")
    if line.line_of_business:
        parts.append(f"line of business {line.line_of_business!r}")
    return f"line {line.id} ({', '.join(parts)})"


class Router:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._rules = [_Compiled(t) for t in config.tenants]
        self._default = next((t for t in config.tenants if t.route.default), None)
        if self._default is None and len(config.tenants) == 1 and config.tenants[0].route.is_empty():
            self._default = config.tenants[0]

    def _pick(self, matched: list[Tenant], what: str | Callable[[], str]) -> Tenant | Rejection:
        """The one tenant matched, else the default; `what` names the document or line in a rejection
        (a callable: the name is built only for a rejection, not for each of the 40,000 lines routed)."""
        if len(matched) == 1:
            return matched[0]
        if not matched and self._default is not None:
            return self._default
        what = what if isinstance(what, str) else what()
        if len(matched) > 1:
            names = ", ".join(t.name for t in matched)
            return Rejection(f"{what} matches the routing rules of several tenants ({names}): ambiguous")
        if matched:
            return matched[0]
        if self._default is not None:
            return self._default
        return Rejection(f"{what} matches no routing rule and no default tenant is declared")

    def _line_tenant(self, invoice: Invoice, line: InvoiceLine, documents: list[bool]) -> Tenant | Rejection:
        """`documents`: whether each rule matches the invoice's company and currency, the same for every
        line of it (asked once per invoice, not once per line)."""
        matched = [
            rule.tenant
            for rule, document in zip(self._rules, documents, strict=True)
            if rule.line_matches(line) or document
        ]
        return self._pick(matched, lambda: _line_label(invoice, line))

    def route_invoice(self, invoice: Invoice) -> list[RoutedInvoice] | Rejection:
        groups: dict[str, list[InvoiceLine]] = {}
        tenants: dict[str, Tenant] = {}
        company, currency = invoice.company, invoice.currency_code
        documents = [rule.document_matches(company, currency) for rule in self._rules]
        for line in invoice.lines:
            picked = self._line_tenant(invoice, line, documents)
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
        """Documents whose lines carry no branch or line of business (purchase orders): company and
        currency rules only, with the same default and ambiguity handling as an invoice line."""
        matched = [r.tenant for r in self._rules if r.document_matches(company, currency)]
        return self._pick(matched, what)

    def route_purchase_order(self, po: PurchaseOrder) -> Tenant | Rejection:
        """The vendor and the PO's currency decide, as the company and currency decide an invoice."""
        currency = f", currency {po.currency_code}" if po.currency_code else ""
        what = f"purchase order {po.number} (vendor {po.vendor.id}{currency})"
        return self.route_company(po.vendor, po.currency_code, what)
