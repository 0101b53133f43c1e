"""source-autotask through PyAirbyte (local executable, offline mode) into a DuckDB cache, then
destination-xero fed from that cache: how a data team composes our source with other destinations.

Why this needs its own test: the cache re-types the records on the way back out (decimals as strings,
timestamps without zone, top-level names lower-cased, PyAirbyte's own `_airbyte_*` columns added), and
the destination must turn them into exactly the documents a direct `source-autotask read |
destination-xero write` produces. So the same demo data is synced both ways into two fresh sandboxes and
the Xero organisations are compared document by document, then to Autotask's totals to the cent.

PyAirbyte runs from its own cached virtualenv (integration_tests/pyairbyte/venv.py) and drives
integration_tests/pyairbyte/compose.py there; the connectors run from this workspace's venv.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from demo import configs as demo_configs
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.autotask_kit import AutotaskClient

REPO = Path(__file__).resolve().parents[2]
PYAIRBYTE_DIR = REPO / "integration_tests" / "pyairbyte"
COMPOSE = PYAIRBYTE_DIR / "compose.py"
STREAMS = ("companies", "products", "services", "invoices", "purchase_orders")
RUN_TIMEOUT = 600
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


venv = _load("pyairbyte_venv", PYAIRBYTE_DIR / "venv.py")
# The destination's adapter-test helpers (configs, real pipes, Xero read-back), reused rather than copied.
support = _load(
    "destination_adapter_support", REPO / "destination-xero" / "tests" / "test_adapter_support.py"
)


@dataclass
class Synced:
    """One sandbox after a sync: what the connectors printed, and the Xero organisations read back."""

    sandbox: RunningSandbox
    configs: demo_configs.DemoConfigs
    tmp: Path
    outputs: list[str] = field(default_factory=list)
    writes: list[int] = field(default_factory=list)  # Xero PUT/POST calls, cumulative, after each run
    seconds: list[float] = field(default_factory=list)
    books: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # tenant -> collection -> key
    summaries: list[dict[str, Any]] = field(default_factory=list)  # compose.py's, one per PyAirbyte run
    first_token: str = ""

    def store_token(self) -> str:
        """The newest refresh token: the destination writes every rotation to its token store file."""
        token = json.loads(self.configs.token_store.read_text(encoding="utf-8"))["refresh_token"]
        assert isinstance(token, str) and token
        return token

    def config_token(self) -> str:
        token = json.loads(self.configs.destination.read_text(encoding="utf-8"))["auth"]["refresh_token"]
        assert isinstance(token, str) and token
        return token

    def rotated_tokens(self) -> list[str]:
        return [self.store_token(), self.config_token()]

    def secrets(self) -> list[str]:
        info = self.sandbox.info
        values = [*support.secret_values(info), *self.sandbox.secrets(), *self.rotated_tokens()]
        return sorted({v for v in values if v})


def _writes(sandbox: RunningSandbox) -> int:
    return int(support.xero_writes(sandbox.admin("xero", "stats")))


def _configs(sandbox: RunningSandbox, tmp: Path) -> demo_configs.DemoConfigs:
    """The demo's configs (committed mapping file), rejections reported rather than failing the run: the
    demo data holds New Zealand GST invoices the mapping leaves unmapped on purpose."""
    secrets, output = tmp / "secrets", tmp / "output"
    secrets.mkdir()
    output.mkdir()
    configs = demo_configs.write_configs(sandbox.info, secrets, output)
    destination = json.loads(configs.destination.read_text(encoding="utf-8"))
    configs.destination.write_text(json.dumps({**destination, "fail_on_rejections": False}), encoding="utf-8")
    return configs


def _pyairbyte_env(tmp: Path) -> dict[str, str]:
    """Offline (no registry, no telemetry) with every PyAirbyte folder inside the test's temp dir, and uv
    on PATH as PyAirbyte expects."""
    env = venv.clean_env()
    uv = shutil.which("uv")
    if uv:
        env["PATH"] = f"{Path(uv).parent}{os.pathsep}{env.get('PATH', '')}"
    roots = {
        "AIRBYTE_LOGGING_ROOT": tmp / "airbyte-logs",
        "AIRBYTE_PROJECT_DIR": tmp / "airbyte-project",
        "AIRBYTE_CACHE_ROOT": tmp / "airbyte-cache",
        "AIRBYTE_TEMP_DIR": tmp / "airbyte-tmp",
    }
    for path in roots.values():
        path.mkdir(exist_ok=True)
    return {
        **env,
        **{k: str(v) for k, v in roots.items()},
        "AIRBYTE_OFFLINE_MODE": "1",
        "DO_NOT_TRACK": "1",
        "NO_COLOR": "1",
        "PYTHONUNBUFFERED": "1",
    }


def _snapshot(synced: Synced) -> None:
    """Every organisation's documents, keyed by number (contacts by name, items by code)."""
    reader = support.XeroReader(synced.sandbox.info, synced.store_token())
    # the reader rotated the token once more: keep the new one where the destination looks first
    synced.configs.token_store.write_text(json.dumps({"refresh_token": reader.refresh_token}), "utf-8")
    for name in synced.configs.tenants:
        synced.books[name] = {
            "Invoices": {f"{d['Type']} {d.get('InvoiceNumber')}": d for d in reader.all(name, "Invoices")},
            "CreditNotes": {
                f"{d['Type']} {d.get('CreditNoteNumber')}": d for d in reader.all(name, "CreditNotes")
            },
            "PurchaseOrders": {d["PurchaseOrderNumber"]: d for d in reader.all(name, "PurchaseOrders")},
            "Contacts": {d["Name"]: d for d in reader.all(name, "Contacts")},
            "Items": {d["Code"]: d for d in reader.all(name, "Items", paged=False)},
        }


def _by_type_and_number(documents: list[dict[str, Any]], number: str) -> dict[str, dict[str, Any]]:
    return {f"{d['Type']} {d.get(number)}": d for d in documents}


@pytest.fixture(scope="module")
def pyairbyte_python() -> Path:
    started = time.monotonic()
    python = venv.python_executable()
    print(f"\nPyAirbyte {venv.PYAIRBYTE_VERSION} venv ready in {time.monotonic() - started:.1f}s: {python}")
    return Path(python)


def _compose(synced: Synced, python: Path, cache: Path, summary: Path) -> dict[str, Any]:
    command = [
        str(python),
        str(COMPOSE),
        "--source-exe",
        support.script("source-autotask"),
        "--source-config",
        str(synced.configs.source),
        "--destination-exe",
        support.script("destination-xero"),
        "--destination-config",
        str(synced.configs.destination),
        "--cache-dir",
        str(cache),
        "--streams",
        ",".join(STREAMS),
        "--summary",
        str(summary),
    ]
    started = time.monotonic()
    done = subprocess.run(
        command,
        cwd=synced.tmp,
        env=_pyairbyte_env(synced.tmp),
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    synced.seconds.append(time.monotonic() - started)
    output = done.stdout + done.stderr
    synced.outputs.append(output)
    synced.writes.append(_writes(synced.sandbox))
    assert done.returncode == 0, f"compose.py exited {done.returncode}:\n{output[-6000:]}"
    loaded: dict[str, Any] = json.loads(summary.read_text(encoding="utf-8"), parse_float=Decimal)
    return loaded


@pytest.fixture(scope="module")
def composed(pyairbyte_python: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """Two PyAirbyte runs on one sandbox, sharing one cache (the second is what a schedule runs next)."""
    tmp = tmp_path_factory.mktemp("pyairbyte")
    with running_sandbox("demo", rate_limits="off") as sb:
        synced = Synced(sb, _configs(sb, tmp), tmp)
        synced.first_token = sb.info["xero"]["refresh_token"]
        cache = tmp / "cache"
        for run in (1, 2):
            synced.summaries.append(_compose(synced, pyairbyte_python, cache, tmp / f"summary-{run}.json"))
        print(f"\nPyAirbyte runs: {', '.join(f'{s:.1f}s' for s in synced.seconds)}; writes {synced.writes}")
        _snapshot(synced)
        yield synced


@pytest.fixture(scope="module")
def direct(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    """The reference: the same data through `source-autotask read | destination-xero write`."""
    tmp = tmp_path_factory.mktemp("direct")
    with running_sandbox("demo", rate_limits="off") as sb:
        synced = Synced(sb, _configs(sb, tmp), tmp)
        catalog = str(demo_configs.SOURCE_CATALOG)
        started = time.monotonic()
        source = support.script("source-autotask")
        destination = support.script("destination-xero")
        piped = support.pipe(
            [source, "read", "--config", str(synced.configs.source), "--catalog", catalog],
            [destination, "write", "--config", str(synced.configs.destination), "--catalog", catalog],
            cwd=tmp,
            timeout=RUN_TIMEOUT,
        )
        synced.seconds.append(time.monotonic() - started)
        synced.outputs.append(piped.stdout + piped.stderr + piped.producer_stderr)
        assert piped.producer_code == 0 and piped.code == 0, (piped.stderr + piped.producer_stderr)[-4000:]
        synced.writes.append(_writes(sb))
        _snapshot(synced)
        yield synced


# --- comparison ----------------------------------------------------------------------------------------

_VOLATILE = re.compile(r"(ID|IDs|UpdatedDateUTC|Url)$")


def _normalised(value: Any) -> Any:
    """A document without what differs between two sandboxes for the same content: generated GUIDs and
    write timestamps."""
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in sorted(value.items()) if not _VOLATILE.search(k)}
    if isinstance(value, list):
        return [_normalised(v) for v in value]
    return value


def _cents(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)


# --- tests ---------------------------------------------------------------------------------------------


def test_the_cache_retyped_the_records_the_destination_received(composed: Synced) -> None:
    """The premise: what reached destination-xero is NOT what source-autotask emitted."""
    summary = composed.summaries[0]
    assert summary["pyairbyte_version"] == venv.PYAIRBYTE_VERSION
    columns = summary["column_types"]["invoices"]
    assert columns["invoicetotal"].startswith("DECIMAL"), columns
    assert columns["invoicedatetime"] == "TIMESTAMP", columns  # without time zone
    assert columns["lines"] == "JSON" and columns["company"] == "JSON", columns
    sent = summary["first_record_as_sent"]["invoices"]
    assert "invoiceTotal" not in sent and isinstance(sent["invoicetotal"], str), sent["invoicetotal"]
    assert re.fullmatch(r"-?\d+\.\d{9}", sent["invoicetotal"]), sent["invoicetotal"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?", sent["invoicedatetime"]), sent
    assert {"_airbyte_raw_id", "_airbyte_extracted_at", "_airbyte_meta"} <= set(sent)
    po = summary["first_record_as_sent"]["purchase_orders"]
    assert isinstance(po["freight"], str) and isinstance(po["items"], list), po
    read = summary["records_read"]
    assert read["invoices"] > 100 and read["purchase_orders"] > 0 and read["products"] > 0, read
    assert summary["records_written"] == sum(read.values())


def test_pyairbyte_lands_the_same_documents_as_a_direct_sync(composed: Synced, direct: Synced) -> None:
    compared = 0
    for tenant in composed.configs.tenants:
        for collection in ("Invoices", "CreditNotes", "PurchaseOrders", "Contacts", "Items"):
            mine, theirs = composed.books[tenant][collection], direct.books[tenant][collection]
            assert sorted(mine) == sorted(theirs), (tenant, collection, sorted(set(mine) ^ set(theirs))[:10])
            for key in mine:
                assert _normalised(mine[key]) == _normalised(theirs[key]), (tenant, collection, key)
                compared += 1
    kinds = {
        c: sum(len(composed.books[t][c]) for t in composed.configs.tenants)
        for c in ("Invoices", "CreditNotes", "PurchaseOrders", "Items")
    }
    assert kinds["Invoices"] > 200 and kinds["CreditNotes"] > 0, kinds
    assert kinds["PurchaseOrders"] > 0 and kinds["Items"] > 0, kinds
    assert compared > 300


def test_totals_and_taxes_match_autotask_to_the_cent(composed: Synced) -> None:
    client = AutotaskClient(composed.sandbox.info["autotask"])
    invoices = client.items("Invoices", [{"op": "gte", "field": "id", "value": 0}], MaxRecords=500)
    read = composed.summaries[0]["records_read"]["invoices"]
    assert read <= len(invoices) < 500, "one query page must hold every invoice of the demo"
    landed = 0
    for record in invoices:
        number, total = str(record["invoiceNumber"]), Decimal(str(record["invoiceTotal"]))
        credit = total < 0
        collection, kind, sign = ("CreditNotes", "ACCRECCREDIT", -1) if credit else ("Invoices", "ACCREC", 1)
        found = [composed.books[t][collection].get(f"{kind} {number}") for t in composed.configs.tenants]
        documents = [d for d in found if d is not None]
        if not documents or documents[0]["Status"] in ("VOIDED", "DELETED"):
            continue
        (document,) = documents  # one organisation only
        assert document["Total"] == sign * _cents(total), number
        # Xero taxes each line rounded to the cent; where that would sum away from Autotask's tax, the
        # destination overrides the fewest lines' TaxAmount by a cent, so the tax is exact too
        assert document["TotalTax"] == sign * _cents(record["totalTaxValue"]), number
        landed += 1
    assert landed > 200


def test_rejections_are_the_same_and_named(composed: Synced, direct: Synced) -> None:
    def rejected(synced: Synced) -> dict[int, str]:
        lines = synced.configs.rejected.read_text(encoding="utf-8").splitlines()
        return {json.loads(x)["autotask_id"]: json.loads(x)["reason"] for x in lines}

    mine = rejected(composed)
    theirs = rejected(direct)
    planted = ("New Zealand GST", "is not enabled in organisation", "Xero contact 'acme plumbing'")
    assert mine and all(any(p in r for p in planted) for r in mine.values())
    assert set(mine) == set(theirs)
    assert all(mine[key] == theirs[key] for key in theirs)


def test_a_second_pyairbyte_run_writes_nothing(composed: Synced) -> None:
    first, second = composed.writes
    assert first > 0
    assert second == first, f"the second PyAirbyte run made {second - first} Xero writes"
    second_summary = composed.summaries[1]
    assert second_summary["records_written"] > 0  # the documents were offered again, and found unchanged


def test_the_rotated_token_came_back_through_pyairbyte(composed: Synced) -> None:
    """destination-xero rotates the refresh token; PyAirbyte's config_change_callback must hand the new
    one back (compose.py writes it into the config file), or the next run would start from a dead token."""
    assert composed.config_token() != composed.first_token


def test_no_secret_in_any_output_or_pyairbyte_file(composed: Synced) -> None:
    secrets = composed.secrets()
    assert len(secrets) >= 4
    for output in composed.outputs:
        assert not support.leaks(output, secrets), "compose.py output"
    configs = composed.tmp / "secrets"  # the connector configs and the token store hold them by design
    scanned = 0
    for path in composed.tmp.rglob("*"):
        if path.is_file() and configs not in path.parents:
            text = path.read_bytes().decode("latin-1")
            assert not support.leaks(text, secrets), str(path)
            scanned += 1
    assert scanned >= 4, "expected the summaries, the cache and PyAirbyte's connector logs"
