"""`Idempotency-Key` on Xero writes: a repeated key replays the first answer instead of writing again.

Scope: the key is remembered per app, tenant, method and endpoint path (`PUT /Invoices` and
`POST /Invoices` are different scopes). Within a scope, a repeat with the same body gets the stored
status and body back byte for byte, with nothing re-applied.

Choices where the sources are silent (UNCONFIRMED, documented for users):
- keys live 24 hours on the sandbox clock (`POST /__sandbox/clock` ages them), then are forgotten;
- only answers that reached the books are stored (200 and the 400s of validation / post-data errors);
  401/403/404/413/429/5xx are not, so a retry after a throttle or an outage really runs;
- reusing a key in the same scope with a DIFFERENT body is refused with 400 instead of replaying an
  answer that belongs to another request: a client deriving keys carelessly (e.g. per batch number)
  would otherwise lose writes silently;
- keys longer than 128 characters are refused with 400 (the platform checks that).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from ..clock import SandboxClock

MAX_KEY_LENGTH = 128
TTL_SECONDS = 24 * 3600
MAX_ENTRIES = 200_000


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    content_type: str
    fingerprint: str
    stored_at: float


class IdempotencyStore:
    def __init__(self, clock: SandboxClock) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, ...], StoredResponse] = OrderedDict()

    @staticmethod
    def fingerprint(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()

    def lookup(self, scope: tuple[str, ...]) -> StoredResponse | None:
        with self._lock:
            self._expire()
            return self._entries.get(scope)

    def store(
        self, scope: tuple[str, ...], status: int, body: bytes, content_type: str, fingerprint: str
    ) -> None:
        with self._lock:
            self._expire()
            self._entries[scope] = StoredResponse(status, body, content_type, fingerprint, self.clock.time())
            self._entries.move_to_end(scope)
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)

    def _expire(self) -> None:
        edge = self.clock.time() - TTL_SECONDS
        while self._entries:
            scope, oldest = next(iter(self._entries.items()))
            if oldest.stored_at > edge:
                return
            del self._entries[scope]
