"""`make bench` stays runnable: the floor formulas, and `python -m bench --quick` end to end on a tiny N.

The quick run is the real benchmark (sandbox subprocess, connector CLIs over HTTP) at N=150 with one run;
its JSON must hold every section with numbers, the calls must respect the floors, and an unchanged rerun
must write nothing to Xero.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bench import floors
from bench.report import fmt, markdown


def test_ceil_div_and_the_xero_floor() -> None:
    assert floors.ceil_div(0, 50) == 0
    assert floors.ceil_div(1, 50) == 1
    assert floors.ceil_div(50, 50) == 1
    assert floors.ceil_div(51, 50) == 2
    # The example sizes: 1,000 invoices, 120 contacts, 12 items -> 20 + 3 + 1.
    assert floors.xero_floor(1000, 120, 12) == 24
    assert floors.xero_floor(0, 0, 0) == 0
    with pytest.raises(ValueError):
        floors.ceil_div(-1, 50)


def test_write_floor_counts_each_endpoint_separately() -> None:
    documents = {
        "invoice": {"create": 49, "update": 2, "unchanged": 900, "rejected": 7},
        "credit_note": {"create": 3},
        "contact": {"create": 50},
    }
    written = floors.written_per_kind(documents)
    assert written == {"invoice": 51, "credit_note": 3, "purchase_order": 0, "contact": 50, "item": 0}
    # 51 invoices need 2 calls and the credit notes a third: one batch cannot mix the two endpoints.
    assert floors.xero_write_floor(written) == 2 + 1 + 1
    assert floors.xero_floor(54, 50, 0) == 3


def test_autotask_floor_pages_of_500_and_one_page_per_reference_entity() -> None:
    assert floors.autotask_floor(1000, 4100, [3, 0, 1200]) == 2 + 9 + (1 + 1 + 3)
    assert floors.autotask_floor(0, 0, []) == 0


def test_limit_seconds_busiest_tenant_in_parallel_and_serial_sum() -> None:
    calls = {"uk": 240, "au": 120, "us": 60}
    assert floors.limit_seconds(calls, 100, 1.0) == pytest.approx(240.0)  # 240 calls at 60 a minute
    assert floors.limit_seconds(calls, 100, 4.0) == pytest.approx(60.0)
    assert floors.serial_limit_seconds(calls, 1.0) == pytest.approx(420.0)
    # Autotask decides when it is the tighter limit: 20,000 calls at 10,000 an hour.
    assert floors.limit_seconds({"uk": 1}, 20_000, 1.0) == pytest.approx(7200.0)


def test_figures_print_as_median_and_spread() -> None:
    assert fmt({"median": 2.0, "min": 1.5, "max": 3.25, "runs": 3}, 2) == "2.00 (1.50-3.25)"
    assert fmt(1234) == "1,234"


def _numbers(node: Any) -> list[float]:
    if isinstance(node, dict):
        return [n for value in node.values() for n in _numbers(value)]
    if isinstance(node, list):
        return [n for value in node for n in _numbers(value)]
    if isinstance(node, bool):
        return []
    return [float(node)] if isinstance(node, int | float | Decimal) else []


def _median(value: Any) -> float:
    return float(value["median"]) if isinstance(value, dict) else float(value)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_quick_benchmark_end_to_end(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--no-peer", "--output-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=880,
        env=env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"), parse_float=Decimal)
    for section in ("machine", "startup", "sizes", "limits", "memory", "peer", "seconds"):
        assert section in results, section
    ((size, figures),) = results["sizes"].items()
    assert int(size) == figures["invoices"] == 150
    assert figures["lines"] > figures["invoices"]
    for stage in ("first", "unchanged", "changed_1pct"):
        assert stage in figures["stages"], stage
        assert _numbers(figures["stages"][stage]), stage
    first = figures["stages"]["first"]
    assert first["xero"], "the first sync wrote to no organisation"
    for name, tenant in first["xero"].items():
        assert _median(tenant["calls"]) >= _median(tenant["floor"]) >= 1, name
        assert _median(tenant["writes"]) >= _median(tenant["floor"]), name
        assert _median(tenant["floor"]) >= _median(tenant["floor_issue"]), name
        assert _median(tenant["egress_bytes"]) > 0, f"{name}: no Xero response bytes counted"
    assert _median(first["autotask"]["calls"]) >= _median(first["autotask"]["floor"]) > 0
    for stage in ("unchanged", "changed_1pct"):
        writes = sum(_median(t["writes"]) for t in figures["stages"][stage]["xero"].values())
        assert writes == 0, f"{stage}: {writes} Xero writes on a rerun"
        assert _median(figures["stages"][stage]["autotask"]["calls"]) >= _median(
            figures["stages"][stage]["autotask"]["floor"]
        )
    assert figures["stages"]["changed_1pct"]["edited_invoices"] >= 1
    for side in ("source", "destination"):
        assert _median(figures["peak_rss_mb"][side]) > 10
        assert _median(figures["throughput"]["cpu_seconds_per_1000_lines"][side]) > 0
    assert _median(figures["throughput"]["lines_per_second"]) > 0
    assert figures["profile"]["by_own_time"], "no profile entries"
    limits = results["limits"]
    assert _median(limits["wall_seconds"]) > 0 and _median(limits["limit_seconds"]) > 0
    assert _median(limits["ratio"]) == pytest.approx(
        _median(limits["wall_seconds"]) / _median(limits["limit_seconds"]), rel=0.01
    )
    assert results["peer"]["status"] == "not run"
    table = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert table == markdown(json.loads((tmp_path / "results.json").read_text(encoding="utf-8")))
    assert "| 150 | first sync |" in table
    assert "| egress bytes |" in table
    assert "Secret" not in done.stdout
