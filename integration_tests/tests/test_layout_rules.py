"""`make lint`'s layout rules fail on the breaches they exist for, and pass on this repository.

Each case builds a miniature tree of the eight product packages in a temporary folder, put first on
PYTHONPATH so it shadows the installed ones, and runs the real `.importlinter` contracts and
`tools/check_layout.py` over it as `make lint` does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FOLDERS = {
    "autotask_client": "libs/autotask-client",
    "xero_client": "libs/xero-client",
    "connector_kit": "libs/connector-kit",
    "source_autotask": "source-autotask",
    "destination_xero": "destination-xero",
    "source_xero_payments": "source-xero-payments",
    "destination_autotask_payments": "destination-autotask-payments",
    "autotask_xero": "autotask-xero",
}
CLEAN = {
    "source_autotask/core.py": "import autotask_client.client\nimport connector_kit.exact_json\n",
    "source_autotask/airbyte.py": "import airbyte_cdk\nfrom source_autotask import core\n",
    "source_autotask/singer.py": "import singer_sdk\nfrom source_autotask import core\n",
    "autotask_client/client.py": "import connector_kit.exact_json\n",
    "connector_kit/exact_json.py": "import json\n",
    "destination_xero/core.py": "import xero_client\n",
}


def _tree(tmp_path: Path, extra: dict[str, str]) -> Path:
    for package, folder in FOLDERS.items():
        base = tmp_path / folder / package
        base.mkdir(parents=True)
        (base / "__init__.py").write_text("")
    for relative, text in {**CLEAN, **extra}.items():
        package = relative.split("/")[0]
        (tmp_path / FOLDERS[package] / relative).write_text(text)
    return tmp_path


def _run(tmp_path: Path, *command: str) -> subprocess.CompletedProcess[str]:
    paths = os.pathsep.join(str(tmp_path / folder) for folder in FOLDERS.values())
    env = {**os.environ, "PYTHONPATH": paths, "LAYOUT_ROOT": str(tmp_path)}
    return subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _lint_imports(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    (tmp_path / ".importlinter").write_text((REPO / ".importlinter").read_text())
    return _run(tmp_path, str(Path(sys.executable).parent / "lint-imports"), "--no-cache")


def _check_layout(tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return _run(tmp_path, sys.executable, str(REPO / "tools" / "check_layout.py"))


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    _tree(tmp_path, {})
    contracts = _lint_imports(tmp_path)
    assert contracts.returncode == 0, contracts.stdout + contracts.stderr
    layout = _check_layout(tmp_path)
    assert layout.returncode == 0, layout.stdout + layout.stderr


@pytest.mark.parametrize(
    ("breach", "contract"),
    [
        (
            {"source_xero_payments/core.py": "from destination_xero import core\n"},
            "Connectors never import each other",
        ),
        ({"source_autotask/sync.py": "import singer_sdk.helpers\n"}, "import no connector SDK"),
        ({"connector_kit/report.py": "import destination_xero\n"}, "Libraries import no connector"),
        ({"xero_client/autotask.py": "import autotask_client\n"}, "do not know each other"),
    ],
    ids=["connector-imports-connector", "core-imports-sdk", "library-imports-connector", "clients-coupled"],
)
def test_lint_imports_fails_on_a_breach(tmp_path: Path, breach: dict[str, str], contract: str) -> None:
    _tree(tmp_path, breach)
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert f"{contract}" in result.stdout and "BROKEN" in result.stdout, result.stdout


def test_check_layout_fails_on_a_core_importing_an_adapter(tmp_path: Path) -> None:
    _tree(tmp_path, {"source_autotask/sync.py": "from source_autotask import airbyte\n"})
    result = _check_layout(tmp_path)
    assert result.returncode == 1
    assert "source_autotask.sync imports the adapter source_autotask.airbyte" in result.stdout


def test_check_layout_fails_on_an_oversized_module(tmp_path: Path) -> None:
    _tree(tmp_path, {"destination_xero/writer.py": "x = 1\n" * 401})
    result = _check_layout(tmp_path)
    assert result.returncode == 1
    assert "destination-xero/destination_xero/writer.py: 401 lines" in result.stdout


def test_this_repository_keeps_the_import_contracts() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
