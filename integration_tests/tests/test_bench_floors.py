"""The time floor of `bench/floors.py`: the true sliding-window minimum, checked against hand-computed
schedules (the first window's burst, the day limit, the concurrency limit), and the benchmark's wall ÷
limits row computed from the floor's calls, never the calls made."""

from __future__ import annotations

from collections import Counter

import pytest
from bench import floors, scenarios
from bench.floors import Window, window_minimum
from bench.measure import PipeRun, ProcessResult

MINUTE = [Window(60, 60.0)]


@pytest.mark.parametrize(
    ("calls", "seconds"),
    [
        (0, 0.0),
        (1, 0.0),
        (60, 0.0),  # the first window's burst: 60 calls may start at once
        (61, 60.0),  # the 61st waits until the first leaves the window
        (120, 60.0),
        (121, 120.0),
        (122, 120.0),  # not 122/60 minutes = 122 s (the steady-state figure)
        (180, 120.0),
        (181, 180.0),
    ],
)
def test_minute_window_by_hand(calls: int, seconds: float) -> None:
    assert window_minimum(calls, MINUTE) == pytest.approx(seconds)


def test_scaled_windows_and_the_day_limit() -> None:
    windows = floors.xero_windows(factor=4.0, day_limit=1000)  # minute 15 s, day 21,600 s
    assert window_minimum(122, windows) == pytest.approx(30.0)
    # 1,000 calls: 16 full windows after the first burst (960..999 start at 16 x 15 s).
    assert window_minimum(1000, windows) == pytest.approx(240.0)
    # The 1,001st waits for the first call to leave the day; 60 more may then start together.
    assert window_minimum(1001, windows) == pytest.approx(21_600.0)
    assert window_minimum(1060, windows) == pytest.approx(21_600.0)
    assert window_minimum(1061, windows) == pytest.approx(21_615.0)


def test_concurrency_binds_only_when_calls_take_time() -> None:
    assert window_minimum(11, MINUTE, concurrent=5, call_seconds=0.0) == 0.0
    # 5 in flight, 1 s each: calls 0-4 run in [0, 1], 5-9 in [1, 2], the 11th in [2, 3].
    assert window_minimum(10, MINUTE, concurrent=5, call_seconds=1.0) == pytest.approx(2.0)
    assert window_minimum(11, MINUTE, concurrent=5, call_seconds=1.0) == pytest.approx(3.0)
    # Call 60 may start at 60 s (window), later than its concurrency slot (t_55 + 1 = 12 s).
    assert window_minimum(61, MINUTE, concurrent=5, call_seconds=1.0) == pytest.approx(61.0)


def test_greedy_schedule_matches_the_closed_form_of_the_docstring() -> None:
    day, minute, day_seconds, minute_seconds = 1000, 60, 86_400.0, 60.0
    windows = [Window(minute, minute_seconds), Window(day, day_seconds)]
    for n in (*range(1, 200), 999, 1000, 1001, 1059, 1060, 1061, 1999, 2000, 2001, 2500):
        k = n - 1
        closed = k // day * day_seconds + (k % day) // minute * minute_seconds
        assert window_minimum(n, windows) == pytest.approx(closed), n


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError):
        window_minimum(-1, MINUTE)
    with pytest.raises(ValueError):
        window_minimum(1, [Window(0, 60.0)])
    with pytest.raises(ValueError):
        floors.xero_windows(factor=0)


def test_limit_minimum_takes_the_slowest_of_the_organisations_and_autotask() -> None:
    found = floors.limit_minimum({"uk": 122, "au": 58, "us": 61}, autotask_floor=124, factor=4.0)
    assert found["xero_seconds"] == {"uk": 30.0, "au": 0.0, "us": 15.0}
    assert found["seconds"] == pytest.approx(30.0)
    assert found["autotask_seconds"] == 0.0
    # Autotask decides when it is the tighter limit: 20,001 calls need two full hours.
    assert floors.limit_minimum({"uk": 1}, 20_001)["seconds"] == pytest.approx(7200.0)
    # One organisation after another: their calls in one sequence of windows.
    assert floors.serial_limit_minimum({"uk": 122, "au": 58, "us": 61}, factor=4.0) == pytest.approx(60.0)


def _stage(calls_per_tenant: int, written: int) -> scenarios.Stage:
    """A first sync that wrote `written` invoices into one organisation with `calls_per_tenant` calls."""
    summary = {
        "Org": {"tenant_id": "t1", "documents": {"invoice": {"create": written}}, "throttled": 0},
    }
    pipe = PipeRun(ProcessResult("source", 0, 1.0, 50.0), ProcessResult("destination", 0, 1.0, 50.0), 90.0)
    pipe.summary = summary
    calls: Counter[scenarios.CallKey] = Counter(
        {("xero", "POST", "/api.xro/2.0/Invoices", "t1"): calls_per_tenant, ("autotask", "GET", "/q", ""): 5}
    )
    return scenarios.Stage("first", pipe, calls, 0.5)


def test_more_calls_never_make_a_sync_look_closer_to_its_limit() -> None:
    """The ratio divides by the floor's minimum: a sync making twice the calls for the same documents
    gets the same minimum, hence the same ratio for the same wall time."""
    lean, wasteful = _stage(122, 6100), _stage(244, 6100)
    rows = [scenarios.limit_row(s, lines=0, invoices=0, factor=4.0) for s in (lean, wasteful)]
    assert rows[0]["xero_floor_per_tenant"] == rows[1]["xero_floor_per_tenant"] == {"Org": 122}
    assert rows[0]["limit_seconds"] == rows[1]["limit_seconds"] == pytest.approx(30.0)
    assert rows[0]["ratio"] == rows[1]["ratio"] == pytest.approx(90.0 / 30.0)
    assert rows[1]["xero_calls_per_tenant"] == {"Org": 244}


def test_no_ratio_when_the_floor_fits_the_first_window() -> None:
    row = scenarios.limit_row(_stage(10, 500), lines=0, invoices=0, factor=4.0)
    assert row["limit_seconds"] == 0.0 and row["ratio"] is None
