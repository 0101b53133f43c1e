"""Which rule handles an element of which collection (the Book's write dispatch).

Why a registry: the Book stays ignorant of per-collection rules, and each rule module can be read (and
tested) on its own. Settings collections other than Currencies and TaxRates (Accounts, ...) are read-only
in this sandbox: the connectors never write them, and an accepted write would hide a bug. TaxRates are
written by the admin's fix after a tax rejection (rules_tax_rates.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .book import Outcome

if TYPE_CHECKING:
    from .book import Book

Rule = Callable[[dict[str, Any]], Outcome]


def rule_for(book: Book, collection: str, *, method: str, unitdp: int, path_id: str | None) -> Rule:
    if collection in ("Invoices", "CreditNotes", "PurchaseOrders"):
        from .rules_documents import document_rule

        return lambda element: document_rule(
            book, collection, element, method=method, unitdp=unitdp, path_id=path_id
        )
    if collection == "Contacts":
        from .rules_contacts import contact_rule

        return lambda element: contact_rule(book, element, method=method, unitdp=unitdp, path_id=path_id)
    if collection == "Items":
        from .rules_items import item_rule

        return lambda element: item_rule(book, element, method=method, unitdp=unitdp, path_id=path_id)
    if collection == "Payments":
        from .rules_payments import payment_rule

        return lambda element: payment_rule(book, element, method=method, unitdp=unitdp, path_id=path_id)
    if collection == "Currencies":
        from .rules_settings import currency_rule

        return lambda element: currency_rule(book, element, method=method)
    if collection == "TaxRates":
        from .rules_tax_rates import tax_rate_rule

        return lambda element: tax_rate_rule(book, element, method=method)
    return lambda element: Outcome().fail(f"The sandbox does not accept writes to {collection}.")
