"""Autotask's request limits: the hourly threshold per database and the thread limit per endpoint.

- 10,000 requests per rolling 60 minutes per database (every integration counts toward it, and so does
  the `ThresholdInformation` call itself). The server slows down as usage grows: +0.5 s per call from 50%
  and +1 s from 75%. Past the threshold calls are refused until usage falls. The status of that refusal
  is undocumented: the sandbox answers **HTTP 429** with `{"errors": [...]}` and **no Retry-After** header,
  so a client must honour the status and back off on its own (it cannot lean on a header the live API may
  not send). Refused calls are not counted, so waiting does clear the block.
- At most 3 requests in flight per (integration code, entity endpoint). The fourth gets
  `{"errors": ["... Itgenatr005 ..."]}`. The live API is reported to send this with a non-429 status, so
  the sandbox answers it with **HTTP 500**: a client that only backs off on 429 fails here, as it would
  against production, and a client that reads the error code passes. The counted call still counts
  toward the hourly threshold (it reached the API).
- The zone lookup is exempt from both (it is not a database call), and so is a call whose
  authentication fails (it never reaches a database).
- With `--rate-limits off` nothing is counted or refused; `ThresholdInformation` then reports 0.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..clock import SandboxClock
from ..ratelimits import ConcurrencyGate, RateLimitPolicy, SlidingWindow
from .errors import AutotaskError

HOURLY_THRESHOLD = 10_000
THRESHOLD_TIMEFRAME_MINUTES = 60
THREADS_PER_ENDPOINT = 3


class ThrottleError(AutotaskError):
    """A refusal for load (the caller marks the call as throttled)."""


class AutotaskLimits:
    def __init__(self, clock: SandboxClock, policy: RateLimitPolicy) -> None:
        self.policy = policy
        self.hourly = SlidingWindow(clock, policy.window(THRESHOLD_TIMEFRAME_MINUTES * 60))
        self.gate = ConcurrencyGate()
        self.extra_latency = 0.0  # admin `latency`: added to every call, inside its thread slot

    def current_count(self) -> int:
        return self.hourly.count() if self.policy.enabled else 0

    def admit(self) -> float:
        """Count one database call; returns the latency the server adds to it (seconds)."""
        if not self.policy.enabled:
            return 0.0
        accepted, count = self.hourly.try_add(HOURLY_THRESHOLD)
        if not accepted:
            raise ThrottleError(
                429,
                f"The request threshold of {HOURLY_THRESHOLD} requests per {THRESHOLD_TIMEFRAME_MINUTES} "
                "minutes has been exceeded for this database. API access is suspended until usage falls "
                "below the threshold.",
            )
        if count >= HOURLY_THRESHOLD * 3 // 4:
            return self.policy.window(1.0)
        if count >= HOURLY_THRESHOLD // 2:
            return self.policy.window(0.5)
        return 0.0

    @contextmanager
    def thread_slot(self, integration_code: str, endpoint: str) -> Iterator[None]:
        if not self.policy.enabled:
            yield
            return
        key = f"{integration_code}\x00{endpoint}"
        if not self.gate.enter(key, THREADS_PER_ENDPOINT):
            raise ThrottleError(
                500,
                f"Itgenatr005: Thread Threshold Exceeded. No more than {THREADS_PER_ENDPOINT} concurrent "
                f"requests are allowed for this integration on the {endpoint} endpoint.",
            )
        try:
            yield
        finally:
            self.gate.leave(key)

    @staticmethod
    def delay(seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def reset(self) -> None:
        self.extra_latency = 0.0
        self.hourly.clear()
