"""Call efficiency: N invoices with L lines cost at most ceil(N/500) + ceil(L/500) + reference pages + 5."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession

from .conftest import sandbox_config
from .test_sandbox_streams import raw_all

N_INVOICES = 2000
DOCUMENT_ENTITIES = ("Invoices", "BillingItems")
OVERHEAD = ("zoneInformation", "ThresholdInformation", "entityInformation")


def _entity(path: str) -> str:
    parts = path.split("/v1.0/")[-1].split("/")
    if "entityInformation" in parts:
        return "entityInformation"
    return parts[0]


@pytest.fixture(scope="module")
def bench() -> Any:
    from sandbox.launcher import running_sandbox

    with running_sandbox(f"bench:{N_INVOICES}", seed=1, rate_limits="off") as sb:
        yield sb


def test_invoices_cost_pages_not_documents(bench: Any) -> None:
    sync = SyncSession(SourceConfig.from_mapping(sandbox_config(bench)))
    emitted = list(sync.read("invoices"))
    stats = bench.admin("autotask", "stats")
    by_entity: Counter[str] = Counter()
    for call in stats["calls"]:
        by_entity[_entity(call["path"])] += call["count"]
    total = stats["total"]

    invoices = raw_all(bench, "Invoices")
    lines = [line for line in raw_all(bench, "BillingItems") if line.get("invoiceID")]
    n, lcount = len(invoices), len(lines)
    assert n >= N_INVOICES
    assert len(emitted) == len([i for i in invoices if i.get("invoiceNumber")])
    assert sum(len(i["lines"]) for i in emitted) <= lcount

    reference_pages = sum(v for k, v in by_entity.items() if k not in DOCUMENT_ENTITIES + OVERHEAD)
    print(f"N={n} L={lcount} total={total} calls={dict(by_entity)}")
    budget = math.ceil(n / 500) + math.ceil(lcount / 500) + reference_pages + 5
    assert total <= budget, f"{total} calls > {budget}: {dict(by_entity)}"
    assert by_entity["Invoices"] == math.ceil(n / 500)
    assert by_entity["BillingItems"] <= math.ceil(lcount / 500) + 1
    # Reference data is read once, not per invoice: a handful of pages for the whole sync.
    assert reference_pages <= 25, dict(by_entity)
    assert sum(by_entity[k] for k in OVERHEAD) <= 5
