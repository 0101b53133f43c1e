"""What the Xero client needs to be told: which grant, which credentials, which endpoints.

Why here and not in a connector's config: every connector that talks to Xero (the invoice destination, the
payments source) authenticates the same way and paces itself by the same window, so the models are the
library's; each connector's own config embeds them under `auth` and `xero`. They are pydantic models,
frozen and `extra="forbid"`, because they arrive from user-written config files: a misspelt key is refused
with its field path instead of being silently ignored.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

XERO_API_URL = "https://api.xero.com/api.xro/2.0"
XERO_IDENTITY_URL = "https://identity.xero.com"
XERO_CONNECTIONS_URL = "https://api.xero.com/connections"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClientCredentialsAuth(_Model):
    """A custom connection: one organisation, no consent, no refresh token to keep."""

    type: Literal["client_credentials"]
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    scopes: str | None = None


class RefreshTokenAuth(_Model):
    """A standard app: consent once (`xero-auth`), then a refresh token Xero rotates on every use."""

    type: Literal["refresh_token"]
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    refresh_token: SecretStr | None = None
    token_store_path: str | None = None
    scopes: str | None = None

    @model_validator(mode="after")
    def _needs_a_token_source(self) -> RefreshTokenAuth:
        if self.refresh_token is None and self.token_store_path is None:
            raise ValueError("refresh_token auth needs refresh_token or token_store_path (or both)")
        return self


XeroAuth = ClientCredentialsAuth | RefreshTokenAuth


class XeroEndpoints(_Model):
    """Where Xero is: the real one by default, a sandbox or a proxy when overridden."""

    api_url: str = XERO_API_URL
    identity_url: str = XERO_IDENTITY_URL
    connections_url: str | None = None
    # Xero allows 60 calls per tenant per minute; the client paces itself by this window. Only a sandbox
    # started with scaled limits (`sandbox up --rate-limits scaled:F`, windows F times shorter) needs less.
    minute_window_seconds: float = Field(default=60.0, gt=0, le=60.0)

    def connections(self) -> str:
        """The `/connections` URL: Xero's own for the real API, else beside the (sandbox) identity server."""
        if self.connections_url:
            return self.connections_url
        if self.api_url == XERO_API_URL:
            return XERO_CONNECTIONS_URL
        return self.identity_url.rstrip("/") + "/connections"


class XeroSettings(Protocol):
    """What `XeroClient` reads from a connector's config: its `auth` and `xero` sections, nothing else.

    A Protocol so a connector passes its own config object as it is (the library never imports a
    connector), and `ClientSettings` builds one from the two parts when there is no config object."""

    @property
    def auth(self) -> XeroAuth: ...

    @property
    def xero(self) -> XeroEndpoints: ...


class ClientSettings(_Model):
    """The two sections on their own, for callers that have no connector config (tools, tests)."""

    auth: XeroAuth = Field(discriminator="type")
    xero: XeroEndpoints = Field(default_factory=XeroEndpoints)
