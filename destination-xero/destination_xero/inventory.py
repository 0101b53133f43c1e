"""Inventory: which Autotask products become inventory-tracked Xero items, what such an item is created
with, and what Xero's refusal of a sale for lack of stock tells the admin to do.

Why apart from mapping_item.py: a tracked item is a commitment in Xero that an ordinary item is not.
Xero then counts its quantity on hand from every approved bill, invoice and credit note, refuses an
approved sale that would take it below zero, and no longer lets it go back to untracked once it has been
used. So the connector makes an item tracked only when the mapping names its product
(`mappings.items.inventory`: by SKU, Autotask product id or product category label), only when it creates
the item, and never for a service; an item Xero already holds is used as it is, and said once per run
when it is untracked although declared stocked (resolution.py).

Xero's rules relied on (Xero's Items API page and its OpenAPI `Item` and `Purchase` schemas, the API
guide "Integrating with Xero Tracked Inventory", Xero Central's tracked-inventory articles; the sandbox
writes the same facts in integration_tests/sandbox/xero/rules_inventory.py, on purpose):
- an item is tracked iff it has an `InventoryAssetAccountCode`, an account of type INVENTORY, and a
  `PurchaseDetails.COGSAccountCode`, "an expense account" (Xero recommends the type Direct Costs);
  `PurchaseDetails.AccountCode` does not apply to a tracked item, so it is not sent;
- quantity on hand and its value move with approved documents only (drafts never), are read-only, and
  may not go below zero: an approved invoice selling more than is on hand is refused. Xero's exact words
  are not documented, so `STOCK_REFUSED` matches the forms they take (the sandbox's included); the
  document is rejected by name with what to do, and the retry ledger sends it again on the next run;
- a tracked item used in a transaction cannot be made untracked (Xero Central, "Convert untracked items
  to tracked items"): which is why an existing item is never converted either way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .config import Mappings, Tenant
from .record_types import ProductRef
from .rounding import unit_amount

if TYPE_CHECKING:
    from .field_paths import FieldPaths
    from .org_check import OrgSettings

INVENTORY_TYPE = "INVENTORY"  # Account.Type of an inventory asset account
COGS_CLASS = "EXPENSE"  # Account.Class of a cost-of-goods-sold account (DIRECTCOSTS, EXPENSE, OVERHEADS)
LISTED = 40  # valid codes named in one problem
# How Xero words a refusal for lack of stock (UNCONFIRMED: the sandbox says "The quantity on hand of
# tracked item 'X' cannot go below zero: ..."; the other forms are what inventory systems commonly say).
STOCK_REFUSED = re.compile(
    r"quantity on hand|value on hand|below zero|insufficient (?:stock|quantity)|not enough (?:stock|quantity)"
    r"|negative (?:stock|inventory|quantity)",
    re.I,
)
STOCK_REASON = (
    "Xero refused it for lack of stock of a tracked item: record the stock in Xero (a bill or an "
    "inventory adjustment), the next run sends it again"
)


class StockRules:
    """One tenant's `items.inventory`: which products are stocked, and the fields that make them tracked."""

    def __init__(self, mappings: Mappings) -> None:
        self.inventory = mappings.items.inventory
        self.purchase_tax = mappings.tax.purchase
        declared = self.inventory
        self._skus = _folded(declared.skus) if declared else frozenset()
        self._ids = frozenset(declared.product_ids) if declared else frozenset()
        self._categories = _folded(declared.product_categories) if declared else frozenset()

    def stocked(self, product: ProductRef) -> bool:
        """Whether the mapping declares this product stocked (never a service: Xero tracks goods)."""
        if self.inventory is None or product.kind != "product":
            return False
        return (
            product.id in self._ids
            or (product.sku or "").strip().casefold() in self._skus
            or (product.category or "").strip().casefold() in self._categories
        )

    def tracked_fields(self, product: ProductRef) -> dict[str, Any]:
        """What makes the new item tracked: its inventory and cost-of-goods-sold accounts, bought at cost."""
        assert self.inventory is not None
        purchase: dict[str, Any] = {"COGSAccountCode": self.inventory.cogs_account}
        if product.unit_cost is not None:
            purchase["UnitPrice"] = unit_amount(product.unit_cost, 4)
        tax_type = self.inventory.purchase_tax_type or self.purchase_tax
        if tax_type:
            purchase["TaxType"] = tax_type
        return {
            "IsPurchased": True,
            "PurchaseDetails": purchase,
            "InventoryAssetAccountCode": self.inventory.asset_account,
        }


def is_tracked(payload: dict[str, Any] | None) -> bool:
    """Whether an item payload (ours, or Xero's) is a tracked one."""
    if not payload:
        return False
    if "IsTrackedAsInventory" in payload:
        return bool(payload["IsTrackedAsInventory"])
    purchase = payload.get("PurchaseDetails") or {}
    return bool(payload.get("InventoryAssetAccountCode") and purchase.get("COGSAccountCode"))


def refusal_reason(reason: str, messages: Iterable[str]) -> str:
    """A rejection's reason, in the admin's words when Xero refused it for lack of stock."""
    return STOCK_REASON if any(STOCK_REFUSED.search(m) for m in messages) else reason


def untracked_notice(code: str) -> str:
    return (
        f"item {code!r} is declared stocked (mappings.items.inventory) but Xero holds it untracked: it is "
        "used as it is, since the connector never converts an existing item (convert it in Xero, Products "
        "and services, if its stock should be counted)"
    )


def _folded(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in values if v.strip())


# ---- `check`: the declared accounts and tax against the organisation (org_check.py runs this) -------------
Account = Mapping[str, Any]
_ROLES: tuple[tuple[str, str, Callable[[Account], bool]], ...] = (
    ("asset_account", "an ACTIVE account of type INVENTORY", lambda a: a.get("Type") == INVENTORY_TYPE),
    ("cogs_account", "an ACTIVE expense account", lambda a: a.get("Class") == COGS_CLASS),
)


def _active(record: Mapping[str, Any]) -> bool:
    return str(record.get("Status", "ACTIVE")) == "ACTIVE"


def _listing(values: list[str]) -> str:
    shown = ", ".join(values[:LISTED]) or "none"
    return shown + (f" and {len(values) - LISTED} more" if len(values) > LISTED else "")


def inventory_problems(tenant: Tenant, index: int, paths: FieldPaths, settings: OrgSettings) -> list[str]:
    """`items.inventory` of tenant `index` against its organisation: the asset account is of type INVENTORY,
    the cost-of-goods-sold one an expense account, both ACTIVE; the purchase TaxType exists and may be used
    on the asset account (a tracked item's purchases are posted to it); items are created at all."""
    items = tenant.mappings.items
    inventory = items.inventory
    if inventory is None:
        return []
    where, org, accounts = f"{paths.mapping(index, 'items')}.inventory", settings.name, settings.accounts
    problems = []
    if not (items.enabled and items.create_missing):
        problems.append(
            f"{where}: only items the connector creates are made tracked; set items.enabled and "
            "items.create_missing to true, or remove items.inventory"
        )
    for name, wanted, fits in _ROLES:
        code = getattr(inventory, name)
        account = accounts.get(code)
        if account is None or not _active(account) or not fits(account):
            valid = [
                f"{c} {a.get('Name', '')}".strip()
                for c, a in sorted(accounts.items())
                if _active(a) and fits(a)
            ]
            state = "does not exist" if account is None else f"is not {wanted}"
            problems.append(
                f"{where}.{name}: account code {code!r} {state} in {org}; valid: {_listing(valid)}"
            )
    tax_type = inventory.purchase_tax_type or tenant.mappings.tax.purchase
    if not tax_type or tax_type in tenant.mappings.tax.rates:
        return problems
    field = (
        f"{where}.purchase_tax_type"
        if inventory.purchase_tax_type
        else f"{paths.mapping(index, 'tax')}.purchase"
    )
    rate = settings.tax_rates.get(tax_type)
    usable = [
        t
        for t, r in sorted(settings.tax_rates.items())
        if _active(r) and r.get("CanApplyToAssets") is not False
    ]
    if rate is None or not _active(rate):
        problems.append(
            f"{field}: TaxType {tax_type!r} does not exist (or is not ACTIVE) in {org}; "
            f"valid: {_listing(usable)}"
        )
    elif rate.get("CanApplyToAssets") is False and inventory.asset_account in accounts:
        problems.append(
            f"{field}: TaxType {tax_type!r} cannot be used on the inventory asset account "
            f"{inventory.asset_account!r} in {org}, where a tracked item's purchases are posted; "
            f"valid: {_listing(usable)}"
        )
    return problems
