"""Where a connector's CPU goes: the top entries of a cProfile dump, by cumulative and by own time."""

from __future__ import annotations

import io
import pstats
from pathlib import Path
from typing import Any


def top_entries(dump: Path, limit: int = 15) -> dict[str, Any]:
    stats = pstats.Stats(str(dump), stream=io.StringIO())
    total = float(stats.total_tt or 1.0)  # type: ignore[attr-defined]
    rows: list[dict[str, Any]] = []
    for (filename, line, function), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = _short(filename)
        rows.append(
            {
                "function": f"{where}:{line}({function})" if line else function,
                "calls": calls,
                "own_seconds": round(own, 3),
                "cumulative_seconds": round(cumulative, 3),
                "own_share": round(own / total, 3),
            }
        )
    by_own = sorted(rows, key=lambda r: r["own_seconds"], reverse=True)[:limit]
    by_cumulative = sorted(rows, key=lambda r: r["cumulative_seconds"], reverse=True)[:limit]
    return {"by_own_time": by_own, "by_cumulative_time": by_cumulative, "total_seconds": round(total, 3)}


def _short(filename: str) -> str:
    """Paths relative to site-packages or the repository, so the profile reads the same on any machine."""
    for marker in ("site-packages/", "/source-autotask/", "/destination-xero/", "/lib/python"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename
