"""airbyte-cdk's standard source suite (in-process; the Docker tests are deselected) for source-xero-payments.

The connector's root is this distribution's folder (acceptance-test-config.yml, metadata.yaml,
integration_tests/): the suite names the connector after its root folder. The `secrets/` configs (a valid
one, and one whose client secret the sandbox refuses) are written here from a sandbox seeded with one paid
invoice, so `basic_read` reads real records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("airbyte_cdk.test.standard_tests", reason="airbyte-cdk standard tests are not importable")

from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from payments_testkit.support import UK
from payments_testkit.xero_seed import XeroSeed
from sandbox.launcher import RunningSandbox
from source_xero_payments.airbyte import SourceXeroPayments

ROOT = Path(__file__).resolve().parents[1]


def _write(path: Path, config: dict[str, object]) -> Path:
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


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
    refused = {**source, "auth": {**source["auth"], "client_secret": "refused-by-the-sandbox"}}  # type: ignore[dict-item]
    secrets = ROOT / "secrets"
    written = [
        _write(secrets / "config.json", source),
        _write(secrets / "config_spec.json", source),
        _write(secrets / "invalid_config.json", refused),
    ]
    yield
    for path in written:
        path.unlink(missing_ok=True)


class TestSourceXeroPaymentsStandard(SourceTestSuiteBase):
    connector = SourceXeroPayments

    @classmethod
    def get_connector_root_dir(cls) -> Path:
        return ROOT
