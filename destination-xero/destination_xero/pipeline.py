"""The pipeline: each organisation is written by a lane of its own while intake keeps reading.

Why: when intake stopped to write at every state the platform sent, Xero sat idle while the destination
parsed, and the destination sat idle while Xero answered. Every organisation also waited for the slowest
one, and each state cut the batches in progress: look-ups and writes went out part-full. Measured at
bench:10000, Xero was idle 12.5 s of an 18 s sync. Now:

- intake (the platform's thread) parses, routes and maps a record and `put`s its documents in their
  organisation's lane; it blocks only when that lane's backlog is full, which bounds memory by the backlog
  and not by the size of the month;
- a lane (one thread per organisation) takes what has arrived, up to `cycle` documents at a time, and hands
  them to its `Work`. The work plans them and writes the full batches. It may hand back documents to carry
  (a partial batch), and the lane offers those again with the next documents. Organisations never wait on
  each other: each lane has its own Xero limits;
- a state is passed on only after every document queued before it, in every lane, is written or durably
  rejected (`StateGate`). Documents carry the number of states seen before them (their epoch), and a state
  is released once no lane holds an unfinished document of an epoch up to its own. A lane that holds a
  partial batch keeps the states after it waiting. `lag` bounds that wait: when the oldest waiting state
  has more than `lag` documents queued after it, every lane is asked to write what it holds, partial
  batches included. At the end of the input `drain` writes everything.

A failure that ends the run (the app's credentials refused: any exception the work raises) is kept by the
lane and raised again in the intake thread, on its next `put`, `drain` or `release`; the lane stops
taking work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")
S = TypeVar("S")

# Work(documents, drain) -> the documents it did not write yet (a partial batch to carry); with drain=True
# it must write everything it was given and return [].
Work = Callable[[list[T], bool], list[T]]


@dataclass
class _Entry(Generic[T]):
    item: T
    epoch: int


@dataclass
class _Inbox(Generic[T]):
    """What a lane has received and not yet handed to its work, latest version per key, in arrival order."""

    entries: dict[Hashable, _Entry[T]] = field(default_factory=dict)

    def add(self, key: Hashable, item: T, epoch: int) -> None:
        """A newer version of a queued document replaces it in place. It keeps the older epoch and
        position: the states that were waiting for the first version must keep waiting for the one that
        replaced it. The epochs along the inbox therefore never decrease."""
        earlier = self.entries.get(key)
        self.entries[key] = _Entry(item, earlier.epoch if earlier else epoch)

    def take(self, limit: int) -> list[_Entry[T]]:
        keys = list(self.entries)[:limit]
        return [self.entries.pop(key) for key in keys]

    def first_epoch(self) -> int | None:
        return next(iter(self.entries.values())).epoch if self.entries else None

    def __len__(self) -> int:
        return len(self.entries)


EVERYTHING = 2**62  # a drain of every epoch: the end of the input


class Lane(Generic[T]):
    """One organisation's writer thread (see the module docstring)."""

    def __init__(
        self, name: str, work: Work[T], key: Callable[[T], Hashable], *, cycle: int = 500, backlog: int = 2000
    ) -> None:
        self.name = name
        self._work = work
        self._key = key
        self._cycle = cycle
        self._backlog = backlog
        self._inbox: _Inbox[T] = _Inbox()
        self._carried: list[_Entry[T]] = []  # handed back by the work: written on a later cycle
        self._busy: list[_Entry[T]] = []  # being worked on now
        # the smallest epoch in _carried + _busy, kept as they change (once a cycle): `low_epoch` is asked
        # after every input message, and scanning up to a cycle of entries each time was intake's cost
        self._held_low: int | None = None
        self._drain_upto: int | None = None  # write every document of an epoch up to this, partial or not
        self._failure: BaseException | None = None
        self._closed = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=f"lane-{name}", daemon=True)
        self._thread.start()

    # ---- the intake side ---------------------------------------------------------------------------------
    def put(self, item: T, epoch: int) -> None:
        """Queue one document; blocks while the backlog is full (the lane is behind)."""
        with self._cond:
            self._raise_failure()
            while len(self._inbox) >= self._backlog and self._failure is None:
                self._cond.wait()
            self._raise_failure()
            self._inbox.add(self._key(item), item, epoch)
            # the lane is woken only when this document gives it work (a full cycle, or a drain asked
            # for): waking it for each one cost a thread switch per document, and it went back to sleep
            if self._drain_upto is not None or len(self._inbox) + len(self._carried) >= self._cycle:
                self._cond.notify_all()

    def request_drain(self, upto_epoch: int = EVERYTHING) -> None:
        """Ask the lane to write every document it holds of an epoch up to `upto_epoch`, partial batches
        included; it does not wait (see `wait_idle`)."""
        with self._cond:
            self._drain_upto = max(self._drain_upto or upto_epoch, upto_epoch)
            self._cond.notify_all()

    def wait_idle(self) -> None:
        """Wait until the lane holds nothing (after `request_drain()`: everything is written)."""
        with self._cond:
            while self._holds() and self._failure is None:
                self._cond.wait()
            self._raise_failure()

    def low_epoch(self) -> int | None:
        """The smallest epoch of a document this lane holds unfinished; None when it holds none."""
        with self._cond:
            self._raise_failure()
            first, held = self._inbox.first_epoch(), self._held_low
            if first is None or held is None:
                return held if first is None else first
            return min(first, held)

    def check(self) -> None:
        """Raise the lane's failure, if it met one (no lock: the attribute is set once, then read)."""
        self._raise_failure()

    def close(self) -> None:
        """Stop the thread (once what it is doing is done) and wait for it."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join()

    def _holds(self) -> bool:
        return bool(self._inbox.entries or self._carried or self._busy)

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    # ---- the lane's thread -------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._has_work():
                    if self._closed:
                        return
                    self._cond.wait()
                # at least half a cycle of new documents: what the work carries never crowds out what arrives
                taken = self._inbox.take(max(self._cycle - len(self._carried), self._cycle // 2, 1))
                self._busy = self._carried + taken
                self._carried = []
                self._held_low = _lowest(self._busy)
                first = self._inbox.first_epoch()
                drain = self._drain_upto is not None and (first is None or first > self._drain_upto)
                self._cond.notify_all()  # room in the backlog
            try:
                left = self._work([entry.item for entry in self._busy], drain)
            except BaseException as exc:  # raised again in the intake thread
                with self._cond:
                    self._failure = exc
                    self._cond.notify_all()
                return
            with self._cond:
                kept = {id(item) for item in left}
                self._carried = [entry for entry in self._busy if id(entry.item) in kept]
                self._busy = []
                self._held_low = _lowest(self._carried)
                self._settle_drain()
                self._cond.notify_all()

    def _settle_drain(self) -> None:
        """The drain is done once nothing of its epochs is left."""
        if self._drain_upto is None:
            return
        first = self._inbox.first_epoch()
        carried = self._held_low if not self._busy else _lowest(self._carried)
        lows = [low for low in (first, carried) if low is not None]
        if not lows or min(lows) > self._drain_upto:
            self._drain_upto = None

    def _has_work(self) -> bool:
        """A full cycle has arrived, or a drain is asked for and something is held."""
        self._settle_drain()
        if self._drain_upto is not None:
            return bool(self._inbox.entries or self._carried)
        return len(self._inbox) > 0 and len(self._inbox) + len(self._carried) >= self._cycle


def _lowest(entries: list[_Entry[Any]]) -> int | None:
    return min((e.epoch for e in entries), default=None)


class StateGate(Generic[S]):
    """The platform's states, each passed on once every document queued before it is finished."""

    def __init__(self, lanes: Callable[[], Iterable[Lane[Any]]], lag: int) -> None:
        self._lanes = lanes
        self._lag = lag
        self.epoch = 0  # states seen so far: the epoch of the next document
        self._waiting: list[tuple[int, S, int]] = []  # (epoch, state, documents queued when it came)
        self.queued = 0  # documents queued so far

    def note_document(self) -> None:
        self.queued += 1

    def checkpoint(self, state: S) -> None:
        self._waiting.append((self.epoch, state, self.queued))
        self.epoch += 1

    def lagging(self) -> bool:
        """The oldest waiting state has more than `lag` documents queued after it."""
        return bool(self._waiting) and self.queued - self._waiting[0][2] > self._lag

    def release(self) -> list[S]:
        """The states every lane has finished the documents of, oldest first. Asked after every input
        message: with no state waiting (most messages) only the lanes' failures are looked at."""
        if not self._waiting:
            for lane in self._lanes():
                lane.check()
            return []
        lows = [low for low in (lane.low_epoch() for lane in self._lanes()) if low is not None]
        floor = min(lows) if lows else self.epoch
        ready = [state for epoch, state, _ in self._waiting if epoch < floor]
        self._waiting = [entry for entry in self._waiting if entry[0] >= floor]
        return ready

    def waiting(self) -> int:
        return len(self._waiting)
