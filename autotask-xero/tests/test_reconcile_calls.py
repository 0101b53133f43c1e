"""A month of 1,000 invoices reconciled within Xero Starter's day limit by a wide margin.

The sandbox serves `bench:3000` (the demo's shape, 3,000 invoices over 90 days: about 1,000 in October 2026)
on Xero's Starter tier (1,000 calls a day per organisation, the tightest limit an MSP's own app has). The
month is reconciled twice through the real command line: before any sync, the worst case for Xero calls
(every document is missing from the period listing, so each is also looked up by number), and after a real
forward sync. Either way reconcile must stay at or under MAX_XERO_CALLS per organisation, 1.5% of the day's
allowance, and print the count it used.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from connector_kit.exact_json import loads
from demo import configs as demo_configs
from destination_xero.config import load_config, read_config_file
from destination_xero.writer import Engine
from sandbox import launcher
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession
from xero_client.client import XeroClient

MONTH = ("--from", "2026-10-01", "--to", "2026-10-31")
STARTER_DAY_LIMIT = 1000
MAX_XERO_CALLS = 15  # per organisation for the month: 1.5% of Starter's 1,000 a day
MAX_AUTOTASK_CALLS = 60  # of Autotask's 10,000 an hour


def _reconcile(paths: demo_configs.DemoConfigs, out: Path) -> dict[str, Any]:
    script = Path(sys.executable).parent / "autotask-xero"
    assert script.exists(), "console script autotask-xero is not installed (run uv sync --all-packages)"
    command = [
        str(script),
        "reconcile",
        "--source",
        str(paths.source),
        "--destination",
        str(paths.destination),
    ]
    proc = subprocess.run([*command, *MONTH, "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr[-3000:]
    return {"stdout": proc.stdout, "report": loads(out.read_text())}


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("autotask-xero-reconcile-month")
    with launcher.running_sandbox("bench:3000", rate_limits="off", xero_tier="starter") as sb:
        paths = demo_configs.write_configs(sb.info, tmp, tmp)
        before = _reconcile(paths, tmp / "before.json")
        config = load_config(read_config_file(paths.destination))
        session = SyncSession(SourceConfig.from_mapping(read_config_file(paths.source)))
        engine = Engine(config, XeroClient(config))
        for record in session.read("invoices"):
            engine.add("invoices", record)
        engine.flush()
        after = _reconcile(paths, tmp / "after.json")
        yield {"before": before, "after": after}


def test_the_month_holds_a_thousand_invoices(month):
    assert month["before"]["report"]["autotask"]["invoices"] >= 1000


@pytest.mark.parametrize("when", ["before", "after"])
def test_a_month_of_1000_invoices_fits_the_starter_day_limit_by_a_wide_margin(month, when):
    run = month[when]
    calls = run["report"]["calls"]
    assert len(calls["xero"]) == 3
    for name, used in calls["xero"].items():
        assert 0 < used <= MAX_XERO_CALLS, (when, name, used)
        assert used * 50 < STARTER_DAY_LIMIT
        assert f"{name} {used}" in run["stdout"]  # printed, per organisation
    assert 0 < calls["autotask"] <= MAX_AUTOTASK_CALLS, calls
    assert f"Calls used: Autotask {calls['autotask']} " in run["stdout"]


def test_before_the_sync_every_placed_document_is_missing_and_after_it_none_is(month):
    before = month["before"]["report"]["by_kind"]
    after = month["after"]["report"]["by_kind"]
    assert before.get("missing_in_xero", 0) > 800
    assert "missing_in_xero" not in after, after
    assert "amounts_differ" not in after and "not_in_autotask" not in after, after
