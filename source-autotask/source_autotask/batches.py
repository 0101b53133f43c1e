"""Documents (invoices, purchase orders) assembled in batches, their lines and look-ups fetched in bulk.

Why batches: one query per document's lines would spend the database's hourly threshold on a large
window. Documents are taken in id order in batches of up to `DOCUMENT_BATCH`; their lines come by one id
range when the batch's ids are dense (each line page then holds 500 lines) and otherwise by `in` lists of
500 ids, and the companies, charges and products the lines name are prefetched once per batch.
An invoice without a number yet (Autotask has not finished it) is held back, not emitted: `held` collects
its id and creation time, so the sync can keep its cursor from passing it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.query import F, Filter, Query, chunked

from .records.documents import CHARGE_ENTITIES, assemble_invoice, assemble_purchase_order
from .records.project import parse_datetime
from .reference import ReferenceData

DOCUMENT_BATCH = 5000
DENSE_RATIO = 1.25

Record = dict[str, Any]
Held = tuple[int, pendulum.DateTime | None]


class DocumentBatches:
    """Turns a stream's document rows into assembled records, batch by batch."""

    def __init__(self, client: AutotaskClient, reference: ReferenceData, page_size: int) -> None:
        self.client = client
        self.reference = reference
        self.page_size = page_size

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
        for raw in ready:
            yield assemble_purchase_order(raw, items.get(int(raw["id"]), []), self.reference)
