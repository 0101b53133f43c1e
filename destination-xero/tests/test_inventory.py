"""Stocked products as inventory-tracked Xero items (inventory.py), without Xero: the item payloads, which
products are stocked, the `check` of the declared accounts, and what the outcome and the report say (items
created tracked; a sale Xero refused for lack of stock, with what to do). The same rules against the
sandbox, through the CLI: test_inventory_cli.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from connector_kit.run_report import ReasonGroup
from destination_xero.documents import OrgProfile
from destination_xero.inventory import STOCK_REASON, StockRules, inventory_problems, refusal_reason
from destination_xero.mapping import Mapper
from destination_xero.org_check import OrgSettings
from destination_xero.outcome import Outcome
from destination_xero.planner import Decision
from destination_xero.record_types import ProductRef
from destination_xero.report_advice import group_step

D = Decimal
INVENTORY = {"skus": ["sw-24"], "product_ids": [77], "product_categories": ["Hardware"]}


def mappings(base_config: dict[str, Any], **inventory: Any) -> dict[str, Any]:
    declared = {**INVENTORY, "asset_account": "630", "cogs_account": "310", **inventory}
    shared = dict(base_config["mappings"])
    shared["items"] = {"enabled": True, "create_missing": True, "inventory": declared}
    shared["tax"] = {**shared["tax"], "purchase": "INPUT"}
    return shared


def product(**over: Any) -> ProductRef:
    fields: dict[str, Any] = {"kind": "product", "id": 44, "name": "Switch 24p", "sku": "SW-24"}
    fields.update({"unit_price": D("120.5"), "unit_cost": D("80.12345"), **over})
    return ProductRef(**fields)


def test_a_stocked_product_is_created_as_a_tracked_item(make_config, profile, base_config):
    cfg = make_config(mappings=mappings(base_config))
    item = Mapper(cfg.tenants[0], profile).item(product())
    assert item.payload == {
        "Code": "SW-24",
        "Name": "Switch 24p",
        "SalesDetails": {"UnitPrice": D("120.5000")},
        "IsPurchased": True,
        "PurchaseDetails": {"COGSAccountCode": "310", "UnitPrice": D("80.1235"), "TaxType": "INPUT"},
        "InventoryAssetAccountCode": "630",
    }


def test_the_declared_purchase_tax_wins_and_a_product_without_cost_has_no_purchase_price(
    make_config, profile, base_config
):
    cfg = make_config(mappings=mappings(base_config, purchase_tax_type="INPUTY"))
    item = Mapper(cfg.tenants[0], profile).item(product(unit_cost=None))
    assert item.payload["PurchaseDetails"] == {"COGSAccountCode": "310", "TaxType": "INPUTY"}


@pytest.mark.parametrize(
    ("ref", "stocked"),
    [
        (product(), True),  # by SKU, whatever its case
        (product(sku="OTHER", id=77), True),  # by Autotask product id
        (product(sku="OTHER", category=" hardware "), True),  # by category label
        (product(sku="OTHER", category="Software"), False),
        (product(kind="service", id=77), False),  # a service is never tracked, even under a product's id
        (product(kind="service", sku="SW-24"), False),
    ],
)
def test_which_products_are_stocked(make_config, base_config, ref: ProductRef, stocked: bool):
    cfg = make_config(mappings=mappings(base_config))
    assert StockRules(cfg.tenants[0].mappings).stocked(ref) is stocked


def test_without_inventory_an_item_is_what_it_always_was(make_config, profile, base_config):
    shared = dict(base_config["mappings"], items={"enabled": True, "create_missing": True})
    cfg = make_config(mappings=shared)
    item = Mapper(cfg.tenants[0], profile).item(product())
    assert item.payload == {
        "Code": "SW-24",
        "Name": "Switch 24p",
        "SalesDetails": {"UnitPrice": D("120.5000")},
    }


def test_a_sale_refused_for_lack_of_stock_is_said_with_what_to_do():
    xero = "The quantity on hand of tracked item 'SW-24' cannot go below zero: 2.0000 on hand, ..."
    assert refusal_reason("Xero rejected the document", [xero]) == STOCK_REASON
    for other in ("Insufficient stock on hand for item 'SW-24'", "negative inventory"):
        assert refusal_reason("Xero rejected the document", [other]) == STOCK_REASON
    unrelated = [
        "Invoice total must be greater than or equal to zero.",
        "Quantity must not be less than zero",
    ]
    assert refusal_reason("Xero rejected the document", unrelated) == "Xero rejected the document"
    group = ReasonGroup(
        kind="invoice", reason=STOCK_REASON, example=f"{STOCK_REASON} ({xero})", documents=["7"]
    )
    assert group_step(group) == (
        "Record the stock of the tracked items in Xero (approve a bill for them, or enter an inventory "
        "adjustment), then the next run sends this invoice again: 7."
    )


def test_the_outcome_counts_tracked_items_says_a_notice_once_and_rewords_a_stock_refusal(
    make_config, base_config
):
    cfg = make_config(mappings=mappings(base_config))
    outcome = Outcome(cfg.tenants, None, lambda: [], dry_run=False)
    tracked = {
        "Code": "SW-24",
        "InventoryAssetAccountCode": "630",
        "PurchaseDetails": {"COGSAccountCode": "310"},
    }
    outcome.record(Decision("create", "item", "t-au", "SW-24", 44, payload=tracked))
    outcome.record(Decision("create", "item", "t-au", "SRV", 45, payload={"Code": "SRV"}))
    outcome.notice("t-au", "item 'X' is declared stocked")
    outcome.notice("t-au", "item 'X' is declared stocked")
    refused = ["The quantity on hand of tracked item 'SW-24' cannot go below zero"]
    rejected = Decision(
        "rejected", "invoice", "t-au", "1001", 501, "Xero rejected the document", messages=refused
    )
    outcome.record(rejected)
    summary = outcome.summary(_client())["Acme AU"]
    assert summary["items_tracked"] == 1 and summary["documents"]["item"] == {"create": 2}
    assert summary["warnings"] == ["item 'X' is declared stocked"]
    assert outcome.noted[0]["reason"] == f"{STOCK_REASON} ({refused[0]})"
    assert outcome.ledger.failed() == {"invoice": {501: STOCK_REASON}, "purchase_order": {}}


def _client() -> Any:
    class _State:
        calls, response_bytes, throttled, day_remaining, minute_remaining = 0, 0, 0, None, None

    class _Limiter:
        state = _State()

    class _Client:
        def limiter(self, tenant_id: str) -> _Limiter:
            return _Limiter()

    return _Client()


def _settings(*accounts: dict[str, Any], input_on_assets: bool = True) -> OrgSettings:
    rates = [
        {"TaxType": "INPUT", "Status": "ACTIVE", "CanApplyToAssets": input_on_assets, "TaxComponents": []},
        {"TaxType": "OUTPUT", "Status": "ACTIVE", "CanApplyToAssets": False, "TaxComponents": []},
    ]
    return OrgSettings(
        profile=OrgProfile.from_xero({"Name": "Acme AU", "BaseCurrency": "AUD"}, tax_rates=rates),
        tax_rates={r["TaxType"]: r for r in rates},
        accounts={a["Code"]: a for a in accounts},
        themes=[],
    )


INVENTORY_630 = {"Code": "630", "Name": "Inventory", "Type": "INVENTORY", "Class": "ASSET"}
COGS_310 = {"Code": "310", "Name": "Cost of Goods Sold", "Type": "DIRECTCOSTS", "Class": "EXPENSE"}
SALES_200 = {"Code": "200", "Name": "Sales", "Type": "REVENUE", "Class": "REVENUE"}


def test_check_accepts_an_inventory_account_and_an_expense_account(make_config, base_config):
    cfg = make_config(mappings=mappings(base_config))
    assert inventory_problems(cfg.tenants[0], 0, _paths(), _settings(INVENTORY_630, COGS_310)) == []


def test_check_names_each_wrong_account_with_the_valid_ones(make_config, base_config):
    cfg = make_config(mappings=mappings(base_config, asset_account="200", cogs_account="999"))
    problems = inventory_problems(cfg.tenants[0], 0, _paths(), _settings(INVENTORY_630, COGS_310, SALES_200))
    assert problems == [
        "tenants[0].mappings.items.inventory.asset_account: account code '200' is not an ACTIVE account of "
        "type INVENTORY in Acme AU; valid: 630 Inventory",
        "tenants[0].mappings.items.inventory.cogs_account: account code '999' does not exist in Acme AU; "
        "valid: 310 Cost of Goods Sold",
    ]


def test_check_wants_items_created_and_a_purchase_tax_usable_on_the_asset_account(make_config, base_config):
    shared = mappings(base_config)
    shared["items"] = {**shared["items"], "create_missing": False}
    cfg = make_config(mappings=shared)
    problems = inventory_problems(
        cfg.tenants[0], 0, _paths(), _settings(INVENTORY_630, COGS_310, input_on_assets=False)
    )
    assert problems[0].startswith("tenants[0].mappings.items.inventory: only items the connector creates")
    assert problems[1].startswith(
        "tenants[0].mappings.tax.purchase: TaxType 'INPUT' cannot be used on the inventory asset "
        "account '630'"
    )
    assert len(problems) == 2


def _paths() -> Any:
    from destination_xero.field_paths import FieldPaths

    return FieldPaths()
