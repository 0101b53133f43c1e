"""Fixtures for source-autotask tests: unit configs, and sandboxes started as real subprocesses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SECRET = "s3cr3t-VALUE-never-logged"
CODE = "INTEGRATIONCODE0123456789AB"
BASE = "https://webservices5.example.test/atservicesrest/"


@pytest.fixture
def unit_config() -> dict[str, Any]:
    return {
        "username": "api@example.test",
        "secret": SECRET,
        "integration_code": CODE,
        "api_url": BASE,
        "backoff_base_seconds": 0.001,
        "max_retries": 4,
    }


def specs_dir() -> Path | None:
    found = Path(__file__).resolve().parents[3] / "shared" / "specs"
    return found if found.is_dir() else None


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[Any]:
    from sandbox.launcher import running_sandbox

    with running_sandbox("demo", seed=1, rate_limits="off") as running:
        yield running


@pytest.fixture
def sandbox(sandbox_process: Any) -> Any:
    sandbox_process.reset()
    return sandbox_process


def sandbox_config(sb: Any, **extra: Any) -> dict[str, Any]:
    autotask = sb.info["autotask"]
    config = {
        "username": autotask["username"],
        "secret": autotask["secret"],
        "integration_code": autotask["integration_code"],
        "zone_lookup_url": autotask["zone_lookup_url"],
        "backoff_base_seconds": 0.01,
    }
    config.update(extra)
    return config


# airbyte-cdk's standard-suite hooks, imported rather than declared through `pytest_plugins` (not allowed
# in a non-root conftest): they parametrise the suite's tests with the acceptance-test-config scenarios.
with contextlib.suppress(ImportError):  # the suite module skips itself when the CDK lacks them
    from airbyte_cdk.test.standard_tests.pytest_hooks import (  # noqa: F401
        pytest_generate_tests,
        read_from_streams,
        read_scenarios,
    )


def pytest_configure(config: pytest.Config) -> None:
    """Markers the airbyte-cdk standard suite uses (the root config runs with --strict-markers)."""
    config.addinivalue_line("markers", "requires_creds: needs connector credentials (airbyte-cdk suite)")
    config.addinivalue_line("markers", "image_tests: builds a Docker image (airbyte-cdk suite; deselected)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the standard suites' Docker image tests (no Docker here; the image is built in CI)."""
    keep, drop = [], []
    for item in items:
        name = getattr(item, "originalname", item.name)
        is_suite = "test_airbyte_standard" in str(item.path) or "test_singer_standard" in str(item.path)
        (drop if is_suite and ("docker" in name or "image" in name) else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
