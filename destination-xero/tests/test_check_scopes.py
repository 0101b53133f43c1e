"""The scopes a destination config needs, and how `check` words a missing one (the scope arithmetic
itself is tested with the client, libs/xero-client/tests/test_scopes.py)."""

from __future__ import annotations

from destination_xero.check import needed_scopes, scope_problems
from destination_xero.config import Config, load_config
from xero_client.scopes import LEGACY_XERO_AUTH_SCOPES, missing


def _config(**auth: object) -> Config:
    return load_config(
        {
            "auth": {"type": "refresh_token", "client_id": "c", "client_secret": "s", **auth},
            "tenants": [{"tenant_id": "t1", "name": "UK", "route": {"default": True}}],
        }
    )


def test_destination_needs_invoices_contacts_settings_and_names_the_fix() -> None:
    config = _config(refresh_token="r", token_store_path="/tmp/t.json")
    assert {n.scope for n in needed_scopes(config)} == {
        "accounting.invoices",
        "accounting.contacts",
        "accounting.settings",
    }
    lines, settings_ok = scope_problems(config, frozenset({"accounting.invoices", "accounting.contacts"}))
    assert not settings_ok and len(lines) == 1
    assert "accounting.settings" in lines[0] and "xero-auth --token-store /tmp/t.json" in lines[0]
    legacy = frozenset(LEGACY_XERO_AUTH_SCOPES.split())
    assert scope_problems(config, legacy) == ([], True)
    assert missing(legacy, needed_scopes(config)) == []
