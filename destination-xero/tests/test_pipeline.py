"""The pipeline's promises, pinned without a server: a state passes only once every document before it is
written, partial batches carry over instead of being cut, a slow lane holds back no other, the backlog
bounds memory, and a failure in a lane reaches the intake thread.

Threads are synchronised with events, never with sleeps, so the tests hold on a busy machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from destination_xero.pipeline import Lane, StateGate
from hypothesis import example, given, settings
from hypothesis import strategies as st


class Batching:
    """A work that writes only full batches of `size` unless draining, and remembers every write."""

    def __init__(self, size: int = 3) -> None:
        self.size = size
        self.written: list[list[str]] = []
        self.calls: list[tuple[int, bool]] = []
        self.lock = threading.Lock()

    def __call__(self, items: list[str], drain: bool) -> list[str]:
        with self.lock:
            self.calls.append((len(items), drain))
            full = len(items) if drain else len(items) - len(items) % self.size
            for start in range(0, full, self.size):
                self.written.append(items[start : min(start + self.size, full)])
            return items[full:]

    def flat(self) -> list[str]:
        with self.lock:
            return [item for batch in self.written for item in batch]


@pytest.fixture
def lanes() -> Iterator[list[Lane[Any]]]:
    made: list[Lane[Any]] = []
    yield made
    for lane in made:
        lane.close()


def _lane(made: list[Lane[Any]], work: Any, **kwargs: Any) -> Lane[str]:
    lane: Lane[str] = Lane("org", work, key=lambda item: item, **kwargs)
    made.append(lane)
    return lane


def test_partial_batches_carry_over_and_only_the_drain_writes_a_partial_one(lanes: list[Lane[Any]]) -> None:
    work = Batching(size=3)
    lane = _lane(lanes, work, cycle=4)
    for index in range(10):
        lane.put(f"d{index}", epoch=0)
    lane.request_drain()
    lane.wait_idle()
    assert work.flat() == [f"d{index}" for index in range(10)]  # each once, in order
    partial = [batch for batch in work.written if len(batch) < 3]
    assert len(partial) == 1 and partial[0] == ["d9"]  # one partial batch, at the very end


def test_a_state_waits_for_every_document_before_it_in_every_lane(lanes: list[Lane[Any]]) -> None:
    fast, slow = Batching(size=2), Batching(size=2)
    gate: StateGate[str] = StateGate(lambda: lanes, lag=1000)
    a, b = _lane(lanes, fast, cycle=2), _lane(lanes, slow, cycle=2)
    a.put("a1", gate.epoch)
    b.put("b1", gate.epoch)  # b holds one document: a partial batch it carries
    gate.checkpoint("state-1")
    a.put("a2", gate.epoch)
    a.put("a3", gate.epoch)
    gate.checkpoint("state-2")
    assert _eventually(lambda: fast.flat() == ["a1", "a2"])
    assert gate.release() == []  # b still holds b1, queued before state-1
    b.request_drain(upto_epoch=0)
    b.wait_idle()
    assert slow.flat() == ["b1"]
    # state-1's documents are all written; state-2 waits for a3, which lane a carries
    assert gate.release() == ["state-1"]
    a.request_drain()
    a.wait_idle()
    assert gate.release() == ["state-2"]


def test_a_slow_organisation_holds_back_no_other(lanes: list[Lane[Any]]) -> None:
    """Lane b's work blocks until the test lets it go; lane a writes all of its documents meanwhile."""
    release_b = threading.Event()

    def blocked(items: list[str], drain: bool) -> list[str]:
        release_b.wait(timeout=60)
        return []

    fast = Batching(size=1)
    a, b = _lane(lanes, fast, cycle=1), _lane(lanes, blocked, cycle=1)
    b.put("b1", 0)
    for index in range(20):
        a.put(f"a{index}", 0)
    assert _eventually(lambda: len(fast.flat()) == 20)
    release_b.set()
    b.request_drain()
    b.wait_idle()


def test_the_backlog_bounds_what_waits_and_blocks_intake_until_there_is_room(lanes: list[Lane[Any]]) -> None:
    gate = threading.Event()
    seen: list[int] = []

    def work(items: list[str], drain: bool) -> list[str]:
        seen.append(len(items))
        gate.wait(timeout=60)
        return []

    lane = _lane(lanes, work, cycle=2, backlog=3)
    for index in range(2):
        lane.put(f"d{index}", 0)  # a full cycle: the lane takes it and blocks in its work
    assert _eventually(lambda: seen == [2])
    for index in range(2, 5):
        lane.put(f"d{index}", 0)  # the backlog fills up: 3 documents wait
    blocked = threading.Thread(target=lane.put, args=("d5", 0))
    blocked.start()
    blocked.join(timeout=0.2)
    assert blocked.is_alive()  # the fourth waits for room
    gate.set()
    blocked.join(timeout=60)
    assert not blocked.is_alive()
    lane.request_drain()
    lane.wait_idle()


def test_a_newer_version_replaces_a_queued_document_and_keeps_its_epoch(lanes: list[Lane[Any]]) -> None:
    started, go = threading.Event(), threading.Event()
    written: list[str] = []

    def work(items: list[str], drain: bool) -> list[str]:
        started.set()
        go.wait(timeout=60)
        written.extend(items)
        return []

    lane: Lane[str] = Lane("org", work, key=lambda item: item.split("@")[0], cycle=1)
    lanes.append(lane)
    lane.put("x@0", epoch=0)  # taken at once: the work blocks on it
    assert started.wait(timeout=60)
    lane.put("y@1", epoch=1)
    lane.put("y@2", epoch=2)  # replaces y@1 in the inbox
    assert lane.low_epoch() == 0
    go.set()
    lane.request_drain()
    lane.wait_idle()
    assert written == ["x@0", "y@2"]


def test_a_failure_in_a_lane_is_raised_in_the_intake_thread(lanes: list[Lane[Any]]) -> None:
    def work(items: list[str], drain: bool) -> list[str]:
        raise PermissionError("the app's credentials were refused")

    lane = _lane(lanes, work, cycle=1)
    lane.put("d0", 0)
    with pytest.raises(PermissionError, match="refused"):
        lane.request_drain()
        lane.wait_idle()
    with pytest.raises(PermissionError):
        lane.put("d1", 0)


@settings(max_examples=40, deadline=None)
@example(plan=[0, 0, 0, -1, 0], size=4, cycle=1)  # the work carries more than a cycle holds: no spin
@given(
    plan=st.lists(st.one_of(st.integers(0, 2), st.just(-1)), max_size=40),
    size=st.integers(1, 4),
    cycle=st.integers(1, 6),
)
def test_property_every_document_written_once_and_no_state_released_early(
    plan: list[int], size: int, cycle: int
) -> None:
    """Documents to three lanes (0..2) and states (-1) in any order: at the end every document is written
    exactly once, and each state is released only when all documents before it are written."""
    works = [Batching(size) for _ in range(3)]
    made = [Lane(f"org{i}", works[i], key=lambda item: item, cycle=cycle) for i in range(3)]
    gate: StateGate[int] = StateGate(lambda: made, lag=10_000)
    before: dict[int, set[str]] = {}
    sent: list[str] = []
    released: list[int] = []
    try:
        for step, target in enumerate(plan):
            if target < 0:
                before[step] = set(sent)
                gate.checkpoint(step)
            else:
                name = f"{target}:{step}"
                sent.append(name)
                made[target].put(name, gate.epoch)
            for state in gate.release():
                written = {item for work in works for item in work.flat()}
                assert before[state] <= written
                released.append(state)
        for lane in made:
            lane.request_drain()
        for lane in made:
            lane.wait_idle()
        released += gate.release()
    finally:
        for lane in made:
            lane.close()
    assert sorted(item for work in works for item in work.flat()) == sorted(sent)
    assert released == sorted(before)


def _eventually(condition: Any, timeout: float = 60.0) -> bool:
    """Wait for another thread's progress without sleeping blindly: a condition variable poll."""
    done = threading.Event()
    waited = 0.0
    while not condition():
        if waited >= timeout:
            return False
        done.wait(0.01)
        waited += 0.01
    return True
