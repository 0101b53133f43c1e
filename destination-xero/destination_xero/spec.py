"""The configuration schema both platforms show, generated from the one definition that validates it.

Why generated: the pydantic model in config.py is what every run actually enforces. A hand-written Airbyte
spec or Singer schema beside it would drift (a new mapping key accepted by one, refused by the other), so
both are derived here from `Config.model_json_schema()` with connector_kit.spec_schema, the functions every
connector's spec uses (its docstring says why each adaptation: `$ref`s inlined, `Optional[X]` as plain `X`,
`Decimal` as number or string, `SecretStr` as the one mark of a secret). Beyond what the kit does:
- the mapping sections' docstrings stay as their descriptions (`inline(..., keep_descriptions=True)`);
- the top-level `mappings` (defaults for every tenant), `mapping_file` (a YAML file merged under the
  config) and `mapping_yaml` (the same file's text, pasted into a form) are added: `load_config` accepts
  them before the model sees the data;
- every model field gets a title and a description from config_docs.py (why a table: its docstring);
- titles, descriptions, order and groups come from the tables below, so the UI reads like a form.
`tenants` is not required by the schema because a `mapping_file` may hold them; `load_config` reports a
missing one by name at `check`.
"""

from __future__ import annotations

import copy
from typing import Any

from connector_kit.spec_schema import AIRBYTE_SECRET, inline, mark_secrets, simplify, singer_schema

from .config import Config, Mappings
from .config_docs import MODEL_DOCS

GROUPS = [
    {"id": "connection", "title": "Xero connection"},
    {"id": "organisations", "title": "Organisations and mappings"},
    {"id": "behaviour", "title": "Sync behaviour"},
    {"id": "advanced", "title": "Advanced"},
]

# top-level property -> (group, order, title, description)
TOP_LEVEL: dict[str, tuple[str, int, str, str]] = {
    "auth": (
        "connection",
        0,
        "Authentication",
        "A custom connection (client credentials, one organisation) or a standard Xero app (refresh "
        "token, rotated on every use and persisted before it is used).",
    ),
    "tenants": (
        "organisations",
        1,
        "Xero organisations",
        "Each organisation: tenant_id, name, route rules (line of business, branch, company UDF, company "
        "id, currency) and its own mapping sections. See BEHAVIOR.md in the project repository.",
    ),
    "mappings": (
        "organisations",
        2,
        "Mappings for every organisation",
        "Tax, accounts, items, contacts, branding, tracking, numbering, status and rounding. An "
        "organisation's own mappings replace whole sections.",
    ),
    "mapping_file": (
        "organisations",
        3,
        "Mapping file (YAML)",
        "Path to a YAML file holding tenants and mappings; the keys of this config take precedence.",
    ),
    "mapping_yaml": (
        "organisations",
        4,
        "Mapping (YAML or JSON text)",
        "The whole mapping file pasted as text (what `autotask-xero propose-mapping` writes): tenants and "
        "mappings, merged exactly as a mapping file is; the keys of this config take precedence.",
    ),
    "split_policy": (
        "behaviour",
        5,
        "Invoices spanning organisations",
        "split: one document per organisation; reject: such invoices are rejected.",
    ),
    "dry_run": ("behaviour", 6, "Dry run", "Decide and log the exact payloads without writing to Xero."),
    "rejected_records_path": (
        "behaviour",
        7,
        "Rejected records file",
        "JSONL file where every rejected document is appended with the reason and Xero's messages.",
    ),
    "fail_on_rejections": (
        "behaviour",
        8,
        "Fail the sync when documents were rejected",
        "After processing everything, end with an error if any document was rejected.",
    ),
    "report_path": (
        "behaviour",
        9,
        "Run report file",
        "JSON file every run replaces at its end (dry runs and failed runs too): per organisation what was "
        "created, updated, unchanged, skipped or rejected and why, the calls used, and what to do next. "
        "`autotask-xero report` turns it into an HTML page or Markdown.",
    ),
    "log_decisions": (
        "behaviour",
        10,
        "Log every decision",
        "Also on real runs, log one line per document created, updated, skipped or rejected (dry runs "
        "always do). Off: the rejected records file and the run report say what did not land.",
    ),
    "run_lock": (
        "advanced",
        11,
        "One run at a time",
        "A run waits for the previous run writing to the same organisation on this host, then stops "
        "without writing (the next run sends everything).",
    ),
    "autotask_invoice_url": (
        "advanced",
        12,
        "Link to the Autotask invoice",
        "Set on each Xero invoice ({id} is the Autotask invoice id) and used to find an invoice renumbered "
        "in Autotask or Xero. Set it once; a changed link is written only with the invoice's next change.",
    ),
    "xero": (
        "advanced",
        13,
        "Xero endpoints",
        "Only for a sandbox or a proxy; leave empty to use Xero.",
    ),
}

AUTH_VARIANTS: dict[str, str] = {
    "client_credentials": "Custom connection (client credentials)",
    "refresh_token": "Standard app (refresh token)",
}

FIELD_DOCS: dict[str, tuple[str, str]] = {
    "client_id": ("Client ID", "The Xero app's client id."),
    "client_secret": ("Client secret", "The Xero app's client secret."),
    "refresh_token": (
        "Refresh token",
        "The first refresh token; every rotated one is persisted (Airbyte: the connector config; Singer: "
        "the token store file) before it is used.",
    ),
    "token_store_path": (
        "Token store file",
        "File where rotated refresh tokens are kept between runs (required for Singer/Meltano).",
    ),
    "scopes": (
        "Scopes",
        "Space-separated OAuth scopes sent with a custom connection's token request; empty: the app's own. "
        "Apps created on or after 2 March 2026 cannot use accounting.transactions: name the granular "
        "accounting.invoices accounting.contacts accounting.settings.",
    ),
    "tenant_id": ("Tenant ID", "The organisation's id as listed by Xero's /connections."),
    "name": ("Name", "The organisation's name, used in logs and summaries."),
}


def _document(schema: dict[str, Any]) -> None:
    auth = schema["properties"]["auth"]
    auth["type"] = "object"
    for variant in auth["oneOf"]:
        kind = variant["properties"]["type"]["const"]
        variant["title"] = AUTH_VARIANTS[kind]
        variant.pop("description", None)
        for name, prop in variant["properties"].items():
            if name in FIELD_DOCS:
                prop["title"], prop["description"] = FIELD_DOCS[name]
    tenant = schema["properties"]["tenants"]["items"]
    tenant["title"] = "Organisation"
    for name, prop in tenant["properties"].items():
        if name in FIELD_DOCS:
            prop["title"], prop["description"] = FIELD_DOCS[name]


def _described(model: str, schema: dict[str, Any]) -> None:
    """The form's words (config_docs.py) on one model's schema, before it is inlined."""
    for name, (title, description) in MODEL_DOCS.get(model, {}).items():
        prop = schema["properties"][name]
        prop["title"], prop["description"] = title, description


def _base() -> dict[str, Any]:
    raw = Config.model_json_schema()
    mappings = Mappings.model_json_schema()
    defs = {**raw.get("$defs", {}), **mappings.get("$defs", {})}
    for model, definition in defs.items():
        _described(model, definition)
    _described("Mappings", mappings)
    schema: dict[str, Any] = simplify(inline(raw, defs, keep_descriptions=True))
    schema["properties"]["mappings"] = simplify(inline(mappings, defs, keep_descriptions=True))
    schema["properties"]["mapping_file"] = {"type": "string"}
    schema["properties"]["mapping_yaml"] = {"type": "string", "multiline": True}
    schema["required"] = ["auth"]
    schema.pop("description", None)
    for name, (_, _, title, description) in TOP_LEVEL.items():
        prop = schema["properties"][name]
        prop["title"], prop["description"] = title, description
    _document(schema)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = "Xero destination"
    return schema


def airbyte_connection_specification() -> dict[str, Any]:
    schema: dict[str, Any] = mark_secrets(_base(), AIRBYTE_SECRET)
    for name, (group, order, _, _) in TOP_LEVEL.items():
        schema["properties"][name]["group"] = group
        schema["properties"][name]["order"] = order
    schema["groups"] = copy.deepcopy(GROUPS)
    return schema


def singer_config_jsonschema() -> dict[str, Any]:
    """Secrets marked for Singer, no top-level defaults (connector_kit.spec_schema.singer_schema says why)."""
    return singer_schema(_base())


CONFIG_KEYS = frozenset(singer_config_jsonschema()["properties"])
"""The keys the destination itself reads; the SDKs add their own settings beside them."""
