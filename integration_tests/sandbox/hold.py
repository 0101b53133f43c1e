"""`/__sandbox/hold`: keep the answer to one chosen API call until the test lets it go.

Why: a crash test must kill a connector while it waits for the answer to a write the vendor has already
committed, the moment a writer that trusts only its own memory loses track of a document. Watching the
request counters and killing "as soon as the count moves" lands there only on an idle machine: on a busy
one the connector has read the answer and moved on (or finished) before the kill arrives, so the kill
points drift and a chain of kills runs out of writes. A hold makes that moment last until the test acts:
the K-th matching call is processed (the write is committed, the response is ready), then its thread waits;
the test sees `holding`, kills, and releases the hold (a reset releases it too). `max_seconds` bounds the
wait, so a test that forgets to release cannot wedge a server thread for ever.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

MAX_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class HoldRule:
    """Hold the `after`-th API call (counted from arming) whose method and path match."""

    after: int
    methods: frozenset[str] = frozenset({"POST", "PUT"})
    path_prefix: str = "/"
    max_seconds: float = 120.0

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> HoldRule:
        if "after" not in body:
            raise ValueError('a hold needs "after": which matching call to hold (1 = the next one)')
        after = int(body["after"])
        if after < 1:
            raise ValueError("hold `after` counts calls from 1")
        max_seconds = float(body.get("max_seconds", cls.max_seconds))
        if not 0 < max_seconds <= 3600:
            raise ValueError("hold max_seconds must be between 0 and 3600")
        methods = frozenset(str(m).upper() for m in body.get("methods", sorted(cls.methods)))
        return cls(after, methods, str(body.get("path_prefix", "/")), max_seconds)

    def matches(self, method: str, path: str) -> bool:
        return method.upper() in self.methods and path.startswith(self.path_prefix)


@dataclass
class _Armed:
    rule: HoldRule
    seen: int = 0
    held: str | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    released: threading.Event = field(default_factory=threading.Event)


class ResponseHold:
    """One server's hold: armed by the admin call, consulted after every API call is answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: _Armed | None = None

    def arm(self, rule: HoldRule) -> dict[str, Any]:
        with self._lock:
            if self._armed is not None:
                self._armed.released.set()  # a call held by the previous rule goes on
            self._armed = _Armed(rule)
        return self.status()

    def release(self) -> dict[str, Any]:
        with self._lock:
            armed, self._armed = self._armed, None
        if armed is not None:
            armed.released.set()
            return self._describe(armed, released=True)
        return {"armed": False, "holding": False}

    def status(self, wait_seconds: float = 0.0) -> dict[str, Any]:
        """What the hold is doing; with `wait_seconds`, first wait (bounded) until a call is held."""
        with self._lock:
            armed = self._armed
        if armed is None:
            return {"armed": False, "holding": False}
        if wait_seconds > 0:
            armed.holding.wait(min(wait_seconds, MAX_WAIT_SECONDS))
        return self._describe(armed, released=armed.released.is_set())

    @staticmethod
    def _describe(armed: _Armed, *, released: bool) -> dict[str, Any]:
        return {
            "armed": not released,
            "after": armed.rule.after,
            "seen": armed.seen,
            "holding": armed.holding.is_set() and not released,
            "held": armed.held,
        }

    def after_answer(self, method: str, path: str) -> None:
        """Called once a call's answer is ready and before it is sent: blocks while it is the held one."""
        with self._lock:
            armed = self._armed
            if armed is None or armed.held is not None or not armed.rule.matches(method, path):
                return
            armed.seen += 1
            if armed.seen < armed.rule.after:
                return
            armed.held = f"{method} {path}"
            armed.holding.set()
        armed.released.wait(armed.rule.max_seconds)
