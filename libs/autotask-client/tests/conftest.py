"""Fixtures for the Autotask client's tests: one connection's settings against a mocked zone."""

from __future__ import annotations

from typing import Any

import pytest

SECRET = "s3cr3t-VALUE-never-logged"
CODE = "INTEGRATIONCODE0123456789AB"
BASE = "https://webservices5.example.test/atservicesrest/"


@pytest.fixture
def unit_config() -> dict[str, Any]:
    """`autotask_client.settings.Connection` keyword arguments (a dict, so tests can vary one field)."""
    return {
        "username": "api@example.test",
        "secret": SECRET,
        "integration_code": CODE,
        "api_url": BASE,
        "backoff_base_seconds": 0.001,
        "max_retries": 4,
    }
