"""singer-sdk's standard target tests (`get_target_test_class`) for target-autotask-payments.

The suite feeds streams this destination does not know: they must be accepted and ignored without a single
Autotask call, so its config points at an address where nothing listens (no sandbox needed).
"""

from __future__ import annotations

from typing import Any

from destination_autotask_payments.singer import TargetAutotaskPayments
from singer_sdk.testing import get_target_test_class

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

StandardTargetTests = get_target_test_class(TargetAutotaskPayments, config=TARGET_CONFIG)


class TestTargetAutotaskPaymentsStandard(StandardTargetTests):  # type: ignore[misc, valid-type]
    pass
