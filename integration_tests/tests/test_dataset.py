"""The generated datasets: determinism, money invariants, variety, and referential integrity.

The generator is a pure function, so these tests call it directly; every check recomputes what it needs from
the dataset itself (Taxes rows, exchange rates) rather than trusting generator internals.
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

import pendulum
import pytest
from sandbox.dataset import dumps, load_dataset, loads
from sandbox.dataset.fileformat import AUTOTASK_DECIMAL_FIELDS

Q4 = Decimal("0.0001")
ANCHOR = pendulum.datetime(2026, 11, 1, tz="UTC")


@cache
def demo() -> dict[str, Any]:
    data: dict[str, Any] = load_dataset("demo", seed=1)
    return data


@cache
def bench() -> dict[str, Any]:
    data: dict[str, Any] = load_dataset("bench:1500", seed=3)
    return data


def q4(value: Decimal) -> Decimal:
    return value.quantize(Q4, rounding=ROUND_HALF_UP)


def by_id(data: dict[str, Any], entity: str) -> dict[int, dict[str, Any]]:
    return {record["id"]: record for record in data["autotask"][entity]}


def fold(name: str) -> str:
    """Case- and accent-insensitive form of a name (how a careless matcher would compare)."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def at_time(text: str) -> pendulum.DateTime:
    assert isinstance(text, str) and len(text) == 24 and text.endswith("Z"), text
    parsed = pendulum.parse(text)
    assert isinstance(parsed, pendulum.DateTime)
    return parsed


# --- determinism -----------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_json() -> None:
    first = dumps(load_dataset("demo", seed=1))
    assert first == dumps(load_dataset("demo", seed=1))
    assert first == dumps(demo())


def test_other_seed_gives_other_data_but_same_reference_data() -> None:
    other = load_dataset("demo", seed=2)
    assert dumps(other) != dumps(demo())
    for entity in ("Taxes", "TaxRegions", "BillingCodes", "Currencies", "OrganizationalLevelAssociations"):
        assert other["autotask"][entity] == demo()["autotask"][entity]
    tenant_ids = [t["Organisation"]["OrganisationID"] for t in other["xero"].values()]
    assert tenant_ids == [t["Organisation"]["OrganisationID"] for t in demo()["xero"].values()]


def test_dates_are_anchored_not_today() -> None:
    """Invoices fall in the 90 days before 2026-11-01 whatever day the tests run."""
    invoices = demo()["autotask"]["Invoices"]
    dates = [at_time(invoice["invoiceDateTime"]) for invoice in invoices]
    assert min(dates) >= ANCHOR.subtract(days=90)
    assert max(dates) < ANCHOR
    for invoice in invoices:
        for field in ("createDateTime", "paidDate", "voidedDate", "fromDate", "toDate"):
            if invoice[field] is not None:
                assert at_time(invoice[field]) <= ANCHOR, (invoice["id"], field)
        assert at_time(invoice["dueDate"]) >= at_time(invoice["invoiceDateTime"])


# --- money ----------------------------------------------------------------------------------------------


def _tax_rows(data: dict[str, Any]) -> dict[tuple[int, int], list[tuple[Decimal, bool]]]:
    rows: dict[tuple[int, int], list[tuple[Decimal, bool]]] = defaultdict(list)
    for tax in data["autotask"]["Taxes"]:
        rows[(tax["taxRegionID"], tax["taxCategoryID"])].append((tax["taxRate"], tax["isCompounded"]))
    return rows


def _expected_tax(base: Decimal, rows: list[tuple[Decimal, bool]]) -> Decimal:
    plain = sum((base * rate / 100 for rate, compound in rows if not compound), Decimal(0))
    compound = sum(((base + plain) * rate / 100 for rate, compound in rows if compound), Decimal(0))
    return q4(plain + compound)


@pytest.mark.parametrize("dataset", [demo, bench], ids=["demo", "bench"])
def test_every_invoice_adds_up_exactly(dataset: Any) -> None:
    data = dataset()
    companies = by_id(data, "Companies")
    codes = by_id(data, "BillingCodes")
    currencies = by_id(data, "Currencies")
    rows = _tax_rows(data)
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in data["autotask"]["BillingItems"]:
        lines[item["invoiceID"]].append(item)
    for invoice in data["autotask"]["Invoices"]:
        items = lines[invoice["id"]]
        assert items, f"invoice {invoice['id']} has no billing items"
        company = companies[invoice["companyID"]]
        exchange = currencies[company["currencyID"]]["exchangeRate"]
        for item in items:
            assert item["extendedPrice"] == q4(item["quantity"] * item["rate"]), item["id"]
            assert item["taxCategoryID"] == codes[item["billingCodeID"]]["taxCategoryID"]
            if company["isTaxExempt"]:
                expected = Decimal(0)
            else:
                expected = _expected_tax(
                    item["extendedPrice"], rows[(company["taxRegionID"], item["taxCategoryID"])]
                )
            assert item["taxDollars"] == expected, item["id"]
            assert item["totalAmount"] == item["extendedPrice"] + item["taxDollars"]
            assert item["internalCurrencyExtendedPrice"] == q4(item["extendedPrice"] / exchange)
            assert item["internalCurrencyTaxDollars"] == q4(item["taxDollars"] / exchange)
            assert item["internalCurrencyRate"] == q4(item["rate"] / exchange)
            assert item["internalCurrencyTotalAmount"] == (
                item["internalCurrencyExtendedPrice"] + item["internalCurrencyTaxDollars"]
            )
        total_tax = sum((item["taxDollars"] for item in items), Decimal(0))
        total_ext = sum((item["extendedPrice"] for item in items), Decimal(0))
        assert invoice["totalTaxValue"] == total_tax
        assert invoice["invoiceTotal"] == total_ext + total_tax


def test_money_is_decimal_with_at_most_four_places() -> None:
    for entity, fields in AUTOTASK_DECIMAL_FIELDS.items():
        for record in demo()["autotask"].get(entity, []):
            for field in fields:
                value = record.get(field)
                if value is None:
                    continue
                assert isinstance(value, Decimal), (entity, field, value)
                assert value == value.quantize(Q4), (entity, field, value)
    exchange = [c["exchangeRate"] for c in demo()["autotask"]["Currencies"]]
    assert all(rate == rate.quantize(Decimal("0.00001")) and rate > 0 for rate in exchange)


# --- variety --------------------------------------------------------------------------------------------


def test_sizes_match_the_brief() -> None:
    at = demo()["autotask"]
    customers = [c for c in at["Companies"] if c["companyType"] == 1]
    assert 40 <= len(customers) <= 55 and len(at["Companies"]) >= 50
    assert len(at["Invoices"]) == 300
    assert 1050 <= len(at["BillingItems"]) <= 1400
    assert len(at["PurchaseOrders"]) == 20
    bench_at = bench()["autotask"]
    assert len(bench_at["Invoices"]) == 1500
    assert len([c for c in bench_at["Companies"] if c["companyType"] == 1]) == 250


def test_invoice_variety_is_present() -> None:
    data = demo()
    at = data["autotask"]
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for item in at["BillingItems"]:
        lines[item["invoiceID"]].append(item)
    invoices = at["Invoices"]
    credits = [i for i in invoices if i["invoiceTotal"] < 0]
    assert len(credits) >= 5
    for credit in credits:
        assert all(item["extendedPrice"] <= 0 and item["taxDollars"] <= 0 for item in lines[credit["id"]])
    voided = [i for i in invoices if i["isVoided"]]
    assert len(voided) >= 5 and all(i["voidedDate"] and i["paidDate"] is None for i in voided)
    assert all(i["voidedDate"] is None for i in invoices if not i["isVoided"])
    unnumbered = [i for i in invoices if i["invoiceNumber"] is None]
    assert len(unnumbered) == 2 and not any(i["isVoided"] or i["paidDate"] for i in unnumbered)
    numbers = [i["invoiceNumber"] for i in invoices if i["invoiceNumber"] is not None]
    assert len(numbers) == len(set(numbers))
    assert len([i for i in invoices if i["paidDate"]]) >= 60
    assert all(at_time(i["paidDate"]).time() == pendulum.time(0) for i in invoices if i["paidDate"])
    zero = [item for item in at["BillingItems"] if item["extendedPrice"] == 0]
    assert len(zero) >= 10
    items = at["BillingItems"]
    assert any(item["quantity"] != item["quantity"].quantize(Decimal("0.001")) for item in items)
    assert any(item["rate"] != item["rate"].quantize(Decimal("0.001")) for item in items)
    assert {item["billingItemType"] for item in items} >= {1, 2, 3, 4, 5, 6, 8}
    assert any(item["serviceID"] for item in items)
    for field in ("contractChargeID", "ticketChargeID", "projectChargeID"):
        assert any(item[field] for item in items), field
    assert any(i["comments"] for i in invoices) and any(i["orderNumber"] for i in invoices)
    assert len({i["batchID"] for i in invoices}) > 10


def test_split_line_of_business_invoices() -> None:
    at = demo()["autotask"]
    associations = by_id(demo(), "OrganizationalLevelAssociations")
    lobs: dict[int, set[int]] = defaultdict(set)
    for item in at["BillingItems"]:
        lobs[item["invoiceID"]].add(
            associations[item["organizationalLevelAssociationID"]]["organizationalLevel2ID"]
        )
    split = [invoice_id for invoice_id, levels in lobs.items() if len(levels) == 2]
    assert 3 <= len(split) <= len(at["Invoices"]) // 10
    names = {level["name"] for level in at["OrganizationalLevel2s"]}
    assert names == {"Managed Services", "Projects"}


def test_tax_variety() -> None:
    data = demo()
    at = data["autotask"]
    regions = {r["name"] for r in at["TaxRegions"]}
    assert {
        "UK VAT",
        "EU Reverse Charge",
        "Australia GST",
        "California",
        "New Zealand GST",
        "Tax Exempt",
    } <= regions
    compound = [t for t in at["Taxes"] if t["isCompounded"]]
    assert compound
    for tax in compound:  # a compound row always sits on top of a plain one in the same region x category
        assert any(
            not other["isCompounded"]
            and (other["taxRegionID"], other["taxCategoryID"]) == (tax["taxRegionID"], tax["taxCategoryID"])
            for other in at["Taxes"]
        )
    assert all(t["taxRate"] >= 0 and t["taxRate"] == t["taxRate"].quantize(Q4) for t in at["Taxes"])
    companies = by_id(data, "Companies")
    compound_keys = {(t["taxRegionID"], t["taxCategoryID"]) for t in compound}
    assert any(
        (companies[item["companyID"]]["taxRegionID"], item["taxCategoryID"]) in compound_keys
        and item["taxDollars"]
        for item in at["BillingItems"]
    )
    exempt = {c["id"] for c in at["Companies"] if c["isTaxExempt"]}
    exempt_items = [item for item in at["BillingItems"] if item["companyID"] in exempt]
    assert exempt_items and all(item["taxDollars"] == 0 for item in exempt_items)
    assert any(item["extendedPrice"] for item in exempt_items)
    assert {c["name"] for c in at["TaxCategories"]} >= {
        "Labour",
        "Hardware",
        "Software & Licences",
        "Non-Taxable",
    }


def test_companies_variety() -> None:
    data = demo()
    at = data["autotask"]
    companies = at["Companies"]
    types = Counter(c["companyType"] for c in companies)
    assert types[1] >= 40 and types[6] >= 3
    names = [c["companyName"] for c in companies]
    assert len(names) == len(set(names))
    folded = Counter(fold(name) for name in names)
    assert sum(1 for count in folded.values() if count > 1) >= 2  # e.g. Café Nova / Cafe Nova, ACME / Acme
    assert {"Café Nova Ltd", "Cafe Nova Ltd", "ACME Plumbing", "Acme Plumbing"} <= set(names)
    routes = Counter(
        next(u["value"] for u in c["userDefinedFields"] if u["name"] == "Xero Organisation")
        for c in companies
        if c["companyType"] == 1
    )
    assert routes["UK"] and routes["AU"] and routes["US"] and routes[None]
    currencies = by_id(data, "Currencies")
    internal = [c for c in at["Currencies"] if c["isInternalCurrency"]]
    assert len(internal) == 1 and internal[0]["exchangeRate"] == 1
    billed = Counter(currencies[c["currencyID"]]["name"] for c in companies if c["companyType"] == 1)
    assert set(billed) >= {"GBP", "EUR", "USD", "AUD", "NZD", "CAD"}
    assert any(c["isTaxExempt"] for c in companies)
    assert all(c["lastTrackedModifiedDateTime"] for c in companies)
    assert {c["isActive"] for c in at["Contacts"]} == {0, 1}


def test_some_customer_currency_is_not_enabled_in_its_xero_organisation() -> None:
    data = demo()
    currencies = by_id(data, "Currencies")
    enabled = {
        tenant["Organisation"]["Name"]: {c["Code"] for c in tenant["Currencies"]}
        for tenant in data["xero"].values()
    }
    routes = {"UK": "Northwind MSP Ltd", "AU": "Northwind MSP Pty Ltd", "US": "Northwind MSP Inc"}
    mismatched = []
    for company in data["autotask"]["Companies"]:
        route = company["userDefinedFields"][0]["value"]
        currency = currencies[company["currencyID"]]["name"]
        if company["companyType"] == 1 and route and currency not in enabled[routes[route]]:
            mismatched.append(company["companyName"])
    assert mismatched == ["Pacific Freight Co"]


def test_purchase_orders() -> None:
    data = demo()
    at = data["autotask"]
    companies = by_id(data, "Companies")
    orders = by_id(data, "PurchaseOrders")
    assert {o["status"] for o in at["PurchaseOrders"]} == {1, 2, 3, 4, 5}
    for order in at["PurchaseOrders"]:
        assert companies[order["vendorID"]]["companyType"] == 6
        assert order["shipToName"] and order["shipToAddress1"] and order["purchaseOrderNumber"]
        assert (order["submitDateTime"] is None) == (order["status"] == 1)
    items = at["PurchaseOrderItems"]
    assert {item["orderID"] for item in items} == set(orders)
    for item in items:
        assert isinstance(item["quantity"], int) and item["quantity"] > 0
        assert item["unitCost"] == item["unitCost"].quantize(Q4)


def test_xero_side_variety() -> None:
    data = demo()
    tenants = data["xero"]
    assert list(tenants) == ["Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"]
    expected = {
        "Northwind MSP Ltd": ("GB", "GBP"),
        "Northwind MSP Pty Ltd": ("AU", "AUD"),
        "Northwind MSP Inc": ("US", "USD"),
    }
    templates = {t["name"] for t in data["autotask"]["InvoiceTemplates"]}
    lobs = {level["name"] for level in data["autotask"]["OrganizationalLevel2s"]}
    autotask_names = {c["companyName"] for c in data["autotask"]["Companies"]}
    autotask_folded = {fold(name) for name in autotask_names}
    numbers = {c["companyNumber"]: c["companyName"] for c in data["autotask"]["Companies"]}
    for name, tenant in tenants.items():
        org = tenant["Organisation"]
        assert (org["CountryCode"], org["BaseCurrency"]) == expected[name] and org["Name"] == name
        accounts = {a["Code"]: a for a in tenant["Accounts"]}
        assert {"200", "260", "300", "310", "429", "610", "800", "090", "860"} <= set(accounts)
        assert accounts["860"]["SystemAccount"] == "ROUNDING"
        assert accounts["090"]["Type"] == "BANK" and accounts["090"]["BankAccountNumber"]
        assert any(a["Status"] == "ARCHIVED" for a in tenant["Accounts"])
        rates = tenant["TaxRates"]
        assert any(r["Status"] in ("DELETED", "ARCHIVED") for r in rates)
        assert org["BaseCurrency"] in {c["Code"] for c in tenant["Currencies"]}
        themes = tenant["BrandingThemes"]
        assert len(themes) == 3 and sorted(t["SortOrder"] for t in themes)[0] == 0
        assert len({t["Name"] for t in themes} & templates) == 2
        tracking = {c["Name"]: c for c in tenant["TrackingCategories"]}
        assert set(tracking) == {"Line of Business", "Region"}
        active = {o["Name"] for o in tracking["Line of Business"]["Options"] if o["Status"] == "ACTIVE"}
        assert active == lobs
        contacts = tenant["Contacts"]
        assert any(fold(c["Name"]) in autotask_folded and c["Name"] not in autotask_names for c in contacts)
        assert tenant["Items"]
        if name == "Northwind MSP Ltd":
            assert {r["TaxType"] for r in rates} >= {
                "OUTPUT2",
                "RROUTPUT",
                "ZERORATEDOUTPUT",
                "EXEMPTOUTPUT",
                "ECZROUTPUTSERVICES",
                "INPUT2",
            }
            assert any(c["ContactStatus"] == "ARCHIVED" and c["Name"] in autotask_names for c in contacts)
        if name == "Northwind MSP Pty Ltd":
            assert {r["TaxType"] for r in rates} >= {
                "OUTPUT",
                "EXEMPTOUTPUT",
                "INPUT",
                "BASEXCLUDED",
                "GSTONIMPORTS",
            }
            assert any(
                c.get("AccountNumber") in numbers and c["Name"] != numbers[c["AccountNumber"]]
                for c in contacts
            )
        if name == "Northwind MSP Inc":
            compound = [r for r in rates if len(r["TaxComponents"]) == 2]
            assert compound and [c["IsCompound"] for c in compound[0]["TaxComponents"]] == [False, True]
            assert compound[0]["EffectiveRate"] == Decimal("8.5906")
    enabled = {name: [c["Code"] for c in t["Currencies"]] for name, t in tenants.items()}
    assert enabled == {
        "Northwind MSP Ltd": ["GBP", "EUR", "USD"],
        "Northwind MSP Pty Ltd": ["AUD", "NZD"],
        "Northwind MSP Inc": ["USD", "CAD"],
    }


# --- identity and references ----------------------------------------------------------------------------

# (entity, field, target entity); None values are allowed (optional reference)
REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("Taxes", "taxRegionID", "TaxRegions"),
    ("Taxes", "taxCategoryID", "TaxCategories"),
    ("OrganizationalLevelAssociations", "organizationalLevel1ID", "OrganizationalLevel1s"),
    ("OrganizationalLevelAssociations", "organizationalLevel2ID", "OrganizationalLevel2s"),
    ("BillingCodes", "taxCategoryID", "TaxCategories"),
    ("Services", "billingCodeID", "BillingCodes"),
    ("Products", "productBillingCodeID", "BillingCodes"),
    ("Products", "chargeBillingCodeID", "BillingCodes"),
    ("Products", "defaultVendorID", "Companies"),
    ("Companies", "currencyID", "Currencies"),
    ("Companies", "taxRegionID", "TaxRegions"),
    ("Companies", "invoiceTemplateID", "InvoiceTemplates"),
    ("Companies", "countryID", "Countries"),
    ("Companies", "billToCountryID", "Countries"),
    ("Contacts", "companyID", "Companies"),
    ("Contacts", "countryID", "Countries"),
    ("Invoices", "companyID", "Companies"),
    ("Invoices", "paymentTerm", "PaymentTerms"),
    ("Invoices", "invoiceEditorTemplateID", "InvoiceTemplates"),
    ("Invoices", "taxGroup", "TaxRegions"),
    ("BillingItems", "invoiceID", "Invoices"),
    ("BillingItems", "companyID", "Companies"),
    ("BillingItems", "billingCodeID", "BillingCodes"),
    ("BillingItems", "organizationalLevelAssociationID", "OrganizationalLevelAssociations"),
    ("BillingItems", "serviceID", "Services"),
    ("BillingItems", "taxCategoryID", "TaxCategories"),
    ("BillingItems", "contractChargeID", "ContractCharges"),
    ("BillingItems", "ticketChargeID", "TicketCharges"),
    ("BillingItems", "projectChargeID", "ProjectCharges"),
    ("ContractCharges", "productID", "Products"),
    ("TicketCharges", "productID", "Products"),
    ("ProjectCharges", "productID", "Products"),
    ("ContractCharges", "organizationalLevelAssociationID", "OrganizationalLevelAssociations"),
    ("PurchaseOrders", "vendorID", "Companies"),
    ("PurchaseOrders", "taxRegionID", "TaxRegions"),
    ("PurchaseOrders", "paymentTerm", "PaymentTerms"),
    ("PurchaseOrders", "purchaseForCompanyID", "Companies"),
    ("PurchaseOrderItems", "orderID", "PurchaseOrders"),
    ("PurchaseOrderItems", "productID", "Products"),
)


@pytest.mark.parametrize("dataset", [demo, bench], ids=["demo", "bench"])
def test_ids_are_unique_ints_and_references_resolve(dataset: Any) -> None:
    data = dataset()
    at = data["autotask"]
    ids: dict[str, set[int]] = {}
    for entity, records in at.items():
        values = [record["id"] for record in records]
        assert all(type(value) is int for value in values), entity
        assert len(values) == len(set(values)), f"duplicate ids in {entity}"
        ids[entity] = set(values)
    for entity, field, target in REFERENCES:
        values = [record[field] for record in at[entity]]
        dangling = {value for value in values if value is not None} - ids[target]
        assert not dangling, f"{entity}.{field} -> {target}: {sorted(dangling)[:5]}"
        if entity in ("Invoices", "BillingItems") and field in ("invoiceID", "companyID", "billingCodeID"):
            assert None not in values, f"{entity}.{field} must always be set"
    invoices = by_id(data, "Invoices")
    regions = by_id(data, "TaxRegions")
    companies = by_id(data, "Companies")
    for item in at["BillingItems"]:
        assert item["companyID"] == invoices[item["invoiceID"]]["companyID"]
        assert item["organizationalLevelAssociationID"] is not None
    for invoice in at["Invoices"]:
        company = companies[invoice["companyID"]]
        assert company["companyType"] == 1
        assert invoice["taxRegionName"] == regions[company["taxRegionID"]]["name"]
    guids = [
        value
        for tenant in data["xero"].values()
        for collection in tenant.values()
        for record in (collection if isinstance(collection, list) else [collection])
        for key, value in record.items()
        if key.endswith("ID") and isinstance(value, str)
    ]
    assert len(guids) == len(set(guids))
    for tenant in data["xero"].values():
        codes = [a["Code"] for a in tenant["Accounts"]]
        assert len(codes) == len(set(codes))
        active = [c["Name"].casefold() for c in tenant["Contacts"] if c["ContactStatus"] == "ACTIVE"]
        assert len(active) == len(set(active))
        tax_types = {r["TaxType"] for r in tenant["TaxRates"]}
        assert {a["TaxType"] for a in tenant["Accounts"]} <= tax_types
        for item in tenant["Items"]:
            for details in ("SalesDetails", "PurchaseDetails"):
                if details in item:
                    assert item[details]["AccountCode"] in codes and item[details]["TaxType"] in tax_types


# --- file format ----------------------------------------------------------------------------------------


def test_dumps_and_loads_round_trip_byte_identical() -> None:
    text = dumps(demo(), indent=1)
    loaded = loads(text)
    assert loaded == demo()
    assert dumps(loaded, indent=1) == text
    assert '"invoiceTotal": "' not in text  # money is written as JSON numbers, never strings or floats


def test_loader_accepts_money_as_strings_and_rejects_bad_files(tmp_path: Any) -> None:
    good = '{"autotask": {"Currencies": [{"id": 2, "exchangeRate": "1.15230"}]}, "xero": {}}'
    path = tmp_path / "mine.json"
    path.write_text(good, encoding="utf-8")
    loaded = load_dataset(str(path))
    assert loaded["autotask"]["Currencies"][0]["exchangeRate"] == Decimal("1.15230")
    bad = {
        "list.json": "[]",
        "money.json": '{"autotask": {"Invoices": [{"id": 1, "invoiceTotal": "ten"}]}, "xero": {}}',
        "noid.json": '{"autotask": {"Invoices": [{"invoiceTotal": 1}]}, "xero": {}}',
        "noorg.json": '{"autotask": {}, "xero": {"T": {"TaxRates": []}}}',
        "syntax.json": '{"autotask": ',
        "extra.json": '{"autotask": {}, "xero": {}, "autotsk": {}}',
    }
    for name, text in bad.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ValueError):
            load_dataset(str(path))
    for spec in ("bench:", "bench:0", "bench:-3", "bench:ten"):
        with pytest.raises(ValueError):
            load_dataset(spec)
    with pytest.raises(OSError):
        load_dataset(str(tmp_path / "missing.json"))
