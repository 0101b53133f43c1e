"""Intake, field by field: how one raw record's values are read, whatever shape the source gave them.

Why apart from records.py: the tolerance rules are one concern, shared by every record kind, and the
place to look when a value "arrives but is not read":
- field names match case-insensitively and through a few aliases (`billingItems` / `lines` / `items`);
- an empty string counts as missing;
- numbers may arrive as strings, ints or floats (PyAirbyte caches stringify numbers); floats go through
  `str()` so 0.1 stays 0.1, and a non-finite or non-numeric value is refused, naming the field;
- dates may be ISO strings with or without time/zone: the calendar date is kept;
- a picklist field may carry its number, its label, or both (`billingItemType` + `billingItemTypeLabel`);
- an attached file (the invoice's `invoicePDF`) is base64 text checked against the size and SHA-256 the
  source computed: a file that does not decode or does not match is not the file Autotask rendered, so it
  is dropped with the reason (`read_pdf`), and its document still goes (a PDF is an extra, not the invoice).
records.py says which fields make each record; this module only says how a field is read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import pendulum

from .record_types import InvoicePdf


class RecordError(ValueError):
    """A record cannot be used; the message names the field."""


# Per set of field names a source sends (every invoice of a stream has the same), where each name a parser
# asks for is found: the raw key it matches case-insensitively, or None. Why: building a lower-cased copy
# of every record (and lower-casing every name asked for) was the largest cost of intake, 98,518 copies
# at bench:10000 for a handful of shapes. Bounded: a source whose records all differ in shape (PyAirbyte
# caches drop null fields) fills it and the rest are indexed per record, as before.
_INDEXES: dict[tuple[Any, ...], _Index] = {}
_INDEXES_MAX = 2048


class _Index:
    """Names asked for -> the raw keys they read, for one set of raw keys: matched lower-cased (the last
    of keys equal but for case wins, as in a dict built over them), absent ones left out."""

    __slots__ = ("_folded", "asked")

    def __init__(self, keys: tuple[Any, ...]) -> None:
        self._folded = {str(k).lower(): k for k in keys}
        self.asked: dict[tuple[str, ...], tuple[Any, ...]] = {}

    def resolve(self, names: tuple[str, ...]) -> tuple[Any, ...]:
        folded = self._folded
        found = tuple(folded[n.lower()] for n in names if n.lower() in folded)
        self.asked[names] = found
        return found


def _index(raw: Mapping[str, Any]) -> _Index:
    keys = tuple(raw)
    index = _INDEXES.get(keys)
    if index is None:
        index = _Index(keys)
        if len(_INDEXES) < _INDEXES_MAX:
            _INDEXES[keys] = index
    return index


class Fields:
    """Case-insensitive, alias-aware view over one raw record."""

    __slots__ = ("_asked", "_index", "_raw")

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self._raw = raw
        self._index = index = _index(raw)
        self._asked = index.asked

    def _value(self, names: tuple[str, ...]) -> Any:
        """The first of `names` present with a value (not None, not ""): what every reader starts from."""
        keys = self._asked.get(names)
        if keys is None:
            keys = self._index.resolve(names)
        raw = self._raw
        for key in keys:
            value = raw[key]
            if value is not None and value != "":
                return value
        return None

    def get(self, *names: str) -> Any:
        return self._value(names)

    def sub(self, *names: str) -> Fields | None:
        value = self._value(names)
        return Fields(value) if isinstance(value, Mapping) else None

    def list(self, *names: str) -> list[Any]:
        value = self._value(names)
        return list(value) if isinstance(value, list | tuple) else []

    def text(self, *names: str) -> str | None:
        value = self._value(names)
        if value is None:
            return None
        return (value if type(value) is str else str(value)).strip() or None

    def decimal(self, *names: str, required: bool = False) -> Decimal | None:
        value = self._value(names)
        if value is None:
            if required:
                raise RecordError(f"{names[0]} is missing")
            return None
        return to_decimal(value, names[0])

    def integer(self, *names: str, required: bool = False) -> int | None:
        raw = self._value(names)
        if type(raw) is int:  # as JSON gives an id: already what the checks below would return
            return raw
        value = self.decimal(*names, required=required)
        if value is None:
            return None
        if value != value.to_integral_value():
            raise RecordError(f"{names[0]} is not an integer: {value}")
        return int(value)

    def boolean(self, *names: str) -> bool:
        value = self._value(names)
        if isinstance(value, bool):
            return value
        if isinstance(value, int | float | Decimal):
            return value != 0
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "y")
        return False

    def date(self, *names: str) -> pendulum.Date | None:
        value = self._value(names)
        return None if value is None else to_date(value, names[0])

    def label(self, name: str) -> str | None:
        """A picklist's label: `<name>Label`/`<name>Name` when the source resolved it, else the raw value."""
        names = _LABEL_NAMES.get(name)
        if names is None:
            names = _LABEL_NAMES[name] = (f"{name}Label", f"{name}Name", f"{name}_label", name)
        return self.text(*names)


_LABEL_NAMES: dict[str, tuple[str, ...]] = {}  # the names `label` reads, built once per picklist field


def to_decimal(value: Any, name: str = "value") -> Decimal:
    if isinstance(value, bool):
        raise RecordError(f"{name} is not a number: {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        try:
            result = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise RecordError(f"{name} is not a number: {value!r}") from None
        if not result.is_finite():
            raise RecordError(f"{name} is not a finite number: {value!r}")
        return result
    raise RecordError(f"{name} is not a number: {value!r}")


def to_date(value: Any, name: str = "date") -> pendulum.Date:
    """Autotask date-only fields are stored at midnight with no TZ conversion: keep the calendar date."""
    text = str(value).strip()
    try:
        if len(text) >= 10 and text[4] == "-" and text[7] == "-":
            return pendulum.Date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
        parsed = pendulum.parse(text)
    except (ValueError, TypeError, OverflowError, pendulum.parsing.exceptions.ParserError):
        raise RecordError(f"{name} is not a date: {value!r}") from None
    if isinstance(parsed, pendulum.DateTime):
        return parsed.date()
    if isinstance(parsed, pendulum.Date):
        return parsed
    raise RecordError(f"{name} is not a date: {value!r}")


_SPACE = re.compile(r"\s+")
_HEX = re.compile(r"[0-9a-f]{64}")


def read_pdf(raw: Any, default_name: str) -> tuple[InvoicePdf | None, str | None]:
    """The file of an `invoicePDF` object ({fileName, contentType, data, size, sha256}), or None and why.

    Why checked here: the bytes travel as base64 text through a platform (an Airbyte cache, a Singer
    pipe) that may cut or re-encode a long string; a file that arrives other than it left would be
    attached in Xero as the customer's invoice. `data` must be strict base64 (line breaks allowed, as
    MIME writes it); `size` and `sha256`, when the record has them, must match the decoded bytes (a
    missing `sha256` is computed here: it only names the file, attachments.py)."""
    if raw is None:
        return None, None
    if not isinstance(raw, Mapping):
        return None, f"invoicePDF is not an object ({type(raw).__name__})"
    f = Fields(raw)
    text = f.text("data")
    if text is None:
        return None, "invoicePDF carries no data"
    try:
        data = base64.b64decode(_SPACE.sub("", text), validate=True)
    except (binascii.Error, ValueError) as exc:
        return None, f"invoicePDF data is not valid base64 ({exc})"
    if not data:
        return None, "invoicePDF data is empty"
    try:
        size = f.integer("size")
    except RecordError as exc:
        return None, f"invoicePDF {exc}"
    if size is not None and size != len(data):
        return None, f"invoicePDF size says {size} bytes but its data decodes to {len(data)}: it was cut"
    digest = hashlib.sha256(data).hexdigest()
    declared = (f.text("sha256") or "").lower()
    if declared and not _HEX.fullmatch(declared):
        return None, f"invoicePDF sha256 is not a SHA-256 hex digest: {declared[:80]!r}"
    if declared and declared != digest:
        return None, (
            f"invoicePDF sha256 does not match its data (the record says {declared[:12]}..., the data "
            f"hashes to {digest[:12]}...): the file changed on its way"
        )
    name = f.text("fileName", "name") or default_name
    content_type = f.text("contentType") or "application/pdf"
    return InvoicePdf(file_name=name, content_type=content_type, data=data, sha256=digest), None
