"""The reliability suite's scoreboard: every scenario reports a measured row, printed as one table at the end.

Why a fixture and not a separate runner: the scenarios are ordinary pytest tests, so CI runs them (profile
`ci`, a few minutes) with the rest of the suite, and `make reliability` runs the very same tests with
RELIABILITY_PROFILE=full (more seeds, more crash points, bigger datasets). A test records its row before it
asserts, so a missed target still shows its measured number in the table.

The board itself, the table and the results files live in the `sandbox_testkit.scoreboard` plugin, which
also collects the rows from xdist workers: with RELIABILITY_RESULTS=1 (what `make reliability` sets) the
rows are merged, by area and scenario, into `integration_tests/reliability/results.<profile>.json` and
`.md`, so one area can be rerun alone (say after a fix) without losing the others' measured rows. A plain
`make test` writes nothing.
"""

from __future__ import annotations

import pytest
from sandbox_testkit.scoreboard import BOARD, Scoreboard


@pytest.fixture(scope="session")
def reliability() -> Scoreboard:
    return BOARD
