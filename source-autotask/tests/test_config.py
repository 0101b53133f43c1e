"""The config model: the source's own one-line messages, and the spec both platforms show derived from it."""

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from source_autotask.config import SourceConfig
from source_autotask.errors import ConfigError
from source_autotask.singer import singer_config_schema
from source_autotask.spec import CONFIG_SCHEMA

from .conftest import CODE, SECRET


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"secret": "", "integration_code": None},
            "config is missing required field(s): secret, integration_code",
        ),
        ({"username": 7}, "config field username must be a non-empty string"),
        ({"api_url": "ftp://x"}, "config field api_url must be an http(s) URL, got 'ftp://x'"),
        (
            {"start_date": "soon"},
            "config field start_date is not a date: 'soon' (write a date as YYYY-MM-DD, e.g. 2025-01-31, "
            "or a span back from today: 90 days, 12 weeks, 6 months, 1 year)",
        ),
        (
            {"start_date": "0 days"},
            "config field start_date is not a date: '0 days' (a span back from today is 1 to 36525 days; "
            "write a date",
        ),
        ({"start_date": "101 years"}, "config field start_date is not a date: '101 years' (a span back"),
        ({"start_date": "90 fortnights"}, "config field start_date is not a date: '90 fortnights' (write"),
        ({"page_size": 900}, "config field page_size must be between 1 and 500, got 900"),
        ({"lookback_days": True}, "config field lookback_days must be an integer, got True"),
        ({"threshold_share": 0}, "config field threshold_share must be between 0.01 and 1.0, got 0.0"),
        ({"lookback_days": "x", "page_size": 0}, "config field lookback_days must be an integer, got 'x'"),
    ],
)
def test_a_bad_config_is_one_line_naming_the_first_bad_field(
    unit_config: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        SourceConfig.from_mapping({**unit_config, **change})
    assert str(info.value).startswith(message)


def test_a_good_config_is_read_with_its_defaults(unit_config: dict[str, Any]) -> None:
    config = SourceConfig.from_mapping({**unit_config, "start_date": "2025-01-31", "page_size": "200"})
    assert config.start_date == pendulum.datetime(2025, 1, 31, tz="UTC")
    assert (config.page_size, config.lookback_days, config.threshold_share) == (200, 14, 0.5)
    assert config.connection.secrets() == (SECRET, CODE)
    assert SECRET not in repr(config) and CODE not in repr(config)


def test_the_spec_shows_the_models_fields_ranges_and_defaults() -> None:
    properties = CONFIG_SCHEMA["properties"]
    # every field but `start_span`, which holds a `start_date` written as a span and is no field of its own
    assert list(properties) == [name for name in SourceConfig.model_fields if name != "start_span"]
    assert CONFIG_SCHEMA["required"] == ["username", "secret", "integration_code"]
    assert {name for name, prop in properties.items() if prop.get("airbyte_secret")} == {
        "secret",
        "integration_code",
    }
    assert properties["page_size"] == {
        "type": "integer",
        "title": "Page size",
        "order": 7,
        "minimum": 1,
        "maximum": 500,
        "default": 500,
        "description": "Records per Autotask query page (1 to 500).",
    }
    assert properties["api_url"]["type"] == "string" and "default" not in properties["api_url"]
    # a span ("90 days") must pass the platforms' validation of the config against the spec
    assert properties["start_date"]["type"] == "string"
    assert "format" not in properties["start_date"] and "pattern" not in properties["start_date"]
    assert "90 days" in properties["start_date"]["examples"]
    assert "90 days" in properties["start_date"]["description"]
    assert sorted(prop["order"] for prop in properties.values()) == list(range(len(properties)))


def test_the_singer_schema_marks_the_same_secrets() -> None:
    properties = singer_config_schema()["properties"]
    assert {name for name, prop in properties.items() if prop.get("secret")} == {"secret", "integration_code"}
    assert not any("order" in prop or "airbyte_secret" in prop for prop in properties.values())


@pytest.mark.parametrize(
    ("written", "shown", "begins"),
    [
        ("90 days", "90 days", pendulum.datetime(2026, 8, 12, tz="UTC")),
        ("  90   DAYS ", "90 days", pendulum.datetime(2026, 8, 12, tz="UTC")),
        ("1 day", "1 day", pendulum.datetime(2026, 11, 9, tz="UTC")),
        ("12 weeks", "12 weeks", pendulum.datetime(2026, 8, 18, tz="UTC")),
        ("6 Months", "6 months", pendulum.datetime(2026, 5, 10, tz="UTC")),
        ("1 year", "1 year", pendulum.datetime(2025, 11, 10, tz="UTC")),
        ("2 years ago", "2 years", pendulum.datetime(2024, 11, 10, tz="UTC")),
    ],
)
def test_a_start_date_may_be_a_span_back_from_today(
    unit_config: dict[str, Any], written: str, shown: str, begins: pendulum.DateTime
) -> None:
    """Counted back from the day of Autotask's clock, from midnight UTC (whole days, whatever the hour)."""
    config = SourceConfig.from_mapping({**unit_config, "start_date": written})
    now = pendulum.datetime(2026, 11, 10, 15, 30, tz="UTC")
    assert config.start_date is None and str(config.start_span) == shown
    assert config.start_from(now) == begins
    assert config.start_shown(now) == f"{shown!r} ({begins.to_date_string()})"
    assert SourceConfig.model_validate(config).start_span == config.start_span  # kept when re-validated


def test_a_dated_start_stays_where_it_is_whatever_the_clock(unit_config: dict[str, Any]) -> None:
    config = SourceConfig.from_mapping({**unit_config, "start_date": "2025-01-31"})
    assert config.start_span is None
    assert config.start_from(pendulum.datetime(2030, 1, 1, tz="UTC")) == pendulum.datetime(
        2025, 1, 31, tz="UTC"
    )
    assert config.start_shown(pendulum.datetime(2030, 1, 1, tz="UTC")) == "2025-01-31"
    assert SourceConfig.from_mapping(unit_config).start_from(pendulum.now("UTC")) is None


@pytest.mark.parametrize(
    ("given", "read"), [(None, False), (True, True), (False, False), ("true", True), ("0", False)]
)
def test_invoice_pdfs_is_a_switch_off_by_default(unit_config: dict[str, Any], given: Any, read: bool) -> None:
    raw = dict(unit_config) if given is None else {**unit_config, "invoice_pdfs": given}
    assert SourceConfig.from_mapping(raw).invoice_pdfs is read
    assert CONFIG_SCHEMA["properties"]["invoice_pdfs"]["type"] == "boolean"
    assert CONFIG_SCHEMA["properties"]["invoice_pdfs"]["default"] is False


def test_a_bad_invoice_pdfs_value_is_one_clear_line(unit_config: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="config field invoice_pdfs must be true or false, got 'sometimes'"):
        SourceConfig.from_mapping({**unit_config, "invoice_pdfs": "sometimes"})
