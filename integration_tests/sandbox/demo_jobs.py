"""The two jobs of `make demo` as a runner hands them back, and the runner that needs no Meltano.

A runner runs the forward job (Autotask -> Xero) and the payments job (Xero -> Autotask) and returns what
the connectors themselves reported: the destination's `summary` log line, its `decision`/`event` lines and
the records read per stream. `demo.py` builds every figure from a `JobResult`, so the Meltano runner
(`demo_meltano.py`) and the Airbyte pipe below print the same summary for the same sync.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import demo_configs
from .demo_run import PipeResult, console_script, run_pipe

Say = Callable[[str], None]
SHOWN_WARNINGS = 6


@dataclass
class JobResult:
    """One job's outcome. `failure` is None when the job ran to its end (rejected documents included)."""

    summary: dict[str, Any] | None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # ("decision"|"event", payload)
    records: Counter[str] = field(default_factory=Counter)
    states: int = 0
    seconds: float = 0.0
    failure: str | None = None
    state_resumed: bool | None = None  # Meltano only: the run started from the previous run's state

    def decisions(self) -> list[dict[str, Any]]:
        return [payload for kind, payload in self.events if kind == "decision"]


class Runner(Protocol):
    name: str

    def forward_heading(self, rerun: bool) -> str: ...

    def payments_heading(self) -> str: ...

    def forward(self, say: Say, rerun: bool) -> JobResult: ...

    def payments(self, say: Say) -> JobResult: ...


class WarningRelay:
    """Shows the first few warnings of a job as they come and counts the rest (all are in the summary)."""

    def __init__(self, say: Say, prefix: str) -> None:
        self.say, self.prefix = say, prefix
        self.shown = self.hidden = 0

    def __call__(self, text: str) -> None:
        if self.shown < SHOWN_WARNINGS:
            self.say(f"    {self.prefix}{text}")
            self.shown += 1
        else:
            self.hidden += 1

    def close(self) -> None:
        if self.hidden:
            self.say(f"    ... and {self.hidden} more warnings (all in the summary below)")


def _pipe_failure(result: PipeResult, source: str, destination: str) -> str | None:
    """A destination exit of 1 with its rejection trace is the documented 'done, with rejections' outcome."""
    failures = []
    if result.source_code != 0:
        failures.append(f"{source} exited {result.source_code}: {result.source_stderr[-800:]}")
    rejected_only = (
        result.destination_code == 1
        and bool(result.trace_errors)
        and all("rejected" in t for t in result.trace_errors)
    )
    if result.summary is None or (result.destination_code != 0 and not rejected_only):
        failures.append(
            f"{destination} exited {result.destination_code}: "
            f"{'; '.join(result.trace_errors) or result.destination_stderr[-800:]}"
        )
    return "; ".join(failures) or None


def _job_result(result: PipeResult, source: str, destination: str) -> JobResult:
    return JobResult(
        summary=result.summary,
        events=result.events,
        records=result.records,
        states=result.states,
        seconds=result.seconds,
        failure=_pipe_failure(result, source, destination),
    )


class AirbyteRunner:
    """`<source> read | <destination> write` with the connectors' Airbyte CLIs, watched from the middle."""

    name = "airbyte"

    def __init__(self, configs: demo_configs.DemoConfigs, output: Path) -> None:
        self.configs = configs
        self.output = output

    def forward_heading(self, rerun: bool) -> str:
        return "source-autotask read | destination-xero write"

    def payments_heading(self) -> str:
        return "source-xero-payments read | destination-autotask-payments write"

    def forward(self, say: Say, rerun: bool) -> JobResult:
        relay = WarningRelay(say, "destination ")

        def on_log(level: str, message: str) -> None:
            if level in ("WARN", "WARNING", "ERROR", "FATAL", "RAW"):
                relay(f"{level.lower()}: {message}")

        catalog = str(demo_configs.SOURCE_CATALOG)
        result = run_pipe(
            [
                console_script("source-autotask"),
                "read",
                "--config",
                str(self.configs.source),
                "--catalog",
                catalog,
            ],
            [
                console_script("destination-xero"),
                "write",
                "--config",
                str(self.configs.destination),
                "--catalog",
                catalog,
            ],
            say=say,
            on_log=on_log,
            cwd=self.output,
        )
        relay.close()
        say(
            f"  done in {result.seconds:.1f} s: {sum(result.records.values())} records read, "
            f"{result.states} checkpoints, source exit {result.source_code}, "
            f"destination exit {result.destination_code}"
        )
        return _job_result(result, "source-autotask", "destination-xero")

    def payments(self, say: Say) -> JobResult:
        catalog = str(demo_configs.PAYMENTS_CATALOG)
        result = run_pipe(
            [
                console_script("source-xero-payments"),
                "read",
                "--config",
                str(self.configs.payments_source),
                "--catalog",
                catalog,
            ],
            [
                console_script("destination-autotask-payments"),
                "write",
                "--config",
                str(self.configs.payments_destination),
                "--catalog",
                catalog,
            ],
            say=say,
            on_log=lambda level, message: (
                say(f"    {level.lower()}: {message}")
                if level in ("WARN", "WARNING", "ERROR", "FATAL")
                else None
            ),
            cwd=self.output,
        )
        job = _job_result(result, "source-xero-payments", "destination-autotask-payments")
        if result.destination_code != 0 and job.failure is None:
            job.failure = f"destination-autotask-payments exited {result.destination_code}"
        say(
            f"  done in {result.seconds:.1f} s: {sum(result.records.values())} records read, "
            f"{marked_paid(job)} Autotask invoice(s) marked paid, source exit {result.source_code}, "
            f"destination exit {result.destination_code}"
        )
        return job


def marked_paid(job: JobResult) -> int:
    return sum(1 for _, event in job.events if event.get("action") == "marked_paid")
