"""`POST /__sandbox/rows`: a test plays "a person editing in the Autotask UI" on the emulated database.

Why an admin call and not the API: the REST API refuses almost every write on billing data (only
`invoiceNumber`, `paidDate` and `webServiceDate` on Invoices, `webServiceDate` on BillingItems,
`exchangeRate` on Currencies), while people change everything else in the UI (a company's tax region, an
invoice's total after a credit, a new purchase order). Tests of how a connector copes with such edits
need to make them, and must not do it by weakening the emulated API.

Contract (JSON body, answers JSON):
    POST <autotask root>/__sandbox/rows
    {"entity": "Invoices",
     "rows": [{"id": 123, "invoiceNumber": "20289A", "paidDate": "2027-11-10T00:00:00"}]}
    -> 200 {"updated": n, "inserted": m}
- `entity` is an emulated entity's path name, matched case-insensitively (`Invoices`, `BillingItems`,
  `Companies`, `PurchaseOrders`, `PurchaseOrderItems`, `TaxRegions`, `Taxes`, `TaxCategories`, ...).
- each row needs an integer `id`. An existing id is updated field by field: only the fields given
  change, any field of the catalogue, writable through the API or not; `null` clears a field. A new id is
  inserted exactly as the dataset loader builds a row: the fields given, every other field null, the
  entity's declared UDFs present with a null value.
- field names are matched case-insensitively and values converted as the dataset loader converts them
  (a decimal stays exact, a datetime must parse, an integer field refuses 1.5).
- `userDefinedFields` is a list of `{"name", "value"}` as the API returns it; on an update only the UDFs
  named change. Only UDFs the entity already has may be given (the UI fills UDFs, it does not define them);
  an empty list changes nothing, so a row read back from the API can be sent as it is.
- an update also sets the entity's last-modified stamp (Companies `lastTrackedModifiedDateTime`,
  Contacts and Services `lastModifiedDate`, Currencies `lastModifiedDateTime`) from the sandbox clock,
  as an edit in the UI does, unless the row gives that field itself; an insert stamps nothing the caller
  did not give (the loader's rule), so give the creation stamps you need.
- an unknown entity or field, a bad value, a row without an integer id, an id twice in one call, or a
  UDF on an entity without UDFs: 400 `{"error": "..."}` and nothing is changed (every row is checked
  before any is stored).
- `POST /__sandbox/reset` puts every table back as loaded, inserted rows removed.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from ..clock import SandboxClock
from .catalog import entity
from .store import Database, Record, Table
from .values import format_timestamp

_UDFS = "userdefinedfields"


def parse_body(raw: bytes) -> Any:
    try:
        return json.loads(raw or b"null", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("the body must be JSON") from None


def apply_rows(db: Database, body: Any, clock: SandboxClock) -> dict[str, int]:
    if not isinstance(body, dict):
        raise ValueError('the body must be {"entity": "<Entity>", "rows": [{"id": ...}, ...]}')
    name = body.get("entity")
    target = entity(name) if isinstance(name, str) else None
    if target is None:
        raise ValueError(f"unknown Autotask entity {name!r}")
    rows = body.get("rows")
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise ValueError("rows must be a list of objects")
    table = db.table(target.name)
    seen: set[int] = set()
    records: list[Record] = []
    for index, row in enumerate(rows):
        record_id = row_id(row, index)
        if record_id in seen:
            raise ValueError(f"rows[{index}]: id {record_id} appears more than once")
        seen.add(record_id)
        current = table.get(record_id)
        try:
            if current is None:
                records.append(_insert(table, row))
            else:
                records.append(_update(table, current, row, clock))
        except ValueError as exc:
            raise ValueError(f"rows[{index}]: {str(exc).removeprefix('dataset: ')}") from None
    updated, inserted = table.upsert(records)
    return {"updated": updated, "inserted": inserted}


def row_id(row: dict[str, Any], index: int) -> int:
    ids = [value for key, value in row.items() if key.lower() == "id"]
    if len(ids) != 1 or isinstance(ids[0], bool) or not isinstance(ids[0], int):
        raise ValueError(f"rows[{index}] needs one integer id")
    return int(ids[0])


def _udf_changes(table: Table, raw: Any) -> dict[str, tuple[str, Any]]:
    """lower-cased UDF name -> (declared name, value), refusing UDFs the entity does not have."""
    if raw == []:
        return {}  # nothing to change (a row copied from the API may carry an empty list)
    if not table.has_udfs:
        raise ValueError(f"{table.entity.name} has no user-defined fields")
    if not isinstance(raw, list) or not all(isinstance(item, dict) and "name" in item for item in raw):
        raise ValueError('userDefinedFields must be a list of {"name": ..., "value": ...}')
    declared = {n.lower(): n for n in table.udf_names}
    changes: dict[str, tuple[str, Any]] = {}
    for item in raw:
        key = str(item["name"]).lower()
        if key not in declared:
            raise ValueError(f"{table.entity.name} has no user-defined field {item['name']!r}")
        changes[key] = (declared[key], item.get("value"))
    return changes


def _insert(table: Table, row: dict[str, Any]) -> Record:
    fields = {key: value for key, value in row.items() if key.lower() != _UDFS}
    udfs = next((value for key, value in row.items() if key.lower() == _UDFS), None)
    loaded = table.new_record(fields)
    if udfs is None or udfs == []:
        return loaded
    merged = dict(loaded.udfs or {})
    merged.update(_udf_changes(table, udfs))
    return Record(loaded.values, merged)


def _update(table: Table, current: Record, row: dict[str, Any], clock: SandboxClock) -> Record:
    values = dict(current.values)
    udfs = current.udfs
    given: set[str] = set()
    for key, raw in row.items():
        if key.lower() == "id":
            continue
        if key.lower() == _UDFS:
            changes = _udf_changes(table, raw)
            if changes:
                udfs = {**(udfs or {}), **changes}
            continue
        name, value = table.convert(key, raw)
        values[name] = value
        given.add(name)
    stamp = format_timestamp(clock.now())
    for name in table.entity.touch_on_update:
        if name not in given:
            values[name] = stamp
    return Record(values, udfs)
