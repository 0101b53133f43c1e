"""The issue's targets as `bench/targets.py` evaluates them from a results document: each one met,
missed, or not measured (and then never met), at the size it is stated for when that size ran."""

from __future__ import annotations

from typing import Any

import pytest
from bench import targets


def _spread(value: float) -> dict[str, Any]:
    return {"median": value, "min": value * 0.9, "max": value * 1.1, "runs": 3}


def _tenant(calls: int, reads: int, floor: int, settings: int = 5, seen: int = 0) -> dict[str, Any]:
    return {
        "calls": calls,
        "reads": reads,
        "writes": calls - reads,
        "settings_reads": settings,
        "floor": floor,
        "documents_seen": seen,
    }


def _results(size: int = 10_000, **over: Any) -> dict[str, Any]:
    figures = {
        "stages": {
            "first": {"xero": {"UK": _tenant(128, 6, 122), "AU": _tenant(70, 13, 57)}},
            "unchanged": {"xero": {"UK": _tenant(6, 6, 0, seen=0), "AU": _tenant(8, 8, 0, seen=1500)}},
        },
        "throughput": {"ratio_to_baseline": {"airbyte": _spread(0.61), "singer": _spread(0.4)}},
    }
    results: dict[str, Any] = {
        "sizes": {"1000": {"stages": {"first": {"xero": {}}}}, str(size): figures},
        "limits": {"invoices": 10_000, "factor": 4.0, "ratio": _spread(1.05)},
        "memory": {
            "10000": {"source": {"peak_rss_mb": _spread(100.0)}, "destination": {"peak_rss_mb": 90.0}}
        },
    }
    results.update(over)
    return results


def _by_id(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {t["id"]: t for t in targets.evaluate(results)}
    for target in found.values():
        assert set(target) >= {"target", "measured", "met", "status"}
        assert isinstance(target["met"], bool)
        assert target["status"] in ("met", "missed", "not measured")
        assert target["met"] == (target["status"] == "met")
    return found


def test_first_sync_calls_allow_the_floor_plus_six_reads() -> None:
    found = _by_id(_results())["xero_first_sync_calls"]
    assert found["measured"]["UK"] == {
        "calls": 128,
        "allowed": 128,
        "floor": 122,
        "settings_reads": 5,
        "other_reads": 1,
    }
    assert found["measured"]["AU"]["allowed"] == 63 and found["measured"]["AU"]["calls"] == 70
    assert found["status"] == "missed"  # AU: 70 > 57 + 6
    assert found["size"] == 10_000 == found["reference_size"]


def test_unchanged_rerun_allows_one_listing_page_per_thousand_documents_plus_six() -> None:
    found = _by_id(_results())["xero_unchanged_rerun"]
    assert found["measured"]["UK"]["allowed_reads"] == 6
    assert found["measured"]["AU"]["allowed_reads"] == 2 + 6  # ⌈1500 / 1000⌉ + 6
    assert found["status"] == "met"
    results = _results()
    results["sizes"]["10000"]["stages"]["unchanged"]["xero"]["UK"]["writes"] = 1
    assert _by_id(results)["xero_unchanged_rerun"]["status"] == "missed"


def test_throughput_per_protocol_against_point_six() -> None:
    found = _by_id(_results())
    assert (found["throughput_airbyte"]["status"], found["throughput_airbyte"]["measured"]) == ("met", 0.61)
    assert found["throughput_singer"]["status"] == "missed"


def test_limits_ratio_and_its_absence() -> None:
    assert _by_id(_results())["limits_ratio"]["status"] == "met"
    slow = _results(limits={"invoices": 10_000, "factor": 4.0, "ratio": 1.27})
    assert _by_id(slow)["limits_ratio"]["status"] == "missed"
    fits = _results(limits={"invoices": 150, "factor": 30.0, "ratio": None, "reason": "fits"})
    found = _by_id(fits)["limits_ratio"]
    assert found["status"] == "not measured" and found["met"] is False and found["reason"] == "fits"


def test_memory_growth_needs_bench_100000() -> None:
    found = _by_id(_results())
    assert found["rss_growth_source"]["status"] == "not measured"
    assert found["rss_growth_source"]["measured"] is None
    results = _results()
    results["memory"]["100000"] = {"source": {"peak_rss_mb": 115.0}, "destination": {"peak_rss_mb": 140.0}}
    found = _by_id(results)
    assert found["rss_growth_source"]["status"] == "met"
    assert found["rss_growth_source"]["measured"]["ratio"] == pytest.approx(1.15)
    assert found["rss_growth_destination"]["status"] == "missed"


def test_starter_tier_is_the_busiest_organisation_under_1000() -> None:
    assert _by_id(_results())["starter_tier"]["status"] == "met"
    results = _results()
    results["sizes"]["10000"]["stages"]["first"]["xero"]["UK"]["calls"] = 1001
    assert _by_id(results)["starter_tier"]["status"] == "missed"


def test_a_run_without_bench_10000_is_evaluated_at_its_largest_size_and_says_so() -> None:
    found = _by_id(_results(size=150))
    assert found["starter_tier"]["size"] == 1000  # 1000 > 150: the largest size that ran
    quick = _results(size=150)
    del quick["sizes"]["1000"]
    calls = _by_id(quick)["xero_first_sync_calls"]
    assert calls["size"] == 150 and calls["reference_size"] == 10_000


def test_nothing_measured_is_nothing_met() -> None:
    found = _by_id({"sizes": {}, "limits": {}, "memory": {}})
    assert all(t["status"] == "not measured" for t in found.values())
