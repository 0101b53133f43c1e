"""Source configuration: one validated, typed object shared by the core and both adapters.

The secret and the integration code are kept out of `repr` so that a logged or raised config never shows
them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pendulum

from .errors import ConfigError

DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
DEFAULT_LOOKBACK_DAYS = 14
DEFAULT_PAGE_SIZE = 500
DEFAULT_THRESHOLD_SHARE = 0.5


@dataclass(frozen=True)
class SourceConfig:
    username: str
    secret: str = field(repr=False)
    integration_code: str = field(repr=False)
    api_url: str | None = None
    zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL
    start_date: pendulum.DateTime | None = None
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    page_size: int = DEFAULT_PAGE_SIZE
    threshold_share: float = DEFAULT_THRESHOLD_SHARE
    request_timeout: float = 60.0
    max_retries: int = 8
    backoff_base_seconds: float = 1.0

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> SourceConfig:
        missing = [key for key in ("username", "secret", "integration_code") if not raw.get(key)]
        if missing:
            raise ConfigError(f"config is missing required field(s): {', '.join(missing)}")
        return cls(
            username=_text(raw, "username"),
            secret=_text(raw, "secret"),
            integration_code=_text(raw, "integration_code"),
            api_url=_url(raw.get("api_url"), "api_url"),
            zone_lookup_url=_url(raw.get("zone_lookup_url"), "zone_lookup_url") or DEFAULT_ZONE_LOOKUP_URL,
            start_date=_date(raw.get("start_date")),
            lookback_days=_int(raw, "lookback_days", DEFAULT_LOOKBACK_DAYS, 0, 3650),
            page_size=_int(raw, "page_size", DEFAULT_PAGE_SIZE, 1, 500),
            threshold_share=_float(raw, "threshold_share", DEFAULT_THRESHOLD_SHARE, 0.01, 1.0),
            request_timeout=_float(raw, "request_timeout", 60.0, 1.0, 600.0),
            max_retries=_int(raw, "max_retries", 8, 0, 20),
            backoff_base_seconds=_float(raw, "backoff_base_seconds", 1.0, 0.0, 60.0),
        )

    def secrets(self) -> tuple[str, ...]:
        return tuple(value for value in (self.secret, self.integration_code) if value)


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


def _date(value: Any) -> pendulum.DateTime | None:
    if value in (None, ""):
        return None
    try:
        parsed = pendulum.parse(str(value), tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError) as exc:
        raise ConfigError(_bad_start_date(value)) from exc
    if isinstance(parsed, pendulum.DateTime):
        return parsed.in_timezone("UTC")
    if isinstance(parsed, pendulum.Date):
        return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")
    raise ConfigError(_bad_start_date(value))


def _bad_start_date(value: Any) -> str:
    return f"config field start_date is not a date: {value!r} (write it as YYYY-MM-DD, e.g. 2025-01-31)"


def _int(raw: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = raw.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigError(f"config field {key} must be an integer, got {value!r}")
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigError(f"config field {key} must be an integer, got {value!r}") from exc
    if not low <= number <= high:
        raise ConfigError(f"config field {key} must be between {low} and {high}, got {number}")
    return number


def _float(raw: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = raw.get(key)
    if value is None:
        return default
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"config field {key} must be a number, got {value!r}") from exc
    if not low <= number <= high:
        raise ConfigError(f"config field {key} must be between {low} and {high}, got {number}")
    return number
