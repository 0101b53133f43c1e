"""Intake, the first stage: input records (as emitted by source-autotask) → typed, Decimal-based objects.

Why one stage: the source's schemas are still moving, so ALL knowledge of the input shape lives here (which
fields make each record, here; how a field is read, in record_fields.py; the objects, in record_types.py)
and every later stage reads only the typed objects. Parsing is deliberately tolerant (record_fields.py):
unknown fields are ignored (schema drift must not break a sync), names match case-insensitively and through
aliases, numbers may be strings. What is missing and needed (an invoice without id or lines) raises
`RecordError`, naming the field, so that one document is rejected and the others carry on.

An invoice record is self-contained (ARCHITECTURE "Data flow"): header, `lines` (billing items), the
`company` snapshot, tax region/category names, `currency`, per line the branch (`organizationalLevel1Name`)
and line of business (`organizationalLevel2Name`), and template resolved by the source
(source-autotask/source_autotask/schemas/invoices.json). An invoice whose `lineCount` disagrees with the
lines that arrived is refused rather than posted short.
What tracking and skip rules read: the company's `territoryName` and `companyTypeName`, each line's
`departmentName` (its billing code's department), the invoice's own `userDefinedFields` (read like a
company's). The invoice's `invoicePDF` is checked on arrival (record_fields.read_pdf): one that does not
decode or match its checksum is dropped with the reason in `pdf_error`, beside any `invoicePDFError` the
source gave, and the invoice goes on without it. Every one of these fields is optional: a record from an
older source has none of them, and that is not an error.
A purchase order is keyed by its Autotask id (what Autotask shows as the PO number) unless the record
carries `purchaseOrderNumber`; `externalPONumber` goes to the Xero Reference. Its currency is the record's
`currency` (the vendor's, resolved by the source), else the vendor snapshot's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import IO, Any

import pendulum

from .record_fields import Fields, RecordError, read_pdf
from .record_types import (
    ZERO,
    Address,
    Company,
    Invoice,
    InvoiceLine,
    ProductRef,
    PurchaseOrder,
    PurchaseOrderLine,
)

log = logging.getLogger("destination_xero")


def utf8_lines(raw: IO[bytes]) -> Iterator[str]:
    """The Airbyte adapter's input decoded line by line: a byte that is not UTF-8 (a Latin-1 "é" in a
    description) is replaced by U+FFFD and reported with its line, instead of ending the whole run with a
    decoding error. Read in chunks of up to 1 MiB (`read1`: what the pipe holds), not 8 KiB: each read
    lets the writer lanes take the interpreter, and intake waited up to 5 ms to get it back, 12,000 times
    at bench:10000 (the reason it lives here, with no SDK in it, is the adapter's 400 lines)."""
    for number, line in enumerate(_chunked_lines(raw) if hasattr(raw, "read1") else raw, 1):
        try:
            yield line.decode("utf-8")
        except UnicodeDecodeError as exc:
            log.warning(
                "input line %d is not valid UTF-8 (byte 0x%02x at position %d); the undecodable bytes were "
                "replaced by U+FFFD: make the producer write UTF-8",
                number,
                line[exc.start],
                exc.start,
            )
            yield line.decode("utf-8", "replace")


def _chunked_lines(raw: Any) -> Iterator[bytes]:
    """`raw`'s lines as iterating it gives them (each with its b"\\n", the last one perhaps without)."""
    pending = b""
    while chunk := raw.read1(1 << 20):
        *lines, pending = (pending + chunk).split(b"\n")
        yield from (line + b"\n" for line in lines)
    if pending:
        yield pending


def _document_date(f: Fields, document: str, *names: str) -> pendulum.Date | None:
    """A document's date, its error naming the document too: "invoice 20123: dueDate is not a date"
    (whether the date is one Xero takes is the mapper's concern, see mapping.XERO_MIN_DATE)."""
    try:
        return f.date(*names)
    except RecordError as exc:
        raise RecordError(f"{document}: {exc}") from None


def _udfs(f: Fields) -> dict[str, str]:
    result: dict[str, str] = {}
    raw = f.get("userDefinedFields", "udfs")
    if isinstance(raw, Mapping):
        return {str(k): str(v) for k, v in raw.items() if v is not None}
    if isinstance(raw, list):
        for item in raw:
            if isinstance(item, Mapping):
                entry = Fields(item)
                name, value = entry.text("name"), entry.text("value")
                if name and value is not None:
                    result[name] = value
    return result


def _currency(f: Fields) -> tuple[str | None, Decimal | None]:
    sub = f.sub("currency")
    if sub is not None:
        code = sub.text("code", "currencyCode", "name")
        return (code.upper() if code else None), sub.decimal("exchangeRate", "rate")
    code = f.text("currencyCode", "currencyName", "currency")
    return (code.upper() if code else None), f.decimal("exchangeRate", "currencyExchangeRate")


def parse_company(raw: Mapping[str, Any]) -> Company:
    f = Fields(raw)
    company_id = f.integer("id", "companyID", required=True)
    assert company_id is not None
    name = f.text("companyName", "name")
    if not name:
        raise RecordError(f"company {company_id}: companyName is missing")
    code, _ = _currency(f)
    region = f.sub("taxRegion")
    return Company(
        id=company_id,
        name=name,
        number=f.text("companyNumber", "accountNumber"),
        tax_exempt=f.boolean("isTaxExempt", "taxExempt"),
        tax_id=f.text("taxID", "taxId"),
        tax_region_name=(region.text("name") if region else None) or f.text("taxRegionName"),
        currency_code=code,
        email=f.text("invoiceEmail", "emailAddress", "email"),
        phone=f.text("phone"),
        is_active=f.get("isActive") is None or f.boolean("isActive"),
        address=Address(
            line1=f.text("billToAddress1", "billingAddress1", "address1"),
            line2=f.text("billToAddress2", "billingAddress2", "address2"),
            city=f.text("billToCity", "city"),
            region=f.text("billToState", "state"),
            postal_code=f.text("billToZipCode", "postalCode"),
            country=f.text("billToCountryName", "billToCountry", "countryName", "country"),
            attention=f.text("billToAttention"),
        ),
        udfs=_udfs(f),
        territory=f.text("territoryName"),
        company_type=f.text("companyTypeName", "companyTypeLabel"),
    )


def _department(f: Fields) -> str | None:
    """The line's department (its billing code's), by name: a nested object or a resolved name."""
    sub = f.sub("department")
    return (sub.text("name") if sub is not None else None) or f.text("departmentName")


def _pdf_error(*reasons: str | None) -> str | None:
    given = [r for r in reasons if r]
    return "; ".join(given) if given else None


def parse_product(raw: Mapping[str, Any], kind: str = "product") -> ProductRef:
    f = Fields(raw)
    pid = f.integer("id", "productID", "serviceID", required=True)
    assert pid is not None
    return ProductRef(
        kind=kind,
        id=pid,
        name=f.text("name", "productName", "serviceName"),
        sku=f.text("sku", "catalogNumberPartNumber", "manufacturerProductName"),
        category=f.label("productCategory"),
        description=f.text("invoiceDescription", "description"),
        unit_price=f.decimal("unitPrice"),
        unit_cost=f.decimal("unitCost"),
        is_active=f.get("isActive") is None or f.boolean("isActive"),
    )


def _line_product(f: Fields) -> ProductRef | None:
    for key, kind in (("product", "product"), ("service", "service")):
        sub = f.get(key)
        if isinstance(sub, Mapping):
            return parse_product(sub, kind)
    pid = f.integer("productID")
    if pid is not None:
        return ProductRef(
            kind="product",
            id=pid,
            sku=f.text("productSku", "sku"),
            name=f.text("productName"),
            category=f.text("productCategoryName", "productCategory"),
        )
    sid = f.integer("serviceID")
    if sid is not None:
        return ProductRef(
            kind="service",
            id=sid,
            sku=f.text("serviceSku"),
            name=f.text("serviceName"),
            description=f.text("serviceInvoiceDescription"),
        )
    return None


def _lob(f: Fields) -> str | None:
    sub = f.sub("lineOfBusiness", "organizationalLevel2")
    if sub is not None:
        return sub.text("name")
    return f.text("lineOfBusiness", "lineOfBusinessName", "organizationalLevel2Name")


def _branch(f: Fields) -> str | None:
    """Organizational level 1, read like the line of business (level 2): a nested object or a name."""
    sub = f.sub("branch", "organizationalLevel1")
    if sub is not None:
        return sub.text("name")
    return f.text("branch", "branchName", "organizationalLevel1Name")


def parse_invoice_line(raw: Mapping[str, Any]) -> InvoiceLine:
    f = Fields(raw)
    line_id = f.integer("id", "billingItemID", required=True)
    assert line_id is not None
    quantity = f.decimal("quantity", required=True)
    rate = f.decimal("rate", "unitPrice", required=True)
    assert quantity is not None and rate is not None
    extended = f.decimal("extendedPrice")
    description = f.text("lineItemFullDescription", "description", "itemName", "invoiceDescription") or "-"
    code = f.sub("billingCode")
    tax = f.sub("tax")
    category = f.sub("taxCategory")
    return InvoiceLine(
        id=line_id,
        description=description,
        quantity=quantity,
        rate=rate,
        extended_price=extended if extended is not None else quantity * rate,
        tax_dollars=f.decimal("taxDollars", "taxAmount") or ZERO,
        billing_item_type=f.label("billingItemType"),
        billing_code=(code.text("name") if code else None) or f.text("billingCodeName", "billingCode"),
        billing_code_id=(code.integer("id") if code else None) or f.integer("billingCodeID"),
        tax_category=(category.text("name") if category else None) or f.text("taxCategoryName"),
        tax_region=f.text("taxRegionName"),
        tax_name=(tax.text("taxName", "name") if tax else None) or f.text("taxName"),
        tax_rate=(tax.decimal("taxRate", "rate") if tax else None) or f.decimal("taxRate", "taxPercent"),
        line_of_business=_lob(f),
        branch=_branch(f),
        product=_line_product(f),
        department=_department(f),
    )


def parse_invoice(raw: Mapping[str, Any]) -> Invoice:
    f = Fields(raw)
    invoice_id = f.integer("id", "invoiceID", required=True)
    assert invoice_id is not None
    number = f.text("invoiceNumber")
    if not number:
        raise RecordError(f"invoice {invoice_id}: invoiceNumber is missing")
    company_raw = f.get("company")
    if not isinstance(company_raw, Mapping):
        raise RecordError(f"invoice {number}: company (the company snapshot) is missing")
    lines_raw = f.list("lines", "billingItems", "lineItems", "items")
    if not lines_raw:
        raise RecordError(f"invoice {number}: lines is missing or empty")
    declared = f.integer("lineCount")
    if declared is not None and declared != len(lines_raw):
        raise RecordError(f"invoice {number}: lineCount says {declared} lines but {len(lines_raw)} arrived")
    try:
        lines = tuple(parse_invoice_line(line) for line in lines_raw if isinstance(line, Mapping))
    except RecordError as exc:
        raise RecordError(f"invoice {number}: line: {exc}") from None
    date = _document_date(f, f"invoice {number}", "invoiceDateTime", "invoiceDate", "date")
    if date is None:
        raise RecordError(f"invoice {number}: invoiceDateTime is missing")
    company = parse_company(company_raw)
    code, rate = _currency(f)
    template = f.sub("invoiceTemplate", "template")
    term = f.sub("paymentTerm") if isinstance(f.get("paymentTerm"), Mapping) else None
    total = f.decimal("invoiceTotal", "total")
    tax_total = f.decimal("totalTaxValue", "taxTotal")
    pdf, unusable = read_pdf(f.get("invoicePDF"), f"Invoice {number}.pdf")
    return Invoice(
        id=invoice_id,
        number=number,
        company=company,
        date=date,
        due_date=_document_date(f, f"invoice {number}", "dueDate"),
        total=total if total is not None else sum((ln.extended_price + ln.tax_dollars for ln in lines), ZERO),
        tax_total=tax_total if tax_total is not None else sum((ln.tax_dollars for ln in lines), ZERO),
        lines=lines,
        voided=f.boolean("isVoided", "voided"),
        currency_code=code or company.currency_code,
        exchange_rate=rate,
        template_id=(template.integer("id") if template else None) or f.integer("invoiceEditorTemplateID"),
        template_name=(template.text("name") if template else None) or f.text("invoiceTemplateName"),
        payment_term_days=(term.integer("paymentDueInDays") if term else None)
        or f.integer("paymentTermDueInDays", "paymentDueInDays", "paymentTermDays"),
        tax_region_name=f.text("taxRegionName") or company.tax_region_name,
        order_number=f.text("orderNumber"),
        udfs=_udfs(f),
        pdf=pdf,
        pdf_error=_pdf_error(f.text("invoicePDFError"), unusable),
    )


def parse_purchase_order(raw: Mapping[str, Any]) -> PurchaseOrder:
    f = Fields(raw)
    po_id = f.integer("id", "purchaseOrderID", required=True)
    assert po_id is not None
    vendor_raw = f.get("vendor", "vendorCompany")
    if not isinstance(vendor_raw, Mapping):
        raise RecordError(f"purchase order {po_id}: vendor (the vendor company snapshot) is missing")
    lines_raw = f.list("items", "purchaseOrderItems", "lines")
    if not lines_raw:
        raise RecordError(f"purchase order {po_id}: items is missing or empty")
    lines = []
    for item in lines_raw:
        li = Fields(item)
        line_id = li.integer("id", required=True)
        quantity = li.decimal("quantity", required=True)
        cost = li.decimal("unitCost", required=True)
        assert line_id is not None and quantity is not None and cost is not None
        product = _line_product(li)
        description = li.text("memo", "description") or (product.name if product else None) or "-"
        lines.append(PurchaseOrderLine(line_id, description, quantity, cost, product))
    date = _document_date(f, f"purchase order {po_id}", "submitDateTime", "createDateTime", "date")
    if date is None:
        raise RecordError(f"purchase order {po_id}: createDateTime is missing")
    code, rate = _currency(f)
    vendor = parse_company(vendor_raw)
    status = f.label("status")
    return PurchaseOrder(
        id=po_id,
        number=f.text("purchaseOrderNumber") or str(po_id),
        freight=f.decimal("freight") or ZERO,
        reference=f.text("externalPONumber"),
        vendor=vendor,
        date=date,
        status=status,
        lines=tuple(lines),
        currency_code=code or vendor.currency_code,
        exchange_rate=rate,
        delivery_date=_document_date(
            f, f"purchase order {po_id}", "latestEstimatedArrivalDate", "shippingDate"
        ),
        ship_to=Address(
            line1=f.text("shipToAddress1"),
            line2=f.text("shipToAddress2"),
            city=f.text("shipToCity"),
            region=f.text("shipToState"),
            postal_code=f.text("shipToPostalCode"),
            attention=f.text("shipToName"),
        ),
        telephone=f.text("phone"),
        for_company_id=f.integer("purchaseForCompanyID"),
        cancelled=(status or "").lower() in ("5", "cancelled", "canceled")
        or f.get("cancelDateTime") is not None,
        status_name=f.text("statusName", "statusLabel"),
        received_date=_document_date(f, f"purchase order {po_id}", "receivedDate"),
    )


# stream name (lower-cased, without separators) -> kind of record
STREAM_KINDS = {
    "invoices": "invoice",
    "purchaseorders": "purchase_order",
    "companies": "company",
    "products": "product",
    "services": "service",
}


def stream_kind(stream: str) -> str | None:
    """The record kind a stream carries, or None for a stream this destination ignores."""
    return STREAM_KINDS.get(stream.lower().replace("_", "").replace("-", ""))


Parsed = Invoice | PurchaseOrder | Company | ProductRef


def parse_record(stream: str, raw: Mapping[str, Any]) -> Parsed | None:
    kind = stream_kind(stream)
    if kind == "invoice":
        return parse_invoice(raw)
    if kind == "purchase_order":
        return parse_purchase_order(raw)
    if kind == "company":
        return parse_company(raw)
    if kind in ("product", "service"):
        return parse_product(raw, kind)
    return None
