"""Shared builders: raw records shaped like source-autotask's output, and a tenant config."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from destination_xero.config import Config, load_config
from destination_xero.documents import OrgProfile

RawInvoice = dict[str, Any]


def pytest_configure(config: pytest.Config) -> None:
    # airbyte-cdk's standard suite marks its docker tests; --strict-markers needs the name registered
    config.addinivalue_line("markers", "image_tests: airbyte-cdk docker image tests (skip without docker)")


def _raw_line(line_id: int = 1, **over: Any) -> dict[str, Any]:
    line = {
        "id": line_id,
        "description": f"Line {line_id}",
        "quantity": "2.0000",
        "rate": "50.0000",
        "extendedPrice": "100.0000",
        "taxDollars": "10.0000",
        "billingItemType": 1,
        "billingItemTypeName": "Labor",
        "billingCodeID": 29682801,
        "billingCodeName": "Remote Support",
        "taxCategoryName": "Standard",
        "taxRegionName": "Australia",
        "organizationalLevel2Name": "Managed Services",
    }
    line.update(over)
    return line


def _raw_invoice(**over: Any) -> RawInvoice:
    invoice: RawInvoice = {
        "id": 501,
        "invoiceNumber": "1001",
        "companyID": 7,
        "invoiceDateTime": "2025-09-05T00:00:00Z",
        "dueDate": "2025-10-05T00:00:00Z",
        "invoiceTotal": "110.0000",
        "totalTaxValue": "10.0000",
        "isVoided": False,
        "paymentTerm": 1,
        "paymentTermName": "Net 30",
        "paymentTermDueInDays": 30,
        "taxRegionName": "Australia",
        "invoiceEditorTemplateID": 3,
        "invoiceTemplateName": "Standard Invoice",
        "taxRegion": {"id": 3, "name": "Australia"},
        "currency": {"id": 1, "name": "AUD", "exchangeRate": "1.0000", "isInternalCurrency": True},
        "company": {
            "id": 7,
            "companyName": "Acme Pty Ltd",
            "companyNumber": "ACME01",
            "isTaxExempt": False,
            "taxRegionName": "Australia",
            "phone": "+61 2 5550 1234",
            "billToAddress1": "1 George St",
            "billToCity": "Sydney",
            "userDefinedFields": [{"name": "Xero Org", "value": "AU"}],
        },
        "lines": [_raw_line(1)],
        "someFutureField": {"nested": True},
    }
    invoice.update(over)
    invoice.setdefault("lineCount", len(invoice["lines"]) if isinstance(invoice.get("lines"), list) else 0)
    return invoice


BASE_CONFIG: dict[str, Any] = {
    "auth": {"type": "client_credentials", "client_id": "cid", "client_secret": "shh-secret"},
    "mappings": {
        "tax": {"by_region": {"Australia": "OUTPUT"}, "exempt": "EXEMPTOUTPUT"},
        "accounts": {"default": "200", "by_billing_item_type": {"Labor": "210"}, "purchase": "300"},
        "rounding": {"account": "860"},
        "branding": {"by_template": {"Standard Invoice": "Standard"}},
    },
    "tenants": [{"tenant_id": "t-au", "name": "Acme AU"}],
}


def _make_config(**over: Any) -> Config:
    raw = copy.deepcopy(BASE_CONFIG)
    raw.update(over)
    return load_config(raw)


def _au_profile() -> OrgProfile:
    return OrgProfile.from_xero(
        {"Name": "Acme AU", "BaseCurrency": "AUD"},
        tax_rates=[
            {
                "TaxType": "OUTPUT",
                "Name": "GST on Income",
                "Status": "ACTIVE",
                "TaxComponents": [{"Name": "GST", "Rate": 10, "IsCompound": False}],
            },
            {
                "TaxType": "EXEMPTOUTPUT",
                "Name": "GST Free Income",
                "Status": "ACTIVE",
                "TaxComponents": [{"Name": "GST", "Rate": 0, "IsCompound": False}],
            },
            {"TaxType": "NONE", "Name": "No GST", "Status": "ACTIVE", "TaxComponents": []},
            {"TaxType": "OLDTAX", "Name": "Old", "Status": "DELETED", "TaxComponents": []},
            {
                "TaxType": "QSTGST",
                "Name": "Compound",
                "Status": "ACTIVE",
                "TaxComponents": [
                    {"Name": "G", "Rate": 5, "IsCompound": False},
                    {"Name": "Q", "Rate": "9.975", "IsCompound": True},
                ],
            },
        ],
        currencies=[{"Code": "AUD"}, {"Code": "USD"}],
        branding_themes=[{"BrandingThemeID": "5d4dd402-c851-497e-aae1-9ff265c0d15a", "Name": "Standard"}],
        tracking_categories=[
            {
                "Name": "Division",
                "Status": "ACTIVE",
                "Options": [{"Name": "Managed Services", "Status": "ACTIVE"}, {"Name": "Projects"}],
            },
        ],
        accounts=[
            {"Code": "200", "Name": "Sales"},
            {"Code": "210", "Name": "Labour"},
            {"Code": "860", "Name": "Rounding", "SystemAccount": "ROUNDING"},
        ],
    )


@pytest.fixture
def make_config() -> Callable[..., Config]:
    return _make_config


@pytest.fixture
def raw_invoice() -> Callable[..., RawInvoice]:
    return _raw_invoice


@pytest.fixture
def raw_line() -> Callable[..., dict[str, Any]]:
    return _raw_line


@pytest.fixture
def profile() -> OrgProfile:
    return _au_profile()


@pytest.fixture
def base_config() -> dict[str, Any]:
    return copy.deepcopy(BASE_CONFIG)
