"""The payments source's bookmark under Xero's clock (its `Date` header), against a mocked Xero.

The mocked `Date` is half a year behind the local clock on purpose: a stamp between the two is "later than
Xero's clock" only if the reader really takes its time from Xero.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pendulum
import pytest
import requests_mock as rm
from source_xero_payments.config import load_source_config
from source_xero_payments.reader import PaymentsReader

API = "https://api.example.test/api.xro/2.0"
IDENTITY = "https://identity.example.test"
TENANT = "11111111-2222-3333-4444-555555555555"
TOKEN_DATE = "Mon, 01 Jun 2026 12:00:00 GMT"
API_DATE = "Mon, 01 Jun 2026 12:00:02 GMT"


def config(**extra: Any) -> dict[str, Any]:
    return {
        "auth": {
            "type": "client_credentials",
            "client_id": "client-id",
            "client_secret": "client-secret-value",
        },
        "xero": {"api_url": API, "identity_url": IDENTITY},
        "tenants": [{"tenant_id": TENANT, "name": "Northwind UK"}],
        **extra,
    }


def payment(payment_id: str, updated: str) -> dict[str, Any]:
    return {
        "PaymentID": payment_id,
        "Date": "2026-05-01T00:00:00",
        "Amount": 10.5,
        "Status": "AUTHORISED",
        "UpdatedDateUTC": updated,
        "Invoice": {"InvoiceID": "inv-1", "InvoiceNumber": "20274"},
    }


@pytest.fixture
def xero() -> Iterator[Any]:
    with rm.Mocker() as m:
        m.post(
            IDENTITY + "/connect/token",
            json={"access_token": "access-token-value", "expires_in": 1800, "token_type": "Bearer"},
            headers={"Date": TOKEN_DATE},
        )
        yield m


def read(reader: PaymentsReader, state: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    records, last = [], dict(state)
    for record, current in reader.read("payments", state):
        if record is None:
            last = {k: dict(v) for k, v in current.items()}
        else:
            records.append(record)
    return records, last


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_bookmark_never_passes_xeros_clock(xero: Any, caplog: pytest.LogCaptureFixture) -> None:
    xero.get(
        API + "/Payments",
        json={
            "Payments": [
                payment("p-1", "2026-05-30T10:00:00"),
                payment("p-2", "2026-06-01T12:00:01"),  # changed while the sync ran
                payment("p-3", "2026-09-01T08:00:00"),  # beyond Xero's own clock
            ]
        },
        headers={"Date": API_DATE},
    )
    reader = PaymentsReader(load_source_config(config()))
    with caplog.at_level(logging.INFO, logger="source_xero_payments"):
        records, state = read(reader, {})
    assert [r["PaymentID"] for r in records] == ["p-1", "p-2", "p-3"]  # all emitted
    assert state == {TENANT: {"UpdatedDateUTC": "2026-05-30T10:00:00Z"}}
    assert reader.start_time() == pendulum.datetime(2026, 6, 1, 12, tz="UTC")  # the token answer's Date
    assert warnings(caplog) == [
        "payment p-3 (Northwind UK): UpdatedDateUTC 2026-09-01T08:00:00Z is in the future; kept out of the "
        "bookmark, re-read every sync"
    ]
    assert any(r.getMessage().startswith("payment p-2 (Northwind UK)") for r in caplog.records)
    # The token call the first page needed was made up front, not twice.
    assert [r.url.split("?")[0] for r in xero.request_history] == [
        IDENTITY + "/connect/token",
        API + "/Payments",
    ]


def test_a_saved_bookmark_after_xeros_clock_reads_from_start_date(
    xero: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """July 2026 is past for the local clock, future for Xero's: Xero decides."""
    xero.get(API + "/Payments", json={"Payments": [payment("p-1", "2026-05-30T10:00:00")]})
    reader = PaymentsReader(load_source_config(config(start_date="2026-04-01")))
    with caplog.at_level(logging.WARNING, logger="source_xero_payments"):
        records, state = read(reader, {TENANT: {"UpdatedDateUTC": "2026-07-01T00:00:00Z"}})
    assert [r["PaymentID"] for r in records] == ["p-1"]
    page = next(r for r in xero.request_history if "/Payments" in r.url)
    assert page.headers["If-Modified-Since"] == "2026-04-01T00:00:00"
    assert state == {TENANT: {"UpdatedDateUTC": "2026-05-30T10:00:00Z"}}
    assert warnings(caplog) == [
        "payments, Northwind UK: the saved UpdatedDateUTC bookmark 2026-07-01T00:00:00Z is later than Xero's "
        "clock at the start of this sync (2026-06-01T12:00:00Z), so it cannot be trusted; reading again from "
        "start_date 2026-04-01"
    ]


def test_a_saved_bookmark_before_xeros_clock_is_used(xero: Any) -> None:
    xero.get(API + "/Payments", json={"Payments": [payment("p-1", "2026-05-30T10:00:00")]})
    reader = PaymentsReader(load_source_config(config()))
    read(reader, {TENANT: {"UpdatedDateUTC": "2026-05-01T00:00:00Z"}})
    page = next(r for r in xero.request_history if "/Payments" in r.url)
    assert page.headers["If-Modified-Since"] == "2026-05-01T00:00:00"


def test_without_a_date_header_the_local_clock_is_the_start() -> None:
    with rm.Mocker() as m:
        m.post(IDENTITY + "/connect/token", json={"access_token": "access-token-value", "expires_in": 1800})
        m.get(
            API + "/Payments",
            json={"Payments": [payment("p-1", "2026-05-30T10:00:00"), payment("p-2", "2026-09-01T08:00:00")]},
        )
        reader = PaymentsReader(load_source_config(config()))
        before = pendulum.now("UTC")
        _, state = read(reader, {})
    assert before <= reader.start_time() <= pendulum.now("UTC")
    assert state == {TENANT: {"UpdatedDateUTC": "2026-09-01T08:00:00Z"}}  # both are past for this clock
