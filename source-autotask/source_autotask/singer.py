"""Singer adapter (`tap-autotask`): the same streams, schemas and state rules as the Airbyte source.

The core's own stream state (cursor, and for invoices and purchase orders the fingerprints of the lookback
window) is kept under the `autotask` key of each stream's Singer bookmark; the SDK's replication-key
bookkeeping sits beside it and is informational only. Decimals reach stdout as exact JSON numbers
(singer-sdk writes with simplejson's `use_decimal`).

Input files: singer-sdk reads them itself and already skips a UTF-8 byte-order mark. A config file that
is not a JSON object stops the tap with one line saying so. A state file that is
not a JSON object, a `bookmarks` that is not an object, or a stream's bookmark that is not one, is reported
once and read as no state (for every stream, or that stream) instead of stopping the tap with a traceback;
a bookmark without the `autotask` entry (another tap's or an older shape) likewise.
"""

from __future__ import annotations

try:  # first: without the extra, the command says in one line which one to install
    import singer_sdk  # noqa: F401
except ModuleNotFoundError as missing:
    from connector_kit.distribution import missing_extra

    raise missing_extra(missing, "singer_sdk", "source-autotask[singer]") from None

import copy
import io
import logging
from collections.abc import Iterable, Mapping
from typing import IO, Any

import click
import simplejson
from autotask_client.errors import AutotaskError
from connector_kit.config_files import UnreadableFile, parse_json, read_json
from singer_sdk import Stream, Tap
from singer_sdk.helpers.conform import TypeConformanceLevel

from .check import check
from .config import SourceConfig
from .fingerprints import Fingerprints
from .schemas import load_schema
from .spec import CONFIG_SCHEMA
from .state import refusal, shown
from .streams.specs import STREAMS, StreamSpec, SyncKind
from .sync import SyncSession

LOGGER = logging.getLogger("source_autotask")
STATE_KEY = "autotask"
# What singer-sdk itself puts in a bookmark before or during a stream's read (not a saved state).
SDK_RUN_KEYS = frozenset(
    {"replication_key_signpost", "starting_replication_value", "progress_markers", "partitions", "context"}
)


def singer_config_schema() -> dict[str, Any]:
    schema = copy.deepcopy(CONFIG_SCHEMA)
    for prop in schema["properties"].values():
        prop.pop("order", None)
        if prop.pop("airbyte_secret", False):
            prop["secret"] = True
            prop["writeOnly"] = True
    return schema


class AutotaskStream(Stream):
    """One core stream exposed to singer-sdk.

    The SDK's type conformance is off: the core already projects every record onto this very schema and
    checks each value's type on the way (`records/project.py`, a wrong type rejects the record by name),
    so the SDK's recursive walk over every value would only repeat that check, at half the tap's CPU."""

    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

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
        foreign = sorted(str(key) for key in bookmark if key not in SDK_RUN_KEYS)
        if previous is None and self.spec.kind is not SyncKind.FULL and foreign:
            LOGGER.warning(
                refusal(
                    self.name,
                    f"its bookmark has no '{STATE_KEY}' entry, only {', '.join(foreign)}: "
                    "another tap's or an older shape",
                )
            )
        yield from session.read(self.name, previous or {})
        if self.spec.kind is not SyncKind.FULL:
            bookmark[STATE_KEY] = singer_state(session.states.get(self.name, previous or {}))
        self.logger.info("%s: %s", self.name, session.client.usage_summary())


class WrittenFingerprints(simplejson.RawJSON):  # type: ignore[misc]  # simplejson has no types
    """The fingerprints as their JSON text, which singer-sdk's simplejson writes as it is (the same bytes
    as the dict they stand for, which is never built: `fingerprints.py`). Immutable, so the SDK's copies
    of the state share it, and equal by text, so its "did the state change" test answers as for a dict."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, simplejson.RawJSON) and other.encoded_json == self.encoded_json

    __hash__ = None  # type: ignore[assignment]

    def __deepcopy__(self, memo: dict[int, Any]) -> WrittenFingerprints:
        return self


def singer_state(state: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the core's state for the bookmark, the fingerprints as `WrittenFingerprints`."""
    return {
        key: WrittenFingerprints(value.json_text()) if isinstance(value, Fingerprints) else value
        for key, value in state.items()
    }


class TapAutotask(Tap):
    """Autotask PSA invoices, purchase orders, companies, products and services, with exact money."""

    name = "tap-autotask"
    package_name = "source-autotask"  # the distribution: its version is the plugin's
    config_jsonschema = singer_config_schema()

    def session(self) -> SyncSession:
        existing: SyncSession | None = getattr(self, "_session", None)
        if existing is None:
            existing = SyncSession(SourceConfig.from_mapping(dict(self.config)))
            self._session = existing
        return existing

    @classmethod
    def cb_config(cls, ctx: click.Context, param: click.Option, value: tuple[str, ...]) -> Any:
        """The SDK's config reading, after checking each file: one line, not a traceback, when one is not
        a JSON object."""
        for path in value:
            if path == "ENV":
                continue
            try:
                raw = read_json(path, "config")
            except UnreadableFile as exc:
                click.echo(f"{cls.name}: {exc}", err=True)
                ctx.exit(1)
            if not isinstance(raw, dict):
                click.echo(f"{cls.name}: the config file {path} is {shown(raw)}, not a JSON object", err=True)
                ctx.exit(1)
        return super().cb_config(ctx, param, value)

    @classmethod
    def invoke(  # type: ignore[override]
        cls,
        *,
        about: bool = False,
        about_format: str | None = None,
        config: Any = None,
        state: IO[str] | None = None,
        catalog: IO[str] | None = None,
    ) -> None:
        """The SDK's command, with a state file that is not a JSON object read as no state."""
        super().invoke(
            about=about,
            about_format=about_format,
            config=config,
            state=readable_state(state),
            catalog=catalog,
        )

    def load_state(self, state: dict[str, Any]) -> None:
        super().load_state(usable_bookmarks(state))

    def discover_streams(self) -> list[Stream]:
        return [AutotaskStream(self, spec) for spec in STREAMS.values()]

    def check_connection(self) -> tuple[bool, str | None]:
        try:
            return check(SourceConfig.from_mapping(dict(self.config)))
        except AutotaskError as exc:
            return False, str(exc)


def readable_state(handle: IO[str] | None) -> IO[str] | None:
    """The state file again if it holds a JSON object; else a warning, and None (no state)."""
    if handle is None:
        return None
    name = getattr(handle, "name", "the state file")
    try:
        raw = parse_json(handle.read(), f"the state file {name}")
    except UnreadableFile as exc:
        LOGGER.warning("%s; every stream is read as if it had no state", exc)
        return None
    if not isinstance(raw, dict):
        LOGGER.warning(
            "the state file %s is %s, not a JSON object; every stream is read as if it had no state",
            name,
            shown(raw),
        )
        return None
    return io.StringIO(simplejson.dumps(raw))


def usable_bookmarks(state: Any) -> dict[str, Any]:
    """The state with only bookmarks the SDK can load: objects, per stream; each other one is reported."""
    if not isinstance(state, dict):
        return {}
    bookmarks = state.get("bookmarks")
    if bookmarks is None:
        return state
    if not isinstance(bookmarks, dict):
        LOGGER.warning(
            "the state's bookmarks are %s, not an object; every stream is read as if it had no state",
            shown(bookmarks),
        )
        return {key: value for key, value in state.items() if key != "bookmarks"}
    kept = {}
    for stream, bookmark in bookmarks.items():
        if isinstance(bookmark, dict):
            kept[stream] = bookmark
        else:
            LOGGER.warning(refusal(str(stream), f"its bookmark is {shown(bookmark)}, not a JSON object"))
    return {**state, "bookmarks": kept}


def main() -> None:
    TapAutotask.cli()
