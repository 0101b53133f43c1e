"""airbyte-cdk's standard destination suite (in-process; the Docker tests are deselected) for
destination-autotask-payments.

The connector's root is this distribution's folder (acceptance-test-config.yml, metadata.yaml,
integration_tests/): the suite names the connector after its root folder. `secrets/config.json` (and the
spec test's copy) is written here from the sandbox's ready line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("airbyte_cdk.test.standard_tests", reason="airbyte-cdk standard tests are not importable")

from airbyte_cdk.test.standard_tests import DestinationTestSuiteBase
from destination_autotask_payments.airbyte import DestinationAutotaskPayments
from payments_testkit.support import UK, destination_config
from sandbox.launcher import RunningSandbox

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def _configs(sandbox_process: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    sandbox_process.reset()
    destination = destination_config(sandbox_process, [UK], tmp_path_factory.mktemp("standard"))
    paths = [ROOT / "secrets" / "config.json", ROOT / "secrets" / "config_spec.json"]
    paths[0].parent.mkdir(exist_ok=True)
    for path in paths:
        path.write_text(json.dumps(destination), encoding="utf-8")
    yield
    for path in paths:
        path.unlink(missing_ok=True)


class TestDestinationAutotaskPaymentsStandard(DestinationTestSuiteBase):
    connector = DestinationAutotaskPayments

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return ROOT
