"""The core against the running sandbox over HTTP: schemas, paging, operators, incremental rules, errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
import requests
from autotask_client.client import AutotaskClient, parse_json
from autotask_client.query import F, Query, all_of, any_of
from source_autotask.check import check
from source_autotask.config import SourceConfig
from source_autotask.schemas import load_schema
from source_autotask.streams.specs import STREAMS
from source_autotask.sync import SyncSession

from .conftest import sandbox_config


def session(sb: Any, **extra: Any) -> SyncSession:
    return SyncSession(SourceConfig.from_mapping(sandbox_config(sb, **extra)))


def api(sb: Any) -> tuple[str, dict[str, str]]:
    autotask = sb.info["autotask"]
    headers = {
        "ApiIntegrationCode": autotask["integration_code"],
        "UserName": autotask["username"],
        "Secret": autotask["secret"],
        "Content-Type": "application/json",
    }
    return autotask["base_url"] + "v1.0/", headers


def raw_all(sb: Any, entity: str) -> list[dict[str, Any]]:
    base, headers = api(sb)
    body = {"filter": [{"op": "gte", "field": "id", "value": 0}], "MaxRecords": 500}
    url: str | None = base + entity + "/query"
    rows: list[dict[str, Any]] = []
    while url:
        response = requests.post(url, json=body, headers=headers, timeout=30)
        response.raise_for_status()
        payload = parse_json(response.text)
        rows += payload["items"]
        url = payload["pageDetails"]["nextPageUrl"]
    return rows


def patch_invoice(sb: Any, body: dict[str, Any]) -> None:
    base, headers = api(sb)
    response = requests.patch(base + "Invoices", json=body, headers=headers, timeout=30)
    assert response.status_code == 200, response.text


def calls(sb: Any, fragment: str) -> int:
    return sum(c["count"] for c in sb.admin("autotask", "stats")["calls"] if fragment in c["path"])


def test_every_stream_validates_against_its_schema(sandbox: Any) -> None:
    sync = session(sandbox)
    for name in STREAMS:
        records = list(sync.read(name))
        assert records, f"{name} read nothing from the demo dataset"
        validator = jsonschema.Draft7Validator(load_schema(name))
        for record in records:
            errors = sorted(validator.iter_errors(record), key=str)
            assert not errors, f"{name} id {record.get('id')}: {errors[0].message} at {list(errors[0].path)}"
        assert len({r["id"] for r in records}) == len(records), f"{name} emitted duplicates"


def test_invoices_are_self_contained_and_add_up(sandbox: Any) -> None:
    invoices = list(session(sandbox).read("invoices"))
    raw_lines = raw_all(sandbox, "BillingItems")
    by_invoice: dict[int, int] = {}
    for line in raw_lines:
        if line.get("invoiceID"):
            by_invoice[line["invoiceID"]] = by_invoice.get(line["invoiceID"], 0) + 1
    for invoice in invoices:
        assert invoice["invoiceNumber"]
        assert invoice["lineCount"] == by_invoice.get(invoice["id"], 0) == len(invoice["lines"])
        assert invoice["company"]["id"] == invoice["companyID"] and invoice["company"]["companyName"]
        assert invoice["currency"] and invoice["currency"]["exchangeRate"] is not None
        assert isinstance(invoice["invoiceTotal"], Decimal)
        assert invoice["linesTotal"] + invoice["linesTaxTotal"] == invoice["invoiceTotal"], invoice["id"]
        assert invoice["linesTaxTotal"] == invoice["totalTaxValue"], invoice["id"]
        assert invoice["invoiceTemplateName"] and invoice["paymentTermName"]
        for line in invoice["lines"]:
            assert line["invoiceID"] == invoice["id"]
            assert line["billingItemTypeName"], line["id"]
            assert line["organizationalLevel2Name"], line["id"]
            assert line["taxCategoryName"], line["id"]
    with_products = [line for inv in invoices for line in inv["lines"] if line["productID"]]
    assert with_products and all(line["productName"] for line in with_products)


def test_paging_across_three_pages_repeats_method_and_body(sandbox: Any) -> None:
    total = len([i for i in raw_all(sandbox, "Invoices") if i.get("invoiceNumber")])
    sandbox.reset()
    sync = session(sandbox, page_size=100)
    invoices = list(sync.read("invoices"))
    assert len(invoices) == total and total > 200
    assert len({i["id"] for i in invoices}) == total
    logged = [r for r in sandbox.admin("autotask", "requests") if "/Invoices/query" in r["path"]]
    assert len(logged) >= 3
    assert len({r["method"] for r in logged}) == 1


def test_long_queries_are_posted_across_pages(sandbox: Any) -> None:
    client = session(sandbox, page_size=10).client
    ids = [row["id"] for row in raw_all(sandbox, "BillingItems")][:300]
    sandbox.reset()
    rows = list(client.query(Query("BillingItems", (F("id").in_(ids),), max_records=10)))
    assert sorted(r["id"] for r in rows) == sorted(ids)
    logged = [r for r in sandbox.admin("autotask", "requests") if "/BillingItems/query" in r["path"]]
    assert len(logged) == 30 and {r["method"] for r in logged} == {"POST"}


def _matches(row: dict[str, Any], field: str, test: Callable[[Any], bool]) -> bool:
    value = row.get(field)
    return value is not None and test(value)


OPERATOR_CASES: list[tuple[str, Callable[[list[dict[str, Any]]], Any], Callable[[dict[str, Any]], bool]]] = []


def test_every_filter_operator_returns_exactly_the_matching_rows(sandbox: Any) -> None:
    companies = raw_all(sandbox, "Companies")
    client = session(sandbox).client
    pivot = companies[len(companies) // 2]
    name = pivot["companyName"]
    ids = [c["id"] for c in companies[:5]]

    def run(*filters: Any) -> set[int]:
        return {r["id"] for r in client.query(Query("Companies", tuple(filters)))}

    def expect(predicate: Callable[[dict[str, Any]], bool]) -> set[int]:
        return {c["id"] for c in companies if predicate(c)}

    low = name.lower()
    cases = {
        "eq": (run(F("id").eq(pivot["id"])), expect(lambda c: c["id"] == pivot["id"])),
        "noteq": (run(F("id").noteq(pivot["id"])), expect(lambda c: c["id"] != pivot["id"])),
        "gt": (run(F("id").gt(pivot["id"])), expect(lambda c: c["id"] > pivot["id"])),
        "gte": (run(F("id").gte(pivot["id"])), expect(lambda c: c["id"] >= pivot["id"])),
        "lt": (run(F("id").lt(pivot["id"])), expect(lambda c: c["id"] < pivot["id"])),
        "lte": (run(F("id").lte(pivot["id"])), expect(lambda c: c["id"] <= pivot["id"])),
        "beginsWith": (
            run(F("companyName").begins_with(name[:3])),
            expect(lambda c: str(c["companyName"]).lower().startswith(low[:3])),
        ),
        "endsWith": (
            run(F("companyName").ends_with(name[-3:])),
            expect(lambda c: str(c["companyName"]).lower().endswith(low[-3:])),
        ),
        "contains": (
            run(F("companyName").contains(name[1:4])),
            expect(lambda c: low[1:4] in str(c["companyName"]).lower()),
        ),
        "exist": (run(F("parentCompanyID").exists()), expect(lambda c: c.get("parentCompanyID") is not None)),
        "notExist": (
            run(F("parentCompanyID").not_exists()),
            expect(lambda c: c.get("parentCompanyID") is None),
        ),
        "in": (run(F("id").in_(ids)), set(ids)),
        "notIn": (run(F("id").not_in(ids)), expect(lambda c: c["id"] not in ids)),
        "or": (run(any_of(F("id").eq(ids[0]), F("id").eq(ids[1]))), {ids[0], ids[1]}),
        "and": (run(all_of(F("id").gte(ids[1]), F("id").lte(ids[3]))), {ids[1], ids[2], ids[3]}),
        "dates": (
            run(F("createDate").gte(_dt(pivot["createDate"]))),
            expect(lambda c: _matches(c, "createDate", lambda v: _dt(v) >= _dt(pivot["createDate"]))),
        ),
        "bool": (run(F("isTaxExempt").eq(True)), expect(lambda c: c.get("isTaxExempt") is True)),
    }
    for op, (got, want) in cases.items():
        assert got == want, f"operator {op}: got {len(got)} rows, expected {len(want)}"
        assert want or op in ("exist", "bool"), f"operator {op} was not exercised"


def _dt(text: str) -> Any:
    import pendulum

    return pendulum.parse(text)


def test_incremental_resume_returns_only_new_or_changed(sandbox: Any) -> None:
    first = session(sandbox)
    invoices = list(first.read("invoices"))
    state = first.states["invoices"]
    companies = list(first.read("companies"))
    company_state = first.states["companies"]
    assert invoices and companies and state["cursor"]

    again = session(sandbox)
    assert list(again.read("invoices", state)) == []
    assert list(again.read("companies", company_state)) == [
        c
        for c in companies
        if c["lastTrackedModifiedDateTime"] == company_state["cursor"]
        or c["createDate"] == company_state["cursor"]
    ]

    recent = invoices[-1]
    patch_invoice(sandbox, {"id": recent["id"], "paidDate": "2026-11-01T00:00:00"})
    third = session(sandbox)
    changed = list(third.read("invoices", state))
    assert [i["id"] for i in changed] == [recent["id"]]
    assert changed[0]["paidDate"].startswith("2026-11-01")
    assert list(session(sandbox).read("invoices", third.states["invoices"])) == []


def test_held_back_invoices_are_emitted_once_numbered(sandbox: Any) -> None:
    unnumbered = [i for i in raw_all(sandbox, "Invoices") if not i.get("invoiceNumber")]
    assert unnumbered, "the demo dataset should contain invoices still being invoiced"
    first = session(sandbox)
    emitted = {i["id"] for i in first.read("invoices")}
    assert not emitted & {i["id"] for i in unnumbered}
    assert first.held_back["invoices"] == sorted(i["id"] for i in unnumbered)
    target = unnumbered[0]
    patch_invoice(sandbox, {"id": target["id"], "invoiceNumber": "HELD-1"})
    second = session(sandbox)
    again = list(second.read("invoices", first.states["invoices"]))
    assert [i["id"] for i in again] == [target["id"]] and again[0]["invoiceNumber"] == "HELD-1"
    assert len(again[0]["lines"]) == again[0]["lineCount"]


def test_check_accepts_good_credentials(sandbox: Any) -> None:
    ok, message = check(SourceConfig.from_mapping(sandbox_config(sandbox)))
    assert ok, message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"secret": "wrong-secret-value"}, "secret"),
        ({"username": "nobody@sandbox.example"}, "username"),
        ({"integration_code": "WRONGCODE0000000000000000000"}, "integration_code"),
    ],
)
def test_check_rejects_bad_credentials_clearly(sandbox: Any, change: dict[str, str], words: str) -> None:
    config = sandbox_config(sandbox, **change)
    ok, message = check(SourceConfig.from_mapping(config))
    assert not ok and message
    assert words in message or words.replace("_", " ") in message.lower(), message
    for secret in (sandbox.info["autotask"]["secret"], config["secret"], config["integration_code"]):
        assert secret not in message


def test_transient_faults_are_retried_without_losing_records(sandbox: Any) -> None:
    clean = list(session(sandbox).read("invoices"))
    sandbox.reset()
    sandbox.admin("autotask", "faults", {"rate": 0.3, "kinds": ["429", "500", "503", "reset"], "seed": 11})
    faulty = list(session(sandbox, max_retries=10).read("invoices"))
    stats = sandbox.admin("autotask", "stats")
    assert any(c["status"] >= 429 for c in stats["calls"]), "no fault was injected"
    assert faulty == clean


@pytest.fixture(scope="module")
def limited_sandbox() -> Any:
    """A sandbox with the real limits (windows scaled down), so the 3-thread limit is enforced."""
    from sandbox.launcher import running_sandbox

    with running_sandbox("bench:1000", seed=1, rate_limits="scaled:60") as sb:
        yield sb


# A filter the server evaluates on every row keeps each request in flight for a while.
HEAVY = Query("BillingItems", (F("id").gte(0), F("description").contains("e")))


def _hammer(sb: Any, clients: list[AutotaskClient], rounds: int = 3) -> list[int]:
    """Every client starts each query at the same instant (a barrier), so requests really overlap."""
    import threading

    results: list[int] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(clients))

    def worker(client: AutotaskClient) -> None:
        try:
            for _ in range(rounds):
                barrier.wait(timeout=60)
                results.append(len(list(client.query(HEAVY))))
        except BaseException as exc:  # reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors[0]
    return results


def test_thread_limit_errors_are_retried(limited_sandbox: Any) -> None:
    """Clients sharing one integration code (as other tools of the MSP would) hit Itgenatr005 and recover.

    The sandbox holds each call 0.2 s inside its thread slot (as a busy database does), so eight clients
    starting together overlap on any machine; the load is still repeated (up to 10 rounds) until the
    sandbox has refused at least one request; every round must still return every row to every client.
    """
    sb = limited_sandbox
    sb.reset()
    sb.admin("autotask", "latency", {"seconds": 0.2})
    config = SourceConfig.from_mapping(sandbox_config(sb, max_retries=15))
    refused: list[dict[str, Any]] = []
    for _ in range(10):
        results = _hammer(sb, [AutotaskClient(config.connection) for _ in range(8)])
        assert len(results) == 24 and len(set(results)) == 1
        logged = sb.admin("autotask", "requests")
        refused = [r for r in logged if r["status"] == 500 and "BillingItems" in r["path"]]
        if refused:
            break
    assert refused, "no thread error was provoked"


def test_one_client_never_exceeds_three_requests_per_endpoint(limited_sandbox: Any) -> None:
    sb = limited_sandbox
    sb.reset()
    client = AutotaskClient(SourceConfig.from_mapping(sandbox_config(sb, max_retries=0)).connection)
    results = _hammer(sb, [client] * 8)  # eight threads, one client: its slots keep it at 3 in flight
    assert len(results) == 24 and len(set(results)) == 1
    assert not [r for r in sb.admin("autotask", "requests") if r["status"] != 200]
