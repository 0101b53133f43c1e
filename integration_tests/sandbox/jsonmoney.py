"""JSON with money kept exact: parse numbers with a fraction as Decimal, write Decimals as JSON numbers.

The stdlib encoder cannot emit a raw number for a custom type (a `default` hook can only return another
JSON value), so each Decimal is written as a marked string and the marks are replaced by the number's
own text in one pass afterwards: `12.3400` goes out as `12.3400`, never as a float or a quoted string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

_MARK = "\u0000D:"
_MARKED = re.compile(r'"\\u0000D:(-?[0-9]+(?:\.[0-9]+)?)"')


def dumps(
    data: Any,
    *,
    indent: int | None = None,
    default: Callable[[Any], Any] | None = None,
    compact: bool = True,
) -> str:
    """`default` handles types other than Decimal (it may return a Decimal too)."""

    def _hook(value: Any) -> Any:
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"cannot write {value} as JSON")
            return _MARK + format(value, "f")
        if default is None:
            raise TypeError(f"cannot write {type(value).__name__} as JSON")
        converted = default(value)
        return _hook(converted) if isinstance(converted, Decimal) else converted

    separators = (",", ":") if compact and indent is None else None
    text = json.dumps(data, default=_hook, ensure_ascii=False, indent=indent, separators=separators)
    return _MARKED.sub(r"\1", text) if "\\u0000D:" in text else text


def loads(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)
