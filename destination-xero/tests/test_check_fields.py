"""`destination-xero check` and `target-xero --test` on the demo sandbox: every problem at once, each naming
its field, a wrong code answered with the valid ones, accounts Xero refuses for lines (bank, system).

One broken config carries one mistake per rule and is checked once per CLI; each test reads its rule.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from sandbox import launcher
from test_adapter_support import (
    AU,
    REPO,
    UK,
    US,
    destination_config,
    leaks,
    script,
    secret_values,
    write_json,
)

ALL = f"{UK}, {AU} and {US}"


def _broken(config: dict[str, Any]) -> dict[str, Any]:
    broken = copy.deepcopy(config)
    shared = broken["mappings"]
    shared["accounts"]["by_billing_item_type"]["Expense"] = "090"  # a bank account
    shared["accounts"]["by_billing_item_type"]["Milestone"] = "610"  # receivables, a system account
    shared["accounts"]["default"] = "9999"
    shared["branding"] = {"default": "Northwind Classic"}
    shared["tracking"] = [
        {
            "category": "Line of Business",
            "source": "line_of_business",
            "options": {"Projects": "Project Work"},
        },
        {"category": "Department", "source": "billing_item_type"},
    ]
    uk_tax = broken["tenants"][0]["mappings"]["tax"]
    uk_tax["by_region"]["UK VAT"] = "OUTPUT3"
    uk_tax["purchase"] = "OUTPUT2"  # a sales tax type on purchase lines
    au = broken["tenants"][1]["mappings"]
    au["rounding"]["tax_type"] = "OUTPUT"  # 10 %: a rounding line must carry no tax
    return broken


def _airbyte_check(path: Path) -> tuple[dict[str, Any], str]:
    proc = subprocess.run(
        [script("destination-xero"), "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    [status] = [
        json.loads(line)["connectionStatus"]
        for line in proc.stdout.splitlines()
        if '"CONNECTION_STATUS"' in line
    ]
    return status, proc.stdout + proc.stderr


def _singer_test(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [script("target-xero"), "--config", str(path), "--test"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=REPO,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("check-fields")
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        config = destination_config(sb.info, tmp)
        config["auth"]["token_store_path"] = str(tmp / "xero-token.json")
        good = write_json(tmp / "good.json", config)
        broken = write_json(tmp / "broken.json", _broken(config))
        status, output = _airbyte_check(broken)
        yield {
            "info": sb.info,
            "good": good,
            "broken": broken,
            "status": status,
            "output": output,
            "problems": status["message"].splitlines(),
            "singer": _singer_test(broken),
        }


def _problem(runs: dict[str, Any], field: str) -> str:
    found = [p for p in runs["problems"] if p.startswith(f"{field}: ")]
    assert len(found) == 1, (field, runs["problems"])
    return found[0]


def test_a_wrong_tax_type_names_its_field_and_lists_the_valid_sales_ones(runs):
    problem = _problem(runs, 'tenants[0].mappings.tax.by_region["UK VAT"]')
    assert problem.startswith(
        f"tenants[0].mappings.tax.by_region[\"UK VAT\"]: TaxType 'OUTPUT3' does not exist in {UK}; valid: "
    )
    valid = problem.split("valid: ")[1].split(", ")
    assert "OUTPUT2" in valid and "EXEMPTOUTPUT" in valid
    assert "INPUT2" not in valid  # a purchase tax type is not offered for sales
    assert "TAX001" not in valid  # archived


def test_a_bank_account_used_for_invoice_lines_is_refused_listing_revenue_accounts(runs):
    problem = _problem(runs, 'mappings.accounts.by_billing_item_type["Expense"]')
    assert f"account code '090' (Business Bank Account) in {ALL} is a bank account" in problem
    assert "Xero refuses an invoice line coded to it" in problem
    valid = problem.split("valid: ")[1]
    assert valid.startswith("200 Sales, 210 Managed Services Revenue, 220 Project Services Revenue")
    assert "090" not in valid and "250" not in valid  # no bank account, no archived one


def test_a_system_account_used_for_invoice_lines_is_refused(runs):
    problem = _problem(runs, 'mappings.accounts.by_billing_item_type["Milestone"]')
    assert "account code '610' (Accounts Receivable)" in problem and "the system account DEBTORS" in problem


def test_a_shared_default_section_is_named_once_for_every_organisation(runs):
    problem = _problem(runs, "mappings.accounts.default")
    assert f"account code '9999' does not exist in {ALL}; valid: 200 Sales" in problem


def test_a_sales_tax_type_on_purchase_lines_is_refused(runs):
    problem = _problem(runs, "tenants[0].mappings.tax.purchase")
    assert f"TaxType 'OUTPUT2' cannot be used on EXPENSE accounts in {UK} (mapped: 300); valid: " in problem
    assert "INPUT2" in problem.split("valid: ")[1]


def test_a_taxed_rounding_line_is_refused_listing_zero_rate_types(runs):
    """Two problems with one field: the rate, and the tax type's not being allowed on liability accounts."""
    taxed, on_liabilities = [
        p for p in runs["problems"] if p.startswith("tenants[1].mappings.rounding.tax_type: ")
    ]
    assert f"TaxType 'OUTPUT' has a non-zero rate in {AU}" in taxed
    valid = taxed.split("valid: ")[1].split(", ")
    assert "BASEXCLUDED" in valid and "OUTPUT" not in valid
    assert f"TaxType 'OUTPUT' cannot be used on LIABILITY accounts in {AU} (mapped: 860)" in on_liabilities


def test_a_missing_branding_theme_lists_the_themes(runs):
    problem = _problem(runs, "mappings.branding.default")
    assert "branding theme 'Northwind Classic' does not exist" in problem
    assert "valid: Standard, Managed Services Invoice, Project Invoice" in problem


def test_missing_tracking_options_and_categories_list_the_valid_ones(runs):
    option = _problem(runs, 'mappings.tracking[0].options["Projects"]')
    assert "tracking option 'Project Work' does not exist in category 'Line of Business'" in option
    assert "valid: Managed Services, Projects" in option
    category = _problem(runs, "mappings.tracking[1].category")
    assert "tracking category 'Department' does not exist" in category and "Line of Business" in category


def test_every_problem_is_reported_at_once_without_secrets(runs):
    assert runs["status"]["status"] == "FAILED"
    assert len(runs["problems"]) == 10, runs["problems"]
    # the CONTROL message carrying the rotated refresh token holds the config by protocol: not scanned
    said = "\n".join(line for line in runs["output"].splitlines() if '"CONTROL"' not in line)
    assert not leaks(said, secret_values(runs["info"]))


def test_target_xero_test_reports_the_same_problems_and_exits_1(runs):
    proc = runs["singer"]
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert proc.stdout.splitlines() == runs["problems"]
    assert not leaks(proc.stdout + proc.stderr, secret_values(runs["info"]))


def test_a_good_config_passes_both_checks(runs):
    status, _ = _airbyte_check(runs["good"])
    assert status["status"] == "SUCCEEDED", status
    proc = _singer_test(runs["good"])
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert proc.stdout.startswith("target-xero: ok; reachable: ")
