"""Loading one tenant's dataset (Xero PascalCase JSON) into a Book.

Why: datasets are written by hand or by the generator and may leave out what Xero always has (IDs,
statuses, totals, derived flags). Missing values are filled the way Xero would have filled them when the
record was created, with IDs derived deterministically (uuid5) so a reset or a second run gives the same
IDs. The input dict is never mutated (reset reloads from it).

Choices (UNCONFIRMED): a tax rate without CanApplyTo* flags can be applied to every account class; an
account without Class gets the class its Type implies.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import wire
from .rounding import ZERO, Component, exclusive_fraction, quantize, round_money

if TYPE_CHECKING:
    from .book import Book

CLASS_BY_TYPE: dict[str, str] = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYGLIABILITY": "LIABILITY",
    "SUPERANNUATIONLIABILITY": "LIABILITY",
    "WAGESPAYABLELIABILITY": "LIABILITY",
    "EQUITY": "EQUITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "SUPERANNUATIONEXPENSE": "EXPENSE",
    "WAGESEXPENSE": "EXPENSE",
    "OTHERINCOME": "REVENUE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
}
CAN_APPLY = (
    "CanApplyToAssets",
    "CanApplyToEquity",
    "CanApplyToExpenses",
    "CanApplyToLiabilities",
    "CanApplyToRevenue",
)
DOC_ID = {"Invoices": "InvoiceID", "CreditNotes": "CreditNoteID", "PurchaseOrders": "PurchaseOrderID"}
PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}


def _stamp(book: Book, record: dict[str, Any], key: str = "UpdatedDateUTC") -> None:
    if not isinstance(record.get(key), dt.datetime):
        record[key] = book.now()


def load_seed(book: Book, data: dict[str, Any]) -> None:
    org = wire.from_json("Organisation", dict(data.get("Organisation") or {}))
    org["OrganisationID"] = book.tenant_id
    org.setdefault("Name", book.tenant_name)
    org.setdefault("BaseCurrency", "USD")
    org.setdefault("OrganisationStatus", "ACTIVE")
    book.organisation = org

    for raw in data.get("Currencies") or []:
        book.put("Currencies", wire.from_json("Currency", dict(raw)))
    if book.get("Currencies", book.base_currency) is None:
        book.put("Currencies", {"Code": book.base_currency, "Description": book.base_currency})

    for raw in data.get("TaxRates") or []:
        book.put("TaxRates", tax_rate_record(wire.from_json("TaxRate", dict(raw))))

    for index, raw in enumerate(data.get("Accounts") or []):
        record = wire.from_json("Account", dict(raw))
        record.setdefault("AccountID", book.seed_id("Accounts", index))
        record.setdefault("Status", "ACTIVE")
        if not record.get("Class"):
            record["Class"] = CLASS_BY_TYPE.get(str(record.get("Type", "")), "EXPENSE")
        _stamp(book, record)
        book.put("Accounts", record)

    for index, raw in enumerate(data.get("BrandingThemes") or []):
        record = wire.from_json("BrandingTheme", dict(raw))
        record.setdefault("BrandingThemeID", book.seed_id("BrandingThemes", index))
        record.setdefault("Type", "INVOICE")
        record.setdefault("SortOrder", index)
        _stamp(book, record, "CreatedDateUTC")
        book.put("BrandingThemes", record)

    for index, raw in enumerate(data.get("TrackingCategories") or []):
        record = wire.from_json("TrackingCategory", dict(raw))
        record.setdefault("TrackingCategoryID", book.seed_id("TrackingCategories", index))
        record.setdefault("Status", "ACTIVE")
        options = []
        for option_index, option in enumerate(record.get("Options") or []):
            option = dict(option)
            option.setdefault("TrackingOptionID", book.seed_id(f"TrackingOptions/{index}", option_index))
            option.setdefault("Status", "ACTIVE")
            options.append(option)
        record["Options"] = options
        book.put("TrackingCategories", record)

    for index, raw in enumerate(data.get("Contacts") or []):
        record = wire.from_json("Contact", dict(raw))
        record.setdefault("ContactID", book.seed_id("Contacts", index))
        record.setdefault("ContactStatus", "ACTIVE")
        record.setdefault("IsSupplier", False)
        record.setdefault("IsCustomer", False)
        record.setdefault("Addresses", [])
        record.setdefault("Phones", [])
        record.setdefault("ContactPersons", [])
        _stamp(book, record)
        book.put("Contacts", record)

    for index, raw in enumerate(data.get("Items") or []):
        record = wire.from_json("Item", dict(raw))
        record.setdefault("ItemID", book.seed_id("Items", index))
        record.setdefault("IsSold", True)
        record.setdefault("IsPurchased", True)
        purchase = record.get("PurchaseDetails") or {}
        record["IsTrackedAsInventory"] = bool(
            record.get("InventoryAssetAccountCode") and purchase.get("COGSAccountCode")
        )
        _stamp(book, record)
        book.put("Items", record)

    explicit: set[str] = set()
    for collection, model in (
        ("Invoices", "Invoice"),
        ("CreditNotes", "CreditNote"),
        ("PurchaseOrders", "PurchaseOrder"),
    ):
        for index, raw in enumerate(data.get(collection) or []):
            record = wire.from_json(model, dict(raw))
            if "AmountPaid" in record or "RemainingCredit" in record:
                explicit.add(str(record.get(DOC_ID[collection], "")).lower())
            _seed_document(book, collection, index, record)
            book.put(collection, record)

    for index, raw in enumerate(data.get("Payments") or []):
        record = wire.from_json("Payment", dict(raw))
        _seed_payment(book, index, record, explicit)


def tax_rate_record(record: dict[str, Any]) -> dict[str, Any]:
    record.setdefault("Status", "ACTIVE")
    components = []
    for component in record.get("TaxComponents") or []:
        component = dict(component)
        component["Rate"] = wire.to_decimal(component.get("Rate") or 0)
        component.setdefault("IsCompound", False)
        component.setdefault("IsNonRecoverable", False)
        components.append(component)
    record["TaxComponents"] = components
    for flag in CAN_APPLY:
        record.setdefault(flag, True)
    rate = exclusive_fraction(tax_components(record)) * 100
    record.setdefault("EffectiveRate", quantize(rate, Decimal("0.0001")))
    record.setdefault("DisplayTaxRate", quantize(rate, Decimal("0.0001")))
    return record


def tax_components(rate: dict[str, Any]) -> list[Component]:
    return [
        Component(wire.to_decimal(c.get("Rate") or 0), bool(c.get("IsCompound")))
        for c in rate.get("TaxComponents") or []
    ]


def _seed_document(book: Book, collection: str, index: int, record: dict[str, Any]) -> None:
    from .rules_lines import price_lines

    record.setdefault(DOC_ID[collection], book.seed_id(collection, index))
    record.setdefault("Status", "DRAFT")
    record.setdefault("LineAmountTypes", "Exclusive")
    record.setdefault("CurrencyCode", book.base_currency)
    record.setdefault("CurrencyRate", Decimal(1))
    if not isinstance(record.get("Date"), dt.date):
        record["Date"] = book.today()
    contact = record.get("Contact") or {}
    stored = book.get("Contacts", contact.get("ContactID")) if contact.get("ContactID") else None
    if stored is None and contact.get("Name"):
        named = book.active_contacts_named(str(contact["Name"]))
        stored = named[0] if named else None
    if stored is not None:
        record["Contact"] = {"ContactID": stored["ContactID"], "Name": stored.get("Name")}
    lines = []
    for line_index, line in enumerate(record.get("LineItems") or []):
        line = dict(line)
        line.setdefault("LineItemID", book.seed_id(f"{collection}/{index}/lines", line_index))
        lines.append(line)
    number_field = {
        "Invoices": "InvoiceNumber",
        "CreditNotes": "CreditNoteNumber",
        "PurchaseOrders": "PurchaseOrderNumber",
    }[collection]
    auto = {"Invoices": ("ACCREC", "INV-"), "CreditNotes": ("ACCRECCREDIT", "CN-")}.get(collection)
    if not record.get(number_field) and (auto is None or record.get("Type") == auto[0]):
        record[number_field] = book.next_number(collection, auto[1] if auto else "PO-")
    priced, totals, _errors = price_lines(book, lines, str(record["LineAmountTypes"]), 4, None, strict=False)
    record["LineItems"] = priced
    record.setdefault("SubTotal", totals.sub_total)
    record.setdefault("TotalTax", totals.total_tax)
    record.setdefault("Total", totals.total)
    if collection == "Invoices":
        record.setdefault("AmountPaid", ZERO)
        record.setdefault("AmountCredited", ZERO)
        record.setdefault(
            "AmountDue", round_money(record["Total"] - record["AmountPaid"] - record["AmountCredited"])
        )
        record.setdefault("Payments", [])
        record.setdefault("CreditNotes", [])
        record.setdefault("Prepayments", [])
        record.setdefault("Overpayments", [])
    elif collection == "CreditNotes":
        record.setdefault("Allocations", [])
        record.setdefault("Payments", [])
        record.setdefault("RemainingCredit", record["Total"])
    _stamp(book, record)


def _seed_payment(book: Book, index: int, record: dict[str, Any], explicit: set[str]) -> None:
    from .rules_payments import apply_payment_amounts, document_summary, payment_summary

    record.setdefault("PaymentID", book.seed_id("Payments", index))
    record.setdefault("Status", "AUTHORISED")
    record.setdefault("IsReconciled", False)
    record.setdefault("CurrencyRate", Decimal(1))
    target_collection = "Invoices"
    ref = record.get("Invoice") or {}
    if record.get("CreditNote"):
        target_collection, ref = "CreditNotes", record["CreditNote"]
    id_field = "InvoiceID" if target_collection == "Invoices" else "CreditNoteID"
    document = book.get(target_collection, ref.get(id_field)) if ref.get(id_field) else None
    if document is not None:
        record["PaymentType"] = record.get("PaymentType") or PAYMENT_TYPES.get(
            str(document.get("Type")), "ACCRECPAYMENT"
        )
        key = "Invoice" if target_collection == "Invoices" else "CreditNote"
        record[key] = document_summary(book, target_collection, document)
        summaries = list(document.get("Payments") or [])
        if not any(str(p.get("PaymentID")).lower() == str(record["PaymentID"]).lower() for p in summaries):
            summaries.append(payment_summary(record))
            updated = dict(document)
            updated["Payments"] = summaries
            if str(document[id_field]).lower() not in explicit and record["Status"] == "AUTHORISED":
                apply_payment_amounts(
                    updated, target_collection, wire.to_decimal(record.get("Amount") or 0), record.get("Date")
                )
            book.put(target_collection, updated)
    account = record.get("Account") or {}
    stored = book.get("Accounts", account.get("AccountID")) if account.get("AccountID") else None
    if stored is None and account.get("Code"):
        stored = book.account_by_code(account["Code"])
    if stored is not None:
        record["Account"] = {"AccountID": stored["AccountID"], "Code": stored.get("Code")}
    record.setdefault("BankAmount", record.get("Amount"))
    record["HasAccount"] = bool(record.get("Account"))
    _stamp(book, record)
    book.put("Payments", record)
