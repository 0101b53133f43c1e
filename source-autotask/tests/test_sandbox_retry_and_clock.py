"""Window streams against the sandbox: the retry list, and dates the sandbox's own clock says are ahead.

The sandbox dates every response (`Date`) from its clock, which a test can move forward; the session
sandbox's clock is never moved here, and the one test that moves it starts a sandbox of its own.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from source_autotask.records.project import parse_datetime
from source_autotask.streams.specs import STREAMS

from .test_sandbox_streams import patch_invoice, raw_all, session

FUTURE_PAID = "2027-11-10T00:00:00"


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def filters(sb: Any, entity: str) -> list[list[dict[str, Any]]]:
    """The filter of every logged query of an entity, GET or POST."""
    out = []
    for entry in sb.admin("autotask", "requests"):
        if entry["path"].endswith(f"/{entity}/query"):
            body = entry["body"] if entry["method"] == "POST" else json.loads(entry["query"]["search"])
            out.append(body["filter"])
    return out


def old_documents(sb: Any, stream: str, cursor: str, lookback_days: int = 14) -> list[dict[str, Any]]:
    """Documents of the demo data whose every moving date is before the window of `cursor`."""
    spec = STREAMS[stream]
    lower = pendulum.parse(cursor).subtract(days=lookback_days + 1)
    rows = raw_all(sb, spec.entity)
    out = []
    for row in rows:
        dates = [parse_datetime(row.get(name)) for name in spec.cursor_fields]
        if all(d is None or d < lower for d in dates) and (stream != "invoices" or row.get("invoiceNumber")):
            out.append(row)
    return out


@pytest.fixture
def first(sandbox: Any) -> dict[str, Any]:
    sync = session(sandbox)
    invoices = {i["id"]: i for i in sync.read("invoices")}
    orders = {o["id"]: o for o in sync.read("purchase_orders")}
    return {"invoices": invoices, "purchase_orders": orders, "states": dict(sync.states), "sync": sync}


# -- the retry list -------------------------------------------------------------------------------------


def test_retry_documents_are_sent_again_however_old(
    sandbox: Any, first: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    state = first["states"]["invoices"]
    old = old_documents(sandbox, "invoices", state["cursor"])[0]["id"]
    held = first["sync"].held_back["invoices"][0]
    recent = max(first["invoices"])  # inside the window, fingerprint unchanged
    gone = 99_999_001
    assert str(old) not in state["fingerprints"] and str(recent) in state["fingerprints"]
    assert list(session(sandbox).read("invoices", state)) == []  # without a retry list: nothing

    sandbox.reset()
    again = session(sandbox)
    with caplog.at_level(logging.WARNING, logger="source_autotask"):
        emitted = list(again.read("invoices", {**state, "retry": [recent, gone, old, held]}))
    assert sorted(i["id"] for i in emitted) == sorted([old, recent])  # each once
    by_id = {i["id"]: i for i in emitted}
    assert by_id[old] == first["invoices"][old]  # assembled like a window document: lines, company
    assert by_id[old]["lines"] and by_id[old]["company"]["companyName"]
    out = again.states["invoices"]
    assert out["retry"] == sorted([old, held, recent])  # sorted, held-back kept, the vanished one dropped
    assert out["cursor"] == state["cursor"] and out["fingerprints"] == state["fingerprints"]
    assert [w for w in warnings(caplog) if "retry" in w] == [
        "invoices: 1 document(s) to send again no longer exist in Autotask and leave the retry list: "
        f"ids {gone}"
    ]
    # Only the ids the window did not return are asked for by id.
    by_id_queries = [f for f in filters(sandbox, "Invoices") if f[0]["op"] == "in"]
    assert [sorted(f[0]["value"]) for f in by_id_queries] == [sorted([old, gone])]


def test_retry_ids_are_asked_for_in_lists_of_500(sandbox: Any, first: dict[str, Any]) -> None:
    state = first["states"]["invoices"]
    old = old_documents(sandbox, "invoices", state["cursor"])[0]["id"]
    retry = [old, *range(90_000_000, 90_001_199)]
    sandbox.reset()
    again = session(sandbox)
    emitted = list(again.read("invoices", {**state, "retry": retry}))
    assert [i["id"] for i in emitted] == [old]
    sizes = [len(f[0]["value"]) for f in filters(sandbox, "Invoices") if f[0]["op"] == "in"]
    assert sizes == [500, 500, 200]
    assert again.states["invoices"]["retry"] == [old]


def test_retry_list_of_purchase_orders(sandbox: Any, first: dict[str, Any]) -> None:
    state = first["states"]["purchase_orders"]
    old = old_documents(sandbox, "purchase_orders", state["cursor"])[0]["id"]
    again = session(sandbox)
    emitted = list(again.read("purchase_orders", {**state, "retry": [old]}))
    assert emitted == [first["purchase_orders"][old]] and emitted[0]["items"]
    assert again.states["purchase_orders"]["retry"] == [old]


def test_an_empty_retry_list_is_kept_and_no_list_is_not_added(sandbox: Any, first: dict[str, Any]) -> None:
    state = first["states"]["invoices"]
    assert "retry" not in state
    again = session(sandbox)
    list(again.read("invoices", {**state, "retry": []}))
    assert again.states["invoices"]["retry"] == []


def test_a_retry_list_alone_reads_the_window_from_the_start(sandbox: Any, first: dict[str, Any]) -> None:
    """The destination may write a retry list before any cursor exists: it is a whole state."""
    some = sorted(first["invoices"])[:2]
    again = session(sandbox)
    emitted = {i["id"] for i in again.read("invoices", {"retry": some})}
    assert emitted == set(first["invoices"])
    assert again.states["invoices"]["retry"] == some


# -- dates after the start ------------------------------------------------------------------------------


def test_a_future_date_is_emitted_but_kept_out_of_the_cursor(
    sandbox: Any, first: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    state = first["states"]["invoices"]
    old = old_documents(sandbox, "invoices", state["cursor"])[0]
    patch_invoice(sandbox, {"id": old["id"], "paidDate": FUTURE_PAID})
    warning = (
        f"invoice {old['invoiceNumber']} (id {old['id']}): paidDate 2027-11-10 is in the future; "
        "kept out of the cursor, re-read every sync"
    )

    second = session(sandbox)
    with caplog.at_level(logging.WARNING, logger="source_autotask"):
        emitted = list(second.read("invoices", state))
    assert [i["id"] for i in emitted] == [old["id"]]
    assert emitted[0]["paidDate"].startswith("2027-11-10")
    after = second.states["invoices"]
    assert after["cursor"] == state["cursor"]  # not 2027-11-10
    assert pendulum.parse(after["cursor"]) <= second.client.start_time()
    assert str(old["id"]) in after["fingerprints"]  # so it is not re-sent while unchanged
    assert warning in warnings(caplog)

    caplog.clear()
    third = session(sandbox)
    with caplog.at_level(logging.WARNING, logger="source_autotask"):
        assert list(third.read("invoices", after)) == []  # re-read (warned again), not re-sent
    assert warning in warnings(caplog)
    assert third.states["invoices"]["cursor"] == state["cursor"]


def test_a_saved_window_cursor_in_the_future_reads_from_start_date(
    sandbox: Any, first: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    state = first["states"]["invoices"]
    stale = {**state, "cursor": "2099-01-01T00:00:00.000Z"}
    again = session(sandbox, start_date="2026-10-01")
    with caplog.at_level(logging.WARNING, logger="source_autotask"):
        emitted = list(again.read("invoices", stale))
    start = again.client.start_time()
    assert (
        "invoices: the saved cursor 2099-01-01T00:00:00.000Z is later than Autotask's clock at the start of "
        f"this sync ({start.format('YYYY-MM-DDTHH:mm:ss.SSS')}Z), so it cannot be trusted; reading again "
        "from start_date 2026-10-01 (documents already sent unchanged are not sent again)"
    ) in warnings(caplog)
    [window] = [f for f in filters(sandbox, "Invoices") if f[0]["field"] != "id"]
    assert [(f["op"], f["field"], f["value"][:19]) for f in window] == [
        ("gte", "createDateTime", "2026-10-01T00:00:00")
    ]
    # Fingerprints still hold: only documents created since start_date that had none are sent.
    created_since = {i for i, inv in first["invoices"].items() if inv["createDateTime"] >= "2026-10-01"}
    assert {i["id"] for i in emitted} == created_since - {int(k) for k in state["fingerprints"]}
    assert again.states["invoices"]["cursor"] == state["cursor"]


# -- the sandbox's clock moved: its Date header, not the local clock, decides ----------------------------


@pytest.fixture
def own_sandbox() -> Iterator[Any]:
    from sandbox.launcher import running_sandbox

    with running_sandbox("demo", seed=1, rate_limits="off") as sb:
        yield sb


def test_the_start_is_the_sandboxs_clock_not_the_local_one(
    own_sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sb = own_sandbox
    invoices = raw_all(sb, "Invoices")
    invoice = next(i for i in invoices if i.get("invoiceNumber"))
    patch_invoice(sb, {"id": invoice["id"], "paidDate": FUTURE_PAID})
    for number, held in enumerate(i for i in invoices if not i.get("invoiceNumber")):  # no cursor pinned
        patch_invoice(sb, {"id": held["id"], "invoiceNumber": f"CLOCK-{number}"})
    sb.admin("autotask", "clock", {"advance_seconds": 2 * 365 * 86_400})  # the server lives in 2028
    server_now = pendulum.parse(sb.admin("autotask", "clock")["now"])
    sync = session(sb)
    with caplog.at_level(logging.WARNING, logger="source_autotask"):
        emitted = {i["id"] for i in sync.read("invoices")}
    start = sync.client.start_time()
    assert sync.client.clock.from_server
    assert abs((start - server_now).total_seconds()) < 60
    assert invoice["id"] in emitted
    assert not [w for w in warnings(caplog) if "future" in w]
    assert sync.states["invoices"]["cursor"] == "2027-11-10T00:00:00.000Z"  # in the past for the server
