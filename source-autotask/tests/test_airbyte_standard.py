"""airbyte-cdk's standard source suite (in-process, Docker tests deselected) against a sandbox.

The suite reads `secrets/config.json` (listed in acceptance-test-config.yml); it is written here, from the
sandbox's ready line, before any test of the class runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("airbyte_cdk.test.standard_tests", reason="airbyte-cdk standard tests are not importable")

from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from source_autotask.airbyte import SourceAutotask

from .conftest import sandbox_config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def _sandbox_config_file(sandbox_process: Any) -> Iterator[None]:
    paths = [ROOT / "secrets" / "config.json", ROOT / "secrets" / "config_spec.json"]
    paths[0].parent.mkdir(exist_ok=True)
    for path in paths:
        path.write_text(json.dumps(sandbox_config(sandbox_process)))
    yield
    for path in paths:
        path.unlink(missing_ok=True)


class TestAirbyteStandardSuite(SourceTestSuiteBase):
    connector = SourceAutotask

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return ROOT
