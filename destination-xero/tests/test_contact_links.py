"""contact_links.py: deciding a cycle's companies with only the companies linked to them gives each of them
exactly the outcome (contact, problem text and note) that deciding every known company gives.

Random worlds with few names (so names collide, also once folded), shared account numbers and contacts
carrying our ContactNumber of some company: the cases where rivals decide an outcome."""

from __future__ import annotations

from typing import Any

from destination_xero.contact_links import CompanyLinks
from destination_xero.contact_match import KnownCompany, resolve_contacts
from destination_xero.lookups import ContactIndex
from hypothesis import given, settings
from hypothesis import strategies as st

PREFIX = "AT-"
RULES = ["contact_number", "account_number", "name"]
NAMES = ["Acme Ltd", "ACME LTD", "Acmé Ltd", "Bolt & Co", "bolt & co", "Cafe Zurich", "Café Zürich", "Delta"]
NUMBERS = [None, "N1", "n1", "N2", "N3"]

companies_st = st.lists(
    st.tuples(st.sampled_from(NAMES), st.sampled_from(NUMBERS)), min_size=1, max_size=12
).map(lambda rows: [KnownCompany(100 + i, name, number) for i, (name, number) in enumerate(rows)])

contacts_st = st.lists(
    st.tuples(
        st.sampled_from(NAMES),
        st.sampled_from([None, "N1", "N2", "N4"]),
        st.one_of(st.none(), st.integers(100, 115)),
        st.sampled_from(["ACTIVE", "ARCHIVED"]),
    ),
    max_size=10,
)


def _contacts(rows: list[tuple[str, str | None, int | None, str]]) -> list[dict[str, Any]]:
    out = []
    for i, (name, account, owner, status) in enumerate(rows):
        contact: dict[str, Any] = {"ContactID": f"c{i}", "Name": name, "ContactStatus": status}
        if account:
            contact["AccountNumber"] = account
        if owner is not None:
            contact["ContactNumber"] = f"{PREFIX}{owner}"
        out.append(contact)
    return out


def _view(outcome: Any) -> tuple[Any, str, str]:
    return (outcome.contact and outcome.contact["ContactID"], outcome.problem, outcome.note)


@settings(max_examples=400, deadline=None)
@given(companies_st, contacts_st, st.data())
def test_the_linked_companies_decide_the_cycle_as_every_known_company_does(companies, rows, data):
    index = ContactIndex(_contacts(rows))
    cycle = data.draw(st.lists(st.sampled_from(companies), min_size=1, unique_by=lambda c: c.id))
    known = {c.id: c for c in companies}
    everyone = resolve_contacts(index, RULES, PREFIX, known.values())
    pool = CompanyLinks().linked(index, PREFIX, known, (c.id for c in cycle))
    assert {c.id for c in cycle} <= set(pool)
    linked = resolve_contacts(index, RULES, PREFIX, pool.values())
    for company in cycle:
        assert _view(linked[company.id]) == _view(everyone[company.id]), company


def test_an_unrelated_company_is_left_out_and_a_rival_is_kept() -> None:
    index = ContactIndex([{"ContactID": "x", "Name": "Acme Ltd", "ContactStatus": "ACTIVE"}])
    known = {
        1: KnownCompany(1, "Acme Ltd"),
        2: KnownCompany(2, "ACME LTD"),  # the same folded name: a rival for contact x
        3: KnownCompany(3, "Delta"),  # nothing in common
    }
    assert set(CompanyLinks().linked(index, PREFIX, known, [2])) == {1, 2}
