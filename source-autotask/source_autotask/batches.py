"""Documents (invoices, purchase orders) assembled in batches, their lines and look-ups fetched in bulk.

Why batches: one query per document's lines would spend the database's hourly threshold on a large
window. Documents are taken in id order in batches of up to `DOCUMENT_BATCH`; their lines come by one id
range when the batch's ids are dense (each line page then holds 500 lines) and otherwise by `in` lists of
500 ids, and the companies, charges and products the lines name are prefetched once per batch.
An invoice without a number yet (Autotask has not finished it) is held back, not emitted: `held` collects
its id and creation time, so the sync can keep its cursor from passing it.

A purchase order whose status label says something was received ("Partially Received", "Received in
Full": labels, since the numbers differ by database) gets `receivedDate`, the latest receiving of its
items: the batch's receivings come in bulk (`purchaseOrderItemID in [...]`, as its lines do), and only for
those orders, so a batch of new or cancelled orders costs no receiving call. A database that refuses
PurchaseOrderItemReceiving sends its orders without the date (one warning). `received_since` names the
orders with a receiving on or after a date (the sync reads those again: a receiving moves no date of the
order itself), in two bulk queries: the receivings, then their items by `id in [...]`.

`named_invoices` reads given invoices (by number or id, however old: `autotask-xero resync`) the same way:
one query for all of them (numbers and ids OR-ed, 500 of each per query), then the same batch assembly, so
the records are exactly those a sync emits.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.errors import AutotaskApiError
from autotask_client.query import MAX_IN_VALUES, F, Filter, Query, any_of, chunked

from .records.documents import CHARGE_ENTITIES, assemble_invoice, assemble_purchase_order, company_fields
from .records.project import parse_datetime
from .reference import ReferenceData

LOGGER = logging.getLogger("source_autotask")
DOCUMENT_BATCH = 5000
RECEIVING = "PurchaseOrderItemReceiving"
DENSE_RATIO = 1.25

Record = dict[str, Any]
Held = tuple[int, pendulum.DateTime | None]


@dataclass
class NamedInvoices:
    """What a read of named invoices found: the records, the ones Autotask has not finished, the unknown."""

    records: list[Record] = field(default_factory=list)
    held: list[int] = field(default_factory=list)  # found, but no number yet: not emitted (as in a sync)
    unknown_numbers: list[str] = field(default_factory=list)
    unknown_ids: list[int] = field(default_factory=list)


class DocumentBatches:
    """Turns a stream's document rows into assembled records, batch by batch."""

    def __init__(self, client: AutotaskClient, reference: ReferenceData, page_size: int) -> None:
        self.client = client
        self.reference = reference
        reference.keep_only("Companies", company_fields())  # a batch holds one row per distinct customer
        self.page_size = page_size
        self._receiving_refused = False
        self._recent_refused = False

    def assembled(self, stream: str, rows: Iterable[dict[str, Any]], held: list[Held]) -> Iterator[Record]:
        """Documents assembled in batches of `DOCUMENT_BATCH` rows (lines and look-ups fetched in bulk)."""
        assemble = self._invoice_batch if stream == "invoices" else self._purchase_order_batch
        batch: list[dict[str, Any]] = []
        for raw in rows:
            batch.append(raw)
            if len(batch) >= DOCUMENT_BATCH:
                yield from assemble(batch, held)
                batch = []
        if batch:
            yield from assemble(batch, held)

    def named_invoices(self, numbers: Sequence[str], ids: Sequence[int]) -> NamedInvoices:
        """The invoices of these numbers and ids, assembled as a sync emits them.

        Numbers compare as Autotask compares them, case-insensitively (its SQL collation); an id or number
        asked twice, or an invoice named both ways, is read and emitted once."""
        wanted_numbers = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
        wanted_ids = sorted(set(ids))
        rows: dict[int, dict[str, Any]] = {}
        number_chunks = [
            wanted_numbers[i : i + MAX_IN_VALUES] for i in range(0, len(wanted_numbers), MAX_IN_VALUES)
        ]
        for number_chunk, id_chunk in zip_longest(number_chunks, chunked(wanted_ids)):
            conditions: list[Filter] = []
            if number_chunk:
                conditions.append(F("invoiceNumber").in_(number_chunk))
            if id_chunk:
                conditions.append(F("id").in_(id_chunk))
            group = conditions[0] if len(conditions) == 1 else any_of(*conditions)
            for raw in self.client.query(self._query("Invoices", group)):
                rows[int(raw["id"])] = raw
        found = NamedInvoices()
        held: list[Held] = []
        found.records = list(self.assembled("invoices", [rows[key] for key in sorted(rows)], held))
        found.held = [key for key, _ in held]
        numbers_found = {str(raw.get("invoiceNumber") or "").strip().casefold() for raw in rows.values()}
        found.unknown_numbers = [n for n in wanted_numbers if n.casefold() not in numbers_found]
        found.unknown_ids = [i for i in wanted_ids if i not in rows]
        return found

    def _query(self, entity: str, *filters: Filter) -> Query:
        return Query(entity, tuple(filters), max_records=self.page_size)

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

    def _invoice_batch(self, batch: list[dict[str, Any]], held: list[Held]) -> Iterator[Record]:
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
            self.reference.release(entity)  # the previous batch's: a charge is billed on one line only
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

    def _purchase_order_batch(self, batch: list[dict[str, Any]], held: list[Held]) -> Iterator[Record]:
        ready = sorted(batch, key=lambda row: int(row["id"]))
        items = self._children("PurchaseOrderItems", "orderID", [int(raw["id"]) for raw in ready])
        self.reference.prefetch("Companies", (raw.get("vendorID") for raw in ready))
        self.reference.prefetch_optional(
            "Products", (row.get("productID") for rows in items.values() for row in rows)
        )
        latest = self._latest_receivings(ready, items)
        for raw in ready:
            key = int(raw["id"])
            yield assemble_purchase_order(raw, items.get(key, []), self.reference, latest.get(key))

    def received_since(self, lower: pendulum.DateTime) -> set[int]:
        """Ids of the purchase orders with a receiving on or after `lower` (empty if Autotask refuses)."""
        if self._recent_refused:
            return set()
        try:
            rows = self.client.query(self._query(RECEIVING, F("receiveDate").gte(lower)))
            item_ids = sorted(
                {int(row["purchaseOrderItemID"]) for row in rows if row.get("purchaseOrderItemID")}
            )
            orders: set[int] = set()
            for chunk in chunked(item_ids):
                query = Query("PurchaseOrderItems", (F("id").in_(chunk),), ("id", "orderID"), self.page_size)
                orders.update(int(row["orderID"]) for row in self.client.query(query) if row.get("orderID"))
        except AutotaskApiError as exc:
            self._recent_refused = True
            LOGGER.warning(
                "Cannot read recent %s, orders received later are not read again: %s", RECEIVING, exc
            )
            return set()
        return orders

    def _latest_receivings(
        self, orders: list[dict[str, Any]], items: dict[int, list[dict[str, Any]]]
    ) -> dict[int, str]:
        """Purchase order id -> the `receiveDate` of its latest receiving, for the orders that say so."""
        statuses = self.reference.picklist("PurchaseOrders", "status")
        owner: dict[int, int] = {}
        for raw in orders:
            label = statuses.get(raw["status"]) if raw.get("status") is not None else None
            if label and "receiv" in label.lower():
                owner.update((int(item["id"]), int(raw["id"])) for item in items.get(int(raw["id"]), []))
        if not owner or self._receiving_refused:
            return {}
        try:
            receivings = self._children(RECEIVING, "purchaseOrderItemID", list(owner))
        except AutotaskApiError as exc:
            self._receiving_refused = True
            LOGGER.warning(
                "Cannot read %s, purchase orders are sent without receivedDate: %s", RECEIVING, exc
            )
            return {}
        latest: dict[int, tuple[pendulum.DateTime, str]] = {}
        for item_id, rows in receivings.items():
            for row in rows:
                moment = parse_datetime(row.get("receiveDate"))
                order = owner[item_id]
                if moment is not None and (order not in latest or moment > latest[order][0]):
                    latest[order] = (moment, str(row["receiveDate"]))
        return {order: text for order, (_, text) in latest.items()}
