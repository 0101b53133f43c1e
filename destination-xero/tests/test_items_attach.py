"""Items, product categories and line descriptions, from the admin's side: what Autotask holds and what the
mapping says, in; what Xero holds and what the run summary says, out.

Every test runs the real source core (source-autotask's SyncSession reading the sandbox's Autotask over
HTTP), feeds a few of its invoices to the destination core, which writes to the sandbox's Xero, and reads
the result back from Xero over HTTP. Autotask is edited the way an admin edits it in the UI (the sandbox's
`rows` call: a SKU changed, a description pasted); the sandbox is reset before each test.

The rules (BEHAVIOR.md "Accounts, items, branding, tracking, currency"; docs/CONFIGURATION.md `items`):
- a line with a product carries its SKU, name and category, so under the default `code_from: sku` its Xero
  line gets `ItemCode` = the SKU, and the item is created when missing;
- `accounts.by_product_category` matches the category's label ("Hardware"), not Autotask's number;
- a code longer than 30 characters is shortened by the declared rule (item_codes.py), two long SKUs never
  collide, and the invoice lands;
- a product without a SKU: its line is posted without an item, on its account, and the summary names the
  product (`missing_code: line_without_item`, the default), or its invoice is rejected naming it
  (`missing_code: reject`);
- items enabled and none attached: the summary says so, naming why;
- a description longer than Xero's 4000 characters is cut to 4000, counted, and named in the summary;
- purchase orders are read and written without `unitdp` (Xero's spec declares none there).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from destination_xero.config import Config, load_config
from destination_xero.item_codes import fit_code
from destination_xero.writer import Engine
from sandbox import launcher
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession
from xero_client.client import XeroClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import UDF, UK, destination_config, source_config

Record = dict[str, Any]
LONG_A = "NW-MICROSOFT-365-BUSINESS-PREMIUM-ANNUAL"  # 40 characters
LONG_B = "NW-MICROSOFT-365-BUSINESS-PREMIUM-MONTHLY"  # the same first 21 characters


@pytest.fixture(scope="module")
def sb() -> Iterator[Any]:
    with launcher.running_sandbox("demo", rate_limits="off") as running:
        yield running


@dataclass
class Synced:
    invoices: list[Record]  # the source's records that were fed to the destination
    engine: Engine
    decisions: list[Record]
    config: Config

    @property
    def uk(self) -> dict[str, Any]:
        summary: dict[str, Any] = self.engine.summary()[UK]
        return summary

    def tenant_id(self) -> str:
        return next(t.tenant_id for t in self.config.tenants if t.name == UK)

    def xero_invoices(self) -> dict[str, Record]:
        numbers = ",".join(str(r["invoiceNumber"]) for r in self.invoices)
        params = {"InvoiceNumbers": numbers, "page": 1}
        found = XeroClient(self.config).get(self.tenant_id(), "Invoices", params)["Invoices"]
        return {str(inv["InvoiceNumber"]): inv for inv in found}

    def xero_items(self) -> dict[str, Record]:
        found = XeroClient(self.config).get(self.tenant_id(), "Items", {})["Items"]
        return {str(item["Code"]): item for item in found}

    def actions(self, kind: str) -> dict[str, str]:
        return {d["key"]: d["action"] for d in self.decisions if d["kind"] == kind}


def read_source(sb: Any, stream: str = "invoices") -> list[Record]:
    return list(SyncSession(SourceConfig.from_mapping(source_config(sb.info))).read(stream))


def is_uk(invoice: Record) -> bool:
    """Billed from the UK organisation (the demo routes customers by this company UDF)."""
    udfs = invoice["company"].get("userDefinedFields") or []
    value = next((u.get("value") for u in udfs if u.get("name") == UDF), None)
    return value == "UK" and not invoice["isVoided"] and invoice["invoiceTotal"] >= 0


def pick(invoices: list[Record], wanted: Callable[[Record], bool], count: int = 3) -> list[Record]:
    chosen = [r for r in invoices if is_uk(r) and wanted(r)][:count]
    assert chosen, "the demo dataset must hold such invoices"
    return chosen


def product_lines(invoice: Record, product_id: int | None = None) -> list[Record]:
    return [
        line
        for line in invoice["lines"]
        if line.get("productID") and (product_id is None or line["productID"] == product_id)
    ]


def line_pairs(xero: dict[str, Record], invoice: Record) -> list[tuple[Record, Record]]:
    """Each Autotask line with the Xero line it became (same order; a rounding line may follow them)."""
    held = xero[str(invoice["invoiceNumber"])]["LineItems"]
    assert len(held) >= len(invoice["lines"])
    return list(zip(invoice["lines"], held[: len(invoice["lines"])], strict=True))


def edit_autotask(sb: Any, entity: str, rows: list[Record]) -> None:
    """What an admin does in the Autotask UI (the API refuses these writes)."""
    sb.admin("autotask", "rows", {"entity": entity, "rows": rows})


def sync(
    sb: Any, tmp: Path, ids: set[int], mappings: dict[str, Any] | None = None, stream: str = "invoices"
) -> Synced:
    """The source reads everything over HTTP; the destination gets the documents `ids` names."""
    records = [r for r in read_source(sb, stream) if r["id"] in ids]
    assert {r["id"] for r in records} == ids
    raw = destination_config(sb.info, tmp)
    raw["auth"]["token_store_path"] = str(tmp / "token.json")
    raw["mappings"].update(mappings or {})
    config = load_config(raw)
    decisions: list[Record] = []
    engine = Engine(config, XeroClient(config), on_decision=decisions.append)
    for record in records:
        engine.add(stream, record)
    assert engine.flush()
    return Synced(records, engine, decisions, config)


@pytest.fixture
def fresh(sb: Any) -> Any:
    sb.reset()
    return sb


ITEMS_ON = {"items": {"enabled": True, "create_missing": True}}  # code_from: sku is the default


def test_products_with_a_sku_attach_as_items_under_the_default_code_from_sku(fresh, tmp_path):
    chosen = pick(read_source(fresh), lambda r: any(ln.get("productSku") for ln in product_lines(r)))
    run = sync(fresh, tmp_path, {r["id"] for r in chosen}, ITEMS_ON)
    xero = run.xero_invoices()
    items = run.xero_items()
    attached = 0
    for invoice in chosen:
        for line, xero_line in line_pairs(xero, invoice):
            sku = line.get("productSku") if line.get("productID") else None
            assert xero_line.get("ItemCode") == sku, (invoice["invoiceNumber"], line["id"])
            if sku:
                assert sku in items, f"item {sku} was not created in Xero"
                attached += 1
    assert run.uk["items_attached"] == attached > 0
    assert not any("no line got an item" in w for w in run.uk["warnings"])


def test_accounts_map_by_the_product_category_label(fresh, tmp_path):
    products = {p["id"]: p for p in read_source(fresh, "products")}
    assert {p["productCategory"]: p["productCategoryName"] for p in products.values()}[1] == "Hardware"
    hardware = {pid for pid, p in products.items() if p["productCategoryName"] == "Hardware"}
    chosen = pick(read_source(fresh), lambda r: any(ln["productID"] in hardware for ln in product_lines(r)))
    accounts = {"default": "200", "by_product_category": {"Hardware": "230"}, "purchase": "300"}
    run = sync(fresh, tmp_path, {r["id"] for r in chosen}, {"accounts": accounts})
    xero = run.xero_invoices()
    for invoice in chosen:
        for line, xero_line in line_pairs(xero, invoice):
            expected = "230" if line.get("productID") in hardware else "200"
            assert xero_line["AccountCode"] == expected, (invoice["invoiceNumber"], line["id"])


def _two_products_on_uk_lines(invoices: list[Record]) -> tuple[int, int]:
    used: list[int] = []
    for invoice in invoices:
        if is_uk(invoice):
            used += [ln["productID"] for ln in product_lines(invoice) if ln["productID"] not in used]
    assert len(used) >= 2, "the demo dataset bills at least two products from the UK organisation"
    return used[0], used[1]


def test_a_sku_longer_than_30_characters_is_shortened_by_the_declared_rule_and_never_collides(
    fresh, tmp_path
):
    first, second = _two_products_on_uk_lines(read_source(fresh))
    edit_autotask(fresh, "Products", [{"id": first, "sku": LONG_A}, {"id": second, "sku": LONG_B}])
    invoices = read_source(fresh)
    chosen = pick(invoices, lambda r: bool(product_lines(r, first)), 1)
    chosen += pick(invoices, lambda r: bool(product_lines(r, second)) and r not in chosen, 1)
    run = sync(fresh, tmp_path, {r["id"] for r in chosen}, ITEMS_ON)
    assert set(run.actions("invoice").values()) == {"create"}, run.decisions
    code_a, code_b = fit_code(LONG_A), fit_code(LONG_B)
    assert code_a != code_b and len(code_a) == len(code_b) == 30
    xero = run.xero_invoices()
    codes = {
        line["productID"]: xero_line.get("ItemCode")
        for invoice in chosen
        for line, xero_line in line_pairs(xero, invoice)
        if line.get("productID") in (first, second)
    }
    assert codes == {first: code_a, second: code_b}
    assert {code_a, code_b} <= set(run.xero_items())


def _skuless_uk_product(sb: Any) -> tuple[int, str, list[Record]]:
    """A product billed from the UK organisation, with its SKU removed as an admin would leave it empty."""
    product_id, _ = _two_products_on_uk_lines(read_source(sb))
    edit_autotask(sb, "Products", [{"id": product_id, "sku": None}])
    invoices = read_source(sb)
    chosen = pick(invoices, lambda r: bool(product_lines(r, product_id)), 2)
    name = product_lines(chosen[0], product_id)[0]["productName"]
    return product_id, name, chosen


def test_a_product_without_sku_is_posted_without_an_item_and_the_summary_names_it(fresh, tmp_path):
    product_id, name, chosen = _skuless_uk_product(fresh)
    run = sync(fresh, tmp_path, {r["id"] for r in chosen}, ITEMS_ON)
    assert set(run.actions("invoice").values()) == {"create"}, run.decisions
    xero = run.xero_invoices()
    skuless = 0
    for invoice in chosen:
        for line, xero_line in line_pairs(xero, invoice):
            if line.get("productID") == product_id:
                assert "ItemCode" not in xero_line and xero_line["AccountCode"]
                skuless += 1
    assert run.uk["lines_without_item"] >= skuless > 0
    (warning,) = [w for w in run.engine.warnings() if "posted without an item" in w]
    assert warning.startswith(f"{UK}: ") and f"product {product_id} {name!r}" in warning


def test_a_product_without_sku_rejects_its_invoice_naming_the_product_under_missing_code_reject(
    fresh, tmp_path
):
    product_id, name, chosen = _skuless_uk_product(fresh)
    items = {**ITEMS_ON["items"], "missing_code": "reject"}
    run = sync(fresh, tmp_path, {r["id"] for r in chosen}, {"items": items})
    rejected = [d for d in run.decisions if d["kind"] == "invoice" and d["action"] == "rejected"]
    assert {d["autotask_id"] for d in rejected} == {r["id"] for r in chosen}
    for decision in rejected:
        assert (
            f"product {product_id} {name!r} has no sku to make its Xero item code from" in decision["reason"]
        )
    assert run.xero_invoices() == {}
    written = (tmp_path / "rejected.jsonl").read_text().splitlines()
    assert len(written) == len(chosen) and all(f"product {product_id} " in entry for entry in written)


def test_items_enabled_but_none_attached_says_why_in_the_summary(fresh, tmp_path):
    chosen = pick(
        read_source(fresh),
        lambda r: not product_lines(r) and any(ln.get("serviceID") for ln in r["lines"]),
    )
    run = sync(fresh, tmp_path, {r["id"] for r in chosen}, ITEMS_ON)
    assert run.uk["items_attached"] == 0
    (warning,) = [w for w in run.engine.warnings() if "no line got an item" in w]
    assert warning.startswith(f"{UK}: items are enabled (code_from: sku) but no line got an item: ")
    assert "service(s) (Autotask's documented Services carry no SKU)" in warning
    service = next(ln for r in chosen for ln in r["lines"] if ln.get("serviceID"))
    assert f"service {service['serviceID']} {service['serviceName']!r}" in warning


def test_a_description_longer_than_4000_characters_is_cut_to_4000_and_counted_in_the_summary(fresh, tmp_path):
    (invoice,) = pick(read_source(fresh), lambda r: True, 1)
    line_id = invoice["lines"][0]["id"]
    text = "Quarterly on-site review: " + "network, backups and licences checked. " * 110
    assert len(text) > 4000
    edit_autotask(fresh, "BillingItems", [{"id": line_id, "lineItemFullDescription": text}])
    run = sync(fresh, tmp_path, {invoice["id"]})
    held = run.xero_invoices()[str(invoice["invoiceNumber"])]["LineItems"]
    assert held[0]["Description"] == text[:4000]
    assert run.uk["descriptions_cut"] == 1
    (warning,) = [w for w in run.engine.warnings() if "cut to 4000" in w]
    assert f"invoice {invoice['invoiceNumber']} line {line_id}" in warning


def test_purchase_orders_are_read_and_written_without_unitdp(fresh, tmp_path):
    orders = read_source(fresh, "purchase_orders")
    logged = len(fresh.admin("xero", "requests"))
    run = sync(fresh, tmp_path, {po["id"] for po in orders}, ITEMS_ON, stream="purchase_orders")
    assert "create" in run.actions("purchase_order").values()
    calls = [r for r in fresh.admin("xero", "requests")[logged:] if "/PurchaseOrders" in r["path"]]
    assert {r["method"] for r in calls} >= {"GET", "POST"}
    assert [r for r in calls if "unitdp" in r["query"]] == []
