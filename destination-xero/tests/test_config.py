from __future__ import annotations

from typing import Any

import pytest
import yaml
from destination_xero.config import ConfigError, RefreshTokenAuth, load_config, load_config_file


def test_top_level_mappings_apply_to_every_tenant_and_tenant_sections_replace_them(base_config):
    base_config["tenants"] = [
        {"tenant_id": "a", "name": "A", "route": {"default": True}},
        {
            "tenant_id": "b",
            "name": "B",
            "route": {"currencies": ["NZD"]},
            "mappings": {"tax": {"by_region": {"New Zealand": "OUTPUT2"}}},
        },
    ]
    config = load_config(base_config)
    a, b = config.tenants
    assert a.mappings.tax.by_region == {"Australia": "OUTPUT"}
    assert b.mappings.tax.by_region == {"New Zealand": "OUTPUT2"}
    assert b.mappings.tax.exempt is None  # the whole section was replaced
    assert b.mappings.accounts.default == "200"  # other sections inherited


def test_errors_name_every_bad_field_at_once(base_config: dict[str, Any]):
    base_config["mappings"]["tax"]["by_regoin"] = {}
    base_config["mappings"]["status"] = {"invoice": "PAID"}
    base_config["tenants"][0]["tenant_id"] = ""
    with pytest.raises(ConfigError) as info:
        load_config(base_config)
    text = str(info.value)
    assert "tenants.0.mappings.tax.by_regoin" in text
    assert "tenants.0.mappings.status.invoice" in text
    assert "tenants.0.tenant_id" in text


def test_secret_never_appears_in_errors_or_repr(base_config: dict[str, Any]):
    config = load_config(base_config)
    assert "shh-secret" not in repr(config)
    base_config["auth"]["client_id"] = ""
    with pytest.raises(ConfigError) as info:
        load_config(base_config)
    assert "shh-secret" not in str(info.value)
    assert "auth.client_id" in str(info.value)


def test_refresh_token_auth_needs_a_token_source(base_config: dict[str, Any]):
    base_config["auth"] = {"type": "refresh_token", "client_id": "c", "client_secret": "s"}
    with pytest.raises(ConfigError, match="refresh_token or token_store_path"):
        load_config(base_config)
    base_config["auth"]["token_store_path"] = "/tmp/x.json"
    assert isinstance(load_config(base_config).auth, RefreshTokenAuth)


def test_routing_rules_must_be_unambiguous_about_defaults(base_config: dict[str, Any]):
    base_config["tenants"] = [
        {"tenant_id": "a", "name": "A", "route": {"default": True}},
        {"tenant_id": "b", "name": "B", "route": {"default": True}},
    ]
    with pytest.raises(ConfigError, match="only one tenant may be the default"):
        load_config(base_config)
    base_config["tenants"][1]["route"] = {}
    with pytest.raises(ConfigError, match="'B' has no route rule"):
        load_config(base_config)
    base_config["tenants"][1] = {"tenant_id": "a", "name": "B", "route": {"company_ids": [1]}}
    with pytest.raises(ConfigError, match="tenant_id listed twice: a"):
        load_config(base_config)


def test_branches_are_a_route_rule_and_a_tracking_source(base_config: dict[str, Any]):
    base_config["tenants"] = [
        {"tenant_id": "a", "name": "A", "route": {"branches": ["Asia Pacific"]}},
        {"tenant_id": "b", "name": "B", "route": {"default": True}},
    ]
    base_config["mappings"]["tracking"] = [{"category": "Branch", "source": "branch"}]
    config = load_config(base_config)
    assert config.tenants[0].route.branches == ["Asia Pacific"] and not config.tenants[0].route.is_empty()
    assert config.tenants[0].mappings.tracking[0].source == "branch"
    base_config["tenants"][0]["route"] = {"branch": ["Asia Pacific"]}
    with pytest.raises(ConfigError, match=r"tenants\.0\.route\.branch: Extra inputs are not permitted"):
        load_config(base_config)


def test_tracking_is_limited_to_two_categories(base_config: dict[str, Any]):
    rule = {"category": "Region", "source": "line_of_business"}
    base_config["mappings"]["tracking"] = [rule, rule, rule]
    with pytest.raises(ConfigError, match="tracking"):
        load_config(base_config)


def test_prefix_numbering_needs_a_prefix(base_config: dict[str, Any]):
    base_config["mappings"]["numbering"] = {"mode": "prefix"}
    with pytest.raises(ConfigError, match="numbering"):
        load_config(base_config)


def test_yaml_mapping_file_is_merged_under_platform_config(tmp_path, base_config: dict[str, Any]):
    mapping = {"mappings": base_config.pop("mappings"), "tenants": base_config.pop("tenants")}
    path = tmp_path / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping))
    config = load_config({**base_config, "mapping_file": str(path), "dry_run": True})
    assert config.dry_run is True
    assert config.tenants[0].mappings.rounding.account == "860"


def test_bad_yaml_is_reported_with_the_path(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("tenants: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config_file(tmp_path / "missing.yaml")


def test_example_config_in_catalogs_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "catalogs" / "destination-xero" / "config.example.yaml"
    config = load_config_file(example)
    assert len(config.tenants) == 3


def test_typo_in_a_default_section_every_tenant_overrides_is_still_reported(base_config: dict[str, Any]):
    base_config["mappings"]["tax"]["by_regoin"] = {"Australia": "OUTPUT"}
    for tenant in base_config["tenants"]:
        tenant["mappings"] = {"tax": {"by_region": {"Australia": "OUTPUT"}}}
    with pytest.raises(ConfigError) as info:
        load_config(base_config)
    assert "mappings.tax.by_regoin" in str(info.value)


def test_tenants_in_config_and_mapping_file_are_merged_by_tenant_id(tmp_path):
    """A platform form that lists the tenants must not drop what the mapping file says of each one: its
    numbering and route stay unless the config gives that tenant its own."""
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "tenants:\n"
        "  - tenant_id: t-uk\n"
        "    name: UK\n"
        "    route: {currencies: [GBP]}\n"
        "    mappings:\n"
        "      numbering: {mode: prefix, prefix: UK-}\n"
        "  - tenant_id: t-au\n"
        "    name: AU\n"
        "    route: {default: true}\n"
        "    mappings:\n"
        "      numbering: {mode: prefix, prefix: AU-}\n",
        encoding="utf-8",
    )
    config = load_config(
        {
            "auth": {"type": "client_credentials", "client_id": "cid", "client_secret": "s"},
            "mapping_file": str(mapping),
            "tenants": [
                {"tenant_id": "t-uk", "name": "UK"},
                {
                    "tenant_id": "T-AU",
                    "name": "AU",
                    "mappings": {"numbering": {"mode": "prefix", "prefix": "NZ-"}},
                },
            ],
        }
    )
    uk, au = config.tenants
    assert uk.mappings.numbering.prefix == "UK-" and uk.route.currencies == ["GBP"]
    assert au.mappings.numbering.prefix == "NZ-" and au.route.default is True
