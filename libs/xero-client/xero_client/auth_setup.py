"""`xero-auth`: one-time consent for a standard Xero app, so the connectors get their first refresh token.

A standard app can only obtain a refresh token through a person consenting in a browser; nothing else in
this project can start that chain. The helper runs the authorization-code flow with PKCE (S256) and a
random `state`, receives the redirect on a one-shot loopback listener, exchanges the code (client auth by
Basic header), stores the refresh token in the same `FileTokenStore` the connectors read (atomic, 0600)
and lists the organisations the consent reached, with a `tenants:` snippet to paste into the mapping file.

Secrets never reach the screen: the client secret comes only from the environment (or a hidden prompt on
a terminal), never from argv (which `ps` shows); tokens are stored, not printed.

Choices where the sources are silent (UNCONFIRMED; the option that fails loudly is taken):
- the token is stored BEFORE the connections are listed: the code is single-use, so a failure while
  listing must not lose the only refresh token the consent produced;
- a token response without `refresh_token` (consent without `offline_access`) is an error, not a
  half-success, since the connectors could not run with it;
- the callback's `state` is compared before anything else; a mismatch or a missing state aborts without
  exchanging the code (the code may come from someone else's consent);
- requests to the listener on another path (a browser's favicon) get 404 and do not end the wait.

Scopes (scopes.py says why): by default the granular set both connectors need, which every Xero app
accepts; `--legacy-scopes` asks for the broad `accounting.transactions` set that only apps created before
2 March 2026 may use; `--scopes` names them. Xero refuses a broad scope to a newer app on its own consent
page (`unauthorized_client` / "Invalid scope for client") without redirecting back, so when a broad scope
is asked for the helper says so up front, and its timeout and error messages say which flag to drop.

The browser half (PKCE, the loopback listener, the redirect's checks) is consent.py; this module is the
command: its options, the code exchange, the token store and the listing of organisations.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import secrets
import sys
import webbrowser
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import requests

from .consent import (
    CALLBACK_PATH,
    Callback,
    SetupError,
    broad_scopes,
    check_callback,
    pkce_pair,
    scope_advice,
    start_listener,
    wait_for_callback,
)
from .scopes import (
    CUTOFF_NOTE,
    LEGACY_XERO_AUTH_SCOPES,
    XERO_AUTH_SCOPES,
    granted_from_token,
)
from .tokens import FileTokenStore, TokenStoreError

__all__ = [  # with the consent-flow names (consent.py), still importable from here
    "CALLBACK_PATH",
    "DEFAULT_AUTHORIZE_URL",
    "DEFAULT_CONNECTIONS_URL",
    "DEFAULT_IDENTITY_URL",
    "DEFAULT_SCOPES",
    "DEFAULT_TOKEN_STORE",
    "HTTP_TIMEOUT",
    "Callback",
    "Grant",
    "Options",
    "SetupError",
    "broad_scopes",
    "check_callback",
    "exchange_code",
    "list_connections",
    "main",
    "parse_args",
    "pkce_pair",
    "run",
    "scope_advice",
    "start_listener",
    "store_token",
    "tenants_snippet",
    "wait_for_callback",
]

DEFAULT_AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
DEFAULT_IDENTITY_URL = "https://identity.xero.com"
DEFAULT_CONNECTIONS_URL = "https://api.xero.com/connections"
DEFAULT_TOKEN_STORE = "~/.config/autotask-xero/xero-token.json"
DEFAULT_SCOPES = XERO_AUTH_SCOPES
HTTP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Options:
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    connections_url: str
    scopes: str
    port: int
    timeout: float
    token_store: str
    open_browser: bool


def _oauth_error(response: requests.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "", ""
    if not isinstance(body, dict):
        return "", ""
    return str(body.get("error") or ""), str(body.get("error_description") or "")


@dataclass(frozen=True)
class Grant:
    """What the code exchange gave: the tokens, and the scopes Xero says it granted (None: not said)."""

    refresh_token: str
    access_token: str
    scopes: frozenset[str] | None


def exchange_code(options: Options, code: str, redirect_uri: str, verifier: str) -> Grant:
    """The tokens from the code exchange (an error the user can act on for every refusal)."""
    try:
        response = requests.post(
            options.token_url,
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": verifier,
            },
            auth=(options.client_id, options.client_secret),
            headers={"Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise SetupError(
            f"cannot reach the token endpoint {options.token_url}: {type(exc).__name__}"
        ) from None
    if response.status_code != 200:
        error, description = _oauth_error(response)
        if error == "invalid_client":
            raise SetupError(
                "Xero rejected the client credentials (invalid_client): check XERO_CLIENT_ID / --client-id "
                "and XERO_CLIENT_SECRET against the app at developer.xero.com"
            )
        if error == "invalid_scope":
            raise SetupError(
                f"Xero refused the scopes asked for (invalid_scope): {scope_advice(options.scopes)}"
            )
        if error == "invalid_grant":
            raise SetupError(
                "Xero refused the authorization code (invalid_grant"
                + (f": {description}" if description else "")
                + "); codes are single-use and short-lived, run xero-auth again"
            )
        shown = error or f"HTTP {response.status_code}"
        raise SetupError(f"the token exchange failed ({shown}{': ' + description if description else ''})")
    try:
        body = response.json()
    except ValueError:
        raise SetupError("the token endpoint answered 200 with a body that is not JSON") from None
    refresh = body.get("refresh_token") if isinstance(body, dict) else None
    if not isinstance(refresh, str) or not refresh:
        raise SetupError(
            "Xero issued no refresh token: the scopes must include offline_access (see --scopes)"
        )
    access = body.get("access_token")
    if not isinstance(access, str) or not access:
        raise SetupError("the token response carried no access token")
    return Grant(refresh, access, granted_from_token(body))


def list_connections(url: str, access_token: str) -> list[dict[str, str]]:
    try:
        response = requests.get(
            url,
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=HTTP_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise SetupError(f"cannot reach {url}: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise SetupError(f"listing the connected organisations at {url} failed (HTTP {response.status_code})")
    try:
        body = response.json()
    except ValueError:
        raise SetupError(f"{url} answered with a body that is not JSON") from None
    if not isinstance(body, list):
        raise SetupError(f"{url} answered with something other than a list of connections")
    found: list[dict[str, str]] = []
    for item in body:
        if isinstance(item, dict) and item.get("tenantId"):
            found.append(
                {
                    "tenant_id": str(item["tenantId"]),
                    "name": str(item.get("tenantName") or ""),
                    "type": str(item.get("tenantType") or ""),
                }
            )
    return found


def tenants_snippet(tenants: list[dict[str, str]]) -> str:
    """YAML for the mapping file; values are JSON strings, which YAML reads verbatim whatever they hold."""
    lines = ["tenants:"]
    for tenant in tenants:
        lines.append(f"  - tenant_id: {json.dumps(tenant['tenant_id'])}")
        lines.append(f"    name: {json.dumps(tenant['name'] or tenant['tenant_id'], ensure_ascii=False)}")
    return "\n".join(lines)


def store_token(path: str, refresh_token: str) -> FileTokenStore:
    store = FileTokenStore(path)
    try:
        with store.locked():  # a connector refreshing at this moment must not interleave with the write
            store.save(refresh_token)
    except (OSError, TokenStoreError) as exc:
        raise SetupError(f"cannot write the token store {store.path}: {exc}") from None
    return store


def run(options: Options) -> int:
    listener = start_listener(options.port)
    try:
        port = listener.server_address[1]
        redirect_uri = f"http://127.0.0.1:{port}{CALLBACK_PATH}"
        state = secrets.token_urlsafe(24)
        verifier, challenge = pkce_pair()
        query = urlencode(
            {
                "response_type": "code",
                "client_id": options.client_id,
                "redirect_uri": redirect_uri,
                "scope": options.scopes,
                "state": state,
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
            quote_via=quote,  # scopes as %20, which every OAuth server reads; '+' is form-only
        )
        url = f"{options.authorize_url}?{query}"
        _say(f"Redirect URI (must be registered, exactly, in your Xero app): {redirect_uri}")
        if options.port == 0:
            _say("  (a free port was picked; for a real Xero app use a fixed --port and register that URI)")
        _say("Open this URL, sign in to Xero and allow access to every organisation the connectors need:")
        _say(url)
        if options.open_browser:
            try:
                webbrowser.open(url)
            except webbrowser.Error:
                _say("(could not open a browser: open the URL yourself)")
        broad = broad_scopes(options.scopes)
        if broad:
            _say(
                f"Note: asking for {' '.join(broad)}. {CUTOFF_NOTE}: if Xero shows 'unauthorized_client: "
                "Invalid scope for client', stop here (Ctrl-C) and run xero-auth without --scopes / "
                "--legacy-scopes."
            )
        _say(f"Waiting up to {options.timeout:g}s for the redirect...")
        callback = wait_for_callback(listener, options.timeout, options.scopes)
    finally:
        listener.server_close()
    code = check_callback(callback, state, options.scopes)
    grant = exchange_code(options, code, redirect_uri, verifier)
    store = store_token(options.token_store, grant.refresh_token)
    _say(f"Refresh token stored in {store.path} (mode 0600); the connectors read it from there.")
    if grant.scopes is not None:
        _say("Scopes granted: " + " ".join(sorted(grant.scopes)))
    tenants = list_connections(options.connections_url, grant.access_token)
    if not tenants:
        _say("No organisation is connected: run again and select at least one organisation in Xero.")
        return 1
    _say(f"Connected organisations ({len(tenants)}):")
    for tenant in tenants:
        _say(f"  {tenant['name'] or '(no name)'}  tenant id: {tenant['tenant_id']}")
    _say("Paste into your mapping file (then add each tenant's route and mappings):")
    _say(tenants_snippet(tenants))
    return 0


def _say(text: str) -> None:
    print(text, flush=True)


def parse_args(argv: list[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="xero-auth",
        description="Get a first Xero refresh token (authorization code + PKCE) and list the tenant ids. "
        "The client secret is read from XERO_CLIENT_SECRET (or a hidden prompt), never from argv.",
    )
    parser.add_argument("--client-id", default=os.environ.get("XERO_CLIENT_ID", ""))
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument(
        "--scopes",
        default=None,
        help=f"space-separated; keep offline_access (default: {DEFAULT_SCOPES})",
    )
    chosen.add_argument(
        "--legacy-scopes",
        action="store_true",
        help="ask for the broad accounting.transactions set; only for Xero apps created before "
        f"2 March 2026 ({LEGACY_XERO_AUTH_SCOPES})",
    )
    parser.add_argument("--port", type=int, default=0, help="loopback port for the redirect (0 = free port)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the redirect")
    parser.add_argument("--token-store", default=DEFAULT_TOKEN_STORE, help="token file the connectors read")
    parser.add_argument("--no-browser", action="store_true", help="only print the URL")
    parser.add_argument("--identity-url", default=None, help=f"default {DEFAULT_IDENTITY_URL}")
    parser.add_argument("--authorize-url", default=None, help=f"default {DEFAULT_AUTHORIZE_URL}")
    parser.add_argument("--connections-url", default=None, help=f"default {DEFAULT_CONNECTIONS_URL}")
    args = parser.parse_args(argv)
    if not args.client_id:
        raise SetupError("no client id: pass --client-id or set XERO_CLIENT_ID")
    secret = os.environ.get("XERO_CLIENT_SECRET", "")
    if not secret and sys.stdin.isatty():
        secret = getpass.getpass("Xero client secret: ")
    if not secret:
        raise SetupError("no client secret: set XERO_CLIENT_SECRET (it is never taken from the command line)")
    if not 0 <= args.port <= 65535:
        raise SetupError("--port must be between 0 and 65535")
    if args.timeout <= 0:
        raise SetupError("--timeout must be positive")
    scopes = LEGACY_XERO_AUTH_SCOPES if args.legacy_scopes else args.scopes
    if scopes is None:
        scopes = DEFAULT_SCOPES
    if not scopes.split():
        raise SetupError("--scopes must not be empty")
    identity = (args.identity_url or DEFAULT_IDENTITY_URL).rstrip("/")
    return Options(
        client_id=args.client_id,
        client_secret=secret,
        authorize_url=_endpoint(
            args.authorize_url, args.identity_url, "/connect/authorize", DEFAULT_AUTHORIZE_URL
        ),
        token_url=f"{identity}/connect/token",
        connections_url=_endpoint(
            args.connections_url, args.identity_url, "/connections", DEFAULT_CONNECTIONS_URL
        ),
        scopes=" ".join(scopes.split()),
        port=args.port,
        timeout=args.timeout,
        token_store=args.token_store,
        open_browser=not args.no_browser,
    )


def _endpoint(given: str | None, identity_url: str | None, path: str, default: str) -> str:
    """The URL given for this endpoint; else `path` under a given identity root (a sandbox or a proxy
    serves every endpoint under one root, where Xero spreads them over hosts); else Xero's own."""
    if given:
        return given
    if identity_url:
        return identity_url.rstrip("/") + path
    return default


def main(argv: list[str] | None = None) -> None:
    try:
        code = run(parse_args(argv))
    except SetupError as exc:
        print(f"xero-auth: error: {exc}", file=sys.stderr, flush=True)
        code = 1
    except KeyboardInterrupt:
        print("xero-auth: interrupted", file=sys.stderr, flush=True)
        code = 1
    raise SystemExit(code)


if __name__ == "__main__":
    main()
