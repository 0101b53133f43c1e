"""What the stages hand each other: desired Xero documents, and what an organisation offers (its profile).

Why a module of its own: mapping makes Documents, resolution completes them, planning compares them and
posting sends them; the shape they agree on lives apart from all four.

A `Document` is one Xero element we want to exist (its JSON payload with Decimals, still without the
ContactID, which is resolved per tenant), keyed by its natural key so reruns find it again. An
`OrgProfile` is the organisation's settings the mappings are checked against (tax rates and their
components, currencies, branding themes, tracking categories, accounts), read once per tenant per run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from .record_types import Company, InvoicePdf, ProductRef
from .rounding import TaxComponent

Kind = Literal["invoice", "credit_note", "purchase_order", "bill", "contact", "item"]

# Xero collection and id element per document kind. A bill is an ACCPAY invoice (mapping_bill.py): it
# lives with the sales invoices in Xero, and the look-up tells them apart by Type (lookups.py).
COLLECTION: dict[str, str] = {
    "invoice": "Invoices",
    "credit_note": "CreditNotes",
    "purchase_order": "PurchaseOrders",
    "bill": "Invoices",
    "contact": "Contacts",
    "item": "Items",
}
ID_FIELD: dict[str, str] = {
    "invoice": "InvoiceID",
    "credit_note": "CreditNoteID",
    "purchase_order": "PurchaseOrderID",
    "bill": "InvoiceID",
    "contact": "ContactID",
    "item": "ItemID",
}
NUMBER_FIELD: dict[str, str] = {
    "invoice": "InvoiceNumber",
    "credit_note": "CreditNoteNumber",
    "purchase_order": "PurchaseOrderNumber",
    "bill": "InvoiceNumber",
    "contact": "ContactNumber",
    "item": "Code",
}


@dataclass
class Document:
    kind: Kind
    tenant_id: str
    key: str  # natural key: the number (or Reference under Xero numbering), contact number, item code
    source_id: int  # the Autotask id
    payload: dict[str, Any]
    match_on: Literal["number", "reference"] = "number"
    contact: Company | None = None  # resolved to a ContactID by the planner
    products: tuple[ProductRef, ...] = ()
    void: bool = False  # the Autotask document is voided/cancelled
    unitdp4: bool = False
    rounding: Decimal = Decimal(0)  # the rounding line's amount, 0 when none was needed
    autotask_number: str = ""
    # mappings.currency.update_issued_rates: the planner rewrites the CurrencyRate of a document Xero
    # already holds as approved only when this is set (an issued document keeps the rate it was issued at)
    update_issued_rates: bool = False
    identity: str = ""  # the Autotask link we set as the Xero invoice's Url: finds it whatever its number
    # what the run summary says about the lines (line_report.py): how many carry an item, the product or
    # service of each line that could not get one (named), and the ids of lines whose description was cut
    item_lines: int = 0
    itemless: tuple[str, ...] = ()
    cut_descriptions: tuple[int, ...] = ()
    # mappings.attachments.invoice_pdf: the Autotask PDF to attach (attachments.py), or why the source
    # could not read it; both None when the tenant does not attach PDFs
    pdf: InvoicePdf | None = None
    pdf_error: str | None = None
    # a bill whose purchase order is not due for one yet (mapping_bill.py): why, for the planner, which
    # looks it up only to say whether Xero already holds one (planner.decide_held)
    held: str = ""

    @property
    def collection(self) -> str:
        return COLLECTION[self.kind]

    @property
    def label(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.autotask_number or self.key}"


@dataclass(frozen=True)
class TaxRateInfo:
    tax_type: str
    name: str
    status: str
    components: tuple[TaxComponent, ...]


@dataclass(frozen=True)
class AccountInfo:
    code: str
    name: str
    status: str
    type: str
    system_account: str | None = None


@dataclass
class OrgProfile:
    base_currency: str
    currencies: frozenset[str] = frozenset()
    tax_rates: dict[str, TaxRateInfo] = field(default_factory=dict)
    branding: dict[str, str] = field(default_factory=dict)  # lower-cased name -> id
    branding_ids: frozenset[str] = frozenset()
    # lower-cased category name -> (name, {lower-cased option name: option name})
    tracking: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    accounts: dict[str, AccountInfo] = field(default_factory=dict)
    name: str = ""
    # Reads the enabled currencies on first need (a sync: only a document in another currency than the
    # base needs them, so an organisation billed in its own currency costs no Currencies call). It returns
    # None when Xero cannot say; the check is then left to Xero, which refuses such a document itself.
    currencies_source: Callable[[], frozenset[str] | None] | None = field(
        default=None, repr=False, compare=False
    )
    currencies_unknown: bool = False

    def theme_id(self, name_or_id: str) -> str | None:
        if name_or_id in self.branding_ids:
            return name_or_id
        return self.branding.get(name_or_id.strip().lower())

    def currency_enabled(self, code: str) -> bool:
        if code.upper() == self.base_currency.upper():
            return True
        if self.currencies_source is not None:
            source, self.currencies_source = self.currencies_source, None
            read = source()
            self.currencies_unknown = read is None
            self.currencies = read or frozenset()
        return self.currencies_unknown or code.upper() in self.currencies

    @classmethod
    def from_xero(
        cls,
        organisation: Mapping[str, Any],
        tax_rates: Sequence[Mapping[str, Any]] = (),
        currencies: Sequence[Mapping[str, Any]] = (),
        branding_themes: Sequence[Mapping[str, Any]] = (),
        tracking_categories: Sequence[Mapping[str, Any]] = (),
        accounts: Sequence[Mapping[str, Any]] = (),
    ) -> OrgProfile:
        rates = {}
        for rate in tax_rates:
            comps = tuple(
                TaxComponent(Decimal(str(c.get("Rate", 0))), bool(c.get("IsCompound")))
                for c in rate.get("TaxComponents") or []
            )
            if not comps and rate.get("EffectiveRate") not in (None, 0):
                comps = (TaxComponent(Decimal(str(rate["EffectiveRate"]))),)
            rates[str(rate["TaxType"])] = TaxRateInfo(
                str(rate["TaxType"]), str(rate.get("Name", "")), str(rate.get("Status", "ACTIVE")), comps
            )
        tracking = {}
        for category in tracking_categories:
            if category.get("Status", "ACTIVE") != "ACTIVE":
                continue
            options = {
                str(o["Name"]).strip().lower(): str(o["Name"])
                for o in category.get("Options") or []
                if o.get("Status", "ACTIVE") == "ACTIVE"
            }
            tracking[str(category["Name"]).strip().lower()] = (str(category["Name"]), options)
        return cls(
            base_currency=str(organisation.get("BaseCurrency", "")),
            name=str(organisation.get("Name", "")),
            currencies=frozenset(str(c["Code"]).upper() for c in currencies),
            tax_rates=rates,
            branding={str(b["Name"]).strip().lower(): str(b["BrandingThemeID"]) for b in branding_themes},
            branding_ids=frozenset(str(b["BrandingThemeID"]) for b in branding_themes),
            tracking=tracking,
            accounts={
                str(a["Code"]): AccountInfo(
                    str(a["Code"]),
                    str(a.get("Name", "")),
                    str(a.get("Status", "ACTIVE")),
                    str(a.get("Type", "")),
                    a.get("SystemAccount"),
                )
                for a in accounts
                if a.get("Code")
            },
        )
