"""Xero HTTP client: OAuth2, `xero-tenant-id`, a per-tenant rate limiter, retries, clean errors.

Why each piece:
- calls are the cost of a sync (60/min, and per organisation a day limit that depends on the app's tier:
  1,000 on Xero's Starter tier, 5,000 on the others), so the limiter never sends a call Xero would refuse:
  at most 5 in flight and 60 in any 60 s per tenant, and it trusts Xero's own `X-MinLimit-Remaining` /
  `X-DayLimit-Remaining` over its local count (other apps' calls do not count, but another run of ours
  does); the day limit is never assumed, only read from those headers;
- the response bytes per tenant are counted beside the calls: Xero's paid tiers meter data egress per
  organisation, and the run summary shows both;
- a minute (or concurrent) 429 waits `Retry-After` and retries; a day 429 raises `DailyLimitReached` so the
  caller checkpoints and stops cleanly;
- 500/502/503/504, connection resets and timeouts are retried with exponential backoff and full jitter (a
  small loop rather than the `backoff` library so tests can inject the sleep); writes carry a
  deterministic `Idempotency-Key`, so a retried write cannot create a second document;
- a 401 (expired token) refreshes and retries; a second 401 straight after the refresh means the
  organisation refuses this app;
- every refresh token is persisted through the `TokenStore` BEFORE the access token from the same response
  is used (see tokens.py);
- errors carry status, Xero's problem text and validation messages: never headers, tokens or secrets.
Bodies are JSON with Decimals as JSON numbers; responses are parsed with `parse_float=Decimal`.
"""

from __future__ import annotations

import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests

from .config import ClientCredentialsAuth, Config, RefreshTokenAuth
from .scopes import CUTOFF_NOTE, granted_from_token
from .tokens import FileTokenStore, MemoryTokenStore, TokenStore

RETRY_STATUSES = frozenset({500, 502, 503, 504})
IDEMPOTENCY_KEY_MAX = 128
REFRESH_MARGIN_SECONDS = 60
MAX_THROTTLES = 20
BACKOFF_BASE = 0.5
BACKOFF_MAX = 30.0


class XeroError(Exception):
    """A Xero call failed; `messages` holds Xero's own messages (validation errors), never secrets."""

    def __init__(self, message: str, status: int | None = None, messages: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.messages = messages or []


class AuthError(XeroError):
    """The app cannot authenticate at all (token endpoint refused): fatal for the whole run."""


class TenantAccessError(XeroError):
    """401/403 from the Accounting API with a fresh token: this organisation is disconnected or forbids it."""


class DailyLimitReached(XeroError):
    def __init__(self, tenant_id: str, retry_after: float | None) -> None:
        wait = f"; Xero allows calls again in {int(retry_after)} s" if retry_after else ""
        super().__init__(f"daily call limit reached for tenant {tenant_id}{wait}", 429)
        self.tenant_id = tenant_id
        self.retry_after = retry_after


# ---- JSON ------------------------------------------------------------------------------------------------
def dumps(value: Any) -> str:
    """JSON with Decimals written as numbers (never floats, never strings)."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("non-finite Decimal")
        return format(value, "f")
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in Xero payloads; use Decimal")
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__}")


def loads(text: str) -> Any:
    return json.loads(text, parse_float=Decimal)


def idempotency_key(tenant_id: str, parts: list[tuple[str, Mapping[str, Any]]]) -> str:
    """sha256 over tenant + each document's key and its payload exactly as serialised.

    The same documents in the same versions give the same key (a retried or replayed call cannot write
    twice), and any change to a payload gives a new key (Xero may refuse a known key with another body).
    """
    digest = hashlib.sha256(tenant_id.encode())
    for key, payload in parts:
        digest.update(b"\x00" + key.encode() + b"\x00")
        digest.update(hashlib.sha256(dumps(payload).encode()).digest())
    return "dx-" + digest.hexdigest()[: IDEMPOTENCY_KEY_MAX - 3]


# ---- rate limiting ---------------------------------------------------------------------------------------
@dataclass
class LimitState:
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


# ---- auth ------------------------------------------------------------------------------------------------
@dataclass
class _Token:
    access_token: str = ""
    expires_at: float = 0.0


def _token_error(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        code = str(body.get("error", ""))[:64]
        return code or f"HTTP {response.status_code}"
    return f"HTTP {response.status_code}"


class Authenticator:
    def __init__(
        self,
        auth: ClientCredentialsAuth | RefreshTokenAuth,
        token_url: str,
        session: requests.Session,
        store: TokenStore | None = None,
        clock: Callable[[], float] = time.time,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        max_tries: int = 6,
    ) -> None:
        self.auth = auth
        self.sleep = sleep
        self.max_tries = max_tries
        self.token_url = token_url
        self.session = session
        self.clock = clock
        self.timeout = timeout
        self._token = _Token()
        self._lock = threading.Lock()
        # What the last token response says was granted (None: it did not say); `check` reports on it.
        self.granted_scopes: frozenset[str] | None = None
        if isinstance(auth, RefreshTokenAuth):
            if store is None:
                if auth.token_store_path:
                    store = FileTokenStore(auth.token_store_path)
                else:
                    initial = auth.refresh_token.get_secret_value() if auth.refresh_token else None
                    store = MemoryTokenStore(initial)
            self.store: TokenStore | None = store
        else:
            self.store = None

    def secrets(self) -> list[str]:
        values = [self.auth.client_secret.get_secret_value(), self._token.access_token]
        if isinstance(self.auth, RefreshTokenAuth) and self.auth.refresh_token:
            values.append(self.auth.refresh_token.get_secret_value())
        if self.store is not None:
            stored = self.store.load()
            if stored:
                values.append(stored)
        return [v for v in values if v]

    def access_token(self, force: bool = False) -> str:
        with self._lock:
            if force or not self._token.access_token or self.clock() >= self._token.expires_at:
                self._token = self._fetch()
            return self._token.access_token

    def _post(self, data: dict[str, str]) -> requests.Response:
        """POST to the token endpoint, retrying outages and throttles (a lost answer to a refresh is safe
        to retry: the token just used stays valid for Xero's 30-minute grace window)."""
        reason = ""
        for attempt in range(self.max_tries):
            if attempt:
                self.sleep(min(BACKOFF_MAX, BACKOFF_BASE * 2**attempt))
            try:
                response = self.session.post(
                    self.token_url,
                    data=data,
                    auth=(self.auth.client_id, self.auth.client_secret.get_secret_value()),
                    headers={"Accept": "application/json"},
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                reason = type(exc).__name__
                continue
            if response.status_code == 429 or response.status_code in RETRY_STATUSES:
                reason = f"HTTP {response.status_code}"
                continue
            return response
        raise AuthError(f"cannot reach the Xero token endpoint after {self.max_tries} tries: {reason}")

    def _accept(self, response: requests.Response) -> tuple[_Token, dict[str, Any]]:
        body = response.json()
        expires_in = float(body.get("expires_in", 1800))
        # Renew a minute early, but never earlier than half-way: a short-lived token (a test or a proxy
        # handing out 60 s tokens) would otherwise be refreshed before every call.
        margin = min(REFRESH_MARGIN_SECONDS, expires_in / 2)
        token = _Token(str(body["access_token"]), self.clock() + expires_in - margin)
        self.granted_scopes = granted_from_token(body)
        return token, body

    def _fetch(self) -> _Token:
        if isinstance(self.auth, ClientCredentialsAuth):
            data = {"grant_type": "client_credentials"}
            if self.auth.scopes:
                data["scope"] = self.auth.scopes
            response = self._post(data)
            if response.status_code == 400 and _token_error(response) == "invalid_scope":
                raise AuthError(
                    "Xero refused the scopes asked for (invalid_scope): auth.scopes names a scope the "
                    f"custom connection does not have ({CUTOFF_NOTE}); tick the scopes for the app at "
                    "developer.xero.com, or leave auth.scopes unset to get the app's own",
                    response.status_code,
                )
            if response.status_code != 200:
                raise AuthError(
                    f"Xero refused the client credentials ({_token_error(response)}): check client_id and "
                    "client_secret of the custom connection",
                    response.status_code,
                )
            return self._accept(response)[0]
        assert self.store is not None
        with self.store.locked():
            refresh = self.store.load()
            if refresh is None and self.auth.refresh_token is not None:
                refresh = self.auth.refresh_token.get_secret_value()
            if not refresh:
                raise AuthError("no refresh token: set auth.refresh_token (first run) or fill the store")
            response = self._post({"grant_type": "refresh_token", "refresh_token": refresh})
            if response.status_code == 400 and _token_error(response) == "invalid_grant":
                path = self.auth.token_store_path
                todo = (
                    f"run `xero-auth --token-store {path}` (it writes the new refresh token there)"
                    if path
                    else "run `xero-auth` and put the refresh token it stores in the config"
                )
                raise AuthError(
                    f"Xero refused the refresh token ({_token_error(response)}): it expired (unused for 60 "
                    "days), was revoked, or was rotated by another process. Reconnect the Xero app: "
                    f"{todo}.",
                    response.status_code,
                )
            if response.status_code != 200:
                error = _token_error(response)
                hint = ": check auth.client_id and auth.client_secret" if error == "invalid_client" else ""
                raise AuthError(f"Xero refused the refresh ({error}){hint}", response.status_code)
            token, body = self._accept(response)
            rotated = body.get("refresh_token")
            if rotated and rotated != refresh:
                self.store.save(str(rotated))  # durable before the access token is ever used
            return token


# ---- the client ------------------------------------------------------------------------------------------
@dataclass
class Response:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


class XeroClient:
    def __init__(
        self,
        config: Config,
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
        self.config = config
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
        response = self._send("GET", self.config.xero.connections(), None, None, None, None)
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
    ) -> Response:
        url = f"{self.api_url}/{path.lstrip('/')}"
        response = self._send(method, url, tenant_id, params, body, idempotency_key)
        if response.status >= 400:
            raise _error(method, path, response)
        return response

    def _send(
        self,
        method: str,
        url: str,
        tenant_id: str | None,
        params: Mapping[str, Any] | None,
        body: Any,
        key: str | None,
    ) -> Response:
        data = dumps(body) if body is not None else None
        refreshed = False
        failures = 0
        throttles = 0
        while True:
            headers = {"Authorization": f"Bearer {self.auth.access_token()}", "Accept": "application/json"}
            if tenant_id is not None:
                headers["xero-tenant-id"] = tenant_id
            if data is not None:
                headers["Content-Type"] = "application/json"
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
                        message = f"{method} {_path(url)} still throttled after {MAX_THROTTLES} waits"
                        raise XeroError(message, 429)
                    self._throttled(limiter, tenant_id or "-", raw)
                    continue
                if raw.status_code not in RETRY_STATUSES:
                    return Response(raw.status_code, _parse(raw), raw.headers)
                reason = f"HTTP {raw.status_code}"
            failures += 1
            if failures >= self.max_tries:
                raise XeroError(f"{method} {_path(url)} failed after {failures} tries: {reason}")
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


def _path(url: str) -> str:
    marker = "/api.xro/2.0"
    return url[url.index(marker) + len(marker) :] if marker in url else url.split("?")[0]


def _parse(raw: requests.Response) -> Any:
    if not raw.content:
        return None
    try:
        return loads(raw.text)
    except ValueError:
        return raw.text[:500]


def validation_messages(element: Mapping[str, Any]) -> list[str]:
    messages = []
    for key in ("ValidationErrors", "Warnings"):
        for item in element.get(key) or []:
            if isinstance(item, Mapping) and item.get("Message"):
                messages.append(str(item["Message"]))
    return messages


def _error(method: str, path: str, response: Response) -> XeroError:
    body = response.body
    messages: list[str] = []
    summary = ""
    if isinstance(body, Mapping):
        summary = str(body.get("Message") or body.get("Detail") or body.get("Title") or "")
        for element in body.get("Elements") or []:
            if isinstance(element, Mapping):
                messages.extend(validation_messages(element))
    elif isinstance(body, str):
        summary = body[:200]
    text = f"{method} {path.split('?')[0]} failed: HTTP {response.status}"
    if summary:
        text += f" {summary}"
    if messages:
        text += ": " + "; ".join(messages)
    cls = TenantAccessError if response.status in (401, 403) else XeroError
    return cls(text, response.status, messages or ([summary] if summary else []))
