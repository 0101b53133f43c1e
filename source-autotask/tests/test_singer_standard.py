"""singer-sdk's standard tap tests (`get_tap_test_class`) against a sandbox.

The test class is built at import time from a config dict; the dict is filled with the sandbox's
credentials by a module fixture before the suite's runner syncs (the runner reads the same dict object).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from singer_sdk.testing import SuiteConfig, get_tap_test_class
from source_autotask.singer import TapAutotask

from .conftest import sandbox_config

CONFIG: dict[str, Any] = {
    "username": "filled-in@by.fixture",
    "secret": "filled-in-by-fixture",
    "integration_code": "filled-in-by-fixture",
    "zone_lookup_url": "http://127.0.0.1:9/atservicesrest/v1.0/zoneInformation",
}


@pytest.fixture(scope="module", autouse=True)
def _sandbox_credentials(sandbox_process: Any) -> Iterator[None]:
    CONFIG.update(sandbox_config(sandbox_process))
    yield


TestSingerStandardSuite = get_tap_test_class(
    TapAutotask,
    config=CONFIG,
    suite_config=SuiteConfig(max_records_limit=None),
    parse_env_config=False,
)
