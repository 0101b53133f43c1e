"""Test helper: put invoices, payments, credit notes and allocations straight into the Xero sandbox.

Why not the forward sync: these tests are about the way back; they need Xero invoices numbered exactly as
destination-xero numbers them, nothing more. The helper refreshes the sandbox's refresh token once, keeps
the access token, and hands the rotated refresh token to the connector's token store (a refresh token
used from two places would break one of them, as it does with Xero).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
import simplejson
from sandbox.launcher import RunningSandbox


class XeroSeed:
    def __init__(self, sandbox: RunningSandbox, token_store: Path) -> None:
        xero = sandbox.xero
        self.api = xero["api_url"]
        response = requests.post(
            xero["identity_url"] + "/connect/token",
            data={"grant_type": "refresh_token", "refresh_token": xero["refresh_token"]},
            auth=(xero["client_id"], xero["client_secret"]),
            timeout=30,
        )
        response.raise_for_status()
        body = response.json()
        self.token = body["access_token"]
        token_store.write_text(json.dumps({"refresh_token": body["refresh_token"]}), encoding="utf-8")
        self.tenants = {t["name"]: t["tenant_id"] for t in xero["tenants"]}
        self._contacts: dict[tuple[str, str], str] = {}

    def call(self, method: str, tenant: str, path: str, body: Any = None) -> Any:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "xero-tenant-id": self.tenants.get(tenant, tenant),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        data = simplejson.dumps(body, use_decimal=True) if body is not None else None
        response = requests.request(method, f"{self.api}/{path}", headers=headers, data=data, timeout=30)
        assert response.status_code == 200, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json(parse_float=Decimal)

    def contact(self, tenant: str, name: str) -> str:
        key = (tenant, name)
        if key not in self._contacts:
            body = self.call("PUT", tenant, "Contacts", {"Contacts": [{"Name": name}]})
            self._contacts[key] = body["Contacts"][0]["ContactID"]
        return self._contacts[key]

    def invoice(
        self,
        tenant: str,
        total: str,
        *,
        number: str | None = None,
        reference: str | None = None,
        currency: str | None = None,
        rate: str | None = None,
        contact: str = "Payments Test Customer",
        tax_type: str = "NONE",
        date: str = "2026-10-20",
    ) -> dict[str, Any]:
        invoice: dict[str, Any] = {
            "Type": "ACCREC",
            "Contact": {"ContactID": self.contact(tenant, contact)},
            "Date": date,
            "DueDate": "2026-11-20",
            "Status": "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "LineItems": [
                {
                    "Description": "Managed services",
                    "Quantity": 1,
                    "UnitAmount": Decimal(total),
                    "AccountCode": "200",
                    "TaxType": tax_type,
                }
            ],
        }
        if number is not None:
            invoice["InvoiceNumber"] = number
        if reference is not None:
            invoice["Reference"] = reference
        if currency is not None:
            invoice["CurrencyCode"] = currency
        if rate is not None:
            invoice["CurrencyRate"] = Decimal(rate)
        created = self.call("PUT", tenant, "Invoices", {"Invoices": [invoice]})["Invoices"][0]
        assert created.get("Status") == "AUTHORISED", created
        return dict(created)

    def pay(
        self, tenant: str, invoice_id: str, amount: str, date: str, account: str = "090", **extra: Any
    ) -> str:
        payment = {
            "Invoice": {"InvoiceID": invoice_id},
            "Account": {"Code": account},
            "Date": date,
            "Amount": Decimal(amount),
        }
        payment.update(extra)
        body = self.call("PUT", tenant, "Payments", {"Payments": [payment]})
        return str(body["Payments"][0]["PaymentID"])

    def delete_payment(self, tenant: str, payment_id: str) -> None:
        self.call("POST", tenant, f"Payments/{payment_id}", {"Payments": [{"Status": "DELETED"}]})

    def credit_note(
        self, tenant: str, total: str, contact: str = "Payments Test Customer", **extra: Any
    ) -> str:
        note = {
            "Type": "ACCRECCREDIT",
            "Contact": {"ContactID": self.contact(tenant, contact)},
            "Date": "2026-10-25",
            "Status": "AUTHORISED",
            "LineAmountTypes": "NoTax",
            "LineItems": [
                {
                    "Description": "Goodwill credit",
                    "Quantity": 1,
                    "UnitAmount": Decimal(total),
                    "AccountCode": "200",
                    "TaxType": "NONE",
                }
            ],
        }
        note.update(extra)
        body = self.call("PUT", tenant, "CreditNotes", {"CreditNotes": [note]})
        return str(body["CreditNotes"][0]["CreditNoteID"])

    def allocate(self, tenant: str, credit_note_id: str, invoice_id: str, amount: str, date: str) -> None:
        self.call(
            "PUT",
            tenant,
            f"CreditNotes/{credit_note_id}/Allocations",
            {
                "Allocations": [
                    {"Invoice": {"InvoiceID": invoice_id}, "Amount": Decimal(amount), "Date": date}
                ]
            },
        )


def autotask_invoices(sandbox: RunningSandbox, numbers: list[str]) -> dict[str, dict[str, Any]]:
    """The Autotask invoices by number, read over HTTP as any client would."""
    at = sandbox.autotask
    headers = {
        "UserName": at["username"],
        "Secret": at["secret"],
        "ApiIntegrationCode": at["integration_code"],
        "Content-Type": "application/json",
    }
    body = {"filter": [{"op": "in", "field": "invoiceNumber", "value": numbers}], "MaxRecords": 500}
    response = requests.post(
        at["base_url"] + "v1.0/Invoices/query", headers=headers, data=json.dumps(body), timeout=30
    )
    response.raise_for_status()
    return {item["invoiceNumber"]: item for item in response.json()["items"]}


def patch_calls(sandbox: RunningSandbox) -> int:
    stats = sandbox.admin("autotask", "stats")
    return sum(c["count"] for c in stats["calls"] if c["method"] == "PATCH")
