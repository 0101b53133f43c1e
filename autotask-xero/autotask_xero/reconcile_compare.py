"""Reconcile's comparison: what Xero should hold for each Autotask invoice, against what it holds.

Why through the destination's own stages: "what Xero should hold" is what destination-xero would write, so
each invoice goes through its `Router` (which organisation, split or not) and its `Mapper` (the document:
number fields, lines, rounding line, tax overrides), exactly as a sync does. The total and tax the document
will show in Xero are then computed from those lines with the destination's rounding rules
(`rounding.line_amount`, `line_tax`, the TaxAmount overrides), so a rounding line or tax-inclusive prices
never look like a difference. An invoice the routing or the mapping refuses is "unplaceable", with the
mapping's own reason; a voided invoice the mapping refuses is expected only to be void, as the sync treats it.

Matching is per organisation by the Autotask number our numbering reads in the Xero document
(`connector_kit.numbering.autotask_number`); of two Xero documents under one number, the live one counts.
Then, per document: absent (missing, or refused by the last sync when the rejected-records file says so),
voided on one side only, total or tax more than a cent apart, paid on one side only. Xero documents under our
numbering that no Autotask invoice of the organisation claims are placed last: in another organisation,
refused by the mapping (noted on that finding), voided in Autotask, or not in Autotask at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from destination_xero.config import Config, Tenant
from destination_xero.documents import Document, OrgProfile
from destination_xero.mapping import Mapper, MappingError
from destination_xero.record_fields import RecordError
from destination_xero.records import parse_invoice
from destination_xero.rounding import line_amount, line_tax
from destination_xero.routing import Rejection, Router

from .reconcile_model import Finding, Side
from .reconcile_reads import XeroDocument, preferred

CENT = Decimal("0.01")
ZERO = Decimal(0)


def money(value: Decimal | None, currency: str = "") -> str:
    if value is None:
        return "-"
    return (f"{currency} " if currency else "") + f"{value:,.2f}"


def label(kind: str, number: str) -> str:
    return f"{kind.replace('_', ' ')} {number}"


def predicted(document: Document, mapper: Mapper) -> tuple[Decimal, Decimal]:
    """(Total, TotalTax) Xero computes for the document's lines: each LineAmount rounded to the cent, each
    line's tax from its TaxType (or its TaxAmount override), as mapping_invoice predicted them."""
    payload = document.payload
    lat = str(payload.get("LineAmountTypes") or "Exclusive")
    gross = tax = ZERO
    for line in payload.get("LineItems") or []:
        amount = line_amount(Decimal(str(line.get("Quantity", 0))), Decimal(str(line.get("UnitAmount", 0))))
        gross += amount
        if line.get("TaxAmount") is not None:
            tax += Decimal(str(line["TaxAmount"]))
        elif line.get("TaxType") and lat != "NoTax":
            tax += line_tax(amount, mapper.components(str(line["TaxType"]), []), lat)
    return (gross if lat == "Inclusive" else gross + tax), tax


@dataclass
class Expected:
    """One routed part of an Autotask invoice, as Xero should hold it in its organisation."""

    tenant: Tenant
    document: Document
    number: str  # the Autotask number of this part (suffixed when split)
    autotask_id: int
    date: str
    currency: str
    voided: bool
    paid_on: str | None
    total: Decimal | None = None  # Xero's predicted Total (positive on a credit note); None when void-only
    tax: Decimal | None = None

    def side(self) -> Side:
        status = "voided" if self.voided else (f"paid on {self.paid_on}" if self.paid_on else "unpaid")
        return Side(self.number, self.total, self.tax, status, self.currency)


@dataclass
class Unplaced:
    """An invoice the routing or the mapping refuses: no sync can send it as the mapping stands."""

    tenant: Tenant | None
    number: str
    autotask_id: int | None
    kind: str
    reason: str
    held_as: str = ""  # how Xero holds it anyway (sent before the mapping changed)


def _paid_on(raw: Mapping[str, Any]) -> str | None:
    value = raw.get("paidDate")
    return str(value)[:10] if value else None


def _kind_of(raw: Mapping[str, Any]) -> str:
    """Invoice or credit note, for a record that could not be parsed (its total may be unreadable too)."""
    try:
        return "credit_note" if Decimal(str(raw.get("invoiceTotal") or 0)) < 0 else "invoice"
    except ArithmeticError:
        return "invoice"


def _currency(raw: Mapping[str, Any]) -> str:
    currency = raw.get("currency")
    if isinstance(currency, Mapping):
        return str(currency.get("code") or currency.get("name") or "")
    return ""


@dataclass
class Placement:
    """Every Autotask invoice read, placed as the destination would place it."""

    config: Config
    profiles: Mapping[str, OrgProfile]  # only the organisations Xero could be read for
    expected: dict[str, dict[str, Expected]] = field(default_factory=dict)  # tenant id -> number -> part
    unplaced: list[Unplaced] = field(default_factory=list)
    numbers: set[str] = field(default_factory=set)  # every Autotask number read, split parts' too
    voided_numbers: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.router = Router(self.config)
        self.mappers = {
            t.tenant_id: Mapper(t, self.profiles[t.tenant_id])
            for t in self.config.tenants
            if t.tenant_id in self.profiles
        }

    def add(self, records: Iterable[Mapping[str, Any]]) -> None:
        for raw in records:
            self._add(raw)

    def _add(self, raw: Mapping[str, Any]) -> None:
        number = str(raw.get("invoiceNumber") or "").strip()
        if not number or number in self.numbers:
            return
        self.numbers.add(number)
        source_id = raw.get("id") if isinstance(raw.get("id"), int) else None
        try:
            invoice = parse_invoice(raw)
        except RecordError as exc:
            reason = f"cannot be read: {exc}"
            self.unplaced.append(Unplaced(None, number, source_id, _kind_of(raw), reason))
            return
        kind = "credit_note" if invoice.is_credit else "invoice"
        if invoice.voided:
            self.voided_numbers.add(number)
        routed = self.router.route_invoice(invoice)
        if isinstance(routed, Rejection):
            if not invoice.voided:  # a voided invoice nobody routes was never meant to be in Xero
                self.unplaced.append(Unplaced(None, number, invoice.id, kind, routed.reason))
            return
        for part in routed:
            self.numbers.add(part.number)
            if invoice.voided:
                self.voided_numbers.add(part.number)
            mapper = self.mappers.get(part.tenant.tenant_id)
            if mapper is None:
                continue  # Xero could not be read for this organisation: reported as such, not compared
            part_kind = "credit_note" if part.target_total < 0 else "invoice"
            try:
                document = mapper.invoice(part)
            except MappingError as exc:
                if not invoice.voided:
                    reason = "; ".join(exc.problems)
                    self.unplaced.append(Unplaced(part.tenant, part.number, invoice.id, part_kind, reason))
                    continue
                document = mapper.void_only(part)
            expected = Expected(
                part.tenant,
                document,
                part.number,
                invoice.id,
                str(raw.get("invoiceDateTime") or "")[:10],
                _currency(raw),
                invoice.voided,
                _paid_on(raw),
            )
            if not document.void:
                expected.total, expected.tax = predicted(document, mapper)
            self.expected.setdefault(part.tenant.tenant_id, {})[part.number] = expected

    def candidates(self, number: str) -> set[str]:
        """The Autotask numbers a Xero number may stand for: itself, and without a split suffix."""
        found = {number}
        for tenant in self.config.tenants:
            suffix = tenant.split_number_suffix
            if suffix and number.endswith(suffix) and len(number) > len(suffix):
                found.add(number[: -len(suffix)])
        return found


Held = dict[str, XeroDocument]  # Autotask number -> the Xero document that counts


def index(documents: Iterable[XeroDocument]) -> Held:
    """Our documents by the Autotask number they carry (documents not under our numbering left out)."""
    held: Held = {}
    for doc in documents:
        if doc.autotask_number is not None:
            held[doc.autotask_number] = preferred(held.get(doc.autotask_number), doc)
    return held


def missing_documents(placement: Placement, tenant_id: str, held: Held) -> list[Document]:
    """The documents of this organisation the period listing did not return: to be looked up by number."""
    return [e.document for n, e in placement.expected.get(tenant_id, {}).items() if n not in held]


def strays(placement: Placement, held: Mapping[str, Held]) -> set[str]:
    """Autotask numbers to look up: carried by Xero documents that no invoice read so far accounts for."""
    wanted: set[str] = set()
    for documents in held.values():
        for number in documents:
            if not placement.candidates(number) & placement.numbers:
                wanted |= placement.candidates(number)
    return wanted


def _xero_side(doc: XeroDocument) -> Side:
    status = doc.status.lower()
    if not doc.voided and not doc.paid and doc.due is not None:
        status += f", {money(doc.due, doc.currency)} due"
    return Side(doc.number, doc.total, doc.tax, status, doc.currency)


def _finding(kind: str, e: Expected, detail: str, doc: XeroDocument | None = None) -> Finding:
    return Finding(
        kind,
        e.tenant.tenant_id,
        label(e.document.kind, e.number),
        detail,
        autotask_id=e.autotask_id,
        xero_id=doc.xero_id if doc else None,
        autotask=e.side(),
        xero=_xero_side(doc) if doc else None,
    )


def _a(kind: str) -> str:
    return "a credit note" if kind == "credit_note" else "an invoice"


def _apart(held: Decimal, wanted: Decimal | None) -> bool:
    """More than a cent apart (a void-only document predicts nothing, so nothing is apart)."""
    return wanted is not None and abs(held - wanted) > CENT


def _compare(e: Expected, doc: XeroDocument | None, refused: str | None) -> list[Finding]:
    org = e.tenant.name
    if doc is None:
        if e.voided:
            return []  # voided in Autotask and never in Xero: they agree
        if refused:
            return [_finding("refused_by_last_sync", e, refused)]
        detail = f"dated {e.date}, {money(e.total, e.currency)}: {org} has no document under this number"
        return [_finding("missing_in_xero", e, detail)]
    if doc.voided or e.voided:
        if doc.voided and not e.voided:
            return [
                _finding("voided_in_xero_only", e, f"{doc.status.lower()} in Xero; live in Autotask", doc)
            ]
        if e.voided and not doc.voided:
            return [_finding("voided_in_autotask_only", e, f"voided in Autotask; {doc.status} in Xero", doc)]
        return []
    found: list[Finding] = []
    if doc.kind != e.document.kind:
        detail = f"Autotask bills it as {_a(e.document.kind)}, Xero holds {_a(doc.kind)}"
        found.append(_finding("amounts_differ", e, detail, doc))
    elif _apart(doc.total, e.total) or _apart(doc.tax, e.tax):
        detail = (
            f"Xero shows {money(doc.total, doc.currency)} (tax {money(doc.tax)}); the Autotask invoice "
            f"gives {money(e.total, e.currency)} (tax {money(e.tax)})"
        )
        found.append(_finding("amounts_differ", e, detail, doc))
    if e.paid_on and not doc.paid:
        detail = f"paid in Autotask on {e.paid_on}; Xero shows {money(doc.due, doc.currency)} still due"
        found.append(_finding("paid_in_autotask_only", e, detail, doc))
    elif doc.paid and not e.paid_on:
        found.append(_finding("paid_in_xero_only", e, "fully paid in Xero; no paid date in Autotask", doc))
    return found


def _stray(
    placement: Placement, tenant: Tenant, doc: XeroDocument, number: str, names: Mapping[str, str]
) -> Finding | None:
    """A Xero document of this organisation that no Autotask invoice placed here accounts for. A voided or
    deleted one is left alone: it bills nothing, whatever Autotask holds."""
    if doc.voided:
        return None
    shown = (
        f"{tenant.name} holds {label(doc.kind, doc.number)} ({doc.status.lower()}, "
        f"{money(doc.total, doc.currency)}, dated {doc.date})"
    )
    elsewhere = [t for t, parts in placement.expected.items() if t != tenant.tenant_id and number in parts]
    if elsewhere:
        where = ", ".join(names[t] for t in elsewhere)
        return _stray_finding(
            "in_another_organisation", tenant, doc, number, f"{shown}; the routing sends it to {where}"
        )
    unplaced = next((u for u in placement.unplaced if u.number == number), None)
    if unplaced is not None:
        unplaced.held_as = (
            f"{tenant.name} holds it ({doc.status.lower()}), sent before the mapping refused it"
        )
        return None
    if number in placement.voided_numbers:
        return _stray_finding("voided_in_autotask_only", tenant, doc, number, f"voided in Autotask; {shown}")
    known = placement.candidates(number) & placement.numbers
    if not known:
        detail = f"{shown}; Autotask has no invoice {number}"
        return _stray_finding("not_in_autotask", tenant, doc, number, detail)
    base = ", ".join(sorted(known))
    detail = f"{shown}; the routing now places Autotask invoice {base} differently (split or not)"
    return _stray_finding("in_another_organisation", tenant, doc, number, detail)


def _stray_finding(kind: str, tenant: Tenant, doc: XeroDocument, number: str, detail: str) -> Finding:
    return Finding(
        kind, tenant.tenant_id, label(doc.kind, number), detail, xero_id=doc.xero_id, xero=_xero_side(doc)
    )


def findings(
    placement: Placement, held: Mapping[str, Held], refused: Mapping[tuple[str, str], str]
) -> list[Finding]:
    """Every difference, organisation by organisation (only those Xero could be read for), then the
    invoices no mapping can place. `refused`: (tenant id, Xero key) -> the last sync's reason."""
    names = {t.tenant_id: t.name for t in placement.config.tenants}
    found: list[Finding] = []
    for tenant in placement.config.tenants:
        tid = tenant.tenant_id
        if tid not in held:
            continue
        documents = held[tid]
        parts = placement.expected.get(tid, {})
        for number, e in parts.items():
            found += _compare(e, documents.get(number), refused.get((tid, e.document.key)))
        for number, doc in documents.items():
            if number not in parts:
                stray = _stray(placement, tenant, doc, number, names)
                if stray is not None:
                    found.append(stray)
    for u in placement.unplaced:
        if u.tenant is not None and u.tenant.tenant_id not in held:
            continue
        detail = u.reason + (f" ({u.held_as})" if u.held_as else "")
        found.append(
            Finding(
                "unplaceable",
                u.tenant.tenant_id if u.tenant else "",
                label(u.kind, u.number),
                detail,
                autotask_id=u.autotask_id,
            )
        )
    return found
