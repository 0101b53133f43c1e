"""The engine under `mappings.purchase_orders.send_as: both`: the PO and its bill are two documents of one
record, each mapped, planned and reported on its own (requests-mock plays Xero)."""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path

import requests_mock as rm
from destination_xero.writer import Engine
from xero_client.client import XeroClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_writer import API, org

PO = {
    "id": 9,
    "vendor": {"id": 7, "companyName": "Acme Pty Ltd"},
    "createDateTime": "2025-09-01T10:00:00Z",
    "status": 4,
    "statusName": "Received Full",
    "receivedDate": "2025-09-12T00:00:00Z",
    "items": [{"id": 1, "quantity": 3, "unitCost": "12.00", "memo": "Switch"}],
}


def test_a_bill_that_cannot_be_mapped_does_not_hold_back_its_purchase_order(make_config, base_config):
    mappings = copy.deepcopy(base_config["mappings"])
    mappings["purchase_orders"] = {"send_as": "both", "bill_due_days": 10**9}
    config = make_config(mappings=mappings, fail_on_rejections=False)
    out: list[dict] = []
    with rm.Mocker() as m:
        org(m)
        m.get(f"{API}/PurchaseOrders", json={"PurchaseOrders": []})
        m.put(re.compile(f"{API}/PurchaseOrders"), json={"PurchaseOrders": [{"PurchaseOrderID": "p-1"}]})
        m.post(re.compile(f"{API}/PurchaseOrders"), json={"PurchaseOrders": [{"PurchaseOrderID": "p-1"}]})
        engine = Engine(config, XeroClient(config), on_decision=out.append)
        engine.add("purchase_orders", PO)
        assert engine.flush()
    decisions = {(d["kind"], d["key"]): d for d in out}
    assert decisions[("purchase_order", "9")]["action"] == "create"
    rejected = decisions[("bill", "PO-9")]
    assert rejected["action"] == "rejected" and rejected["autotask_id"] == 9
    assert rejected["reason"].startswith("bill PO-9: due date out of range: bill date 2025-09-12")
    assert engine.summary()["Acme AU"]["documents"] == {
        "purchase_order": {"create": 1},
        "bill": {"rejected": 1},
    }
    assert engine.ledger.failed() == {"invoice": {}, "purchase_order": {9: rejected["reason"]}}
