"""Airbyte adapter `destination-autotask-payments`: spec, check, write over the core `Engine`.

RECORD → `Engine.add`; STATE → `Engine.flush(final=False)` then the state is passed on (the invoices a
state covers are written first); end of input → `Engine.flush()`, the run summary in the log, and the run
report (report.py; written when `report_path` is set, also when the run fails). Each
write and rejection is logged as one JSON line (no secret: records and Autotask messages are scrubbed).
The config file may start with a UTF-8 byte-order mark (Windows editors write one); one that cannot be
read is one line naming the file, not a traceback.
"""

from __future__ import annotations

try:  # first: without the extra, the command says in one line which one to install
    from connector_kit.fast_cdk_import import skip_serpyco_docstrings

    skip_serpyco_docstrings()  # before the CDK's first import (fast_cdk_import.py says why)
    import airbyte_cdk  # noqa: F401
except ModuleNotFoundError as missing:
    from connector_kit.distribution import missing_extra

    raise missing_extra(missing, "airbyte_cdk", "destination-autotask-payments[airbyte]") from None

import logging
import sys
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from airbyte_cdk.destinations import Destination
from airbyte_cdk.models import (  # type: ignore[attr-defined]
    AirbyteConnectionStatus,
    AirbyteMessage,
    AirbyteStateStats,
    AirbyteStateType,
    ConfiguredAirbyteCatalog,
    ConnectorSpecification,
    DestinationSyncMode,
    FailureType,
    Status,
    Type,
)
from airbyte_cdk.utils.traced_exception import AirbyteTracedException
from autotask_client.client import AutotaskClient
from connector_kit.config_files import UnreadableFile, read_json_object
from connector_kit.distribution import DOCUMENTATION_URL

from .check import check_destination
from .config import ConfigError, load_destination_config
from .outcome import log_line
from .report import RunReporter, failure_message
from .spec import DESTINATION_SPEC
from .writer import Engine

LOGGER = logging.getLogger("airbyte")


def _log(kind: str, payload: Any) -> None:
    LOGGER.info("%s", log_line(kind, payload))


class DestinationAutotaskPayments(Destination):  # type: ignore[misc]
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
            connectionSpecification=DESTINATION_SPEC,
            supported_destination_sync_modes=[DestinationSyncMode.append],
        )

    def check(self, logger: logging.Logger, config: Mapping[str, Any]) -> AirbyteConnectionStatus:
        try:
            parsed = load_destination_config(dict(config))
        except ConfigError as exc:
            return AirbyteConnectionStatus(status=Status.FAILED, message=str(exc))
        ok, message = check_destination(AutotaskClient(parsed.autotask.connection()))
        return AirbyteConnectionStatus(status=Status.SUCCEEDED if ok else Status.FAILED, message=message)

    def write(
        self,
        config: Mapping[str, Any],
        configured_catalog: ConfiguredAirbyteCatalog,
        input_messages: Iterable[AirbyteMessage],
    ) -> Iterable[AirbyteMessage]:
        try:
            parsed = load_destination_config(dict(config))
        except ConfigError as exc:
            raise AirbyteTracedException(
                message=str(exc), internal_message=str(exc), failure_type=FailureType.config_error
            ) from None
        reporter = RunReporter(parsed, LOGGER)
        engine = Engine(
            parsed, AutotaskClient(parsed.autotask.connection()), on_event=lambda e: _log("event", e)
        )
        try:
            yield from self._write(engine, input_messages)
        except Exception as exc:  # the report still says the run did not finish, and why
            figures = engine.report()
            failure = str(exc) if isinstance(exc, AirbyteTracedException) else type(exc).__name__
            reporter.finish(
                engine.outcome, figures["autotask_calls"], figures["autotask_patches"], 1, failure
            )
            raise
        summary = engine.report()
        _log("summary", summary)
        code = engine.exit_code()
        report = reporter.finish(
            engine.outcome, summary["autotask_calls"], summary["autotask_patches"], 1 if code else 0
        )
        if code:
            raise AirbyteTracedException(
                message=failure_message(report, engine.summary.rejected),
                failure_type=FailureType.config_error,
            )

    @staticmethod
    def _write(engine: Engine, input_messages: Iterable[AirbyteMessage]) -> Iterable[AirbyteMessage]:
        since_state: dict[str, int] = {}
        for message in input_messages:
            if message.type == Type.RECORD and message.record is not None:
                stream = message.record.stream
                since_state[stream] = since_state.get(stream, 0) + 1
                engine.add(stream, message.record.data)
            elif message.type == Type.STATE and message.state is not None:
                engine.flush(final=False)
                state = message.state
                if state.type == AirbyteStateType.STREAM and state.stream is not None:
                    count = since_state.pop(state.stream.stream_descriptor.name, 0)
                else:
                    count = sum(since_state.values())
                    since_state.clear()
                state.destinationStats = AirbyteStateStats(recordCount=float(count))
                yield message
        engine.flush()


def main() -> None:
    try:
        DestinationAutotaskPayments().run(sys.argv[1:])
    except AirbyteTracedException as exc:
        # A designed failure (config, rejections): its message says what to fix, and a Python traceback
        # would only bury it. Anything unexpected still reaches the CDK's handler with its own.
        exc.__traceback__ = None
        exc.emit_message()
        sys.exit(1)


if __name__ == "__main__":
    main()
