"""`xero.minute_window_seconds`: the client paces itself by the window of the Xero it talks to.

Without it the client always waited real minutes, so against a sandbox with scaled limits (`scaled:F`,
windows F times shorter) the benchmark measured the client's own pacing instead of the sync.
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from xero_client.client import XeroClient
from xero_client.settings import ClientSettings


def _settings(**xero: object) -> ClientSettings:
    return ClientSettings.model_validate(
        {
            "auth": {"type": "client_credentials", "client_id": "cid", "client_secret": "s3cret-value"},
            "xero": {"api_url": "http://127.0.0.1:1/api.xro/2.0", **xero},
        }
    )


def test_the_default_window_is_xeros_minute() -> None:
    client = XeroClient(_settings())
    assert client.limiter("t1").window == 60.0
    assert client.limiter("t1").per_minute == 60


def test_a_scaled_sandbox_window_is_used_by_every_tenant_limiter() -> None:
    client = XeroClient(_settings(minute_window_seconds=15))
    assert client.limiter("t1").window == 15.0
    assert client.limiter("t2").window == 15.0
    assert client.limiter("t1").per_minute == 60  # the count stays Xero's; only the window shrinks


def test_an_explicit_window_argument_still_wins() -> None:
    assert XeroClient(_settings(minute_window_seconds=15), window=2.0).limiter("t1").window == 2.0


@pytest.mark.parametrize("bad", [0, -1, 61])
def test_a_window_longer_than_a_minute_or_not_positive_is_refused(bad: float) -> None:
    with pytest.raises(ValidationError):
        _settings(minute_window_seconds=bad)
