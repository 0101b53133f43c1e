"""Projecting a raw Autotask entity onto a schema's properties, checking types on the way.

Field names are matched case-insensitively (the API is case-insensitive and spells some names in mixed
case), unknown fields are dropped, and a value of the wrong type raises a `RecordError` naming the entity,
the record id and the field, so a bad record fails loudly instead of reaching the books.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cache
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
    lowered = {str(key).lower(): value for key, value in raw.items()}
    record: dict[str, Any] = {}
    label = entity or stream
    for name, low, kind in schema_fields(stream, path):
        if kind in ("object",) or (kind == "array" and name != "userDefinedFields"):
            continue
        if low not in lowered:
            continue
        record[name] = coerce(lowered[low], kind, label, raw.get("id"), name)
    return record


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
        try:
            parsed = pendulum.parse(value, tz="UTC")
        except Exception as exc:
            raise RecordError(f"{where} is not a date-time: {value!r}") from exc
        if not isinstance(parsed, pendulum.DateTime):
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
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = pendulum.parse(value, tz="UTC")
    except Exception:
        return None
    return parsed.in_timezone("UTC") if isinstance(parsed, pendulum.DateTime) else None


def iso(value: pendulum.DateTime) -> str:
    return value.in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss.SSS") + "Z"
