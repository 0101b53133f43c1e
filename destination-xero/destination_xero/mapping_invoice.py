"""Mapping, invoices and credit notes: one routed part of an Autotask invoice → one Xero document.

Why apart from the other kinds: this is where the amounts must agree with Autotask to the cent, so the
mapping is a sequence of named steps, each a method below, run in this order:
1. `_stage`: per line the quantity, unit amount and target amount (negated for a credit note; gross units
   in tax-inclusive mode) and its TaxType; unmapped taxes are named together, one problem per
   region/category;
2. `_elements`: per line the LineItem: quantity and unit fitted to 2 or 4 dp (`fit_line`), description cut
   to Xero's limit, account, item, tracking;
3. `_balance`: Xero's total predicted (rounding.py); a tax total a cent or so away from Autotask's matched
   by one-cent TaxAmount overrides (`match_tax`); what is left, within the declared tolerance, goes on an
   explicit rounding line, else the document is rejected;
4. `_header`: number fields for the numbering mode, dates, status, reference, currency, branding.
Problems are collected through steps 1-3 and raised together; the header's are raised after it.

Rules (see BEHAVIOR.md): total ≥ 0 → ACCREC invoice; total < 0 → ACCRECCREDIT credit note, every line
negated so the note carries positive amounts. Numbering `autotask` (InvoiceNumber = Autotask number),
`prefix` (prefix + number), `xero` (Xero numbers it; the Autotask number goes in Reference, prefixed by
`reference_prefix`, and is the look-up key). A unit amount with digits past the cent is sent at 4 dp and
the document flagged for `unitdp=4`. Dates go only inside XERO_MIN_DATE..XERO_MAX_DATE (mapping_common.py);
a date outside, or a due date that cannot be computed (invoice date 9999-12-31 + 30 days, a payment term
of 10^9 days), rejects that document naming the field, never the batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pendulum

from .documents import Document, Kind
from .mapping_common import (
    XERO_MAX_DATE,
    XERO_MIN_DATE,
    ZERO,
    LineTally,
    MappingError,
    add_days,
    date_text,
    lookup,
    q4,
    xero_date,
)
from .mapping_item import ItemRules
from .mapping_rules import TenantRules
from .record_types import Invoice, InvoiceLine
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


@dataclass(frozen=True)
class _Staged:
    """One line's amounts as the document will carry them, before they are fitted to a precision."""

    line: InvoiceLine
    quantity: Decimal
    unit: Decimal
    target_amount: Decimal
    tax_type: str | None
    components: tuple[TaxComponent, ...]


@dataclass
class _Draft:
    """What the steps build for one part: its LineItems, what rounding.py needs of each, the problems."""

    part: RoutedInvoice
    credit: bool
    problems: list[str] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    rounding_in: list[LineIn] = field(default_factory=list)
    tally: LineTally = field(default_factory=LineTally)
    dp: int = 2

    @property
    def label(self) -> str:
        return f"{'credit note' if self.credit else 'invoice'} {self.part.number}"

    def raise_problems(self) -> None:
        if self.problems:
            raise MappingError(self.label, self.problems)


class InvoiceMapper:
    def __init__(self, rules: TenantRules, items: ItemRules) -> None:
        self.rules = rules
        self.items = items
        self.tenant = rules.tenant
        self.m = rules.m

    def invoice(self, part: RoutedInvoice) -> Document:
        draft = _Draft(part, credit=part.target_total < 0)
        kind: Kind = "credit_note" if draft.credit else "invoice"
        issued = xero_date(part.invoice.date, "invoice date", draft.problems)
        due = None
        if not draft.credit and issued is not None:
            due = self._due_date(part.invoice, draft.problems)
        staged = self._stage(draft)
        draft.dp = 4 if needs_unitdp4([s.unit for s in staged]) else 2
        self._elements(draft, staged)
        adjustment = ZERO if draft.problems else self._balance(draft)
        draft.raise_problems()
        payload, key, match_on = self._header(draft, kind, issued, due)
        draft.raise_problems()
        return Document(
            kind=kind,
            tenant_id=self.tenant.tenant_id,
            key=key,
            source_id=part.invoice.id,
            payload=payload,
            match_on=match_on,  # type: ignore[arg-type]
            contact=part.invoice.company,
            void=part.invoice.voided,
            unitdp4=draft.dp == 4,
            rounding=adjustment,
            autotask_number=part.number,
            update_issued_rates=self.m.currency.update_issued_rates,
            **draft.tally.fields(),
            **self._pdf(part),
        )

    def _pdf(self, part: RoutedInvoice) -> dict[str, Any]:
        """The Autotask PDF to attach, only when the tenant attaches them (attachments.py)."""
        if not self.m.attachments.invoice_pdf:
            return {}
        return {"pdf": part.invoice.pdf, "pdf_error": part.invoice.pdf_error}

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

    # ---- 1. amounts and taxes per line ----------------------------------------------------------------
    def _stage(self, draft: _Draft) -> list[_Staged]:
        invoice, lat = draft.part.invoice, self.m.status.line_amount_types
        unmapped: dict[tuple[str | None, str | None, str | None], list[int]] = {}
        staged: list[_Staged] = []
        for line in draft.part.lines:
            quantity = line.quantity
            if lat == "Inclusive":
                target_amount = line.extended_price + line.tax_dollars
                unit = target_amount / quantity if quantity else ZERO
            else:
                target_amount = line.extended_price
                unit = line.rate
            if draft.credit:
                quantity, unit = (-quantity, unit) if quantity < 0 else (quantity, -unit)
                target_amount = -target_amount
            tax_type = self.rules.tax_type(invoice, line)
            components: tuple[TaxComponent, ...] = ()
            if tax_type is None:
                region = line.tax_region or invoice.tax_region_name
                unmapped.setdefault((region, line.tax_category, line.tax_name), []).append(line.id)
            elif lat != "NoTax":
                components = self.rules.components(tax_type, draft.problems)
                self.rules.check_exempt(invoice, line, tax_type, components, draft.problems)
            staged.append(_Staged(line, quantity, unit, target_amount, tax_type, components))
        for (region, category, tax_name), ids in unmapped.items():
            draft.problems.append(
                f"no TaxType mapped for tax region {region!r}, category {category!r}"
                + (f", tax {tax_name!r}" if tax_name else "")
                + f" (line{'s' if len(ids) > 1 else ''} {', '.join(map(str, ids))})"
            )
        return staged

    # ---- 2. LineItems ---------------------------------------------------------------------------------
    def _elements(self, draft: _Draft, staged: list[_Staged]) -> None:
        invoice, problems = draft.part.invoice, draft.problems
        for s in staged:
            line = s.line
            quantity, sent_unit, collapsed = fit_line(s.quantity, s.unit, s.target_amount, draft.dp)
            description = line.description
            if collapsed:
                description = f"{description} ({q4(s.quantity).normalize():f} x {s.unit.normalize():f})"
            element: dict[str, Any] = {
                "Description": draft.tally.description(line.id, description),
                "Quantity": quantity,
                "UnitAmount": sent_unit,
            }
            account = self.rules.account(line)
            if account is None:
                problems.append(
                    f"line {line.id}: no account mapped for billing code {line.billing_code!r}, "
                    f"type {line.billing_item_type!r}"
                )
            else:
                element["AccountCode"] = account
            if s.tax_type is not None:
                element["TaxType"] = s.tax_type
            self.items.attach(line.id, line.product, element, draft.tally, problems)
            tracking = self.rules.tracking(invoice, line, problems)
            if tracking:
                element["Tracking"] = tracking
            draft.lines.append(element)
            draft.rounding_in.append(LineIn(q4(quantity), sent_unit, s.components))

    # ---- 3. totals: tax matched to Autotask's, the rest on a rounding line --------------------------
    def _balance(self, draft: _Draft) -> Decimal:
        """The rounding line's amount (0 when none is needed), its line appended to the draft. Called only
        when the lines mapped: a total predicted from a partial document would say nothing."""
        part, lat, r = draft.part, self.m.status.line_amount_types, self.m.rounding
        target = -part.target_total if draft.credit else part.target_total
        totals = predict(draft.rounding_in, lat)
        tolerance = r.tolerance + r.tolerance_per_line * len(draft.rounding_in)
        total = totals.total
        if r.tax_amounts == "autotask":
            taxes = match_tax(draft.rounding_in, totals, _autotask_tax(part, draft.credit), lat)
            if taxes is not None:
                for element, tax, xero_tax in zip(draft.lines, taxes, totals.line_taxes, strict=True):
                    if tax != xero_tax:
                        element["TaxAmount"] = tax
                total = totals.total if lat == "Inclusive" else totals.sub_total + sum(taxes, ZERO)
        adjustment = ZERO
        try:
            adjustment = reconcile(total, target, tolerance, r.account)
        except RoundingRefused as exc:
            draft.problems.append(str(exc))
        if adjustment and lat != "NoTax":
            rounding_components = self.rules.components(r.tax_type, draft.problems)
            if any(c.rate for c in rounding_components):
                draft.problems.append(f"rounding tax_type {r.tax_type!r} must have a zero rate")
        if adjustment:
            draft.lines.append(
                {
                    "Description": r.description,
                    "Quantity": Decimal("1.0000"),
                    "UnitAmount": unit_amount(adjustment, draft.dp),
                    "AccountCode": r.account,
                    "TaxType": r.tax_type,
                }
            )
        return adjustment

    # ---- 4. the header --------------------------------------------------------------------------------
    def _header(
        self, draft: _Draft, kind: Kind, issued: str | None, due: str | None
    ) -> tuple[dict[str, Any], str, str]:
        """(payload, look-up key, match_on); currency and branding problems go to the draft."""
        invoice, credit = draft.part.invoice, draft.credit
        number_fields, key, match_on = self.number_fields(draft.part.number, kind)
        status = self.m.status.credit_note if credit else self.m.status.invoice
        payload: dict[str, Any] = {
            "Type": "ACCRECCREDIT" if credit else "ACCREC",
            **number_fields,
            "Date": issued,
            "LineAmountTypes": self.m.status.line_amount_types,
            "Status": status,
            "LineItems": draft.lines,
        }
        if due is not None:
            payload["DueDate"] = due
        if match_on == "number" and invoice.order_number:
            payload["Reference"] = invoice.order_number[:255]
        if self.m.status.mark_sent and status == "AUTHORISED" and not credit:
            payload["SentToContact"] = True
        self.rules.currency(invoice.currency_code, invoice.exchange_rate, payload, draft.problems)
        self._branding(invoice, payload, draft.problems)
        return payload, key, match_on

    def number_fields(self, number: str, kind: str) -> tuple[dict[str, str], str, str]:
        """(payload fields, look-up key, match_on) for this numbering mode."""
        n = self.m.numbering
        field = "CreditNoteNumber" if kind == "credit_note" else "InvoiceNumber"
        if n.mode == "xero":
            reference = f"{n.reference_prefix}{number}"
            return {"Reference": reference}, reference, "reference"
        value = f"{n.prefix}{number}" if n.mode == "prefix" else number
        return {field: value}, value, "number"

    def _branding(self, invoice: Invoice, payload: dict[str, Any], problems: list[str]) -> None:
        b = self.m.branding
        wanted = (
            lookup(
                b.by_template,
                invoice.template_name,
                str(invoice.template_id) if invoice.template_id else None,
            )
            or b.default
        )
        if not wanted:
            return
        theme = self.rules.profile.theme_id(wanted)
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
                return xero_date(own, "due date", problems)
            if source == "term" and days is not None:
                return _due_after(invoice.date, days, "", problems)
        return _due_after(invoice.date, status.default_due_days, " (status.default_due_days)", problems)


def _due_after(start: pendulum.Date, days: int, source: str, problems: list[str]) -> str | None:
    due = add_days(start, days)
    if due is None or not XERO_MIN_DATE <= due <= XERO_MAX_DATE:
        problems.append(f"due date out of range: invoice date {date_text(start)} + {days} days{source}")
        return None
    return date_text(due)


def _autotask_tax(part: RoutedInvoice, credit: bool) -> Decimal:
    """The tax Autotask billed for this part: the invoice's own tax total, or its lines' when split."""
    tax = sum((ln.tax_dollars for ln in part.lines), ZERO) if part.split else part.invoice.tax_total
    return -tax if credit else tax
