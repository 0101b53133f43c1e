"""The library's shape: its console script, and that it imports no connector SDK and no connector."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

LIB = Path(__file__).resolve().parents[1]
FORBIDDEN = ("airbyte_cdk", "singer_sdk", "destination_xero", "source_autotask", "reverse_payments")


def test_xero_auth_is_the_librarys_console_script() -> None:
    project = tomllib.loads((LIB / "pyproject.toml").read_text())
    assert project["project"]["scripts"] == {"xero-auth": "xero_client.auth_setup:main"}


def test_no_module_imports_a_connector_or_an_sdk() -> None:
    for path in sorted((LIB / "xero_client").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"
