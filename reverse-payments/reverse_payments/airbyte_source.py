"""Airbyte adapter `source-xero-payments`: spec, check, discover, read over `PaymentsReader`.

Decimals go out as the float with the same shortest repr (the CDK serialises with orjson, which has no
Decimal); Xero money has at most 6 decimals, well inside what survives exactly. State per stream is the
reader's per-tenant bookmark, checkpointed after each tenant (one slice per tenant).
"""

from __future__ import annotations

import copy
import json
import logging
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from airbyte_cdk.config_observation import emit_configuration_as_airbyte_control_message
from airbyte_cdk.entrypoint import launch
from airbyte_cdk.models import ConnectorSpecification, SyncMode  # type: ignore[attr-defined]
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from destination_xero.tokens import MemoryTokenStore

from .check import check_source
from .config import ConfigError, load_source_config
from .reader import CURSOR, PaymentsReader, decimal_to_number
from .schemas import PRIMARY_KEYS, SCHEMAS
from .spec import SOURCE_SPEC

LOGGER = logging.getLogger("airbyte")


def token_store(config: Mapping[str, Any]) -> MemoryTokenStore | None:
    """Without a token_store_path the platform keeps the rotated refresh token: each rotation goes out as a
    connector-config control message before the new access token is used."""
    auth = config.get("auth") or {}
    if auth.get("type") != "refresh_token" or auth.get("token_store_path"):
        return None
    observed: dict[str, Any] = copy.deepcopy(dict(config))

    def persist(token: str) -> None:
        observed["auth"]["refresh_token"] = token
        emit_configuration_as_airbyte_control_message(observed)

    return MemoryTokenStore(auth.get("refresh_token"), on_save=persist)


class XeroPaymentsStream(Stream, CheckpointMixin):
    state_checkpoint_interval = None

    def __init__(self, name: str, reader: PaymentsReader) -> None:
        self._name = name
        self.reader = reader
        self._state: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self._name

    @property
    def primary_key(self) -> list[str]:
        return PRIMARY_KEYS[self._name]

    @property
    def cursor_field(self) -> str:
        return CURSOR

    @property
    def source_defined_cursor(self) -> bool:
        return True

    @property
    def supports_incremental(self) -> bool:
        return True

    @property
    def state(self) -> MutableMapping[str, Any]:
        return dict(self._state)

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state = dict(value or {})

    def stream_slices(
        self,
        *,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any] | None]:
        """One slice per tenant: the state is checkpointed after each organisation."""
        return [{"tenant_id": tenant.tenant_id} for tenant in self.reader.config.tenants]

    def get_json_schema(self) -> Mapping[str, Any]:  # type: ignore[override]
        return SCHEMAS[self._name]

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        start = self._state if sync_mode == SyncMode.incremental else {}
        tenants = [stream_slice["tenant_id"]] if stream_slice and stream_slice.get("tenant_id") else None
        for record, state in self.reader.read(self._name, start, tenants):
            if record is not None:
                yield decimal_to_number(record)
            elif sync_mode == SyncMode.incremental:
                self._state = {k: dict(v) for k, v in state.items()}
        LOGGER.info(
            "%s: %d records; Xero calls %s",
            self._name,
            self.reader.counts[self._name],
            json.dumps(self.reader.calls(), sort_keys=True),
        )


class SourceXeroPayments(AbstractSource):
    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(
            documentationUrl="https://github.com/autotask-xero/connectors/tree/main/reverse-payments",
            connectionSpecification=SOURCE_SPEC,
            supportsIncremental=True,
        )

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        try:
            parsed = load_source_config(dict(config))
        except ConfigError as exc:
            return False, str(exc)
        reader = PaymentsReader(parsed, store=token_store(config))
        return check_source(parsed, reader.client)

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        reader = PaymentsReader(load_source_config(dict(config)), store=token_store(config))
        return [XeroPaymentsStream(name, reader) for name in SCHEMAS]


def main() -> None:
    launch(SourceXeroPayments(), sys.argv[1:])


if __name__ == "__main__":
    main()
