"""`xero.minute_window_seconds` as the destination's config and spec offer it (the client's use of the
window is tested with the client, libs/xero-client/tests/test_client_window.py)."""

from __future__ import annotations

import pytest
from destination_xero.config import ConfigError, load_config
from destination_xero.spec import airbyte_connection_specification


def _config(**xero: object) -> dict[str, object]:
    return {
        "auth": {"type": "client_credentials", "client_id": "cid", "client_secret": "s3cret-value"},
        "tenants": [{"tenant_id": "t1", "name": "T1"}],
        "xero": {"api_url": "http://127.0.0.1:1/api.xro/2.0", **xero},
    }


@pytest.mark.parametrize("bad", [0, -1, 61])
def test_a_window_longer_than_a_minute_or_not_positive_is_refused(bad: float) -> None:
    with pytest.raises((ConfigError, ValueError)):
        load_config(_config(minute_window_seconds=bad))


def test_the_spec_offers_the_setting() -> None:
    xero = airbyte_connection_specification()["properties"]["xero"]
    assert "minute_window_seconds" in xero["properties"]
