"""airbyte-cdk's standard suites (in-process; the Docker tests are deselected) for both Airbyte connectors.

Each connector has its own root (`reverse-payments/airbyte/<name>/`: acceptance-test-config.yml,
metadata.yaml, integration_tests/) because the suite names the connector after its root folder. The
`secrets/` configs are written here from a sandbox seeded with one paid invoice, so `basic_read` reads
real records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("airbyte_cdk.test.standard_tests", reason="airbyte-cdk standard tests are not importable")

from airbyte_cdk.test.standard_tests import DestinationTestSuiteBase, SourceTestSuiteBase
from payments_support import UK, destination_config
from reverse_payments.airbyte_destination import DestinationAutotaskPayments
from reverse_payments.airbyte_source import SourceXeroPayments
from sandbox.launcher import RunningSandbox
from xero_seed import XeroSeed

AIRBYTE = Path(__file__).resolve().parents[1] / "airbyte"
SOURCE_ROOT = AIRBYTE / "source-xero-payments"
DESTINATION_ROOT = AIRBYTE / "destination-autotask-payments"


def _write(root: Path, config: dict[str, object]) -> list[Path]:
    paths = [root / "secrets" / "config.json", root / "secrets" / "config_spec.json"]
    paths[0].parent.mkdir(exist_ok=True)
    for path in paths:
        path.write_text(json.dumps(config), encoding="utf-8")
    return paths


@pytest.fixture(scope="module", autouse=True)
def _configs(sandbox_process: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    sandbox_process.reset()
    tmp = tmp_path_factory.mktemp("standard")
    seed = XeroSeed(sandbox_process, tmp / "token.json")
    invoice = seed.invoice(UK, "708.32", number="20274")
    seed.pay(UK, invoice["InvoiceID"], "708.32", "2026-11-03")
    xero = sandbox_process.xero
    custom = xero["custom_connection"]
    source = {
        "auth": {
            "type": "client_credentials",
            "client_id": custom["client_id"],
            "client_secret": custom["client_secret"],
        },
        "xero": {"api_url": xero["api_url"], "identity_url": xero["identity_url"]},
        "tenants": [{"tenant_id": custom["tenant_id"], "name": UK}],
    }
    destination = destination_config(sandbox_process, [UK], tmp)
    written = _write(SOURCE_ROOT, source) + _write(DESTINATION_ROOT, destination)
    refused = {**source, "auth": {**source["auth"], "client_secret": "refused-by-the-sandbox"}}  # type: ignore[dict-item]
    invalid = SOURCE_ROOT / "secrets" / "invalid_config.json"
    invalid.write_text(json.dumps(refused), encoding="utf-8")
    written.append(invalid)
    yield
    for path in written:
        path.unlink(missing_ok=True)


class TestSourceXeroPaymentsStandard(SourceTestSuiteBase):
    connector = SourceXeroPayments

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return SOURCE_ROOT


class TestDestinationAutotaskPaymentsStandard(DestinationTestSuiteBase):
    connector = DestinationAutotaskPayments

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return DESTINATION_ROOT
