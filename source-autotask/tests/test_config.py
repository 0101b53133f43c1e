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
        ({"start_date": "soon"}, "config field start_date is not a date: 'soon' (write it as YYYY-MM-DD"),
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
    assert list(properties) == list(SourceConfig.model_fields)
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
    assert properties["start_date"]["format"] == "date-time"
    assert sorted(prop["order"] for prop in properties.values()) == list(range(len(properties)))


def test_the_singer_schema_marks_the_same_secrets() -> None:
    properties = singer_config_schema()["properties"]
    assert {name for name, prop in properties.items() if prop.get("secret")} == {"secret", "integration_code"}
    assert not any("order" in prop or "airbyte_secret" in prop for prop in properties.values())
