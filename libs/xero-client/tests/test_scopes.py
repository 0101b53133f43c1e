"""Scope arithmetic (no network): what a granted set covers and what a token response says was granted."""

from __future__ import annotations

import base64
import json

from xero_client.scopes import (
    LEGACY_XERO_AUTH_SCOPES,
    XERO_AUTH_SCOPES,
    covered_scopes,
    granted_from_token,
)


def _jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.signature"


def test_a_scope_covers_its_read_variant_and_broad_covers_the_granular() -> None:
    assert "accounting.settings.read" in covered_scopes({"accounting.settings"})
    broad = covered_scopes({"accounting.transactions"})
    assert {"accounting.invoices", "accounting.payments.read"} <= broad
    assert "accounting.settings" not in broad
    read_only = covered_scopes({"accounting.transactions.read"})
    assert "accounting.payments.read" in read_only and "accounting.payments" not in read_only


def test_granted_scopes_come_from_the_response_or_the_jwt() -> None:
    assert granted_from_token({"scope": "a b", "access_token": "x"}) == {"a", "b"}
    jwt = _jwt({"scope": ["accounting.invoices", "offline_access"]})
    assert granted_from_token({"access_token": jwt}) == {"accounting.invoices", "offline_access"}
    assert granted_from_token({"access_token": "opaque"}) is None
    assert granted_from_token({"access_token": "a.!!!.c"}) is None


def test_the_default_consent_covers_both_connectors_and_legacy_is_broad() -> None:
    default = XERO_AUTH_SCOPES.split()
    assert "accounting.transactions" not in default and "offline_access" in default
    assert "accounting.transactions" in LEGACY_XERO_AUTH_SCOPES.split()
