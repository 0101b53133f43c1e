"""Run connector CLIs as real processes and measure each one: CPU seconds, peak RSS, exit code, wall time.

The pipe is an OS pipe straight from the source's stdout into the destination's stdin, so nothing of ours
sits in the data path; only the destination's own output (STATE messages, the `summary` log line) is read.
Each child is reaped with `os.wait4`, whose rusage gives exactly that process's CPU time and peak RSS
(`ru_maxrss`, KiB on Linux) without sampling.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sandbox.jsonmoney import loads

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PYCACHE = Path(tempfile.gettempdir()) / "autotask-xero-bench-pycache"


def connector_env() -> dict[str, str]:
    """The environment the connectors run in. Bytecode caching is forced on (into a private cache dir,
    never the venv): with PYTHONDONTWRITEBYTECODE set, as on some CI images, every process would compile
    its whole import tree again and the benchmark would measure the compiler, not the connector."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


@dataclass
class ProcessResult:
    name: str
    exit_code: int
    cpu_seconds: float
    peak_rss_mb: float
    stderr_tail: str = ""


@dataclass
class PipeRun:
    source: ProcessResult
    destination: ProcessResult
    wall_seconds: float
    summary: dict[str, Any] | None = None
    states: list[dict[str, Any]] = field(default_factory=list)  # the destination's STATE messages
    trace_errors: list[str] = field(default_factory=list)


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a running process has used so far, from /proc (the sandbox's share)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _reap(process: subprocess.Popen[bytes], name: str, stderr: list[bytes]) -> ProcessResult:
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return ProcessResult(
        name=name,
        exit_code=process.returncode,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        stderr_tail=b"".join(stderr).decode("utf-8", "replace")[-2000:],
    )


def _drain(stream: IO[bytes], into: list[bytes]) -> None:
    for line in stream:
        into.append(line)
        if len(into) > 400:
            del into[:200]


def _watchdog(processes: list[subprocess.Popen[bytes]], timeout: float, done: threading.Event) -> None:
    if not done.wait(timeout):
        for process in processes:
            if process.returncode is None:
                process.kill()


def run_pipe(source: list[str], destination: list[str], cwd: Path, timeout: float = 1800) -> PipeRun:
    """`source | destination`; a run past `timeout` is killed (and its non-zero exit says so)."""
    started = time.monotonic()
    env = connector_env()
    producer = subprocess.Popen(source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env)
    assert producer.stdout is not None and producer.stderr is not None
    consumer = subprocess.Popen(
        destination, stdin=producer.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env
    )
    producer.stdout.close()  # the destination holds the read end; EOF reaches it when the source exits
    assert consumer.stdout is not None and consumer.stderr is not None
    errors: tuple[list[bytes], list[bytes]] = ([], [])
    drains = [
        threading.Thread(target=_drain, args=(producer.stderr, errors[0]), daemon=True),
        threading.Thread(target=_drain, args=(consumer.stderr, errors[1]), daemon=True),
    ]
    done = threading.Event()
    threading.Thread(target=_watchdog, args=([producer, consumer], timeout, done), daemon=True).start()
    for thread in drains:
        thread.start()
    run = PipeRun(ProcessResult("source", -1, 0.0, 0.0), ProcessResult("destination", -1, 0.0, 0.0), 0.0)
    for raw in consumer.stdout:
        if b'"STATE"' not in raw and b"summary" not in raw and b'"TRACE"' not in raw:
            continue  # decisions and progress logs: not needed, not parsed
        try:
            message = loads(raw)
        except ValueError:
            continue
        kind = message.get("type")
        if kind == "STATE":
            run.states.append(message["state"])
        elif kind == "LOG":
            text = str(message["log"].get("message", ""))
            if text.startswith("summary "):
                run.summary = loads(text[len("summary ") :])
        elif kind == "TRACE":
            error = (message.get("trace") or {}).get("error") or {}
            if error.get("message"):
                run.trace_errors.append(str(error["message"]))
    run.destination = _reap(consumer, "destination", errors[1])
    run.source = _reap(producer, "source", errors[0])
    done.set()
    for thread in drains:
        thread.join(timeout=10)
    run.source.stderr_tail = b"".join(errors[0]).decode("utf-8", "replace")[-2000:]
    run.destination.stderr_tail = b"".join(errors[1]).decode("utf-8", "replace")[-2000:]
    run.wall_seconds = time.monotonic() - started
    return run


def run_alone(command: list[str], cwd: Path, timeout: float = 3600) -> tuple[ProcessResult, float, int]:
    """One process with its stdout counted and thrown away: (result, wall seconds, output lines)."""
    started = time.monotonic()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=connector_env()
    )
    assert process.stdout is not None and process.stderr is not None
    errors: list[bytes] = []
    drain = threading.Thread(target=_drain, args=(process.stderr, errors), daemon=True)
    drain.start()
    done = threading.Event()
    threading.Thread(target=_watchdog, args=([process], timeout, done), daemon=True).start()
    lines = 0
    for _ in process.stdout:
        lines += 1
    result = _reap(process, Path(command[0]).name, errors)
    done.set()
    drain.join(timeout=10)
    return result, time.monotonic() - started, lines


def state_file(states: list[dict[str, Any]], path: Path) -> Path:
    """The Airbyte `--state` input for the next run: the last STATE per stream, as the platform keeps it."""
    from sandbox import jsonmoney

    latest: dict[str, dict[str, Any]] = {}
    for state in states:
        descriptor = (state.get("stream") or {}).get("stream_descriptor") or {}
        latest[str(descriptor.get("name", ""))] = {
            "type": state.get("type", "STREAM"),
            "stream": state.get("stream"),
        }
    path.write_text(jsonmoney.dumps(list(latest.values()), default=str), encoding="utf-8")
    return path
