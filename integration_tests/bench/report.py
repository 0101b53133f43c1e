"""The benchmark's results as Markdown (the README table) and JSON, printed and written, secrets checked.

A figure measured over several runs is `{"median", "min", "max", "runs"}`; one that was identical in every
run (call counts usually are) is the plain number. Both print as "median (min-max)" or the number.
The tables are `report_tables.py`; the notes below them are written from the figures here.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox import jsonmoney

from . import report_tables as tables
from .report_tables import STAGE_TITLES, fmt, median

GOAL_RATIO = 1.10
__all__ = ["GOAL_RATIO", "STAGE_TITLES", "fmt", "markdown", "median", "notes", "publish"]


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    peer = results.get("peer") or {}
    floor = (results.get("startup") or {}).get("probe_floor_mb")
    label = f" **{results['label']}**" if results.get("label") else ""
    parts = [
        "### Benchmark (`make bench`)",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, {m['os']}, Python {m['python']}; "
        f"load average at start {[float(x) for x in m['load_average_at_start']]}.{label} Each figure: median "
        f"(min-max) of the runs; a single number was the same in every run. "
        f"Total {results['seconds']:.0f} s. "
        "Peak RSS is each process's own (reaped by a small exec probe, never counting the benchmark's memory"
        + (f"; `true` reads {floor:.0f} MB through it, the floor of every RSS figure)." if floor else ")."),
        "",
        '**Targets** (issue 19; evaluated in `results.json["targets"]`):',
        "",
        *tables.target_rows(results),
        "",
        "**Xero calls and egress per organisation** (floor: the documents actually written, ⌈n/50⌉ per "
        "endpoint; egress: the response bytes Xero sent, which its paid tiers meter; plain script: the same "
        "documents posted at the floor by the baseline script, in the same run):",
        "",
        *tables.xero_rows(results),
        "",
        "**Autotask calls** (whole database):",
        "",
        *tables.autotask_rows(results),
        "",
        "**Wall time against the vendors' limits** (sandbox `--rate-limits scaled:F`; the minimum is the "
        "sliding-window schedule of the floor's calls, first window's burst included: formula in "
        "`bench/floors.py`):",
        "",
        *tables.limits_rows(results["limits"], GOAL_RATIO),
        "",
        "**Throughput, limits off** (first syncs, end to end; the plain script pages the same Autotask data "
        "and posts the same Xero documents with no framework, measured in the same runs):",
        "",
        *tables.throughput_rows(results),
        "",
        "**Memory** (peak RSS of each process itself, first syncs):",
        "",
        *tables.memory_rows(results),
        "",
        "**Start-up per connector process** (warm bytecode cache; first record and first call from spawn, "
        "against the sandbox and a stand-in listener):",
        "",
        *tables.startup_rows(results),
        "",
        tables.cdk_line(results),
        "",
        *tables.profile_rows(_first_profile(results)),
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


def _xero_note(results: dict[str, Any], size: str) -> str | None:
    first = results["sizes"][size]["stages"].get("first", {})
    endpoints = first.get("xero_endpoints") or {}
    reads = sum(median(v) for k, v in endpoints.items() if k.startswith("GET "))
    writes = sum(median(v) for k, v in endpoints.items() if not k.startswith("GET "))
    floor = sum(median(t["floor"]) for t in (first.get("xero") or {}).values())
    if not reads and writes <= floor:
        return None
    lookups = sum(
        median(v)
        for k, v in endpoints.items()
        if k.startswith("GET ") and ("Invoices" in k or "CreditNotes" in k)
    )
    return (
        f"- Xero at N={int(size):,}, first sync, all organisations: {writes:,.0f} writes against a floor of "
        f"{floor:,.0f} ({writes - floor:,.0f} partial or extra batches) and {reads:,.0f} reads, "
        f"{lookups:,.0f} of them look-ups of existing invoices and credit notes."
    )


def _limits_note(results: dict[str, Any]) -> str | None:
    limits = results["limits"]
    if limits.get("ratio") is None:
        return f"- Wall ÷ limits not measured at N={int(limits['invoices']):,}: {limits.get('reason', '')}."
    ratio, wall = median(limits["ratio"]), median(limits["wall_seconds"])
    serial, limit = median(limits["serial_limit_seconds"]), median(limits["limit_seconds"])
    if ratio <= GOAL_RATIO:
        return None
    if serial > GOAL_RATIO * limit and 0.8 * serial <= wall <= 1.25 * serial:
        return (
            f"- Wall time {wall:,.0f} s is {ratio:.2f}x the limits' minimum with the organisations in "
            f"parallel and close to their serial minimum ({serial:,.0f} s): the organisations waited on "
            "each other."
        )
    made = limits.get("made_limit_seconds")
    if made is not None and median(made) > limit:
        return (
            f"- Wall time {wall:,.0f} s is {ratio:.2f}x the {limit:,.0f} s the limits allow for the floor's "
            f"calls (limits scaled x{float(limits['factor']):g}), but the calls made need "
            f"{median(made):,.0f} s by the same schedule: the reads above the floor push an organisation "
            f"into another minute window (a window holds 60 calls), which no speed can win back. Against "
            f"that minimum the wall is {wall / median(made):.2f}x: the rest is the connectors' CPU and "
            "start-up (which do not shrink with the scale factor)."
        )
    return (
        f"- Wall time {wall:,.0f} s is {ratio:.2f}x the {limit:,.0f} s the limits allow for the floor's "
        f"calls (limits scaled x{float(limits['factor']):g}; one organisation after another: "
        f"{serial:,.0f} s). The "
        "rest is calls above the floor, the connectors' CPU and start-up (which do not shrink with the scale "
        "factor) and time the destination leaves a window unused."
    )


def notes(results: dict[str, Any]) -> list[str]:
    """Where a goal is missed, say where the calls or the time go, from the figures themselves."""
    out = []
    sizes = sorted(results["sizes"], key=int)
    xero = _xero_note(results, sizes[-1])
    if xero:
        out.append(xero)
    limits = _limits_note(results)
    if limits:
        out.append(limits)
    for size in sizes:
        rerun = results["sizes"][size]["stages"].get("unchanged", {}).get("autotask")
        if rerun and median(rerun["calls"]) > 1.5 * median(rerun["floor"]):
            out.append(
                f"- Autotask calls on a rerun at N={int(size):,} ({median(rerun['calls']):,.0f} against "
                f"{median(rerun['floor']):,.0f}): Autotask invoices have no last-modified date, so every "
                "rerun re-reads the invoices and lines dated inside the look-back window (14 days by "
                "default) to find what changed; the floor counts one page of each."
            )
        plain = results["sizes"][size].get("baseline") or {}
        if plain and not plain.get("same_documents", True):
            out.append(
                f"- At N={int(size):,} the plain script's documents differ from the destination's: "
                f"{plain.get('documents_differ')} (its figures are then not a like-for-like baseline)."
            )
        if plain.get("not_replayed"):
            out.append(
                f"- At N={int(size):,} the plain script did not replay {plain['not_replayed']}: its time "
                "leaves those writes out, so the ratios flatter the connectors by that much."
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
