"""Invoices (ACCREC/ACCPAY), credit notes (ACCRECCREDIT/ACCPAYCREDIT) and purchase orders.

Why one module: the three share Xero's document life cycle (contact, lines, currency, numbering, status
transitions) and differ only in a few switches, kept in `DocSpec`.

Status transitions (Xero docs, api-facts A3): DRAFT/SUBMITTED → DRAFT, SUBMITTED, AUTHORISED, DELETED;
AUTHORISED → VOIDED (never DELETED) and only without payments or allocations; PAID is set by Xero when
AmountDue reaches 0 (never by the client); PAID, VOIDED and DELETED documents cannot change. Purchase
orders: DRAFT/SUBMITTED → AUTHORISED/DELETED, AUTHORISED → BILLED/DELETED, BILLED and DELETED are final.

Choices (UNCONFIRMED in the sources; each makes a sloppy client fail here rather than in production):
- POST without an ID whose number matches an existing document is **rejected** as a duplicate number
  ("Invoice # must be unique.") rather than treated as an update: update by InvoiceID (or POST
  /Invoices/{id}); the same for credit note and purchase order numbers. PUT with the ID of an existing
  document is rejected (PUT only creates); an unknown ID sent with PUT is ignored (Xero assigns IDs, and
  its own examples send one); POST with an unknown ID is an error;
- `"LineItems": []` on an update means "lines not sent" (the SDKs always serialise empty lists), not
  "delete every line";
- an update without LineItems leaves the lines as they are stored: no re-pricing, so TaxAmount
  overrides and lines coded to what has since been archived stay, and so do the totals; approving
  (SUBMITTED/AUTHORISED) still needs an account on every line with an amount. Two things re-create the
  stored lines as if they had been sent again (overrides kept): a LineAmountTypes change (the same
  amounts read the other way), and an update **without `unitdp=4`** of a document whose unit amounts
  have digits past the cent, which are then rounded to 2 dp with LineAmount, tax and totals recomputed.
  Xero does that: "If I do not send the line items, Xero deletes and recreates all of the line items
  ... Every request needs to send the unitdp if you want your decimal precision for line items or
  amounts to remain unaltered" (Xero's API feedback forum, "Preserve invoice line items if they are not
  sent", shown with a status-only xero-python update; xero-node#142 reports the totals moving). A
  status-only approval or void of a 4-dp document must therefore carry `unitdp=4`;
- Url (invoices only; credit notes and purchase orders have no such element) follows rules_url.py;
- a Contact given by Name (no ContactID) uses the ACTIVE contact of that name (case-insensitive) or,
  if there is none, **creates** the contact; by ContactNumber it uses that contact, and an unknown
  ContactNumber without a Name is "Contact Name cannot be empty."; an archived contact cannot be used;
- a document whose Total is negative is rejected ("Invoice total must be greater than or equal to
  zero."): a negative bill must be sent as a credit note;
- Reference is kept only on ACCREC invoices and ACCRECCREDIT credit notes (and purchase orders); on
  ACCPAY/ACCPAYCREDIT it is ignored with a warning (Xero's own credit-note example sends one);
- Total/SubTotal/TotalTax sent by the client are ignored (Xero recomputes them from the lines);
- an AUTHORISED document with a payment or allocation rejects any LineItems, Contact, currency, Date,
  LineAmountTypes change and any status change ("This document cannot be edited as it has a payment or
  credit note allocated to it."), but accepts Reference, DueDate and the planned/expected dates;
- a VOIDED or DELETED invoice has AmountDue 0 (credit note: RemainingCredit 0);
- an approved document with a zero Total becomes PAID at once (FullyPaidOnDate = its Date);
- SentToContact on a document that is not approved is ignored with a warning;
- numbers are unique case-insensitively; ACCPAY/ACCPAYCREDIT numbers are the supplier's and may repeat;
- lock dates (the later of Organisation.PeriodLockDate and EndOfYearLockDate): a document dated on or
  before it cannot be created, changed, voided or moved out of the locked period ("The document date
  cannot be on or before the period lock date (YYYY-MM-DD).").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import wire
from .book import ZERO_GUID, Outcome, key_of
from .rounding import ZERO, Totals, round_money
from .rules_common import check_lock, contact_ref, currency_ok, currency_rate, too_long
from .rules_inventory import move_stock, purchase_accounts
from .rules_lines import LineContext, kept_line_errors, price_lines, reprice_input
from .rules_url import url_errors

if TYPE_CHECKING:
    from .book import Book


@dataclass(frozen=True)
class DocSpec:
    collection: str
    model: str
    noun: str
    id_field: str
    number_field: str
    types: frozenset[str]
    auto_types: frozenset[str]  # types that are auto-numbered and whose numbers must be unique
    prefix: str
    duplicate_message: str
    transitions: dict[str, frozenset[str]]
    final: frozenset[str]
    create_statuses: frozenset[str]
    writable: tuple[str, ...]


_INVOICE_TRANSITIONS = {
    "DRAFT": frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"}),
    "SUBMITTED": frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"}),
    "AUTHORISED": frozenset({"AUTHORISED", "VOIDED"}),
}
_PO_TRANSITIONS = {
    "DRAFT": frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"}),
    "SUBMITTED": frozenset({"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"}),
    "AUTHORISED": frozenset({"AUTHORISED", "BILLED", "DELETED"}),
}
_COMMON = (
    "Contact",
    "Date",
    "LineAmountTypes",
    "Reference",
    "BrandingThemeID",
    "CurrencyCode",
    "CurrencyRate",
    "Status",
    "SentToContact",
)

DOCUMENTS: dict[str, DocSpec] = {
    "Invoices": DocSpec(
        "Invoices",
        "Invoice",
        "Invoice",
        "InvoiceID",
        "InvoiceNumber",
        frozenset({"ACCREC", "ACCPAY"}),
        frozenset({"ACCREC"}),
        "INV-",
        "Invoice # must be unique.",
        _INVOICE_TRANSITIONS,
        frozenset({"PAID", "VOIDED", "DELETED"}),
        frozenset({"DRAFT", "SUBMITTED", "AUTHORISED"}),
        (*_COMMON, "Type", "DueDate", "InvoiceNumber", "Url", "ExpectedPaymentDate", "PlannedPaymentDate"),
    ),
    "CreditNotes": DocSpec(
        "CreditNotes",
        "CreditNote",
        "Credit Note",
        "CreditNoteID",
        "CreditNoteNumber",
        frozenset({"ACCRECCREDIT", "ACCPAYCREDIT"}),
        frozenset({"ACCRECCREDIT"}),
        "CN-",
        "Credit Note # must be unique.",
        _INVOICE_TRANSITIONS,
        frozenset({"PAID", "VOIDED", "DELETED"}),
        frozenset({"DRAFT", "SUBMITTED", "AUTHORISED"}),
        (*_COMMON, "Type", "DueDate", "CreditNoteNumber"),
    ),
    "PurchaseOrders": DocSpec(
        "PurchaseOrders",
        "PurchaseOrder",
        "Purchase Order",
        "PurchaseOrderID",
        "PurchaseOrderNumber",
        frozenset(),
        frozenset({""}),
        "PO-",
        "Order number must be unique",
        _PO_TRANSITIONS,
        frozenset({"BILLED", "DELETED"}),
        frozenset({"DRAFT", "SUBMITTED", "AUTHORISED"}),
        (
            *_COMMON,
            "PurchaseOrderNumber",
            "DeliveryDate",
            "DeliveryAddress",
            "AttentionTo",
            "Telephone",
            "DeliveryInstructions",
            "ExpectedArrivalDate",
        ),
    ),
}
# Still editable on an AUTHORISED document that has money applied to it.
_EDITABLE_WHEN_PAID = frozenset(
    {
        "Reference",
        "DueDate",
        "ExpectedPaymentDate",
        "PlannedPaymentDate",
        "Url",
        "SentToContact",
        "BrandingThemeID",
        "Status",
    }
)
_SALES_TYPES = frozenset({"ACCREC", "ACCRECCREDIT"})


def doc_type(spec: DocSpec, record: dict[str, Any]) -> str:
    return "" if spec.collection == "PurchaseOrders" else str(record.get("Type") or "")


def money_applied(record: dict[str, Any]) -> bool:
    if record.get("AmountPaid") or record.get("AmountCredited"):
        return True
    return any(not a.get("IsDeleted") for a in record.get("Allocations") or []) or bool(
        record.get("Payments")
    )


def document_rule(
    book: Book, collection: str, element: dict[str, Any], *, method: str, unitdp: int, path_id: str | None
) -> Outcome:
    spec = DOCUMENTS[collection]
    out = Outcome()
    sent = wire.from_json(spec.model, element)
    sent_id = sent.get(spec.id_field)
    if sent_id == ZERO_GUID:
        sent_id = None
    existing = None
    if path_id is not None:
        existing = book.find(collection, path_id)
        if existing is None:
            return out.fail(f"{spec.noun} '{path_id}' could not be found.")
        if sent_id and key_of(sent_id) != key_of(existing[spec.id_field]):
            return out.fail(
                f"The {spec.id_field} in the request body does not match the {spec.noun} in the URL."
            )
    elif sent_id:
        existing = book.get(collection, sent_id)
        if method == "PUT" and existing is not None:
            return out.fail(f"{spec.noun} {sent_id} already exists; PUT only creates. Use POST to update it.")
        if method == "POST" and existing is None:
            return out.fail(f"{spec.noun} with {spec.id_field} '{sent_id}' could not be found.")
    if existing is None:
        return _create(book, spec, sent, unitdp, out)
    return _update(book, spec, existing, sent, unitdp, out)


def _create(book: Book, spec: DocSpec, sent: dict[str, Any], unitdp: int, out: Outcome) -> Outcome:
    doc: dict[str, Any] = {}
    if spec.types:
        kind = sent.get("Type")
        if not kind:
            return out.fail(f"{spec.noun} Type must be specified ({' or '.join(sorted(spec.types))}).")
        if kind not in spec.types:
            return out.fail(
                f"'{kind}' is not a valid {spec.noun} Type for this endpoint "
                f"({' or '.join(sorted(spec.types))})."
            )
    status = sent.get("Status") or "DRAFT"
    if status not in spec.create_statuses:
        return out.fail(f"A new {spec.noun} cannot be created with Status {status}.")
    for name in spec.writable:
        if name in sent and sent[name] is not None:
            doc[name] = sent[name]
    doc["Status"] = status
    doc[spec.id_field] = book.new_id()
    if "Contact" not in sent or not sent.get("Contact"):
        out.errors.append("Contact Name cannot be empty.")
    lines = [dict(line) for line in sent.get("LineItems") or []]
    doc.setdefault("LineAmountTypes", "Exclusive")
    if spec.collection == "Invoices":
        doc.update(
            AmountPaid=ZERO, AmountCredited=ZERO, Payments=[], CreditNotes=[], Prepayments=[], Overpayments=[]
        )
    elif spec.collection == "CreditNotes":
        doc.update(Allocations=[], Payments=[])
    return _finish(book, spec, None, doc, sent, lines, unitdp, out)


def _update(
    book: Book, spec: DocSpec, existing: dict[str, Any], sent: dict[str, Any], unitdp: int, out: Outcome
) -> Outcome:
    current = str(existing.get("Status"))
    if current in spec.final:
        return out.fail(f"{spec.noun} not of valid status for modification")
    if spec.types and sent.get("Type") and sent["Type"] != existing.get("Type"):
        return out.fail(f"The Type of a {spec.noun} cannot be changed.")
    new_status = sent.get("Status") or current
    if current == "AUTHORISED" and money_applied(existing):
        changed = [
            name
            for name in sent
            if name in spec.writable
            and name not in _EDITABLE_WHEN_PAID
            and sent[name] not in (None, {})
            and _differs(name, sent[name], existing)
        ]
        if sent.get("LineItems") or changed or new_status != current:
            return out.fail(
                "This document cannot be edited as it has a payment or credit note allocated to it."
            )
    doc = dict(existing)
    for name in spec.writable:
        if name in sent and name != "Contact" and sent[name] is not None:
            doc[name] = sent[name]
    if sent.get("Contact"):
        doc["Contact"] = sent["Contact"]
    doc["Status"] = new_status
    if sent.get("LineItems"):
        by_id = {key_of(line.get("LineItemID")): line for line in existing.get("LineItems") or []}
        lines = []
        for line in sent.get("LineItems") or []:
            line = dict(line)
            previous = by_id.get(key_of(line.get("LineItemID"))) if line.get("LineItemID") else None
            if previous is None:
                line.pop("LineItemID", None)
            lines.append(line)
    else:
        lines = [reprice_input(line) for line in existing.get("LineItems") or []]
    return _finish(book, spec, existing, doc, sent, lines, unitdp, out)


def _finer_than(lines: list[dict[str, Any]], unitdp: int) -> bool:
    """True when a stored unit amount has more decimal places than this request's `unitdp` keeps."""
    step = Decimal(1).scaleb(-unitdp)
    units = [line.get("UnitAmount") for line in lines]
    return any(isinstance(unit, Decimal) and unit != unit.quantize(step) for unit in units)


def _differs(name: str, value: Any, existing: dict[str, Any]) -> bool:
    if name == "Contact":
        if not isinstance(value, dict):
            return True
        if value.get("ContactID"):
            return key_of(value["ContactID"]) != key_of((existing.get("Contact") or {}).get("ContactID"))
        return (
            str(value.get("Name", "")).lower() != str((existing.get("Contact") or {}).get("Name", "")).lower()
        )
    old = existing.get(name)
    return bool(value != old)


def _finish(
    book: Book,
    spec: DocSpec,
    existing: dict[str, Any] | None,
    doc: dict[str, Any],
    sent: dict[str, Any],
    lines: list[dict[str, Any]],
    unitdp: int,
    out: Outcome,
) -> Outcome:
    errors = out.errors
    kind = doc_type(spec, doc)
    status = str(doc["Status"])
    previous = str(existing.get("Status")) if existing else None

    # Status transition.
    if previous is not None and status != previous:
        allowed = spec.transitions.get(previous, frozenset())
        if status == "PAID":
            errors.append(
                f"The Status of a {spec.noun} cannot be set to PAID; Xero sets it when the amount due "
                "reaches zero."
            )
        elif status == "DELETED" and previous == "AUTHORISED" and spec.collection != "PurchaseOrders":
            errors.append(
                f"An AUTHORISED {spec.noun.lower()} cannot be deleted; set its Status to VOIDED instead."
            )
        elif status not in allowed:
            errors.append(f"{spec.noun} Status cannot be changed from {previous} to {status}.")

    # Contact.
    contact_value = sent.get("Contact") if sent.get("Contact") else None
    if contact_value is not None:
        contact = _resolve_contact(book, contact_value, out, creating=existing is None)
        if contact is not None:
            doc["Contact"] = contact_ref(contact)

    # Dates, currency, branding.
    if not isinstance(doc.get("Date"), dt.date):
        doc["Date"] = book.today()
    contact_record = book.get("Contacts", (doc.get("Contact") or {}).get("ContactID"))
    if not doc.get("CurrencyCode"):
        default = contact_record.get("DefaultCurrency") if contact_record else None
        doc["CurrencyCode"] = default if default and book.get("Currencies", default) else book.base_currency
    currency_ok(book, doc["CurrencyCode"], errors)
    if doc["CurrencyCode"] == book.base_currency:
        doc["CurrencyRate"] = Decimal(1)
    else:
        rate = currency_rate(sent.get("CurrencyRate"), errors) if "CurrencyRate" in sent else None
        doc["CurrencyRate"] = rate or (existing or {}).get("CurrencyRate") or Decimal(1)
    # A document in a locked period can be neither created, changed nor moved out of it.
    earlier = existing.get("Date") if existing is not None else None
    check_lock(book, min(doc["Date"], earlier) if isinstance(earlier, dt.date) else doc["Date"], errors)
    if doc.get("BrandingThemeID") and book.get("BrandingThemes", doc["BrandingThemeID"]) is None:
        errors.append(f"Branding theme '{doc['BrandingThemeID']}' is not valid.")
    if doc.get("Reference") and spec.types and kind not in _SALES_TYPES and "Reference" in sent:
        where = "ACCREC invoices" if spec.collection == "Invoices" else "ACCRECCREDIT credit notes"
        out.warnings.append(f"Reference is only used on {where}; it was ignored.")
        if existing is not None and existing.get("Reference"):
            doc["Reference"] = existing["Reference"]
        else:
            doc.pop("Reference", None)
    if spec.collection == "PurchaseOrders" and too_long(doc.get("DeliveryInstructions"), 500):
        errors.append("DeliveryInstructions cannot be more than 500 characters.")
    if too_long(doc.get("Reference"), 255):
        errors.append("Reference cannot be more than 255 characters.")
    if spec.collection == "Invoices" and "Url" in sent:
        errors.extend(url_errors(sent["Url"]))

    # Number.
    _number(book, spec, existing, doc, kind, errors)

    # Lines and totals.
    lat = str(doc.get("LineAmountTypes") or "Exclusive")
    ctx = LineContext(
        noun=spec.noun,
        sales=kind in _SALES_TYPES or (spec.collection == "Invoices" and kind == "ACCREC"),
        discounts=kind == "ACCREC" or spec.collection == "PurchaseOrders",
        require_account=status in ("SUBMITTED", "AUTHORISED"),
    )
    if spec.collection == "PurchaseOrders":
        ctx = LineContext(spec.noun, False, True, status in ("SUBMITTED", "AUTHORISED"))
    lines_sent = bool(sent.get("LineItems"))
    if (
        existing is not None
        and not lines_sent
        and lat == str(existing.get("LineAmountTypes") or "Exclusive")
        and not _finer_than(existing.get("LineItems") or [], unitdp)
    ):
        # No lines sent: Xero leaves them as stored (overrides, totals and all).
        priced = list(existing.get("LineItems") or [])
        totals = Totals(
            existing["SubTotal"],
            existing["TotalTax"],
            existing["Total"],
            existing.get("TotalDiscount") or ZERO,
        )
        if status != previous:
            errors.extend(kept_line_errors(priced, ctx))
    else:
        # Sent lines, or stored lines Xero re-creates at this request's precision (see the docstring).
        lines = purchase_accounts(book, lines, purchase=not ctx.sales)  # tracked items: rules_inventory.py
        priced, totals, line_errors = price_lines(book, lines, lat, unitdp, ctx)
        errors.extend(line_errors)
    doc["LineItems"] = priced
    doc["SubTotal"], doc["TotalTax"], doc["Total"] = totals.sub_total, totals.total_tax, totals.total
    if totals.total_discount:
        doc["TotalDiscount"] = totals.total_discount
    else:
        doc.pop("TotalDiscount", None)
    if totals.total < 0:
        errors.append(f"{spec.noun} total must be greater than or equal to zero.")
    if status in ("SUBMITTED", "AUTHORISED") and not priced:
        article = "An" if spec.noun[0] in "AEIOU" else "A"
        errors.append(f"{article} {spec.noun.lower()} must have at least one line item to be {status}.")

    # Amounts and payment state.
    if spec.collection == "Invoices":
        paid = doc.get("AmountPaid") or ZERO
        credited = doc.get("AmountCredited") or ZERO
        doc["AmountDue"] = round_money(totals.total - paid - credited)
    elif spec.collection == "CreditNotes":
        used = sum(
            (a.get("Amount") or ZERO for a in doc.get("Allocations") or [] if not a.get("IsDeleted")), ZERO
        )
        used += sum((p.get("Amount") or ZERO for p in doc.get("Payments") or []), ZERO)
        doc["RemainingCredit"] = round_money(totals.total - used)
    if status in ("VOIDED", "DELETED"):
        # Nothing is owed on a cancelled document; a reader that takes AmountDue == 0 for "paid" without
        # looking at Status must find out here.
        if spec.collection == "Invoices":
            doc["AmountDue"] = ZERO.quantize(Decimal("0.01"))
        elif spec.collection == "CreditNotes":
            doc["RemainingCredit"] = ZERO.quantize(Decimal("0.01"))
    if status == "AUTHORISED" and spec.collection != "PurchaseOrders" and totals.total == ZERO:
        doc["Status"] = "PAID"
        doc["FullyPaidOnDate"] = doc["Date"]

    # SentToContact.
    if sent.get("SentToContact"):
        approved = ("AUTHORISED", "BILLED") if spec.collection == "PurchaseOrders" else ("AUTHORISED", "PAID")
        if doc["Status"] not in approved:
            doc["SentToContact"] = (existing or {}).get("SentToContact", False)
            if spec.collection == "PurchaseOrders":
                out.warnings.append(
                    "Only AUTHORISED and BILLED purchase orders may have SentToContact updated."
                )
            else:
                out.warnings.append(f"Only AUTHORISED {spec.noun.lower()}s may have SentToContact updated.")
    doc.setdefault("SentToContact", False)
    move_stock(book, spec.collection, existing, doc, out)  # tracked items' quantity on hand

    if errors:
        return out
    doc["UpdatedDateUTC"] = book.now()
    if spec.collection != "PurchaseOrders":
        doc["HasErrors"] = False
    out.record = doc
    _flag_contact(book, spec, doc, kind, out)
    out.puts.append((spec.collection, doc))
    return out


def _number(
    book: Book,
    spec: DocSpec,
    existing: dict[str, Any] | None,
    doc: dict[str, Any],
    kind: str,
    errors: list[str],
) -> None:
    field_name = spec.number_field
    number = doc.get(field_name)
    unique = kind in spec.auto_types
    if number in (None, ""):
        if existing is not None and existing.get(field_name):
            doc[field_name] = existing[field_name]
        elif unique:
            doc[field_name] = book.next_number(spec.collection, spec.prefix)
        else:
            doc.pop(field_name, None)
        return
    number = str(number)
    if len(number) > 255:
        errors.append(f"{field_name} cannot be more than 255 characters.")
        return
    if not unique:
        return
    own = key_of(existing[spec.id_field]) if existing else None
    for other in book.by_number(spec.collection, number):
        if key_of(other[spec.id_field]) == own or doc_type(spec, other) not in spec.auto_types:
            continue
        if other.get("Status") == "DELETED" and spec.collection != "PurchaseOrders":
            continue
        errors.append(spec.duplicate_message)
        return


def _resolve_contact(
    book: Book, value: dict[str, Any], out: Outcome, *, creating: bool
) -> dict[str, Any] | None:
    errors = out.errors
    contact = None
    if value.get("ContactID") and value["ContactID"] != ZERO_GUID:
        contact = book.get("Contacts", value["ContactID"])
        if contact is None:
            errors.append(f"The contact with ContactID '{value['ContactID']}' could not be found.")
            return None
    elif value.get("ContactNumber"):
        matches = book.by_number("Contacts", value["ContactNumber"])
        contact = matches[0] if matches else None
        if contact is None and not value.get("Name"):
            errors.append("Contact Name cannot be empty.")
            return None
    if contact is None and value.get("Name"):
        named = book.active_contacts_named(str(value["Name"]))
        contact = named[0] if named else None
        if contact is None:
            from .rules_contacts import new_contact_from_reference

            contact = new_contact_from_reference(book, value, out)
            return contact
    if contact is None:
        errors.append("Contact Name cannot be empty.")
        return None
    if contact.get("ContactStatus", "ACTIVE") != "ACTIVE":
        errors.append(f"The contact '{contact.get('Name')}' is archived and cannot be used on a transaction.")
        return None
    return contact


def _flag_contact(book: Book, spec: DocSpec, doc: dict[str, Any], kind: str, out: Outcome) -> None:
    if doc.get("Status") in ("DELETED", "VOIDED"):
        return
    flag = "IsCustomer" if kind in _SALES_TYPES else "IsSupplier"
    contact_id = (doc.get("Contact") or {}).get("ContactID")
    staged = next((r for c, r in out.puts if c == "Contacts" and r.get("ContactID") == contact_id), None)
    contact = staged or book.get("Contacts", contact_id)
    if contact is None or contact.get(flag):
        return
    updated = dict(contact)
    updated[flag] = True
    if staged is not None:
        staged[flag] = True
    else:
        out.puts.append(("Contacts", updated))
