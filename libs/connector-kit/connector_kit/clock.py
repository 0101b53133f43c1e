"""The vendor's clock, as its responses state it in their `Date` header.

Why: a cursor is a promise that everything dated before it has been read. Only the server knows what "now"
is for the dates it hands out; the machine running the sync may be minutes or years off. So a read starts
at the server's time (the `Date` of the first response a session gets, which both Autotask's IIS and Xero
send), falling back to the local UTC clock when a response has none, and no cursor may pass that start.
In the kit because it is no vendor's fact: the Autotask client and the Xero payments source both keep one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

import pendulum


def utc_now() -> pendulum.DateTime:
    return pendulum.now("UTC")


def http_date(value: str | None) -> pendulum.DateTime | None:
    """An RFC 9110 `Date` header as a UTC moment, or None when absent or unreadable."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return pendulum.instance(parsed, tz="UTC")
    return pendulum.instance(parsed).in_timezone("UTC")


class ServerClock:
    """The server's time at the first response seen (the read's start) and at the latest one."""

    def __init__(self, now: Callable[[], pendulum.DateTime] = utc_now) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._started: pendulum.DateTime | None = None
        self._latest: pendulum.DateTime | None = None
        self.from_server = False

    def observe(self, headers: Mapping[str, str]) -> None:
        """Note a response's `Date` (or the local time when it has none)."""
        stated = http_date(headers.get("Date"))
        moment = stated or self._now()
        with self._lock:
            if self._started is None:
                self._started = moment
                self.from_server = stated is not None
            if self._latest is None or moment > self._latest:
                self._latest = moment

    @property
    def started(self) -> pendulum.DateTime | None:
        return self._started

    def latest(self) -> pendulum.DateTime:
        """The server's time at the latest response; the local time if none has come yet."""
        with self._lock:
            return self._latest or self._now()
