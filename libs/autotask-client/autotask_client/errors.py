"""Errors a user can act on: each names the entity, the query or record, and the cause, never a secret.

Only what the API answers lives here; a connector's own errors (its config, its records) subclass
`AutotaskError` in the connector, so one `except AutotaskError` still catches everything raised on purpose.
"""

from __future__ import annotations


class AutotaskError(Exception):
    """Base class for everything the client (and the connectors built on it) raise on purpose."""


class AutotaskApiError(AutotaskError):
    """Autotask answered with an error (after retries, when the error was transient)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        entity: str | None = None,
        messages: tuple[str, ...] = (),
        transient: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.entity = entity
        self.messages = messages
        self.transient = transient


class AuthenticationError(AutotaskApiError):
    """The username, secret or integration code was refused."""


class PermissionDeniedError(AutotaskApiError):
    """The API user may not read an entity a selected stream needs."""
