"""The form's words: a title and a description for every field of config.py's models, by model and field.

Why a table beside the models rather than `Field(title=..., description=...)` on each: config.py would pass
the ~400-line budget, and the rules it holds would drown in prose. spec.py applies the table to the
models' JSON schema (`$defs`, keyed by model name) before inlining, so both platforms' forms carry it and a
field added to a model without an entry here fails the spec test, which checks that no property is left
with a generated title and no description.
"""

from __future__ import annotations

Docs = dict[str, tuple[str, str]]

_ROUTE: Docs = {
    "lines_of_business": (
        "Lines of business",
        "Autotask lines of business (organizational level 2) whose lines go to this organisation.",
    ),
    "branches": (
        "Branches",
        "Autotask branches (organizational level 1) whose lines go to this organisation.",
    ),
    "company_udf": (
        "Company UDF rule",
        "A company user-defined field and the values that send its documents here.",
    ),
    "company_ids": ("Company ids", "Autotask company ids whose documents go to this organisation."),
    "currencies": ("Currencies", "Currency codes (e.g. NZD) whose documents go to this organisation."),
    "default": (
        "Default organisation",
        "Documents no other organisation's rule takes come here (one organisation at most).",
    ),
}
_TAX: Docs = {
    "by_tax_name": ("By Autotask tax name", "Autotask tax name -> Xero TaxType; checked first."),
    "by_region_category": ("By region and category", '"Region / Category" -> Xero TaxType.'),
    "by_category": ("By tax category", "Autotask tax category -> Xero TaxType, whatever the region."),
    "by_region": ("By tax region", "Autotask tax region -> Xero TaxType, whatever the category."),
    "exempt": ("Tax-exempt companies", "TaxType of untaxed lines of companies Autotask marks tax-exempt."),
    "exempt_by_region": (
        "Tax-exempt companies, by region",
        "The same per tax region, checked before the one above.",
    ),
    "no_tax": ("Lines without tax", "TaxType of lines with no Autotask tax category or region."),
    "default": ("Default TaxType", "Used when no rule above matches; empty: such a line is rejected."),
    "purchase": ("Purchase orders", "TaxType of purchase-order lines."),
    "rates": ("Rates", "TaxType -> percent, overriding the rates read from Xero (rarely needed)."),
}
_ACCOUNTS: Docs = {
    "by_billing_code": (
        "By billing code",
        "Autotask billing code (work type, material code) -> Xero account code.",
    ),
    "by_billing_item_type": (
        "By billing item type",
        "Autotask billing item type (Labour, Product...) -> account code.",
    ),
    "by_product_category": ("By product category", "Autotask product category -> account code."),
    "default": (
        "Default account",
        "Account code for lines no rule above places; empty: such a line is rejected.",
    ),
    "purchase": ("Purchase orders", "Account code of purchase-order lines."),
}
_ITEMS: Docs = {
    "enabled": ("Attach Xero items", "Put Autotask products and services on the lines as Xero items."),
    "code_from": ("Item code from", "sku, name or id of the Autotask product or service."),
    "prefix": ("Item code prefix", "Put before every item code (e.g. AT-)."),
    "create_missing": ("Create missing items", "Create an item Xero does not have yet."),
    "missing_code": (
        "Line without a code",
        "line_without_item: post it without an item; reject: reject the document.",
    ),
    "inventory": (
        "Inventory-tracked items",
        "Stocked products created as Xero items that track quantity on hand; empty: none.",
    ),
}
_INVENTORY: Docs = {
    "skus": ("SKUs", "Autotask product SKUs created as tracked items."),
    "product_ids": ("Product ids", "Autotask product ids created as tracked items."),
    "product_categories": ("Product categories", "Autotask product categories whose products are tracked."),
    "asset_account": ("Inventory asset account", "Account code of the stock's value (an inventory asset)."),
    "cogs_account": ("Cost of goods sold account", "Account code charged as tracked items are sold."),
    "purchase_tax_type": (
        "Purchase TaxType",
        "TaxType of the items' purchase details; empty: the purchase TaxType of tax.",
    ),
}
_CONTACTS: Docs = {
    "match": (
        "Match contacts by",
        "The order in which a Xero contact is looked for: contact_number, account_number, name.",
    ),
    "contact_number_prefix": (
        "Contact number prefix",
        "Put before the Autotask company id in ContactNumber.",
    ),
    "create_missing": ("Create missing contacts", "Create a contact when none matches."),
    "update_details": ("Update contact details", "Overwrite a matched contact's details with Autotask's."),
    "unarchive": ("Unarchive contacts", "Restore an archived contact a document needs."),
}
_BRANDING: Docs = {
    "by_template": ("By invoice template", "Autotask template name or id -> Xero branding theme name or id."),
    "default": (
        "Default theme",
        "Theme for documents whose template is not listed; empty: the organisation's.",
    ),
}
_TRACKING: Docs = {
    "category": ("Tracking category", "The Xero tracking category's name."),
    "source": (
        "Filled from",
        "Per line: branch (organizational_level_1), line_of_business (organizational_level_2), department, "
        "billing_code, billing_item_type; per company: territory, company_type, company_udf.",
    ),
    "udf_name": ("Company UDF name", "The company UDF read when the source is company_udf."),
    "options": ("Options", "Autotask value -> Xero option name; empty: the same name."),
    "default_option": ("Default option", "Option of lines whose value is not listed."),
}
_NUMBERING: Docs = {
    "mode": (
        "Numbering mode",
        "autotask: the Autotask number; prefix: prefix + that number; xero: Xero numbers, the Reference "
        "holds it.",
    ),
    "prefix": ("Number prefix", "Put before the Autotask invoice number."),
    "reference_prefix": ("Reference prefix", "Put before the Autotask number in the Reference."),
}
_STATUS: Docs = {
    "invoice": ("Invoice status", "DRAFT, SUBMITTED or AUTHORISED."),
    "credit_note": ("Credit note status", "DRAFT, SUBMITTED or AUTHORISED."),
    "purchase_order": ("Purchase order status", "DRAFT, SUBMITTED or AUTHORISED."),
    "mark_sent": ("Mark as sent", "Mark authorised invoices as sent to the customer."),
    "line_amount_types": ("Line amounts", "Exclusive, Inclusive or NoTax, as Autotask's prices are."),
    "due_date": ("Due date from", "autotask: the invoice's due date; payment_term: the payment term's days."),
    "default_due_days": ("Default due days", "Days to the due date when neither gives one."),
}
_ROUNDING: Docs = {
    "account": ("Rounding account", "Account code of the rounding line; empty: no rounding line."),
    "tolerance": ("Tolerance", "Largest rounding line, plus the per-line part below."),
    "tolerance_per_line": ("Tolerance per line", "Added to the tolerance for each line of the document."),
    "tax_type": ("Rounding TaxType", "TaxType of the rounding line."),
    "description": ("Rounding line text", "The rounding line's description."),
    "tax_amounts": ("Tax amounts", "autotask: match the tax Autotask billed; xero: Xero's own figures."),
}
_CURRENCY: Docs = {
    "autotask_internal_currency": (
        "Autotask internal currency",
        "Declare it to send Autotask's exchange rates to Xero.",
    ),
    "update_issued_rates": (
        "Update issued rates",
        "Also rewrite the rate of documents already approved in Xero when Autotask's rate changes.",
    ),
}
_ATTACHMENTS: Docs = {
    "invoice_pdf": (
        "Attach the invoice PDF",
        "Attach Autotask's PDF to the Xero invoice or credit note (needs the source's invoice PDFs).",
    ),
    "include_online": ("Show to the customer", "Show the PDF on Xero's online invoice."),
    "on_change": (
        "When the PDF changes",
        "keep: the first one attached; add: attach the new one beside it (Xero cannot delete one).",
    ),
}
_PURCHASE_ORDERS: Docs = {
    "send_as": (
        "Send purchase orders as",
        "purchase_order: a Xero purchase order; bill: a bill once received; both: the order, then the bill.",
    ),
    "bill_when": ("Bill at statuses", "The Autotask purchase order statuses (labels) that make a bill."),
    "bill_status": ("Bill status", "DRAFT, SUBMITTED or AUTHORISED."),
    "bill_number_prefix": ("Bill number prefix", "Put before the Autotask PO number to number the bill."),
    "bill_due_days": ("Bill due days", "Days from the bill's date to its due date."),
}
_SKIP: Docs = {
    "below_total": (
        "Skip below a total",
        "Documents whose total, in absolute value (credit notes too), is under this are not sent.",
    ),
    "company_udf": (
        "Skip by company UDF",
        "Documents whose company (a purchase order's vendor) has one of these values are not sent.",
    ),
    "invoice_udf": (
        "Skip by invoice UDF",
        "Invoices whose own UDF has one of these values are not sent.",
    ),
}
_MAPPINGS: Docs = {
    "tax": ("Tax", "Autotask tax regions, categories and names to Xero TaxTypes."),
    "accounts": ("Accounts", "Billing codes, item types and product categories to Xero account codes."),
    "items": ("Items", "Autotask products and services as Xero items."),
    "contacts": ("Contacts", "How Autotask companies are matched to Xero contacts."),
    "branding": ("Branding themes", "Autotask invoice templates to Xero branding themes."),
    "tracking": ("Tracking", "Up to two Xero tracking categories filled from Autotask."),
    "numbering": ("Numbering", "How documents are numbered in Xero."),
    "status": ("Status and dates", "The status documents are written with, and their due dates."),
    "rounding": ("Rounding", "The line that absorbs a cent's difference from Autotask's total."),
    "currency": ("Currency", "Exchange rates sent with foreign-currency documents."),
    "attachments": ("Attachments", "The Autotask invoice PDF attached in Xero."),
    "purchase_orders": ("Purchase orders", "Autotask purchase orders as Xero purchase orders or bills."),
    "skip": (
        "Skip rules",
        "Documents not sent: under a total, or flagged by a company or invoice UDF; reported as skipped.",
    ),
}
_TENANT: Docs = {
    "route": ("Route", "Which documents go to this organisation; rules are OR-ed."),
    "mappings": (
        "Mappings",
        "This organisation's own sections; each replaces the same section of the defaults.",
    ),
    "split_number_suffix": (
        "Split number suffix",
        "Added to the number of the part of a split invoice sent here.",
    ),
    "base_currency": ("Base currency", "The organisation's base currency; empty: read from Xero."),
}
_UDF: Docs = {
    "name": ("UDF name", "The Autotask user-defined field (a company's; for invoice_udf, the invoice's)."),
    "values": ("Values", "The values of that field the rule matches, case-insensitively."),
}
_RUN_LOCK: Docs = {"enabled": ("Enabled", "Take the lock; turn off only when a single scheduler runs syncs.")}

_ENDPOINTS: Docs = {
    "api_url": ("API address", "Xero's accounting API; change only for a sandbox or a proxy."),
    "identity_url": ("Identity address", "Where tokens are issued; change only for a sandbox or a proxy."),
    "connections_url": ("Connections address", "Xero's /connections; change only for a sandbox or a proxy."),
    "minute_window_seconds": ("Rate-limit window", "Seconds of the per-minute call limit."),
}
_AUTH_TYPE: Docs = {"type": ("Kind", "Which kind of Xero app this is.")}

MODEL_DOCS: dict[str, Docs] = {
    "XeroEndpoints": _ENDPOINTS,
    "ClientCredentialsAuth": _AUTH_TYPE,
    "RefreshTokenAuth": _AUTH_TYPE,
    "Route": _ROUTE,
    "TaxMapping": _TAX,
    "AccountMapping": _ACCOUNTS,
    "ItemMapping": _ITEMS,
    "InventoryMapping": _INVENTORY,
    "AttachmentMapping": _ATTACHMENTS,
    "PurchaseOrderMapping": _PURCHASE_ORDERS,
    "SkipRules": _SKIP,
    "ContactMapping": _CONTACTS,
    "BrandingMapping": _BRANDING,
    "TrackingMapping": _TRACKING,
    "NumberingMapping": _NUMBERING,
    "StatusMapping": _STATUS,
    "RoundingMapping": _ROUNDING,
    "CurrencyMapping": _CURRENCY,
    "Mappings": _MAPPINGS,
    "Tenant": _TENANT,
    "UdfRule": _UDF,
    "RunLockSettings": _RUN_LOCK,
}
"""Model name -> field -> (title, description); a description pydantic already has stays when not listed."""
