"""Payments against invoices and credit notes: create (PUT/POST /Payments) and delete (Status DELETED).

Why: payments flow back to Autotask (source-xero-payments → destination-autotask-payments), so the
invoice side effects must be exact: AmountPaid/AmountDue, Status PAID and FullyPaidOnDate when AmountDue
reaches 0, the invoice's Payments[], and UpdatedDateUTC moving so an If-Modified-Since reader sees the
change. Deleting a payment re-opens the document (AUTHORISED, AmountDue restored, FullyPaidOnDate
cleared).

Choices (UNCONFIRMED in the sources):
- the document is named by Invoice{InvoiceID|InvoiceNumber}, CreditNote{CreditNoteID|CreditNoteNumber}
  or top-level InvoiceNumber/CreditNoteNumber; the account by Account{AccountID|Code} or top-level Code;
- Date and Amount are required; Amount > 0 and ≤ the document's AmountDue (RemainingCredit for credit
  notes) — no overpayment through this endpoint;
- the account must be ACTIVE and of Type BANK or have EnablePaymentsToAccount; a bank account in a
  foreign currency must be in the document's currency;
- CurrencyRate (> 0, ≤ 6 dp) defaults to the document's rate; BankAmount = Amount in the bank account's
  currency (Amount / CurrencyRate when a base-currency account pays a foreign document);
- a payment dated on or before the organisation's lock date is rejected, and so is deleting one;
- a payment cannot be changed, only deleted (`{"Status": "DELETED"}`); a reconciled payment cannot be
  deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import wire
from .book import ZERO_GUID, Outcome, key_of
from .rounding import ZERO, round_money
from .rules_common import check_lock, currency_rate

if TYPE_CHECKING:
    from .book import Book

PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}


def document_summary(book: Book, collection: str, document: dict[str, Any]) -> dict[str, Any]:
    """How a payment or allocation shows the document it settles."""
    contact = document.get("Contact") or {}
    if collection == "Invoices":
        summary = {
            "InvoiceID": document["InvoiceID"],
            "InvoiceNumber": document.get("InvoiceNumber"),
            "Type": document.get("Type"),
        }
    else:
        summary = {
            "CreditNoteID": document["CreditNoteID"],
            "CreditNoteNumber": document.get("CreditNoteNumber"),
            "Type": document.get("Type"),
        }
    summary.update(
        Contact={"ContactID": contact.get("ContactID"), "Name": contact.get("Name")},
        CurrencyCode=document.get("CurrencyCode"),
    )
    return summary


def payment_summary(payment: dict[str, Any]) -> dict[str, Any]:
    """How a document lists a payment in its Payments[]."""
    return {
        "PaymentID": payment["PaymentID"],
        "Date": payment.get("Date"),
        "Amount": payment.get("Amount"),
        "Reference": payment.get("Reference"),
        "CurrencyRate": payment.get("CurrencyRate"),
        "HasAccount": bool(payment.get("Account")),
        "HasValidationErrors": False,
    }


def apply_payment_amounts(document: dict[str, Any], collection: str, amount: Decimal, date: Any) -> None:
    """Add (or, with a negative amount, remove) money paid against a document, in place."""
    if collection == "Invoices":
        document["AmountPaid"] = round_money((document.get("AmountPaid") or ZERO) + amount)
        document["AmountDue"] = round_money((document.get("AmountDue") or ZERO) - amount)
        due = document["AmountDue"]
    else:
        document["RemainingCredit"] = round_money((document.get("RemainingCredit") or ZERO) - amount)
        due = document["RemainingCredit"]
    settle(document, due, date)


def settle(document: dict[str, Any], due: Decimal, date: Any) -> None:
    """PAID with FullyPaidOnDate when nothing is due; back to AUTHORISED when something is due again."""
    if due == ZERO and document.get("Status") == "AUTHORISED":
        document["Status"] = "PAID"
        document["FullyPaidOnDate"] = date if isinstance(date, dt.date) else None
    elif due > ZERO and document.get("Status") == "PAID":
        document["Status"] = "AUTHORISED"
        document.pop("FullyPaidOnDate", None)


def payment_rule(
    book: Book, element: dict[str, Any], *, method: str, unitdp: int, path_id: str | None
) -> Outcome:
    del unitdp
    out = Outcome()
    sent = wire.from_json("Payment", element)
    sent_id = sent.get("PaymentID")
    if sent_id == ZERO_GUID:
        sent_id = None
    if path_id is not None or (sent_id and method == "POST"):
        target = path_id if path_id is not None else sent_id
        existing = book.get("Payments", target)
        if existing is None:
            return out.fail(f"Payment '{target}' could not be found.")
        return _delete(book, existing, sent, out)
    if sent_id and book.get("Payments", sent_id) is not None:
        return out.fail(f"Payment {sent_id} already exists; PUT only creates.")
    return _create(book, sent, out)


def _document(book: Book, sent: dict[str, Any], errors: list[str]) -> tuple[str, dict[str, Any]] | None:
    invoice = sent.get("Invoice") or {}
    credit = sent.get("CreditNote") or {}
    if sent.get("Prepayment") or sent.get("Overpayment"):
        errors.append("Payments on prepayments and overpayments are not supported by this sandbox.")
        return None
    candidates: list[tuple[str, dict[str, Any] | None, str]] = []
    if invoice.get("InvoiceID") or invoice.get("InvoiceNumber") or sent.get("InvoiceNumber"):
        ref = invoice.get("InvoiceID") or invoice.get("InvoiceNumber") or sent.get("InvoiceNumber")
        candidates.append(("Invoices", book.find("Invoices", str(ref)), str(ref)))
    if credit.get("CreditNoteID") or credit.get("CreditNoteNumber") or sent.get("CreditNoteNumber"):
        ref = credit.get("CreditNoteID") or credit.get("CreditNoteNumber") or sent.get("CreditNoteNumber")
        candidates.append(("CreditNotes", book.find("CreditNotes", str(ref)), str(ref)))
    if not candidates:
        errors.append("An Invoice or CreditNote must be specified for a payment.")
        return None
    if len(candidates) > 1:
        errors.append("A payment can be applied to only one document.")
        return None
    collection, document, ref = candidates[0]
    if document is None:
        noun = "Invoice" if collection == "Invoices" else "Credit Note"
        errors.append(f"{noun} '{ref}' could not be found.")
        return None
    return collection, document


def _account(book: Book, sent: dict[str, Any], errors: list[str]) -> dict[str, Any] | None:
    ref = sent.get("Account") or {}
    account = None
    if ref.get("AccountID"):
        account = book.get("Accounts", ref["AccountID"])
    elif ref.get("Code") or sent.get("Code"):
        account = book.account_by_code(ref.get("Code") or sent.get("Code"))
    else:
        errors.append("An Account must be specified for a payment.")
        return None
    if account is None:
        errors.append("Account could not be found.")
        return None
    if account.get("Status", "ACTIVE") != "ACTIVE":
        errors.append("The account has been archived and cannot be used for payments.")
        return None
    if account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        errors.append("Account type is invalid for making a payment to/from")
        return None
    return account


def _create(book: Book, sent: dict[str, Any], out: Outcome) -> Outcome:
    errors = out.errors
    found = _document(book, sent, errors)
    account = _account(book, sent, errors)
    amount = sent.get("Amount")
    if amount is None:
        errors.append("Payment amount must be specified.")
    elif amount <= ZERO:
        errors.append("Payment amount must be greater than zero.")
    date = sent.get("Date")
    if not isinstance(date, dt.date):
        errors.append("Payment date must be specified.")
    check_lock(book, date, errors, "payment")
    if sent.get("Status") not in (None, "AUTHORISED"):
        errors.append("A new payment must have Status AUTHORISED.")
    if found is None or account is None or errors:
        return out
    assert amount is not None
    collection, document = found
    noun = "Invoice" if collection == "Invoices" else "Credit Note"
    if document.get("Status") != "AUTHORISED":
        errors.append(
            f"Payments can only be made against Authorised documents ({noun} is {document.get('Status')})."
        )
        return out
    amount = round_money(amount)
    due = document.get("AmountDue") if collection == "Invoices" else document.get("RemainingCredit")
    if amount > (due or ZERO):
        errors.append("Payment amount exceeds the amount outstanding on this document")
        return out
    currency = document.get("CurrencyCode") or book.base_currency
    account_currency = account.get("CurrencyCode") or book.base_currency
    if account_currency not in (book.base_currency, currency):
        errors.append(f"The bank account is in {account_currency}; it cannot pay a {currency} document.")
        return out
    rate = currency_rate(sent.get("CurrencyRate"), errors) if sent.get("CurrencyRate") is not None else None
    if errors:
        return out
    if currency == book.base_currency:
        rate = Decimal(1)
    elif rate is None:
        rate = document.get("CurrencyRate") or Decimal(1)
    bank_amount = amount
    if currency != book.base_currency and account_currency == book.base_currency:
        bank_amount = round_money(amount / rate)
    now = book.now()
    payment: dict[str, Any] = {
        "PaymentID": book.new_id(),
        "Date": date,
        "Amount": amount,
        "BankAmount": bank_amount,
        "CurrencyRate": rate,
        "Reference": sent.get("Reference"),
        "IsReconciled": bool(sent.get("IsReconciled") or False),
        "Status": "AUTHORISED",
        "PaymentType": PAYMENT_TYPES.get(str(document.get("Type")), "ACCRECPAYMENT"),
        "Account": {"AccountID": account["AccountID"], "Code": account.get("Code")},
        "HasAccount": True,
        "UpdatedDateUTC": now,
    }
    if payment["Reference"] is None:
        del payment["Reference"]
    key = "Invoice" if collection == "Invoices" else "CreditNote"
    payment[key] = document_summary(book, collection, document)
    updated = dict(document)
    updated["Payments"] = [*list(document.get("Payments") or []), payment_summary(payment)]
    apply_payment_amounts(updated, collection, amount, date)
    updated["UpdatedDateUTC"] = now
    out.record = payment
    out.puts.append(("Payments", payment))
    out.puts.append((collection, updated))
    return out


def _delete(book: Book, existing: dict[str, Any], sent: dict[str, Any], out: Outcome) -> Outcome:
    changes = {k for k, v in sent.items() if v is not None and k not in ("PaymentID", "Status")}
    if sent.get("Status") != "DELETED" or changes:
        return out.fail(
            "A payment cannot be updated; it can only be deleted by setting its Status to DELETED."
        )
    if existing.get("Status") == "DELETED":
        return out.fail("The payment has already been deleted.")
    if existing.get("IsReconciled"):
        return out.fail("The payment has been reconciled and cannot be deleted.")
    check_lock(book, existing.get("Date"), out.errors, "payment")
    if out.errors:
        return out
    now = book.now()
    payment = dict(existing)
    payment["Status"] = "DELETED"
    payment["UpdatedDateUTC"] = now
    out.puts.append(("Payments", payment))
    for key, collection, id_field in (
        ("Invoice", "Invoices", "InvoiceID"),
        ("CreditNote", "CreditNotes", "CreditNoteID"),
    ):
        ref = existing.get(key) or {}
        document = book.get(collection, ref.get(id_field)) if ref.get(id_field) else None
        if document is None:
            continue
        updated = dict(document)
        updated["Payments"] = [
            p
            for p in document.get("Payments") or []
            if key_of(p.get("PaymentID")) != key_of(existing["PaymentID"])
        ]
        apply_payment_amounts(updated, collection, -(existing.get("Amount") or ZERO), None)
        updated["UpdatedDateUTC"] = now
        out.puts.append((collection, updated))
    out.record = payment
    return out
