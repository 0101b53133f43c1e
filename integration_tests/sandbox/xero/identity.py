"""Xero's identity server: consent, tokens, refresh-token rotation, revocation and connections.

The rules a connector must survive are the point of this module:
- access tokens live `token_ttl` seconds (1800 by default) on the sandbox clock;
- every refresh returns a NEW refresh token; the one just used stays valid for a 30-minute grace window
  (so a lost response can be retried) and then answers `invalid_grant`; a refresh token never used
  expires 60 days after it was issued;
- `offline_access` must be in the consented scopes or no refresh token is issued at all;
- a custom connection (`client_credentials`) gets an access token for exactly one tenant and never a
  refresh token;
- `DELETE /connections/{id}` disconnects a tenant: every token of that app then gets 403 on it;
- the standard app holds at most its tier's organisations (`max_connections`, tiers.py): start-up
  connects the first ones, and a consent that would pass the cap ends on Xero's `/connectionLimit` page;
- each app has a creation date (`app_created`): one created on or after 2 March 2026 (the default) may
  not ask for the broad `accounting.transactions[.read]` / `accounting.reports.read`, one created before
  may ask for both the broad and the granular scopes (scopes.py has the rule and its sources).

Choices where the sources are silent (UNCONFIRMED; the stricter option is taken):
- authorization codes are single-use and live 5 minutes; the `redirect_uri` of the token exchange must
  equal the one of the consent request; PKCE (`S256`/`plain`) is honoured when a challenge was sent;
- only loopback redirect URIs (127.0.0.1, localhost, [::1]; http or https, any port) are accepted, since
  nothing else can be registered for the sandbox app; any other is refused on the consent page itself
  (400, no redirect), as is an unknown client;
- revoking a refresh token (`/connect/revocation`) ends its whole rotation family, the access tokens
  issued from it, and the connections its consent created;
- `client_credentials` is refused for the standard app and `authorization_code`/`refresh_token` for the
  custom-connection app (`unauthorized_client`);
- a call whose token lacks the scope an endpoint needs answers 401 `AuthorizationUnsuccessful` (reads
  accept the `.read` variant; writes need the full scope; scopes.py maps each endpoint family);
- a new app asking for a broad scope at consent is refused on the consent page itself (400, no redirect)
  with `unauthorized_client` / "Invalid scope for client": the text Xero's own error page shows for a
  scope the app may not have (XeroAPI/xero-python-oauth2-app#14, xero-ruby#222; apideck's help article
  on apps created after 2 March 2026 lists it). At the token endpoint (`client_credentials` with a
  `scope`, or a refresh naming one) the same request is a 400 `invalid_scope`, the other error those
  reports give; a refresh may only name scopes already consented;
- `POST /__sandbox/reset` re-arms the printed refresh token and every connection and lifts revocations,
  but tokens already issued stay valid.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from ..clock import SandboxClock
from ..credentials import XeroCredentials
from .scopes import ALL_ACCOUNTING_SCOPES, NEW_APP_CREATED, accounting_scopes, refused_for_app
from .tiers import ConnectionLimitReached

REFRESH_GRACE_SECONDS = 30 * 60
REFRESH_UNUSED_SECONDS = 60 * 24 * 3600
AUTH_CODE_SECONDS = 5 * 60

IDENTITY_SCOPES = ("openid", "profile", "email", "offline_access")
KNOWN_SCOPES = frozenset(ALL_ACCOUNTING_SCOPES + IDENTITY_SCOPES + ("marketplace.billing",))
INVALID_SCOPE_FOR_CLIENT = "Invalid scope for client"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_CONNECTION_NAMESPACE = uuid.UUID("0d3f8a8e-5f7c-4f43-9a57-3c1f9c7a2b10")


class OAuthError(Exception):
    """An identity-server refusal: `{"error": code}` with HTTP 400 (or the given status)."""

    def __init__(self, code: str, description: str | None = None, status: int = 400) -> None:
        super().__init__(code)
        self.code = code
        self.description = description
        self.status = status


@dataclass
class Connection:
    id: str
    client_id: str
    tenant_id: str
    tenant_name: str
    auth_event_id: str
    created: float
    updated: float


@dataclass
class RefreshToken:
    family: str
    client_id: str
    scope: str
    auth_event_id: str
    issued: float
    superseded: float | None = None


@dataclass
class AccessToken:
    family: str | None
    client_id: str
    scope: frozenset[str]
    expires: float
    tenant_ids: frozenset[str] | None  # None: whatever the app is connected to now


@dataclass
class AuthCode:
    client_id: str
    redirect_uri: str
    scope: str
    expires: float
    challenge: str | None
    challenge_method: str
    nonce: str | None


@dataclass
class TokenSet:
    access_token: str
    expires_in: int
    scope: str
    refresh_token: str | None = None
    id_token: str | None = None

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {}
        if self.id_token:
            body["id_token"] = self.id_token
        body.update(
            {
                "access_token": self.access_token,
                "expires_in": self.expires_in,
                "token_type": "Bearer",
            }
        )
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        body["scope"] = self.scope
        return body


@dataclass
class AccessCheck:
    """The outcome of checking a Bearer token: `ok`, or why not (and when it expired)."""

    ok: bool
    client_id: str = ""
    reason: str = "invalid"  # invalid | expired
    expired_at: float = 0.0
    scope: frozenset[str] = frozenset()
    tenant_ids: frozenset[str] | None = None


@dataclass
class _State:
    codes: dict[str, AuthCode] = field(default_factory=dict)
    refresh: dict[str, RefreshToken] = field(default_factory=dict)
    access: dict[str, AccessToken] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    revoked_families: set[str] = field(default_factory=set)


class Identity:
    """Thread-safe token and connection store for the standard app and the custom-connection app."""

    def __init__(
        self,
        clock: SandboxClock,
        credentials: XeroCredentials,
        tenants: list[tuple[str, str]],
        token_ttl: int = 1800,
        app_created: dt.date = NEW_APP_CREATED,
        max_connections: int | None = None,
    ) -> None:
        self.clock = clock
        self.credentials = credentials
        self.tenants = list(tenants)
        self.token_ttl = token_ttl
        self.app_created = app_created
        self.max_connections = max_connections  # the app tier's cap (tiers.py); None: no cap
        self.app_scopes = accounting_scopes(app_created)
        self._lock = threading.Lock()
        self._initial_refresh = "sbx_rt_" + secrets.token_urlsafe(32)
        self._state = _State()
        self.reset()

    # --- lifecycle -----------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to start-up: the printed refresh token valid again, every tenant connected to the app,
        nothing revoked. Tokens already issued stay valid (a client mid-session keeps working across a
        test's reset, as its tokens would across a data restore in Xero)."""
        with self._lock:
            now = self.clock.time()
            self._state = _State(refresh=self._state.refresh, access=self._state.access)
            event = str(uuid.uuid4())
            for tenant_id, name in self.tenants[: self.max_connections]:  # the tier's first organisations
                self._connect(self.credentials.client_id, tenant_id, name, event, now)
            if self.tenants:
                tenant_id, name = self.tenants[0]
                self._connect(self.credentials.custom_client_id, tenant_id, name, str(uuid.uuid4()), now)
            self._state.refresh[self._initial_refresh] = RefreshToken(
                family=str(uuid.uuid4()),
                client_id=self.credentials.client_id,
                scope=" ".join(IDENTITY_SCOPES + self.app_scopes),
                auth_event_id=event,
                issued=now,
            )

    @property
    def initial_refresh_token(self) -> str:
        return self._initial_refresh

    def _connect(self, client_id: str, tenant_id: str, name: str, event: str, now: float) -> None:
        for conn in self._state.connections.values():
            if conn.client_id == client_id and conn.tenant_id == tenant_id:
                conn.auth_event_id = event
                conn.updated = now
                return
        conn_id = str(uuid.uuid5(_CONNECTION_NAMESPACE, f"{client_id}/{tenant_id}"))
        self._state.connections[conn_id] = Connection(conn_id, client_id, tenant_id, name, event, now, now)

    # --- client authentication -------------------------------------------------------------------------

    def client_kind(self, client_id: str, client_secret: str | None, *, pkce: bool = False) -> str:
        """'standard' or 'custom'; raises invalid_client for anything else."""
        creds = self.credentials
        if client_id == creds.client_id and (
            (client_secret is not None and secrets.compare_digest(client_secret, creds.client_secret))
            or (pkce and client_secret is None)
        ):
            return "standard"
        if (
            client_id == creds.custom_client_id
            and client_secret is not None
            and secrets.compare_digest(client_secret, creds.custom_client_secret)
        ):
            return "custom"
        raise OAuthError("invalid_client")

    # --- consent ---------------------------------------------------------------------------------------

    def authorize(
        self,
        response_type: str,
        client_id: str,
        redirect_uri: str,
        scope: str,
        state: str | None,
        code_challenge: str | None = None,
        code_challenge_method: str | None = None,
        nonce: str | None = None,
    ) -> str:
        """Auto-consent: returns the URL to redirect to. Raises OAuthError for a page-level refusal."""
        if client_id != self.credentials.client_id:
            raise OAuthError("unauthorized_client", "Unknown client or client not enabled")
        if not is_loopback(redirect_uri):
            raise OAuthError("invalid_request", "Invalid redirect_uri")

        def fail(code: str, description: str) -> str:
            params = {"error": code, "error_description": description}
            if state is not None:
                params["state"] = state
            return _with_query(redirect_uri, params)

        if response_type != "code":
            return fail("unsupported_response_type", "Only response_type=code is supported")
        scopes = scope.split()
        if not scopes:
            return fail("invalid_scope", "No scope requested")
        unknown = [s for s in scopes if s not in KNOWN_SCOPES]
        if unknown:
            return fail("invalid_scope", f"Invalid scope: {' '.join(unknown)}")
        if refused_for_app(scopes, self.app_created):
            # Xero's own error page, not a redirect: the app is not allowed these scopes at all.
            raise OAuthError("unauthorized_client", INVALID_SCOPE_FOR_CLIENT)
        method = code_challenge_method or ("plain" if code_challenge else "")
        if code_challenge and method not in ("S256", "plain"):
            return fail("invalid_request", "Unsupported code_challenge_method")
        self._check_connection_cap(client_id)
        code = secrets.token_urlsafe(32)
        now = self.clock.time()
        with self._lock:
            self._state.codes[code] = AuthCode(
                client_id=client_id,
                redirect_uri=redirect_uri,
                scope=" ".join(scopes),
                expires=now + AUTH_CODE_SECONDS,
                challenge=code_challenge,
                challenge_method=method,
                nonce=nonce,
            )
        params = {"code": code, "scope": " ".join(scopes)}
        if state is not None:
            params["state"] = state
        return _with_query(redirect_uri, params)

    def _check_connection_cap(self, client_id: str) -> None:
        """Consent connects every organisation of the sandbox user: refused (ConnectionLimitReached) when
        that would take the app past its tier's cap, counting the organisations it already holds."""
        if self.max_connections is None:
            return
        with self._lock:
            held = {c.tenant_id for c in self._state.connections.values() if c.client_id == client_id}
        if len(held | {tenant_id for tenant_id, _ in self.tenants}) > self.max_connections:
            raise ConnectionLimitReached()

    # --- token endpoint --------------------------------------------------------------------------------

    def exchange_code(
        self, client_id: str, client_secret: str | None, code: str, redirect_uri: str, verifier: str | None
    ) -> TokenSet:
        with self._lock:
            grant = self._state.codes.pop(code, None)
        kind = self.client_kind(client_id, client_secret, pkce=bool(grant and grant.challenge))
        if kind != "standard":
            raise OAuthError("unauthorized_client")
        now = self.clock.time()
        if grant is None or grant.client_id != client_id or grant.expires <= now:
            raise OAuthError("invalid_grant")
        if grant.redirect_uri != redirect_uri:
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
        if grant.challenge and (not verifier or _pkce(verifier, grant.challenge_method) != grant.challenge):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        event = str(uuid.uuid4())
        with self._lock:
            for tenant_id, name in self.tenants:
                self._connect(client_id, tenant_id, name, event, now)
            return self._issue(
                client_id, grant.scope, family=str(uuid.uuid4()), event=event, nonce=grant.nonce
            )

    def refresh(
        self, client_id: str, client_secret: str | None, token: str, scope: str | None = None
    ) -> TokenSet:
        kind = self.client_kind(client_id, client_secret)
        if kind != "standard":
            raise OAuthError("unauthorized_client")
        now = self.clock.time()
        with self._lock:
            current = self._state.refresh.get(token)
            if (
                current is None
                or current.client_id != client_id
                or current.family in self._state.revoked_families
            ):
                raise OAuthError("invalid_grant")
            if current.superseded is not None and now > current.superseded + REFRESH_GRACE_SECONDS:
                raise OAuthError("invalid_grant")
            if current.superseded is None and now > current.issued + REFRESH_UNUSED_SECONDS:
                raise OAuthError("invalid_grant")
            self._check_refresh_scope(scope, current.scope)
            if current.superseded is None:
                current.superseded = now
            return self._issue(client_id, current.scope, family=current.family, event=current.auth_event_id)

    def client_credentials(self, client_id: str, client_secret: str | None, scope: str | None) -> TokenSet:
        kind = self.client_kind(client_id, client_secret)
        if kind != "custom":
            raise OAuthError("unauthorized_client")
        requested = (scope or "").split() or list(self.app_scopes)
        bad = [s for s in requested if s not in self.app_scopes and s != "marketplace.billing"]
        if bad:
            raise OAuthError("invalid_scope")
        with self._lock:
            tenant = frozenset(
                c.tenant_id for c in self._state.connections.values() if c.client_id == client_id
            )
            access = "sbx_at_" + secrets.token_urlsafe(40)
            self._state.access[access] = AccessToken(
                family=None,
                client_id=client_id,
                scope=frozenset(requested),
                expires=self.clock.time() + self.token_ttl,
                tenant_ids=tenant,
            )
        return TokenSet(access_token=access, expires_in=self.token_ttl, scope=" ".join(requested))

    def _check_refresh_scope(self, requested: str | None, granted: str) -> None:
        """A `scope` sent with a refresh (xero-python sends one) may only repeat what was consented, and
        never a scope this app may not have; the tokens keep the consented scopes."""
        if not requested:
            return
        asked = requested.split()
        if refused_for_app(asked, self.app_created) or not set(asked) <= set(granted.split()):
            raise OAuthError("invalid_scope")

    def _issue(
        self, client_id: str, scope: str, *, family: str, event: str, nonce: str | None = None
    ) -> TokenSet:
        """A new access token (and refresh token when offline_access was consented); caller holds the lock."""
        now = self.clock.time()
        scopes = scope.split()
        access = "sbx_at_" + secrets.token_urlsafe(40)
        self._state.access[access] = AccessToken(
            family=family,
            client_id=client_id,
            scope=frozenset(scopes),
            expires=now + self.token_ttl,
            tenant_ids=None,
        )
        refresh = None
        if "offline_access" in scopes:
            refresh = "sbx_rt_" + secrets.token_urlsafe(32)
            self._state.refresh[refresh] = RefreshToken(family, client_id, scope, event, issued=now)
        id_token = _id_token(client_id, now, self.token_ttl, nonce) if "openid" in scopes else None
        return TokenSet(access, self.token_ttl, scope, refresh, id_token)

    def revoke(self, client_id: str, client_secret: str | None, token: str) -> None:
        """RFC 7009: unknown tokens are not an error; a known refresh token ends its whole family."""
        self.client_kind(client_id, client_secret)
        with self._lock:
            found = self._state.refresh.get(token)
            if found is not None and found.client_id == client_id:
                self._state.revoked_families.add(found.family)
                for key in [k for k, a in self._state.access.items() if a.family == found.family]:
                    del self._state.access[key]
                for conn_id in [
                    k
                    for k, c in self._state.connections.items()
                    if c.client_id == client_id and c.auth_event_id == found.auth_event_id
                ]:
                    del self._state.connections[conn_id]
                return
            access = self._state.access.get(token)
            if access is not None and access.client_id == client_id:
                del self._state.access[token]

    # --- resource side ---------------------------------------------------------------------------------

    def check_access(self, token: str | None) -> AccessCheck:
        if not token:
            return AccessCheck(ok=False)
        with self._lock:
            found = self._state.access.get(token)
            if found is None or (found.family is not None and found.family in self._state.revoked_families):
                return AccessCheck(ok=False)
        if self.clock.time() >= found.expires:
            return AccessCheck(
                ok=False, reason="expired", expired_at=found.expires, client_id=found.client_id
            )
        return AccessCheck(ok=True, client_id=found.client_id, scope=found.scope, tenant_ids=found.tenant_ids)

    def is_connected(self, check: AccessCheck, tenant_id: str) -> bool:
        if check.tenant_ids is not None and tenant_id not in check.tenant_ids:
            return False
        with self._lock:
            return any(
                c.client_id == check.client_id and c.tenant_id == tenant_id
                for c in self._state.connections.values()
            )

    def connections(self, client_id: str, auth_event_id: str | None = None) -> list[Connection]:
        with self._lock:
            found = [c for c in self._state.connections.values() if c.client_id == client_id]
        if auth_event_id:
            found = [c for c in found if c.auth_event_id == auth_event_id]
        return sorted(found, key=lambda c: (c.created, c.tenant_name))

    def delete_connection(self, client_id: str, connection_id: str) -> bool:
        with self._lock:
            conn = self._state.connections.get(connection_id)
            if conn is None or conn.client_id != client_id:
                return False
            del self._state.connections[connection_id]
            return True


def is_loopback(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
        host = parts.hostname
    except ValueError:
        return False
    return (
        parts.scheme in ("http", "https")
        and host is not None
        and host.lower() in LOOPBACK_HOSTS
        and not parts.fragment
    )


def _with_query(uri: str, params: dict[str, str]) -> str:
    separator = "&" if urlsplit(uri).query else "?"
    return uri + separator + urlencode(params)


def _pkce(verifier: str, method: str) -> str:
    if method == "plain":
        return verifier
    digest = hashlib.sha256(verifier.encode("ascii", errors="replace")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()


def _id_token(client_id: str, now: float, ttl: int, nonce: str | None) -> str:
    """A JWT-shaped id_token (not signed by anything a client should trust: it is a sandbox)."""
    claims: dict[str, object] = {
        "iss": "https://identity.xero.com",
        "aud": client_id,
        "iat": int(now),
        "exp": int(now) + ttl,
        "sub": "sandbox-user",
        "xero_userid": "00000000-0000-4000-8000-000000000001",
        "email": "finance@sandbox.example",
        "given_name": "Sandbox",
        "family_name": "User",
    }
    if nonce:
        claims["nonce"] = nonce
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.{secrets.token_urlsafe(16)}"
