"""How an Autotask invoice number appears in Xero, and how to read it back: one rule for both directions.

Why in the kit: destination-xero numbers the Xero invoice it writes by `mappings.numbering`, and
destination-autotask-payments (with source-xero-payments, which filters on it) reads the Autotask number
back from the Xero invoice by the same rule. Two copies of the rule could drift, and a payment would then
be matched to the wrong Autotask invoice, or to none. The modes:
- `autotask`: the Xero InvoiceNumber is the Autotask number;
- `prefix`: the Xero InvoiceNumber is `prefix` + the Autotask number; a number without the prefix did not
  come from Autotask;
- `xero`: Xero numbers the invoice and the Reference holds `reference_prefix` + the Autotask number; an
  invoice without such a Reference did not come from Autotask.
Comparison of the prefix is exact (case-sensitive), as destination-xero writes it: a look-alike typed by
hand in Xero is not ours.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator


class NumberingMapping(BaseModel):
    """`mappings.numbering` of every connector that reads or writes Xero invoices numbered from Autotask.

    Unknown keys are refused (`extra="forbid"`): a misspelt `prefix` silently ignored would number, or
    match, every invoice wrongly."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["autotask", "prefix", "xero"] = "autotask"
    prefix: str = ""
    reference_prefix: str = ""

    @model_validator(mode="after")
    def _prefix_needed(self) -> NumberingMapping:
        if self.mode == "prefix" and not self.prefix:
            raise ValueError("numbering mode 'prefix' needs a non-empty prefix")
        return self


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
    return numbering.mode == "xero"
