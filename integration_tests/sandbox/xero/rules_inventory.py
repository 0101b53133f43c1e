"""Tracked inventory: each tracked item's quantity on hand and its value, moved by approved documents.

Why a module of its own: a tracked item is where Xero refuses a document that is valid in every other
respect (an approved invoice selling more than is on hand), and the only place a document changes another
record than itself and its contact. The item rule (rules_items.py) and the document rule
(rules_documents.py) call in here; the state is kept on the item records (`QuantityOnHand`,
`TotalCostPool`) of each organisation's Book, so it is per organisation and a failed element (or a
`summarizeErrors=true` batch undone) leaves it as it was.

Facts relied on, with their sources:
- an item is tracked iff it has an `InventoryAssetAccountCode` and a `PurchaseDetails.COGSAccountCode`;
  the inventory asset account "must be of type INVENTORY" (Xero OpenAPI `Item.InventoryAssetAccountCode`,
  developer.xero.com/documentation/api/items); the cost-of-goods-sold account is "an expense account"
  (developer.xero.com/documentation/api-guides/tracked-inventory-in-xero; Xero's help, "How does Xero
  account for inventory?", recommends the type Direct Costs); `PurchaseDetails.AccountCode` is "not
  applicable to the purchase details of tracked items" and `COGSAccountCode` "only applicable" to them
  (OpenAPI `Purchase`); "an item cannot have both a COGS account code and a Purchase account code"
  (Workato's Xero connector docs, create-item);
- `QuantityOnHand` and `TotalCostPool` are read-only; the pool is "calculated using average cost
  accounting" (OpenAPI `Item`; help "How does Xero account for inventory?");
- quantity and value move "when a transaction is approved, not as at the transaction date", for invoices,
  bills and credit notes; quotes and purchase orders never move them (help "Why doesn't my tracked
  inventory item's quantity or value include my transaction?", help.xero.com/int/Inventory_TSUpdate);
  drafts therefore move nothing, and a voided (or deleted) approved document gives back what it moved;
- "Xero doesn't let you enter a transaction if it means your tracked inventory item's quantity or value
  falls below zero" (help "What you need to know about inventory adjustments", Inventory_AdjGS); "you
  can't create a sales invoice for that item if you don't have sufficient quantity on hand" (Items page);
- a tracked item's purchases are posted to its inventory asset account (the API guide's example codes the
  tracked item's ACCPAY line to the inventory account; the help's journal example debits it);
- once converted to tracked, an item can go back to untracked only if it has not been "used ... in a
  transaction" nor adjusted (help "Convert untracked items to tracked items", Inventory_Convert); an
  untracked item may be converted to tracked at any time, and starts at nothing on hand.

Choices (UNCONFIRMED in the sources):
- the wording of the refusals (Xero's exact text for a sale below zero was not found; an open pull request
  to Xero's OpenAPI spec, XeroAPI/Xero-OpenAPI#821, adds an `allowBackorders` parameter for it, which this
  sandbox does not emulate): "The quantity on hand of tracked item 'X' cannot go below zero: ...";
- the cost-of-goods-sold account must be of class EXPENSE (our reading of "an expense account"); the
  wording of that refusal, and of a purchase AccountCode sent beside a COGSAccountCode, is ours;
- a purchase line (bill, supplier credit, purchase order) of a tracked item is posted to the item's
  inventory asset account whatever account was sent, as Xero's UI locks that account;
- a tracked item seeded without `QuantityOnHand` holds nothing until a document moves it;
- a bill adds its lines' net amount in the base currency (LineAmount less tax when tax-inclusive, divided
  by the CurrencyRate); a supplier credit note takes its net amount out; a sale takes out the average cost
  (TotalCostPool x quantity / QuantityOnHand, all of the pool when it empties it); a customer credit note
  puts back the current average cost (the purchase unit price when nothing is on hand);
- an approved document updated without a change to its tracked quantities (or, for a purchase, their
  value) keeps what it moved; any other update gives back what it moved and moves again;
- "used in a transaction" is any invoice, bill or credit note, not deleted, with a line on the item; the
  item's UpdatedDateUTC does not change when its quantity does.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import wire
from .book import key_of
from .rounding import QUANTITY, ZERO, quantize, round_money

if TYPE_CHECKING:
    from .book import Book, Outcome

APPROVED = frozenset({"AUTHORISED", "PAID"})
# +1 adds to the quantity on hand, -1 takes from it.
DIRECTION = {"ACCREC": -1, "ACCPAY": 1, "ACCRECCREDIT": 1, "ACCPAYCREDIT": -1}
PURCHASES = frozenset({"ACCPAY", "ACCPAYCREDIT"})
MOVED = "_InventoryMoved"  # on a document record: what it moved, [{ItemID, Quantity, Value}], signed
MOVING_COLLECTIONS = frozenset({"Invoices", "CreditNotes"})


def is_tracked(item: dict[str, Any] | None) -> bool:
    return bool(item and item.get("IsTrackedAsInventory"))


def on_hand(item: dict[str, Any]) -> tuple[Decimal, Decimal]:
    """(quantity on hand, value on hand) of a tracked item; nothing for one never moved."""
    quantity = item.get("QuantityOnHand")
    value = item.get("TotalCostPool")
    return (
        wire.to_decimal(quantity) if quantity is not None else ZERO,
        wire.to_decimal(value) if value is not None else ZERO,
    )


# ---- items ------------------------------------------------------------------------------------------------
def item_errors(
    book: Book, existing: dict[str, Any] | None, item: dict[str, Any], purchase: dict[str, Any] | None
) -> list[str]:
    """The inventory rules of one item write (after rules_items.py's own checks)."""
    errors = []
    if purchase and purchase.get("AccountCode") and purchase.get("COGSAccountCode"):
        errors.append(
            "An item cannot have both a purchase AccountCode and a COGSAccountCode: a tracked item's "
            "purchases are posted to its inventory asset account."
        )
    cogs = (purchase or {}).get("COGSAccountCode")
    if cogs:
        account = book.account_by_code(cogs)
        if account is not None and account.get("Class") != "EXPENSE":
            errors.append(f"Account code '{cogs}' is not a valid COGS account code.")
    if is_tracked(existing) and not item.get("IsTrackedAsInventory") and used(book, existing):
        errors.append(
            f"Item '{item.get('Code')}' has been used in transactions or adjusted, so it cannot be changed "
            "to an untracked item."
        )
    return errors


def used(book: Book, item: dict[str, Any] | None) -> bool:
    """Whether a tracked item has been used in a transaction or holds stock (so it stays tracked)."""
    if item is None:
        return False
    quantity, value = on_hand(item)
    if quantity or value:
        return True
    wanted = key_of(item["ItemID"])
    for collection in MOVING_COLLECTIONS:
        for doc in book.records(collection):
            if doc.get("Status") == "DELETED":
                continue
            for line in doc.get("LineItems") or []:
                if key_of((line.get("Item") or {}).get("ItemID")) == wanted:
                    return True
    return False


def settle_item(existing: dict[str, Any] | None, item: dict[str, Any]) -> None:
    """A tracked item shows its quantity and value on hand (nothing yet for a new one); others do not."""
    if item.get("IsTrackedAsInventory"):
        quantity, value = on_hand(existing if existing is not None and is_tracked(existing) else {})
        item["QuantityOnHand"] = quantize(quantity, QUANTITY)
        item["TotalCostPool"] = round_money(value)
    else:
        item.pop("QuantityOnHand", None)
        item.pop("TotalCostPool", None)


# ---- document lines -------------------------------------------------------------------------------------
def _line_item(book: Book, line: dict[str, Any]) -> dict[str, Any] | None:
    code = line.get("ItemCode") or (line.get("Item") or {}).get("Code")
    if not code:
        return None
    item = book.find("Items", str(code))
    if item is None or str(item.get("Code", "")).lower() != str(code).lower():
        return None
    return item


def purchase_accounts(book: Book, lines: list[dict[str, Any]], purchase: bool) -> list[dict[str, Any]]:
    """The lines of a purchase document with each tracked item's line posted to its inventory account."""
    if not purchase:
        return lines
    posted = []
    for line in lines:
        item = _line_item(book, line)
        if is_tracked(item):
            assert item is not None
            line = {**line, "AccountCode": item["InventoryAssetAccountCode"]}
            line.pop("AccountID", None)
        posted.append(line)
    return posted


# ---- moving stock ---------------------------------------------------------------------------------------
@dataclass
class _Level:
    item: dict[str, Any]
    quantity: Decimal
    value: Decimal
    changed: bool = False


def _wanted(book: Book, doc: dict[str, Any]) -> dict[str, tuple[Decimal, Decimal]]:
    """Per tracked item (ItemID): the quantity and the net base-currency amount of this document's lines."""
    inclusive = doc.get("LineAmountTypes") == "Inclusive"
    rate = wire.to_decimal(doc.get("CurrencyRate") or 1) or Decimal(1)
    wanted: dict[str, tuple[Decimal, Decimal]] = {}
    for line in doc.get("LineItems") or []:
        item_id = (line.get("Item") or {}).get("ItemID")
        item = book.get("Items", item_id) if item_id else None
        if not is_tracked(item) or not line.get("Quantity"):
            continue
        assert item is not None
        net = (line.get("LineAmount") or ZERO) - ((line.get("TaxAmount") or ZERO) if inclusive else ZERO)
        quantity, amount = wanted.get(item["ItemID"], (ZERO, ZERO))
        wanted[item["ItemID"]] = (quantity + line["Quantity"], amount + net / rate)
    return {k: (quantity, round_money(amount)) for k, (quantity, amount) in wanted.items()}


def _same(moved: list[dict[str, Any]], kind: str, wanted: dict[str, tuple[Decimal, Decimal]]) -> bool:
    """Whether what a document moved still stands for its lines (a sale's value is its cost: not compared)."""
    sign = DIRECTION[kind]
    held = {m["ItemID"]: m for m in moved}
    if set(held) != set(wanted):
        return False
    return all(
        held[k]["Quantity"] == sign * quantity
        and (kind not in PURCHASES or held[k]["Value"] == sign * amount)
        for k, (quantity, amount) in wanted.items()
    )


def _value(level: _Level, kind: str, quantity: Decimal, amount: Decimal) -> Decimal:
    """The value a document's quantity of one item moves (see the module's choices)."""
    if kind in PURCHASES:
        return amount
    if level.quantity <= ZERO:
        unit = wire.to_decimal((level.item.get("PurchaseDetails") or {}).get("UnitPrice") or 0)
        return round_money(unit * quantity) if kind == "ACCRECCREDIT" else ZERO
    if kind == "ACCREC" and quantity >= level.quantity:
        return level.value
    return round_money(level.value * quantity / level.quantity)


def move_stock(
    book: Book, collection: str, existing: dict[str, Any] | None, doc: dict[str, Any], out: Outcome
) -> None:
    """Give back what `existing` moved and move what `doc` moves; refuse a level below zero."""
    if collection not in MOVING_COLLECTIONS:
        return
    kind = str(doc.get("Type") or "")
    moved: list[dict[str, Any]] = list((existing or {}).get(MOVED) or [])
    approved = doc.get("Status") in APPROVED and kind in DIRECTION
    wanted = _wanted(book, doc) if approved else {}
    if approved and moved and _same(moved, kind, wanted):
        doc[MOVED] = moved
        return
    if not moved and not wanted:
        doc.pop(MOVED, None)
        return
    levels: dict[str, _Level] = {}

    def level(item_id: str) -> _Level | None:
        if key_of(item_id) not in levels:
            item = book.get("Items", item_id)
            if not is_tracked(item):
                return None
            assert item is not None
            levels[key_of(item_id)] = _Level(item, *on_hand(item))
        return levels[key_of(item_id)]

    for entry in moved:  # give back what the document moved
        found = level(entry["ItemID"])
        if found is not None:
            found.quantity -= entry["Quantity"]
            found.value -= entry["Value"]
            found.changed = True
    now: list[dict[str, Any]] = []
    for item_id, (quantity, amount) in wanted.items():
        found = level(item_id)
        if found is None:
            continue
        sign = DIRECTION[kind]
        value = _value(found, kind, quantity, amount)
        found.quantity += sign * quantity
        found.value += sign * value
        found.changed = True
        now.append({"ItemID": found.item["ItemID"], "Quantity": sign * quantity, "Value": sign * value})
    for found in levels.values():
        out.errors.extend(_below_zero(found))
    if out.errors:
        return
    if now:
        doc[MOVED] = now
    else:
        doc.pop(MOVED, None)
    for found in levels.values():
        if found.changed:
            updated = dict(found.item)
            updated["QuantityOnHand"] = quantize(found.quantity, QUANTITY)
            updated["TotalCostPool"] = round_money(found.value)
            out.puts.append(("Items", updated))


def _below_zero(level: _Level) -> list[str]:
    code = level.item.get("Code")
    if level.quantity < ZERO:
        held, _ = on_hand(level.item)
        return [
            f"The quantity on hand of tracked item '{code}' cannot go below zero: "
            f"{quantize(held, QUANTITY)} on hand, and this transaction would leave "
            f"{quantize(level.quantity, QUANTITY)}."
        ]
    if level.value < ZERO:
        return [f"The value on hand of tracked item '{code}' cannot go below zero."]
    return []
