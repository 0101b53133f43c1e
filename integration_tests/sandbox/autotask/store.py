"""The emulated database: one table per entity, kept in id order, with indexes and copy-on-write updates.

Reads take no lock: a record is never mutated in place, an update swaps in a new `Record` object, so a
concurrent query sees either the old or the new row, never half of each. Writes are serialised per table.
Indexes exist for the id order (bisect for paging and id ranges) and, built on first use, for equality on
the integer fields an API write can never change (references such as `invoiceID`), which is what the
connectors' bulk look-ups (`invoiceID in [...]`) hit.

The test-only admin write (`upsert`, behind `POST /__sandbox/rows`) may change any field and insert rows,
so it replaces the id list with a new one (a reader keeps the list it started with) and drops the
equality indexes, which are rebuilt on the next look-up.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from .catalog import CHILDREN, DEFAULT_UDFS, EntityDef
from .values import ValueProblem, loader, render, sort_key


class Record:
    __slots__ = ("_json", "_keys", "id", "udfs", "values")

    def __init__(self, values: dict[str, Any], udfs: dict[str, Any] | None) -> None:
        self.values = values
        self.id: int = values["id"]
        self.udfs = udfs  # lower-cased name -> (name, value); None when the entity has no UDFs
        self._keys: dict[str, Any] = {}
        self._json: str | None = None

    def key(self, entity: EntityDef, name: str) -> Any:
        """The comparison key of a field (None for null), computed once per record."""
        try:
            return self._keys[name]
        except KeyError:
            value = self.values.get(name)
            fdef = entity.by_name[name.lower()]
            key = None if value is None else sort_key(fdef, value)
            self._keys[name] = key
            return key

    def render(self, entity: EntityDef, include: list[str] | None, udf_names: list[str]) -> str:
        """The record as the API returns it: every field (null when absent) plus its UDFs."""
        if include is None and self._json is not None:
            return self._json
        names = [f.name for f in entity.fields] if include is None else include
        parts = [f'"{name}":{render(self.values.get(name))}' for name in names if name != "userDefinedFields"]
        if self.udfs is not None and (include is None or "userDefinedFields" in include):
            udf_items = ",".join(
                f'{{"name":{render(name)},"value":{render(self._udf_value(name))}}}' for name in udf_names
            )
            parts.append(f'"userDefinedFields":[{udf_items}]')
        text = "{" + ",".join(parts) + "}"
        if include is None:
            self._json = text
        return text

    def _udf_value(self, name: str) -> Any:
        assert self.udfs is not None
        found = self.udfs.get(name.lower())
        return None if found is None else found[1]

    def udf_value(self, name: str) -> Any:
        return None if self.udfs is None else self._udf_value(name)


class Table:
    """One entity's rows."""

    def __init__(self, entity: EntityDef, rows: Iterable[dict[str, Any]]) -> None:
        self.entity = entity
        self._lock = threading.Lock()
        rows = rows_list(rows)
        self._loaders: dict[str, tuple[str, Callable[[Any], Any]]] = {}
        loaded: dict[int, Record] = {}
        udf_names: dict[str, str] = {n.lower(): n for n in DEFAULT_UDFS.get(entity.name, ())}
        has_udfs = entity.has_udfs or any(row.get("userDefinedFields") for row in rows)
        for row in rows:
            record = self._load(row, has_udfs, udf_names)
            if record.id in loaded:
                raise ValueError(f"dataset: duplicate id {record.id} in {entity.name}")
            loaded[record.id] = record
        self.has_udfs = has_udfs
        self.udf_names = list(udf_names.values())
        self._original = loaded
        self.rows: dict[int, Record] = dict(loaded)
        self.ids: list[int] = sorted(loaded)
        self._indexes: dict[str, dict[int, list[int]]] = {}

    def convert(self, key: str, raw: Any) -> tuple[str, Any]:
        """(canonical field name, stored value) for one dataset-style field; ValueError names the problem."""
        found = self._loaders.get(key)
        if found is None:
            fdef = self.entity.field(key)
            if fdef is None:
                raise ValueError(f"dataset: {self.entity.name} has no field {key!r}")
            found = self._loaders[key] = (fdef.name, loader(fdef))
        name, convert = found
        try:
            return name, None if raw is None else convert(raw)
        except ValueProblem as exc:
            raise ValueError(f"dataset: {self.entity.name}.{name}: {exc}") from exc

    def new_record(self, row: dict[str, Any]) -> Record:
        """A row exactly as the dataset loader would build it (fields left out are null)."""
        udf_names = {n.lower(): n for n in self.udf_names}
        record = self._load(row, self.has_udfs, udf_names)
        self.udf_names = list(udf_names.values())
        return record

    def _load(self, row: dict[str, Any], has_udfs: bool, udf_names: dict[str, str]) -> Record:
        entity = self.entity
        loaders = self._loaders
        values: dict[str, Any] = {}
        for key, raw in row.items():
            found = loaders.get(key)
            if found is None:
                if key == "userDefinedFields":
                    continue
                name, value = self.convert(key, raw)
                values[name] = value
                continue
            name, convert = found
            try:
                values[name] = None if raw is None else convert(raw)
            except ValueProblem as exc:
                raise ValueError(f"dataset: {entity.name}.{name}: {exc}") from exc
        if values.get("id") is None:
            raise ValueError(f"dataset: a {entity.name} record has no id")
        udfs: dict[str, Any] | None = None
        if has_udfs:
            udfs = {}
            for item in row.get("userDefinedFields") or []:
                name = str(item["name"])
                udf_names.setdefault(name.lower(), name)
                udfs[name.lower()] = (name, item.get("value"))
        return Record(values, udfs)

    # --- reads ----------------------------------------------------------------------------------------

    def get(self, record_id: int) -> Record | None:
        return self.rows.get(record_id)

    def __len__(self) -> int:
        return len(self.ids)

    def scan(self, after: int | None = None, before: int | None = None) -> Iterator[Record]:
        """Rows in ascending id order, strictly after `after` (or descending, strictly before `before`)."""
        ids = self.ids
        rows = self.rows
        if before is not None:
            for position in range(bisect.bisect_left(ids, before) - 1, -1, -1):
                record = rows.get(ids[position])
                if record is not None:  # a row an admin reset removed while this scan ran
                    yield record
            return
        start = 0 if after is None else bisect.bisect_right(ids, after)
        for position in range(start, len(ids)):
            record = rows.get(ids[position])
            if record is not None:
                yield record

    def id_range(self, low: int | None, high: int | None) -> list[int]:
        """Ids within [low, high] (either bound optional), in order."""
        start = 0 if low is None else bisect.bisect_left(self.ids, low)
        end = len(self.ids) if high is None else bisect.bisect_right(self.ids, high)
        return self.ids[start:end]

    def can_index(self, field_name: str) -> bool:
        fdef = self.entity.field(field_name)
        return fdef is not None and fdef.read_only and fdef.data_type in ("long", "integer")

    def lookup(self, field_name: str, value: int) -> list[int]:
        """Ids (ascending) whose never-written integer field equals value."""
        if field_name == "id":
            return [value] if value in self.rows else []
        index = self._indexes.get(field_name)
        if index is None:
            with self._lock:
                index = self._indexes.get(field_name)
                if index is None:
                    index = {}
                    for record_id in self.ids:
                        key = self.rows[record_id].values.get(field_name)
                        if key is not None:
                            index.setdefault(key, []).append(record_id)
                    self._indexes[field_name] = index
        return index.get(value, [])

    # --- writes ---------------------------------------------------------------------------------------

    def update(self, record_id: int, changes: dict[str, Any]) -> Record | None:
        """Swap in a copy of the row with `changes` applied; None when the id does not exist."""
        with self._lock:
            current = self.rows.get(record_id)
            if current is None:
                return None
            values = dict(current.values)
            values.update(changes)
            record = Record(values, current.udfs)
            self.rows[record_id] = record
            return record

    def upsert(self, records: list[Record]) -> tuple[int, int]:
        """Store whole records by id (replace or insert); (updated, inserted). Admin writes only."""
        with self._lock:
            rows = dict(self.rows)
            updated = sum(1 for record in records if record.id in rows)
            for record in records:
                rows[record.id] = record
            # Rows before ids: a reader takes the id list first, so every id it sees has its row.
            self.rows = rows
            if updated < len(records):
                self.ids = sorted(rows)
            self._indexes = {}
            return updated, len(records) - updated

    def reset(self) -> None:
        with self._lock:
            self.rows = dict(self._original)
            self.ids = sorted(self._original)
            self._indexes = {}


def rows_list(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return rows if isinstance(rows, list) else list(rows)


class Database:
    """Every table of the emulated Autotask database."""

    def __init__(self, entities: Iterable[EntityDef], data: dict[str, list[dict[str, Any]]]) -> None:
        by_lower = {e.name.lower(): e for e in entities}
        unknown = [name for name in data if name.lower() not in by_lower]
        if unknown:
            raise ValueError(f"dataset: unknown Autotask entities {unknown}")
        supplied = {name.lower(): rows for name, rows in data.items()}
        self.tables: dict[str, Table] = {
            entity.name: Table(entity, supplied.get(lower, [])) for lower, entity in by_lower.items()
        }
        for (parent, _segment), (child, key) in CHILDREN.items():
            assert parent in self.tables and child in self.tables and self.tables[child].can_index(key)

    def table(self, name: str) -> Table:
        return self.tables[name]

    def reset(self) -> None:
        for table in self.tables.values():
            table.reset()
