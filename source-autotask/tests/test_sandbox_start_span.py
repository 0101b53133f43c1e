"""`start_date: "90 days"` against the sandbox, whose clock (the `Date` of its responses) a test can move.

The window must be what it says: from midnight UTC of the day 90 days before Autotask's clock (not the
local one), only where no cursor is saved; a saved cursor wins, and a span never clamps its look-back.
The generated dataset is anchored at 2026-11-01 (DATASETS.md), its invoices spread over the 90 days before,
so the clock is moved to put the window's start inside them. A sandbox of its own: the clock only moves
forward, and the session sandbox's must not.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
from source_autotask.records.project import parse_datetime

from .test_sandbox_retry_and_clock import filters
from .test_sandbox_streams import raw_all, session

BOUND = pendulum.datetime(2026, 9, 15, tz="UTC")  # inside the dataset's invoices


@pytest.fixture
def own_sandbox() -> Iterator[Any]:
    from sandbox.launcher import running_sandbox

    with running_sandbox("demo", seed=1, rate_limits="off") as sb:
        yield sb


def _server_now(sb: Any, advance: float = 0) -> pendulum.DateTime:
    moved = pendulum.parse(sb.admin("autotask", "clock", {"advance_seconds": advance})["now"])
    assert isinstance(moved, pendulum.DateTime)
    return moved


def _span_to_bound(sb: Any) -> str:
    """Move the clock to 10:00 UTC of the day 90 days after BOUND and answer "90 days"; on a machine whose
    clock is already later, the span in days that reaches BOUND from its today (still counted by the
    source, from Autotask's clock)."""
    target = BOUND.add(days=90, hours=10)
    now = _server_now(sb)
    if now <= target:
        _server_now(sb, (target - now).total_seconds())
        return "90 days"
    return f"{(now.start_of('day') - BOUND).days} days"


def test_a_span_reads_from_midnight_that_many_days_before_autotasks_clock(
    own_sandbox: Any, caplog: pytest.LogCaptureFixture
) -> None:
    sb = own_sandbox
    span = _span_to_bound(sb)
    sync = session(sb, start_date=span)
    with caplog.at_level(logging.INFO, logger="source_autotask"):
        emitted = {i["id"] for i in sync.read("invoices")}
    start = sync.client.start_time()
    assert sync.client.clock.from_server

    [window] = filters(sb, "Invoices")
    assert [(f["op"], f["field"], f["value"]) for f in window] == [
        ("gte", "createDateTime", "2026-09-15T00:00:00.000")
    ]
    rows = [r for r in raw_all(sb, "Invoices") if r.get("invoiceNumber")]
    inside = {r["id"] for r in rows if parse_datetime(r["createDateTime"]) >= BOUND}
    assert emitted == inside
    assert inside and len(inside) < len(rows), "the window must cut through the dataset"
    said = f"invoices: no saved cursor, read from start_date {span!r} (2026-09-15) (Autotask's clock: "
    assert any(r.getMessage().startswith(said) for r in caplog.records), [
        r.getMessage() for r in caplog.records
    ]
    assert start.to_date_string() == BOUND.add(days=int(span.split()[0])).to_date_string()


def test_a_saved_cursor_wins_over_a_span_and_is_not_clamped_by_it(own_sandbox: Any) -> None:
    """Months later (a paused connection), the span's start is after the cursor's look-back: the read still
    goes back from the cursor, or what was billed meanwhile would never be sent."""
    sb = own_sandbox
    span = _span_to_bound(sb)
    first = session(sb, start_date=span)
    list(first.read("invoices"))
    state = first.states["invoices"]
    cursor = pendulum.parse(state["cursor"])
    assert isinstance(cursor, pendulum.DateTime)
    _server_now(sb, 120 * 86_400)  # the span now starts long after the cursor
    again = session(sb, start_date=span)
    list(again.read("invoices", state))
    lower = cursor.subtract(days=14).in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss.SSS")
    window = filters(sb, "Invoices")[-1]
    assert window[0]["op"] == "or"
    assert {(f["op"], f["value"]) for f in window[0]["items"]} == {("gte", lower)}
    assert again.config.start_from(again.client.start_time()) > cursor  # type: ignore[operator]
