"""Access tokens: the client-credentials grant, and the refresh-token grant with its rotation.

Why the order matters: Xero rotates the refresh token on every refresh and the old one dies 30 minutes
later, so every refresh token is persisted through the `TokenStore` BEFORE the access token from the same
response is used (tokens.py); a crash in between then loses nothing. A lost answer from the token
endpoint is retried (the token just used stays valid for Xero's grace window). Every refusal is an
`AuthError` saying what to fix (which credential, which scope, whether to run `xero-auth` again) and
never quoting a secret.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from .errors import AuthError, token_error
from .limiter import BACKOFF_BASE, BACKOFF_MAX, RETRY_STATUSES
from .scopes import CUTOFF_NOTE, granted_from_token
from .settings import ClientCredentialsAuth, RefreshTokenAuth
from .tokens import FileTokenStore, MemoryTokenStore, TokenStore

# Renew this long before expiry (at most half the token's life: see `_accept`).
REFRESH_MARGIN_SECONDS = 60


@dataclass
class _Token:
    access_token: str = ""
    expires_at: float = 0.0


class Authenticator:
    """The access token for one app, fetched by either grant and renewed before it expires.

    Thread-safe (the writer's workers share it); with a refresh token, the read-refresh-write runs under
    the store's lock so two processes never spend the same refresh token."""

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
            if response.status_code == 400 and token_error(response) == "invalid_scope":
                raise AuthError(
                    "Xero refused the scopes asked for (invalid_scope): auth.scopes names a scope the "
                    f"custom connection does not have ({CUTOFF_NOTE}); tick the scopes for the app at "
                    "developer.xero.com, or leave auth.scopes unset to get the app's own",
                    response.status_code,
                )
            if response.status_code != 200:
                raise AuthError(
                    f"Xero refused the client credentials ({token_error(response)}): check client_id and "
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
            if response.status_code == 400 and token_error(response) == "invalid_grant":
                path = self.auth.token_store_path
                todo = (
                    f"run `xero-auth --token-store {path}` (it writes the new refresh token there)"
                    if path
                    else "run `xero-auth` and put the refresh token it stores in the config"
                )
                raise AuthError(
                    f"Xero refused the refresh token ({token_error(response)}): it expired (unused for 60 "
                    "days), was revoked, or was rotated by another process. Reconnect the Xero app: "
                    f"{todo}.",
                    response.status_code,
                )
            if response.status_code != 200:
                error = token_error(response)
                hint = ": check auth.client_id and auth.client_secret" if error == "invalid_client" else ""
                raise AuthError(f"Xero refused the refresh ({error}){hint}", response.status_code)
            token, body = self._accept(response)
            rotated = body.get("refresh_token")
            if rotated and rotated != refresh:
                self.store.save(str(rotated))  # durable before the access token is ever used
            return token
