"""One sync: reads streams, keeps the per-stream state, shares reference data between streams.

State per stream (a JSON object):
- full streams: `{}`;
- cursor streams: `{"cursor": "<UTC ISO>"}`, the greatest modification/creation date seen; the next sync
  reads `>= cursor` (inclusive, so records sharing the last timestamp are never skipped);
- window streams (invoices, purchase orders):
  `{"cursor": ..., "fingerprints": {"<id>": "<hash>"}, "retry": [<Autotask id>, ...]}`. The lower bound
  (cursor minus `lookback_days`) is frozen when the read starts; every document with any moving date at or
  after it is re-read and emitted only if its fingerprint changed. The cursor never passes an invoice held
  back because its number is still empty, so that invoice is read again next time.
- `retry` (optional, written by the destination: documents Xero rejected) is read by id on every read,
  however old, in `in` lists of 500; each one is assembled like a window document and emitted whatever its
  fingerprint (once, even when the window returns it too). The state written back keeps the list, sorted,
  minus the ids Autotask no longer returns (a warning names them); held-back invoices stay in it.
- `pdf_retry` (invoices, with `invoice_pdfs`): the invoices sent without their PDF (`pdfs.py`), read by id
  and sent again, PDF read again, on the next read like `retry`; an id leaves once its PDF was read.
Clock: a read starts at Autotask's time, the `Date` header of the client's first response (the local UTC
time when it has none). No cursor passes that start: a later date (a typing error in the future, or a
change made while the sync ran) is emitted as usual but kept out of the cursor, so its document is read
again next sync, and its fingerprint is kept; a date beyond Autotask's clock is warned about by name. A
saved cursor after the start (an older version could write one) is not trusted: the stream is read as if
it had none, from `start_date` (fingerprints still keep unchanged documents from being sent again).
`start_date` bounds a window stream's read only where no cursor is saved (a first sync, a full refresh, a
refused state or an untrusted cursor): a span (`90 days`) is then counted back from the read's start;
with a cursor, a date still clamps the look-back, a span does not (a cursor older than the span, after a
connection paused for months, must not skip what was billed meanwhile).
A saved state of the wrong shape (see `state.py`) is refused with one warning naming the stream and what
was wrong, and the stream is read as if it had no state.
Documents are read in id order and assembled in batches, their lines fetched in bulk (`batches.py`).
Invoices the read emits get their PDF on the way out (`pdfs.py`, with `invoice_pdfs`), after the
fingerprint is taken, so a PDF is read only for an invoice sent and never makes one count as changed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.query import F, Filter, Query, any_of, chunked

from .batches import DocumentBatches, Held, NamedInvoices, Record
from .config import SourceConfig
from .fingerprints import SeenDocuments
from .naming import describe, digest, shown_date
from .pdfs import InvoicePdfs
from .records.documents import picklist_label
from .records.project import iso, parse_datetime, project
from .reference import ReferenceData
from .state import State, checked_state, refusal
from .streams.specs import STREAMS, StreamSpec, SyncKind

LOGGER = logging.getLogger("source_autotask")
# Dates up to this far past Autotask's clock are taken for a change made during the sync (date-only fields
# are midnight in the MSP's time zone, up to 14 hours ahead of UTC); further ones for a typing error.
FUTURE_MARGIN_HOURS = 14
MAX_LATE_REPORTS = 20
# full streams whose picklist numbers also go out as labels (`productCategory` -> `productCategoryName`)
PICKLIST_LABELS: dict[str, tuple[str, ...]] = {"products": ("productCategory",)}


class SyncSession:
    def __init__(self, config: SourceConfig, client: AutotaskClient | None = None) -> None:
        self.config = config
        self.client = client or AutotaskClient(config.connection)
        self.reference = ReferenceData(self.client, config.page_size)
        self.documents = DocumentBatches(self.client, self.reference, config.page_size)
        self.pdfs = InvoicePdfs(self.client, config.invoice_pdfs)
        self.states: dict[str, State] = {}
        self.held_back: dict[str, list[int]] = {}
        self._late_reports: dict[str, int] = {}

    def read(self, stream: str, state: Mapping[str, Any] | None = None) -> Iterator[Record]:
        """Records of one stream; `self.states[stream]` holds the new state once the iterator is exhausted."""
        spec = STREAMS[stream]
        if spec.kind is SyncKind.FULL:
            yield from self._read_full(spec)
            self.states[stream] = {}
            return
        usable, problem = checked_state(spec, state)
        if problem:
            LOGGER.warning(refusal(stream, problem))
        start = self.client.start_time()
        usable = self._trusted_cursor(spec, usable, start)
        if spec.kind is SyncKind.CURSOR:
            yield from self._read_cursor(spec, usable, start)
        else:
            yield from self._read_window(spec, usable, start)

    def _trusted_cursor(self, spec: StreamSpec, state: State, start: pendulum.DateTime) -> State:
        """The state without its cursor when that cursor is after Autotask's clock: nothing can have been
        read up to a time that has not come yet (an older version could write such a cursor)."""
        cursor = parse_datetime(state.get("cursor"))
        if cursor is None or cursor <= start:
            return state
        if spec.kind is SyncKind.CURSOR:
            how = "reading the whole stream again"
        elif self.config.start_from(start) is not None:
            how = f"reading again from start_date {self.config.start_shown(start)}"
        else:
            how = "reading again from the beginning"
        if spec.kind is SyncKind.WINDOW:
            how += " (documents already sent unchanged are not sent again)"
        LOGGER.warning(
            "%s: the saved cursor %s is later than Autotask's clock at the start of this sync (%s), so it "
            "cannot be trusted; %s",
            spec.name,
            iso(cursor),
            iso(start),
            how,
        )
        return {key: value for key, value in state.items() if key != "cursor"}

    def _later_than_start(
        self, spec: StreamSpec, raw: Mapping[str, Any], start: pendulum.DateTime
    ) -> list[tuple[str, pendulum.DateTime]]:
        """The moving dates of a row that are after the start: they stay out of the cursor.

        A date beyond Autotask's own clock (with a margin for date-only fields, which are midnight in the
        MSP's time zone) is a typing error worth a warning; a later date that is not is a change made while
        this sync ran, read again next time without fuss."""
        later = []
        for name in spec.cursor_fields:
            moved = parse_datetime(raw.get(name))
            if moved is not None and moved > start:
                later.append((name, moved))
        if not later:
            return later
        future = self.client.clock.latest().add(hours=FUTURE_MARGIN_HOURS)
        for name, moved in later:
            count = self._late_reports.get(spec.name, 0) + 1
            self._late_reports[spec.name] = count
            if count > MAX_LATE_REPORTS:  # named in the stream's closing total instead
                continue
            if moved > future:
                LOGGER.warning(
                    "%s: %s %s is in the future; kept out of the cursor, re-read every sync",
                    describe(spec, raw),
                    name,
                    shown_date(moved),
                )
            else:
                LOGGER.info(
                    "%s: %s %s is after this sync started (%s); kept out of the cursor, read again next sync",
                    describe(spec, raw),
                    name,
                    iso(moved),
                    iso(start),
                )
        return later

    def _newest(
        self,
        spec: StreamSpec,
        raw: Mapping[str, Any],
        newest: pendulum.DateTime | None,
        start: pendulum.DateTime,
    ) -> pendulum.DateTime | None:
        """The cursor after seeing `raw`: its greatest moving date that is not after the start."""
        later = {name for name, _ in self._later_than_start(spec, raw, start)}
        for name in spec.cursor_fields:
            moved = parse_datetime(raw.get(name))
            if name not in later and moved is not None and (newest is None or moved > newest):
                newest = moved
        return newest

    def read_invoices(self, numbers: Sequence[str], ids: Sequence[int]) -> NamedInvoices:
        """Given invoices, however old, assembled exactly as `read` emits them; no state is read or kept
        (`autotask-xero resync`: an admin's explicit request, outside the schedule)."""
        found = self.documents.named_invoices(numbers, ids)
        found.records = list(self.pdfs.attach(found.records))
        return found

    def log_usage(self) -> None:
        LOGGER.info(self.client.usage_summary())

    # -- full and cursor streams ----------------------------------------------------------------------------

    def _read_full(self, spec: StreamSpec) -> Iterator[Record]:
        if spec.name == "organizational_levels":
            yield from self._read_org_levels()
            return
        # The same rows the invoices' look-ups need: one read serves the stream and the cache.
        for raw in self.reference.table(spec.entity).values():
            yield self._labelled(spec, project(raw, spec.name, entity=spec.entity))

    def _labelled(self, spec: StreamSpec, record: Record) -> Record:
        """The record with `<field>Name` beside each picklist number a mapping names by label (a product's
        category: "Hardware" in a mapping file, a number that differs between databases on the wire)."""
        for name in PICKLIST_LABELS.get(spec.name, ()):
            record[f"{name}Name"] = picklist_label(self.reference, spec.entity, name, record.get(name))
        return record

    def _read_org_levels(self) -> Iterator[Record]:
        for raw in self.reference.table("OrganizationalLevelAssociations").values():
            record = project(raw, "organizational_levels", entity="OrganizationalLevelAssociations")
            for key, entity in (
                ("organizationalLevel1", "OrganizationalLevel1s"),
                ("organizationalLevel2", "OrganizationalLevel2s"),
            ):
                level = self.reference.get(entity, record.get(f"{key}ID"))
                record[key] = (
                    project(level, "organizational_levels", (key,), entity=entity) if level else None
                )
            yield record

    def _read_cursor(self, spec: StreamSpec, state: State, start: pendulum.DateTime) -> Iterator[Record]:
        lower = parse_datetime(state.get("cursor"))
        if lower is None:
            filters: tuple[Filter, ...] = (F("id").gte(0),)
        else:
            filters = (any_of(*(F(name).gte(lower) for name in spec.cursor_fields)),)
        newest = lower
        for raw in self.client.query(Query(spec.entity, filters, max_records=self.config.page_size)):
            record = project(raw, spec.name, entity=spec.entity)
            newest = self._newest(spec, record, newest, start)
            yield record
        self._report_late_total(spec)
        self.states[spec.name] = {"cursor": iso(newest)} if newest else {}

    # -- window streams (invoices, purchase orders) ---------------------------------------------------------

    def _window_filters(self, spec: StreamSpec, state: State, start: pendulum.DateTime) -> tuple[Filter, ...]:
        cursor = parse_datetime(state.get("cursor"))
        if cursor is not None:
            lower = cursor.subtract(days=self.config.lookback_days)
            if self.config.start_date and lower < self.config.start_date:  # a date, not a span
                lower = self.config.start_date
            return (any_of(*(F(name).gte(lower) for name in spec.cursor_fields)),)
        begins = self.config.start_from(start)
        if begins is not None:
            if self.config.start_span is not None:
                LOGGER.info(
                    "%s: no saved cursor, read from start_date %s (Autotask's clock: %s)",
                    spec.name,
                    self.config.start_shown(start),
                    iso(start),
                )
            return (F(spec.cursor_fields[0]).gte(begins),)
        return (F("id").gte(0),)

    def _read_window(self, spec: StreamSpec, state: State, start: pendulum.DateTime) -> Iterator[Record]:
        filters = self._window_filters(spec, state, start)  # frozen: computed once, before the first call
        previous: Mapping[str, str] = state.get("fingerprints") or {}
        retry: list[int] | None = state.get("retry")
        forced = set(retry or ())
        pdfs = spec.name == "invoices" and self.config.invoice_pdfs
        wanted = forced | set(state.get("pdf_retry") or () if pdfs else ())  # emitted whatever their print
        old_cursor = parse_datetime(state.get("cursor"))
        # Whether the window returned an id matters only for the ids read by id afterwards: those asked
        # for, and (purchase orders with a cursor) the orders received in the window, known only later.
        watch = None if spec.name == "purchase_orders" and old_cursor is not None else wanted
        read = _WindowRead(newest=old_cursor, watch=watch)

        def window_rows() -> Iterator[dict[str, Any]]:
            for raw in self.client.query(Query(spec.entity, filters, max_records=self.config.page_size)):
                read.saw(int(raw["id"]))
                read.newest = self._newest(spec, raw, read.newest, start)
                yield raw

        def emitted(rows: Iterable[dict[str, Any]], held: list[Held]) -> Iterator[Record]:
            for record in self.documents.assembled(spec.name, rows, held):
                key, printed = record["id"], digest(record)
                # a purchase order's receivedDate moves too: it keeps the fingerprint as long as the others
                dates = [parse_datetime(record.get(name)) for name in (*spec.cursor_fields, "receivedDate")]
                read.seen.put(key, printed, _micros(max((d for d in dates if d is not None), default=None)))
                if not previous or previous.get(str(key)) != printed.hex() or key in wanted:
                    yield record

        retry_held: list[Held] = []

        def documents() -> Iterator[Record]:
            yield from emitted(window_rows(), read.held)
            again = wanted | self._received_in_window(spec, old_cursor)
            yield from emitted(self._retry_rows(spec, sorted(again - read.returned), read), retry_held)

        yield from (self.pdfs.attach(documents()) if spec.name == "invoices" else documents())
        self._report_late_total(spec)
        self._report_held(spec, read.held + retry_held)
        newest = self._window_cursor(read, old_cursor, start)
        out: State = {}
        if newest is not None:
            keep_from = _micros(newest.subtract(days=self.config.lookback_days)) or 0  # never None here
            out["cursor"] = iso(newest)
            out["fingerprints"] = read.seen.kept(keep_from)  # compact, written by the adapters as it is
        elif previous or read.seen:  # no date to keep by (nothing dated up to the start yet): keep them all
            out["fingerprints"] = {**previous, **dict(read.seen.items())}
        if retry is not None:
            out["retry"] = self._kept_retry(spec, forced, read.returned)
        if pdfs and self.pdfs.failed:
            out["pdf_retry"] = sorted(self.pdfs.failed)
        self.states[spec.name] = out

    def _received_in_window(self, spec: StreamSpec, cursor: pendulum.DateTime | None) -> set[int]:
        """Purchase orders with a receiving in the look-back window: a receiving moves none of an order's
        own dates, so an order received weeks after it was submitted is read again by id (and sent if it
        changed). No cursor means the window is the whole read already."""
        if spec.name != "purchase_orders" or cursor is None:
            return set()
        lower = cursor.subtract(days=self.config.lookback_days)
        return self.documents.received_since(max(lower, self.config.start_date or lower))

    def _retry_rows(
        self, spec: StreamSpec, ids: Sequence[int], read: _WindowRead
    ) -> Iterator[dict[str, Any]]:
        """The documents of the retry list the window did not return, by id, however old they are."""
        for chunk in chunked(ids):
            query = Query(spec.entity, (F("id").in_(chunk),), max_records=self.config.page_size)
            for raw in self.client.query(query):
                key = int(raw["id"])
                if key in read.returned:
                    continue
                read.returned.add(key)
                yield raw

    def _kept_retry(self, spec: StreamSpec, forced: set[int], returned: set[int]) -> list[int]:
        gone = sorted(forced - returned)
        if gone:
            LOGGER.warning(
                "%s: %d document(s) to send again no longer exist in Autotask and leave the retry list: "
                "ids %s",
                spec.name,
                len(gone),
                ", ".join(str(i) for i in gone[:MAX_LATE_REPORTS]),
            )
        return sorted(forced & returned)

    def _window_cursor(
        self, read: _WindowRead, old_cursor: pendulum.DateTime | None, start: pendulum.DateTime
    ) -> pendulum.DateTime | None:
        """The new cursor: the newest moving date up to the start, never past a held-back document of the
        window, never behind the old cursor."""
        newest = read.newest
        earliest = min((created for _, created in read.held if created is not None), default=None)
        if earliest is not None and newest is not None and earliest < newest:
            newest = earliest
        if newest is None:
            return None
        if old_cursor is not None and newest < old_cursor:
            newest = old_cursor
        return min(newest, start)

    def _report_held(self, spec: StreamSpec, held: list[Held]) -> None:
        if not held:
            return
        self.held_back[spec.name] = sorted(i for i, _ in held)
        LOGGER.warning(
            "%s: %d document(s) held back until Autotask finishes them (no number yet): ids %s",
            spec.name,
            len(held),
            ", ".join(str(i) for i, _ in held[:20]),
        )

    def _report_late_total(self, spec: StreamSpec) -> None:
        count = self._late_reports.pop(spec.name, 0)
        if count > MAX_LATE_REPORTS:
            LOGGER.warning(
                "%s: %d dates in all were after the start of this sync and kept out of the cursor "
                "(the first %d are named above)",
                spec.name,
                count,
                MAX_LATE_REPORTS,
            )


@dataclass
class _WindowRead:
    """What a window read has seen so far: the cursor it reached, ids returned, fingerprints, held ones."""

    newest: pendulum.DateTime | None
    watch: set[int] | None  # the ids whose return is remembered (None: all)
    returned: set[int] = field(default_factory=set)
    # id -> (fingerprint, latest date as UTC microseconds): one per document of the window, so compact
    seen: SeenDocuments = field(default_factory=SeenDocuments)
    held: list[Held] = field(default_factory=list)

    def saw(self, key: int) -> None:
        if self.watch is None or key in self.watch:
            self.returned.add(key)


_EPOCH_DAY = 719163  # date(1970, 1, 1).toordinal()


def _micros(moment: pendulum.DateTime | None) -> int | None:
    """A date as whole microseconds since 1970 UTC: exact, and a fraction of a date object's memory (one is
    kept per document of the window until the state is written)."""
    if moment is None:
        return None
    offset = moment.utcoffset() or timedelta(0)
    seconds = (
        (moment.toordinal() - _EPOCH_DAY) * 86400 + moment.hour * 3600 + moment.minute * 60 + moment.second
    )
    return (seconds - int(offset.total_seconds())) * 1_000_000 + moment.microsecond
