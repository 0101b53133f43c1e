"""Run `<source> read | <destination> write` as two real console-script processes and watch the traffic.

The demo sits in the middle of the pipe instead of letting the shell join them: it counts the records per
stream on their way through (a progress line every 50) and reads the destination's own messages (states,
decisions, the `summary` log line, a trace error), so the printed figures are the connectors' own and
not a recomputation. The source's own LOG messages (the payments source's per-organisation Xero calls and
response bytes, for instance) are kept too. Messages are parsed with exact decimals: the money in them is
never a float.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sandbox.jsonmoney import loads

PROGRESS_EVERY = 50


def console_script(name: str) -> str:
    """The workspace venv's console script: it sits next to the interpreter running the demo."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise SystemExit(f"console script {name!r} not found next to {sys.executable}; run `uv sync`")
    return str(path)


@dataclass
class PipeResult:
    source_code: int
    destination_code: int
    records: Counter[str] = field(default_factory=Counter)
    states: int = 0
    summary: dict[str, Any] | None = None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # ("decision"|"event", payload)
    trace_errors: list[str] = field(default_factory=list)
    source_logs: list[str] = field(default_factory=list)  # the source's own LOG messages (its summaries)
    source_stderr: str = ""
    destination_stderr: str = ""
    seconds: float = 0.0


def json_tail(message: str, kind: str) -> dict[str, Any] | None:
    """The JSON object a connector logs after a keyword (`summary {...}`, `decision {...}`), exact money."""
    if not message.startswith(kind + " {"):
        return None
    try:
        value = loads(message[len(kind) + 1 :])
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _relay(source: IO[bytes], sink: IO[bytes], result: PipeResult, say: Callable[[str], None]) -> None:
    """Copy the source's messages to the destination, counting records per stream. If the destination
    dies, keep draining the source so it finishes (and its exit code says what it thinks) instead of
    blocking on a full pipe."""
    open_sink = True
    for line in source:
        try:
            message = loads(line)
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "RECORD":
            stream = str(message.get("record", {}).get("stream"))
            result.records[stream] += 1
            total = sum(result.records.values())
            if total % PROGRESS_EVERY == 0:
                say(f"    read {total} records so far ({stream}: {result.records[stream]})")
        elif isinstance(message, dict) and message.get("type") == "LOG":
            result.source_logs.append(str((message.get("log") or {}).get("message", "")))
        if open_sink:
            try:
                sink.write(line)
            except OSError:  # BrokenPipeError: the destination has exited
                open_sink = False
    with contextlib.suppress(OSError):
        sink.close()


def _drain(stream: IO[bytes], into: list[bytes]) -> None:
    for line in stream:
        into.append(line)


def run_pipe(
    source: list[str],
    destination: list[str],
    *,
    say: Callable[[str], None],
    on_log: Callable[[str, str], None],
    cwd: Path,
    timeout: float = 600,
) -> PipeResult:
    """Run the pair; `on_log(level, message)` sees each destination log line that is not a decision."""
    started = time.monotonic()
    producer = subprocess.Popen(source, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    consumer = subprocess.Popen(
        destination, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
    )
    assert producer.stdout and producer.stderr and consumer.stdin and consumer.stdout and consumer.stderr
    result = PipeResult(source_code=-1, destination_code=-1)
    source_err: list[bytes] = []
    destination_err: list[bytes] = []
    threads = [
        threading.Thread(target=_relay, args=(producer.stdout, consumer.stdin, result, say), daemon=True),
        threading.Thread(target=_drain, args=(producer.stderr, source_err), daemon=True),
        threading.Thread(target=_drain, args=(consumer.stderr, destination_err), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for raw in consumer.stdout:
        try:
            message = loads(raw)
        except ValueError:
            on_log("RAW", raw.decode("utf-8", "replace").rstrip())
            continue
        kind = message.get("type")
        if kind == "STATE":
            result.states += 1
            stats = (message.get("state") or {}).get("destinationStats") or {}
            descriptor = ((message.get("state") or {}).get("stream") or {}).get("stream_descriptor") or {}
            say(
                f"    checkpoint {result.states}: {descriptor.get('name', 'all streams')} "
                f"({int(stats.get('recordCount') or 0)} records written or decided since the last one)"
            )
        elif kind == "LOG":
            text = str(message["log"].get("message", ""))
            level = str(message["log"].get("level", "INFO"))
            summary = json_tail(text, "summary")
            if summary is not None:
                result.summary = summary
                continue
            for event_kind in ("decision", "event"):
                payload = json_tail(text, event_kind)
                if payload is not None:
                    result.events.append((event_kind, payload))
                    break
            else:
                on_log(level, text)
        elif kind == "TRACE":
            error = (message.get("trace") or {}).get("error") or {}
            if error.get("message"):
                result.trace_errors.append(str(error["message"]))
    deadline = started + timeout
    try:
        result.destination_code = consumer.wait(timeout=max(1.0, deadline - time.monotonic()))
        result.source_code = producer.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        for process in (producer, consumer):
            process.kill()
        result.destination_code, result.source_code = consumer.wait(), producer.wait()
        result.trace_errors.append(f"the pipe did not finish within {timeout:.0f} s and was stopped")
    for thread in threads:
        thread.join(timeout=10)
    result.source_stderr = b"".join(source_err).decode("utf-8", "replace")
    result.destination_stderr = b"".join(destination_err).decode("utf-8", "replace")
    result.seconds = time.monotonic() - started
    return result
