"""Generated records against the vendors' official specs (read from ../shared/specs by tests only).

Autotask: every field name is a camelCased property of the swagger's `<Singular>Model` (plus the newer live
fields api-facts B4 lists) and its JSON type matches the property's. Xero: every record validates against
the OpenAPI component schema of its collection (dates are plain ISO strings there, which the schema allows).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from sandbox.dataset import dumps, load_dataset

SPECS = Path(__file__).resolve().parents[3] / "shared" / "specs"
AUTOTASK_SPEC = SPECS / "autotask_rest_v1.json"
XERO_SPEC = SPECS / "xero_accounting.yaml"

MODELS = {
    "Countries": "CountryModel",
    "Currencies": "CurrencyModel",
    "TaxRegions": "TaxRegionModel",
    "TaxCategories": "TaxCategoryModel",
    "Taxes": "TaxModel",
    "OrganizationalLevel1s": "OrganizationalLevel1Model",
    "OrganizationalLevel2s": "OrganizationalLevel2Model",
    "OrganizationalLevelAssociations": "OrganizationalLevelAssociationModel",
    "InvoiceTemplates": "InvoiceTemplateModel",
    "PaymentTerms": "PaymentTermModel",
    "BillingCodes": "BillingCodeModel",
    "Products": "ProductModel",
    "Services": "ServiceModel",
    "Companies": "CompanyModel",
    "Contacts": "ContactModel",
    "Invoices": "InvoiceModel",
    "BillingItems": "BillingItemModel",
    "ContractCharges": "ContractChargeModel",
    "TicketCharges": "TicketChargeModel",
    "ProjectCharges": "ProjectChargeModel",
    "PurchaseOrders": "PurchaseOrderModel",
    "PurchaseOrderItems": "PurchaseOrderItemModel",
}
# Fields the live API returns that the published swagger lacks (api-facts B4).
LIVE_EXTRAS = {
    "BillingItems": {"taxCategoryID", "sortOrderID", "contractBlockID", "contractServiceID"},
    "Invoices": {"invoiceStatus", "invoiceTaxMethodExternalCode"},
    "PurchaseOrders": {"purchaseOrderNumber", "purchaseOrderTemplateID"},
}
XERO_SCHEMAS = {
    "TaxRates": "TaxRate",
    "Accounts": "Account",
    "BrandingThemes": "BrandingTheme",
    "Currencies": "Currency",
    "TrackingCategories": "TrackingCategory",
    "Contacts": "Contact",
    "Items": "Item",
}
AUTOTASK_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def camel(name: str) -> str:
    """Swagger property to REST JSON name: `Id`→`id`, `SKU`→`sku`, `SICCode`→`sicCode`."""
    match = re.match(r"^([A-Z]+)(?=[A-Z][a-z]|$)|^[A-Z]", name)
    if not match:
        return name
    head = match.group(0)
    return head.lower() + name[len(head) :]


@cache
def autotask_models() -> dict[str, Any]:
    if not AUTOTASK_SPEC.exists():
        pytest.skip(
            f"Autotask swagger not found at {AUTOTASK_SPEC} (shared/specs sits beside the repo in CI)"
        )
    definitions: dict[str, Any] = json.loads(AUTOTASK_SPEC.read_text(encoding="utf-8-sig"))["definitions"]
    return definitions


@cache
def xero_spec() -> dict[str, Any]:
    if not XERO_SPEC.exists():
        pytest.skip(f"Xero OpenAPI spec not found at {XERO_SPEC} (shared/specs sits beside the repo in CI)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    spec: dict[str, Any] = yaml.load(XERO_SPEC.read_text(encoding="utf-8"), Loader=loader)
    return spec


@cache
def demo() -> dict[str, Any]:
    data: dict[str, Any] = load_dataset("demo", seed=1)
    return data


def test_camel_case_conversion() -> None:
    assert [
        camel(n) for n in ("Id", "SKU", "MSRP", "SICCode", "BillToCity", "IsActive", "ShipToAddress1")
    ] == ["id", "sku", "msrp", "sicCode", "billToCity", "isActive", "shipToAddress1"]


def _type_ok(value: Any, prop: dict[str, Any]) -> bool:
    if value is None:
        return True
    kind = prop.get("type")
    if kind == "integer":
        return type(value) is int
    if kind == "number":
        return isinstance(value, (Decimal, int)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "string":
        if prop.get("format") == "date-time":
            return isinstance(value, str) and bool(AUTOTASK_TIME.match(value))
        return isinstance(value, str)
    if kind == "array":
        return isinstance(value, list)
    return True


@pytest.mark.parametrize("entity", sorted(MODELS))
def test_autotask_fields_exist_in_the_swagger_models(entity: str) -> None:
    model = autotask_models()[MODELS[entity]]["properties"]
    known = {camel(name): prop for name, prop in model.items()}
    records = demo()["autotask"][entity]
    assert records
    extras = LIVE_EXTRAS.get(entity, set())
    for record in records:
        unknown = set(record) - set(known) - extras
        assert not unknown, f"{entity} fields not in {MODELS[entity]}: {sorted(unknown)}"
        for field, value in record.items():
            if field in known:
                assert _type_ok(value, known[field]), f"{entity}[{record['id']}].{field} = {value!r}"


def test_autotask_datetimes_and_udfs_have_the_api_shape() -> None:
    for company in demo()["autotask"]["Companies"]:
        assert company["userDefinedFields"] == [
            {"name": "Xero Organisation", "value": company["userDefinedFields"][0]["value"]}
        ]
    for invoice in demo()["autotask"]["Invoices"]:
        assert AUTOTASK_TIME.match(invoice["invoiceDateTime"])


def _validator(schema_name: str) -> OAS30Validator:
    spec = xero_spec()
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    return OAS30Validator(schema, format_checker=oas30_format_checker)


def test_xero_records_validate_against_the_official_schemas() -> None:
    validators = {
        name: _validator(schema) for name, schema in {**XERO_SCHEMAS, "Organisation": "Organisation"}.items()
    }
    checked = 0
    for tenant_name, tenant in demo()["xero"].items():
        assert set(tenant) == set(validators), tenant_name
        for collection, validator in validators.items():
            records = tenant[collection] if isinstance(tenant[collection], list) else [tenant[collection]]
            assert records, (tenant_name, collection)
            for record in records:
                wire = json.loads(dumps(record))  # as a client would parse it: numbers become floats
                errors = sorted(str(error.message) for error in validator.iter_errors(wire))
                assert not errors, f"{tenant_name} {collection}: {errors[:3]} in {record}"
                checked += 1
    assert checked > 100


def test_xero_validation_would_catch_a_bad_record() -> None:
    """The validator set-up really checks enums, types and uuids (guards against a vacuous pass)."""
    validator = _validator("Account")
    assert list(validator.iter_errors({"Code": "200", "Type": "INCOME", "AccountID": "not-a-uuid"}))
    assert list(_validator("TaxRate").iter_errors({"TaxComponents": [{"Rate": "20"}]}))
    assert not list(validator.iter_errors({"Code": "200", "Type": "REVENUE"}))
