"""Xero OAuth scopes: the sets the connectors ask for, and what a token was granted against what it needs.

Why: Xero refuses the broad `accounting.transactions[.read]` (and `accounting.reports.read`) to every app
created on or after 2 March 2026, so a consent asking for them fails before the first sync; such apps
must ask for the granular scopes (`accounting.invoices`, `accounting.payments`, ...). Apps created before
that date may keep the broad scopes until September 2027 and may mix both (developer.xero.com/faq/
granular-scopes; apideck.com/blog/xero-scopes). So `xero-auth` asks for the granular set by default and
the broad one only with `--legacy-scopes`, and `check` compares the scopes the token was granted with the
ones each configured feature needs, so a missing scope is named before a sync stops on a 401.

How a token's scopes are known: the token response's `scope` field (space-separated, as Xero and the
sandbox send it); failing that, the `scope` claim of the access token, which Xero issues as a JWT. When
neither says anything, nothing is reported (a check cannot fail on what it cannot see).

What covers what: a scope covers its own `.read` variant; a broad `accounting.transactions` covers
invoices, payments, bank transactions and manual journals (its `.read` their `.read` variants); items are
opened by `accounting.invoices` or `accounting.settings`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .settings import ClientCredentialsAuth, RefreshTokenAuth

IDENTITY_SCOPES = "openid profile email"
DESTINATION_SCOPES = ("accounting.invoices", "accounting.contacts", "accounting.settings")
PAYMENTS_SOURCE_SCOPES = ("accounting.invoices.read", "accounting.payments.read")
# One consent feeds both connectors (they share one token store), so `xero-auth` asks for both sets.
XERO_AUTH_SCOPES = " ".join(
    ("offline_access", *DESTINATION_SCOPES, "accounting.payments.read", IDENTITY_SCOPES)
)
LEGACY_XERO_AUTH_SCOPES = (
    f"offline_access accounting.transactions accounting.contacts accounting.settings {IDENTITY_SCOPES}"
)
BROAD_SCOPES = frozenset(
    {"accounting.transactions", "accounting.transactions.read", "accounting.reports.read"}
)
_BROAD_COVERS = (
    "accounting.invoices",
    "accounting.payments",
    "accounting.banktransactions",
    "accounting.manualjournals",
)
CUTOFF_NOTE = (
    "Xero apps created on or after 2 March 2026 cannot use accounting.transactions or accounting.reports.read"
)


@dataclass(frozen=True)
class Requirement:
    """A scope one feature needs; `accepted` lists every granted scope that also satisfies it."""

    scope: str
    purpose: str
    accepted: tuple[str, ...] = ()

    def met_by(self, covered: frozenset[str]) -> bool:
        return self.scope in covered or any(s in covered for s in self.accepted)


def covered_scopes(granted: Iterable[str]) -> frozenset[str]:
    """Every scope `granted` amounts to: each one, its `.read` variant, and what a broad scope covers."""
    out: set[str] = set()
    for scope in granted:
        out.add(scope)
        base, is_read = (scope[: -len(".read")], True) if scope.endswith(".read") else (scope, False)
        if not is_read:
            out.add(f"{scope}.read")
        if base == "accounting.transactions":
            out.update(f"{s}.read" for s in _BROAD_COVERS)
            if not is_read:
                out.update(_BROAD_COVERS)
    return frozenset(out)


def missing(granted: Iterable[str], needs: Iterable[Requirement]) -> list[Requirement]:
    covered = covered_scopes(granted)
    return [need for need in needs if not need.met_by(covered)]


def granted_from_token(body: Mapping[str, Any]) -> frozenset[str] | None:
    """The scopes a token response says were granted, or None when it does not say."""
    listed = _scope_list(body.get("scope"))
    if listed is not None:
        return listed
    return _scope_list(_jwt_claims(str(body.get("access_token") or "")).get("scope"))


def _scope_list(value: Any) -> frozenset[str] | None:
    if isinstance(value, str) and value.strip():
        return frozenset(value.split())
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return frozenset(value)
    return None


def _jwt_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT, unverified (only read to report scopes); {} for anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    except (binascii.Error, ValueError, UnicodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def describe_missing(need: Requirement, granted: frozenset[str], fix: str) -> str:
    """One line for `check`: the scope, why it is needed, what the token has, how to fix it."""
    alternatives = [s for s in need.accepted if s != need.scope]
    either = f" (or {' / '.join(alternatives)})" if alternatives else ""
    held = " ".join(sorted(granted)) or "none"
    return (
        f"the Xero token lacks scope {need.scope}{either}, needed to {need.purpose} (granted: {held}); " + fix
    )


def refresh_token_fix(scope: str, token_store_path: str | None) -> str:
    """How a standard app gets a missing scope: a new consent asking for it."""
    store = f" --token-store {token_store_path}" if token_store_path else ""
    return (
        f"consent again with it: run `xero-auth{store}` (its default scopes include {scope}; with "
        f"`--scopes`, name {scope} too; an app created before 2 March 2026 may use `--legacy-scopes`)"
    )


def client_credentials_fix(scope: str, configured: str | None) -> str:
    """How a custom connection gets a missing scope: the app's ticked scopes, or `auth.scopes`."""
    if configured and scope not in configured.split():
        return f"add {scope} to auth.scopes (and tick it for the custom connection at developer.xero.com)"
    return f"tick {scope} for the custom connection at developer.xero.com, then authorise it again"


def scope_fix(auth: ClientCredentialsAuth | RefreshTokenAuth, scope: str) -> str:
    """How this kind of connection gets a missing scope (every connector's `check` says it the same way)."""
    if isinstance(auth, ClientCredentialsAuth):
        return client_credentials_fix(scope, auth.scopes)
    return refresh_token_fix(scope, auth.token_store_path)
