"""Dates Xero can parse but cannot store: anything before 1 January 1753.

Why: a date in a write body meets three layers in Xero, and each answers differently.
1. The JSON reader (Newtonsoft): a string that is not a date ("1-01-01", "2026-02-30", "31/12/2026")
   fails deserialisation and the WHOLE request is refused with HTTP 400 PostDataInvalidException
   "JSON for post data was invalid,Could not convert string to DateTime: ... Path '...'." (schema.py;
   only ISO 8601 and `/Date(ms)/` are accepted, see wire.py).
2. The business rules: a well-formed date can still be refused per element, e.g. on or before the lock
   date (rules_common.check_lock). A DueDate before the Date is NOT refused: Xero's own createInvoices
   example in the OpenAPI spec sends Date 2019-03-11 with DueDate 2018-12-10.
3. The database: Xero stores dates in SQL Server `datetime`, whose range is 1753-01-01 to 9999-12-31.
   "0001-01-01" (.NET's DateTime.MinValue, what an unset date serialises to) parses, passes the rules
   and then cannot be saved. The only public report of Xero meeting that limit is an If-Modified-Since
   before 1753, answered with HTTP 500 (XeroAPI/XeroAPI.Net#16), so a stored date outside the range is
   answered the same way: HTTP 500 (the sandbox's Xero 500 problem JSON) and nothing written, whatever
   summarizeErrors says. UNCONFIRMED for document dates; chosen because it is the one documented
   behaviour at that limit, and because it is the harshest: a client that survives a poison batch
   answering 500 (no endless retry, the batch split or reported) survives a per-element refusal too.
   9999-12-31 is inside the range and accepted. Dates before 1970 are valid (Xero-Java#138: invoices
   dated 1917 exist in real organisations).

Only dates Xero stores are checked (read-only elements such as UpdatedDateUTC are ignored on writes).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import wire

SQL_MIN_DATE = dt.date(1753, 1, 1)
SQL_MAX_DATE = dt.date(9999, 12, 31)

# Request model -> the date elements its writes store.
STORED_DATES: dict[str, tuple[str, ...]] = {
    "Invoice": ("Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"),
    "CreditNote": ("Date", "DueDate"),
    "PurchaseOrder": ("Date", "DeliveryDate", "ExpectedArrivalDate"),
    "Payment": ("Date",),
    "Allocation": ("Date",),
}


def unstorable_date(model_name: str, elements: list[dict[str, Any]]) -> str | None:
    """The first stored date outside SQL Server's datetime range, as sent; None when all fit."""
    names = STORED_DATES.get(model_name, ())
    for element in elements:
        for name in names:
            value = element.get(name)
            if value is None or value == "":
                continue
            try:
                day = wire.parse_date(value)
            except (ValueError, OverflowError):
                return str(value)
            if not SQL_MIN_DATE <= day <= SQL_MAX_DATE:
                return str(value)
    return None
