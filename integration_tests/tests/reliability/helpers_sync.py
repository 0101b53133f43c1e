"""Run the real syncs against a running sandbox and read back what landed, for every reliability scenario.

Why a shared module: any scenario that runs the whole job needs the same three things, and a second copy
of any of them would drift from the first:
- the connectors' CLIs as real subprocess pipes (`source-autotask read | destination-xero write` and the
  payments pair), configured exactly like `make demo` (demo.configs: the committed demo mapping,
  one shared Xero token store) and run by `demo.pipe.run_pipe`;
- whether an attempt failed the way a platform would rerun it (a non-zero exit that is not only the
  documented "done, with rejections", or a document rejected because Xero stayed unreachable);
- snapshots over plain HTTP of every document in every Xero organisation and of every Autotask invoice's
  `paidDate`, compared by business key (number, totals, status), never by ids that differ per run.
Money is read with exact decimals (`sandbox.jsonmoney`), never floats.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from demo import configs as demo_configs
from demo import payments as demo_payments
from demo.configs import DemoConfigs
from demo.pipe import PipeResult, console_script, run_pipe
from sandbox.jsonmoney import loads
from sandbox.launcher import RunningSandbox

PIPE_TIMEOUT = 600.0
# Reasons that mean "Xero or Autotask could not be reached", not "this document is wrong": a platform
# (or the next scheduled run) retries those, so an attempt ending with one is rerun.
TRANSIENT_MARKERS = (
    "failed after",  # destination-xero: "POST /Invoices failed after 6 tries: HTTP 503"
    "HTTP 5",
    "HTTP 429",
    "still throttled",
    "cannot reach",
    "ConnectionError",
    "Timeout",
    "timed out",
)


# ---- configs -------------------------------------------------------------------------------------------
def write_configs(
    running: RunningSandbox,
    workdir: Path,
    *,
    autotask: dict[str, Any] | None = None,
) -> DemoConfigs:
    """The demo's four connector configs (mode 0600) in `workdir`, plus Autotask client settings.

    `autotask` adds settings both Autotask clients accept (`max_retries`, `backoff_base_seconds`; the
    source alone also `request_timeout`), e.g. a shorter backoff so twenty faulted seeds fit in minutes."""
    workdir.mkdir(parents=True, exist_ok=True)
    configs = demo_configs.write_configs(running.info, workdir, workdir)
    extra = dict(autotask or {})
    if extra:
        _update(configs.source, extra)
        shared = {k: v for k, v in extra.items() if k in ("max_retries", "backoff_base_seconds")}
        if shared:
            _update(configs.payments_destination, {"autotask": shared})
    return configs


def _update(path: Path, changes: dict[str, Any]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


# ---- running the pipes ---------------------------------------------------------------------------------
@dataclass
class Attempt:
    """One run of a source | destination pair."""

    kind: str  # "forward" | "payments"
    pipe: PipeResult
    rejected: list[dict[str, Any]]  # the rejected-records lines this attempt appended
    failure: str | None  # why a platform would rerun it; None when it finished
    logs: list[tuple[str, str]] = field(default_factory=list)

    @property
    def decisions(self) -> list[dict[str, Any]]:
        return [payload for kind, payload in self.pipe.events if kind == "decision"]


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _transient(reason: str) -> bool:
    return any(marker.lower() in reason.lower() for marker in TRANSIENT_MARKERS)


def classify(pipe: PipeResult, rejected: list[dict[str, Any]], label: str) -> str | None:
    """Why this attempt needs a rerun, or None. A destination exit of 1 whose only trace is the rejection
    count is the documented "done, with rejections" (the demo data holds deliberate problems)."""
    if pipe.source_code != 0:
        return f"{label}: source exited {pipe.source_code}: {pipe.source_stderr[-600:]}"
    rejected_only = (
        pipe.destination_code == 1
        and bool(pipe.trace_errors)
        and all("rejected" in t for t in pipe.trace_errors)
    )
    if pipe.summary is None or (pipe.destination_code != 0 and not rejected_only):
        detail = "; ".join(pipe.trace_errors) or pipe.destination_stderr[-600:]
        return f"{label}: destination exited {pipe.destination_code}: {detail}"
    transient = [r for r in rejected if _transient(json.dumps(r, default=str))]
    if transient:
        first = transient[0]
        return f"{label}: {len(transient)} document(s) rejected on a transient failure, e.g. {first}"
    return None


def _run(
    kind: str, source: str, destination: str, catalog: Path, configs: DemoConfigs, rejected: Path, cwd: Path
) -> Attempt:
    before = len(_jsonl(rejected))
    logs: list[tuple[str, str]] = []
    pipe = run_pipe(
        [
            console_script(source),
            "read",
            "--config",
            str(_config(configs, source)),
            "--catalog",
            str(catalog),
        ],
        [
            console_script(destination),
            "write",
            "--config",
            str(_config(configs, destination)),
            "--catalog",
            str(catalog),
        ],
        say=lambda _text: None,
        on_log=lambda level, message: logs.append((level, message)),
        cwd=cwd,
        timeout=PIPE_TIMEOUT,
    )
    new_rejections = _jsonl(rejected)[before:]
    return Attempt(kind, pipe, new_rejections, classify(pipe, new_rejections, kind), logs)


def _config(configs: DemoConfigs, program: str) -> Path:
    paths: dict[str, Path] = {
        "source-autotask": configs.source,
        "destination-xero": configs.destination,
        "source-xero-payments": configs.payments_source,
        "destination-autotask-payments": configs.payments_destination,
    }
    return paths[program]


def run_forward(configs: DemoConfigs, cwd: Path) -> Attempt:
    """`source-autotask read | destination-xero write`, a full read (no state passed)."""
    return _run(
        "forward",
        "source-autotask",
        "destination-xero",
        demo_configs.SOURCE_CATALOG,
        configs,
        configs.rejected,
        cwd,
    )


def run_payments(configs: DemoConfigs, cwd: Path) -> Attempt:
    """`source-xero-payments read | destination-autotask-payments write`."""
    return _run(
        "payments",
        "source-xero-payments",
        "destination-autotask-payments",
        demo_configs.PAYMENTS_CATALOG,
        configs,
        configs.payments_rejected,
        cwd,
    )


def until_done(run_once: Callable[[], Attempt], max_reruns: int) -> list[Attempt]:
    """Run, and rerun what a platform would rerun, at most `max_reruns` times; every attempt is kept."""
    attempts = [run_once()]
    while attempts[-1].failure is not None and len(attempts) <= max_reruns:
        attempts.append(run_once())
    return attempts


# ---- sandbox admin -------------------------------------------------------------------------------------
XERO_SEED_OFFSET = 1_000_003


def set_faults(running: RunningSandbox, spec: dict[str, Any] | None) -> None:
    """The same fault settings on both APIs (None: faults off), or only on `spec["apis"]`; each server
    draws from its own stream: the same seed on both would fault the Nth call of each alike, so Xero's is
    offset."""
    targets = tuple((spec or {}).get("apis", ("autotask", "xero")))
    for api in ("autotask", "xero"):
        body = {k: v for k, v in spec.items() if k != "apis"} if spec and api in targets else {"rate": 0.0}
        if body.get("rate") and api == "xero":
            body["seed"] = int(body.get("seed", 0)) + XERO_SEED_OFFSET
        running.admin(api, "faults", body)


def faults_injected(running: RunningSandbox) -> dict[str, Counter[str]]:
    """Faults injected since the last `set_faults`, per API and kind (the sandbox's own count)."""
    found: dict[str, Counter[str]] = {}
    for api in ("autotask", "xero"):
        root = running.autotask_root if api == "autotask" else running.xero_root
        response = requests.get(f"{root}/__sandbox/faults", timeout=30)
        response.raise_for_status()
        found[api] = Counter({str(k): int(v) for k, v in (response.json().get("injected") or {}).items()})
    return found


def api_calls(running: RunningSandbox) -> dict[str, int]:
    return {api: int(running.admin(api, "stats")["total"]) for api in ("autotask", "xero")}


# ---- what Xero holds -----------------------------------------------------------------------------------
DocKey = tuple[str, str]  # (kind, business key): ("ACCREC", "INV-1001"), ("contact", "Acme Ltd"), ...
COLLECTIONS: dict[str, tuple[str, Callable[[dict[str, Any]], DocKey], tuple[str, ...]]] = {
    "Invoices": (
        "Invoices",
        lambda d: (str(d.get("Type")), str(d.get("InvoiceNumber"))),
        ("Status", "CurrencyCode", "SubTotal", "TotalTax", "Total", "AmountPaid", "AmountDue", "Reference"),
    ),
    "CreditNotes": (
        "CreditNotes",
        lambda d: ("credit_note:" + str(d.get("Type")), str(d.get("CreditNoteNumber"))),
        ("Status", "CurrencyCode", "SubTotal", "TotalTax", "Total", "Reference"),
    ),
    "PurchaseOrders": (
        "PurchaseOrders",
        lambda d: ("purchase_order", str(d.get("PurchaseOrderNumber"))),
        ("Status", "CurrencyCode", "SubTotal", "TotalTax", "Total", "Reference"),
    ),
    "Contacts": (
        "Contacts",
        lambda d: ("contact", str(d.get("Name"))),
        ("ContactStatus", "ContactNumber", "AccountNumber"),
    ),
    "Items": ("Items", lambda d: ("item", str(d.get("Code"))), ("Name",)),
}


@dataclass(frozen=True)
class XeroDoc:
    tenant: str  # organisation name
    kind: str
    key: str
    fields: tuple[tuple[str, str], ...]  # the compared fields, money as exact decimal strings
    contact: str


def _field(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")
    return "" if value is None else str(value)


def _get_all(session: requests.Session, url: str, headers: dict[str, str], collection: str) -> list[Any]:
    if collection == "Items":  # not paged
        response = session.get(url, headers=headers, timeout=60)
        response.raise_for_status()
        return list(loads(response.text)[collection])
    records: list[Any] = []
    page = 1
    while True:
        response = session.get(url, params={"page": page, "pageSize": 1000}, headers=headers, timeout=60)
        response.raise_for_status()
        chunk = list(loads(response.text)[collection])
        records.extend(chunk)
        if len(chunk) < 1000:
            return records
        page += 1


def xero_documents(running: RunningSandbox, token_store: Path) -> list[XeroDoc]:
    """Every invoice, credit note, purchase order, contact and item in every organisation (call with faults
    off: this is the auditor's view, not the system under test). The access token comes from the shared
    token store, rotated under the connectors' own lock, as `make demo` does."""
    xero = running.xero
    docs: list[XeroDoc] = []
    with requests.Session() as session:
        token = demo_payments.access_token(xero, token_store, session)
        for tenant in xero["tenants"]:
            headers = {
                "Authorization": f"Bearer {token}",
                "Accept": "application/json",
                "xero-tenant-id": tenant["tenant_id"],
            }
            for collection, (path, key_of, compared) in COLLECTIONS.items():
                for record in _get_all(session, f"{xero['api_url']}/{path}", headers, collection):
                    kind, key = key_of(record)
                    docs.append(
                        XeroDoc(
                            tenant=str(tenant["name"]),
                            kind=kind,
                            key=key,
                            fields=tuple((name, _field(record.get(name))) for name in compared),
                            contact=str((record.get("Contact") or {}).get("Name") or ""),
                        )
                    )
    return docs


@dataclass
class Comparison:
    """The faulted run's Xero against the expected documents, by (organisation, kind, key)."""

    expected: int
    landed: int  # expected documents present exactly once with the expected fields
    lost: list[tuple[str, str, str]]
    duplicates: list[tuple[str, str, str]]  # keys held more than once (each listed once)
    unexpected: list[tuple[str, str, str]]
    mismatched: list[tuple[tuple[str, str, str], XeroDoc, XeroDoc]]

    @property
    def clean(self) -> bool:
        return self.landed == self.expected and not (
            self.lost or self.duplicates or self.unexpected or self.mismatched
        )

    def describe(self) -> str:
        parts = [f"{self.landed}/{self.expected} landed"]
        for label, items in (
            ("lost", self.lost),
            ("duplicated", self.duplicates),
            ("unexpected", self.unexpected),
            ("mismatched", [m[0] for m in self.mismatched]),
        ):
            if items:
                parts.append(f"{len(items)} {label} (e.g. {items[:3]})")
        if self.mismatched:
            key, want, got = self.mismatched[0]
            diff = [(name, value, dict(got.fields).get(name)) for name, value in want.fields]
            changed = [d for d in diff if d[1] != d[2]] + (
                [("contact", want.contact, got.contact)] if want.contact != got.contact else []
            )
            parts.append(f"first mismatch {key}: (field, expected, found) {changed}")
        return ", ".join(parts)


def duplicate_keys(docs: Iterable[XeroDoc]) -> list[tuple[str, str, str]]:
    counts = Counter((d.tenant, d.kind, d.key) for d in docs)
    return sorted(k for k, n in counts.items() if n > 1)


def compare(expected: list[XeroDoc], actual: list[XeroDoc]) -> Comparison:
    want = {(d.tenant, d.kind, d.key): d for d in expected}
    have: dict[tuple[str, str, str], list[XeroDoc]] = {}
    for doc in actual:
        have.setdefault((doc.tenant, doc.kind, doc.key), []).append(doc)
    lost = sorted(k for k in want if k not in have)
    unexpected = sorted(k for k in have if k not in want)
    mismatched = [
        (k, want[k], have[k][0])
        for k in sorted(want)
        if k in have and len(have[k]) == 1 and have[k][0] != want[k]
    ]
    landed = sum(1 for k, doc in want.items() if have.get(k) == [doc])
    return Comparison(len(want), landed, lost, duplicate_keys(actual), unexpected, mismatched)


# ---- what Autotask holds -------------------------------------------------------------------------------
def autotask_invoices(running: RunningSandbox) -> dict[str, dict[str, Any]]:
    """Every Autotask invoice by invoice number: id, paidDate, isVoided (faults off: the auditor's view)."""
    autotask = running.autotask
    headers = {
        "UserName": autotask["username"],
        "Secret": autotask["secret"],
        "ApiIntegrationCode": autotask["integration_code"],
    }
    with requests.Session() as session:
        zone = session.get(autotask["zone_lookup_url"], params={"user": autotask["username"]}, timeout=30)
        zone.raise_for_status()
        url = zone.json()["url"].rstrip("/") + "/v1.0/Invoices/query"
        query = {"filter": [{"op": "gte", "field": "id", "value": 0}]}
        found: dict[str, dict[str, Any]] = {}
        response = session.post(
            url, data=json.dumps(query), headers={**headers, "Content-Type": "application/json"}, timeout=60
        )
        while True:
            response.raise_for_status()
            page = loads(response.text)
            for item in page["items"]:
                found[str(item.get("invoiceNumber") or f"id:{item['id']}")] = {
                    "id": item["id"],
                    "paidDate": item.get("paidDate"),
                    "isVoided": item.get("isVoided"),
                }
            next_url = (page.get("pageDetails") or {}).get("nextPageUrl")
            if not next_url:
                return found
            response = session.get(next_url, headers=headers, timeout=60)


def paid_dates(invoices: dict[str, dict[str, Any]]) -> dict[str, str | None]:
    """invoice number -> the paidDate's day (Autotask stores a date at midnight), or None."""
    return {n: (str(i["paidDate"])[:10] if i.get("paidDate") else None) for n, i in invoices.items()}


def write_replays(running: RunningSandbox, api: str) -> int:
    """Writes the server applied (answered 200) and then received again with the very same body: the client
    never saw the answer (a reset or timeout after processing) and retried. On Xero each is a chance to
    duplicate a document unless the retry is recognised (Idempotency-Key); on Autotask a PATCH repeats."""
    seen: set[str] = set()
    replays = 0
    for entry in running.admin(api, "requests"):
        path = str(entry["path"])
        if entry["method"] not in ("PUT", "POST", "PATCH") or path.lower().endswith("/query"):
            continue
        if api == "xero" and not path.startswith("/api.xro"):
            continue  # the token endpoint: a repeated refresh is not a write to the books
        fingerprint = json.dumps(
            [entry["method"], path, entry["tenant"], entry["body"]], sort_keys=True, default=str
        )
        if fingerprint in seen:
            replays += 1
        elif entry["status"] == 200:
            seen.add(fingerprint)
    return replays


# ---- one whole cycle: forward sync, customers pay, payments sync ---------------------------------------
FaultPlan = Callable[[str], "dict[str, Any] | None"]  # phase ("forward" | "payments") -> fault settings


@dataclass
class Phase:
    attempts: list[Attempt]
    injected: dict[str, Counter[str]]
    calls: dict[str, int]
    write_replays: int

    @property
    def reruns(self) -> int:
        return len(self.attempts) - 1

    @property
    def finished(self) -> bool:
        return self.attempts[-1].failure is None

    @property
    def faults(self) -> int:
        return sum(sum(c.values()) for c in self.injected.values())


@dataclass
class Cycle:
    """What one cycle did and what the books held afterwards (read with faults off)."""

    forward: Phase
    payments: Phase | None
    forward_docs: list[XeroDoc]  # Xero after the forward sync
    final_docs: list[XeroDoc]  # Xero after payments were recorded and synced back
    planned: list[demo_payments.Planned]
    baseline_paid: dict[str, str | None]  # Autotask paid dates before anything ran
    final_paid: dict[str, str | None]
    outputs: list[str]  # every text the connectors produced, for secret scans
    token_store: Path

    def expected_paid(self) -> dict[str, str | None]:
        """The baseline with each fully paid invoice's paidDate set to the payment's day (partials stay)."""
        expected = dict(self.baseline_paid)
        for payment in self.planned:
            if payment.kind != "partial":
                expected[payment.invoice_number] = demo_payments.PAYMENT_DATE
        return expected


def _phase(
    running: RunningSandbox, run_once: Callable[[], Attempt], faults: dict[str, Any] | None, max_reruns: int
) -> Phase:
    set_faults(running, faults)
    before_calls = api_calls(running)
    attempts = until_done(run_once, max_reruns)
    injected = faults_injected(running)
    set_faults(running, None)
    after_calls = api_calls(running)
    calls = {api: after_calls[api] - before_calls[api] for api in after_calls}
    return Phase(attempts, injected, calls, 0)


def _outputs(attempts: Iterable[Attempt]) -> list[str]:
    texts: list[str] = []
    for attempt in attempts:
        pipe = attempt.pipe
        texts += [pipe.source_stderr, pipe.destination_stderr, *pipe.trace_errors]
        texts += [json.dumps(payload, default=str) for _, payload in pipe.events]
        texts += [f"{level} {message}" for level, message in attempt.logs]
        texts += [json.dumps(r, default=str) for r in attempt.rejected]
    return texts


def run_cycle(
    running: RunningSandbox,
    workdir: Path,
    *,
    faults: FaultPlan = lambda _phase: None,
    max_reruns: int = 3,
    autotask: dict[str, Any] | None = None,
    with_payments: bool = True,
) -> Cycle:
    """Reset the sandbox, then: forward sync (rerun while a platform would), record the demo's payments in
    Xero (faults off: that is the customer, not the system under test), payments sync (rerun likewise),
    and read both vendors' books with faults off. `faults(phase)` gives each phase its fault settings;
    without payments the cycle stops after the forward sync (`payments` is then None)."""
    running.reset()
    configs = write_configs(running, workdir, autotask=autotask)
    baseline = paid_dates(autotask_invoices(running))
    forward = _phase(running, lambda: run_forward(configs, workdir), faults("forward"), max_reruns)
    forward.write_replays = write_replays(running, "xero")
    forward_docs = xero_documents(running, configs.token_store)
    cycle = Cycle(forward, None, forward_docs, forward_docs, [], baseline, baseline, [], configs.token_store)
    if with_payments:
        with requests.Session() as session:
            cycle.planned, _countries = demo_payments.record_payments(
                running.info, configs.tenants, configs.token_store, session
            )
        payments = _phase(running, lambda: run_payments(configs, workdir), faults("payments"), max_reruns)
        payments.write_replays = write_replays(running, "autotask")  # the only Autotask writes are here
        cycle.payments = payments
        cycle.final_docs = xero_documents(running, configs.token_store)
        cycle.final_paid = paid_dates(autotask_invoices(running))
    cycle.outputs = _outputs([*forward.attempts, *(cycle.payments.attempts if cycle.payments else [])])
    return cycle


def leaked_secrets(
    running: RunningSandbox, texts: Iterable[str], token_store: Path | None = None
) -> list[str]:
    """Which sandbox secrets (or the latest rotated refresh token) appear in `texts`: labels, never values."""
    secrets = {f"secret #{i}": s for i, s in enumerate(running.secrets()) if s}
    if token_store is not None and token_store.exists():
        secrets["rotated refresh token"] = str(json.loads(token_store.read_text())["refresh_token"])
    return sorted({label for label, s in secrets.items() for text in texts if s in text})
