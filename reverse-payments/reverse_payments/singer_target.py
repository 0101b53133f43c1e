"""Singer adapter `target-autotask-payments`: one `Engine` shared by the sinks of both streams.

singer-sdk drains every sink before it emits a state message, so `process_batch` flushes the engine (non
final: invoices known only from payments wait for their status, see Engine.flush) and the state goes out
only after those writes; the final flush runs when the target cleans up. Unknown streams get a sink that
ignores them, like the Airbyte destination.
"""

from __future__ import annotations

import logging
from typing import Any

import simplejson
from singer_sdk import Target
from singer_sdk.sinks import BatchSink
from source_autotask.client import AutotaskClient

from .config import load_destination_config
from .spec import DESTINATION_SPEC, own_keys, singer_schema
from .writer import Engine

LOGGER = logging.getLogger("reverse_payments")


def _log(kind: str, payload: Any) -> None:
    LOGGER.info("%s %s", kind, simplejson.dumps(payload, use_decimal=True, sort_keys=True, default=str))


class PaymentsSink(BatchSink):  # type: ignore[misc]
    fail_on_record_validation_exception = False

    def __init__(self, target: TargetAutotaskPayments, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        self.payments_target = target

    def get_validator(self) -> None:
        return None  # other Xero sources' records are welcome; the core reads what it needs

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        self.payments_target.engine().add(self.stream_name, record)

    def process_batch(self, context: dict[str, Any]) -> None:
        self.payments_target.engine().flush(final=False)


class TargetAutotaskPayments(Target):  # type: ignore[misc]
    name = "target-autotask-payments"
    config_jsonschema = singer_schema(DESTINATION_SPEC)
    default_sink_class = PaymentsSink

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_parallelism = 1
        self._engine: Engine | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            parsed = load_destination_config(own_keys(self.config, DESTINATION_SPEC))
            client = AutotaskClient(parsed.autotask.source_config())
            self._engine = Engine(parsed, client, on_event=lambda e: _log("event", e))
        return self._engine

    def process_endofpipe(self) -> None:
        """Every record is already in the engine: decide the last invoices before the final state goes out."""
        if self._engine is not None:
            self._engine.flush()
        super().process_endofpipe()
        if self._engine is None:
            return
        _log("summary", self._engine.report())
        code = self._engine.exit_code()
        if code:
            LOGGER.error(
                "%d payment record(s) rejected; see the log and rejected records",
                self._engine.summary.rejected,
            )
            raise SystemExit(code)


def main() -> None:
    TargetAutotaskPayments.cli()
