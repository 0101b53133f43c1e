"""Generate a whole dataset (`demo` or `bench:N`) as a pure function of its size and seed."""

from __future__ import annotations

from typing import Any

from . import autotask_reference as ref
from .autotask_receiving import receivings
from .autotask_side import CompanyBuilder, InvoiceBuilder, purchase_orders
from .xero_side import xero_tenants

DEMO_INVOICES = 300
DEMO_CUSTOMERS = 44
DEMO_PURCHASE_ORDERS = 20


def sizes(invoices: int) -> tuple[int, int]:
    """(customers, purchase orders) for a dataset of `invoices` invoices: demo proportions, scaled."""
    if invoices <= DEMO_INVOICES:
        return DEMO_CUSTOMERS, DEMO_PURCHASE_ORDERS
    return max(DEMO_CUSTOMERS, invoices // 6), max(DEMO_PURCHASE_ORDERS, invoices // 15)


def generate(invoices: int, seed: int = 1) -> dict[str, Any]:
    if invoices < 1:
        raise ValueError("a generated dataset needs at least one invoice")
    customer_count, order_count = sizes(invoices)
    companies = CompanyBuilder(seed, customer_count)
    companies.build()
    billing = InvoiceBuilder(seed, companies.customers, invoices)
    billing.build()
    orders, order_items = purchase_orders(
        seed, order_count, companies.vendor_ids, companies.vendor_regions, companies.customers
    )
    autotask: dict[str, Any] = ref.reference_records()
    autotask["Products"] = ref.product_records(companies.vendor_ids)
    autotask["Companies"] = companies.records
    autotask["Contacts"] = companies.contacts()
    autotask["Invoices"] = billing.invoices
    autotask["BillingItems"] = billing.items
    autotask["TicketCharges"] = billing.ticket_charges
    autotask["ProjectCharges"] = billing.project_charges
    autotask["ContractCharges"] = billing.contract_charges
    autotask["PurchaseOrders"] = orders
    autotask["PurchaseOrderItems"] = order_items
    autotask["PurchaseOrderItemReceiving"] = receivings(orders, order_items)
    numbers = {record["companyName"]: record["companyNumber"] for record in companies.records}
    return {"autotask": autotask, "xero": xero_tenants(numbers)}
