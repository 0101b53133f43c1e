"""The benchmark's results as Markdown (the README table) and JSON, printed and written, secrets checked.

A figure measured over several runs is `{"median", "min", "max", "runs"}`; one that was identical in every
run (call counts usually are) is the plain number. Both print as "median (min-max)" or the number.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox import jsonmoney

GOAL_RATIO = 1.10
STAGE_TITLES = {
    "first": "first sync",
    "unchanged": "unchanged rerun",
    "changed_1pct": "rerun, 1% of invoices paid",
}


def median(value: Any) -> float:
    return float(value["median"]) if isinstance(value, dict) else float(value)


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, dict) and "median" in value:
        m, lo, hi = (f"{float(value[k]):,.{digits}f}" for k in ("median", "min", "max"))
        return f"{m} ({lo}-{hi})"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.{digits}f}"


def _tenant_rows(figures: dict[str, Any], stage: str) -> dict[str, Any]:
    """A stage that made no Xero call for an organisation still gets its row, with zeros."""
    zero = {"calls": 0, "reads": 0, "writes": 0, "egress_bytes": 0, "floor_issue": 0, "floor": 0}
    seen = figures["stages"].get(stage, {}).get("xero") or {}
    names = list(figures["stages"].get("first", {}).get("xero") or {}) + [n for n in seen if n]
    return {name: seen.get(name, zero) for name in dict.fromkeys(names)}


def _xero_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| N | stage | organisation | calls | reads | writes | egress bytes | floor ⌈N/50⌉+⌈C/50⌉+⌈I/50⌉ | "
        "floor per endpoint | calls ÷ floor |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, figures in results["sizes"].items():
        for stage, title in STAGE_TITLES.items():
            if stage not in figures["stages"]:
                continue
            for name, tenant in _tenant_rows(figures, stage).items():
                floor = median(tenant["floor"])
                ratio = f"{median(tenant['calls']) / floor:.2f}" if floor else "— (floor 0)"
                rows.append(
                    f"| {int(size):,} | {title} | {name} | {fmt(tenant['calls'], 0)} | "
                    f"{fmt(tenant['reads'], 0)} | {fmt(tenant['writes'], 0)} | "
                    f"{fmt(tenant.get('egress_bytes', 0), 0)} | "
                    f"{fmt(tenant['floor_issue'], 0)} | {fmt(tenant['floor'], 0)} | {ratio} |"
                )
    return rows


def _autotask_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| N | stage | calls | floor ⌈N/500⌉+⌈L/500⌉+reference pages | calls ÷ floor |",
        "|---:|---|---:|---:|---:|",
    ]
    for size, figures in results["sizes"].items():
        for stage, title in STAGE_TITLES.items():
            autotask = figures["stages"].get(stage, {}).get("autotask")
            if autotask:
                ratio = median(autotask["calls"]) / median(autotask["floor"])
                rows.append(
                    f"| {int(size):,} | {title} | {fmt(autotask['calls'], 0)} | "
                    f"{fmt(autotask['floor'], 0)} | {ratio:.2f} |"
                )
    return rows


def _limits_rows(limits: dict[str, Any]) -> list[str]:
    ratio = median(limits["ratio"])
    verdict = "met" if ratio <= GOAL_RATIO else "missed"
    return [
        "| N | limits | wall | limits alone (tenants in parallel) | wall ÷ limits | goal ≤ 1.10 | "
        "limits with tenants one after another |",
        "|---:|---|---:|---:|---:|---|---:|",
        f"| {int(limits['invoices']):,} | scaled x{float(limits['factor']):g} | "
        f"{fmt(limits['wall_seconds'])} s | {fmt(limits['limit_seconds'])} s | {fmt(limits['ratio'], 2)} | "
        f"{verdict} | {fmt(limits['serial_limit_seconds'])} s |",
    ]


def _throughput_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| N | lines | lines/s end to end | CPU s per 1,000 lines: source | destination | "
        "sandbox share of CPU | peak RSS source MB | destination MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, figures in results["sizes"].items():
        throughput = figures["throughput"]
        cpu = throughput["cpu_seconds_per_1000_lines"]
        rss = figures["peak_rss_mb"]
        rows.append(
            f"| {int(size):,} | {figures['lines']:,} | {fmt(throughput['lines_per_second'])} | "
            f"{fmt(cpu['source'], 2)} | {fmt(cpu['destination'], 2)} | "
            f"{fmt(throughput['sandbox_cpu_share'], 2)} | {fmt(rss['source'], 0)} | "
            f"{fmt(rss['destination'], 0)} |"
        )
    return rows


def _memory_rows(results: dict[str, Any]) -> list[str]:
    extra = {k: v["source_alone"] for k, v in results.get("memory", {}).items() if "source_alone" in v}
    if not extra:
        return []
    rows = ["| N | source alone: peak RSS MB | CPU s | wall s |", "|---:|---:|---:|---:|"]
    for size, figures in extra.items():
        rows.append(
            f"| {int(size):,} | {fmt(figures['peak_rss_mb'], 0)} | {fmt(figures['cpu_seconds'])} | "
            f"{fmt(figures['wall_seconds'])} |"
        )
    return rows


def _profile_rows(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return []
    rows = [
        f"Profile of the costlier stage, **{profile['stage']}**, first sync of {profile['lines']:,} lines "
        f"(cProfile, {profile['total_seconds']:.1f} s profiled), top entries by own time:",
        "",
        "| function | calls | own s | cumulative s |",
        "|---|---:|---:|---:|",
    ]
    for entry in profile["by_own_time"][:10]:
        rows.append(
            f"| `{entry['function']}` | {entry['calls']:,} | {entry['own_seconds']:.2f} | "
            f"{entry['cumulative_seconds']:.2f} |"
        )
    return rows


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    limits = results["limits"]
    peer = results.get("peer") or {}
    parts = [
        "### Benchmark (`make bench`)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}, Python {m['python']}; "
        f"load average at start {m['load_average_at_start']}. Each figure: median (min-max) of the runs; "
        f"a single number was the same in every run. Total {results['seconds']:.0f} s. Start-up (imports) "
        f"per connector process: {_startup(results)}.",
        "",
        "**Xero calls and egress per organisation** (egress: the response bytes Xero sent, which its paid "
        "tiers meter; C new contacts, I new items; the floor counts documents actually written, per Xero "
        "endpoint):",
        "",
        *_xero_rows(results),
        "",
        "**Autotask calls** (whole database):",
        "",
        *_autotask_rows(results),
        "",
        "**Wall time against the vendors' limits** (sandbox `--rate-limits scaled:F`):",
        "",
        *_limits_rows(limits),
        "",
        "**Throughput and memory, limits off:**",
        "",
        *_throughput_rows(results),
        "",
        *_memory_rows(results),
        "",
        *_profile_rows(_first_profile(results)),
        "",
        f"**Peer (singer-io tap-xero):** {_peer_line(peer)}",
        "",
        *(
            ["**Notes** (generated from the figures above):", "", *notes(results), ""]
            if notes(results)
            else []
        ),
    ]
    return "\n".join(parts)


def _startup(results: dict[str, Any]) -> str:
    return ", ".join(
        f"{name} {figures['cpu_seconds']:.2f} s CPU"
        for name, figures in (results.get("startup") or {}).items()
    )


def notes(results: dict[str, Any]) -> list[str]:
    """Where a goal is missed, say where the calls or the time go, from the figures themselves."""
    out = []
    sizes = sorted(results["sizes"], key=int)
    largest = results["sizes"][sizes[-1]]
    first = largest["stages"].get("first", {})
    endpoints = first.get("xero_endpoints") or {}
    lookups = sum(median(v) for k, v in endpoints.items() if k.startswith("GET ") and "Invoices" in k)
    lookups += sum(median(v) for k, v in endpoints.items() if k.startswith("GET ") and "CreditNotes" in k)
    reads = sum(median(v) for k, v in endpoints.items() if k.startswith("GET "))
    writes = sum(median(v) for k, v in endpoints.items() if not k.startswith("GET "))
    if reads:
        out.append(
            f"- Xero calls above the floor are reads: at N={int(sizes[-1]):,} the first sync made, over all "
            "organisations, "
            f"{writes:,.0f} writes and {reads:,.0f} reads, {lookups:,.0f} of them the pre-write look-ups "
            "(as many document numbers per GET as fit Xero's URL limit) that make reruns idempotent; "
            "the rest are one-off reference reads "
            "per organisation. A first sync into an empty organisation could list existing documents "
            "instead (pageSize 1000: one call per 1,000) and halve its calls."
        )
    limits = results["limits"]
    ratio, wall = median(limits["ratio"]), median(limits["wall_seconds"])
    serial, limit = median(limits["serial_limit_seconds"]), median(limits["limit_seconds"])
    factor = limits.get("factor")
    if ratio > GOAL_RATIO:
        if serial > GOAL_RATIO * limit and 0.8 * serial <= wall <= 1.25 * serial:
            out.append(
                f"- Wall time {wall:,.0f} s is {ratio:.2f}x what the limits impose with the organisations in "
                f"parallel, and close to their sum ({serial:,.0f} s): the organisations were written one "
                "after another, each waiting for the others' minute windows."
            )
        else:
            scaled = f" (limits scaled x{factor:g})" if factor else ""
            out.append(
                f"- Wall time {wall:,.0f} s is {ratio:.2f}x the {limit:,.0f} s the limits impose{scaled}; "
                "the organisations are written in parallel (one after another the limits alone would cost "
                f"{serial:,.0f} s). The rest is the connectors' CPU (see throughput) and their start-up, "
                "which do not shrink with the scale factor: at Xero's real speed the limits' share is larger "
                "and the ratio smaller."
            )
    for size in sizes:
        rerun = results["sizes"][size]["stages"].get("unchanged", {}).get("autotask")
        if rerun and median(rerun["calls"]) > 1.5 * median(rerun["floor"]):
            out.append(
                f"- Autotask calls on a rerun at N={int(size):,} ({median(rerun['calls']):,.0f} against "
                f"{median(rerun['floor']):,.0f}): Autotask invoices have no last-modified date, so every "
                "rerun re-reads the invoices and lines dated inside the look-back window (14 days by "
                "default) to find what changed; the floor counts one page of each."
            )
    if len(sizes) > 1:
        small, big = results["sizes"][sizes[0]], results["sizes"][sizes[-1]]
        factor = int(sizes[-1]) / int(sizes[0])
        for side in ("source", "destination"):
            a, b = median(small["peak_rss_mb"][side]), median(big["peak_rss_mb"][side])
            out.append(
                f"- Peak RSS of the {side}: {a:,.0f} MB at N={int(sizes[0]):,}, {b:,.0f} MB at "
                f"N={int(sizes[-1]):,} (x{b / a:.2f} for x{factor:g} the invoices)."
            )
    return out


def _first_profile(results: dict[str, Any]) -> dict[str, Any] | None:
    for figures in results["sizes"].values():
        if figures.get("profile"):
            return dict(figures["profile"])
    return None


def _peer_line(peer: dict[str, Any]) -> str:
    if peer.get("status") != "ran":
        return f"not run: {peer.get('reason', 'unknown')}"
    shown = {k: v for k, v in peer.items() if k != "status" and not isinstance(v, dict | list)}
    return ", ".join(f"{k} {v}" for k, v in shown.items()) or "ran (see results.json)"


def publish(
    results: dict[str, Any],
    output_dir: Path,
    secrets: list[str],
    say: Callable[[str], None],
    printed: list[str],
) -> int:
    """Print the table, write results.json and results.md; refuse (exit 1) if any secret would leak."""
    text = markdown(results)
    body = jsonmoney.dumps(results, indent=2, default=str, compact=False)
    leaked = [s for s in secrets if s and len(s) >= 6 and any(s in t for t in (text, body, *printed))]
    if leaked:
        say("bench: a sandbox secret appears in the results; nothing written")
        return 1
    say("")
    say(text)
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / "results.json").write_text(body + "\n", encoding="utf-8")
    (output_dir / "results.md").write_text(text, encoding="utf-8")
    say(f"wrote {output_dir / 'results.json'} and {output_dir / 'results.md'}")
    return 0
