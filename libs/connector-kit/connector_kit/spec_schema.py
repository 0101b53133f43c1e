"""A connector's connection spec (JSON Schema), generated from the pydantic model that validates its config.

Why generated: the model is what every run enforces. A hand-written Airbyte spec or Singer schema beside it
would drift (a key accepted by one, refused by the other). So the platforms' schemas are derived from
`Model.model_json_schema()`, then adapted to what they read:
- `$ref`s are inlined (the Airbyte UI and its secret filter read inline schemas only), without the class
  docstrings pydantic puts in their descriptions;
- `Optional[X] = None` becomes plain `X` (not required): the `anyOf [X, null]` pydantic emits would hide
  a secret from the CDK's log filter, which does not look under `anyOf`;
- `Decimal` amounts accept a JSON number or a string (`"0.01"`), as the model does;
- a `const` gets the same `default` (the Airbyte UI selects a `oneOf` variant by it);
- pydantic's `SecretStr` (`writeOnly`) is the one mark of a secret: Airbyte gets `airbyte_secret: true`,
  Singer gets `secret: true` (what singer-sdk's `Property(secret=True)` writes, and what Meltano reads).
destination-xero's spec.py uses these functions for its larger model, adding groups and per-field
documentation.
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

AIRBYTE_SECRET = {"airbyte_secret": True}
SINGER_SECRET = {"secret": True, "writeOnly": True}


def inline(node: Any, defs: dict[str, Any], *, keep_descriptions: bool = False) -> Any:
    """`node` with every `$ref` replaced by its definition (pydantic's `$defs` and discriminators go).

    A definition's own description is its class docstring, written for developers: the UI shows the
    field's description instead (`Field(description=...)`), or none. `keep_descriptions` keeps them:
    destination-xero's published spec carries its mapping sections' docstrings."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].split("/")[-1]]
            if not keep_descriptions:
                target = {k: v for k, v in target.items() if k != "description"}
            merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
            return inline(merged, defs, keep_descriptions=keep_descriptions)
        return {
            k: inline(v, defs, keep_descriptions=keep_descriptions)
            for k, v in node.items()
            if k not in ("$defs", "discriminator")
        }
    if isinstance(node, list):
        return [inline(v, defs, keep_descriptions=keep_descriptions) for v in node]
    return node


def simplify(node: Any) -> Any:
    """Collapse pydantic's Optional and Decimal `anyOf`s into plain schemas."""
    if isinstance(node, list):
        return [simplify(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: simplify(v) for k, v in node.items()}
    variants = node.get("anyOf")
    if isinstance(variants, list):
        rest = [v for v in variants if v != {"type": "null"}]
        if len(rest) < len(variants) and len(rest) == 1:
            node.pop("anyOf")
            if node.get("default", "unset") is None:
                node.pop("default")
            node = {**rest[0], **node}
        elif {v.get("type") for v in variants if isinstance(v, dict)} == {"number", "string"}:
            node.pop("anyOf")
            number = next(v for v in variants if v.get("type") == "number")
            node = {**{k: v for k, v in number.items() if k != "type"}, "type": ["number", "string"], **node}
    if node.get("const") is not None and "default" not in node:
        node["default"] = node["const"]
    return node


def mark_secrets(node: Any, marks: dict[str, Any]) -> Any:
    """Every `writeOnly` (SecretStr) property marked with `marks` instead (AIRBYTE_SECRET, SINGER_SECRET)."""
    if isinstance(node, list):
        return [mark_secrets(v, marks) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: mark_secrets(v, marks) for k, v in node.items()}
    if node.get("writeOnly") is True:
        node.pop("format", None)
        node.pop("writeOnly", None)
        node.update(marks)
    return node


def model_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's schema inlined and simplified, without the model's docstring as description."""
    raw = model.model_json_schema()
    schema: dict[str, Any] = simplify(inline(raw, raw.get("$defs", {})))
    schema.pop("description", None)
    return schema


def plain_schema(model: type[BaseModel], title: str) -> dict[str, Any]:
    """The model's schema inlined and simplified, draft-07, no secret marks yet.

    The top level does not refuse unknown keys (the model does, naming them): the platforms check a config
    against the spec before the connector sees it, and a config may carry keys the loader drops on
    purpose (another connector's, in a shared file) or the SDK's own settings."""
    schema = model_schema(model)
    schema.pop("additionalProperties", None)
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["title"] = title
    return schema


def airbyte_schema(schema: dict[str, Any], order: list[str] | None = None) -> dict[str, Any]:
    """The Airbyte connection specification: secrets as `airbyte_secret`, top-level fields in `order`."""
    result: dict[str, Any] = mark_secrets(copy.deepcopy(schema), AIRBYTE_SECRET)
    for index, name in enumerate(order or []):
        result["properties"][name]["order"] = index
    return result


def singer_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The Singer `config_jsonschema`: secrets as `secret`/`writeOnly`, no top-level `default`.

    Why no defaults: singer-sdk writes a top-level `default` into the config before the core sees it,
    which would silently override the same key of a `mapping_file`; the model applies the same defaults."""
    result: dict[str, Any] = mark_secrets(copy.deepcopy(schema), SINGER_SECRET)
    result.pop("$schema", None)
    for prop in result["properties"].values():
        prop.pop("default", None)
    return result
