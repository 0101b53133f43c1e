"""Airbyte adapter (`source-autotask`): spec, check, discover and read over the protocol-free core.

Money: the core keeps Decimals. The CDK serialises messages with orjson, which has no Decimal type, so each
Decimal is written as the float whose shortest representation is the same decimal (orjson writes that
shortest form, so `52.7775` reaches the output as the JSON number `52.7775`; a whole amount as an integer).
That is exact for up to 15 significant digits, which covers every Autotask amount (4 decimals); a value
that would not survive exactly fails the sync with an error naming the stream and record instead of being
rounded. The record's objects and lists are written here, by orjson, before the CDK gets them
(`record_data` says why).

Input files: config, catalog and state may start with a UTF-8 byte-order mark. A config that is not JSON
stops with one line saying so. A state file that is not JSON, or a stream's entry that is not a state
message, is reported once and that stream (or every stream) is read as if it had no state; the legacy
Airbyte shape `{"<stream>": {...}}` is read as per-stream state. `--debug` output stays valid Airbyte
messages (debug lines are LOG messages at level DEBUG).
"""

from __future__ import annotations

try:  # first: without the extra, the command says in one line which one to install
    from connector_kit.fast_cdk_import import skip_serpyco_docstrings

    skip_serpyco_docstrings()  # before the CDK's first import (fast_cdk_import.py says why)
    import airbyte_cdk  # noqa: F401
except ModuleNotFoundError as missing:
    from connector_kit.distribution import missing_extra

    raise missing_extra(missing, "airbyte_cdk", "source-autotask[airbyte]") from None

import logging
import os
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

import orjson
from airbyte_cdk.entrypoint import launch
from airbyte_cdk.models import (  # type: ignore[attr-defined]
    AirbyteStateMessage,
    AirbyteStateMessageSerializer,
    ConfiguredAirbyteCatalog,
    ConfiguredAirbyteCatalogSerializer,
    ConnectorSpecification,
    FailureType,
    SyncMode,
)
from airbyte_cdk.sources import AbstractSource
from airbyte_cdk.sources.streams import CheckpointMixin, Stream
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from autotask_client.errors import AutotaskError
from connector_kit.config_files import UnreadableFile, read_json
from connector_kit.distribution import DOCUMENTATION_URL

from .check import check
from .config import SourceConfig
from .errors import RecordError
from .fingerprints import Fingerprints
from .schemas import load_schema
from .spec import CONFIG_SCHEMA
from .state import checked_state, refusal, shown
from .streams.specs import STREAMS, StreamSpec, SyncKind
from .sync import SyncSession

LOGGER = logging.getLogger("airbyte")
MAX_EXACT_INT = 2**53


def json_number(value: Decimal, where: str) -> int | float:
    """A Decimal as the int or float that prints as exactly the same decimal number (else a RecordError)."""
    number = _json_number(value)
    if number is None:
        raise RecordError(f"{where}: {value} cannot be written as an exact JSON number by the Airbyte CDK")
    return number


@lru_cache(maxsize=8192)
def _exactly(value: Decimal) -> int | float | None:
    """Remembered: amounts repeat, and the answer depends only on the number (`12.5` and `12.50` are one
    key and one answer, as both print `12.5`)."""
    if value == value.to_integral_value() and abs(value) < MAX_EXACT_INT:
        return int(value)
    as_float = float(value)
    return as_float if Decimal(repr(as_float)) == value else None


def _json_number(value: Decimal) -> int | float | None:
    """The JSON number of a Decimal, None when no int or float is exactly it (NaN, infinities, >15 digits)."""
    return _exactly(value) if value.is_finite() else None


class _Inexact(Exception):
    """A Decimal no JSON number of the CDK's would carry exactly (turned into a RecordError naming the
    record by `record_data`)."""


def _number_default(value: Any) -> int | float:
    """orjson's `default`: reached only for what orjson has no type for, in practice Decimals."""
    if isinstance(value, Decimal):
        number = _json_number(value)
        if number is not None:
            return number
        raise _Inexact(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def record_data(record: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The record as the CDK is handed it: each object, list or Decimal at the top already written as JSON
    (an `orjson.Fragment`, which the CDK's orjson writes as it is), the rest as it is.

    Why: the CDK writes a record with orjson, which has no Decimal. Walking every record to replace each
    Decimal by its JSON number took as long as reading the invoices; orjson's `default` hook reaches only
    the Decimals, in C, and the text is the very text the CDK would write for those numbers (the same ints
    and floats, by the same orjson). The top level stays a dict: the CDK's record message requires one."""
    data: dict[str, Any] = {}
    for key, value in record.items():
        if type(value) in _WRITTEN_HERE:
            try:
                data[key] = orjson.Fragment(orjson.dumps(value, default=_number_default))
            except orjson.JSONEncodeError as exc:
                if isinstance(exc.__cause__, _Inexact):
                    json_number(exc.__cause__.args[0], where)  # raises the RecordError
                raise
        else:
            data[key] = value
    return data


_WRITTEN_HERE = frozenset({dict, list, Decimal})


class ReportedError(AirbyteTracedException):
    """An error whose message already says what failed and why: logged and reported without a traceback."""

    def as_airbyte_message(self, stream_descriptor: Any = None) -> Any:
        message = super().as_airbyte_message(stream_descriptor)
        if message.trace is not None and message.trace.error is not None:
            message.trace.error.stack_trace = None
        return message


class _NoTracebackForReported(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], ReportedError):
            record.exc_info, record.exc_text = None, None
        return True


class AutotaskStream(Stream):
    """A full-refresh stream. It has no state setter: the CDK would treat one as resumable full refresh."""

    def __init__(self, spec: StreamSpec, session: SyncSession) -> None:
        self.spec = spec
        self.session = session
        self._state_in: dict[str, Any] = {}
        self._schema: dict[str, Any] | None = None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def primary_key(self) -> str:
        return "id"

    @property
    def cursor_field(self) -> str | list[str]:
        return self.spec.cursor_field or []

    @property
    def source_defined_cursor(self) -> bool:
        return True

    @property
    def supports_incremental(self) -> bool:
        return self.spec.kind is not SyncKind.FULL

    def get_json_schema(self) -> Mapping[str, Any]:  # type: ignore[override]
        """The stream's schema, parsed once: the CDK asks for it with every record it wraps."""
        if self._schema is None:
            self._schema = load_schema(self.name)
        return self._schema

    def read_records(
        self,
        sync_mode: SyncMode,
        cursor_field: list[str] | None = None,
        stream_slice: Mapping[str, Any] | None = None,
        stream_state: Mapping[str, Any] | None = None,
    ) -> Iterable[Mapping[str, Any]]:
        state = self._state_in if sync_mode == SyncMode.incremental else {}
        try:
            for record in self.session.read(self.name, state):
                yield record_data(record, f"{self.name} id {record.get('id')}")
        except AutotaskError as exc:
            # Our own message names the entity, the query and Autotask's answer; the CDK's default for an
            # unknown exception is "Something went wrong in the connector".
            transient = getattr(exc, "transient", False)
            raise ReportedError(
                message=f"{self.name}: {exc}",
                internal_message=str(exc),
                failure_type=FailureType.transient_error if transient else FailureType.config_error,
            ) from None
        if sync_mode != SyncMode.incremental:
            self.session.states.pop(self.name, None)
        LOGGER.info("%s: %s", self.name, self.session.client.usage_summary())


class AutotaskIncrementalStream(AutotaskStream, CheckpointMixin):
    """A stream with a cursor; its state is the core's state for the stream, complete only at the end."""

    @property
    def state(self) -> MutableMapping[str, Any]:
        return platform_state(self.session.states.get(self.name, self._state_in))

    @state.setter
    def state(self, value: MutableMapping[str, Any]) -> None:
        self._state_in = dict(value or {})


def platform_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the core's state for the CDK, the fingerprints as their JSON text (an `orjson.Fragment`,
    which the CDK's serialiser passes through and its orjson writes as it is): the same bytes as the dict
    they stand for, without that dict of two strings per document being built (`fingerprints.py`)."""
    return {
        key: orjson.Fragment(value.json_text()) if isinstance(value, Fingerprints) else value
        for key, value in state.items()
    }


def state_messages(raw: Any, where: str) -> list[AirbyteStateMessage]:
    """The per-stream state messages of a state file's content; what cannot be one is reported, skipped."""
    if isinstance(raw, Mapping) and "type" not in raw:  # the legacy shape: {"<stream>": {...}}
        raw = [
            {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": value}}
            for name, value in raw.items()
        ]
    elif isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        LOGGER.warning(
            "%s is not a list of state messages; every stream is read as if it had no state", where
        )
        return []
    messages = []
    for number, item in enumerate(raw, 1):
        message = _state_message(item, f"{where}, entry {number}")
        if message is not None:
            messages.append(message)
    return messages


def _state_message(item: Any, where: str) -> AirbyteStateMessage | None:
    if not isinstance(item, Mapping):
        LOGGER.warning("%s is %s, not an Airbyte state message; ignored", where, shown(item))
        return None
    stream = item.get("stream") if isinstance(item, Mapping) else None
    descriptor = stream.get("stream_descriptor") if isinstance(stream, Mapping) else None
    name = descriptor.get("name") if isinstance(descriptor, Mapping) else None
    if isinstance(name, str) and name in STREAMS and isinstance(stream, Mapping):
        value = stream.get("stream_state")
        if value is not None and not isinstance(value, Mapping):
            _, problem = checked_state(STREAMS[name], value)
            LOGGER.warning(refusal(name, problem or "it is not a JSON object"))
            return None
    try:
        return AirbyteStateMessageSerializer.load(item)  # type: ignore[no-any-return]
    except Exception as exc:  # the serialiser raises several kinds; all mean "not a state message"
        label = f"{name}: " if isinstance(name, str) else ""
        first = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else type(exc).__name__
        LOGGER.warning(
            "%s%s is not an Airbyte state message (%s); ignored, so its stream is read as if it had no state",
            label,
            where,
            first.strip(" -"),
        )
        return None


class SourceAutotask(AbstractSource):
    @staticmethod
    def read_config(config_path: str) -> MutableMapping[str, Any]:
        """The config file, byte-order mark or not; one clear line when it is not a JSON object."""
        try:
            config = read_json(config_path, "config")
        except UnreadableFile as exc:
            raise ReportedError(message=str(exc), failure_type=FailureType.config_error) from None
        if not isinstance(config, dict):
            raise ReportedError(
                message=f"the config file {config_path} is not a JSON object",
                failure_type=FailureType.config_error,
            )
        return config

    @classmethod
    def read_catalog(cls, catalog_path: str) -> ConfiguredAirbyteCatalog:
        try:
            raw = read_json(catalog_path, "catalog")
        except UnreadableFile as exc:
            raise ReportedError(message=str(exc), failure_type=FailureType.config_error) from None
        return ConfiguredAirbyteCatalogSerializer.load(raw)  # type: ignore[no-any-return]

    @classmethod
    def read_state(cls, state_path: str) -> list[AirbyteStateMessage]:
        """The saved state; an unreadable file or entry is reported and read as no state, never fatal."""
        if not state_path:
            return []
        try:
            raw = read_json(state_path, "state")
        except UnreadableFile as exc:
            LOGGER.warning("%s; every stream is read as if it had no state", exc)
            return []
        return state_messages(raw, f"the state file {state_path}") if raw else []

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(
            documentationUrl=DOCUMENTATION_URL,
            connectionSpecification=CONFIG_SCHEMA,
            supportsIncremental=True,
        )

    def check_connection(self, logger: logging.Logger, config: Mapping[str, Any]) -> tuple[bool, Any]:
        try:
            parsed = SourceConfig.from_mapping(config)
        except AutotaskError as exc:
            return False, str(exc)
        return check(parsed)

    def streams(self, config: Mapping[str, Any]) -> list[Stream]:
        session = SyncSession(SourceConfig.from_mapping(config))
        return [
            (AutotaskStream if spec.kind is SyncKind.FULL else AutotaskIncrementalStream)(spec, session)
            for spec in STREAMS.values()
        ]


def run(args: list[str]) -> None:
    if "--debug" in args:
        # With `--debug` alone the CDK prints debug lines as `{"type": "DEBUG", ...}`, which is no Airbyte
        # message type; with LOG_LEVEL=debug it prints them as LOG messages at level DEBUG, which are.
        os.environ["LOG_LEVEL"] = "debug"
    source = SourceAutotask()
    logging.getLogger(f"airbyte.{source.name}").addFilter(_NoTracebackForReported())  # the CDK's reader
    try:
        launch(source, args)
    except AirbyteTracedException as exc:
        # The CDK re-raises a failed stream as one summary error, already reported as a TRACE per stream:
        # say it once more without the Python traceback, which would only bury the message.
        exc.__traceback__ = None
        exc.emit_message()
        sys.exit(1)


def main() -> None:
    run(sys.argv[1:])


if __name__ == "__main__":
    main()
