"""One demo sandbox (limits off) per test session, reset before each test; the airbyte-cdk suite hooks
(shared with the other payments connector: payments_testkit/connector_suite.py)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from payments_testkit.connector_suite import (  # noqa: F401
    connector_base_image_override,
    connector_image_override,
    deselect_docker_tests,
    pytest_configure,
    sandbox,
    sandbox_process,
)

with contextlib.suppress(ImportError):  # present only when the CDK has the standard suite
    from payments_testkit.connector_suite import (  # noqa: F401
        pytest_generate_tests,
        read_from_streams,
        read_scenarios,
    )

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    deselect_docker_tests(config, items, HERE)
