"""Singer adapter: `target-xero --config C` reading Singer messages on stdin (singer-sdk `Target`).

Thin by design, like the Airbyte adapter: every sink feeds the one core `Engine`, and draining any sink
flushes the engine (resolve contacts and items, look up, write, reject), so:
- sinks are drained one at a time (max parallelism 1): the engine is one writer per run, and Xero's
  per-organisation limits are shared by all streams anyway;
- singer-sdk emits the latest STATE only after draining every sink, i.e. after every record before it is
  written to Xero or durably rejected (rejected-records file). After a tenant stopped on Xero's daily
  limit (or refused access) no state is emitted any more: the deferred records are re-read next run
  from the last state;
- rotated refresh tokens go to the token store file (`auth.token_store_path`), written atomically before
  the new access token is used. Meltano rewrites its config files each run, so the config cannot hold
  them; for that reason the refresh-token auth requires `token_store_path` here (refused at start);
- streams the destination does not use get a sink that drops their records, said once per stream;
- records are handed to the core as the tap sent them: the SDK's timestamp parsing is skipped (the core
  parses dates with pendulum) and numbers stay Decimal (singer-sdk reads JSON with parse_float=Decimal);
- after everything is processed the per-tenant summary is logged (the JSON `summary` line, then one
  line per organisation and the next steps in a finance admin's words, report.py), the run report is
  written when `report_path` is set (also when the run stops early or fails), and the process ends
  non-zero when documents were rejected and `fail_on_rejections` is on (1), or a tenant stopped on its
  daily limit or refused access (2).
"""

from __future__ import annotations

try:  # first: without the extra, the command says in one line which one to install
    import singer_sdk  # noqa: F401
except ModuleNotFoundError as missing:
    from connector_kit.distribution import missing_extra

    raise missing_extra(missing, "singer_sdk", "destination-xero[singer]") from None

import contextlib
import json
import logging
import sys
import typing as t
from collections.abc import Mapping
from decimal import Decimal
from pathlib import PurePath

import click
from singer_sdk import Target
from singer_sdk.exceptions import ConfigValidationError
from singer_sdk.sinks import BatchSink, Sink
from xero_client.client import XeroClient, XeroError
from xero_client.tokens import TokenStoreError

from .check import check
from .config import Config, ConfigError, load_config, read_config_file
from .records import stream_kind
from .report import RunReporter, stop_message
from .run_lock import RunLockBusy, run_lock
from .spec import CONFIG_KEYS, singer_config_jsonschema
from .writer import Engine


def _read_config_files(config: t.Any) -> t.Any:
    """Config files read by the core (a UTF-8 byte-order mark is accepted; a bad file is one clear line),
    merged in order as singer-sdk would; a dict passes through."""
    paths = [config] if isinstance(config, str | PurePath) else config
    if not isinstance(paths, list):
        return config
    merged: dict[str, t.Any] = {}
    for path in paths:
        try:
            merged.update(read_config_file(path))
        except ConfigError as exc:
            logging.getLogger("target-xero").error("%s", exc)
            sys.exit(1)
    return merged


def _destination_config(config: Mapping[str, t.Any]) -> Config:
    """The destination's own keys (singer-sdk adds its settings beside them), validated by the core."""
    try:
        parsed = load_config({k: v for k, v in config.items() if k in CONFIG_KEYS})
    except ConfigError as exc:
        raise ConfigValidationError("Config validation failed", errors=[str(exc)]) from None
    if parsed.auth.type == "refresh_token" and not parsed.auth.token_store_path:
        raise ConfigValidationError(
            "Config validation failed",
            errors=[
                "auth.token_store_path: required with refresh_token auth under Singer/Meltano: Xero rotates "
                "the refresh token on every use and the rotated one must be kept between runs"
            ],
        )
    return parsed


class XeroSink(BatchSink):
    """A stream the destination uses: records go to the shared engine; a drain flushes the engine.

    singer-sdk's JSON-schema validation of each record is off. Why: the core's intake (records.py) already
    checks every field it reads, and a record it cannot read is rejected by name while the others go on.
    The SDK's check adds nothing to that. Worse, with its default `fail_on_record_validation_exception` it
    would stop the whole run on one bad record. And it costs most of the target's CPU: 59% of `target-xero`'s
    time in the issue-19 profile."""

    validate_schema = False

    def __init__(
        self,
        target: TargetXero,
        stream_name: str,
        schema: dict[str, t.Any],
        key_properties: t.Sequence[str] | None,
    ) -> None:
        self.xero = target
        super().__init__(target, stream_name, schema, key_properties)

    def _parse_timestamps_in_record(
        self, record: dict[str, t.Any], schema: dict[str, t.Any], treatment: t.Any
    ) -> None:
        return None  # the core parses the tap's own strings

    def process_record(self, record: dict[str, t.Any], context: dict[str, t.Any]) -> None:
        self.xero.add(self.stream_name, record)

    def process_batch(self, context: dict[str, t.Any]) -> None:
        self.xero.flush()


class IgnoredSink(Sink):
    """A stream the destination does not use: its records are dropped without validation."""

    validate_schema = False

    def _parse_timestamps_in_record(
        self, record: dict[str, t.Any], schema: dict[str, t.Any], treatment: t.Any
    ) -> None:
        return None

    def process_record(self, record: dict[str, t.Any], context: dict[str, t.Any]) -> None:
        return None

    def process_batch(self, context: dict[str, t.Any]) -> None:
        return None


class TargetXero(Target):
    """Autotask invoices, credit notes and purchase orders into one or more Xero organisations."""

    name = "target-xero"
    package_name = "destination-xero"  # the distribution: its version is the plugin's
    config_jsonschema = singer_config_jsonschema()
    default_sink_class = XeroSink

    def __init__(
        self,
        *,
        config: dict[str, t.Any] | PurePath | str | list[PurePath | str] | None = None,
        parse_env_config: bool = False,
        validate_config: bool = True,
        setup_mapper: bool = True,
        message_reader: t.Any = None,
    ) -> None:
        config = _read_config_files(config)
        super().__init__(
            config=config,
            parse_env_config=parse_env_config,
            validate_config=validate_config,
            setup_mapper=setup_mapper,
            message_reader=message_reader,
        )
        logging.getLogger("destination_xero").setLevel(logging.INFO)  # the core's rejections and notes
        self.destination = _destination_config(self.config)
        self.reporter = RunReporter(self.destination)
        self._lock = contextlib.ExitStack()
        try:  # held until the end of the input (process_endofpipe) or of the process, even on kill -9
            self._lock.enter_context(run_lock(self.destination))
        except RunLockBusy as exc:
            self.logger.error("%s", exc)
            self.reporter.finish(None, None, 3, failure=str(exc))
            sys.exit(3)
        if self.destination.dry_run:
            self.logger.info(
                "dry run: nothing is written, so no state is emitted (the next real run sends it)"
            )
        logged = self.destination.dry_run or self.destination.log_decisions  # else not even built
        decisions = self._decision if logged else None
        self.engine = Engine(self.destination, XeroClient(self.destination), on_decision=decisions)
        self.engine.outcome.log_unchanged = False  # `_decision` drops them on real runs: not even built
        self.stopped = False
        self._ignored: set[str] = set()
        self._state_withheld = False

    @property
    def max_parallelism(self) -> int:
        return 1

    @max_parallelism.setter
    def max_parallelism(self, new_value: int) -> None:
        return None  # one engine, one writer: never drained in parallel

    def get_sink_class(self, stream_name: str) -> type[Sink]:
        if stream_kind(stream_name) is not None:
            return XeroSink
        if stream_name not in self._ignored:
            self._ignored.add(stream_name)
            self.logger.info("stream %r is not used by target-xero; its records are ignored", stream_name)
        return IgnoredSink

    def add(self, stream: str, record: dict[str, t.Any]) -> None:
        """One record to the engine (reading an organisation's settings on its first document)."""
        try:
            self.engine.add(stream, record)
        except (XeroError, TokenStoreError) as exc:
            self._failed(exc)
            raise

    def flush(self) -> None:
        """Write or durably reject everything queued; remember a daily-limit stop."""
        try:
            complete = self.engine.flush()
        except (XeroError, TokenStoreError) as exc:
            self._failed(exc)
            raise
        if not complete:
            self.stopped = True

    def _failed(self, exc: Exception) -> None:
        """A failure that ends the run (Xero unreachable, the app's credentials refused) still writes
        the run report, saying why."""
        self.reporter.finish(self.engine.outcome, self.engine.client, 1, failure=str(exc))

    def _write_state_message(self, state: dict[str, t.Any]) -> None:
        if self.destination.dry_run:
            return
        if self.stopped:
            if not self._state_withheld:
                self._state_withheld = True
                self.logger.warning(
                    "an organisation stopped early (daily call limit or access refused): no further state "
                    "is emitted, the deferred records are sent by the next run"
                )
            return
        super()._write_state_message(self.engine.ledger.singer(state))  # with the documents to retry

    def _decision(self, decision: dict[str, t.Any]) -> None:
        if self.destination.dry_run or decision.get("action") != "unchanged":
            self.logger.info("decision %s", json.dumps(decision, default=_json_default, sort_keys=True))

    def process_endofpipe(self) -> None:
        """After the last drain (and the last state): the summary, then the exit status.

        The end of `listen()`; singer-sdk marks `listen` final, so the exit happens here, and so does the
        release of the run lock taken in `__init__` (in-process runs, like the SDK's tests, make several
        targets one after the other)."""
        with self._lock:
            self._finish()

    def _finish(self) -> None:
        super().process_endofpipe()
        self.engine.close()  # the last drain wrote everything: the writer lanes' threads end here
        summary = self.engine.summary()
        self.logger.info("summary %s", json.dumps(summary, default=_json_default, sort_keys=True))
        for warning in self.engine.warnings():
            self.logger.warning("%s", warning)
        code = self.exit_code()
        report = self.reporter.finish(self.engine.outcome, self.engine.client, code)
        if code == 1:
            self.logger.error("%s", self.engine.failure_message())
        elif code == 2:
            self.logger.error("%s", stop_message(report))
        if code:
            sys.exit(code)

    def exit_code(self) -> int:
        return 2 if self.stopped else self.engine.exit_code()

    @classmethod
    def get_singer_command(cls) -> click.Command:
        """The SDK's command plus `--test`: Airbyte's `check` for Singer/Meltano (no input is read)."""
        command = super().get_singer_command()
        command.params.append(
            click.Option(
                ["--test", "test"],
                is_flag=True,
                help="Check the connection and every mapping against each organisation, print every "
                "problem (naming its field), exit 1 on problems; reads no input, writes nothing.",
            )
        )
        return command

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: t.Any = None,
        file_input: t.IO[str] | None = None,
        test: bool = False,
    ) -> None:
        if test and not about:
            sys.exit(run_check(_read_config_files(getattr(config, "config", None) or {})))
        super().invoke(about=about, about_format=about_format, config=config, file_input=file_input)


def run_check(raw: Mapping[str, t.Any]) -> int:
    """`target-xero --test`: check.py's problems one per line on stdout; 0 when there are none."""
    own = {k: v for k, v in raw.items() if k in CONFIG_KEYS}
    try:
        parsed = _destination_config(own)
        result = check(parsed, XeroClient(parsed), raw=own)
    except ConfigValidationError as exc:
        print("\n".join(exc.errors or [str(exc)]))
        return 1
    except (XeroError, TokenStoreError) as exc:
        print(exc)
        return 1
    if result.ok:
        print("target-xero: ok; reachable: " + ", ".join(result.tenants))
        return 0
    print("\n".join(result.problems))
    return 1


def _json_default(value: t.Any) -> t.Any:
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


if __name__ == "__main__":
    TargetXero.cli()
