"""The three Xero organisations the emulated MSP books into, as `GET` responses would describe them.

Reference data only (organisation, tax rates, chart of accounts, currencies, branding themes, tracking
categories) plus a few pre-existing contacts and items that collide with Autotask data on purpose: a name
differing only by case or accents, an ARCHIVED contact with an active customer's name, a contact whose
AccountNumber equals an Autotask companyNumber under another name, and a contact name that matches two
Autotask companies case-insensitively. GUIDs are uuid5 values of stable names, so they do not change with
the seed (example configs can name a tenant id). Dates are ISO 8601 UTC strings (`2024-03-04T09:15:00Z`);
the emulator renders them in Xero's `/Date(ms+0000)/` form.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .money import effective_rate

D = Decimal
_NAMESPACE = uuid.UUID("5b0c7f9e-1d2a-4c3b-9e8f-6a7b8c9d0e1f")
CREATED = "2024-03-04T09:15:00Z"
UPDATED = "2026-10-15T08:00:00Z"


def guid(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


@dataclass(frozen=True)
class _Org:
    key: str  # the value of the Autotask company UDF "Xero Organisation" routed here
    name: str
    legal_name: str
    country: str
    version: str
    currency: str
    timezone: str
    sales_tax_basis: str
    sales_tax_period: str
    tax_number: str
    registration: str
    fy_end: tuple[int, int]
    address: tuple[str, str, str, str]
    phone: tuple[str, str, str]
    enabled_currencies: tuple[tuple[str, str], ...]
    regions: tuple[str, ...]
    output_tax: str
    input_tax: str
    bank_number: str
    tax_account_name: str


ORGS: tuple[_Org, ...] = (
    _Org(
        "UK",
        "Northwind MSP Ltd",
        "Northwind Managed Services Limited",
        "GB",
        "UK",
        "GBP",
        "GMTSTANDARDTIME",
        "ACCRUALS",
        "QUARTERLY1",
        "GB 294 7718 52",
        "09876543",
        (31, 3),
        ("12 Gresham Street", "London", "Greater London", "EC2V 7JE"),
        ("44", "20", "7946 0321"),
        (("GBP", "British Pound"), ("EUR", "Euro"), ("USD", "United States Dollar")),
        ("United Kingdom", "Ireland", "Europe"),
        "OUTPUT2",
        "INPUT2",
        "20-45-77 43219876",
        "VAT",
    ),
    _Org(
        "AU",
        "Northwind MSP Pty Ltd",
        "Northwind Managed Services Pty Ltd",
        "AU",
        "AU",
        "AUD",
        "AUSEASTERNSTANDARDTIME",
        "ACCRUALS",
        "QUARTERLY",
        "53 004 085 616",
        "004 085 616",
        (30, 6),
        ("Level 9, 88 Pitt Street", "Sydney", "NSW", "2000"),
        ("61", "2", "9555 0144"),
        (("AUD", "Australian Dollar"), ("NZD", "New Zealand Dollar")),
        ("Australia", "New Zealand"),
        "OUTPUT",
        "INPUT",
        "062-000 1234 5678",
        "GST",
    ),
    _Org(
        "US",
        "Northwind MSP Inc",
        "Northwind Managed Services Inc.",
        "US",
        "US",
        "USD",
        "PACIFICSTANDARDTIME",
        "ACCRUAL",
        "MONTHLY",
        "94-3456789",
        "C4412087",
        (31, 12),
        ("500 Howard Street, Suite 300", "San Francisco", "CA", "94105"),
        ("1", "415", "555 0187"),
        (("USD", "United States Dollar"), ("CAD", "Canadian Dollar")),
        ("United States", "Canada"),
        "NONE",
        "INPUT",
        "121000358 004457821",
        "Sales Tax",
    ),
)
TENANT_NAMES: dict[str, str] = {org.key: org.name for org in ORGS}


def _organisation(org: _Org) -> dict[str, Any]:
    line1, city, region, postcode = org.address
    country_code, area, number = org.phone
    return {
        "OrganisationID": guid("org", org.key),
        "APIKey": None,
        "Name": org.name,
        "LegalName": org.legal_name,
        "PaysTax": True,
        "Version": org.version,
        "OrganisationType": "COMPANY",
        "BaseCurrency": org.currency,
        "CountryCode": org.country,
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": org.registration,
        "TaxNumber": org.tax_number,
        "FinancialYearEndDay": org.fy_end[0],
        "FinancialYearEndMonth": org.fy_end[1],
        "SalesTaxBasis": org.sales_tax_basis,
        "SalesTaxPeriod": org.sales_tax_period,
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "PeriodLockDate": "2026-06-30T00:00:00Z" if org.key == "AU" else None,
        "EndOfYearLockDate": None,
        "CreatedDateUTC": CREATED,
        "Timezone": org.timezone,
        "OrganisationEntityType": "COMPANY",
        "ShortCode": "!" + guid("short", org.key)[:5],
        "Class": "PREMIUM",
        "Edition": "BUSINESS",
        "LineOfBusiness": "IT managed services",
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": line1,
                "City": city,
                "Region": region,
                "PostalCode": postcode,
                "Country": org.country,
            }
        ],
        "Phones": [
            {
                "PhoneType": "OFFICE",
                "PhoneNumber": number,
                "PhoneAreaCode": area,
                "PhoneCountryCode": country_code,
            }
        ],
        "ExternalLinks": [],
        "PaymentTerms": {
            "Sales": {"Day": 30, "Type": "DAYSAFTERBILLDATE"},
            "Bills": {"Day": 20, "Type": "OFFOLLOWINGMONTH"},
        },
    }


# (Name, TaxType, components [(name, rate, compound)], Status, ReportTaxType, revenue?, expenses?)
_RateDef = tuple[str, str, tuple[tuple[str, Decimal, bool], ...], str, str | None, bool, bool]
_TAX_RATES: dict[str, tuple[_RateDef, ...]] = {
    "UK": (
        ("20% (VAT on Income)", "OUTPUT2", (("VAT", D("20.0000"), False),), "ACTIVE", "OUTPUT", True, False),
        ("5% (VAT on Income)", "RROUTPUT", (("VAT", D("5.0000"), False),), "ACTIVE", "OUTPUT", True, False),
        (
            "Zero Rated Income",
            "ZERORATEDOUTPUT",
            (("VAT", D("0.0000"), False),),
            "ACTIVE",
            "OUTPUT",
            True,
            False,
        ),
        (
            "Exempt Income",
            "EXEMPTOUTPUT",
            (("VAT", D("0.0000"), False),),
            "ACTIVE",
            "EXEMPTOUTPUT",
            True,
            False,
        ),
        (
            "Zero Rated EC Services",
            "ECZROUTPUTSERVICES",
            (("VAT", D("0.0000"), False),),
            "ACTIVE",
            "ECOUTPUTSERVICES",
            True,
            False,
        ),
        ("20% (VAT on Expenses)", "INPUT2", (("VAT", D("20.0000"), False),), "ACTIVE", "INPUT", False, True),
        ("No VAT", "NONE", (("VAT", D("0.0000"), False),), "ACTIVE", "NONE", True, True),
        (
            "17.5% (VAT on Income)",
            "TAX001",
            (("VAT", D("17.5000"), False),),
            "ARCHIVED",
            "OUTPUT",
            True,
            False,
        ),
    ),
    "AU": (
        ("GST on Income", "OUTPUT", (("GST", D("10.0000"), False),), "ACTIVE", "OUTPUT", True, False),
        (
            "GST Free Income",
            "EXEMPTOUTPUT",
            (("GST", D("0.0000"), False),),
            "ACTIVE",
            "EXEMPTOUTPUT",
            True,
            False,
        ),
        ("GST on Expenses", "INPUT", (("GST", D("10.0000"), False),), "ACTIVE", "INPUT", False, True),
        (
            "GST Free Expenses",
            "EXEMPTEXPENSES",
            (("GST", D("0.0000"), False),),
            "ACTIVE",
            "EXEMPTEXPENSES",
            False,
            True,
        ),
        ("BAS Excluded", "BASEXCLUDED", (("GST", D("0.0000"), False),), "ACTIVE", "BASEXCLUDED", True, True),
        (
            "GST on Imports",
            "GSTONIMPORTS",
            (("GST", D("0.0000"), False),),
            "ACTIVE",
            "GSTONIMPORTS",
            False,
            True,
        ),
        ("Input Taxed", "INPUTTAXED", (("GST", D("0.0000"), False),), "ACTIVE", "INPUTTAXED", True, True),
        (
            "GST on Overseas Services (old)",
            "TAX001",
            (("GST", D("10.0000"), False),),
            "DELETED",
            "OUTPUT",
            True,
            False,
        ),
    ),
    "US": (
        (
            "CA Sales Tax",
            "TAX001",
            (("State Tax", D("7.2500"), False), ("District Tax", D("1.2500"), True)),
            "ACTIVE",
            "OUTPUT",
            True,
            False,
        ),
        (
            "NY Sales Tax",
            "TAX002",
            (
                ("NY State", D("4.0000"), False),
                ("New York City", D("4.5000"), False),
                ("MCTD", D("0.3750"), False),
            ),
            "ACTIVE",
            "OUTPUT",
            True,
            False,
        ),
        ("Tax Exempt", "NONE", (("Tax", D("0.0000"), False),), "ACTIVE", "NONE", True, True),
        (
            "Exempt Sales",
            "EXEMPTOUTPUT",
            (("Tax", D("0.0000"), False),),
            "ACTIVE",
            "EXEMPTOUTPUT",
            True,
            False,
        ),
        ("Tax on Purchases", "INPUT", (("Tax", D("0.0000"), False),), "ACTIVE", "INPUT", False, True),
        (
            "WA Sales Tax (old)",
            "TAX003",
            (("State Tax", D("6.5000"), False),),
            "ARCHIVED",
            "OUTPUT",
            True,
            False,
        ),
    ),
}


def _tax_rates(org: _Org) -> list[dict[str, Any]]:
    records = []
    for name, tax_type, components, status, report, revenue, expenses in _TAX_RATES[org.key]:
        pairs = [(rate, compound) for _, rate, compound in components]
        records.append(
            {
                "Name": name,
                "TaxType": tax_type,
                "TaxComponents": [
                    {"Name": cname, "Rate": rate, "IsCompound": compound, "IsNonRecoverable": False}
                    for cname, rate, compound in components
                ],
                "Status": status,
                "ReportTaxType": report,
                "CanApplyToAssets": expenses,
                "CanApplyToEquity": expenses,
                "CanApplyToExpenses": expenses,
                "CanApplyToLiabilities": expenses,
                "CanApplyToRevenue": revenue,
                "DisplayTaxRate": sum((rate for rate, _ in pairs), D("0.0000")),
                "EffectiveRate": effective_rate(pairs),
            }
        )
    return records


# (Code, Name, Type, Class, tax: "out"|"in"|"none"|explicit, extras)
_ACCOUNTS: tuple[tuple[str, str, str, str, str, dict[str, Any]], ...] = (
    ("090", "Business Bank Account", "BANK", "ASSET", "none", {"BankAccountType": "BANK"}),
    ("091", "Business Savings Account", "BANK", "ASSET", "none", {"BankAccountType": "BANK"}),
    ("200", "Sales", "REVENUE", "REVENUE", "out", {}),
    ("210", "Managed Services Revenue", "REVENUE", "REVENUE", "out", {}),
    ("220", "Project Services Revenue", "REVENUE", "REVENUE", "out", {}),
    ("230", "Hardware & Software Sales", "SALES", "REVENUE", "out", {}),
    ("250", "Legacy Consulting Income", "REVENUE", "REVENUE", "out", {"Status": "ARCHIVED"}),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "out", {}),
    ("270", "Interest Income", "OTHERINCOME", "REVENUE", "EXEMPTOUTPUT", {}),
    ("300", "Purchases", "DIRECTCOSTS", "EXPENSE", "in", {}),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "in", {}),
    ("320", "Subcontractors", "DIRECTCOSTS", "EXPENSE", "in", {}),
    ("429", "General Expenses", "OVERHEADS", "EXPENSE", "in", {"ShowInExpenseClaims": True}),
    ("493", "Travel - National", "OVERHEADS", "EXPENSE", "in", {"ShowInExpenseClaims": True}),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "none", {"SystemAccount": "DEBTORS"}),
    ("620", "Prepayments", "CURRENT", "ASSET", "none", {}),
    ("630", "Inventory", "INVENTORY", "ASSET", "none", {}),  # the asset account of tracked items
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "none", {"SystemAccount": "CREDITORS"}),
    ("820", "{tax} Payable", "CURRLIAB", "LIABILITY", "none", {"SystemAccount": "GST"}),
    ("835", "Directors' Loan Account", "CURRLIAB", "LIABILITY", "none", {"EnablePaymentsToAccount": True}),
    ("840", "Historical Adjustment", "CURRLIAB", "LIABILITY", "none", {"SystemAccount": "HISTORICAL"}),
    ("860", "Rounding", "CURRLIAB", "LIABILITY", "none", {"SystemAccount": "ROUNDING"}),
    ("877", "Tracking Transfers", "CURRLIAB", "LIABILITY", "none", {"SystemAccount": "TRACKINGTRANSFERS"}),
    ("960", "Retained Earnings", "EQUITY", "EQUITY", "none", {"SystemAccount": "RETAINEDEARNINGS"}),
)


def _accounts(org: _Org) -> list[dict[str, Any]]:
    records = []
    for code, name, kind, klass, tax, extras in _ACCOUNTS:
        no_tax = "BASEXCLUDED" if org.key == "AU" else "NONE"  # Australian orgs have no NONE tax type
        tax_type = {"out": org.output_tax, "in": org.input_tax, "none": no_tax}.get(tax, tax)
        if org.key == "US" and tax_type == "EXEMPTOUTPUT":
            tax_type = "NONE"
        record: dict[str, Any] = {
            "AccountID": guid("account", org.key, code),
            "Code": code,
            "Name": name.format(tax=org.tax_account_name),
            "Type": kind,
            "Class": klass,
            "Status": "ACTIVE",
            "Description": None,
            "TaxType": tax_type,
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": False,
            "ReportingCode": None,
            "ReportingCodeName": None,
            "HasAttachments": False,
            "UpdatedDateUTC": UPDATED,
            "AddToWatchlist": False,
        }
        record.update(extras)
        if kind == "BANK":
            record["BankAccountNumber"] = org.bank_number if code == "090" else org.bank_number[:-4] + "9911"
            record["CurrencyCode"] = org.currency
        records.append(record)
    if org.key == "UK":  # a foreign-currency bank account: payments in EUR land here
        records.insert(
            2,
            {
                **records[0],
                "AccountID": guid("account", org.key, "092"),
                "Code": "092",
                "Name": "EUR Current Account",
                "BankAccountNumber": "IE29 AIBK 9311 5212 3456 78",
                "CurrencyCode": "EUR",
            },
        )
    return records


_THEMES: tuple[tuple[str, int], ...] = (
    ("Standard", 0),
    ("Managed Services Invoice", 1),
    ("Project Invoice", 2),
)


def _branding_themes(org: _Org) -> list[dict[str, Any]]:
    return [
        {
            "BrandingThemeID": guid("theme", org.key, name),
            "Name": name,
            "LogoUrl": None,
            "Type": "INVOICE",
            "SortOrder": order,
            "CreatedDateUTC": CREATED,
        }
        for name, order in _THEMES
    ]


def _tracking(org: _Org) -> list[dict[str, Any]]:
    def options(
        category: str, names: tuple[str, ...], archived: tuple[str, ...] = ()
    ) -> list[dict[str, Any]]:
        return [
            {
                "TrackingOptionID": guid("option", org.key, category, n),
                "Name": n,
                "Status": "ARCHIVED" if n in archived else "ACTIVE",
            }
            for n in names + archived
        ]

    return [
        {
            "TrackingCategoryID": guid("tracking", org.key, "Line of Business"),
            "Name": "Line of Business",
            "Status": "ACTIVE",
            "Options": options("Line of Business", ("Managed Services", "Projects"), ("Legacy Support",)),
        },
        {
            "TrackingCategoryID": guid("tracking", org.key, "Region"),
            "Name": "Region",
            "Status": "ACTIVE",
            "Options": options("Region", org.regions),
        },
    ]


# (Name, status, customer?, supplier?, AccountNumber from the Autotask company named, currency)
_CONTACTS: dict[str, tuple[tuple[str, str, bool, bool, str | None, str | None], ...]] = {
    "UK": (
        ("Brightwater dental group", "ACTIVE", True, False, None, None),
        ("Old Mill Accountants", "ARCHIVED", True, False, None, None),
        ("Ingram Micro UK Ltd", "ACTIVE", False, True, None, None),
        ("Walk-in Customer", "ACTIVE", True, False, None, None),
    ),
    "AU": (
        ("Noosa Cafe", "ACTIVE", True, False, None, None),
        ("Harbour Logistics (Old Account)", "ACTIVE", True, False, "Harbour Logistics Pty Ltd", None),
        ("Dicker Data Australia Pty Ltd", "ACTIVE", False, True, None, None),
    ),
    "US": (
        ("acme plumbing", "ACTIVE", True, False, None, None),
        ("Maple Leaf Engineering Inc", "ACTIVE", True, False, None, "CAD"),
        ("TD SYNNEX Corporation", "ACTIVE", False, True, None, None),
    ),
}


def _contacts(org: _Org, company_numbers: dict[str, str]) -> list[dict[str, Any]]:
    records = []
    for name, status, customer, supplier, numbered_as, currency in _CONTACTS[org.key]:
        record: dict[str, Any] = {
            "ContactID": guid("contact", org.key, name),
            "ContactStatus": status,
            "Name": name,
            "EmailAddress": "accounts@"
            + "".join(c for c in name.lower() if c.isascii() and c.isalnum())[:20]
            + ".example",
            "AccountNumber": company_numbers.get(numbered_as) if numbered_as else None,
            "Addresses": [
                {
                    "AddressType": "POBOX",
                    "AddressLine1": "PO Box 100",
                    "City": org.address[1],
                    "Region": org.address[2],
                    "PostalCode": org.address[3],
                    "Country": org.country,
                },
                {"AddressType": "STREET"},
            ],
            "Phones": [
                {
                    "PhoneType": "DEFAULT",
                    "PhoneNumber": "555 0100",
                    "PhoneAreaCode": org.phone[1],
                    "PhoneCountryCode": org.phone[0],
                }
            ],
            "IsSupplier": supplier,
            "IsCustomer": customer,
            "DefaultCurrency": currency or org.currency,
            "UpdatedDateUTC": UPDATED,
            "ContactGroups": [],
            "ContactPersons": [],
            "HasAttachments": False,
            "HasValidationErrors": False,
        }
        if record["AccountNumber"] is None:
            del record["AccountNumber"]
        records.append(record)
    return records


# (Code, Name, sold price in base currency or None, purchase price or None, sales account)
_ITEMS: dict[str, tuple[tuple[str, str, Decimal | None, Decimal | None, str], ...]] = {
    "UK": (
        ("LAB-REMOTE", "Remote Support (hourly)", D("95.00"), None, "210"),
        ("DL-5450-I7", "Dell Latitude 5450 Laptop", D("1049.99"), D("865.00"), "230"),
        ("M365-BP", "Microsoft 365 Business Premium", D("17.1250"), D("15.41"), "210"),
    ),
    "AU": (
        ("LAB-REMOTE", "Remote Support (hourly)", D("185.00"), None, "210"),
        ("FG-60F", "FortiGate 60F Firewall", D("1259.80"), D("967.36"), "230"),
    ),
    "US": (
        ("LAB-REMOTE", "Remote Support (hourly)", D("120.50"), None, "210"),
        ("CAT6-2M-BLU", "Cat6 Patch Cable 2m", D("5.5494"), D("1.5379"), "230"),
        ("ONBOARD", "New Client Onboarding", D("750.00"), None, "220"),
    ),
}


def _items(org: _Org) -> list[dict[str, Any]]:
    records = []
    for code, name, sale, purchase, account in _ITEMS[org.key]:
        record: dict[str, Any] = {
            "ItemID": guid("item", org.key, code),
            "Code": code,
            "Name": name,
            "Description": name,
            "IsSold": sale is not None,
            "IsPurchased": purchase is not None,
            "IsTrackedAsInventory": False,
            "UpdatedDateUTC": UPDATED,
        }
        if sale is not None:
            record["SalesDetails"] = {"UnitPrice": sale, "AccountCode": account, "TaxType": org.output_tax}
        if purchase is not None:
            record["PurchaseDescription"] = name
            record["PurchaseDetails"] = {
                "UnitPrice": purchase,
                "AccountCode": "310",
                "TaxType": org.input_tax,
            }
        records.append(record)
    return records


def xero_tenants(company_numbers: dict[str, str]) -> dict[str, dict[str, Any]]:
    """All three organisations keyed by tenant name; `company_numbers` maps Autotask names to numbers."""
    tenants: dict[str, dict[str, Any]] = {}
    for org in ORGS:
        tenants[org.name] = _without_nulls(
            {
                "Organisation": _organisation(org),
                "TaxRates": _tax_rates(org),
                "Accounts": _accounts(org),
                "BrandingThemes": _branding_themes(org),
                "Currencies": [{"Code": code, "Description": desc} for code, desc in org.enabled_currencies],
                "TrackingCategories": _tracking(org),
                "Contacts": _contacts(org, company_numbers),
                "Items": _items(org),
            }
        )
    return tenants


def _without_nulls(value: Any) -> Any:
    """Xero leaves absent fields out of its JSON rather than sending null."""
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value
