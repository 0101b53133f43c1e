"""`sandbox up` ends cleanly on SIGTERM and SIGINT, whichever of its threads the kernel hands the signal to.

Why this is tested from outside: a Python signal handler only runs in the main thread, and a signal the
kernel delivered to a server thread used to leave the main thread asleep on its Event, so the servers
outlived the test or demo that started them. The test aims the signal at each server and connection
thread in turn (`kill` with a thread id delivers to that thread when it accepts the signal), with a
keep-alive connection open so connection threads exist, and then checks the process is gone and both
ports are free again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import time
from pathlib import Path

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox

EXIT_WITHIN_SECONDS = 5.0


def _ports(running: RunningSandbox) -> list[int]:
    return [int(root.rsplit(":", 1)[1]) for root in (running.autotask_root, running.xero_root)]


def _other_threads(pid: int) -> list[int]:
    return sorted(int(tid) for tid in os.listdir(f"/proc/{pid}/task") if int(tid) != pid)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _assert_stopped(running: RunningSandbox, ports: list[int]) -> None:
    started = time.monotonic()
    assert running.process.wait(timeout=EXIT_WITHIN_SECONDS + 10) == 0
    assert time.monotonic() - started < EXIT_WITHIN_SECONDS, "sandbox took too long to stop"
    assert all(_port_is_free(port) for port in ports), f"a port is still in use: {ports}"


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_process_stops_it(signum: signal.Signals) -> None:
    with running_sandbox("demo") as running:
        ports = _ports(running)
        running.process.send_signal(signum)
        _assert_stopped(running, ports)
        assert _said_stopped(running)


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs /proc to address single threads")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_landing_on_a_server_thread_stops_it(signum: signal.Signals) -> None:
    with running_sandbox("demo") as running, requests.Session() as session:
        ports = _ports(running)
        zone = f"{running.info['autotask']['zone_lookup_url']}?user={running.info['autotask']['username']}"
        assert session.get(zone, timeout=10).status_code == 200
        assert session.get(running.xero_root + "/__sandbox/clock", timeout=10).status_code == 200
        threads = _other_threads(running.process.pid)
        assert len(threads) >= 4, "expected both servers' threads and their connection threads"
        for tid in threads:  # every one of them: whichever receives it, the main thread must wake
            with contextlib.suppress(ProcessLookupError):
                os.kill(tid, signum)
        _assert_stopped(running, ports)


def _said_stopped(running: RunningSandbox) -> bool:
    """The launcher's stderr reader may lag the exit by a moment; give it a second to catch up."""
    deadline = time.monotonic() + 1
    while time.monotonic() < deadline:
        if any("sandbox: stopped" in line for line in running.stderr_lines):
            return True
        time.sleep(0.02)
    return False
