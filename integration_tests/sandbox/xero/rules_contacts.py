"""Contacts: create (PUT/POST), update (POST with ContactID or /Contacts/{id}), archive.

Why strict: duplicate contacts are the first thing an MSP notices. Xero refuses a Name already used by
another ACTIVE contact (case-insensitive) and an AccountNumber used by any contact (api-facts A4).

Choices (UNCONFIRMED in the sources):
- PUT with the ContactID of an existing record is rejected (PUT only creates); an unknown ContactID
  sent with PUT is ignored and a new ID assigned (Xero's own PUT example sends one); POST with an
  unknown ContactID is an error;
- a write without ContactID whose Name matches an existing active contact is **rejected** (not merged
  into it): a client must look the contact up and update it by ContactID;
- Name is required on create ("Contact Name cannot be empty."), max 255; ContactNumber and AccountNumber
  max 50; EmailAddress must be plain ASCII with one '@' (Xero does not accept umlauts there);
- IsSupplier/IsCustomer are derived from the contact's documents; values sent are ignored;
- archiving (ContactStatus ARCHIVED via POST) is allowed at any time; un-archiving re-checks the Name;
- ContactStatus GDPRREQUEST is accepted as sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import wire
from .book import ZERO_GUID, Outcome, key_of
from .rules_common import too_long

if TYPE_CHECKING:
    from .book import Book

_READ_ONLY = frozenset(
    {
        "ContactID",
        "IsSupplier",
        "IsCustomer",
        "UpdatedDateUTC",
        "HasValidationErrors",
        "ValidationErrors",
        "StatusAttributeString",
        "Balances",
        "HasAttachments",
        "Attachments",
        "MergedToContactID",
        "BatchPayments",
    }
)


def contact_rule(
    book: Book, element: dict[str, Any], *, method: str, unitdp: int, path_id: str | None
) -> Outcome:
    del unitdp
    out = Outcome()
    sent = wire.from_json("Contact", element)
    sent_id = sent.get("ContactID")
    if sent_id == ZERO_GUID:
        sent_id = None
    existing = None
    if path_id is not None:
        existing = book.find("Contacts", path_id)
        if existing is None:
            return out.fail(f"Contact '{path_id}' could not be found.")
        if sent_id and key_of(sent_id) != key_of(existing["ContactID"]):
            return out.fail("The ContactID in the request body does not match the Contact in the URL.")
    elif sent_id:
        existing = book.get("Contacts", sent_id)
        if method == "PUT" and existing is not None:
            return out.fail(f"Contact {sent_id} already exists; PUT only creates. Use POST to update it.")
        if method == "POST" and existing is None:
            return out.fail(f"Contact with ContactID '{sent_id}' could not be found.")
    if existing is None:
        contact: dict[str, Any] = {
            "ContactID": book.new_id(),
            "ContactStatus": "ACTIVE",
            "IsSupplier": False,
            "IsCustomer": False,
            "Addresses": [],
            "Phones": [],
            "ContactPersons": [],
        }
    else:
        contact = dict(existing)
    for key, value in sent.items():
        if key not in _READ_ONLY:
            contact[key] = value
    validate_contact(book, contact, existing, out.errors)
    if out.errors:
        return out
    contact["UpdatedDateUTC"] = book.now()
    out.record = contact
    out.puts.append(("Contacts", contact))
    if existing is not None and (existing.get("Name"), existing.get("ContactNumber")) != (
        contact.get("Name"),
        contact.get("ContactNumber"),
    ):
        _rename_on_documents(book, contact, out)
    return out


def validate_contact(
    book: Book, contact: dict[str, Any], existing: dict[str, Any] | None, errors: list[str]
) -> None:
    name = contact.get("Name")
    if not name or not str(name).strip():
        errors.append("Contact Name cannot be empty.")
    elif too_long(name, 255):
        errors.append("Contact Name cannot be more than 255 characters.")
    own = key_of(existing["ContactID"]) if existing else key_of(contact["ContactID"])
    status = contact.get("ContactStatus") or "ACTIVE"
    if status not in ("ACTIVE", "ARCHIVED", "GDPRREQUEST"):
        errors.append(f"ContactStatus '{status}' is not valid.")
    if name and status == "ACTIVE":
        clash = [c for c in book.active_contacts_named(str(name)) if key_of(c["ContactID"]) != own]
        if clash:
            errors.append(
                f"The contact name {name} is already assigned to another contact. The contact name "
                "must be unique across all active contacts."
            )
    for field_name in ("ContactNumber", "AccountNumber"):
        if too_long(contact.get(field_name), 50):
            errors.append(f"{field_name} cannot be more than 50 characters.")
    account_number = contact.get("AccountNumber")
    if account_number:
        clash = [
            c for c in book.contacts_with_account_number(str(account_number)) if key_of(c["ContactID"]) != own
        ]
        if clash:
            errors.append("The Account Number already exists. Please enter a different Account Number.")
    email = contact.get("EmailAddress")
    if email:
        text = str(email)
        if too_long(text, 255) or not text.isascii() or text.count("@") != 1 or " " in text.strip():
            errors.append("Email address must be valid.")
    for field_name in ("FirstName", "LastName"):
        if too_long(contact.get(field_name), 255):
            errors.append(f"{field_name} cannot be more than 255 characters.")
    for person in contact.get("ContactPersons") or []:
        person_email = person.get("EmailAddress")
        if person_email and (not str(person_email).isascii() or str(person_email).count("@") != 1):
            errors.append("Email address must be valid.")
            break
    default_currency = contact.get("DefaultCurrency")
    if (
        default_currency
        and default_currency != book.base_currency
        and book.get("Currencies", default_currency) is None
    ):
        errors.append(f"The currency code '{default_currency}' has not been enabled for this organisation.")


def new_contact_from_reference(book: Book, value: dict[str, Any], out: Outcome) -> dict[str, Any] | None:
    """A contact created because a document named one that does not exist yet."""
    contact: dict[str, Any] = {
        "ContactID": book.new_id(),
        "ContactStatus": "ACTIVE",
        "IsSupplier": False,
        "IsCustomer": False,
        "Addresses": [],
        "Phones": [],
        "ContactPersons": [],
    }
    for key, item in value.items():
        if key not in _READ_ONLY:
            contact[key] = item
    errors: list[str] = []
    validate_contact(book, contact, None, errors)
    if errors:
        out.errors.extend(errors)
        return None
    contact["UpdatedDateUTC"] = book.now()
    out.puts.append(("Contacts", contact))
    return contact


def _rename_on_documents(book: Book, contact: dict[str, Any], out: Outcome) -> None:
    """Documents keep a contact summary that reads filter on; keep it in step with the contact."""
    from .rules_common import contact_ref

    for collection, record in book.documents_of_contact(contact["ContactID"]):
        updated = dict(record)
        updated["Contact"] = contact_ref(contact)
        out.puts.append((collection, updated))
