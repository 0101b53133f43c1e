"""Xero app tiers over HTTP: how many organisations the app may connect (Starter 5, Core 50, ...), what a
consent past the cap does, and the response bytes per organisation `/__sandbox/stats` reports (Xero's paid
tiers meter data egress per organisation)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit.xero_platform_kit import ALPHA_ID, BETA_ID, XeroHttp, write_dataset

REDIRECT = "http://127.0.0.1:8765/callback"
CONSENT_SCOPE = "openid offline_access accounting.settings"


@pytest.fixture(scope="module")
def six_orgs(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Alpha, Beta and four more: one organisation past Starter's cap."""
    return write_dataset(tmp_path_factory.mktemp("xero-tiers") / "six.json", extra_tenants=4)


@pytest.fixture(scope="module")
def starter(six_orgs: str) -> Iterator[RunningSandbox]:
    with running_sandbox(six_orgs, rate_limits="off") as running:
        yield running


@pytest.fixture
def sb(starter: RunningSandbox) -> RunningSandbox:
    starter.reset()
    return starter


def connections(sb: RunningSandbox, token: str) -> list[dict[str, str]]:
    response = requests.get(
        f"{sb.xero_root}/connections", headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, str]] = response.json()
    return found


def authorize(sb: RunningSandbox) -> requests.Response:
    params = {
        "response_type": "code",
        "client_id": sb.xero["client_id"],
        "redirect_uri": REDIRECT,
        "scope": CONSENT_SCOPE,
        "state": "st-1",
    }
    return requests.get(f"{sb.xero_root}/connect/authorize", params=params, allow_redirects=False, timeout=30)


def test_starter_tier_connects_at_most_5_organisations(sb: RunningSandbox) -> None:
    x = XeroHttp(sb.xero)
    names = [t["tenant_id"] for t in sb.xero["tenants"]]
    assert len(names) == 6
    connected = [c["tenantId"] for c in connections(sb, x.access_token())]
    assert connected and sorted(connected) == sorted(names[:5]), "the first five organisations"
    assert x.get("Organisation", tenant=names[5]).status_code == 403, "the sixth is not connected"
    assert x.get("Organisation", tenant=names[0]).status_code == 200


def test_consent_past_the_tier_cap_ends_on_the_connection_limit_page(sb: RunningSandbox) -> None:
    refused = authorize(sb)
    assert refused.status_code == 302
    location = refused.headers["Location"]
    assert location == f"{sb.xero_root}/connectionLimit", "Xero's own page, never the app's redirect URI"
    assert not location.startswith(REDIRECT)
    page = requests.get(location, timeout=30)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "has reached their Xero connection limit" in page.text
    x = XeroHttp(sb.xero)
    assert len(connections(sb, x.access_token())) == 5, "nothing was connected"


def test_consent_at_the_cap_is_allowed(tmp_path: Path) -> None:
    """Five organisations on Starter: consent reconnects them (the cap is reached, not passed)."""
    path = write_dataset(tmp_path / "five.json", extra_tenants=3)
    with running_sandbox(path, rate_limits="off", xero_tier="starter") as running:
        granted = authorize(running)
        assert granted.status_code == 302
        assert granted.headers["Location"].startswith(REDIRECT + "?code=")


@pytest.mark.parametrize(("tier", "cap"), [("core", 50), ("plus", 1000), ("advanced", 10_000)])
def test_paid_tiers_connect_every_organisation(six_orgs: str, tier: str, cap: int) -> None:
    with running_sandbox(six_orgs, rate_limits="off", xero_tier=tier) as running:
        assert running.xero["tier"]["max_connections"] == cap
        assert len(connections(running, XeroHttp(running.xero).access_token())) == 6
        consent = authorize(running)
        assert consent.headers["Location"].startswith(REDIRECT + "?code=")


def test_stats_report_response_bytes_per_tenant(sb: RunningSandbox) -> None:
    x = XeroHttp(sb.xero)
    x.access_token()
    received: Counter[str] = Counter()
    for tenant, path in ((ALPHA_ID, "Invoices"), (ALPHA_ID, "Contacts"), (BETA_ID, "Contacts")):
        response = x.get(path, tenant=tenant)
        assert response.status_code == 200
        received[tenant] += len(response.content)
    stats = sb.admin("xero", "stats")
    assert {"total", "throttled", "calls"} <= set(stats), "the existing keys stay"
    assert stats["egress"] == dict(received)
    rows = [c for c in stats["calls"] if c["tenant"]]
    assert all(isinstance(c["bytes"], int) and c["count"] >= 1 for c in stats["calls"])
    assert sum(c["bytes"] for c in rows if c["tenant"] == ALPHA_ID) == received[ALPHA_ID]
    sb.admin("xero", "reset", {})
    assert sb.admin("xero", "stats")["egress"] == {}
