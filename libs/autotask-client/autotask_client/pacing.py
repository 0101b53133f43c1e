"""Keeping a sync inside its share of the database's hourly request threshold, and inside the thread limit.

Autotask caps a whole database (every integration the MSP runs) at a rolling hourly request threshold and
adds latency from 50% usage. The pacer reads `ThresholdInformation` at the first call, then again every
`recheck_every` calls or as soon as its own estimate (last reported count + calls made since) reaches the
budget, `share` x threshold. While the database is at or over the budget it waits and polls, so a sync
never pushes the database past the share of the threshold it was given (default 50%, which also keeps it
below the first latency tier). The slots cap requests in flight per endpoint at 3, the documented thread
limit per integration and endpoint.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

LOGGER = logging.getLogger("autotask_client")
THREADS_PER_ENDPOINT = 3


@dataclass
class ThresholdReading:
    limit: int
    used: int
    timeframe_minutes: int

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit else 0.0


class ThresholdPacer:
    def __init__(
        self,
        share: float,
        fetch: Callable[[], dict[str, Any]],
        *,
        sleep: Callable[[float], None] = time.sleep,
        recheck_every: int = 250,
        wait_seconds: float = 60.0,
    ) -> None:
        self.share = share
        self._fetch = fetch
        self._sleep = sleep
        self._recheck_every = recheck_every
        self._wait_seconds = wait_seconds
        self._lock = threading.Lock()
        self._reading: ThresholdReading | None = None
        self._since_check = 0
        self.max_share_seen = 0.0
        self.waited_seconds = 0.0

    @property
    def reading(self) -> ThresholdReading | None:
        return self._reading

    def _refresh(self) -> ThresholdReading:
        raw = self._fetch()
        reading = ThresholdReading(
            limit=int(raw.get("externalRequestThreshold") or 10000),
            used=int(raw.get("currentTimeframeRequestCount") or 0),
            timeframe_minutes=int(raw.get("requestThresholdTimeframe") or 60),
        )
        self._reading = reading
        self._since_check = 0
        self.max_share_seen = max(self.max_share_seen, reading.share)
        return reading

    def _budget(self, reading: ThresholdReading) -> float:
        return self.share * reading.limit

    def prime(self) -> None:
        """Take the first reading now, if none was taken yet (the next `before_call` then reuses it)."""
        with self._lock:
            if self._reading is None:
                self._refresh()

    def before_call(self) -> None:
        with self._lock:
            reading = self._reading
            if (
                reading is None
                or self._since_check >= self._recheck_every
                or (reading.used + self._since_check >= self._budget(reading))
            ):
                reading = self._refresh()
            while reading.used >= self._budget(reading):
                LOGGER.warning(
                    "Autotask database at %.0f%% of its hourly threshold (%d of %d); "
                    "this sync may use %.0f%%, "
                    "waiting %.0f s",
                    reading.share * 100,
                    reading.used,
                    reading.limit,
                    self.share * 100,
                    self._wait_seconds,
                )
                self._sleep(self._wait_seconds)
                self.waited_seconds += self._wait_seconds
                reading = self._refresh()
            self._since_check += 1


class EndpointSlots:
    """At most `THREADS_PER_ENDPOINT` requests in flight per Autotask endpoint (entity)."""

    def __init__(self, per_endpoint: int = THREADS_PER_ENDPOINT) -> None:
        self._per_endpoint = per_endpoint
        self._lock = threading.Lock()
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    @contextmanager
    def hold(self, endpoint: str) -> Iterator[None]:
        key = endpoint.lower()
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = threading.BoundedSemaphore(self._per_endpoint)
        with slot:
            yield
