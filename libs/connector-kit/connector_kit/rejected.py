"""Rejected-records output: one JSON line per document a connector could not write, and why.

Why a file beside the log: the platforms keep logs for days and mix them with every other connector's; an
admin working through refusals needs a list that names each document and the cause, survives the run, and is
written before state moves past the record (so nothing refused is forgotten by a resumed run).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connector_kit.exact_json import dumps_lenient
from connector_kit.redaction import Redactor


class RejectedRecords:
    """Append-only JSONL, flushed per line; `path=None` counts without writing (a dry run writes nowhere)."""

    def __init__(self, path: str | Path | None, redactor: Redactor) -> None:
        self.path = Path(path).expanduser() if path else None
        self.redactor = redactor
        self._lock = threading.Lock()
        self.count = 0

    def write(self, entry: Mapping[str, Any]) -> None:
        line = self.redactor.clean(dumps_lenient(entry))
        with self._lock:
            self.count += 1
            if self.path is None:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line + "\n")
                handle.flush()
