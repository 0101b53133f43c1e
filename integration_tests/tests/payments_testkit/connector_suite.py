"""What the payments connectors' test folders share: one demo sandbox per session, reset before each test,
and the airbyte-cdk standard suite's hooks and Docker-test deselection.

Each folder's conftest.py imports these names (pytest reads fixtures and hooks from a conftest's
namespace) and keeps only its own `pytest_collection_modifyitems`, which needs to know its folder.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sandbox.launcher import RunningSandbox, running_sandbox

with contextlib.suppress(ImportError):  # the suite module skips itself when the CDK lacks them
    from airbyte_cdk.test.standard_tests.pytest_hooks import (  # noqa: F401
        pytest_generate_tests,
        read_from_streams,
        read_scenarios,
    )


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[RunningSandbox]:
    with running_sandbox("demo", seed=1, rate_limits="off") as running:
        yield running


@pytest.fixture
def sandbox(sandbox_process: RunningSandbox) -> RunningSandbox:
    sandbox_process.reset()
    return sandbox_process


@pytest.fixture
def connector_image_override() -> None:
    return None


@pytest.fixture
def connector_base_image_override() -> None:
    return None


def pytest_configure(config: pytest.Config) -> None:
    """Markers the airbyte-cdk standard suite uses (the root config runs with --strict-markers)."""
    config.addinivalue_line("markers", "requires_creds: needs connector credentials (airbyte-cdk suite)")
    config.addinivalue_line("markers", "image_tests: builds a Docker image (airbyte-cdk suite; deselected)")


def deselect_docker_tests(config: pytest.Config, items: list[pytest.Item], here: Path) -> None:
    """Deselect the standard suites' Docker image tests under `here` (no Docker here; images are built in
    CI)."""
    keep, drop = [], []
    for item in items:
        name = getattr(item, "originalname", item.name)
        in_suite = here in Path(item.path).parents and "standard" in item.path.name
        (drop if in_suite and ("docker" in name or "image" in name) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
