"""Mapping, contacts: the Xero contact an Autotask company becomes.

Why apart: a contact is not a document of its own in the sync (it is written only when a document needs
it, from that document's company snapshot) and its rules are few, but resolution (resolution.py) builds
one for every company it matches, so the ContactNumber it claims must be the one the next run looks up.
The ContactNumber is `contacts.contact_number_prefix` + the Autotask company id: stable whatever the
company's name becomes, and how an earlier run's contact is found again.
"""

from __future__ import annotations

from typing import Any

from .config import Tenant
from .documents import Document
from .record_types import Company


def contact_number(tenant: Tenant, company: Company) -> str:
    return f"{tenant.mappings.contacts.contact_number_prefix}{company.id}"


def contact_document(tenant: Tenant, company: Company) -> Document:
    """Name, numbers, email, tax number, billing address and phone, each cut to Xero's length."""
    payload: dict[str, Any] = {
        "Name": company.name[:255],
        "ContactNumber": contact_number(tenant, company)[:50],
    }
    if company.number:
        payload["AccountNumber"] = company.number[:50]
    if company.email:
        payload["EmailAddress"] = company.email[:255]
    if company.tax_id:
        payload["TaxNumber"] = company.tax_id[:50]
    a = company.address
    if a.line1 or a.city:
        address = {"AddressType": "POBOX"}
        for key, value in (
            ("AddressLine1", a.line1),
            ("AddressLine2", a.line2),
            ("City", a.city),
            ("Region", a.region),
            ("PostalCode", a.postal_code),
            ("Country", a.country),
            ("AttentionTo", a.attention),
        ):
            if value:
                address[key] = value
        payload["Addresses"] = [address]
    if company.phone:
        payload["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": company.phone[:50]}]
    return Document(
        kind="contact",
        tenant_id=tenant.tenant_id,
        key=payload["ContactNumber"],
        source_id=company.id,
        payload=payload,
        autotask_number=company.name,
    )
