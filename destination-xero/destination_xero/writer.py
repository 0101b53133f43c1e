"""The sync engine: records in, decisions and Xero writes out, one tenant at a time.

`Engine` is the public entry point the adapters (airbyte.py, singer.py) drive, and a thin orchestrator:
each stage of the pipeline is a module of its own, and this one only hands a record or a document from
one to the next, and decides when a tenant stops.

    add(stream, record):  intake (records.py) → routing (routing.py) → mapping (mapping.py) → queue
    flush():              resolution of contacts and items (resolution.py) → planning (planner.py, reading
                          through lookups.py) → posting (posting.py), invoices, then credit notes, then POs
    every decision:       outcome (outcome.py): counts, rejected records, retry ledger, decision log

A failure in `add` rejects only that record. `flush()` returns only when every queued document is written
or durably rejected, so the adapter may emit its state after it. A day-limit 429 stops that tenant
cleanly: what was written is kept, the rest is `deferred` to the next run, and the summary says so. An
organisation that refuses access (401/403 with a fresh token: disconnected from the app, or a missing
scope) stops the same way, not by rejecting its documents: a rejection lets the platform's state move past
them, and they would never be sent once the organisation is reconnected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from connector_kit.redaction import Redactor
from connector_kit.rejected import RejectedRecords
from xero_client.client import XeroClient
from xero_client.errors import AuthError, DailyLimitReached, TenantAccessError, XeroError

from .config import Config, Tenant
from .contact_match import KnownCompany
from .documents import Document, OrgProfile
from .lookups import load_profile
from .mapping import Mapper, MappingError
from .outcome import Outcome, TenantSummary, access_stop
from .planner import Decision, plan
from .posting import WRITE_ORDER, Poster
from .record_fields import RecordError
from .record_types import Company, Invoice, ProductRef, PurchaseOrder
from .records import parse_record, stream_kind
from .resolution import Resolver
from .retry_ledger import RetryLedger
from .routing import Rejection, Router

# Documents queued across organisations before they are written without waiting for a state: 20 full
# write calls per organisation at most, so the partial batches this adds at each boundary cost little.
FLUSH_EVERY = 1000

log = logging.getLogger("destination_xero")


def _rejected_path(config: Config) -> str | None:
    """Where rejections are appended; nowhere in a dry run.

    Why: a dry run changes nothing anywhere. Its rejections are reported as decisions (`dry_run: true`);
    appended to the real file they would be indistinguishable from a real run's, and an admin working
    through that file would chase documents that were never refused."""
    return None if config.dry_run else config.rejected_records_path


@dataclass
class _TenantState:
    tenant: Tenant
    profile: OrgProfile | None = None
    mapper: Mapper | None = None
    resolver: Resolver | None = None  # its contacts and items, listed on first need
    queue: dict[str, Document] = field(default_factory=dict)  # kind:key -> latest document


class Engine:
    def __init__(
        self,
        config: Config,
        client: XeroClient,
        on_decision: Callable[[dict[str, Any]], None] | None = None,
        *,
        recreate_deleted: bool = False,
    ) -> None:
        self.config = config
        self.client = client
        # an explicit re-sync (autotask-xero resync) enters again invoices a person deleted in Xero; the
        # adapters never set it, so a scheduled run reports them not_changeable (planner.decide)
        self.recreate_deleted = recreate_deleted
        self.router = Router(config)
        self.dry_run = config.dry_run
        self.outcome = Outcome(
            config.tenants, _rejected_path(config), client.auth.secrets, config.dry_run, on_decision
        )
        self.poster = Poster(client, config.dry_run)
        self._tenants = {t.tenant_id: _TenantState(t) for t in config.tenants}
        self.products: dict[tuple[str, int], ProductRef] = {}
        self.ignored_streams: set[str] = set()
        # every Autotask company this run has seen: a contact's name is matched against all of them
        self.known_companies: dict[int, KnownCompany] = {}
        # records received per stream since the last flush (Airbyte states carry them as destinationStats)
        self.received: dict[str, int] = {}

    # The outcome's parts, where the adapters and tests have always found them.
    @property
    def on_decision(self) -> Callable[[dict[str, Any]], None] | None:
        return self.outcome.on_decision

    @on_decision.setter
    def on_decision(self, value: Callable[[dict[str, Any]], None] | None) -> None:
        self.outcome.on_decision = value

    @property
    def summaries(self) -> dict[str, TenantSummary]:
        return self.outcome.summaries

    @property
    def ledger(self) -> RetryLedger:
        return self.outcome.ledger

    @property
    def rejected(self) -> RejectedRecords:
        return self.outcome.rejected

    @property
    def redactor(self) -> Redactor:
        return self.outcome.redactor

    # ---- intake, routing, mapping --------------------------------------------------------------------
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
                state.resolver = Resolver(
                    tenant,
                    state.mapper,
                    self.client,
                    self.poster,
                    self.outcome.record,
                    self.known_companies,
                    self.products,
                )
            except AuthError:
                raise
            except DailyLimitReached as exc:
                summary.stopped = f"{exc}; the rest is left for the next run"
            except TenantAccessError as exc:
                summary.stopped = access_stop(tenant, exc)
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
                    tenant_id = part.tenant.tenant_id
                    self._record(
                        Decision("rejected", "invoice", tenant_id, part.number, invoice.id, reason=str(exc))
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

    def _record(self, decision: Decision) -> None:
        self.outcome.record(decision)

    # ---- flush: resolution, planning, posting --------------------------------------------------------
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
        return complete and not self.outcome.stopped()

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
            summary.stopped = access_stop(state.tenant, exc)
            return False
        return True

    def _flush_tenant(self, state: _TenantState, documents: list[Document]) -> None:
        assert state.resolver is not None  # a document is queued only once its tenant's mapper exists
        tenant_id = state.tenant.tenant_id
        pending = {id(doc): doc for doc in documents}
        try:
            documents = state.resolver.resolve_contacts(documents)
            documents = state.resolver.resolve_items(documents)
            decisions = plan(self.client, tenant_id, documents, self._link_prefix, self.recreate_deleted)
            for decision in decisions:
                if decision.action not in ("create", "update"):
                    pending.pop(id(decision.document), None)
                    self._record(decision)
            writes = [d for d in decisions if d.action in ("create", "update")]
            for kind in WRITE_ORDER:
                self.poster.write(tenant_id, [d for d in writes if d.kind == kind], pending, self._record)
        except (DailyLimitReached, TenantAccessError) as exc:
            reason = str(exc) if isinstance(exc, DailyLimitReached) else access_stop(state.tenant, exc)
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

    def profile(self, tenant_id: str) -> OrgProfile | None:
        """The organisation's settings as read this run (None before its first flush, or unknown): for
        tools that explain the decisions, such as the preview's per-line tax."""
        state = self._tenants.get(tenant_id)
        return state.profile if state is not None else None

    # ---- outcome -------------------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Per tenant: counts by kind and action, rounding lines, line figures, warnings, calls used and
        remaining, response bytes, and why it stopped; plus the records no tenant was found for."""
        return self.outcome.summary(self.client)

    def warnings(self) -> list[str]:
        return self.outcome.warnings()

    def failures(self) -> list[str]:
        return self.outcome.failures()

    def failure_message(self, limit: int = 10) -> str:
        return self.outcome.failure_message(limit)

    def stop_reasons(self) -> list[str]:
        return self.outcome.stop_reasons()

    def exit_code(self) -> int:
        return self.outcome.exit_code(self.config.fail_on_rejections)
