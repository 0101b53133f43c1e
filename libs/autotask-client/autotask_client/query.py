"""Typed Autotask query building.

Autotask silently ignores an operator it does not know and then returns every row, so a typo in a filter
turns an incremental read into a full table scan (or worse, a write-back into a mass update). Operators
here are an enum and conditions are built through methods, so only operators Autotask knows can be emitted.
Values are formatted the way the API expects: booleans as JSON booleans (null is rejected by the API, so it
is rejected here first), datetimes as UTC `YYYY-MM-DDTHH:MM:SS.fff`, Decimals as exact JSON numbers
(`connector_kit.exact_json.dumps`, which refuses floats: no filter value can be one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pendulum
from connector_kit.exact_json import dumps

MAX_RECORDS = 500
MAX_IN_VALUES = 500


class Op(StrEnum):
    EQ = "eq"
    NOTEQ = "noteq"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    BEGINS_WITH = "beginsWith"
    ENDS_WITH = "endsWith"
    CONTAINS = "contains"
    EXIST = "exist"
    NOT_EXIST = "notExist"
    IN = "in"
    NOT_IN = "notIn"


class GroupOp(StrEnum):
    AND = "and"
    OR = "or"


Scalar = int | str | bool | Decimal | pendulum.DateTime | pendulum.Date


class QueryError(ValueError):
    """A query that Autotask would misread; raised before any call is made."""


def format_value(value: Scalar) -> Any:
    if value is None:
        raise QueryError("a filter value cannot be null (Autotask rejects null; use exist/notExist)")
    if isinstance(value, bool | int | str | Decimal):
        return value
    if isinstance(value, pendulum.DateTime):
        utc = value.in_timezone("UTC")
        return utc.format("YYYY-MM-DDTHH:mm:ss.SSS")
    if isinstance(value, pendulum.Date):
        return value.format("YYYY-MM-DDT00:00:00.000")
    raise QueryError(f"unsupported filter value type {type(value).__name__}")


@dataclass(frozen=True)
class Condition:
    field: str
    op: Op
    value: Any = None

    def to_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"op": self.op.value, "field": self.field}
        if self.op in (Op.EXIST, Op.NOT_EXIST):
            return item
        if self.op in (Op.IN, Op.NOT_IN):
            item["value"] = [format_value(v) for v in self.value]
        else:
            item["value"] = format_value(self.value)
        return item


@dataclass(frozen=True)
class Group:
    op: GroupOp
    items: tuple[Filter, ...]

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op.value, "items": [item.to_json() for item in self.items]}


Filter = Condition | Group


class F:
    """A field to filter on: `F("id").gte(0)`, `F("invoiceID").in_([1, 2])`."""

    def __init__(self, name: str) -> None:
        if not name or not name.replace("_", "a").isalnum():
            raise QueryError(f"invalid field name {name!r}")
        self.name = name

    def _c(self, op: Op, value: Any) -> Condition:
        if value is None:
            raise QueryError(f"filter {self.name} {op.value}: value cannot be null (use exists/not_exists)")
        format_value(value)
        return Condition(self.name, op, value)

    def eq(self, value: Scalar) -> Condition:
        return self._c(Op.EQ, value)

    def noteq(self, value: Scalar) -> Condition:
        return self._c(Op.NOTEQ, value)

    def gt(self, value: Scalar) -> Condition:
        return self._c(Op.GT, value)

    def gte(self, value: Scalar) -> Condition:
        return self._c(Op.GTE, value)

    def lt(self, value: Scalar) -> Condition:
        return self._c(Op.LT, value)

    def lte(self, value: Scalar) -> Condition:
        return self._c(Op.LTE, value)

    def begins_with(self, value: str) -> Condition:
        return self._c(Op.BEGINS_WITH, value)

    def ends_with(self, value: str) -> Condition:
        return self._c(Op.ENDS_WITH, value)

    def contains(self, value: str) -> Condition:
        return self._c(Op.CONTAINS, value)

    def exists(self) -> Condition:
        return Condition(self.name, Op.EXIST)

    def not_exists(self) -> Condition:
        return Condition(self.name, Op.NOT_EXIST)

    def _list(self, op: Op, values: Iterable[Scalar]) -> Condition:
        items = tuple(values)
        if not items:
            raise QueryError(f"filter {self.name} {op.value}: the value list is empty")
        if len(items) > MAX_IN_VALUES:
            raise QueryError(
                f"filter {self.name} {op.value}: {len(items)} values (Autotask allows {MAX_IN_VALUES})"
            )
        for item in items:
            format_value(item)
        return Condition(self.name, op, items)

    def in_(self, values: Iterable[Scalar]) -> Condition:
        return self._list(Op.IN, values)

    def not_in(self, values: Iterable[Scalar]) -> Condition:
        return self._list(Op.NOT_IN, values)


def any_of(*items: Filter) -> Group:
    if not items:
        raise QueryError("an 'or' group needs at least one condition")
    return Group(GroupOp.OR, tuple(items))


def all_of(*items: Filter) -> Group:
    if not items:
        raise QueryError("an 'and' group needs at least one condition")
    return Group(GroupOp.AND, tuple(items))


@dataclass(frozen=True)
class Query:
    """One Autotask query: the top-level filters are ANDed, as the API does."""

    entity: str
    filters: tuple[Filter, ...]
    include_fields: tuple[str, ...] = ()
    max_records: int = MAX_RECORDS
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.filters:
            raise QueryError(f"{self.entity}: a query needs at least one filter (use F('id').gte(0) for all)")
        if not 1 <= self.max_records <= MAX_RECORDS:
            raise QueryError(
                f"{self.entity}: MaxRecords must be between 1 and {MAX_RECORDS}, not {self.max_records}"
            )

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"filter": [f.to_json() for f in self.filters], "MaxRecords": self.max_records}
        if self.include_fields:
            fields = list(self.include_fields)
            if "id" not in fields:
                # The API requires id among IncludeFields once a result spans more than one page.
                fields.insert(0, "id")
            body["IncludeFields"] = fields
        return body

    def search(self) -> str:
        return dumps(self.body())

    def describe(self) -> str:
        """A short readable form for errors and logs (no credentials ever appear in a query)."""
        return f"query {dumps([f.to_json() for f in self.filters])[:300]}"


def chunked(values: Sequence[int], size: int = MAX_IN_VALUES) -> Iterable[Sequence[int]]:
    """`values` in slices an `in` filter accepts (Autotask refuses more than 500 values in one list)."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


__all__ = [
    "MAX_IN_VALUES",
    "MAX_RECORDS",
    "Condition",
    "F",
    "Filter",
    "Group",
    "GroupOp",
    "Op",
    "Query",
    "QueryError",
    "Scalar",
    "all_of",
    "any_of",
    "chunked",
    "dumps",
    "format_value",
]
