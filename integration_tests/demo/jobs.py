"""The two jobs of `make demo` as a runner hands them back, and the runner that needs no Meltano.

A runner runs the forward job (Autotask -> Xero) and the payments job (Xero -> Autotask) and returns what
the connectors themselves reported: the run report each destination writes (`report_path`, one file per
job: `REPORT_FILES`), the destination's `summary` log line, its `decision`/`event` lines and the records
read per stream. `demo.cli` builds every figure from a `JobResult`, so the Meltano runner
(`demo.meltano_runner`) and the Airbyte pipe below print the same summary for the same sync.

Exit status: both runners run the connectors with the demo's committed config (`fail_on_rejections: true`),
so a job with rejections ends with status 1, as a scheduled run would (BEHAVIOR.md, "Errors, rejected
records, exit status"). `ended_on_rejections` is the one rule both apply: such an exit is the job's
documented outcome, kept in `JobResult.exit_status` for the summary, not a failure of the demo.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from connector_kit.run_report import ReportError, RunReport, load_report

from . import configs as demo_configs
from .pipe import PipeResult, console_script, run_pipe

# destination-xero's actions for a document that did not land (its retry_ledger.FAILED)
FAILED_ACTIONS = ("rejected", "not_changeable")

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
    exit_status: int = 0  # the job's own exit status (`meltano run`, or the pipe): what a scheduler sees
    rejected: int = 0  # what the destination's summary counts as not landed
    report: RunReport | None = None  # the run report the destination wrote (its `report_path`)

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


RejectionCount = Callable[[dict[str, Any] | None], int | None]
# Where each job's destination writes its run report (`report_path`), in the demo's output folder.
REPORT_FILES = {
    "forward": "report-forward.json",
    "payments": "report-payments.json",
    "second": "report-second-sync.json",
}


def report_file(output: Path, job: str) -> Path:
    return output / REPORT_FILES[job]


def read_report(path: Path) -> RunReport | None:
    """The report a job's destination wrote; None when it wrote none (the job's failure says why)."""
    try:
        return load_report(path)
    except ReportError:
        return None


def with_report_path(config: Path, report: Path, job: str) -> Path:
    """A copy of a destination config (mode 0600, beside it: it holds credentials) with `report_path`
    set, so that each job of the demo writes its own report."""
    data = json.loads(config.read_text(encoding="utf-8"))
    data["report_path"] = str(report)
    path = config.with_name(f"{config.stem}.{job}{config.suffix}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2)
    return path


def forward_rejected(summary: dict[str, Any] | None) -> int | None:
    """Documents destination-xero did not land (rejected or not changeable), from its own summary; None
    without a summary or when an organisation stopped early (that exit is not about rejections)."""
    if summary is None or any(isinstance(o, dict) and o.get("stopped") for o in summary.values()):
        return None
    total = 0
    for org in summary.values():
        if not isinstance(org, dict):
            continue
        total += int(org.get("rejected", 0))  # "(no tenant)": rejected before routing
        for per_kind in (org.get("documents") or {}).values():
            total += sum(int(per_kind.get(action, 0)) for action in FAILED_ACTIONS)
    return total


def payments_rejected(summary: dict[str, Any] | None) -> int | None:
    """Payment records destination-autotask-payments rejected, from its own summary."""
    return None if summary is None else int(summary.get("unmatched_or_rejected", 0))


def ended_on_rejections(job: JobResult, source_code: int, destination_code: int) -> bool:
    """The rule both runners apply: the source ran to its end and the destination exited 1 after logging
    a summary that counts rejections. That is `fail_on_rejections` doing what BEHAVIOR.md promises a
    scheduler (the run is failed until they are fixed), not the job breaking."""
    return source_code == 0 and destination_code == 1 and job.summary is not None and job.rejected > 0


def _pipe_failure(result: PipeResult, job: JobResult, source: str, destination: str) -> str | None:
    failures = []
    if result.source_code != 0:
        failures.append(f"{source} exited {result.source_code}: {result.source_stderr[-800:]}")
    on_rejections = ended_on_rejections(job, result.source_code, result.destination_code)
    if result.summary is None or (result.destination_code != 0 and not on_rejections):
        failures.append(
            f"{destination} exited {result.destination_code}: "
            f"{'; '.join(result.trace_errors) or result.destination_stderr[-800:]}"
        )
    return "; ".join(failures) or None


def _job_result(result: PipeResult, source: str, destination: str, count: RejectionCount) -> JobResult:
    job = JobResult(
        summary=result.summary,
        events=result.events,
        records=result.records,
        states=result.states,
        seconds=result.seconds,
        exit_status=result.source_code or result.destination_code,
        rejected=count(result.summary) or 0,
    )
    job.failure = _pipe_failure(result, job, source, destination)
    return job


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
        job = "second" if rerun else "forward"
        report = report_file(self.output, job)
        report.unlink(missing_ok=True)
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
                str(with_report_path(self.configs.destination, report, job)),
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
        done = _job_result(result, "source-autotask", "destination-xero", forward_rejected)
        done.report = read_report(report)
        return done

    def payments(self, say: Say) -> JobResult:
        catalog = str(demo_configs.PAYMENTS_CATALOG)
        report = report_file(self.output, "payments")
        report.unlink(missing_ok=True)
        config = with_report_path(self.configs.payments_destination, report, "payments")
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
                str(config),
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
        job = _job_result(result, "source-xero-payments", "destination-autotask-payments", payments_rejected)
        job.report = read_report(report)
        say(
            f"  done in {result.seconds:.1f} s: {sum(result.records.values())} records read, "
            f"{marked_paid(job)} Autotask invoice(s) marked paid, source exit {result.source_code}, "
            f"destination exit {result.destination_code}"
        )
        return job


def marked_paid(job: JobResult) -> int:
    return sum(1 for _, event in job.events if event.get("action") == "marked_paid")
