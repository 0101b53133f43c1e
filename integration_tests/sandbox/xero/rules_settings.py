"""Writes to settings collections: only `PUT /Currencies` (enabling a currency) is accepted.

Why so little: the connectors never create accounts, tax rates or tracking categories (they map onto
what the organisation already has), and a sandbox that quietly accepted such writes would hide a
connector bug. Enabling a currency is the one setting a multi-currency setup step may script.

Choices (UNCONFIRMED): enabling a currency that is already enabled (or the base currency) is an element
error; the Description defaults to the code.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import wire
from .book import Outcome

if TYPE_CHECKING:
    from .book import Book


def currency_rule(book: Book, element: dict[str, Any], *, method: str) -> Outcome:
    out = Outcome()
    if method != "PUT":
        return out.fail("Currencies can only be added (PUT).")
    sent = wire.from_json("Currency", element)
    code = sent.get("Code")
    if not code:
        return out.fail("Currency Code must be specified.")
    if code == book.base_currency or book.get("Currencies", code) is not None:
        return out.fail(f"The currency {code} has already been added to this organisation.")
    record = {"Code": code, "Description": sent.get("Description") or code}
    out.record = record
    out.puts.append(("Currencies", record))
    return out
