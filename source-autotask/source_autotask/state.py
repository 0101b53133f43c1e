"""A stream's saved state, checked before it steers a read.

Why: a state may be hand-edited, truncated, written by an older version or by another connector. Such a
state must neither stop the sync with a traceback nor make it skip documents. So anything that is not
the shape this version writes is refused as a whole, with one message naming what was wrong, and the
stream is read as if it had no state (which re-reads from `start_date`: slower, never wrong).

The shapes (`None` for a key means it is absent):
- cursor streams: `{"cursor": "<UTC ISO>"}`;
- window streams: `{"cursor": "<UTC ISO>", "fingerprints": {"<id>": "<hash>"}, "retry": [<id>, ...],
  "pdf_retry": [<id>, ...]}`, every key optional, but at least one present.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .records.project import parse_datetime
from .streams.specs import StreamSpec, SyncKind

State = dict[str, Any]
KEYS = {SyncKind.CURSOR: ("cursor",), SyncKind.WINDOW: ("cursor", "fingerprints", "retry", "pdf_retry")}


def refusal(stream: str, problem: str) -> str:
    """The one warning for a refused state (the same words from the core and from both adapters)."""
    return f"{stream}: the saved state was not used ({problem}); the stream is read as if it had no state"


def checked_state(spec: StreamSpec, raw: Any) -> tuple[State, str | None]:
    """The usable part of a saved state, and why the saved state was refused (None when it was not)."""
    if spec.kind is SyncKind.FULL or raw is None:
        return {}, None
    if not isinstance(raw, Mapping):
        return {}, f"it is {shown(raw)}, not a JSON object"
    if not raw:
        return {}, None
    keys = KEYS[spec.kind]
    found = [key for key in keys if key in raw]
    if not found:
        listed = ", ".join(sorted(str(key) for key in raw)[:10])
        return {}, f"it has none of the keys {', '.join(keys)} (found {listed}): an older or foreign shape"
    for key in found:
        problem = _problem(key, raw[key])
        if problem:
            return {}, problem
    return {key: raw[key] for key in found if raw[key] is not None}, None


def _problem(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if key == "cursor":
        if not isinstance(value, str) or parse_datetime(value) is None:
            return f"cursor {shown(value)} is not a date"
        return None
    if key == "fingerprints":
        if not isinstance(value, Mapping):
            return f"fingerprints is {shown(value)}, not an object of id to fingerprint"
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            return "fingerprints holds something other than text ids and text fingerprints"
        return None
    if not isinstance(value, list) or not all(_is_id(item) for item in value):
        return f"{key} is {shown(value)}, not a list of Autotask ids (whole numbers)"
    return None


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def shown(value: Any) -> str:
    """A wrong value, short, with its JSON kind: `42 (a number)` (a state holds no secrets, but may be
    large)."""
    kind = {dict: "an object", list: "a list", str: "text", bool: "a boolean"}.get(type(value))
    if kind is None:
        kind = "a number" if isinstance(value, int | float) else type(value).__name__
    text = repr(value)
    return f"{text if len(text) <= 40 else text[:37] + '...'} ({kind})"
