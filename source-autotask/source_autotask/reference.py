"""Reference data read once per sync and joined in memory.

Small tables (tax regions, currencies, templates...) are read in full the first time a record needs them.
Large ones (companies, products, charges) are fetched by id, in `id in [...]` queries of up to 500 ids, only
for the ids the current batch of documents references. Of those, the most recently used `REMEMBERED_ROWS`
per entity are kept (never fewer than the current batch needs), so memory is bounded by the batch, not by
the number of companies: on a database with fewer companies than that, each one is still read once a
sync; past it, a later batch may read again a company an earlier one had. Charges are released by the
batch that used them (`release`): a charge is billed on one line, so no later batch asks for it again.
An entity that only adds a detail (a billing code's department name) is read "optionally": a database
that refuses it loses that detail, with one warning, and the sync goes on.
Picklists are read once per entity (one `entityInformation/fields` call gives all of its picklists).
An entity may be given the fields its readers use (`keep_only`): its rows fetched by id are then kept
with those fields alone (names compared case-insensitively, as the projection matches them). A company row
carries some 60 fields and its UDFs, a snapshot uses about 30, and a batch of invoices on a database of
many customers holds one row per distinct customer: about half of that memory goes.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from autotask_client.client import AutotaskClient
from autotask_client.errors import AutotaskApiError
from autotask_client.query import F, Query, chunked

LOGGER = logging.getLogger("source_autotask")
# Rows kept per entity fetched by id: a first sync of ~15,000 invoices holds every company (about 2,500)
# and reads each once; about 6 MB of rows at most, whatever the size of the window.
REMEMBERED_ROWS = 2500


class ReferenceData:
    def __init__(self, client: AutotaskClient, page_size: int = 500) -> None:
        self.client = client
        self.page_size = page_size
        self._lock = threading.RLock()
        self._tables: dict[str, dict[int, dict[str, Any]]] = {}
        self._by_id: dict[str, OrderedDict[int, dict[str, Any] | None]] = {}
        self._picklists: dict[str, dict[str, dict[int, str]]] = {}
        self._unavailable: set[str] = set()
        self._fields: dict[str, frozenset[str]] = {}

    def keep_only(self, entity: str, fields: Iterable[str]) -> None:
        """Keep the rows of `entity` fetched by id with these fields only (lowercase names; `id` always)."""
        self._fields[entity] = frozenset({"id", *(name.lower() for name in fields)})

    def _kept(self, entity: str, row: dict[str, Any]) -> dict[str, Any]:
        fields = self._fields.get(entity)
        if fields is None:
            return row
        return {key: value for key, value in row.items() if str(key).lower() in fields}

    def table(self, entity: str) -> dict[int, dict[str, Any]]:
        """Every row of a small entity, by id."""
        with self._lock:
            if entity not in self._tables:
                query = Query(entity, (F("id").gte(0),), max_records=self.page_size)
                self._tables[entity] = {int(row["id"]): row for row in self.client.query(query)}
            return self._tables[entity]

    def get(self, entity: str, record_id: Any) -> dict[str, Any] | None:
        if record_id is None:
            return None
        with self._lock:
            if entity in self._tables:
                return self._tables[entity].get(int(record_id))
            cached = self._by_id.get(entity)
            if cached is not None and int(record_id) in cached:
                return cached[int(record_id)]
        return self.table(entity).get(int(record_id))

    def get_optional(self, entity: str, record_id: Any) -> dict[str, Any] | None:
        """Like `get` on a small table, but a database that refuses the entity only loses the detail."""
        if record_id is None or entity in self._unavailable:
            return None
        try:
            return self.table(entity).get(int(record_id))
        except AutotaskApiError as exc:
            self._mark_unavailable(entity, exc)
            return None

    def get_cached(self, entity: str, record_id: Any) -> dict[str, Any] | None:
        """A row fetched earlier by `prefetch` (never triggers a call)."""
        if record_id is None:
            return None
        with self._lock:
            if entity in self._tables:
                return self._tables[entity].get(int(record_id))
            cached = self._by_id.get(entity)
            return cached.get(int(record_id)) if cached is not None else None

    def prefetch_optional(self, entity: str, ids: Iterable[Any]) -> None:
        """Like `prefetch`, but a database that refuses the entity only loses the detail it would add."""
        if entity in self._unavailable:
            return
        try:
            self.prefetch(entity, ids)
        except AutotaskApiError as exc:
            self._mark_unavailable(entity, exc)

    def _mark_unavailable(self, entity: str, exc: AutotaskApiError) -> None:
        with self._lock:
            if entity in self._unavailable:
                return
            self._unavailable.add(entity)
        LOGGER.warning("Cannot read %s, the details it adds are left empty: %s", entity, exc)

    def prefetch(self, entity: str, ids: Iterable[Any]) -> None:
        """Fetch the rows of `ids` not yet known, 500 ids per query."""
        wanted = sorted({int(i) for i in ids if i is not None})
        with self._lock:
            if entity in self._tables:
                return
            cache = self._by_id.setdefault(entity, OrderedDict())
            missing = []
            for i in wanted:
                if i in cache:
                    cache.move_to_end(i)  # used again: the last to go
                else:
                    missing.append(i)
            # Room is made before the fetch, not after: a batch whose customers are all new (a database
            # of more customers than a batch has invoices) would otherwise hold two batches' rows at once.
            # The oldest rows are not this call's (those were just moved to the end), as below.
            self._forget_oldest(cache, len(cache) + len(missing) - max(REMEMBERED_ROWS, len(wanted)))
            for chunk in chunked(missing):
                query = Query(entity, (F("id").in_(chunk),), max_records=self.page_size)
                for row in self.client.query(query):
                    cache[int(row["id"])] = self._kept(entity, row)
                for i in chunk:
                    cache.setdefault(i, None)
            # the least recently used go first; every id of this call is newer than all of them
            self._forget_oldest(cache, len(cache) - max(REMEMBERED_ROWS, len(wanted)))

    @staticmethod
    def _forget_oldest(cache: OrderedDict[int, dict[str, Any] | None], count: int) -> None:
        for _ in range(count):
            cache.popitem(last=False)

    def release(self, entity: str) -> None:
        """Forget the rows of `entity` fetched by id (a batch's charges, once the batch is assembled)."""
        with self._lock:
            self._by_id.pop(entity, None)

    def picklist(self, entity: str, field: str) -> dict[int, str]:
        with self._lock:
            if entity not in self._picklists:
                self._picklists[entity] = self.client.picklists(entity)
            return self._picklists[entity].get(field.lower(), {})

    def internal_currency(self) -> dict[str, Any] | None:
        return next((row for row in self.table("Currencies").values() if row.get("isInternalCurrency")), None)
