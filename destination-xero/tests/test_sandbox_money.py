"""Property, checked against the Xero emulator itself: generated Autotask invoices (4-dp quantities and
rates, mixed tax rates including a compound one, tax-exclusive and tax-inclusive) are posted through the
engine and Xero's own Total, read back over HTTP, equals Autotask's total to the cent; any rounding line
stays within the declared tolerance."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from destination_xero.config import load_config
from destination_xero.writer import Engine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sandbox import launcher
from xero_client.client import XeroClient

D = Decimal
Q4 = D("0.0001")
UK, US = "Northwind MSP Ltd", "Northwind MSP Inc"
# tenant -> Autotask tax category -> (Xero TaxType, Autotask tax rows as (percent, compounded))
TAXES: dict[str, dict[str, tuple[str, tuple[tuple[Decimal, bool], ...]]]] = {
    UK: {
        "Std": ("OUTPUT2", ((D(20), False),)),
        "Red": ("RROUTPUT", ((D(5), False),)),
        "Zero": ("ZERORATEDOUTPUT", ()),
    },
    US: {
        "State": ("TAX001", ((D("7.25"), False), (D("1.25"), True))),
        "NYC": ("TAX002", ((D("8.875"), False),)),
        "None": ("NONE", ()),
    },
}
NUMBERS = itertools.count(1)


class VirtualTime:
    """The clients' limiter clock: its minute windows pass when it sleeps, not on the wall clock.

    Why: the sandbox runs with limits off, but the client still paces itself to Xero's 60 calls a minute
    per organisation, so one of the four engines drawing more than 60 calls made this property wait a
    real minute (about one run in two). The pacing still happens; it just costs no wall time."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


TIME = VirtualTime()


@pytest.fixture(scope="module")
def engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], Any]]:
    tmp = tmp_path_factory.mktemp("money")
    with launcher.running_sandbox("demo", rate_limits="off") as sb:
        x = sb.info["xero"]
        if not x.get("tenants"):
            pytest.skip("the Xero emulator serves no tenants yet")
        ids = {t["name"]: t["tenant_id"] for t in x["tenants"]}
        result = {}
        for name in (UK, US):
            for lat in ("Exclusive", "Inclusive"):
                config = load_config(
                    {
                        "auth": {
                            "type": "refresh_token",
                            "client_id": x["client_id"],
                            "client_secret": x["client_secret"],
                            "refresh_token": x["refresh_token"],
                            "token_store_path": str(tmp / "token.json"),
                        },
                        "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
                        "mappings": {
                            "tax": {"by_category": {cat: tt for cat, (tt, _) in TAXES[name].items()}},
                            "accounts": {"default": "200"},
                            "rounding": {"account": "860"},
                            "status": {"line_amount_types": lat},
                        },
                        "tenants": [{"tenant_id": ids[name], "name": name}],
                    }
                )
                client = XeroClient(config, clock=TIME.clock, sleep=TIME.sleep)
                result[(name, lat)] = (config, Engine(config, client), ids[name])
        yield result


def q4(value: Decimal) -> Decimal:
    return value.quantize(Q4, rounding=ROUND_HALF_UP)


def autotask_tax(base: Decimal, rows: tuple[tuple[Decimal, bool], ...]) -> Decimal:
    plain = sum((base * r / 100 for r, c in rows if not c), D(0))
    compound = sum(((base + plain) * r / 100 for r, c in rows if c), D(0))
    return q4(plain + compound)


lines_strategy = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=2_000_000).map(lambda n: D(n) / 10_000),  # quantity ≤ 200
        st.integers(min_value=1, max_value=50_000_000).map(lambda n: D(n) / 10_000),  # rate ≤ 5,000
        st.integers(min_value=0, max_value=2),  # tax category index
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    lines=lines_strategy, tenant=st.sampled_from([UK, US]), lat=st.sampled_from(["Exclusive", "Inclusive"])
)
def test_xero_total_equals_autotask_total(engines, lines, tenant, lat):
    config, engine, tenant_id = engines[(tenant, lat)]
    categories = list(TAXES[tenant])
    items = []
    for i, (quantity, rate, cat) in enumerate(lines, start=1):
        extended = q4(quantity * rate)
        category = categories[cat]
        items.append(
            {
                "id": i,
                "description": f"Line {i}",
                "quantity": str(quantity),
                "rate": str(rate),
                "extendedPrice": str(extended),
                "taxDollars": str(autotask_tax(extended, TAXES[tenant][category][1])),
                "taxCategoryName": category,
            }
        )
    total = sum((D(x["extendedPrice"]) + D(x["taxDollars"]) for x in items), D(0))
    number = f"M-{next(NUMBERS):05d}"
    decisions: list[dict[str, Any]] = []
    engine.on_decision = decisions.append
    engine.add(
        "invoices",
        {
            "id": 900_000 + int(number[2:]),
            "invoiceNumber": number,
            "invoiceDateTime": "2026-09-01T00:00:00Z",
            "invoiceTotal": str(total),
            "company": {"id": 5, "companyName": "Property Testing Ltd"},
            "lines": items,
        },
    )
    assert engine.flush()
    (decision,) = [d for d in decisions if d["kind"] == "invoice"]
    assert decision["action"] == "create", decision
    reader = XeroClient(config, clock=TIME.clock, sleep=TIME.sleep)
    got = reader.get(tenant_id, "Invoices", {"InvoiceNumbers": number, "page": 1})["Invoices"]
    assert [i["Total"] for i in got] == [total.quantize(D("0.01"), ROUND_HALF_UP)]
    tax = sum((D(x["taxDollars"]) for x in items), D(0))
    assert [i["TotalTax"] for i in got] == [tax.quantize(D("0.01"), ROUND_HALF_UP)]
    rounding = Decimal(str(decision.get("rounding", 0)))
    assert abs(rounding) <= D("0.01") + D("0.012") * len(items)
