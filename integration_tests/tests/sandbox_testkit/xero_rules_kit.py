"""A small, hand-made Xero organisation and an HTTP client, for the accounting-rule tests.

Why here and not in a test file: several test modules (rules, rounding, spec examples) start a sandbox
on this dataset and talk to it exactly as a connector does (token from the identity endpoint, Bearer
plus xero-tenant-id); keeping the dataset next to the rules it exercises lets one read both together.
Every reference a test needs (account codes, tax types, tracking options, contact and document IDs) is
a named constant below.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import requests

TENANT_NAME = "Book Rules Test Ltd"
TENANT_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "sandbox/xero/book-rules-test"))


def _id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox/xero/book-rules-test/{name}"))


ACME_ID = _id("contact/acme")
GLOBEX_ID = _id("contact/globex")
OLDCO_ID = _id("contact/oldco")
SUPPLIER_ID = _id("contact/supplier")
REGION_ID = _id("tracking/region")
NORTH_ID = _id("tracking/region/north")
SEEDED_INVOICE_ID = _id("invoice/seeded")
SEEDED_DRAFT_ID = _id("invoice/draft")
SEEDED_CREDIT_ID = _id("credit/seeded")
SEEDED_USD_INVOICE_ID = _id("invoice/usd")
SEEDED_PART_PAID_ID = _id("invoice/part-paid")
SEEDED_PAID_ID = _id("invoice/paid")
SEEDED_PAYMENT_ID = _id("payment/part")
SEEDED_LOCKED_ID = _id("invoice/locked")
BRANDING_ID = _id("branding/standard")
ITEM_ID = _id("item/srv-1")


def dataset() -> dict[str, Any]:
    """The whole dataset file (`{"autotask": {}, "xero": {tenant: {...}}}`)."""
    gst = {"Name": "GST", "Rate": 15, "IsCompound": False, "IsNonRecoverable": False}
    revenue_only = {
        "CanApplyToAssets": False,
        "CanApplyToEquity": False,
        "CanApplyToExpenses": False,
        "CanApplyToLiabilities": False,
        "CanApplyToRevenue": True,
    }
    expense_only = {
        **dict.fromkeys(revenue_only, False),
        "CanApplyToExpenses": True,
        "CanApplyToAssets": True,
    }
    everywhere = dict.fromkeys(revenue_only, True)
    tenant = {
        "Organisation": {
            "OrganisationID": TENANT_ID,
            "Name": TENANT_NAME,
            "BaseCurrency": "NZD",
            "CountryCode": "NZ",
            "Timezone": "NEWZEALANDSTANDARDTIME",
            "PeriodLockDate": "2018-12-31T00:00:00",
            "Version": "NZ",
            "OrganisationStatus": "ACTIVE",
            "DefaultSalesTax": "Tax Exclusive",
            "DefaultPurchasesTax": "Tax Inclusive",
        },
        "Currencies": [
            {"Code": "NZD", "Description": "New Zealand Dollar"},
            {"Code": "USD", "Description": "United States Dollar"},
        ],
        "TaxRates": [
            {
                "Name": "GST on Income",
                "TaxType": "OUTPUT2",
                "ReportTaxType": "OUTPUT",
                "Status": "ACTIVE",
                "TaxComponents": [gst],
                **revenue_only,
            },
            {
                "Name": "GST on Expenses",
                "TaxType": "INPUT2",
                "ReportTaxType": "INPUT",
                "Status": "ACTIVE",
                "TaxComponents": [gst],
                **expense_only,
            },
            {
                "Name": "No GST",
                "TaxType": "NONE",
                "ReportTaxType": "NONE",
                "Status": "ACTIVE",
                "TaxComponents": [
                    {"Name": "None", "Rate": 0, "IsCompound": False, "IsNonRecoverable": False}
                ],
                **everywhere,
            },
            {
                "Name": "State and City",
                "TaxType": "TAX001",
                "ReportTaxType": "OUTPUT",
                "Status": "ACTIVE",
                "TaxComponents": [
                    {"Name": "State", "Rate": 5, "IsCompound": False, "IsNonRecoverable": False},
                    {"Name": "City", "Rate": 10, "IsCompound": True, "IsNonRecoverable": False},
                ],
                **revenue_only,
            },
            {
                "Name": "Old GST",
                "TaxType": "TAX002",
                "ReportTaxType": "OUTPUT",
                "Status": "DELETED",
                "TaxComponents": [
                    {"Name": "Old", "Rate": 12.5, "IsCompound": False, "IsNonRecoverable": False}
                ],
                **revenue_only,
            },
        ],
        "Accounts": [
            {
                "AccountID": _id("account/090"),
                "Code": "090",
                "Name": "Business Bank",
                "Type": "BANK",
                "Status": "ACTIVE",
                "TaxType": "NONE",
                "CurrencyCode": "NZD",
                "BankAccountNumber": "0101",
            },
            {
                "AccountID": _id("account/091"),
                "Code": "091",
                "Name": "USD Bank",
                "Type": "BANK",
                "Status": "ACTIVE",
                "TaxType": "NONE",
                "CurrencyCode": "USD",
                "BankAccountNumber": "0202",
            },
            {
                "AccountID": _id("account/200"),
                "Code": "200",
                "Name": "Sales",
                "Type": "REVENUE",
                "Class": "REVENUE",
                "Status": "ACTIVE",
                "TaxType": "OUTPUT2",
            },
            {
                "AccountID": _id("account/299"),
                "Code": "299",
                "Name": "Old Sales",
                "Type": "REVENUE",
                "Class": "REVENUE",
                "Status": "ARCHIVED",
                "TaxType": "OUTPUT2",
            },
            {
                "AccountID": _id("account/310"),
                "Code": "310",
                "Name": "Cost of Goods Sold",
                "Type": "DIRECTCOSTS",
                "Class": "EXPENSE",
                "Status": "ACTIVE",
                "TaxType": "INPUT2",
            },
            {
                "AccountID": _id("account/400"),
                "Code": "400",
                "Name": "Advertising",
                "Type": "OVERHEADS",
                "Class": "EXPENSE",
                "Status": "ACTIVE",
                "TaxType": "INPUT2",
            },
            {
                "AccountID": _id("account/610"),
                "Code": "610",
                "Name": "Accounts Receivable",
                "Type": "CURRENT",
                "Class": "ASSET",
                "Status": "ACTIVE",
                "TaxType": "NONE",
                "SystemAccount": "DEBTORS",
            },
            {
                "AccountID": _id("account/630"),
                "Code": "630",
                "Name": "Inventory",
                "Type": "INVENTORY",
                "Class": "ASSET",
                "Status": "ACTIVE",
                "TaxType": "NONE",
            },
            {
                "AccountID": _id("account/835"),
                "Code": "835",
                "Name": "Owner Funds",
                "Type": "CURRLIAB",
                "Class": "LIABILITY",
                "Status": "ACTIVE",
                "TaxType": "NONE",
                "EnablePaymentsToAccount": True,
            },
            {
                "AccountID": _id("account/860"),
                "Code": "860",
                "Name": "Rounding",
                "Type": "CURRLIAB",
                "Class": "LIABILITY",
                "Status": "ACTIVE",
                "TaxType": "NONE",
                "SystemAccount": "ROUNDING",
            },
        ],
        "BrandingThemes": [
            {
                "BrandingThemeID": BRANDING_ID,
                "Name": "Standard",
                "Type": "INVOICE",
                "SortOrder": 0,
                "CreatedDateUTC": "2024-01-01T00:00:00Z",
            }
        ],
        "TrackingCategories": [
            {
                "TrackingCategoryID": REGION_ID,
                "Name": "Region",
                "Status": "ACTIVE",
                "Options": [
                    {"TrackingOptionID": NORTH_ID, "Name": "North", "Status": "ACTIVE"},
                    {"TrackingOptionID": _id("tracking/region/south"), "Name": "South", "Status": "ACTIVE"},
                    {"TrackingOptionID": _id("tracking/region/east"), "Name": "East", "Status": "ARCHIVED"},
                ],
            },
            {
                "TrackingCategoryID": _id("tracking/dept"),
                "Name": "Department",
                "Status": "ACTIVE",
                "Options": [
                    {"TrackingOptionID": _id("tracking/dept/ops"), "Name": "Ops", "Status": "ACTIVE"}
                ],
            },
            {
                "TrackingCategoryID": _id("tracking/project"),
                "Name": "Project",
                "Status": "ACTIVE",
                "Options": [{"TrackingOptionID": _id("tracking/project/a"), "Name": "A", "Status": "ACTIVE"}],
            },
        ],
        "Contacts": [
            {
                "ContactID": ACME_ID,
                "Name": "Acme Ltd",
                "ContactNumber": "AT-100",
                "AccountNumber": "ACC-1",
                "ContactStatus": "ACTIVE",
                "EmailAddress": "billing@acme.example",
                "IsCustomer": True,
            },
            {"ContactID": GLOBEX_ID, "Name": "Globex", "ContactStatus": "ACTIVE"},
            {"ContactID": OLDCO_ID, "Name": "Old Co", "ContactStatus": "ARCHIVED"},
            {
                "ContactID": SUPPLIER_ID,
                "Name": "Paper Supplier",
                "ContactStatus": "ACTIVE",
                "IsSupplier": True,
            },
        ],
        "Items": [
            {
                "ItemID": ITEM_ID,
                "Code": "SRV-1",
                "Name": "Managed service",
                "Description": "Monthly managed service",
                "IsSold": True,
                "IsPurchased": False,
                "SalesDetails": {"UnitPrice": 100, "AccountCode": "200", "TaxType": "OUTPUT2"},
            },
        ],
        "Invoices": [
            {
                "InvoiceID": SEEDED_INVOICE_ID,
                "Type": "ACCREC",
                "InvoiceNumber": "INV-0100",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": ACME_ID},
                "Date": "2026-10-01",
                "DueDate": "2026-10-31",
                "LineAmountTypes": "Exclusive",
                "CurrencyCode": "NZD",
                "LineItems": [
                    {
                        "Description": "October support",
                        "Quantity": 1,
                        "UnitAmount": 100,
                        "AccountCode": "200",
                        "TaxType": "OUTPUT2",
                    }
                ],
            },
            {
                "InvoiceID": SEEDED_DRAFT_ID,
                "Type": "ACCREC",
                "InvoiceNumber": "INV-0101",
                "Status": "DRAFT",
                "Contact": {"ContactID": ACME_ID},
                "Date": "2026-10-02",
                "LineAmountTypes": "Exclusive",
                "LineItems": [
                    {
                        "Description": "Draft work",
                        "Quantity": 2,
                        "UnitAmount": 50,
                        "AccountCode": "200",
                        "TaxType": "OUTPUT2",
                    }
                ],
            },
            {
                "InvoiceID": SEEDED_USD_INVOICE_ID,
                "Type": "ACCREC",
                "InvoiceNumber": "INV-0102",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": GLOBEX_ID},
                "Date": "2026-10-03",
                "CurrencyCode": "USD",
                "CurrencyRate": 0.6,
                "LineItems": [
                    {
                        "Description": "USD work",
                        "Quantity": 1,
                        "UnitAmount": 60,
                        "AccountCode": "200",
                        "TaxType": "NONE",
                    }
                ],
            },
            {
                "InvoiceID": SEEDED_PART_PAID_ID,
                "Type": "ACCREC",
                "InvoiceNumber": "INV-0103",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": GLOBEX_ID},
                "Date": "2026-09-01",
                "LineAmountTypes": "NoTax",
                "LineItems": [
                    {"Description": "Setup", "Quantity": 1, "UnitAmount": 50, "AccountCode": "200"}
                ],
            },
            {
                "InvoiceID": SEEDED_PAID_ID,
                "Type": "ACCREC",
                "InvoiceNumber": "INV-0104",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": GLOBEX_ID},
                "Date": "2026-09-02",
                "LineAmountTypes": "NoTax",
                "LineItems": [
                    {"Description": "Setup", "Quantity": 1, "UnitAmount": 40, "AccountCode": "200"}
                ],
            },
            {
                "InvoiceID": SEEDED_LOCKED_ID,
                "Type": "ACCREC",
                "InvoiceNumber": "INV-0099",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": GLOBEX_ID},
                "Date": "2018-11-01",
                "LineAmountTypes": "NoTax",
                "LineItems": [
                    {"Description": "Last year", "Quantity": 1, "UnitAmount": 70, "AccountCode": "200"}
                ],
            },
        ],
        "CreditNotes": [
            {
                "CreditNoteID": SEEDED_CREDIT_ID,
                "Type": "ACCRECCREDIT",
                "CreditNoteNumber": "CN-0100",
                "Status": "AUTHORISED",
                "Contact": {"ContactID": ACME_ID},
                "Date": "2026-10-05",
                "LineAmountTypes": "Exclusive",
                "LineItems": [
                    {
                        "Description": "Goodwill credit",
                        "Quantity": 1,
                        "UnitAmount": 20,
                        "AccountCode": "200",
                        "TaxType": "OUTPUT2",
                    }
                ],
            },
        ],
        "PurchaseOrders": [],
        "Payments": [
            {
                "PaymentID": SEEDED_PAYMENT_ID,
                "Invoice": {"InvoiceID": SEEDED_PART_PAID_ID},
                "Account": {"Code": "090"},
                "Date": "2026-09-10",
                "Amount": 20,
            },
            {
                "Invoice": {"InvoiceID": SEEDED_PAID_ID},
                "Account": {"Code": "090"},
                "Date": "2026-09-12",
                "Amount": 40,
            },
        ],
    }
    return {"autotask": {}, "xero": {TENANT_NAME: tenant}}


def write_dataset(path: Any) -> str:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(dataset(), handle)
    return str(path)


class XeroClient:
    """Talks to the sandbox's Xero API as a connector would: OAuth refresh, Bearer, xero-tenant-id."""

    def __init__(
        self, info: dict[str, Any], tenant_id: str = TENANT_ID, checker: SpecChecker | None = None
    ) -> None:
        self.info = info
        self.checker = checker
        self.api = str(info["api_url"])
        self.tenant_id = tenant_id
        self.refresh_token = str(info["refresh_token"])
        self.session = requests.Session()
        self.access_token = ""

    def authenticate(self, refresh_token: str | None = None) -> None:
        response = requests.post(
            f"{self.info['identity_url']}/connect/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token or self.refresh_token,
                "client_id": self.info["client_id"],
                "client_secret": self.info["client_secret"],
            },
            timeout=30,
        )
        response.raise_for_status()
        token = response.json()
        self.access_token = token["access_token"]
        self.refresh_token = token["refresh_token"]

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        params: dict[str, Any] | None = None,
        raw: str | None = None,
    ) -> requests.Response:
        headers = {
            "Authorization": f"Bearer {self.access_token}",
            "xero-tenant-id": self.tenant_id,
            "Accept": "application/json",
        }
        data = None
        if raw is not None:
            data = raw
            headers["Content-Type"] = "application/json"
        elif body is not None:
            data = dumps(body)
            headers["Content-Type"] = "application/json"
        return self.session.request(
            method, f"{self.api}/{path.lstrip('/')}", data=data, params=params, headers=headers, timeout=30
        )

    def put(self, path: str, body: Any, **params: Any) -> requests.Response:
        return self.request("PUT", path, body, params=params or None)

    def post(self, path: str, body: Any, **params: Any) -> requests.Response:
        return self.request("POST", path, body, params=params or None)

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.request("GET", path, params=params or None)

    def delete(self, path: str) -> requests.Response:
        return self.request("DELETE", path)


def dumps(body: Any) -> str:
    """JSON text of a body; float literals such as 25.06 serialise with their shortest exact digits."""
    return json.dumps(body, default=lambda value: float(value) if isinstance(value, Decimal) else str(value))


def loads(response: requests.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)


class SpecChecker:
    """Holds every exchange of a test against Xero's OpenAPI component schemas (tests only).

    The sandbox never uses this: a test hands it the path of the spec file (which lives outside the
    project, beside the checkout). A request the sandbox accepted (200) must be valid for the operation's
    request schema, a 200 response valid for its response schema, and a 400 valid for `Error`.
    """

    def __init__(self, spec_file: Path) -> None:
        self.spec_file = spec_file
        self.checked = 0

    @property
    def spec(self) -> dict[str, Any]:
        return _load_spec(self.spec_file)

    def errors(self, component: str, body: Any) -> list[str]:
        plain = json.loads(json.dumps(body, default=float))
        validator = _validator(self.spec_file, component)
        return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(plain)]

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        clean = "/" + path.strip("/").split("?")[0]
        for template, regex in _path_patterns(self.spec_file):
            if regex.match(clean):
                found: dict[str, Any] | None = self.spec["paths"][template].get(method.lower())
                return found
        return None

    def check(self, method: str, path: str, data: str | None, response: requests.Response) -> None:
        op = self.operation(method, path)
        if op is None:
            return
        if response.status_code == 200 and data is not None and "requestBody" in op:
            request_schema = _component(op["requestBody"]["content"]["application/json"]["schema"])
            body = json.loads(data)
            if request_schema == "PaymentDelete" and isinstance(body, dict) and "Payments" in body:
                for element in body["Payments"]:
                    self._assert(request_schema, element, f"request {method} {path}")
            else:
                if request_schema == "Payment" and isinstance(body, dict) and "Payments" in body:
                    request_schema = "Payments"
                self._assert(request_schema, body, f"request {method} {path}")
        if response.status_code == 200 and response.content:
            schema = op["responses"]["200"]["content"]["application/json"]["schema"]
            self._assert(_component(schema), loads(response), f"response {method} {path}")
        elif response.status_code == 400 and "json" in response.headers.get("Content-Type", ""):
            self._assert("Error", loads(response), f"400 response {method} {path}")

    def _assert(self, component: str, body: Any, what: str) -> None:
        found = self.errors(component, body)
        self.checked += 1
        if found:
            raise AssertionError(f"{what} does not match Xero's {component} schema: {found[:5]}")


def _component(schema: dict[str, Any]) -> str:
    return str(schema["$ref"]).rsplit("/", 1)[-1]


@cache
def _load_spec(spec_file: Path) -> dict[str, Any]:
    import yaml

    with spec_file.open(encoding="utf-8") as handle:
        loaded = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    unescaped: dict[str, Any] = _unescape(loaded)
    return unescaped


def _unescape(value: Any) -> Any:
    if isinstance(value, str):
        return html.unescape(value)
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    return value


@cache
def _path_patterns(spec_file: Path) -> list[tuple[str, re.Pattern[str]]]:
    templates = sorted(_load_spec(spec_file)["paths"], key=lambda t: (t.count("{"), -len(t)))
    return [(t, re.compile("^" + re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(t)) + "$")) for t in templates]


@cache
def _validator(spec_file: Path, component: str) -> Any:
    from openapi_schema_validator import OAS30Validator

    document = {
        "$ref": f"#/components/schemas/{component}",
        "components": _load_spec(spec_file)["components"],
    }
    return OAS30Validator(document)
