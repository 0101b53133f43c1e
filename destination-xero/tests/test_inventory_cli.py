"""Stocked products as inventory-tracked Xero items, end to end: `target-xero` as a real process against the
sandbox, three runs over the same records (BEHAVIOR.md "Inventory items").

The UK organisation is the demo one plus an inventory asset account (630, type INVENTORY), planted in the
dataset file this module starts the sandbox on. The mapping declares two SKUs stocked: NW-STOCK-8, which
Xero does not hold yet, and NW-OLD-1, which the test creates in Xero beforehand as an ordinary item.

1. The run creates NW-STOCK-8 tracked (read back over HTTP: its accounts, its cost, nothing on hand) and
   leaves NW-OLD-1 as it is, saying so once. The invoice selling 3 NW-STOCK-8 is refused by Xero (nothing
   on hand): rejected by name with what to do, and listed in the state's `retry`.
2. The test records the stock the way an admin does, with an approved bill (ACCPAY) through Xero's API.
   The next run sends the invoice again and it lands; the quantity on hand falls by 3 at average cost.
3. A rerun writes nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from connector_kit.run_report import load_report
from sandbox import launcher
from sandbox.dataset import dumps, load_dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import UK, XeroReader, script, xero_writes

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: helpers by path
from cli_configs import sandbox_config

STOCKED, PLAIN = "NW-STOCK-8", "NW-OLD-1"
SALE_ID, OTHER_ID, THIRD_ID = 8401, 8402, 8403
PRODUCT_IDS = {STOCKED: 29_400_001, PLAIN: 29_400_002}
STEP = (
    "Record the stock of the tracked items in Xero (approve a bill for them, or enter an inventory "
    "adjustment), then the next run sends this invoice again: ST-8401."
)


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    data = load_dataset("demo")
    data["xero"][UK]["Accounts"].append(
        {
            "AccountID": "6f4a3c1e-0630-4c9a-9a51-000000000630",
            "Code": "630",
            "Name": "Inventory",
            "Type": "INVENTORY",
            "Class": "ASSET",
            "Status": "ACTIVE",
            "TaxType": "NONE",
        }
    )
    path = tmp_path_factory.mktemp("inventory") / "dataset.json"
    path.write_text(dumps(data), encoding="utf-8")
    with launcher.running_sandbox(str(path), rate_limits="off") as running:
        yield running


def _config(info: dict[str, Any], tmp: Path) -> Path:
    inventory = {"skus": [STOCKED, PLAIN], "asset_account": "630", "cogs_account": "310"}
    mappings = {
        "tax": {"by_region": {"UK VAT": "OUTPUT2"}, "purchase": "INPUT2"},
        "accounts": {"default": "200"},
        "items": {"enabled": True, "create_missing": True, "inventory": inventory},
    }
    return sandbox_config(info, tmp, mappings)


def _invoice(iid: int, sku: str, name: str, quantity: int, rate: int) -> dict[str, Any]:
    amount = Decimal(quantity * rate)
    tax = amount * Decimal("0.2")
    return {
        "id": iid,
        "invoiceNumber": f"ST-{iid}",
        "invoiceDateTime": "2026-09-03T00:00:00.000Z",
        "invoiceTotal": str(amount + tax),
        "isVoided": False,
        "taxRegionName": "UK VAT",
        "company": {"id": 44, "companyName": "Stock Buyer Ltd"},
        "lines": [
            {
                "id": iid * 10,
                "description": name,
                "quantity": str(quantity),
                "rate": str(rate),
                "extendedPrice": str(amount),
                "taxDollars": str(tax),
                "taxCategoryName": "Hardware",
                "product": {"id": PRODUCT_IDS[sku], "sku": sku, "name": name},
            }
        ],
        "lineCount": 1,
    }


PRODUCTS = [
    {
        "id": PRODUCT_IDS[STOCKED],
        "name": "Stock Switch 8p",
        "sku": STOCKED,
        "unitPrice": "150",
        "unitCost": "90",
    },
    {"id": PRODUCT_IDS[PLAIN], "name": "Old Router", "sku": PLAIN, "unitPrice": "60", "unitCost": "40"},
]
INVOICES = [
    _invoice(SALE_ID, STOCKED, "Stock Switch 8p", 3, 150),
    _invoice(OTHER_ID, PLAIN, "Old Router", 1, 60),
    _invoice(THIRD_ID, PLAIN, "Old Router", 2, 60),
]


def _input(state: dict[str, Any]) -> str:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    lines: list[dict[str, Any]] = []
    for stream, records in (("products", PRODUCTS), ("invoices", INVOICES)):
        lines.append({"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]})
        lines.extend({"type": "RECORD", "stream": stream, "record": r} for r in records)
    lines.append({"type": "STATE", "value": state})
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def _run(config: Path, state: dict[str, Any]) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    proc = subprocess.run(
        [script("target-xero"), "--config", str(config)],
        input=_input(state),
        capture_output=True,
        text=True,
        timeout=240,
    )
    states = [json.loads(line) for line in proc.stdout.splitlines() if line.strip().startswith("{")]
    assert states, proc.stderr[-3000:]
    return proc, states[-1]


def _put(reader: XeroReader, collection: str, element: dict[str, Any]) -> dict[str, Any]:
    response = requests.put(
        f"{reader.api}/{collection}",
        params={"summarizeErrors": "false"},
        data=json.dumps({collection: [element]}),
        headers={
            "Authorization": f"Bearer {reader.token}",
            "xero-tenant-id": reader.tenants[UK],
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        timeout=60,
    )
    assert response.status_code == 200, response.text[:500]
    written: dict[str, Any] = json.loads(response.text, parse_float=Decimal)[collection][0]
    assert written["StatusAttributeString"] == "OK", written.get("ValidationErrors")
    return written


def _item(reader: XeroReader, code: str) -> dict[str, Any]:
    found: dict[str, Any] = reader.get(UK, f"Items/{code}")["Items"][0]
    return found


def test_a_stocked_product_is_tracked_and_a_sale_waits_for_its_stock(sb: Any, tmp_path: Path) -> None:
    sb.reset()
    reader = XeroReader(sb.info, sb.info["xero"]["refresh_token"])
    _put(reader, "Items", {"Code": PLAIN, "Name": "Old Router", "SalesDetails": {"UnitPrice": 60}})
    config = _config(sb.info, tmp_path)
    initial = {"bookmarks": {"invoices": {"autotask": {"cursor": "2026-09-03T00:00:00Z"}}}}

    # 1. the item is created tracked; the sale is refused for lack of stock and listed to retry
    run1, state1 = _run(config, initial)
    assert run1.returncode == 1, run1.stderr[-3000:]
    stocked = _item(reader, STOCKED)
    assert (stocked["IsTrackedAsInventory"], stocked["InventoryAssetAccountCode"]) == (True, "630")
    assert stocked["PurchaseDetails"] == {
        "UnitPrice": Decimal("90.00"),
        "COGSAccountCode": "310",
        "TaxType": "INPUT2",
    }
    assert (stocked["QuantityOnHand"], stocked["TotalCostPool"]) == (0, 0)
    assert _item(reader, PLAIN)["IsTrackedAsInventory"] is False  # held by Xero: never converted
    (rejected,) = [json.loads(x) for x in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    assert (rejected["autotask_id"], rejected["key"]) == (SALE_ID, f"ST-{SALE_ID}")
    assert rejected["reason"].startswith("Xero refused it for lack of stock of a tracked item")
    assert rejected["xero_messages"][0].startswith(f"The quantity on hand of tracked item '{STOCKED}'")
    assert state1["bookmarks"]["invoices"]["autotask"]["retry"] == [SALE_ID]
    report = load_report(tmp_path / "run-report.json")
    (uk,) = report.organisations
    assert (uk.items_created, uk.items_tracked, uk.count("invoice", "created")) == (1, 1, 2)
    assert [g.next_step for g in uk.rejections] == [STEP] and report.next_steps == [f"{UK}: {STEP}"]
    (notice,) = [w for w in uk.warnings if PLAIN in w]
    assert "declared stocked" in notice and "never converts an existing item" in notice
    assert "1 item created (1 tracked as inventory)" in run1.stderr
    said = [line for line in run1.stderr.splitlines() if "WARNING" in line and "declared stocked" in line]
    assert len(said) == 1, said  # once, though two invoices carry the item

    # 2. stock recorded in Xero with an approved bill; the next run sends the invoice again
    bill = {
        "Type": "ACCPAY",
        "Contact": {"Name": "Switch Wholesale Ltd"},
        "Date": "2026-09-02",
        "DueDate": "2026-10-02",
        "Status": "AUTHORISED",
        "LineAmountTypes": "Exclusive",
        "LineItems": [{"ItemCode": STOCKED, "Quantity": 5, "UnitAmount": 90, "TaxType": "INPUT2"}],
    }
    assert _put(reader, "Invoices", bill)["LineItems"][0]["AccountCode"] == "630"
    assert (_item(reader, STOCKED)["QuantityOnHand"], _item(reader, STOCKED)["TotalCostPool"]) == (5, 450)
    run2, state2 = _run(config, state1)
    assert run2.returncode == 0, run2.stderr[-3000:]
    sale = reader.get(UK, f"Invoices/ST-{SALE_ID}")["Invoices"][0]
    assert (sale["Status"], sale["LineItems"][0]["ItemCode"], sale["Total"]) == ("AUTHORISED", STOCKED, 540)
    assert (_item(reader, STOCKED)["QuantityOnHand"], _item(reader, STOCKED)["TotalCostPool"]) == (2, 180)
    assert "retry" not in state2["bookmarks"]["invoices"]["autotask"]
    second = load_report(tmp_path / "run-report.json").organisations[0]
    assert (second.count("invoice", "created"), second.count("invoice", "unchanged")) == (1, 2)
    assert second.items_created == 0 and not second.rejections

    # 3. a rerun writes nothing
    before = xero_writes(sb.admin("xero", "stats"))
    run3, state3 = _run(config, state2)
    assert run3.returncode == 0, run3.stderr[-3000:]
    assert xero_writes(sb.admin("xero", "stats")) == before
    assert load_report(tmp_path / "run-report.json").organisations[0].count("invoice", "unchanged") == 3
    assert state3 == state2
