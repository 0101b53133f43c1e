"""Xero HTTP client: OAuth2, `xero-tenant-id`, a per-tenant rate limiter, retries, clean errors.

Why each piece (the pieces live beside this module, and every public name stays importable from here):
- calls are the cost of a sync, so each tenant's `TenantLimiter` (limiter.py) never sends a call Xero
  would refuse, and trusts Xero's remaining-count headers over its own count;
- a minute (or concurrent) 429 waits `Retry-After` and retries; a day 429 raises `DailyLimitReached` so the
  caller checkpoints and stops cleanly;
- 500/502/503/504, connection resets and timeouts are retried with exponential backoff and full jitter (a
  small loop rather than the `backoff` library so tests can inject the sleep); writes carry a
  deterministic `Idempotency-Key` (wire.py), so a retried write cannot create a second document;
- a 401 (expired token) refreshes and retries; a second 401 straight after the refresh means the
  organisation refuses this app;
- every refresh token is persisted through the `TokenStore` BEFORE the access token from the same response
  is used (grants.py, tokens.py);
- errors carry status, Xero's problem text and validation messages: never headers, tokens or secrets
  (errors.py).
Bodies are JSON with Decimals as JSON numbers; responses are parsed with `parse_float=Decimal`.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from .errors import AuthError, DailyLimitReached, TenantAccessError, XeroError, api_error, validation_messages
from .grants import Authenticator
from .limiter import BACKOFF_BASE, BACKOFF_MAX, MAX_THROTTLES, RETRY_STATUSES, LimitState, TenantLimiter
from .settings import XeroSettings
from .tokens import TokenStore
from .wire import IDEMPOTENCY_KEY_MAX, api_path, dumps, dumps_bytes, idempotency_key, loads, parse_body

__all__ = [  # the names callers imported from here before the pieces moved out
    "IDEMPOTENCY_KEY_MAX",
    "AuthError",
    "Authenticator",
    "DailyLimitReached",
    "LimitState",
    "Response",
    "TenantAccessError",
    "TenantLimiter",
    "XeroClient",
    "XeroError",
    "XeroSettings",
    "dumps",
    "idempotency_key",
    "loads",
    "validation_messages",
]


@dataclass
class Response:
    """An answer worth returning: the status, the body read as JSON with Decimals, the headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes = b""  # the raw body: a file read back (an attachment) is not JSON


class XeroClient:
    """One app's calls to Xero, for any number of tenants, each paced by its own limiter.

    `config` is anything with the `auth` and `xero` sections (`XeroSettings`): a connector passes its
    whole config unchanged, a tool builds a `ClientSettings`; the client reads nothing else from it."""

    def __init__(
        self,
        config: XeroSettings,
        session: requests.Session | None = None,
        store: TokenStore | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        max_tries: int = 6,
        timeout: float = 60.0,
        concurrent: int = 5,
        per_minute: int = 60,
        window: float | None = None,
    ) -> None:
        self.endpoints = config.xero
        self.api_url = config.xero.api_url.rstrip("/")
        self.session = session or requests.Session()
        token_url = config.xero.identity_url.rstrip("/") + "/connect/token"
        self.auth = Authenticator(
            config.auth, token_url, self.session, store, sleep=sleep, max_tries=max_tries
        )
        self._clock = clock
        self._sleep = sleep
        self.max_tries = max_tries
        self.timeout = timeout
        self._limiter_args = (
            concurrent,
            per_minute,
            config.xero.minute_window_seconds if window is None else window,
        )
        self._limiters: dict[str, TenantLimiter] = {}
        self._limiters_lock = threading.Lock()

    def limiter(self, tenant_id: str) -> TenantLimiter:
        with self._limiters_lock:
            if tenant_id not in self._limiters:
                c, p, w = self._limiter_args
                self._limiters[tenant_id] = TenantLimiter(c, p, w, self._clock, self._sleep)
            return self._limiters[tenant_id]

    def connections(self) -> list[dict[str, Any]]:
        response = self._send("GET", self.endpoints.connections(), None, None, None, None)
        if response.status != 200 or not isinstance(response.body, list):
            raise XeroError(f"GET /connections failed: HTTP {response.status}", response.status)
        return response.body

    def get(self, tenant_id: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", tenant_id, path, params=params).body

    def request(
        self,
        method: str,
        tenant_id: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Response:
        """`body` is sent as JSON (bytes: JSON already serialised by `wire.dumps_bytes`, sent as they are);
        `content` (a file: an attachment) as raw bytes of `content_type`."""
        url = f"{self.api_url}/{path.lstrip('/')}"
        raw = (content, content_type or "application/octet-stream") if content is not None else None
        response = self._send(method, url, tenant_id, params, body, idempotency_key, raw)
        if response.status >= 400:
            raise api_error(method, path, response.status, response.body)
        return response

    def _send(
        self,
        method: str,
        url: str,
        tenant_id: str | None,
        params: Mapping[str, Any] | None,
        body: Any,
        key: str | None,
        raw_body: tuple[bytes, str] | None = None,
    ) -> Response:
        data: bytes | None = None
        if isinstance(body, bytes):
            data = body  # serialised once by the caller, who hashed the same bytes (posting.py)
        elif body is not None:
            data = dumps_bytes(body)
        if raw_body is not None:
            data = raw_body[0]
        refreshed = False
        failures = 0
        throttles = 0
        while True:
            headers = {"Authorization": f"Bearer {self.auth.access_token()}", "Accept": "application/json"}
            if tenant_id is not None:
                headers["xero-tenant-id"] = tenant_id
            if data is not None:
                headers["Content-Type"] = raw_body[1] if raw_body is not None else "application/json"
            if key:
                headers["Idempotency-Key"] = key
            limiter = self.limiter(tenant_id) if tenant_id else None
            if limiter:
                limiter.acquire()
            reason = ""
            raw: requests.Response | None = None
            try:
                raw = self.session.request(
                    method, url, params=params, data=data, headers=headers, timeout=self.timeout
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                reason = type(exc).__name__
            finally:
                if limiter:
                    limiter.release()
            if raw is not None:
                if limiter:
                    limiter.received(len(raw.content))
                    limiter.observe(raw.headers, throttled=raw.status_code == 429)
                if raw.status_code == 401 and not refreshed:
                    refreshed = True
                    self.auth.access_token(force=True)
                    continue
                # Only two 401s in a row mean the organisation refuses us: a token refreshed before a long
                # throttle wait or a retried outage may have expired again by the next try.
                refreshed = raw.status_code == 401
                if raw.status_code == 429:
                    throttles += 1
                    if throttles > MAX_THROTTLES:
                        message = f"{method} {api_path(url)} still throttled after {MAX_THROTTLES} waits"
                        raise XeroError(message, 429)
                    self._throttled(limiter, tenant_id or "-", raw)
                    continue
                if raw.status_code not in RETRY_STATUSES:
                    body_read = parse_body(raw) if _textual(raw) else None
                    return Response(raw.status_code, body_read, raw.headers, raw.content)
                reason = f"HTTP {raw.status_code}"
            failures += 1
            if failures >= self.max_tries:
                raise XeroError(f"{method} {api_path(url)} failed after {failures} tries: {reason}")
            self._sleep(random.uniform(0, min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (failures - 1))))

    def _throttled(self, limiter: TenantLimiter | None, tenant_id: str, raw: requests.Response) -> None:
        problem = raw.headers.get("X-Rate-Limit-Problem", "").lower()
        try:
            retry_after = float(raw.headers.get("Retry-After", "") or 0)
        except ValueError:
            retry_after = 0.0
        if problem == "day":
            raise DailyLimitReached(tenant_id, retry_after or None)
        wait = retry_after or 1.0
        if limiter:
            limiter.state.throttled += 1
            limiter.block_for(wait)
        else:
            self._sleep(wait)


def _textual(raw: requests.Response) -> bool:
    """Whether the answer is worth parsing as JSON or quoting as text: a file read back (a PDF) is
    neither, and decoding megabytes of it as text would only cost time."""
    kind = raw.headers.get("Content-Type", "").split(";")[0].strip().lower()
    return not kind or "json" in kind or "xml" in kind or kind.startswith("text/")
