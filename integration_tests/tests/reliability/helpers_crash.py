"""Crash harness for the reliability suite: an emulated Airbyte platform, seeded SIGKILLs, Xero read-back.

Why the platform is emulated here rather than run: what makes a crash safe or not is the contract between
the platform and the connectors, and that contract is small enough to reproduce exactly:
- the platform sits between `source read` and `destination write` and relays the source's messages;
- it persists a stream's state only when the DESTINATION emits it (after committing), per stream, and
  starts the next attempt with `source read --state <those states>`;
- it replaces the connector config with every CONNECTOR_CONFIG control message (the rotated Xero refresh
  token), so a killed attempt never leaves the next one with a dead token;
- when the source dies it closes the destination's stdin and lets it finish what it holds; when the
  destination dies it cancels the source.

Kill triggers (seeded, so a failing point replays):
- destination: at the W-th Xero write call. The sandbox holds its answer (`/__sandbox/hold`): the batch
  POST is committed, the destination is waiting for the answer, and it is killed there: the moment where
  a writer that trusts only its own memory loses track of documents Xero already holds. Why a hold and
  not a watch of the write counter: killing "soon after the count moves" lands there only on an idle
  machine; on a busy one the destination had read the answer and written on, or finished, first, so the
  kill points drifted and a chain of kills ran out of writes. Killing it while records are still arriving
  would prove nothing: the engine writes nothing until a state (or the end of input) asks it to flush.
- source: after it emitted its k-th `invoices` record. The invoices stream is checkpointed only at its end,
  so every attempt re-emits all invoices and every k up to that count is reachable in every attempt; on the
  source's death the destination writes what it received, so half-delivered syncs really reach Xero.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import requests
import simplejson
from demo import configs as demo_configs
from demo.pipe import console_script
from sandbox.launcher import RunningSandbox

WRITE_METHODS = ("POST", "PUT")
WRITE_PATHS = "/api.xro"
ATTEMPT_TIMEOUT = 900.0
HOLD_SECONDS = 120.0  # how long the sandbox keeps a held answer if the harness never releases it
WAIT_SECONDS = 5.0  # one long poll of the hold; the watcher asks again until the attempt ends


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def xero_writes(stats: dict[str, Any]) -> int:
    """Write calls the Xero emulator has answered (token calls excluded: they are not accounting writes)."""
    return sum(
        int(c["count"])
        for c in stats["calls"]
        if c["method"] in WRITE_METHODS and str(c["path"]).startswith(WRITE_PATHS)
    )


class WriteWatcher:
    """Calls `fire` while the Xero emulator holds the answer to write call number `target` (counted since
    its last reset), then lets the answer go: the kill lands mid-POST however busy the machine is.

    Made before the attempt's processes start (the hold is armed here, so no write can slip past it) and
    entered once they run."""

    def __init__(self, sandbox: RunningSandbox, target: int, fire: Callable[[], None]) -> None:
        self.sandbox = sandbox
        self.url = f"{sandbox.xero_root}/__sandbox/hold"
        self.target = target
        self.fire = fire
        self.fired_at: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._written = xero_writes(sandbox.admin("xero", "stats"))
        if self._written < target:
            rule = {
                "after": target - self._written,
                "methods": list(WRITE_METHODS),
                "path_prefix": WRITE_PATHS,
                "max_seconds": HOLD_SECONDS,
            }
            sandbox.admin("xero", "hold", rule)

    def __enter__(self) -> WriteWatcher:
        if self._written >= self.target:  # already there (nothing writes between attempts): kill at once
            self.fire()
            self.fired_at = self._written
        else:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=WAIT_SECONDS + 30)
        self.sandbox.admin("xero", "hold", {"release": True})  # unfired: disarm it for the next attempt

    def _run(self) -> None:
        with requests.Session() as http:
            while not self._stop.is_set():
                try:
                    status = http.get(self.url, params={"wait": WAIT_SECONDS}, timeout=WAIT_SECONDS + 30)
                    holding = bool(status.json().get("holding"))
                except requests.RequestException:
                    continue  # a busy sandbox: ask again rather than lose the kill point
                if holding:
                    self.fire()  # SIGKILL before the answer goes out: the victim never reads it
                    self.fired_at = self.target
                    http.post(self.url, json={"release": True}, timeout=30)
                    return


def _write_private(path: Path, value: Any) -> None:
    """Atomically, mode 0600: a config or state file is either the old one or the new one, never half."""
    temp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        simplejson.dump(value, handle, use_decimal=True)  # numbers stay numbers, exactly
    os.replace(temp, path)


@dataclass
class Attempt:
    """One `source read | destination write` attempt as the platform saw it."""

    source_code: int = -1
    destination_code: int = -1
    killed: str | None = None  # "source" | "destination" | None
    kill_at: str = ""
    records: Counter[str] = field(default_factory=Counter)
    states: int = 0
    trace_errors: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)  # every line meant for logs (secrets are scanned here)
    seconds: float = 0.0

    @property
    def completed(self) -> bool:
        return self.killed is None and self.source_code == 0 and self.destination_code == 0


@dataclass
class Kill:
    """Where to SIGKILL: `destination` at `value` Xero write calls (absolute), `source` after its
    `value`-th invoices record."""

    target: str
    value: int


class AirbytePlatform:
    """One Airbyte connection (configs, persisted states) on one sandbox."""

    def __init__(self, sandbox: RunningSandbox, workdir: Path, persist: str = "destination") -> None:
        """`persist="source"` is the broken platform of the negative control: it saves each state as the
        source emits it, before the destination has committed the records in front of it."""
        workdir.mkdir(parents=True, exist_ok=True)
        self.persist = persist
        self.sandbox = sandbox
        self.workdir = workdir
        configs = demo_configs.write_configs(sandbox.info, workdir, workdir)
        destination = loads(configs.destination.read_text(encoding="utf-8"))
        # A finished run must exit 0: the demo's deliberate rejections are checked against the reference,
        # not turned into a failed attempt the harness would rerun forever.
        destination["fail_on_rejections"] = False
        _write_private(configs.destination, destination)
        self.source_config = configs.source
        self.destination_config = configs.destination
        self.rejected = configs.rejected
        self.token_store = configs.token_store
        self.catalog = demo_configs.SOURCE_CATALOG
        self.state_path = workdir / "platform-state.json"
        self.states: dict[str, dict[str, Any]] = {}
        self.tokens: list[str] = []  # every rotated refresh token the platform received

    @property
    def refresh_token(self) -> str:
        return str(loads(self.destination_config.read_text(encoding="utf-8"))["auth"]["refresh_token"])

    def set_refresh_token(self, token: str) -> None:
        config = loads(self.destination_config.read_text(encoding="utf-8"))
        config["auth"]["refresh_token"] = token
        _write_private(self.destination_config, config)
        self.tokens.append(token)

    def secrets(self) -> list[str]:
        return [*self.sandbox.secrets(), self.sandbox.info["autotask"]["integration_code"], *self.tokens]

    def _commands(self) -> tuple[list[str], list[str]]:
        source = [console_script("source-autotask"), "read", "--config", str(self.source_config)]
        source += ["--catalog", str(self.catalog)]
        if self.states:
            source += ["--state", str(self.state_path)]
        destination = [console_script("destination-xero"), "write", "--config", str(self.destination_config)]
        return source, [*destination, "--catalog", str(self.catalog)]

    def attempt(self, kill: Kill | None = None, timeout: float = ATTEMPT_TIMEOUT) -> Attempt:
        started = time.monotonic()
        result = Attempt()
        source_cmd, destination_cmd = self._commands()
        watcher: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
        if kill is not None and kill.target == "destination":
            result.kill_at = f"{kill.value} Xero writes"
            watcher = WriteWatcher(self.sandbox, kill.value, lambda: sigkill("destination"))
        source = subprocess.Popen(
            source_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.workdir
        )
        destination = subprocess.Popen(
            destination_cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=self.workdir,
        )
        assert source.stdout and source.stderr and destination.stdin and destination.stdout
        assert destination.stderr
        lock = threading.Lock()

        def sigkill(target: str) -> None:
            with lock:
                if result.killed is not None:
                    return
                result.killed = target
                victim, other = (source, destination) if target == "source" else (destination, source)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(victim.pid, signal.SIGKILL)
                if target == "destination":  # the platform cancels the source of a failed attempt
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(other.pid, signal.SIGKILL)

        errors: list[bytes] = []
        threads = [
            threading.Thread(
                target=self._relay, args=(source.stdout, destination.stdin, result, kill, sigkill)
            ),
            threading.Thread(target=self._drain, args=(source.stderr, errors)),
            threading.Thread(target=self._drain, args=(destination.stderr, errors)),
        ]
        for thread in threads:
            thread.daemon = True
            thread.start()
        with watcher:
            self._read_destination(destination.stdout, result)
            deadline = started + timeout
            try:
                result.destination_code = destination.wait(timeout=max(1.0, deadline - time.monotonic()))
                result.source_code = source.wait(timeout=max(1.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                for process in (source, destination):
                    process.kill()
                result.destination_code, result.source_code = destination.wait(), source.wait()
                result.trace_errors.append(f"attempt did not finish within {timeout:.0f} s")
        for thread in threads:
            thread.join(timeout=30)
        result.output.extend(chunk.decode("utf-8", "replace") for chunk in errors)
        result.seconds = time.monotonic() - started
        return result

    def _relay(
        self,
        source: IO[bytes],
        sink: IO[bytes],
        result: Attempt,
        kill: Kill | None,
        sigkill: Callable[[str], None],
    ) -> None:
        """Source → destination, whole lines only (a line cut by SIGKILL is not a message)."""
        open_sink = True
        for line in source:
            if not line.endswith(b"\n"):
                break
            message = _message(line)
            if message.get("type") == "RECORD":
                stream = str(message["record"].get("stream"))
                result.records[stream] += 1
            elif message.get("type") in ("LOG", "TRACE"):
                result.output.append(line.decode("utf-8", "replace"))
            elif message.get("type") == "STATE" and self.persist == "source":
                self._save_state(message["state"])
            if open_sink:
                try:
                    sink.write(line)
                except OSError:
                    open_sink = False
            if (
                kill is not None
                and kill.target == "source"
                and result.killed is None
                and result.records["invoices"] >= kill.value
            ):
                result.kill_at = f"invoice record {kill.value}"
                sigkill("source")
                break
        with contextlib.suppress(OSError):
            sink.close()  # the destination sees the end of its input and commits what it holds
        for _ in source:  # drain whatever a dead source left in the pipe, unforwarded
            pass

    @staticmethod
    def _drain(stream: IO[bytes], into: list[bytes]) -> None:
        for line in stream:
            into.append(line)

    def _save_state(self, state: dict[str, Any]) -> None:
        name = state["stream"]["stream_descriptor"]["name"]
        self.states[name] = {"type": state["type"], "stream": state["stream"]}
        _write_private(self.state_path, list(self.states.values()))

    def _read_destination(self, stream: IO[bytes], result: Attempt) -> None:
        """What the platform does with the destination's output: persist states and rotated configs."""
        for line in stream:
            message = _message(line)
            kind = message.get("type")
            if kind == "STATE":
                if self.persist == "destination":
                    self._save_state(message["state"])
                result.states += 1
                result.output.append(line.decode("utf-8", "replace"))
            elif kind == "CONTROL":
                config = message["control"]["connectorConfig"]["config"]
                _write_private(self.destination_config, config)
                self.tokens.append(str(config["auth"]["refresh_token"]))
            else:
                result.output.append(line.decode("utf-8", "replace"))
                if kind == "TRACE":
                    error = (message.get("trace") or {}).get("error") or {}
                    if error.get("message"):
                        result.trace_errors.append(str(error["message"]))

    def finish(self, max_attempts: int = 3) -> list[Attempt]:
        """Rerun from the persisted state until an attempt completes (as the platform's retries do)."""
        attempts = []
        for _ in range(max_attempts):
            attempts.append(self.attempt())
            if attempts[-1].completed:
                break
        return attempts


def _message(line: bytes) -> dict[str, Any]:
    try:
        value = loads(line)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def leaked(texts: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """Prefixes of the secrets found in any of the texts (never the secret itself)."""
    wanted = [s for s in secrets if s and len(s) >= 6]
    found = set()
    for text in texts:
        found.update(s[:4] + "..." for s in wanted if s in text)
    return sorted(found)


# ---- Meltano -------------------------------------------------------------------------------------------
MELTANO_JOB = "autotask-to-xero"


@dataclass
class MeltanoAttempt:
    code: int = -1
    killed: bool = False
    kill_at: str = ""
    output: str = ""
    survivors: list[int] = field(default_factory=list)  # processes of the killed group still alive
    seconds: float = 0.0

    @property
    def completed(self) -> bool:
        return not self.killed and self.code == 0


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of a process group, read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = (entry / "stat").read_text(encoding="utf-8")
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


class MeltanoJob:
    """`meltano run autotask-to-xero` in the sandbox environment; state in the run folder's system db."""

    def __init__(self, sandbox: RunningSandbox, exe: Path, env: dict[str, str], repo: Path) -> None:
        self.sandbox = sandbox
        self.exe = exe
        self.env = env
        self.repo = repo
        self.token_store = Path(env["XERO_TOKEN_STORE_PATH"])

    def attempt(self, kill_at_writes: int | None = None, timeout: float = ATTEMPT_TIMEOUT) -> MeltanoAttempt:
        """One scheduled run. `--force`: the job row a SIGKILLed run leaves says RUNNING for five more
        minutes (Meltano's heartbeat window), and an operator rerunning at once must say it is stale."""
        started = time.monotonic()
        result = MeltanoAttempt()
        watcher: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
        if kill_at_writes is not None:
            result.kill_at = f"{kill_at_writes} Xero writes"
            watcher = WriteWatcher(self.sandbox, kill_at_writes, lambda: sigkill())
        process = subprocess.Popen(
            [str(self.exe), "run", "--force", MELTANO_JOB],
            cwd=self.repo,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: meltano, the tap and the target
        )

        def sigkill() -> None:
            result.killed = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        with watcher:
            try:
                out, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                sigkill()
                out, _ = process.communicate()
        result.code = process.returncode
        result.output = out.decode("utf-8", "replace")
        if result.killed:
            deadline = time.monotonic() + 10
            while (survivors := group_members(process.pid)) and time.monotonic() < deadline:
                time.sleep(0.1)
            result.survivors = survivors
        result.seconds = time.monotonic() - started
        return result

    def secrets(self) -> list[str]:
        found = [*self.sandbox.secrets(), self.sandbox.info["autotask"]["integration_code"]]
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
            found.append(str(loads(self.token_store.read_text(encoding="utf-8"))["refresh_token"]))
        return found
