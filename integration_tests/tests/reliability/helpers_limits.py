"""What the tokens and vendor-limits scenarios need beyond helpers_sync: pipes whose every message is kept,
a second consent for the auditor, the sandbox clock as a lever, and another client spending quota.

Why a pipe runner of its own: the day-limit scenario must feed the next run exactly the states the
destination passed on (helpers_sync's runs keep only their count), and the failure scenarios scan every
line either process wrote for secrets and tracebacks.
Why the auditor has its own consent (its own refresh-token family and token store): the scenarios break
or race the connectors' token chain on purpose, and reading Xero back must neither depend on that chain
nor move it.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from demo import configs as demo_configs
from demo import payments as demo_payments
from demo.pipe import console_script
from reliability.helpers_sync import DemoConfigs, XeroDoc
from sandbox.jsonmoney import loads
from sandbox.launcher import RunningSandbox
from xero_client.scopes import XERO_AUTH_SCOPES

REPO = Path(__file__).resolve().parents[3]
CALLBACK = "http://127.0.0.1:9/callback"
CONSENT_SCOPE = XERO_AUTH_SCOPES  # what `xero-auth` asks for: granular, as the default (new) app requires
TRACEBACK = "Traceback (most recent call last)"


# ---- running a pair and keeping everything it said -------------------------------------------------------
@dataclass
class Piped:
    source_code: int
    destination_code: int
    messages: list[dict[str, Any]]  # the destination's stdout, parsed (exact decimals)
    source_stderr: str
    destination_stderr: str
    stdout: str
    seconds: float

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == kind]

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["state"] for m in self.of("STATE")]

    @property
    def trace_errors(self) -> list[str]:
        return [
            str(((m.get("trace") or {}).get("error") or {}).get("message") or "")
            for m in self.of("TRACE")
            if (m.get("trace") or {}).get("type") == "ERROR"
        ]

    @property
    def logs(self) -> list[str]:
        return [str((m.get("log") or {}).get("message") or "") for m in self.of("LOG")]

    @property
    def summary(self) -> dict[str, Any] | None:
        for line in self.logs:
            if line.startswith("summary "):
                value = loads(line[len("summary ") :])
                return value if isinstance(value, dict) else None
        return None

    @property
    def decisions(self) -> list[dict[str, Any]]:
        found = []
        for line in self.logs:
            if line.startswith("decision "):
                value = loads(line[len("decision ") :])
                if isinstance(value, dict):
                    found.append(value)
        return found

    def everything(self) -> str:
        """Every byte both processes wrote."""
        return "\n".join((self.stdout, self.source_stderr, self.destination_stderr))

    def visible(self) -> str:
        """What a person reads: both stderrs, every message except CONTROL (the config the platform stores
        in its secret store, secrets included by design), TRACE errors by their message. Left out: the
        stack trace the Airbyte CDK attaches to every traced error (`stack_trace`, and the FATAL log line
        repeating it), the protocol's channel for debugging rather than a crash."""
        parts = [self.source_stderr, self.destination_stderr]
        for message in self.messages:
            kind = message.get("type")
            if kind == "CONTROL":
                continue
            if kind == "TRACE":
                parts.append(str(((message.get("trace") or {}).get("error") or {}).get("message") or ""))
            elif kind == "LOG" and (message.get("log") or {}).get("level") == "FATAL":
                parts.append(str(message["log"].get("message", "")).split(TRACEBACK)[0])
            else:
                parts.append(json.dumps(message, default=str))
        return "\n".join(parts)


def pipe(producer: list[str], consumer: list[str], timeout: float = 600.0) -> Piped:
    """`producer | consumer` as two real processes joined by an OS pipe, as a platform runs them."""
    started = time.monotonic()
    src = subprocess.Popen(producer, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    dst = subprocess.Popen(
        consumer, stdin=src.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO
    )
    assert src.stdout is not None and src.stderr is not None
    src.stdout.close()  # the consumer holds the only read end: the producer sees EPIPE if it dies
    src_err: list[bytes] = []
    drain = threading.Thread(
        target=lambda: src_err.append(src.stderr.read() if src.stderr else b""), daemon=True
    )
    drain.start()
    try:
        out, err = dst.communicate(timeout=timeout)
        src.wait(timeout=60)
    finally:
        for proc in (src, dst):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    drain.join(timeout=10)
    text = out.decode("utf-8", "replace")
    messages = []
    for line in text.splitlines():
        try:
            value = loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            messages.append(value)
    return Piped(
        source_code=src.returncode,
        destination_code=dst.returncode,
        messages=messages,
        source_stderr=b"".join(src_err).decode("utf-8", "replace"),
        destination_stderr=err.decode("utf-8", "replace"),
        stdout=text,
        seconds=time.monotonic() - started,
    )


def forward(configs: DemoConfigs, state: Path | None = None) -> Piped:
    """`source-autotask read [--state S] | destination-xero write`, configured like `make demo`."""
    catalog = str(demo_configs.SOURCE_CATALOG)
    read = [console_script("source-autotask"), "read", "--config", str(configs.source), "--catalog", catalog]
    if state is not None:
        read += ["--state", str(state)]
    write = [
        console_script("destination-xero"),
        "write",
        "--config",
        str(configs.destination),
        "--catalog",
        catalog,
    ]
    return pipe(read, write)


def payments(configs: DemoConfigs) -> Piped:
    """`source-xero-payments read | destination-autotask-payments write`, configured like `make demo`."""
    catalog = str(demo_configs.PAYMENTS_CATALOG)
    return pipe(
        [
            console_script("source-xero-payments"),
            "read",
            "--config",
            str(configs.payments_source),
            "--catalog",
            catalog,
        ],
        [
            console_script("destination-autotask-payments"),
            "write",
            "--config",
            str(configs.payments_destination),
            "--catalog",
            catalog,
        ],
    )


def finished(run: Piped) -> bool:
    """Both sides ended well; a destination exit of 1 whose only error is the rejection count is the
    documented "done, with rejections" (the demo data holds deliberate problems)."""
    rejected_only = (
        run.destination_code == 1 and all("rejected" in t for t in run.trace_errors) and run.trace_errors
    )
    return (
        run.source_code == 0
        and (run.destination_code == 0 or bool(rejected_only))
        and run.summary is not None
    )


def last_states(run: Piped) -> list[dict[str, Any]]:
    """The destination's passed-on states as a `--state` file holds them: the latest per stream."""
    latest: dict[str, dict[str, Any]] = {}
    for state in run.states:
        descriptor = (state.get("stream") or {}).get("stream_descriptor") or {}
        latest[str(descriptor.get("name"))] = {k: v for k, v in state.items() if k in ("type", "stream")}
    return list(latest.values())


def leaked(text: str, secrets: list[str]) -> list[str]:
    """The secrets found in `text`, shown by their first 4 characters only."""
    return [s[:4] + "..." for s in secrets if s and len(s) >= 6 and s in text]


# ---- documents the run said it wrote -------------------------------------------------------------------
DOC_KINDS = {
    "invoice": "ACCREC",
    "credit_note": "credit_note:ACCRECCREDIT",
    "purchase_order": "purchase_order",
}
DocId = tuple[str, str, str]  # (organisation name, helpers_sync kind, business key)


def written(decisions: list[dict[str, Any]], tenants: dict[str, str]) -> set[DocId]:
    """The invoices, credit notes and purchase orders a run created or updated, by organisation name
    (`tenants`: tenant id -> name), in helpers_sync's document kinds."""
    return {
        (tenants[str(d["tenant_id"])], DOC_KINDS[str(d["kind"])], str(d["key"]))
        for d in decisions
        if d.get("action") in ("create", "update") and d.get("kind") in DOC_KINDS
    }


def landed(wanted: set[DocId], docs: list[XeroDoc]) -> tuple[list[DocId], list[DocId]]:
    """(missing, duplicated) among `wanted`: each must be in Xero exactly once."""
    held = Counter((d.tenant, d.kind, d.key) for d in docs)
    return sorted(k for k in wanted if held[k] == 0), sorted(k for k in wanted if held[k] > 1)


# ---- tokens ----------------------------------------------------------------------------------------------
def consent(running: RunningSandbox, scope: str = CONSENT_SCOPE) -> str:
    """A refresh token from a new consent (authorization code flow), as `xero-auth` obtains one: a new
    token family, and every organisation (re)connected to the app."""
    xero = running.xero
    identity = str(xero["identity_url"]).rstrip("/")
    with requests.Session() as session:
        answer = session.get(
            f"{identity}/connect/authorize",
            params={
                "response_type": "code",
                "client_id": xero["client_id"],
                "redirect_uri": CALLBACK,
                "scope": scope,
                "state": "reliability",
            },
            allow_redirects=False,
            timeout=30,
        )
        assert answer.status_code == 302, answer.text[:300]
        code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
        token = session.post(
            f"{identity}/connect/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
            auth=(xero["client_id"], xero["client_secret"]),
            timeout=30,
        )
        assert token.status_code == 200, token.text[:300]
        return str(token.json()["refresh_token"])


def write_store(path: Path, refresh_token: str) -> Path:
    """A token store file in the connectors' format (what `xero-auth` writes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"refresh_token": refresh_token}), encoding="utf-8")
    path.chmod(0o600)
    return path


def stored(path: Path) -> str:
    return str(json.loads(path.read_text(encoding="utf-8"))["refresh_token"])


def refresh(running: RunningSandbox, refresh_token: str) -> requests.Response:
    """One refresh-token grant, outside any connector (a rotation somebody else did)."""
    xero = running.xero
    return requests.post(
        f"{str(xero['identity_url']).rstrip('/')}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(xero["client_id"], xero["client_secret"]),
        timeout=30,
    )


def auditor_store(running: RunningSandbox, workdir: Path) -> Path:
    """The auditor's own token store, from its own consent (helpers_sync.xero_documents reads with it). The
    auditor is also the person who records payments in Xero, so its consent adds `accounting.payments`."""
    return write_store(
        workdir / "auditor-token.json", consent(running, f"{CONSENT_SCOPE} accounting.payments")
    )


def auditor_token(running: RunningSandbox, store: Path) -> str:
    with requests.Session() as session:
        return demo_payments.access_token(running.xero, store, session)


def connections(running: RunningSandbox, access_token: str) -> list[dict[str, Any]]:
    response = requests.get(
        f"{str(running.xero['identity_url']).rstrip('/')}/connections",
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
        timeout=30,
    )
    response.raise_for_status()
    return list(response.json())


def disconnect(running: RunningSandbox, access_token: str, tenant_id: str) -> None:
    """`DELETE /connections/{id}`: the organisation is disconnected from the app, for every token of it."""
    (found,) = [c for c in connections(running, access_token) if c["tenantId"] == tenant_id]
    response = requests.delete(
        f"{str(running.xero['identity_url']).rstrip('/')}/connections/{found['id']}",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=30,
    )
    assert response.status_code == 204, response.text[:300]


def revoke(running: RunningSandbox, refresh_token: str) -> None:
    """`POST /connect/revocation`: the token's whole family dies (and the connections its consent made)."""
    xero = running.xero
    response = requests.post(
        f"{str(xero['identity_url']).rstrip('/')}/connect/revocation",
        data={"token": refresh_token},
        auth=(xero["client_id"], xero["client_secret"]),
        timeout=30,
    )
    assert response.status_code == 200, response.text[:300]


# ---- the sandbox's own counters and clock ------------------------------------------------------------------
def calls(running: RunningSandbox, api: str) -> Counter[tuple[str, str, int]]:
    """(method, path template, status) -> count, as the emulator recorded them."""
    found: Counter[tuple[str, str, int]] = Counter()
    for call in running.admin(api, "stats")["calls"]:
        found[(str(call["method"]), str(call["path"]), int(call["status"]))] += int(call["count"])
    return found


def count(found: Counter[tuple[str, str, int]], *, path: str | None = None, status: int | None = None) -> int:
    return sum(
        n
        for (_, p, s), n in found.items()
        if (path is None or p.startswith(path)) and (status is None or s == status)
    )


def advance(running: RunningSandbox, seconds: float) -> None:
    """Both emulators share one clock: tokens, grace windows and every rate window move together."""
    running.admin("xero", "clock", {"advance_seconds": seconds})


@dataclass
class ClockTicker:
    """Moves the sandbox clock on while a sync runs, so a sync of seconds spans many token lifetimes (the
    connectors' own clocks do not move: the sandbox is the one that says a token expired).

    `per_call` seconds after every Xero call make the span a function of the calls made, not of how fast
    the machine is. `step` seconds every `every` wall seconds (default none) also move time on while a
    connector waits, but tie Xero time to wall time: on a busy machine a connector stalled between a
    refresh and its next call finds a token that expired meanwhile, so scenarios about token lifetimes
    leave it at 0. `advanced` is the clock's whole movement while ticking."""

    running: RunningSandbox
    step: float = 0.0
    per_call: float = 0.0
    every: float = 0.5
    advanced: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            advance(self.running, self.step)

    def _offset(self, per_call: float | None = None) -> float:
        body: dict[str, float] = {"advance_seconds": 0}
        if per_call is not None:
            body["per_call_seconds"] = per_call
        return float(self.running.admin("xero", "clock", body)["offset_seconds"])

    @contextmanager
    def ticking(self) -> Iterator[ClockTicker]:
        start = self._offset(self.per_call)
        thread = threading.Thread(target=self._loop, daemon=True) if self.step else None
        if thread is not None:
            thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            if thread is not None:
                thread.join(timeout=10)
            self.advanced = self._offset(0.0) - start


# ---- another client spending quota -------------------------------------------------------------------------
def spend_xero_day(running: RunningSandbox, store: Path, tenant_id: str, leave: int, minute: float) -> int:
    """Call `GET /Organisation` for (app, tenant) until Xero reports at most `leave` calls left today.

    The minute limit would make this take 80 minutes: on each minute refusal the sandbox clock is moved on
    by `Retry-After` (a scaled minute is `minute` s), which the rolling day (1,440 scaled minutes) barely
    notices. Returns the day calls Xero reported left."""
    url = f"{running.xero['api_url']}/Organisation"
    remaining = 5000
    with requests.Session() as session:
        token = demo_payments.access_token(running.xero, store, session)
        while remaining > leave:
            response = session.get(
                url,
                headers={
                    "Authorization": f"Bearer {token}",
                    "xero-tenant-id": tenant_id,
                    "Accept": "application/json",
                },
                timeout=30,
            )
            if response.status_code == 401:
                token = demo_payments.access_token(running.xero, store, session)
                continue
            problem = response.headers.get("X-Rate-Limit-Problem")
            if response.status_code == 429 and problem == "minute":
                advance(running, max(float(response.headers.get("Retry-After") or 0), minute))
                continue
            if response.status_code == 429:
                return 0
            assert response.status_code == 200, response.text[:300]
            remaining = int(response.headers["X-DayLimit-Remaining"])
    return remaining


def autotask_session(running: RunningSandbox) -> tuple[requests.Session, str]:
    """A session with the API user's headers and the zone's REST root."""
    autotask = running.autotask
    session = requests.Session()
    session.headers.update(
        {
            "UserName": autotask["username"],
            "Secret": autotask["secret"],
            "ApiIntegrationCode": autotask["integration_code"],
            "Accept": "application/json",
        }
    )
    zone = session.get(autotask["zone_lookup_url"], params={"user": autotask["username"]}, timeout=30)
    zone.raise_for_status()
    return session, str(zone.json()["url"]).rstrip("/") + "/v1.0"


def threshold_count(running: RunningSandbox) -> int:
    """The database's current hourly request count (`ThresholdInformation`; the call itself counts)."""
    session, root = autotask_session(running)
    with session:
        response = session.get(f"{root}/ThresholdInformation", timeout=30)
        response.raise_for_status()
        return int(response.json()["currentTimeframeRequestCount"])


def spend_autotask(running: RunningSandbox, target: int, threads: int = 3) -> int:
    """Another integration on the same database: call `ThresholdInformation` (it counts like any call) until
    the hourly count reaches `target`. At most 3 in flight, the thread limit of one endpoint."""
    done = threading.Event()
    highest = [0]
    lock = threading.Lock()

    def worker() -> None:
        session, root = autotask_session(running)
        with session:
            while not done.is_set():
                response = session.get(f"{root}/ThresholdInformation", timeout=60)
                if response.status_code != 200:
                    done.set()
                    return
                used = int(response.json()["currentTimeframeRequestCount"])
                with lock:
                    highest[0] = max(highest[0], used)
                    if highest[0] >= target - threads:
                        done.set()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for worker_thread in workers:
        worker_thread.start()
    for worker_thread in workers:
        worker_thread.join(timeout=600)
    return highest[0]


@dataclass
class ThresholdWatch:
    """Polls `ThresholdInformation` while a sync runs: the highest hourly count the database reached."""

    running: RunningSandbox
    every: float = 0.5
    highest: int = 0
    polls: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def _loop(self) -> None:
        session, root = autotask_session(self.running)
        with session:
            while not self._stop.wait(self.every):
                response = session.get(f"{root}/ThresholdInformation", timeout=30)
                self.polls += 1
                if response.status_code == 200:
                    self.highest = max(self.highest, int(response.json()["currentTimeframeRequestCount"]))

    @contextmanager
    def watching(self) -> Iterator[ThresholdWatch]:
        thread = threading.Thread(target=self._loop, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._stop.set()
            thread.join(timeout=10)
            self.highest = max(self.highest, threshold_count(self.running))
