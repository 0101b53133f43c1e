"""Mapping rules per line and per document: TaxType, account, tracking and currency, from one tenant's
declared mappings, checked against what its organisation holds.

Why apart from the document kinds: the same rule answers for an invoice line, a credit-note line and
`autotask-xero check` (coverage.py asks these rules what a sync would reject), so it is written once.
Rules (see the root BEHAVIOR.md for the user-facing wording):
- tax: a tax-exempt company's line that Autotask did not tax uses `exempt_by_region`, then `exempt`, before
  any other rule (and is rejected, naming the fix, if it would land on a taxing TaxType); every other line
  most specific first: tax name, "region / category", category, region; lines with no Autotask tax use
  `no_tax`; then `default`. A TaxType the organisation does not hold (or not ACTIVE) is a problem;
- accounts: billing code (name or id), billing item type, product category (its label), then `default`;
- tracking: each declared category's option from its source's value, which must exist: per line its
  branch / organizational level 1, line of business / level 2, department, billing code (options keyed by
  name or id) or billing item type; per document the company's territory, type or a UDF. Up to two
  categories (Xero's limit per line); a value with no option (and no `default_option`), or an option the
  organisation does not hold, rejects the document naming the value; a line with no value (a line without
  a department) gets `default_option`, else no tracking in that category;
- currency: CurrencyCode when it differs from the org's base currency (must be enabled in the org); the
  Autotask exchange rate goes as CurrencyRate only when `currency.autotask_internal_currency` is declared
  and is the org's base currency (both rates then mean "foreign units per base unit"); otherwise Xero
  applies its daily rate (UNCONFIRMED semantics, our choice: never send a rate that may be relative to
  another currency).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .config import Mappings, Tenant
from .config_mappings import TrackingMapping
from .documents import OrgProfile
from .mapping_common import ZERO, lookup
from .record_types import Company, Invoice, InvoiceLine
from .rounding import TaxComponent

# tracking source -> the line's value it reads, and how a problem names that value
LINE_SOURCES: dict[str, tuple[Callable[[InvoiceLine], str | None], str]] = {
    "line_of_business": (lambda line: line.line_of_business, "line of business"),
    "organizational_level_2": (lambda line: line.line_of_business, "organizational level 2"),
    "branch": (lambda line: line.branch, "branch"),
    "organizational_level_1": (lambda line: line.branch, "organizational level 1"),
    "department": (lambda line: line.department, "department"),
    "billing_code": (lambda line: line.billing_code, "billing code"),
    "billing_item_type": (lambda line: line.billing_item_type, "billing item type"),
}
# tracking source -> the company's value it reads (the invoice's company, the PO's vendor)
COMPANY_SOURCES: dict[str, tuple[Callable[[Company, TrackingMapping], str | None], str]] = {
    "territory": (lambda company, rule: company.territory, "territory"),
    "company_type": (lambda company, rule: company.company_type, "company type"),
    "company_udf": (lambda company, rule: company.udf(rule.udf_name or ""), "company UDF"),
}


def tracking_value(rule: TrackingMapping, company: Company, line: InvoiceLine | None) -> str | None:
    """The Autotask value a tracking rule reads: the line's for a line source (None without a line, as on
    a purchase order, whose items carry none of them), the company's for a company source."""
    if rule.source in COMPANY_SOURCES:
        return COMPANY_SOURCES[rule.source][0](company, rule)
    return LINE_SOURCES[rule.source][0](line) if line is not None else None


def source_label(rule: TrackingMapping) -> str:
    """ "territory", "company UDF 'Region'": what a tracking problem calls the value it could not map."""
    if rule.source == "company_udf":
        return f"company UDF {rule.udf_name!r}"
    return (COMPANY_SOURCES.get(rule.source) or LINE_SOURCES[rule.source])[1]


class TenantRules:
    """One tenant's rules, its mapping keys folded once (case and spacing), not once per line."""

    def __init__(self, tenant: Tenant, profile: OrgProfile) -> None:
        self.tenant = tenant
        self.profile = profile
        self.m: Mappings = tenant.mappings
        internal = self.m.currency.autotask_internal_currency
        self.internal_currency = internal.upper() if internal else None
        self._tax_folds = {
            "name": {k.lower(): v for k, v in self.m.tax.by_tax_name.items()},
            "pair": {self._pair_key(k): v for k, v in self.m.tax.by_region_category.items()},
            "category": {k.lower(): v for k, v in self.m.tax.by_category.items()},
            "region": {k.lower(): v for k, v in self.m.tax.by_region.items()},
            "exempt_region": {k.strip().lower(): v for k, v in self.m.tax.exempt_by_region.items()},
        }

    @staticmethod
    def _pair_key(key: str) -> str:
        region, _, category = key.partition("/")
        return f"{region.strip().lower()}/{category.strip().lower()}"

    # ---- tax -------------------------------------------------------------------------------------------
    def tax_type(self, invoice: Invoice, line: InvoiceLine) -> str | None:
        """The line's TaxType: the exemption rules first for a tax-exempt company's untaxed line, then
        the most specific rule that names the line's tax (BEHAVIOR.md "Tax")."""
        return self._exempt_tax_type(invoice, line) or self._ordinary_tax_type(invoice, line)

    def _exempt_tax_type(self, invoice: Invoice, line: InvoiceLine) -> str | None:
        """`exempt_by_region`, then `exempt`, for a line Autotask did not tax because the company is
        tax-exempt. Why before every other rule: the region and categories still say what a taxable
        customer would pay (20% VAT), so a region/category rule would tax a customer billed no tax. A line
        that carries tax was taxed by Autotask (say, billed before the company became exempt): the
        ordinary rules reproduce what was billed."""
        if not invoice.company.tax_exempt or line.tax_dollars != 0:
            return None
        region = (line.tax_region or invoice.tax_region_name or "").strip().lower()
        return self._tax_folds["exempt_region"].get(region) or self.m.tax.exempt

    def _ordinary_tax_type(self, invoice: Invoice, line: InvoiceLine) -> str | None:
        region = line.tax_region or invoice.tax_region_name
        folds = self._tax_folds
        if line.tax_name and line.tax_name.lower() in folds["name"]:
            return folds["name"][line.tax_name.lower()]
        if region and line.tax_category:
            pair = f"{region.strip().lower()}/{line.tax_category.strip().lower()}"
            if pair in folds["pair"]:
                return folds["pair"][pair]
        if line.tax_category and line.tax_category.strip().lower() in folds["category"]:
            return folds["category"][line.tax_category.strip().lower()]
        if region and region.strip().lower() in folds["region"]:
            return folds["region"][region.strip().lower()]
        if not line.tax_category and line.tax_dollars == 0 and self.m.tax.no_tax:
            return self.m.tax.no_tax
        return self.m.tax.default

    def check_exempt(
        self,
        invoice: Invoice,
        line: InvoiceLine,
        tax_type: str,
        components: tuple[TaxComponent, ...],
        problems: list[str],
    ) -> None:
        """A tax-exempt company's untaxed line must not land on a taxing TaxType. Said here, naming the
        fix, because the total check would only report that Xero's total differs from Autotask's."""
        if not invoice.company.tax_exempt or line.tax_dollars != 0 or line.extended_price == 0:
            return
        rate = sum((c.rate for c in components), ZERO)
        if rate:
            problems.append(
                f"line {line.id}: company {invoice.company.name!r} is tax-exempt in Autotask and the line "
                f"carries no tax, but TaxType {tax_type!r} charges {rate.normalize():f}%: declare "
                "mappings.tax.exempt (or exempt_by_region) with a zero-rate TaxType"
            )

    def components(self, tax_type: str, problems: list[str]) -> tuple[TaxComponent, ...]:
        """The rates a TaxType applies, to predict Xero's totals (rounding.py): a percent declared in
        `tax.rates` overrides the organisation's TaxRates; an unknown or inactive TaxType is a problem."""
        declared = self.m.tax.rates.get(tax_type)
        if declared is not None:
            return (TaxComponent(declared),) if declared else ()
        info = self.profile.tax_rates.get(tax_type)
        if info is None:
            problems.append(f"TaxType {tax_type!r} does not exist in organisation {self.tenant.name!r}")
            return ()
        if info.status != "ACTIVE":
            problems.append(f"TaxType {tax_type!r} is {info.status} in organisation {self.tenant.name!r}")
        return info.components

    # ---- accounts and tracking ----------------------------------------------------------------------
    def account(self, line: InvoiceLine) -> str | None:
        """The line's AccountCode, most specific rule first; None when no rule (nor `default`) names one."""
        a = self.m.accounts
        code_id = str(line.billing_code_id) if line.billing_code_id is not None else None
        category = line.product.category if line.product else None
        return (
            lookup(a.by_billing_code, line.billing_code, code_id)
            or lookup(a.by_billing_item_type, line.billing_item_type)
            or lookup(a.by_product_category, category)
            or a.default
        )

    def tracking(self, invoice: Invoice, line: InvoiceLine, problems: list[str]) -> list[dict[str, str]]:
        """The line's Tracking elements, in Xero's spelling of category and option; a value with no option,
        or an option the organisation does not hold, is a problem rather than a line without tracking."""
        return self.tracking_for(invoice.company, line, problems)

    def tracking_for(
        self, company: Company, line: InvoiceLine | None, problems: list[str]
    ) -> list[dict[str, str]]:
        """Tracking from a company and (on an invoice) a line: the one rule behind every document kind.
        Without a line (a purchase order's item carries no branch, department or billing code) only the
        company's rules apply: a line rule is not "no value" there, so its `default_option` is not used."""
        result = []
        for rule in self.m.tracking:
            if line is None and rule.source not in COMPANY_SOURCES:
                continue
            value = tracking_value(rule, company, line)
            option = self._option(rule, value, line)
            if option is None:
                if value is not None:
                    problems.append(
                        f"tracking {rule.category!r}: no option mapped for {value!r} ({source_label(rule)}): "
                        "add it to the rule's options or declare default_option"
                    )
                continue
            category = self.profile.tracking.get(rule.category.strip().lower())
            if category is None:
                problems.append(f"tracking category {rule.category!r} does not exist (or is archived)")
                continue
            name, options = category
            if option.strip().lower() not in options:
                problems.append(f"tracking option {option!r} does not exist in category {name!r}")
                continue
            result.append({"Name": name, "Option": options[option.strip().lower()]})
        return result

    @staticmethod
    def _option(rule: TrackingMapping, value: str | None, line: InvoiceLine | None) -> str | None:
        """The option named for `value`: through `options` (a billing code also by its id, as accounts
        take it), the value itself when there are none, else `default_option`."""
        if not rule.options:
            return value or rule.default_option
        keys = [value]
        if rule.source == "billing_code" and line is not None and line.billing_code_id is not None:
            keys.append(str(line.billing_code_id))
        return lookup(rule.options, *keys) or rule.default_option

    # ---- currency --------------------------------------------------------------------------------------
    def currency(
        self, code: str | None, rate: Decimal | None, payload: dict[str, Any], problems: list[str]
    ) -> None:
        """CurrencyCode (and CurrencyRate, when it means what Xero means by it) on `payload`."""
        if not code or code.upper() == self.profile.base_currency.upper():
            return
        if not self.profile.currency_enabled(code):
            problems.append(f"currency {code} is not enabled in organisation {self.tenant.name!r}")
            return
        payload["CurrencyCode"] = code.upper()
        same_base = self.internal_currency == self.profile.base_currency.upper()
        if same_base and rate is not None and rate > 0 and rate != 1:
            payload["CurrencyRate"] = rate.quantize(Decimal("0.000001"))
