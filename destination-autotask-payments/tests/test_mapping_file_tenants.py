"""`tenants` from the config, from `mapping_file`, or from both, through the connectors' CLIs.

The mapping file (destination-xero's YAML) is where each organisation's numbering lives; a config that
also lists the organisations (which both platform specs used to require) must not drop that numbering,
or every prefixed Xero invoice comes back as "no Autotask invoice"."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from destination_autotask_payments.config import ConfigError, load_destination_config
from payments_testkit.support import UK, destination_config, source_config, tenant_ids
from payments_testkit.xero_seed import XeroSeed, autotask_invoices
from sandbox.launcher import RunningSandbox

CATALOG = Path(__file__).resolve().parents[2] / "catalogs" / "reverse-payments" / "configured_catalog.json"
BIN = Path(sys.executable).parent
PREFIXED = {"mode": "prefix", "prefix": "AT-"}


def run(command: list[str], stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def messages(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def mapping_file(sandbox: RunningSandbox, tmp_path: Path) -> Path:
    """A destination-xero mapping whose UK organisation numbers its Xero invoices `AT-<number>`."""
    ids = tenant_ids(sandbox)
    mapping = {
        "mappings": {"accounts": {"default": "200"}, "numbering": {"mode": "autotask"}},
        "tenants": [
            {
                "tenant_id": ids[UK],
                "name": UK,
                "route": {"default": True},
                "split_number_suffix": "-UK",
                "mappings": {"numbering": PREFIXED},
            }
        ],
    }
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return path


def both(config: dict[str, Any], mapping: Path) -> dict[str, Any]:
    """The config as an admin fills in a platform form: tenants listed (no numbering), a top-level
    numbering, and the mapping file."""
    return {**config, "mapping_file": str(mapping), "mappings": {"numbering": {"mode": "autotask"}}}


def test_tenants_in_config_and_mapping_file_keep_the_files_numbering(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """Before: the config's `tenants` replaced the file's, with their numbering, and `AT-20274` was looked
    up in Autotask as "AT-20274": rejected as "no Autotask invoice"."""
    store = tmp_path / "token.json"
    seed = XeroSeed(sandbox, store)
    ours = seed.invoice(UK, "708.32", number="AT-20274")
    seed.pay(UK, ours["InvoiceID"], "708.32", "2026-11-03")
    mapping = mapping_file(sandbox, tmp_path)
    src = tmp_path / "src.json"
    dst = tmp_path / "dst.json"
    src.write_text(json.dumps(both(source_config(sandbox, store, [UK]), mapping)))
    dst.write_text(json.dumps(both(destination_config(sandbox, [UK], tmp_path), mapping)))
    read = run(["source-xero-payments", "read", "--config", str(src), "--catalog", str(CATALOG)])
    assert read.returncode == 0, read.stderr[-2000:]
    piped = "\n".join(json.dumps(m) for m in messages(read.stdout) if m["type"] in ("RECORD", "STATE"))
    write = run(
        ["destination-autotask-payments", "write", "--config", str(dst), "--catalog", str(CATALOG)], piped
    )
    assert write.returncode == 0, write.stderr[-2000:]
    logs = [m["log"]["message"] for m in messages(write.stdout) if m["type"] == "LOG"]
    report = json.loads(next(x for x in logs if x.startswith("summary ")).removeprefix("summary "))
    assert report["marked_paid"] == 1 and report["unmatched_or_rejected"] == 0, report
    assert autotask_invoices(sandbox, ["20274"])["20274"]["paidDate"][:10] == "2026-11-03"
    assert not (tmp_path / "rejected.jsonl").exists()


def test_a_tenants_own_numbering_in_the_config_beats_the_files(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """The documented precedence: a tenant's own section beats a top-level one wherever each is written;
    at the same level, the config beats the file."""
    mapping = mapping_file(sandbox, tmp_path)
    config = both(destination_config(sandbox, [UK], tmp_path), mapping)
    assert (
        load_destination_config(config).tenants[0].numbering
        == load_destination_config({**config, "mappings": {}}).tenants[0].numbering
    )
    assert load_destination_config(config).tenants[0].numbering.prefix == "AT-"
    own = {"mode": "prefix", "prefix": "NW-"}
    config["tenants"] = [{**config["tenants"][0], "mappings": {"numbering": own}}]
    assert load_destination_config(config).tenants[0].numbering.prefix == "NW-"
    alone = {k: v for k, v in config.items() if k != "tenants"}
    assert load_destination_config(alone).tenants[0].numbering.prefix == "AT-"


def test_spec_does_not_require_tenants_when_mapping_file_gives_them(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    """Before: both specs required `tenants`, so a platform refused a config whose organisations (and their
    numbering) are in `mapping_file`. Now `check` accepts it, and a config with neither names both."""
    spec = next(
        m for m in messages(run(["destination-autotask-payments", "spec"]).stdout) if m["type"] == "SPEC"
    )
    assert "tenants" not in spec["spec"]["connectionSpecification"]["required"]
    source_spec = next(
        m for m in messages(run(["source-xero-payments", "spec"]).stdout) if m["type"] == "SPEC"
    )
    assert "tenants" not in source_spec["spec"]["connectionSpecification"]["required"]
    config = destination_config(sandbox, [UK], tmp_path)
    del config["tenants"]
    statuses = {}
    for name, value in (
        ("file", {**config, "mapping_file": str(mapping_file(sandbox, tmp_path))}),
        ("none", config),
    ):
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(value))
        checked = run(["destination-autotask-payments", "check", "--config", str(path)])
        statuses[name] = next(m for m in messages(checked.stdout) if m["type"] == "CONNECTION_STATUS")
    assert statuses["file"]["connectionStatus"]["status"] == "SUCCEEDED", statuses["file"]
    failed = statuses["none"]["connectionStatus"]
    assert failed["status"] == "FAILED"
    assert "tenants: required" in failed["message"] and "mapping_file" in failed["message"]


def test_a_mapping_file_without_tenants_and_no_tenants_is_one_clear_error(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    config = destination_config(sandbox, [UK], tmp_path)
    del config["tenants"]
    empty = tmp_path / "empty.yaml"
    empty.write_text("mappings: {numbering: {mode: autotask}}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"tenants: required: .*mapping_file {empty} lists none"):
        load_destination_config({**config, "mapping_file": str(empty)})
    with pytest.raises(ConfigError, match="mapping_file: cannot read"):
        load_destination_config({**config, "mapping_file": str(tmp_path / "missing.yaml")})
