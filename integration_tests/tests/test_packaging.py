"""Packaging proof: each connector as a user installs it, alone, with nothing of this workspace around.

Why: a connector that only imports inside the workspace (a module outside `packages`, a schema file not in
the wheel, a dependency only the workspace provides, a sibling connector found through `tool.uv.sources`)
passes every other test and fails in the user's image or Meltano project. So, for each of the four
connectors: its wheel and the wheels of the libraries it needs are built (`uv build --wheel --package`),
and it is installed into a fresh virtualenv outside the repository, in two steps:

1. its third-party dependencies at uv.lock's versions (`uv export --package`, from PyPI);
2. the connector itself with `--no-index --find-links`: the workspace packages can come only from the
   built wheels, and only the libraries' wheels are there. A connector that depends on another connector
   (or on the tools or the sandbox) does not resolve, and the test says which dependency it was.

First without its extras: each console script must stop with one line naming the extra to install, not a
traceback. Then with `[airbyte,singer]`: `spec` through the Airbyte command and `--about` through the
Singer one, whose name, version and description must be the distribution's own. Where a Docker engine
answers (the `docker` SDK's ping), the images are built and `spec` is run in them; without one that test is
skipped with the reason. The checks that build nothing (one documentation URL, each Dockerfile's inputs, the
dependency rule, an adapter without its SDK) are not marked slow.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
DOCUMENTATION_URL = "https://github.com/autotask-xero/autotask-xero#readme"


@dataclass(frozen=True)
class Connector:
    dist: str
    package: str
    airbyte: str  # the Airbyte console script (and image name)
    singer: str  # the Singer console script

    @property
    def root(self) -> Path:
        return REPO / self.dist


CONNECTORS = {
    c.dist: c
    for c in (
        Connector("source-autotask", "source_autotask", "source-autotask", "tap-autotask"),
        Connector("destination-xero", "destination_xero", "destination-xero", "target-xero"),
        Connector(
            "source-xero-payments", "source_xero_payments", "source-xero-payments", "tap-xero-payments"
        ),
        Connector(
            "destination-autotask-payments",
            "destination_autotask_payments",
            "destination-autotask-payments",
            "target-autotask-payments",
        ),
    )
}
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
slow = [pytest.mark.slow, pytest.mark.timeout(900)]


# --- the workspace, read from its pyproject files --------------------------------------------------------


def _project(folder: Path) -> dict[str, Any]:
    text = (folder / "pyproject.toml").read_text(encoding="utf-8")
    project: dict[str, Any] = tomllib.loads(text)["project"]
    return project


def _members() -> dict[str, Path]:
    """Workspace distribution name -> its folder."""
    root = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    folders = [REPO / m for m in root["tool"]["uv"]["workspace"]["members"]]
    return {_project(folder)["name"]: folder for folder in folders}


def _libraries() -> dict[str, Path]:
    return {name: folder for name, folder in _members().items() if folder.parent == REPO / "libs"}


def _requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return match.group(0).lower().replace("_", "-")


def _workspace_requirements(metadata_requires: list[str]) -> set[str]:
    members = set(_members())
    return {n for n in map(_requirement_name, metadata_requires) if n in members}


def _libraries_needed(dist: str) -> list[str]:
    """The libraries `dist` needs, directly or through another library; anything else of the workspace it
    depends on fails here, with its name (a connector must not depend on another connector)."""
    libraries, members = _libraries(), _members()
    needed: list[str] = []
    pending = [dist]
    while pending:
        current = pending.pop()
        assert current in members, f"{current} is not a workspace member (root pyproject.toml)"
        declared = list(_project(members[current]).get("dependencies", []))
        for name in sorted(_workspace_requirements(declared)):
            assert name in libraries, (
                f"{current} depends on {name}, which is not a library (libs/): a connector may depend on "
                "the libraries only, never on another connector, the tools or the sandbox"
            )
            if name not in needed:
                needed.append(name)
                pending.append(name)
    return needed


# --- running things outside the workspace ----------------------------------------------------------------


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if not found:
        pytest.skip("uv is not on PATH (make test bootstraps it)")
    return found


def _env() -> dict[str, str]:
    """No workspace venv, no PYTHONPATH: the installed venv must stand on its own."""
    drop = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
    return {k: v for k, v in os.environ.items() if k not in drop}


def _run(
    command: list[str], cwd: Path, timeout: float = 600, check: bool = True
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout, check=False
    )
    if check:
        assert done.returncode == 0, (
            f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        )
    return done


def _build(uv: str, dist: str, out: Path) -> Path:
    _run([uv, "build", "--wheel", "--package", dist, "--out-dir", str(out)], cwd=REPO)
    prefix = dist.replace("-", "_") + "-"
    (wheel,) = [w for w in out.glob("*.whl") if w.name.startswith(prefix)]
    return wheel


def _wheel_requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    return [r.split(";")[0].strip() for r in metadata.get_all("Requires-Dist") or []]


@dataclass
class Installed:
    connector: Connector
    venv: Path
    bare: dict[str, subprocess.CompletedProcess[str]]  # command -> its run before the extras were installed

    @property
    def bin(self) -> Path:
        return self.venv / "bin"


@pytest.fixture(scope="module")
def library_wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every library's wheel, in one folder (`--find-links`); no connector's wheel is ever put there."""
    uv = _uv()
    out = tmp_path_factory.mktemp("library-wheels")
    for name in _libraries():
        _build(uv, name, out)
    return out


def _third_party(uv: str, dist: str, extras: tuple[str, ...], path: Path) -> Path:
    options = [arg for extra in extras for arg in ("--extra", extra)]
    _run(
        [
            uv, "export", "--frozen", "--package", dist, *options, "--no-emit-workspace", "--no-dev",
            "--no-hashes", "--format", "requirements-txt", "--output-file", str(path),
        ],
        cwd=REPO,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module", params=sorted(CONNECTORS))
def installed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, library_wheels: Path
) -> Iterator[Installed]:
    """The connector installed alone into a fresh venv outside the workspace, first without its extras
    (the commands are run then), then with both."""
    connector = CONNECTORS[request.param]
    uv = _uv()
    root = tmp_path_factory.mktemp(f"packaging-{connector.dist}")
    assert REPO not in root.parents, "the venv must live outside the workspace"
    needed = _libraries_needed(connector.dist)
    wheel = _build(uv, connector.dist, root / "wheel")
    for name in _workspace_requirements(_wheel_requires(wheel)):
        assert name in needed, (
            f"the {connector.dist} wheel requires {name}, which is not one of its libraries"
        )
    venv = root / "venv"
    _run([uv, "venv", "--python", sys.executable, str(venv)], cwd=root)
    python = str(venv / "bin" / "python")
    find_links = ["--find-links", str(library_wheels), "--find-links", str(wheel.parent)]

    def install(requirement: str, extras: tuple[str, ...]) -> None:
        third_party = _third_party(uv, connector.dist, extras, root / f"third-party-{len(extras)}.txt")
        _run([uv, "pip", "install", "--python", python, "-r", str(third_party)], cwd=root)
        done = _run(
            [uv, "pip", "install", "--python", python, "--no-index", *find_links, requirement],
            cwd=root,
            check=False,
        )
        assert done.returncode == 0, (
            f"{requirement} does not install from its own wheel and the libraries' wheels alone (does it "
            f"depend on another connector?):\n{done.stderr[-4000:]}"
        )

    install(connector.dist, ())
    bare = {
        connector.airbyte: _run([str(venv / "bin" / connector.airbyte), "spec"], cwd=root, check=False),
        connector.singer: _run([str(venv / "bin" / connector.singer), "--about"], cwd=root, check=False),
    }
    install(f"{connector.dist}[airbyte,singer]", ("airbyte", "singer"))
    yield Installed(connector, venv, bare)


# --- what the installed connector says ------------------------------------------------------------------


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


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_installed_code_comes_from_the_wheels_and_no_other_connector(installed: Installed) -> None:
    connector = installed.connector
    probe = f"import {connector.package} as p; print(p.__file__)"
    location = Path(_run([str(installed.bin / "python"), "-c", probe], cwd=installed.venv).stdout.strip())
    assert installed.venv in location.parents, location
    assert REPO not in location.parents, "imported from the workspace, not from the wheel"
    listed = _run(
        [_uv(), "pip", "list", "--python", str(installed.bin / "python"), "--format", "json"],
        cwd=installed.venv,
    )
    names = {str(p["name"]).lower().replace("_", "-") for p in json.loads(listed.stdout)}
    others = (set(_members()) - set(_libraries()) - {connector.dist}) & names
    assert not others, f"{connector.dist} brought other workspace distributions with it: {sorted(others)}"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_without_its_extras_each_command_names_the_extra_in_one_line(installed: Installed) -> None:
    connector = installed.connector
    for command, extra in ((connector.airbyte, "airbyte"), (connector.singer, "singer")):
        done = installed.bare[command]
        assert done.returncode == 1, f"{command}: exit {done.returncode}\n{done.stderr[-2000:]}"
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in done.stderr, f"{command}:\n{done.stderr[-2000:]}"
        assert f"install {connector.dist}[{extra}]" in lines[0], lines[0]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_airbyte_spec_from_the_installed_wheel(installed: Installed) -> None:
    connector = installed.connector
    help_text = _run([str(installed.bin / connector.airbyte), "--help"], cwd=installed.venv, timeout=120)
    assert "spec" in help_text.stdout
    done = _run([str(installed.bin / connector.airbyte), "spec"], cwd=installed.venv, timeout=120)
    messages = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    specs = [m["spec"] for m in messages if m.get("type") == "SPEC"]
    assert len(specs) == 1, done.stdout[-2000:]
    assert specs[0]["documentationUrl"] == DOCUMENTATION_URL
    schema = specs[0]["connectionSpecification"]
    assert schema.get("type") == "object" and schema.get("properties"), schema
    _check_secrets(connector.airbyte, schema, "airbyte_secret")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_singer_about_from_the_installed_wheel(installed: Installed) -> None:
    """Meltano shows the plugin's version and description from `--about`: both must be the distribution's."""
    connector = installed.connector
    plugin = connector.singer
    _run([str(installed.bin / plugin), "--help"], cwd=installed.venv, timeout=120)
    done = _run([str(installed.bin / plugin), "--about", "--format", "json"], cwd=installed.venv, timeout=120)
    about = json.loads(done.stdout)
    assert about["name"] == plugin
    assert about["version"] == _project(connector.root)["version"], about["version"]
    assert about["description"] and str(about["description"]).strip(), "no description"
    assert "about" in about["capabilities"]
    if plugin.startswith("tap-"):
        assert {"catalog", "discover", "state"} <= set(about["capabilities"])
    _check_secrets(plugin, about["settings"], "secret")
    version = _run([str(installed.bin / plugin), "--version"], cwd=installed.venv, timeout=120)
    assert f"{plugin} v{about['version']}" in version.stdout


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("installed", ["destination-xero", "source-xero-payments"], indirect=True)
def test_xero_auth_comes_with_the_xero_connectors(installed: Installed) -> None:
    """`xero-auth` (the one-time consent flow) is xero-client's: whoever installs a Xero connector has it."""
    done = _run([str(installed.bin / "xero-auth"), "--help"], cwd=installed.venv, timeout=120)
    assert "usage" in done.stdout.lower()


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("installed", ["source-autotask"], indirect=True)
def test_tap_autotask_discovers_from_the_schema_files_in_the_wheel(
    installed: Installed, tmp_path: Path
) -> None:
    """Discovery reads the stream schemas shipped as package data (no API call): proves they are in the
    wheel, not only in the workspace."""
    config = tmp_path / "config.json"
    config.write_text(
        json.dumps({"username": "u@example.com", "secret": "x", "integration_code": "y"}), encoding="utf-8"
    )
    done = _run([str(installed.bin / "tap-autotask"), "--config", str(config), "--discover"], cwd=tmp_path)
    streams = {s["tap_stream_id"]: s for s in json.loads(done.stdout)["streams"]}
    assert {"invoices", "purchase_orders", "companies"} <= set(streams)
    assert streams["invoices"]["schema"]["properties"], "invoices schema is empty"


# --- without building anything ---------------------------------------------------------------------------


@pytest.mark.parametrize("dist", sorted(CONNECTORS))
def test_one_documentation_url(dist: str) -> None:
    """The Airbyte spec (checked above), metadata.yaml and the pyproject point at the same page."""
    connector = CONNECTORS[dist]
    metadata = yaml.safe_load((connector.root / "metadata.yaml").read_text(encoding="utf-8"))["data"]
    assert metadata["documentationUrl"] == DOCUMENTATION_URL
    assert _project(connector.root)["urls"]["Documentation"] == DOCUMENTATION_URL


# The console script's own first step (import the adapter), with the SDK made unimportable.
_WITHOUT_SDK = """
import importlib, sys
sys.modules[sys.argv[1]] = None  # as if the extra were not installed: importing it fails
sys.argv = [sys.argv[2]]
importlib.import_module({module!r})
"""


@pytest.mark.parametrize(
    ("dist", "adapter"), [(d, a) for d in sorted(CONNECTORS) for a in ("airbyte", "singer")]
)
def test_an_adapter_without_its_sdk_says_which_extra_to_install(dist: str, adapter: str) -> None:
    """The quick version of the bare-install check above, in the workspace: the SDK made unimportable."""
    connector = CONNECTORS[dist]
    sdk, command = (
        ("airbyte_cdk", connector.airbyte) if adapter == "airbyte" else ("singer_sdk", connector.singer)
    )
    script = _WITHOUT_SDK.format(module=f"{connector.package}.{adapter}")
    done = subprocess.run(
        [sys.executable, "-c", script, sdk, command], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.strip() == (
        f"{command}: {sdk.replace('_', '-')} is not installed; install {dist}[{adapter}] "
        f"(pip install '{dist}[{adapter}]')"
    ), done.stderr[-2000:]


@pytest.mark.parametrize("dist", sorted(CONNECTORS))
def test_connectors_depend_on_libraries_only(dist: str) -> None:
    assert _libraries_needed(dist), f"{dist} uses none of the libraries?"


@pytest.mark.parametrize("dist", sorted(CONNECTORS))
def test_the_dockerfile_builds_from_the_base_image_metadata_declares(dist: str) -> None:
    """The image is built on metadata.yaml's base image, from uv.lock's versions with the [airbyte] extra
    only, and copies in only this connector and its libraries."""
    connector = CONNECTORS[dist]
    docker = (connector.root / "Dockerfile").read_text(encoding="utf-8")
    metadata = yaml.safe_load((connector.root / "metadata.yaml").read_text(encoding="utf-8"))["data"]
    base = re.search(r"^ARG BASE_IMAGE=(\S+)$", docker, re.M)
    assert base and base.group(1) == metadata["connectorBuildOptions"]["baseImage"]
    assert re.search(rf"uv export --frozen --package {dist} --extra airbyte ", docker)
    assert f"LABEL io.airbyte.name={metadata['dockerRepository']}" in docker
    assert f"LABEL io.airbyte.version={metadata['dockerImageTag']}" in docker
    assert metadata["dockerImageTag"] == _project(connector.root)["version"]
    needed = _libraries_needed(dist)
    allowed = (f"{dist}/", *(f"libs/{name}/" for name in needed))
    for line in docker.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            for source in line.split()[1:-1]:
                assert (REPO / source).exists(), source
                assert source in ("pyproject.toml", "uv.lock") or source.startswith(allowed), (
                    f"the {dist} image copies {source}: only the connector and its libraries belong in it"
                )
    install = re.search(r"^RUN pip install --no-cache-dir --no-deps (.+)$", docker, re.M)
    assert install, "no `pip install --no-deps` of the workspace packages"
    *libraries, last = install.group(1).split()
    assert sorted(libraries) == sorted(f"./libs/{name}" for name in needed) and last == f"./{dist}"


# --- Docker: only where an engine answers ----------------------------------------------------------------


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


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("dist", sorted(CONNECTORS))
def test_image_builds_and_answers_spec(dist: str) -> None:
    client = _docker_client()
    tag = f"airbyte/{dist}:packaging-test"
    client.images.build(path=str(REPO), dockerfile=f"{dist}/Dockerfile", tag=tag, rm=True)
    try:
        output = client.containers.run(tag, ["spec"], remove=True, network_disabled=True)
        text = output.decode("utf-8") if isinstance(output, bytes) else str(output)
        specs = [json.loads(x)["spec"] for x in text.splitlines() if x.startswith("{") and '"SPEC"' in x]
        assert len(specs) == 1, text[-2000:]
        _check_secrets(dist, specs[0]["connectionSpecification"], "airbyte_secret")
    finally:
        client.images.remove(tag, force=True)
