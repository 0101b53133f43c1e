"""Updates: `PATCH /{Entity}` (the fields sent) and `PUT /{Entity}` (every writable field; absent ones null).

Only the writable fields of the catalogue may be sent besides `id` (keys case-insensitive, as the API binds
them); anything else, a read-only field, or an invalid value is an HTTP 500 `{"errors": [...]}` naming the
field, which is how Autotask answers failed writes. Choices where the sources are silent:
- PUT refuses read-only fields too, even when their value is unchanged: a client that round-trips a whole
  record through PUT is one field-rename away from clobbering data, so it should send writable fields only.
- `invoiceNumber` cannot be cleared (null or blank is refused; invoices always carry a number).
- `paidDate` keeps the calendar date as written (no timezone conversion) at midnight:
  `2025-10-01T17:45:00+10:00` is stored as `2025-10-01T00:00:00`.
- `webServiceDate` is stored as the UTC instant with milliseconds and a `Z`.
- An update sets the entity's last-modified stamp (when it has one) from the sandbox clock.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pendulum

from ..clock import SandboxClock
from .catalog import EntityDef, FieldDef
from .errors import AutotaskError
from .store import Table
from .values import ValueProblem, format_timestamp, parse_datetime, to_decimal

MAX_EXCHANGE_DECIMALS = 5
MAX_EXCHANGE_INTEGER_DIGITS = 6


def apply_update(table: Table, body: Any, clock: SandboxClock, full: bool) -> int:
    entity = table.entity
    if not isinstance(body, dict):
        raise AutotaskError(500, f"The request body must be one {entity.singular} object.")
    record_id: int | None = None
    changes: dict[str, Any] = {}
    for key, raw in body.items():
        if key.lower() == "id":
            record_id = _id(raw)
            continue
        fdef = entity.field(key)
        if fdef is None:
            if key.lower() == "userdefinedfields" and table.has_udfs:
                raise AutotaskError(500, f"The user-defined fields of {entity.name} cannot be updated here.")
            raise AutotaskError(500, f"Unable to find {key} in the {entity.singular} Entity.")
        if fdef.read_only:
            raise AutotaskError(
                500,
                f"The field {fdef.name} is read-only and cannot be updated on the {entity.singular} Entity.",
            )
        changes[fdef.name] = _validate(entity, fdef, raw)
    if record_id is None:
        raise AutotaskError(500, f"An update of {entity.name} needs the id of the record in the body.")
    if full:
        for name in entity.writable:
            if name not in changes:
                fdef = entity.field(name)
                assert fdef is not None
                changes[name] = _validate(entity, fdef, None)
    if entity.touch_on_update:
        stamp = format_timestamp(clock.now())
        for name in entity.touch_on_update:
            changes[name] = stamp
    if table.update(record_id, changes) is None:
        raise AutotaskError(
            500, f"No matching records found. The {entity.singular} with id {record_id} does not exist."
        )
    return record_id


def _id(raw: Any) -> int:
    if isinstance(raw, bool):
        raise AutotaskError(500, "The id must be an integer.")
    try:
        value = to_decimal(raw)
    except ValueProblem:
        raise AutotaskError(500, f"'{raw}' is not a valid id.") from None
    if value != value.to_integral_value():
        raise AutotaskError(500, f"'{raw}' is not a valid id.")
    return int(value)


def _validate(entity: EntityDef, fdef: FieldDef, raw: Any) -> Any:
    key = (entity.name, fdef.name)
    label = f"{entity.singular}.{fdef.name}"
    if key == ("Invoices", "invoiceNumber"):
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise AutotaskError(500, f"{label} is required and cannot be empty.")
        if isinstance(raw, dict | list | bool):
            raise AutotaskError(500, f"{label} must be text.")
        text = str(raw)
        if len(text) > (fdef.length or 100):
            raise AutotaskError(500, f"{label} exceeds the maximum length of {fdef.length} characters.")
        return text
    if key == ("Invoices", "paidDate"):
        if raw is None:
            return None
        moment = _datetime(label, raw)
        return moment.date().isoformat() + "T00:00:00"
    if fdef.name == "webServiceDate":
        if raw is None:
            return None
        moment = _datetime(label, raw)
        return format_timestamp_utc(moment)
    if key == ("Currencies", "exchangeRate"):
        return _exchange_rate(label, raw)
    raise AutotaskError(500, f"The field {fdef.name} cannot be updated on the {entity.singular} Entity.")


def _datetime(label: str, raw: Any) -> datetime:
    if not isinstance(raw, str):
        raise AutotaskError(500, f"{label}: {raw!r} is not a valid date/time.")
    try:
        return parse_datetime(raw)
    except ValueProblem as exc:
        raise AutotaskError(500, f"{label}: {exc}") from None


def format_timestamp_utc(moment: datetime) -> str:
    return format_timestamp(pendulum.instance(moment))


def _exchange_rate(label: str, raw: Any) -> Decimal:
    if raw is None:
        raise AutotaskError(500, f"{label} is required.")
    try:
        rate = to_decimal(raw)
    except ValueProblem as exc:
        raise AutotaskError(500, f"{label}: {exc}") from None
    if rate <= 0:
        raise AutotaskError(500, f"{label} must be greater than zero.")
    normalized = rate.normalize()
    exponent = normalized.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > MAX_EXCHANGE_DECIMALS:
        raise AutotaskError(500, f"{label} allows at most {MAX_EXCHANGE_DECIMALS} decimal places.")
    if rate >= Decimal(10) ** MAX_EXCHANGE_INTEGER_DIGITS:
        raise AutotaskError(
            500, f"{label} allows at most {MAX_EXCHANGE_INTEGER_DIGITS} digits before the point."
        )
    return rate
