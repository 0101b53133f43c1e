"""Outcome, the retries: documents Xero does not hold yet, carried forward in the platform's own state
until they land (outcome.py notes every decision here; the adapters put the ledger in each state).

Why in the state: the source emits a document only when it changed since it was last emitted (its
fingerprint), so a document rejected for a mapping the admin fixes afterwards would never come back, and
a destination has nowhere else to remember it: Airbyte containers are ephemeral and Meltano keeps only the
state the target emits. So every state the destination passes on for a document stream lists, under
`retry`, the Autotask ids of the documents that did not land (rejected, or a change Xero will not take),
and the source re-reads exactly those ids on every run, however old they are, until they land. The
fingerprints of those documents are dropped as well, so a source that does not know `retry` still re-sends
them while they are inside its look-back window.

The contract with the source (source-autotask, `retry` in a window stream's state): a list of integer
Autotask ids; the source re-reads and emits every one on each run and copies the list to the state it
emits, minus ids Autotask no longer has. The destination computes what it passes on as
`(incoming retry minus landed this run) plus failed this run`, so a document stays listed from the run that
rejected it to the run in which it lands.

What we rely on, per platform:
- Airbyte persists the state messages the destination emits (the protocol's checkpoint: a destination
  echoes a state once everything before it is committed). Only the stream's state blob is changed; the
  message's other properties (`sourceStats`, the platform's id) are passed on untouched.
- Meltano saves the state the target emits, also when the run fails; singer-sdk bookmarks keep the
  source's core state under `bookmarks[<stream>]["autotask"]`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from .records import stream_kind

# decision actions meaning "Xero now holds what Autotask says" / "it does not, and will not by itself"
LANDED = frozenset({"create", "update", "unchanged", "skipped"})
FAILED = frozenset({"rejected", "not_changeable"})
# the Xero document kind -> the record kind of the stream it came from (a bill comes from a purchase
# order: under `send_as: both` it lands only when the PO and the bill both did)
STREAM_OF_KIND = {
    "invoice": "invoice",
    "credit_note": "invoice",
    "purchase_order": "purchase_order",
    "bill": "purchase_order",
}
SINGER_CORE_KEY = "autotask"  # where tap-autotask keeps its core state inside a Singer bookmark


class RetryLedger:
    """What happened to each Autotask document this run, and the `retry` list every state must carry."""

    def __init__(self) -> None:
        self._failed: dict[str, dict[int, str]] = {"invoice": {}, "purchase_order": {}}
        self._landed: dict[str, set[int]] = {"invoice": set(), "purchase_order": set()}
        self._lock = threading.Lock()

    def note(self, kind: str, action: str, source_id: int | None, reason: str = "") -> None:
        """One decision. A document split across organisations lands only when every part landed."""
        stream = STREAM_OF_KIND.get(kind)
        if stream is None or source_id is None:
            return
        with self._lock:
            if action in FAILED:
                self._failed[stream][source_id] = reason
                self._landed[stream].discard(source_id)
            elif action in LANDED and source_id not in self._failed[stream]:
                self._landed[stream].add(source_id)

    def failed(self) -> dict[str, dict[int, str]]:
        with self._lock:
            return {stream: dict(ids) for stream, ids in self._failed.items()}

    # ---- applying it to a state ----------------------------------------------------------------------
    def stream_state(self, stream: str, state: Mapping[str, Any] | None) -> dict[str, Any]:
        """The source's state of one stream, with `retry` and the fingerprints brought up to date."""
        updated = dict(state or {})
        kind = stream_kind(stream)
        if kind not in self._failed:
            return updated
        # Why no copy of what landed: a state passes every few hundred documents, and a set of every id
        # landed this run (or the window's fingerprints) copied each time costs O(N) per state, O(N²) a
        # run. Only the incoming `retry` (short) is checked against it, and the failed ids (short) are
        # taken out of the fingerprints, which this state owns (each message is parsed afresh).
        incoming = _ids(updated.get("retry"))
        with self._lock:
            failed = set(self._failed[kind])
            landed = self._landed[kind]
            retry = {i for i in incoming if i not in landed} | failed
        fingerprints = updated.get("fingerprints")
        if isinstance(fingerprints, dict) and failed:
            for key in map(str, failed):  # the source writes each id as its plain digits (sync.py)
                fingerprints.pop(key, None)
        elif isinstance(fingerprints, Mapping) and failed:
            updated["fingerprints"] = {k: v for k, v in fingerprints.items() if _int(k) not in failed}
        if retry:
            updated["retry"] = sorted(retry)
        else:
            updated.pop("retry", None)
        return updated

    def streams(self, states: Mapping[str, Any]) -> dict[str, Any]:
        """A mapping stream name -> that stream's state (Airbyte legacy and global states)."""
        return {
            name: self.stream_state(name, value) if isinstance(value, Mapping) else value
            for name, value in states.items()
        }

    def singer(self, value: Mapping[str, Any]) -> dict[str, Any]:
        """A Singer STATE value: `{"bookmarks": {stream: {"autotask": <core state>, ...}}}`."""
        updated = dict(value)
        bookmarks = value.get("bookmarks")
        if not isinstance(bookmarks, Mapping):
            return updated
        new_bookmarks: dict[str, Any] = {}
        for name, bookmark in bookmarks.items():
            if isinstance(bookmark, Mapping) and stream_kind(name) in self._failed:
                bookmark = dict(bookmark)
                core = bookmark.get(SINGER_CORE_KEY)
                updated_core = self.stream_state(name, core if isinstance(core, Mapping) else {})
                if updated_core or SINGER_CORE_KEY in bookmark:  # a bookmark of another tap stays as it is
                    bookmark[SINGER_CORE_KEY] = updated_core
            new_bookmarks[name] = bookmark
        updated["bookmarks"] = new_bookmarks
        return updated


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _ids(values: Any) -> set[int]:
    """The ids of a `retry` list; anything that is not an id (a corrupted state) is dropped."""
    if not isinstance(values, Iterable) or isinstance(values, str | bytes | Mapping):
        return set()
    return {i for i in (_int(v) for v in values) if i is not None}
