"""Contact matching across companies (contact_match.py): the exact name beats the folded one, a folded name
matches only when unambiguous, and no outcome depends on the order companies come in."""

from __future__ import annotations

import itertools

from destination_xero.contact_match import KnownCompany, resolve_contacts
from destination_xero.lookups import ContactIndex

RULES = ["contact_number", "account_number", "name"]


def contact(cid: str, name: str, **extra: str) -> dict[str, str]:
    return {"ContactID": cid, "Name": name, "ContactStatus": "ACTIVE", **extra}


def outcomes(contacts, companies, rules=RULES):
    """{company id: (ContactID or None, problem?)} for every order of `companies`; asserts they agree."""
    seen = set()
    for order in itertools.permutations(companies):
        result = resolve_contacts(ContactIndex(contacts), rules, "AT-", order)
        seen.add(
            tuple(
                sorted(
                    (i, m.contact["ContactID"] if m.contact else None, bool(m.problem))
                    for i, m in result.items()
                )
            )
        )
    assert len(seen) == 1, seen  # the same answer whatever the order
    return {i: (cid, problem) for i, cid, problem in seen.pop()}


def test_the_exact_name_contact_wins_over_a_folded_one_in_every_order():
    contacts = [contact("x", "Cafe Zurich GmbH")]
    companies = [KnownCompany(201, "Café Zürich GmbH"), KnownCompany(202, "Cafe Zurich GmbH")]
    assert outcomes(contacts, companies) == {201: (None, False), 202: ("x", False)}


def test_the_exact_name_contact_wins_even_when_the_exact_company_only_was_seen():
    """A company seen this run without documents (the `companies` stream) still keeps its exact-name
    contact from a folded match."""
    contacts = [contact("x", "Cafe Zurich GmbH")]
    result = resolve_contacts(
        ContactIndex(contacts),
        RULES,
        "AT-",
        [KnownCompany(201, "Café Zürich GmbH"), KnownCompany(202, "Cafe Zurich GmbH")],
    )
    assert result[201].contact is None and "belongs to Autotask company 202" in result[201].note


def test_a_folded_name_matches_when_it_is_unambiguous():
    contacts = [contact("x", "Cafe Zurich GmbH")]
    assert outcomes(contacts, [KnownCompany(201, "CAFÉ  Zürich gmbh")]) == {201: ("x", False)}


def test_a_folded_name_two_companies_share_is_ambiguous_for_both():
    contacts = [contact("x", "Cafe Zurich GmbH")]
    companies = [KnownCompany(201, "Café Zürich GmbH"), KnownCompany(203, "CAFE ZURICH GMBH")]
    assert outcomes(contacts, companies) == {201: (None, True), 203: (None, True)}


def test_a_company_finding_two_folded_contacts_is_ambiguous():
    contacts = [contact("x", "Cafe Zurich GmbH"), contact("y", "Café  Zürich GmbH")]
    result = resolve_contacts(ContactIndex(contacts), RULES, "AT-", [KnownCompany(201, "CAFE ZURICH GMBH")])
    assert result[201].contact is None
    assert "several Xero contacts" in result[201].problem and "ContactID x" in result[201].problem


def test_what_an_exact_name_took_is_out_of_reach_and_the_remaining_folded_contact_is_unambiguous():
    contacts = [contact("x", "Cafe Zurich GmbH"), contact("y", "CAFÉ ZÜRICH GMBH")]
    companies = [KnownCompany(201, "Café Zürich GmbH"), KnownCompany(202, "Cafe Zurich GmbH")]
    assert outcomes(contacts, companies) == {201: ("y", False), 202: ("x", False)}


def test_identical_names_of_two_companies_are_ambiguous_not_first_come():
    contacts = [contact("x", "Acme Ltd")]
    companies = [KnownCompany(1, "Acme Ltd"), KnownCompany(2, "Acme Ltd")]
    assert outcomes(contacts, companies) == {1: (None, True), 2: (None, True)}


def test_an_exact_name_contact_owned_by_another_company_is_reported_not_duplicated():
    contacts = [contact("x", "Cafe Zurich GmbH", ContactNumber="AT-201")]
    result = resolve_contacts(ContactIndex(contacts), RULES, "AT-", [KnownCompany(202, "Cafe Zurich GmbH")])
    assert result[202].contact is None
    assert "belongs to Autotask company 201" in result[202].problem
    assert "ContactNumber AT-202" in result[202].problem


def test_numbers_beat_names_and_a_folded_contact_owned_by_another_leaves_a_note():
    contacts = [
        contact("x", "Acme Plumbing", ContactNumber="AT-1"),
        contact("y", "Somebody", AccountNumber="C2"),
    ]
    companies = [
        KnownCompany(1, "Somebody"),
        KnownCompany(2, "ACME PLUMBING", "C2"),
        KnownCompany(3, "acme plumbing"),
    ]
    assert outcomes(contacts, companies) == {1: ("x", False), 2: ("y", False), 3: (None, False)}
    result = resolve_contacts(ContactIndex(contacts), RULES, "AT-", companies)
    assert "belongs to Autotask company 1 'Somebody' (its ContactNumber is AT-1)" in result[3].note


def test_an_active_contact_beats_an_archived_one_of_the_same_name():
    contacts = [contact("old", "Old Mill", ContactStatus="ARCHIVED"), contact("new", "Old Mill")]
    assert outcomes(contacts, [KnownCompany(5, "Old Mill")]) == {5: ("new", False)}


def test_a_contact_written_back_replaces_its_earlier_version_in_the_index():
    index = ContactIndex([contact("x", "Cafe Zurich GmbH")])
    index.add({"ContactID": "x", "ContactNumber": "AT-202"})
    assert index.by_number["at-202"]["Name"] == "Cafe Zurich GmbH"
    assert [c["ContactID"] for c in index.named("Cafe Zurich GmbH")[0]] == ["x"]
