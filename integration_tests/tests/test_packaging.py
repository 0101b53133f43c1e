"""Packaging proof: the connectors as a user installs them, with nothing of this workspace around.

Why: a connector that only imports inside the workspace (a module outside `packages`, a schema file not in
the wheel, a dependency only the workspace provides, a sibling found through `tool.uv.sources`) passes every
other test and fails in the user's image. So each wheel is built (`uv build --wheel`), the three wheels are
installed into a fresh virtualenv in a temporary folder outside the repository, with their dependencies
constrained to the versions of uv.lock (`uv export`), and the eight console scripts are run from there,
exactly as the image build and Meltano would. Where a Docker engine answers (the `docker` SDK's ping), the
images are built and `spec` is run in them; without one that test is skipped with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("source-autotask", "destination-xero", "reverse-payments")
AIRBYTE = ("source-autotask", "destination-xero", "source-xero-payments", "destination-autotask-payments")
SINGER = ("tap-autotask", "target-xero", "tap-xero-payments", "target-autotask-payments")
# Setting names that hold a secret wherever they appear in a connector's configuration.
SECRET_NAMES = frozenset({"secret", "integration_code", "client_secret", "refresh_token", "password"})
# The secrets each connector must declare (at least these).
EXPECTED_SECRETS = {
    "source-autotask": {"secret", "integration_code"},
    "tap-autotask": {"secret", "integration_code"},
    "destination-xero": {"client_secret", "refresh_token"},
    "target-xero": {"client_secret", "refresh_token"},
    "source-xero-payments": {"client_secret", "refresh_token"},
    "tap-xero-payments": {"client_secret", "refresh_token"},
    "destination-autotask-payments": {"secret", "integration_code"},
    "target-autotask-payments": {"secret", "integration_code"},
}
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.skip("uv is not on PATH (make test bootstraps it)")
    return found


def _env() -> dict[str, str]:
    """No workspace venv, no PYTHONPATH: the installed venv must stand on its own."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(command: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-4000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh venv outside the workspace holding the three wheels; yields its bin folder."""
    uv = _uv()
    root = tmp_path_factory.mktemp("packaging")
    assert REPO not in root.parents, "the venv must live outside the workspace"
    wheels = root / "wheels"
    for package in PACKAGES:
        _run([uv, "build", "--wheel", "--out-dir", str(wheels), str(REPO / package)], cwd=REPO)
    built = sorted(wheels.glob("*.whl"))
    assert len(built) == len(PACKAGES), built
    constraints = root / "constraints.txt"
    _run(
        [
            uv, "export", "--frozen", "--all-packages", "--no-emit-workspace", "--no-hashes",
            "--format", "requirements-txt", "--output-file", str(constraints),
        ],
        cwd=REPO,
    )  # fmt: skip
    venv = root / "venv"
    _run([uv, "venv", "--python", sys.executable, str(venv)], cwd=root)
    python = venv / "bin" / "python"
    _run(
        [uv, "pip", "install", "--python", str(python), "--constraint", str(constraints), *map(str, built)],
        cwd=root,
    )
    yield venv / "bin"


def _walk_properties(node: Any, path: str = "") -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(name, path, schema) of every property, through objects, arrays and oneOf/anyOf variants."""
    if isinstance(node, dict):
        for name, prop in (node.get("properties") or {}).items():
            if isinstance(prop, dict):
                yield name, f"{path}.{name}", prop
                yield from _walk_properties(prop, f"{path}.{name}")
        for key in ("oneOf", "anyOf", "allOf"):
            for i, variant in enumerate(node.get(key) or []):
                yield from _walk_properties(variant, f"{path}[{i}]")
        if isinstance(node.get("items"), dict):
            yield from _walk_properties(node["items"], f"{path}[]")


def _check_secrets(connector: str, schema: dict[str, Any], mark: str) -> None:
    marked = {name for name, _, prop in _walk_properties(schema) if prop.get(mark) is True}
    missing = EXPECTED_SECRETS[connector] - marked
    assert not missing, f"{connector}: not marked {mark}: {sorted(missing)}"
    unmarked = [
        p for name, p, prop in _walk_properties(schema) if name in SECRET_NAMES and not prop.get(mark)
    ]
    assert not unmarked, f"{connector}: secret-named settings without {mark}: {unmarked}"


def test_installed_code_comes_from_the_wheels(installed: Path) -> None:
    probe = "import source_autotask, destination_xero, reverse_payments as r; print(r.__file__)"
    done = _run([str(installed / "python"), "-c", probe], cwd=installed)
    location = Path(done.stdout.strip())
    assert installed.parent in location.parents, location
    assert REPO not in location.parents, "imported from the workspace, not from the wheel"


@pytest.mark.parametrize("connector", AIRBYTE)
def test_airbyte_spec_from_the_installed_wheel(installed: Path, connector: str) -> None:
    done = _run([str(installed / connector), "spec"], cwd=installed, timeout=120)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    specs = [m["spec"] for m in messages if m.get("type") == "SPEC"]
    assert len(specs) == 1, done.stdout[-2000:]
    schema = specs[0]["connectionSpecification"]
    assert schema.get("type") == "object" and schema.get("properties"), schema
    _check_secrets(connector, schema, "airbyte_secret")


@pytest.mark.parametrize("plugin", SINGER)
def test_singer_about_from_the_installed_wheel(installed: Path, plugin: str) -> None:
    done = _run([str(installed / plugin), "--about", "--format", "json"], cwd=installed, timeout=120)
    about = json.loads(done.stdout)
    assert about["name"] == plugin
    assert "about" in about["capabilities"]
    if plugin.startswith("tap-"):
        assert {"catalog", "discover", "state"} <= set(about["capabilities"])
    _check_secrets(plugin, about["settings"], "secret")


def test_tap_autotask_discovers_from_the_schema_files_in_the_wheel(installed: Path, tmp_path: Path) -> None:
    """Discovery reads the stream schemas shipped as package data (no API call): proves they are in the
    wheel, not only in the workspace."""
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"username": "u@example.com", "secret": "x", "integration_code": "y"}), encoding="utf-8"
    )
    done = _run([str(installed / "tap-autotask"), "--config", str(config), "--discover"], cwd=tmp_path)
    streams = {s["tap_stream_id"]: s for s in json.loads(done.stdout)["streams"]}
    assert {"invoices", "purchase_orders", "companies"} <= set(streams)
    assert streams["invoices"]["schema"]["properties"], "invoices schema is empty"


# --- Docker: only where an engine answers ----------------------------------------------------------------

IMAGES = [
    ("source-autotask", "source-autotask/Dockerfile", {}),
    ("destination-xero", "destination-xero/Dockerfile", {}),
    ("source-xero-payments", "reverse-payments/Dockerfile", {"CONNECTOR": "source-xero-payments"}),
    (
        "destination-autotask-payments",
        "reverse-payments/Dockerfile",
        {"CONNECTOR": "destination-autotask-payments"},
    ),
]


def _docker_client() -> Any:
    try:
        import docker  # type: ignore[import-untyped]
    except ImportError:
        pytest.skip("the docker SDK is not installed here, so no image can be built (no Docker engine)")
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # any failure to reach the engine means: no engine here
        pytest.skip(f"no Docker engine answers here ({type(exc).__name__}); images cannot be built")
    return client


@pytest.mark.parametrize(("connector", "dockerfile", "build_args"), IMAGES, ids=[i[0] for i in IMAGES])
def test_image_builds_and_answers_spec(connector: str, dockerfile: str, build_args: dict[str, str]) -> None:
    client = _docker_client()
    tag = f"airbyte/{connector}:packaging-test"
    client.images.build(path=str(REPO), dockerfile=dockerfile, buildargs=build_args, tag=tag, rm=True)
    try:
        output = client.containers.run(tag, ["spec"], remove=True, network_disabled=True)
        text = output.decode("utf-8") if isinstance(output, bytes) else str(output)
        specs = [json.loads(x)["spec"] for x in text.splitlines() if x.startswith("{") and '"SPEC"' in x]
        assert len(specs) == 1, text[-2000:]
        _check_secrets(connector, specs[0]["connectionSpecification"], "airbyte_secret")
    finally:
        client.images.remove(tag, force=True)
