"""Resolution's rule for contacts: which Xero contact is which Autotask company's, decided for every known
company at once, never by order (resolution.py writes what this decides).

Why: matched one company at a time, the first company processed could take a contact whose exact name is
another company's ("Café Zürich GmbH" took "Cafe Zurich GmbH", and the company of that exact name got a
second "(AT-…)" contact): one customer's invoices on another customer's contact. So the companies of a
flush, and every other company the run has seen (documents' companies, `companies` stream records), claim
contacts tier by tier, strongest first: each rule of `contacts.match` in its declared order, the `name`
rule split into the exact name, then the name folded for case, accents and spacing.

In a tier, a contact claimed by one company alone is that company's and is out of reach of every weaker
tier (so the exact name beats the folded one whatever the order). A contact claimed by several companies
in the same tier, or a company finding several contacts, is ambiguous: reported with what to do, and that
company's documents are rejected until the admin says whose the contact is (its ContactNumber, or its
AccountNumber). A contact of exactly a company's name that already belongs to another company (its
ContactNumber, written when that company was matched, maybe by a folded name in an earlier run) is
reported too, rather than answered with a second contact. A company whose folded-name contact went to
another company gets a contact of its own, and the decision says why.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .lookups import ContactIndex, owned_by_another
from .record_types import Company

CONTESTED = -1  # `taken` value of a contact several companies claimed: nobody's until the admin says
_TIERS = {
    "contact_number": ("contact_number",),
    "account_number": ("account_number",),
    "name": ("exact", "folded"),
}
_HOW = {
    "contact_number": "ContactNumber",
    "account_number": "AccountNumber",
    "exact": "exact name",
    "folded": "name with case, accents and spacing folded",
}


@dataclass(frozen=True, slots=True)
class KnownCompany:
    """What matching needs of an Autotask company; kept for every company a run sees (it is small)."""

    id: int
    name: str
    number: str | None = None

    @classmethod
    def of(cls, company: Company) -> KnownCompany:
        return cls(company.id, company.name, company.number)


@dataclass(frozen=True)
class ContactMatch:
    contact: dict[str, Any] | None = None
    problem: str = ""  # ambiguous: the company's documents are rejected with this reason
    note: str = ""  # an existing contact was left to another company: said when a new one is created


def resolve_contacts(
    index: ContactIndex, rules: Sequence[str], prefix: str, companies: Iterable[KnownCompany]
) -> dict[int, ContactMatch]:
    """One outcome per company, the same whatever order the companies (or their records) came in."""
    pool = {c.id: c for c in companies}
    taken: dict[str, int] = {}  # ContactID -> the company it went to (CONTESTED: several claimed it)
    out: dict[int, ContactMatch] = {}
    for tier in _tiers(rules):
        waiting = [pool[i] for i in sorted(pool) if i not in out]
        claims: dict[str, tuple[dict[str, Any], list[int]]] = {}
        for company in waiting:
            free = _prefer_active(
                [c for c in _candidates(index, tier, company, prefix) if _id(c) not in taken]
            )
            for contact in free:
                claims.setdefault(_id(contact), (contact, []))[1].append(company.id)
            if len(free) > 1:
                out[company.id] = ContactMatch(problem=_several(company, free, tier, prefix))
            elif not free and tier == "exact":
                held = _held_elsewhere(index, company, prefix, taken)
                if held is not None:
                    out[company.id] = ContactMatch(
                        problem=_belongs_elsewhere(company, held, pool, taken, prefix)
                    )
        _settle(claims, tier, pool, prefix, taken, out)
    for company in pool.values():
        if company.id not in out:
            out[company.id] = ContactMatch(note=_left_note(index, company, prefix, taken, pool, rules))
    return out


def _tiers(rules: Sequence[str]) -> Iterator[str]:
    seen: set[str] = set()
    for rule in rules:
        for tier in _TIERS.get(rule, ()):
            if tier not in seen:
                seen.add(tier)
                yield tier


def _id(contact: Mapping[str, Any]) -> str:
    return str(contact.get("ContactID") or "")


def _key(company: KnownCompany, prefix: str) -> str:
    return f"{prefix}{company.id}"


def _candidates(index: ContactIndex, tier: str, company: KnownCompany, prefix: str) -> list[dict[str, Any]]:
    """The contacts this tier finds for the company, before what stronger tiers took is removed."""
    if tier == "contact_number":
        found = index.by_number.get(_key(company, prefix).casefold())
        return [found] if found is not None else []
    if tier == "account_number":
        found = index.by_account.get(company.number.casefold()) if company.number else None
        return [found] if found is not None else []
    exact, folded = index.named(company.name)
    group = exact if tier == "exact" else folded
    return [c for c in group if not owned_by_another(c, _key(company, prefix), prefix)]


def _prefer_active(contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """An active contact before archived ones of the same name (archived duplicates are history)."""
    active = [c for c in contacts if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]
    return active or contacts


def _settle(
    claims: Mapping[str, tuple[dict[str, Any], list[int]]],
    tier: str,
    pool: Mapping[int, KnownCompany],
    prefix: str,
    taken: dict[str, int],
    out: dict[int, ContactMatch],
) -> None:
    """A contact one company claimed is that company's; one several claimed is reported to each."""
    for contact_id, (contact, claimants) in claims.items():
        if len(claimants) == 1 and claimants[0] not in out:
            taken[contact_id] = claimants[0]
            out[claimants[0]] = ContactMatch(contact=contact)
            continue
        taken[contact_id] = CONTESTED
        rivals = [pool[i] for i in claimants]
        for company_id in claimants:
            if company_id not in out:
                out[company_id] = ContactMatch(problem=_contested(contact, rivals, tier, prefix))


def _held_elsewhere(
    index: ContactIndex, company: KnownCompany, prefix: str, taken: Mapping[str, int]
) -> dict[str, Any] | None:
    """A contact of exactly this company's name that belongs to another company (its ContactNumber, or a
    stronger rule this run), if any."""
    exact, _ = index.named(company.name)
    for contact in _prefer_active(exact):
        owner = taken.get(_id(contact))
        if (owner is not None and owner != company.id) or owned_by_another(
            contact, _key(company, prefix), prefix
        ):
            return contact
    return None


def _left_note(
    index: ContactIndex,
    company: KnownCompany,
    prefix: str,
    taken: Mapping[str, int],
    pool: Mapping[int, KnownCompany],
    rules: Sequence[str],
) -> str:
    """Why a contact of this company's folded name was not used, when it is another company's."""
    if "name" not in rules:
        return ""
    _, folded = index.named(company.name)
    for contact in _prefer_active(folded):
        owner = _owner(contact, company, prefix, taken, pool)
        if owner:
            return (
                f"Xero contact {_label(contact)} matches Autotask company {_who(company)} only with case, "
                f"accents or spacing folded, and belongs to Autotask company {owner}; a contact of its own "
                f"is created. If the existing contact is in fact this company's, set its ContactNumber to "
                f"{_key(company, prefix)} in Xero (and give the other company a contact of its own)"
            )
    return ""


def _owner(
    contact: Mapping[str, Any],
    company: KnownCompany,
    prefix: str,
    taken: Mapping[str, int],
    pool: Mapping[int, KnownCompany],
) -> str:
    """The other company a contact belongs to, described ('2 'Cafe Zurich GmbH' (it carries exactly that
    company's name)'), or '' when it is nobody else's."""
    owner_id = taken.get(_id(contact))
    if owner_id is None or owner_id == CONTESTED:
        if not owned_by_another(contact, _key(company, prefix), prefix):
            return ""
        owner_id = company_of(str(contact.get("ContactNumber") or ""), prefix)
    if owner_id is None or owner_id == company.id:
        return ""
    owner = pool.get(owner_id)
    if owner is None:
        return f"{owner_id} (ContactNumber {contact.get('ContactNumber')})"
    return f"{_who(owner)} ({_why(contact, owner, prefix)})"


# ---- messages: each names the companies, the contact and what the admin does ---------------------------
def _who(company: KnownCompany) -> str:
    return f"{company.id} {company.name!r}"


def _label(contact: Mapping[str, Any]) -> str:
    return f"{str(contact.get('Name') or '')!r} (ContactID {_id(contact)})"


def _why(contact: Mapping[str, Any], owner: KnownCompany, prefix: str) -> str:
    if str(contact.get("ContactNumber") or "").casefold() == _key(owner, prefix).casefold():
        return f"its ContactNumber is {contact['ContactNumber']}"
    if owner.number and str(contact.get("AccountNumber") or "").casefold() == owner.number.casefold():
        return f"its AccountNumber is {contact['AccountNumber']}"
    return "it carries exactly that company's name"


def _tell_whose(companies: Sequence[KnownCompany], prefix: str) -> str:
    numbers = " or ".join(_key(c, prefix) for c in companies)
    accounts = " or ".join(c.number for c in companies if c.number)
    also = f", or its AccountNumber to that company's number ({accounts})" if accounts else ""
    return f"In Xero set its ContactNumber to the company it belongs to ({numbers}){also}"


def _several(company: KnownCompany, contacts: Sequence[Mapping[str, Any]], tier: str, prefix: str) -> str:
    listed = ", ".join(_label(c) for c in contacts)
    return (
        f"Autotask company {_who(company)} matches several Xero contacts by {_HOW[tier]}: {listed}. Which "
        f"one is this customer's is not guessed: set the ContactNumber of that contact to "
        f"{_key(company, prefix)} in Xero"
        + (f" (or its AccountNumber to {company.number})" if company.number else "")
        + "; the next run uses it"
    )


def _contested(contact: Mapping[str, Any], companies: Sequence[KnownCompany], tier: str, prefix: str) -> str:
    names = " and ".join(_who(c) for c in companies)
    then = (
        "; the other company then needs a contact of its own: create it in Xero with its ContactNumber, "
        "since it has exactly the same name"
        if tier == "exact"
        else "; the other company then gets a contact of its own on the next run"
    )
    return (
        f"Xero contact {_label(contact)} matches Autotask companies {names} by {_HOW[tier]}, so whose it "
        f"is cannot be told and is not guessed. {_tell_whose(companies, prefix)}{then}"
    )


def _belongs_elsewhere(
    company: KnownCompany,
    contact: Mapping[str, Any],
    pool: Mapping[int, KnownCompany],
    taken: Mapping[str, int],
    prefix: str,
) -> str:
    owner = _owner(contact, company, prefix, taken, pool) or "(another company)"
    own = _key(company, prefix)
    return (
        f"Xero contact {_label(contact)} has exactly the name of Autotask company {_who(company)}, but "
        f"belongs to Autotask company {owner}; it may have been matched to that company by a similar name "
        "in an earlier run. Which customer it is is not guessed, and no second contact is created. If it "
        f"is the other company's, create this company's contact in Xero with ContactNumber {own}; if it "
        f"is this company's, set its ContactNumber to {own} and give the other company a contact of its "
        "own. The next run matches by ContactNumber"
    )


def company_of(contact_number: str, prefix: str) -> int | None:
    if not prefix or not contact_number.casefold().startswith(prefix.casefold()):
        return None
    tail = contact_number[len(prefix) :]
    return int(tail) if tail.isdigit() else None
