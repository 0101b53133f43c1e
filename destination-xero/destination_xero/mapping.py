"""Autotask documents → Xero payloads, through one tenant's declared mappings and its organisation profile.

Every problem found while mapping a document is collected and raised together as `MappingError`, so the
rejected-records output names everything that must be fixed (an unmapped tax region AND a missing account),
and only that document fails.

Rules (see the root BEHAVIOR.md for the user-facing wording):
- invoice total ≥ 0 → ACCREC invoice; total < 0 → ACCRECCREDIT credit note, every line negated so the note
  carries positive amounts; a voided Autotask invoice is planned as a void (VOIDED/DELETED by the planner);
- numbering: `autotask` (InvoiceNumber = Autotask number), `prefix` (prefix + number), `xero` (Xero numbers
  it; the Autotask number goes in Reference, prefixed by `reference_prefix`, and is the look-up key);
- tax: a tax-exempt company's line that Autotask did not tax uses `exempt_by_region`, then `exempt`, before
  any other rule (and is rejected, naming the fix, if it would land on a taxing TaxType); every other line
  most specific first: tax name, "region / category", category, region; lines with no Autotask tax use
  `no_tax`; then `default`; otherwise the document is rejected, naming the unmapped region/category. A
  TaxType the organisation does not hold (or not ACTIVE) rejects too;
- accounts: billing code (name or id), billing item type, product category (its label), then `default`;
- items (when enabled): a line with a product or service carries `ItemCode` = prefix + its `code_from`
  value, shortened past 30 characters by the rule in item_codes.py; one without that value (no SKU) is
  posted without an item and named in the summary, or rejects its document under `missing_code: reject`;
- a line description longer than Xero's 4000 characters is cut to 4000 and counted for the summary;
- a unit amount with digits past the cent is sent at 4 dp and the document flagged for `unitdp=4`;
- tax-inclusive mode sends gross unit amounts ((extendedPrice + taxDollars) / quantity);
- currency: CurrencyCode when it differs from the org's base currency (must be enabled in the org); the
  Autotask exchange rate goes as CurrencyRate only when `currency.autotask_internal_currency` is declared
  and is the org's base currency (both rates then mean "foreign units per base unit"); otherwise Xero
  applies its daily rate (UNCONFIRMED semantics, our choice: never send a rate that may be relative to another
  currency). A document already approved in Xero keeps its rate unless `currency.update_issued_rates`
  (the planner decides; the document carries the flag);
- rounding: Xero's total is predicted with `rounding.py`; a difference is fixed by an explicit line on the
  declared rounding account, within the declared tolerance, else the document is rejected. Before that,
  a tax total a cent or so away from Autotask's is matched by one-cent TaxAmount overrides (`match_tax`);
- dates: always sent as 4-digit YYYY-MM-DD, and only inside XERO_MIN_DATE..XERO_MAX_DATE (see `_xero_date`);
  a date outside, or a due date that cannot be computed (invoice date 9999-12-31 + 30 days, a payment term
  of 10^9 days), rejects that document naming the field, never the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pendulum

from .config import Mappings, Tenant
from .documents import Document, Kind, OrgProfile
from .item_codes import fit_code
from .records import Company, Invoice, InvoiceLine, ProductRef, PurchaseOrder
from .rounding import (
    LineIn,
    RoundingRefused,
    TaxComponent,
    fit_line,
    match_tax,
    needs_unitdp4,
    predict,
    reconcile,
    unit_amount,
)
from .routing import RoutedInvoice

ZERO = Decimal(0)
# Xero's longest line Description: 4000 characters, as for an item's (api-facts A4; the OpenAPI LineItem
# schema states no maximum). A longer one is cut to it, counted, and said in the run summary.
DESCRIPTION_MAX = 4000
# Xero documents no range for document dates. It stores them in SQL Server `datetime` (1753-01-01 to
# 9999-12-31): a date before 1753 is answered with HTTP 500 for the whole request (XeroAPI/XeroAPI.Net#16),
# dates before 1970 are held (XeroAPI/Xero-Java#138). Our choice: 1900-01-01 to 9999-12-31, inside that
# range with a margin; no Autotask document predates 1900, so an earlier year ("0001", "1025") is a typo.
XERO_MIN_DATE = pendulum.Date(1900, 1, 1)
XERO_MAX_DATE = pendulum.Date(9999, 12, 31)


class MappingError(ValueError):
    def __init__(self, document: str, problems: Sequence[str]) -> None:
        self.document = document
        self.problems = list(problems)
        super().__init__(f"{document}: " + "; ".join(self.problems))


def _lookup(table: dict[str, str], *keys: str | None) -> str | None:
    if not table:
        return None
    folded = {k.strip().lower(): v for k, v in table.items()}
    for key in keys:
        if key is not None and key.strip().lower() in folded:
            return folded[key.strip().lower()]
    return None


def _date(value: pendulum.Date) -> str:
    """Always 4-digit YYYY-MM-DD: pendulum writes year 1 as "1-01-01", which Xero cannot parse, and one
    unparsable date makes Xero refuse the whole request, not just its document."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _xero_date(value: pendulum.Date, what: str, problems: list[str]) -> str | None:
    """`value` as Xero takes it, or None with a problem naming `what` when it is outside the range we send
    (XERO_MIN_DATE..XERO_MAX_DATE): refused here, it rejects its own document instead of Xero's batch."""
    if XERO_MIN_DATE <= value <= XERO_MAX_DATE:
        return _date(value)
    problems.append(
        f"{what} out of range: {_date(value)} (accepted: {_date(XERO_MIN_DATE)} to {_date(XERO_MAX_DATE)})"
    )
    return None


def _add_days(start: pendulum.Date, days: int) -> pendulum.Date | None:
    """`start` + `days`, or None when no date holds the sum: past 9999-12-31, or a term so large (10^9
    days) that Python cannot even represent the interval; both raise OverflowError otherwise."""
    try:
        return start.add(days=days)
    except (OverflowError, ValueError):
        return None


def _q4(value: Decimal) -> Decimal:
    return unit_amount(value, 4)


class Mapper:
    def __init__(self, tenant: Tenant, profile: OrgProfile) -> None:
        self.tenant = tenant
        internal = tenant.mappings.currency.autotask_internal_currency
        self.internal_currency = internal.upper() if internal else None
        self.m: Mappings = tenant.mappings
        self.profile = profile
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

    def _check_exempt(
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

    # ---- accounts, items, tracking ---------------------------------------------------------------------
    def account(self, line: InvoiceLine) -> str | None:
        a = self.m.accounts
        code_id = str(line.billing_code_id) if line.billing_code_id is not None else None
        category = line.product.category if line.product else None
        return (
            _lookup(a.by_billing_code, line.billing_code, code_id)
            or _lookup(a.by_billing_item_type, line.billing_item_type)
            or _lookup(a.by_product_category, category)
            or a.default
        )

    def item_code(self, product: ProductRef) -> str | None:
        """The Xero item code of a product or service: `prefix` + its `code_from` value, shortened by the
        declared rule when longer than 30 (item_codes.py); None when it has no such value (no SKU)."""
        source = {"sku": product.sku, "name": product.name, "id": str(product.id)}[self.m.items.code_from]
        if not source or not source.strip():
            return None
        return fit_code(f"{self.m.items.prefix}{source}".strip())

    def attach_item(
        self,
        line_id: int,
        product: ProductRef | None,
        element: dict[str, Any],
        tally: _Lines,
        problems: list[str],
    ) -> None:
        """Put the line's item code on `element` when items are enabled and the line has a product or
        service. One that gives no code is posted without an item and named for the summary, or, under
        `missing_code: reject`, rejects the document naming it: never dropped without a word."""
        if not self.m.items.enabled or product is None:
            return
        code = self.item_code(product)
        if code:
            element["ItemCode"] = code
            tally.products.append(product)
            return
        named = f"{product.kind} {product.id}" + (f" {product.name!r}" if product.name else "")
        if self.m.items.missing_code == "reject":
            problems.append(
                f"line {line_id}: {named} has no {self.m.items.code_from} to make its Xero item code from "
                "(items.missing_code: reject)"
            )
        else:
            tally.itemless.append(named)

    def tracking(self, invoice: Invoice, line: InvoiceLine, problems: list[str]) -> list[dict[str, str]]:
        result = []
        for rule in self.m.tracking:
            value: str | None
            if rule.source == "line_of_business":
                value = line.line_of_business
            elif rule.source == "branch":
                value = line.branch
            elif rule.source == "company_udf":
                value = invoice.company.udf(rule.udf_name or "")
            elif rule.source == "billing_code":
                value = line.billing_code
            else:
                value = line.billing_item_type
            option = (_lookup(rule.options, value) if rule.options else value) or rule.default_option
            if option is None:
                if value is not None:
                    problems.append(f"tracking {rule.category!r}: no option mapped for {value!r}")
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

    # ---- shared header pieces --------------------------------------------------------------------------
    def _currency(
        self, code: str | None, rate: Decimal | None, payload: dict[str, Any], problems: list[str]
    ) -> None:
        if not code or code.upper() == self.profile.base_currency.upper():
            return
        if not self.profile.currency_enabled(code):
            problems.append(f"currency {code} is not enabled in organisation {self.tenant.name!r}")
            return
        payload["CurrencyCode"] = code.upper()
        same_base = self.internal_currency == self.profile.base_currency.upper()
        if same_base and rate is not None and rate > 0 and rate != 1:
            payload["CurrencyRate"] = rate.quantize(Decimal("0.000001"))

    def _branding(self, invoice: Invoice, payload: dict[str, Any], problems: list[str]) -> None:
        b = self.m.branding
        wanted = (
            _lookup(
                b.by_template,
                invoice.template_name,
                str(invoice.template_id) if invoice.template_id else None,
            )
            or b.default
        )
        if not wanted:
            return
        theme = self.profile.theme_id(wanted)
        if theme is None:
            problems.append(f"branding theme {wanted!r} does not exist in organisation {self.tenant.name!r}")
            return
        payload["BrandingThemeID"] = theme

    def _due_date(self, invoice: Invoice, problems: list[str]) -> str | None:
        """The DueDate to send, or None with a problem naming it.

        Only the source the rule picks is computed (Autotask's due date or the payment term, in the
        order `status.due_date` declares, then `default_due_days`), so an absurd payment term on an
        invoice whose own due date is used rejects nothing. A picked value out of range rejects the
        invoice rather than falling through to the next source: the fall-through is for a value that is
        missing, and a wrong one must be fixed in Autotask, not replaced by a due date nobody chose."""
        status = self.m.status
        own, days = invoice.due_date, invoice.payment_term_days
        order = ("own", "term") if status.due_date == "autotask" else ("term", "own")
        for source in order:
            if source == "own" and own is not None:
                return _xero_date(own, "due date", problems)
            if source == "term" and days is not None:
                return self._due_after(invoice.date, days, "", problems)
        return self._due_after(invoice.date, status.default_due_days, " (status.default_due_days)", problems)

    @staticmethod
    def _due_after(start: pendulum.Date, days: int, source: str, problems: list[str]) -> str | None:
        due = _add_days(start, days)
        if due is None or not XERO_MIN_DATE <= due <= XERO_MAX_DATE:
            problems.append(f"due date out of range: invoice date {_date(start)} + {days} days{source}")
            return None
        return _date(due)

    def number_fields(self, number: str, kind: str) -> tuple[dict[str, str], str, str]:
        """(payload fields, look-up key, match_on) for this numbering mode."""
        n = self.m.numbering
        field = "CreditNoteNumber" if kind == "credit_note" else "InvoiceNumber"
        if n.mode == "xero":
            reference = f"{n.reference_prefix}{number}"
            return {"Reference": reference}, reference, "reference"
        value = f"{n.prefix}{number}" if n.mode == "prefix" else number
        return {field: value}, value, "number"

    # ---- invoices and credit notes ---------------------------------------------------------------------
    def invoice(self, part: RoutedInvoice) -> Document:
        invoice = part.invoice
        credit = part.target_total < 0
        kind: Kind = "credit_note" if credit else "invoice"
        problems: list[str] = []
        lat = self.m.status.line_amount_types
        lines: list[dict[str, Any]] = []
        rounding_in: list[LineIn] = []
        raw_units: list[Decimal] = []
        unmapped: dict[tuple[str | None, str | None, str | None], list[int]] = {}
        tally = _Lines()
        staged: list[tuple[InvoiceLine, Decimal, Decimal, Decimal, str | None, tuple[TaxComponent, ...]]] = []
        issued = _xero_date(invoice.date, "invoice date", problems)
        due = self._due_date(invoice, problems) if not credit and issued is not None else None
        for line in part.lines:
            quantity = line.quantity
            if lat == "Inclusive":
                target_amount = line.extended_price + line.tax_dollars
                unit = target_amount / quantity if quantity else ZERO
            else:
                target_amount = line.extended_price
                unit = line.rate
            if credit:
                quantity, unit = (-quantity, unit) if quantity < 0 else (quantity, -unit)
                target_amount = -target_amount
            tax_type = self.tax_type(invoice, line)
            components: tuple[TaxComponent, ...] = ()
            if tax_type is None:
                region = line.tax_region or invoice.tax_region_name
                unmapped.setdefault((region, line.tax_category, line.tax_name), []).append(line.id)
            elif lat != "NoTax":
                components = self.components(tax_type, problems)
                self._check_exempt(invoice, line, tax_type, components, problems)
            raw_units.append(unit)
            staged.append((line, quantity, unit, target_amount, tax_type, components))
        for (region, category, tax_name), ids in unmapped.items():
            problems.append(
                f"no TaxType mapped for tax region {region!r}, category {category!r}"
                + (f", tax {tax_name!r}" if tax_name else "")
                + f" (line{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))})"
            )
        dp = 4 if needs_unitdp4(raw_units) else 2
        for line, raw_quantity, unit, target_amount, tax_type, components in staged:
            quantity, sent_unit, collapsed = fit_line(raw_quantity, unit, target_amount, dp)
            description = line.description
            if collapsed:
                description = f"{description} ({_q4(raw_quantity).normalize():f} x {unit.normalize():f})"
            element: dict[str, Any] = {
                "Description": tally.description(line.id, description),
                "Quantity": quantity,
                "UnitAmount": sent_unit,
            }
            account = self.account(line)
            if account is None:
                problems.append(
                    f"line {line.id}: no account mapped for billing code {line.billing_code!r}, "
                    f"type {line.billing_item_type!r}"
                )
            else:
                element["AccountCode"] = account
            if tax_type is not None:
                element["TaxType"] = tax_type
            self.attach_item(line.id, line.product, element, tally, problems)
            tracking = self.tracking(invoice, line, problems)
            if tracking:
                element["Tracking"] = tracking
            lines.append(element)
            rounding_in.append(LineIn(_q4(quantity), sent_unit, components))

        target = -part.target_total if credit else part.target_total
        adjustment = ZERO
        if not problems:
            totals = predict(rounding_in, lat)
            r = self.m.rounding
            tolerance = r.tolerance + r.tolerance_per_line * len(rounding_in)
            total = totals.total
            if r.tax_amounts == "autotask":
                taxes = match_tax(rounding_in, totals, _autotask_tax(part, credit), lat)
                if taxes is not None:
                    for element, tax, xero_tax in zip(lines, taxes, totals.line_taxes, strict=True):
                        if tax != xero_tax:
                            element["TaxAmount"] = tax
                    total = totals.total if lat == "Inclusive" else totals.sub_total + sum(taxes, ZERO)
            try:
                adjustment = reconcile(total, target, tolerance, r.account)
            except RoundingRefused as exc:
                problems.append(str(exc))
            if adjustment and lat != "NoTax":
                rounding_components = self.components(r.tax_type, problems)
                if any(c.rate for c in rounding_components):
                    problems.append(f"rounding tax_type {r.tax_type!r} must have a zero rate")
            if adjustment:
                lines.append(
                    {
                        "Description": r.description,
                        "Quantity": Decimal("1.0000"),
                        "UnitAmount": unit_amount(adjustment, dp),
                        "AccountCode": r.account,
                        "TaxType": r.tax_type,
                    }
                )
        label = f"{'credit note' if credit else 'invoice'} {part.number}"
        if problems:
            raise MappingError(label, problems)

        number_fields, key, match_on = self.number_fields(part.number, kind)
        status = self.m.status.credit_note if credit else self.m.status.invoice
        payload: dict[str, Any] = {
            "Type": "ACCRECCREDIT" if credit else "ACCREC",
            **number_fields,
            "Date": issued,
            "LineAmountTypes": lat,
            "Status": status,
            "LineItems": lines,
        }
        if due is not None:
            payload["DueDate"] = due
        if match_on == "number" and invoice.order_number:
            payload["Reference"] = invoice.order_number[:255]
        if self.m.status.mark_sent and status == "AUTHORISED" and not credit:
            payload["SentToContact"] = True
        self._currency(invoice.currency_code, invoice.exchange_rate, payload, problems)
        self._branding(invoice, payload, problems)
        if problems:
            raise MappingError(label, problems)
        return Document(
            kind=kind,
            tenant_id=self.tenant.tenant_id,
            key=key,
            source_id=invoice.id,
            payload=payload,
            match_on=match_on,  # type: ignore[arg-type]
            contact=invoice.company,
            void=invoice.voided,
            unitdp4=dp == 4,
            rounding=adjustment,
            autotask_number=part.number,
            update_issued_rates=self.m.currency.update_issued_rates,
            **tally.fields(),
        )

    def void_only(self, part: RoutedInvoice) -> Document:
        """A voided invoice that no longer maps (say its tax region was retired) must still be voided in
        Xero when it was synced before: this document carries only what the look-up and the void need."""
        kind: Kind = "credit_note" if part.target_total < 0 else "invoice"
        fields, key, match_on = self.number_fields(part.number, kind)
        return Document(
            kind=kind,
            tenant_id=self.tenant.tenant_id,
            key=key,
            source_id=part.invoice.id,
            payload=dict(fields),
            match_on=match_on,  # type: ignore[arg-type]
            void=True,
            autotask_number=part.number,
        )

    # ---- purchase orders -------------------------------------------------------------------------------
    def purchase_order(self, po: PurchaseOrder) -> Document:
        problems: list[str] = []
        account = self.m.accounts.purchase or self.m.accounts.default
        if account is None:
            problems.append("no purchase account declared (mappings.accounts.purchase)")
        lines = []
        tally = _Lines()
        purchase_tax = {"TaxType": self.m.tax.purchase} if self.m.tax.purchase else {}
        for line in po.lines:
            # Xero purchase orders take no unitdp=4: unit costs go at 2 dp and the quantity is kept (a PO
            # is not posted to the ledger; its quantities matter more than a sub-cent line difference).
            element: dict[str, Any] = {
                "Description": tally.description(line.id, line.description),
                "Quantity": _q4(line.quantity),
                "UnitAmount": unit_amount(line.unit_cost, 2),
                **({"AccountCode": account} if account else {}),
                **purchase_tax,
            }
            self.attach_item(line.id, line.product, element, tally, problems)
            lines.append(element)
        if po.freight:
            freight = {
                "Description": "Freight",
                "Quantity": Decimal("1.0000"),
                "UnitAmount": unit_amount(po.freight, 2),
            }
            lines.append({**freight, **({"AccountCode": account} if account else {}), **purchase_tax})
        if self.m.tax.purchase and self.m.tax.purchase not in self.m.tax.rates:
            self.components(self.m.tax.purchase, problems)
        prefix = self.m.numbering.prefix if self.m.numbering.mode == "prefix" else ""
        number = f"{prefix}{po.number}"
        ordered = _xero_date(po.date, "purchase order date", problems)
        delivery = _xero_date(po.delivery_date, "delivery date", problems) if po.delivery_date else None
        payload: dict[str, Any] = {
            "PurchaseOrderNumber": number,
            "Date": ordered,
            "LineAmountTypes": self.m.status.line_amount_types,
            "Status": self.m.status.purchase_order,
            "LineItems": lines,
        }
        if po.reference:
            payload["Reference"] = po.reference[:255]
        if delivery is not None:
            payload["DeliveryDate"] = delivery
        if po.ship_to.attention:
            payload["AttentionTo"] = po.ship_to.attention[:255]
        if po.telephone:
            payload["Telephone"] = po.telephone[:50]
        address = ", ".join(
            p for p in (po.ship_to.line1, po.ship_to.line2, po.ship_to.city, po.ship_to.postal_code) if p
        )
        if address:
            payload["DeliveryAddress"] = address
        self._currency(po.currency_code, po.exchange_rate, payload, problems)
        if problems:
            raise MappingError(f"purchase order {po.number}", problems)
        return Document(
            kind="purchase_order",
            tenant_id=self.tenant.tenant_id,
            key=number,
            source_id=po.id,
            payload=payload,
            contact=po.vendor,
            void=po.cancelled,
            autotask_number=po.number,
            update_issued_rates=self.m.currency.update_issued_rates,
            **tally.fields(),
        )

    # ---- contacts and items ----------------------------------------------------------------------------
    def contact_number(self, company: Company) -> str:
        return f"{self.m.contacts.contact_number_prefix}{company.id}"

    def contact(self, company: Company) -> Document:
        payload: dict[str, Any] = {
            "Name": company.name[:255],
            "ContactNumber": self.contact_number(company)[:50],
        }
        if company.number:
            payload["AccountNumber"] = company.number[:50]
        if company.email:
            payload["EmailAddress"] = company.email[:255]
        if company.tax_id:
            payload["TaxNumber"] = company.tax_id[:50]
        a = company.address
        if a.line1 or a.city:
            address = {"AddressType": "POBOX"}
            for key, value in (
                ("AddressLine1", a.line1),
                ("AddressLine2", a.line2),
                ("City", a.city),
                ("Region", a.region),
                ("PostalCode", a.postal_code),
                ("Country", a.country),
                ("AttentionTo", a.attention),
            ):
                if value:
                    address[key] = value
            payload["Addresses"] = [address]
        if company.phone:
            payload["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": company.phone[:50]}]
        return Document(
            kind="contact",
            tenant_id=self.tenant.tenant_id,
            key=payload["ContactNumber"],
            source_id=company.id,
            payload=payload,
            autotask_number=company.name,
        )

    def item(self, product: ProductRef, code: str | None = None) -> Document:
        """The Xero item for a product or service, under `code` (the one its lines carry) or its own."""
        code = code or self.item_code(product)
        if not code:
            problem = f"no {self.m.items.code_from} to make an item code from"
            raise MappingError(f"{product.kind} {product.id}", [problem])
        payload: dict[str, Any] = {"Code": code, "Name": (product.name or code)[:50]}
        if product.description:
            payload["Description"] = product.description[:DESCRIPTION_MAX]
        if product.unit_price is not None:
            sales: dict[str, Any] = {"UnitPrice": unit_amount(product.unit_price, 4)}
            payload["SalesDetails"] = sales
        return Document(
            kind="item",
            tenant_id=self.tenant.tenant_id,
            key=code,
            source_id=product.id,
            payload=payload,
            autotask_number=code,
        )


@dataclass
class _Lines:
    """What a document's lines add up to besides their payload: the products that became items, the ones
    that could not (named, for the summary), and the lines whose description was cut to DESCRIPTION_MAX."""

    products: list[ProductRef] = field(default_factory=list)
    itemless: list[str] = field(default_factory=list)
    cut: list[int] = field(default_factory=list)

    def description(self, line_id: int, text: str) -> str:
        """`text` as Xero takes it: cut to DESCRIPTION_MAX characters, the cut remembered for the summary."""
        if len(text) <= DESCRIPTION_MAX:
            return text
        self.cut.append(line_id)
        return text[:DESCRIPTION_MAX]

    def fields(self) -> dict[str, Any]:
        return {
            "products": tuple(self.products),
            "item_lines": len(self.products),
            "itemless": tuple(self.itemless),
            "cut_descriptions": tuple(self.cut),
        }


def _autotask_tax(part: RoutedInvoice, credit: bool) -> Decimal:
    """The tax Autotask billed for this part: the invoice's own tax total, or its lines' when split."""
    tax = sum((ln.tax_dollars for ln in part.lines), ZERO) if part.split else part.invoice.tax_total
    return -tax if credit else tax
