"""Xero's OAuth scopes: which ones an app may ask for, and which ones open each Accounting endpoint.

The rule (api-facts "Granular scopes (2026)"; developer.xero.com/faq/granular-scopes; apideck.com/blog/
xero-scopes, 2026-03): an app created on or after 2 March 2026 cannot ask for the broad
`accounting.transactions[.read]` or `accounting.reports.read`; it uses the granular scopes instead
(`accounting.invoices` for invoices, credit notes, purchase orders, quotes and items; `accounting.payments`
for payments, batch payments, overpayments and prepayments; ...). An app created before that date keeps
the broad scopes (until September 2027) and may mix them with the granular ones.

Endpoint families (each scope's `.read` variant opens reads only; a write needs the scope itself):
- Invoices, CreditNotes (and their allocations), PurchaseOrders: `accounting.invoices` or, on a legacy
  app's token, `accounting.transactions`;
- Items: `accounting.invoices` or `accounting.settings` (apideck: "the items endpoint is available via both
  the accounting.invoices and accounting.settings scopes"; `accounting.transactions` never covered items);
- Payments: `accounting.payments` or `accounting.transactions`;
- Contacts: `accounting.contacts`;
- Organisation, Accounts, TaxRates, Currencies, BrandingThemes, TrackingCategories: `accounting.settings`;
- the attachments of a document (`/Invoices/{id}/Attachments[/{FileName}]`, the same under CreditNotes):
  `accounting.attachments` (`.read` for the GETs), and no other: the spec's `security` of those operations
  names only these (attachments.py).
"""

from __future__ import annotations

import datetime as dt

GRANULAR_CUTOFF = dt.date(2026, 3, 2)
NEW_APP_CREATED = GRANULAR_CUTOFF  # "on or after" the cut-off: the strictest new app there is
LEGACY_APP_CREATED = dt.date(2025, 6, 2)

BROAD_SCOPES = ("accounting.transactions", "accounting.transactions.read", "accounting.reports.read")
GRANULAR_SCOPES = (
    "accounting.invoices",
    "accounting.invoices.read",
    "accounting.payments",
    "accounting.payments.read",
    "accounting.banktransactions",
    "accounting.banktransactions.read",
    "accounting.manualjournals",
    "accounting.manualjournals.read",
)
COMMON_SCOPES = (
    "accounting.contacts",
    "accounting.contacts.read",
    "accounting.settings",
    "accounting.settings.read",
    "accounting.attachments",
    "accounting.attachments.read",
    "accounting.journals.read",
    "accounting.budgets.read",
)
ALL_ACCOUNTING_SCOPES = GRANULAR_SCOPES + COMMON_SCOPES + BROAD_SCOPES

_SETTINGS = ("accounting.settings",)
ENDPOINT_SCOPES: dict[str, tuple[str, ...]] = {
    "Invoices": ("accounting.invoices", "accounting.transactions"),
    "CreditNotes": ("accounting.invoices", "accounting.transactions"),
    "PurchaseOrders": ("accounting.invoices", "accounting.transactions"),
    "Items": ("accounting.invoices", "accounting.settings"),
    "Payments": ("accounting.payments", "accounting.transactions"),
    "Contacts": ("accounting.contacts",),
    "Organisation": _SETTINGS,
    "Accounts": _SETTINGS,
    "TaxRates": _SETTINGS,
    "Currencies": _SETTINGS,
    "BrandingThemes": _SETTINGS,
    "TrackingCategories": _SETTINGS,
}


def is_legacy(created: dt.date) -> bool:
    """Created before the cut-off: the broad scopes are still allowed."""
    return created < GRANULAR_CUTOFF


def accounting_scopes(created: dt.date) -> tuple[str, ...]:
    """The Accounting scopes an app created on `created` may ask for."""
    if is_legacy(created):
        return ALL_ACCOUNTING_SCOPES
    return GRANULAR_SCOPES + COMMON_SCOPES


def refused_for_app(scopes: list[str], created: dt.date) -> list[str]:
    """The known scopes in `scopes` this app may not ask for (the broad ones, for a new app)."""
    if is_legacy(created):
        return []
    return [s for s in scopes if s in BROAD_SCOPES]


ATTACHMENTS = "Attachments"  # the sub-resource whose scope is its own, whatever the endpoint


def allows(granted: frozenset[str], endpoint: str, method: str, resource: str | None = None) -> bool:
    """Whether a token with `granted` may call `method` on `endpoint` (reads accept `.read` variants);
    `resource` names a sub-resource with a scope of its own (`Attachments`)."""
    if resource == ATTACHMENTS:
        needed: tuple[str, ...] = ("accounting.attachments",)
    else:
        needed = ENDPOINT_SCOPES.get(endpoint, _SETTINGS)
    if method.upper() == "GET":
        return any(s in granted or f"{s}.read" in granted for s in needed)
    return any(s in granted for s in needed)
