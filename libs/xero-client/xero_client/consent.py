"""The browser half of `xero-auth`: PKCE, the one-shot loopback listener, and the redirect's checks.

Why apart from the command: this is the part that faces the network and a browser, and where the
security rules live (compare `state` before anything else, never log the query string, which carries the
authorization code; answer 404 to anything but the callback, so a favicon request does not end the wait).
The command (auth_setup.py) decides what to ask for and what to do with the code.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .scopes import BROAD_SCOPES, CUTOFF_NOTE, XERO_AUTH_SCOPES

CALLBACK_PATH = "/callback"


class SetupError(Exception):
    """A failure the user can act on: printed as one message, exit code 1, no traceback."""


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
