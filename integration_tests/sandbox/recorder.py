"""What each emulator saw: call statistics and the request log behind `/__sandbox/stats` and `requests`.

The log never holds credentials: API apps hand over a body already stripped of secrets, and headers are
not logged at all. The log is bounded (oldest entries dropped) so a long benchmark cannot exhaust memory;
the counters are never dropped.
"""

from __future__ import annotations

import threading
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

MAX_LOGGED_REQUESTS = 200_000


@dataclass
class RequestEntry:
    method: str
    path: str
    query: dict[str, Any]
    body: Any
    tenant: str | None = None
    status: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": self.body,
            "tenant": self.tenant,
            "status": self.status,
        }


@dataclass
class Recorder:
    calls: Counter[tuple[str, str, str | None, int]] = field(default_factory=Counter)
    throttled: int = 0
    total: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._log: deque[RequestEntry] = deque(maxlen=MAX_LOGGED_REQUESTS)

    def start(self, entry: RequestEntry) -> None:
        with self._lock:
            self._log.append(entry)

    def finish(self, entry: RequestEntry, template: str, status: int, throttled: bool) -> None:
        with self._lock:
            entry.status = status
            self.total += 1
            if throttled:
                self.throttled += 1
            self.calls[(entry.method, template, entry.tenant, status)] += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            calls = [
                {"method": m, "path": p, "tenant": t, "status": s, "count": n}
                for (m, p, t, s), n in sorted(
                    self.calls.items(), key=lambda kv: (kv[0][1], kv[0][0], str(kv[0][2]), kv[0][3])
                )
            ]
            return {"total": self.total, "throttled": self.throttled, "calls": calls}

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e.to_json() for e in self._log]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.throttled = 0
            self.total = 0
            self._log.clear()
