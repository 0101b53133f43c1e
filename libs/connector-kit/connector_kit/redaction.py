"""Secret redaction for every message a connector writes (logs, errors, rejected records, reports).

Why by value rather than by field name: a secret leaks through the places nobody listed (a vendor echoing
a header in its error body, an exception's repr). Replacing each known secret's text wherever it appears
catches those too. Values shorter than four characters are left alone: masking "a" or "12" would mangle
ordinary text and protect nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

MASK = "***"
MIN_SECRET_LENGTH = 4


class Redactor:
    """Masks the current secrets; `secrets` is called each time, so rotated tokens are masked too."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        self._secrets = secrets

    def clean(self, text: str) -> str:
        return redact(text, self._secrets())

    def clean_all(self, lines: Iterable[str]) -> list[str]:
        secrets = [s for s in self._secrets() if s and len(s) >= MIN_SECRET_LENGTH]
        return [redact(line, secrets) for line in lines]


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret of four characters or more replaced by `***` (longest first, so a secret
    that contains another is masked whole)."""
    for secret in sorted((s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH), key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
