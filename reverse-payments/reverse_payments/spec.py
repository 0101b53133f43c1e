"""Connection specs (JSON Schema) of both connectors; the adapters turn `airbyte_secret` into Singer's
`secret`. The models in config.py are what validates; these describe the same fields to the platforms.

`tenants` is not required by either spec: it may come from `mapping_file`, which no platform can see when it
checks required keys; config.py reports a config with tenants in neither place, naming both fields."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

_SECRET = {"type": "string", "airbyte_secret": True}
_NUMBERING = {
    "title": "Numbering (same as destination-xero's mappings.numbering)",
    "type": "object",
    "properties": {
        "mode": {"type": "string", "enum": ["autotask", "prefix", "xero"], "default": "autotask"},
        "prefix": {"type": "string", "default": ""},
        "reference_prefix": {"type": "string", "default": ""},
    },
}
_MAPPINGS = {"title": "Mappings for every tenant", "type": "object", "properties": {"numbering": _NUMBERING}}
_TENANTS = {
    "title": "Xero organisations fed from Autotask",
    "description": "Required unless `mapping_file` lists them; a tenant listed in both keeps the file's "
    "numbering unless it is given its own here",
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["tenant_id", "name"],
        "properties": {
            "tenant_id": {"type": "string"},
            "name": {"type": "string"},
            "mappings": _MAPPINGS,
        },
    },
}

SOURCE_SPEC: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Xero payments source",
    "type": "object",
    "required": ["auth"],  # tenants: here or in mapping_file
    "properties": {
        "auth": {
            "title": "Authentication",
            "type": "object",
            "order": 0,
            "oneOf": [
                {
                    "title": "Custom connection (client credentials)",
                    "required": ["type", "client_id", "client_secret"],
                    "properties": {
                        "type": {"type": "string", "const": "client_credentials"},
                        "client_id": {"type": "string"},
                        "client_secret": _SECRET,
                    },
                },
                {
                    "title": "Standard app (refresh token)",
                    "required": ["type", "client_id", "client_secret"],
                    "properties": {
                        "type": {"type": "string", "const": "refresh_token"},
                        "client_id": {"type": "string"},
                        "client_secret": _SECRET,
                        "refresh_token": _SECRET,
                        "token_store_path": {"type": "string"},
                    },
                },
            ],
        },
        "tenants": {**_TENANTS, "order": 1},
        "mappings": {**_MAPPINGS, "order": 2},
        "mapping_file": {"title": "destination-xero YAML mapping file", "type": "string", "order": 3},
        "start_date": {"title": "Read changes since", "type": "string", "order": 4},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 1000, "order": 5},
        "only_autotask_invoices": {"type": "boolean", "default": True, "order": 6},
        "xero": {
            "title": "Xero endpoints (for the sandbox; leave empty for Xero)",
            "type": "object",
            "order": 7,
            "properties": {
                "api_url": {"type": "string"},
                "identity_url": {"type": "string"},
                "connections_url": {"type": "string"},
            },
        },
    },
}

DESTINATION_SPEC: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Autotask payments destination",
    "type": "object",
    "required": ["autotask"],  # tenants: here or in mapping_file
    "properties": {
        "autotask": {
            "title": "Autotask API user",
            "type": "object",
            "order": 0,
            "required": ["username", "secret", "integration_code"],
            "properties": {
                "username": {"type": "string"},
                "secret": _SECRET,
                "integration_code": _SECRET,
                "api_url": {"type": "string"},
                "zone_lookup_url": {"type": "string"},
                "threshold_share": {"type": "number", "default": 0.5},
                "max_retries": {"type": "integer", "default": 8},
                "backoff_base_seconds": {"type": "number", "default": 1.0},
            },
        },
        "tenants": {**_TENANTS, "order": 1},
        "mappings": {**_MAPPINGS, "order": 2},
        "mapping_file": {"title": "destination-xero YAML mapping file", "type": "string", "order": 3},
        "default_tenant_id": {"type": "string", "order": 4},
        "other_tenants": {"type": "string", "enum": ["reject", "ignore"], "default": "reject", "order": 5},
        "foreign_invoices": {"type": "string", "enum": ["reject", "ignore"], "default": "ignore", "order": 6},
        "stamp_web_service_date": {"type": "boolean", "default": True, "order": 7},
        "dry_run": {"type": "boolean", "default": False, "order": 8},
        "rejected_records_path": {"type": "string", "order": 9},
        "fail_on_rejections": {"type": "boolean", "default": False, "order": 10},
    },
}


def singer_schema(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec for singer-sdk: `airbyte_secret` becomes `secret`/`writeOnly`, Airbyte's `order` goes."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items() if k not in ("order", "airbyte_secret")}
            if node.get("airbyte_secret"):
                out["secret"] = True
                out["writeOnly"] = True
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    result: dict[str, Any] = walk(copy.deepcopy(spec))
    return result


def own_keys(config: Mapping[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """The config without the keys singer-sdk adds for itself (stream_maps, load_method, ...)."""
    return {k: v for k, v in dict(config).items() if k in spec["properties"]}
