"""One sync: reads streams, keeps the per-stream state, shares reference data between streams.

State per stream (a JSON object):
- full streams: `{}`;
- cursor streams: `{"cursor": "<UTC ISO>"}`, the greatest modification/creation date seen; the next sync
  reads `>= cursor` (inclusive, so records sharing the last timestamp are never skipped);
- window streams (invoices, purchase orders): `{"cursor": ..., "fingerprints": {"<id>": "<hash>"}}`. The
  lower bound (cursor minus `lookback_days`) is frozen when the read starts; every document with any moving
  date at or after it is re-read and emitted only if its fingerprint changed. The cursor never passes an
  invoice held back because its number is still empty, so that invoice is read again next time.
Documents are read in id order in batches of up to `DOCUMENT_BATCH`; their lines are fetched in bulk,
by an id range when the batch's ids are dense (each line page then holds 500 lines) and otherwise by
`in` lists of 500 ids.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pendulum
import simplejson

from .client import AutotaskClient
from .config import SourceConfig
from .query import F, Filter, Query, any_of, chunked
from .records.documents import CHARGE_ENTITIES, assemble_invoice, assemble_purchase_order
from .records.project import iso, parse_datetime, project
from .reference import ReferenceData
from .streams.specs import STREAMS, StreamSpec, SyncKind

LOGGER = logging.getLogger("source_autotask")
DOCUMENT_BATCH = 5000
DENSE_RATIO = 1.25

Record = dict[str, Any]
State = dict[str, Any]


class SyncSession:
    def __init__(self, config: SourceConfig, client: AutotaskClient | None = None) -> None:
        self.config = config
        self.client = client or AutotaskClient(config)
        self.reference = ReferenceData(self.client, config.page_size)
        self.states: dict[str, State] = {}
        self.held_back: dict[str, list[int]] = {}

    def read(self, stream: str, state: Mapping[str, Any] | None = None) -> Iterator[Record]:
        """Records of one stream; `self.states[stream]` holds the new state once the iterator is exhausted."""
        spec = STREAMS[stream]
        state = dict(state or {})
        if spec.kind is SyncKind.FULL:
            yield from self._read_full(spec)
            self.states[stream] = {}
        elif spec.kind is SyncKind.CURSOR:
            yield from self._read_cursor(spec, state)
        else:
            yield from self._read_window(spec, state)

    def log_usage(self) -> None:
        LOGGER.info(self.client.usage_summary())

    # -- full and cursor streams ----------------------------------------------------------------------------

    def _query(self, entity: str, *filters: Filter) -> Query:
        return Query(entity, tuple(filters), max_records=self.config.page_size)

    def _read_full(self, spec: StreamSpec) -> Iterator[Record]:
        if spec.name == "organizational_levels":
            yield from self._read_org_levels()
            return
        # The same rows the invoices' look-ups need: one read serves the stream and the cache.
        for raw in self.reference.table(spec.entity).values():
            yield project(raw, spec.name, entity=spec.entity)

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

    def _read_cursor(self, spec: StreamSpec, state: State) -> Iterator[Record]:
        lower = parse_datetime(state.get("cursor"))
        if lower is None:
            filters: tuple[Filter, ...] = (F("id").gte(0),)
        else:
            filters = (any_of(*(F(name).gte(lower) for name in spec.cursor_fields)),)
        newest = lower
        for raw in self.client.query(Query(spec.entity, filters, max_records=self.config.page_size)):
            record = project(raw, spec.name, entity=spec.entity)
            for name in spec.cursor_fields:
                seen = parse_datetime(record.get(name))
                if seen is not None and (newest is None or seen > newest):
                    newest = seen
            yield record
        self.states[spec.name] = {"cursor": iso(newest)} if newest else {}

    # -- window streams (invoices, purchase orders) ---------------------------------------------------------

    def _window_filters(self, spec: StreamSpec, state: State) -> tuple[Filter, ...]:
        cursor = parse_datetime(state.get("cursor"))
        if cursor is not None:
            lower = cursor.subtract(days=self.config.lookback_days)
            if self.config.start_date and lower < self.config.start_date:
                lower = self.config.start_date
            return (any_of(*(F(name).gte(lower) for name in spec.cursor_fields)),)
        if self.config.start_date is not None:
            return (F(spec.cursor_fields[0]).gte(self.config.start_date),)
        return (F("id").gte(0),)

    def _read_window(self, spec: StreamSpec, state: State) -> Iterator[Record]:
        filters = self._window_filters(spec, state)  # frozen: computed once, before the first call
        previous: Mapping[str, str] = state.get("fingerprints") or {}
        old_cursor = parse_datetime(state.get("cursor"))
        newest = old_cursor
        held: list[tuple[int, pendulum.DateTime | None]] = []
        seen: dict[str, tuple[str, pendulum.DateTime | None]] = {}
        assemble = self._invoice_batch if spec.name == "invoices" else self._purchase_order_batch

        batch: list[dict[str, Any]] = []

        def flush() -> Iterator[Record]:
            for record in assemble(batch, held):
                key = str(record["id"])
                fingerprint = _fingerprint(record)
                dates = [parse_datetime(record.get(name)) for name in spec.cursor_fields]
                latest = max((d for d in dates if d is not None), default=None)
                seen[key] = (fingerprint, latest)
                if previous.get(key) != fingerprint:
                    yield record
            batch.clear()

        for raw in self.client.query(Query(spec.entity, filters, max_records=self.config.page_size)):
            for name in spec.cursor_fields:
                moved = parse_datetime(raw.get(name))
                if moved is not None and (newest is None or moved > newest):
                    newest = moved
            batch.append(raw)
            if len(batch) >= DOCUMENT_BATCH:
                yield from flush()
        if batch:
            yield from flush()

        if held:
            self.held_back[spec.name] = sorted(i for i, _ in held)
            earliest = min((created for _, created in held if created is not None), default=None)
            if earliest is not None and newest is not None and earliest < newest:
                newest = earliest
            LOGGER.warning(
                "%s: %d document(s) held back until Autotask finishes them (no number yet): ids %s",
                spec.name,
                len(held),
                ", ".join(str(i) for i, _ in held[:20]),
            )
        if newest is None:
            self.states[spec.name] = dict(state)
            return
        if old_cursor is not None and newest < old_cursor:
            newest = old_cursor
        keep_from = newest.subtract(days=self.config.lookback_days)
        fingerprints = {
            key: fingerprint
            for key, (fingerprint, latest) in seen.items()
            if latest is not None and latest >= keep_from
        }
        self.states[spec.name] = {"cursor": iso(newest), "fingerprints": fingerprints}

    def _children(
        self, entity: str, parent_field: str, parent_ids: Sequence[int]
    ) -> dict[int, list[dict[str, Any]]]:
        """Child rows of many parents in bulk: one id range when the ids are dense, else `in` lists."""
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        if not parent_ids:
            return grouped
        ids = sorted(set(parent_ids))
        wanted = set(ids)
        span = ids[-1] - ids[0] + 1
        if len(ids) > 1 and span <= DENSE_RATIO * len(ids):
            queries = [self._query(entity, F(parent_field).gte(ids[0]), F(parent_field).lte(ids[-1]))]
        else:
            queries = [self._query(entity, F(parent_field).in_(chunk)) for chunk in chunked(ids)]
        for query in queries:
            for row in self.client.query(query):
                parent = row.get(parent_field)
                if parent in wanted:
                    grouped[int(parent)].append(row)
        return grouped

    def _invoice_batch(
        self, batch: list[dict[str, Any]], held: list[tuple[int, pendulum.DateTime | None]]
    ) -> Iterator[Record]:
        ready = []
        for raw in sorted(batch, key=lambda row: int(row["id"])):
            if not str(raw.get("invoiceNumber") or "").strip():
                held.append((int(raw["id"]), parse_datetime(raw.get("createDateTime"))))
            else:
                ready.append(raw)
        if not ready:
            return
        lines = self._children("BillingItems", "invoiceID", [int(raw["id"]) for raw in ready])
        self.reference.prefetch("Companies", (raw.get("companyID") for raw in ready))
        all_lines = [line for rows in lines.values() for line in rows]
        for key, entity in CHARGE_ENTITIES:
            self.reference.prefetch_optional(entity, (line.get(key) for line in all_lines))
        product_ids = [line.get("productID") for line in all_lines]
        for key, entity in CHARGE_ENTITIES:
            for line in all_lines:
                charge = self.reference.get_cached(entity, line.get(key))
                if charge is not None:
                    product_ids.append(charge.get("productID"))
        self.reference.prefetch_optional("Products", product_ids)
        for raw in ready:
            yield assemble_invoice(raw, lines.get(int(raw["id"]), []), self.reference)

    def _purchase_order_batch(
        self, batch: list[dict[str, Any]], held: list[tuple[int, pendulum.DateTime | None]]
    ) -> Iterator[Record]:
        ready = sorted(batch, key=lambda row: int(row["id"]))
        items = self._children("PurchaseOrderItems", "orderID", [int(raw["id"]) for raw in ready])
        self.reference.prefetch("Companies", (raw.get("vendorID") for raw in ready))
        self.reference.prefetch_optional(
            "Products", (row.get("productID") for rows in items.values() for row in rows)
        )
        for raw in ready:
            yield assemble_purchase_order(raw, items.get(int(raw["id"]), []), self.reference)


def _fingerprint(record: Mapping[str, Any]) -> str:
    text = simplejson.dumps(record, use_decimal=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]
