"""The configuration JSON schema, shared by the Airbyte spec and the Singer tap's config schema."""

from __future__ import annotations

from typing import Any

from .config import DEFAULT_LOOKBACK_DAYS, DEFAULT_PAGE_SIZE, DEFAULT_THRESHOLD_SHARE, DEFAULT_ZONE_LOOKUP_URL

CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Autotask PSA Source Spec",
    "type": "object",
    "required": ["username", "secret", "integration_code"],
    "additionalProperties": True,
    "properties": {
        "username": {
            "type": "string",
            "title": "API username",
            "order": 0,
            "description": "The email address of the Autotask API-only user.",
        },
        "secret": {
            "type": "string",
            "title": "API secret",
            "airbyte_secret": True,
            "order": 1,
            "description": "The API user's secret.",
        },
        "integration_code": {
            "type": "string",
            "title": "API tracking identifier",
            "airbyte_secret": True,
            "order": 2,
            "description": "The API tracking identifier (integration code) chosen for the API user.",
        },
        "api_url": {
            "type": "string",
            "title": "Zone URL",
            "order": 3,
            "description": "Your zone's REST root, e.g. https://webservices5.autotask.net/atservicesrest/ "
            "(skips the zone lookup). Leave empty to discover it.",
        },
        "zone_lookup_url": {
            "type": "string",
            "title": "Zone lookup URL",
            "order": 4,
            "default": DEFAULT_ZONE_LOOKUP_URL,
            "description": "Where the zone is discovered; change only for a sandbox.",
        },
        "start_date": {
            "type": "string",
            "title": "Start date",
            "order": 5,
            "format": "date-time",
            "examples": ["2025-01-01T00:00:00Z"],
            "description": "Invoices and purchase orders created before this date are not read.",
        },
        "lookback_days": {
            "type": "integer",
            "title": "Lookback window (days)",
            "order": 6,
            "minimum": 0,
            "maximum": 3650,
            "default": DEFAULT_LOOKBACK_DAYS,
            "description": "Invoices and purchase orders whose dates moved in this many days before the last "
            "sync's cursor are re-read, so payments and voids are picked up.",
        },
        "page_size": {
            "type": "integer",
            "title": "Page size",
            "order": 7,
            "minimum": 1,
            "maximum": 500,
            "default": DEFAULT_PAGE_SIZE,
            "description": "Records per Autotask query page (1 to 500).",
        },
        "threshold_share": {
            "type": "number",
            "title": "Share of the hourly API threshold",
            "order": 8,
            "minimum": 0.01,
            "maximum": 1,
            "default": DEFAULT_THRESHOLD_SHARE,
            "description": "The sync pauses while the whole database is above this share of its hourly "
            "request threshold (shared by every integration).",
        },
        "request_timeout": {
            "type": "number",
            "title": "Request timeout (seconds)",
            "order": 9,
            "minimum": 1,
            "maximum": 600,
            "default": 60,
        },
        "max_retries": {
            "type": "integer",
            "title": "Retries per request",
            "order": 10,
            "minimum": 0,
            "maximum": 20,
            "default": 8,
        },
        "backoff_base_seconds": {
            "type": "number",
            "title": "Backoff base (seconds)",
            "order": 11,
            "minimum": 0,
            "maximum": 60,
            "default": 1,
            "description": "First retry waits up to this long; each retry doubles it (jittered).",
        },
    },
}
