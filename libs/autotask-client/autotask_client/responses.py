"""Reading Autotask's answers: which failures are worth a retry, which are the user's to fix, and why.

Why a module of its own: Autotask answers transient faults and validation failures alike with HTTP 500,
so telling them apart takes a list of phrases, and every caller (reads, writes) must draw the line in the
same place. Choices where the sources are silent or unconfirmed (safer for the user):
- HTTP 500 is retried unless its `errors` text is clearly permanent (unknown field, permissions, bad
  MaxRecords, invalid user).
- `Itgenatr005` (thread threshold) is retried whatever the status it arrives with.
- A 429 honours `Retry-After` when present (its use by Autotask is unconfirmed), capped at five minutes.
- Every message is redacted before it is put in an error, so a secret echoed back never leaves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from connector_kit.exact_json import loads

from .errors import AuthenticationError, AutotaskApiError, PermissionDeniedError

THREAD_LIMIT_CODE = "itgenatr005"
MAX_RETRY_AFTER_SECONDS = 300.0
PERMANENT_500_MARKERS = (
    "unable to find",
    "permission",
    "maxcountofrecordstoreturn",
    "must be between",
    "invalid user",
    "invalid integration",
    "integration code",
    "not authorized",
    "unauthorized",
    "unable to authenticate",
    "authentication",
    "apiintegrationcode",
    "tracking identifier",
    "could not be determined",
    "paging token",
    "malformed",
    "does not match",
    "not supported",
    "includefields",
    "search parameter",
)


class RetryableError(Exception):
    """A failure another attempt may cure; carries the error to raise once the attempts run out."""

    def __init__(self, error: AutotaskApiError, retry_after: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


def parse_json(text: str) -> Any:
    """Floats would round 4-decimal money: every JSON number with a point is a Decimal."""
    return loads(text)


def interpret(
    response: requests.Response,
    entity: str,
    what: str,
    *,
    redact: Callable[[str], str],
    on_unauthorized: Callable[[], None],
) -> Any:
    """The JSON payload of a success, else the typed error (`RetryableError` when worth another try).

    `on_unauthorized` runs on a 401 before it is raised: the database may have moved zones."""
    status = response.status_code
    text = response.text or ""
    try:
        payload = parse_json(text) if text.strip() else None
    except ValueError:
        payload = None
    if 200 <= status < 300:
        if payload is None and text.strip():
            error = AutotaskApiError(
                f"Autotask {entity} {what}: unreadable JSON body (status {status})",
                status=status,
                entity=entity,
                transient=True,
            )
            raise RetryableError(error)
        return payload
    messages = error_messages(payload, text)
    summary = redact("; ".join(messages) or f"HTTP {status}")
    message = f"Autotask {entity} {what} failed with HTTP {status}: {summary}"
    lowered = summary.lower()
    if THREAD_LIMIT_CODE in lowered or status == 429:
        raise RetryableError(
            AutotaskApiError(message, status=status, entity=entity, messages=messages, transient=True),
            retry_after(response),
        )
    if status == 401:
        on_unauthorized()
        raise AuthenticationError(
            message + " (the API user's secret was refused; check `secret`)",
            status=status,
            entity=entity,
            messages=messages,
        )
    if status == 403 or "permission" in lowered:
        raise PermissionDeniedError(
            message + f" (the API user's security level must allow reading {entity})",
            status=status,
            entity=entity,
            messages=messages,
        )
    if status >= 500 and not any(marker in lowered for marker in PERMANENT_500_MARKERS):
        raise RetryableError(
            AutotaskApiError(message, status=status, entity=entity, messages=messages, transient=True)
        )
    if entity == "zoneInformation" or (
        status == 500 and any(word in lowered for word in ("user", "integration", "authenticat"))
    ):
        raise AuthenticationError(
            message + " (check `username` and `integration_code`)",
            status=status,
            entity=entity,
            messages=messages,
        )
    raise AutotaskApiError(message, status=status, entity=entity, messages=messages)


def error_messages(payload: Any, text: str) -> tuple[str, ...]:
    """The messages of an error body (`errors` list, else a `message`), else its first 300 characters."""
    if isinstance(payload, dict):
        errors = payload.get("errors")
        if isinstance(errors, list):
            out = []
            for item in errors:
                if isinstance(item, dict):
                    out.append(" ".join(str(v) for v in (item.get("message"), item.get("field")) if v))
                else:
                    out.append(str(item))
            return tuple(out)
        for key in ("message", "Message", "error"):
            if isinstance(payload.get(key), str):
                return (payload[key],)
    return (text[:300],) if text.strip() else ()


def retry_after(response: requests.Response) -> float | None:
    """The `Retry-After` seconds of a refusal, capped; None when absent or not a number."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return None
