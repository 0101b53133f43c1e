"""singer-sdk's standard tests: `get_tap_test_class` (against a seeded sandbox) and `get_target_test_class`.

The tap class is built at import time from a config dict that a module fixture fills with the sandbox's
custom-connection credentials before the suite syncs (the runner reads the same dict object). The target
suite feeds streams this destination does not know: they must be accepted and ignored without a single
Autotask call, so its config points at an address where nothing listens.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from payments_support import UK
from reverse_payments.singer_tap import TapXeroPayments
from reverse_payments.singer_target import TargetAutotaskPayments
from sandbox.launcher import RunningSandbox
from singer_sdk.testing import SuiteConfig, get_tap_test_class, get_target_test_class
from xero_seed import XeroSeed

TAP_CONFIG: dict[str, Any] = {
    "auth": {"type": "client_credentials", "client_id": "filled-in", "client_secret": "filled-in"},
    "xero": {"api_url": "http://127.0.0.1:9/api.xro/2.0", "identity_url": "http://127.0.0.1:9"},
    "tenants": [{"tenant_id": "filled-in", "name": UK}],
}
TARGET_CONFIG: dict[str, Any] = {
    "autotask": {
        "username": "offline@example.test",
        "secret": "never-used-offline",
        "integration_code": "NEVER-USED-OFFLINE",
        "api_url": "http://127.0.0.1:9/atservicesrest/",
        "max_retries": 0,
    },
    "tenants": [{"tenant_id": "00000000-0000-0000-0000-000000000001", "name": "Offline"}],
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

StandardTargetTests = get_target_test_class(TargetAutotaskPayments, config=TARGET_CONFIG)


class TestTargetAutotaskPaymentsStandard(StandardTargetTests):  # type: ignore[misc, valid-type]
    pass
