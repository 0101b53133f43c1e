"""Credentials the sandbox issues at start-up (fresh on every run, printed only in the ready line)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class AutotaskCredentials:
    username: str
    secret: str
    integration_code: str


@dataclass(frozen=True)
class XeroCredentials:
    """A standard OAuth2 app, plus a separate custom-connection app (client-credentials, one tenant)."""

    client_id: str
    client_secret: str
    custom_client_id: str
    custom_client_secret: str

    @classmethod
    def generate(cls) -> XeroCredentials:
        return cls(
            client_id=secrets.token_hex(16).upper(),
            client_secret=secrets.token_urlsafe(36),
            custom_client_id=secrets.token_hex(16).upper(),
            custom_client_secret=secrets.token_urlsafe(36),
        )
