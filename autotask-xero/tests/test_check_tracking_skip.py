"""`autotask-xero check` knows the new tracking sources and the skip rules (issue 18), through its real
command line against the demo sandbox.

The UK organisation's tracking is filled from the company's territory and each line's department: an
option key Autotask does not have ("US Wst") is named with the territories Autotask has; a department in
use that no option maps ("Procurement") is a gap listing its invoices, as an unmapped line of business is.
A skip rule's company UDF that does not exist is named too (the rule would never fire). A skip rule that
takes every invoice (a threshold above any total) leaves them out of the gaps: the sync would not map
them. The territory and department details cost their own calls only when a rule reads them.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from demo import configs as demo_configs
from sandbox import launcher

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_check_cli import MAX_AUTOTASK_CALLS, Run, _clean, _full_destination, _run, _write

UK = "Northwind MSP Ltd"
SINCE = ("--since", "2026-01-01")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("check-tracking-skip")
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        paths = demo_configs.write_configs(sb.info, tmp, tmp)
        yield {"tmp": tmp, "source": str(paths.source), "full": _clean(_full_destination(paths))}


def _uk_rules(full: dict[str, Any], skip: dict[str, Any]) -> dict[str, Any]:
    config = copy.deepcopy(full)
    uk = next(t for t in config["tenants"] if t["name"] == UK)
    uk.setdefault("mappings", {})["tracking"] = [
        {
            "category": "Region",
            "source": "territory",
            "options": {
                "London & South East": "United Kingdom",
                "UK Regions": "United Kingdom",
                "US Wst": "Ireland",
            },
            "default_option": "Europe",
        },
        {
            "category": "Line of Business",
            "source": "department",
            "options": {
                "Service Desk": "Managed Services",
                "Managed Services": "Managed Services",
                "Professional Services": "Projects",
            },
        },
    ]
    uk["mappings"]["skip"] = skip
    return config


def _check(world: dict[str, Any], name: str, config: dict[str, Any]) -> Run:
    path = _write(world["tmp"] / f"{name}.json", config)
    return _run("check", "--source", world["source"], "--destination", str(path), *SINCE)


def _calls(run: Run) -> int:
    return int(run.stdout.rsplit(", ", 1)[1].split(" calls")[0])


def test_new_sources_and_skip_rules_are_checked_against_autotask(world: dict[str, Any]) -> None:
    baseline = _check(world, "clean", world["full"])
    assert baseline.code == 0, baseline.stdout
    run = _check(
        world, "rules", _uk_rules(world["full"], {"company_udf": {"name": "Xero Sinc", "values": ["no"]}})
    )
    assert run.code == 1
    index = next(i for i, t in enumerate(world["full"]["tenants"]) if t["name"] == UK)
    where = f"tenants[{index}].mappings"
    [territory] = run.problem(f'{where}.tracking[0].options["US Wst"]')
    assert "territory 'US Wst' does not exist in Autotask; known: " in territory
    assert "London & South East" in territory and "US West" in territory
    [udf] = run.problem(f"{where}.skip.company_udf.name")
    assert "company UDF 'Xero Sinc' does not exist in Autotask; known: Xero Organisation" in udf
    [department] = run.problem(f"{where}.tracking")
    assert department.startswith(
        f"{where}.tracking: tracking 'Line of Business': no option mapped for 'Procurement' (department): "
        f"add it to the rule's options or declare default_option ({UK}) ("
    )
    assert "invoices since 2026-01-01: " in department
    assert len(run.problems) == 3, run.stdout  # every territory in use is mapped or takes the default
    # one picklist call (territories and company types), the Departments table, and the look-up of the
    # skip rule's UDF (no company read had it): nothing more
    assert _calls(run) == _calls(baseline) + 3 and _calls(run) <= MAX_AUTOTASK_CALLS


def test_invoices_a_skip_rule_takes_are_left_out_of_the_gaps(world: dict[str, Any]) -> None:
    run = _check(world, "skip-all", _uk_rules(world["full"], {"below_total": "100000000"}))
    index = next(i for i, t in enumerate(world["full"]["tenants"]) if t["name"] == UK)
    assert run.problem(f"tenants[{index}].mappings.tracking") == [], run.stdout
    assert len(run.problems) == 1, run.stdout  # only the option key Autotask does not have
