"""The typed input objects every stage after intake reads: companies, products, invoices, purchase orders.

Why apart from the parsing (records.py): routing, mapping, resolution and planning depend on these shapes
and never on the source's field names. Amounts are Decimals, dates calendar dates, and every object is
frozen: a record read once is the same record in every stage, whichever tenant's mapping reads it.

An invoice is self-contained (ARCHITECTURE "Data flow"): header, lines (billing items), the company
snapshot, tax region/category names, currency, per line the branch (organizational level 1) and line of
business (level 2), and the template the source resolved.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import pendulum

ZERO = Decimal(0)


@dataclass(frozen=True)
class Address:
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    attention: str | None = None


def udf_value(udfs: Mapping[str, str], name: str) -> str | None:
    """A user-defined field's value by name, case-insensitively (Autotask names are shown as typed)."""
    wanted = name.lower()
    for key, value in udfs.items():
        if key.lower() == wanted:
            return value
    return None


@dataclass(frozen=True)
class Company:
    id: int
    name: str
    number: str | None = None
    tax_exempt: bool = False
    tax_id: str | None = None
    tax_region_name: str | None = None
    currency_code: str | None = None
    email: str | None = None
    phone: str | None = None
    is_active: bool = True
    address: Address = field(default_factory=Address)
    udfs: Mapping[str, str] = field(default_factory=dict)
    territory: str | None = None  # the company's sales territory (Autotask Territories), its name
    company_type: str | None = None  # the label of Autotask's companyType (Customer, Vendor, ...)

    def udf(self, name: str) -> str | None:
        return udf_value(self.udfs, name)


@dataclass(frozen=True)
class ProductRef:
    """The catalogue entry behind a line: a product or a service (both become Xero Items)."""

    kind: str  # "product" | "service"
    id: int
    name: str | None = None
    sku: str | None = None
    category: str | None = None
    description: str | None = None
    unit_price: Decimal | None = None
    unit_cost: Decimal | None = None
    is_active: bool = True


@dataclass(frozen=True)
class InvoiceLine:
    id: int
    description: str
    quantity: Decimal
    rate: Decimal
    extended_price: Decimal
    tax_dollars: Decimal
    billing_item_type: str | None = None
    billing_code: str | None = None
    billing_code_id: int | None = None
    tax_category: str | None = None
    tax_region: str | None = None
    tax_name: str | None = None
    tax_rate: Decimal | None = None  # percent, when the source resolved it
    line_of_business: str | None = None
    branch: str | None = None  # Autotask organizational level 1 (branch / division)
    product: ProductRef | None = None
    department: str | None = None  # the department of the line's billing code (Autotask Departments)


@dataclass(frozen=True)
class InvoicePdf:
    """The invoice's PDF as Autotask renders it (the source's `invoice_pdfs`), to attach in Xero."""

    file_name: str
    content_type: str
    data: bytes
    sha256: str  # of `data`, hex: names a changed PDF (attachments.py)


@dataclass(frozen=True)
class Invoice:
    id: int
    number: str
    company: Company
    date: pendulum.Date
    due_date: pendulum.Date | None
    total: Decimal
    tax_total: Decimal
    lines: tuple[InvoiceLine, ...]
    voided: bool = False
    currency_code: str | None = None
    exchange_rate: Decimal | None = None  # Autotask: foreign units per internal unit
    template_id: int | None = None
    template_name: str | None = None
    payment_term_days: int | None = None
    tax_region_name: str | None = None
    order_number: str | None = None
    udfs: Mapping[str, str] = field(default_factory=dict)  # the invoice's own user-defined fields
    pdf: InvoicePdf | None = None  # when the source was asked for PDFs and Autotask served one
    pdf_error: str | None = None  # why the source could not read the PDF (the invoice is still sent)

    @property
    def is_credit(self) -> bool:
        return self.total < 0

    def udf(self, name: str) -> str | None:
        return udf_value(self.udfs, name)


@dataclass(frozen=True)
class PurchaseOrderLine:
    id: int
    description: str
    quantity: Decimal
    unit_cost: Decimal
    product: ProductRef | None = None


@dataclass(frozen=True)
class PurchaseOrder:
    id: int
    number: str
    vendor: Company
    date: pendulum.Date
    status: str | None
    lines: tuple[PurchaseOrderLine, ...]
    currency_code: str | None = None
    exchange_rate: Decimal | None = None
    delivery_date: pendulum.Date | None = None
    ship_to: Address = field(default_factory=Address)
    telephone: str | None = None
    for_company_id: int | None = None
    cancelled: bool = False
    reference: str | None = None
    freight: Decimal = ZERO
    status_name: str | None = None  # the label of Autotask's status (New, Submitted, Received Full, ...)
    received_date: pendulum.Date | None = None  # the latest receiving of its items, when received
