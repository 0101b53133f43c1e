"""Start `sandbox up` as a real subprocess and hand back its ready line (for tests, the demo, the benchmark).

Everything that talks to the sandbox talks HTTP to a separate process, exactly as a connector would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests


@dataclass
class RunningSandbox:
    info: dict[str, Any]
    process: subprocess.Popen[str]
    stderr_lines: list[str]

    @property
    def autotask(self) -> dict[str, Any]:
        return dict(self.info["autotask"])

    @property
    def xero(self) -> dict[str, Any]:
        return dict(self.info["xero"])

    @property
    def autotask_root(self) -> str:
        return str(self.info["autotask"]["base_url"]).split("/atservicesrest")[0]

    @property
    def xero_root(self) -> str:
        return str(self.info["xero"]["identity_url"])

    def admin(self, api: str, action: str, body: dict[str, Any] | None = None) -> Any:
        """Call `/__sandbox/{action}` on one API ("autotask" or "xero"); POST when a body is given."""
        root = self.autotask_root if api == "autotask" else self.xero_root
        url = f"{root}/__sandbox/{action}"
        if body is None and action in ("stats", "requests"):
            response = requests.get(url, timeout=30)
        else:
            response = requests.post(url, json=body or {}, timeout=30)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        self.admin("autotask", "reset", {})
        self.admin("xero", "reset", {})

    def secrets(self) -> list[str]:
        """Every secret the sandbox issued at start-up (tests scan outputs for these)."""
        xero = self.info["xero"]
        found = [self.info["autotask"]["secret"], xero["client_secret"], xero["refresh_token"]]
        custom = xero.get("custom_connection") or {}
        if custom.get("client_secret"):
            found.append(custom["client_secret"])
        return found


@contextmanager
def running_sandbox(
    dataset: str = "demo",
    *,
    seed: int = 1,
    rate_limits: str = "off",
    faults: str | None = None,
    token_ttl: int | None = None,
    legacy_app: bool = False,
    xero_tier: str | None = None,
    autotask_port: int = 0,
    xero_port: int = 0,
    timeout: float = 120.0,
) -> Iterator[RunningSandbox]:
    command = [
        sys.executable,
        "-m",
        "sandbox",
        "up",
        "--autotask-port",
        str(autotask_port),
        "--xero-port",
        str(xero_port),
        "--dataset",
        dataset,
        "--seed",
        str(seed),
        "--rate-limits",
        rate_limits,
    ]
    if faults:
        command += ["--faults", faults]
    if token_ttl is not None:
        command += ["--token-ttl", str(token_ttl)]
    if legacy_app:
        command.append("--xero-legacy-app")
    if xero_tier is not None:
        command += ["--xero-tier", xero_tier]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    stderr_lines: list[str] = []

    def _drain() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            stderr_lines.append(line)

    threading.Thread(target=_drain, daemon=True).start()
    ready: dict[str, Any] = {}
    ready_event = threading.Event()

    def _read_ready() -> None:
        assert process.stdout is not None
        line = process.stdout.readline()
        if line:
            ready.update(json.loads(line))
        ready_event.set()

    threading.Thread(target=_read_ready, daemon=True).start()
    if not ready_event.wait(timeout) or not ready:
        process.kill()
        raise RuntimeError("sandbox did not become ready:\n" + "".join(stderr_lines[-40:]))
    try:
        yield RunningSandbox(ready, process, stderr_lines)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
