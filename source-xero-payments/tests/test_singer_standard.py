"""singer-sdk's standard tap tests (`get_tap_test_class`) for tap-xero-payments, against a seeded sandbox.

The tap class is built at import time from a config dict that a module fixture fills with the sandbox's
custom-connection credentials before the suite syncs (the runner reads the same dict object).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from payments_testkit.support import UK
from payments_testkit.xero_seed import XeroSeed
from sandbox.launcher import RunningSandbox
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from source_xero_payments.singer import TapXeroPayments

TAP_CONFIG: dict[str, Any] = {
    "auth": {"type": "client_credentials", "client_id": "filled-in", "client_secret": "filled-in"},
    "xero": {"api_url": "http://127.0.0.1:9/api.xro/2.0", "identity_url": "http://127.0.0.1:9"},
    "tenants": [{"tenant_id": "filled-in", "name": UK}],
}


@pytest.fixture(scope="module", autouse=True)
def _seeded(sandbox_process: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    sandbox_process.reset()
    seed = XeroSeed(sandbox_process, tmp_path_factory.mktemp("singer") / "token.json")
    invoice = seed.invoice(UK, "708.32", number="20274")
    seed.pay(UK, invoice["InvoiceID"], "708.32", "2026-11-03")
    xero = sandbox_process.xero
    custom = xero["custom_connection"]
    TAP_CONFIG["auth"] = {
        "type": "client_credentials",
        "client_id": custom["client_id"],
        "client_secret": custom["client_secret"],
    }
    TAP_CONFIG["xero"] = {"api_url": xero["api_url"], "identity_url": xero["identity_url"]}
    TAP_CONFIG["tenants"] = [{"tenant_id": custom["tenant_id"], "name": UK}]
    yield


TestTapXeroPaymentsStandard = get_tap_test_class(
    TapXeroPayments,
    config=TAP_CONFIG,
    suite_config=SuiteConfig(max_records_limit=None),
    parse_env_config=False,
)
