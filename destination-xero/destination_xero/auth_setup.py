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
"""

from __future__ import annotations

import argparse
import base64
import getpass
import hashlib
import html
import http.server
import json
import os
import secrets
import sys
import time
import webbrowser
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import requests

from .scopes import (
    BROAD_SCOPES,
    CUTOFF_NOTE,
    LEGACY_XERO_AUTH_SCOPES,
    XERO_AUTH_SCOPES,
    granted_from_token,
)
from .tokens import FileTokenStore, TokenStoreError

DEFAULT_AUTHORIZE_URL = "https://login.xero.com/identity/connect/authorize"
DEFAULT_IDENTITY_URL = "https://identity.xero.com"
DEFAULT_CONNECTIONS_URL = "https://api.xero.com/connections"
DEFAULT_TOKEN_STORE = "~/.config/autotask-xero/xero-token.json"
DEFAULT_SCOPES = XERO_AUTH_SCOPES
CALLBACK_PATH = "/callback"
HTTP_TIMEOUT = 30.0


class SetupError(Exception):
    """A failure the user can act on: printed as one message, exit code 1, no traceback."""


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


@dataclass(frozen=True)
class Callback:
    params: dict[str, str]


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge); 64 random bytes give an 86-character verifier (RFC 7636: 43..128)."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class _Listener(http.server.HTTPServer):
    callback: Callback | None = None


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _Listener

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path != CALLBACK_PATH or self.server.callback is not None:
            self._page(404, "Not found", "This listener only accepts the Xero consent redirect.")
            return
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.server.callback = Callback(params)
        if "error" in params:
            self._page(200, "Consent not given", "Xero did not grant access. See the terminal for details.")
        else:
            self._page(200, "Consent received", "You can close this tab and return to the terminal.")

    def _page(self, status: int, title: str, text: str) -> None:
        body = f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
        body += f"<p>{html.escape(text)}</p>"
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the default log line would print the query string, i.e. the authorization code."""


def start_listener(port: int) -> _Listener:
    try:
        return _Listener(("127.0.0.1", port), _Handler)
    except OSError as exc:
        raise SetupError(
            f"cannot listen on 127.0.0.1:{port} ({exc.strerror or exc}); choose another --port"
        ) from None


def broad_scopes(scopes: str) -> list[str]:
    """The broad scopes in a scope string (refused to Xero apps created on or after 2 March 2026)."""
    return [s for s in scopes.split() if s in BROAD_SCOPES]


def scope_advice(scopes: str) -> str:
    """What to do when Xero refuses the scopes asked for; names the broad ones when there are any."""
    broad = broad_scopes(scopes)
    if not broad:
        return (
            "check that every scope asked for (--scopes) is one Xero offers; run without --scopes for "
            f"the default set ({XERO_AUTH_SCOPES})"
        )
    return (
        f"the scopes asked for include {' '.join(broad)}; {CUTOFF_NOTE} (Xero then shows "
        "'unauthorized_client: Invalid scope for client'): run xero-auth without --scopes / --legacy-scopes "
        "to ask for the granular default set, or name accounting.invoices / accounting.payments instead"
    )


def wait_for_callback(listener: _Listener, timeout: float, scopes: str = "") -> Callback:
    deadline = time.monotonic() + timeout
    while listener.callback is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            hint = f". If Xero showed an error instead of the consent page: {scope_advice(scopes)}"
            raise SetupError(
                f"timed out after {timeout:g}s waiting for the Xero redirect: open the URL above, approve "
                "access, and check that the redirect URI is registered in the Xero app (or raise --timeout)"
                + (hint if broad_scopes(scopes) else "")
            )
        listener.timeout = min(remaining, 1.0)
        listener.handle_request()
    return listener.callback


def check_callback(callback: Callback, state: str, scopes: str = "") -> str:
    """The authorization code, once the state matches and Xero reported no error."""
    params = callback.params
    got = params.get("state", "")
    if not secrets.compare_digest(got.encode("utf-8"), state.encode("utf-8")):
        raise SetupError(
            "state mismatch in the Xero redirect: it does not answer this run's request (a stale tab or a "
            "forged link); nothing was stored, run xero-auth again"
        )
    error = params.get("error")
    if error:
        description = params.get("error_description", "")
        if error == "access_denied":
            raise SetupError("consent was denied in Xero (access_denied): run again and choose Allow access")
        if error in ("invalid_scope", "unauthorized_client"):
            detail = f": {description}" if description else ""
            raise SetupError(f"Xero refused the scopes asked for ({error}{detail}): {scope_advice(scopes)}")
        detail = f": {description}" if description else ""
        raise SetupError(f"Xero refused the authorization request ({error}{detail})")
    code = params.get("code", "")
    if not code:
        raise SetupError("the Xero redirect carried no authorization code; run xero-auth again")
    return code


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
    if args.authorize_url:
        authorize = args.authorize_url
    elif args.identity_url:
        authorize = f"{identity}/connect/authorize"
    else:
        authorize = DEFAULT_AUTHORIZE_URL
    if args.connections_url:
        connections = args.connections_url
    elif args.identity_url:
        connections = f"{identity}/connections"
    else:
        connections = DEFAULT_CONNECTIONS_URL
    return Options(
        client_id=args.client_id,
        client_secret=secret,
        authorize_url=authorize,
        token_url=f"{identity}/connect/token",
        connections_url=connections,
        scopes=" ".join(scopes.split()),
        port=args.port,
        timeout=args.timeout,
        token_store=args.token_store,
        open_browser=not args.no_browser,
    )


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
