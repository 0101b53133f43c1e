"""The Airbyte form a person can fill (issue 17): every field titled and described, and the whole mapping
accepted as one pasted text field (`mapping_yaml`), merged exactly as a `mapping_file` is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from destination_xero.config import ConfigError, load_config
from destination_xero.spec import airbyte_connection_specification, singer_config_jsonschema

AUTH = {"type": "client_credentials", "client_id": "id", "client_secret": "secret"}
MAPPING = """\
tenants:
  - tenant_id: t-1
    name: Org One
    mappings:
      tax:
        default: OUTPUT2   # a comment, as propose-mapping writes
mappings:
  accounts:
    default: "200"
"""


def _untitled(node: dict[str, Any], path: str = "") -> list[str]:
    found: list[str] = []
    for name, prop in node.get("properties", {}).items():
        where = f"{path}.{name}"
        if not prop.get("title") or not prop.get("description"):
            found.append(where)
        found += _untitled(prop, where)
        if isinstance(prop.get("items"), dict):
            found += _untitled(prop["items"], where + "[]")
    for variant in node.get("oneOf", []):
        found += _untitled(variant, path)
    return found


@pytest.mark.parametrize("schema", [airbyte_connection_specification(), singer_config_jsonschema()])
def test_no_property_lacks_a_title_or_a_description(schema):
    assert _untitled(schema) == []


def test_the_mapping_text_field_is_in_the_form():
    prop = airbyte_connection_specification()["properties"]["mapping_yaml"]
    assert prop["type"] == "string" and prop["group"] == "organisations"


def test_mapping_yaml_is_merged_as_a_mapping_file_is(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    from_text = load_config({"auth": AUTH, "mapping_yaml": MAPPING, "dry_run": True})
    from_file = load_config({"auth": AUTH, "mapping_file": str(path), "dry_run": True})
    assert from_text == from_file
    assert from_text.tenants[0].mappings.tax.default == "OUTPUT2"
    assert from_text.tenants[0].mappings.accounts.default == "200"


def test_mapping_yaml_may_be_json():
    text = json.dumps({"tenants": [{"tenant_id": "t-1", "name": "Org One"}]})
    assert load_config({"auth": AUTH, "mapping_yaml": text}).tenants[0].name == "Org One"


def test_a_text_that_does_not_parse_names_the_field_and_the_line_not_the_text():
    broken = "tenants:\n  - tenant_id: t-1\n    name: [unclosed\n  secret: hunter2\n"
    with pytest.raises(ConfigError) as caught:
        load_config({"auth": AUTH, "mapping_yaml": broken})
    message = str(caught.value)
    assert message.startswith("mapping_yaml: not YAML or JSON at line ") and "hunter2" not in message


def test_a_text_that_maps_nothing_is_refused():
    with pytest.raises(ConfigError, match="mapping_yaml: must hold a mapping"):
        load_config({"auth": AUTH, "mapping_yaml": "- just a list"})


def test_a_todo_in_pasted_mapping_text_is_named_like_one_in_a_mapping_file(tmp_path: Path) -> None:
    from destination_xero.check import todo_fields

    text = (
        "tenants:\n  - tenant_id: T1\n    mappings:\n      tax:\n"
        "        default: 'TODO: choose one of OUTPUT2'\n"
    )
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(text, encoding="utf-8")
    from_text = todo_fields({"mapping_yaml": text, "tenants": [{"tenant_id": "T1"}]})
    from_file = todo_fields({"mapping_file": str(mapping_file), "tenants": [{"tenant_id": "T1"}]})
    assert from_text == from_file == [("tenants[0].mappings.tax.default", "TODO: choose one of OUTPUT2")]
