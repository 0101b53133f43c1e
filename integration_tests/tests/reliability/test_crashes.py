"""Crashes: SIGKILL the destination, the source, or the whole Meltano run mid-sync, resume from the platform's
last state, and Xero must hold exactly what a clean sync leaves there: 0 duplicates, 0 missing.

Why a clean reference sync on the same dataset, not a recomputation of the routing rules: the expected
documents then include every rule of the mapping (splits, rejections, credit notes, skipped voids) without
a second implementation of them that could share a bug with the first; the reference itself must hold no
duplicate. Why chains (kill, resume from the saved state, kill again…) rather than one kill per fresh
sync: it is what a flaky host does to a connection, each resume starts from a half-written Xero left by
the previous kill, and N points cost N+1 attempts instead of 2N. Kill points are seeded (SEED) so a
failing point replays; the triggers are explained in helpers_crash.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from demo import meltano_env
from reliability.helpers_crash import AirbytePlatform, Attempt, Kill, MeltanoJob, leaked, xero_writes
from reliability.helpers_sync import XeroDoc, compare, duplicate_keys, xero_documents
from sandbox.launcher import RunningSandbox, running_sandbox

AREA = "Crashes"
TARGET = "Xero = clean sync: 0 dup, 0 missing, totals equal"
SEED = 20261101
# full: ~63 attempts on bench:2000; a hung attempt is stopped sooner, by its own 900 s cap
pytestmark = pytest.mark.timeout(3 * 3600)


@dataclass
class Reference:
    documents: list[XeroDoc]
    writes: int  # Xero write calls of the clean sync
    invoices: int  # invoices records the source emits in a full read


@pytest.fixture(scope="module")
def crash_sandbox(reliability: Any) -> Iterator[RunningSandbox]:
    dataset = reliability.pick(ci="bench:200", full="bench:2000")
    with running_sandbox(dataset, seed=1, rate_limits="off") as running:
        yield running


@pytest.fixture(scope="module")
def reference(crash_sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    crash_sandbox.reset()
    platform = AirbytePlatform(crash_sandbox, tmp_path_factory.mktemp("crash-reference"))
    attempt = platform.attempt()
    assert attempt.completed, attempt.trace_errors or attempt.output[-20:]
    writes = xero_writes(crash_sandbox.admin("xero", "stats"))
    documents = xero_documents(crash_sandbox, platform.token_store)
    assert not duplicate_keys(documents), "the clean reference sync itself holds duplicates"
    assert writes >= 4 and attempt.records["invoices"] >= 100, (writes, attempt.records)
    return Reference(documents, writes, attempt.records["invoices"])


def _chain(platform: AirbytePlatform, kills: list[Kill], sandbox: RunningSandbox) -> list[Attempt]:
    """Kill at each point in turn (each attempt resuming from the state the previous one left), then
    rerun until an attempt completes."""
    attempts: list[Attempt] = []
    for kill in kills:
        if kill.target == "destination":  # at least one write of this attempt before it dies
            kill = Kill(kill.target, max(kill.value, xero_writes(sandbox.admin("xero", "stats")) + 1))
        attempts.append(platform.attempt(kill))
        if attempts[-1].killed is None:
            break  # finished before the point: nothing was left to crash
    if not attempts or not attempts[-1].completed:
        attempts.extend(platform.finish())
    return attempts


def _span(points: list[int]) -> str:
    return f"{min(points)}-{max(points)}" if len(points) > 1 else str(points[0])


def _score(
    reliability: Any,
    scenario: str,
    reference: Reference,
    landed: list[XeroDoc],
    kills: int,
    planned: int,
    where: str,
    leaks: list[str],
) -> None:
    result = compare(reference.documents, landed)
    measured = (
        f"{kills}/{planned} kills {where}: {result.landed}/{result.expected} docs exact, "
        f"{len(result.duplicates)} dup, {len(result.lost)} missing"
        + (f", {len(result.unexpected) + len(result.mismatched)} differ" if not result.clean else "")
        + (f", leaked {leaks}" if leaks else "")
    )
    reliability.row(AREA, scenario, measured=measured, target=TARGET, met=result.clean and kills == planned)
    assert not leaks, f"secrets in connector output: {leaks}"
    assert result.clean, result.describe()
    assert kills == planned, f"only {kills} of {planned} kill points were reached"


def test_destination_killed_mid_batch_post(
    crash_sandbox: RunningSandbox, reference: Reference, reliability: Any, tmp_path: Path
) -> None:
    crash_sandbox.reset()
    platform = AirbytePlatform(crash_sandbox, tmp_path / "destination-kills")
    rng = random.Random(SEED)
    wanted = reliability.pick(ci=3, full=20)
    points = sorted(rng.sample(range(1, reference.writes), min(wanted, reference.writes - 1)))
    attempts = _chain(platform, [Kill("destination", w) for w in points], crash_sandbox)
    assert attempts[-1].completed, attempts[-1].trace_errors
    killed = [a for a in attempts if a.killed == "destination"]
    landed = xero_documents(crash_sandbox, platform.token_store)
    outputs = [line for a in attempts for line in a.output]
    where = f"at write calls {_span(points)} of {reference.writes}, {len(attempts)} attempts"
    _score(
        reliability,
        f"destination kill -9, Airbyte pipe, {len(points)} points",
        reference,
        landed,
        len(killed),
        len(points),
        where,
        leaked(outputs, platform.secrets()),
    )


def test_control_a_platform_saving_the_sources_state_loses_documents(
    crash_sandbox: RunningSandbox, reference: Reference, tmp_path: Path
) -> None:
    """The check has teeth: the same kill, with a platform that persists states as the source emits them
    (before the destination committed the records before them), must show lost documents."""
    crash_sandbox.reset()
    platform = AirbytePlatform(crash_sandbox, tmp_path / "control", persist="source")
    first = platform.attempt(Kill("destination", reference.writes // 2))
    assert first.killed == "destination"
    assert "invoices" in platform.states, "the invoices state should have been saved before the kill"
    attempts = [first, *platform.finish()]
    assert attempts[-1].completed, attempts[-1].trace_errors
    result = compare(reference.documents, xero_documents(crash_sandbox, platform.token_store))
    assert result.lost, "a state saved ahead of its writes must lose documents, or the rows prove nothing"


def test_source_killed_mid_stream(
    crash_sandbox: RunningSandbox, reference: Reference, reliability: Any, tmp_path: Path
) -> None:
    crash_sandbox.reset()
    platform = AirbytePlatform(crash_sandbox, tmp_path / "source-kills")
    rng = random.Random(SEED + 1)
    points = [rng.randint(1, reference.invoices) for _ in range(reliability.pick(ci=2, full=20))]
    attempts = _chain(platform, [Kill("source", k) for k in points], crash_sandbox)
    assert attempts[-1].completed, attempts[-1].trace_errors
    killed = [a for a in attempts if a.killed == "source"]
    landed = xero_documents(crash_sandbox, platform.token_store)
    outputs = [line for a in attempts for line in a.output]
    where = f"after invoice record {_span(sorted(points))} of {reference.invoices}, {len(attempts)} attempts"
    _score(
        reliability,
        f"source kill -9, Airbyte pipe, {len(points)} points",
        reference,
        landed,
        len(killed),
        len(points),
        where,
        leaked(outputs, platform.secrets()),
    )


def test_meltano_run_killed(
    crash_sandbox: RunningSandbox, reference: Reference, reliability: Any, tmp_path: Path
) -> None:
    crash_sandbox.reset()
    with contextlib.ExitStack() as stack:
        # No skip when Meltano cannot be installed: CI has PyPI, and a skipped crash test proves nothing.
        exe, base = stack.enter_context(meltano_env.meltano_project(tmp_path / "meltano"))
        env = {**base, **meltano_env.sandbox_settings(crash_sandbox.info, tmp_path / "meltano-work")}
        job = MeltanoJob(crash_sandbox, exe, env, meltano_env.REPO_ROOT)
        rng = random.Random(SEED + 2)
        # target-xero drives the same engine as the Airbyte destination, so its write calls follow the
        # reference's; drawing below that count keeps every point reachable.
        span = range(1, max(2, reference.writes - 1))
        points = sorted(rng.sample(span, min(reliability.pick(ci=1, full=20), len(span))))
        attempts = []
        for w in points:
            target = max(w, xero_writes(crash_sandbox.admin("xero", "stats")) + 1)
            attempts.append(job.attempt(kill_at_writes=target))
            survivors = attempts[-1].survivors
            assert not survivors, f"processes outlived kill -9 of their group: {survivors}"
            if not attempts[-1].killed:
                break
        for _ in range(3):
            if attempts and attempts[-1].completed:
                break
            attempts.append(job.attempt())
        assert attempts[-1].completed, attempts[-1].output[-4000:]
        resumed = sum("Reading state from" in a.output for a in attempts[1:])
        landed = xero_documents(crash_sandbox, job.token_store)
        _score(
            reliability,
            f"Meltano run killed (process group), {len(points)} points",
            reference,
            landed,
            sum(a.killed for a in attempts),
            len(points),
            f"at write calls {_span(points)}, {len(attempts)} runs, {resumed} resumed from Meltano state",
            leaked([a.output for a in attempts], job.secrets()),
        )
