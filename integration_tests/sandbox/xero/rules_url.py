"""The Invoice `Url` element: a link back to the source document, shown as "Go to [appName]" in Xero.

Why a rule of its own: the connectors put the Autotask invoice's address here, and a link Xero refuses
fails the whole invoice, so the sandbox must refuse exactly the links Xero would.

What Xero documents: the OpenAPI spec (16.1.0) types `Url` as a plain string on Invoice (and on
BankTransaction, RepeatingInvoice and Quote), with no format and no maxLength; CreditNote and
PurchaseOrder have no `Url`, so one sent there is an unknown element (schema.py answers that with
PostDataInvalidException "The element 'Url' was not recognised.", as for any other unknown element).

Choices (UNCONFIRMED: no source states Xero's Url rule; each is the nearest confirmed Xero behaviour):
- the value must be an absolute http or https URL with a host: scheme `http`/`https` (any case),
  `//host`, an optional valid port, no whitespace or control characters, none of the characters RFC 3986
  never allows unescaped (`"` `<` `>` `\\` `^` backtick `{` `|` `}`) and every `%` followed by two hex
  digits. Xero's sibling rule is confirmed: a contact Website without `http://` or `https://` is refused
  with "Website must be valid." (XeroAPI/Xero-NetStandard#434, confirmed by Xero staff at the API level),
  so the same check and the same wording are used here: "Url must be valid." A relative link, `ftp:`,
  `mailto:` or `javascript:` is refused;
- at most 255 characters, counted as .NET counts them (UTF-16 code units; see rules_common), with
  "Url cannot be more than 255 characters.": 255 is the limit Xero's spec gives its other free-text
  reference elements (InvoiceNumber, Reference, Contact Name, EmailAddress). The strict choice is the
  safe one for users: a connector that keeps its links short works whatever Xero's real limit is, while
  one that relies on a longer limit would fail only in production;
- an empty string is accepted and stored as sent (no link), as Xero keeps empty text elements;
- both errors are element ValidationErrors (HTTP 400 ValidationException, or the element's
  ValidationErrors with summarizeErrors=false): the body deserialises, the value is what is refused.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .rules_common import too_long

MAX_URL_LENGTH = 255
INVALID_URL = "Url must be valid."
TOO_LONG_URL = f"Url cannot be more than {MAX_URL_LENGTH} characters."

_FORBIDDEN = re.compile(r'[\x00-\x20\x7f-\x9f"<>\\^`{|}]|\s')
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_HOST = re.compile(r"[^/?#@:\[\]]+|\[[0-9A-Fa-f:.]+\]")


def url_errors(value: Any) -> list[str]:
    """The ValidationErrors Xero gives for an invoice Url (none for an acceptable one)."""
    if value is None:
        return []
    text = str(value)
    if text == "":
        return []
    if too_long(text, MAX_URL_LENGTH):
        return [TOO_LONG_URL]
    return [] if is_absolute_http_url(text) else [INVALID_URL]


def is_absolute_http_url(text: str) -> bool:
    if _FORBIDDEN.search(text) or _BAD_ESCAPE.search(text):
        return False
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not text[len(parts.scheme) :].startswith("://"):
        return False
    host = parts.netloc.rpartition("@")[2]
    host_only = host
    if not host.endswith("]") and ":" in host:
        host_only = host.rsplit(":", 1)[0]
    if not host_only or not _HOST.fullmatch(host_only):
        return False
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in 0..65535
    except ValueError:
        return False
    return True
