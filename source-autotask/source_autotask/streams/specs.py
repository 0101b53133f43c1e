"""The streams this source offers and how each one syncs.

- Reference tables that carry no modification date (products, billing codes, taxes, templates, payment
  terms, organizational levels, currencies) are small and read in full every sync.
- Companies, contacts and services are incremental on their modification date, OR-ed with their creation
  date because a never-modified record may leave the modification date empty.
- Invoices and purchase orders have no modification date at all. They change when voided, paid, submitted,
  cancelled or stamped; each sync re-reads a lookback window on every date that moves and emits only records
  whose content fingerprint differs from the one stored in the state.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SyncKind(StrEnum):
    FULL = "full"
    CURSOR = "cursor"
    WINDOW = "window"


@dataclass(frozen=True)
class StreamSpec:
    name: str
    entity: str
    kind: SyncKind = SyncKind.FULL
    # CURSOR: the fields OR-ed for `gte cursor`; WINDOW: the dates re-read over the lookback window.
    cursor_fields: tuple[str, ...] = ()
    # Every entity the stream reads (check verifies read access to each of them).
    needs: tuple[str, ...] = ()

    @property
    def cursor_field(self) -> str | None:
        return self.cursor_fields[0] if self.cursor_fields else None

    @property
    def entities(self) -> tuple[str, ...]:
        return (self.entity, *self.needs)


INVOICE_NEEDS = (
    "BillingItems",
    "Companies",
    "Countries",
    "Currencies",
    "TaxRegions",
    "TaxCategories",
    "InvoiceTemplates",
    "PaymentTerms",
    "BillingCodes",
    "Services",
    "OrganizationalLevel1s",
    "OrganizationalLevel2s",
    "OrganizationalLevelAssociations",
)

STREAMS: dict[str, StreamSpec] = {
    spec.name: spec
    for spec in (
        StreamSpec("companies", "Companies", SyncKind.CURSOR, ("lastTrackedModifiedDateTime", "createDate")),
        StreamSpec("contacts", "Contacts", SyncKind.CURSOR, ("lastModifiedDate", "createDate")),
        StreamSpec("products", "Products"),
        StreamSpec("services", "Services", SyncKind.CURSOR, ("lastModifiedDate", "createDate")),
        StreamSpec("billing_codes", "BillingCodes"),
        StreamSpec("tax_categories", "TaxCategories"),
        StreamSpec("tax_regions", "TaxRegions"),
        StreamSpec("taxes", "Taxes"),
        StreamSpec("currencies", "Currencies"),
        StreamSpec("invoice_templates", "InvoiceTemplates"),
        StreamSpec("payment_terms", "PaymentTerms"),
        StreamSpec(
            "organizational_levels",
            "OrganizationalLevelAssociations",
            needs=("OrganizationalLevel1s", "OrganizationalLevel2s"),
        ),
        StreamSpec(
            "invoices",
            "Invoices",
            SyncKind.WINDOW,
            ("createDateTime", "voidedDate", "paidDate", "webServiceDate"),
            INVOICE_NEEDS,
        ),
        StreamSpec(
            "purchase_orders",
            "PurchaseOrders",
            SyncKind.WINDOW,
            ("createDateTime", "submitDateTime", "cancelDateTime"),
            ("PurchaseOrderItems", "Companies", "Countries", "Products", "PaymentTerms", "TaxRegions"),
        ),
    )
}
