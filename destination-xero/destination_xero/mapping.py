"""Mapping, the third stage: Autotask documents → Xero payloads, through one tenant's declared mappings and
its organisation profile.

Why a stage of its own: routing has said which organisation a document goes to; mapping says what it
becomes there, without a call to Xero (the profile was read once), so a mapping problem rejects only its
document and `autotask-xero check` can ask the same rules offline (coverage.py). `Mapper` is the one entry
point; each document kind is a module of its own:
- mapping_invoice.py: invoices and credit notes (amounts, tax matching, rounding line, header);
- mapping_purchase_order.py: purchase orders as Xero purchase orders;
- mapping_bill.py: purchase orders as Xero bills (ACCPAY invoices), once received;
- mapping_contact.py: the contact a company becomes;
- mapping_item.py: item codes on lines, and the items products and services become;
- mapping_rules.py: the per-line and per-document rules (TaxType, account, tracking, currency);
- mapping_common.py: what they share (MappingError, dates, description cut, the line tally).

Every problem found while mapping a document is collected and raised together as `MappingError`, so the
rejected-records output names everything that must be fixed (an unmapped tax region AND a missing account),
and only that document fails. A document already approved in Xero keeps its rate unless
`currency.update_issued_rates` (the planner decides; the document carries the flag).
"""

from __future__ import annotations

from .config import Mappings, Tenant
from .documents import Document, Kind, OrgProfile
from .mapping_bill import bill_document, bill_number, sends_bill, sends_purchase_order
from .mapping_common import DESCRIPTION_MAX, MappingError
from .mapping_contact import contact_document, contact_number
from .mapping_invoice import InvoiceMapper
from .mapping_item import ItemRules
from .mapping_purchase_order import purchase_order_document
from .mapping_rules import TenantRules
from .record_types import Company, Invoice, InvoiceLine, ProductRef, PurchaseOrder
from .rounding import TaxComponent
from .routing import RoutedInvoice

__all__ = ["DESCRIPTION_MAX", "Mapper", "MappingError"]


class Mapper:
    """One tenant's mapping, built once per tenant per run (its rules fold their keys once)."""

    def __init__(self, tenant: Tenant, profile: OrgProfile) -> None:
        self.tenant = tenant
        self.profile = profile
        self.m: Mappings = tenant.mappings
        self.rules = TenantRules(tenant, profile)
        self.items = ItemRules(tenant)
        self._invoices = InvoiceMapper(self.rules, self.items)

    # ---- documents -------------------------------------------------------------------------------------
    def invoice(self, part: RoutedInvoice) -> Document:
        return self._invoices.invoice(part)

    def void_only(self, part: RoutedInvoice) -> Document:
        return self._invoices.void_only(part)

    def purchase_order(self, po: PurchaseOrder) -> Document:
        return purchase_order_document(self.rules, self.items, po)

    def bill(self, po: PurchaseOrder) -> Document:
        return bill_document(self.rules, self.items, po)

    def purchase_order_kinds(self) -> tuple[Kind, ...]:
        """What an Autotask purchase order becomes here (`mappings.purchase_orders.send_as`): the Xero
        purchase order, the bill, or both, in that order."""
        settings = self.m.purchase_orders
        kinds: tuple[Kind, ...] = ("purchase_order",) if sends_purchase_order(settings) else ()
        return (*kinds, "bill") if sends_bill(settings) else kinds

    def purchase_order_as(self, kind: Kind, po: PurchaseOrder) -> Document:
        """The document of one of `purchase_order_kinds` (MappingError names what to fix)."""
        return self.bill(po) if kind == "bill" else self.purchase_order(po)

    def purchase_order_key(self, kind: Kind, po: PurchaseOrder) -> str:
        """How a decision names the PO's document of `kind` when it could not be mapped."""
        return bill_number(self.m.purchase_orders, po) if kind == "bill" else po.number

    def contact(self, company: Company) -> Document:
        return contact_document(self.tenant, company)

    def item(self, product: ProductRef, code: str | None = None) -> Document:
        return self.items.item(product, code)

    # ---- the rules, for resolution and for `autotask-xero check` ----------------------------------------
    def contact_number(self, company: Company) -> str:
        return contact_number(self.tenant, company)

    def item_code(self, product: ProductRef) -> str | None:
        return self.items.item_code(product)

    def number_fields(self, number: str, kind: str) -> tuple[dict[str, str], str, str]:
        return self._invoices.number_fields(number, kind)

    def tax_type(self, invoice: Invoice, line: InvoiceLine) -> str | None:
        return self.rules.tax_type(invoice, line)

    def components(self, tax_type: str, problems: list[str]) -> tuple[TaxComponent, ...]:
        return self.rules.components(tax_type, problems)

    def account(self, line: InvoiceLine) -> str | None:
        return self.rules.account(line)

    def tracking(self, invoice: Invoice, line: InvoiceLine, problems: list[str]) -> list[dict[str, str]]:
        return self.rules.tracking(invoice, line, problems)
