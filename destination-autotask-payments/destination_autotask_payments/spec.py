"""The connection spec both platforms show, generated from the model that validates the config (config.py).

Why generated: a hand-written spec beside the model drifts (a key accepted by one, refused by the other);
connector_kit.spec_schema derives both platforms' schemas from `DestinationConfig.model_json_schema()`.
Added (connector_kit.mapping_files.document_spec): the top-level `mappings` (numbering for every tenant)
and `mapping_file`, which `load_destination_config` takes before the model sees the data. `tenants` is not
required: it may come from `mapping_file`, which no platform can see when it checks required keys;
config.py reports a config with tenants in neither place, naming both fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connector_kit.mapping_files import document_spec
from connector_kit.spec_schema import airbyte_schema, plain_schema, singer_schema

from .config import DestinationConfig

ORDER = [
    "autotask",
    "tenants",
    "mappings",
    "mapping_file",
    "default_tenant_id",
    "other_tenants",
    "foreign_invoices",
    "stamp_web_service_date",
    "dry_run",
    "rejected_records_path",
    "fail_on_rejections",
    "report_path",
]


def _base() -> dict[str, Any]:
    schema = plain_schema(DestinationConfig, "Autotask payments destination")
    document_spec(schema)  # mappings, mapping_file; tenants not required
    return schema


DESTINATION_SPEC: dict[str, Any] = airbyte_schema(_base(), ORDER)
"""The Airbyte `connectionSpecification`."""
SINGER_SCHEMA: dict[str, Any] = singer_schema(_base())
"""singer-sdk's `config_jsonschema`."""
CONFIG_KEYS = frozenset(SINGER_SCHEMA["properties"])
"""The keys the destination itself reads; singer-sdk adds its own settings beside them."""


def own_keys(config: Mapping[str, Any]) -> dict[str, Any]:
    """The config without the keys singer-sdk adds for itself (load_method, stream_maps, ...)."""
    return {k: v for k, v in dict(config).items() if k in CONFIG_KEYS}
