"""Test tiers, and the order in which xdist hands modules out (`-p sandbox_testkit.tiers`).

Two tiers. `platform` tests run something whole, end to end: Meltano, PyAirbyte, the demo, the benchmark,
the built wheels, a peer tap, or a reliability scenario (a sync through both connectors' CLIs, often
several). Every other test is a unit or contract test: the sandbox's vendor rules over HTTP, one
connector's core, its CLI, its standard suite. `make check` runs `-m "not platform"` (the quick loop, a
few minutes); `make test` runs everything, the gate CI runs. Why a table here and not a mark in each
module: the split is then visible, and changed, in one place, and a new module lands in the quick tier
until someone decides it is a platform run.

Why the order: `make test` runs with `pytest -n N --dist loadfile --no-loadscope-reorder`. A module goes
to one worker whole, because its tests share module-scoped fixtures (a sandbox, a Meltano project, a
reference sync) that are expensive or stateful; and modules are handed out in collection order. So the
long modules are moved to the front, heaviest first (measured on the 2-core machine, the numbers below are
serial seconds and only need to be roughly right), and the many short ones fill the workers' gaps at the
end instead of one long module starting last and running alone. Tests keep their order inside a module.
"""

from __future__ import annotations

import contextlib
from pathlib import PurePath

import pytest

PLATFORM = pytest.mark.platform

# Modules of the platform tier, by path relative to the repository (a directory takes every module in it).
PLATFORM_PATHS = (
    "integration_tests/tests/reliability/",
    "integration_tests/tests/test_meltano.py",
    "integration_tests/tests/test_pyairbyte.py",
    "integration_tests/tests/test_demo.py",
    "integration_tests/tests/test_demo_starter.py",
    "integration_tests/tests/test_bench_smoke.py",
    "integration_tests/tests/test_bench_peer.py",
    "integration_tests/tests/test_packaging.py",
    "integration_tests/tests/test_tap_xero_reads.py",
)

# Rough serial seconds of the longest modules: dispatched first, longest first. Unlisted modules keep
# their collection order after these.
COST_SECONDS = {
    "integration_tests/tests/reliability/test_never_lose.py": 180,
    "integration_tests/tests/test_pyairbyte.py": 150,
    "integration_tests/tests/test_meltano.py": 150,
    "integration_tests/tests/test_demo.py": 140,
    "integration_tests/tests/reliability/test_crashes.py": 110,
    "integration_tests/tests/test_packaging.py": 100,
    "integration_tests/tests/reliability/test_faults.py": 80,
    "integration_tests/tests/reliability/test_bad_input.py": 80,
    "integration_tests/tests/test_demo_starter.py": 60,
    "integration_tests/tests/test_bench_peer.py": 40,
    "integration_tests/tests/reliability/test_vendor_limits.py": 36,
    "integration_tests/tests/reliability/test_tokens.py": 30,
    "integration_tests/tests/reliability/test_money_pipeline.py": 28,
    "integration_tests/tests/reliability/test_tenant_isolation.py": 28,
    "source-autotask/tests/test_sandbox_streams.py": 30,
    "integration_tests/tests/test_autotask_limits.py": 25,
    "integration_tests/tests/test_bench_smoke.py": 20,
    "source-autotask/tests/test_robust_inputs_cli.py": 20,
    "source-autotask/tests/test_adapters_cli.py": 20,
}


def relative(item: pytest.Item) -> str:
    """The item's module path relative to the repository root, with forward slashes."""
    path = PurePath(item.path)
    with contextlib.suppress(ValueError):  # outside the repository: keep it absolute
        path = path.relative_to(item.config.rootpath)
    return path.as_posix()


def is_platform(module: str) -> bool:
    return any(module == p or (p.endswith("/") and module.startswith(p)) for p in PLATFORM_PATHS)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "platform: an end-to-end platform run (Meltano, PyAirbyte, demo, bench, wheels, reliability); "
        "`make check` leaves these out (sandbox_testkit/tiers.py)",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    modules: dict[str, list[pytest.Item]] = {}
    for item in items:
        module = relative(item)
        if is_platform(module):
            item.add_marker(PLATFORM)
        modules.setdefault(module, []).append(item)
    ranked = sorted(
        enumerate(modules), key=lambda pair: (-COST_SECONDS.get(pair[1], 0), pair[0])
    )  # stable: unlisted modules keep their order
    items[:] = [item for _, module in ranked for item in modules[module]]
