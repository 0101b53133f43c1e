"""A small, hand-made Xero dataset and an HTTP client helper for the platform tests.

Why here and not in the demo generator: the platform tests (identity, limits, reads, envelopes) need
records whose every field they can predict — fixed GUIDs, numbers, statuses, dates and UpdatedDateUTC
stamps — independent of how the demo dataset evolves. Everything goes over real HTTP; nothing here
touches emulator internals.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from sandbox.xero.platform_json import dumps

ALPHA_ID = "4a1e1f6c-1c51-4c0a-9a0e-2b1d7f6a0001"
BETA_ID = "4a1e1f6c-1c51-4c0a-9a0e-2b1d7f6a0002"
ALPHA = "Alpha Books Ltd"
BETA = "Beta Books Inc"
_NS = uuid.UUID("9e3c0a52-50b5-4b8e-a7d4-13f5b0c2e7aa")


def gid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


CONTACTS = [
    # (key, name, number, status, email, updated)
    ("acme", "Acme Corp", "C-001", "ACTIVE", "ap@acme.example", "2025-01-01T10:00:00Z"),
    ("bravo", "Bravo Ltd", "C-002", "ACTIVE", "billing@bravo.example", "2025-02-01T10:00:00Z"),
    ("charlie", "Charlie Old Co", "C-003", "ARCHIVED", "x@charlie.example", "2025-03-01T10:00:00Z"),
    ("delta", "Delta & Sons", "C-004", "ACTIVE", "", "2025-04-01T10:00:00Z"),
    ("echo", "echo lowercase", "C-005", "ACTIVE", "echo@echo.example", "2025-05-01T10:00:00Z"),
]
# (number, type, status, contact key, date, due, reference, amount, updated)
INVOICES = [
    (
        "INV-0001",
        "ACCREC",
        "AUTHORISED",
        "acme",
        "2025-01-05",
        "2025-02-04",
        "PO 1",
        "100.00",
        "2025-06-01T00:00:01Z",
    ),
    (
        "INV-0002",
        "ACCREC",
        "DRAFT",
        "acme",
        "2025-01-10",
        "2025-02-09",
        "PO 2",
        "250.50",
        "2025-06-02T00:00:00Z",
    ),
    (
        "INV-0003",
        "ACCREC",
        "AUTHORISED",
        "bravo",
        "2025-02-01",
        "2025-03-03",
        "Monthly",
        "75.25",
        "2025-06-03T00:00:00Z",
    ),
    (
        "INV-0004",
        "ACCREC",
        "VOIDED",
        "bravo",
        "2025-02-15",
        "2025-03-17",
        "",
        "10.00",
        "2025-06-04T00:00:00Z",
    ),
    (
        "INV-0005",
        "ACCREC",
        "SUBMITTED",
        "delta",
        "2025-03-01",
        "2025-03-31",
        "Q1",
        "999.99",
        "2025-06-05T00:00:00Z",
    ),
    (
        "INV-0006",
        "ACCREC",
        "DELETED",
        "delta",
        "2025-03-05",
        "2025-04-04",
        "",
        "1.00",
        "2025-06-06T00:00:00Z",
    ),
    (
        "INV-0007",
        "ACCREC",
        "AUTHORISED",
        "echo",
        "2025-04-01",
        "2025-05-01",
        "Project X",
        "500.00",
        "2025-06-07T00:00:00Z",
    ),
    ("INV-0008", "ACCREC", "DRAFT", "echo", "2025-04-20", "2025-05-20", "", "42.00", "2025-06-08T00:00:00Z"),
    (
        "BILL-100",
        "ACCPAY",
        "AUTHORISED",
        "bravo",
        "2025-05-01",
        "2025-05-31",
        "",
        "300.00",
        "2025-06-09T00:00:00Z",
    ),
    ("BILL-101", "ACCPAY", "DRAFT", "acme", "2025-05-02", "2025-06-01", "", "12.34", "2025-06-10T00:00:00Z"),
    (
        "INV-0009",
        "ACCREC",
        "AUTHORISED",
        "acme",
        "2025-05-15",
        "2025-06-14",
        "PO 9",
        "20.00",
        "2025-06-11T00:00:00Z",
    ),
    (
        "INV-0010",
        "ACCREC",
        "AUTHORISED",
        "bravo",
        "2025-06-01",
        "2025-07-01",
        "",
        "65.00",
        "2025-06-12T00:00:00Z",
    ),
]
# (number, status, contact key, date, amount, updated)
PURCHASE_ORDERS = [
    ("PO-0001", "DRAFT", "acme", "2025-01-15", "10.00", "2025-06-01T00:00:00Z"),
    ("PO-0002", "AUTHORISED", "bravo", "2025-02-15", "20.00", "2025-06-02T00:00:00Z"),
    ("PO-0003", "BILLED", "delta", "2025-03-15", "30.00", "2025-06-03T00:00:00Z"),
]


def contact_id(key: str) -> str:
    return gid("contact", key)


def invoice_id(number: str) -> str:
    return gid("invoice", number)


def _lines(amount: str, description: str) -> list[dict[str, Any]]:
    return [
        {
            "Description": description,
            "Quantity": 1,
            "UnitAmount": Decimal(amount),
            "AccountCode": "200",
            "TaxType": "NONE",
        }
    ]


def alpha_tenant() -> dict[str, Any]:
    return {
        "Organisation": {
            "OrganisationID": ALPHA_ID,
            "Name": ALPHA,
            "LegalName": "Alpha Books Limited",
            "BaseCurrency": "USD",
            "CountryCode": "US",
            "Version": "US",
            "OrganisationType": "COMPANY",
            "OrganisationStatus": "ACTIVE",
        },
        "TaxRates": [
            {
                "Name": "Tax Exempt",
                "TaxType": "NONE",
                "TaxComponents": [
                    {"Name": "None", "Rate": 0, "IsCompound": False, "IsNonRecoverable": False}
                ],
                "Status": "ACTIVE",
                "ReportTaxType": "NONE",
                "DisplayTaxRate": 0,
                "EffectiveRate": 0,
            },
            {
                "Name": "State Sales Tax",
                "TaxType": "OUTPUT",
                "TaxComponents": [
                    {"Name": "State", "Rate": Decimal("8.25"), "IsCompound": False, "IsNonRecoverable": False}
                ],
                "Status": "ACTIVE",
                "ReportTaxType": "OUTPUT",
                "DisplayTaxRate": Decimal("8.25"),
                "EffectiveRate": Decimal("8.25"),
            },
        ],
        "Accounts": [
            {
                "AccountID": gid("account", "200"),
                "Code": "200",
                "Name": "Sales",
                "Type": "REVENUE",
                "TaxType": "NONE",
            },
            {
                "AccountID": gid("account", "090"),
                "Code": "090",
                "Name": "Checking",
                "Type": "BANK",
                "BankAccountNumber": "12-3456-7890",
                "EnablePaymentsToAccount": True,
            },
            {"AccountID": gid("account", "400"), "Code": "400", "Name": "Advertising", "Type": "EXPENSE"},
        ],
        "Currencies": [{"Code": "USD", "Description": "United States Dollar"}],
        "BrandingThemes": [
            {"BrandingThemeID": gid("theme", "standard"), "Name": "Standard", "SortOrder": 0},
            {"BrandingThemeID": gid("theme", "special"), "Name": "Special", "SortOrder": 1},
        ],
        "TrackingCategories": [
            {
                "TrackingCategoryID": gid("tracking", "region"),
                "Name": "Region",
                "Status": "ACTIVE",
                "Options": [
                    {"TrackingOptionID": gid("option", "north"), "Name": "North", "Status": "ACTIVE"}
                ],
            },
            {
                "TrackingCategoryID": gid("tracking", "old"),
                "Name": "Legacy",
                "Status": "ARCHIVED",
                "Options": [],
            },
        ],
        "Contacts": [
            {
                "ContactID": contact_id(key),
                "Name": name,
                "ContactNumber": number,
                "ContactStatus": status,
                "EmailAddress": email,
                "UpdatedDateUTC": updated,
            }
            for key, name, number, status, email, updated in CONTACTS
        ],
        "Items": [
            {
                "ItemID": gid("item", "HOURS"),
                "Code": "HOURS",
                "Name": "Labour hours",
                "IsSold": True,
                "IsPurchased": False,
                "SalesDetails": {"UnitPrice": Decimal("120.50"), "AccountCode": "200", "TaxType": "NONE"},
                "UpdatedDateUTC": "2025-01-01T00:00:00Z",
            },
            {
                "ItemID": gid("item", "WIDGET"),
                "Code": "WIDGET",
                "Name": "Widget",
                "IsSold": False,
                "IsPurchased": True,
                "PurchaseDetails": {"UnitPrice": Decimal("3.1234"), "AccountCode": "400", "TaxType": "NONE"},
                "UpdatedDateUTC": "2025-07-01T00:00:00Z",
            },
        ],
        "Invoices": [
            {
                "InvoiceID": invoice_id(number),
                "InvoiceNumber": number,
                "Type": kind,
                "Status": status,
                "Contact": {"ContactID": contact_id(contact)},
                "Date": date,
                "DueDate": due,
                "Reference": reference,
                "LineAmountTypes": "NoTax",
                "CurrencyCode": "USD",
                "LineItems": _lines(amount, f"Service for {number}"),
                "UpdatedDateUTC": updated,
            }
            for number, kind, status, contact, date, due, reference, amount, updated in INVOICES
        ],
        "CreditNotes": [
            {
                "CreditNoteID": gid("credit", "CN-0001"),
                "CreditNoteNumber": "CN-0001",
                "Type": "ACCRECCREDIT",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": contact_id("acme")},
                "Date": "2025-02-01",
                "LineAmountTypes": "NoTax",
                "CurrencyCode": "USD",
                "LineItems": _lines("15.00", "Refund"),
                "UpdatedDateUTC": "2025-06-20T00:00:00Z",
            },
            {
                "CreditNoteID": gid("credit", "CN-0002"),
                "CreditNoteNumber": "CN-0002",
                "Type": "ACCRECCREDIT",
                "Status": "DRAFT",
                "Contact": {"ContactID": contact_id("bravo")},
                "Date": "2025-03-01",
                "LineAmountTypes": "NoTax",
                "CurrencyCode": "USD",
                "LineItems": _lines("5.00", "Goodwill"),
                "UpdatedDateUTC": "2025-06-21T00:00:00Z",
            },
        ],
        "PurchaseOrders": [
            {
                "PurchaseOrderID": gid("po", number),
                "PurchaseOrderNumber": number,
                "Status": status,
                "Contact": {"ContactID": contact_id(contact)},
                "Date": date,
                "LineAmountTypes": "NoTax",
                "CurrencyCode": "USD",
                "LineItems": [
                    {
                        "Description": "Parts",
                        "Quantity": 1,
                        "UnitAmount": Decimal(amount),
                        "AccountCode": "400",
                        "TaxType": "NONE",
                    }
                ],
                "UpdatedDateUTC": updated,
            }
            for number, status, contact, date, amount, updated in PURCHASE_ORDERS
        ],
        "Payments": [
            {
                "PaymentID": gid("payment", "1"),
                "Invoice": {"InvoiceID": invoice_id("INV-0003")},
                "Account": {"Code": "090"},
                "Date": "2025-03-10",
                "Amount": Decimal("25.25"),
                "Reference": "Part payment",
                "Status": "AUTHORISED",
                "UpdatedDateUTC": "2025-06-30T00:00:00Z",
            }
        ],
    }


def minimal_tenant(tenant_id: str, name: str, contacts: int = 1) -> dict[str, Any]:
    return {
        "Organisation": {
            "OrganisationID": tenant_id,
            "Name": name,
            "BaseCurrency": "USD",
            "CountryCode": "US",
        },
        "TaxRates": [
            {
                "Name": "Tax Exempt",
                "TaxType": "NONE",
                "TaxComponents": [
                    {"Name": "None", "Rate": 0, "IsCompound": False, "IsNonRecoverable": False}
                ],
                "Status": "ACTIVE",
            }
        ],
        "Accounts": [{"Code": "200", "Name": "Sales", "Type": "REVENUE", "TaxType": "NONE"}],
        "Currencies": [{"Code": "USD", "Description": "United States Dollar"}],
        "Contacts": [{"ContactID": gid(name, "contact"), "Name": f"{name} customer"}]
        + [
            {"ContactID": gid(name, "contact", str(i)), "Name": f"Customer {i:03d}"}
            for i in range(1, contacts)
        ],
    }


def dataset(extra_tenants: int = 0) -> dict[str, Any]:
    xero: dict[str, Any] = {ALPHA: alpha_tenant(), BETA: minimal_tenant(BETA_ID, BETA, contacts=131)}
    for index in range(extra_tenants):
        name = f"Extra Org {index:03d}"
        xero[name] = minimal_tenant(gid("tenant", name), name)
    return {"autotask": {}, "xero": xero}


def write_dataset(path: Path, extra_tenants: int = 0) -> str:
    path.write_text(dumps(dataset(extra_tenants)), encoding="utf-8")
    return str(path)


class XeroHttp:
    """A thin requests wrapper: tokens via the real token endpoint, tenant header, JSON with Decimals."""

    def __init__(self, xero_info: dict[str, Any]) -> None:
        self.info = xero_info
        self.api = str(xero_info["api_url"])
        self.root = str(xero_info["identity_url"])
        self.session = requests.Session()
        self._access: str | None = None
        self.refresh_token = str(xero_info["refresh_token"])

    def refresh(self, refresh_token: str | None = None) -> requests.Response:
        return self.session.post(
            f"{self.root}/connect/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token or self.info["refresh_token"],
            },
            auth=(self.info["client_id"], self.info["client_secret"]),
            timeout=30,
        )

    def access_token(self) -> str:
        if self._access is None:
            self.renew()
        assert self._access is not None
        return self._access

    def renew(self) -> str:
        """A new access token from the latest refresh token (rotating it, as a real client must)."""
        response = self.refresh(self.refresh_token)
        response.raise_for_status()
        tokens = response.json()
        self._access = str(tokens["access_token"])
        self.refresh_token = str(tokens["refresh_token"])
        return self._access

    def headers(self, tenant: str | None = ALPHA_ID, token: str | None = None) -> dict[str, str]:
        out = {"Authorization": f"Bearer {token or self.access_token()}", "Accept": "application/json"}
        if tenant is not None:
            out["xero-tenant-id"] = tenant
        return out

    def get(self, path: str, *, tenant: str | None = ALPHA_ID, **kwargs: Any) -> requests.Response:
        headers = {**self.headers(tenant), **kwargs.pop("headers", {})}
        return self.session.get(f"{self.api}/{path.lstrip('/')}", headers=headers, timeout=30, **kwargs)

    def send(
        self, method: str, path: str, body: Any = None, *, tenant: str | None = ALPHA_ID, **kwargs: Any
    ) -> requests.Response:
        headers = {**self.headers(tenant), **kwargs.pop("headers", {})}
        data = kwargs.pop("data", None)
        if data is None and body is not None:
            data = dumps(body)
            headers.setdefault("Content-Type", "application/json")
        return self.session.request(
            method, f"{self.api}/{path.lstrip('/')}", headers=headers, data=data, timeout=30, **kwargs
        )
