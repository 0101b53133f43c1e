"""Autotask emulator: entityInformation endpoints, the catalogue against the swagger, the demo dataset."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox.autotask import picklists
from sandbox.autotask.catalog import ENTITIES
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.autotask_kit import AutotaskClient, write_dataset

SPEC = Path(__file__).resolve().parents[3] / "shared" / "specs" / "autotask_rest_v1.json"
# Fields the live API returns that the published swagger predates (api-facts.md B4).
NEWER_LIVE_FIELDS = {
    "Invoices": {"invoiceStatus", "invoiceTaxMethodExternalCode"},
    "BillingItems": {
        "contractBlockID",
        "contractServiceID",
        "contractServiceBundleID",
        "contractServiceAdjustmentID",
        "contractServiceBundleAdjustmentID",
        "contractServicePeriodID",
        "contractServiceBundlePeriodID",
        "sortOrderID",
        "taxCategoryID",
    },
    "Products": {"createdByResourceID", "createdTime", "defaultInstalledProductCategoryID"},
    "PurchaseOrders": {
        "purchaseOrderNumber",
        "purchaseOrderTemplateID",
    },  # SOAP-era fields the live REST API keeps: Anteris-Dev/autotask-client's PurchaseOrderEntity.php,
    # generated from a live database's PurchaseOrders/entityInformation/fields, lists both
}
SWAGGER_TYPES = {
    ("integer", "int64"): "long",
    ("integer", "int32"): "integer",
    ("number", "double"): "double",
    ("string", "date-time"): "datetime",
    ("boolean", None): "boolean",
    ("string", None): "string",
}


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("autotask") / "dataset.json")
    with running_sandbox(dataset=str(path), rate_limits="off") as running:
        yield running


@pytest.fixture(scope="module")
def at(sb: RunningSandbox) -> AutotaskClient:
    return AutotaskClient(sb.autotask)


@pytest.fixture(scope="module")
def swagger() -> dict[str, Any]:
    if not SPEC.exists():
        pytest.skip(f"the Autotask swagger is not at {SPEC} (shared/specs beside the repo)")
    with SPEC.open(encoding="utf-8-sig") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def _model(swagger: dict[str, Any], singular: str) -> dict[str, Any]:
    props: dict[str, Any] = swagger["definitions"][f"{singular}Model"]["properties"]
    return props


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_catalogue_matches_the_swagger_model(swagger: dict[str, Any], entity: Any) -> None:
    props = _model(swagger, entity.singular)
    by_lower = {name.lower(): spec for name, spec in props.items()}
    newer = NEWER_LIVE_FIELDS.get(entity.name, set())
    for fdef in entity.fields:
        if fdef.name in newer:
            assert fdef.name.lower() not in by_lower, (
                f"{fdef.name} is in the swagger now: drop it from the list"
            )
            continue
        spec = by_lower.get(fdef.name.lower())
        assert spec is not None, f"{entity.name}.{fdef.name} is not in {entity.singular}Model"
        expected = SWAGGER_TYPES[(spec.get("type"), spec.get("format"))]
        assert fdef.data_type == expected, f"{entity.name}.{fdef.name}"
    served = {f.name.lower() for f in entity.fields}
    missing = set(by_lower) - served - {"userdefinedfields", "soapparentpropertyid"}
    assert not missing, f"{entity.name} lacks swagger fields {sorted(missing)}"


@pytest.mark.parametrize("entity", ENTITIES, ids=lambda e: e.name)
def test_catalogue_entities_and_operations_exist_in_the_swagger(swagger: dict[str, Any], entity: Any) -> None:
    paths = {p.lower(): set(ops) for p, ops in swagger["paths"].items()}
    root = f"/v1.0/{entity.name.lower()}"
    assert {"get", "post"} <= paths[f"{root}/query"]
    ops = paths.get(root, set())
    assert entity.can_create == ("post" in ops)
    assert entity.can_update == ("patch" in ops)
    assert f"{root}/{{id}}" in paths and "delete" not in paths[f"{root}/{{id}}"]


def test_payments_is_not_an_entity(swagger: dict[str, Any]) -> None:
    assert not any(p.lower().startswith("/v1.0/payments") for p in swagger["paths"])
    assert "payments" not in {e.name.lower() for e in ENTITIES}


def test_entity_information(at: AutotaskClient) -> None:
    info = at.get("/Invoices/entityInformation").json()["info"]
    assert info["name"] == "Invoice"
    assert (info["canCreate"], info["canUpdate"], info["canDelete"], info["canQuery"]) == (
        False,
        True,
        False,
        True,
    )
    assert info["hasUserDefinedFields"] is False
    companies = at.get("/companies/entityinformation").json()["info"]
    assert companies["hasUserDefinedFields"] is True and companies["canCreate"] is True


def _fields(at: AutotaskClient, entity: str) -> dict[str, dict[str, Any]]:
    response = at.get(f"/{entity}/entityInformation/fields")
    assert response.status_code == 200
    return {f["name"]: f for f in response.json()["fields"]}


def test_fields_flags(at: AutotaskClient) -> None:
    fields = _fields(at, "Invoices")
    writable = {name for name, f in fields.items() if not f["isReadOnly"]}
    assert writable == {"invoiceNumber", "paidDate", "webServiceDate"}
    assert fields["dueDate"]["isQueryable"] is False and fields["paidDate"]["isQueryable"] is True
    assert (
        fields["companyID"]["isReference"] is True and fields["companyID"]["referenceEntityType"] == "Company"
    )
    assert fields["invoiceTotal"]["dataType"] == "double"
    assert fields["invoiceNumber"]["length"] == 100
    expected_keys = {
        "name",
        "dataType",
        "length",
        "isRequired",
        "isReadOnly",
        "isQueryable",
        "isReference",
        "referenceEntityType",
        "isPickList",
        "picklistValues",
        "picklistParentValueField",
        "isSupportedWebhookField",
    }
    assert set(fields["id"]) == expected_keys
    items = _fields(at, "BillingItems")
    assert items["lineItemFullDescription"]["isQueryable"] is False
    assert {n for n, f in items.items() if not f["isReadOnly"]} == {"webServiceDate"}
    assert {n for n, f in _fields(at, "Currencies").items() if not f["isReadOnly"]} == {"exchangeRate"}


def test_picklists(at: AutotaskClient) -> None:
    billing_type = _fields(at, "BillingItems")["billingItemType"]
    assert billing_type["isPickList"] is True
    values = {v["value"]: v["label"] for v in billing_type["picklistValues"]}
    assert values == {str(k): label for k, label in picklists.BILLING_ITEM_TYPES.items()}
    assert set(billing_type["picklistValues"][0]) == {
        "value",
        "label",
        "isDefaultValue",
        "sortOrder",
        "parentValue",
        "isActive",
        "isSystem",
    }
    company_type = _fields(at, "Companies")["companyType"]
    assert {v["value"] for v in company_type["picklistValues"]} == {str(k) for k in picklists.COMPANY_TYPES}
    assert _fields(at, "Invoices")["companyID"]["isPickList"] is False


@pytest.mark.parametrize("entity", ["Invoices", "PurchaseOrders"])
def test_payment_term_picklist_comes_from_payment_terms(at: AutotaskClient, entity: str) -> None:
    term = _fields(at, entity)["paymentTerm"]
    assert term["isPickList"] is True
    assert [(v["value"], v["label"]) for v in term["picklistValues"]] == [
        ("1", "Net 30"),
        ("2", "Due on receipt"),
    ]


def test_user_defined_fields(at: AutotaskClient) -> None:
    udfs = at.get("/Companies/entityInformation/userDefinedFields").json()["fields"]
    assert {u["name"] for u in udfs} == {"Xero Organisation", "Customer Ranking"}
    assert all(u["isQueryable"] for u in udfs)
    assert at.get("/Invoices/entityInformation/userDefinedFields").json() == {"fields": []}


def test_entity_information_is_get_only(at: AutotaskClient) -> None:
    response = at.request("POST", "/Invoices/entityInformation/fields", data="{}")
    assert response.status_code == 405


def test_dataset_with_unknown_fields_is_refused(tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "bad.json", {"Invoices": [{"id": 1, "notAField": 2}]})
    with pytest.raises(RuntimeError, match="notAField"), running_sandbox(dataset=str(path), timeout=30):
        pass


def test_demo_dataset_is_served(sandbox: RunningSandbox) -> None:
    client = AutotaskClient(sandbox.autotask)
    counts = {}
    for entity in ("Companies", "Invoices", "BillingItems"):
        response = client.request(
            "POST", f"/{entity}/query/count", data=json.dumps({"filter": [{"op": "exist", "field": "id"}]})
        )
        assert response.status_code == 200, response.text
        counts[entity] = response.json()["queryCount"]
    assert counts["Invoices"] > 0 and counts["BillingItems"] > 0 and counts["Companies"] > 0
    first = client.items("Invoices", [{"op": "exist", "field": "id"}], MaxRecords=5)
    assert first and all(item["id"] for item in first)
    lines = client.items("BillingItems", [{"op": "eq", "field": "invoiceID", "value": first[0]["id"]}])
    assert all(line["invoiceID"] == first[0]["id"] for line in lines)
