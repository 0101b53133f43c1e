"""From a Xero invoice back to its Autotask invoice number, by destination-xero's numbering rule.

- `autotask`: the Xero InvoiceNumber is the Autotask number;
- `prefix`: the Xero InvoiceNumber is `prefix` + the Autotask number; a number without the prefix did not
  come from Autotask;
- `xero`: Xero numbered the invoice and the Reference holds `reference_prefix` + the Autotask number; an
  invoice without such a Reference did not come from Autotask.
Comparison of the prefix is exact (case-sensitive), as destination-xero writes it: a look-alike typed by
hand in Xero is not ours.
"""

from __future__ import annotations

from destination_xero.config import NumberingMapping


def autotask_number(
    numbering: NumberingMapping, invoice_number: str | None, reference: str | None
) -> str | None:
    """The Autotask invoice number a Xero invoice carries, or None when the invoice is not one of ours."""
    if numbering.mode == "xero":
        return _strip(reference, numbering.reference_prefix)
    if numbering.mode == "prefix":
        return _strip(invoice_number, numbering.prefix)
    value = (invoice_number or "").strip()
    return value or None


def _strip(value: str | None, prefix: str) -> str | None:
    text = (value or "").strip()
    if not text or not text.startswith(prefix):
        return None
    rest = text[len(prefix) :].strip()
    return rest or None


def needs_reference(numbering: NumberingMapping) -> bool:
    """Under Xero numbering the match is on Reference, which payment records do not carry."""
    return bool(numbering.mode == "xero")
