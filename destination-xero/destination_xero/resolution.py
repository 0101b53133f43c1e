"""Resolution: the contacts and items a flush's documents need, found in Xero or written there first.

Why a stage between mapping and planning: a document names its company and its products; Xero wants a
ContactID and existing item codes. Resolving them for all documents of a flush at once costs one listing
of contacts (and one of items) per organisation per run, and lets every company claim its contact in one
decision (contact_match.py) rather than in the order the records arrived.

Contacts: matched in the declared order (ContactNumber, AccountNumber, exact name, folded name); archived
contacts count (they are un-archived rather than duplicated) and a match always wins over creation, so
one company never gets a second contact. A matched contact without a ContactNumber is given ours, so the
next run matches on it. A name clash on creation retries once under "<name> (<contact number>)": the
company is kept apart, never merged into a stranger. A document whose contact cannot be had is rejected,
except a void, which needs no contact.
Items: a line's item code must exist in Xero; a missing one is created from the products stream's details
when `items.create_missing`, else the documents that carry it are rejected, naming the code. A product
`items.inventory` declares stocked is created tracked as inventory; an item Xero already holds is used as
it is, never converted, and one untracked although declared stocked is said once per run (inventory.py).
A dry run writes neither and says what it would create.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from xero_client.client import XeroClient

from .config import Tenant
from .contact_links import CompanyLinks
from .contact_match import KnownCompany, resolve_contacts
from .documents import Document
from .inventory import is_tracked, untracked_notice
from .lookups import ContactIndex, load_items
from .mapping import Mapper, MappingError
from .planner import Decision
from .posting import WRITE_BATCH, Poster, chunks
from .record_types import Company, ProductRef

log = logging.getLogger("destination_xero")

ContactWrite = tuple[Company, Document, str]  # (company, contact document, "create" | "update")


@dataclass
class _ContactPlan:
    """Per company of a flush: its ContactID, why it has none, or the contact write it needs first."""

    resolved: dict[int, str] = field(default_factory=dict)
    failures: dict[int, tuple[str, list[str]]] = field(default_factory=dict)
    writes: list[ContactWrite] = field(default_factory=list)
    notes: dict[int, str] = field(default_factory=dict)  # why a company gets a new contact though one of
    # its name exists


class Resolver:
    """One organisation's contacts and items, listed from Xero on first need and kept for the run."""

    def __init__(
        self,
        tenant: Tenant,
        mapper: Mapper,
        client: XeroClient,
        poster: Poster,
        record: Callable[[Decision], None],
        known_companies: Mapping[int, KnownCompany],
        products: Mapping[tuple[str, int], ProductRef],
        notice: Callable[[str], None] | None = None,
    ) -> None:
        self.tenant = tenant
        self.mapper = mapper
        self.client = client
        self.poster = poster
        self.record = record
        self.known_companies = known_companies  # every company the run has seen (the engine adds to it)
        self.products = products  # the products stream's details, by (kind, id)
        self.contacts: ContactIndex | None = None
        self.items: dict[str, dict[str, Any]] | None = None
        self.notice = notice  # a warning for the run summary (outcome.py), said once
        self.held: list[Document] = []  # documents whose contact write waits for a fuller batch
        self._links = CompanyLinks()
        self._noted_untracked: set[str] = set()

    # ---- contacts --------------------------------------------------------------------------------------
    def resolve_contacts(self, documents: list[Document], hold_partial: bool = False) -> list[Document]:
        """The documents that have their contact, each payload given its `Contact`; the others rejected.

        `hold_partial`: the contact writes past the last full batch of WRITE_BATCH are not sent now. Their
        companies' documents are kept in `held` for the caller to carry to its next cycle, where they
        are matched again with the companies that arrive then (nothing was written for them, so the
        match is the same). A month's new customers then cost ⌈n/50⌉ contact writes, not one partial
        batch per cycle."""
        self.held = []
        if self.contacts is None:
            self.contacts = ContactIndex.load(self.client, self.tenant.tenant_id)
        companies = {doc.contact.id: doc.contact for doc in documents if doc.contact is not None}
        plan = self._match(self.contacts, companies.values())
        if hold_partial and not self.poster.dry_run:
            documents = self._hold_partial(plan, documents)
        if plan.writes and not self.poster.dry_run:
            self._write_contacts(plan, plan.writes)
        self._record_contacts(plan)
        return self._with_contacts(plan, documents)

    def _hold_partial(self, plan: _ContactPlan, documents: list[Document]) -> list[Document]:
        """Take the last partial batch of contact writes out of `plan`; their documents go to `held`."""
        partial = len(plan.writes) % WRITE_BATCH
        if not partial:
            return documents
        waiting = {company.id for company, _, _ in plan.writes[-partial:]}
        plan.writes = plan.writes[:-partial]
        for company_id in waiting:
            plan.notes.pop(company_id, None)
        self.held = [d for d in documents if d.contact is not None and d.contact.id in waiting]
        return [d for d in documents if d.contact is None or d.contact.id not in waiting]

    def _match(self, index: ContactIndex, companies: Iterable[Company]) -> _ContactPlan:
        rules = self.tenant.mappings.contacts
        companies = list(companies)
        plan = _ContactPlan()
        known = {**self.known_companies, **{c.id: KnownCompany.of(c) for c in companies}}
        prefix = rules.contact_number_prefix
        pool = self._links.linked(index, prefix, known, (c.id for c in companies))  # contact_links.py
        matches = resolve_contacts(index, rules.match, prefix, pool.values())
        for company in companies:
            wanted = self.mapper.contact(company)
            outcome = matches[company.id]
            found = outcome.contact
            if outcome.problem:
                plan.failures[company.id] = (
                    outcome.problem,
                    [],
                )  # ambiguous: its documents wait for the admin
            elif found is not None:
                plan.resolved[company.id] = str(found["ContactID"])
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
                    plan.writes.append((company, wanted, "update"))
            elif rules.create_missing:
                plan.writes.append((company, wanted, "create"))
                if outcome.note:
                    plan.notes[company.id] = outcome.note
                    log.warning("contact for company %s: %s", company.id, outcome.note)
            else:
                plan.failures[company.id] = (
                    f"no Xero contact matches company {company.name!r} and contacts.create_missing is false"
                    + (f" ({outcome.note})" if outcome.note else ""),
                    [],
                )
        return plan

    def _write_contacts(
        self, plan: _ContactPlan, writes: list[ContactWrite], retry_clashes: bool = True
    ) -> None:
        assert self.contacts is not None
        retry: list[ContactWrite] = []
        for batch in chunks(writes, WRITE_BATCH):
            elements = [doc.payload for _, doc, _ in batch]
            keys = [d.key for _, d, _ in batch]
            results = self.poster.post(self.tenant.tenant_id, "Contacts", elements, keys, False)
            for (company, doc, action), (ok, element, messages) in zip(batch, results, strict=True):
                if ok:
                    plan.resolved[company.id] = str(element.get("ContactID"))
                    self.contacts.add(dict(element))
                elif (
                    retry_clashes
                    and action == "create"
                    and any("already" in m or "unique" in m for m in messages)
                ):
                    # Name clash with another contact: keep the company apart, never merge into a stranger.
                    doc.payload = {**doc.payload, "Name": f"{company.name} ({doc.key})"[:255]}
                    retry.append((company, doc, action))
                else:
                    plan.failures[company.id] = (
                        f"contact for company {company.name!r} could not be written",
                        messages,
                    )
        if retry:
            self._write_contacts(plan, retry, retry_clashes=False)

    def _record_contacts(self, plan: _ContactPlan) -> None:
        tenant_id = self.tenant.tenant_id
        for company, wanted, action in plan.writes:
            if company.id in plan.failures:
                reason, messages = plan.failures[company.id]
                self.record(
                    Decision(
                        "rejected",
                        "contact",
                        tenant_id,
                        wanted.key,
                        company.id,
                        reason=reason,
                        messages=messages,
                    )
                )
            else:
                self.record(
                    Decision(
                        action,
                        "contact",
                        tenant_id,
                        wanted.key,
                        company.id,
                        reason=plan.notes.get(company.id, ""),
                        payload=wanted.payload,
                        existing_id=plan.resolved.get(company.id),
                    )
                )

    def _with_contacts(self, plan: _ContactPlan, documents: list[Document]) -> list[Document]:
        kept = []
        for doc in documents:
            if doc.contact is None:
                kept.append(doc)
                continue
            if doc.contact.id in plan.failures and doc.contact.id not in plan.resolved:
                if doc.void:  # a void needs no contact: it is skipped, or voids what Xero already holds
                    kept.append(doc)
                    continue
                reason, messages = plan.failures[doc.contact.id]
                self.record(_rejected(doc, reason, messages))
                continue
            contact_id = plan.resolved.get(doc.contact.id)
            if contact_id:
                doc.payload = {"Contact": {"ContactID": contact_id}, **doc.payload}
            else:  # dry run: the contact would be created first
                doc.payload = {
                    "Contact": {
                        "ContactNumber": self.mapper.contact_number(doc.contact),
                        "Name": doc.contact.name,
                    },
                    **doc.payload,
                }
            kept.append(doc)
        return kept

    # ---- items -----------------------------------------------------------------------------------------
    def resolve_items(self, documents: list[Document]) -> list[Document]:
        """The documents whose item codes all exist in Xero (or were just created); the others rejected."""
        settings = self.tenant.mappings.items
        if not settings.enabled or not any(doc.products for doc in documents):
            return documents
        if self.items is None:
            self.items = load_items(self.client, self.tenant.tenant_id)
        missing, failures = self._missing_items(self.items, documents)
        if missing and not settings.create_missing:
            for code in missing:
                failures[code] = [f"item {code!r} does not exist in Xero and items.create_missing is false"]
            missing = {}
        if missing and not self.poster.dry_run:
            self._create_items(self.items, missing, failures)
        for doc in missing.values():
            if doc.key in failures:
                reason = "item could not be created"
                self.record(_rejected(doc, reason, failures[doc.key]))
            else:
                self.record(
                    Decision("create", "item", doc.tenant_id, doc.key, doc.source_id, payload=doc.payload)
                )
        return self._with_items(documents, failures)

    def _missing_items(
        self, held: Mapping[str, Any], documents: list[Document]
    ) -> tuple[dict[str, Document], dict[str, list[str]]]:
        """(item documents to create by code, problems by code) for the codes Xero does not hold."""
        missing: dict[str, Document] = {}
        failures: dict[str, list[str]] = {}
        for doc in documents:
            for product in doc.products:
                # The code is the one the line carries; the products stream, when synced, only adds the
                # details a new item is created with (description, unit price).
                code = self.mapper.item_code(product) or ""
                detail = self.products.get((product.kind, product.id), product)
                if code.casefold() in held:
                    self._note_untracked(code, held[code.casefold()], detail)
                    continue
                if code in missing:
                    continue
                try:
                    missing[code] = self.mapper.item(detail, code)
                except MappingError as exc:
                    failures[code] = exc.problems
        return missing, failures

    def _note_untracked(self, code: str, item: Mapping[str, Any], product: ProductRef) -> None:
        """Say once that an item Xero holds untracked is declared stocked: it is used as it is."""
        if code in self._noted_untracked or is_tracked(dict(item)):
            return
        if not self.mapper.items.stock.stocked(product):
            return
        self._noted_untracked.add(code)
        if self.notice is not None:  # the run summary's warnings, which the adapters log at the end
            self.notice(untracked_notice(code))
        else:
            log.warning("%s: %s", self.tenant.name, untracked_notice(code))

    def _create_items(
        self, held: dict[str, dict[str, Any]], missing: dict[str, Document], failures: dict[str, list[str]]
    ) -> None:
        items = list(missing.values())
        for batch in chunks(items, WRITE_BATCH):
            payloads, keys = [d.payload for d in batch], [d.key for d in batch]
            results = self.poster.post(self.tenant.tenant_id, "Items", payloads, keys, True)
            for doc, (ok, element, messages) in zip(batch, results, strict=True):
                if ok:
                    held[doc.key.casefold()] = dict(element)
                else:
                    failures[doc.key] = messages or ["item could not be created"]

    def _with_items(self, documents: list[Document], failures: dict[str, list[str]]) -> list[Document]:
        kept = []
        for doc in documents:
            codes = (self.mapper.item_code(p) or "" for p in doc.products)
            bad = list(dict.fromkeys(code for code in codes if code in failures))
            if bad:
                messages = [m for code in bad for m in failures[code]]
                self.record(_rejected(doc, f"item(s) {', '.join(bad)} unavailable", messages))
                continue
            kept.append(doc)
        return kept


def _rejected(doc: Document, reason: str, messages: list[str]) -> Decision:
    return Decision(
        "rejected", doc.kind, doc.tenant_id, doc.key, doc.source_id, reason=reason, messages=messages
    )
