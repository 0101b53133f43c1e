"""What each emulator saw: call statistics and the request log behind `/__sandbox/stats` and `requests`.

The log never holds credentials: API apps hand over a body already stripped of secrets, and headers are
not logged at all. Beside the call counts the recorder adds up the response bytes (the body as sent, headers
not counted) per calls row and per tenant: Xero's paid tiers meter data egress per organisation, so the
bytes a sync reads matter as much as its calls. The log is bounded (oldest entries dropped) so a long
benchmark cannot exhaust memory; the counters are never dropped.
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


CallKey = tuple[str, str, str | None, int]  # (method, path template, tenant, status)


@dataclass
class Recorder:
    calls: Counter[CallKey] = field(default_factory=Counter)
    sizes: Counter[CallKey] = field(default_factory=Counter)
    egress: Counter[str] = field(default_factory=Counter)
    throttled: int = 0
    total: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._log: deque[RequestEntry] = deque(maxlen=MAX_LOGGED_REQUESTS)

    def start(self, entry: RequestEntry) -> None:
        with self._lock:
            self._log.append(entry)

    def finish(self, entry: RequestEntry, template: str, status: int, throttled: bool, size: int = 0) -> None:
        """Count one answered call; `size` is the response body's length in bytes."""
        with self._lock:
            entry.status = status
            self.total += 1
            if throttled:
                self.throttled += 1
            key = (entry.method, template, entry.tenant, status)
            self.calls[key] += 1
            self.sizes[key] += size
            if entry.tenant is not None:
                self.egress[entry.tenant] += size

    def stats(self) -> dict[str, Any]:
        with self._lock:
            calls = [
                {
                    "method": m,
                    "path": p,
                    "tenant": t,
                    "status": s,
                    "count": n,
                    "bytes": self.sizes[(m, p, t, s)],
                }
                for (m, p, t, s), n in sorted(
                    self.calls.items(), key=lambda kv: (kv[0][1], kv[0][0], str(kv[0][2]), kv[0][3])
                )
            ]
            return {
                "total": self.total,
                "throttled": self.throttled,
                "calls": calls,
                "egress": dict(sorted(self.egress.items())),
            }

    def requests(self) -> list[dict[str, Any]]:
        with self._lock:
            return [e.to_json() for e in self._log]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.sizes.clear()
            self.egress.clear()
            self.throttled = 0
            self.total = 0
            self._log.clear()
