"""What the "Never lose" scenarios need: a scheduled connection that keeps its state between runs, a person
editing Autotask and Xero between those runs, and Xero's books read back by Autotask id.

Why a connection of its own (built on helpers_crash.AirbytePlatform): every scenario here is about the
passage of time, so each run must start from exactly the state the previous run's DESTINATION passed on
(as Airbyte persists it), with the rotated config, and the destination must fail on rejections as it does
in production (the crash harness turns that off). Each connection also gets its own run-lock directory:
the lock is keyed by tenant id and every sandbox serves the demo's tenant ids, so two test sessions on
one host would otherwise wait for each other.
Why Xero is read by Autotask id and by `Url`, not only by number: the scenarios renumber invoices (in
Autotask and in Xero) and use Xero numbering, where the number tells nothing; "one live Xero document per
Autotask document" is the promise, whatever the number.
Why the person edits through the vendors' own APIs where they allow it (Autotask PATCH of invoiceNumber
and paidDate, Xero payments, currencies, invoice numbers) and through the sandbox's `rows` admin call only
where the Autotask API refuses (voiding, creating invoices): a test must not weaken the emulated API.
"""

from __future__ import annotations

import contextlib
import copy
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import requests
import yaml
from demo import configs as demo_configs
from demo.pipe import console_script, json_tail
from reliability.helpers_crash import AirbytePlatform, Attempt, _write_private, loads, xero_writes
from reliability.helpers_limits import auditor_store, auditor_token, autotask_session
from reliability.helpers_sync import _get_all
from sandbox.jsonmoney import dumps
from sandbox.launcher import RunningSandbox

AREA = "Never lose"
TRACEBACK = "Traceback (most recent call last)"
SCHEDULE_SECONDS = 15 * 60  # meltano.yml's schedule: a run every 15 minutes
DAY = 24 * 3600
# The generated datasets are anchored at 2026-11-01 (DATASETS.md): the sandbox clock must be past every
# date in them, or the documents would be "in the future" of the servers.
DATASET_END = pendulum.datetime(2026, 11, 2, tz="UTC")
LIVE_STATUSES = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID")
AU_ORG = "Northwind MSP Pty Ltd"
UK_ORG = "Northwind MSP Ltd"
US_ORG = "Northwind MSP Inc"


# ---- the sandbox clock ---------------------------------------------------------------------------------
def now(running: RunningSandbox) -> pendulum.DateTime:
    """The servers' now (one clock for both APIs)."""
    return pendulum.parse(str(running.admin("autotask", "clock", {"advance_seconds": 0})["now"]))  # type: ignore[return-value]


def advance(running: RunningSandbox, seconds: float) -> pendulum.DateTime:
    return pendulum.parse(str(running.admin("autotask", "clock", {"advance_seconds": seconds})["now"]))  # type: ignore[return-value]


def past_the_dataset(running: RunningSandbox) -> None:
    """Move the clock past the dataset's last date (a CI machine's own date may be earlier)."""
    current = now(running)
    if current < DATASET_END:
        advance(running, (DATASET_END - current).total_seconds())


def autotask_stamp(moment: pendulum.DateTime) -> str:
    """A datetime as the Autotask API writes one."""
    return moment.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss.SSS") + "Z"


# ---- one scheduled connection --------------------------------------------------------------------------
@dataclass
class Run:
    """One scheduled run of the connection, and what it left behind."""

    attempt: Attempt
    rejected: list[dict[str, Any]]  # rejected-records lines this run appended (rejected and not_changeable)
    writes: int  # Xero write calls during the run (POST/PUT on the accounting API)
    incremental: bool

    @property
    def ok(self) -> bool:
        return self.attempt.completed

    @property
    def finished(self) -> bool:
        """Ran to the end: exit 0, or the documented "done, but these documents did not land" (exit 1 with
        only that message), which is what the demo's deliberate problems give."""
        a = self.attempt
        if a.killed or a.source_code != 0:
            return False
        if a.destination_code == 0:
            return True
        return (
            a.destination_code == 1
            and bool(a.trace_errors)
            and all("not in Xero as Autotask has them" in t for t in a.trace_errors)
        )

    @property
    def failed(self) -> dict[int, dict[str, Any]]:
        """Autotask id -> its rejected-records line (the last one of this run)."""
        return {int(r["autotask_id"]): r for r in self.rejected if r.get("autotask_id") is not None}

    @property
    def message(self) -> str:
        return " | ".join(self.attempt.trace_errors)

    @property
    def messages(self) -> list[dict[str, Any]]:
        found = []
        for line in self.attempt.output:
            for raw in line.splitlines():
                with contextlib.suppress(ValueError):
                    value = loads(raw)
                    if isinstance(value, dict):
                        found.append(value)
        return found

    @property
    def decisions(self) -> list[dict[str, Any]]:
        found = []
        for message in self.messages:
            if message.get("type") == "LOG":
                payload = json_tail(str(message["log"].get("message", "")), "decision")
                if payload is not None:
                    found.append(payload)
        return found

    @property
    def logs(self) -> list[str]:
        return [
            str(m["log"].get("message", "")) for m in self.messages if m.get("type") == "LOG" and m.get("log")
        ]

    def text(self) -> str:
        return "\n".join(self.attempt.output)

    def names(self, keys: Iterable[str]) -> tuple[bool, str]:
        """Whether the run's final error names these documents: their count, and each one when the message
        lists them all (it lists ten, then "and N more")."""
        keys = sorted(set(keys))
        message = self.message
        if not keys:
            return ("not in Xero as Autotask has them" not in message, "no document named")
        count = re.search(r"(\d+) document\(s\) are not in Xero as Autotask has them", message)
        total = int(count.group(1)) if count else 0
        counted = total >= len(keys)  # other documents may be rejected for causes of their own
        listed = all(f" {k}:" in message for k in keys) if total <= 10 else True
        return counted and listed, message[:400]


class Connection(AirbytePlatform):
    """An Airbyte connection on the sandbox: the demo configs, the platform's persisted state, the destination
    failing on rejections, a private run lock, and optionally a mapping of its own."""

    def __init__(
        self,
        sandbox: RunningSandbox,
        workdir: Path,
        *,
        mapping: dict[str, Any] | None = None,
        destination: dict[str, Any] | None = None,
        source: dict[str, Any] | None = None,
        lock_dir: Path | None = None,
    ) -> None:
        super().__init__(sandbox, workdir)
        self._save_lock = threading.Lock()
        self.source_args: list[str] = []
        self.lock_dir = lock_dir or workdir / "locks"
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        config = loads(self.destination_config.read_text(encoding="utf-8"))
        config["fail_on_rejections"] = True
        config["run_lock"] = {"directory": str(self.lock_dir)}
        config.update(destination or {})
        _write_private(self.destination_config, config)
        if source:
            src = loads(self.source_config.read_text(encoding="utf-8"))
            src.update(source)
            _write_private(self.source_config, src)
        if mapping is not None:
            self.set_mapping(mapping)

    # configs ---------------------------------------------------------------------------------------------
    def destination(self) -> dict[str, Any]:
        return dict(loads(self.destination_config.read_text(encoding="utf-8")))

    def update_destination(self, changes: dict[str, Any]) -> None:
        config = self.destination()
        config.update(changes)
        _write_private(self.destination_config, config)

    def set_mapping(self, mapping: dict[str, Any], name: str = "mapping.yaml") -> Path:
        """A copy of the demo mapping, edited, as the admin would keep it beside the config."""
        path = self.workdir / name
        path.write_text(yaml.safe_dump(mapping, sort_keys=False), encoding="utf-8")
        self.update_destination({"mapping_file": str(path)})
        return path

    def stream_state(self, stream: str) -> dict[str, Any]:
        saved = self.states.get(stream) or {}
        return dict((saved.get("stream") or {}).get("stream_state") or {})

    def retry(self, stream: str = "invoices") -> set[int]:
        return {int(i) for i in self.stream_state(stream).get("retry") or []}

    def twin(self, name: str) -> Connection:
        """The same connection started a second time while the first is running (a schedule firing twice,
        cron plus a person): same configs, token store, rejected-records file and lock directory; its own
        copy of the destination config (each process rewrites it with its rotated token) and its own
        state file."""
        other = copy.copy(self)
        other._save_lock = threading.Lock()
        other.destination_config = self.workdir / f"destination-xero-{name}.json"
        _write_private(other.destination_config, self.destination())
        other.state_path = self.workdir / f"platform-state-{name}.json"
        other.states = dict(self.states)
        other.tokens = []
        return other

    # runs ------------------------------------------------------------------------------------------------
    def _commands(self) -> tuple[list[str], list[str]]:
        source, destination = super()._commands()
        return [*source, *self.source_args], destination

    def _save_state(self, state: dict[str, Any]) -> None:
        with self._save_lock:  # two overlapping runs of one connection share this file
            super()._save_state(state)

    def run(self, *, incremental: bool = True, source_args: Iterable[str] = ()) -> Run:
        """One scheduled run: from the persisted state (`incremental`), or a full refresh (no state; the
        platform then keeps the new run's states)."""
        before_lines = _line_count(self.rejected)
        before_writes = xero_writes(self.sandbox.admin("xero", "stats"))
        saved = dict(self.states)
        if not incremental:
            self.states = {}
        self.source_args = list(source_args)
        try:
            attempt = self.attempt()
        finally:
            self.source_args = []
        if not incremental and not self.states:
            self.states = saved
        return Run(
            attempt,
            _new_lines(self.rejected, before_lines),
            xero_writes(self.sandbox.admin("xero", "stats")) - before_writes,
            incremental,
        )


def _line_count(path: Path) -> int:
    if not path.exists():
        return 0
    return len([x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()])


def _new_lines(path: Path, before: int) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    lines = [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    return [loads(x) for x in lines[before:]]


def demo_mapping() -> dict[str, Any]:
    return demo_configs.mapping()


def tenant_mapping(mapping: dict[str, Any], name: str) -> dict[str, Any]:
    (tenant,) = [t for t in mapping["tenants"] if t["name"] == name]
    return dict(tenant)


# ---- what Xero holds -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Held:
    """One sales document in one organisation."""

    tenant: str
    kind: str  # "invoice" | "credit_note"
    xero_id: str
    number: str
    reference: str
    status: str
    url: str
    total: Decimal

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES


@dataclass
class Books:
    docs: list[Held]

    def live(self) -> list[Held]:
        return [d for d in self.docs if d.live]

    def by_number(self, number: str, kind: str | None = None) -> list[Held]:
        return [d for d in self.live() if d.number == number and (kind is None or d.kind == kind)]

    def by_reference(self, reference: str) -> list[Held]:
        return [d for d in self.live() if d.reference == reference]

    def by_url(self, url: str) -> list[Held]:
        return [d for d in self.live() if d.url == url]

    def duplicates(self, key: str = "number") -> list[tuple[str, str, str, int]]:
        """(tenant, kind, key, count) of every key held by more than one live document. `key`: "number",
        "reference" (Xero numbering: the Autotask number is the Reference) or "url" (the Autotask id)."""
        counts = Counter((d.tenant, d.kind, getattr(d, key)) for d in self.live() if getattr(d, key))
        return sorted((t, k, v, n) for (t, k, v), n in counts.items() if n > 1)


class Xero:
    """The auditor's view of every organisation (its own consent: reading never moves the connectors'
    token chain) and the person editing Xero through its API."""

    def __init__(self, running: RunningSandbox, workdir: Path) -> None:
        self.running = running
        self.store = auditor_store(running, workdir)
        self.tenants = {str(t["name"]): str(t["tenant_id"]) for t in running.xero["tenants"]}
        self.api = str(running.xero["api_url"])

    def _headers(self, tenant: str, token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "xero-tenant-id": self.tenants[tenant],
        }

    def call(self, tenant: str, method: str, path: str, body: Any = None, **params: Any) -> requests.Response:
        token = auditor_token(self.running, self.store)
        return requests.request(
            method,
            f"{self.api}/{path}",
            headers=self._headers(tenant, token),
            data=None if body is None else dumps(body),
            params=params or None,
            timeout=60,
        )

    def books(self) -> Books:
        token = auditor_token(self.running, self.store)
        docs: list[Held] = []
        with requests.Session() as session:
            for tenant in self.tenants:
                headers = self._headers(tenant, token)
                for collection, kind, number_field, id_field in (
                    ("Invoices", "invoice", "InvoiceNumber", "InvoiceID"),
                    ("CreditNotes", "credit_note", "CreditNoteNumber", "CreditNoteID"),
                ):
                    for record in _get_all(session, f"{self.api}/{collection}", headers, collection):
                        if str(record.get("Type", "")).startswith("ACCPAY"):
                            continue
                        docs.append(
                            Held(
                                tenant=tenant,
                                kind=kind,
                                xero_id=str(record.get(id_field) or ""),
                                number=str(record.get(number_field) or ""),
                                reference=str(record.get("Reference") or ""),
                                status=str(record.get("Status") or ""),
                                url=str(record.get("Url") or ""),
                                total=Decimal(str(record.get("Total") or 0)),
                            )
                        )
        return Books(docs)

    def enable_currency(self, tenant: str, code: str) -> requests.Response:
        return self.call(tenant, "PUT", "Currencies", {"Currencies": [{"Code": code}]})

    def claim_contact(self, tenant: str, name: str, contact_number: str) -> requests.Response:
        """What the admin does when two companies claim one contact: say whose it is (its ContactNumber)."""
        found = self.call(tenant, "GET", "Contacts", where=f'Name=="{name}"')
        found.raise_for_status()
        contact_id = loads(found.text)["Contacts"][0]["ContactID"]
        body = {"Contacts": [{"ContactID": contact_id, "ContactNumber": contact_number}]}
        return self.call(tenant, "POST", "Contacts", body)

    def tax_types(self, tenant: str) -> dict[str, dict[str, Any]]:
        response = self.call(tenant, "GET", "TaxRates")
        response.raise_for_status()
        return {str(r["TaxType"]): r for r in loads(response.text)["TaxRates"]}

    def add_tax_rate(self, tenant: str, name: str, rate: Decimal, report_type: str) -> tuple[str | None, str]:
        """PUT /TaxRates (Xero creates the TaxType and answers it); (TaxType or None, Xero's answer)."""
        body = {
            "TaxRates": [
                {
                    "Name": name,
                    "ReportTaxType": report_type,
                    "TaxComponents": [{"Name": "GST", "Rate": rate, "IsCompound": False}],
                }
            ]
        }
        response = self.call(tenant, "PUT", "TaxRates", body)
        if response.status_code != 200:
            return None, f"HTTP {response.status_code}: {response.text[:400]}"
        created = loads(response.text)["TaxRates"][0]
        return str(created["TaxType"]), "created"

    def set_number(self, tenant: str, xero_id: str, number: str) -> requests.Response:
        """A person retyping an invoice's number in Xero."""
        return self.call(tenant, "POST", f"Invoices/{xero_id}", {"Invoices": [{"InvoiceNumber": number}]})

    def pay_in_full(self, tenant: str, xero_id: str, date: str) -> requests.Response:
        response = self.call(tenant, "GET", f"Invoices/{xero_id}")
        response.raise_for_status()
        invoice = loads(response.text)["Invoices"][0]
        body = {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": xero_id},
                    "Account": {"Code": "090"},
                    "Date": date,
                    "Amount": invoice["AmountDue"],
                    "Reference": "Paid by the customer",
                }
            ]
        }
        return self.call(tenant, "PUT", "Payments", body)


# ---- what Autotask holds, and a person editing it ------------------------------------------------------
class Autotask:
    def __init__(self, running: RunningSandbox) -> None:
        self.running = running

    def query(self, entity: str, filters: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        session, root = autotask_session(self.running)
        body = {"filter": filters or [{"op": "gte", "field": "id", "value": 0}]}
        found: list[dict[str, Any]] = []
        with session:
            response = session.post(
                f"{root}/{entity}/query",
                data=dumps(body),
                timeout=60,
                headers={"Content-Type": "application/json"},
            )
            while True:
                response.raise_for_status()
                page = loads(response.text)
                found.extend(page["items"])
                next_url = (page.get("pageDetails") or {}).get("nextPageUrl")
                if not next_url:
                    return found
                response = session.post(
                    next_url, data=dumps(body), timeout=60, headers={"Content-Type": "application/json"}
                )

    def invoices(self) -> dict[int, dict[str, Any]]:
        return {int(i["id"]): i for i in self.query("Invoices")}

    def patch_invoice(self, changes: dict[str, Any]) -> requests.Response:
        """What the API allows on an invoice: invoiceNumber, paidDate, webServiceDate."""
        session, root = autotask_session(self.running)
        with session:
            return session.patch(
                f"{root}/Invoices",
                data=dumps(changes),
                headers={"Content-Type": "application/json"},
                timeout=60,
            )

    def rows(self, entity: str, rows: list[dict[str, Any]]) -> dict[str, int]:
        """A person editing Autotask in its UI (the sandbox's `rows` admin call)."""
        url = f"{self.running.autotask_root}/__sandbox/rows"
        response = requests.post(
            url,
            data=dumps({"entity": entity, "rows": rows}),
            timeout=60,
            headers={"Content-Type": "application/json"},
        )
        if response.status_code == 404:
            raise AssertionError(
                "the sandbox has no POST /__sandbox/rows admin call (a person editing Autotask): "
                + response.text
            )
        assert response.status_code == 200, (
            f"rows {entity}: HTTP {response.status_code} {response.text[:400]}"
        )
        return dict(response.json())

    def copy_invoices(
        self, templates: list[int], created: pendulum.DateTime, first_number: int, **overrides: Any
    ) -> list[dict[str, Any]]:
        """New invoices, each a copy of a template invoice with its lines, created at `created` (what
        Autotask's invoicing does while no sync runs). Returns the new invoice rows."""
        invoices = self.invoices()
        items = self.query("BillingItems", [{"op": "in", "field": "invoiceID", "value": templates}])
        next_invoice = max(invoices) + 1
        # every line above the templates' highest: the greatest line id is among them
        above = self.query(
            "BillingItems", [{"op": "gte", "field": "id", "value": max(int(x["id"]) for x in items)}]
        )
        next_item = max(int(i["id"]) for i in above) + 1
        new_invoices: list[dict[str, Any]] = []
        new_items: list[dict[str, Any]] = []
        stamp = autotask_stamp(created)
        for offset, template in enumerate(templates):
            row = {k: v for k, v in invoices[template].items() if k != "userDefinedFields"}
            row.update(
                id=next_invoice + offset,
                invoiceNumber=str(first_number + offset),
                createDateTime=stamp,
                invoiceDateTime=created.format("YYYY-MM-DD") + "T00:00:00",
                paidDate=None,
                voidedDate=None,
                isVoided=False,
                webServiceDate=None,
            )
            row.update(overrides)
            new_invoices.append(row)
            for line in (i for i in items if int(i["invoiceID"]) == template):
                copy = {k: v for k, v in line.items() if k != "userDefinedFields"}
                copy.update(id=next_item, invoiceID=row["id"], webServiceDate=None)
                next_item += 1
                new_items.append(copy)
        self.rows("BillingItems", new_items)
        self.rows("Invoices", new_invoices)
        return new_invoices


# ---- reporting -----------------------------------------------------------------------------------------
@dataclass
class Timeline:
    """What happened run by run, for the row and for a failure message."""

    steps: list[str] = field(default_factory=list)

    def add(self, label: str, run: Run) -> None:
        self.steps.append(
            f"{label}: exit {run.attempt.source_code}/{run.attempt.destination_code}, "
            f"{run.attempt.records.get('invoices', 0)} invoice records, {run.writes} Xero writes, "
            f"{len(run.failed)} not landed ({run.message[:160]})"
        )

    def note(self, text: str) -> None:
        self.steps.append(text)

    def __str__(self) -> str:
        return "\n".join(self.steps)


def tracebacks(runs: Iterable[Run]) -> list[str]:
    return [r.text()[r.text().index(TRACEBACK) :][:600] for r in runs if TRACEBACK in r.text()]


def source_script() -> str:
    return console_script("source-autotask")


def destination_script() -> str:
    return console_script("destination-xero")


@contextlib.contextmanager
def both(first: Any, second: Any) -> Iterator[tuple[Any, Any]]:
    """Run two callables at once (threads); their results, or the exception each raised."""
    results: list[Any] = [None, None]

    def call(index: int, fn: Any) -> None:
        try:
            results[index] = fn()
        except Exception as exc:  # reported by the caller, with the other run's outcome
            results[index] = exc

    threads = [threading.Thread(target=call, args=(i, fn)) for i, fn in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    yield results[0], results[1]


def wait_for_writes(running: RunningSandbox, count: int, timeout: float = 300.0) -> int:
    """Block until the Xero emulator has answered `count` write calls (since its last reset)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = xero_writes(running.admin("xero", "stats"))
        if seen >= count or time.monotonic() > deadline:
            return seen
        time.sleep(0.02)


def save_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, default=str), encoding="utf-8")
    return path
