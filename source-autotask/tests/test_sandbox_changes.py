"""Changes Autotask makes between two syncs that the API cannot make (voids, edits): two sandboxes, two files.

The first sandbox serves the demo dataset; the second serves the same dataset after the changes. A sync
against the first yields the state the second sync resumes from, exactly as a scheduled sync would.
"""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import pytest
import simplejson
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession

from .conftest import sandbox_config


def _export(path: Path) -> dict[str, Any]:
    subprocess.run(
        [sys.executable, "-m", "sandbox", "export", "--dataset", "demo", "--seed", "1", "--out", str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    data: dict[str, Any] = simplejson.loads(path.read_text(), use_decimal=True)
    return data


def _stamp(moment: pendulum.DateTime) -> str:
    return moment.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss.SSS") + "Z"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from sandbox.launcher import running_sandbox

    folder = tmp_path_factory.mktemp("changes")
    before = folder / "before.json"
    data = _export(before)
    invoices = [i for i in data["autotask"]["Invoices"] if i.get("invoiceNumber") and not i.get("isVoided")]
    invoices.sort(key=lambda i: i["createDateTime"])
    newest = pendulum.parse(invoices[-1]["createDateTime"])
    recent = invoices[-3]  # inside the lookback window
    old = next(i for i in invoices if pendulum.parse(i["createDateTime"]) < newest.subtract(days=40))

    with running_sandbox(str(before), seed=1, rate_limits="off") as sb:
        first = SyncSession(SourceConfig.from_mapping(sandbox_config(sb)))
        first_invoices = list(first.read("invoices"))
        first_companies = list(first.read("companies"))
        states = dict(first.states)

    for invoice in data["autotask"]["Invoices"]:
        if invoice["id"] in (recent["id"], old["id"]):
            invoice["isVoided"] = True
            invoice["voidedDate"] = _stamp(newest.add(hours=1))
            invoice["voidedByResourceID"] = recent.get("creatorResourceID")
    company = data["autotask"]["Companies"][3]
    company["companyName"] = company["companyName"] + " (renamed)"
    company["lastTrackedModifiedDateTime"] = _stamp(newest.add(hours=2))
    after = folder / "after.json"
    after.write_text(simplejson.dumps(data, use_decimal=True))

    with running_sandbox(str(after), seed=1, rate_limits="off") as sb:
        second = SyncSession(SourceConfig.from_mapping(sandbox_config(sb)))
        second_invoices = list(second.read("invoices", states["invoices"]))
        second_companies = list(second.read("companies", states["companies"]))
        full = SyncSession(SourceConfig.from_mapping(sandbox_config(sb)))
        full_invoices = list(full.read("invoices"))
    return {
        "first_invoices": first_invoices,
        "first_companies": first_companies,
        "states": states,
        "second_invoices": second_invoices,
        "second_companies": second_companies,
        "full_invoices": full_invoices,
        "recent": recent,
        "old": old,
        "company": company,
    }


def test_voided_invoices_are_re_emitted_even_when_created_long_ago(scenario: dict[str, Any]) -> None:
    emitted = {i["id"]: i for i in scenario["second_invoices"]}
    for key in ("recent", "old"):
        invoice = emitted.get(scenario[key]["id"])
        assert invoice is not None, f"the {key} voided invoice was not re-emitted"
        assert invoice["isVoided"] is True and invoice["voidedDate"]
    assert set(emitted) == {scenario["recent"]["id"], scenario["old"]["id"]}


def test_changed_company_is_re_emitted(scenario: dict[str, Any]) -> None:
    ids = [c["id"] for c in scenario["second_companies"]]
    assert scenario["company"]["id"] in ids
    renamed = next(c for c in scenario["second_companies"] if c["id"] == scenario["company"]["id"])
    assert renamed["companyName"].endswith("(renamed)")
    assert len(ids) < len(scenario["first_companies"])


def test_incremental_runs_never_skip_what_a_full_refresh_sees(scenario: dict[str, Any]) -> None:
    """Same documents, same content; the company snapshot is as of when the invoice was last emitted."""

    def strip(invoice: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in invoice.items() if k != "company"}

    merged = {i["id"]: strip(i) for i in scenario["first_invoices"]}
    merged.update({i["id"]: strip(i) for i in scenario["second_invoices"]})
    full = {i["id"]: strip(i) for i in scenario["full_invoices"]}
    assert merged == full
    assert all(isinstance(i["invoiceTotal"], Decimal) for i in full.values())
    renamed = scenario["company"]["id"]
    assert any(i["companyID"] == renamed for i in scenario["first_invoices"])
