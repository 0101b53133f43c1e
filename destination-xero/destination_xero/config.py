"""The destination's configuration: one typed model, validated once at start, errors naming the field.

Why pydantic: airbyte-cdk already installs it, and its error locations (`tenants.1.mappings.tax.default`)
are exactly the "name the field" messages an admin needs when a YAML mapping file has a typo. Unknown keys
are rejected (`extra="forbid"`): a misspelt mapping key silently ignored would send documents with the
wrong tax or account, which is worse than refusing to start.

Shape (see catalogs/destination-xero/config.example.yaml):
- `auth`: `client_credentials` (custom connection) or `refresh_token` (standard app) with a
  `token_store_path` where every rotated refresh token is persisted before it is used.
- `mappings`: defaults for every tenant; a tenant's own `mappings` replace whole sections (tax, accounts...)
  so a section is always read from one place.
- `tenants[]`: `tenant_id`, `name`, `route` rules (`lines_of_business`, `branches`, `company_udf`,
  `company_ids`, `currencies`, `default`), optional `mappings`, `split_number_suffix`.
- `split_policy`: `split` (one document per tenant) or `reject` when an invoice's lines route to
  different tenants.
- `mapping_file` (a YAML file) or `mapping_yaml` (its text, pasted into a form): tenants and mappings
  under the config (`with_mapping_sources`);
- `dry_run`, `rejected_records_path`, `fail_on_rejections`, `report_path` (the run report every run
  writes at its end, dry runs and failed runs included: report.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from connector_kit.config_files import UnreadableFile, read_json_object, read_yaml_object, without_bom
from connector_kit.mapping_files import merge_mapping_file as merge_mapping_file
from connector_kit.numbering import NumberingMapping as NumberingMapping
from pydantic import Field, ValidationError, model_validator
from xero_client.settings import XERO_API_URL as XERO_API_URL
from xero_client.settings import XERO_CONNECTIONS_URL as XERO_CONNECTIONS_URL
from xero_client.settings import XERO_IDENTITY_URL as XERO_IDENTITY_URL
from xero_client.settings import ClientCredentialsAuth as ClientCredentialsAuth
from xero_client.settings import RefreshTokenAuth as RefreshTokenAuth
from xero_client.settings import XeroEndpoints as XeroEndpoints

from .config_mappings import (
    AccountMapping as AccountMapping,
)
from .config_mappings import (
    AttachmentMapping as AttachmentMapping,
)
from .config_mappings import (
    BrandingMapping as BrandingMapping,
)
from .config_mappings import (
    ContactMapping as ContactMapping,
)
from .config_mappings import (
    CurrencyMapping as CurrencyMapping,
)
from .config_mappings import (
    InventoryMapping as InventoryMapping,
)
from .config_mappings import (
    ItemMapping as ItemMapping,
)
from .config_mappings import (
    Mappings as Mappings,
)
from .config_mappings import (
    MatchRule as MatchRule,
)
from .config_mappings import (
    PurchaseOrderMapping as PurchaseOrderMapping,
)
from .config_mappings import (
    RoundingMapping as RoundingMapping,
)
from .config_mappings import (
    SkipRules as SkipRules,
)
from .config_mappings import (
    StatusMapping as StatusMapping,
)
from .config_mappings import (
    StrictModel as StrictModel,
)
from .config_mappings import (
    TaxMapping as TaxMapping,
)
from .config_mappings import (
    TrackingMapping as TrackingMapping,
)
from .config_mappings import (
    TrackingSource as TrackingSource,
)
from .config_mappings import (
    UdfRule as UdfRule,
)
from .config_mappings import (
    XeroStatus as XeroStatus,
)

# The granular set (apps created on or after 2 March 2026 are refused accounting.transactions; scopes.py)
DEFAULT_SCOPES = "offline_access accounting.invoices accounting.contacts accounting.settings"


class ConfigError(ValueError):
    """The configuration is invalid; the message lists every problem with the field path."""


class Route(StrictModel):
    """Rules are OR-ed: a line goes to this tenant when any rule matches (case-insensitive names).
    `branches` (organizational level 1) and `lines_of_business` (level 2) are per-line rules; the others
    are the document's (routing.py says how each applies to purchase orders)."""

    lines_of_business: list[str] = Field(default_factory=list)
    branches: list[str] = Field(default_factory=list)
    company_udf: UdfRule | None = None
    company_ids: list[int] = Field(default_factory=list)
    currencies: list[str] = Field(default_factory=list)
    default: bool = False

    def is_empty(self) -> bool:
        return not (
            self.lines_of_business or self.branches or self.company_udf or self.company_ids or self.currencies
        )


class Tenant(StrictModel):
    tenant_id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    route: Route = Field(default_factory=Route)
    mappings: Mappings = Field(default_factory=Mappings)
    split_number_suffix: str = ""
    base_currency: str | None = None  # else read from the organisation


class RunLockSettings(StrictModel):
    """One run at a time per Xero organisation on this host (run_lock.py says why and how)."""

    enabled: bool = True
    directory: str | None = Field(
        default=None, description="Where the lock files live; default: the system's temporary directory."
    )
    wait_seconds: float = Field(
        default=600,
        ge=0,
        description="How long a run waits for the previous one to finish before it stops without writing.",
    )


DEFAULT_INVOICE_URL = (
    "https://autotask.net/Autotask/AutotaskExtend/ExecuteCommand.aspx?Code=OpenInvoice&InvoiceID={id}"
)


class Config(StrictModel):
    auth: ClientCredentialsAuth | RefreshTokenAuth = Field(discriminator="type")
    xero: XeroEndpoints = Field(default_factory=XeroEndpoints)
    tenants: list[Tenant] = Field(min_length=1)
    split_policy: Literal["split", "reject"] = "reject"
    dry_run: bool = False
    rejected_records_path: str | None = None
    fail_on_rejections: bool = True
    log_decisions: bool = Field(
        default=False,
        description="Log one line per document decided (created, updated, skipped, rejected) on real runs "
        "too; dry runs always log them, payloads included. Off by default: a month of invoices is then not "
        "a month of log lines, and what did not land is in the rejected records file and the run report.",
    )
    report_path: str | None = Field(
        default=None,
        description="Where every run writes its run report (JSON, schema_version 1), replaced each run; "
        "`autotask-xero report` renders it as HTML or Markdown.",
    )
    run_lock: RunLockSettings = Field(default_factory=RunLockSettings)
    autotask_invoice_url: str = Field(
        default=DEFAULT_INVOICE_URL,
        pattern=r"^https?://[^\s]+\{id\}[^\s]*$",
        description="The link each Xero invoice carries to its Autotask invoice ({id} = the Autotask id); it "
        "is also how a renumbered invoice is found again. Set it once, to your zone's web address.",
    )

    @model_validator(mode="after")
    def _tenants_consistent(self) -> Config:
        ids = [t.tenant_id for t in self.tenants]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"tenant_id listed twice: {', '.join(dupes)}")
        defaults = [t.name for t in self.tenants if t.route.default]
        if len(defaults) > 1:
            raise ValueError(f"only one tenant may be the default route (found: {', '.join(defaults)})")
        for t in self.tenants:
            if t.route.is_empty() and not t.route.default and len(self.tenants) > 1:
                raise ValueError(f"tenant {t.name!r} has no route rule and is not the default")
        return self

    def tenant(self, tenant_id: str) -> Tenant:
        for t in self.tenants:
            if t.tenant_id == tenant_id:
                return t
        raise KeyError(tenant_id)


def _merge_mappings(raw: dict[str, Any]) -> dict[str, Any]:
    """Apply the top-level `mappings` to each tenant; a tenant's section replaces that whole section."""
    data = dict(raw)
    defaults = data.pop("mappings", None) or {}
    if not isinstance(defaults, dict):
        raise ConfigError("mappings: must be a mapping")
    tenants = data.get("tenants")
    if isinstance(tenants, list):
        merged = []
        for tenant in tenants:
            if isinstance(tenant, dict):
                own = tenant.get("mappings") or {}
                if not isinstance(own, dict):
                    own = {}
                tenant = {**tenant, "mappings": {**defaults, **own}}
            merged.append(tenant)
        data["tenants"] = merged
    return data


def _report(problems: list[str]) -> str:
    return "invalid destination-xero config:\n  " + "\n  ".join(problems)


def _problems(error: ValidationError, prefix: tuple[str, ...] = ()) -> list[str]:
    lines = []
    for item in error.errors():
        skip = ("client_credentials", "refresh_token")
        where = ".".join(str(part) for part in (*prefix, *item["loc"]) if part not in skip)
        lines.append(f"{where or '<config>'}: {item['msg']}")
    return lines


def mapping_text(text: str) -> dict[str, Any]:
    """`mapping_yaml`: a mapping file pasted into a form (YAML, so JSON too), as a dict; a text that does
    not parse is one line naming the field and the line, never the text (it may hold a pasted secret)."""
    try:
        loaded = yaml.safe_load(without_bom(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not YAML"
        raise ConfigError(f"mapping_yaml: not YAML or JSON{where}: {problem}") from None
    if not isinstance(loaded, dict) or not loaded:
        raise ConfigError("mapping_yaml: must hold a mapping (tenants, mappings) at the top level")
    return loaded


def with_mapping_sources(raw: Mapping[str, Any]) -> dict[str, Any]:
    """The config merged over its `mapping_yaml` text, then over its `mapping_file`, each exactly as a
    mapping file is (`merge_mapping_file`): pasting the file's text or naming the file is the same."""
    data = dict(raw)
    mapping_file = data.pop("mapping_file", None)
    text = data.pop("mapping_yaml", None)
    if text:
        data = merge_mapping_file(data, mapping_text(str(text)))
    if mapping_file:
        data = merge_mapping_file(data, load_yaml(mapping_file))
    return data


def load_config(raw: dict[str, Any]) -> Config:
    """Validate a platform config dict; a `mapping_file` key (YAML) and a `mapping_yaml` text are merged
    under it, tenant by tenant (`with_mapping_sources`)."""
    data = with_mapping_sources(raw)
    problems: list[str] = []
    defaults = data.get("mappings")
    if isinstance(defaults, dict):
        # Checked on their own too: a typo in a default section every tenant overrides would otherwise
        # never reach validation, and the user would believe the misspelt rule applies somewhere.
        try:
            Mappings.model_validate(defaults)
        except ValidationError as exc:
            problems += _problems(exc, prefix=("mappings",))
    try:
        config = Config.model_validate(_merge_mappings(data))
    except ValidationError as exc:
        problems += _problems(exc)
    if problems:
        raise ConfigError(_report(problems))
    return config


def load_yaml(path: str | Path) -> dict[str, Any]:
    """A YAML mapping file (or the YAML config itself) as a dict; a byte-order mark is dropped, and a
    file that cannot be read, is not YAML, or maps nothing is one line naming the file and the cause."""
    try:
        loaded = read_yaml_object(path, "mapping")
    except UnreadableFile as exc:
        raise ConfigError(f"mapping_file: {exc}") from None
    if not loaded:  # an empty file: a mapping file that maps nothing is a wrong path, not a choice
        raise ConfigError(f"mapping_file: {path} must hold a mapping at the top level")
    return loaded


def load_config_file(path: str | Path) -> Config:
    return load_config(load_yaml(path))


def read_config_file(path: str | Path) -> dict[str, Any]:
    """A JSON config file as an object. A UTF-8 byte-order mark (Windows editors add one) is accepted;
    anything else wrong is one line naming the file and the cause, never a traceback."""
    try:
        return read_json_object(path, "config")
    except UnreadableFile as exc:
        raise ConfigError(str(exc)) from None
