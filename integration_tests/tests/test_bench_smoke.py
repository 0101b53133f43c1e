"""`make bench` stays runnable: the floor formulas, and `python -m bench --quick` end to end on a tiny N.

The quick run is the real benchmark (sandbox subprocess, connector CLIs over HTTP, the plain-script
baseline) at N=150 with one run; its JSON must hold every section with numbers, the calls must respect the
floors, an unchanged rerun must write nothing to Xero, the baseline must have posted the same documents,
and every target must be evaluated. The time window formula and the targets have fast tests of their own
(test_bench_floors.py, test_bench_targets.py, test_bench_measure.py).
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


def test_figures_print_as_median_and_spread() -> None:
    assert fmt({"median": 2.0, "min": 1.5, "max": 3.25, "runs": 3}, 2) == "2.00 (1.50-3.25)"
    assert fmt({"median": 2.0, "min": 2.0, "max": 2.0, "runs": 1}, 2) == "2.00"
    assert fmt(1234) == "1,234"
    assert fmt(None) == "—"


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
    for section in ("machine", "startup", "sizes", "limits", "memory", "targets", "peer", "seconds"):
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
    floor_mb = float(results["startup"]["probe_floor_mb"])
    assert 1 < floor_mb < 50, "`true` through the exec probe must read a few MB"
    for side in ("source", "destination", "singer_source", "singer_destination", "baseline"):
        assert floor_mb < _median(figures["peak_rss_mb"][side]) < 1000, side
    for side in ("source", "destination", "singer_source", "singer_destination", "baseline"):
        assert _median(figures["throughput"]["cpu_seconds_per_1000_lines"][side]) > 0, side
    rates = figures["throughput"]["lines_per_second"]
    for protocol in ("airbyte", "singer"):
        ratio = _median(figures["throughput"]["ratio_to_baseline"][protocol])
        assert ratio == pytest.approx(_median(rates[protocol]) / _median(rates["baseline"]), rel=0.01)
    plain = figures["baseline"]
    assert plain["same_documents"] is True, plain["documents_differ"]
    # The billing items of the invoices in the sync's window (the dataset's L counts them all).
    assert 0.9 * figures["lines"] <= plain["autotask_records"]["BillingItems"] <= figures["lines"]
    for name, tenant in first["xero"].items():
        assert tenant["baseline_calls"] == tenant["floor"], name  # the script posts at the floor
        assert tenant["baseline_egress_bytes"] > 0, name
    assert figures["profile"]["by_own_time"], "no profile entries"
    limits = results["limits"]
    assert _median(limits["wall_seconds"]) > 0
    if limits["ratio"] is None:  # at N=150 every organisation's floor fits the first minute
        assert _median(limits["limit_seconds"]) == 0 and limits["reason"]
    else:
        assert _median(limits["ratio"]) == pytest.approx(
            _median(limits["wall_seconds"]) / _median(limits["limit_seconds"]), rel=0.01
        )
    scripts = results["startup"]["scripts"]
    assert set(scripts) == {"source-autotask", "tap-autotask", "destination-xero", "target-xero"}
    for name, figures_ in scripts.items():
        assert figures_["spec"]["exit_code"] == 0 and figures_["import"]["seconds"] > 0, name
    first_output = results["startup"]["first_output"]
    for name in scripts:
        assert first_output[name]["first_call_seconds"] > 0, name
    assert first_output["source-autotask"]["first_record_seconds"] > 0
    assert results["startup"]["cdk_probe"]["import_seconds"] > 0
    assert {t["id"] for t in results["targets"]} >= {
        "xero_first_sync_calls",
        "throughput_singer",
        "starter_tier",
    }
    assert all(t["status"] in ("met", "missed", "not measured") for t in results["targets"])
    assert results["peer"]["status"] == "not run"
    table = (tmp_path / "results.md").read_text(encoding="utf-8")
    assert table == markdown(json.loads((tmp_path / "results.json").read_text(encoding="utf-8")))
    assert "| 150 | first sync |" in table
    assert "| egress bytes |" in table and "**Targets**" in table
    assert "Secret" not in done.stdout
