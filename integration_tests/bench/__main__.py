"""`make bench`: API calls and Xero egress bytes against the vendors' floors, wall time, throughput, memory.

Everything runs for real: `sandbox up --dataset bench:N` as a subprocess, `source-autotask read |
destination-xero write` as two console-script processes joined by an OS pipe, every call over HTTP.
Writes `integration_tests/bench/results.json` and `results.md` (the README table) and prints the table.
Secrets from the sandbox's ready line are checked absent from everything written or printed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.dataset import load_dataset
from sandbox.launcher import RunningSandbox, running_sandbox

from . import floors, report, scenarios
from .peer_call import run_peer_safely
from .profile import top_entries
from .stats import machine, spread

HERE = Path(__file__).resolve().parent
DEFAULT_SIZES = (1000, 10000)
DEFAULT_RUNS = 3
DEFAULT_FACTOR = 4.0  # Xero's minute becomes 15 s: long enough that the limits, not the CPU, should decide


def dataset_facts(size: int) -> tuple[list[dict[str, Any]], int]:
    """The invoices (for the 1% edit) and the billing-item count L, from the same generator the sandbox
    runs (a pure function of size and seed), so no API call is spent counting."""
    data = load_dataset(f"bench:{size}", seed=1)["autotask"]
    invoices = [
        {k: i.get(k) for k in ("id", "paidDate", "isVoided", "invoiceNumber")} for i in data["Invoices"]
    ]
    return invoices, len(data.get("BillingItems", []))


def _figures(stages: list[scenarios.Stage], lines: int, invoices: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for stage in stages:
        first = stage.name == "first"
        pipe = stage.pipe
        out[stage.name] = {
            "wall_seconds": pipe.wall_seconds,
            "source": {"cpu_seconds": pipe.source.cpu_seconds, "peak_rss_mb": pipe.source.peak_rss_mb},
            "destination": {
                "cpu_seconds": pipe.destination.cpu_seconds,
                "peak_rss_mb": pipe.destination.peak_rss_mb,
            },
            "sandbox_cpu_seconds": stage.sandbox_cpu_seconds,
            **scenarios.floor_figures(stage, lines if first else 0, invoices if first else 0),
            "edited_invoices": (pipe.summary or {}).get("_edited_invoices", 0),
        }
    return out


def _merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median and spread over runs for every number; call counts must agree (else the spread shows it)."""
    first = runs[0]
    if isinstance(first, dict):
        return {key: _merge([run[key] for run in runs]) for key in first if all(key in r for r in runs)}
    if isinstance(first, bool) or not isinstance(first, int | float):
        return first
    values = [float(v) for v in runs]
    if all(v == values[0] for v in values):
        return first
    return spread(values)


def measure_size(
    size: int, runs: int, say: Callable[[str], None], profile_dir: Path | None
) -> dict[str, Any]:
    invoices, lines = dataset_facts(size)
    say(f"\nN = {size:,} invoices, {lines:,} billing items: sandbox with limits off, {runs} run(s)")
    per_run = []
    profile: dict[str, Any] | None = None
    with running_sandbox(f"bench:{size}", seed=1, rate_limits="off", timeout=600) as running:
        secrets = running.secrets()
        for index in range(runs):
            say(f"    run {index + 1}/{runs}")
            stages = scenarios.sync_series(running, invoices, scenarios.OFF_WINDOW_SECONDS, say)
            per_run.append(_figures(stages, lines, len(invoices)))
        if profile_dir is not None:
            profile = _profile(running, invoices, per_run, lines, profile_dir, say)
    merged = _merge(per_run)
    cpu = {
        side: [r["first"][side]["cpu_seconds"] / lines * 1000 for r in per_run]
        for side in ("source", "destination")
    }
    result = {
        "invoices": len(invoices),
        "lines": lines,
        "stages": merged,
        "throughput": {
            "lines_per_second": spread([lines / r["first"]["wall_seconds"] for r in per_run]),
            "cpu_seconds_per_1000_lines": {side: spread(values) for side, values in cpu.items()},
            "sandbox_cpu_share": spread(
                [
                    r["first"]["sandbox_cpu_seconds"]
                    / (
                        r["first"]["sandbox_cpu_seconds"]
                        + r["first"]["source"]["cpu_seconds"]
                        + r["first"]["destination"]["cpu_seconds"]
                    )
                    for r in per_run
                ]
            ),
        },
        "peak_rss_mb": {
            side: spread([r["first"][side]["peak_rss_mb"] for r in per_run])
            for side in ("source", "destination")
        },
        "_secrets": secrets,
    }
    if profile is not None:
        result["profile"] = profile
    return result


def _profile(
    running: RunningSandbox,
    invoices: list[dict[str, Any]],
    per_run: list[dict[str, Any]],
    lines: int,
    directory: Path,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """One more first sync with the costlier connector (by median CPU) under cProfile."""
    side = max(
        ("source", "destination"),
        key=lambda s: sorted(r["first"][s]["cpu_seconds"] for r in per_run)[len(per_run) // 2],
    )
    say(f"    profiling the {side} (the costlier stage) under cProfile")
    dump = directory / f"{side}.prof"
    scenarios.sync_series(running, invoices, scenarios.OFF_WINDOW_SECONDS, say, reruns=False, profile=dump)
    return {"stage": side, "lines": lines, **top_entries(dump)}


def measure_limits(size: int, factor: float, runs: int, say: Callable[[str], None]) -> dict[str, Any]:
    """First syncs against the vendors' limits scaled in time; wall time ÷ what the limits alone impose."""
    invoices, lines = dataset_facts(size)
    say(f"\nN = {size:,} with the vendors' limits scaled x{factor:g} ({runs} run(s))")
    rows = []
    with running_sandbox(f"bench:{size}", seed=1, rate_limits=f"scaled:{factor:g}", timeout=600) as running:
        for index in range(runs):
            say(f"    run {index + 1}/{runs}")
            (stage,) = scenarios.sync_series(running, invoices, 60.0 / factor, say, reruns=False)
            per_tenant = {t: c["calls"] for t, c in stage.xero_per_tenant().items()}
            egress_per_tenant = {t: c["egress_bytes"] for t, c in stage.xero_per_tenant().items()}
            limit = floors.limit_seconds(per_tenant, stage.autotask_calls(), factor)
            serial = floors.serial_limit_seconds(per_tenant, factor)
            throttled = sum(
                int(v.get("throttled") or 0)
                for v in (stage.pipe.summary or {}).values()
                if isinstance(v, dict)
            )
            rows.append(
                {
                    "wall_seconds": stage.pipe.wall_seconds,
                    "limit_seconds": limit,
                    "ratio": stage.pipe.wall_seconds / limit if limit else 0.0,
                    "serial_limit_seconds": serial,
                    "xero_calls_per_tenant": per_tenant,
                    "xero_egress_bytes_per_tenant": egress_per_tenant,
                    "autotask_calls": stage.autotask_calls(),
                    "throttled_429": throttled,
                }
            )
            say(f"      wall {rows[-1]['wall_seconds']:.1f} s, limits alone {limit:.1f} s")
    return {"invoices": size, "lines": lines, "factor": factor, **_merge(rows)}


def measure_memory(size: int, say: Callable[[str], None]) -> dict[str, Any]:
    say(f"\nN = {size:,}: source-autotask alone, output discarded (memory)")
    with running_sandbox(f"bench:{size}", seed=1, rate_limits="off", timeout=900) as running:
        figures, lines = scenarios.source_only(running)
    return {"invoices": size, "messages": lines, **figures}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="invoice counts, a,b")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs per figure (median and spread)")
    parser.add_argument("--limits-size", type=int, help="N for the scaled-limits run (default: largest size)")
    parser.add_argument("--limits-factor", type=float, default=DEFAULT_FACTOR, help="scaled:F for it")
    parser.add_argument("--memory-sizes", default="", help="extra N, source alone, e.g. 100000")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer (tap-xero) comparison")
    parser.add_argument("--quick", action="store_true", help="tiny N, one run: a smoke test of the benchmark")
    parser.add_argument("--output-dir", type=Path, default=HERE, help="where results.json/results.md go")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    runs, factor, limits_size = args.runs, args.limits_factor, args.limits_size
    memory_sizes = [int(s) for s in args.memory_sizes.split(",") if s.strip()]
    if args.quick:
        sizes, runs, factor, limits_size, memory_sizes = [150], 1, 30.0, 150, []
    limits_size = limits_size or max(sizes)

    printed: list[str] = []

    def say(text: str) -> None:
        printed.append(text)
        print(text, flush=True)

    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine(), "sizes": {}, "quick": args.quick}
    secrets: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile_dir:
        results["startup"] = scenarios.startup(Path(profile_dir))
        say(
            "start-up (imports) per process: "
            + ", ".join(f"{k} {v['cpu_seconds']:.2f} s CPU" for k, v in results["startup"].items())
        )
        for index, size in enumerate(sizes):
            measured = measure_size(size, runs, say, Path(profile_dir) if index == 0 else None)
            secrets += measured.pop("_secrets")
            results["sizes"][str(size)] = measured
    results["limits"] = measure_limits(limits_size, factor, runs, say)
    results["memory"] = {
        str(size): {
            "source": {"peak_rss_mb": results["sizes"][str(size)]["peak_rss_mb"]["source"]},
            "destination": {"peak_rss_mb": results["sizes"][str(size)]["peak_rss_mb"]["destination"]},
        }
        for size in sizes
    }
    for size in memory_sizes:
        results["memory"][str(size)] = {"source_alone": measure_memory(size, say)}
    # Written once without the peer first: the peer installs and runs someone else's code, and a failure
    # there must not cost the figures measured so far.
    results["peer"] = {"status": "not run", "reason": "pending"}
    results["seconds"] = round(time.monotonic() - started, 1)
    if report.publish(results, args.output_dir, secrets, lambda _: None, printed) != 0:
        return 1
    results["peer"] = run_peer_safely(sizes[0], args.no_peer, say, secrets)
    results["seconds"] = round(time.monotonic() - started, 1)
    return report.publish(results, args.output_dir, secrets, say, printed)


if __name__ == "__main__":
    sys.exit(main())
