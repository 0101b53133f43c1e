"""Customers pay: the demo records a few payments in the Xero sandbox, as a bookkeeper would in Xero.

Plain HTTP with `Accept: application/json`, like any Xero client. The refresh token is the one the
destination rotated into the shared token store (a refresh token is single-use); the token this module
rotates goes back into the same file, atomically and under the connectors' own lock file, so the payments
source that runs next starts from a live token.

Which invoices: only ones Autotask still shows unpaid and not voided (asked over the Autotask API), so each
payment is news to Autotask and the write-back has something to do. The plan per organisation is fixed:
UK two full payments, one partial and one full payment of a EUR invoice into the EUR bank account (092);
AU one full; US one full and one partial.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import requests
from sandbox.jsonmoney import dumps, loads

PAYMENT_DATE = "2026-11-20"
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Planned:
    organisation: str
    invoice_number: str
    currency: str
    amount: Decimal
    invoice_total: Decimal
    account: str
    kind: str  # "full" | "partial" | "foreign currency"


@contextlib.contextmanager
def _token_lock(store: Path) -> Iterator[None]:
    with open(store.with_name(store.name + ".lock"), "a", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _save_token(store: Path, token: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".token-", dir=store.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"refresh_token": token}, handle)
    os.replace(tmp, store)


def access_token(xero: dict[str, Any], store: Path, session: requests.Session) -> str:
    """Refresh from the stored token (or the ready line's, if none was rotated yet); keep the new one."""
    with _token_lock(store):
        try:
            refresh = json.loads(store.read_text(encoding="utf-8"))["refresh_token"]
        except FileNotFoundError:
            refresh = xero["refresh_token"]
        response = session.post(
            f"{xero['identity_url']}/connect/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh},
            auth=(xero["client_id"], xero["client_secret"]),
            timeout=30,
        )
        response.raise_for_status()
        body = response.json()
        _save_token(store, str(body["refresh_token"]))
        return str(body["access_token"])


def unpaid_autotask_numbers(autotask: dict[str, Any], session: requests.Session) -> set[str]:
    zone = session.get(autotask["zone_lookup_url"], params={"user": autotask["username"]}, timeout=30)
    zone.raise_for_status()
    url = zone.json()["url"].rstrip("/") + "/v1.0/Invoices/query"
    headers = {
        "UserName": autotask["username"],
        "Secret": autotask["secret"],
        "ApiIntegrationCode": autotask["integration_code"],
    }
    query: dict[str, Any] = {
        "filter": [
            {"op": "notExist", "field": "paidDate"},
            {"op": "eq", "field": "isVoided", "value": False},
        ],
    }
    numbers: set[str] = set()
    next_url: str | None = url
    while next_url:
        if next_url == url:
            response = session.post(url, json=query, headers=headers, timeout=30)
        else:
            response = session.get(next_url, headers=headers, timeout=30)
        response.raise_for_status()
        page = response.json()
        numbers.update(str(i["invoiceNumber"]) for i in page["items"] if i.get("invoiceNumber"))
        next_url = (page.get("pageDetails") or {}).get("nextPageUrl")
    return numbers


def _open_invoices(api_url: str, headers: dict[str, str], session: requests.Session) -> list[dict[str, Any]]:
    params: dict[str, str | int] = {
        "where": 'Type=="ACCREC" AND Status=="AUTHORISED"',
        "order": "InvoiceNumber",
        "page": 1,
    }
    response = session.get(
        f"{api_url}/Invoices",
        params=params,
        headers=headers,
        timeout=30,
    )
    response.raise_for_status()
    invoices: list[dict[str, Any]] = loads(response.text)["Invoices"]
    return invoices


def plan_payments(
    invoices: dict[str, list[dict[str, Any]]], unpaid: set[str], bases: dict[str, str]
) -> list[Planned]:
    """Pick the invoices to pay; `invoices` are each organisation's open sales invoices."""
    wanted = {
        "Northwind MSP Ltd": ["full", "full", "partial", "foreign currency"],
        "Northwind MSP Pty Ltd": ["full"],
        "Northwind MSP Inc": ["full", "partial"],
    }
    planned: list[Planned] = []
    for organisation, kinds in wanted.items():
        candidates = [
            i
            for i in invoices.get(organisation, [])
            if str(i.get("InvoiceNumber")) in unpaid and Decimal(str(i["AmountDue"])) > 0
        ]
        home = [i for i in candidates if i["CurrencyCode"] == bases[organisation]]
        foreign = [i for i in candidates if i["CurrencyCode"] == "EUR"]
        for kind in kinds:
            pool = foreign if kind == "foreign currency" else home
            if not pool:
                continue
            invoice = pool.pop(0)
            due = Decimal(str(invoice["AmountDue"]))
            amount = (due / 2).quantize(CENT, ROUND_HALF_UP) if kind == "partial" else due
            planned.append(
                Planned(
                    organisation=organisation,
                    invoice_number=str(invoice["InvoiceNumber"]),
                    currency=str(invoice["CurrencyCode"]),
                    amount=amount,
                    invoice_total=Decimal(str(invoice["Total"])),
                    account="092" if kind == "foreign currency" else "090",
                    kind=kind,
                )
            )
    return planned


def record_payments(
    info: dict[str, Any], tenants: dict[str, str], store: Path, session: requests.Session
) -> tuple[list[Planned], dict[str, tuple[str, str]]]:
    """Record the planned payments; also hand back each organisation's (country, base currency)."""
    xero = info["xero"]
    token = access_token(xero, store, session)
    unpaid = unpaid_autotask_numbers(info["autotask"], session)
    invoices: dict[str, list[dict[str, Any]]] = {}
    bases: dict[str, str] = {}
    countries: dict[str, tuple[str, str]] = {}
    for name, tenant_id in tenants.items():
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "xero-tenant-id": tenant_id,
        }
        invoices[name] = _open_invoices(xero["api_url"], headers, session)
        org = session.get(f"{xero['api_url']}/Organisation", headers=headers, timeout=30)
        org.raise_for_status()
        organisation = org.json()["Organisations"][0]
        bases[name] = str(organisation["BaseCurrency"])
        countries[name] = (str(organisation.get("CountryCode")), bases[name])
    planned = plan_payments(invoices, unpaid, bases)
    for payment in planned:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": "application/json",
            "xero-tenant-id": tenants[payment.organisation],
        }
        body = {
            "Payments": [
                {
                    "Invoice": {"InvoiceNumber": payment.invoice_number},
                    "Account": {"Code": payment.account},
                    "Date": PAYMENT_DATE,
                    "Amount": payment.amount,
                    "Reference": f"Demo {payment.kind} payment",
                }
            ]
        }
        response = session.put(f"{xero['api_url']}/Payments", data=dumps(body), headers=headers, timeout=30)
        if response.status_code != 200:
            raise RuntimeError(
                f"Xero refused the {payment.kind} payment of invoice {payment.invoice_number} "
                f"({payment.organisation}): HTTP {response.status_code} {response.text[:300]}"
            )
    return planned, countries
