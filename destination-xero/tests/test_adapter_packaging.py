"""The connector as installed and shipped: console scripts, the Airbyte spec and Singer --about through
them, metadata.yaml, and the Dockerfile's build inputs (no docker daemon needed)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import REPO, script

CONNECTOR = REPO / "destination-xero"


def _json_lines(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            found.append(value)
    return found


def test_console_scripts_are_declared() -> None:
    project = tomllib.loads((CONNECTOR / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {
        "destination-xero": "destination_xero.airbyte:main",
        "target-xero": "destination_xero.singer:TargetXero.cli",
    }


def test_airbyte_spec_through_the_console_script() -> None:
    proc = subprocess.run(
        [script("destination-xero"), "spec"], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    (spec,) = [m["spec"] for m in _json_lines(proc.stdout) if m.get("type") == "SPEC"]
    assert set(spec["supported_destination_sync_modes"]) == {"append", "append_dedup", "overwrite"}
    auth = spec["connectionSpecification"]["properties"]["auth"]
    refresh = next(v for v in auth["oneOf"] if v["properties"]["type"]["const"] == "refresh_token")
    assert refresh["properties"]["refresh_token"]["airbyte_secret"] is True
    assert refresh["properties"]["client_secret"]["airbyte_secret"] is True


def test_singer_about_lists_the_secret_settings() -> None:
    proc = subprocess.run(
        [script("target-xero"), "--about", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    about = json.loads(proc.stdout)
    assert about["name"] == "target-xero"
    settings = about["settings"]["properties"]
    assert {"auth", "tenants", "mappings", "dry_run", "rejected_records_path"} <= set(settings)
    variants = settings["auth"]["oneOf"]
    assert all(v["properties"]["client_secret"].get("secret") is True for v in variants)


def test_target_refuses_refresh_token_auth_without_a_token_store(tmp_path: Path) -> None:
    config = {
        "auth": {"type": "refresh_token", "client_id": "cid", "client_secret": "cs", "refresh_token": "rt"},
        "tenants": [{"tenant_id": "t1", "name": "One"}],
    }
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    proc = subprocess.run(
        [script("target-xero"), "--config", str(path)],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert proc.returncode == 1
    assert "auth.token_store_path" in proc.stderr


def test_metadata_matches_the_dockerfile_and_the_cdk_model() -> None:
    model = pytest.importorskip("airbyte_cdk.models.connector_metadata")
    metadata = model.MetadataFile.from_file(CONNECTOR / "metadata.yaml").data
    raw = yaml.safe_load((CONNECTOR / "metadata.yaml").read_text())["data"]
    assert metadata.connectorType == "destination"
    docker = (CONNECTOR / "Dockerfile").read_text()
    base = re.search(r"^ARG BASE_IMAGE=(\S+)$", docker, re.M)
    assert base and base.group(1) == raw["connectorBuildOptions"]["baseImage"]
    assert f"LABEL io.airbyte.name={raw['dockerRepository']}" in docker
    assert f"LABEL io.airbyte.version={raw['dockerImageTag']}" in docker
    version = tomllib.loads((CONNECTOR / "pyproject.toml").read_text())["project"]["version"]
    assert raw["dockerImageTag"] == version
    assert set(raw["allowedHosts"]["hosts"]) >= {"api.xero.com", "identity.xero.com"}


def test_dockerfile_build_inputs_exist_and_the_lock_exports(tmp_path: Path) -> None:
    """Every COPY source exists relative to the repo root (the build context), and the first stage's
    `uv export` works on exactly the files it copies."""
    docker = (CONNECTOR / "Dockerfile").read_text()
    copied: list[str] = []
    for line in docker.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied.extend(line.split()[1:-1])
    assert copied
    for source in copied:
        assert (REPO / source).exists(), source
    uv = shutil.which("uv")
    if uv is None:
        pytest.skip("uv is not on PATH")
    for source in copied:
        if source.endswith((".toml", ".lock")):
            target = tmp_path / source
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(REPO / source, target)
    joined = docker.replace("\\\n", " ")  # continuation lines
    export = re.search(r"^RUN (uv export .*)$", joined, re.M)
    assert export
    command = export.group(1).replace("/requirements.txt", str(tmp_path / "req.txt"))
    proc = subprocess.run(command.split(), capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    pinned = (tmp_path / "req.txt").read_text()
    for name in ("airbyte-cdk==", "requests==", "pendulum=="):
        assert re.search(rf"^{re.escape(name)}", pinned, re.M), name
    assert not re.search(r"^singer-sdk==", pinned, re.M), "the Airbyte image carries only the [airbyte] extra"
    assert not re.search(r"^(-e |\.|destination-xero|source-autotask)", pinned, re.M)  # no workspace pkgs
