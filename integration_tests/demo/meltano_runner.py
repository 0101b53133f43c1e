"""The demo's default runner: `meltano run autotask-to-xero` and `meltano run xero-payments-to-autotask`.

Meltano runs from its cached virtualenv with the repository's meltano.yml (environment `sandbox`), the
settings of `integration_tests/meltano/sandbox_env.py` and the demo's own paths (token store, rejected
records, start dates, and each job's run report: `jobs.REPORT_FILES`), so both runners sync the same
documents.

Figures: Meltano is run with `--log-format=json`, one JSON object per line; a plugin's own log lines come
through with `name` (the plugin) and `event` (its message). The targets' `summary {...}`, `decision {...}`
and `event {...}` lines are the same ones the Airbyte runner reads off the pipe, so the figures are still
the connectors' own. Progress: Meltano's milestones (discovery, state, completion), each stream the tap
begins and its record count, a line every 50 target decisions, and the first few rejections; Meltano's
debug detail is not relayed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sandbox.jsonmoney import loads

from . import configs as demo_configs
from . import meltano_env
from .jobs import (
    JobResult,
    RejectionCount,
    Say,
    WarningRelay,
    ended_on_rejections,
    forward_rejected,
    marked_paid,
    payments_rejected,
    read_report,
    report_file,
)
from .pipe import json_tail

PROGRESS_EVERY = 50
MAX_SHOWN = 200  # characters of a relayed line; the full text is in the rejected-records file
JOB_TIMEOUT = 900
FORWARD_JOB = "autotask-to-xero"
PAYMENTS_JOB = "xero-payments-to-autotask"
_MILESTONES = (
    "Running catalog discovery",
    "Reading state from",
    "No state was found",
    "Incremental state has been updated",
    "Run completed",
)
_PAYLOAD_KINDS = ("summary", "decision", "event")


class MeltanoOutput:
    """Reads Meltano's JSON log lines into a `JobResult`, relaying the lines that show progress."""

    def __init__(self, say: Say, tap: str, target: str, unit: str = "documents decided") -> None:
        self.say, self.tap, self.target, self.unit = say, tap, target, unit
        self.result = JobResult(summary=None)
        self.warnings = WarningRelay(say, f"{target}: ")
        self.actions: Counter[str] = Counter()
        self.errors: list[str] = []
        self.read_state = False
        self.no_state = False
        self.exit_codes: dict[str, int] = {}  # Meltano's "Block run completed": {"loaders": 1}, ...

    def feed(self, raw: str) -> None:
        line = raw.strip()
        if not line:
            return
        try:
            entry = loads(line)
        except ValueError:
            entry = None
        if not isinstance(entry, dict):
            self.errors.append(line)
            self.warnings(line)
            return
        message = str(entry.get("event", ""))
        level = str(entry.get("level", "info"))
        plugin = entry.get("name")
        if plugin is None:
            self._block_exit_codes(entry)
            self._meltano(level, message)
        elif plugin == self.target:
            self._target(message)
        elif plugin == self.tap:
            self._tap(message)
        if level in ("error", "critical") or entry.get("plugin_exception"):
            self.errors.append(f"{plugin or 'meltano'}: {message}")

    def _block_exit_codes(self, entry: dict[str, Any]) -> None:
        """Which plugin ended the block, and how: the loader's own status is what the rule is about."""
        codes = entry.get("exit_codes")
        if str(entry.get("event", "")) == "Block run completed" and isinstance(codes, dict):
            self.exit_codes = {str(k): int(v) for k, v in codes.items() if isinstance(v, int)}

    def _meltano(self, level: str, message: str) -> None:
        if message.startswith("Reading state from"):
            self.read_state = True
        elif message.startswith("No state was found"):
            self.no_state = True
        elif message.startswith("Incremental state has been updated"):
            self.result.states += 1
        if message.startswith(_MILESTONES) or level in ("warning", "error", "critical"):
            self.say(f"    meltano: {_cut(message)}")

    def _tap(self, message: str) -> None:
        if message.startswith("Beginning sync of "):
            self.say(f"    {self.tap}: {message.lower()}")
            return
        metric = json_tail(message, "METRIC:")
        if metric and metric.get("metric") == "record_count":
            stream = str((metric.get("tags") or {}).get("stream"))
            self.result.records[stream] += int(metric.get("value") or 0)
            self.say(f"    {self.tap}: {self.result.records[stream]} {stream} records read")

    def _target(self, message: str) -> None:
        for kind in _PAYLOAD_KINDS:
            payload = json_tail(message, kind)
            if payload is None:
                continue
            if kind == "summary":
                self.result.summary = payload
                return
            self.result.events.append((kind, payload))
            self.actions[str(payload.get("action"))] += 1
            total = sum(self.actions.values())
            if total % PROGRESS_EVERY == 0:
                shown = ", ".join(f"{action} {n}" for action, n in self.actions.most_common())
                self.say(f"    {self.target}: {total} {self.unit} so far ({shown})")
            return
        if message.startswith("rejected ") or "error" in message.lower() or "Traceback" in message:
            self.warnings(_cut(message))

    def finish(
        self, code: int, seconds: float, job: str, count: RejectionCount = forward_rejected
    ) -> JobResult:
        self.warnings.close()
        result = self.result
        result.seconds = seconds
        result.state_resumed = self.read_state and not self.no_state
        result.exit_status = code
        result.rejected = count(result.summary) or 0
        tap_code = self.exit_codes.get("extractors", 0)
        loader_code = self.exit_codes.get("loaders", 0 if code == 0 else -1)
        if code != 0 and ended_on_rejections(result, tap_code, loader_code):
            return result  # the target's rejections, reported as the job's exit status
        if code != 0:
            detail = "; ".join(self.errors[-5:]) or "no error message"
            result.failure = f"meltano run {job} exited {code}: {detail[-1500:]}"
        elif result.summary is None:
            result.failure = f"meltano run {job}: {self.target} logged no summary"
        return result


def _cut(message: str) -> str:
    """A relayed line as a terminal shows it: at most MAX_SHOWN characters (the full text is in the file)."""
    return message if len(message) <= MAX_SHOWN else message[: MAX_SHOWN - 1] + "…"


class MeltanoRunner:
    """Runs the meltano.yml jobs against the demo's sandbox (`base_env`: `meltano_env.meltano_project`)."""

    name = "meltano"

    def __init__(
        self,
        exe: Path,
        base_env: dict[str, str],
        info: dict[str, Any],
        configs: demo_configs.DemoConfigs,
        workdir: Path,
        output: Path | None = None,
    ) -> None:
        self.exe = exe
        self.output = output or workdir  # where the targets write their run reports
        self.env = {
            **base_env,
            **meltano_env.sandbox_settings(info, workdir),
            # The demo's own paths and start dates, identical to the Airbyte runner's configs.
            "XERO_TOKEN_STORE_PATH": str(configs.token_store),
            "TARGET_XERO_REJECTED_RECORDS_PATH": str(configs.rejected),
            "TARGET_AUTOTASK_PAYMENTS_REJECTED_RECORDS_PATH": str(configs.payments_rejected),
            "TAP_AUTOTASK_START_DATE": demo_configs.START_DATE,
            "TAP_AUTOTASK_INVOICE_PDFS": "true",  # attached in Xero by the US organisation's mapping
            "TAP_XERO_PAYMENTS_START_DATE": demo_configs.START_DATE[:10],
            "TARGET_AUTOTASK_PAYMENTS_FAIL_ON_REJECTIONS": "true",
        }
        # `fail_on_rejections` comes from the committed mapping (true), as for the Airbyte runner: a job
        # with rejections ends with the status a scheduler would see (sandbox_env.py turns it off for
        # the Meltano tests, which assert every `meltano run` exits 0).
        self.env.pop("TARGET_XERO_FAIL_ON_REJECTIONS", None)

    def forward_heading(self, rerun: bool) -> str:
        return f"meltano run {'--full-refresh ' if rerun else ''}{FORWARD_JOB}"

    def payments_heading(self) -> str:
        return f"meltano run {PAYMENTS_JOB}"

    def forward(self, say: Say, rerun: bool) -> JobResult:
        """The rerun ignores the saved state (`--full-refresh`): everything is re-read from Autotask, the
        hardest case for duplicates."""
        args = ["--full-refresh", FORWARD_JOB] if rerun else [FORWARD_JOB]
        report = report_file(self.output, "second" if rerun else "forward")
        report.unlink(missing_ok=True)
        output = MeltanoOutput(say, "tap-autotask", "target-xero")
        result = self._run(args, output, FORWARD_JOB, env={"TARGET_XERO_REPORT_PATH": str(report)})
        result.report = read_report(report)
        decided = len(result.events)
        say(
            f"  done in {result.seconds:.1f} s: {sum(result.records.values())} records read, {decided} "
            f"documents decided (unchanged ones are not listed), {result.states} state update(s), "
            f"exit {result.exit_status}" + (f"; FAILED: {result.failure}" if result.failure else "")
        )
        return result

    def payments(self, say: Say) -> JobResult:
        output = MeltanoOutput(say, "tap-xero-payments", "target-autotask-payments", "invoices checked")
        report = report_file(self.output, "payments")
        report.unlink(missing_ok=True)
        env = {"TARGET_AUTOTASK_PAYMENTS_REPORT_PATH": str(report)}
        result = self._run([PAYMENTS_JOB], output, PAYMENTS_JOB, payments_rejected, env)
        result.report = read_report(report)
        say(
            f"  done in {result.seconds:.1f} s: {sum(result.records.values())} records read, "
            f"{marked_paid(result)} Autotask invoice(s) marked paid, exit {result.exit_status}"
            + (f"; FAILED: {result.failure}" if result.failure else "")
        )
        return result

    def _run(
        self,
        args: list[str],
        output: MeltanoOutput,
        job: str,
        count: RejectionCount = forward_rejected,
        env: dict[str, str] | None = None,
    ) -> JobResult:
        started = time.monotonic()
        command = [str(self.exe), "--log-format=json", "run", *args]
        process = subprocess.Popen(
            command,
            cwd=meltano_env.REPO_ROOT,
            env={**self.env, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: a timeout stops the plugins too
        )
        timer = threading.Timer(JOB_TIMEOUT, _stop, args=(process,))
        timer.start()
        try:
            assert process.stdout is not None
            for line in process.stdout:
                output.feed(line)
            code = process.wait()
        finally:
            timer.cancel()
            if process.poll() is None:
                _stop(process)
        if code != 0 and time.monotonic() - started >= JOB_TIMEOUT:
            output.errors.append(f"stopped after {JOB_TIMEOUT} s")
        return output.finish(code, time.monotonic() - started, job, count)


def _stop(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
