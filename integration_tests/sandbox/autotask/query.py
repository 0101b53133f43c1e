"""The query language: `{"filter": [...], "IncludeFields": [...], "MaxRecords": N}` compiled to a predicate.

Faithful hazards and the choices made where Autotask's behaviour is not documented:
- An unknown operator (a typo such as `ne`) is silently ignored: that item matches every row, exactly the
  trap the live API sets. Unknown fields, on the other hand, are an HTTP 500
  `Unable to find <field> in the <Entity> Entity.`
- Field names, operator names and query keys are case-insensitive; string values compare
  case-insensitively (SQL Server's default collation); datetimes compare as instants.
- Null follows SQL: a null field never satisfies eq/noteq/gt/.../in/notIn (so `noteq` does NOT return
  rows where the field is empty); only `exist`/`notExist` see nulls. Chosen because it is what a SQL
  backend does and it is the behaviour that silently drops rows from a careless filter.
- A comparison with a null value, an `in` whose value is not a list or holds more than 500 values, a
  string operator (beginsWith/endsWith/contains) on a non-string field, a missing or empty `filter`,
  a second UDF item in one query, or `IncludeFields` naming an unknown field: HTTP 500. These are
  undocumented edge cases; the sandbox refuses them so a client relying on them fails here first.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from .catalog import EntityDef
from .errors import AutotaskError
from .store import Record, Table
from .values import ValueProblem, filter_key

MAX_RECORDS = 500
MAX_IN_VALUES = 500
COMPARISONS = ("eq", "noteq", "gt", "gte", "lt", "lte")
STRING_OPS = ("beginswith", "endswith", "contains")
ALL_OPS = frozenset((*COMPARISONS, *STRING_OPS, "exist", "notexist", "in", "notin"))

Predicate = Callable[[Record], bool]


def _always(record: Record) -> bool:
    return True


@dataclass
class Query:
    entity: EntityDef
    predicate: Predicate
    include: list[str] | None
    max_records: int
    fingerprint: str
    candidates: list[int] | None = None  # ascending ids that can match (None: every row)

    def iter_rows(
        self, table: Table, after: int | None = None, before: int | None = None
    ) -> Iterator[Record]:
        if self.candidates is None:
            yield from table.scan(after=after, before=before)
            return
        ids = self.candidates
        if before is not None:
            for position in range(bisect.bisect_left(ids, before) - 1, -1, -1):
                record = table.get(ids[position])
                if record is not None:
                    yield record
            return
        start = 0 if after is None else bisect.bisect_right(ids, after)
        for position in range(start, len(ids)):
            record = table.get(ids[position])
            if record is not None:
                yield record

    def page(
        self, table: Table, after: int | None = None, before: int | None = None
    ) -> tuple[list[Record], bool]:
        """Up to max_records matches (ascending) and whether more exist in the scan direction."""
        found: list[Record] = []
        more = False
        predicate = self.predicate
        for record in self.iter_rows(table, after=after, before=before):
            if predicate(record):
                if len(found) == self.max_records:
                    more = True
                    break
                found.append(record)
        if before is not None:
            found.reverse()
        return found, more

    def count(self, table: Table) -> int:
        predicate = self.predicate
        return sum(1 for record in self.iter_rows(table) if predicate(record))


def _get(mapping: dict[str, Any], name: str) -> Any:
    """A key looked up case-insensitively (the API binds `filter` and `Filter` alike)."""
    if name in mapping:
        return mapping[name]
    lowered = name.lower()
    for key, value in mapping.items():
        if key.lower() == lowered:
            return value
    return None


def parse_query(table: Table, spec: Any) -> Query:
    entity = table.entity
    if not isinstance(spec, dict):
        raise AutotaskError(500, "The query must be a JSON object with a filter.")
    filters = _get(spec, "filter")
    if not isinstance(filters, list) or not filters:
        raise AutotaskError(500, "A query needs a filter: a non-empty list of filter expressions.")
    max_records = _get(spec, "MaxRecords")
    if max_records is None:
        max_records = MAX_RECORDS
    if isinstance(max_records, bool) or not isinstance(max_records, int | str | Decimal):
        raise AutotaskError(500, "maxCountOfRecordsToReturn must be between 1 and 500")
    try:
        number = Decimal(str(max_records).strip())
        if number != number.to_integral_value():
            raise ValueError("not an integer")
        max_records = int(number)
    except (ValueError, ArithmeticError):
        raise AutotaskError(500, "maxCountOfRecordsToReturn must be between 1 and 500") from None
    if not 1 <= max_records <= MAX_RECORDS:
        raise AutotaskError(500, "maxCountOfRecordsToReturn must be between 1 and 500")
    include = _include(table, _get(spec, "IncludeFields"))
    compiler = _Compiler(table)
    predicates = [compiler.compile(item) for item in filters]
    predicate: Predicate
    if len(predicates) == 1:
        predicate = predicates[0]
    else:

        def predicate(record: Record) -> bool:
            return all(p(record) for p in predicates)

    fingerprint = hashlib.sha256(
        json.dumps([filters, include, max_records], sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    candidates = _plan(table, filters)
    return Query(entity, predicate, include, max_records, fingerprint, candidates)


def _include(table: Table, raw: Any) -> list[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise AutotaskError(500, "IncludeFields must be a list of field names.")
    if not raw:
        return None
    names: list[str] = []
    for item in raw:
        name = str(item)
        if name.lower() == "userdefinedfields" and table.has_udfs:
            names.append("userDefinedFields")
            continue
        fdef = table.entity.field(name)
        if fdef is None:
            raise AutotaskError(500, f"Unable to find {name} in the {table.entity.singular} Entity.")
        if fdef.name not in names:
            names.append(fdef.name)
    return names


class _Compiler:
    def __init__(self, table: Table) -> None:
        self.table = table
        self.entity = table.entity
        self.udf_items = 0

    def compile(self, item: Any) -> Predicate:
        if not isinstance(item, dict):
            raise AutotaskError(500, f"Invalid filter expression: {json.dumps(item, default=str)}")
        op = str(_get(item, "op") or "").lower()
        if op in ("and", "or"):
            children = _get(item, "items")
            if not isinstance(children, list) or not children:
                raise AutotaskError(500, f"The '{op}' grouping needs a non-empty items list.")
            parts = [self.compile(child) for child in children]
            if op == "and":
                return lambda record: all(p(record) for p in parts)
            return lambda record: any(p(record) for p in parts)
        name = _get(item, "field")
        if not isinstance(name, str) or not name:
            if op not in ALL_OPS:
                return _always
            raise AutotaskError(500, f"The filter expression '{op}' needs a field.")
        if _get(item, "udf") in (True, "true", "True"):
            return self._udf(op, name, item)
        fdef = self.entity.field(name)
        if fdef is None:
            raise AutotaskError(500, f"Unable to find {name} in the {self.entity.singular} Entity.")
        if not fdef.queryable:
            raise AutotaskError(
                500, f"The field {fdef.name} in the {self.entity.singular} Entity cannot be used in a query."
            )
        if op not in ALL_OPS:
            return _always  # the live API ignores an unknown operator: the whole item matches everything
        entity = self.entity
        field_name = fdef.name

        def key_of(record: Record) -> Any:
            return record.key(entity, field_name)

        if op in STRING_OPS and fdef.data_type != "string":
            raise AutotaskError(500, f"The operator '{op}' cannot be used on the non-text field {fdef.name}.")

        def convert(value: Any) -> Any:
            try:
                return filter_key(fdef, value)
            except ValueProblem as exc:
                raise AutotaskError(500, f"Invalid value for {fdef.name}: {exc}") from None

        return _build(op, key_of, item, convert, fdef.name)

    def _udf(self, op: str, name: str, item: dict[str, Any]) -> Predicate:
        table = self.table
        known = {n.lower(): n for n in table.udf_names} if table.has_udfs else {}
        if name.lower() not in known:
            raise AutotaskError(500, f"Unable to find {name} in the {self.entity.singular} Entity.")
        self.udf_items += 1
        if self.udf_items > 1:
            raise AutotaskError(500, "Only one user-defined field can be used in a query.")
        if op not in ALL_OPS:
            return _always
        udf_name = known[name.lower()]

        def key_of(record: Record) -> Any:
            return _udf_key(record.udf_value(udf_name))

        def convert(value: Any) -> Any:
            if isinstance(value, dict | list):
                raise AutotaskError(500, f"Invalid value for {udf_name}.")
            return _udf_key(value)

        return _build(op, key_of, item, convert, udf_name)


def _udf_key(value: Any) -> Any:
    """UDF values are typed per UDF in Autotask; numbers compare as numbers, the rest as text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return str(value).casefold()


def _build(
    op: str, key_of: Callable[[Record], Any], item: dict[str, Any], convert: Callable[[Any], Any], name: str
) -> Predicate:
    if op == "exist":
        return lambda record: key_of(record) is not None
    if op == "notexist":
        return lambda record: key_of(record) is None
    value = _get(item, "value")
    if value is None:
        raise AutotaskError(
            500, f"The filter on {name} with '{op}' needs a value (null is not a valid value)."
        )
    if op in ("in", "notin"):
        if not isinstance(value, list) or not value:
            raise AutotaskError(500, f"The '{op}' filter on {name} needs a non-empty list of values.")
        if len(value) > MAX_IN_VALUES:
            raise AutotaskError(500, f"The '{op}' filter on {name} has more than {MAX_IN_VALUES} values.")
        if any(v is None for v in value):
            raise AutotaskError(500, f"The '{op}' filter on {name} contains null.")
        keys = {convert(v) for v in value}
        if op == "in":
            return lambda record: key_of(record) in keys
        return lambda record: (k := key_of(record)) is not None and k not in keys
    if isinstance(value, list):
        raise AutotaskError(500, f"The '{op}' filter on {name} needs a single value, not a list.")
    target = convert(value)
    if op in STRING_OPS:
        text = str(target)
        if op == "beginswith":
            return lambda record: (k := key_of(record)) is not None and str(k).startswith(text)
        if op == "endswith":
            return lambda record: (k := key_of(record)) is not None and str(k).endswith(text)
        return lambda record: (k := key_of(record)) is not None and text in str(k)
    return _compare(op, key_of, target)


def _compare(op: str, key_of: Callable[[Record], Any], target: Any) -> Predicate:
    def safe(test: Callable[[Any], bool]) -> Predicate:
        def predicate(record: Record) -> bool:
            key = key_of(record)
            if key is None:
                return False
            try:
                return test(key)
            except TypeError:  # a UDF holding text compared with a number
                return False

        return predicate

    if op == "eq":
        return safe(lambda k: bool(k == target))
    if op == "noteq":
        return safe(lambda k: bool(k != target))
    if op == "gt":
        return safe(lambda k: bool(k > target))
    if op == "gte":
        return safe(lambda k: bool(k >= target))
    if op == "lt":
        return safe(lambda k: bool(k < target))
    return safe(lambda k: bool(k <= target))


def _plan(table: Table, filters: list[Any]) -> list[int] | None:
    """Candidate ids from the top-level (AND-ed) items an index can answer; the smallest set wins."""
    best: list[int] | None = None
    low: int | None = None
    high: int | None = None
    for item in filters:
        if not isinstance(item, dict) or _get(item, "udf") in (True, "true", "True"):
            continue
        op = str(_get(item, "op") or "").lower()
        name = _get(item, "field")
        if not isinstance(name, str) or not table.can_index(name):
            continue
        fdef = table.entity.field(name)
        assert fdef is not None
        value = _get(item, "value")
        try:
            if op == "eq":
                found = table.lookup(fdef.name, int(filter_key(fdef, value)))
            elif op == "in" and isinstance(value, list):
                merged: set[int] = set()
                for v in value:
                    key = filter_key(fdef, v)
                    if key == int(key):
                        merged.update(table.lookup(fdef.name, int(key)))
                found = sorted(merged)
            elif fdef.name == "id" and op in ("gt", "gte", "lt", "lte"):
                key = filter_key(fdef, value)
                bound = int(key)
                if op == "gt":
                    low = max(low, bound + 1) if low is not None else bound + 1
                elif op == "gte":
                    low = max(low, bound) if low is not None else bound
                elif op == "lt":
                    high = min(high, bound - 1) if high is not None else bound - 1
                else:
                    high = min(high, bound) if high is not None else bound
                continue
            else:
                continue
        except (ValueProblem, TypeError, ValueError, ArithmeticError):
            continue
        if best is None or len(found) < len(best):
            best = found
    if low is not None or high is not None:
        ranged = table.id_range(low, high)
        if best is None or len(ranged) < len(best):
            best = ranged
    return best
