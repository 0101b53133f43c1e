"""Autotask transactional data: companies, contacts, invoices with billing items, charges, purchase orders.

Variety is placed deterministically (by invoice index), not left to chance, so every dataset of any size
and seed contains credits, voids, unnumbered (mid-invoicing) invoices, zero-value lines, split
line-of-business invoices and tax-exempt customers; the seed only shuffles the ordinary data around them.
All dates derive from ANCHOR (2026-11-01), never from today.

Choices where Autotask's documentation is silent (UNCONFIRMED), each the one that makes a sloppy client
fail here rather than in production:
- `exchangeRate` is foreign units per internal unit, so internalCurrency* = amount / exchangeRate; a
  client that multiplies gets visibly wrong internal amounts.
- a credit has a negative `rate` and a positive `quantity` (negative extendedPrice, taxDollars, total).
- a region x category without a Taxes row means no tax (the "Tax Exempt" region has no Non-Taxable row).
- `paidDate` keeps the date only (midnight), as a PATCH from a payment sync would leave it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pendulum

from . import autotask_reference as ref
from .money import ZERO, line_tax, q4, to_internal
from .names import (
    FIRST_NAMES,
    LAST_NAMES,
    PINNED_CUSTOMERS,
    PREFIXES,
    PROJECT_NAMES,
    REGION_WEIGHTS,
    REGIONS,
    STREETS,
    SUFFIXES,
    TICKET_TOPICS,
    TITLES,
    TRADES,
    VENDORS,
    Region,
)

ANCHOR = pendulum.datetime(2026, 11, 1, tz="UTC")
INVOICE_WINDOW_DAYS = 90
UDF_XERO_ORG = "Xero Organisation"
UDF_XERO_SYNC = (
    "Xero Sync"  # an invoice UDF ("no sync" flags live in one like it); demo invoices leave it empty
)

COMPANY_BASE = 30_000_000
CONTACT_BASE = 31_000_000
INVOICE_BASE = 32_000_000
BILLING_ITEM_BASE = 33_000_000
TICKET_CHARGE_BASE = 35_000_000
PROJECT_CHARGE_BASE = 36_000_000
CONTRACT_CHARGE_BASE = 37_000_000
PURCHASE_ORDER_BASE = 38_000_000
PURCHASE_ORDER_ITEM_BASE = 39_000_000
FIRST_INVOICE_NUMBER = 20_001

# billingItemType picklist values (sandbox.autotask.picklists.BILLING_ITEM_TYPES)
LABOR, PROJECT_COST, TICKET_COST, EXPENSE, CONTRACT_COST, RECURRING_SERVICE, MILESTONE = 1, 2, 3, 4, 5, 6, 8


def ts(moment: pendulum.DateTime) -> str:
    """Autotask's datetime rendering: UTC with milliseconds and a Z."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class _Days:
    """Day offsets before ANCHOR rendered once: billing items repeat the same few dates thousands of times."""

    def __init__(self) -> None:
        self._cache: dict[int, str] = {}

    def midnight(self, days_before: int) -> str:
        """The day `days_before` days before ANCHOR (negative: after it), at 00:00 UTC."""
        text = self._cache.get(days_before)
        if text is None:
            text = ts(ANCHOR.add(days=-days_before))
            self._cache[days_before] = text
        return text

    def at(self, days_before: int, hour: int, minute: int, second: int) -> str:
        return f"{self.midnight(days_before)[:11]}{hour:02d}:{minute:02d}:{second:02d}.000Z"


@dataclass
class Customer:
    id: int
    name: str
    region: Region
    currency_id: int
    tax_region_id: int
    tax_exempt: bool
    payment_term: int
    template_id: int
    branch_id: int
    weight: int


def _pick_region(rng: random.Random) -> Region:
    total = sum(weight for _, weight in REGION_WEIGHTS)
    draw = rng.randrange(total)
    for key, weight in REGION_WEIGHTS:
        if draw < weight:
            return REGIONS[key]
        draw -= weight
    return REGIONS["UK"]


def _company_record(
    rng: random.Random,
    cid: int,
    name: str,
    number: str,
    company_type: int,
    region: Region,
    *,
    tax_exempt: bool,
    template_id: int | None,
    route: str | None,
    created_days_before: int,
) -> dict[str, Any]:
    city, state, postcode = rng.choice(region.cities)
    street = f"{rng.randint(1, 240)} {rng.choice(STREETS[region.country])}"
    suite = rng.choice((None, None, f"Suite {rng.randint(2, 40)}", f"Floor {rng.randint(1, 9)}"))
    country_id = ref.COUNTRY_ID[region.country]
    created = ANCHOR.subtract(days=created_days_before, hours=rng.randint(0, 9))
    modified = ANCHOR.subtract(days=rng.randint(1, 120), minutes=rng.randint(0, 600))
    phone_prefix = {
        "GB": "+44 20",
        "IE": "+353 1",
        "DE": "+49 89",
        "US": "+1 415",
        "CA": "+1 416",
        "AU": "+61 2",
        "NZ": "+64 9",
    }[region.country]
    return {
        "id": cid,
        "companyName": name,
        "companyNumber": number,
        "companyType": company_type,
        "isActive": True,
        "phone": f"{phone_prefix} {rng.randint(1000, 9999)} {rng.randint(1000, 9999)}",
        "fax": None,
        "webAddress": None,
        "address1": street,
        "address2": suite,
        "city": city,
        "state": state,
        "postalCode": postcode,
        "countryID": country_id,
        "billingAddress1": street,
        "billingAddress2": suite,
        "billToAddressToUse": 1,
        "billToAttention": "Accounts Payable",
        "billToCity": city,
        "billToState": state,
        "billToZipCode": postcode,
        "billToCountryID": country_id,
        "billToCompanyLocationID": None,
        "currencyID": ref.CURRENCY_ID[region.currency],
        "invoiceTemplateID": template_id,
        "invoiceMethod": 1,
        "invoiceEmailMessageID": None,
        "invoiceNonContractItemsToParentCompany": False,
        "taxRegionID": ref.TAX_REGION_ID[region.tax_region],
        "isTaxExempt": tax_exempt,
        "taxID": _tax_id(rng, region) if not tax_exempt else None,
        "parentCompanyID": None,
        "ownerResourceID": ref.ADMIN_RESOURCE_ID,
        "createDate": ts(created),
        "createdByResourceID": ref.ADMIN_RESOURCE_ID,
        "lastActivityDate": ts(modified),
        "lastTrackedModifiedDateTime": ts(modified),
        "territoryID": territory_id(region, city),
        "userDefinedFields": [{"name": UDF_XERO_ORG, "value": route}],
    }


def territory_id(region: Region, city: str) -> int:
    """The sales territory (Companies.territoryID picklist) of a company, from where it is: no random draw,
    so adding territories left every other generated value as it was."""
    if region.country == "GB":
        return 1 if city in ("London", "Reading") else 2
    if region.country == "US":
        return 4 if city in ("San Francisco", "Los Angeles", "San Diego", "Portland") else 5
    return {"IE": 3, "DE": 3, "CA": 6, "AU": 7, "NZ": 8}.get(region.country, 3)


def _tax_id(rng: random.Random, region: Region) -> str | None:
    if region.country == "GB":
        return f"GB{rng.randint(100_000_000, 999_999_999)}"
    if region.country in ("IE", "DE"):
        return f"{region.country}{rng.randint(10_000_000, 99_999_999)}"
    if region.country == "AU":
        return (
            f"{rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        )
    if region.country == "NZ":
        return f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}"
    return None


class CompanyBuilder:
    """Customers (pinned near-duplicates first, then generated), vendors, prospects, and their people."""

    def __init__(self, seed: int, customer_count: int) -> None:
        self.seed = seed
        self.rng = random.Random(f"{seed}:companies")
        self.customer_count = max(customer_count, len(PINNED_CUSTOMERS))
        self.records: list[dict[str, Any]] = []
        self.customers: list[Customer] = []
        self.vendor_ids: list[int] = []
        self.vendor_regions: dict[int, Region] = {}
        self._names: set[str] = set()

    def build(self) -> None:
        rng = self.rng
        for pin in PINNED_CUSTOMERS:
            self._add_customer(REGIONS[pin.region], pin.name, tax_exempt=pin.tax_exempt, routed=pin.routed)
        while len(self.customers) < self.customer_count:
            region = _pick_region(rng)
            self._add_customer(region, self._fresh_name(region), tax_exempt=rng.random() < 0.04, routed=True)
        for name, key in VENDORS:
            cid = self._next_id()
            region = REGIONS[key]
            self.records.append(
                _company_record(
                    rng,
                    cid,
                    name,
                    f"V{len(self.vendor_ids) + 1:04d}",
                    6,
                    region,
                    tax_exempt=False,
                    template_id=None,
                    route=region.xero,  # a vendor is routed like a customer: its POs go where it is booked
                    created_days_before=rng.randint(400, 900),
                )
            )
            self.vendor_ids.append(cid)
            self.vendor_regions[cid] = region
        for index in range(3):
            region = _pick_region(rng)
            cid = self._next_id()
            self.records.append(
                _company_record(
                    rng,
                    cid,
                    self._fresh_name(region),
                    f"P{index + 1:04d}",
                    3,
                    region,
                    tax_exempt=False,
                    template_id=None,
                    route=None,
                    created_days_before=rng.randint(5, 60),
                )
            )

    def _next_id(self) -> int:
        return COMPANY_BASE + len(self.records) + 1

    def _fresh_name(self, region: Region) -> str:
        """A name no other company has (case-insensitively); numbered once the combinations run out."""
        rng = self.rng
        for attempt in range(8):
            name = f"{rng.choice(PREFIXES)} {rng.choice(TRADES)} {rng.choice(SUFFIXES[region.country])}"
            if attempt == 7:
                name = f"{name} #{len(self.records) + 1}"
            if name.casefold() not in self._names:
                self._names.add(name.casefold())
                return name
        raise RuntimeError(f"company name {name!r} generated twice")

    def _add_customer(self, region: Region, name: str, *, tax_exempt: bool, routed: bool) -> None:
        rng = self.rng
        cid = self._next_id()
        self._names.add(name.casefold())
        term = rng.choice((1, 1, 1, 2, 3)) if region.country != "DE" else 1
        template = rng.choice(
            (ref.TEMPLATE_STANDARD, ref.TEMPLATE_MANAGED, ref.TEMPLATE_MANAGED, ref.TEMPLATE_PROJECT)
        )
        number = f"C{len(self.customers) + 1:05d}"
        self.records.append(
            _company_record(
                rng,
                cid,
                name,
                number,
                1,
                region,
                tax_exempt=tax_exempt,
                template_id=template,
                route=region.xero if routed else None,
                created_days_before=rng.randint(200, 2500),
            )
        )
        self.customers.append(
            Customer(
                cid,
                name,
                region,
                ref.CURRENCY_ID[region.currency],
                ref.TAX_REGION_ID[region.tax_region],
                tax_exempt,
                term,
                template,
                ref.BRANCH_ID[region.branch],
                rng.choice((1, 1, 2, 3, 5, 8)),
            )
        )

    def contacts(self) -> list[dict[str, Any]]:
        rng = random.Random(f"{self.seed}:contacts")
        records: list[dict[str, Any]] = []
        for company in self.records:
            for position in range(rng.choice((1, 1, 2, 2, 3))):
                first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                domain = _ascii(company["companyName"]).lower()[:18] or "mail"
                modified = ANCHOR.subtract(days=rng.randint(1, 300))
                records.append(
                    {
                        "id": CONTACT_BASE + len(records) + 1,
                        "companyID": company["id"],
                        "firstName": first,
                        "lastName": last,
                        "title": rng.choice(TITLES),
                        "emailAddress": f"{first[0].lower()}.{_ascii(last).lower()}@{domain}.example",
                        "emailAddress2": None,
                        "emailAddress3": None,
                        "phone": company["phone"],
                        "mobilePhone": None,
                        "isActive": 0 if position == 2 else 1,
                        "primaryContact": position == 0,
                        "addressLine": company["address1"],
                        "city": company["city"],
                        "state": company["state"],
                        "zipCode": company["postalCode"],
                        "countryID": company["countryID"],
                        "externalID": None,
                        "createDate": company["createDate"],
                        "lastModifiedDate": ts(modified),
                    }
                )
        return records


def _ascii(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isalpha())


@dataclass
class _Line:
    kind: int
    code: ref.BillingCode
    name: str
    description: str
    quantity: Decimal
    unit_price_gbp: Decimal
    lob: int
    service_id: int | None = None
    product: ref.ProductDef | None = None
    fixed_rate: Decimal | None = None


class InvoiceBuilder:
    """Invoices with their billing items and the charges that carry a product to a billing item."""

    def __init__(self, seed: int, customers: list[Customer], invoice_count: int) -> None:
        self.rng = random.Random(f"{seed}:invoices")
        self.customers = customers
        self.count = invoice_count
        self.days = _Days()
        self.invoices: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        self.ticket_charges: list[dict[str, Any]] = []
        self.project_charges: list[dict[str, Any]] = []
        self.contract_charges: list[dict[str, Any]] = []
        self._weights: list[int] = []
        total = 0
        for customer in customers:
            total += customer.weight
            self._weights.append(total)
        self._ticket_no = 1000

    # --- which special case an invoice index gets (fixed spacing, so every size has each of them)
    @staticmethod
    def _flags(index: int, count: int) -> tuple[bool, bool, bool, bool]:
        credit = index % 37 == 5
        voided = index % 41 == 17
        unnumbered = index in (count - 1, count - 2) and count > 10
        split = index % 60 == 13
        return credit, voided, unnumbered, split

    def _customer_for(self, index: int) -> Customer:
        if index < len(self.customers):  # every customer gets at least one invoice
            return self.customers[index]
        draw = self.rng.randrange(self._weights[-1])
        low, high = 0, len(self._weights) - 1
        while low < high:
            mid = (low + high) // 2
            if self._weights[mid] > draw:
                high = mid
            else:
                low = mid + 1
        return self.customers[low]

    def build(self) -> None:
        rng = self.rng
        count = self.count
        # invoice dates: ascending with the index, spread over the 90 days before ANCHOR
        for index in range(count):
            credit, voided, unnumbered, split = self._flags(index, count)
            customer = self._customer_for(index)
            days_before = INVOICE_WINDOW_DAYS - (index * INVOICE_WINDOW_DAYS) // count
            if unnumbered:
                days_before = 1
            lob = ref.PROJECTS if rng.random() < 0.3 else ref.MANAGED
            lines = self._lines(customer, lob, split, index)
            if credit:  # a credit note refunds part of a period: a line or two, never a whole project
                lines = [line for line in lines if line.kind in (LABOR, RECURRING_SERVICE)][:2] or lines[:1]
            self._emit(
                index,
                customer,
                days_before,
                lines,
                credit=credit,
                voided=voided and not unnumbered,
                unnumbered=unnumbered,
            )

    def _labour(self, code_name: str, lob: int, project: str | None = None) -> _Line:
        rng = self.rng
        code = ref.CODE[code_name]
        minutes = rng.choice((15, 20, 30, 45, 50, 65, 90, 100, 120, 135, 180, 240, 330, 480))
        self._ticket_no += 1
        if project:
            description = (
                f"{project}: {rng.choice(('design', 'build', 'cut-over', 'testing', 'documentation'))}"
            )
        else:
            description = f"T2026{self._ticket_no:06d} - {rng.choice(TICKET_TOPICS)}"
        return _Line(
            LABOR, code, code.name, description, q4(Decimal(minutes) / Decimal(60)), code.unit_price, lob
        )

    def _lines(self, customer: Customer, lob: int, split: bool, index: int) -> list[_Line]:
        rng = self.rng
        lines: list[_Line] = []
        lobs = (ref.MANAGED, ref.PROJECTS) if split else (lob,)
        for current in lobs:
            if current == ref.MANAGED:
                for service in rng.sample(ref.SERVICES, rng.choice((1, 2, 2, 3, 3, 4, 5))):
                    seats = Decimal(rng.choice((1, 2, 3, 5, 8, 12, 15, 20, 25, 40, 60)))
                    lines.append(
                        _Line(
                            RECURRING_SERVICE,
                            ref.CODE[service.code],
                            service.name,
                            service.invoice_description,
                            seats,
                            service.unit_price,
                            current,
                            service_id=service.id,
                        )
                    )
                for _ in range(rng.choice((0, 1, 1, 2))):
                    lines.append(
                        self._labour(
                            rng.choice(("Remote Support", "Onsite Support", "After Hours Support")), current
                        )
                    )
                if rng.random() < 0.25:
                    product = rng.choice(ref.LICENCE_PRODUCTS)
                    lines.append(
                        _Line(
                            CONTRACT_COST,
                            ref.CODE[product.code],
                            product.name,
                            product.name,
                            Decimal(rng.randint(1, 10)),
                            product.unit_price,
                            current,
                            product=product,
                        )
                    )
            else:
                project = rng.choice(PROJECT_NAMES)
                for _ in range(rng.randint(1, 3)):
                    lines.append(self._labour("Project Labour", current, project))
                for product in rng.sample(ref.HARDWARE_PRODUCTS, rng.randint(0, 2)):
                    lines.append(
                        _Line(
                            PROJECT_COST,
                            ref.CODE[product.code],
                            product.name,
                            product.name,
                            Decimal(rng.randint(1, 12)),
                            product.unit_price,
                            current,
                            product=product,
                        )
                    )
                if rng.random() < 0.25:
                    code = ref.CODE["Project Labour"]
                    lines.append(
                        _Line(
                            MILESTONE,
                            code,
                            f"{project} - milestone",
                            f"{project}: phase sign-off",
                            Decimal(1),
                            Decimal(rng.choice((1500, 2750, 4200))),
                            current,
                        )
                    )
                if rng.random() < 0.2:
                    code = ref.CODE["Travel & Mileage"]
                    lines.append(
                        _Line(
                            EXPENSE,
                            code,
                            "Mileage",
                            "Mileage to client site",
                            Decimal(rng.randint(12, 180)),
                            code.unit_price,
                            current,
                        )
                    )
                if rng.random() < 0.15:
                    product = ref.PRODUCTS[-1]
                    lines.append(
                        _Line(
                            TICKET_COST,
                            ref.CODE[product.code],
                            product.name,
                            "Courier delivery",
                            Decimal(1),
                            product.unit_price,
                            current,
                            product=product,
                        )
                    )
        if index % 9 == 4:  # zero-value line: covered by contract
            line = self._labour("Included Support", lines[0].lob)
            line.description = f"{line.description} (covered by contract)"
            lines.append(line)
        if index % 53 == 8:  # a unit price with 4 significant decimals on a fractional quantity
            code = ref.CODE["Remote Support"]
            lines.append(
                _Line(
                    LABOR,
                    code,
                    "Remote Support (discounted)",
                    "Pro-rata support block",
                    Decimal("0.3333"),
                    Decimal("87.3125"),
                    lines[0].lob,
                    fixed_rate=Decimal("87.3125"),
                )
            )
        return lines

    def _emit(
        self,
        index: int,
        customer: Customer,
        days_before: int,
        lines: list[_Line],
        *,
        credit: bool,
        voided: bool,
        unnumbered: bool,
    ) -> None:
        invoice_id = INVOICE_BASE + index + 1
        exchange = ref.EXCHANGE_RATE[customer.currency_id]
        sign = Decimal(-1) if credit else Decimal(1)
        invoice_day = self.days.midnight(days_before)
        posted = self.days.midnight(days_before + 1)
        total_ext = ZERO
        total_tax = ZERO
        for line in lines:
            # catalogue prices are in the internal currency; a fixed rate is already in the customer's
            rate = (
                line.fixed_rate if line.fixed_rate is not None else q4(line.unit_price_gbp * exchange)
            ) * sign
            extended = q4(line.quantity * rate)
            rows = () if customer.tax_exempt else ref.tax_rows(customer.tax_region_id, line.code.tax_category)
            tax = line_tax(extended, rows) if rows else ZERO
            total_ext += extended
            total_tax += tax
            internal_ext = to_internal(extended, exchange)
            internal_tax = to_internal(tax, exchange)
            charge_ids = self._charge(line, invoice_id, customer, rate, days_before)
            item_day = self.days.midnight(days_before + 2 + (len(self.items) % 20))
            item_id = BILLING_ITEM_BASE + len(self.items) + 1
            product = line.product
            self.items.append(
                {
                    "id": item_id,
                    "accountManagerWhenApprovedID": None,
                    "billingCodeID": line.code.id,
                    "billingItemType": line.kind,
                    "companyID": customer.id,
                    "configurationItemID": None,
                    "contractChargeID": charge_ids[2],
                    "contractID": None,
                    "description": line.description,
                    "expenseItemID": None,
                    "extendedPrice": extended,
                    "internalCurrencyExtendedPrice": internal_ext,
                    "internalCurrencyRate": to_internal(rate, exchange),
                    "internalCurrencyTaxDollars": internal_tax,
                    "internalCurrencyTotalAmount": internal_ext + internal_tax,
                    "invoiceID": invoice_id,
                    "itemApproverID": ref.ADMIN_RESOURCE_ID,
                    "itemDate": item_day,
                    "itemName": line.name,
                    "lineItemFullDescription": f"{line.name} - {line.description}",
                    "lineItemGroupDescription": line.code.name,
                    "lineItemID": item_id,
                    "milestoneID": None,
                    "nonBillable": 0,
                    "organizationalLevelAssociationID": ref.association_id(customer.branch_id, line.lob),
                    "ourCost": q4(line.quantity * (product.unit_cost if product else line.code.unit_cost))
                    * sign,
                    "postedDate": posted,
                    "postedOnTime": posted,
                    "projectChargeID": charge_ids[1],
                    "projectID": None,
                    "purchaseOrderNumber": None,
                    "quantity": line.quantity,
                    "rate": rate,
                    "roleID": None,
                    "serviceBundleID": None,
                    "serviceID": line.service_id,
                    "subType": None,
                    "taskID": None,
                    "taxCategoryID": line.code.tax_category,
                    "taxDollars": tax,
                    "ticketChargeID": charge_ids[0],
                    "ticketID": None,
                    "timeEntryID": None,
                    "totalAmount": extended + tax,
                    "vendorID": None,
                    "webServiceDate": None,
                }
            )
        self.invoices.append(
            self._header(
                index,
                invoice_id,
                customer,
                days_before,
                invoice_day,
                total_ext,
                total_tax,
                credit=credit,
                voided=voided,
                unnumbered=unnumbered,
            )
        )

    def _charge(
        self, line: _Line, invoice_id: int, customer: Customer, rate: Decimal, days_before: int
    ) -> tuple[int | None, int | None, int | None]:
        if line.product is None:
            return None, None, None
        if line.kind == TICKET_COST:
            target, base, slot = self.ticket_charges, TICKET_CHARGE_BASE, 0
        elif line.kind == PROJECT_COST:
            target, base, slot = self.project_charges, PROJECT_CHARGE_BASE, 1
        else:
            target, base, slot = self.contract_charges, CONTRACT_CHARGE_BASE, 2
        charge_id = base + len(target) + 1
        purchased = self.days.midnight(days_before + 5)
        target.append(
            {
                "id": charge_id,
                "billableAmount": q4(line.quantity * rate),
                "billingCodeID": line.code.id,
                "chargeType": 1,
                "createDate": purchased,
                "creatorResourceID": ref.ADMIN_RESOURCE_ID,
                "datePurchased": purchased,
                "description": line.description,
                "extendedCost": q4(line.quantity * line.product.unit_cost),
                "internalPurchaseOrderNumber": None,
                "isBillableToCompany": True,
                "isBilled": True,
                "name": line.name,
                "notes": None,
                "organizationalLevelAssociationID": ref.association_id(customer.branch_id, line.lob),
                "productID": line.product.id,
                "purchaseOrderNumber": None,
                "status": 1,
                "unitCost": line.product.unit_cost,
                "unitPrice": rate,
                "unitQuantity": line.quantity,
            }
        )
        result: list[int | None] = [None, None, None]
        result[slot] = charge_id
        return result[0], result[1], result[2]

    def _header(
        self,
        index: int,
        invoice_id: int,
        customer: Customer,
        days_before: int,
        invoice_day: str,
        total_ext: Decimal,
        total_tax: Decimal,
        *,
        credit: bool,
        voided: bool,
        unnumbered: bool,
    ) -> dict[str, Any]:
        rng = self.rng
        term_days = ref.PAYMENT_DAYS[customer.payment_term]
        due_before = days_before - term_days
        created = self.days.at(days_before, 17, rng.randint(0, 59), rng.randint(0, 59))
        paid_date = None
        if not voided and not unnumbered and due_before > 0 and rng.random() < (0.3 if credit else 0.65):
            paid_before = min(days_before, max(0, due_before + rng.randint(-10, 12)))
            paid_date = self.days.midnight(max(paid_before, 0))
        template = customer.template_id
        if index % 29 == 3:
            template = ref.TEMPLATE_STANDARD if template != ref.TEMPLATE_STANDARD else ref.TEMPLATE_PROJECT
        return {
            "id": invoice_id,
            "batchID": 5000 + (INVOICE_WINDOW_DAYS - days_before),
            "comments": (
                "Credit for service outage"
                if credit
                else rng.choice((None, None, None, "Thank you for your business", "Includes on-site visit"))
            ),
            "companyID": customer.id,
            "createDateTime": created,
            "creatorResourceID": ref.ADMIN_RESOURCE_ID,
            "dueDate": self.days.midnight(due_before),
            "fromDate": self.days.midnight(days_before + 30),
            "invoiceDateTime": invoice_day,
            "invoiceEditorTemplateID": template,
            "invoiceNumber": None if unnumbered else str(FIRST_INVOICE_NUMBER + index),
            "invoiceTotal": total_ext + total_tax,
            "isVoided": voided,
            "orderNumber": rng.choice((None, None, f"PO-{rng.randint(1000, 99999)}")),
            "paidDate": paid_date,
            "paymentTerm": customer.payment_term,
            "taxGroup": customer.tax_region_id,
            "taxRegionName": ref.TAX_REGIONS[customer.tax_region_id - 1][1],
            "toDate": self.days.midnight(days_before + 1),
            "totalTaxValue": total_tax,
            "voidedByResourceID": ref.ADMIN_RESOURCE_ID if voided else None,
            "voidedDate": self.days.midnight(max(days_before - 3, 0)) if voided else None,
            "webServiceDate": None,
            "userDefinedFields": [{"name": UDF_XERO_SYNC, "value": None}],
        }


def purchase_orders(
    seed: int, count: int, vendor_ids: list[int], vendor_regions: dict[int, Region], customers: list[Customer]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Purchase orders to vendors, each with 1-4 product lines (quantity is an integer in Autotask).

    A purchase order is in its vendor's currency (Autotask issues it so): `unitCost` and `freight` are
    in it, catalogue costs converted from GBP; `internalCurrency*` are those amounts ÷ exchangeRate."""
    rng = random.Random(f"{seed}:purchase-orders")
    orders: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for index in range(count):
        vendor = vendor_ids[index % len(vendor_ids)]
        region = vendor_regions[vendor]
        exchange = ref.EXCHANGE_RATE[ref.CURRENCY_ID[region.currency]]
        status = (1, 2, 2, 3, 4, 4, 4, 5)[index % 8]
        created_before = rng.randint(3, 120)
        created = ANCHOR.subtract(days=created_before, hours=rng.randint(0, 8))
        order_id = PURCHASE_ORDER_BASE + index + 1
        customer = rng.choice(customers) if rng.random() < 0.6 else None
        freight = q4(Decimal(rng.choice((0, 0, 9, 14, 25))) + Decimal(rng.choice(("0", "0.5", "0.99"))))
        orders.append(
            {
                "id": order_id,
                "purchaseOrderNumber": f"NW-PO-{index + 1:05d}",
                "vendorID": vendor,
                "status": status,
                "createDateTime": ts(created),
                "creatorResourceID": ref.ADMIN_RESOURCE_ID,
                "submitDateTime": None if status == 1 else ts(created.add(hours=2)),
                "cancelDateTime": ts(created.add(days=2)) if status == 5 else None,
                "latestEstimatedArrivalDate": ts(created.add(days=7)),
                "shippingDate": ts(created.add(days=2)) if status in (3, 4) else None,
                "shippingType": None,
                "shipToName": "Northwind MSP - Warehouse",
                "shipToAddress1": {
                    "GB": "12 Gresham Street",
                    "AU": "88 Pitt Street",
                    "US": "500 Howard Street",
                }.get(region.country, "12 Gresham Street"),
                "shipToAddress2": None,
                "shipToCity": region.cities[0][0],
                "shipToState": region.cities[0][1],
                "shipToPostalCode": region.cities[0][2],
                "phone": None,
                "fax": None,
                "paymentTerm": 1,
                "taxRegionID": ref.TAX_REGION_ID[region.tax_region],
                "freight": freight,
                "internalCurrencyFreight": to_internal(freight, exchange),
                "generalMemo": rng.choice((None, "Deliver to goods-in, ask for the service desk")),
                "externalPONumber": None,
                "purchaseForCompanyID": customer.id if customer else None,
                "vendorInvoiceNumber": f"INV{rng.randint(100000, 999999)}" if status == 4 else None,
                "useItemDescriptionsFrom": 1,
                "showEachTaxInGroup": False,
                "showTaxCategory": False,
            }
        )
        for product in rng.sample(ref.PRODUCTS[:-1], rng.randint(1, 4)):
            unit_cost = q4(product.unit_cost * Decimal(rng.choice(("1", "0.97", "1.0125"))) * exchange)
            items.append(
                {
                    "id": PURCHASE_ORDER_ITEM_BASE + len(items) + 1,
                    "orderID": order_id,
                    "productID": product.id,
                    "quantity": rng.randint(1, 20),
                    "unitCost": unit_cost,
                    "internalCurrencyUnitCost": to_internal(unit_cost, exchange),
                    "memo": rng.choice(
                        (None, product.name, f"{product.name} - for {customer.name}" if customer else None)
                    ),
                    "estimatedArrivalDate": ts(created.add(days=rng.randint(2, 10))),
                    "chargeID": None,
                    "contractID": None,
                    "projectID": None,
                    "salesOrderID": None,
                    "ticketID": None,
                    "inventoryLocationID": None,
                }
            )
    return orders, items
