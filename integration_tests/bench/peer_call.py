"""Calls the peer comparison (`bench/peer.py`, singer-io's tap-xero, written separately) without letting it
sink the benchmark: a missing module or a failure becomes a "not run: <reason>" line."""

from __future__ import annotations

import importlib
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sandbox.launcher import running_sandbox

from . import scenarios


def run_peer_safely(
    size: int, skip: bool, say: Callable[[str], None], secrets: list[str] | None = None
) -> dict[str, Any]:
    """`secrets` receives the peer sandbox's secrets, so the published results are checked for them too."""
    if skip:
        say("\npeer: not run: --no-peer")
        return {"status": "not run", "reason": "--no-peer"}
    try:
        peer = importlib.import_module("bench.peer")
    except ImportError as exc:
        say(f"\npeer: not run: {exc}")
        return {"status": "not run", "reason": str(exc)}
    say(f"\npeer: tap-xero side by side on bench:{size} (after a first sync, limits off)")
    try:
        with (
            running_sandbox(f"bench:{size}", seed=1, rate_limits="off", timeout=600) as running,
            tempfile.TemporaryDirectory(prefix="bench-peer-") as tmp,
        ):
            if secrets is not None:
                secrets += running.secrets()
            scenarios.sync_series(running, [], scenarios.OFF_WINDOW_SECONDS, say, reruns=False)
            outcome = peer.run_peer(running, Path(tmp))
    except Exception as exc:  # the peer is someone else's code: report, never crash the benchmark
        reason = f"{type(exc).__name__}: {exc}"
        say(f"peer: not run: {reason}")
        return {"status": "not run", "reason": reason, "trace": traceback.format_exc(limit=3)}
    if not isinstance(outcome, dict) or outcome.get("error"):
        reason = str(outcome.get("error") if isinstance(outcome, dict) else f"returned {outcome!r}")
        say(f"peer: not run: {reason}")
        return {"status": "not run", "reason": reason}
    return {"status": "ran", **outcome}
