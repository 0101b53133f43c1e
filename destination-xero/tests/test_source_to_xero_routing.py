"""Routing rules from the admin's side: the demo MSP's Autotask data, read by source-autotask's core over HTTP
from the sandbox, routed by one mapping and written by the destination engine to the three sandbox Xero
organisations; each test then says which organisation holds what.

- Route by branch: tenants routed only by Autotask branch (organizational level 1), each line tracked with
  its branch in the Xero "Region" category.
- Purchase orders by currency: tenants routed only by currency; each purchase order must land in the
  organisation of its vendor's currency, against the supplier contact that already exists there.
Each sync starts from a freshly reset sandbox and reads back everything its tests look at before the next.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from destination_xero.config import Config, load_config
from destination_xero.writer import Engine
from sandbox import launcher
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession
from xero_client.client import XeroClient

sys.path.insert(0, str(Path(__file__).resolve().parent))  # --import-mode=importlib: the helpers by path
from test_adapter_support import destination_config, source_config

UK, AU, US = "Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"
# The demo MSP's Autotask branches and where its finance team books each.
BRANCH_ORG = {"UK & Europe": UK, "Asia Pacific": AU, "North America": US}
# Each organisation's "Region" tracking option for a branch (Xero allows two active categories: the demo
# organisations have "Line of Business" and "Region", so the branch is tracked under Region).
BRANCH_OPTION = {"UK & Europe": "Europe", "Asia Pacific": "Australia", "North America": "United States"}
CURRENCY_ORG = {"GBP": UK, "EUR": UK, "AUD": AU, "NZD": AU, "USD": US, "CAD": US}
# Suppliers the demo organisations already hold, each only in the organisation its orders belong to.
EXISTING_SUPPLIERS = {
    "Ingram Micro UK Ltd": UK,
    "Dicker Data Australia Pty Ltd": AU,
    "TD SYNNEX Corporation": US,
}
# How the router words a document it cannot place (routing.py): none may appear. Other rejections (the
# New Zealand GST left unmapped on purpose, a currency the organisation has not enabled) are the mapping's.
ROUTING_REJECTIONS = ("matches no routing rule", "matches the routing rules of several tenants")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[dict[str, Any]]:
    """One sandbox; the Autotask documents read once, over HTTP, by the source's core."""
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        session = SyncSession(SourceConfig.from_mapping(source_config(sb.info)))
        records = {stream: list(session.read(stream)) for stream in ("invoices", "purchase_orders")}
        yield {"sb": sb, "records": records}


def _config(sb: Any, tmp: Path, routes: dict[str, dict[str, Any]], **mappings: Any) -> Config:
    """The adapter tests' three organisations and tax mappings, routed by `routes` alone (organisation
    name -> route), with the extra default `mappings` sections given."""
    config = destination_config(sb.info, tmp)
    config["auth"]["token_store_path"] = str(tmp / "token.json")
    config["mappings"].pop("items")
    config["mappings"].update(mappings)
    for tenant in config["tenants"]:
        tenant["route"] = routes[tenant["name"]]
    return load_config(config)


def _sync(sandbox: dict[str, Any], config: Config, streams: tuple[str, ...]) -> list[dict[str, Any]]:
    decisions: list[dict[str, Any]] = []
    engine = Engine(config, XeroClient(config), on_decision=decisions.append)
    for stream in streams:
        for record in sandbox["records"][stream]:
            engine.add(stream, record)
    engine.flush()
    return decisions


def _all(client: XeroClient, tenant_id: str, collection: str) -> list[dict[str, Any]]:
    """Every element of a Xero collection, page by page (100 a page)."""
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        batch = client.get(tenant_id, collection, {"page": page})[collection]
        found += batch
        if len(batch) < 100:
            return found
        page += 1


def _names(config: Config) -> dict[str, str]:
    return {t.tenant_id: t.name for t in config.tenants}


# ---- route by branch ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def by_branch(sandbox: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    sb = sandbox["sb"]
    sb.reset()
    routes = {name: {"branches": [branch]} for branch, name in BRANCH_ORG.items()}
    tracking = [
        {"category": "Line of Business", "source": "line_of_business"},
        {"category": "Region", "source": "branch", "options": BRANCH_OPTION},
    ]
    config = _config(sb, tmp_path_factory.mktemp("branch"), routes, tracking=tracking)
    decisions = _sync(sandbox, config, ("invoices",))
    client = XeroClient(config)
    created: dict[str, dict[str, Any]] = {}  # invoice number -> the Xero invoice, with its organisation
    for tenant in config.tenants:
        for invoice in _all(client, tenant.tenant_id, "Invoices"):
            created[invoice["InvoiceNumber"]] = {**invoice, "organisation": tenant.name}
    return {"config": config, "decisions": decisions, "created": created}


def _branch_of(record: dict[str, Any]) -> str:
    (branch,) = {line["organizationalLevel1Name"] for line in record["lines"]}
    return str(branch)


def test_route_by_branch_puts_each_invoice_in_its_branch_organisation(sandbox, by_branch):
    invoices = sandbox["records"]["invoices"]
    assert {_branch_of(r) for r in invoices} == set(BRANCH_ORG), "the demo bills from all three branches"
    names = _names(by_branch["config"])
    by_id = {r["id"]: r for r in invoices}
    landed = [d for d in by_branch["decisions"] if d["kind"] in ("invoice", "credit_note") and d["tenant_id"]]
    assert {d["autotask_id"] for d in landed} == set(by_id)  # every invoice was routed somewhere
    wrong = [d for d in landed if names[d["tenant_id"]] != BRANCH_ORG[_branch_of(by_id[d["autotask_id"]])]]
    assert wrong == []
    for d in by_branch["decisions"]:
        assert not any(words in d.get("reason", "") for words in ROUTING_REJECTIONS), d
    counts = Counter(names[d["tenant_id"]] for d in landed if d["action"] == "create")
    assert all(counts[name] > 10 for name in BRANCH_ORG.values()), counts


def test_tracking_from_branch_tags_every_line_with_its_branch_option(sandbox, by_branch):
    records = {r["invoiceNumber"]: r for r in sandbox["records"]["invoices"]}
    created = by_branch["created"]
    assert len(created) > 100
    for number, invoice in created.items():
        option = BRANCH_OPTION[_branch_of(records[number])]
        for line in invoice["LineItems"]:
            if line.get("AccountCode") == "860":  # the rounding line carries no Autotask line
                continue
            regions = [t["Option"] for t in line.get("Tracking", []) if t["Name"] == "Region"]
            assert regions == [option], (number, invoice["organisation"], line)


# ---- purchase orders by currency -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def by_currency(sandbox: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    sb = sandbox["sb"]
    sb.reset()
    routes = {
        UK: {"currencies": ["GBP", "EUR"], "default": True},
        AU: {"currencies": ["AUD", "NZD"]},
        US: {"currencies": ["USD", "CAD"]},
    }
    config = _config(sb, tmp_path_factory.mktemp("currency"), routes)
    first = _sync(sandbox, config, ("purchase_orders",))
    client = XeroClient(config)
    orders: dict[str, dict[str, Any]] = {}
    contacts: dict[str, list[dict[str, Any]]] = {}
    for tenant in config.tenants:
        for order in _all(client, tenant.tenant_id, "PurchaseOrders"):
            orders[order["PurchaseOrderNumber"]] = {**order, "organisation": tenant.name}
        contacts[tenant.name] = _all(client, tenant.tenant_id, "Contacts")
    again = _sync(sandbox, config, ("purchase_orders",))
    return {"config": config, "first": first, "again": again, "orders": orders, "contacts": contacts}


def test_purchase_orders_route_by_their_vendor_currency(sandbox, by_currency):
    records = sandbox["records"]["purchase_orders"]
    currencies = {r["currency"]["name"] for r in records}
    assert {"GBP", "EUR", "AUD", "USD"} <= currencies, "the demo buys in four currencies"
    names = _names(by_currency["config"])
    by_id = {r["id"]: r for r in records}
    decided = [d for d in by_currency["first"] if d["kind"] == "purchase_order"]
    assert [d for d in decided if d["action"] == "rejected"] == []
    assert {d["autotask_id"] for d in decided} == set(by_id)
    for d in decided:
        assert names[d["tenant_id"]] == CURRENCY_ORG[by_id[d["autotask_id"]]["currency"]["name"]], d
    orders = by_currency["orders"]
    for record in records:
        order = orders.get(str(record["id"]))  # the PO number Autotask shows is its id
        if record["status"] == 5:  # cancelled before it was ever synced: nothing to write
            assert order is None
            continue
        assert order is not None, record["id"]
        assert order["organisation"] == CURRENCY_ORG[record["currency"]["name"]]
        assert order["CurrencyCode"] == record["currency"]["name"]
        assert order["Contact"]["Name"] == record["vendor"]["companyName"]


def test_purchase_order_vendor_is_matched_where_the_order_lands_never_duplicated(by_currency):
    contacts = by_currency["contacts"]
    for supplier, home in EXISTING_SUPPLIERS.items():
        holders = {org: [c for c in found if c["Name"] == supplier] for org, found in contacts.items()}
        assert {org: len(found) for org, found in holders.items()} == {
            org: (1 if org == home else 0) for org in contacts
        }, supplier
        (existing,) = holders[home]
        orders = [o for o in by_currency["orders"].values() if o["Contact"]["Name"] == supplier]
        assert orders and {o["Contact"]["ContactID"] for o in orders} == {existing["ContactID"]}
    for org, found in contacts.items():
        repeated = [name for name, n in Counter(c["Name"].casefold() for c in found).items() if n > 1]
        assert repeated == [], org
    created = [d for d in by_currency["first"] if d["kind"] == "contact" and d["action"] == "create"]
    assert {d["key"] for d in created}.isdisjoint(EXISTING_SUPPLIERS)


def test_purchase_orders_rerun_writes_nothing_and_creates_no_contact(by_currency):
    actions = {(d["kind"], d["action"]) for d in by_currency["again"]}
    assert {action for _, action in actions} <= {"unchanged", "skipped"}, actions
