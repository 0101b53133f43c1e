"""The `Date` response header of both emulators, over HTTP: on every response, from the sandbox clock.

A module-scoped sandbox of its own: the test moves the shared clock by days, which the session sandbox's
other tests (tokens, rate windows) must not feel.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import requests
from sandbox.launcher import RunningSandbox, running_sandbox
from sandbox_testkit import xero_rules_kit
from sandbox_testkit.autotask_kit import AutotaskClient, small_dataset
from sandbox_testkit.xero_rules_kit import XeroClient

# RFC 7231 section 7.1.1.1 IMF-fixdate, the only form a server may send.
IMF_FIXDATE = re.compile(
    r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT$"
)
THREE_DAYS = 3 * 86_400


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningSandbox]:
    data = {"autotask": small_dataset(), "xero": xero_rules_kit.dataset()["xero"]}
    path = Path(tmp_path_factory.mktemp("date-header")) / "dataset.json"
    path.write_text(json.dumps(data, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)))
    with running_sandbox(str(path), rate_limits="off") as running:
        yield running


def sandbox_now(sb: RunningSandbox) -> datetime:
    text = requests.get(sb.xero_root + "/__sandbox/clock", timeout=10).json()["now"]
    return datetime.fromisoformat(text).astimezone(UTC)


def server_date(response: requests.Response) -> datetime:
    value = response.headers.get("Date")
    assert value is not None, f"{response.request.method} {response.url} answered without a Date header"
    assert IMF_FIXDATE.match(value), value
    assert len(response.raw.headers.getlist("Date")) == 1, "exactly one Date header"
    return parsedate_to_datetime(value)


def responses(sb: RunningSandbox) -> list[requests.Response]:
    """One of each kind of answer: API successes and refusals, identity, admin calls."""
    at = AutotaskClient(sb.autotask)
    xero = XeroClient(sb.xero)
    xero.authenticate()
    zone = f"{sb.autotask['zone_lookup_url']}?user={sb.autotask['username']}"
    return [
        requests.get(zone, timeout=10),  # 200, no auth
        at.get("/Companies/175"),  # 200
        at.query("Invoices", [{"op": "gt", "field": "id", "value": 0}]),  # 200 query
        requests.get(sb.autotask_root + "/atservicesrest/v1.0/Companies/175", timeout=10),  # 500 no user
        at.get("/NoSuchEntity/query"),  # 404
        xero.get("Organisation"),  # 200 JSON
        xero.session.get(  # 200 XML
            f"{xero.api}/Invoices",
            headers={"Authorization": f"Bearer {xero.access_token}", "xero-tenant-id": xero.tenant_id},
            timeout=10,
        ),
        xero.put("Invoices", {"Invoices": [{"Type": "ACCREC"}]}),  # 400 ValidationException
        requests.get(f"{sb.xero['api_url']}/Invoices", timeout=10),  # 401 problem JSON
        requests.post(f"{sb.xero_root}/connect/token", data={"grant_type": "nope"}, timeout=10),  # 400 OAuth
        requests.get(f"{sb.xero_root}/nowhere", timeout=10),  # 404 text
        requests.get(sb.autotask_root + "/__sandbox/stats", timeout=10),  # admin
        requests.post(sb.xero_root + "/__sandbox/nothing", timeout=10),  # admin 404
    ]


def test_every_response_carries_a_date_header_from_the_sandbox_clock(sb: RunningSandbox) -> None:
    sb.reset()
    sb.admin("xero", "clock", {"advance_seconds": THREE_DAYS})
    expected = sandbox_now(sb)
    assert (expected - datetime.now(UTC)).total_seconds() > THREE_DAYS - 60
    for response in responses(sb):
        stamp = server_date(response)
        assert abs((stamp - expected).total_seconds()) < 30, (response.url, response.headers["Date"])


def test_date_header_moves_with_the_clock_and_comes_with_injected_faults(sb: RunningSandbox) -> None:
    sb.reset()
    zone = f"{sb.autotask['zone_lookup_url']}?user={sb.autotask['username']}"
    before = server_date(requests.get(zone, timeout=10))
    sb.admin("autotask", "clock", {"advance_seconds": 7_200})
    after = server_date(requests.get(zone, timeout=10))
    assert 7_200 <= (after - before).total_seconds() < 7_200 + 30
    for api, url in (("autotask", zone), ("xero", f"{sb.xero['api_url']}/Invoices")):
        for kind in ("429", "500", "503"):
            sb.admin(api, "faults", {"rate": 1.0, "kinds": [kind], "seed": 1})
            faulted = requests.get(url, timeout=10)
            assert faulted.status_code == int(kind)
            assert abs((server_date(faulted) - after).total_seconds()) < 30
        sb.admin(api, "faults", {"rate": 0.0})
