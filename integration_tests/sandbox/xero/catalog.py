"""Which xero-python model describes each Accounting collection (shared by the book and the wire view)."""

from __future__ import annotations

MODEL: dict[str, str] = {
    "Organisation": "Organisation",
    "Accounts": "Account",
    "TaxRates": "TaxRate",
    "Currencies": "Currency",
    "BrandingThemes": "BrandingTheme",
    "TrackingCategories": "TrackingCategory",
    "Contacts": "Contact",
    "Items": "Item",
    "Invoices": "Invoice",
    "CreditNotes": "CreditNote",
    "PurchaseOrders": "PurchaseOrder",
    "Payments": "Payment",
    "Allocations": "Allocation",
}
