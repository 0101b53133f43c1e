"""Test helpers for the Autotask emulator: a small deterministic dataset and an HTTP client with the headers.

Lives in the package (not in the tests folder) so every test module can import it under pytest's
importlib mode. Nothing here is used by the emulator itself.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests

INVOICE_COUNT = 30
ITEMS_PER_INVOICE = 3


def small_dataset() -> dict[str, Any]:
    """A few rows of every emulated entity; ids deliberately not contiguous and rows not in id order."""
    companies = [
        {
            "id": 0,
            "companyName": "Sandbox MSP (self)",
            "companyType": 7,
            "isActive": True,
            "lastTrackedModifiedDateTime": "2025-01-01T00:00:00Z",
            "userDefinedFields": [{"name": "Xero Organisation", "value": None}],
        },
        {
            "id": 175,
            "companyName": "Acme Widgets Ltd",
            "companyNumber": "ACME-1",
            "companyType": 1,
            "isActive": True,
            "currencyID": 1,
            "taxRegionID": 11,
            "invoiceTemplateID": 102,
            "countryID": 222,
            "lastTrackedModifiedDateTime": "2025-03-04T10:00:00.123Z",
            "createDate": "2024-01-01T08:00:00Z",
            "userDefinedFields": [
                {"name": "Xero Organisation", "value": "Sandbox UK"},
                {"name": "Customer Ranking", "value": "Golden"},
            ],
        },
        {
            "id": 176,
            "companyName": "Österreich Bau GmbH",
            "companyType": 1,
            "isActive": False,
            "currencyID": 2,
            "taxRegionID": 12,
            "lastTrackedModifiedDateTime": "2025-03-05T10:00:00Z",
            "userDefinedFields": [{"name": "Xero Organisation", "value": "Sandbox EU"}],
        },
        {
            "id": 180,
            "companyName": "acme holdings",
            "companyType": 3,
            "isActive": True,
            "userDefinedFields": [],
        },
    ]
    contacts = [
        {
            "id": 30,
            "companyID": 175,
            "firstName": "Ada",
            "lastName": "Lovelace",
            "isActive": 1,
            "emailAddress": "ada@acme.example",
            "lastModifiedDate": "2025-01-02T00:00:00Z",
        },
        {"id": 31, "companyID": 175, "firstName": "Bob", "lastName": "Builder", "isActive": 0},
        {"id": 32, "companyID": 176, "firstName": "Clara", "lastName": "Schmidt", "isActive": 1},
    ]
    invoices = []
    items = []
    item_id = 5000
    for n in range(INVOICE_COUNT):
        invoice_id = 1000 + n * 7
        company = 175 if n % 3 else 176
        invoices.append(
            {
                "id": invoice_id,
                "companyID": company,
                "invoiceNumber": f"INV-{n + 1:04d}",
                "invoiceDateTime": f"2025-02-{n % 28 + 1:02d}T00:00:00",
                "createDateTime": f"2025-02-{n % 28 + 1:02d}T09:30:00.250Z",
                "dueDate": f"2025-03-{n % 28 + 1:02d}T00:00:00",
                "invoiceTotal": Decimal("52.7775") + n,
                "totalTaxValue": Decimal("11.0833"),
                "isVoided": n == 4,
                "paymentTerm": 1 if n % 2 else 2,
                "invoiceEditorTemplateID": 102,
                "taxRegionName": "VAT",
                "invoiceStatus": 1,
                "comments": None if n % 5 else f"Note {n}",
            }
        )
        for k in range(ITEMS_PER_INVOICE):
            item_id += 1
            items.append(
                {
                    "id": item_id,
                    "invoiceID": invoice_id,
                    "companyID": company,
                    "billingItemType": 1 + k,
                    "itemName": f"Item {n}-{k}",
                    "description": f"Work {n}-{k}",
                    "quantity": Decimal("1.5"),
                    "rate": Decimal("10.3333"),
                    "extendedPrice": Decimal("15.50"),
                    "taxDollars": Decimal("3.10"),
                    "totalAmount": Decimal("18.60"),
                    "itemDate": f"2025-02-{n % 28 + 1:02d}T00:00:00",
                    "lineItemFullDescription": f"Full {n}-{k}",
                    "organizationalLevelAssociationID": 401 if k else 402,
                    "taxCategoryID": 21,
                }
            )
    invoices.reverse()  # the emulator must not depend on file order
    return {
        "Companies": companies,
        "Contacts": contacts,
        "Countries": [
            {
                "id": 222,
                "countryCode": "GB",
                "name": "United Kingdom",
                "displayName": "United Kingdom",
                "isActive": True,
                "isDefaultCountry": True,
            }
        ],
        "Currencies": [
            {
                "id": 1,
                "name": "GBP",
                "description": "Pound Sterling",
                "exchangeRate": Decimal("1.0"),
                "isInternalCurrency": True,
                "isActive": True,
                "lastModifiedDateTime": "2024-06-01T00:00:00Z",
            },
            {
                "id": 2,
                "name": "EUR",
                "description": "Euro",
                "exchangeRate": Decimal("1.17"),
                "isInternalCurrency": False,
                "isActive": True,
                "lastModifiedDateTime": "2024-06-01T00:00:00Z",
            },
        ],
        "PaymentTerms": [
            {"id": 1, "name": "Net 30", "paymentDueInDays": 30, "isActive": True},
            {"id": 2, "name": "Due on receipt", "paymentDueInDays": 0, "isActive": True},
        ],
        "TaxCategories": [{"id": 21, "name": "Standard", "isActive": True}],
        "TaxRegions": [
            {"id": 11, "name": "UK VAT", "isActive": True},
            {"id": 12, "name": "EU", "isActive": True},
        ],
        "Taxes": [
            {
                "id": 31,
                "taxName": "VAT 20%",
                "taxRate": Decimal("20.0000"),
                "taxCategoryID": 21,
                "taxRegionID": 11,
                "isCompounded": False,
            }
        ],
        "InvoiceTemplates": [{"id": 102, "name": "Standard Invoice", "paymentTerms": 1}],
        "OrganizationalLevel1s": [{"id": 301, "name": "UK", "isActive": True}],
        "OrganizationalLevel2s": [
            {"id": 311, "name": "Managed Services", "isActive": True},
            {"id": 312, "name": "Projects", "isActive": True},
        ],
        "OrganizationalLevelAssociations": [
            {"id": 401, "organizationalLevel1ID": 301, "organizationalLevel2ID": 311, "isActive": True},
            {"id": 402, "organizationalLevel1ID": 301, "organizationalLevel2ID": 312, "isActive": True},
        ],
        "BillingCodes": [
            {
                "id": 29682801,
                "name": "Remote Support",
                "billingCodeType": 0,
                "taxCategoryID": 21,
                "isActive": True,
            }
        ],
        "Products": [
            {
                "id": 61,
                "name": "Laptop",
                "sku": "LT-1",
                "unitPrice": Decimal("999.99"),
                "productCategory": 1,
                "isActive": True,
                "productBillingCodeID": 29682801,
            }
        ],
        "Services": [
            {
                "id": 71,
                "name": "Managed Backup",
                "invoiceDescription": "Backup (monthly)",
                "unitPrice": Decimal("25.00"),
                "isActive": True,
                "lastModifiedDate": "2024-01-01T00:00:00Z",
            }
        ],
        "Invoices": invoices,
        "BillingItems": items,
        "PurchaseOrders": [
            {
                "id": 81,
                "vendorID": 180,
                "status": 1,
                "shipToName": "Acme",
                "shipToAddress1": "1 Road",
                "paymentTerm": 1,
            },
            {"id": 82, "vendorID": 180, "status": 2, "shipToName": "Acme", "shipToAddress1": "1 Road"},
        ],
        "PurchaseOrderItems": [
            {"id": 91, "orderID": 81, "productID": 61, "quantity": 2, "unitCost": Decimal("700.00")},
            {"id": 92, "orderID": 81, "productID": 61, "quantity": 1, "unitCost": Decimal("700.00")},
            {"id": 93, "orderID": 82, "productID": 61, "quantity": 5, "unitCost": Decimal("650.00")},
        ],
    }


def write_dataset(path: Path, autotask: dict[str, Any] | None = None) -> Path:
    """Write a dataset file (Decimals as JSON numbers, as the dataset generator does)."""
    data = {"autotask": autotask if autotask is not None else small_dataset(), "xero": {}}
    path.write_text(json.dumps(data, default=_number), encoding="utf-8")
    return path


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


class AutotaskClient:
    """requests with the three auth headers, the base URL, and JSON parsed with Decimals."""

    def __init__(self, info: dict[str, Any], session: requests.Session | None = None) -> None:
        self.info = info
        self.base = str(info["base_url"]) + "v1.0"
        self.root = str(info["base_url"]).split("/atservicesrest")[0]
        self.session = session or requests.Session()
        self.headers = {
            "ApiIntegrationCode": str(info["integration_code"]),
            "UserName": str(info["username"]),
            "Secret": str(info["secret"]),
            "Content-Type": "application/json",
        }

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else self.base + path
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.session.request(method, url, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def query(self, entity: str, filters: list[Any], method: str = "POST", **extra: Any) -> requests.Response:
        body = {"filter": filters, **extra}
        if method == "GET":
            return self.get(f"/{entity}/query", params={"search": json.dumps(body)})
        return self.request("POST", f"/{entity}/query", data=json.dumps(body))

    def items(
        self, entity: str, filters: list[Any], method: str = "POST", **extra: Any
    ) -> list[dict[str, Any]]:
        response = self.query(entity, filters, method, **extra)
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = decode(response)["items"]
        return found

    def patch(self, entity: str, body: dict[str, Any], method: str = "PATCH") -> requests.Response:
        return self.request(method, f"/{entity}", data=json.dumps(body, default=str))


def decode(response: requests.Response) -> Any:
    return json.loads(response.text, parse_float=Decimal)
