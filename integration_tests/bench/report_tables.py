"""The benchmark's Markdown tables, one function per table, each from `results.json` alone."""

from __future__ import annotations

from typing import Any

STAGE_TITLES = {
    "first": "first sync",
    "unchanged": "unchanged rerun",
    "changed_1pct": "rerun, 1% of invoices paid",
}


def median(value: Any) -> float:
    return float(value["median"]) if isinstance(value, dict) else float(value)


def fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict) and "median" in value:
        m, lo, hi = (f"{float(value[k]):,.{digits}f}" for k in ("median", "min", "max"))
        return m if lo == hi else f"{m} ({lo}-{hi})"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{float(value):,.{digits}f}"


def _measured(value: Any) -> str:
    """A target's measured value in one cell: a number, or `name: a/b` pairs per organisation."""
    if value is None:
        return "not measured"
    if not isinstance(value, dict):
        return fmt(value, 2)
    cells = []
    for name, item in value.items():
        if isinstance(item, dict) and "calls" in item and "allowed" in item:
            reads = ", ".join(f"{k} {v:,.0f}" for k, v in (item.get("reads_by_endpoint") or {}).items())
            cells.append(
                f"{name} {item['calls']:,.0f} (allowed {item['allowed']:,.0f}"
                + (f"; reads: {reads})" if reads else ")")
            )
        elif isinstance(item, dict) and "allowed_reads" in item:
            cells.append(
                f"{name} {item['writes']:,.0f} writes, {item['reads']:,.0f} reads "
                f"(allowed {item['allowed_reads']:,.0f})"
            )
        elif isinstance(item, dict):
            cells.append(f"{name} " + ", ".join(f"{k} {fmt(v, 2)}" for k, v in item.items()))
        else:
            cells.append(f"{name} {fmt(item, 0) if name not in ('ratio',) else fmt(item, 2)}")
    return "; ".join(cells)


def target_rows(results: dict[str, Any]) -> list[str]:
    rows = ["| target | measured | where | status |", "|---|---|---|---|"]
    for target in results.get("targets") or []:
        where = []
        if target.get("size"):
            where.append(f"bench:{int(target['size']):,}")
        if target.get("factor"):
            where.append(f"scaled x{float(target['factor']):g}")
        if (
            target.get("size")
            and target.get("reference_size")
            and int(target["size"]) != target["reference_size"]
        ):
            where.append(f"(stated for bench:{target['reference_size']:,})")
        status = {"met": "**met**", "missed": "missed", "not measured": "not measured"}[target["status"]]
        rows.append(
            f"| {target['target']} | {_measured(target['measured'])} | {' '.join(where)} | {status} |"
        )
    return rows


def _tenant_rows(figures: dict[str, Any], stage: str) -> dict[str, Any]:
    """A stage that made no Xero call for an organisation still gets its row, with zeros."""
    zero = {"calls": 0, "reads": 0, "writes": 0, "egress_bytes": 0, "floor_issue": 0, "floor": 0}
    seen = figures["stages"].get(stage, {}).get("xero") or {}
    names = list(figures["stages"].get("first", {}).get("xero") or {}) + [n for n in seen if n]
    return {name: seen.get(name, zero) for name in dict.fromkeys(names)}


def xero_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| N | stage | organisation | calls | reads (settings) | writes | floor per endpoint | "
        "calls ÷ floor | plain script calls | egress bytes | plain script egress | egress ÷ plain script |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, figures in results["sizes"].items():
        for stage, title in STAGE_TITLES.items():
            if stage not in figures["stages"]:
                continue
            for name, tenant in _tenant_rows(figures, stage).items():
                floor = median(tenant["floor"])
                ratio = f"{median(tenant['calls']) / floor:.2f}" if floor else "— (floor 0)"
                plain_egress = tenant.get("baseline_egress_bytes")
                egress_ratio = (
                    f"{median(tenant['egress_bytes']) / median(plain_egress):.2f}" if plain_egress else "—"
                )
                rows.append(
                    f"| {int(size):,} | {title} | {name} | {fmt(tenant['calls'], 0)} | "
                    f"{fmt(tenant['reads'], 0)} ({fmt(tenant.get('settings_reads', 0), 0)}) | "
                    f"{fmt(tenant['writes'], 0)} | {fmt(tenant['floor'], 0)} | {ratio} | "
                    f"{fmt(tenant.get('baseline_calls'), 0)} | {fmt(tenant.get('egress_bytes', 0), 0)} | "
                    f"{fmt(plain_egress, 0)} | {egress_ratio} |"
                )
    return rows


def autotask_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| N | stage | calls | floor ⌈N/500⌉+⌈L/500⌉+reference pages | calls ÷ floor | plain script calls |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for size, figures in results["sizes"].items():
        plain = (figures.get("baseline") or {}).get("autotask_calls")
        for stage, title in STAGE_TITLES.items():
            autotask = figures["stages"].get(stage, {}).get("autotask")
            if autotask:
                ratio = median(autotask["calls"]) / median(autotask["floor"])
                shown = fmt(plain, 0) if stage == "first" else ""
                rows.append(
                    f"| {int(size):,} | {title} | {fmt(autotask['calls'], 0)} | "
                    f"{fmt(autotask['floor'], 0)} | {ratio:.2f} | {shown} |"
                )
    return rows


def limits_rows(limits: dict[str, Any], goal: float) -> list[str]:
    ratio = limits.get("ratio")
    verdict = "not measured" if ratio is None else ("met" if median(ratio) <= goal else "missed")
    floor = limits.get("xero_floor_per_tenant") or {}
    made = limits.get("xero_calls_per_tenant") or {}
    per_tenant = ", ".join(f"{n} {fmt(v, 0)} ({fmt(made.get(n), 0)} made)" for n, v in floor.items())
    made_minimum, pacing = limits.get("made_limit_seconds"), limits.get("pacing_ratio")
    return [
        "| N | limits | wall | floor calls per organisation (calls made) | true minimum for the floor | "
        f"wall ÷ minimum | goal ≤ {goal:.2f} | minimum for the calls made | wall ÷ that | "
        "minimum with organisations one after another |",
        "|---:|---|---:|---|---:|---:|---|---:|---:|---:|",
        f"| {int(limits['invoices']):,} | scaled x{float(limits['factor']):g} | "
        f"{fmt(limits['wall_seconds'])} s | {per_tenant} | "
        f"{fmt(limits['limit_seconds'])} s | {fmt(ratio, 2)} | {verdict} | "
        f"{fmt(made_minimum)} s | {fmt(pacing, 2)} | "
        f"{fmt(limits['serial_limit_seconds'])} s |",
    ]


def throughput_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| N | lines | lines/s: Airbyte | Singer | plain script | ratio to plain: Airbyte | Singer | "
        "CPU s per 1,000 lines: source | destination | plain script | sandbox share of CPU |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, figures in results["sizes"].items():
        t = figures["throughput"]
        rate, ratio, cpu = t["lines_per_second"], t["ratio_to_baseline"], t["cpu_seconds_per_1000_lines"]
        rows.append(
            f"| {int(size):,} | {figures['lines']:,} | {fmt(rate['airbyte'])} | {fmt(rate['singer'])} | "
            f"{fmt(rate['baseline'])} | {fmt(ratio['airbyte'], 2)} | {fmt(ratio['singer'], 2)} | "
            f"{fmt(cpu['source'], 2)} | {fmt(cpu['destination'], 2)} | {fmt(cpu['baseline'], 2)} | "
            f"{fmt(t['sandbox_cpu_share'], 2)} |"
        )
    return rows


def memory_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| N | peak RSS MB: source (Airbyte) | destination (Airbyte) | tap-autotask | target-xero | "
        "plain script | first sync wall s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size, figures in results["sizes"].items():
        rss = figures["peak_rss_mb"]
        rows.append(
            f"| {int(size):,} | {fmt(rss['source'], 0)} | {fmt(rss['destination'], 0)} | "
            f"{fmt(rss.get('singer_source'), 0)} | {fmt(rss.get('singer_destination'), 0)} | "
            f"{fmt(rss.get('baseline'), 0)} | {fmt(figures['stages']['first']['wall_seconds'])} |"
        )
    for size, memory in (results.get("memory") or {}).items():
        if size in results["sizes"] or "wall_seconds" not in memory:
            continue
        rows.append(
            f"| {int(size):,} | {fmt(memory['source']['peak_rss_mb'], 0)} | "
            f"{fmt(memory['destination']['peak_rss_mb'], 0)} | — | — | — | {fmt(memory['wall_seconds'])} "
            f"(sandbox ready in {fmt(memory['sandbox_ready_seconds'])} s, "
            f"{fmt(memory['total_seconds'])} s in all) |"
        )
    return rows


def startup_rows(results: dict[str, Any]) -> list[str]:
    start = results.get("startup") or {}
    first = start.get("first_output") or {}
    rows = [
        "| process | connector | protocol | spec: wall s | CPU s | peak RSS MB | import s | "
        "heaviest imports (s) | spawn to first record s | spawn to first call s |",
        "|---|---|---|---:|---:|---:|---:|---|---:|---:|",
    ]
    for script, figures in (start.get("scripts") or {}).items():
        spec, imported = figures["spec"], figures["import"]
        heaviest = ", ".join(f"{k} {v:.2f}" for k, v in list((imported.get("heaviest") or {}).items())[:3])
        out = first.get(script) or {}
        cells = [
            f"`{script}`",
            figures["connector"],
            figures["protocol"],
            fmt(spec["wall_seconds"], 2),
            fmt(spec["cpu_seconds"], 2),
            fmt(spec["peak_rss_mb"], 0),
            fmt(imported.get("seconds"), 2),
            heaviest,
            fmt(out.get("first_record_seconds"), 2),
            fmt(out.get("first_call_seconds"), 2),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def cdk_line(results: dict[str, Any]) -> str:
    probe = (results.get("startup") or {}).get("cdk_probe")
    if not probe:
        return ""
    return (
        f"`import airbyte_cdk` (Python {probe['python']}, median of {probe['runs']}): "
        f"{probe['import_seconds']:.2f} s as installed, "
        f"{probe['import_seconds_without_attribute_docs']:.2f} s with serpyco-rs' attribute-doc extraction "
        "stubbed: the serializers' source parsing costs "
        f"{probe['attribute_docs_seconds']:.2f} s per process."
    )


def profile_rows(profile: dict[str, Any] | None) -> list[str]:
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
