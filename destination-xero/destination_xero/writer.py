"""The sync engine: records in, decisions and Xero writes out, each organisation in its own writer lane.

`Engine` is the public entry point the adapters (airbyte.py, singer.py) drive, and a thin orchestrator:
each stage of the pipeline is a module of its own, and this one only hands a record or a document from
one to the next, and decides when a tenant stops.

    add(stream, record):  intake (records.py) → routing (routing.py) → skip rules (skip.py) → mapping
                          (mapping.py) → the organisation's lane (pipeline.py), without waiting for it
    in each lane:         resolution of contacts and items (resolution.py) → planning (planner.py, reading
                          through lookups.py) → posting (posting.py) in WRITE_ORDER (bills first) →
                          attachments (attachments.py): tenant_writer.py, cycle after cycle
    checkpoint(state):    the platform's state, handed back by `released()` once every document before it
                          is written or durably rejected (pipeline.StateGate)
    flush():              every lane drained: returns when everything queued is written
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
from dataclasses import dataclass
from functools import partial
from typing import Any

from connector_kit.redaction import Redactor
from connector_kit.rejected import RejectedRecords
from xero_client.client import XeroClient
from xero_client.errors import AuthError, DailyLimitReached, TenantAccessError, XeroError

from .attachments import Attacher
from .config import Config, Tenant
from .contact_match import KnownCompany
from .documents import Document, OrgProfile
from .lookups import load_profile
from .mapping import Mapper, MappingError
from .outcome import Outcome, TenantSummary, access_stop
from .pipeline import Lane, StateGate
from .planner import Decision
from .posting import Poster
from .record_fields import RecordError
from .record_types import Company, Invoice, ProductRef, PurchaseOrder
from .records import parse_record, stream_kind
from .resolution import Resolver
from .retry_ledger import RetryLedger
from .routing import Rejection, Router
from .skip import invoice_skip, purchase_order_skip
from .tenant_writer import TenantWriter

# A lane plans up to CYCLE documents at a time (its look-ups batched over all of them) and holds at most
# BACKLOG waiting: intake blocks beyond that, so memory is bounded by these, not by the month's invoices.
CYCLE = 500
BACKLOG = 2000
# A state waits for partial batches at most this many documents: then every lane writes what it holds.
STATE_LAG = 5000

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
    lane: Lane[Document] | None = None  # its writer thread, started with its first document


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
        self.attacher = Attacher(client, config.dry_run, self.outcome.attachment)  # invoice PDFs
        self._tenants = {t.tenant_id: _TenantState(t) for t in config.tenants}
        self.gate: StateGate[Any] = StateGate(self._lanes, STATE_LAG)
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
        """Queue one record's documents in their organisations' lanes, which write them as they go.

        Why not wait for the platform's next state: a source may send its only state after the last of
        100,000 invoices, and holding them all would make memory grow with the month. Writing early is
        safe because every write is an upsert keyed by the Autotask number: a run that dies before the
        state re-sends these documents, and the look-up finds them unchanged."""
        self._add(stream, raw)
        if self.gate.lagging():
            for lane in self._lanes():
                lane.request_drain(self.gate.epoch - 1)

    def checkpoint(self, state: Any) -> None:
        """The platform's state after the records added so far: `released()` hands it back once they are
        all written or durably rejected."""
        self.gate.checkpoint(state)

    def released(self) -> list[Any]:
        """The states whose documents are all finished, oldest first; none once an organisation stopped
        (its deferred documents must be sent again: the state must not move past them)."""
        ready = self.gate.release()
        return [] if self.outcome.stopped() else ready

    def _lanes(self) -> list[Lane[Document]]:
        return [state.lane for state in self._tenants.values() if state.lane is not None]

    def _queue(self, state: _TenantState, document: Document) -> None:
        if state.lane is None:
            assert state.resolver is not None  # a document is queued only once its tenant's mapper exists
            summary = self.summaries[state.tenant.tenant_id]
            writer = TenantWriter(
                state.tenant,
                state.resolver,
                self.client,
                self.poster,
                self.attacher,
                self._record,
                summary,
                self._link_prefix,
                self.recreate_deleted,
            )
            state.lane = Lane(state.tenant.name, writer, _slot, cycle=CYCLE, backlog=BACKLOG)
        state.lane.put(document, self.gate.epoch)
        self.gate.note_document()

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
                    notice=partial(self.outcome.notice, tenant.tenant_id),
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
            skipped = invoice_skip(part)  # a skip rule (skip.py): before any call, for this part only
            if skipped is not None:
                self._record(skipped)
                continue
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
            self._queue(state, document)

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
        skipped = purchase_order_skip(tenant, po)  # a skip rule (skip.py): before any call
        if skipped is not None:
            self._record(skipped)
            return
        state = self._state(tenant, "purchase_order", po.id, po.number)
        if state is None or state.mapper is None:
            return
        # the Xero PO, the bill, or both (mappings.purchase_orders.send_as); each fails on its own
        for kind in state.mapper.purchase_order_kinds():
            try:
                document = state.mapper.purchase_order_as(kind, po)
            except MappingError as exc:
                key = state.mapper.purchase_order_key(kind, po)
                self._record(Decision("rejected", kind, tenant.tenant_id, key, po.id, reason=str(exc)))
                continue
            self._queue(state, document)

    def _reject_unrouted(self, kind: str, source_id: Any, reason: str, key: str = "") -> None:
        source = source_id if isinstance(source_id, int) else None
        self._record(Decision("rejected", kind, "", key or str(source_id), source, reason=reason))

    def _record(self, decision: Decision) -> None:
        self.outcome.record(decision)

    # ---- flush: every lane drained -------------------------------------------------------------------
    def flush(self) -> bool:
        """Write everything queued, partial batches included. False when a tenant stopped early (the rest
        is deferred). Organisations are written in parallel, each in its own lane: each has its own Xero
        limits (60 calls a minute), and none waits for another."""
        self.received = {}
        lanes = self._lanes()
        for lane in lanes:
            lane.request_drain()
        for lane in lanes:
            lane.wait_idle()  # re-raises an AuthError a lane met
        return not self.outcome.stopped()

    def close(self) -> None:
        """Stop the lanes' threads (after `flush`: they hold nothing)."""
        for state in self._tenants.values():
            if state.lane is not None:
                state.lane.close()
                state.lane = None

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


def _slot(document: Document) -> str:
    """A document's place in its lane: a newer version of the same document replaces one still waiting."""
    return f"{document.kind}:{document.key}"
