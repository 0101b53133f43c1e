"""The peer, side by side: singer-io's `tap-xero` (PyPI) and our `tap-xero-payments` reading the same
invoices and payments of one Xero organisation in the same sandbox, runs alternated, figures as median and
spread with the machine they ran on.

How tap-xero reaches the sandbox without a change to its code: it hard-codes
`https://api.xero.com/api.xro/2.0` (`tap_xero.client.BASE_URL`) and, as a literal inside
`refresh_credentials`, `https://identity.xero.com/connect/token`. A forward proxy cannot help (both are
HTTPS, so a proxy would only see CONNECT tunnels it cannot read without faking Xero's certificate), and
patching the one constant would miss the token URL. So its subprocess gets a `sitecustomize.py` on
PYTHONPATH that wraps `requests.Session.send`, through which every request of tap-xero passes (its
`session.post` for the token and its `session.send` for the API), and rewrites those two prefixes to the
sandbox's URLs. Any other request for a `*.xero.com` host is refused, so a miss can never reach the real
Xero. The installed package itself is untouched.

Token chains: a refresh token is single-use and tap-xero writes the rotated one back into its config
file. Each tap therefore gets its own refresh token, consented through the emulator's authorization-code
flow (auto-consent to a loopback redirect, as `xero-auth` does against Xero), so neither can spend the
other's token nor the one the forward sync left in its store. The consent and the payments recorded for
the comparison are set-up: every figure is the difference of the sandbox's `/__sandbox/stats` counters
around one tap run only.

Same data: the organisation is the one with the most sales invoices after the forward sync (run by the
caller), plus payments recorded here when it holds fewer than `MIN_PAYMENTS`. Both taps read from
`START_DATE` with no state (a first sync), then again from the state that sync emitted with nothing
changed (an unchanged rerun), the peer selecting its `invoices` and `payments` streams.
Ours reads only sales invoices (`Type=="ACCREC"`) and here keeps every one of them
(`only_autotask_invoices: false`), so the ids compared are the peer's ACCREC invoices and all payments.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qs, urlsplit

import requests
from demo.pipe import console_script
from sandbox.jsonmoney import dumps, loads
from sandbox.launcher import RunningSandbox

from . import venvs
from .measure import connector_env, reap, spawn
from .stats import machine, spread

TAP_XERO = "tap-xero"
TAP_XERO_VERSION = "2.6.0"
# tap-xero 2.6.0 imports `six` (tap_xero/client.py) without declaring it: it used to arrive with
# python-dateutil 2.x, and the python-dateutil that resolves today (4.x) no longer needs it, so a plain
# `pip install tap-xero` cannot even start. The missing dependency is added; nothing else is changed.
TAP_XERO_EXTRA = ("six",)
STREAMS = ("invoices", "payments")
START_DATE = "2000-01-01T00:00:00Z"
MIN_PAYMENTS = 10
PAY_SHARE = Decimal("0.2")  # of the open sales invoices, when payments must be recorded
MAX_PAYMENTS = 2000  # set-up stays short at any N; a share of 20% up to 10,000 sales invoices
PAY_BATCH = 50
PAYMENT_DATE = "2026-11-20"
RUN_TIMEOUT = 1800
# Granular scopes: the sandbox's default app, like every Xero app created since 2 March 2026, is refused
# accounting.transactions; tap-xero reads invoices and payments.
CONSENT_SCOPE = (
    "openid profile email offline_access accounting.invoices accounting.payments accounting.settings"
)
REDIRECT_URI = "http://127.0.0.1:8765/callback"  # loopback: never contacted, the code is read off Location
CENT = Decimal("0.01")

SITECUSTOMIZE = '''\
"""Sends tap-xero's requests to the sandbox (written by bench/peer.py, see its docstring)."""
import os
from urllib.parse import urlsplit

import requests

_MAP = (
    ("https://api.xero.com/api.xro/2.0", os.environ["PEER_XERO_API_URL"].rstrip("/")),
    ("https://identity.xero.com", os.environ["PEER_XERO_IDENTITY_URL"].rstrip("/")),
)
_send = requests.Session.send


def _send_to_sandbox(self, request, **kwargs):
    for real, sandbox in _MAP:
        if request.url.startswith(real):
            request.url = sandbox + request.url[len(real):]
            break
    else:
        host = urlsplit(request.url).hostname or ""
        if host == "xero.com" or host.endswith(".xero.com"):
            raise RuntimeError("peer sandbox redirect: refusing a request to " + host)
    return _send(self, request, **kwargs)


requests.Session.send = _send_to_sandbox
'''


class PeerError(RuntimeError):
    """The comparison cannot be made (install, set-up or a tap run failed); the message says which."""


@dataclass
class TapRun:
    """One tap run: what the sandbox saw, how long it took, what it emitted."""

    calls: Counter[str]
    process: Finished
    startup_seconds: float | None
    ids: dict[str, set[str]] = field(default_factory=dict)
    state: Any = None  # the last Singer STATE value it emitted: the next run's `--state`

    def total(self) -> int:
        return sum(self.calls.values())


# --- set-up ------------------------------------------------------------------------------------------


def consent(running: RunningSandbox, session: requests.Session, scope: str = CONSENT_SCOPE) -> dict[str, Any]:
    """A fresh token set of its own rotation family: the authorization-code flow, consent automatic."""
    xero = running.info["xero"]
    state = secrets.token_urlsafe(8)
    params = {
        "response_type": "code",
        "client_id": xero["client_id"],
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
    }
    page = session.get(f"{xero['identity_url']}/connect/authorize", params=params, allow_redirects=False)
    query = parse_qs(urlsplit(page.headers.get("Location", "")).query)
    if page.status_code != 302 or query.get("state") != [state] or "code" not in query:
        raise PeerError(f"consent refused: HTTP {page.status_code} {sorted(query)}")
    response = session.post(
        f"{xero['identity_url']}/connect/token",
        data={"grant_type": "authorization_code", "code": query["code"][0], "redirect_uri": REDIRECT_URI},
        auth=(xero["client_id"], xero["client_secret"]),
        timeout=30,
    )
    if response.status_code != 200:
        raise PeerError(f"code exchange refused: HTTP {response.status_code} {response.text[:200]}")
    body: dict[str, Any] = response.json()
    if not body.get("refresh_token"):
        raise PeerError("consent issued no refresh token (offline_access missing?)")
    return body


class Books:
    """Plain Xero API reads and writes for the set-up (an access token of its own chain)."""

    def __init__(
        self, running: RunningSandbox, session: requests.Session, scope: str = CONSENT_SCOPE
    ) -> None:
        self.api = str(running.info["xero"]["api_url"]).rstrip("/")
        self.running = running
        self.session = session
        self.token = str(consent(running, session, scope)["access_token"])

    def _headers(self, tenant_id: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token}",
            "xero-tenant-id": tenant_id,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    def all(self, tenant_id: str, collection: str, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in range(1, 10_000):
            response = self.session.get(
                f"{self.api}/{collection}",
                params={**params, "page": page, "pageSize": 1000},
                headers=self._headers(tenant_id),
                timeout=60,
            )
            if response.status_code != 200:
                raise PeerError(f"set-up GET {collection}: HTTP {response.status_code} {response.text[:200]}")
            batch: list[dict[str, Any]] = loads(response.text)[collection]
            found.extend(batch)
            if len(batch) < 1000:
                break
        return found

    def organisation(self, tenant_id: str) -> dict[str, Any]:
        response = self.session.get(f"{self.api}/Organisation", headers=self._headers(tenant_id), timeout=60)
        if response.status_code != 200:
            raise PeerError(f"set-up GET Organisation: HTTP {response.status_code} {response.text[:200]}")
        found: dict[str, Any] = loads(response.text)["Organisations"][0]
        return found

    def pay(self, tenant_id: str, payments: list[tuple[dict[str, Any], Decimal]]) -> None:
        """Record payments, PAY_BATCH to a call (Xero takes a list of payments in one PUT)."""
        # A second first, too: the forward sync's last writes (several batches of 50 in its last second,
        # however busy the machine) must not share the first payment batch's stamp, or a rerun at the
        # inclusive bookmark would read them all again.
        self.running.admin("xero", "clock", {"advance_seconds": 1})
        for start in range(0, len(payments), PAY_BATCH):
            body = {
                "Payments": [
                    {
                        "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                        "Account": {"Code": "090"},
                        "Date": PAYMENT_DATE,
                        "Amount": amount,
                        "Reference": "bench peer payment",
                    }
                    for invoice, amount in payments[start : start + PAY_BATCH]
                ]
            }
            response = self.session.put(
                f"{self.api}/Payments", data=dumps(body), headers=self._headers(tenant_id), timeout=120
            )
            if response.status_code != 200:
                raise PeerError(f"set-up payments: HTTP {response.status_code} {response.text[:300]}")
            # If-Modified-Since has whole seconds: one batch per sandbox second keeps the records a rerun
            # re-reads at its inclusive bookmark to one batch, however fast this machine records them.
            self.running.admin("xero", "clock", {"advance_seconds": 1})


def choose_tenant(books: Books, tenants: list[dict[str, str]]) -> tuple[dict[str, str], int]:
    """The organisation with the most sales invoices (the forward sync must have run)."""
    counts = []
    for tenant in tenants:
        sales = books.all(tenant["tenant_id"], "Invoices", where='Type=="ACCREC"', summaryOnly="true")
        counts.append((len(sales), tenant))
    count, tenant = max(counts, key=lambda c: c[0])
    if count == 0:
        raise PeerError("Xero holds no sales invoices: run the forward sync before the peer comparison")
    return tenant, count


def ensure_payments(books: Books, tenant_id: str) -> tuple[int, int]:
    """(payments held, payments recorded now): pays a share of the open home-currency sales invoices,
    alternately in full and in half, until the organisation holds at least MIN_PAYMENTS."""
    held = len(books.all(tenant_id, "Payments"))
    if held >= MIN_PAYMENTS:
        return held, 0
    organisation = books.organisation(tenant_id)
    open_ones = [
        i
        for i in books.all(tenant_id, "Invoices", where='Type=="ACCREC" AND Status=="AUTHORISED"')
        if i.get("CurrencyCode") == organisation.get("BaseCurrency") and Decimal(str(i["AmountDue"])) > 0
    ]
    wanted = min(MAX_PAYMENTS, max(MIN_PAYMENTS - held, int(len(open_ones) * PAY_SHARE)))
    step = max(1, len(open_ones) // max(1, wanted))
    chosen = open_ones[::step][:wanted]
    amounts = [Decimal(str(i["AmountDue"])) for i in chosen]
    books.pay(
        tenant_id,
        [
            (invoice, due if n % 2 == 0 else (due / 2).quantize(CENT, ROUND_HALF_UP))
            for n, (invoice, due) in enumerate(zip(chosen, amounts, strict=True))
        ],
    )
    return held + len(chosen), len(chosen)


def _write_private(path: Path, value: Any) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=2)
    return path


# --- the two taps -----------------------------------------------------------------------------------


@dataclass
class Side:
    """One tap, ready to run: command, environment, and the secrets its outputs must never show."""

    name: str
    command: list[str]
    env: dict[str, str]
    token_file: Path  # the file the tap keeps its rotated refresh token in (`refresh_token` key)
    secrets: list[str] = field(default_factory=list)
    leaks: int = 0  # runs whose output showed one of `secrets`

    def current_token(self) -> str | None:
        try:
            token = json.loads(self.token_file.read_text(encoding="utf-8")).get("refresh_token")
        except (FileNotFoundError, ValueError):
            return None
        return str(token) if token else None


def peer_side(running: RunningSandbox, workdir: Path, venv: Path) -> Side:
    xero = running.info["xero"]
    site = workdir / "peer-site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    env = venvs.clean_env()
    env.update(
        {
            "PYTHONPATH": str(site),
            "PEER_XERO_API_URL": str(xero["api_url"]),
            "PEER_XERO_IDENTITY_URL": str(xero["identity_url"]),
            "PYTHONPYCACHEPREFIX": connector_env()["PYTHONPYCACHEPREFIX"],
        }
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return Side(TAP_XERO, [str(venv / "bin" / "tap-xero")], env, workdir / "peer-config.json")


def our_side(workdir: Path) -> Side:
    return Side(
        "tap-xero-payments",
        [console_script("tap-xero-payments")],
        connector_env(),
        workdir / "ours-token.json",
    )


def peer_config(running: RunningSandbox, side: Side, tenant_id: str, refresh_token: str) -> list[str]:
    xero = running.info["xero"]
    config = {
        "client_id": xero["client_id"],
        "client_secret": xero["client_secret"],
        "refresh_token": refresh_token,
        "tenant_id": tenant_id,
        "start_date": START_DATE,
        "user_agent": "autotask-xero bench peer",
    }
    _write_private(side.token_file, config)
    return ["--config", str(side.token_file)]


def our_config(
    running: RunningSandbox, side: Side, tenant: dict[str, str], refresh_token: str, workdir: Path
) -> list[str]:
    xero = running.info["xero"]
    _write_private(side.token_file, {"refresh_token": refresh_token})
    config = {
        "auth": {
            "type": "refresh_token",
            "client_id": xero["client_id"],
            "client_secret": xero["client_secret"],
            "token_store_path": str(side.token_file),
        },
        "xero": {"api_url": xero["api_url"], "identity_url": xero["identity_url"]},
        "tenants": [{"tenant_id": tenant["tenant_id"], "name": tenant["name"]}],
        "start_date": START_DATE,
        "only_autotask_invoices": False,
    }
    return ["--config", str(_write_private(workdir / "ours-config.json", config))]


@dataclass
class Finished:
    stdout: bytes
    stderr: bytes
    exit_code: int
    wall_seconds: float
    cpu_seconds: float  # user + system of the tap's process: steadier than wall time on a busy machine
    peak_rss_mb: float


def _collect(stream: IO[bytes], into: list[bytes]) -> None:
    into.append(stream.read())


def execute(command: list[str], env: dict[str, str], cwd: Path) -> Finished:
    """Run to the end under the exec probe (`measure.spawn`), whose report is exactly the tap's own CPU time
    and peak RSS. A run past RUN_TIMEOUT is killed (and its non-zero exit says so)."""
    probed = spawn(command, cwd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process = probed.process
    assert process.stdout is not None and process.stderr is not None
    out: list[bytes] = []
    err: list[bytes] = []
    readers = [
        threading.Thread(target=_collect, args=(process.stdout, out), daemon=True),
        threading.Thread(target=_collect, args=(process.stderr, err), daemon=True),
    ]
    for reader in readers:
        reader.start()
    watchdog = threading.Timer(RUN_TIMEOUT, probed.kill)
    watchdog.start()
    try:
        result = reap(probed, Path(command[0]).name)
    finally:
        watchdog.cancel()
    for reader in readers:
        reader.join(timeout=30)
    process.stdout.close()
    process.stderr.close()
    return Finished(
        stdout=b"".join(out),
        stderr=b"".join(err),
        exit_code=result.exit_code,
        wall_seconds=result.wall_seconds,
        cpu_seconds=result.cpu_seconds,
        peak_rss_mb=result.peak_rss_mb,
    )


def run_once(side: Side, args: list[str], cwd: Path) -> Finished:
    if (token := side.current_token()) and token not in side.secrets:
        side.secrets.append(token)  # the token this run starts from; the rotated one is added after
    done = execute(side.command + args, side.env, cwd)
    if (token := side.current_token()) and token not in side.secrets:
        side.secrets.append(token)
    output = done.stdout.decode("utf-8", "replace") + done.stderr.decode("utf-8", "replace")
    if any(value and value in output for value in side.secrets):
        side.leaks += 1
    if done.exit_code != 0:
        mode = next((a for a in args if a in ("--discover", "--help")), "sync")
        tail = _redact(done.stderr.decode("utf-8", "replace")[-1500:], side.secrets)
        raise PeerError(f"{side.name} {mode} exited {done.exit_code}: {tail}")
    return done


def _redact(text: str, hidden: list[str]) -> str:
    for value in hidden:
        if value:
            text = text.replace(value, "[secret]")
    return text


def select_streams(catalog: dict[str, Any]) -> dict[str, Any]:
    """tap-xero's discovered catalog with only the compared streams selected (Singer metadata)."""
    chosen = []
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] not in STREAMS:
            continue
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = True
        chosen.append(entry)
    if {e["tap_stream_id"] for e in chosen} != set(STREAMS):
        raise PeerError(f"tap-xero's catalog lacks one of {STREAMS}")
    return {"streams": chosen}


def parse_output(stdout: bytes) -> tuple[dict[str, set[str]], Any]:
    """Ids per stream from the Singer RECORD messages, and the last STATE value. The peer's invoices are
    kept to sales invoices, the only ones ours reads."""
    keys = {"invoices": "InvoiceID", "payments": "PaymentID"}
    ids: dict[str, set[str]] = {s: set() for s in STREAMS}
    state: Any = None
    for raw in stdout.splitlines():
        if b'"RECORD"' not in raw and b'"STATE"' not in raw:
            continue
        message = loads(raw)
        if message.get("type") == "STATE":
            state = message.get("value")
            continue
        stream = message.get("stream")
        if message.get("type") != "RECORD" or stream not in keys:
            continue
        record = message["record"]
        if stream == "invoices" and record.get("Type", "ACCREC") != "ACCREC":
            continue
        ids[stream].add(str(record[keys[stream]]))
    return ids, state


def xero_calls(running: RunningSandbox) -> Counter[str]:
    counts: Counter[str] = Counter()
    for call in running.admin("xero", "stats")["calls"]:
        counts[f"{call['method']} {call['path'].rsplit('/', 1)[-1]}"] += int(call["count"])
    return counts


def measured(
    running: RunningSandbox, side: Side, args: list[str], cwd: Path, after_run: TapRun | None = None
) -> TapRun:
    """One sync: a first one, or with `after_run`'s state an unchanged rerun. A first sync is preceded by
    `--help`, whose wall time is the tap's start-up (interpreter and imports: both parse their arguments
    only once everything is imported), paid again by every sync."""
    startup = None
    if after_run is None:
        startup = run_once(side, ["--help"], cwd).wall_seconds
    else:
        state = _write_private(cwd / f"{side.name}-state.json", after_run.state or {})
        args = [*args, "--state", str(state)]
    before = xero_calls(running)
    done = run_once(side, args, cwd)
    after = xero_calls(running)
    after.subtract(before)
    ids, last_state = parse_output(done.stdout)
    done.stdout = b""  # parsed; at large N the records would otherwise pile up over the runs
    return TapRun(+after, done, startup, ids, last_state)


# --- the comparison ---------------------------------------------------------------------------------


def ids_digest(ids: set[str]) -> str:
    """A short fingerprint of a set of record ids (lower-cased GUIDs, sorted, one per line), so that a
    reader of the results can check both taps against the books without the ids themselves."""
    text = "\n".join(sorted(i.lower() for i in ids))
    return hashlib.sha256(text.encode()).hexdigest()


def figures(runs: list[TapRun], reruns: list[TapRun]) -> dict[str, Any]:
    """First syncs in full; the unchanged reruns (from each first sync's state) as calls, time, records."""
    last = runs[-1]
    out: dict[str, Any] = {
        "calls": spread([float(r.total()) for r in runs]),
        "wall_seconds": spread([r.process.wall_seconds for r in runs]),
        "cpu_seconds": spread([r.process.cpu_seconds for r in runs]),
        "peak_rss_mb": spread([r.process.peak_rss_mb for r in runs]),
        "startup_seconds": spread([r.startup_seconds or 0.0 for r in runs]),
        "records": {s: len(last.ids.get(s, ())) for s in STREAMS},
        "ids_sha256": {s: ids_digest(last.ids.get(s, set())) for s in STREAMS},
        "calls_by_endpoint": dict(sorted(last.calls.items())),
    }
    out["unchanged_rerun"] = {
        "calls": spread([float(r.total()) for r in reruns]),
        "wall_seconds": spread([r.process.wall_seconds for r in reruns]),
        "records": {s: len(reruns[-1].ids.get(s, ())) for s in STREAMS},
        "calls_by_endpoint": dict(sorted(reruns[-1].calls.items())),
    }
    return out


def run_peer(running: RunningSandbox, workdir: Path, runs: int = 3) -> dict[str, Any]:
    """tap-xero and tap-xero-payments, `runs` times each (alternated), on the organisation with the most
    sales invoices; raises PeerError when the peer cannot be installed or either tap fails."""
    if runs < 1:
        raise ValueError("runs must be at least 1")
    workdir.mkdir(parents=True, exist_ok=True)
    host = machine()  # its load average is the one at the start
    try:
        venv = venvs.cached_venv(TAP_XERO, TAP_XERO_VERSION, "tap_xero", TAP_XERO_EXTRA)
    except venvs.VenvUnavailable as exc:
        raise PeerError(f"cannot install {TAP_XERO}=={TAP_XERO_VERSION}: {exc}") from exc
    with requests.Session() as session:
        books = Books(running, session)
        tenant, sales = choose_tenant(books, list(running.info["xero"]["tenants"]))
        payments, recorded = ensure_payments(books, tenant["tenant_id"])
        peer_token = str(consent(running, session)["refresh_token"])
        our_token = str(consent(running, session)["refresh_token"])
    base_secrets = [s for s in running.secrets() if s] + [books.token]

    peer = peer_side(running, workdir, venv)
    peer.secrets += base_secrets
    peer_args = peer_config(running, peer, tenant["tenant_id"], peer_token)
    discovered = run_once(peer, [*peer_args, "--discover"], workdir)  # also warms its bytecode cache
    catalog = _write_private(workdir / "peer-catalog.json", select_streams(json.loads(discovered.stdout)))
    peer_args += ["--catalog", str(catalog)]

    ours = our_side(workdir)
    ours.secrets += base_secrets
    our_args = our_config(running, ours, tenant, our_token, workdir)
    run_once(ours, [*our_args, "--discover"], workdir)  # warms its bytecode cache; no API call

    peer_runs: list[TapRun] = []
    our_runs: list[TapRun] = []
    peer_reruns: list[TapRun] = []
    our_reruns: list[TapRun] = []
    for _ in range(runs):
        peer_runs.append(measured(running, peer, peer_args, workdir))
        our_runs.append(measured(running, ours, our_args, workdir))
        peer_reruns.append(measured(running, peer, peer_args, workdir, peer_runs[-1]))
        our_reruns.append(measured(running, ours, our_args, workdir, our_runs[-1]))

    mismatch = [
        f"{stream}: peer {len(p.ids[stream])} ids, ours {len(o.ids[stream])}, "
        f"{len(p.ids[stream] ^ o.ids[stream])} differ (run {n + 1})"
        for n, (p, o) in enumerate(zip(peer_runs, our_runs, strict=True))
        for stream in STREAMS
        if p.ids[stream] != o.ids[stream]
    ]
    peer_fig, our_fig = figures(peer_runs, peer_reruns), figures(our_runs, our_reruns)
    peer_fig["leaks"], our_fig["leaks"] = peer.leaks, ours.leaks
    peer_fig["version"] = TAP_XERO_VERSION
    peer_fig["installed"] = venvs.installed(venv)
    summary = (
        f"{tenant['name']}: {TAP_XERO} {peer_fig['calls']['median']:g} calls "
        f"{peer_fig['wall_seconds']['median']:.2f} s, tap-xero-payments {our_fig['calls']['median']:g} calls "
        f"{our_fig['wall_seconds']['median']:.2f} s (medians of {runs})"
    )
    notes = [
        f"tenant {tenant['name']}: {sales} sales invoices, {payments} payments ({recorded} recorded for this "
        "comparison)",
        f"{TAP_XERO}=={TAP_XERO_VERSION} in its own virtualenv, redirected to the sandbox by a sitecustomize "
        "hook on requests.Session.send; streams invoices and payments selected; no state (first sync)",
        "calls: every Xero HTTP call during a run (token refresh included), from the sandbox's counters",
        "tap-xero pages with Xero's default page size (100) and reads every invoice type; tap-xero-payments "
        'asks for pageSize=1000 and only sales invoices (where Type=="ACCREC"); both send '
        "If-Modified-Since and order by UpdatedDateUTC",
        "runs alternate peer/ours so that load drift on the machine touches both",
        "unchanged_rerun: each tap again from the state its first sync emitted, nothing changed in between; "
        "Xero's If-Modified-Since is inclusive, so both read again the records stamped at their bookmark",
    ]
    notes += [f"records differ: {m}" for m in mismatch]
    return {
        "machine": host,
        "tenant": tenant["name"],
        "same_records": not mismatch,
        "summary": summary,
        "peer": peer_fig,
        "ours": our_fig,
        "notes": notes,
    }
