"""The server's clock: `Date` headers read strictly, the first moment kept as the start, the latest seen."""

from __future__ import annotations

import pendulum
from connector_kit.clock import ServerClock, http_date

SERVER_DATE = "Mon, 01 Jun 2026 12:00:00 GMT"
SERVER_START = pendulum.datetime(2026, 6, 1, 12, 0, 0, tz="UTC")


def test_http_date_reads_imf_fixdate_and_refuses_garbage() -> None:
    assert http_date(SERVER_DATE) == SERVER_START
    assert http_date("Monday, 01-Jun-26 12:00:00 GMT") == SERVER_START  # the obsolete RFC 850 form
    assert http_date("yesterday") is None
    assert http_date(None) is None


def test_server_clock_keeps_the_first_moment_and_the_latest() -> None:
    clock = ServerClock(now=lambda: pendulum.datetime(2030, 1, 1, tz="UTC"))
    clock.observe({"Date": "Tue, 02 Jun 2026 08:00:00 GMT"})
    clock.observe({"Date": SERVER_DATE})
    clock.observe({})
    assert clock.started == pendulum.datetime(2026, 6, 2, 8, tz="UTC") and clock.from_server
    assert clock.latest() == pendulum.datetime(2030, 1, 1, tz="UTC")
