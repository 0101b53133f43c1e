"""The issue's targets, each evaluated from the benchmark's own figures as {target, measured, met}.

A target is met only when it was measured: one the run could not measure (bench:100000 not run, a size
not in `--sizes`) has `met: false` and `status: "not measured"`, so a reader never mistakes an absent
figure for a met one. A target stated for bench:10000 is evaluated at 10,000 when that size ran, else
at the largest size that did, and says so (`size`, `reference_size`).

Interpretations (the issue's wording in quotes):
- "Xero calls per organisation on a first sync <= floor + the settings reads the mapping needs (<= 6)":
  allowed = the write floor per endpoint + 6, every read counted (settings, look-ups, listings);
- "unchanged rerun 0 writes and <= ⌈documents in the window / 1000⌉ + 6 reads per organisation":
  documents in the window = the documents the destination was given for that organisation on the rerun
  (every action of its summary: an unchanged source sends none);
- "throughput >= 0.6 of the plain-script baseline, end to end, limits off, both protocols": the median
  first-sync lines/s of each protocol ÷ the median baseline lines/s of the same runs;
- "wall ÷ true limit minimum <= 1.10 at bench:10000 with scaled limits": floors.limit_minimum of the floor;
  a minimum of 0 (the floor fits in the first window) cannot be divided by and is "not measured";
- "peak RSS at bench:100000 <= 1.2 x bench:10000", source and destination, Airbyte first syncs;
- "a first sync of bench:10000 fits the Starter tier: no organisation above 1,000 calls".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from . import floors

REFERENCE_SIZE = 10_000
MEMORY_SIZE = 100_000
THROUGHPUT_RATIO = 0.6
LIMITS_RATIO = 1.10
RSS_GROWTH = 1.2
STARTER_DAY_LIMIT = 1000


def median(value: Any) -> float:
    return float(value["median"]) if isinstance(value, dict) and "median" in value else float(value)


def entry(name: str, target: str, measured: Any, met: bool | None, **where: Any) -> dict[str, Any]:
    status = "not measured" if met is None else ("met" if met else "missed")
    return {"id": name, "target": target, "measured": measured, "met": bool(met), "status": status, **where}


def _size(results: Mapping[str, Any], wanted: int = REFERENCE_SIZE) -> str | None:
    sizes = list(results.get("sizes") or {})
    if str(wanted) in sizes:
        return str(wanted)
    return max(sizes, key=int) if sizes else None


def first_sync_calls(results: Mapping[str, Any]) -> dict[str, Any]:
    size = _size(results)
    text = (
        f"Xero calls per organisation on a first sync <= floor + {floors.SETTINGS_ALLOWANCE} (settings reads)"
    )
    if size is None:
        return entry("xero_first_sync_calls", text, None, None)
    tenants = results["sizes"][size]["stages"]["first"].get("xero") or {}
    measured = {
        name: {
            "calls": median(t["calls"]),
            "allowed": median(t["floor"]) + floors.SETTINGS_ALLOWANCE,
            "floor": median(t["floor"]),
            "settings_reads": median(t.get("settings_reads", 0)),
            "other_reads": median(t["reads"]) - median(t.get("settings_reads", 0)),
            **(
                {"reads_by_endpoint": {k: median(v) for k, v in t["reads_by_endpoint"].items()}}
                if t.get("reads_by_endpoint")
                else {}
            ),
        }
        for name, t in tenants.items()
    }
    met = bool(measured) and all(m["calls"] <= m["allowed"] for m in measured.values())
    return entry("xero_first_sync_calls", text, measured, met, size=int(size), reference_size=REFERENCE_SIZE)


def rerun_calls(results: Mapping[str, Any]) -> dict[str, Any]:
    size = _size(results)
    text = (
        "unchanged rerun: 0 Xero writes and <= ⌈documents in the window / 1000⌉ + "
        f"{floors.SETTINGS_ALLOWANCE} reads per organisation"
    )
    stages = results["sizes"][size]["stages"] if size else {}
    if "unchanged" not in stages:
        return entry("xero_unchanged_rerun", text, None, None)
    names = list(stages["first"].get("xero") or {})
    seen = stages["unchanged"].get("xero") or {}
    measured = {}
    for name in names:
        tenant = seen.get(name) or {}
        documents = median(tenant.get("documents_seen", 0))
        measured[name] = {
            "writes": median(tenant.get("writes", 0)),
            "reads": median(tenant.get("reads", 0)),
            "allowed_reads": math.ceil(documents / floors.RERUN_LISTING_PAGE) + floors.SETTINGS_ALLOWANCE,
            "documents_in_window": documents,
        }
    met = all(m["writes"] == 0 and m["reads"] <= m["allowed_reads"] for m in measured.values())
    return entry(
        "xero_unchanged_rerun", text, measured, met, size=int(size or 0), reference_size=REFERENCE_SIZE
    )


def throughput(results: Mapping[str, Any], protocol: str) -> dict[str, Any]:
    size = _size(results)
    text = f"connector throughput >= {THROUGHPUT_RATIO} of the plain-script baseline, limits off ({protocol})"
    ratio = None
    if size is not None:
        ratio = ((results["sizes"][size].get("throughput") or {}).get("ratio_to_baseline") or {}).get(
            protocol
        )
    if ratio is None:
        return entry(f"throughput_{protocol}", text, None, None)
    value = median(ratio)
    return entry(
        f"throughput_{protocol}",
        text,
        round(value, 3),
        value >= THROUGHPUT_RATIO,
        size=int(size or 0),
        reference_size=REFERENCE_SIZE,
    )


def limits_ratio(results: Mapping[str, Any]) -> dict[str, Any]:
    limits = results.get("limits") or {}
    text = f"wall ÷ true limit minimum <= {LIMITS_RATIO} at bench:{REFERENCE_SIZE:,} with scaled limits"
    ratio = limits.get("ratio")
    if ratio is None:
        return entry(
            "limits_ratio", text, None, None, size=limits.get("invoices"), reason=limits.get("reason")
        )
    value = median(ratio)
    return entry(
        "limits_ratio",
        text,
        round(value, 3),
        value <= LIMITS_RATIO,
        size=limits.get("invoices"),
        reference_size=REFERENCE_SIZE,
        factor=limits.get("factor"),
    )


def rss_growth(results: Mapping[str, Any], side: str) -> dict[str, Any]:
    text = (
        f"peak RSS of the {side} at bench:{MEMORY_SIZE:,} <= {RSS_GROWTH} x its figure at "
        f"bench:{REFERENCE_SIZE:,}"
    )
    memory = results.get("memory") or {}
    big = (memory.get(str(MEMORY_SIZE)) or {}).get(side, {}).get("peak_rss_mb")
    small = (memory.get(str(REFERENCE_SIZE)) or {}).get(side, {}).get("peak_rss_mb")
    if big is None or small is None:
        return entry(f"rss_growth_{side}", text, None, None)
    ratio = median(big) / median(small)
    measured = {"mb_at_10000": median(small), "mb_at_100000": median(big), "ratio": round(ratio, 3)}
    return entry(f"rss_growth_{side}", text, measured, ratio <= RSS_GROWTH)


def starter_tier(results: Mapping[str, Any]) -> dict[str, Any]:
    size = _size(results)
    text = (
        f"a first sync of bench:{REFERENCE_SIZE:,} fits the Starter tier: no organisation above "
        f"{STARTER_DAY_LIMIT:,} Xero calls"
    )
    if size is None:
        return entry("starter_tier", text, None, None)
    tenants = results["sizes"][size]["stages"]["first"].get("xero") or {}
    measured = {name: median(t["calls"]) for name, t in tenants.items()}
    met = bool(measured) and max(measured.values()) <= STARTER_DAY_LIMIT
    return entry("starter_tier", text, measured, met, size=int(size), reference_size=REFERENCE_SIZE)


def evaluate(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        first_sync_calls(results),
        rerun_calls(results),
        throughput(results, "airbyte"),
        throughput(results, "singer"),
        limits_ratio(results),
        rss_growth(results, "source"),
        rss_growth(results, "destination"),
        starter_tier(results),
    ]
