"""Both console scripts as subprocesses against a sandbox: same records, state resumes, no secret anywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from .conftest import sandbox_config

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT.parent / "catalogs" / "source-autotask"


def _script(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(found).exists():
        pytest.skip(f"console script {name} is not installed (run uv sync)")
    return found


def _run(args: list[str], timeout: int = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def _messages(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line, parse_float=Decimal) for line in stdout.splitlines() if line.startswith("{")]


def _assert_no_secret(sb: Any, config: dict[str, Any], *outputs: str) -> None:
    for text in outputs:
        for secret in (*sb.secrets(), config["secret"], config["integration_code"]):
            assert secret not in text


@pytest.fixture(scope="module")
def runs(sandbox_process: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    sb = sandbox_process
    sb.reset()
    folder = tmp_path_factory.mktemp("cli")
    config = sandbox_config(sb)
    config_path = folder / "config.json"
    config_path.write_text(json.dumps(config))
    airbyte = _run(
        [
            _script("source-autotask"),
            "read",
            "--config",
            str(config_path),
            "--catalog",
            str(CATALOGS / "configured_catalog.json"),
        ]
    )
    singer = _run(
        [
            _script("tap-autotask"),
            "--config",
            str(config_path),
            "--catalog",
            str(CATALOGS / "singer_catalog.json"),
        ]
    )
    return {
        "sb": sb,
        "config": config,
        "config_path": config_path,
        "folder": folder,
        "airbyte": airbyte,
        "singer": singer,
    }


def _without_nulls(value: Any) -> Any:
    """The CDK's message serialiser drops null fields; an absent field and a null one mean the same."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _airbyte_records(stdout: str) -> dict[str, dict[Any, Any]]:
    out: dict[str, dict[Any, Any]] = {}
    for message in _messages(stdout):
        if message["type"] == "RECORD":
            out.setdefault(message["record"]["stream"], {})[message["record"]["data"]["id"]] = message[
                "record"
            ]["data"]
    return out


def _singer_records(stdout: str) -> dict[str, dict[Any, Any]]:
    out: dict[str, dict[Any, Any]] = {}
    for message in _messages(stdout):
        if message["type"] == "RECORD":
            out.setdefault(message["stream"], {})[message["record"]["id"]] = message["record"]
    return out


def test_airbyte_and_singer_produce_the_same_records(runs: dict[str, Any]) -> None:
    assert runs["airbyte"].returncode == 0, runs["airbyte"].stderr[-2000:]
    assert runs["singer"].returncode == 0, runs["singer"].stderr[-2000:]
    airbyte, singer = _airbyte_records(runs["airbyte"].stdout), _singer_records(runs["singer"].stdout)
    assert set(airbyte) == set(singer) and len(airbyte) == 14
    for stream in airbyte:
        assert _without_nulls(airbyte[stream]) == _without_nulls(singer[stream]), f"{stream} differs"
    invoice = next(iter(airbyte["invoices"].values()))
    assert isinstance(invoice["invoiceTotal"], Decimal | int) and invoice["lines"]


def test_money_is_written_as_exact_json_numbers(runs: dict[str, Any]) -> None:
    import re

    for stdout in (runs["airbyte"].stdout, runs["singer"].stdout):
        records = [line for line in stdout.splitlines() if '"RECORD"' in line and '"invoiceTotal":' in line]
        assert records
        for line in records:
            text = line.split('"invoiceTotal":', 1)[1]
            assert re.match(r"-?[0-9]+(\.[0-9]{1,4})?[,}]", text), (
                f"not an exact 4-dp JSON number: {text[:30]}"
            )


def test_read_logs_calls_per_entity_and_threshold_share(runs: dict[str, Any]) -> None:
    logs = [m["log"]["message"] for m in _messages(runs["airbyte"].stdout) if m["type"] == "LOG"]
    assert any("Autotask calls used" in m and "Invoices=" in m and "threshold share seen" in m for m in logs)
    assert "Autotask calls used" in runs["singer"].stderr


def test_state_resumes_in_both_adapters(runs: dict[str, Any]) -> None:
    folder: Path = runs["folder"]
    states = [json.loads(line) for line in runs["airbyte"].stdout.splitlines() if '"type":"STATE"' in line]
    assert states
    state_path = folder / "airbyte_state.json"
    state_path.write_text(json.dumps([s["state"] for s in states]))
    again = _run(
        [
            _script("source-autotask"),
            "read",
            "--config",
            str(runs["config_path"]),
            "--catalog",
            str(CATALOGS / "configured_catalog.json"),
            "--state",
            str(state_path),
        ]
    )
    assert again.returncode == 0, again.stderr[-2000:]
    records = _airbyte_records(again.stdout)
    assert "invoices" not in records and "purchase_orders" not in records
    assert len(records["products"]) == len(_airbyte_records(runs["airbyte"].stdout)["products"])

    singer_states = [
        json.loads(line) for line in runs["singer"].stdout.splitlines() if '"type":"STATE"' in line
    ]
    singer_state_path = folder / "singer_state.json"
    singer_state_path.write_text(json.dumps(singer_states[-1]["value"]))
    resumed = _run(
        [
            _script("tap-autotask"),
            "--config",
            str(runs["config_path"]),
            "--catalog",
            str(CATALOGS / "singer_catalog.json"),
            "--state",
            str(singer_state_path),
        ]
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "invoices" not in _singer_records(resumed.stdout)
    _assert_no_secret(runs["sb"], runs["config"], again.stdout, again.stderr, resumed.stdout, resumed.stderr)


def test_nothing_secret_in_any_output(runs: dict[str, Any]) -> None:
    sb, config = runs["sb"], runs["config"]
    outputs = [runs["airbyte"].stdout, runs["airbyte"].stderr, runs["singer"].stdout, runs["singer"].stderr]
    for command in (
        ["spec"],
        ["check", "--config", str(runs["config_path"])],
        ["discover", "--config", str(runs["config_path"])],
    ):
        done = _run([_script("source-autotask"), *command])
        assert done.returncode == 0, done.stderr[-2000:]
        outputs += [done.stdout, done.stderr]
    bad = dict(config, secret="wrong-" + config["secret"][:4])
    bad_path = runs["folder"] / "bad.json"
    bad_path.write_text(json.dumps(bad))
    failed = _run(
        [
            _script("source-autotask"),
            "read",
            "--config",
            str(bad_path),
            "--catalog",
            str(CATALOGS / "configured_catalog.json"),
        ]
    )
    assert failed.returncode != 0
    outputs += [failed.stdout, failed.stderr]
    _assert_no_secret(sb, config, *outputs)
    for text in outputs:
        assert bad["secret"] not in text


def test_check_with_a_bad_secret_says_so(runs: dict[str, Any]) -> None:
    bad_path = runs["folder"] / "bad_check.json"
    bad = dict(runs["config"], secret="definitely-wrong")
    bad_path.write_text(json.dumps(bad))
    done = _run([_script("source-autotask"), "check", "--config", str(bad_path)])
    status = [m for m in _messages(done.stdout) if m["type"] == "CONNECTION_STATUS"]
    assert status and status[0]["connectionStatus"]["status"] == "FAILED"
    message = status[0]["connectionStatus"]["message"]
    assert "secret" in message and "definitely-wrong" not in message
