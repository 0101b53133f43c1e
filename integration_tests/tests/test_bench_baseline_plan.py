"""The plain-script baseline's plan (`bench/baseline.py`) and batching (`bench/plain_script.py`), and the
start-up figures' importtime parser, on hand-made inputs: the pieces the benchmark's end-to-end run
relies on to post the same documents at the floor."""

from __future__ import annotations

from typing import Any

from bench import baseline, plain_script, startup

TENANT = "t-uk"


def _write(
    collection: str, elements: list[dict[str, Any]], query: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": f"/api.xro/2.0/{collection}",
        "query": query or {"summarizeErrors": "false"},
        "tenant": TENANT,
        "body": {collection: elements},
    }


def test_writes_regroup_per_endpoint_with_contacts_and_items_first() -> None:
    log = [
        {"method": "GET", "path": "/api.xro/2.0/Contacts", "query": {}, "tenant": TENANT, "body": None},
        _write("Invoices", [{"InvoiceNumber": "1", "Contact": {"ContactID": "old-a"}}]),
        _write(
            "Contacts", [{"Name": "A Ltd", "ContactNumber": "AT-1"}, {"ContactID": "seed-b", "Name": "B"}]
        ),
        _write("Invoices", [{"InvoiceNumber": "2", "Contact": {"ContactID": "seed-b"}}]),
        _write("Items", [{"Code": "X"}], {"summarizeErrors": "false", "unitdp": "4"}),
        _write("Contacts", [{"Name": "C Ltd"}]),
        {
            "method": "PUT",
            "path": "/api.xro/2.0/Invoices/i-1/Attachments/a.pdf",
            "tenant": TENANT,
            "body": b"",
        },
        {"method": "POST", "path": "/connect/token", "query": {}, "tenant": None, "body": {}},
    ]
    listed = [
        {"ContactID": "old-a", "ContactNumber": "AT-1", "Name": "A Ltd"},
        {"ContactID": "seed-b", "Name": "B"},
        {"ContactID": "old-c", "Name": "C Ltd"},
    ]
    groups, skipped = baseline.xero_groups(log, {TENANT: listed})
    (tenant_groups,) = groups.values()
    assert [g["collection"] for g in tenant_groups] == ["Contacts", "Items", "Invoices"]
    contacts, items, invoices = tenant_groups
    assert [e.get("Name") for e in contacts["elements"]] == ["A Ltd", "B", "C Ltd"]
    assert contacts["old_ids"] == ["old-a", None, "old-c"]  # by number, an update, by name
    assert items["params"] == {"summarizeErrors": "false", "unitdp": "4"}
    assert [e["InvoiceNumber"] for e in invoices["elements"]] == ["1", "2"]
    assert invoices["refs"] == [["old-a"], []]  # a seeded contact keeps its id after a reset
    assert skipped == {"PUT Invoices/…": 1}


def test_autotask_queries_are_the_distinct_data_queries_in_order() -> None:
    def get(path: str, search: str = "{}") -> dict[str, Any]:
        return {"method": "GET", "path": f"/atservicesrest/v1.0/{path}", "query": {"search": search}}

    log = [
        get("zoneInformation"),
        get("ThresholdInformation"),
        get("Companies/query", "a"),
        get("Invoices/query", "b"),
        get("Invoices/query/next"),
        get("Products/entityInformation/fields"),
        get("Services/query", "c"),
        get("Services/query", "c"),
        get("Companies/query", "d"),
    ]
    found = [
        (q["path"].rsplit("/v1.0/", 1)[1], q["params"]["search"]) for q in baseline.autotask_queries(log)
    ]
    assert found == [
        ("Companies/query", "a"),
        ("Invoices/query", "b"),
        ("Services/query", "c"),
        ("Companies/query", "d"),
    ]


def test_batches_hold_fifty_and_cut_before_a_reference_to_a_contact_created_in_the_same_call() -> None:
    group = {"elements": [{}] * 120, "old_ids": [None] * 120, "refs": [[] for _ in range(120)]}
    assert [len(b) for b in plain_script.batches(group)] == [50, 50, 20]
    group = {
        "elements": [{}] * 4,
        "old_ids": ["old-a", None, None, None],
        "refs": [[], [], ["old-a"], []],  # element 2 updates the contact element 0 creates
    }
    assert plain_script.batches(group) == [[0, 1], [2, 3]]
    assert plain_script.batches({"elements": [], "old_ids": [], "refs": []}) == []


def test_references_are_rewritten_to_the_new_ids() -> None:
    element = {"Contact": {"ContactID": "old-a"}, "LineItems": [{"Tracking": ["old-a", "keep"]}], "N": 3}
    assert plain_script._rewrite(element, {"old-a": "new-a"}) == {
        "Contact": {"ContactID": "new-a"},
        "LineItems": [{"Tracking": ["new-a", "keep"]}],
        "N": 3,
    }


IMPORTTIME = """\
import time: self [us] | cumulative | imported package
import time:       129 |        129 |   _io
import time:      1200 |       1500 | site
import time:       535 |        535 |   source_autotask
import time:       100 |        200 |     airbyte_cdk.models
import time:      2950 |    1364930 |   airbyte_cdk
import time:       391 |        579 |   autotask_client.errors
import time:     13708 |    1467473 | source_autotask.airbyte
"""


def test_importtime_gives_the_module_total_and_its_heaviest_direct_imports() -> None:
    found = startup.parse_importtime(IMPORTTIME, "source_autotask.airbyte", top=2)
    assert found["seconds"] == 1.467473
    assert found["heaviest"] == {"airbyte_cdk": 1.36493, "autotask_client": 0.000579}
    assert startup.parse_importtime(IMPORTTIME, "missing")["seconds"] is None
