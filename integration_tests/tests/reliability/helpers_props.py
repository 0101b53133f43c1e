"""Shared pieces of the property tests (tenant isolation, money): datasets built from drawn specs, the real
connector CLIs joined by a pipe, and every tenant's documents read back over HTTP.

Why datasets are built here and not drawn from the demo generator: a property test must control exactly the
attributes it varies (a company's routing UDF and currency, a line's line of business, quantities, rates,
tax rows) and know the Autotask figures it expects without asking the connectors. The reference data
(currencies, templates, payment terms, billing codes, the three Xero organisations) is taken from the demo
generator so the records keep the exact shape the emulator serves.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from sandbox.dataset import dumps, generate

REPO = Path(__file__).resolve().parents[3]
AIRBYTE_CATALOG = REPO / "catalogs" / "source-autotask" / "configured_catalog.json"
SINGER_CATALOG = REPO / "catalogs" / "source-autotask" / "singer_catalog.json"
UK, AU, US = "Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"
ORGS = (UK, AU, US)
UDF = "Xero Organisation"
LINES_OF_BUSINESS = ("Managed Services", "Projects", "Cloud Hosting", "Security")
CURRENCIES = ("GBP", "EUR", "USD", "AUD", "NZD", "CAD")
EXEMPT_REGION = 6  # "Tax Exempt": 0% rows for four categories, no row at all for Non-Taxable
PROP_REGION = 8  # the money test's own region, its rows drawn per example
Q4 = Decimal("0.0001")
CENT = Decimal("0.01")
TOKEN_STORE = "xero-token-store.json"  # the secret scan skips token stores by this name


def q4(value: Decimal) -> Decimal:
    return value.quantize(Q4, rounding=ROUND_HALF_UP)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ---- the destination's own adapter-test helpers (pipe, console scripts, Xero read-back) --------------
@cache
def _adapter_support() -> ModuleType:
    """destination-xero/tests/test_adapter_support.py, imported by path (it is not on the test path), so the
    suite pipes processes and reads Xero exactly as the adapter tests do instead of keeping a third copy."""
    path = REPO / "destination-xero" / "tests" / "test_adapter_support.py"
    spec = importlib.util.spec_from_file_location("_reliability_adapter_support", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def script(name: str) -> str:
    return str(_adapter_support().script(name))


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, indent=1), encoding="utf-8")
    return path


# ---- dataset specs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class CompanySpec:
    id: int
    udf: str | None = None  # the "Xero Organisation" UDF value, as typed in Autotask
    currency: str = "GBP"
    tax_region: int = EXEMPT_REGION
    tax_exempt: bool = False


@dataclass(frozen=True)
class LineSpec:
    quantity: Decimal
    rate: Decimal
    lob: str | None = None  # line of business (OrganizationalLevel2 name)
    tax_category: int = 1


@dataclass(frozen=True)
class InvoiceSpec:
    id: int
    number: str
    company: int
    lines: tuple[LineSpec, ...]


@dataclass(frozen=True)
class TaxRow:
    category: int
    rate: Decimal  # percent
    compounded: bool = False


@dataclass
class AutotaskFigures:
    """What Autotask says about one invoice, computed here from the drawn spec (4 dp, as Autotask keeps)."""

    spec: InvoiceSpec
    line_totals: list[Decimal] = field(default_factory=list)  # extendedPrice + taxDollars per line
    total: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)


def autotask_line_tax(base: Decimal, rows: Sequence[TaxRow]) -> Decimal:
    """DATASETS.md: plain rows on the net amount, compounded rows on the net plus the plain taxes, summed at
    full precision and rounded once to 4 dp."""
    plain = sum((base * r.rate / 100 for r in rows if not r.compounded), Decimal(0))
    compound = sum(((base + plain) * r.rate / 100 for r in rows if r.compounded), Decimal(0))
    return q4(plain + compound)


@cache
def _base() -> dict[str, Any]:
    return generate(1, seed=1)


def _ids_start(entity: str) -> int:
    return {"Companies": 31000001, "Invoices": 32500001, "BillingItems": 33500001}[entity]


def build_dataset(
    companies: Sequence[CompanySpec],
    invoices: Sequence[InvoiceSpec],
    *,
    tax_rows: Sequence[TaxRow] = (),
    xero_tax_rates: Sequence[dict[str, Any]] = (),
) -> tuple[dict[str, Any], dict[int, AutotaskFigures]]:
    """A sandbox dataset holding exactly these companies and invoices (plus the demo's vendors and reference
    data), every currency enabled in every organisation, and the drawn tax rows as region `PROP_REGION`.

    `xero_tax_rates` are added to every organisation. Returns the dataset and Autotask's figures.
    """
    base = _base()
    autotask = copy.deepcopy(base["autotask"])
    xero = copy.deepcopy(base["xero"])
    template_company = next(c for c in autotask["Companies"] if c["companyType"] == 1)
    template_invoice = autotask["Invoices"][0]
    template_item = next(b for b in autotask["BillingItems"] if b["invoiceID"] == template_invoice["id"])
    currencies = {c["name"]: c for c in autotask["Currencies"]}
    vendors = [c for c in autotask["Companies"] if c["companyType"] == 6]

    autotask["OrganizationalLevel2s"] = [
        {"id": i, "description": name, "isActive": True, "name": name}
        for i, name in enumerate(LINES_OF_BUSINESS, start=1)
    ]
    autotask["OrganizationalLevelAssociations"] = [
        {"id": i, "isActive": True, "organizationalLevel1ID": 1, "organizationalLevel2ID": i}
        for i in range(1, len(LINES_OF_BUSINESS) + 1)
    ]
    lob_ids = {name: i for i, name in enumerate(LINES_OF_BUSINESS, start=1)}
    if tax_rows:
        autotask["TaxRegions"].append({"id": PROP_REGION, "isActive": True, "name": "Property Tax"})
        next_id = max(t["id"] for t in autotask["Taxes"]) + 1
        for offset, row in enumerate(tax_rows):
            autotask["Taxes"].append(
                {
                    "id": next_id + offset,
                    "isCompounded": row.compounded,
                    "taxCategoryID": row.category,
                    "taxName": f"Prop {row.category}{' compound' if row.compounded else ''}",
                    "taxRate": row.rate,
                    "taxRegionID": PROP_REGION,
                }
            )
    rows_by_key: dict[tuple[int, int], list[TaxRow]] = {}
    for t in autotask["Taxes"]:
        rows_by_key.setdefault((t["taxRegionID"], t["taxCategoryID"]), []).append(
            TaxRow(t["taxCategoryID"], Decimal(t["taxRate"]), bool(t["isCompounded"]))
        )
    region_names = {r["id"]: r["name"] for r in autotask["TaxRegions"]}

    company_records = []
    by_id = {}
    for spec in companies:
        record = copy.deepcopy(template_company)
        record.update(
            id=spec.id,
            companyName=f"Property Customer {spec.id}",
            companyNumber=f"P{spec.id}",
            currencyID=currencies[spec.currency]["id"],
            taxRegionID=spec.tax_region,
            isTaxExempt=spec.tax_exempt,
            parentCompanyID=None,
            userDefinedFields=[{"name": UDF, "value": spec.udf}],
        )
        company_records.append(record)
        by_id[spec.id] = spec
    autotask["Companies"] = company_records + vendors

    invoice_records, item_records = [], []
    figures: dict[int, AutotaskFigures] = {}
    item_id = _ids_start("BillingItems")
    for inv in invoices:
        company = by_id[inv.company]
        rate = Decimal(currencies[company.currency]["exchangeRate"])
        fig = AutotaskFigures(inv)
        for line in inv.lines:
            extended = q4(line.quantity * line.rate)
            rows = rows_by_key.get((company.tax_region, line.tax_category), [])
            tax = Decimal(0) if company.tax_exempt else autotask_line_tax(extended, rows)
            item = copy.deepcopy(template_item)
            item.update(
                id=item_id,
                lineItemID=item_id,
                invoiceID=inv.id,
                companyID=inv.company,
                billingCodeID=template_item["billingCodeID"],
                billingItemType=1,
                serviceID=None,
                contractChargeID=None,
                projectChargeID=None,
                ticketChargeID=None,
                description=f"Property line {item_id}",
                itemName=f"Item {item_id}",
                lineItemFullDescription=f"Item {item_id} - property line",
                quantity=line.quantity,
                rate=line.rate,
                extendedPrice=extended,
                taxDollars=tax,
                totalAmount=extended + tax,
                taxCategoryID=line.tax_category,
                organizationalLevelAssociationID=lob_ids[line.lob] if line.lob else None,
                internalCurrencyRate=q4(line.rate / rate),
                internalCurrencyExtendedPrice=q4(extended / rate),
                internalCurrencyTaxDollars=q4(tax / rate),
                internalCurrencyTotalAmount=q4(extended / rate) + q4(tax / rate),
            )
            item_records.append(item)
            item_id += 1
            fig.line_totals.append(extended + tax)
            fig.total += extended + tax
            fig.tax += tax
        record = copy.deepcopy(template_invoice)
        record.update(
            id=inv.id,
            companyID=inv.company,
            invoiceNumber=inv.number,
            invoiceTotal=fig.total,
            totalTaxValue=fig.tax,
            taxRegionName=region_names.get(company.tax_region),
            isVoided=False,
            voidedDate=None,
            paidDate=None,
            webServiceDate=None,
            orderNumber=None,
        )
        invoice_records.append(record)
        figures[inv.id] = fig
    autotask["Invoices"] = invoice_records
    autotask["BillingItems"] = item_records
    for entity in ("TicketCharges", "ProjectCharges", "ContractCharges", "PurchaseOrders"):
        autotask[entity] = []
    autotask["PurchaseOrderItems"] = []
    vendor_ids = {v["id"] for v in vendors}
    autotask["Contacts"] = [c for c in autotask["Contacts"] if c.get("companyID") in vendor_ids]

    for org in xero.values():
        enabled = {c["Code"] for c in org["Currencies"]}
        org["Currencies"] += [{"Code": c, "Description": c} for c in CURRENCIES if c not in enabled]
        org["TaxRates"] += copy.deepcopy(list(xero_tax_rates))
    return {"autotask": autotask, "xero": xero}, figures


def write_dataset(path: Path, dataset: dict[str, Any]) -> str:
    path.write_text(dumps(dataset), encoding="utf-8")
    return str(path)


# ---- configs and the pipeline ------------------------------------------------------------------------
def source_config(info: dict[str, Any]) -> dict[str, Any]:
    return dict(_adapter_support().source_config(info))


def tenant_ids(info: dict[str, Any]) -> dict[str, str]:
    return {t["name"]: t["tenant_id"] for t in info["xero"]["tenants"]}


def destination_base(info: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """Auth, endpoints, rejected records and the token store; the test adds mappings and tenants."""
    x = info["xero"]
    return {
        "auth": {
            "type": "refresh_token",
            "client_id": x["client_id"],
            "client_secret": x["client_secret"],
            "refresh_token": x["refresh_token"],
            "token_store_path": str(tmp / TOKEN_STORE),
        },
        "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
        "rejected_records_path": str(tmp / "rejected.jsonl"),
        "fail_on_rejections": True,
    }


@dataclass
class PipelineRun:
    protocol: str
    code: int
    producer_code: int
    stdout: str
    stderr: str
    producer_stderr: str
    rejected: list[dict[str, Any]]


def run_pipeline(info: dict[str, Any], destination: dict[str, Any], tmp: Path, protocol: str) -> PipelineRun:
    """`source | destination` as two real processes (Airbyte or Singer CLIs) joined by an OS pipe."""
    support = _adapter_support()
    source_path = write_json(tmp / "source-config.json", source_config(info))
    dest_path = write_json(tmp / "destination-config.json", destination)
    if protocol == "airbyte":
        producer = [
            script("source-autotask"),
            "read",
            "--config",
            str(source_path),
            "--catalog",
            str(AIRBYTE_CATALOG),
        ]
        consumer = [
            script("destination-xero"),
            "write",
            "--config",
            str(dest_path),
            "--catalog",
            str(AIRBYTE_CATALOG),
        ]
    else:
        producer = [script("tap-autotask"), "--config", str(source_path), "--catalog", str(SINGER_CATALOG)]
        consumer = [script("target-xero"), "--config", str(dest_path)]
    piped = support.pipe(producer, consumer, cwd=tmp, timeout=240)
    rejected_path = Path(destination["rejected_records_path"])
    rejected = (
        [json.loads(x) for x in rejected_path.read_text(encoding="utf-8").splitlines() if x.strip()]
        if rejected_path.exists()
        else []
    )
    return PipelineRun(
        protocol, piped.code, piped.producer_code, piped.stdout, piped.stderr, piped.producer_stderr, rejected
    )


def latest_refresh_token(info: dict[str, Any], tmp: Path) -> str:
    store = tmp / TOKEN_STORE
    if store.exists():
        return str(json.loads(store.read_text(encoding="utf-8"))["refresh_token"])
    return str(info["xero"]["refresh_token"])


@dataclass(frozen=True)
class XeroDocument:
    tenant: str
    kind: str  # "invoice" | "credit_note"
    number: str
    document: dict[str, Any]


def xero_documents(info: dict[str, Any], tmp: Path) -> tuple[list[XeroDocument], dict[str, list[Any]]]:
    """Every sales invoice and credit note of every organisation, and each organisation's contacts."""
    reader = _adapter_support().XeroReader(info, latest_refresh_token(info, tmp))
    write_json(tmp / TOKEN_STORE, {"refresh_token": reader.refresh_token})
    found: list[XeroDocument] = []
    contacts: dict[str, list[Any]] = {}
    for org in ORGS:
        for inv in reader.all(org, "Invoices"):
            if inv["Type"] == "ACCREC":
                found.append(XeroDocument(org, "invoice", str(inv["InvoiceNumber"]), inv))
        for note in reader.all(org, "CreditNotes"):
            if note["Type"] == "ACCRECCREDIT":
                found.append(XeroDocument(org, "credit_note", str(note["CreditNoteNumber"]), note))
        contacts[org] = reader.all(org, "Contacts")
    return found, contacts


def full_document(info: dict[str, Any], tmp: Path, doc: XeroDocument) -> dict[str, Any]:
    """One document with its line items (listings may leave them out)."""
    reader = _adapter_support().XeroReader(info, latest_refresh_token(info, tmp))
    write_json(tmp / TOKEN_STORE, {"refresh_token": reader.refresh_token})
    if doc.kind == "invoice":
        return dict(reader.get(doc.tenant, f"Invoices/{doc.document['InvoiceID']}")["Invoices"][0])
    return dict(reader.get(doc.tenant, f"CreditNotes/{doc.document['CreditNoteID']}")["CreditNotes"][0])
