"""Xero's 2026 scope rule over HTTP: a new app (the default) is refused the broad scopes at consent and at
the token endpoint, a legacy app (`sandbox up --xero-legacy-app`) may use both, and every Accounting
endpoint family answers 401 to a token without its granular scope (or with only `.read` on a write)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_platform_kit import ALPHA_ID, write_dataset

REDIRECT = "http://127.0.0.1:8765/callback"
BROAD = ("accounting.transactions", "accounting.transactions.read", "accounting.reports.read")
FAMILIES = [
    ("Invoices", "accounting.invoices"),
    ("CreditNotes", "accounting.invoices"),
    ("PurchaseOrders", "accounting.invoices"),
    ("Items", "accounting.invoices"),
    ("Items", "accounting.settings"),
    ("Payments", "accounting.payments"),
    ("Contacts", "accounting.contacts"),
    ("Organisation", "accounting.settings"),
    ("TaxRates", "accounting.settings"),
    ("Accounts", "accounting.settings"),
    ("BrandingThemes", "accounting.settings"),
    ("TrackingCategories", "accounting.settings"),
    ("Currencies", "accounting.settings"),
]


def _start(tmp: Path, *, legacy_app: bool) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp / "dataset.json")
    with running_sandbox(path, rate_limits="off", legacy_app=legacy_app) as running:
        yield running


@pytest.fixture(scope="module")
def new_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    yield from _start(tmp_path_factory.mktemp("scopes-new"), legacy_app=False)


@pytest.fixture(scope="module")
def legacy_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    yield from _start(tmp_path_factory.mktemp("scopes-legacy"), legacy_app=True)


def authorize(sb: RunningSandbox, scope: str) -> requests.Response:
    params = {
        "response_type": "code",
        "client_id": sb.xero["client_id"],
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "st",
    }
    return requests.get(f"{sb.xero_root}/connect/authorize", params=params, allow_redirects=False, timeout=30)


def consent(sb: RunningSandbox, scope: str) -> dict[str, str]:
    """Auto-consent and code exchange: the token response."""
    answer = authorize(sb, scope)
    assert answer.status_code == 302, answer.text
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = requests.post(
        f"{sb.xero_root}/connect/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(sb.xero["client_id"], sb.xero["client_secret"]),
        timeout=30,
    )
    assert tokens.status_code == 200, tokens.text
    body: dict[str, str] = tokens.json()
    return body


def custom_token(sb: RunningSandbox, scope: str) -> requests.Response:
    custom = sb.xero["custom_connection"]
    return requests.post(
        f"{sb.xero_root}/connect/token",
        data={"grant_type": "client_credentials", "scope": scope},
        auth=(custom["client_id"], custom["client_secret"]),
        timeout=30,
    )


def token_for(sb: RunningSandbox, scope: str) -> str:
    response = custom_token(sb, scope)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def call(sb: RunningSandbox, method: str, endpoint: str, token: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": ALPHA_ID, "Accept": "application/json"}
    body = {endpoint: []} if method != "GET" else None
    return requests.request(
        method, f"{sb.xero['api_url']}/{endpoint}", headers=headers, json=body, timeout=30
    )


def assert_unauthorized(response: requests.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["Detail"] == "AuthorizationUnsuccessful"


# --- a new app (the default) ---------------------------------------------------------------------------


def test_the_ready_line_says_which_app(new_app: RunningSandbox, legacy_app: RunningSandbox) -> None:
    assert new_app.xero["app"] == {"created": "2026-03-02", "scopes": "granular"}
    assert legacy_app.xero["app"]["scopes"] == "legacy"
    assert legacy_app.xero["app"]["created"] < "2026-03-02"


@pytest.mark.parametrize("broad", BROAD)
def test_new_app_consent_refuses_a_broad_scope_on_the_page(new_app: RunningSandbox, broad: str) -> None:
    response = authorize(new_app, f"offline_access accounting.contacts {broad}")
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": "Invalid scope for client",
    }


def test_new_app_consent_accepts_the_granular_scopes(new_app: RunningSandbox) -> None:
    body = consent(new_app, "offline_access accounting.invoices accounting.payments.read accounting.settings")
    assert set(body["scope"].split()) == {
        "offline_access",
        "accounting.invoices",
        "accounting.payments.read",
        "accounting.settings",
    }
    assert body["refresh_token"]
    assert call(new_app, "GET", "Payments", body["access_token"]).status_code == 200
    assert_unauthorized(call(new_app, "PUT", "Payments", body["access_token"]))


def test_new_app_token_endpoint_refuses_broad_scopes(new_app: RunningSandbox) -> None:
    custom = custom_token(new_app, "accounting.transactions accounting.contacts")
    assert custom.status_code == 400 and custom.json()["error"] == "invalid_scope"
    refresh = requests.post(
        f"{new_app.xero_root}/connect/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": new_app.xero["refresh_token"],
            "scope": "offline_access accounting.transactions",
        },
        auth=(new_app.xero["client_id"], new_app.xero["client_secret"]),
        timeout=30,
    )
    assert refresh.status_code == 400 and refresh.json()["error"] == "invalid_scope"


def test_new_app_printed_token_and_custom_connection_hold_granular_scopes_only(
    new_app: RunningSandbox,
) -> None:
    refreshed = requests.post(
        f"{new_app.xero_root}/connect/token",
        data={"grant_type": "refresh_token", "refresh_token": new_app.xero["refresh_token"]},
        auth=(new_app.xero["client_id"], new_app.xero["client_secret"]),
        timeout=30,
    ).json()
    default_custom = custom_token(new_app, "").json()
    for granted in (set(refreshed["scope"].split()), set(default_custom["scope"].split())):
        assert not granted & set(BROAD)
        assert {"accounting.invoices", "accounting.payments", "accounting.settings"} <= granted


@pytest.mark.parametrize(("endpoint", "scope"), FAMILIES)
def test_each_endpoint_family_needs_its_granular_scope(
    new_app: RunningSandbox, endpoint: str, scope: str
) -> None:
    reader = token_for(new_app, f"{scope}.read")
    assert call(new_app, "GET", endpoint, reader).status_code == 200
    assert_unauthorized(call(new_app, "PUT", endpoint, reader))
    assert call(new_app, "PUT", endpoint, token_for(new_app, scope)).status_code != 401
    assert_unauthorized(call(new_app, "GET", endpoint, token_for(new_app, "accounting.attachments")))


# --- a legacy app (created before 2 March 2026) ---------------------------------------------------------


def test_legacy_app_may_use_the_broad_scope(legacy_app: RunningSandbox) -> None:
    body = consent(legacy_app, "offline_access accounting.transactions accounting.contacts")
    token = body["access_token"]
    assert "accounting.transactions" in body["scope"].split()
    for endpoint in ("Invoices", "CreditNotes", "PurchaseOrders", "Payments", "Contacts"):
        assert call(legacy_app, "GET", endpoint, token).status_code == 200, endpoint
    assert call(legacy_app, "PUT", "Payments", token).status_code != 401
    for endpoint in ("Items", "Organisation"):  # items and settings were never under transactions
        assert_unauthorized(call(legacy_app, "GET", endpoint, token))
    reader = token_for(legacy_app, "accounting.transactions.read")
    assert call(legacy_app, "GET", "Invoices", reader).status_code == 200
    assert_unauthorized(call(legacy_app, "PUT", "Invoices", reader))


def test_legacy_app_may_use_the_granular_scopes_too(legacy_app: RunningSandbox) -> None:
    body = consent(legacy_app, "offline_access accounting.invoices accounting.payments.read")
    assert call(legacy_app, "GET", "Payments", body["access_token"]).status_code == 200
    assert custom_token(legacy_app, "accounting.transactions accounting.invoices").status_code == 200
