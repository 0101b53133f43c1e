"""Airbyte adapter: `destination-xero spec | check --config C | write --config C --catalog K`.

Thin by design: it translates Airbyte messages to the core `Engine` and back.
- RECORD → `Engine.add` (streams the destination does not use are ignored by the core, one log line each);
- STATE → `Engine.flush()` first, then the state is passed on with `destinationStats.recordCount`: the
  records of that stream since its previous state (per-stream states), or of every stream since the
  previous state (global and legacy states). After a tenant stopped on Xero's daily limit (or refused
  access: disconnected, or a scope missing) no further state is passed on: the deferred records are
  re-sent by the next run from the last state that was passed on;
- every rotated refresh token is emitted as a CONNECTOR_CONFIG control message, printed and flushed
  before the new access token is used, so the platform persists it even if the run dies right after (the
  old token dies 30 minutes after rotation). With `token_store_path` set the file is written as well;
- the run processes everything, logs the per-tenant summary (the JSON `summary` line, then one line per
  organisation and the next steps in a finance admin's words, report.py), writes the run report when
  `report_path` is set (also when the run stops early or fails), then fails (non-zero, a TRACE error)
  when documents were rejected and `fail_on_rejections` is on, or when a tenant stopped early.
Choices where the platform leaves room:
- all three destination sync modes are accepted and mean the same thing, an idempotent upsert keyed by
  the Autotask id: `overwrite` never deletes anything in Xero (accounting documents are voided, not
  dropped, and only by the source's own void flag); the run says so in one log line per such stream;
- an authentication failure stops the run at once (config error): nothing is reported as rejected, and
  no state is emitted after it.
"""

from __future__ import annotations

try:  # first: without the extra, the command says in one line which one to install
    from connector_kit.fast_cdk_import import skip_serpyco_docstrings

    skip_serpyco_docstrings()  # before the CDK's first import (fast_cdk_import.py says why)
    import airbyte_cdk  # noqa: F401
except ModuleNotFoundError as missing:
    from connector_kit.distribution import missing_extra

    raise missing_extra(missing, "airbyte_cdk", "destination-xero[airbyte]") from None

import argparse
import contextlib
import copy
import io
import json
import logging
import sys
import threading
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

import orjson
from airbyte_cdk.config_observation import emit_configuration_as_airbyte_control_message
from airbyte_cdk.destinations import Destination
from airbyte_cdk.models import (  # type: ignore[attr-defined]  # re-exported from airbyte_protocol
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateStats,
    AirbyteStateType,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    DestinationSyncMode,
    FailureType,
    Status,
    Type,
)
from airbyte_cdk.utils.airbyte_secrets_utils import add_to_secrets, get_secrets, update_secrets
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from connector_kit.distribution import DOCUMENTATION_URL
from xero_client.client import AuthError, XeroClient, XeroError
from xero_client.tokens import FileTokenStore, TokenStoreError

from .check import check
from .config import Config, ConfigError, load_config, read_config_file
from .records import stream_kind, utf8_lines
from .report import RunReporter, stop_message
from .run_lock import RunLockBusy, run_lock
from .spec import airbyte_connection_specification
from .writer import Engine

log = logging.getLogger("airbyte")
# The core logs under "destination_xero" (rejections, ignored streams); the CDK's handler sits on the root
# logger, whose level would drop the core's INFO lines.
logging.getLogger("destination_xero").setLevel(logging.INFO)


class PlatformTokenStore:
    """The Airbyte platform keeps the refresh token in the connector config.

    `save` emits the updated config as a CONTROL message (flushed) and, when `token_store_path` is set,
    writes the file too; only then does the client use the new access token. `load` prefers the file when
    there is one: it is the store every connector sharing the Xero connection rotates under one lock (and
    the one `xero-auth` writes), so the config's token may already be rotated by another process and dead
    30 minutes later; without a file (a container's is usually gone next run) the config's token is used."""

    def __init__(self, raw_config: Mapping[str, Any]) -> None:
        self._observed: dict[str, Any] = copy.deepcopy(dict(raw_config))
        auth = self._observed.get("auth") or {}
        self._token: str | None = auth.get("refresh_token") or None
        path = auth.get("token_store_path")
        self._file = FileTokenStore(path) if path else None
        self._lock = threading.RLock()

    def load(self) -> str | None:
        from_file = self._file.load() if self._file is not None else None
        return from_file or self._token

    def save(self, refresh_token: str) -> None:
        add_to_secrets(refresh_token)  # the CDK masks it in any log line from now on
        self._observed["auth"]["refresh_token"] = refresh_token
        emit_configuration_as_airbyte_control_message(self._observed)
        if self._file is not None:
            self._file.save(refresh_token)
        self._token = refresh_token

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            if self._file is not None:
                with self._file.locked():
                    yield
            else:
                yield


def _client(parsed: Config, raw: Mapping[str, Any]) -> XeroClient:
    store = PlatformTokenStore(raw) if parsed.auth.type == "refresh_token" else None
    return XeroClient(parsed, store=store)


def _load(config: Mapping[str, Any]) -> Config:
    try:
        return load_config(dict(config))
    except ConfigError as exc:
        raise AirbyteTracedException(
            message=str(exc), internal_message=str(exc), failure_type=FailureType.config_error
        ) from None


def _fatal(exc: Exception) -> AirbyteTracedException:
    if isinstance(exc, AuthError | TokenStoreError):
        return AirbyteTracedException(
            message=str(exc), internal_message=str(exc), failure_type=FailureType.config_error
        )
    return AirbyteTracedException(
        message=f"Xero could not be written: {exc}",
        internal_message=str(exc),
        failure_type=FailureType.transient_error,
    )


class _StateCounter:
    """Records received since the previous state, per stream, for `destinationStats`."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str | None, str], int] = {}

    def record(self, namespace: str | None, stream: str) -> None:
        key = (namespace, stream)
        self._counts[key] = self._counts.get(key, 0) + 1

    def take(self, message: AirbyteMessage) -> int:
        state = message.state
        assert state is not None
        if state.type == AirbyteStateType.STREAM and state.stream is not None:
            descriptor = state.stream.stream_descriptor
            return self._counts.pop((descriptor.namespace, descriptor.name), 0)
        count = sum(self._counts.values())
        self._counts.clear()
        return count


def _ignored_streams(catalog: ConfiguredAirbyteCatalog) -> set[str]:
    """Streams of the catalog the destination does not use, said once here and never passed to the core
    (a stream outside the catalog still reaches the core, which says so once)."""
    ignored = set()
    for configured in catalog.streams:
        name = configured.stream.name
        if stream_kind(name) is None:
            ignored.add(name)
            log.info("stream %r is not used by destination-xero; its records are ignored", name)
        elif configured.destination_sync_mode == DestinationSyncMode.overwrite:
            log.info("stream %r: overwrite is an upsert here; nothing is ever deleted in Xero", name)
    return ignored


class DestinationXero(Destination):
    # The config is validated by the core model the spec is generated from (spec.py): its errors name
    # every offending field at once, where the CDK's spec check reports the first one without its path.
    check_config_against_spec = False

    def run_cmd(self, parsed_args: argparse.Namespace) -> Iterable[AirbyteMessage]:
        if parsed_args.command != "check":
            yield from super().run_cmd(parsed_args)
            return
        config = self.read_config(config_path=parsed_args.config)
        update_secrets(get_secrets(self.spec(log).connectionSpecification, config))
        yield self._run_check(config=config)

    def _parse_input_stream(self, input_stream: io.TextIOWrapper) -> Iterable[AirbyteMessage]:
        return _messages(utf8_lines(input_stream.buffer))  # type: ignore[arg-type]

    @staticmethod
    def read_config(config_path: str) -> MutableMapping[str, Any]:
        """The config file, also when an editor saved it with a UTF-8 byte-order mark."""
        return read_config_file(config_path)

    def spec(self, logger: logging.Logger) -> ConnectorSpecification:
        return ConnectorSpecification(
            documentationUrl=DOCUMENTATION_URL,
            connectionSpecification=airbyte_connection_specification(),
            supportsIncremental=True,
            supported_destination_sync_modes=[
                DestinationSyncMode.append,
                DestinationSyncMode.append_dedup,
                DestinationSyncMode.overwrite,
            ],
        )

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        """Authenticate, list the reachable organisations, check every mapping: all problems at once."""
        try:
            parsed = load_config(dict(config))
        except ConfigError as exc:
            return AirbyteConnectionStatus(status=Status.FAILED, message=str(exc))
        try:
            result = check(parsed, _client(parsed, config), raw=config)
        except (XeroError, TokenStoreError) as exc:
            return AirbyteConnectionStatus(status=Status.FAILED, message=str(exc))
        if result.ok:
            return AirbyteConnectionStatus(
                status=Status.SUCCEEDED, message="reachable: " + ", ".join(result.tenants)
            )
        return AirbyteConnectionStatus(status=Status.FAILED, message="\n".join(result.problems))

    def write(
        self,
        config: Mapping[str, Any],
        configured_catalog: ConfiguredAirbyteCatalog,
        input_messages: Iterable[AirbyteMessage],
    ) -> Iterable[AirbyteMessage]:
        parsed = _load(config)
        reporter = RunReporter(parsed)
        ignored = _ignored_streams(configured_catalog)
        try:
            with run_lock(parsed):
                yield from self._write(parsed, config, ignored, input_messages, reporter)
        except RunLockBusy as exc:
            reporter.finish(None, None, 1, failure=str(exc))
            raise AirbyteTracedException(
                message=str(exc), internal_message=str(exc), failure_type=FailureType.transient_error
            ) from None

    def _write(
        self,
        parsed: Config,
        config: Mapping[str, Any],
        ignored: set[str],
        input_messages: Iterable[AirbyteMessage],
        reporter: RunReporter,
    ) -> Iterable[AirbyteMessage]:
        logged = parsed.dry_run or parsed.log_decisions  # else no decision entry is even built
        decisions = _decision_logger(parsed.dry_run) if logged else None
        engine = Engine(parsed, _client(parsed, config), on_decision=decisions)
        engine.outcome.log_unchanged = False  # the logger drops them on real runs: not even built then
        counter = _StateCounter()
        stopped = False
        if parsed.dry_run:
            log.info("dry run: nothing is written, so no state is passed on (the next real run sends it all)")
        try:
            for message in input_messages:
                if message.type == Type.RECORD and message.record is not None:
                    counter.record(message.record.namespace, message.record.stream)
                    if message.record.stream in ignored:
                        continue
                    engine.add(message.record.stream, message.record.data)
                elif message.type == Type.STATE and message.state is not None:
                    # passed on by `released()` once every record before it is written (pipeline.py)
                    engine.checkpoint((message, counter.take(message)))
                if not parsed.dry_run:
                    yield from _passed_on(engine)
            stopped = not engine.flush() or stopped
            if not parsed.dry_run:
                yield from _passed_on(engine)  # records after a stop were deferred: none is released then
            engine.close()
        except (XeroError, TokenStoreError) as exc:
            fatal = _fatal(exc)
            reporter.finish(engine.outcome, engine.client, 1, failure=fatal.message)
            raise fatal from None
        except Exception as exc:  # a bug: the report still says the run did not finish
            reporter.finish(engine.outcome, engine.client, 1, failure=f"unexpected {type(exc).__name__}")
            raise
        log.info("summary %s", json.dumps(engine.summary(), default=str, sort_keys=True))
        for warning in engine.warnings():
            log.warning("%s", warning)
        code = 2 if stopped else engine.exit_code()
        # The process ends 1 on any designed failure (main): that is the status the report records.
        report = reporter.finish(engine.outcome, engine.client, 1 if code else 0)
        if code == 2:
            transient = all("daily call limit" in reason for reason in engine.stop_reasons())
            raise AirbyteTracedException(
                message=stop_message(report),
                failure_type=FailureType.transient_error if transient else FailureType.config_error,
            )
        if code == 1:
            raise AirbyteTracedException(
                message=engine.failure_message(), failure_type=FailureType.config_error
            )


def _passed_on(engine: Engine) -> Iterator[AirbyteMessage]:
    """The states whose records are all written, each with the documents to retry and its record count."""
    for message, count in engine.released():
        _carry_retries(engine, message.state)
        message.state.destinationStats = AirbyteStateStats(recordCount=float(count))
        yield message


def _carry_retries(engine: Engine, state: AirbyteStateMessage) -> None:
    """Put the documents that did not land into the state passed on (retry_ledger.py), in place."""
    ledger = engine.ledger
    if state.type == AirbyteStateType.STREAM and state.stream is not None:
        name = state.stream.stream_descriptor.name
        state.stream.stream_state = AirbyteStateBlob(
            ledger.stream_state(name, _blob(state.stream.stream_state))
        )
    elif state.type == AirbyteStateType.GLOBAL and state.global_ is not None:
        for stream in state.global_.stream_states or []:
            name = stream.stream_descriptor.name
            stream.stream_state = AirbyteStateBlob(ledger.stream_state(name, _blob(stream.stream_state)))
    elif isinstance(state.data, Mapping):
        state.data = ledger.streams(state.data)


def _blob(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    return dict(vars(value))


def _messages(lines: Iterable[str]) -> Iterator[AirbyteMessage]:
    """Airbyte messages of the input; a line that is not one (a source's `--debug` output, a stray print)
    is skipped with one note naming its line, never a crash of the whole run."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield AirbyteMessageSerializer.load(orjson.loads(line))  # as the CDK reads it
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            kind = ""
            with contextlib.suppress(ValueError, AttributeError):
                kind = str(orjson.loads(line).get("type") or "")
            log.info(
                "input line %d is not an Airbyte message this destination reads%s; skipped (%s)",
                number,
                f" (type {kind!r})" if kind else "",
                type(exc).__name__,
            )


def _decision_logger(dry_run: bool) -> Any:
    def report(decision: dict[str, Any]) -> None:
        if dry_run or decision.get("action") != "unchanged":
            log.info("decision %s", json.dumps(decision, default=str, sort_keys=True))

    return report


def main() -> None:
    try:
        DestinationXero().run(sys.argv[1:])
    except AirbyteTracedException as exc:
        # A designed failure (config, credentials, rejections): its message says what to fix, and a Python
        # traceback would only bury it. Anything unexpected still reaches the CDK's handler with its own.
        exc.__traceback__ = None
        exc.emit_message()
        sys.exit(1)


if __name__ == "__main__":
    main()
