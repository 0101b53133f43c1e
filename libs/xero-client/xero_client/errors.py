"""What a failed Xero call becomes: one exception per thing the caller does differently, and Xero's reasons.

Why these classes: a caller stops the whole run on `AuthError` (the app cannot authenticate at all),
drops one organisation on `TenantAccessError`, checkpoints and stops on `DailyLimitReached`, and rejects
one document on any other `XeroError`. Messages carry the status, Xero's problem text and its validation
messages, because that is what an admin needs to fix a mapping; they never carry headers, tokens or
secrets, because they end up in logs and platform UIs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests


class XeroError(Exception):
    """A Xero call failed; `messages` holds Xero's own messages (validation errors), never secrets."""

    def __init__(self, message: str, status: int | None = None, messages: list[str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.messages = messages or []


class AuthError(XeroError):
    """The app cannot authenticate at all (token endpoint refused): fatal for the whole run."""


class TenantAccessError(XeroError):
    """401/403 from the Accounting API with a fresh token: this organisation is disconnected or forbids it."""


class DailyLimitReached(XeroError):
    """Xero's day limit for one organisation is spent: retrying today only burns time, so the run stops."""

    def __init__(self, tenant_id: str, retry_after: float | None) -> None:
        wait = f"; Xero allows calls again in {int(retry_after)} s" if retry_after else ""
        super().__init__(f"daily call limit reached for tenant {tenant_id}{wait}", 429)
        self.tenant_id = tenant_id
        self.retry_after = retry_after


def validation_messages(element: Mapping[str, Any]) -> list[str]:
    """Xero's `ValidationErrors` and `Warnings` messages of one element of a batch answer."""
    messages = []
    for key in ("ValidationErrors", "Warnings"):
        for item in element.get(key) or []:
            if isinstance(item, Mapping) and item.get("Message"):
                messages.append(str(item["Message"]))
    return messages


def api_error(method: str, path: str, status: int, body: Any) -> XeroError:
    """The exception for an Accounting API answer of `status` >= 400, worded from Xero's own body.

    Only the path is named, never the query string: a query may carry document numbers and contact
    names, which are the organisation's data, not the reason the call failed."""
    messages: list[str] = []
    summary = ""
    if isinstance(body, Mapping):
        summary = str(body.get("Message") or body.get("Detail") or body.get("Title") or "")
        for element in body.get("Elements") or []:
            if isinstance(element, Mapping):
                messages.extend(validation_messages(element))
    elif isinstance(body, str):
        summary = body[:200]
    text = f"{method} {path.split('?')[0]} failed: HTTP {status}"
    if summary:
        text += f" {summary}"
    if messages:
        text += ": " + "; ".join(messages)
    cls = TenantAccessError if status in (401, 403) else XeroError
    return cls(text, status, messages or ([summary] if summary else []))


def token_error(response: requests.Response) -> str:
    """The OAuth `error` code of a token-endpoint refusal (bounded; its description may echo input)."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        code = str(body.get("error", ""))[:64]
        return code or f"HTTP {response.status_code}"
    return f"HTTP {response.status_code}"
