"""`autotask-xero check` through its real command line, against the demo sandbox (both emulators).

The configs are the demo's own (`demo.configs`: the committed mapping, which leaves "New Zealand
GST" unmapped on purpose), a clean variant that maps it, and a broken variant carrying one mistake per rule.
The broken one is run once; each test below reads the rule it is named for from that run. All configs
share one token store, as connectors sharing a Xero connection do (the refresh token rotates per run).
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pendulum
import pytest
from demo import configs as demo_configs
from sandbox import launcher

AU = "Northwind MSP Pty Ltd"
MAX_AUTOTASK_CALLS = 25


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def problems(self) -> list[str]:
        return [line[2:] for line in self.stdout.splitlines() if line.startswith("- ")]

    def problem(self, field: str) -> list[str]:
        return [p for p in self.problems if p.startswith(f"{field}: ")]


def _script() -> str:
    found = Path(sys.executable).parent / "autotask-xero"
    # A missing script is a broken install, not a reason to verify nothing.
    assert found.exists(), "console script autotask-xero is not installed (run uv sync --all-packages)"
    return str(found)


def _run(*args: str) -> Run:
    proc = subprocess.run([_script(), *args], capture_output=True, text=True, timeout=240)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _write(path: Path, value: dict[str, Any]) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def _full_destination(paths: demo_configs.DemoConfigs) -> dict[str, Any]:
    """The demo destination config with its mapping file inlined (so tests can change any rule)."""
    written = json.loads(paths.destination.read_text())
    written.pop("mapping_file")
    return {**demo_configs.mapping(), **written}


def _clean(destination: dict[str, Any]) -> dict[str, Any]:
    clean = copy.deepcopy(destination)
    clean["tenants"][1]["mappings"]["tax"]["by_region"]["New Zealand GST"] = "EXEMPTOUTPUT"
    return clean


def _broken(destination: dict[str, Any]) -> dict[str, Any]:
    broken = _clean(destination)
    au_route = broken["tenants"][1]["route"]
    au_route["lines_of_business"] = ["Projectz"]
    au_route["branches"] = ["Asia Pacifc"]
    us_route = broken["tenants"][2]["route"]
    us_route["company_udf"]["values"] = ["US", "USA"]
    us_route["currencies"] = ["JPY"]
    au_tax = broken["tenants"][1]["mappings"]["tax"]
    au_tax["by_region"]["New Zealand GST"] = "OUTPUT3"
    del au_tax["by_region"]["Australia GST"]
    au_tax["by_region"]["Australia"] = "OUTPUT"
    broken["mappings"]["accounts"]["by_billing_code"]["Remote Support"] = "090"
    return broken


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("autotask-xero-check")
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        paths = demo_configs.write_configs(sb.info, tmp, tmp)
        full = _full_destination(paths)
        source = str(paths.source)
        broken = _write(tmp / "broken.json", _broken(full))
        yield {
            "sb": sb,
            "tmp": tmp,
            "source": source,
            "demo": str(paths.destination),
            "clean": str(_write(tmp / "clean.json", _clean(full))),
            "full": full,
            "broken": _run("check", "--source", source, "--destination", str(broken)),
        }


def _leaks(world: dict[str, Any], run: Run) -> list[str]:
    text = run.stdout + run.stderr
    return [s[:4] + "..." for s in world["sb"].secrets() if s and s in text]


def _clean_run(world: dict[str, Any], *args: str) -> Run:
    return _run("check", "--source", world["source"], "--destination", world["clean"], *args)


def test_a_clean_demo_mapping_exits_0_in_few_autotask_calls(world):
    run = _clean_run(world, "--since", "2026-01-01")
    assert run.code == 0, run.stdout + run.stderr[-2000:]
    assert run.stdout.startswith("autotask-xero check: no problems found"), run.stdout
    assert "Autotask: 300 invoices since 2026-01-01" in run.stdout
    calls = int(run.stdout.rsplit(", ", 1)[1].split(" calls")[0])
    assert calls <= MAX_AUTOTASK_CALLS, run.stdout
    assert not _leaks(world, run)


def test_a_tax_region_in_use_but_not_mapped_names_the_tax_section_and_its_invoices(world):
    """The committed demo mapping leaves New Zealand GST unmapped: a sync would reject those invoices."""
    run = _run("check", "--source", world["source"], "--destination", world["demo"], "--since", "2026-01-01")
    assert run.code == 1
    [problem] = run.problem("tenants[1].mappings.tax")
    assert f"no TaxType mapped for tax region 'New Zealand GST' on lines routed to {AU}" in problem
    assert "(categories: " in problem and "'Labour'" in problem and "'Hardware'" in problem
    assert "by_region" in problem and " invoices since 2026-01-01: " in problem
    assert len(run.problems) == 1, run.problems


def test_since_narrows_the_invoices_read(world):
    run = _clean_run(world, "--since", "2026-10-15")
    assert run.code == 0, run.stdout
    read = int(run.stdout.split("Autotask: ")[1].split(" invoices")[0])
    assert 0 < read < 300


def test_by_default_the_invoices_of_the_last_90_days_by_autotasks_clock_are_read(world):
    """Not before the source's start_date either (2026-01-01 in the demo source config)."""
    today = pendulum.now("UTC").date()
    expected = {max(today.subtract(days=90 - n), pendulum.date(2026, 1, 1)).isoformat() for n in (0, 1)}
    run = _clean_run(world)
    assert run.code == 0, run.stdout
    assert any(f" invoices since {d}" in run.stdout for d in expected), (expected, run.stdout)


def test_a_line_of_business_autotask_never_uses_is_named_with_the_known_ones(world):
    [problem] = world["broken"].problem("tenants[1].route.lines_of_business[0]")
    assert "'Projectz' does not exist in Autotask; known: Managed Services, Projects" in problem


def test_a_branch_autotask_never_uses_is_named_with_the_known_ones(world):
    [problem] = world["broken"].problem("tenants[1].route.branches[0]")
    assert "branch (organizational level 1) 'Asia Pacifc' does not exist in Autotask" in problem
    assert "known: Asia Pacific, North America, UK & Europe" in problem


def test_a_company_udf_value_no_company_has_is_named(world):
    [problem] = world["broken"].problem("tenants[2].route.company_udf.values[1]")
    assert "no Autotask company has 'USA' in its UDF 'Xero Organisation'" in problem
    assert "AU, UK, US" in problem
    assert not world["broken"].problem("tenants[2].route.company_udf.values[0]")


def test_a_route_currency_is_checked_in_autotask_and_in_xero(world):
    problems = world["broken"].problem("tenants[2].route.currencies[0]")
    assert any(
        "currency 'JPY' does not exist in Autotask; known: AUD, CAD, EUR, GBP, NZD, USD" in p
        for p in problems
    )
    assert any("currency JPY is not enabled in Northwind MSP Inc; enabled: CAD, USD" in p for p in problems)


def test_a_tax_region_the_mapping_names_but_autotask_lacks_is_named(world):
    [problem] = world["broken"].problem('tenants[1].mappings.tax.by_region["Australia"]')
    assert "tax region 'Australia' does not exist in Autotask; known: Australia GST, California" in problem


def test_a_tax_region_in_use_left_uncovered_by_a_misspelt_key_is_reported(world):
    problems = world["broken"].problem("tenants[1].mappings.tax")
    assert any("no TaxType mapped for tax region 'Australia GST'" in p for p in problems), problems


def test_a_wrong_tax_type_lists_the_valid_ones(world):
    [problem] = world["broken"].problem('tenants[1].mappings.tax.by_region["New Zealand GST"]')
    assert f"TaxType 'OUTPUT3' does not exist in {AU}; valid: " in problem
    valid = problem.split("valid: ")[1].split(", ")
    assert "OUTPUT" in valid and "EXEMPTOUTPUT" in valid and "INPUT" not in valid


def test_a_bank_account_used_for_revenue_is_refused_listing_revenue_accounts(world):
    [problem] = world["broken"].problem('mappings.accounts.by_billing_code["Remote Support"]')
    assert "account code '090' (Business Bank Account)" in problem
    assert "Northwind MSP Ltd, Northwind MSP Pty Ltd and Northwind MSP Inc is a bank account" in problem
    assert (
        "valid: 200 Sales, 210 Managed Services Revenue" in problem and "090" not in problem.split("valid")[1]
    )


def test_every_problem_is_reported_at_once_and_exits_1(world):
    run = world["broken"]
    assert run.code == 1
    assert run.stdout.startswith(f"autotask-xero check: {len(run.problems)} problems")
    assert len(run.problems) >= 9, run.stdout
    assert not _leaks(world, run)


def test_a_refresh_token_without_a_token_store_is_refused_before_it_is_used(world):
    config = copy.deepcopy(world["full"])
    del config["auth"]["token_store_path"]
    path = _write(world["tmp"] / "no-store.json", _clean(config))
    run = _run("check", "--source", world["source"], "--destination", str(path))
    assert run.code == 1
    assert run.problem("auth.token_store_path"), run.stdout


def test_bad_configs_on_both_sides_are_all_reported(world):
    source = json.loads(Path(world["source"]).read_text())
    del source["secret"]
    destination = copy.deepcopy(world["full"])
    destination["split_policy"] = "merge"
    destination["mappings"]["status"] = {"invoice": "PAID"}
    run = _run(
        "check",
        "--source",
        str(_write(world["tmp"] / "bad-source.json", source)),
        "--destination",
        str(_write(world["tmp"] / "bad-destination.json", destination)),
    )
    assert run.code == 1
    assert "missing required field(s): secret" in run.stdout
    assert "split_policy" in run.stdout and "mappings.status.invoice" in run.stdout
    assert "Traceback" not in run.stderr


def test_autotask_refusing_the_credentials_is_one_problem_and_xero_is_still_checked(world):
    source = json.loads(Path(world["source"]).read_text())
    source["secret"] = "not-the-secret-0000"
    destination = copy.deepcopy(world["full"])
    destination["mappings"]["accounts"]["default"] = "9999"
    run = _run(
        "check",
        "--source",
        str(_write(world["tmp"] / "wrong-secret.json", source)),
        "--destination",
        str(_write(world["tmp"] / "wrong-account.json", _clean(destination))),
    )
    assert run.code == 1
    assert any(p.startswith("Autotask: ") for p in run.problems), run.stdout
    assert run.problem("mappings.accounts.default"), run.stdout
    assert "not-the-secret-0000" not in run.stdout + run.stderr


def test_a_wrong_command_line_exits_2(world):
    assert _run("check", "--source", world["source"]).code == 2
    assert _run("check", "--source", "a", "--destination", "b", "--since", "31/02/2026").code == 2
