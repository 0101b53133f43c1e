"""source-xero-payments' configuration: one typed model, validated once, errors naming the field.

Why these parts: `auth` and `xero` are xero-client's own models (every connector talking to Xero
authenticates and finds Xero the same way). `tenants` and `mappings.numbering` are those of
destination-xero's mapping file (connector_kit.mapping_files): the source keeps only the Xero invoices that
follow a tenant's numbering (`only_autotask_invoices`), and that must be the numbering they were written
with. A destination-xero config file can therefore be given as `mapping_file`; `tenants` may come from it
alone, and a config listing them too is merged with it tenant by tenant. destination-xero's own keys in a
shared file (`split_policy`, `dry_run`, ...) are accepted and ignored.

Unknown keys are rejected (`extra="forbid"`): a misspelt `start_date` silently ignored would read every
payment since the beginning.
"""

from __future__ import annotations

from typing import Any

import pendulum
from connector_kit.dates import utc_moment
from connector_kit.mapping_files import NumberedTenants, load_config
from pydantic import Field, field_validator
from xero_client.settings import XeroAuth, XeroEndpoints

NAME = "source-xero-payments"
XERO_MAX_PAGE_SIZE = 1000
# destination-xero's keys, accepted so that its config file can be this source's config or mapping file.
XERO_DESTINATION_KEYS = (
    "split_policy",
    "dry_run",
    "rejected_records_path",
    "fail_on_rejections",
    "log_decisions",
)


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem with its field path."""


class SourceConfig(NumberedTenants):
    """source-xero-payments / tap-xero-payments."""

    auth: XeroAuth = Field(
        discriminator="type",
        title="Authentication",
        description="A custom connection (client credentials, one organisation) or a standard Xero app "
        "(refresh token, rotated on every use and persisted before it is used). The token needs "
        "accounting.payments.read and accounting.invoices.read.",
    )
    xero: XeroEndpoints = Field(
        default_factory=XeroEndpoints,
        title="Xero endpoints",
        description="Only for a sandbox or a proxy; leave empty to use Xero.",
    )
    start_date: str | None = Field(
        default=None,
        title="Read changes since",
        description="First run only: payments and invoices changed since this date (YYYY-MM-DD or ISO).",
    )
    page_size: int = Field(
        default=XERO_MAX_PAGE_SIZE,
        ge=1,
        le=XERO_MAX_PAGE_SIZE,
        title="Page size",
        description="Records per Xero page (1000, Xero's largest, costs the fewest calls).",
    )
    only_autotask_invoices: bool = Field(
        default=True,
        title="Only invoices from Autotask",
        description="Emit only the sales invoices that follow a tenant's numbering (written from Autotask).",
    )

    @field_validator("start_date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if utc_moment(str(value)) is None:
            raise ValueError(f"not a date: {value!r}")
        return str(value)

    def start(self) -> pendulum.DateTime | None:
        """`start_date` as a UTC moment (a plain date: its midnight UTC); None when not given."""
        return utc_moment(self.start_date) if self.start_date else None


def load_source_config(raw: dict[str, Any]) -> SourceConfig:
    """The config validated, merged over its `mapping_file`; `ConfigError` names every wrong field."""
    return load_config(SourceConfig, raw, NAME, XERO_DESTINATION_KEYS, ConfigError)
