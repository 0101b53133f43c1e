"""Look-ups and checks shared by several rule modules (accounts, tax rates, currencies, contacts).

Why shared: the same reference checks (does this AccountCode exist and is it usable, is this TaxType
active and allowed on that account, is this currency enabled) apply to invoice lines, credit notes,
purchase orders, items and payments, and must give the same wording everywhere.

Lengths are counted as Xero counts them: Xero is .NET over SQL Server, where `string.Length` and
`nvarchar(n)` both count UTF-16 code units, so a character outside the Basic Multilingual Plane (an
emoji, many CJK extension characters) counts twice. A 255-character limit therefore refuses 128 emoji
even though Python's `len` says 128.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import wire

if TYPE_CHECKING:
    from .book import Book

CLASS_FLAG = {
    "ASSET": "CanApplyToAssets",
    "EQUITY": "CanApplyToEquity",
    "EXPENSE": "CanApplyToExpenses",
    "LIABILITY": "CanApplyToLiabilities",
    "REVENUE": "CanApplyToRevenue",
}
# System accounts a document line may not be coded to (they are posted by Xero itself).
BLOCKED_SYSTEM_ACCOUNTS = frozenset(
    {
        "DEBTORS",
        "CREDITORS",
        "BANKCURRENCYGAIN",
        "UNREALISEDCURRENCYGAIN",
        "RETAINEDEARNINGS",
        "GST",
        "GSTONIMPORTS",
        "TRACKINGTRANSFERS",
    }
)


def utf16_length(text: str) -> int:
    """The length .NET and SQL Server see: UTF-16 code units (an astral character is two)."""
    return len(text.encode("utf-16-le")) // 2


def too_long(value: Any, limit: int) -> bool:
    return value is not None and utf16_length(str(value)) > limit


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def line_account(book: Book, line: dict[str, Any], errors: list[str]) -> dict[str, Any] | None:
    """The account a line is coded to (by AccountCode or AccountID), or None with an error added."""
    code = line.get("AccountCode")
    account_id = line.get("AccountID")
    account = None
    if code not in (None, ""):
        account = book.account_by_code(code)
        if account is None:
            errors.append(f"Account code '{code}' is not a valid code for this document.")
            return None
    elif account_id:
        account = book.get("Accounts", account_id)
        if account is None:
            errors.append(f"Account ID '{account_id}' is not a valid account for this document.")
            return None
    else:
        return None
    label = account.get("Code") or account.get("AccountID")
    if account.get("Status", "ACTIVE") != "ACTIVE":
        errors.append(
            f"Account code '{label}' has been archived, or deleted. Each line item must reference "
            "a valid account."
        )
        return None
    if account.get("Type") == "BANK" or account.get("SystemAccount") in BLOCKED_SYSTEM_ACCOUNTS:
        errors.append(f"Account code '{label}' is not a valid code for this document.")
        return None
    return account


def tax_rate(book: Book, tax_type: Any, errors: list[str]) -> dict[str, Any] | None:
    rate = book.get("TaxRates", tax_type)
    if rate is None or rate.get("TaxType") != tax_type:
        errors.append(f"The TaxType code '{tax_type}' is not valid.")
        return None
    if rate.get("Status", "ACTIVE") != "ACTIVE":
        errors.append(f"The TaxType code '{tax_type}' is not active and cannot be used.")
        return None
    return rate


def tax_allowed_on(rate: dict[str, Any], account: dict[str, Any] | None, errors: list[str]) -> bool:
    if account is None:
        return True
    flag = CLASS_FLAG.get(str(account.get("Class", "")))
    if flag and not rate.get(flag, True):
        errors.append(
            f"The TaxType code '{rate.get('TaxType')}' cannot be used with account code "
            f"'{account.get('Code')}'."
        )
        return False
    return True


def currency_ok(book: Book, code: Any, errors: list[str]) -> bool:
    if code is None or code == book.base_currency:
        return True
    if book.get("Currencies", code) is None:
        errors.append(
            f"The currency code '{code}' has not been enabled for this organisation. Add it in "
            "Currencies settings before using it."
        )
        return False
    return True


def currency_rate(value: Any, errors: list[str]) -> Decimal | None:
    if value is None:
        return None
    rate = wire.to_decimal(value)
    if rate <= 0:
        errors.append("The CurrencyRate must be greater than zero.")
        return None
    if decimal_places(rate) > 6:
        errors.append("The CurrencyRate cannot have more than 6 decimal places.")
        return None
    return rate


def lock_date(book: Book) -> dt.date | None:
    """The later of the organisation's PeriodLockDate and EndOfYearLockDate, if any."""
    dates = [
        d
        for d in (book.organisation.get("PeriodLockDate"), book.organisation.get("EndOfYearLockDate"))
        if isinstance(d, dt.date)
    ]
    if not dates:
        return None
    latest = max(dates)
    return latest.date() if isinstance(latest, dt.datetime) else latest


def check_lock(book: Book, date: Any, errors: list[str], what: str = "document") -> None:
    """Xero refuses transactions dated on or before the lock date."""
    locked = lock_date(book)
    if locked is None or not isinstance(date, dt.date):
        return
    day = date.date() if isinstance(date, dt.datetime) else date
    if day <= locked:
        errors.append(f"The {what} date cannot be on or before the period lock date ({locked.isoformat()}).")


def contact_ref(contact: dict[str, Any]) -> dict[str, Any]:
    """The contact summary a document keeps (platform filters on Contact.ContactID / Name / ContactNumber)."""
    ref = {"ContactID": contact["ContactID"], "Name": contact.get("Name")}
    if contact.get("ContactNumber"):
        ref["ContactNumber"] = contact["ContactNumber"]
    return ref
