"""Reference data read once per sync and joined in memory.

Small tables (tax regions, currencies, templates...) are read in full the first time a record needs them.
Large ones (companies, products) are fetched by id, in `id in [...]` queries of up to 500 ids, only for
the ids the current batch of documents references, and cached for the rest of the sync.
An entity that only adds a detail (a billing code's department name) is read "optionally": a database
that refuses it loses that detail, with one warning, and the sync goes on.
Picklists are read once per entity (one `entityInformation/fields` call gives all of its picklists).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from autotask_client.client import AutotaskClient
from autotask_client.errors import AutotaskApiError
from autotask_client.query import F, Query, chunked

LOGGER = logging.getLogger("source_autotask")


class ReferenceData:
    def __init__(self, client: AutotaskClient, page_size: int = 500) -> None:
        self.client = client
        self.page_size = page_size
        self._lock = threading.RLock()
        self._tables: dict[str, dict[int, dict[str, Any]]] = {}
        self._by_id: dict[str, dict[int, dict[str, Any] | None]] = {}
        self._picklists: dict[str, dict[str, dict[int, str]]] = {}
        self._unavailable: set[str] = set()

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
            cached = self._by_id.get(entity, {})
            if int(record_id) in cached:
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
            return self._by_id.get(entity, {}).get(int(record_id))

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
            cache = self._by_id.setdefault(entity, {})
            missing = [i for i in wanted if i not in cache]
            for chunk in chunked(missing):
                query = Query(entity, (F("id").in_(chunk),), max_records=self.page_size)
                for row in self.client.query(query):
                    cache[int(row["id"])] = row
                for i in chunk:
                    cache.setdefault(i, None)

    def picklist(self, entity: str, field: str) -> dict[int, str]:
        with self._lock:
            if entity not in self._picklists:
                self._picklists[entity] = self.client.picklists(entity)
            return self._picklists[entity].get(field.lower(), {})

    def internal_currency(self) -> dict[str, Any] | None:
        return next((row for row in self.table("Currencies").values() if row.get("isInternalCurrency")), None)
