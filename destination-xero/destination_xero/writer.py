"""The sync engine: records in, decisions and Xero writes out, one tenant at a time.

`Engine.add(stream, record)` parses, routes and maps a record (a failure there rejects only that record);
`Engine.flush()` resolves contacts and items, looks up what exists, plans and writes, and returns only
when every queued document is written or durably rejected, so the adapter may emit its state after it.

Writes: POST (create or update) with `summarizeErrors=false`, at most 50 elements and 3.5 MB per call,
`unitdp=4` when a document carries 4-dp unit amounts, a deterministic Idempotency-Key per batch content;
each element's outcome is read and reported on its own. A whole-call 400 (a malformed request) rejects the
elements of that call with Xero's message. A day-limit 429 stops that tenant cleanly: what was written is
kept, the rest is `deferred` to the next run, and the summary says so. An organisation that refuses access
(401/403 with a fresh token: disconnected from the app, or a missing scope) stops the same way, not by
rejecting its documents: a rejection lets the platform's state move past them, and they would never be
sent once the organisation is reconnected.

Output: every decision goes to `on_decision` (dry run: with the exact payload it would send); every
rejection is appended to the rejected-records JSONL (Autotask id, tenant, reason, Xero's messages) with
any configured secret or live token redacted (not in a dry run: it writes nothing anywhere); `summary()`
gives per-tenant counts, rounding lines, calls used/remaining and the response bytes Xero sent (its
data egress, which Xero's paid tiers meter per organisation).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum

from .client import (
    AuthError,
    DailyLimitReached,
    TenantAccessError,
    XeroClient,
    XeroError,
    dumps,
    idempotency_key,
    validation_messages,
)
from .config import Config, Tenant
from .contact_match import KnownCompany, resolve_contacts
from .documents import COLLECTION, ID_FIELD, Document, OrgProfile
from .line_report import LineReport
from .mapping import Mapper, MappingError
from .planner import (
    ContactIndex,
    Decision,
    chunks,
    decide,
    identity_mismatch,
    load_items,
    load_profile,
    lookup_by_identity,
    lookup_existing,
)
from .records import Company, Invoice, ProductRef, PurchaseOrder, RecordError, parse_record, stream_kind
from .retry_ledger import FAILED, RetryLedger
from .routing import Rejection, Router

# Documents queued across organisations before they are written without waiting for a state: 20 full
# write calls per organisation at most, so the partial batches this adds at each boundary cost little.
FLUSH_EVERY = 1000

log = logging.getLogger("destination_xero")

WRITE_BATCH = 50
MAX_BODY_BYTES = 3_400_000  # under Xero's 3.5 MB
WRITE_ORDER = ("invoice", "credit_note", "purchase_order")
# The collections whose writes declare `unitdp` in Xero's OpenAPI spec (PurchaseOrders and Contacts do not:
# an undeclared parameter is not sent, whatever a document asks for).
UNITDP_COLLECTIONS = frozenset({"Invoices", "CreditNotes", "Items"})


class Redactor:
    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        self._secrets = secrets

    def clean(self, text: str) -> str:
        for secret in self._secrets():
            if secret and len(secret) >= 4:
                text = text.replace(secret, "***")
        return text


class RejectedRecords:
    """Append-only JSONL; each line is flushed and fsynced so a rejection is durable before state moves on."""

    def __init__(self, path: str | None, redactor: Redactor) -> None:
        self.path = Path(path).expanduser() if path else None
        self.redactor = redactor
        self._lock = threading.Lock()
        self.count = 0

    def write(self, entry: Mapping[str, Any]) -> None:
        line = self.redactor.clean(dumps(_jsonable(entry)))
        with self._lock:
            self.count += 1
            if self.path is None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()


def _needs_unitdp4(decision: Decision) -> bool:
    """`unitdp=4` for a document with 4-dp unit amounts, and for any write that sends no LineItems (a void):
    Xero re-creates the stored lines of such an update at the call's precision, so without it a 4-dp
    invoice written earlier would be rounded to 2 dp and its totals moved (Xero's API feedback forum,
    "Preserve invoice line items if they are not sent"); 4 dp changes nothing on a 2-dp document."""
    if decision.document is not None and decision.document.unitdp4:
        return True
    return "LineItems" not in (decision.payload or {})


def _rejected_path(config: Config) -> str | None:
    """Where rejections are appended; nowhere in a dry run.

    Why: a dry run changes nothing anywhere. Its rejections are reported as decisions (`dry_run: true`);
    appended to the real file they would be indistinguishable from a real run's, and an admin working
    through that file would chase documents that were never refused."""
    return None if config.dry_run else config.rejected_records_path


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal | str | int | bool) or value is None:
        return value
    return str(value)


@dataclass
class TenantSummary:
    name: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rounding_lines: int = 0
    stopped: str | None = None
    lines: LineReport = field(default_factory=LineReport)  # items attached, lines without, cut texts

    def add(self, kind: str, action: str) -> None:
        per_kind = self.counts.setdefault(kind, {})
        per_kind[action] = per_kind.get(action, 0) + 1


@dataclass
class _TenantState:
    tenant: Tenant
    profile: OrgProfile | None = None
    mapper: Mapper | None = None
    contacts: ContactIndex | None = None
    items: dict[str, dict[str, Any]] | None = None
    queue: dict[str, Document] = field(default_factory=dict)  # kind:key -> latest document


class Engine:
    def __init__(
        self,
        config: Config,
        client: XeroClient,
        on_decision: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.config = config
        self.client = client
        self.router = Router(config)
        self.on_decision = on_decision
        self.redactor = Redactor(client.auth.secrets)
        self.rejected = RejectedRecords(_rejected_path(config), self.redactor)
        self.dry_run = config.dry_run
        self._tenants = {t.tenant_id: _TenantState(t) for t in config.tenants}
        self.summaries = {t.tenant_id: TenantSummary(t.name) for t in config.tenants}
        self.products: dict[tuple[str, int], ProductRef] = {}
        self.ignored_streams: set[str] = set()
        # every Autotask company this run has seen: a contact's name is matched against all of them
        self.known_companies: dict[int, KnownCompany] = {}
        # records received per stream since the last flush (Airbyte states carry them as destinationStats)
        self.received: dict[str, int] = {}
        self._decisions_lock = threading.Lock()
        # documents that did not land, carried in every state passed on until they do (retry_ledger.py)
        self.ledger = RetryLedger()
        self._failures: list[str] = []  # "kind key: reason" of every document that did not land

    # ---- input ---------------------------------------------------------------------------------------
    def add(self, stream: str, raw: Mapping[str, Any]) -> None:
        """Queue one record; past FLUSH_EVERY queued documents, write them before reading on.

        Why not wait for the platform's next state: a source may send its only state after the last of
        100,000 invoices, and holding them all would make memory grow with the month. Writing early is
        safe because every write is an upsert keyed by the Autotask number: a run that dies before the
        state re-sends these documents, and the look-up finds them unchanged."""
        self._add(stream, raw)
        if sum(len(state.queue) for state in self._tenants.values()) >= FLUSH_EVERY:
            self.flush()

    def _add(self, stream: str, raw: Mapping[str, Any]) -> None:
        self.received[stream] = self.received.get(stream, 0) + 1
        try:
            parsed = parse_record(stream, raw)
        except RecordError as exc:
            number = raw.get("invoiceNumber") or raw.get("purchaseOrderNumber")  # names it when the id is bad
            self._reject_unrouted(stream_kind(stream) or stream, raw.get("id"), str(exc), str(number or ""))
            return
        if parsed is None:
            if stream not in self.ignored_streams:
                self.ignored_streams.add(stream)
                log.info("stream %r is not used by destination-xero; its records are ignored", stream)
            return
        if isinstance(parsed, Invoice):
            self._know(parsed.company)
            self._add_invoice(parsed)
        elif isinstance(parsed, PurchaseOrder):
            self._know(parsed.vendor)
            self._add_purchase_order(parsed)
        elif isinstance(parsed, ProductRef):
            self.products[(parsed.kind, parsed.id)] = parsed
        elif isinstance(parsed, Company):
            self._know(parsed)  # contacts are created only when a document needs one (its own snapshot)

    def _know(self, company: Company) -> None:
        """Remember a company for contact matching: a folded name may match a contact only when no other
        company this run has seen has that contact's exact name or the same folded name (contact_match.py)."""
        self.known_companies[company.id] = KnownCompany.of(company)

    def _state(self, tenant: Tenant, kind: str, source_id: int, key: str) -> _TenantState | None:
        """The tenant's mapper, reading its settings on first use; None when they cannot be read (the
        document is then deferred on a day limit, or rejected with Xero's answer)."""
        state = self._tenants[tenant.tenant_id]
        summary = self.summaries[tenant.tenant_id]
        if state.mapper is None and summary.stopped is None:
            try:
                state.profile = load_profile(self.client, tenant)
                state.mapper = Mapper(tenant, state.profile)
            except AuthError:
                raise
            except DailyLimitReached as exc:
                summary.stopped = f"{exc}; the rest is left for the next run"
            except TenantAccessError as exc:
                summary.stopped = _access_stop(tenant, exc)
            except XeroError as exc:
                reason = f"cannot read the settings of organisation {tenant.name!r}: {exc}"
                self._record(Decision("rejected", kind, tenant.tenant_id, key, source_id, reason=reason))
                return None
        if summary.stopped is not None:
            self._record(Decision("deferred", kind, tenant.tenant_id, key, source_id, reason=summary.stopped))
            return None
        return state

    def _add_invoice(self, invoice: Invoice) -> None:
        routed = self.router.route_invoice(invoice)
        if isinstance(routed, Rejection):
            self._reject_unrouted("invoice", invoice.id, routed.reason, invoice.number)
            return
        for part in routed:
            state = self._state(part.tenant, "invoice", invoice.id, part.number)
            if state is None or state.mapper is None:
                continue
            try:
                document = state.mapper.invoice(part)
            except MappingError as exc:
                if not invoice.voided:
                    self._record(
                        Decision(
                            "rejected",
                            "invoice",
                            part.tenant.tenant_id,
                            part.number,
                            invoice.id,
                            reason=str(exc),
                        )
                    )
                    continue
                document = state.mapper.void_only(part)
            self._link_to_autotask(document, invoice.id)
            state.queue[f"{document.kind}:{document.key}"] = document

    @property
    def _link_prefix(self) -> str:
        """Every link we set starts with this (the template up to `{id}`): how our invoices are counted."""
        return self.config.autotask_invoice_url.split("{id}", 1)[0]

    def _link_to_autotask(self, document: Document, autotask_id: int) -> None:
        """Xero invoices carry a link to their Autotask invoice (`Url`, shown as "Go to ..." in Xero, and
        rarely edited): it identifies the document whatever its number. Credit notes have no such field."""
        if document.kind != "invoice":
            return
        document.identity = self.config.autotask_invoice_url.replace("{id}", str(autotask_id))
        if not document.void:
            document.payload["Url"] = document.identity

    def _add_purchase_order(self, po: PurchaseOrder) -> None:
        tenant = self.router.route_purchase_order(po)
        if isinstance(tenant, Rejection):
            self._reject_unrouted("purchase_order", po.id, tenant.reason, po.number)
            return
        state = self._state(tenant, "purchase_order", po.id, po.number)
        if state is None or state.mapper is None:
            return
        try:
            document = state.mapper.purchase_order(po)
        except MappingError as exc:
            self._record(
                Decision("rejected", "purchase_order", tenant.tenant_id, po.number, po.id, reason=str(exc))
            )
            return
        state.queue[f"{document.kind}:{document.key}"] = document

    def _reject_unrouted(self, kind: str, source_id: Any, reason: str, key: str = "") -> None:
        source = source_id if isinstance(source_id, int) else None
        self._record(Decision("rejected", kind, "", key or str(source_id), source, reason=reason))

    # ---- output --------------------------------------------------------------------------------------
    def _record(self, decision: Decision) -> None:
        """Count, report and (when rejected) durably record one decision; tenants flush in parallel."""
        with self._decisions_lock:
            self._record_one(decision)

    def _record_one(self, decision: Decision) -> None:
        summary = self.summaries.get(decision.tenant_id)
        self.ledger.note(decision.kind, decision.action, decision.source_id, decision.reason)
        if summary is not None:
            summary.add(decision.kind, decision.action)
            if decision.action in ("create", "update") and decision.document and decision.document.rounding:
                summary.rounding_lines += 1
            summary.lines.note(decision.action, decision.document)
        entry = decision.as_dict()
        if not self.dry_run:
            entry.pop("payload", None)
        entry["dry_run"] = self.dry_run
        if decision.action in FAILED:
            # A change Xero will not take leaves the two systems disagreeing: reported like a rejection
            # (file, warning, exit status) on every run until someone resolves it.
            tenant = self._tenants.get(decision.tenant_id)
            self.rejected.write(
                {
                    "autotask_id": decision.source_id,
                    "kind": decision.kind,
                    "key": decision.key,
                    "tenant_id": decision.tenant_id or None,
                    "tenant": tenant.tenant.name if tenant else None,
                    "action": decision.action,
                    "reason": decision.reason,
                    "xero_messages": decision.messages,
                    "at": pendulum.now("UTC").to_iso8601_string(),
                }
            )
            detail = decision.reason + (f" ({'; '.join(decision.messages)})" if decision.messages else "")
            verb = "rejected" if decision.action == "rejected" else "not changeable in Xero:"
            log.warning("%s %s %s: %s", verb, decision.kind, decision.key, self.redactor.clean(detail))
            self._failures.append(self.redactor.clean(f"{decision.kind} {decision.key}: {detail}"))
        if self.on_decision is not None:
            self.on_decision(json.loads(self.redactor.clean(dumps(_jsonable(entry))), parse_float=Decimal))

    # ---- flush ---------------------------------------------------------------------------------------
    def flush(self) -> bool:
        """Write everything queued. False when a tenant stopped early (the rest is deferred).

        Organisations are written in parallel: each has its own Xero limits (60 calls a minute), so one
        after another a month-end sync into three organisations would take three times as long as the
        limits require. The client's token refresh and the decision log are shared under locks."""
        self.received = {}
        busy = [state for state in self._tenants.values() if state.queue]
        if len(busy) > 1:
            with ThreadPoolExecutor(max_workers=len(busy), thread_name_prefix="tenant") as pool:
                futures = [pool.submit(self._flush_state, state) for state in busy]
            results = [future.result() for future in futures]  # every one, re-raising an AuthError
        else:
            results = [self._flush_state(state) for state in busy]
        complete = all(results)
        return complete and not any(s.stopped for s in self.summaries.values())

    def _flush_state(self, state: _TenantState) -> bool:
        documents = list(state.queue.values())
        state.queue.clear()
        summary = self.summaries[state.tenant.tenant_id]
        if summary.stopped:
            for doc in documents:
                self._record(
                    Decision("deferred", doc.kind, doc.tenant_id, doc.key, doc.source_id, summary.stopped)
                )
            return False
        try:
            self._flush_tenant(state, documents)
        except DailyLimitReached as exc:
            summary.stopped = f"{exc}; the rest is left for the next run"
            return False
        except TenantAccessError as exc:
            summary.stopped = _access_stop(state.tenant, exc)
            return False
        return True

    def _flush_tenant(self, state: _TenantState, documents: list[Document]) -> None:
        pending = {id(doc): doc for doc in documents}
        try:
            documents = self._resolve_contacts(state, documents)
            documents = self._resolve_items(state, documents)
            existing = lookup_existing(self.client, state.tenant.tenant_id, documents)
            unmatched = [doc for doc in documents if f"{doc.kind}:{doc.key}" not in existing and doc.identity]
            moved = (
                lookup_by_identity(self.client, state.tenant.tenant_id, unmatched, self._link_prefix)
                if unmatched
                else {}
            )
            decisions = [
                identity_mismatch(doc, moved[doc.identity])
                if doc.identity in moved
                else decide(doc, existing.get(f"{doc.kind}:{doc.key}"))
                for doc in documents
            ]
            for decision in decisions:
                if decision.action not in ("create", "update"):
                    pending.pop(id(decision.document), None)
                    self._record(decision)
            writes = [d for d in decisions if d.action in ("create", "update")]
            for kind in WRITE_ORDER:
                self._write(state.tenant, [d for d in writes if d.kind == kind], pending)
        except (DailyLimitReached, TenantAccessError) as exc:
            reason = str(exc) if isinstance(exc, DailyLimitReached) else _access_stop(state.tenant, exc)
            for doc in pending.values():
                self._record(
                    Decision("deferred", doc.kind, doc.tenant_id, doc.key, doc.source_id, reason=reason)
                )
            raise
        except AuthError:
            raise  # the app cannot authenticate at all: the run stops with that error, nothing is "rejected"
        except XeroError as exc:
            for doc in pending.values():
                self._record(
                    Decision(
                        "rejected",
                        doc.kind,
                        doc.tenant_id,
                        doc.key,
                        doc.source_id,
                        reason=str(exc),
                        messages=exc.messages,
                    )
                )

    # ---- contacts and items --------------------------------------------------------------------------
    def _resolve_contacts(self, state: _TenantState, documents: list[Document]) -> list[Document]:
        tenant, mapper = state.tenant, state.mapper
        assert mapper is not None
        rules = tenant.mappings.contacts
        if state.contacts is None:
            state.contacts = ContactIndex.load(self.client, tenant.tenant_id)
        index = state.contacts
        companies = {doc.contact.id: doc.contact for doc in documents if doc.contact is not None}
        resolved: dict[int, str] = {}
        failures: dict[int, tuple[str, list[str]]] = {}
        writes: list[tuple[Company, Document, str]] = []  # (company, contact document, action)
        notes: dict[int, str] = {}  # why a company gets a new contact though one of its name exists
        known = {**self.known_companies, **{c.id: KnownCompany.of(c) for c in companies.values()}}
        matches = resolve_contacts(index, rules.match, rules.contact_number_prefix, known.values())
        for company in companies.values():
            wanted = mapper.contact(company)
            outcome = matches[company.id]
            found = outcome.contact
            if outcome.problem:
                failures[company.id] = (outcome.problem, [])  # ambiguous: its documents wait for the admin
            elif found is not None:
                resolved[company.id] = str(found["ContactID"])
                update: dict[str, Any] = {}
                if found.get("ContactStatus") == "ARCHIVED" and rules.unarchive:
                    update["ContactStatus"] = "ACTIVE"
                if rules.update_details:
                    for name, value in wanted.payload.items():
                        if name not in ("Addresses", "Phones") and str(found.get(name) or "") != str(value):
                            update[name] = value
                elif not found.get("ContactNumber"):
                    update["ContactNumber"] = wanted.key  # claim it, so the next run matches on the number
                if update:
                    wanted.payload = {"ContactID": found["ContactID"], **update}
                    writes.append((company, wanted, "update"))
            elif rules.create_missing:
                writes.append((company, wanted, "create"))
                if outcome.note:
                    notes[company.id] = outcome.note
                    log.warning("contact for company %s: %s", company.id, outcome.note)
            else:
                failures[company.id] = (
                    f"no Xero contact matches company {company.name!r} and contacts.create_missing is false"
                    + (f" ({outcome.note})" if outcome.note else ""),
                    [],
                )
        if writes and not self.dry_run:
            self._write_contacts(state, writes, resolved, failures)
        for company, wanted, action in writes:
            if company.id in failures:
                reason, messages = failures[company.id]
                self._record(
                    Decision(
                        "rejected",
                        "contact",
                        tenant.tenant_id,
                        wanted.key,
                        company.id,
                        reason=reason,
                        messages=messages,
                    )
                )
            else:
                self._record(
                    Decision(
                        action,
                        "contact",
                        tenant.tenant_id,
                        wanted.key,
                        company.id,
                        reason=notes.get(company.id, ""),
                        payload=wanted.payload,
                        existing_id=resolved.get(company.id),
                    )
                )
        kept = []
        for doc in documents:
            if doc.contact is None:
                kept.append(doc)
                continue
            if doc.contact.id in failures and doc.contact.id not in resolved:
                if doc.void:  # a void needs no contact: it is skipped, or voids what Xero already holds
                    kept.append(doc)
                    continue
                reason, messages = failures[doc.contact.id]
                self._record(
                    Decision(
                        "rejected",
                        doc.kind,
                        doc.tenant_id,
                        doc.key,
                        doc.source_id,
                        reason=reason,
                        messages=messages,
                    )
                )
                continue
            contact_id = resolved.get(doc.contact.id)
            if contact_id:
                doc.payload = {"Contact": {"ContactID": contact_id}, **doc.payload}
            else:  # dry run: the contact would be created first
                doc.payload = {
                    "Contact": {
                        "ContactNumber": mapper.contact_number(doc.contact),
                        "Name": doc.contact.name,
                    },
                    **doc.payload,
                }
            kept.append(doc)
        return kept

    def _write_contacts(
        self,
        state: _TenantState,
        writes: list[tuple[Company, Document, str]],
        resolved: dict[int, str],
        failures: dict[int, tuple[str, list[str]]],
        retry_clashes: bool = True,
    ) -> None:
        assert state.contacts is not None
        retry: list[tuple[Company, Document, str]] = []
        for batch in chunks(writes, WRITE_BATCH):
            elements = [doc.payload for _, doc, _ in batch]
            results = self._post(
                state.tenant.tenant_id, "Contacts", elements, [d.key for _, d, _ in batch], False
            )
            for (company, doc, action), (ok, element, messages) in zip(batch, results, strict=True):
                if ok:
                    resolved[company.id] = str(element.get("ContactID"))
                    state.contacts.add(dict(element))
                elif (
                    retry_clashes
                    and action == "create"
                    and any("already" in m or "unique" in m for m in messages)
                ):
                    # Name clash with another contact: keep the company apart, never merge into a stranger.
                    doc.payload = {**doc.payload, "Name": f"{company.name} ({doc.key})"[:255]}
                    retry.append((company, doc, action))
                else:
                    failures[company.id] = (
                        f"contact for company {company.name!r} could not be written",
                        messages,
                    )
        if retry:
            self._write_contacts(state, retry, resolved, failures, retry_clashes=False)

    def _resolve_items(self, state: _TenantState, documents: list[Document]) -> list[Document]:
        tenant, mapper = state.tenant, state.mapper
        assert mapper is not None
        if not tenant.mappings.items.enabled or not any(doc.products for doc in documents):
            return documents
        if state.items is None:
            state.items = load_items(self.client, tenant.tenant_id)
        missing: dict[str, Document] = {}
        failures: dict[str, list[str]] = {}
        for doc in documents:
            for product in doc.products:
                # The code is the one the line carries; the products stream, when synced, only adds the
                # details a new item is created with (description, unit price).
                code = mapper.item_code(product) or ""
                if code.casefold() in state.items or code in missing:
                    continue
                detail = self.products.get((product.kind, product.id), product)
                try:
                    missing[code] = mapper.item(detail, code)
                except MappingError as exc:
                    failures[code] = exc.problems
        if missing and not tenant.mappings.items.create_missing:
            for code in missing:
                failures[code] = [f"item {code!r} does not exist in Xero and items.create_missing is false"]
            missing = {}
        if missing and not self.dry_run:
            items = list(missing.values())
            for batch in chunks(items, WRITE_BATCH):
                results = self._post(
                    tenant.tenant_id, "Items", [d.payload for d in batch], [d.key for d in batch], True
                )
                for doc, (ok, element, messages) in zip(batch, results, strict=True):
                    if ok:
                        state.items[doc.key.casefold()] = dict(element)
                    else:
                        failures[doc.key] = messages or ["item could not be created"]
        for doc in missing.values():
            if doc.key in failures:
                self._record(
                    Decision(
                        "rejected",
                        "item",
                        tenant.tenant_id,
                        doc.key,
                        doc.source_id,
                        reason="item could not be created",
                        messages=failures[doc.key],
                    )
                )
            else:
                self._record(
                    Decision("create", "item", tenant.tenant_id, doc.key, doc.source_id, payload=doc.payload)
                )
        kept = []
        for doc in documents:
            bad = list(
                dict.fromkeys(code for p in doc.products if (code := mapper.item_code(p) or "") in failures)
            )
            if bad:
                messages = [m for code in bad for m in failures[code]]
                self._record(
                    Decision(
                        "rejected",
                        doc.kind,
                        doc.tenant_id,
                        doc.key,
                        doc.source_id,
                        reason=f"item(s) {', '.join(bad)} unavailable",
                        messages=messages,
                    )
                )
                continue
            kept.append(doc)
        return kept

    # ---- document writes -----------------------------------------------------------------------------
    def _write(self, tenant: Tenant, decisions: list[Decision], pending: dict[int, Document]) -> None:
        if not decisions:
            return
        if self.dry_run:
            for decision in decisions:
                pending.pop(id(decision.document), None)
                self._record(decision)
            return
        collection = COLLECTION[decisions[0].kind]
        for batch in self._batches(decisions):
            payloads = [d.payload or {} for d in batch]
            unitdp4 = any(_needs_unitdp4(d) for d in batch)
            results = self._post(
                tenant.tenant_id, collection, payloads, [f"{d.action}:{d.key}" for d in batch], unitdp4
            )
            id_field = ID_FIELD[batch[0].kind]
            for decision, (ok, element, messages) in zip(batch, results, strict=True):
                pending.pop(id(decision.document), None)
                if ok:
                    decision.existing_id = str(element.get(id_field) or decision.existing_id or "")
                    decision.messages = messages  # warnings
                else:
                    decision.action = "rejected"
                    decision.reason = "Xero rejected the document"
                    decision.messages = messages
                self._record(decision)

    def _batches(self, decisions: list[Decision]) -> Iterable[list[Decision]]:
        batch: list[Decision] = []
        size = 0
        for decision in decisions:
            weight = len(dumps(decision.payload or {}))
            if batch and (len(batch) >= WRITE_BATCH or size + weight > MAX_BODY_BYTES):
                yield batch
                batch, size = [], 0
            batch.append(decision)
            size += weight
        if batch:
            yield batch

    def _post(
        self, tenant_id: str, collection: str, elements: list[dict[str, Any]], keys: list[str], unitdp4: bool
    ) -> list[tuple[bool, dict[str, Any], list[str]]]:
        """One write call; per element (ok, element as Xero returned it, messages)."""
        params: dict[str, Any] = {"summarizeErrors": "false"}
        if unitdp4 and collection in UNITDP_COLLECTIONS:
            params["unitdp"] = 4
        key = idempotency_key(tenant_id, list(zip(keys, elements, strict=True)))
        try:
            response = self.client.request(
                "POST", tenant_id, collection, params=params, body={collection: elements}, idempotency_key=key
            )
        except (DailyLimitReached, TenantAccessError):
            raise
        except XeroError as exc:
            if exc.status == 400:
                return [(False, {}, exc.messages or [str(exc)]) for _ in elements]
            raise
        returned = (response.body or {}).get(collection) or []
        results = []
        for index in range(len(elements)):
            element = returned[index] if index < len(returned) else {}
            messages = validation_messages(element)
            failed = (
                not element
                or element.get("StatusAttributeString") == "ERROR"
                or bool(element.get("HasErrors"))
                or bool(element.get("HasValidationErrors"))
            )
            results.append((not failed, element, messages or ([] if element else ["no element returned"])))
        return results

    # ---- results -------------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        result = {}
        for tenant_id, summary in self.summaries.items():
            limiter = self.client.limiter(tenant_id).state
            result[summary.name] = {
                "tenant_id": tenant_id,
                "documents": summary.counts,
                "rounding_lines": summary.rounding_lines,
                **summary.lines.figures(),
                "warnings": self._warnings_of(tenant_id),
                "calls": limiter.calls,
                "response_bytes": limiter.response_bytes,
                "throttled": limiter.throttled,
                "day_remaining": limiter.day_remaining,
                "minute_remaining": limiter.minute_remaining,
                "stopped": summary.stopped,
            }
        unrouted = self.rejected.count - sum(
            n.get(action, 0) for s in self.summaries.values() for n in s.counts.values() for action in FAILED
        )
        if unrouted:
            result["(no tenant)"] = {"rejected": unrouted}
        return result

    def _warnings_of(self, tenant_id: str) -> list[str]:
        summary = self.summaries[tenant_id]
        return summary.lines.warnings(self._tenants[tenant_id].tenant.mappings.items)

    def warnings(self) -> list[str]:
        """What the adapters log as warnings after the summary ("<organisation>: ..."): lines without an
        item, a mapping that enables items and attaches none, descriptions cut to Xero's limit."""
        return [
            f"{summary.name}: {warning}"
            for tenant_id, summary in self.summaries.items()
            for warning in self._warnings_of(tenant_id)
        ]

    def failures(self) -> list[str]:
        """Every document that did not land this run ("invoice 20123: reason"), for the final message."""
        with self._decisions_lock:
            return list(self._failures)

    def failure_message(self, limit: int = 10) -> str:
        """The run's closing line when documents did not land: how many, which, and that they come back."""
        failures = self.failures()
        named = "; ".join(failures[:limit]) + (
            f"; and {len(failures) - limit} more" if len(failures) > limit else ""
        )
        where = f" (all in {self.rejected.path})" if self.rejected.path else ""
        return (
            f"{len(failures)} document(s) are not in Xero as Autotask has them{where}: {named}. They are "
            "sent again on every run until they land: fix the cause (the mapping, or the document in Xero) "
            "and the next run sends them"
        )

    def stop_reasons(self) -> list[str]:
        """Why organisations stopped early (day limit, access refused): the adapters' final message."""
        return [f"{s.name}: {s.stopped}" for s in self.summaries.values() if s.stopped]

    def exit_code(self) -> int:
        if any(s.stopped for s in self.summaries.values()):
            return 2
        if self.config.fail_on_rejections and self.rejected.count:
            return 1
        return 0


def _access_stop(tenant: Tenant, exc: XeroError) -> str:
    return (
        f"organisation {tenant.name!r} refused access ({exc}): reconnect it to the Xero app (run "
        "`xero-auth`) or grant the app the accounting scopes (`check` names a missing one); its documents "
        "are left for the next run"
    )
