"""A date as a config or a record writes it, read as one UTC moment.

Why in the kit: a `start_date` in a config, an `UpdatedDateUTC` in a record, a cursor in a saved state are
each written as an ISO date-time or as a plain date, and every connector means the same moment by them: a
date-time in UTC (one without an offset is UTC), a plain date at its midnight UTC (the calendar day as
Autotask and Xero show it). Read once here, "2026-11-03" cannot be midnight in one connector and an error
in another. Vendor forms (Xero's `/Date(ms+zzzz)/`) are each client's; what a caller says about a value
that is no date (which field, what to write) is its own, hence None rather than an exception.
"""

from __future__ import annotations

import pendulum


def utc_moment(text: str) -> pendulum.DateTime | None:
    """`text` as a UTC moment (a plain date: its midnight UTC); None when it is no date or date-time
    (unreadable, a bare time, a duration)."""
    try:
        parsed = pendulum.parse(text, tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None
    if isinstance(parsed, pendulum.DateTime):  # checked first: a DateTime is also a Date
        return parsed.in_timezone("UTC")
    if isinstance(parsed, pendulum.Date):
        return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")
    return None
