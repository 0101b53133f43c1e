"""Which zone (`webservicesN.autotask.net`) serves a database, remembered per process for 12 hours.

Why a process-wide cache: every client a sync starts (one per stream worker, check, write-back) would
otherwise spend a call on the same lookup. Why it can be forgotten: a 401 may mean the database moved zones,
so the client drops its entry once and looks again before giving up.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

ZONE_CACHE_SECONDS = 12 * 3600

ZoneKey = tuple[str, str]

_ZONE_CACHE: dict[ZoneKey, tuple[str, float]] = {}
_ZONE_CACHE_LOCK = threading.Lock()


def zone_key(zone_lookup_url: str, username: str) -> ZoneKey:
    """Usernames are case-insensitive in Autotask, so one user's zone is cached once."""
    return (zone_lookup_url, username.lower())


def cached_zone(key: ZoneKey) -> str | None:
    with _ZONE_CACHE_LOCK:
        cached = _ZONE_CACHE.get(key)
    if cached and time.monotonic() - cached[1] < ZONE_CACHE_SECONDS:
        return cached[0]
    return None


def remember_zone(key: ZoneKey, url: str) -> None:
    with _ZONE_CACHE_LOCK:
        _ZONE_CACHE[key] = (url, time.monotonic())


def forget_zone(key: ZoneKey) -> None:
    with _ZONE_CACHE_LOCK:
        _ZONE_CACHE.pop(key, None)


def is_url(value: object) -> bool:
    return isinstance(value, str) and bool(urlsplit(value).scheme)


def with_slash(url: str) -> str:
    return url if url.endswith("/") else url + "/"
