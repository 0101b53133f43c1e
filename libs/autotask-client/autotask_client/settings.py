"""How to reach one Autotask database: the credentials and the client's limits, nothing about a sync.

Why a type of its own: the client is shared by the source (reads) and the payments destination (writes),
each with its own config model. Both hand the client this one object, so the client never imports a
connector. The secret and the integration code are kept out of `repr`, so a logged or raised connection
never shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_ZONE_LOOKUP_URL = "https://webservices.autotask.net/atservicesrest/v1.0/zoneInformation"
DEFAULT_THRESHOLD_SHARE = 0.5
DEFAULT_REQUEST_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 8
DEFAULT_BACKOFF_BASE_SECONDS = 1.0


@dataclass(frozen=True)
class Connection:
    """Validated settings (the connector's config model checks ranges and says what to fix)."""

    username: str
    secret: str = field(repr=False)
    integration_code: str = field(repr=False)
    api_url: str | None = None
    zone_lookup_url: str = DEFAULT_ZONE_LOOKUP_URL
    threshold_share: float = DEFAULT_THRESHOLD_SHARE
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_retries: int = DEFAULT_MAX_RETRIES
    backoff_base_seconds: float = DEFAULT_BACKOFF_BASE_SECONDS

    def secrets(self) -> tuple[str, ...]:
        """The values every message the client writes must never show."""
        return tuple(value for value in (self.secret, self.integration_code) if value)
