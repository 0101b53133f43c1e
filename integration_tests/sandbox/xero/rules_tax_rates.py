"""Writes to `TaxRates`: a person (or a setup script) adding a tax rate, or changing or retiring one.

Why the sandbox takes them: the connectors never write tax rates, but the admin's fix after a rejection
("no TaxType mapped for tax region ...") is to add the rate in Xero and map it, and the reliability suite
replays exactly that through the API, as xero-python's `create_tax_rates` would.

Facts (Xero's OpenAPI spec, `PUT /TaxRates` "Creates one or more tax rates", `POST /TaxRates` "Updates
tax rates"; examples in the spec): a new rate is given by `Name` and `TaxComponents[{Name, Rate}]`; Xero
names its TaxType itself (custom rates are `TAX001`, `TAX002`, ... as Xero's UI and API show them); an
update names the rate by `TaxType`, or by `Name` as the spec's example does, and may set `Status`
(`DELETED` retires it). Choices (UNCONFIRMED, Xero's exact wording not documented): the messages below;
a second ACTIVE rate with the same name is refused; `ReportTaxType` is stored as given, not required.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import wire
from .book import Outcome
from .rules_seed import tax_rate_record

if TYPE_CHECKING:
    from .book import Book

STATUSES = frozenset({"ACTIVE", "DELETED", "ARCHIVED"})


def tax_rate_rule(book: Book, element: dict[str, Any], *, method: str) -> Outcome:
    sent = wire.from_json("TaxRate", element)
    if method == "PUT":
        return _create(book, sent)
    return _update(book, sent)


def _by_name(book: Book, name: str) -> dict[str, Any] | None:
    wanted = name.strip().lower()
    for record in book.records("TaxRates"):
        if str(record.get("Name", "")).strip().lower() == wanted and record.get("Status") == "ACTIVE":
            return record
    return None


def _next_tax_type(book: Book) -> str:
    taken = {str(r.get("TaxType")) for r in book.records("TaxRates")}
    number = 1
    while f"TAX{number:03d}" in taken:
        number += 1
    return f"TAX{number:03d}"


def _components(sent: dict[str, Any], out: Outcome) -> list[dict[str, Any]] | None:
    components = sent.get("TaxComponents")
    if not isinstance(components, list) or not components:
        out.fail("At least one tax component is required.")
        return None
    for component in components:
        if not isinstance(component, dict) or not str(component.get("Name") or "").strip():
            out.fail("Tax component name is required.")
            return None
        try:
            rate = wire.to_decimal(component.get("Rate") or 0)
        except (ValueError, ArithmeticError):
            out.fail(f"Tax component rate {component.get('Rate')!r} is not a number.")
            return None
        if rate < 0 or rate > 100:
            out.fail("Tax component rate must be between 0 and 100.")
            return None
    return [dict(c) for c in components]


def _create(book: Book, sent: dict[str, Any]) -> Outcome:
    out = Outcome()
    name = str(sent.get("Name") or "").strip()
    if not name:
        return out.fail("Tax rate name is required.")
    if _by_name(book, name) is not None:
        return out.fail(f"A tax rate named '{name}' already exists.")
    components = _components(sent, out)
    if components is None:
        return out
    record: dict[str, Any] = {
        "Name": name,
        "TaxType": _next_tax_type(book),
        "TaxComponents": components,
        "Status": "ACTIVE",
    }
    if sent.get("ReportTaxType"):
        record["ReportTaxType"] = sent["ReportTaxType"]
    record = tax_rate_record(record)
    out.record = record
    out.puts.append(("TaxRates", record))
    return out


def _update(book: Book, sent: dict[str, Any]) -> Outcome:
    out = Outcome()
    tax_type = str(sent.get("TaxType") or "").strip()
    name = str(sent.get("Name") or "").strip()
    existing = book.get("TaxRates", tax_type) if tax_type else (_by_name(book, name) if name else None)
    if existing is None:
        return out.fail(f"The tax rate '{tax_type or name}' does not exist.")
    record = {k: v for k, v in existing.items() if k not in ("EffectiveRate", "DisplayTaxRate")}
    if "TaxComponents" in sent:
        components = _components(sent, out)
        if components is None:
            return out
        record["TaxComponents"] = components
    if name and tax_type:
        record["Name"] = name
    status = sent.get("Status")
    if status is not None:
        if status not in STATUSES:
            return out.fail(f"'{status}' is not a valid tax rate status.")
        record["Status"] = status
    if sent.get("ReportTaxType"):
        record["ReportTaxType"] = sent["ReportTaxType"]
    record = tax_rate_record(record)
    out.record = record
    out.puts.append(("TaxRates", record))
    return out
