"""Tracking from the new sources and skip rules, end to end: the CLIs as subprocesses against the sandbox's
Xero (issue 18).

Two organisations, each with its two tracking categories (Xero allows two active ones; the demo
organisations have "Region" and "Line of Business", so the test maps onto them rather than creating a
third): the UK one fills Region from the company's territory and Line of Business from each line's
department, the AU one Region from the company type and Line of Business from organizational level 2.
Skip rules: UK skips totals under 1.00 (an invoice of 0.40 and a credit note of -0.40) and invoices
flagged by their own UDF; AU skips documents of companies flagged by a company UDF (an invoice and a
purchase order of the same vendor). The documents sent land with the right Tracking, read back over HTTP;
the skipped ones are nowhere in Xero and the run report lists them under their rule. A rerun of the same
records (through the other CLI) writes nothing. Then the UK invoice is voided in Autotask and flagged
"do not sync": a void is never skipped, so it is voided in Xero, which an earlier run wrote it to.
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
from connector_kit.run_report import load_report
from sandbox import launcher

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import CATALOGS, XeroReader, script, xero_writes

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: helpers by path
from cli_configs import sandbox_config, tenant_ids

UK, AU = "Northwind MSP Ltd", "Northwind MSP Pty Ltd"
ROUTE_UDF = "Xero Organisation"
KEPT = "not sent: Xero keeps what an earlier run wrote, if anything"


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        yield running


def _config(info: dict[str, Any], tmp: Path) -> Path:
    ids = tenant_ids(info)
    tenants = [
        {
            "tenant_id": ids[UK],
            "name": UK,
            "route": {"company_udf": {"name": ROUTE_UDF, "values": ["UK"]}},
            "mappings": {
                "tax": {"by_region": {"UK VAT": "OUTPUT2"}},
                "tracking": [
                    {
                        "category": "Region",
                        "source": "territory",
                        "options": {"London & South East": "United Kingdom", "Dublin": "Ireland"},
                    },
                    {
                        "category": "line of business",  # Xero's spelling comes back from Xero's list
                        "source": "department",
                        "options": {"Service Desk": "Managed Services", "Project Delivery": "projects"},
                    },
                ],
                "skip": {
                    "below_total": "1.00",
                    "invoice_udf": {"name": "Do Not Sync", "values": ["yes"]},
                },
            },
        },
        {
            "tenant_id": ids[AU],
            "name": AU,
            "route": {"company_udf": {"name": ROUTE_UDF, "values": ["AU"]}},
            "mappings": {
                "tax": {"by_region": {"Australia GST": "OUTPUT"}, "purchase": "INPUT"},
                "tracking": [
                    {
                        "category": "Region",
                        "source": "company_type",
                        "options": {"Customer": "Australia"},
                    },
                    {"category": "Line of Business", "source": "organizational_level_2"},
                ],
                "skip": {"company_udf": {"name": "xero sync", "values": ["No"]}},
            },
        },
    ]
    return sandbox_config(info, tmp, {"accounts": {"default": "200", "purchase": "300"}}, tenants)


def _company(cid: int, name: str, org: str, *udfs: tuple[str, str], **fields: Any) -> dict[str, Any]:
    values = [{"name": ROUTE_UDF, "value": org}, *({"name": n, "value": v} for n, v in udfs)]
    return {"id": cid, "companyName": name, "userDefinedFields": values, **fields}


def _line(lid: int, price: str, rate: str, region: str, **fields: Any) -> dict[str, Any]:
    ext = Decimal(price)
    return {
        "id": lid,
        "description": f"Work {lid}",
        "quantity": "1",
        "rate": price,
        "extendedPrice": price,
        "taxDollars": str(ext * Decimal(rate)),
        "taxCategoryName": "Labour",
        "taxRegionName": region,
        **fields,
    }


def _invoice(iid: int, company: dict[str, Any], lines: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    total = sum(Decimal(ln["extendedPrice"]) + Decimal(ln["taxDollars"]) for ln in lines)
    return {
        "id": iid,
        "invoiceNumber": f"TS-{iid}",
        "invoiceDateTime": "2026-09-03T00:00:00.000Z",
        "invoiceTotal": str(total),
        "totalTaxValue": str(sum(Decimal(ln["taxDollars"]) for ln in lines)),
        "isVoided": False,
        "company": company,
        "lines": lines,
        "lineCount": len(lines),
        **fields,
    }


UK_CO = _company(9101, "Tracking Test Ltd", "UK", territoryName="London & South East")
AU_CO = _company(9102, "Tracking Test Pty Ltd", "AU", companyTypeName="Customer")
FLAGGED = _company(9103, "No Sync Pty Ltd", "AU", ("Xero Sync", "NO"), companyTypeName="Vendor")
UK_SENT = _invoice(
    9201,
    UK_CO,
    [
        _line(92011, "10.00", "0.2", "UK VAT", departmentName="Service Desk"),
        _line(92012, "20.00", "0.2", "UK VAT", departmentName="Project Delivery"),
    ],
)
INVOICES = [
    UK_SENT,
    _invoice(9202, UK_CO, [_line(92021, "0.40", "0", "UK VAT")]),  # under 1.00
    _invoice(9203, UK_CO, [_line(92031, "-0.40", "0", "UK VAT")]),  # a credit note of -0.40: the same
    _invoice(
        9204,
        UK_CO,
        [_line(92041, "50.00", "0.2", "UK VAT", departmentName="Service Desk")],
        userDefinedFields=[{"name": "Do Not Sync", "value": "Yes"}],
    ),
    _invoice(
        9205, AU_CO, [_line(92051, "10.00", "0.1", "Australia GST", organizationalLevel2Name="Projects")]
    ),
    _invoice(9206, FLAGGED, [_line(92061, "99.00", "0.1", "Australia GST")]),  # its company is flagged
]
PURCHASE_ORDERS = [
    {
        "id": 9301,
        "vendor": FLAGGED,
        "createDateTime": "2026-09-03T00:00:00.000Z",
        "status": 1,
        "items": [{"id": 93011, "quantity": "3", "unitCost": "25.00", "memo": "Switch"}],
    }
]


def _singer_input(invoices: list[dict[str, Any]], pos: list[dict[str, Any]]) -> str:
    schema = {"type": "object", "properties": {"id": {"type": "integer"}}}
    lines: list[dict[str, Any]] = []
    for stream, records in (("invoices", invoices), ("purchase_orders", pos)):
        lines.append({"type": "SCHEMA", "stream": stream, "schema": schema, "key_properties": ["id"]})
        lines += [{"type": "RECORD", "stream": stream, "record": r} for r in records]
    lines.append({"type": "STATE", "value": {"bookmarks": {"invoices": {"cursor": 1}}}})
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def _airbyte_input(invoices: list[dict[str, Any]], pos: list[dict[str, Any]]) -> str:
    lines: list[dict[str, Any]] = [
        {"type": "RECORD", "record": {"stream": stream, "data": r, "emitted_at": 0}}
        for stream, records in (("invoices", invoices), ("purchase_orders", pos))
        for r in records
    ]
    state = {"stream_descriptor": {"name": "invoices"}, "stream_state": {"cursor": 1}}
    lines.append({"type": "STATE", "state": {"type": "STREAM", "stream": state}})
    return "\n".join(json.dumps(x) for x in lines) + "\n"


def _run(cli: str, config: Path, invoices: list[dict[str, Any]], pos: list[dict[str, Any]]) -> Any:
    if cli == "singer":
        command, stdin = [script("target-xero"), "--config", str(config)], _singer_input(invoices, pos)
    else:
        catalog = str(CATALOGS / "configured_catalog.json")
        command = [script("destination-xero"), "write", "--config", str(config), "--catalog", catalog]
        stdin = _airbyte_input(invoices, pos)
    proc = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return load_report(config.parent / "run-report.json")


def _by_number(reader: XeroReader, tenant: str) -> dict[str, dict[str, Any]]:
    found = {i["InvoiceNumber"]: i for i in reader.all(tenant, "Invoices")}
    found.update({c["CreditNoteNumber"]: c for c in reader.all(tenant, "CreditNotes")})
    return found


def _tracking(document: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [[(t["Name"], t["Option"]) for t in line.get("Tracking") or []] for line in document["LineItems"]]


def _skips(report: Any, name: str) -> dict[str, list[str]]:
    org = next(o for o in report.organisations if o.name == name)
    return {group.example: group.documents for group in org.skips}


def test_tracking_sources_and_skip_rules_end_to_end(sb: Any, tmp_path: Path) -> None:
    sb.reset()
    config = _config(sb.info, tmp_path)
    before = xero_writes(sb.admin("xero", "stats"))
    report = _run("singer", config, INVOICES, PURCHASE_ORDERS)
    first = xero_writes(sb.admin("xero", "stats")) - before
    assert first > 0

    reader = XeroReader(sb.info, json.loads((tmp_path / "token.json").read_text())["refresh_token"])
    uk, au = _by_number(reader, UK), _by_number(reader, AU)
    assert _tracking(uk["TS-9201"]) == [
        [("Region", "United Kingdom"), ("Line of Business", "Managed Services")],
        [("Region", "United Kingdom"), ("Line of Business", "Projects")],
    ]
    assert _tracking(au["TS-9205"]) == [[("Region", "Australia"), ("Line of Business", "Projects")]]
    assert {"TS-9202", "TS-9203", "TS-9204"}.isdisjoint(uk) and "TS-9206" not in au
    assert not [po for po in reader.all(AU, "PurchaseOrders") if po["PurchaseOrderNumber"] == "9301"]

    assert _skips(report, UK) == {
        f"skip rule mappings.skip.below_total: total 0.40 is under 1.00; {KEPT}": ["TS-9202"],
        f"skip rule mappings.skip.below_total: total -0.40 (0.40 in absolute value) is under 1.00; {KEPT}": [
            "TS-9203"
        ],
        f"skip rule mappings.skip.invoice_udf: invoice UDF 'Do Not Sync' is 'Yes'; {KEPT}": ["TS-9204"],
    }
    assert _skips(report, AU) == {
        f"skip rule mappings.skip.company_udf: company UDF 'xero sync' is 'NO'; {KEPT}": ["TS-9206"],
        f"skip rule mappings.skip.company_udf: vendor UDF 'xero sync' is 'NO'; {KEPT}": ["9301"],
    }
    uk_org = next(o for o in report.organisations if o.name == UK)
    assert uk_org.count("invoice", "created") == 1 and uk_org.count("invoice", "skipped") == 2
    assert uk_org.count("credit_note", "skipped") == 1 and not uk_org.rejections
    assert not (tmp_path / "rejected.jsonl").exists()

    # the same records again, through the other CLI: nothing to write, the skips reported as before
    mark = xero_writes(sb.admin("xero", "stats"))
    again = _run("airbyte", config, INVOICES, PURCHASE_ORDERS)
    assert xero_writes(sb.admin("xero", "stats")) == mark
    assert next(o for o in again.organisations if o.name == UK).count("invoice", "unchanged") == 1
    assert _skips(again, UK) == _skips(report, UK) and _skips(again, AU) == _skips(report, AU)

    # voided in Autotask and flagged "do not sync" afterwards: the void still reaches Xero
    voided = {**UK_SENT, "isVoided": True, "userDefinedFields": [{"name": "Do Not Sync", "value": "yes"}]}
    last = _run("singer", config, [voided], [])
    assert _by_number(reader, UK)["TS-9201"]["Status"] == "VOIDED"
    assert next(o for o in last.organisations if o.name == UK).count("invoice", "updated") == 1
