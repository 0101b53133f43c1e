"""Issue 7, row "Vendor limits": the vendors' quotas, spent partly by somebody else, against real syncs.

The sandbox runs both vendors' limits 30 times faster (`scaled:30`: Autotask's hour is 120 s, Xero's
minute 2 s and its day 48 min) with the call counts exactly as the vendors state them, and its clock is
the lever for "the next day". Another client is plain HTTP with the same credentials (another
integration on the same Autotask database; another process of the same Xero app).
Targets: the Xero daily limit reached mid-sync stops cleanly (message, state withheld, nothing duplicated)
and the next run after the day rolls over finishes exactly the expected documents; the Autotask hourly
threshold is never exceeded by our calls even with another client using 6,000 of it; the 3-thread limit
is never hit.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from reliability.helpers_limits import (
    Piped,
    ThresholdWatch,
    advance,
    auditor_store,
    calls,
    count,
    finished,
    forward,
    last_states,
    leaked,
    payments,
    spend_autotask,
    spend_xero_day,
)
from reliability.helpers_sync import (
    DemoConfigs,
    XeroDoc,
    compare,
    duplicate_keys,
    write_configs,
    xero_documents,
)
from sandbox.launcher import RunningSandbox, running_sandbox

AREA = "Vendor limits"
SCALE = 30
XERO_MINUTE = 60 / SCALE
XERO_DAY = 86400 / SCALE
THRESHOLD = 10_000
OTHER_CLIENT = 6_000


@pytest.fixture(scope="module")
def limited() -> Iterator[RunningSandbox]:
    with running_sandbox("demo", seed=1, rate_limits=f"scaled:{SCALE}") as running:
        yield running


def _share(configs: DemoConfigs, share: float) -> None:
    """The share of the Autotask threshold both of our Autotask clients may use."""
    for path, nested in ((configs.source, False), (configs.payments_destination, True)):
        data = json.loads(path.read_text(encoding="utf-8"))
        (data["autotask"] if nested else data)["threshold_share"] = share
        path.write_text(json.dumps(data), encoding="utf-8")


@pytest.fixture(scope="module")
def busy_database(
    limited: RunningSandbox, tmp_path_factory: pytest.TempPathFactory, reliability: Any
) -> dict[str, Any]:
    """Another integration spends 6,000 of the hourly 10,000, then the forward and payments syncs run at
    the same time (two of our Autotask clients, one integration code) while the count is watched. What
    this run leaves in Xero is the expected end state of the daily-limit scenario."""
    running = limited
    running.reset()
    workdir = tmp_path_factory.mktemp("limits-busy")
    configs = write_configs(running, workdir)
    share = reliability.pick(ci=0.7, full=0.5)
    _share(configs, share)
    spent = spend_autotask(running, OTHER_CLIENT)
    before = calls(running, "autotask")
    results: dict[str, Piped] = {}
    jobs = [
        threading.Thread(target=lambda: results.__setitem__("forward", forward(configs))),
        threading.Thread(target=lambda: results.__setitem__("payments", payments(configs))),
    ]
    watch = ThresholdWatch(running)
    with watch.watching():
        for job in jobs:
            job.start()
        for job in jobs:
            job.join()
    after = calls(running, "autotask")
    stats = running.admin("autotask", "stats")
    expected = xero_documents(running, auditor_store(running, workdir))
    return {
        "share": share,
        "spent": spent,
        "results": results,
        "watch": watch,
        "ours": sum(after.values()) - sum(before.values()) - watch.polls,
        "after": after,
        "throttled": int(stats["throttled"]),
        "expected": expected,
    }


def test_autotask_threshold_with_another_client(busy_database: dict[str, Any], reliability: Any) -> None:
    results: dict[str, Piped] = busy_database["results"]
    after = busy_database["after"]
    refused = count(after, status=429)
    highest = busy_database["watch"].highest
    share = busy_database["share"]
    ok = all(finished(r) for r in results.values()) and not refused and highest <= THRESHOLD
    reliability.row(
        AREA,
        "Autotask hourly threshold, another client using 6,000",
        measured=(
            f"other client {busy_database['spent']:,} + our {busy_database['ours']} calls: peak "
            f"{highest:,}/{THRESHOLD:,} (our share {share:.0%}), {refused} threshold 429s, "
            f"{sum(finished(r) for r in results.values())}/2 syncs finished"
        ),
        target="peak <= 10,000, no 429, syncs finish",
        met=ok,
    )
    for name, run in results.items():
        assert finished(run), (name, run.trace_errors, run.destination_stderr[-2000:])
    assert refused == 0
    assert highest <= THRESHOLD


def test_autotask_thread_limit_never_hit(busy_database: dict[str, Any], reliability: Any) -> None:
    after = busy_database["after"]
    thread_refusals = count(after, status=500)  # the sandbox answers Itgenatr005 with HTTP 500
    throttled = busy_database["throttled"]
    reliability.row(
        AREA,
        "Autotask 3-thread limit",
        measured=(
            f"{busy_database['ours']} calls from 2 concurrent connectors + 3 threads of another client: "
            f"{thread_refusals} Itgenatr005, {throttled} throttled in all"
        ),
        target="0 Itgenatr005",
        met=thread_refusals == 0 and throttled == 0,
    )
    assert thread_refusals == 0
    assert throttled == 0


def test_xero_daily_limit_mid_sync(
    limited: RunningSandbox, busy_database: dict[str, Any], tmp_path: Path, reliability: Any
) -> None:
    """One organisation has `leave` calls left today when the sync starts: that organisation stops, the
    others finish, no state is passed on past the stop; a day later the next run, from the last state
    passed on, finishes: Xero then holds exactly what an unhindered sync leaves."""
    running = limited
    running.reset()
    configs = write_configs(running, tmp_path)
    auditor = auditor_store(running, tmp_path / "auditor")
    names = {str(t["tenant_id"]): str(t["name"]) for t in running.xero["tenants"]}
    uk_id = next(tid for tid, name in names.items() if name == "Northwind MSP Ltd")
    leave = reliability.pick(ci=10, full=10)
    left = spend_xero_day(running, auditor, uk_id, leave, XERO_MINUTE)
    first = forward(configs)
    deferred = [d for d in first.decisions if d.get("action") == "deferred"]
    created_first = [d for d in first.decisions if d.get("action") in ("create", "update")]
    summary = first.summary or {}
    stopped = [name for name, s in summary.items() if isinstance(s, dict) and s.get("stopped")]
    state_file = tmp_path / "state.json"
    state_file.write_text(json.dumps(last_states(first), default=str), encoding="utf-8")
    advance(running, XERO_DAY + 60)
    second = forward(configs, state=state_file)
    created_second = [d for d in second.decisions if d.get("action") in ("create", "update")]
    docs: list[XeroDoc] = xero_documents(running, auditor)
    result = compare(busy_database["expected"], docs)
    dups = duplicate_keys(docs)
    message = " ".join(first.trace_errors)
    clean_stop = (
        first.destination_code != 0
        and "daily call limit" in message
        and stopped == ["Northwind MSP Ltd"]
        and bool(deferred)
        and not leaked(first.visible(), running.secrets())
    )
    ok = clean_stop and finished(second) and result.clean and not dups
    reliability.row(
        AREA,
        "Xero daily limit reached mid-sync",
        measured=(
            f"UK org with {left} calls left: run 1 wrote {len(created_first)}, deferred {len(deferred)}, "
            f"exit {first.destination_code}; next day run 2 wrote {len(created_second)}; "
            f"{result.describe()}, {len(dups)} dup"
        ),
        target="clean stop, next run finishes, exactly the expected documents",
        met=ok,
    )
    assert first.destination_code != 0 and "daily call limit" in message, message
    assert stopped == ["Northwind MSP Ltd"], stopped
    assert deferred, "documents of the stopped organisation are deferred, not rejected"
    assert not leaked(first.visible(), running.secrets())
    assert finished(second), (second.trace_errors, second.source_stderr[-2000:])
    assert not dups, dups[:5]
    assert result.clean, result.describe()
