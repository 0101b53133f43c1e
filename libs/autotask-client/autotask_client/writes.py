"""Writes to Autotask: `PATCH /v1.0/<Entity>` (a partial update of one record), with Autotask's error reading
for writes.

Why beside the client and not inside it: the client's read path (zone discovery, pacing against the
hourly threshold and the thread limit, error reading for queries) is shared by every connector; a write
needs the same base URL, credentials, pacer and session, and only the payments destination writes today.
So `AutotaskPatcher` wraps an `AutotaskClient` and uses only its public surface (`config`, `session`,
`entity_url`, `pacer`, `scrub`), and counts its own calls (the client counts its reads).

Retries: a PATCH that sets a field to an absolute value is idempotent, so network errors, 429, 5xx that
are not a validation refusal and `Itgenatr005` (thread limit) are retried with exponential backoff (full
jitter, capped at a minute) and `Retry-After` when Autotask sends one. Autotask answers validation
failures with HTTP 500 and an `errors` list; those are not retried (a refusal naming a field, a read-only
field, a missing record) and come back as `PatchError` with Autotask's own message, secrets scrubbed.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests

from .client import AutotaskClient, parse_json
from .errors import AutotaskApiError
from .query import dumps

# Words of a 5xx answer that mean "refused", not "try again": retrying a refusal only spends the threshold.
PERMANENT_MARKERS = (
    "unable to find",
    "read-only",
    "readonly",
    "cannot be updated",
    "no matching records",
    "does not exist",
    "not a valid",
    "permission",
    "is required",
    "must be",
)
THREAD_LIMIT_CODE = "itgenatr005"
MAX_BACKOFF_SECONDS = 60.0
MAX_RETRY_AFTER_SECONDS = 300.0


class PatchError(AutotaskApiError):
    """A PATCH Autotask refused (or kept failing, `transient`); the message quotes Autotask, scrubbed."""

    def __init__(self, message: str, status: int | None = None, transient: bool = False) -> None:
        super().__init__(message, status=status, transient=transient)


class AutotaskPatcher:
    """Partial updates of one entity's records; counts its calls (the client counts only its own)."""

    def __init__(
        self,
        client: AutotaskClient,
        *,
        max_tries: int | None = None,
        backoff_base: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.max_tries = max_tries if max_tries is not None else client.config.max_retries + 1
        self.backoff_base = backoff_base if backoff_base is not None else client.config.backoff_base_seconds
        self._sleep = sleep
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _headers(self) -> dict[str, str]:
        config = self.client.config
        return {
            "ApiIntegrationCode": config.integration_code,
            "UserName": config.username,
            "Secret": config.secret,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def patch(self, entity: str, body: dict[str, Any]) -> Any:
        """PATCH `body` (which names the record by `id`) and return Autotask's answer."""
        if "id" not in body:
            raise PatchError(f"PATCH {entity}: the body needs the record id")
        url = self.client.entity_url(entity)
        data = dumps(body)
        last: PatchError | None = None
        for attempt in range(max(1, self.max_tries)):
            if attempt:
                ceiling = min(MAX_BACKOFF_SECONDS, self.backoff_base * 2 ** (attempt - 1))
                self._sleep(random.uniform(0, ceiling))
            self.client.pacer.before_call()
            with self._lock:
                self.calls[entity] += 1
            try:
                response = self.client.session.request(
                    "PATCH",
                    url,
                    data=data,
                    headers=self._headers(),
                    timeout=self.client.config.request_timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                last = PatchError(
                    f"PATCH {entity} id {body['id']}: network error {type(exc).__name__}", None, True
                )
                continue
            outcome = self._interpret(response, entity, body["id"])
            if isinstance(outcome, PatchError):
                if not outcome.transient:
                    raise outcome
                last = outcome
                retry_after = response.headers.get("Retry-After")
                if retry_after and retry_after.isdigit():
                    self._sleep(min(float(retry_after), MAX_RETRY_AFTER_SECONDS))
                continue
            return outcome
        assert last is not None
        raise last

    def _interpret(self, response: requests.Response, entity: str, record_id: Any) -> Any:
        """The answer's body on success, else a `PatchError` saying whether retrying can help."""
        text = response.text or ""
        try:
            payload = parse_json(text) if text.strip() else None
        except ValueError:
            payload = None
        status = response.status_code
        if 200 <= status < 300:
            return payload
        messages: list[str] = []
        if isinstance(payload, dict) and isinstance(payload.get("errors"), list):
            messages = [str(m.get("message") if isinstance(m, dict) else m) for m in payload["errors"]]
        elif isinstance(payload, dict) and payload.get("Message"):
            messages = [str(payload["Message"])]
        summary = self.client.scrub("; ".join(messages) or text[:200] or f"HTTP {status}")
        message = f"PATCH {entity} id {record_id} failed with HTTP {status}: {summary}"
        lowered = summary.lower()
        if THREAD_LIMIT_CODE in lowered or status == 429:
            return PatchError(message, status, True)
        if status in (401, 403):
            return PatchError(message, status, False)
        if status >= 500 and not any(marker in lowered for marker in PERMANENT_MARKERS):
            return PatchError(message, status, True)
        return PatchError(message, status, False)
