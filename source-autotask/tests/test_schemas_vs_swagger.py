"""The shipped schemas use Autotask's real field names and types (cross-checked with the official swagger)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from source_autotask.schemas import load_schema

from .conftest import specs_dir

MODELS = {
    "companies": "CompanyModel",
    "contacts": "ContactModel",
    "products": "ProductModel",
    "services": "ServiceModel",
    "billing_codes": "BillingCodeModel",
    "tax_categories": "TaxCategoryModel",
    "tax_regions": "TaxRegionModel",
    "taxes": "TaxModel",
    "currencies": "CurrencyModel",
    "invoice_templates": "InvoiceTemplateModel",
    "payment_terms": "PaymentTermModel",
    "organizational_levels": "OrganizationalLevelAssociationModel",
    "invoices": "InvoiceModel",
    "purchase_orders": "PurchaseOrderModel",
}
NESTED = {("invoices", "lines"): "BillingItemModel", ("purchase_orders", "items"): "PurchaseOrderItemModel"}
# Fields our records add (resolved names, snapshots, totals) or that live databases return beyond the swagger.
ADDED = {
    "invoiceTemplateName",
    "paymentTermName",
    "paymentTermDueInDays",
    "currency",
    "taxRegion",
    "company",
    "lines",
    "lineCount",
    "linesTotal",
    "linesTaxTotal",
    "billingItemTypeName",
    "billingCodeName",
    "billingCodeExternalNumber",
    "generalLedgerAccount",
    "serviceName",
    "serviceInvoiceDescription",
    "productID",
    "productName",
    "taxCategoryID",
    "taxCategoryName",
    "organizationalLevel1ID",
    "organizationalLevel1Name",
    "organizationalLevel2ID",
    "organizationalLevel2Name",
    "sortOrderID",
    "organizationalLevel1",
    "organizationalLevel2",
    "statusName",
    "taxRegionName",
    "vendor",
    "items",
    "itemsTotal",
    "productSku",
    "productCategory",
    "productCategoryName",
    "serviceSku",
    "lineTotal",
    "departmentName",
    "invoicePDF",
    "invoicePDFError",
    "receivedDate",
}
SWAGGER_TYPES = {
    "integer": "integer",
    "number": "number",
    "string": "string",
    "boolean": "boolean",
    "array": "array",
}


@pytest.fixture(scope="module")
def definitions() -> dict[str, Any]:
    folder = specs_dir()
    if folder is None or not (folder / "autotask_rest_v1.json").exists():
        pytest.skip("shared/specs/autotask_rest_v1.json is not beside the repository")
    spec = json.loads((folder / "autotask_rest_v1.json").read_text(encoding="utf-8-sig"))
    return dict(spec["definitions"])


def _check(properties: dict[str, Any], model: dict[str, Any], where: str) -> None:
    swagger = {name.lower(): prop for name, prop in model["properties"].items()}
    for name, prop in properties.items():
        if name in ADDED and name.lower() not in swagger:
            continue
        assert name.lower() in swagger, f"{where}.{name} is not an Autotask field"
        expected = swagger[name.lower()].get("type")
        ours = [t for t in ([prop["type"]] if isinstance(prop["type"], str) else prop["type"]) if t != "null"]
        if expected in SWAGGER_TYPES and name not in ADDED:
            assert ours == [SWAGGER_TYPES[expected]], f"{where}.{name}: {ours} vs swagger {expected}"
        if swagger[name.lower()].get("format") == "date-time":
            assert prop.get("format") == "date-time", f"{where}.{name} should be a date-time"


@pytest.mark.parametrize("stream", sorted(MODELS))
def test_stream_fields_exist_in_the_swagger(definitions: dict[str, Any], stream: str) -> None:
    _check(load_schema(stream)["properties"], definitions[MODELS[stream]], stream)


@pytest.mark.parametrize(("path", "model"), sorted(NESTED.items()))
def test_document_children_fields_exist_in_the_swagger(
    definitions: dict[str, Any], path: tuple[str, str], model: str
) -> None:
    stream, key = path
    _check(
        load_schema(stream)["properties"][key]["items"]["properties"], definitions[model], f"{stream}.{key}"
    )
