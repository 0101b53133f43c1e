"""Fixtures shared by the Xero book tests: one small-dataset sandbox per test module, and a JSON client.

Every exchange the client makes is also held against Xero's OpenAPI schemas when the official spec lies
beside the checkout (`../shared/specs`); without it the rules are still tested, just not the schemas.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sandbox.launcher import RunningSandbox, running_sandbox

from sandbox_testkit.xero_rules_kit import SpecChecker, XeroClient, loads, write_dataset

SPEC_FILE = Path(__file__).resolve().parents[4] / "shared" / "specs" / "xero_accounting.yaml"
CHECKER = SpecChecker(SPEC_FILE) if SPEC_FILE.exists() else None


@pytest.fixture(scope="module")
def book_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("xero-book") / "dataset.json")
    with running_sandbox(path, rate_limits="off") as running:
        yield running


@pytest.fixture
def xero(book_sandbox: RunningSandbox) -> XeroClient:
    book_sandbox.reset()
    client = XeroClient(book_sandbox.xero, checker=CHECKER)
    client.authenticate()
    return client


def errors_of(element: dict[str, Any]) -> list[str]:
    return [e["Message"] for e in element.get("ValidationErrors") or []]


def ok(element: dict[str, Any]) -> dict[str, Any]:
    assert element["StatusAttributeString"] in ("OK", "WARNING"), errors_of(element)
    return element


def write_one(
    xero: XeroClient,
    collection: str,
    element: dict[str, Any],
    method: str = "PUT",
    path: str | None = None,
    **params: Any,
) -> dict[str, Any]:
    """Write one element with summarizeErrors=false and return the element Xero answered with."""
    response = xero.request(
        method, path or collection, {collection: [element]}, params={"summarizeErrors": "false", **params}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = loads(response)[collection][0]
    return result


def one(xero: XeroClient, collection: str, key: str) -> dict[str, Any]:
    response = xero.get(f"{collection}/{key}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = loads(response)[collection][0]
    return found
