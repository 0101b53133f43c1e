"""Self-contained invoice and purchase-order records.

An invoice record carries its header, every billing item as a line, a snapshot of the company, and the
names the destination needs (tax region and categories, lines of business, template, payment term,
currency and its rate), so a destination never depends on stream order or on another stream.

Facts and choices:
- Invoices carry no currency: the invoice is in the company's currency (`invoiceTotal` is in customer
  currency when multi-currency is on); with no company currency, the internal currency is used.
- Purchase orders carry none either: Autotask issues a purchase order in the vendor's currency
  (`unitCost` and `freight` are in it, `internalCurrency*` converted), so a purchase order record gets the
  vendor company's `currency`, resolved the same way.
- A line's tax category is the billing item's own `taxCategoryID` when the database returns it (a newer
  live field), else its billing code's. BillingItems carry no product: a line's product is the
  `productID` of the ticket, project or contract charge the item was billed from (or the item's own
  `productID` should a database return one); lines from labour, expenses or services have none.
- A line carries what item and account mapping need without another stream: the product's SKU, name and
  category (number and label), the service's name and SKU (when the database returns one), and the name
  of its billing code's department (BillingCodes.department -> Departments; a database that refuses
  Departments leaves it empty, with one warning).
- The company snapshot carries the labels of its `companyType` and `territoryID` picklists (tracking and
  routing name "Customer" or "US West"; the numbers differ between databases). A territory is a picklist
  value of Companies.territoryID, not a record: the REST API has no Territories entity (none in the
  swagger; ecitsolutions/Autotask's cmdlets, generated from live field information, complete TerritoryID
  from the Account picklist).
- A purchase order's `receivedDate` is the latest `receiveDate` of its items' PurchaseOrderItemReceiving
  rows (read in bulk by the batch, `batches.py`), null when nothing was received.
- Money stays Decimal from the wire to the output; totals are summed in Decimal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..errors import RecordError
from ..reference import ReferenceData
from .project import project, schema_fields

CHARGE_ENTITIES = (
    ("ticketChargeID", "TicketCharges"),
    ("projectChargeID", "ProjectCharges"),
    ("contractChargeID", "ContractCharges"),
)


def company_fields() -> set[str]:
    """The lowercase names of the company fields `company_snapshot` reads (the invoice's `company` and the
    purchase order's `vendor`): the reference keeps company rows with these alone (`reference.py`)."""
    return {
        low
        for stream, key in (("invoices", "company"), ("purchase_orders", "vendor"))
        for _, low, _ in schema_fields(stream, (key,))
    } | {"taxregionid", "countryid", "billtocountryid"}


def company_snapshot(ref: ReferenceData, company_id: Any, owner: str, stream: str) -> dict[str, Any]:
    raw = ref.get("Companies", company_id)
    if raw is None:
        raise RecordError(
            f"{owner}: company {company_id} was not found in Autotask (deleted, or not readable)"
        )
    snapshot = project(raw, stream, ("company",) if stream == "invoices" else ("vendor",), entity="Companies")
    snapshot["companyTypeName"] = picklist_label(ref, "Companies", "companyType", snapshot.get("companyType"))
    snapshot["territoryName"] = picklist_label(ref, "Companies", "territoryID", snapshot.get("territoryID"))
    region = ref.get("TaxRegions", raw.get("taxRegionID"))
    snapshot["taxRegionName"] = region.get("name") if region else None
    for prefix, key in (("country", "countryID"), ("billToCountry", "billToCountryID")):
        country = ref.get("Countries", raw.get(key))
        snapshot[f"{prefix}Name"] = country.get("name") if country else None
        snapshot[f"{prefix}Code"] = country.get("countryCode") if country else None
    return snapshot


def document_currency(ref: ReferenceData, company: Mapping[str, Any], stream: str) -> dict[str, Any] | None:
    """The currency a document is in: its company's (the customer's for an invoice, the vendor's for a
    purchase order: Autotask issues both in that company's currency), else the internal currency."""
    currency = ref.get("Currencies", company.get("currencyID")) or ref.internal_currency()
    if currency is None:
        return None
    return project(currency, stream, ("currency",), entity="Currencies")


def assemble_invoice(
    raw: Mapping[str, Any], raw_lines: Sequence[Mapping[str, Any]], ref: ReferenceData
) -> dict[str, Any]:
    owner = f"invoice id {raw.get('id')} (number {raw.get('invoiceNumber')!r})"
    record = project(raw, "invoices", entity="Invoices")
    if record.get("companyID") is None:
        raise RecordError(f"{owner}: has no companyID")
    company = company_snapshot(ref, record["companyID"], owner, "invoices")
    record["company"] = company

    template = ref.get(
        "InvoiceTemplates", record.get("invoiceEditorTemplateID") or company.get("invoiceTemplateID")
    )
    record["invoiceTemplateName"] = template.get("name") if template else None
    term = ref.get("PaymentTerms", record.get("paymentTerm"))
    record["paymentTermName"] = term.get("name") if term else None
    record["paymentTermDueInDays"] = term.get("paymentDueInDays") if term else None

    record["currency"] = document_currency(ref, company, "invoices")
    region_id = record.get("taxGroup") or company.get("taxRegionID")
    region = ref.get("TaxRegions", region_id)
    record["taxRegion"] = {
        "id": region_id,
        "name": record.get("taxRegionName") or (region.get("name") if region else None),
    }

    types = ref.picklist("BillingItems", "billingItemType")
    lines = [assemble_line(line, ref, types, owner) for line in raw_lines]
    lines.sort(key=lambda line: (line.get("sortOrderID") or 0, line.get("lineItemID") or 0, line["id"]))
    record["lines"] = lines
    record["lineCount"] = len(lines)
    record["linesTotal"] = sum((line.get("extendedPrice") or Decimal(0) for line in lines), Decimal(0))
    record["linesTaxTotal"] = sum((line.get("taxDollars") or Decimal(0) for line in lines), Decimal(0))
    return record


def assemble_line(
    raw: Mapping[str, Any], ref: ReferenceData, types: Mapping[int, str], owner: str
) -> dict[str, Any]:
    line = project(raw, "invoices", ("lines",), entity="BillingItems")
    where = f"{owner}, billing item {raw.get('id')}"
    if line.get("quantity") is None or line.get("extendedPrice") is None:
        raise RecordError(f"{where}: quantity or extendedPrice is empty")
    line["billingItemTypeName"] = (
        types.get(int(line["billingItemType"])) if line.get("billingItemType") is not None else None
    )
    code = ref.get("BillingCodes", line.get("billingCodeID"))
    line["billingCodeName"] = code.get("name") if code else None
    line["billingCodeExternalNumber"] = code.get("externalNumber") if code else None
    line["generalLedgerAccount"] = code.get("generalLedgerAccount") if code else None
    department = ref.get_optional("Departments", code.get("department")) if code else None
    line["departmentName"] = department.get("name") if department else None
    line.update(service_fields(ref, line.get("serviceID")))
    line.update(product_fields(ref, line_product_id(raw, ref)))
    tax_category_id = raw.get("taxCategoryID") or (code.get("taxCategoryID") if code else None)
    category = ref.get("TaxCategories", tax_category_id)
    line["taxCategoryID"] = tax_category_id
    line["taxCategoryName"] = category.get("name") if category else None
    association = ref.get("OrganizationalLevelAssociations", line.get("organizationalLevelAssociationID"))
    level1 = (
        ref.get("OrganizationalLevel1s", association.get("organizationalLevel1ID")) if association else None
    )
    level2 = (
        ref.get("OrganizationalLevel2s", association.get("organizationalLevel2ID")) if association else None
    )
    line["organizationalLevel1ID"] = level1.get("id") if level1 else None
    line["organizationalLevel1Name"] = level1.get("name") if level1 else None
    line["organizationalLevel2ID"] = level2.get("id") if level2 else None
    line["organizationalLevel2Name"] = level2.get("name") if level2 else None
    if raw.get("sortOrderID") is not None:
        line["sortOrderID"] = raw.get("sortOrderID")
    return line


def line_product_id(raw: Mapping[str, Any], ref: ReferenceData) -> Any:
    """The product behind a billing item: its own `productID` (should a database return one), else the
    `productID` of the ticket, project or contract charge it was billed from (prefetched by the sync)."""
    product_id = raw.get("productID")
    for key, entity in CHARGE_ENTITIES:
        if product_id is None and raw.get(key) is not None:
            charge = ref.get_cached(entity, raw.get(key))
            product_id = charge.get("productID") if charge else None
    return product_id


def product_fields(ref: ReferenceData, product_id: Any) -> dict[str, Any]:
    """What a line carries of its product, so that the destination can attach a Xero item to it without
    reading the products stream: the SKU (items' default code), the name, and the category both as its
    picklist number and as its label (an account mapping names "Hardware"; numbers differ by database)."""
    product = ref.get_cached("Products", product_id) if product_id else None
    category = product.get("productCategory") if product else None
    return {
        "productID": product_id,
        "productName": product.get("name") if product else None,
        "productSku": (product.get("sku") or None) if product else None,
        "productCategory": category,
        "productCategoryName": picklist_label(ref, "Products", "productCategory", category),
    }


def service_fields(ref: ReferenceData, service_id: Any) -> dict[str, Any]:
    """What a line carries of its service: name and invoice description, and its SKU when the database
    returns one (a live field the swagger's Services model does not declare)."""
    service = ref.get("Services", service_id)
    return {
        "serviceName": service.get("name") if service else None,
        "serviceInvoiceDescription": service.get("invoiceDescription") if service else None,
        "serviceSku": (service.get("sku") or None) if service else None,
    }


def picklist_label(ref: ReferenceData, entity: str, field: str, value: Any) -> str | None:
    """The label of a picklist value, read from the database's own field information (None when unset)."""
    if value is None:
        return None
    return ref.picklist(entity, field).get(int(value))


def assemble_purchase_order(
    raw: Mapping[str, Any],
    raw_items: Sequence[Mapping[str, Any]],
    ref: ReferenceData,
    received: str | None = None,
) -> dict[str, Any]:
    owner = f"purchase order id {raw.get('id')}"
    record = project(raw, "purchase_orders", entity="PurchaseOrders")
    if record.get("vendorID") is None:
        raise RecordError(f"{owner}: has no vendorID")
    record["vendor"] = company_snapshot(ref, record["vendorID"], owner, "purchase_orders")
    record["currency"] = document_currency(ref, record["vendor"], "purchase_orders")
    statuses = ref.picklist("PurchaseOrders", "status")
    record["statusName"] = statuses.get(record["status"]) if record.get("status") is not None else None
    record["receivedDate"] = received
    term = ref.get("PaymentTerms", record.get("paymentTerm"))
    record["paymentTermName"] = term.get("name") if term else None
    region = ref.get("TaxRegions", record.get("taxRegionID"))
    record["taxRegionName"] = region.get("name") if region else None
    items = []
    for raw_item in raw_items:
        item = project(raw_item, "purchase_orders", ("items",), entity="PurchaseOrderItems")
        product = ref.get_cached("Products", item.get("productID")) if item.get("productID") else None
        item["productName"] = product.get("name") if product else None
        item["productSku"] = product.get("sku") if product else None
        quantity, cost = item.get("quantity"), item.get("unitCost")
        item["lineTotal"] = Decimal(quantity) * cost if quantity is not None and cost is not None else None
        items.append(item)
    items.sort(key=lambda item: item["id"])
    record["items"] = items
    record["itemsTotal"] = sum((item["lineTotal"] or Decimal(0) for item in items), Decimal(0))
    return record
