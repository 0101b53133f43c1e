"""Configuration of both payments connectors: one typed model each, validated once, errors naming the field.

Why it reuses destination-xero's models: the numbering rule that matches a Xero invoice back to its Autotask
invoice must be the one used on the way out, so `mappings.numbering` (mode `autotask` | `prefix` | `xero`,
`prefix`, `reference_prefix`) is destination-xero's own `NumberingMapping`: same names, same defaults, and a
top-level `mappings` applies to every tenant unless the tenant has its own, exactly as in destination-xero.
A destination-xero config file can therefore be given as `mapping_file` here; `tenants` may come from it
alone, and a config listing them too is merged with it tenant by tenant (destination-xero's
`merge_mapping_file`).

Unknown keys are rejected (`extra="forbid"`): a misspelt `numbering` key silently ignored would match
payments to the wrong invoices.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pendulum
from destination_xero.config import (
    ClientCredentialsAuth,
    NumberingMapping,
    RefreshTokenAuth,
    XeroEndpoints,
    load_yaml,
    merge_mapping_file,
)
from destination_xero.config import Config as XeroConfig
from destination_xero.config import ConfigError as XeroConfigError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

XERO_MAX_PAGE_SIZE = 1000


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem with its field path."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TenantMappings(_Model):
    """Only the numbering matters here; other destination-xero sections are accepted and ignored so one
    mapping file can serve both connectors."""

    model_config = ConfigDict(extra="ignore", frozen=True)
    numbering: NumberingMapping = Field(default_factory=NumberingMapping)


class PaymentsTenant(_Model):
    model_config = ConfigDict(
        extra="ignore", frozen=True
    )  # route, split_number_suffix... of destination-xero
    tenant_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    mappings: TenantMappings = Field(default_factory=TenantMappings)

    @property
    def numbering(self) -> NumberingMapping:
        return self.mappings.numbering


class _WithTenants(_Model):
    tenants: list[PaymentsTenant] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_tenants(self) -> _WithTenants:
        ids = [t.tenant_id for t in self.tenants]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"tenant_id listed twice: {', '.join(dupes)}")
        return self

    def tenant(self, tenant_id: str) -> PaymentsTenant | None:
        wanted = tenant_id.lower()
        return next((t for t in self.tenants if t.tenant_id.lower() == wanted), None)


class SourceConfig(_WithTenants):
    """source-xero-payments / tap-xero-payments."""

    auth: ClientCredentialsAuth | RefreshTokenAuth = Field(discriminator="type")
    xero: XeroEndpoints = Field(default_factory=XeroEndpoints)
    start_date: str | None = None
    page_size: int = Field(default=XERO_MAX_PAGE_SIZE, ge=1, le=XERO_MAX_PAGE_SIZE)
    only_autotask_invoices: bool = True

    @field_validator("start_date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        try:
            parsed = pendulum.parse(str(value), tz="UTC")
        except (ValueError, pendulum.parsing.exceptions.ParserError):
            raise ValueError(f"not a date: {value!r}") from None
        if not isinstance(parsed, pendulum.DateTime | pendulum.Date):
            raise ValueError(f"not a date: {value!r}")
        return str(value)

    def start(self) -> pendulum.DateTime | None:
        if not self.start_date:
            return None
        parsed = pendulum.parse(self.start_date, tz="UTC")
        if isinstance(parsed, pendulum.DateTime):
            return parsed.in_timezone("UTC")
        assert isinstance(parsed, pendulum.Date)
        return pendulum.datetime(parsed.year, parsed.month, parsed.day, tz="UTC")

    def xero_config(self) -> XeroConfig:
        """The config destination-xero's client expects (only auth, endpoints and tenant ids are read)."""
        return XeroConfig.model_validate(
            {
                "auth": self.auth,
                "xero": self.xero,
                "tenants": [
                    # routing is irrelevant to reads; each tenant gets a placeholder rule to satisfy the model
                    {
                        "tenant_id": t.tenant_id,
                        "name": t.name,
                        "route": {"default": i == 0, "company_ids": [-1]},
                    }
                    for i, t in enumerate(self.tenants)
                ],
            }
        )


class AutotaskSettings(_Model):
    username: str = Field(min_length=1)
    secret: SecretStr
    integration_code: SecretStr
    api_url: str | None = None
    zone_lookup_url: str | None = None
    threshold_share: float = Field(default=0.5, gt=0, le=1)
    max_retries: int = Field(default=8, ge=0, le=20)
    backoff_base_seconds: float = Field(default=1.0, ge=0, le=60)

    def source_config(self) -> Any:
        """source-autotask's own config object, so its client is reused unchanged."""
        from source_autotask.config import SourceConfig as AutotaskSourceConfig

        raw: dict[str, Any] = {
            "username": self.username,
            "secret": self.secret.get_secret_value(),
            "integration_code": self.integration_code.get_secret_value(),
            "threshold_share": self.threshold_share,
            "max_retries": self.max_retries,
            "backoff_base_seconds": self.backoff_base_seconds,
        }
        if self.api_url:
            raw["api_url"] = self.api_url
        if self.zone_lookup_url:
            raw["zone_lookup_url"] = self.zone_lookup_url
        return AutotaskSourceConfig.from_mapping(raw)


class DestinationConfig(_WithTenants):
    """destination-autotask-payments / target-autotask-payments."""

    autotask: AutotaskSettings
    default_tenant_id: str | None = None  # for records without TenantID (e.g. tap-xero's, one org per tap)
    other_tenants: Literal["reject", "ignore"] = "reject"
    foreign_invoices: Literal["reject", "ignore"] = "ignore"
    stamp_web_service_date: bool = True
    dry_run: bool = False
    rejected_records_path: str | None = None
    fail_on_rejections: bool = False

    @model_validator(mode="after")
    def _default_declared(self) -> DestinationConfig:
        if self.default_tenant_id and self.tenant(self.default_tenant_id) is None:
            raise ValueError(f"default_tenant_id {self.default_tenant_id} is not one of tenants[]")
        return self


def _merge_mappings(raw: dict[str, Any]) -> dict[str, Any]:
    """A top-level `mappings` applies to each tenant; a tenant's own section replaces it (destination-xero's
    rule)."""
    data = dict(raw)
    defaults = data.pop("mappings", None) or {}
    if not isinstance(defaults, dict):
        raise ConfigError("mappings: must be a mapping")
    tenants = data.get("tenants")
    if isinstance(tenants, list):
        data["tenants"] = [
            {**t, "mappings": {**defaults, **(t.get("mappings") or {})}} if isinstance(t, dict) else t
            for t in tenants
        ]
    return data


_XERO_ONLY = ("split_policy", "dry_run", "rejected_records_path", "fail_on_rejections")
_AUTH_KEYS = ("auth", "xero")


def _read_mapping_file(path: str, what: str) -> dict[str, Any]:
    """The `mappings` and `tenants` of destination-xero's YAML file (the rest is destination-xero's own)."""
    try:
        loaded = load_yaml(Path(path))
    except XeroConfigError as exc:
        raise ConfigError(f"invalid {what} config:\n  {exc}") from None
    return {k: v for k, v in loaded.items() if k in ("mappings", "tenants")}


def _no_tenants(mapping_file: Any) -> str:
    """`tenants` may come from the config or from `mapping_file` (so neither platform spec requires it);
    when neither lists one, the message says both places."""
    where = f"mapping_file {mapping_file} lists none" if mapping_file else "no mapping_file is given"
    return (
        f"required: the config lists no Xero organisation and {where}; list them in `tenants`, or in "
        "the destination-xero mapping file named by `mapping_file`"
    )


def _prepare(raw: dict[str, Any], drop: tuple[str, ...], what: str) -> dict[str, Any]:
    data = dict(raw)
    mapping_file = data.pop("mapping_file", None)
    if mapping_file:
        data = merge_mapping_file(data, _read_mapping_file(str(mapping_file), what))
    for key in drop:
        data.pop(key, None)
    if data.get("tenants") is None:
        data.pop("tenants", None)  # reported as missing, by `_format`
    return _merge_mappings(data)


def _format(error: ValidationError, what: str, mapping_file: Any = None) -> str:
    lines = []
    for item in error.errors():
        skip = ("client_credentials", "refresh_token")
        where = ".".join(str(part) for part in item["loc"] if part not in skip)
        message = item["msg"]
        if item["loc"] == ("tenants",) and item["type"] in ("missing", "too_short"):
            message = _no_tenants(mapping_file)
        lines.append(f"{where or '<config>'}: {message}")
    return f"invalid {what} config:\n  " + "\n  ".join(lines)


def load_source_config(raw: dict[str, Any]) -> SourceConfig:
    what = "source-xero-payments"
    try:
        return SourceConfig.model_validate(_prepare(raw, _XERO_ONLY, what))
    except ValidationError as exc:
        raise ConfigError(_format(exc, what, raw.get("mapping_file"))) from None


def load_destination_config(raw: dict[str, Any]) -> DestinationConfig:
    what = "destination-autotask-payments"
    try:
        return DestinationConfig.model_validate(_prepare(raw, (*_AUTH_KEYS, "split_policy"), what))
    except ValidationError as exc:
        raise ConfigError(_format(exc, what, raw.get("mapping_file"))) from None
