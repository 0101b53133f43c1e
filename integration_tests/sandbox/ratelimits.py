"""Rate-limit building blocks shared by both emulators.

`--rate-limits real|scaled:F|off` becomes a `RateLimitPolicy`; every vendor window goes through
`policy.window(seconds)`, so `scaled:60` turns Xero's 60-per-minute into 60 per second while keeping the
call counts exactly as the vendor states them.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from .clock import SandboxClock


@dataclass(frozen=True)
class RateLimitPolicy:
    mode: str = "real"  # real | scaled | off
    factor: float = 1.0

    @classmethod
    def parse(cls, text: str) -> RateLimitPolicy:
        text = text.strip().lower()
        if text in ("real", ""):
            return cls("real", 1.0)
        if text == "off":
            return cls("off", 1.0)
        if text.startswith("scaled:"):
            try:
                factor = float(text.split(":", 1)[1])
            except ValueError as exc:
                raise ValueError(f"--rate-limits scaled:F needs a number, got {text!r}") from exc
            if factor <= 0:
                raise ValueError("--rate-limits scaled:F needs F > 0")
            return cls("scaled", factor)
        raise ValueError(f"--rate-limits must be real, off or scaled:F, got {text!r}")

    @property
    def enabled(self) -> bool:
        return self.mode != "off"

    def window(self, seconds: float) -> float:
        """The length of a vendor time window (or a vendor-imposed delay) under this policy."""
        return seconds / self.factor

    def describe(self) -> str:
        return "off" if self.mode == "off" else ("real" if self.mode == "real" else f"scaled:{self.factor:g}")


class SlidingWindow:
    """Counts events in a rolling window on the sandbox clock (thread-safe)."""

    def __init__(self, clock: SandboxClock, window_seconds: float) -> None:
        self._clock = clock
        self.window_seconds = window_seconds
        self._events: deque[float] = deque()
        self._lock = threading.Lock()

    def _trim(self, now: float) -> None:
        edge = now - self.window_seconds
        while self._events and self._events[0] <= edge:
            self._events.popleft()

    def count(self) -> int:
        with self._lock:
            self._trim(self._clock.monotonic())
            return len(self._events)

    def add(self) -> int:
        """Record one event; returns the count including it."""
        with self._lock:
            now = self._clock.monotonic()
            self._trim(now)
            self._events.append(now)
            return len(self._events)

    def try_add(self, limit: int) -> tuple[bool, int]:
        """Record an event only if the window holds fewer than `limit`; returns (accepted, count)."""
        with self._lock:
            now = self._clock.monotonic()
            self._trim(now)
            if len(self._events) >= limit:
                return False, len(self._events)
            self._events.append(now)
            return True, len(self._events)

    def seconds_until_free(self) -> float:
        """Seconds until the oldest event leaves the window (0 when the window is empty)."""
        with self._lock:
            now = self._clock.monotonic()
            self._trim(now)
            if not self._events:
                return 0.0
            return max(0.0, self._events[0] + self.window_seconds - now)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


class ConcurrencyGate:
    """Counts requests in flight per key; refuses past a limit instead of queueing (as the vendors do)."""

    def __init__(self) -> None:
        self._in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    def enter(self, key: str, limit: int) -> bool:
        with self._lock:
            current = self._in_flight.get(key, 0)
            if current >= limit:
                return False
            self._in_flight[key] = current + 1
            return True

    def leave(self, key: str) -> None:
        with self._lock:
            current = self._in_flight.get(key, 0)
            if current <= 1:
                self._in_flight.pop(key, None)
            else:
                self._in_flight[key] = current - 1

    def in_flight(self, key: str) -> int:
        with self._lock:
            return self._in_flight.get(key, 0)
