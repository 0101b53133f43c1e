"""destination-autotask-payments' configuration: one typed model, validated once, errors naming the field.

Why these parts: `autotask` says how to reach the Autotask database (turned into autotask-client's
`Connection`); `tenants` and `mappings.numbering` are those of destination-xero's mapping file
(connector_kit.mapping_files), because the number that matches a Xero invoice back to its Autotask invoice
must be read by the rule it was written with. A destination-xero config file can therefore be given as
`mapping_file`; `tenants` may come from it alone, and a config listing them too is merged with it tenant by
tenant. destination-xero's Xero keys in a shared file (`auth`, `xero`, `split_policy`) are accepted and
ignored.

Unknown keys are rejected (`extra="forbid"`): a misspelt `numbering` key silently ignored would match
payments to the wrong invoices.
"""

from __future__ import annotations

from typing import Any, Literal

from autotask_client.settings import Connection
from connector_kit.mapping_files import NumberedTenants, load_config
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

NAME = "destination-autotask-payments"
# destination-xero's keys, accepted so that its config file can be this destination's mapping file.
XERO_KEYS = ("auth", "xero", "split_policy")


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem with its field path."""


class AutotaskSettings(BaseModel):
    """The Autotask API user and the client's limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str = Field(min_length=1, title="API user name")
    secret: SecretStr = Field(min_length=1, title="API user secret")
    integration_code: SecretStr = Field(min_length=1, title="API tracking identifier (integration code)")
    api_url: str | None = Field(
        default=None, title="REST root", description="Skips the zone lookup (a sandbox or a known zone)."
    )
    zone_lookup_url: str | None = Field(default=None, title="Zone lookup URL")
    threshold_share: float = Field(
        default=0.5,
        ge=0.01,
        le=1,
        title="Share of the hourly threshold",
        description="The share of the database's hourly request threshold this run may use.",
    )
    max_retries: int = Field(default=8, ge=0, le=20, title="Retries of a failed call")
    backoff_base_seconds: float = Field(default=1.0, ge=0, le=60, title="Backoff base (seconds)")

    @field_validator("api_url", "zone_lookup_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not str(value).startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL, got {value!r}")
        return value

    def connection(self) -> Connection:
        """What autotask-client needs; surrounding spaces (a pasted credential) are dropped."""
        extra: dict[str, Any] = {"zone_lookup_url": self.zone_lookup_url} if self.zone_lookup_url else {}
        return Connection(
            username=self.username.strip(),
            secret=self.secret.get_secret_value().strip(),
            integration_code=self.integration_code.get_secret_value().strip(),
            api_url=self.api_url,
            threshold_share=self.threshold_share,
            max_retries=self.max_retries,
            backoff_base_seconds=self.backoff_base_seconds,
            **extra,
        )


class DestinationConfig(NumberedTenants):
    """destination-autotask-payments / target-autotask-payments."""

    autotask: AutotaskSettings = Field(title="Autotask API user")
    default_tenant_id: str | None = Field(
        default=None,
        title="Tenant of records without one",
        description="For records without TenantID (e.g. tap-xero's, one organisation per tap).",
    )
    other_tenants: Literal["reject", "ignore"] = Field(
        default="reject", title="Records of undeclared tenants", description="Rejected, or ignored."
    )
    foreign_invoices: Literal["reject", "ignore"] = Field(
        default="ignore",
        title="Invoices not numbered from Autotask",
        description="Ignored, or rejected: Xero invoices that do not follow the tenant's numbering.",
    )
    stamp_web_service_date: bool = Field(
        default=True,
        title="Stamp webServiceDate",
        description="Set an Autotask invoice's webServiceDate once it is matched in Xero (never moved).",
    )
    dry_run: bool = Field(
        default=False, title="Dry run", description="Decide and log every write without writing."
    )
    rejected_records_path: str | None = Field(
        default=None,
        title="Rejected records file",
        description="JSONL file where every rejected record is appended with the reason.",
    )
    fail_on_rejections: bool = Field(
        default=False,
        title="Fail the sync when records were rejected",
        description="After processing everything, end with an error if any record was rejected.",
    )
    report_path: str | None = Field(
        default=None,
        title="Run report file",
        description="JSON file every run replaces at its end (dry runs and failed runs too): per "
        "organisation the paid dates written, cleared and stamped, partial payments, disagreements and "
        "rejections, and what to do next. `autotask-xero report` renders it as HTML or Markdown.",
    )

    @model_validator(mode="after")
    def _default_declared(self) -> DestinationConfig:
        if self.default_tenant_id and self.tenant(self.default_tenant_id) is None:
            raise ValueError(f"default_tenant_id {self.default_tenant_id} is not one of tenants[]")
        return self


def load_destination_config(raw: dict[str, Any]) -> DestinationConfig:
    """The config validated, merged over its `mapping_file`; `ConfigError` names every wrong field."""
    return load_config(DestinationConfig, raw, NAME, XERO_KEYS, ConfigError)
