"""Purchase orders as bills, end to end: the destination CLIs as subprocesses against the sandbox's Xero
(issue 18, `mappings.purchase_orders`).

`send_as: bill` (target-xero): a sales invoice numbered "PO-9402" is in Xero first. Two purchase orders are
New in Autotask: the run sends nothing at all (no bill, no PO, no contact) and reports both as not received
yet. Two weeks later (the sandbox clock moved on) both are Received Full: each becomes a DRAFT bill dated on
its receipt, read back over HTTP (Type ACCPAY, number, contact, lines at 4 dp, totals to the cent), and the
bill PO-9402 is created beside the sales invoice of the same number, which is left as it was. A rerun
writes nothing. A changed PO updates its draft bill; a cancelled one deletes it; a rerun of the
cancellation writes nothing.
`send_as: both` (destination-xero write): a Submitted PO becomes a Xero purchase order and no bill; once
received, the purchase order is unchanged and the bill is made; a rerun writes nothing.
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
from connector_kit.run_report import RunReport, load_report
from sandbox import launcher

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import CATALOGS, XeroReader, script, xero_writes

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: helpers by path
from cli_configs import sandbox_config

UK = "Northwind MSP Ltd"
D = Decimal
HELD = (
    "not received yet: Autotask gives status {status!r}; the bill is made when the purchase order is "
    "'Received Full', 'Received in Full' (mappings.purchase_orders.bill_when)"
)


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        yield running


def _config(info: dict[str, Any], tmp: Path, send_as: str) -> Path:
    mappings = {
        "tax": {"by_region": {"UK VAT": "OUTPUT2"}, "purchase": "INPUT2"},
        "accounts": {"default": "200", "purchase": "300"},
        "purchase_orders": {"send_as": send_as},
    }
    return sandbox_config(info, tmp, mappings)


VENDOR = {"id": 9501, "companyName": "Bill Vendor Ltd", "companyType": 6, "companyTypeName": "Vendor"}
STATUSES = {"New": 1, "Submitted": 2, "Received Full": 4, "Cancelled": 5}


def _po(po_id: int, status: str, items: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """A purchase order record as source-autotask emits it (schemas/purchase_orders.json)."""
    return {
        "id": po_id,
        "vendorID": VENDOR["id"],
        "vendor": VENDOR,
        "createDateTime": "2026-09-01T09:00:00.000Z",
        "submitDateTime": "2026-09-02T09:00:00.000Z",
        "cancelDateTime": None,
        "status": STATUSES[status],
        "statusName": status,
        "receivedDate": None,
        "externalPONumber": f"EXT-{po_id}",
        "freight": None,
        "shipToName": "Northwind Warehouse",
        "items": [{"orderID": po_id, "productID": None, **item} for item in items],
        **fields,
    }


SWITCH = {"id": 94011, "quantity": 3, "unitCost": "12.3456", "memo": "Switch 24p"}
ROUTER = {"id": 94012, "quantity": 1, "unitCost": "99.0000", "memo": "Router"}
DISKS = {"id": 94021, "quantity": 10, "unitCost": "8.1000", "memo": "SSD 1TB"}


def _received(po: dict[str, Any], on: str) -> dict[str, Any]:
    return {**po, "status": 4, "statusName": "Received Full", "receivedDate": on}


NEW_9401 = _po(9401, "New", [SWITCH, ROUTER], freight="12.5000")
NEW_9402 = _po(9402, "New", [DISKS])
SALE = {  # a sales invoice that happens to carry the number the bill of PO 9402 will have
    "id": 9601,
    "invoiceNumber": "PO-9402",
    "invoiceDateTime": "2026-09-01T00:00:00.000Z",
    "invoiceTotal": "120.0000",
    "totalTaxValue": "20.0000",
    "isVoided": False,
    "taxRegionName": "UK VAT",
    "company": {"id": 9602, "companyName": "Sales Customer Ltd"},
    "lines": [
        {
            "id": 96011,
            "description": "Support",
            "quantity": "1",
            "rate": "100",
            "extendedPrice": "100.0000",
            "taxDollars": "20.0000",
            "taxCategoryName": "Labour",
        }
    ],
    "lineCount": 1,
}


def _singer_input(invoices: list[dict[str, Any]], pos: list[dict[str, Any]]) -> str:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    lines: list[dict[str, Any]] = []
    for stream, records in (("invoices", invoices), ("purchase_orders", pos)):
        lines.append({"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]})
        lines += [{"type": "RECORD", "stream": stream, "record": r} for r in records]
    lines.append({"type": "STATE", "value": {"bookmarks": {"purchase_orders": {"cursor": 1}}}})
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def _airbyte_input(invoices: list[dict[str, Any]], pos: list[dict[str, Any]]) -> str:
    lines: list[dict[str, Any]] = [
        {"type": "RECORD", "record": {"stream": stream, "data": r, "emitted_at": 0}}
        for stream, records in (("invoices", invoices), ("purchase_orders", pos))
        for r in records
    ]
    state = {"stream_descriptor": {"name": "purchase_orders"}, "stream_state": {"cursor": 1}}
    lines.append({"type": "STATE", "state": {"type": "STREAM", "stream": state}})
    return "\n".join(json.dumps(x) for x in lines) + "\n"


class Runs:
    """One CLI, one config, runs counted in Xero writes; reads back with the token the runs rotate."""

    def __init__(self, sb: Any, tmp: Path, cli: str, send_as: str) -> None:
        self.sb, self.tmp, self.cli = sb, tmp, cli
        self.config = _config(sb.info, tmp, send_as)

    def run(self, invoices: list[dict[str, Any]], pos: list[dict[str, Any]]) -> tuple[RunReport, int]:
        """(the run report, the Xero writes the run made)."""
        if self.cli == "singer":
            command = [script("target-xero"), "--config", str(self.config)]
            stdin = _singer_input(invoices, pos)
        else:
            catalog = str(CATALOGS / "configured_catalog.json")
            command = [
                script("destination-xero"),
                "write",
                "--config",
                str(self.config),
                "--catalog",
                catalog,
            ]
            stdin = _airbyte_input(invoices, pos)
        before = xero_writes(self.sb.admin("xero", "stats"))
        proc = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=240)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
        writes = xero_writes(self.sb.admin("xero", "stats")) - before
        return load_report(self.tmp / "run-report.json"), writes

    def reader(self) -> XeroReader:
        """A reader on the refresh token the last run stored, which it hands back rotated (the next run
        must find a live token in the store)."""
        store = self.tmp / "token.json"
        reader = XeroReader(self.sb.info, json.loads(store.read_text())["refresh_token"])
        store.write_text(json.dumps({"refresh_token": reader.refresh_token}), encoding="utf-8")
        return reader


def _invoices(reader: XeroReader, number: str) -> list[dict[str, Any]]:
    return list(reader.get(UK, "Invoices", {"InvoiceNumbers": number, "page": 1, "unitdp": 4})["Invoices"])


def _bill(reader: XeroReader, number: str) -> dict[str, Any]:
    (bill,) = [i for i in _invoices(reader, number) if i["Type"] == "ACCPAY"]
    return bill


def _lines(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (
            li["Description"],
            li["Quantity"],
            li["UnitAmount"],
            li["AccountCode"],
            li["TaxType"],
            li["LineAmount"],
        )
        for li in document["LineItems"]
    ]


def _org(report: RunReport) -> Any:
    (org,) = report.organisations
    return org


def test_bill_mode_waits_for_the_receipt_then_makes_a_draft_bill(sb: Any, tmp_path: Path) -> None:
    sb.reset()
    runs = Runs(sb, tmp_path, "singer", "bill")
    report, _ = runs.run([SALE], [])  # a sales invoice numbered like a bill to come
    assert _org(report).count("invoice", "created") == 1
    sale = next(i for i in _invoices(runs.reader(), "PO-9402") if i["Type"] == "ACCREC")

    # 1. New in Autotask: nothing is sent, not even the vendor's contact; both are reported
    report, writes = runs.run([], [NEW_9401, NEW_9402])
    assert writes == 0 and report.exit_status == 0
    org = _org(report)
    assert org.count("bill", "skipped") == 2 and org.count("purchase_order", "created") == 0
    (group,) = org.skips
    assert group.example == HELD.format(status="New") and group.documents == ["PO-9401", "PO-9402"]
    reader = runs.reader()
    assert [i["Type"] for i in _invoices(reader, "PO-9401")] == []
    assert not [c for c in reader.all(UK, "Contacts") if c["Name"] == "Bill Vendor Ltd"]
    assert not [p for p in reader.all(UK, "PurchaseOrders") if p["PurchaseOrderNumber"] == "9401"]

    # 2. two weeks later (the access token of run 1 is long dead: the store's refresh token carries on),
    # both are received in full: each a DRAFT bill dated on its receipt, totals to the cent
    sb.admin("xero", "clock", {"advance_seconds": 14 * 24 * 3600})
    received = [_received(NEW_9401, "2026-09-14T16:20:00.000Z"), _received(NEW_9402, "2026-09-15T08:00:00Z")]
    report, writes = runs.run([], received)
    org = _org(report)
    assert org.count("bill", "created") == 2 and not org.rejections and writes > 0
    reader = runs.reader()
    bill = _bill(reader, "PO-9401")
    assert (bill["Type"], bill["Status"], bill["Contact"]["Name"]) == ("ACCPAY", "DRAFT", "Bill Vendor Ltd")
    assert bill["DateString"].startswith("2026-09-14") and bill["DueDateString"].startswith("2026-10-14")
    assert _lines(bill) == [
        ("Switch 24p", D("3.0000"), D("12.3456"), "300", "INPUT2", D("37.04")),
        ("Router", D("1.0000"), D("99.0000"), "300", "INPUT2", D("99.00")),
        ("Freight", D("1.0000"), D("12.5000"), "300", "INPUT2", D("12.50")),
    ]
    assert (bill["SubTotal"], bill["TotalTax"], bill["Total"]) == (D("148.54"), D("29.71"), D("178.25"))
    assert bill["AmountDue"] == D("178.25") and not bill.get("Reference")
    other = _bill(reader, "PO-9402")
    assert (other["Total"], other["DateString"][:10]) == (D("97.20"), "2026-09-15")
    still = next(i for i in _invoices(reader, "PO-9402") if i["Type"] == "ACCREC")
    assert (still["InvoiceID"], still["Total"], still["Status"]) == (
        sale["InvoiceID"],
        sale["Total"],
        "AUTHORISED",
    )

    # 3. a rerun writes nothing
    report, writes = runs.run([], received)
    assert writes == 0 and _org(report).count("bill", "unchanged") == 2

    # 4. a received PO changed in Autotask updates its draft bill
    more = {**received[0], "items": [{**received[0]["items"][0], "quantity": 4}, received[0]["items"][1]]}
    report, writes = runs.run([], [more])
    assert _org(report).count("bill", "updated") == 1 and writes == 1
    assert _bill(runs.reader(), "PO-9401")["Total"] == D("193.06")  # 49.38 + 99.00 + 12.50, plus 20%

    # 5. a cancelled PO deletes its draft bill, and not the sales invoice of the same number
    cancelled = {
        **received[1],
        "status": 5,
        "statusName": "Cancelled",
        "cancelDateTime": "2026-09-20T10:00:00Z",
    }
    report, writes = runs.run([], [cancelled])
    assert _org(report).count("bill", "updated") == 1 and writes == 1
    reader = runs.reader()
    assert reader.get(UK, f"Invoices/{other['InvoiceID']}")["Invoices"][0]["Status"] == "DELETED"
    assert next(i for i in _invoices(reader, "PO-9402") if i["Type"] == "ACCREC")["Status"] == "AUTHORISED"
    report, writes = runs.run([], [cancelled])
    assert writes == 0 and _org(report).count("bill", "unchanged") == 1


def test_both_mode_sends_the_purchase_order_then_the_bill(sb: Any, tmp_path: Path) -> None:
    sb.reset()
    runs = Runs(sb, tmp_path, "airbyte", "both")
    submitted = _po(9411, "Submitted", [{"id": 94111, "quantity": 2, "unitCost": "410.50", "memo": "Laptop"}])
    report, writes = runs.run([], [submitted])
    org = _org(report)
    assert org.count("purchase_order", "created") == 1 and org.count("bill", "skipped") == 1
    assert [g.example for g in org.skips] == [HELD.format(status="Submitted")]
    reader = runs.reader()
    (order,) = [p for p in reader.all(UK, "PurchaseOrders") if p["PurchaseOrderNumber"] == "9411"]
    assert order["Total"] == D("985.20") and _invoices(reader, "PO-9411") == []

    received = _received(submitted, "2026-09-10T12:00:00Z")
    report, writes = runs.run([], [received])
    org = _org(report)
    assert org.count("purchase_order", "unchanged") == 1 and org.count("bill", "created") == 1
    bill = _bill(runs.reader(), "PO-9411")
    assert (bill["Status"], bill["Total"], bill["DateString"][:10]) == ("DRAFT", D("985.20"), "2026-09-10")
    assert _lines(bill) == [("Laptop", D("2.0000"), D("410.5000"), "300", "INPUT2", D("821.00"))]

    report, writes = runs.run([], [received])
    org = _org(report)
    assert (
        writes == 0 and org.count("purchase_order", "unchanged") == 1 and org.count("bill", "unchanged") == 1
    )
