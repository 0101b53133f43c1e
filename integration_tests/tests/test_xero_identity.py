"""Xero identity over HTTP: token endpoint, rotation and grace, consent, custom connections, connections,
revocation, and the 401/403 shapes of the Accounting API."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_platform_kit import ALPHA_ID, BETA_ID, XeroHttp, write_dataset

REDIRECT = "http://127.0.0.1:8765/callback"


@pytest.fixture(scope="module")
def xero_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    path = write_dataset(tmp_path_factory.mktemp("xero-identity") / "dataset.json")
    with running_sandbox(path, rate_limits="off") as running:
        yield running


@pytest.fixture
def sb(xero_sandbox: RunningSandbox) -> RunningSandbox:
    xero_sandbox.admin("xero", "reset", {})
    return xero_sandbox


@pytest.fixture
def x(sb: RunningSandbox) -> XeroHttp:
    return XeroHttp(sb.xero)


def token_post(
    sb: RunningSandbox, data: dict[str, str], auth: tuple[str, str] | None = None
) -> requests.Response:
    return requests.post(f"{sb.xero_root}/connect/token", data=data, auth=auth, timeout=30)


def standard_auth(sb: RunningSandbox) -> tuple[str, str]:
    return sb.xero["client_id"], sb.xero["client_secret"]


def advance(sb: RunningSandbox, seconds: float) -> None:
    sb.admin("xero", "clock", {"advance_seconds": seconds})


def api_get(sb: RunningSandbox, path: str, token: str, tenant: str | None = ALPHA_ID) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    if tenant is not None:
        headers["xero-tenant-id"] = tenant
    return requests.get(f"{sb.xero['api_url']}/{path}", headers=headers, timeout=30)


def authorize(sb: RunningSandbox, scope: str, **extra: str) -> requests.Response:
    params = {
        "response_type": "code",
        "client_id": sb.xero["client_id"],
        "redirect_uri": REDIRECT,
        "scope": scope,
        "state": "st-123",
        **extra,
    }
    return requests.get(f"{sb.xero_root}/connect/authorize", params=params, allow_redirects=False, timeout=30)


def redirect_params(response: requests.Response) -> dict[str, str]:
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def assert_problem(response: requests.Response, status: int, title: str, detail: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["Type"] is None
    assert body["Title"] == title
    assert body["Status"] == status
    assert body["Detail"] == detail or body["Detail"].startswith(detail)
    assert re.fullmatch(r"[0-9a-f-]{36}", body["Instance"])
    assert body["Extensions"] == {}
    return body


# --- token endpoint ----------------------------------------------------------------------------------------


def test_refresh_with_basic_auth_returns_a_full_token_set(sb: RunningSandbox) -> None:
    response = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]}, standard_auth(sb)
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id_token", "access_token", "expires_in", "token_type", "refresh_token", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 1800
    assert body["refresh_token"] != sb.xero["refresh_token"]
    assert "offline_access" in body["scope"].split()
    assert len(body["id_token"].split(".")) == 3
    assert response.headers["Cache-Control"] == "no-store"
    assert api_get(sb, "Organisation", body["access_token"]).status_code == 200


def test_refresh_with_form_credentials(sb: RunningSandbox) -> None:
    client_id, secret = standard_auth(sb)
    response = token_post(
        sb,
        {
            "grant_type": "refresh_token",
            "refresh_token": sb.xero["refresh_token"],
            "client_id": client_id,
            "client_secret": secret,
            "scope": "offline_access accounting.invoices",
        },
    )
    assert response.status_code == 200
    assert response.json()["refresh_token"]


def test_each_refresh_rotates_and_the_old_token_has_a_30_minute_grace(sb: RunningSandbox) -> None:
    initial = sb.xero["refresh_token"]
    first = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": initial}, standard_auth(sb)
    ).json()
    advance(sb, 29 * 60)
    retry = token_post(sb, {"grant_type": "refresh_token", "refresh_token": initial}, standard_auth(sb))
    assert retry.status_code == 200, "the previous refresh token must stay usable during the grace window"
    assert retry.json()["refresh_token"] not in (initial, first["refresh_token"])
    advance(sb, 2 * 60)
    late = token_post(sb, {"grant_type": "refresh_token", "refresh_token": initial}, standard_auth(sb))
    assert late.status_code == 400
    assert late.json()["error"] == "invalid_grant"
    newest = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, standard_auth(sb)
    )
    assert newest.status_code == 200


def test_unused_refresh_token_expires_after_60_days(sb: RunningSandbox) -> None:
    fresh = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]}, standard_auth(sb)
    ).json()["refresh_token"]
    advance(sb, 59 * 86400)
    still = token_post(sb, {"grant_type": "refresh_token", "refresh_token": fresh}, standard_auth(sb))
    assert still.status_code == 200
    unused = still.json()["refresh_token"]
    advance(sb, 60 * 86400 + 1)
    expired = token_post(sb, {"grant_type": "refresh_token", "refresh_token": unused}, standard_auth(sb))
    assert expired.status_code == 400
    assert expired.json() == {"error": "invalid_grant"}


@pytest.mark.parametrize(
    ("data", "auth", "error"),
    [
        (
            {"grant_type": "refresh_token", "refresh_token": "REFRESH"},
            ("CLIENT", "wrong-secret"),
            "invalid_client",
        ),
        (
            {"grant_type": "refresh_token", "refresh_token": "REFRESH"},
            ("unknown-client", "SECRET"),
            "invalid_client",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "REFRESH"}, None, "invalid_client"),
        (
            {"grant_type": "password", "username": "u", "password": "p"},
            ("CLIENT", "SECRET"),
            "unsupported_grant_type",
        ),
        ({"refresh_token": "REFRESH"}, ("CLIENT", "SECRET"), "unsupported_grant_type"),
        (
            {"grant_type": "refresh_token", "refresh_token": "not-a-token"},
            ("CLIENT", "SECRET"),
            "invalid_grant",
        ),
        ({"grant_type": "client_credentials"}, ("CLIENT", "SECRET"), "unauthorized_client"),
        (
            {"grant_type": "authorization_code", "code": "nope", "redirect_uri": REDIRECT},
            ("CLIENT", "SECRET"),
            "invalid_grant",
        ),
    ],
)
def test_token_endpoint_errors_are_400_oauth_json(
    sb: RunningSandbox, data: dict[str, str], auth: tuple[str, str] | None, error: str
) -> None:
    real = {
        "CLIENT": sb.xero["client_id"],
        "SECRET": sb.xero["client_secret"],
        "REFRESH": sb.xero["refresh_token"],
    }
    data = {k: real.get(v, v) for k, v in data.items()}
    if auth is not None:
        auth = (real.get(auth[0], auth[0]), real.get(auth[1], auth[1]))
    response = token_post(sb, data, auth)
    assert response.status_code == 400
    assert response.json()["error"] == error


def test_token_endpoint_takes_post_only(sb: RunningSandbox) -> None:
    assert requests.get(f"{sb.xero_root}/connect/token", timeout=30).status_code == 405


def test_access_token_expires_after_ttl_on_the_sandbox_clock(sb: RunningSandbox, x: XeroHttp) -> None:
    token = x.access_token()
    assert api_get(sb, "Organisation", token).status_code == 200
    advance(sb, 1799)
    assert api_get(sb, "Organisation", token).status_code == 200
    advance(sb, 2)
    response = api_get(sb, "Organisation", token)
    body = assert_problem(response, 401, "Unauthorized", "TokenExpired: token expired at ")
    assert re.fullmatch(r"TokenExpired: token expired at \d\d/\d\d/\d{4} \d\d:\d\d:\d\d", body["Detail"])
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_token_ttl_option_sets_expires_in(tmp_path: Any) -> None:
    path = write_dataset(tmp_path / "dataset.json")
    with running_sandbox(path, rate_limits="off", token_ttl=120) as running:
        body = token_post(
            running,
            {"grant_type": "refresh_token", "refresh_token": running.xero["refresh_token"]},
            standard_auth(running),
        ).json()
        assert body["expires_in"] == 120
        running.admin("xero", "clock", {"advance_seconds": 121})
        assert api_get(running, "Organisation", body["access_token"]).status_code == 401


# --- Accounting API auth shapes ------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic abc", "bearer "])
def test_missing_or_invalid_bearer_is_401_problem_json(sb: RunningSandbox, header: str | None) -> None:
    headers = {"xero-tenant-id": ALPHA_ID}
    if header is not None:
        headers["Authorization"] = header
    response = requests.get(f"{sb.xero['api_url']}/Invoices", headers=headers, timeout=30)
    assert_problem(response, 401, "Unauthorized", "AuthorizationUnsuccessful")


@pytest.mark.parametrize("tenant", [None, "", "00000000-0000-0000-0000-000000000000", "not-a-guid"])
def test_missing_or_unknown_tenant_is_403(sb: RunningSandbox, x: XeroHttp, tenant: str | None) -> None:
    response = api_get(sb, "Invoices", x.access_token(), tenant)
    assert_problem(response, 403, "Forbidden", "AuthenticationUnsuccessful")


def test_tenant_header_name_is_case_insensitive(sb: RunningSandbox, x: XeroHttp) -> None:
    headers = {
        "Authorization": f"Bearer {x.access_token()}",
        "Xero-Tenant-Id": BETA_ID,
        "Accept": "application/json",
    }
    response = requests.get(f"{sb.xero['api_url']}/Organisation", headers=headers, timeout=30)
    assert response.status_code == 200
    assert response.json()["Organisations"][0]["OrganisationID"] == BETA_ID


def test_scope_must_cover_the_endpoint(sb: RunningSandbox) -> None:
    params = redirect_params(authorize(sb, "offline_access accounting.invoices.read"))
    tokens = token_post(
        sb,
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT},
        standard_auth(sb),
    ).json()
    token = tokens["access_token"]
    assert api_get(sb, "Invoices", token).status_code == 200
    assert_problem(api_get(sb, "Contacts", token), 401, "Unauthorized", "AuthorizationUnsuccessful")
    write = requests.put(
        f"{sb.xero['api_url']}/Invoices",
        headers={"Authorization": f"Bearer {token}", "xero-tenant-id": ALPHA_ID},
        json={"Invoices": []},
        timeout=30,
    )
    assert_problem(write, 401, "Unauthorized", "AuthorizationUnsuccessful")


# --- consent (authorization code) --------------------------------------------------------------------------


def test_authorize_round_trip_with_loopback_redirect(sb: RunningSandbox) -> None:
    response = authorize(sb, "openid profile email offline_access accounting.invoices accounting.settings")
    assert response.status_code == 302
    params = redirect_params(response)
    assert params["state"] == "st-123"
    exchange = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT}
    tokens = token_post(sb, exchange, standard_auth(sb))
    assert tokens.status_code == 200
    body = tokens.json()
    assert body["refresh_token"] and body["access_token"] and body["id_token"]
    assert api_get(sb, "Invoices", body["access_token"]).status_code == 200
    again = token_post(sb, exchange, standard_auth(sb))
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant", "an authorization code is single-use"
    connections = requests.get(
        f"{sb.xero_root}/connections", headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=30
    ).json()
    assert {c["tenantId"] for c in connections} == {ALPHA_ID, BETA_ID}


def test_without_offline_access_there_is_no_refresh_token(sb: RunningSandbox) -> None:
    params = redirect_params(authorize(sb, "accounting.invoices"))
    body = token_post(
        sb,
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT},
        standard_auth(sb),
    ).json()
    assert "refresh_token" not in body
    assert "id_token" not in body
    assert body["access_token"]


def test_code_exchange_needs_the_same_redirect_uri_and_a_fresh_code(sb: RunningSandbox) -> None:
    params = redirect_params(authorize(sb, "offline_access accounting.invoices"))
    wrong = token_post(
        sb,
        {
            "grant_type": "authorization_code",
            "code": params["code"],
            "redirect_uri": "http://127.0.0.1:1/other",
        },
        standard_auth(sb),
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    params = redirect_params(authorize(sb, "offline_access accounting.invoices"))
    advance(sb, 301)
    stale = token_post(
        sb,
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT},
        standard_auth(sb),
    )
    assert stale.json()["error"] == "invalid_grant"


def test_pkce_public_client_exchange(sb: RunningSandbox) -> None:
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = redirect_params(
        authorize(
            sb,
            "offline_access accounting.invoices",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    base = {
        "grant_type": "authorization_code",
        "code": params["code"],
        "redirect_uri": REDIRECT,
        "client_id": sb.xero["client_id"],
    }
    bad = token_post(sb, {**base, "code_verifier": "w" * 50})
    assert bad.json()["error"] == "invalid_grant"
    params = redirect_params(
        authorize(
            sb,
            "offline_access accounting.invoices",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    good = token_post(sb, {**base, "code": params["code"], "code_verifier": verifier})
    assert good.status_code == 200
    assert good.json()["refresh_token"]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"redirect_uri": "https://evil.example/callback"}, "invalid_request"),
        ({"redirect_uri": "http://192.168.1.10:8080/cb"}, "invalid_request"),
        ({"client_id": "NOT-A-CLIENT"}, "unauthorized_client"),
    ],
)
def test_authorize_refuses_on_the_page_itself(
    sb: RunningSandbox, overrides: dict[str, str], error: str
) -> None:
    params = {
        "response_type": "code",
        "client_id": sb.xero["client_id"],
        "redirect_uri": REDIRECT,
        "scope": "offline_access accounting.invoices",
        "state": "s",
        **overrides,
    }
    response = requests.get(
        f"{sb.xero_root}/connect/authorize", params=params, allow_redirects=False, timeout=30
    )
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert response.json()["error"] == error


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "accounting.everything"}, "invalid_scope"),
    ],
)
def test_authorize_redirects_other_errors(sb: RunningSandbox, overrides: dict[str, str], error: str) -> None:
    response = authorize(sb, overrides.pop("scope", "offline_access accounting.invoices"), **overrides)
    assert response.status_code == 302
    params = redirect_params(response)
    assert params["error"] == error
    assert params["state"] == "st-123"
    assert "code" not in params


# --- custom connections ------------------------------------------------------------------------------------


def test_client_credentials_custom_connection(sb: RunningSandbox) -> None:
    custom = sb.xero["custom_connection"]
    assert custom["tenant_id"] == sb.xero["tenants"][0]["tenant_id"] == ALPHA_ID
    response = token_post(
        sb, {"grant_type": "client_credentials"}, (custom["client_id"], custom["client_secret"])
    )
    assert response.status_code == 200
    body = response.json()
    assert "refresh_token" not in body
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    assert api_get(sb, "Organisation", body["access_token"]).status_code == 200
    assert_problem(
        api_get(sb, "Organisation", body["access_token"], BETA_ID),
        403,
        "Forbidden",
        "AuthenticationUnsuccessful",
    )
    connections = requests.get(
        f"{sb.xero_root}/connections", headers={"Authorization": f"Bearer {body['access_token']}"}, timeout=30
    ).json()
    assert [c["tenantId"] for c in connections] == [ALPHA_ID]
    refresh = token_post(
        sb,
        {"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]},
        (custom["client_id"], custom["client_secret"]),
    )
    assert refresh.json()["error"] == "unauthorized_client"


def test_client_credentials_with_form_fields_and_scope(sb: RunningSandbox) -> None:
    custom = sb.xero["custom_connection"]
    response = token_post(
        sb,
        {
            "grant_type": "client_credentials",
            "client_id": custom["client_id"],
            "client_secret": custom["client_secret"],
            "scope": "accounting.invoices accounting.contacts",
        },
    )
    assert response.status_code == 200
    assert response.json()["scope"] == "accounting.invoices accounting.contacts"
    token = response.json()["access_token"]
    assert api_get(sb, "Invoices", token).status_code == 200
    assert api_get(sb, "Accounts", token).status_code == 401


# --- connections and revocation ----------------------------------------------------------------------------


def test_connections_list_shape_and_filter(sb: RunningSandbox, x: XeroHttp) -> None:
    auth = {"Authorization": f"Bearer {x.access_token()}"}
    response = requests.get(f"{sb.xero_root}/connections", headers=auth, timeout=30)
    assert response.status_code == 200
    connections = response.json()
    assert {c["tenantName"] for c in connections} == {"Alpha Books Ltd", "Beta Books Inc"}
    for conn in connections:
        assert set(conn) == {
            "id",
            "authEventId",
            "tenantId",
            "tenantType",
            "tenantName",
            "createdDateUtc",
            "updatedDateUtc",
        }
        assert conn["tenantType"] == "ORGANISATION"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+", conn["createdDateUtc"])
    event = connections[0]["authEventId"]
    filtered = requests.get(
        f"{sb.xero_root}/connections", params={"authEventId": event}, headers=auth, timeout=30
    )
    assert {c["authEventId"] for c in filtered.json()} == {event}
    none = requests.get(f"{sb.xero_root}/connections", params={"authEventId": "x"}, headers=auth, timeout=30)
    assert none.json() == []
    assert requests.get(f"{sb.xero_root}/connections", timeout=30).status_code == 401


def test_deleting_a_connection_revokes_that_tenant(sb: RunningSandbox, x: XeroHttp) -> None:
    token = x.access_token()
    auth = {"Authorization": f"Bearer {token}"}
    connections = requests.get(f"{sb.xero_root}/connections", headers=auth, timeout=30).json()
    beta = next(c for c in connections if c["tenantId"] == BETA_ID)
    deleted = requests.delete(f"{sb.xero_root}/connections/{beta['id']}", headers=auth, timeout=30)
    assert deleted.status_code == 204
    assert_problem(
        api_get(sb, "Organisation", token, BETA_ID), 403, "Forbidden", "AuthenticationUnsuccessful"
    )
    assert api_get(sb, "Organisation", token, ALPHA_ID).status_code == 200
    remaining = requests.get(f"{sb.xero_root}/connections", headers=auth, timeout=30).json()
    assert [c["tenantId"] for c in remaining] == [ALPHA_ID]
    again = requests.delete(f"{sb.xero_root}/connections/{beta['id']}", headers=auth, timeout=30)
    assert again.status_code == 404
    stats = sb.admin("xero", "stats")
    assert any(c["path"] == "/connections/{id}" and c["method"] == "DELETE" for c in stats["calls"])


def test_revoking_a_refresh_token_ends_its_family(sb: RunningSandbox) -> None:
    first = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]}, standard_auth(sb)
    ).json()
    revoke = requests.post(
        f"{sb.xero_root}/connect/revocation",
        data={"token": first["refresh_token"]},
        auth=standard_auth(sb),
        timeout=30,
    )
    assert revoke.status_code == 200
    again = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}, standard_auth(sb)
    )
    assert again.json()["error"] == "invalid_grant"
    grace = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]}, standard_auth(sb)
    )
    assert grace.json()["error"] == "invalid_grant", "the whole rotation family is revoked"
    assert api_get(sb, "Organisation", first["access_token"]).status_code == 401
    bad_client = requests.post(
        f"{sb.xero_root}/connect/revocation", data={"token": "x"}, auth=("nobody", "nothing"), timeout=30
    )
    assert bad_client.status_code == 400
    assert bad_client.json()["error"] == "invalid_client"


def test_reset_restores_the_printed_refresh_token(sb: RunningSandbox) -> None:
    token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]}, standard_auth(sb)
    )
    advance(sb, 3600)
    sb.admin("xero", "reset", {})
    again = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]}, standard_auth(sb)
    )
    assert again.status_code == 200


def test_no_token_or_secret_reaches_the_request_log(sb: RunningSandbox) -> None:
    issued: list[str] = []
    body = token_post(
        sb, {"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]}, standard_auth(sb)
    ).json()
    issued += [body["access_token"], body["refresh_token"], body["id_token"]]
    client_id, secret = standard_auth(sb)
    token_post(
        sb,
        {
            "grant_type": "refresh_token",
            "refresh_token": body["refresh_token"],
            "client_id": client_id,
            "client_secret": secret,
        },
    )
    params = redirect_params(authorize(sb, "offline_access accounting.invoices"))
    issued.append(params["code"])
    token_post(
        sb,
        {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": REDIRECT},
        standard_auth(sb),
    )
    custom = sb.xero["custom_connection"]
    token_post(sb, {"grant_type": "client_credentials"}, (custom["client_id"], custom["client_secret"]))
    requests.post(
        f"{sb.xero_root}/connect/revocation",
        data={"token": body["refresh_token"]},
        auth=standard_auth(sb),
        timeout=30,
    )
    api_get(sb, "Invoices", body["access_token"])
    log = json.dumps(sb.admin("xero", "requests"))
    for secret_value in [*sb.secrets(), *issued]:
        assert secret_value not in log
    entries = sb.admin("xero", "requests")
    token_bodies = [e["body"] for e in entries if e["path"] == "/connect/token"]
    assert token_bodies and all(set(b) <= {"grant_type", "scope", "redirect_uri"} for b in token_bodies)
    stats = sb.admin("xero", "stats")
    assert any(c["path"] == "/connect/token" and c["status"] == 200 for c in stats["calls"])


def test_connections_need_a_live_token(sb: RunningSandbox, x: XeroHttp) -> None:
    token = x.access_token()
    advance(sb, 1801)
    response = requests.get(
        f"{sb.xero_root}/connections", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert_problem(response, 401, "Unauthorized", "TokenExpired: token expired at ")


def test_token_endpoint_reads_forms_not_json(sb: RunningSandbox) -> None:
    response = requests.post(
        f"{sb.xero_root}/connect/token",
        json={"grant_type": "refresh_token", "refresh_token": sb.xero["refresh_token"]},
        auth=standard_auth(sb),
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
