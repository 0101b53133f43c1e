"""Test tiers, and the order in which xdist hands modules out (`-p sandbox_testkit.tiers`).

Two tiers. `slow` tests run something whole, end to end: a platform (Meltano, PyAirbyte, the demo, the
benchmark, the built wheels, a peer tap), a reliability scenario, or a module of connector processes
started through their console scripts: syncs piped from source to destination, or dozens of CLI runs,
each paying a Python start-up with an SDK imported. Every other test is a unit or contract test: the
sandbox's vendor rules over HTTP, a library or a connector's core in-process against the sandbox, a
standard suite, a few CLI calls. `make check` runs `-m "not slow"` (the quick loop, under three minutes on
two cores); `make test` runs everything, the gate CI runs. A test can still mark itself
`@pytest.mark.slow`; whole modules are listed here, so the split is seen, and changed, in one place. A new
module lands in the quick tier: when it starts connector processes for more than a few seconds, list it.

Why the order: `make test` runs with `pytest -n N --dist loadfile --no-loadscope-reorder`. A module goes
to one worker whole, because its tests share module-scoped fixtures (a sandbox, a Meltano project, a
reference sync) that are expensive or stateful; and modules are handed out in collection order. So the
long modules are moved to the front, heaviest first (the numbers below are seconds measured under
`make test` on the 2-core machine and only need to be roughly right), and the many short ones fill the
workers' gaps at the end instead of one long module starting last and running alone. Tests keep their
order inside a module.
"""

from __future__ import annotations

import contextlib
from pathlib import PurePath

import pytest

SLOW = pytest.mark.slow

# Modules of the slow tier, by path relative to the repository (a directory takes every module in it).
SLOW_PATHS = (
    # platforms and end-to-end runs
    "integration_tests/tests/reliability/",
    "integration_tests/tests/test_meltano.py",
    "integration_tests/tests/test_pyairbyte.py",
    "integration_tests/tests/test_demo.py",
    "integration_tests/tests/test_demo_starter.py",
    "integration_tests/tests/test_bench_smoke.py",
    "integration_tests/tests/test_bench_peer.py",
    "integration_tests/tests/test_packaging.py",
    "integration_tests/tests/test_tap_xero_reads.py",
    # connector processes: piped syncs, or many CLI runs (more than ~10 s a module on two cores)
    "source-autotask/tests/test_robust_inputs_cli.py",
    "source-autotask/tests/test_adapters_cli.py",
    "destination-xero/tests/test_adapter_airbyte.py",
    "destination-xero/tests/test_adapter_singer.py",
    "destination-xero/tests/test_adapter_limits.py",
    "destination-autotask-payments/tests/test_adapters_cli.py",
    "destination-autotask-payments/tests/test_mapping_file_tenants.py",
    "libs/xero-client/tests/test_auth_setup.py",
    "autotask-xero/tests/test_reconcile_calls.py",
    "autotask-xero/tests/test_resync_cli.py",
    "autotask-xero/tests/test_propose_cli.py",
)

# Rough serial seconds of the longest modules: dispatched first, longest first. Unlisted modules keep
# their collection order after these.
COST_SECONDS = {
    "integration_tests/tests/reliability/test_never_lose.py": 122,
    "integration_tests/tests/reliability/test_faults.py": 84,
    "integration_tests/tests/test_pyairbyte.py": 74,
    "autotask-xero/tests/test_reconcile_calls.py": 69,
    "integration_tests/tests/test_packaging.py": 60,
    "source-autotask/tests/test_robust_inputs_cli.py": 56,
    "integration_tests/tests/test_demo.py": 36,
    "integration_tests/tests/test_bench_smoke.py": 31,
    "source-autotask/tests/test_sandbox_streams.py": 31,
    "integration_tests/tests/reliability/test_tokens.py": 29,
    "integration_tests/tests/reliability/test_vendor_limits.py": 28,
    "integration_tests/tests/test_meltano.py": 27,
    "integration_tests/tests/reliability/test_crashes.py": 26,
    "integration_tests/tests/test_autotask_limits.py": 25,
    "integration_tests/tests/reliability/test_bad_input.py": 21,
    "integration_tests/tests/test_xero_limits.py": 17,
    "integration_tests/tests/reliability/test_money_pipeline.py": 15,
    "integration_tests/tests/reliability/test_tenant_isolation.py": 15,
    "source-autotask/tests/test_adapters_cli.py": 14,
    "destination-xero/tests/test_adapter_airbyte.py": 13,
}


def relative(item: pytest.Item) -> str:
    """The item's module path relative to the repository root, with forward slashes."""
    path = PurePath(item.path)
    with contextlib.suppress(ValueError):  # outside the repository: keep it absolute
        path = path.relative_to(item.config.rootpath)
    return path.as_posix()


def is_slow(module: str) -> bool:
    return any(module == p or (p.endswith("/") and module.startswith(p)) for p in SLOW_PATHS)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        module = relative(item)
        if is_slow(module):
            item.add_marker(SLOW)
        modules.setdefault(module, []).append(item)
    ranked = sorted(
        enumerate(modules), key=lambda pair: (-COST_SECONDS.get(pair[1], 0), pair[0])
    )  # stable: unlisted modules keep their order
    items[:] = [item for _, module in ranked for item in modules[module]]
