"""What `autotask-xero reconcile` reads, read-only, in the fewest calls each vendor allows.

Autotask, through source-autotask's own core (`DocumentBatches`, `ReferenceData`), so that every invoice is
the very record a sync sends and the mapper sees what the destination saw: the invoices dated in the period
(`invoiceDateTime` from the first day to before the day after the last, 500 a page), their billing items in
bulk (one id range when the ids are dense, else `in` lists of 500), the companies, charges and products the
lines name (prefetched once per batch of 5,000 invoices) and the small reference tables once each. The demo's
300 invoices cost 24 calls; a month of 1,031 invoices (`bench:3000`) 32, against Autotask's 10,000 an hour.
Later, only when Xero holds numbers the period did not return, one `invoiceNumber in [...]` query per 500
numbers, plus what their assembly needs.

Xero, per organisation (each has its own day limit: 1,000 calls on the Starter tier): the settings the mapper
needs (`destination_xero.lookups.load_profile`: Organisation, TaxRates, Currencies, and BrandingThemes or
TrackingCategories only when the mapping uses them), the sales invoices of the period (`where` on Type and
Date, `summaryOnly=true`, 1,000 a page: Total, TotalTax, Status, AmountDue, InvoiceNumber, Reference, Date
and Type are all in the summary, and the lines are not needed), and the sales credit notes of the period
(Xero offers no summaryOnly for them; 1,000 a page). Only the documents the period listing did not return are
then looked up by number (`lookup_existing`, about 200 numbers a call), so a document whose date was
changed in Xero is found rather than called missing. A month of 1,031 invoices costs 8 or 9 calls per
organisation, 11 when nothing is in Xero yet (every document then also looked up by number).

Read-only by construction: `ReadOnlyXero` refuses anything but a GET before it is sent, and the Autotask
side only runs queries (the source core has no write).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.query import MAX_IN_VALUES, F, Query
from connector_kit.numbering import NumberingMapping, autotask_number
from destination_xero.config import Config, Tenant
from destination_xero.documents import Document, OrgProfile
from destination_xero.lookups import PAGE_SIZE, load_profile, lookup_existing
from source_autotask.batches import DocumentBatches, Held
from source_autotask.config import SourceConfig
from source_autotask.reference import ReferenceData
from xero_client.client import Response, XeroClient
from xero_client.errors import XeroError
from xero_client.wire import parse_date

Record = dict[str, Any]
LIVE_FIRST = ("VOIDED", "DELETED")


class WriteRefused(XeroError):
    """A write was about to leave reconcile, which only reads: a bug, refused before anything is sent."""


class ReadOnlyXero(XeroClient):
    """The Xero client with every method but GET refused: reconcile never changes Xero, by construction."""

    def request(
        self,
        method: str,
        tenant_id: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        idempotency_key: str | None = None,
        content: bytes | None = None,
        content_type: str | None = None,
    ) -> Response:
        if method.upper() != "GET" or body is not None or content is not None:
            raise WriteRefused(f"reconcile only reads; refused to send {method} {path}")
        return super().request(method, tenant_id, path, params=params)

    def calls(self, tenant_id: str) -> int:
        return self.limiter(tenant_id).state.calls


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _day(record: Mapping[str, Any]) -> str:
    """The document's date as Xero shows it (YYYY-MM-DD)."""
    moment = parse_date(record.get("Date"))
    if moment is not None:
        return moment.to_date_string()
    return str(record.get("DateString") or record.get("Date") or "")[:10]


@dataclass(frozen=True)
class XeroDocument:
    """A sales invoice or credit note as Xero holds it, with the Autotask number our numbering reads in it."""

    kind: str  # "invoice" | "credit_note"
    xero_id: str
    number: str  # InvoiceNumber / CreditNoteNumber
    reference: str
    status: str
    total: Decimal
    tax: Decimal
    due: Decimal | None  # AmountDue of an invoice, RemainingCredit of a credit note
    date: str
    currency: str
    autotask_number: str | None

    @property
    def voided(self) -> bool:
        return self.status in ("VOIDED", "DELETED")

    @property
    def paid(self) -> bool:
        """Fully paid (or, for a credit note, fully used): Status PAID, or nothing left due on a document
        that had something to pay. A zero-total document owes nothing and is never called paid."""
        if self.status == "PAID":
            return True
        return self.status == "AUTHORISED" and self.due == 0 and self.total != 0

    @classmethod
    def of(cls, kind: str, record: Mapping[str, Any], numbering: NumberingMapping) -> XeroDocument:
        number_field = "CreditNoteNumber" if kind == "credit_note" else "InvoiceNumber"
        due_field = "RemainingCredit" if kind == "credit_note" else "AmountDue"
        number = str(record.get(number_field) or "")
        reference = str(record.get("Reference") or "")
        return cls(
            kind=kind,
            xero_id=str(record.get("CreditNoteID" if kind == "credit_note" else "InvoiceID") or ""),
            number=number,
            reference=reference,
            status=str(record.get("Status") or ""),
            total=_dec(record.get("Total")) or Decimal(0),
            tax=_dec(record.get("TotalTax")) or Decimal(0),
            due=_dec(record.get(due_field)),
            date=_day(record),
            currency=str(record.get("CurrencyCode") or ""),
            autotask_number=autotask_number(numbering, number, reference),
        )


def preferred(first: XeroDocument | None, second: XeroDocument) -> XeroDocument:
    """Of two documents under one number (a voided one and one entered again), the live one counts."""
    if first is None or (first.voided and not second.voided):
        return second
    return first


def _where_period(kind: str, start: pendulum.Date, end: pendulum.Date) -> str:
    wanted = "ACCRECCREDIT" if kind == "credit_note" else "ACCREC"
    return (
        f'Type=="{wanted}" AND Date>=DateTime({start.year},{start.month},{start.day}) '
        f"AND Date<=DateTime({end.year},{end.month},{end.day})"
    )


def _pages(client: XeroClient, tenant_id: str, collection: str, params: Mapping[str, Any]) -> Iterator[Any]:
    page = 1
    while True:
        body = client.get(tenant_id, collection, {**params, "page": page, "pageSize": PAGE_SIZE})
        batch = body.get(collection) or []
        yield from batch
        if len(batch) < PAGE_SIZE:
            return
        page += 1


class XeroSide:
    """One organisation's reads: the mapper's settings, the documents of the period, look-ups by number."""

    def __init__(self, client: ReadOnlyXero, tenant: Tenant) -> None:
        self.client = client
        self.tenant = tenant
        self.numbering = tenant.mappings.numbering

    def profile(self) -> OrgProfile:
        return load_profile(self.client, self.tenant)

    def period(self, start: pendulum.Date, end: pendulum.Date) -> list[XeroDocument]:
        """The sales invoices and credit notes dated in the period, every status (voided and deleted too)."""
        tid = self.tenant.tenant_id
        invoices = _pages(
            self.client,
            tid,
            "Invoices",
            {"where": _where_period("invoice", start, end), "summaryOnly": "true"},
        )
        found = [XeroDocument.of("invoice", r, self.numbering) for r in invoices if r.get("Type") == "ACCREC"]
        notes = _pages(self.client, tid, "CreditNotes", {"where": _where_period("credit_note", start, end)})
        found += [
            XeroDocument.of("credit_note", r, self.numbering)
            for r in notes
            if r.get("Type") == "ACCRECCREDIT"
        ]
        return found

    def by_key(self, documents: Sequence[Document]) -> dict[str, XeroDocument]:
        """What Xero holds under these documents' numbers (or References), by `kind:key`, in batched calls."""
        if not documents:
            return {}
        held = lookup_existing(self.client, self.tenant.tenant_id, documents)
        return {
            slot: XeroDocument.of(slot.split(":", 1)[0], record, self.numbering)
            for slot, record in held.items()
        }

    @property
    def calls(self) -> int:
        return self.client.calls(self.tenant.tenant_id)


class AutotaskSide:
    """The invoices as source-autotask assembles them, for the period and, on demand, by number."""

    def __init__(self, config: SourceConfig) -> None:
        self.client = AutotaskClient(config.connection)
        self.page_size = config.page_size
        self.reference = ReferenceData(self.client, config.page_size)
        self.batches = DocumentBatches(self.client, self.reference, config.page_size)
        self.unnumbered: list[int] = []  # ids Autotask has not numbered yet (a sync holds them back too)

    @property
    def calls(self) -> int:
        return sum(self.client.calls.values())

    def _assembled(self, query: Query) -> list[Record]:
        held: list[Held] = []
        records = list(self.batches.assembled("invoices", self.client.query(query), held))
        self.unnumbered += [invoice_id for invoice_id, _ in held]
        return records

    def period(self, start: pendulum.Date, end: pendulum.Date) -> list[Record]:
        after = end.add(days=1)
        filters = (F("invoiceDateTime").gte(start), F("invoiceDateTime").lt(after))
        return self._assembled(Query("Invoices", filters, max_records=self.page_size))

    def numbered(self, numbers: Sequence[str]) -> list[Record]:
        """The invoices of these numbers, whatever their date (Xero holds them; the period did not return
        them): a date changed on one side, or an invoice just outside the period."""
        records: list[Record] = []
        wanted = sorted(set(numbers))
        for chunk in (wanted[i : i + MAX_IN_VALUES] for i in range(0, len(wanted), MAX_IN_VALUES)):
            query = Query("Invoices", (F("invoiceNumber").in_(chunk),), max_records=self.page_size)
            records += self._assembled(query)
        return records


def reads(config: Config, client: ReadOnlyXero) -> dict[str, XeroSide]:
    return {tenant.tenant_id: XeroSide(client, tenant) for tenant in config.tenants}
