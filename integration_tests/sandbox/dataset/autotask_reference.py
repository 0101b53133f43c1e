"""Autotask reference data of the emulated MSP: countries, currencies, tax set-up, org levels, catalogue.

Fixed (not random) so every dataset size and seed shares it; the Xero organisations in `xero_side` are
configured to mirror it (branding theme names, tracking options, enabled currencies).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

D = Decimal
ANCHOR_TS = "2026-11-01T00:00:00.000Z"
SETUP_TS = "2024-03-04T09:15:00.000Z"
ADMIN_RESOURCE_ID = 29682885

COUNTRIES: tuple[tuple[int, str, str], ...] = (
    (1, "GB", "United Kingdom"),
    (2, "IE", "Ireland"),
    (3, "DE", "Germany"),
    (4, "US", "United States"),
    (5, "CA", "Canada"),
    (6, "AU", "Australia"),
    (7, "NZ", "New Zealand"),
)
COUNTRY_ID = {code: cid for cid, code, _ in COUNTRIES}

# (id, code, description, exchangeRate (units per 1 GBP), positive format, negative format)
CURRENCIES: tuple[tuple[int, str, str, Decimal, str, str], ...] = (
    (1, "GBP", "British Pound Sterling", D("1.00000"), "£X", "-£X"),
    (2, "EUR", "Euro", D("1.15230"), "€X", "-€X"),
    (3, "USD", "US Dollar", D("1.26840"), "$X", "-$X"),
    (4, "AUD", "Australian Dollar", D("1.94120"), "A$X", "-A$X"),
    (5, "NZD", "New Zealand Dollar", D("2.13370"), "NZ$X", "-NZ$X"),
    (6, "CAD", "Canadian Dollar", D("1.75410"), "C$X", "-C$X"),
)
CURRENCY_ID = {code: cid for cid, code, *_ in CURRENCIES}
EXCHANGE_RATE = {cid: rate for cid, _, _, rate, _, _ in CURRENCIES}

TAX_REGIONS: tuple[tuple[int, str, bool], ...] = (
    (1, "UK VAT", True),
    (2, "EU Reverse Charge", True),
    (3, "Australia GST", True),
    (4, "California", True),
    (5, "New Zealand GST", True),
    (6, "Tax Exempt", True),
    (7, "Ireland VAT (retired)", False),
)
TAX_REGION_ID = {name: rid for rid, name, _ in TAX_REGIONS}

LABOUR, HARDWARE, SOFTWARE, RECURRING, NON_TAXABLE = 1, 2, 3, 4, 5
TAX_CATEGORIES: tuple[tuple[int, str, str], ...] = (
    (LABOUR, "Labour", "Professional services and support labour"),
    (HARDWARE, "Hardware", "Physical goods"),
    (SOFTWARE, "Software & Licences", "Software, subscriptions and licences"),
    (RECURRING, "Recurring Services", "Managed services billed per period"),
    (NON_TAXABLE, "Non-Taxable", "Disbursements and out-of-scope charges"),
)

# (region id, category id, taxName, percent, isCompounded). "Tax Exempt" has no row for Non-Taxable on
# purpose: a region x category with no Taxes row means zero tax, and connectors must cope.
_T = tuple[int, int, str, Decimal, bool]
TAXES: tuple[_T, ...] = (
    *((1, c, "VAT", D("20.0000"), False) for c in (LABOUR, HARDWARE, SOFTWARE, RECURRING)),
    (1, NON_TAXABLE, "VAT Exempt", D("0.0000"), False),
    *(
        (2, c, "Reverse Charge", D("0.0000"), False)
        for c in (LABOUR, HARDWARE, SOFTWARE, RECURRING, NON_TAXABLE)
    ),
    *((3, c, "GST", D("10.0000"), False) for c in (LABOUR, HARDWARE, SOFTWARE, RECURRING)),
    (3, NON_TAXABLE, "GST Free", D("0.0000"), False),
    (4, LABOUR, "CA Labour (non-taxable)", D("0.0000"), False),
    (4, HARDWARE, "CA State Tax", D("7.2500"), False),
    (4, HARDWARE, "CA District Tax", D("1.2500"), True),
    (4, SOFTWARE, "CA State Tax", D("7.2500"), False),
    (4, SOFTWARE, "CA District Tax", D("1.2500"), True),
    (4, RECURRING, "CA Services (non-taxable)", D("0.0000"), False),
    (4, NON_TAXABLE, "No Tax", D("0.0000"), False),
    *((5, c, "GST", D("15.0000"), False) for c in (LABOUR, HARDWARE, SOFTWARE, RECURRING)),
    (5, NON_TAXABLE, "GST Exempt", D("0.0000"), False),
    *((6, c, "No Tax", D("0.0000"), False) for c in (LABOUR, HARDWARE, SOFTWARE, RECURRING)),
)


def tax_rows(region_id: int, category_id: int) -> tuple[tuple[Decimal, bool], ...]:
    return _TAX_INDEX.get((region_id, category_id), ())


_TAX_INDEX: dict[tuple[int, int], tuple[tuple[Decimal, bool], ...]] = {}
for _region, _category, _name, _rate, _compound in TAXES:
    _TAX_INDEX[(_region, _category)] = (*_TAX_INDEX.get((_region, _category), ()), (_rate, _compound))

BRANCHES: tuple[tuple[int, str, str], ...] = (
    (1, "UK & Europe", "London office: UK, Ireland and EU customers"),
    (2, "North America", "San Francisco office: US and Canada"),
    (3, "Asia Pacific", "Sydney office: Australia and New Zealand"),
)
BRANCH_ID = {name: bid for bid, name, _ in BRANCHES}
MANAGED, PROJECTS = 1, 2
LINES_OF_BUSINESS: tuple[tuple[int, str, str], ...] = (
    (MANAGED, "Managed Services", "Recurring managed IT, support contracts and licences"),
    (PROJECTS, "Projects", "Fixed-scope and time-and-materials projects, hardware supply"),
)


def association_id(branch_id: int, lob_id: int) -> int:
    return (branch_id - 1) * len(LINES_OF_BUSINESS) + lob_id


INVOICE_TEMPLATES: tuple[tuple[int, str, int], ...] = (
    (101, "Standard Invoice", 1),
    (102, "Managed Services Invoice", 1),
    (103, "Project Invoice", 2),
)
TEMPLATE_STANDARD, TEMPLATE_MANAGED, TEMPLATE_PROJECT = 101, 102, 103

PAYMENT_TERMS: tuple[tuple[int, str, int, bool], ...] = (
    (1, "Net 30", 30, True),
    (2, "Net 14", 14, True),
    (3, "Due on receipt", 0, True),
    (4, "Net 60", 60, False),
)
PAYMENT_DAYS = {tid: days for tid, _, days, _ in PAYMENT_TERMS}


@dataclass(frozen=True)
class BillingCode:
    id: int
    name: str
    type: int  # BILLING_CODE_TYPES: 0 work type, 1 expense category, 2 material code
    tax_category: int
    gl: int
    unit_price: Decimal
    unit_cost: Decimal
    active: bool = True


BILLING_CODES: tuple[BillingCode, ...] = (
    BillingCode(29682801, "Remote Support", 0, LABOUR, 4000, D("95.0000"), D("32.5000")),
    BillingCode(29682802, "Onsite Support", 0, LABOUR, 4000, D("125.0000"), D("41.0000")),
    BillingCode(29682803, "Project Labour", 0, LABOUR, 4100, D("110.0000"), D("38.0000")),
    BillingCode(29682804, "After Hours Support", 0, LABOUR, 4000, D("142.5000"), D("48.7500")),
    BillingCode(29682805, "Included Support", 0, LABOUR, 4000, D("0.0000"), D("32.5000")),
    BillingCode(29682806, "Hardware", 2, HARDWARE, 4200, D("0.0000"), D("0.0000")),
    BillingCode(29682807, "Software Licences", 2, SOFTWARE, 4300, D("0.0000"), D("0.0000")),
    BillingCode(29682808, "Managed Services", 2, RECURRING, 4010, D("0.0000"), D("0.0000")),
    BillingCode(29682809, "Cloud Subscriptions", 2, SOFTWARE, 4300, D("0.0000"), D("0.0000")),
    BillingCode(29682810, "Freight & Delivery", 2, NON_TAXABLE, 4900, D("0.0000"), D("0.0000")),
    BillingCode(29682811, "Travel & Mileage", 1, NON_TAXABLE, 4950, D("0.4500"), D("0.4500")),
    BillingCode(29682812, "Legacy Hardware", 2, HARDWARE, 4200, D("0.0000"), D("0.0000"), active=False),
)
CODE = {code.name: code for code in BILLING_CODES}

# Departments (BillingCodes.department points here). Freight and travel belong to none, so a line may have
# no department.
DEPARTMENTS: tuple[tuple[int, str, str, str], ...] = (
    (29682901, "Service Desk", "SD", "First- and second-line support, remote and on site"),
    (29682902, "Professional Services", "PS", "Project delivery"),
    (29682903, "Procurement", "PROC", "Hardware and software supply"),
    (29682904, "Managed Services", "MS", "Recurring managed services and subscriptions"),
)
CODE_DEPARTMENT: dict[str, int] = {
    "Remote Support": 29682901,
    "Onsite Support": 29682901,
    "After Hours Support": 29682901,
    "Included Support": 29682901,
    "Project Labour": 29682902,
    "Hardware": 29682903,
    "Software Licences": 29682903,
    "Legacy Hardware": 29682903,
    "Managed Services": 29682904,
    "Cloud Subscriptions": 29682904,
}


@dataclass(frozen=True)
class ServiceDef:
    id: int
    name: str
    code: str
    unit_price: Decimal
    unit_cost: Decimal
    invoice_description: str


SERVICES: tuple[ServiceDef, ...] = (
    ServiceDef(
        29683701,
        "Managed Workstation",
        "Managed Services",
        D("38.5000"),
        D("11.2000"),
        "Monitoring, patching and support per workstation",
    ),
    ServiceDef(
        29683702,
        "Managed Server",
        "Managed Services",
        D("145.0000"),
        D("40.0000"),
        "Proactive server management per server",
    ),
    ServiceDef(
        29683703,
        "Backup as a Service (per TB)",
        "Managed Services",
        D("62.7500"),
        D("21.3300"),
        "Offsite backup storage, per terabyte",
    ),
    ServiceDef(
        29683704,
        "Microsoft 365 Business Premium",
        "Cloud Subscriptions",
        D("17.1250"),
        D("15.4100"),
        "Microsoft 365 Business Premium licence, monthly",
    ),
    ServiceDef(
        29683705,
        "Email Security",
        "Cloud Subscriptions",
        D("2.9583"),
        D("1.1000"),
        "Inbound email filtering per mailbox",
    ),
    ServiceDef(
        29683706,
        "Firewall Management",
        "Managed Services",
        D("55.0000"),
        D("12.0000"),
        "Managed firewall rules, firmware and monitoring",
    ),
    ServiceDef(
        29683707,
        "Endpoint Detection & Response",
        "Cloud Subscriptions",
        D("6.4375"),
        D("3.9000"),
        "EDR agent per device",
    ),
    ServiceDef(
        29683708,
        "Helpdesk per User",
        "Managed Services",
        D("24.0000"),
        D("7.5000"),
        "Unlimited remote helpdesk per named user",
    ),
)


@dataclass(frozen=True)
class ProductDef:
    id: int
    name: str
    category: int  # PRODUCT_CATEGORIES
    code: str
    sku: str | None
    unit_price: Decimal
    unit_cost: Decimal
    manufacturer: str


PRODUCTS: tuple[ProductDef, ...] = (
    ProductDef(
        29683401,
        "Dell Latitude 5450 Laptop",
        1,
        "Hardware",
        "DL-5450-I7",
        D("1049.9900"),
        D("865.0000"),
        "Dell",
    ),
    ProductDef(
        29683402,
        "Dell OptiPlex 7020 Desktop",
        1,
        "Hardware",
        "DL-7020-I5",
        D("749.5000"),
        D("612.3000"),
        "Dell",
    ),
    ProductDef(
        29683403,
        "Lenovo ThinkPad T14 Gen 5",
        1,
        "Hardware",
        "LN-T14G5",
        D("1189.0000"),
        D("978.4500"),
        "Lenovo",
    ),
    ProductDef(
        29683404, "Dell P2725H 27in Monitor", 1, "Hardware", "DL-P2725H", D("219.9900"), D("171.2500"), "Dell"
    ),
    ProductDef(
        29683405,
        "UniFi U7 Pro Access Point",
        1,
        "Hardware",
        "UBI-U7-PRO",
        D("189.0000"),
        D("141.7500"),
        "Ubiquiti",
    ),
    ProductDef(
        29683406, "FortiGate 60F Firewall", 1, "Hardware", "FG-60F", D("649.0000"), D("498.3300"), "Fortinet"
    ),
    ProductDef(
        29683407, "Synology DS923+ NAS", 1, "Hardware", "SYN-DS923", D("599.9900"), D("479.0000"), "Synology"
    ),
    ProductDef(
        29683408, "Seagate IronWolf 8TB Drive", 1, "Hardware", None, D("184.3750"), D("142.1000"), "Seagate"
    ),
    ProductDef(
        29683409, "APC Smart-UPS 1500VA", 1, "Hardware", "APC-SMT1500", D("529.0000"), D("401.6600"), "APC"
    ),
    ProductDef(
        29683410,
        "Microsoft 365 Business Premium (annual)",
        3,
        "Software Licences",
        "CFQ7TTC0LCHC",
        D("205.5000"),
        D("184.9500"),
        "Microsoft",
    ),
    ProductDef(
        29683411,
        "Windows 11 Pro Upgrade",
        3,
        "Software Licences",
        "FQC-10572",
        D("99.0000"),
        D("79.2000"),
        "Microsoft",
    ),
    ProductDef(
        29683412,
        "Adobe Acrobat Pro (annual)",
        3,
        "Software Licences",
        None,
        D("239.8800"),
        D("199.9000"),
        "Adobe",
    ),
    ProductDef(
        29683413,
        "Veeam Backup Essentials",
        2,
        "Software Licences",
        "V-ESSPLS-VS",
        D("1150.0000"),
        D("920.0000"),
        "Veeam",
    ),
    ProductDef(
        29683414, "Cat6 Patch Cable 2m", 1, "Hardware", "CAT6-2M-BLU", D("4.3750"), D("1.2125"), "Generic"
    ),
    ProductDef(
        29683415, "Dell WD19S USB-C Dock", 1, "Hardware", "DL-WD19S", D("189.9900"), D("148.0000"), "Dell"
    ),
    ProductDef(
        29683416, "Installation Consumables", 1, "Hardware", None, D("12.5000"), D("6.0000"), "Generic"
    ),
    ProductDef(
        29683417, "Courier Delivery", 4, "Freight & Delivery", None, D("18.0000"), D("18.0000"), "Generic"
    ),
)
HARDWARE_PRODUCTS = tuple(p for p in PRODUCTS if p.category == 1)
LICENCE_PRODUCTS = tuple(p for p in PRODUCTS if p.category in (2, 3))


def reference_records() -> dict[str, list[dict[str, Any]]]:
    """The reference entities in Autotask's own field names."""
    countries = [
        {
            "id": cid,
            "addressFormatID": 1,
            "countryCode": code,
            "displayName": name,
            "invoiceTemplateID": None,
            "isActive": True,
            "isDefaultCountry": code == "GB",
            "name": name,
            "quoteTemplateID": None,
        }
        for cid, code, name in COUNTRIES
    ]
    currencies = [
        {
            "id": cid,
            "currencyNegativeFormat": neg,
            "currencyPositiveFormat": pos,
            "description": desc,
            "displaySymbol": 1,
            "exchangeRate": rate,
            "isActive": True,
            "isInternalCurrency": code == "GBP",
            "lastModifiedDateTime": "2026-10-01T06:00:00.000Z",
            "name": code,
            "updateResourceId": ADMIN_RESOURCE_ID,
        }
        for cid, code, desc, rate, pos, neg in CURRENCIES
    ]
    regions = [{"id": rid, "isActive": active, "name": name} for rid, name, active in TAX_REGIONS]
    categories = [
        {"id": cid, "description": desc, "isActive": True, "name": name} for cid, name, desc in TAX_CATEGORIES
    ]
    taxes = [
        {
            "id": index,
            "isCompounded": compound,
            "taxCategoryID": category,
            "taxName": name,
            "taxRate": rate,
            "taxRegionID": region,
        }
        for index, (region, category, name, rate, compound) in enumerate(TAXES, start=1)
    ]
    level1 = [
        {"id": bid, "description": desc, "isActive": True, "name": name} for bid, name, desc in BRANCHES
    ]
    level2 = [
        {"id": lid, "description": desc, "isActive": True, "name": name}
        for lid, name, desc in LINES_OF_BUSINESS
    ]
    associations = [
        {
            "id": association_id(bid, lid),
            "isActive": True,
            "organizationalLevel1ID": bid,
            "organizationalLevel2ID": lid,
        }
        for bid, _, _ in BRANCHES
        for lid, _, _ in LINES_OF_BUSINESS
    ]
    templates = [
        {
            "id": tid,
            "name": name,
            "paymentTerms": term,
            "dateFormat": 1,
            "numberFormat": 1,
            "timeFormat": 1,
            "currencyPositiveFormat": "$X",
            "currencyNegativeFormat": "-$X",
            "displayTaxCategory": True,
            "displayTaxCategorySuperscripts": False,
            "displaySeparateLineItemForEachTax": tid == TEMPLATE_STANDARD,
            "displayZeroAmountRecurringServicesAndBundles": tid == TEMPLATE_MANAGED,
            "displayFixedPriceContractLabor": False,
            "displayRecurringServiceContractLabor": False,
            "groupBy": 1,
            "itemizeItemsInEachGroup": 1,
            "itemizeServicesAndBundles": tid == TEMPLATE_MANAGED,
            "sortBy": 1,
            "pageLayout": 1,
            "pageNumberFormat": 1,
            "showGridHeader": True,
            "showVerticalGridLines": False,
        }
        for tid, name, term in INVOICE_TEMPLATES
    ]
    terms = [
        {
            "id": tid,
            "description": f"Payment due {days} days after the invoice date"
            if days
            else "Payment due on receipt",
            "isActive": active,
            "name": name,
            "paymentDueInDays": days,
        }
        for tid, name, days, active in PAYMENT_TERMS
    ]
    codes = [
        {
            "id": c.id,
            "afterHoursWorkType": None,
            "billingCodeType": c.type,
            "department": CODE_DEPARTMENT.get(c.name),
            "description": c.name,
            "externalNumber": f"GL-{c.gl}",
            "generalLedgerAccount": c.gl,
            "isActive": c.active,
            "isExcludedFromNewContracts": not c.active,
            "markupRate": None,
            "name": c.name,
            "taxCategoryID": c.tax_category,
            "unitCost": c.unit_cost,
            "unitPrice": c.unit_price,
            "useType": 1,
        }
        for c in BILLING_CODES
    ]
    services = [
        {
            "id": s.id,
            "billingCodeID": CODE[s.code].id,
            "createDate": SETUP_TS,
            "creatorResourceID": ADMIN_RESOURCE_ID,
            "description": s.invoice_description,
            "invoiceDescription": s.invoice_description,
            "isActive": True,
            "lastModifiedDate": SETUP_TS,
            "markupRate": None,
            "name": s.name,
            "periodType": 1,
            "serviceLevelAgreementID": None,
            "unitCost": s.unit_cost,
            "unitPrice": s.unit_price,
            "updateResourceID": ADMIN_RESOURCE_ID,
            "vendorCompanyID": None,
        }
        for s in SERVICES
    ]
    return {
        "Countries": countries,
        "Currencies": currencies,
        "TaxRegions": regions,
        "TaxCategories": categories,
        "Taxes": taxes,
        "OrganizationalLevel1s": level1,
        "OrganizationalLevel2s": level2,
        "OrganizationalLevelAssociations": associations,
        "InvoiceTemplates": templates,
        "PaymentTerms": terms,
        "BillingCodes": codes,
        "Services": services,
        "Departments": [
            {"id": did, "description": desc, "name": name, "number": number, "primaryLocationID": None}
            for did, name, number, desc in DEPARTMENTS
        ],
    }


def product_records(vendor_ids: list[int]) -> list[dict[str, Any]]:
    """Products need vendor companies (defaultVendorID), so they are built after the companies."""
    records = []
    for index, p in enumerate(PRODUCTS):
        code = CODE[p.code].id
        records.append(
            {
                "id": p.id,
                "billingType": 1,
                "chargeBillingCodeID": code,
                "defaultVendorID": vendor_ids[index % len(vendor_ids)] if vendor_ids else None,
                "description": p.name,
                "doesNotRequireProcurement": p.category == 4,
                "externalProductID": None,
                "internalProductID": f"NW-{p.id % 1000:03d}",
                "isActive": True,
                "isEligibleForRma": p.category == 1,
                "isSerialized": p.category == 1 and p.unit_price > 100,
                "link": None,
                "manufacturerName": p.manufacturer,
                "manufacturerProductName": p.name,
                "markupRate": None,
                "msrp": p.unit_price,
                "name": p.name,
                "periodType": None,
                "priceCostMethod": 1,
                "productBillingCodeID": code,
                "productCategory": p.category,
                "sku": p.sku,
                "unitCost": p.unit_cost,
                "unitPrice": p.unit_price,
                "vendorProductNumber": p.sku,
            }
        )
    return records
