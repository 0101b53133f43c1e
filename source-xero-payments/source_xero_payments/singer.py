"""Singer adapter `tap-xero-payments`: the same two streams, schemas and state as the Airbyte source.

The reader's per-tenant bookmarks live under the `xero` key of each stream's Singer state; the SDK's own
replication-key bookkeeping beside it is informational. Decimals reach stdout as exact JSON numbers
(singer-sdk serialises with simplejson's `use_decimal`). Rotated refresh tokens go to `token_store_path`
(Meltano rewrites config files per run, so the config cannot hold them).
"""

from __future__ import annotations

try:  # first: without the extra, the command says in one line which one to install
    import singer_sdk  # noqa: F401
except ModuleNotFoundError as missing:
    from connector_kit.distribution import missing_extra

    raise missing_extra(missing, "singer_sdk", "source-xero-payments[singer]") from None

import json
from collections.abc import Iterable, Mapping
from typing import Any

from singer_sdk import Stream, Tap

from .check import check_source
from .config import ConfigError, load_source_config
from .reader import CURSOR, PaymentsReader
from .schemas import PRIMARY_KEYS, STREAMS, load_schema
from .spec import SINGER_SCHEMA, own_keys

STATE_KEY = "xero"


class XeroPaymentsStream(Stream):
    """One stream of the reader; its Singer bookmark holds the reader's per-tenant state."""

    def __init__(self, tap: TapXeroPayments, name: str) -> None:
        super().__init__(tap, schema=load_schema(name), name=name)
        self.primary_keys = PRIMARY_KEYS[name]
        self.replication_key = CURSOR

    @property
    def is_sorted(self) -> bool:
        return False  # sorted per tenant, not across tenants

    def get_records(self, context: Mapping[str, Any] | None) -> Iterable[dict[str, Any]]:
        tap: TapXeroPayments = self._tap  # type: ignore[assignment]
        reader = tap.reader()
        bookmark = self.get_context_state(context)
        previous = bookmark.get(STATE_KEY) or {}
        latest: dict[str, Any] = dict(previous)
        for record, state in reader.read(self.name, previous):
            if record is None:
                latest = {k: dict(v) for k, v in state.items()}
                continue
            yield record
        bookmark[STATE_KEY] = latest
        calls = json.dumps(reader.calls(), sort_keys=True)
        self.logger.info("%s: %d records; Xero calls %s", self.name, reader.counts[self.name], calls)


class TapXeroPayments(Tap):
    """Xero payments and sales-invoice payment status, per organisation, for writing back to Autotask."""

    name = "tap-xero-payments"
    package_name = "source-xero-payments"  # the distribution: its version is the plugin's
    config_jsonschema = SINGER_SCHEMA

    def reader(self) -> PaymentsReader:
        existing: PaymentsReader | None = getattr(self, "_reader", None)
        if existing is None:
            existing = PaymentsReader(load_source_config(own_keys(self.config)))
            self._reader = existing
        return existing

    def discover_streams(self) -> list[Stream]:
        return [XeroPaymentsStream(self, name) for name in STREAMS]

    def check_connection(self) -> tuple[bool, str | None]:
        try:
            parsed = load_source_config(own_keys(self.config))
        except ConfigError as exc:
            return False, str(exc)
        return check_source(parsed, self.reader().client)


def main() -> None:
    TapXeroPayments.cli()
