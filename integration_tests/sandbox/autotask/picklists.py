"""Picklist values the emulated Autotask database uses (served by `entityInformation/fields`).

Real picklist values are per-database and read from `entityInformation/fields`; the numbers here follow
the values reported by public clients and secondary sources (unconfirmed by Autotask's own docs), which is
why connectors must resolve labels through the fields endpoint rather than hard-code numbers.
"""

from __future__ import annotations

BILLING_ITEM_TYPES: dict[int, str] = {
    1: "Labor",
    2: "Project Cost",
    3: "Ticket Cost",
    4: "Expense",
    5: "Contract Cost",
    6: "Recurring Service",
    7: "Recurring Service Adjustment",
    8: "Milestone",
}

COMPANY_TYPES: dict[int, str] = {
    1: "Customer",
    2: "Lead",
    3: "Prospect",
    4: "Dead",
    5: "Cancelation",
    6: "Vendor",
    7: "Partner",
}

PURCHASE_ORDER_STATUSES: dict[int, str] = {
    1: "New",
    2: "Submitted",
    3: "Partially Received",
    4: "Received in Full",
    5: "Cancelled",
}

PRODUCT_CATEGORIES: dict[int, str] = {
    1: "Hardware",
    2: "Software",
    3: "Licensing",
    4: "Services",
}

BILLING_CODE_TYPES: dict[int, str] = {
    0: "Work Type",
    1: "Expense Category",
    2: "Material Code",
    3: "Internal Allocation Code",
}

# Companies.territoryID is a picklist (the territories an admin defines), not a reference: the swagger has
# no Territories entity, and ecitsolutions/Autotask's cmdlets, generated from a live database's field
# information, complete `-TerritoryID` from `Get-AtwsPicklistValue -Entity Account -FieldName TerritoryID`.
TERRITORIES: dict[int, str] = {
    1: "London & South East",
    2: "UK Regions",
    3: "Europe",
    4: "US West",
    5: "US Central & East",
    6: "Canada",
    7: "Australia",
    8: "New Zealand",
}

# entity name -> field name -> picklist (the `paymentTerm` picklists take their values from PaymentTerms).
PICKLISTS: dict[str, dict[str, dict[int, str]]] = {
    "BillingItems": {"billingItemType": BILLING_ITEM_TYPES},
    "Companies": {"companyType": COMPANY_TYPES, "territoryID": TERRITORIES},
    "PurchaseOrders": {"status": PURCHASE_ORDER_STATUSES},
    "Products": {"productCategory": PRODUCT_CATEGORIES},
    "BillingCodes": {"billingCodeType": BILLING_CODE_TYPES},
}
