"""JSON that keeps money exact: Decimals in, Decimals out, never a float.

Why one module: every connector reads vendor JSON with `parse_float=Decimal` and writes payloads, state and
reports with Decimals as JSON numbers. Written once here, the rule cannot drift between a source that
fingerprints records and a destination that posts them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any


def dumps(value: Any) -> str:
    """Compact JSON with Decimals written as plain numbers; floats and unknown types are refused.

    Strict on purpose: a float in a money payload is a bug upstream, and silently writing it would move a
    total by a fraction of a cent."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("non-finite Decimal")
        return format(value, "f")
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return json.dumps(value)
    if isinstance(value, float):
        raise TypeError("floats are not allowed in money payloads; use Decimal")
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"cannot serialise {type(value).__name__}")


def loads(text: str | bytes) -> Any:
    """JSON with every non-integer number as a Decimal."""
    return json.loads(text, parse_float=Decimal)


def jsonable(value: Any) -> Any:
    """`value` with anything JSON has no type for (dates, enums, paths) turned into its string form.

    For reports and logs, where a readable value beats a refusal; payloads use `dumps` directly."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, Decimal | str | int | bool) or value is None:
        return value
    return str(value)


def dumps_lenient(value: Any) -> str:
    """`dumps` after `jsonable`: for log lines and report entries."""
    return dumps(jsonable(value))
