"""Singer adapter `target-autotask-payments`: one `Engine` shared by the sinks of both streams.

singer-sdk drains every sink before it emits a state message, so `process_batch` flushes the engine (non
final: invoices known only from payments wait for their status, see Engine.flush) and the state goes out
only after those writes; the final flush runs when the target cleans up, followed by the summary and the
run report (report.py; written when `report_path` is set, also when a flush fails). Unknown streams get
a sink that ignores them, like the Airbyte destination.
"""

from __future__ import annotations

try:  # first: without the extra, the command says in one line which one to install
    import singer_sdk  # noqa: F401
except ModuleNotFoundError as missing:
    from connector_kit.distribution import missing_extra

    raise missing_extra(missing, "singer_sdk", "destination-autotask-payments[singer]") from None

import logging
from typing import Any

from autotask_client.client import AutotaskClient
from singer_sdk import Target
from singer_sdk.sinks import BatchSink

from .config import load_destination_config
from .outcome import log_line
from .report import RunReporter, failure_message
from .spec import SINGER_SCHEMA, own_keys
from .writer import Engine

LOGGER = logging.getLogger("destination_autotask_payments")


def _log(kind: str, payload: Any) -> None:
    LOGGER.info("%s", log_line(kind, payload))


class PaymentsSink(BatchSink):  # type: ignore[misc]
    """Every stream's records go to the one engine; a batch ends in a (non-final) flush."""

    fail_on_record_validation_exception = False

    def __init__(self, target: TargetAutotaskPayments, *args: Any, **kwargs: Any) -> None:
        super().__init__(target, *args, **kwargs)
        self.payments_target = target

    def get_validator(self) -> None:
        return None  # other Xero sources' records are welcome; the core reads what it needs

    def process_record(self, record: dict[str, Any], context: dict[str, Any]) -> None:
        self.payments_target.engine().add(self.stream_name, record)

    def process_batch(self, context: dict[str, Any]) -> None:
        self.payments_target.flush(final=False)


class TargetAutotaskPayments(Target):  # type: ignore[misc]
    """Xero payments written back to Autotask: `paidDate` set, corrected or cleared; `webServiceDate` set."""

    name = "target-autotask-payments"
    package_name = "destination-autotask-payments"  # the distribution: its version is the plugin's
    config_jsonschema = SINGER_SCHEMA
    default_sink_class = PaymentsSink

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_parallelism = 1
        # the config validated, and the run's clock started, before the first record
        parsed = load_destination_config(own_keys(self.config))
        client = AutotaskClient(parsed.autotask.connection())
        self.reporter = RunReporter(parsed)
        self._engine = Engine(parsed, client, on_event=lambda e: _log("event", e))

    def engine(self) -> Engine:
        return self._engine

    def flush(self, final: bool) -> None:
        """Decide and write the buffered invoices; a failure that ends the run still writes the report."""
        engine = self._engine
        try:
            engine.flush(final=final)
        except Exception as exc:
            figures = engine.report()
            self.reporter.finish(
                engine.outcome, figures["autotask_calls"], figures["autotask_patches"], 1, str(exc)
            )
            raise

    def process_endofpipe(self) -> None:
        """Every record is already in the engine: decide the last invoices before the final state goes out;
        then the summary, the run report and the exit status."""
        engine = self.engine()
        self.flush(final=True)
        super().process_endofpipe()
        summary = engine.report()
        _log("summary", summary)
        code = engine.exit_code()
        report = self.reporter.finish(
            engine.outcome, summary["autotask_calls"], summary["autotask_patches"], code
        )
        if code:
            LOGGER.error("%s", failure_message(report, engine.summary.rejected))
            raise SystemExit(code)


def main() -> None:
    TargetAutotaskPayments.cli()
