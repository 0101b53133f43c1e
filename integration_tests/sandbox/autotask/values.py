"""Typed field values: loading dataset values, comparison keys, and JSON rendering with exact decimals.

Money stays `Decimal` from the dataset file to the wire (a float read from the file is converted through its
shortest repr, so `52.7775` stays `52.7775`), and responses are rendered here instead of through
`json.dumps` so a Decimal goes out as a JSON number, never a string or a binary float.

Comparison keys mirror Autotask's SQL Server collation: strings compare case-insensitively, datetimes as
instants (a value without an offset is UTC, as the API documents), numbers numerically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import pendulum

from .catalog import FieldDef

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ValueProblem(ValueError):
    """A value that does not fit its field's type (the caller turns it into the API's error)."""


def parse_datetime(text: str) -> datetime:
    """An aware datetime; naive values are UTC. The stdlib parser is the fast path (it runs per row)."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            parsed = pendulum.parse(text, strict=False)  # type: ignore[assignment]
        except Exception as exc:
            raise ValueProblem(f"'{text}' is not a valid date/time") from exc
        if not isinstance(parsed, datetime):
            raise ValueProblem(f"'{text}' is not a valid date/time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def datetime_key(text: str) -> int:
    """Microseconds since the epoch: an exact, cheap ordering key."""
    delta = parse_datetime(text) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueProblem(f"{value!r} is not a number")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueProblem(f"'{value}' is not a number") from exc
        if not result.is_finite():
            raise ValueProblem(f"'{value}' is not a number")
        return result
    raise ValueProblem(f"{value!r} is not a number")


def to_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueProblem(f"{value!r} is not an integer")
    if isinstance(value, int):
        return value
    number = to_decimal(value)
    if number != number.to_integral_value():
        raise ValueProblem(f"'{value}' is not an integer")
    return int(number)


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ValueProblem(f"'{value}' is not a boolean (use true or false)")


def load_value(fdef: FieldDef, value: Any) -> Any:
    """A dataset value in the Python type the emulator keeps for its field (None stays None)."""
    if value is None:
        return None
    kind = fdef.data_type
    if kind in ("long", "integer"):
        return to_int(value)
    if kind == "double":
        return to_decimal(value)
    if kind == "boolean":
        return to_bool(value)
    if kind == "datetime":
        text = str(value)
        parse_datetime(text)
        return text
    return str(value)


def loader(fdef: FieldDef) -> Callable[[Any], Any]:
    """`load_value` for one field, with a fast path for values already of the right type (load time)."""
    kind = fdef.data_type
    if kind in ("long", "integer"):
        return lambda value: value if type(value) is int else to_int(value)
    if kind == "double":
        return lambda value: value if type(value) is Decimal else to_decimal(value)
    if kind == "string":
        return lambda value: value if type(value) is str else str(value)
    return lambda value: load_value(fdef, value)


def sort_key(fdef: FieldDef, value: Any) -> Any:
    """The comparison key of a stored value (never None: callers handle null first)."""
    kind = fdef.data_type
    if kind == "string":
        return str(value).casefold()
    if kind == "datetime":
        return datetime_key(str(value))
    return value


def filter_key(fdef: FieldDef, value: Any) -> Any:
    """The comparison key of a filter value, coerced to the field's type."""
    kind = fdef.data_type
    if kind in ("long", "integer"):
        number = to_decimal(value)
        return int(number) if number == number.to_integral_value() else number
    if kind == "double":
        return to_decimal(value)
    if kind == "boolean":
        return to_bool(value)
    if kind == "datetime":
        if not isinstance(value, str):
            raise ValueProblem(f"{value!r} is not a valid date/time")
        return datetime_key(value)
    if isinstance(value, dict | list):
        raise ValueProblem(f"{json.dumps(value)} is not a valid value for a string field")
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).casefold()


def render(value: Any) -> str:
    """One JSON value; Decimals as plain JSON numbers."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        text = format(value, "f")
        return text if text not in ("-0",) else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(render(v) for v in value) + "]"
    if isinstance(value, float):
        return render(Decimal(repr(value)))
    return json.dumps(str(value))


def format_timestamp(moment: pendulum.DateTime) -> str:
    """The API's own datetime shape: UTC with milliseconds and a Z."""
    utc = moment.in_timezone("UTC")
    return utc.format("YYYY-MM-DDTHH:mm:ss.SSS") + "Z"
