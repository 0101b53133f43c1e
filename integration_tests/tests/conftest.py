"""Shared fixtures: one sandbox process (demo dataset, limits off) for the session, reset before each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox.launcher import RunningSandbox, running_sandbox

# The testkit's helpers assert on responses; let pytest explain those failures like the tests' own.
pytest.register_assert_rewrite("sandbox_testkit")


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[RunningSandbox]:
    with running_sandbox("demo", seed=1, rate_limits="off") as running:
        yield running


@pytest.fixture
def sandbox(sandbox_process: RunningSandbox) -> RunningSandbox:
    """The session sandbox, reset to its loaded dataset (counters, faults and data) before the test."""
    sandbox_process.reset()
    return sandbox_process
