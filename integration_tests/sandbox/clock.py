"""One clock for both emulators.

Tokens, refresh-token grace windows and rate-limit windows all read this clock, so a test can expire all
of them at once with `POST /__sandbox/clock` instead of sleeping. It runs at wall-clock speed plus an
offset that only ever grows.
"""

from __future__ import annotations

import threading
import time

import pendulum


class SandboxClock:
    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def time(self) -> float:
        """Seconds since the epoch, as the emulated vendor sees them."""
        return time.time() + self._offset

    def monotonic(self) -> float:
        """Monotonic seconds that also jump forward when the clock is advanced (for rate windows)."""
        return time.monotonic() + self._offset

    def now(self) -> pendulum.DateTime:
        return pendulum.from_timestamp(self.time(), tz="UTC")

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset

    @property
    def offset(self) -> float:
        return self._offset
