"""Run connector CLIs as real processes and measure each one: CPU seconds, peak RSS, exit code, wall time.

The pipe is an OS pipe straight from the source's stdout into the destination's stdin, so nothing of ours
sits in the data path; only the destination's own output (STATE messages, the `summary` log line) is read.
Every measured program runs under `exec_probe.py` (its docstring says why): the probe reaps it with
`wait4`, so CPU time and peak RSS are exactly the program's own, never the benchmark's memory at fork. Each
probe leads a process group of its own, so a run past its timeout is killed with everything it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sandbox.jsonmoney import loads

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PYCACHE = Path(tempfile.gettempdir()) / "autotask-xero-bench-pycache"
PROBE = Path(__file__).resolve().with_name("exec_probe.py")


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
    wall_seconds: float = 0.0


@dataclass
class Probed:
    """A program started under the exec probe: its Popen (the probe's), report file and start time."""

    process: subprocess.Popen[bytes]
    report: Path
    started: float

    def kill(self) -> None:
        """SIGKILL the probe's whole process group (the probe and the program it exec'd)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def probed_command(command: list[str], report: Path) -> list[str]:
    """`command` under the probe: a fresh `python -I -S` (no site-packages, about 9 MB)."""
    return [sys.executable, "-I", "-S", str(PROBE), str(report), *command]


def spawn(command: list[str], workdir: Path, **popen: Any) -> Probed:
    """Start `command` under the probe, in a new session (its own process group)."""
    fd, name = tempfile.mkstemp(prefix="probe-", suffix=".txt", dir=workdir)
    os.close(fd)
    report = Path(name)
    started = time.monotonic()
    process = subprocess.Popen(probed_command(command, report), start_new_session=True, **popen)
    return Probed(process, report, started)


def parse_report(text: str) -> tuple[int, float, float]:
    """(exit code, CPU seconds, peak RSS MB) from a probe's report line."""
    maxrss, user, system, status = text.split()
    return os.waitstatus_to_exitcode(int(status)), float(user) + float(system), int(maxrss) / 1024


def reap(probed: Probed, name: str, stderr: list[bytes] | None = None) -> ProcessResult:
    """Wait for the probe; the figures are the program's, from the probe's report. A probe that left no
    report (killed itself) gives its own exit code and zero figures rather than the wrong ones."""
    code = probed.process.wait()
    wall = time.monotonic() - probed.started
    try:
        text = probed.report.read_text(encoding="ascii")
        exit_code, cpu, rss = parse_report(text)
    except (OSError, ValueError):
        exit_code, cpu, rss = code, 0.0, 0.0
    finally:
        probed.report.unlink(missing_ok=True)
    tail = b"".join(stderr or []).decode("utf-8", "replace")[-2000:]
    return ProcessResult(name, exit_code, cpu, rss, tail, wall)


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


def _drain(stream: IO[bytes], into: list[bytes]) -> None:
    for line in stream:
        into.append(line)
        if len(into) > 400:
            del into[:200]


def _watchdog(processes: list[Probed], timeout: float, done: threading.Event) -> None:
    if not done.wait(timeout):
        for probed in processes:
            probed.kill()


def summary_in(text: str) -> dict[str, Any] | None:
    """The destination's `summary {...}` log line, in a line of any logging format (Airbyte LOG message
    text, or singer-sdk's stderr line)."""
    at = text.find("summary {")
    if at < 0:
        return None
    body = text[at + len("summary ") :].strip()
    try:
        found = loads(body)
    except ValueError:
        end = body.rfind("}")
        try:
            found = loads(body[: end + 1]) if end > 0 else None
        except ValueError:
            return None
    return found if isinstance(found, dict) else None


def _read_messages(stdout: IO[bytes], run: PipeRun) -> None:
    """The destination's stdout: Airbyte STATE / LOG / TRACE messages, or Singer STATE messages."""
    for raw in stdout:
        if b'"STATE"' not in raw and b"summary" not in raw and b'"TRACE"' not in raw:
            continue  # decisions and progress logs: not needed, not parsed
        try:
            message = loads(raw)
        except ValueError:
            continue
        kind = message.get("type")
        if kind == "STATE":
            run.states.append(message.get("state") or message.get("value") or {})
        elif kind == "LOG":
            found = summary_in(str(message["log"].get("message", "")))
            if found is not None:
                run.summary = found
        elif kind == "TRACE":
            error = (message.get("trace") or {}).get("error") or {}
            if error.get("message"):
                run.trace_errors.append(str(error["message"]))


def run_pipe(source: list[str], destination: list[str], cwd: Path, timeout: float = 1800) -> PipeRun:
    """`source | destination`; a run past `timeout` is killed (and its non-zero exit says so)."""
    started = time.monotonic()
    env = connector_env()
    with tempfile.TemporaryDirectory(prefix="bench-probe-") as reports:
        producer = spawn(
            source, Path(reports), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env
        )
        out = producer.process.stdout
        assert out is not None and producer.process.stderr is not None
        try:
            consumer = spawn(
                destination,
                Path(reports),
                stdin=out,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd=cwd,
                env=env,
            )
        except BaseException:
            producer.kill()
            raise
        out.close()  # the destination holds the read end; EOF reaches it when the source exits
        assert consumer.process.stdout is not None and consumer.process.stderr is not None
        errors: tuple[list[bytes], list[bytes]] = ([], [])
        drains = [
            threading.Thread(target=_drain, args=(producer.process.stderr, errors[0]), daemon=True),
            threading.Thread(target=_drain, args=(consumer.process.stderr, errors[1]), daemon=True),
        ]
        done = threading.Event()
        threading.Thread(target=_watchdog, args=([producer, consumer], timeout, done), daemon=True).start()
        for thread in drains:
            thread.start()
        run = PipeRun(ProcessResult("source", -1, 0.0, 0.0), ProcessResult("destination", -1, 0.0, 0.0), 0.0)
        try:
            _read_messages(consumer.process.stdout, run)
            run.destination = reap(consumer, "destination")
            run.source = reap(producer, "source")
        except BaseException:
            producer.kill()
            consumer.kill()
            raise
        finally:
            done.set()
        for thread in drains:
            thread.join(timeout=10)
    run.source.stderr_tail = b"".join(errors[0]).decode("utf-8", "replace")[-2000:]
    run.destination.stderr_tail = b"".join(errors[1]).decode("utf-8", "replace")[-2000:]
    if run.summary is None:  # Singer: the summary is a log line on stderr
        for line in reversed(errors[1]):
            found = summary_in(line.decode("utf-8", "replace"))
            if found is not None:
                run.summary = found
                break
    run.wall_seconds = time.monotonic() - started
    return run


@dataclass
class AloneRun:
    """One process with its stdout read and thrown away (kept only up to `keep` lines)."""

    result: ProcessResult
    lines: int
    first_record_seconds: float | None  # spawn to its first RECORD message on stdout
    kept: list[bytes] = field(default_factory=list)


def run_alone(
    command: list[str],
    cwd: Path,
    timeout: float = 3600,
    keep: int = 0,
    stop: Callable[[bytes], bool] | None = None,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
) -> AloneRun:
    """Run `command` to its end (or until `stop(line)` says enough, then kill it), counting its output
    lines, keeping the first `keep` and timing its first RECORD."""
    with tempfile.TemporaryDirectory(prefix="bench-probe-") as reports:
        probed = spawn(
            command,
            Path(reports),
            stdin=stdin,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=connector_env(),
        )
        process = probed.process
        assert process.stdout is not None and process.stderr is not None
        errors: list[bytes] = []
        drain = threading.Thread(target=_drain, args=(process.stderr, errors), daemon=True)
        drain.start()
        done = threading.Event()
        threading.Thread(target=_watchdog, args=([probed], timeout, done), daemon=True).start()
        lines, first = 0, None
        kept: list[bytes] = []
        try:
            for raw in process.stdout:
                lines += 1
                if first is None and b'"RECORD"' in raw:
                    first = time.monotonic() - probed.started
                if len(kept) < keep:
                    kept.append(raw)
                if stop is not None and stop(raw):
                    probed.kill()
                    break
            result = reap(probed, Path(command[0]).name)
        except BaseException:
            probed.kill()
            raise
        finally:
            done.set()
        drain.join(timeout=10)
    result.stderr_tail = b"".join(errors).decode("utf-8", "replace")[-2000:]
    return AloneRun(result, lines, first, kept)


def state_file(states: list[dict[str, Any]], path: Path) -> Path:
    """The Airbyte `--state` input for the next run: the last STATE per stream, as the platform keeps it."""
    from sandbox import jsonmoney

    latest: dict[str, dict[str, Any]] = {}
    for state in states:
        descriptor = (state.get("stream") or {}).get("stream_descriptor") or {}
        latest[str(descriptor.get("name", ""))] = {
            "type": state.get("type", "STATE"),
            "stream": state.get("stream"),
        }
    path.write_text(jsonmoney.dumps(list(latest.values()), default=str), encoding="utf-8")
    return path
