"""`make bench`: API calls and Xero egress bytes against the vendors' floors, wall time, throughput, memory.

Everything runs for real: `sandbox up --dataset bench:N` as a subprocess, `source-autotask read |
destination-xero write` (and `tap-autotask | target-xero`) as two console-script processes joined by an
OS pipe, every call over HTTP, and in the same runs the plain-script baseline (`plain_script.py`) every
throughput is a ratio to. Each process's CPU and peak RSS are its own (`exec_probe.py`). Writes
`integration_tests/bench/results.json` and `results.md` (the README table) and prints the table; the
issue's targets are evaluated into `results.json["targets"]`. Secrets from the sandbox's ready line are
checked absent from everything written or printed.

Durations on the 2-core machine: `--quick` about 1 minute; the default sizes about 13 minutes
(estimated: the earlier 9 minutes plus the Singer syncs, the plain script and the start-up figures);
`--memory-sizes 100000` adds one first sync of 100,000 invoices (408,458 lines): about 15 s to build the
dataset's facts, 45 s for the sandbox to be ready (2.4 GB), then the sync at the measured throughput
(about 5 minutes at 1,400 lines/s).
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

from . import baseline, report, scenarios, startup, targets
from .measure import PipeRun, reap, spawn
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


def _merge(runs: list[Any]) -> Any:
    """Median and spread over runs for every number; call counts must agree (else the spread shows it)."""
    first = runs[0]
    if isinstance(first, dict):
        return {key: _merge([run[key] for run in runs]) for key in first if all(key in r for r in runs)}
    if isinstance(first, bool) or not isinstance(first, int | float) or any(v is None for v in runs):
        return first
    values = [float(v) for v in runs]
    if all(v == values[0] for v in values):
        return first
    return spread(values)


def _sides(pipe: PipeRun, lines: int) -> dict[str, Any]:
    return {
        "wall_seconds": pipe.wall_seconds,
        "lines_per_second": lines / pipe.wall_seconds,
        "source": {"cpu_seconds": pipe.source.cpu_seconds, "peak_rss_mb": pipe.source.peak_rss_mb},
        "destination": {
            "cpu_seconds": pipe.destination.cpu_seconds,
            "peak_rss_mb": pipe.destination.peak_rss_mb,
        },
    }


def _throughput(
    per_run: list[dict[str, Any]], singer: list[dict[str, Any]], plain: list[dict[str, Any]], lines: int
) -> dict[str, Any]:
    """Lines per second of each protocol and of the plain script, and each protocol's ratio to the script
    measured in the same run (paired, so load drift touches both)."""
    airbyte = [lines / r["first"]["wall_seconds"] for r in per_run]
    ours = {"airbyte": airbyte, "singer": [r["lines_per_second"] for r in singer]}
    script = [r["lines_per_second"] for r in plain]
    per_1000 = {
        side: spread([r["first"][side]["cpu_seconds"] / lines * 1000 for r in per_run])
        for side in ("source", "destination")
    }
    per_1000.update(
        {
            f"singer_{side}": spread([r[side]["cpu_seconds"] / lines * 1000 for r in singer])
            for side in ("source", "destination")
        }
    )
    per_1000["baseline"] = spread([r["cpu_seconds"] / lines * 1000 for r in plain])
    return {
        "lines_per_second": {**{k: spread(v) for k, v in ours.items()}, "baseline": spread(script)},
        "ratio_to_baseline": {
            k: spread([a / b for a, b in zip(v, script, strict=True) if b]) for k, v in ours.items()
        },
        "cpu_seconds_per_1000_lines": per_1000,
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
    }


def _egress_floor(stages: dict[str, Any], plain: dict[str, Any]) -> None:
    """The plain script's calls and response bytes per organisation beside the first sync's: the egress
    of posting the same documents at the call floor, measured, not estimated."""
    for name, tenant in (stages.get("first", {}).get("xero") or {}).items():
        own = (plain.get("xero") or {}).get(name) or {}
        tenant["baseline_calls"] = own.get("calls", 0)
        tenant["baseline_egress_bytes"] = own.get("egress_bytes", 0)


def measure_size(
    size: int,
    runs: int,
    say: Callable[[str], None],
    profile_dir: Path | None,
    first_output: bool = False,
) -> dict[str, Any]:
    invoices, lines = dataset_facts(size)
    say(f"\nN = {size:,} invoices, {lines:,} billing items: sandbox with limits off, {runs} run(s)")
    per_run: list[dict[str, Any]] = []
    singer: list[dict[str, Any]] = []
    plain: list[dict[str, Any]] = []
    plan: dict[str, Any] = {}
    profile: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    with running_sandbox(f"bench:{size}", seed=1, rate_limits="off", timeout=600) as running:
        secrets = running.secrets()
        for index in range(runs):
            say(f"    run {index + 1}/{runs}")
            capture = None if plan else (lambda stage: plan.update(baseline.capture_plan(running, stage)))
            stages = scenarios.sync_series(
                running, invoices, scenarios.OFF_WINDOW_SECONDS, say, after_first=capture
            )
            per_run.append(_figures(stages, lines, len(invoices)))
            singer.append(
                _sides(scenarios.singer_first_sync(running, scenarios.OFF_WINDOW_SECONDS, say).pipe, lines)
            )
            plain.append(baseline.run_baseline(running, plan, lines))
            say(f"      plain script {plain[-1]['wall_seconds']:.1f} s")
        if profile_dir is not None:
            profile = _profile(running, invoices, per_run, lines, profile_dir, say)
        if first_output:
            say("    start-up: spawn to first record and to first call")
            with tempfile.TemporaryDirectory(prefix="bench-first-") as tmp:
                outputs = startup.first_output(running, Path(tmp))
    merged = _merge(per_run)
    merged_plain = _merge(plain)
    _egress_floor(merged, merged_plain)
    result = {
        "invoices": len(invoices),
        "lines": lines,
        "stages": merged,
        "singer_first": _merge(singer),
        "baseline": merged_plain,
        "throughput": _throughput(per_run, singer, plain, lines),
        "peak_rss_mb": {
            side: spread([r["first"][side]["peak_rss_mb"] for r in per_run])
            for side in ("source", "destination")
        }
        | {
            f"singer_{side}": spread([r[side]["peak_rss_mb"] for r in singer])
            for side in ("source", "destination")
        }
        | {"baseline": spread([r["peak_rss_mb"] for r in plain])},
        "_secrets": secrets,
    }
    if profile is not None:
        result["profile"] = profile
    if outputs is not None:
        result["_first_output"] = outputs
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
    """First syncs against the vendors' limits scaled in time; wall time ÷ the true sliding-window minimum
    of the calls the floor needs (floors.py's docstring has the formula)."""
    invoices, lines = dataset_facts(size)
    say(f"\nN = {size:,} with the vendors' limits scaled x{factor:g} ({runs} run(s))")
    rows = []
    with running_sandbox(f"bench:{size}", seed=1, rate_limits=f"scaled:{factor:g}", timeout=600) as running:
        for index in range(runs):
            say(f"    run {index + 1}/{runs}")
            (stage,) = scenarios.sync_series(running, invoices, 60.0 / factor, say, reruns=False)
            rows.append(scenarios.limit_row(stage, lines, len(invoices), factor))
            say(
                f"      wall {rows[-1]['wall_seconds']:.1f} s, the limits' minimum for the floor "
                f"{rows[-1]['limit_seconds']:.1f} s"
            )
    merged = {"invoices": size, "lines": lines, "factor": factor, **_merge(rows)}
    if merged.get("ratio") is None:
        merged["reason"] = "the floor fits in the first window of every limit: the limits impose no wait"
    return merged


def measure_memory(size: int, say: Callable[[str], None]) -> dict[str, Any]:
    """One Airbyte first sync at N (limits off): peak RSS of source and destination, and how long it took."""
    started = time.monotonic()
    say(f"\nN = {size:,}: one first sync for memory (bench:100000: about 6 minutes on 2 cores)")
    invoices, lines = dataset_facts(size)
    with running_sandbox(f"bench:{size}", seed=1, rate_limits="off", timeout=1800) as running:
        ready = time.monotonic() - started
        (stage,) = scenarios.sync_series(running, invoices, scenarios.OFF_WINDOW_SECONDS, say, reruns=False)
    pipe = stage.pipe
    return {
        "invoices": size,
        "lines": lines,
        "source": {"peak_rss_mb": pipe.source.peak_rss_mb, "cpu_seconds": pipe.source.cpu_seconds},
        "destination": {
            "peak_rss_mb": pipe.destination.peak_rss_mb,
            "cpu_seconds": pipe.destination.cpu_seconds,
        },
        "wall_seconds": pipe.wall_seconds,
        "sandbox_ready_seconds": ready,
        "total_seconds": time.monotonic() - started,
    }


def probe_floor() -> float:
    """Peak RSS the exec probe reports for `true`: the floor under every RSS figure (its own few MB)."""
    with tempfile.TemporaryDirectory(prefix="bench-probe-") as tmp:
        return reap(spawn(["true"], Path(tmp)), "true").peak_rss_mb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="invoice counts, a,b")
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs per figure (median and spread)")
    parser.add_argument("--limits-size", type=int, help="N for the scaled-limits run (default: largest size)")
    parser.add_argument("--limits-factor", type=float, default=DEFAULT_FACTOR, help="scaled:F for it")
    parser.add_argument(
        "--memory-sizes",
        default="",
        help="extra N for one first sync each, memory only, e.g. 100000 (about 6 minutes on 2 cores)",
    )
    parser.add_argument("--no-peer", action="store_true", help="skip the peer (tap-xero) comparison")
    parser.add_argument("--quick", action="store_true", help="tiny N, one run: a smoke test of the benchmark")
    parser.add_argument("--output-dir", type=Path, default=HERE, help="where results.json/results.md go")
    parser.add_argument("--label", default="", help="a note printed with the results (e.g. a loaded machine)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    runs, factor, limits_size = args.runs, args.limits_factor, args.limits_size
    memory_sizes = [int(s) for s in args.memory_sizes.split(",") if s.strip()]
    scripts: tuple[str, ...] | None = None
    if args.quick:
        sizes, runs, factor, limits_size, scripts = [150], 1, 30.0, 150, startup.FORWARD
    limits_size = limits_size or max(sizes)

    printed: list[str] = []

    def say(text: str) -> None:
        printed.append(text)
        print(text, flush=True)

    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine(), "sizes": {}, "quick": args.quick, "label": args.label}
    secrets: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as profile_dir:
        results["startup"] = {
            "probe_floor_mb": probe_floor(),
            "scripts": startup.measure(Path(profile_dir), scripts),
            "cdk_probe": startup.cdk_probe(Path(profile_dir), runs=1 if args.quick else 3),
        }
        say(
            "start-up (spec, then imports) per process: "
            + ", ".join(
                f"{k} {v['spec']['wall_seconds']:.2f} s" for k, v in results["startup"]["scripts"].items()
            )
        )
        for index, size in enumerate(sizes):
            measured = measure_size(size, runs, say, Path(profile_dir) if index == 0 else None, index == 0)
            secrets += measured.pop("_secrets")
            if "_first_output" in measured:
                results["startup"]["first_output"] = measured.pop("_first_output")
            results["sizes"][str(size)] = measured
    results["limits"] = measure_limits(limits_size, factor, runs, say)
    results["memory"] = {
        str(size): {
            side: {"peak_rss_mb": results["sizes"][str(size)]["peak_rss_mb"][side]}
            for side in ("source", "destination")
        }
        for size in sizes
    }
    for size in memory_sizes:
        results["memory"][str(size)] = measure_memory(size, say)
    results["targets"] = targets.evaluate(results)
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
