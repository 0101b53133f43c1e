"""Xero's `/Date(ms+zone)/` dates: one reading for every connector, so none posts to the wrong day."""

from __future__ import annotations

import pendulum
import pytest
from xero_client.wire import parse_date


def test_milliseconds_are_utc_and_the_offset_is_informational() -> None:
    assert parse_date("/Date(1757030400000+0000)/") == pendulum.datetime(2025, 9, 5, tz="UTC")
    assert parse_date("/Date(1757030400000+1300)/") == pendulum.datetime(2025, 9, 5, tz="UTC")
    assert parse_date("/Date(1757030400000)/") == pendulum.datetime(2025, 9, 5, tz="UTC")


def test_a_date_before_1970_is_a_negative_count() -> None:
    assert parse_date("/Date(-86400000+0000)/") == pendulum.datetime(1969, 12, 31, tz="UTC")


@pytest.mark.parametrize(
    "value", [None, "", "2025-09-05", "2025-09-05T00:00:00", "/Date(abc)/", 1757030400000]
)
def test_anything_else_is_not_this_form(value: object) -> None:
    assert parse_date(value) is None
