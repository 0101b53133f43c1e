"""Airbyte adapter `source-xero-payments`: spec, check, discover, read over the core `PaymentsReader`.

Decimals go out as the float with the same shortest repr (the CDK serialises with orjson, which has no
Decimal); Xero money has at most 6 decimals, well inside what survives exactly. State per stream is the
reader's per-tenant bookmark, checkpointed after each tenant (one slice per tenant). The config file may
start with a UTF-8 byte-order mark (Windows editors write one); one that cannot be read is one line naming
the file, not a traceback.
"""

from __future__ import annotations

try:  # first: without the extra, the command says in one line which one to install
    from connector_kit.fast_cdk_import import skip_serpyco_docstrings

    skip_serpyco_docstrings()  # before the CDK's first import (fast_cdk_import.py says why)
    import airbyte_cdk  # noqa: F401
except ModuleNotFoundError as missing:
    from connector_kit.distribution import missing_extra

    raise missing_extra(missing, "airbyte_cdk", "source-xero-payments[airbyte]") from None

import copy
import json
import logging
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from decimal import Decimal
from typing import Any

from airbyte_cdk.config_observation import emit_configuration_as_airbyte_control_message
from airbyte_cdk.entrypoint import launch
from airbyte_cdk.models import (  # type: ignore[attr-defined]
    ConnectorSpecification,
    FailureType,
    SyncMode,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from connector_kit.config_files import UnreadableFile, read_json_object
from connector_kit.distribution import DOCUMENTATION_URL
from xero_client.tokens import MemoryTokenStore

from .check import check_source
from .config import ConfigError, load_source_config
from .reader import CURSOR, PaymentsReader
from .schemas import PRIMARY_KEYS, STREAMS, load_schema
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
    """One stream of the reader, read one tenant (slice) at a time."""

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
        return load_schema(self._name)

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
    @staticmethod
    def read_config(config_path: str) -> MutableMapping[str, Any]:
        """The config file, byte-order mark or not; one clear line when it is not a JSON object."""
        try:
            return read_json_object(config_path, "config")
        except UnreadableFile as exc:
            raise AirbyteTracedException(
                message=str(exc), internal_message=str(exc), failure_type=FailureType.config_error
            ) from None

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(
            documentationUrl=DOCUMENTATION_URL,
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
        return [XeroPaymentsStream(name, reader) for name in STREAMS]


def decimal_to_number(value: Any) -> Any:
    """For the CDK's serialiser, which has no Decimal: ints stay ints, others become the float with the
    same shortest repr (exact for Xero's 2-6 decimals); a value that would not survive exactly fails."""
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise ValueError(f"{value} cannot be written exactly as a JSON number")
        return as_float
    if isinstance(value, dict):
        return {k: decimal_to_number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decimal_to_number(v) for v in value]
    return value


def main() -> None:
    try:
        launch(SourceXeroPayments(), sys.argv[1:])
    except AirbyteTracedException as exc:
        # A designed failure (an unreadable config file; the CDK's summary of a failed stream, already
        # reported per stream): its message says what to fix, and a Python traceback would only bury it.
        exc.__traceback__ = None
        exc.emit_message()
        sys.exit(1)


if __name__ == "__main__":
    main()
