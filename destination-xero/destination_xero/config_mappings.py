"""The `mappings` section of the destination's configuration: how Autotask values become Xero ones.

Why apart from config.py: these models are what an admin writes in a mapping file, section by section
(tax, accounts, items, contacts, branding, tracking, numbering, status, rounding, currency, attachments,
purchase orders, skip rules); config.py holds the connection, tenants and run settings around them. A
tenant's own `mappings` replace whole sections of the defaults, so each class here is one section.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from connector_kit.numbering import NumberingMapping
from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class UdfRule(StrictModel):
    name: str = Field(min_length=1)
    values: list[str] = Field(min_length=1)


class TaxMapping(StrictModel):
    """Autotask tax → Xero TaxType. A line of a tax-exempt company that Autotask did not tax uses
    `exempt_by_region`, then `exempt`, before any other rule: its region and categories say what a taxable
    customer would pay, not what this one was billed. Every other line: tax name, region+category,
    category, region, `no_tax`, `default` (mapping_rules.py `tax_type`). Keys match case-insensitively."""

    by_tax_name: dict[str, str] = Field(default_factory=dict)
    by_region_category: dict[str, str] = Field(default_factory=dict)  # "Region / Category"
    by_category: dict[str, str] = Field(default_factory=dict)
    by_region: dict[str, str] = Field(default_factory=dict)
    exempt: str | None = None  # lines of tax-exempt companies (Autotask isTaxExempt) carrying no tax
    exempt_by_region: dict[str, str] = Field(default_factory=dict)  # the same, per tax region, before exempt
    no_tax: str | None = None  # lines carrying no Autotask tax category/region
    default: str | None = None
    purchase: str | None = None  # TaxType for purchase-order lines
    rates: dict[str, Decimal] = Field(default_factory=dict)  # TaxType -> percent; overrides Xero TaxRates


class AccountMapping(StrictModel):
    by_billing_code: dict[str, str] = Field(default_factory=dict)
    by_billing_item_type: dict[str, str] = Field(default_factory=dict)
    by_product_category: dict[str, str] = Field(default_factory=dict)
    default: str | None = None
    purchase: str | None = None


class InventoryMapping(StrictModel):
    """Stocked Autotask products as inventory-tracked Xero items (inventory.py): the products named here
    (by SKU, Autotask product id or product category label) are created with an inventory asset account and
    a cost-of-goods-sold account, which is what makes Xero track their quantity on hand. Only items this
    connector creates are made tracked; an existing Xero item is never converted."""

    skus: list[str] = Field(default_factory=list)
    product_ids: list[int] = Field(default_factory=list)
    product_categories: list[str] = Field(default_factory=list)
    asset_account: str = Field(min_length=1)  # InventoryAssetAccountCode (an asset account)
    cogs_account: str = Field(min_length=1)  # PurchaseDetails.COGSAccountCode (a direct-costs account)
    purchase_tax_type: str | None = None  # PurchaseDetails.TaxType; else mappings.tax.purchase

    @model_validator(mode="after")
    def _names_something(self) -> InventoryMapping:
        if not (self.skus or self.product_ids or self.product_categories):
            raise ValueError("inventory names no product: list skus, product_ids or product_categories")
        return self


class ItemMapping(StrictModel):
    """Autotask products and services as Xero items on the lines that carry them (mapping_item.py,
    item_codes.py).

    A code longer than Xero's 30 characters is shortened by the declared rule in item_codes.py. A line
    whose product or service gives no code (a product without a SKU under `code_from: sku`) is, by
    default, posted without an item, on its mapped account, and counted and named in the run summary;
    `missing_code: reject` rejects its document instead, naming the product."""

    enabled: bool = False
    code_from: Literal["sku", "name", "id"] = "sku"
    prefix: str = ""
    create_missing: bool = False
    missing_code: Literal["line_without_item", "reject"] = "line_without_item"
    inventory: InventoryMapping | None = None


MatchRule = Literal["contact_number", "account_number", "name"]
_DEFAULT_MATCH: list[MatchRule] = ["contact_number", "account_number", "name"]


class ContactMapping(StrictModel):
    match: list[MatchRule] = Field(default_factory=lambda: list(_DEFAULT_MATCH), min_length=1)
    contact_number_prefix: str = "AT-"
    create_missing: bool = True
    update_details: bool = False
    unarchive: bool = True


class BrandingMapping(StrictModel):
    by_template: dict[str, str] = Field(default_factory=dict)  # template name or id -> theme name or id
    default: str | None = None


TrackingSource = Literal[
    "line_of_business",  # the line's organizational level 2
    "branch",  # the line's organizational level 1
    "organizational_level_1",  # the same as branch, under Autotask's own name for it
    "organizational_level_2",  # the same as line_of_business
    "department",  # the department of the line's billing code (Autotask Departments)
    "territory",  # the company's sales territory
    "company_type",  # the company's type (Customer, Lead, ...), its label
    "company_udf",  # any company user-defined field (udf_name)
    "billing_code",
    "billing_item_type",
]


class TrackingMapping(StrictModel):
    category: str = Field(min_length=1)
    source: TrackingSource
    udf_name: str | None = None
    options: dict[str, str] = Field(default_factory=dict)  # source value -> option name; empty = same
    default_option: str | None = None

    @model_validator(mode="after")
    def _udf_needs_name(self) -> TrackingMapping:
        if self.source == "company_udf" and not self.udf_name:
            raise ValueError("tracking source company_udf needs udf_name")
        return self


XeroStatus = Literal["DRAFT", "SUBMITTED", "AUTHORISED"]


class StatusMapping(StrictModel):
    invoice: XeroStatus = "AUTHORISED"
    credit_note: XeroStatus = "AUTHORISED"
    purchase_order: XeroStatus = "DRAFT"
    mark_sent: bool = False
    line_amount_types: Literal["Exclusive", "Inclusive", "NoTax"] = "Exclusive"
    due_date: Literal["autotask", "payment_term"] = "autotask"
    default_due_days: int = Field(default=30, ge=0)


class RoundingMapping(StrictModel):
    """A document may carry a rounding line of at most `tolerance + tolerance_per_line x lines`."""

    account: str | None = None
    tolerance: Decimal = Field(default=Decimal("0.01"), ge=0)
    tolerance_per_line: Decimal = Field(default=Decimal("0.012"), ge=0)
    tax_type: str = "NONE"
    description: str = "Rounding adjustment"
    # "autotask": when Xero's per-line tax rounding would sum to a TotalTax a cent or more away from the tax
    # Autotask billed, the fewest lines carry a TaxAmount one cent from Xero's own figure so that TotalTax
    # matches (Xero allows the override); "xero": Xero's figures, a cent may differ.
    tax_amounts: Literal["autotask", "xero"] = "autotask"


class CurrencyMapping(StrictModel):
    """Autotask exchange rates are "foreign units per internal unit": they are sent to Xero as CurrencyRate
    only when `autotask_internal_currency` is declared and is the organisation's base currency."""

    autotask_internal_currency: str | None = Field(default=None, min_length=3, max_length=3)
    update_issued_rates: bool = Field(
        default=False,
        description="Also rewrite the CurrencyRate of documents already approved in Xero when Autotask's "
        "rate changes; by default an approved document keeps the rate it was issued at (drafts follow).",
    )


class AttachmentMapping(StrictModel):
    """The Autotask invoice PDF attached to the Xero invoice or credit note (attachments.py). Needs the
    source's `invoice_pdfs` and the `accounting.attachments` scope. A failed attachment never fails its
    document: it is reported, and tried again on the next run that sees the document."""

    invoice_pdf: bool = False
    include_online: bool = Field(
        default=True, description="Show the PDF to the customer on Xero's online invoice (IncludeOnline)."
    )
    on_change: Literal["keep", "add"] = Field(
        default="keep",
        description="When Autotask's PDF changes after it was attached: keep the first one (default), or "
        "add the new one beside it (Xero's API cannot delete an attachment).",
    )


class PurchaseOrderMapping(StrictModel):
    """What an Autotask purchase order becomes in Xero (mapping_bill.py): a Xero purchase order, a bill
    (ACCPAY invoice) once Autotask says it was received, or both."""

    send_as: Literal["purchase_order", "bill", "both"] = "purchase_order"
    # Autotask's entity documentation names status 4 "Received Full"; the label is read from each
    # database's own picklist, so the default also takes "Received in Full" (the sandbox's wording).
    bill_when: list[str] = Field(
        default_factory=lambda: ["Received Full", "Received in Full"],
        min_length=1,
        description="The Autotask purchase order statuses (their labels) that make a bill.",
    )
    bill_status: XeroStatus = "DRAFT"
    bill_number_prefix: str = Field(
        default="PO-", description="The bill's number in Xero: this prefix and the Autotask PO number."
    )
    bill_due_days: int = Field(default=30, ge=0, description="Days from the bill's date to its due date.")


class SkipRules(StrictModel):
    """Documents deliberately not sent (skip.py), each reported as skipped with the rule that matched; a
    skipped document is never looked up nor written, and is not retried."""

    below_total: Decimal | None = Field(
        default=None, ge=0, description="Skip documents whose total (its absolute value) is under this."
    )
    company_udf: UdfRule | None = None  # skip when the company's (vendor's) UDF holds one of the values
    invoice_udf: UdfRule | None = None  # skip when the invoice's UDF holds one of the values


class Mappings(StrictModel):
    tax: TaxMapping = Field(default_factory=TaxMapping)
    accounts: AccountMapping = Field(default_factory=AccountMapping)
    items: ItemMapping = Field(default_factory=ItemMapping)
    contacts: ContactMapping = Field(default_factory=ContactMapping)
    branding: BrandingMapping = Field(default_factory=BrandingMapping)
    tracking: list[TrackingMapping] = Field(default_factory=list, max_length=2)
    numbering: NumberingMapping = Field(default_factory=NumberingMapping)
    status: StatusMapping = Field(default_factory=StatusMapping)
    rounding: RoundingMapping = Field(default_factory=RoundingMapping)
    currency: CurrencyMapping = Field(default_factory=CurrencyMapping)
    attachments: AttachmentMapping = Field(default_factory=AttachmentMapping)
    purchase_orders: PurchaseOrderMapping = Field(default_factory=PurchaseOrderMapping)
    skip: SkipRules = Field(default_factory=SkipRules)
