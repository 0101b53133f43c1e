"""Projecting a raw Autotask entity onto a schema's properties, checking types on the way.

Field names are matched case-insensitively (the API is case-insensitive and spells some names in mixed
case), unknown fields are dropped, and a value of the wrong type raises a `RecordError` naming the entity,
the record id and the field, so a bad record fails loudly instead of reaching the books.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

import pendulum

from ..errors import RecordError
from ..schemas import load_schema


@cache
def schema_fields(stream: str, path: tuple[str, ...] = ()) -> tuple[tuple[str, str, str], ...]:
    """(name, lowercase name, type code) of the scalar/UDF properties of a schema (or a nested object)."""
    node: dict[str, Any] = load_schema(stream)
    for key in path:
        node = node["properties"][key]
        if "items" in node and "properties" not in node:
            node = node["items"]
    out = []
    for name, spec in node["properties"].items():
        types = spec.get("type")
        kinds = [types] if isinstance(types, str) else list(types or [])
        kind = next((k for k in kinds if k != "null"), "string")
        if kind == "string" and spec.get("format") == "date-time":
            kind = "date-time"
        out.append((name, name.lower(), kind))
    return tuple(out)


def project(
    raw: Mapping[str, Any], stream: str, path: tuple[str, ...] = (), *, entity: str = ""
) -> dict[str, Any]:
    """The schema's properties of `raw`, in schema order, each checked (and converted) by `coerce`.

    Why the shape: this runs for every invoice, line and company snapshot (millions of values a sync).
    The raw row's key order is nearly always the same for one entity, so which raw key feeds which
    property is worked out once per key order (`_matched`), and a value already of its property's type
    (the common case) is taken without calling `coerce`, whose messages are built only on a failure."""
    record: dict[str, Any] = {}
    label = entity or stream
    for raw_key, name, kind, accepted in _matched(stream, path, tuple(raw)):
        value = raw[raw_key]
        if value is None or type(value) in accepted or (kind == "date-time" and _is_date_text(value)):
            record[name] = value
        else:
            record[name] = coerce(value, kind, label, raw.get("id"), name)
    return record


# The types a value may have to pass through `coerce` unchanged (bool is not an int here: `type(...) is`).
_ACCEPTED: dict[str, frozenset[type]] = {
    "integer": frozenset({int}),
    "number": frozenset({int, Decimal}),
    "boolean": frozenset({bool}),
    "string": frozenset({str}),
    "array": frozenset({list}),
    "date-time": frozenset(),
}
_MATCHED_MAX = (
    512  # distinct key orders remembered (one per entity in practice); the cache is cleared past it
)
_Matched = tuple[tuple[Any, str, str, frozenset[type]], ...]
_matched_cache: dict[tuple[str, tuple[str, ...], tuple[Any, ...]], _Matched] = {}


def _matched(stream: str, path: tuple[str, ...], keys: tuple[Any, ...]) -> _Matched:
    """(raw key, property name, type code, types taken as they are) of the projected properties a row with
    these keys has, in schema order. Names match case-insensitively; of two raw keys equal but for case,
    the last wins (as a dict of lower-cased keys would have it)."""
    cache_key = (stream, path, keys)
    found = _matched_cache.get(cache_key)
    if found is not None:
        return found
    by_lower = {str(key).lower(): key for key in keys}
    found = tuple(
        (by_lower[low], name, kind, _ACCEPTED.get(kind, _ACCEPTED["string"]))
        for name, low, kind in schema_fields(stream, path)
        if low in by_lower and kind != "object" and (kind != "array" or name == "userDefinedFields")
    )
    if len(_matched_cache) >= _MATCHED_MAX:
        _matched_cache.clear()
    _matched_cache[cache_key] = found
    return found


def coerce(value: Any, kind: str, entity: str, record_id: Any, field: str) -> Any:
    if value is None:
        return None
    where = f"{entity} id {record_id}: field {field}"
    if kind == "integer":
        if isinstance(value, bool):
            raise RecordError(f"{where} should be an integer, got a boolean")
        if isinstance(value, int):
            return value
        if isinstance(value, Decimal) and value == value.to_integral_value():
            return int(value)
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
        raise RecordError(f"{where} should be an integer, got {value!r}")
    if kind == "number":
        if isinstance(value, bool):
            raise RecordError(f"{where} should be a number, got a boolean")
        if isinstance(value, int | Decimal):
            return value
        if isinstance(value, float):
            return Decimal(repr(value))
        if isinstance(value, str):
            try:
                return Decimal(value)
            except InvalidOperation:
                pass
        raise RecordError(f"{where} should be a number, got {value!r}")
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        if value in (0, 1):
            return bool(value)
        raise RecordError(f"{where} should be a boolean, got {value!r}")
    if kind == "date-time":
        if not isinstance(value, str):
            raise RecordError(f"{where} should be a date-time string, got {value!r}")
        if not _is_datetime(value):
            raise RecordError(f"{where} is not a date-time: {value!r}")
        return value
    if kind == "array":
        if not isinstance(value, list):
            raise RecordError(f"{where} should be a list, got {type(value).__name__}")
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        return str(value)
    raise RecordError(f"{where} should be a string, got {value!r}")


def parse_datetime(value: Any) -> pendulum.DateTime | None:
    """`value` as a UTC date-time, None when it is none (empty, not text, or not a date-time)."""
    if not value or not isinstance(value, str):
        return None
    return _parsed(value)


# The one shape Autotask writes dates in (`2026-08-03T17:00:33.000Z`, `2026-08-03T00:00:00`): the standard
# library parses it in a fraction of pendulum's time. Every other text goes to pendulum as before, so the
# dates accepted and refused are exactly pendulum's (`tests/test_hot_path.py` compares the two).
_ISO_SHAPE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)
# Dates repeat (midnights, a batch's posting days): the last few thousand answers are remembered.
_DATES_REMEMBERED = 8192


def _quick(value: str) -> datetime | None:
    """The standard library's reading of a date in Autotask's shape (None for any other text)."""
    if _ISO_SHAPE.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


@lru_cache(maxsize=_DATES_REMEMBERED)
def _parsed(value: str) -> pendulum.DateTime | None:
    quick = _quick(value)
    if quick is not None:
        utc = quick.replace(tzinfo=UTC) if quick.tzinfo is None else quick.astimezone(UTC)
        return pendulum.DateTime(
            utc.year,
            utc.month,
            utc.day,
            utc.hour,
            utc.minute,
            utc.second,
            utc.microsecond,
            tzinfo=pendulum.UTC,
        )
    try:
        parsed = pendulum.parse(value, tz="UTC")
    except Exception:
        return None
    return parsed.in_timezone("UTC") if isinstance(parsed, pendulum.DateTime) else None


def _is_date_text(value: Any) -> bool:
    return type(value) is str and _is_datetime(value)


@lru_cache(maxsize=_DATES_REMEMBERED)
def _is_datetime(value: str) -> bool:
    """Whether pendulum reads `value` as a date-time (what `coerce` accepts for a date-time property)."""
    if _quick(value) is not None:
        return True
    try:
        return isinstance(pendulum.parse(value, tz="UTC"), pendulum.DateTime)
    except Exception:
        return False


def iso(value: pendulum.DateTime) -> str:
    return value.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss.SSS") + "Z"
