"""destination-xero's YAML mapping file, as every connector that shares it reads it.

Why in the kit: the file is where each Xero organisation (tenant) and its numbering live. destination-xero
writes invoices by it, and both payments connectors read it (`mapping_file`) so that a payment is matched
back by the very numbering its invoice was written with. One reading and one merge rule, here, keep the
three from disagreeing about which tenants there are and how each is numbered.

What is shared:
- `read_mapping_file`: the file as a mapping (byte-order mark accepted; one line naming the file when it
  cannot be read, never a traceback or a line of its content, which may hold a client secret);
- `merge_mapping_file`: a config over the file, tenant by tenant;
- `spread_mappings`: the top-level `mappings` applied to each tenant, whose own sections replace them;
- `NumberedTenants`: the `tenants[]` of a connector that only needs each tenant's numbering (the payments
  connectors), accepting and ignoring destination-xero's other keys so one file serves all of them;
- `prepare` and `describe`: a payments config merged with its mapping file, and its validation errors as
  one message naming each field; `load_config`, the two in the order every payments connector runs them;
- `document_spec`: the same `tenants`, `mappings` and `mapping_file` entries in each payments spec.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from connector_kit.config_files import UnreadableFile, read_yaml_object
from connector_kit.numbering import NumberingMapping
from connector_kit.spec_schema import model_schema

# The keys of a mapping file a payments connector takes; the rest are destination-xero's own.
SHARED_KEYS = ("mappings", "tenants")
# The auth variants pydantic names in an error location of a discriminated union; not a config key.
_UNION_TAGS = ("client_credentials", "refresh_token")


def read_mapping_file(path: str | Path) -> dict[str, Any]:
    """The YAML mapping file as a mapping; `UnreadableFile` ("mapping_file: ...") when it cannot be read."""
    try:
        return read_yaml_object(path, "mapping")
    except UnreadableFile as exc:
        raise UnreadableFile(f"mapping_file: {exc}") from None


def _sections(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _with_file_tenant(own: Any, from_file: dict[str, dict[str, Any]]) -> Any:
    """One tenant of the config over the file's entry with the same tenant_id: the config's keys win, and
    its `mappings` sections replace the file's one by one, so a tenant listed in both keeps the numbering
    the file gives it unless the config gives that tenant a numbering of its own."""
    if not isinstance(own, dict):
        return own
    base = from_file.get(str(own.get("tenant_id", "")).lower())
    if base is None:
        return own
    mappings = {**_sections(base.get("mappings")), **_sections(own.get("mappings"))}
    return {**base, **own, "mappings": mappings}


def merge_mapping_file(data: dict[str, Any], shared: dict[str, Any]) -> dict[str, Any]:
    """The config merged over the mapping file, per tenant (the same rule for every connector reading it).

    Why not the config's `tenants` simply replacing the file's: the file is where each organisation's
    numbering and mappings live; a config that also lists the tenants, as
    the platforms used to require, silently dropped that numbering and every prefixed invoice came back as
    "no Autotask invoice". Precedence: the config's `tenants` list decides which organisations are synced;
    for each, its own section beats a top-level one wherever each is written, and between two of the same
    level the config beats the file. An empty `tenants` or `mappings` (a platform form left blank) is not
    given."""
    given = {k: v for k, v in data.items() if not (k in ("tenants", "mappings") and v in (None, [], {}))}
    merged = {**shared, **given}
    if isinstance(shared.get("mappings"), dict) and isinstance(given.get("mappings"), dict):
        merged["mappings"] = {**shared["mappings"], **given["mappings"]}
    if isinstance(shared.get("tenants"), list) and isinstance(given.get("tenants"), list):
        from_file = {str(t.get("tenant_id", "")).lower(): t for t in shared["tenants"] if isinstance(t, dict)}
        merged["tenants"] = [_with_file_tenant(t, from_file) for t in given["tenants"]]
    return merged


def spread_mappings(raw: dict[str, Any]) -> dict[str, Any]:
    """A top-level `mappings` applied to each tenant; a tenant's own section replaces that whole section.

    A `mappings` that is not a mapping raises ValueError; a tenant's own one that is not is left for the
    model to refuse with its field path."""
    data = dict(raw)
    defaults = data.pop("mappings", None) or {}
    if not isinstance(defaults, dict):
        raise ValueError("mappings: must be a mapping")
    tenants = data.get("tenants")
    if isinstance(tenants, list):
        data["tenants"] = [
            {**t, "mappings": {**defaults, **(t.get("mappings") or {})}}
            if isinstance(t, dict) and isinstance(t.get("mappings") or {}, dict)
            else t
            for t in tenants
        ]
    return data


class TenantNumbering(BaseModel):
    """Only the numbering of a tenant's mappings; destination-xero's other sections are accepted and
    ignored so one mapping file can serve every connector."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="Mappings")
    numbering: NumberingMapping = Field(default_factory=NumberingMapping, title="Numbering")


class NumberedTenant(BaseModel):
    """A Xero organisation fed from Autotask (destination-xero's `route`, `split_number_suffix`... are
    ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="Organisation")
    tenant_id: str = Field(
        min_length=1, title="Tenant ID", description="The organisation's id as listed by Xero's /connections."
    )
    name: str = Field(min_length=1, title="Name", description="The organisation's name, used in logs.")
    mappings: TenantNumbering = Field(default_factory=TenantNumbering)

    @property
    def numbering(self) -> NumberingMapping:
        return self.mappings.numbering


class NumberedTenants(BaseModel):
    """The base of a connector config holding `tenants[]` (unknown top-level keys are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    tenants: list[NumberedTenant] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tenants(self) -> NumberedTenants:
        ids = [t.tenant_id for t in self.tenants]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"tenant_id listed twice: {', '.join(dupes)}")
        return self

    def tenant(self, tenant_id: str) -> NumberedTenant | None:
        """The declared tenant with this id (Xero's ids are GUIDs: compared without case)."""
        wanted = tenant_id.lower()
        return next((t for t in self.tenants if t.tenant_id.lower() == wanted), None)


def prepare(raw: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """A config as its model validates it: merged over its `mapping_file` (only the file's `mappings`
    and `tenants`), without the keys in `drop` (another connector's, accepted so one file serves all),
    and with the top-level `mappings` spread over the tenants. Raises `UnreadableFile` or ValueError."""
    data = dict(raw)
    mapping_file = data.pop("mapping_file", None)
    if mapping_file:
        shared = read_mapping_file(str(mapping_file))
        data = merge_mapping_file(data, {k: v for k, v in shared.items() if k in SHARED_KEYS})
    for key in drop:
        data.pop(key, None)
    if data.get("tenants") is None:
        data.pop("tenants", None)  # reported as missing, by `describe`
    return spread_mappings(data)


_Config = TypeVar("_Config", bound=NumberedTenants)


def load_config(
    model: type[_Config],
    raw: dict[str, Any],
    what: str,
    drop: tuple[str, ...],
    error: Callable[[str], Exception],
) -> _Config:
    """`raw` `prepare`d (`drop`: the other connectors' keys) and validated as `model`.

    Every problem is raised as one `error(message)`, the connector's own ConfigError, saying `invalid
    <what> config:` and each field: an unreadable mapping file in one line naming it, a `mappings` that is
    no mapping, and `describe`'s lines for the model's refusals, never pydantic's own text."""
    try:
        data = prepare(raw, drop)
    except UnreadableFile as exc:
        raise error(f"invalid {what} config:\n  {exc}") from None
    except ValueError as exc:
        raise error(str(exc)) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(describe(exc, what, raw.get("mapping_file"))) from None


def _no_tenants(mapping_file: Any) -> str:
    """`tenants` may come from the config or from `mapping_file` (so no platform spec requires it); when
    neither lists one, the message says both places."""
    where = f"mapping_file {mapping_file} lists none" if mapping_file else "no mapping_file is given"
    return (
        f"required: the config lists no Xero organisation and {where}; list them in `tenants`, or in "
        "the destination-xero mapping file named by `mapping_file`"
    )


def describe(error: ValidationError, what: str, mapping_file: Any = None) -> str:
    """`invalid <what> config:` and one line per problem, each naming its field path."""
    lines = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"] if part not in _UNION_TAGS)
        message = item["msg"]
        if item["loc"] == ("tenants",) and item["type"] in ("missing", "too_short"):
            message = _no_tenants(mapping_file)
        lines.append(f"{where or '<config>'}: {message}")
    return f"invalid {what} config:\n  " + "\n  ".join(lines)


SPEC_DOCS = {
    "tenants": (
        "Xero organisations fed from Autotask",
        "Required unless `mapping_file` lists them; a tenant listed in both keeps the file's numbering "
        "unless it is given its own here.",
    ),
    "mappings": (
        "Mappings for every tenant",
        "numbering: as destination-xero's mappings.numbering (mode autotask | prefix | xero, prefix, "
        "reference_prefix); a tenant's own section replaces it.",
    ),
    "mapping_file": (
        "destination-xero YAML mapping file",
        "Path to destination-xero's YAML file: its tenants and numbering are used; this config's keys win.",
    ),
}


def document_spec(schema: dict[str, Any]) -> None:
    """Add `mappings` and `mapping_file` (taken by `prepare` before the model sees the data) to a spec
    generated from a `NumberedTenants` model, describe the three, and require no `tenants` (it may come
    from `mapping_file`, which no platform can see when it checks required keys)."""
    props = schema["properties"]
    props["mappings"] = model_schema(TenantNumbering)
    props["mapping_file"] = {"type": "string"}
    for name, (title, description) in SPEC_DOCS.items():
        props[name]["title"], props[name]["description"] = title, description
    schema["required"] = [name for name in schema.get("required", []) if name != "tenants"]
