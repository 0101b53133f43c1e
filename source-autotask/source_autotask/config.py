"""Source configuration: one pydantic model, validated once and shared by the core and both adapters.

Why one model: it is what every run enforces, and `spec.py` derives the Airbyte spec and the Singer config
schema from its fields (titles, ranges, defaults, which fields are secret), so the form a user fills in
cannot drift from what is accepted. The messages are the source's own, one line naming the field and what
to write (`config field page_size must be between 1 and 500, got 900`), not pydantic's: the raw mapping is
read by `_read` before pydantic sees it, with the ranges and defaults taken from the fields below.

`start_date` is a date (`2025-01-31`, or an ISO date-time) or a span back from today (`90 days`, `12 weeks`,
`6 months`, `1 year`: `RelativeStart`), for a first back-fill that stays "the last 90 days" whenever the
connection is set up. A date lands in `start_date`; a span in `start_span` (hidden from the spec: the form
shows the one `start_date` field), resolved by `start_from` against Autotask's clock when a read begins.

The secret and the integration code are kept out of `repr` so that a logged or raised config never shows
them. The client takes only the `connection` part (`autotask_client.settings.Connection`), so the library
never depends on this source's config.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import pendulum
from autotask_client.settings import (
    DEFAULT_BACKOFF_BASE_SECONDS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_THRESHOLD_SHARE,
    DEFAULT_ZONE_LOOKUP_URL,
    Connection,
)
from connector_kit.dates import utc_moment
from pydantic import BaseModel, ConfigDict, Field, InstanceOf, WithJsonSchema, model_validator
from pydantic.json_schema import SkipJsonSchema

from .errors import ConfigError

DEFAULT_LOOKBACK_DAYS = 14
DEFAULT_PAGE_SIZE = 500
REQUIRED = ("username", "secret", "integration_code")

# No `format: date-time` (nor a `pattern`): the field also takes a span ("90 days"), and the platforms check a
# config against its spec, so a stricter schema than the parser below would refuse configs the source reads.
StartDate = Annotated[
    InstanceOf[pendulum.DateTime] | None,
    WithJsonSchema({"type": "string", "examples": ["2025-01-01", "2025-01-01T00:00:00Z", "90 days"]}),
]
START_DATE_FORMS = (
    "write a date as YYYY-MM-DD, e.g. 2025-01-31, or a span back from today: 90 days, 12 weeks, 6 months, "
    "1 year"
)


SPAN = re.compile(r"(\d+)\s*(day|week|month|year)s?(?:\s+ago)?", re.IGNORECASE)
# 100 years in each unit: further back is a typing error, not a back-fill
MAX_SPAN = {"days": 36_525, "weeks": 5_218, "months": 1_200, "years": 100}


@dataclass(frozen=True)
class RelativeStart:
    """`start_date` written as a span back from today: `90 days`, `12 weeks`, `6 months`, `1 year`.

    Why counted from midnight: "the last 90 days" means whole calendar days (dates in Autotask are shown
    by day), the same for every read of one day, whatever the hour the sync runs."""

    count: int
    unit: str  # days | weeks | months | years

    def resolve(self, now: pendulum.DateTime) -> pendulum.DateTime:
        """Midnight UTC of the day `count` units before `now`'s day (Autotask's clock at the read's start)."""
        today = now.in_timezone("UTC").start_of("day")
        if self.unit == "days":
            return today.subtract(days=self.count)
        if self.unit == "weeks":
            return today.subtract(weeks=self.count)
        if self.unit == "months":
            return today.subtract(months=self.count)
        return today.subtract(years=self.count)

    def __str__(self) -> str:
        return f"{self.count} {self.unit if self.count != 1 else self.unit[:-1]}"


def parse_span(text: str) -> tuple[RelativeStart | None, str | None]:
    """(the span, None) for `90 days` (case and spacing free, an optional `ago`); (None, why) for a span
    out of range; (None, None) for text that is no span at all (it may be a date)."""
    found = SPAN.fullmatch(text.strip())
    if found is None:
        return None, None
    count, unit = int(found.group(1)), found.group(2).lower() + "s"
    if not 1 <= count <= MAX_SPAN[unit]:
        return None, f"a span back from today is 1 to {MAX_SPAN[unit]} {unit}"
    return RelativeStart(count, unit), None


def _order(position: int, *, secret: bool = False) -> dict[str, Any]:
    """The Airbyte UI's field position, and its secret mark (Singer's is derived from it)."""
    return {"order": position, "airbyte_secret": True} if secret else {"order": position}


class SourceConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", title="Autotask PSA Source Spec")

    username: str = Field(
        title="API username",
        description="The email address of the Autotask API-only user.",
        json_schema_extra=_order(0),
    )
    secret: str = Field(
        repr=False,
        title="API secret",
        description="The API user's secret.",
        json_schema_extra=_order(1, secret=True),
    )
    integration_code: str = Field(
        repr=False,
        title="API tracking identifier",
        description="The API tracking identifier (integration code) chosen for the API user.",
        json_schema_extra=_order(2, secret=True),
    )
    api_url: str | None = Field(
        default=None,
        title="Zone URL",
        description="Your zone's REST root, e.g. https://webservices5.autotask.net/atservicesrest/ "
        "(skips the zone lookup). Leave empty to discover it.",
        json_schema_extra=_order(3),
    )
    zone_lookup_url: str = Field(
        default=DEFAULT_ZONE_LOOKUP_URL,
        title="Zone lookup URL",
        description="Where the zone is discovered; change only for a sandbox.",
        json_schema_extra=_order(4),
    )
    start_date: StartDate = Field(
        default=None,
        title="Start date",
        description="Invoices and purchase orders created before this date are not read. A date "
        "(2025-01-01) or a span back from today (90 days, 12 weeks, 6 months, 1 year), counted from "
        "Autotask's clock when a stream has no saved state yet (a first sync, a full refresh); a saved "
        "state's cursor wins.",
        json_schema_extra=_order(5),
    )
    # `start_date` written as a span ("90 days"): resolved per read (start_from), never shown in the spec
    start_span: SkipJsonSchema[InstanceOf[RelativeStart] | None] = Field(default=None, repr=False)
    lookback_days: int = Field(
        default=DEFAULT_LOOKBACK_DAYS,
        ge=0,
        le=3650,
        title="Lookback window (days)",
        description="Invoices and purchase orders whose dates moved in this many days before the last "
        "sync's cursor are re-read, so payments and voids are picked up.",
        json_schema_extra=_order(6),
    )
    page_size: int = Field(
        default=DEFAULT_PAGE_SIZE,
        ge=1,
        le=500,
        title="Page size",
        description="Records per Autotask query page (1 to 500).",
        json_schema_extra=_order(7),
    )
    threshold_share: float = Field(
        default=DEFAULT_THRESHOLD_SHARE,
        ge=0.01,
        le=1.0,
        title="Share of the hourly API threshold",
        description="The sync pauses while the whole database is above this share of its hourly "
        "request threshold (shared by every integration).",
        json_schema_extra=_order(8),
    )
    request_timeout: float = Field(
        default=DEFAULT_REQUEST_TIMEOUT,
        ge=1.0,
        le=600.0,
        title="Request timeout (seconds)",
        json_schema_extra=_order(9),
    )
    max_retries: int = Field(
        default=DEFAULT_MAX_RETRIES, ge=0, le=20, title="Retries per request", json_schema_extra=_order(10)
    )
    backoff_base_seconds: float = Field(
        default=DEFAULT_BACKOFF_BASE_SECONDS,
        ge=0.0,
        le=60.0,
        title="Backoff base (seconds)",
        description="First retry waits up to this long; each retry doubles it (jittered).",
        json_schema_extra=_order(11),
    )

    invoice_pdfs: bool = Field(
        default=False,
        title="Invoice PDFs",
        description="Read the PDF Autotask renders for each invoice sent (one call per invoice sent, none "
        "for an unchanged one) and put it in the record as invoicePDF, for a destination that attaches it. "
        "A PDF that cannot be read never holds the invoice back: it is sent with invoicePDFError instead, "
        "and the PDF is read again next sync.",
        json_schema_extra=_order(12),
    )

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> SourceConfig:
        """The config in `raw` (a platform's config file), or a `ConfigError` naming the first bad field."""
        return cls.model_validate(raw)

    @model_validator(mode="before")
    @classmethod
    def _read(cls, raw: Any) -> dict[str, Any]:
        """The raw mapping checked field by field, in order; the first problem stops it as a ConfigError
        (not a ValueError, so pydantic passes it on unchanged instead of collecting its own messages)."""
        if isinstance(raw, SourceConfig):
            return {name: getattr(raw, name) for name in SourceConfig.model_fields}
        if not isinstance(raw, Mapping):
            raise ConfigError("the config must be a JSON object")
        missing = [key for key in REQUIRED if not raw.get(key)]
        if missing:
            raise ConfigError(f"config is missing required field(s): {', '.join(missing)}")
        return {
            **{key: _text(raw, key) for key in REQUIRED},
            "api_url": _url(raw.get("api_url"), "api_url"),
            "zone_lookup_url": _url(raw.get("zone_lookup_url"), "zone_lookup_url") or DEFAULT_ZONE_LOOKUP_URL,
            **_start(raw.get("start_date")),
            **{key: _int(raw, key) for key in ("lookback_days", "page_size")},
            **{key: _float(raw, key) for key in ("threshold_share", "request_timeout")},
            "max_retries": _int(raw, "max_retries"),
            "backoff_base_seconds": _float(raw, "backoff_base_seconds"),
            "invoice_pdfs": _bool(raw, "invoice_pdfs"),
        }

    @property
    def connection(self) -> Connection:
        """What the client needs to reach the database (credentials, zone, pacing and retry limits)."""
        return Connection(
            username=self.username,
            secret=self.secret,
            integration_code=self.integration_code,
            api_url=self.api_url,
            zone_lookup_url=self.zone_lookup_url,
            threshold_share=self.threshold_share,
            request_timeout=self.request_timeout,
            max_retries=self.max_retries,
            backoff_base_seconds=self.backoff_base_seconds,
        )

    def secrets(self) -> tuple[str, ...]:
        return self.connection.secrets()

    def start_from(self, now: pendulum.DateTime) -> pendulum.DateTime | None:
        """Where a read without a saved cursor begins: the date given, or the span counted back from `now`
        (Autotask's clock at the read's start); None when no start_date is set (everything is read)."""
        if self.start_span is not None:
            return self.start_span.resolve(now)
        return self.start_date

    def start_shown(self, now: pendulum.DateTime) -> str:
        """`start_date` as a message names it: `2026-10-01`, or `'90 days' (2026-08-12)`."""
        begins = self.start_from(now)
        if begins is None:
            return "(none)"
        if self.start_span is not None:
            return f"{str(self.start_span)!r} ({begins.to_date_string()})"
        return begins.to_date_string()


def _limits(key: str) -> tuple[Any, Any, Any]:
    """A numeric field's default and bounds, as its `Field` declares them (the spec shows the same)."""
    info = SourceConfig.model_fields[key]
    low = next(m.ge for m in info.metadata if hasattr(m, "ge"))  # annotated_types.Ge, from `ge=`
    high = next(m.le for m in info.metadata if hasattr(m, "le"))
    return info.default, low, high


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"config field {key} must be a non-empty string")
    return value.strip()


def _url(value: Any, key: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ConfigError(f"config field {key} must be an http(s) URL, got {value!r}")
    return value


def _start(value: Any) -> dict[str, Any]:
    """`start_date` as a date or as a span back from today (the other one None)."""
    if value in (None, ""):
        return {"start_date": None, "start_span": None}
    if isinstance(value, RelativeStart):
        return {"start_date": None, "start_span": value}
    text = str(value)
    span, problem = parse_span(text)
    if span is not None:
        return {"start_date": None, "start_span": span}
    moment = utc_moment(text) if problem is None else None
    if moment is None:
        detail = f"{problem}; " if problem else ""
        raise ConfigError(f"config field start_date is not a date: {value!r} ({detail}{START_DATE_FORMS})")
    return {"start_date": moment, "start_span": None}


def _int(raw: Mapping[str, Any], key: str) -> int:
    default, low, high = _limits(key)
    value = raw.get(key)
    if value is None:
        return int(default)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"config field {key} must be an integer, got {value!r}")
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigError(f"config field {key} must be an integer, got {value!r}") from exc
    if not low <= number <= high:
        raise ConfigError(f"config field {key} must be between {low} and {high}, got {number}")
    return number


def _bool(raw: Mapping[str, Any], key: str) -> bool:
    """A switch: JSON true/false, or the text a platform's environment variables carry (`true`, `0`...)."""
    value = raw.get(key)
    if value is None or value == "":
        return bool(SourceConfig.model_fields[key].default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise ConfigError(f"config field {key} must be true or false, got {value!r}")


def _float(raw: Mapping[str, Any], key: str) -> float:
    default, low, high = _limits(key)
    value = raw.get(key)
    if value is None:
        return float(default)
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config field {key} must be a number, got {value!r}") from exc
    if not low <= number <= high:
        raise ConfigError(f"config field {key} must be between {low} and {high}, got {number}")
    return number
