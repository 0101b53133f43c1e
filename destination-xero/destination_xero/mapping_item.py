"""Mapping, items: which Xero item a line carries, and the Xero item a product or service becomes.

Why apart: items are asked for from three places (invoice lines, purchase-order lines, and resolution,
which creates the items a flush needs), and all three must agree on the code, or a line would name an item
that resolution never created. Rules (see BEHAVIOR.md):
- (when enabled) a line with a product or service carries `ItemCode` = prefix + its `code_from` value,
  shortened past 30 characters by the rule in item_codes.py;
- one without that value (no SKU) is posted without an item and named in the summary, or rejects its
  document under `missing_code: reject`;
- a product `items.inventory` declares stocked is created as an inventory-tracked item (inventory.py).
"""

from __future__ import annotations

from typing import Any

from .config import ItemMapping, Tenant
from .documents import Document
from .inventory import StockRules
from .item_codes import fit_code
from .mapping_common import DESCRIPTION_MAX, LineTally, MappingError
from .record_types import ProductRef
from .rounding import unit_amount


class ItemRules:
    def __init__(self, tenant: Tenant) -> None:
        self.tenant = tenant
        self.items: ItemMapping = tenant.mappings.items
        self.stock = StockRules(tenant.mappings)

    def item_code(self, product: ProductRef) -> str | None:
        """The Xero item code of a product or service: `prefix` + its `code_from` value, shortened by the
        declared rule when longer than 30 (item_codes.py); None when it has no such value (no SKU)."""
        source = {"sku": product.sku, "name": product.name, "id": str(product.id)}[self.items.code_from]
        if not source or not source.strip():
            return None
        return fit_code(f"{self.items.prefix}{source}".strip())

    def attach(
        self,
        line_id: int,
        product: ProductRef | None,
        element: dict[str, Any],
        tally: LineTally,
        problems: list[str],
    ) -> None:
        """Put the line's item code on `element` when items are enabled and the line has a product or
        service. One that gives no code is posted without an item and named for the summary, or, under
        `missing_code: reject`, rejects the document naming it: never dropped without a word."""
        if not self.items.enabled or product is None:
            return
        code = self.item_code(product)
        if code:
            element["ItemCode"] = code
            tally.products.append(product)
            return
        named = f"{product.kind} {product.id}" + (f" {product.name!r}" if product.name else "")
        if self.items.missing_code == "reject":
            problems.append(
                f"line {line_id}: {named} has no {self.items.code_from} to make its Xero item code from "
                "(items.missing_code: reject)"
            )
        else:
            tally.itemless.append(named)

    def item(self, product: ProductRef, code: str | None = None) -> Document:
        """The Xero item for a product or service, under `code` (the one its lines carry) or its own; a
        stocked product's is tracked as inventory (its accounts, bought at its unit cost)."""
        code = code or self.item_code(product)
        if not code:
            problem = f"no {self.items.code_from} to make an item code from"
            raise MappingError(f"{product.kind} {product.id}", [problem])
        payload: dict[str, Any] = {"Code": code, "Name": (product.name or code)[:50]}
        if product.description:
            payload["Description"] = product.description[:DESCRIPTION_MAX]
        if product.unit_price is not None:
            sales: dict[str, Any] = {"UnitPrice": unit_amount(product.unit_price, 4)}
            payload["SalesDetails"] = sales
        if self.stock.stocked(product):
            payload.update(self.stock.tracked_fields(product))
        return Document(
            kind="item",
            tenant_id=self.tenant.tenant_id,
            key=code,
            source_id=product.id,
            payload=payload,
            autotask_number=code,
        )
