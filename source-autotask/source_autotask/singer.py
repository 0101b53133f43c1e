"""Singer adapter (`tap-autotask`): the same streams, schemas and state rules as the Airbyte source.

The core's own stream state (cursor, and for invoices and purchase orders the fingerprints of the lookback
window) is kept under the `autotask` key of each stream's Singer bookmark; the SDK's replication-key
bookkeeping sits beside it and is informational only. Decimals reach stdout as exact JSON numbers
(singer-sdk writes with simplejson's `use_decimal`).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from singer_sdk import Stream, Tap

from .check import check
from .config import SourceConfig
from .errors import AutotaskError
from .schemas import load_schema
from .spec import CONFIG_SCHEMA
from .streams.specs import STREAMS, StreamSpec, SyncKind
from .sync import SyncSession

LOGGER = logging.getLogger("source_autotask")
STATE_KEY = "autotask"


def singer_config_schema() -> dict[str, Any]:
    schema = copy.deepcopy(CONFIG_SCHEMA)
    for prop in schema["properties"].values():
        prop.pop("order", None)
        if prop.pop("airbyte_secret", False):
            prop["secret"] = True
            prop["writeOnly"] = True
    return schema


class AutotaskStream(Stream):
    """One core stream exposed to singer-sdk."""

    def __init__(self, tap: TapAutotask, spec: StreamSpec) -> None:
        self.spec = spec
        super().__init__(tap, schema=load_schema(spec.name), name=spec.name)
        self.primary_keys = ["id"]
        self.replication_key = spec.cursor_field if spec.kind is not SyncKind.FULL else None  # type: ignore[assignment]

    @property
    def is_sorted(self) -> bool:
        return False

    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        tap: TapAutotask = self._tap  # type: ignore[assignment]
        session = tap.session()
        bookmark = self.get_context_state(context)
        previous = bookmark.get(STATE_KEY) if self.spec.kind is not SyncKind.FULL else None
        yield from session.read(self.name, previous or {})
        if self.spec.kind is not SyncKind.FULL:
            bookmark[STATE_KEY] = session.states.get(self.name, previous or {})
        self.logger.info("%s: %s", self.name, session.client.usage_summary())


class TapAutotask(Tap):
    name = "tap-autotask"
    config_jsonschema = singer_config_schema()

    def session(self) -> SyncSession:
        existing: SyncSession | None = getattr(self, "_session", None)
        if existing is None:
            existing = SyncSession(SourceConfig.from_mapping(dict(self.config)))
            self._session = existing
        return existing

    def discover_streams(self) -> list[Stream]:
        return [AutotaskStream(self, spec) for spec in STREAMS.values()]

    def check_connection(self) -> tuple[bool, str | None]:
        try:
            return check(SourceConfig.from_mapping(dict(self.config)))
        except AutotaskError as exc:
            return False, str(exc)


def main() -> None:
    TapAutotask.cli()
