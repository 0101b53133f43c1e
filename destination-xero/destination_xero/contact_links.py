"""Which known companies can affect a cycle's contact matching: the cycle's own and those linked to them.

Why: contact_match.py decides every company it is given at once, so that one contact never goes to two
companies and a folded name matches only when no rival has it. The rivals are every company the run has
seen, and deciding all of them on every cycle made matching cost cycles times companies (the destination's
CPU grew 14-fold from bench:10000 to bench:100000). Only companies that can claim a contact one of the
cycle's companies can claim change its outcome, and so on transitively; the rest decide nothing for it.

Two companies are linked through a contact when each can reach it: by ContactNumber (ours names one
company), by AccountNumber (the company's number) or by name (the folded group holds the exact one too).
`linked` returns the closure of the cycle's companies under that relation: resolve_contacts gives each of
them the outcome it would give with every known company (tests/test_contact_links.py compares the two on
random worlds). An index entry left by a company renamed since only adds a company that is not linked,
which changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from .contact_match import KnownCompany, company_of
from .lookups import ContactIndex, fold_name


class CompanyLinks:
    """The run's known companies by folded name and by number, kept up to date cycle after cycle."""

    def __init__(self) -> None:
        self._seen: dict[int, KnownCompany] = {}
        self._by_name: dict[str, set[int]] = {}
        self._by_number: dict[str, set[int]] = {}

    def linked(
        self, index: ContactIndex, prefix: str, known: Mapping[int, KnownCompany], start: Iterable[int]
    ) -> dict[int, KnownCompany]:
        """The companies of `start` and every known company linked to them, directly or not."""
        self._update(known)
        pool: dict[int, KnownCompany] = {}
        todo = list(start)
        while todo:
            company_id = todo.pop()
            company = known.get(company_id)
            if company is None or company_id in pool:
                continue
            pool[company_id] = company
            for contact in _reachable(index, company, prefix):
                todo.extend(i for i in self._claimants(contact, prefix) if i not in pool)
        return pool

    def _update(self, known: Mapping[int, KnownCompany]) -> None:
        for company_id, company in known.items():
            if self._seen.get(company_id) is company:
                continue
            self._seen[company_id] = company
            self._by_name.setdefault(fold_name(company.name), set()).add(company_id)
            if company.number:
                self._by_number.setdefault(company.number.casefold(), set()).add(company_id)

    def _claimants(self, contact: Mapping[str, Any], prefix: str) -> Iterator[int]:
        """Every known company that could reach this contact."""
        owner = company_of(str(contact.get("ContactNumber") or ""), prefix)
        if owner is not None:
            yield owner
        account = str(contact.get("AccountNumber") or "").casefold()
        if account:
            yield from self._by_number.get(account, ())
        yield from self._by_name.get(fold_name(str(contact.get("Name") or "")), ())


def _reachable(index: ContactIndex, company: KnownCompany, prefix: str) -> Iterator[dict[str, Any]]:
    """The contacts any tier could give this company (contact_match._candidates, before rivals)."""
    own = index.by_number.get(f"{prefix}{company.id}".casefold())
    if own is not None:
        yield own
    if company.number:
        account = index.by_account.get(company.number.casefold())
        if account is not None:
            yield account
    yield from index.by_name.get(fold_name(company.name), ())
