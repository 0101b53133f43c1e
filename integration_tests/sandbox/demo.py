"""`make demo`: start the sandbox with the demo dataset and show what it holds, the way a connector sees it.

Everything here goes over HTTP with the credentials from the ready line: Autotask record counts through
`/query/count`, Xero organisations through `/connections` and each one's settings through the Accounting API.
Once the connectors land, this is where the full sync runs.
"""

from __future__ import annotations

import sys
from typing import Any

import requests

from .launcher import RunningSandbox, running_sandbox

AUTOTASK_ENTITIES = (
    "Companies",
    "Contacts",
    "Products",
    "Services",
    "BillingCodes",
    "TaxRegions",
    "TaxCategories",
    "Taxes",
    "Currencies",
    "OrganizationalLevel2s",
    "InvoiceTemplates",
    "PaymentTerms",
    "Invoices",
    "BillingItems",
    "PurchaseOrders",
    "PurchaseOrderItems",
)
XERO_COLLECTIONS = (
    "Accounts",
    "TaxRates",
    "Currencies",
    "BrandingThemes",
    "TrackingCategories",
    "Contacts",
    "Items",
)


def _autotask_counts(running: RunningSandbox, session: requests.Session) -> list[tuple[str, int]]:
    creds = running.autotask
    zone = session.get(creds["zone_lookup_url"], params={"user": creds["username"]}, timeout=30)
    zone.raise_for_status()
    base = zone.json()["url"].rstrip("/") + "/v1.0"
    headers = {
        "UserName": creds["username"],
        "Secret": creds["secret"],
        "ApiIntegrationCode": creds["integration_code"],
    }
    counts = []
    everything = {"filter": [{"op": "exist", "field": "id"}]}
    for entity in AUTOTASK_ENTITIES:
        response = session.post(f"{base}/{entity}/query/count", json=everything, headers=headers, timeout=30)
        response.raise_for_status()
        counts.append((entity, int(response.json()["queryCount"])))
    return counts


def _xero_summary(running: RunningSandbox, session: requests.Session) -> list[dict[str, Any]]:
    xero = running.xero
    token = session.post(
        f"{xero['identity_url']}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": xero["refresh_token"]},
        auth=(xero["client_id"], xero["client_secret"]),
        timeout=30,
    )
    token.raise_for_status()
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}", "Accept": "application/json"}
    connections = session.get(f"{xero['identity_url']}/connections", headers=bearer, timeout=30)
    connections.raise_for_status()
    summary = []
    for connection in connections.json():
        headers = {**bearer, "xero-tenant-id": connection["tenantId"]}
        org = session.get(f"{xero['api_url']}/Organisation", headers=headers, timeout=30)
        org.raise_for_status()
        organisation = org.json()["Organisations"][0]
        row: dict[str, Any] = {
            "name": connection["tenantName"],
            "country": organisation.get("CountryCode"),
            "currency": organisation.get("BaseCurrency"),
        }
        for collection in XERO_COLLECTIONS:
            response = session.get(f"{xero['api_url']}/{collection}", headers=headers, timeout=30)
            response.raise_for_status()
            row[collection] = len(response.json()[collection])
        summary.append(row)
    return summary


def main() -> int:
    print("Starting the sandbox with the demo dataset ...", flush=True)
    with running_sandbox("demo", seed=1, rate_limits="off") as running, requests.Session() as session:
        print(f"  Autotask emulator: {running.autotask['base_url']}")
        print(f"  Xero emulator:     {running.xero['api_url']}\n")
        print("Autotask database (records the source will read)")
        for entity, count in _autotask_counts(running, session):
            print(f"  {entity:<28}{count:>8}")
        print("\nXero organisations (where invoices will be posted)")
        summary = _xero_summary(running, session)
        columns = ("country", "currency", *XERO_COLLECTIONS)
        print(f"  {'organisation':<28}" + "".join(f"{c:>20}" for c in columns))
        for row in summary:
            print(f"  {row['name']:<28}" + "".join(f"{row[c]!s:>20}" for c in columns))
        stats_at = running.admin("autotask", "stats")
        stats_x = running.admin("xero", "stats")
        print(f"\nCalls made to look: Autotask {stats_at['total']}, Xero {stats_x['total']}.")
        print("The sync itself (source-autotask -> destination-xero) runs here once those connectors land.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
