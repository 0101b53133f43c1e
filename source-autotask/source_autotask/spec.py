"""The configuration JSON schema both platforms show, generated from the model that validates it.

Why generated: `SourceConfig` (config.py) is what every run enforces; a hand-written schema beside it
would drift (a range or default changed in one place only). So the schema is `model_json_schema()`,
adapted for the platforms:
- `X | None = None` becomes plain `X`, not required, without a `null` default: the `anyOf [X, null]`
  pydantic emits would hide a secret from the CDK's log filter, which does not look under `anyOf`, and
  the Airbyte form shows an empty field for it anyway;
- `airbyte_secret` and `order` come from each field's `json_schema_extra`; the Singer adapter turns the
  first into `secret`/`writeOnly` and drops the second (singer.py);
- unknown keys are allowed (`additionalProperties`), as the model ignores them.
"""

from __future__ import annotations

from typing import Any

from .config import SourceConfig

DRAFT_07 = "http://json-schema.org/draft-07/schema#"


def config_schema() -> dict[str, Any]:
    """The Airbyte `connectionSpecification` (and, adapted by singer.py, the Singer config schema)."""
    generated = SourceConfig.model_json_schema()
    return {
        "$schema": DRAFT_07,
        "title": generated["title"],
        "type": "object",
        "required": list(generated.get("required", [])),
        "additionalProperties": True,
        "properties": {name: _plain(prop) for name, prop in generated["properties"].items()},
    }


def _plain(prop: dict[str, Any]) -> dict[str, Any]:
    """One property without pydantic's optional wrapper: `anyOf [X, null]` is X, a `None` default none."""
    out = dict(prop)
    options = out.pop("anyOf", None)
    if options is not None:
        (kept,) = [option for option in options if option.get("type") != "null"]
        out = {**kept, **out}
    if "default" in out and out["default"] is None:
        del out["default"]
    return out


CONFIG_SCHEMA: dict[str, Any] = config_schema()
