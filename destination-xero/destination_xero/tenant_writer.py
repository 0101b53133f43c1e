"""One organisation's work in its writer lane (pipeline.py): resolution → planning → posting → attachments.

Why apart from the engine: this is what a lane runs in its own thread, cycle after cycle. The engine only
routes and maps records into the lanes. Each cycle:
1. contacts and items of the new documents are resolved (created where the mapping says so);
2. the new documents are planned against what Xero holds (lookups.py batches the reads over the whole
   cycle, up to `pipeline.Lane`'s `cycle` documents, not over what arrived since the last state); a kind
   the organisation holds none of is not looked up at all (holdings.py);
3. the creates and updates are posted in full batches of 50 per kind. A last partial batch is carried to
   the next cycle, already planned, unless the lane is draining. Bills are never carried: an approved bill
   adds tracked stock that a sale in the same cycle may need (posting.WRITE_ORDER). New contacts are
   written in full batches too: the documents of the companies in the last partial batch are carried
   unplanned and resolved again next cycle (resolution.py `hold_partial`);
4. the PDFs of what was written are attached.

A carried document replaced by a newer version of itself (same kind and key) before its batch was sent is
dropped, and the newer one is planned afresh. It was never written, so the look-up still says what Xero
holds. A day limit or an organisation refusing access stops this organisation: what is left is deferred,
never rejected, and the lane keeps taking documents only to defer them. The app's credentials refused
(AuthError) ends the run, raised in the intake thread by the lane.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from xero_client.client import XeroClient
from xero_client.errors import AuthError, DailyLimitReached, TenantAccessError, XeroError

from .attachments import Attacher
from .config import Tenant
from .documents import Document
from .holdings import OrgHoldings, held_in
from .outcome import TenantSummary, access_stop
from .planner import Decision, decide, identity_mismatch, plan
from .posting import WRITE_ORDER, Poster
from .resolution import Resolver

NEVER_CARRIED = frozenset({"bill"})


class TenantWriter:
    """The `Work` of one organisation's lane."""

    def __init__(
        self,
        tenant: Tenant,
        resolver: Resolver,
        client: XeroClient,
        poster: Poster,
        attacher: Attacher,
        record: Callable[[Decision], None],
        summary: TenantSummary,
        link_prefix: str,
        recreate_deleted: bool,
    ) -> None:
        self.tenant = tenant
        self.resolver = resolver
        self.client = client
        self.poster = poster
        self.attacher = attacher
        self.record = record
        self.summary = summary
        self.link_prefix = link_prefix
        self.recreate_deleted = recreate_deleted
        self._planned: dict[int, Decision] = {}  # id(document) -> its planned write, carried
        self.holdings = OrgHoldings()

    def __call__(self, documents: list[Document], drain: bool) -> list[Document]:
        carried, fresh = self._split(documents)
        pending = {id(doc): doc for doc in fresh}
        pending.update({id(d.document): d.document for d in carried if d.document is not None})
        if self.summary.stopped:
            self._defer(pending.values(), self.summary.stopped)
            return []
        try:
            return self._cycle(fresh, carried, pending, drain)
        except DailyLimitReached as exc:
            self.summary.stopped = f"{exc}; the rest is left for the next run"
            self._defer(pending.values(), str(exc))
        except TenantAccessError as exc:
            self.summary.stopped = access_stop(self.tenant, exc)
            self._defer(pending.values(), self.summary.stopped)
        except AuthError:
            raise  # the app cannot authenticate at all: the run stops with that error, nothing is "rejected"
        except XeroError as exc:
            for doc in pending.values():
                self.record(
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
        self._planned.clear()
        return []

    def _split(self, documents: list[Document]) -> tuple[list[Decision], list[Document]]:
        """(the carried decisions still wanted, the documents to plan now). A document carried unplanned
        (its contact was waiting) and a newer version of it arrived since: only the newer is planned."""
        latest = {(doc.kind, doc.key): doc for doc in documents if id(doc) not in self._planned}
        fresh = [doc for doc in documents if latest.get((doc.kind, doc.key)) is doc]
        newer = {(doc.kind, doc.key) for doc in fresh}
        carried = []
        for doc in documents:
            decision = self._planned.pop(id(doc), None)
            if decision is not None and (doc.kind, doc.key) not in newer:
                carried.append(decision)
        return carried, fresh

    def _cycle(
        self, fresh: list[Document], carried: list[Decision], pending: dict[int, Document], drain: bool
    ) -> list[Document]:
        tenant_id = self.tenant.tenant_id
        decisions: list[Decision] = []
        waiting: list[Document] = []  # their contact waits for a fuller batch: carried, not yet planned
        if fresh:
            with_contacts = self.resolver.resolve_contacts(fresh, hold_partial=not drain)
            waiting = self.resolver.held
            resolved = self.resolver.resolve_items(with_contacts)
            dropped = {id(doc) for doc in fresh} - {id(doc) for doc in (*resolved, *waiting)}
            for key in dropped:  # rejected by the resolution (an ambiguous contact): recorded there
                pending.pop(key, None)
            if self.resolver.contacts is not None and self.resolver.contacts.listed == 0:
                self.holdings.hold_nothing()
            decisions, unprobed = self._plan(resolved, drain)
            waiting = waiting + unprobed
        for decision in decisions:
            if decision.action not in ("create", "update"):
                pending.pop(id(decision.document), None)
                self.record(decision)
        writes = carried + [d for d in decisions if d.action in ("create", "update")]
        self.holdings.note_sent(d.document for d in writes if d.document is not None)
        held: list[Decision] = []
        for kind in WRITE_ORDER:
            batch = [d for d in writes if d.kind == kind]
            carry = not drain and kind not in NEVER_CARRIED
            held += self.poster.write(tenant_id, batch, pending, self.record, carry=carry)
        held_ids = {id(d) for d in held}
        done = [d for d in (*carried, *decisions) if id(d) not in held_ids]
        self.attacher.attach(self.tenant, done)  # once written: a failed PDF un-lands nothing
        for decision in held:
            assert decision.document is not None  # a planned write always names its document
            self._planned[id(decision.document)] = decision
        return [d.document for d in held if d.document is not None] + waiting

    def _plan(self, documents: list[Document], drain: bool) -> tuple[list[Decision], list[Document]]:
        """(one decision per document, in their order; the documents held back until their kind is
        probed, holdings.py `sort`). Those Xero cannot hold are decided as new without a read, those of
        a kind the run listed against the listing, the others against what the look-ups find."""
        tenant_id = self.tenant.tenant_id
        absent, unprobed = self.holdings.sort(self.client, tenant_id, documents, drain)
        later = {id(doc) for doc in unprobed}
        documents = [doc for doc in documents if id(doc) not in later]
        decided: dict[int, Decision] = {}
        looked = []
        for doc in documents:
            listing = None if id(doc) in absent else self.holdings.listed(doc)
            if id(doc) in absent:
                decided[id(doc)] = decide(doc, None, self.recreate_deleted)
            elif listing is not None:
                found, moved = held_in(listing, doc)
                if moved is not None:
                    decision = identity_mismatch(doc, moved)
                else:
                    decision = decide(doc, found, self.recreate_deleted)
                decision.has_attachments = bool((found or {}).get("HasAttachments"))
                decided[id(doc)] = decision
            else:
                looked.append(doc)
        if looked:
            for decision in plan(self.client, tenant_id, looked, self.link_prefix, self.recreate_deleted):
                assert decision.document is not None  # plan decides one per document it was given
                decided[id(decision.document)] = decision
        return [decided[id(doc)] for doc in documents], unprobed

    def _defer(self, documents: Iterable[Document], reason: str) -> None:
        for doc in list(documents):
            self.record(Decision("deferred", doc.kind, doc.tenant_id, doc.key, doc.source_id, reason=reason))
