"""How fast calls go: the per-tenant limiter, and the backoff between retries.

Why a limiter of our own: calls are the cost of a sync (60 per minute per organisation, and a day limit
that depends on the app's tier: 1,000 on Xero's Starter tier, 5,000 on the others), so the client never
sends a call Xero would refuse: at most 5 in flight and 60 in any 60 s per tenant. It trusts Xero's own
`X-MinLimit-Remaining` / `X-DayLimit-Remaining` over its local count (other apps' calls do not count, but
another run of ours does); the day limit is never assumed, only read from those headers. The response
bytes per tenant are counted beside the calls: Xero's paid tiers meter data egress per organisation, and
the run summary shows both. The clock and the sleep are injected so tests run the windows instantly.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Outages worth retrying (with exponential backoff and full jitter); a 429 is a throttle, handled apart.
RETRY_STATUSES = frozenset({500, 502, 503, 504})
BACKOFF_BASE = 0.5
BACKOFF_MAX = 30.0
# A call still throttled after this many waits is failed: Xero is refusing it for a reason of its own.
MAX_THROTTLES = 20


@dataclass
class LimitState:
    """One tenant's counts for the run summary, and what Xero last said remains."""

    calls: int = 0
    day_remaining: int | None = None
    minute_remaining: int | None = None
    app_minute_remaining: int | None = None
    throttled: int = 0
    response_bytes: int = 0  # bodies Xero sent back for this tenant (its data egress)


class TenantLimiter:
    """≤ `concurrent` in flight and ≤ `per_minute` per `window` seconds, for one tenant.

    A call occupies its window slot from when it is sent until `window` seconds after its answer came
    back: Xero counts it when it arrives, somewhere in between, so counting from the answer can never
    let 61 calls land in one of Xero's windows, whatever the network delays."""

    def __init__(
        self,
        concurrent: int = 5,
        per_minute: int = 60,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._slots = threading.BoundedSemaphore(concurrent)
        self.per_minute = per_minute
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: list[list[float]] = []  # one [time] cell per call; in flight = +inf until it returns
        self._local = threading.local()
        self._blocked_until = 0.0
        self.state = LimitState()

    def acquire(self) -> None:
        self._slots.acquire()
        try:
            while True:
                with self._lock:
                    now = self._clock()
                    self._sent = [cell for cell in self._sent if cell[0] > now - self.window]
                    wait = max(0.0, self._blocked_until - now)
                    if not wait and len(self._sent) >= self.per_minute:
                        oldest = min(cell[0] for cell in self._sent)
                        wait = oldest + self.window - now if oldest != float("inf") else 0.05
                    if wait <= 0:
                        cell = [float("inf")]
                        self._sent.append(cell)
                        self._local.cell = cell
                        self.state.calls += 1
                        return
                self._sleep(wait)
        except BaseException:
            self._slots.release()
            raise

    def release(self) -> None:
        cell = getattr(self._local, "cell", None)
        if cell is not None:
            with self._lock:
                cell[0] = self._clock()
            self._local.cell = None
        self._slots.release()

    def received(self, size: int) -> None:
        """Count a response body of `size` bytes against this tenant."""
        with self._lock:
            self.state.response_bytes += size

    def block_for(self, seconds: float) -> None:
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def observe(self, headers: Mapping[str, str], throttled: bool = False) -> None:
        """Xero's remaining counts override the local view (other runs share the same limits).

        On a 429 the wait comes from Retry-After instead (see `block_for`), which is exact."""

        def _int(name: str) -> int | None:
            try:
                return int(headers[name])
            except (KeyError, ValueError):
                return None

        with self._lock:
            day, minute = _int("X-DayLimit-Remaining"), _int("X-MinLimit-Remaining")
            app = _int("X-AppMinLimit-Remaining")
            if day is not None:
                self.state.day_remaining = day
            if app is not None:
                self.state.app_minute_remaining = app
            if minute is not None:
                self.state.minute_remaining = minute
                finished = [cell[0] for cell in self._sent if cell[0] != float("inf")]
                if minute <= 0 and finished and not throttled:
                    # Xero has no calls left this minute: wait until our oldest call leaves the window.
                    self._blocked_until = max(self._blocked_until, min(finished) + self.window)
