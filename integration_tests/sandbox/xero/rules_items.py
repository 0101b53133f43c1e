"""Items (products and services): create, update, and the inventory-tracking rule.

Why: invoice lines reference items by Code, so a wrong Code or a duplicate is a sync failure waiting
to happen. Facts (api-facts A4 Items): Code required, unique, max 30; Name max 50; Description and
PurchaseDescription max 4000; IsSold/IsPurchased default true and setting one false clears the matching
details; IsTrackedAsInventory is true iff InventoryAssetAccountCode and PurchaseDetails.COGSAccountCode are
both set; the details' AccountCode and TaxType must exist.

Choices (UNCONFIRMED in the sources):
- PUT with the ItemID of an existing record is rejected (PUT only creates); an unknown ItemID sent with PUT is
  ignored and a new ID assigned (Xero's own PUT example sends one); POST with an unknown ItemID is an error;
- a write without ItemID whose Code matches an existing item is **rejected** ("Item code 'X' already
  exists."); update by ItemID or POST /Items/{id or Code};
- Code uniqueness is case-insensitive;
- setting only one of InventoryAssetAccountCode / COGSAccountCode is an error (a half-tracked item), and
  the inventory account must be of Type INVENTORY;
- UnitPrice is rounded to 2 dp, or 4 with unitdp=4.

Tracked items (quantity on hand, what moves it, untracking) follow rules_inventory.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import wire
from .book import ZERO_GUID, Outcome, key_of
from .rounding import quantize, unit_step
from .rules_common import tax_allowed_on, tax_rate, too_long
from .rules_inventory import item_errors, settle_item

if TYPE_CHECKING:
    from .book import Book

_READ_ONLY = frozenset(
    {
        "ItemID",
        "IsTrackedAsInventory",
        "TotalCostPool",
        "QuantityOnHand",
        "QuantityAvailable",
        "QuantityOnBackOrder",
        "UpdatedDateUTC",
        "StatusAttributeString",
        "ValidationErrors",
    }
)


def item_rule(
    book: Book, element: dict[str, Any], *, method: str, unitdp: int, path_id: str | None
) -> Outcome:
    out = Outcome()
    sent = wire.from_json("Item", element)
    sent_id = sent.get("ItemID")
    if sent_id == ZERO_GUID:
        sent_id = None
    existing = None
    if path_id is not None:
        existing = book.find("Items", path_id)
        if existing is None:
            return out.fail(f"Item '{path_id}' could not be found.")
        if sent_id and key_of(sent_id) != key_of(existing["ItemID"]):
            return out.fail("The ItemID in the request body does not match the Item in the URL.")
    elif sent_id:
        existing = book.get("Items", sent_id)
        if method == "PUT" and existing is not None:
            return out.fail(f"Item {sent_id} already exists; PUT only creates. Use POST to update it.")
        if method == "POST" and existing is None:
            return out.fail(f"Item with ItemID '{sent_id}' could not be found.")
    item: dict[str, Any] = (
        dict(existing) if existing else {"ItemID": book.new_id(), "IsSold": True, "IsPurchased": True}
    )
    for key, value in sent.items():
        if key not in _READ_ONLY:
            item[key] = value
    errors = out.errors
    code = item.get("Code")
    if not code or not str(code).strip():
        errors.append("Item Code must be specified.")
    elif too_long(code, 30):
        errors.append("Item Code cannot be more than 30 characters.")
    else:
        own = key_of(item["ItemID"])
        if any(key_of(other["ItemID"]) != own for other in book.by_number("Items", code)):
            errors.append(f"Item code '{code}' already exists.")
    if too_long(item.get("Name"), 50):
        errors.append("Item Name cannot be more than 50 characters.")
    for field_name in ("Description", "PurchaseDescription"):
        if too_long(item.get(field_name), 4000):
            errors.append(f"{field_name} cannot be more than 4000 characters.")
    if item.get("IsSold") is False:
        item["SalesDetails"] = None
    if item.get("IsPurchased") is False:
        item["PurchaseDetails"] = None
    step = unit_step(unitdp)
    for details_name in ("SalesDetails", "PurchaseDetails"):
        details = item.get(details_name)
        if not details:
            continue
        details = dict(details)
        if details.get("UnitPrice") is not None:
            details["UnitPrice"] = quantize(details["UnitPrice"], step)
        account = None
        if details.get("AccountCode"):
            account = book.account_by_code(details["AccountCode"])
            if account is None or account.get("Status", "ACTIVE") != "ACTIVE":
                errors.append(f"Account code '{details['AccountCode']}' is not a valid code for this item.")
                account = None
        if details.get("COGSAccountCode") and book.account_by_code(details["COGSAccountCode"]) is None:
            errors.append(f"Account code '{details['COGSAccountCode']}' is not a valid COGS account code.")
        if details.get("TaxType"):
            rate = tax_rate(book, details["TaxType"], errors)
            if rate is not None:
                tax_allowed_on(rate, account, errors)
        item[details_name] = details
    inventory = item.get("InventoryAssetAccountCode")
    cogs = (item.get("PurchaseDetails") or {}).get("COGSAccountCode")
    if inventory:
        account = book.account_by_code(inventory)
        if account is None or account.get("Type") != "INVENTORY":
            errors.append(f"Account code '{inventory}' is not a valid inventory asset account.")
    if bool(inventory) != bool(cogs):
        errors.append(
            "A tracked item needs both an InventoryAssetAccountCode and a PurchaseDetails COGSAccountCode."
        )
    item["IsTrackedAsInventory"] = bool(inventory and cogs)
    errors.extend(item_errors(book, existing, item, item.get("PurchaseDetails")))
    settle_item(existing, item)
    if errors:
        return out
    item["UpdatedDateUTC"] = book.now()
    out.record = item
    out.puts.append(("Items", item))
    return out
