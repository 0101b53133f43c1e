"""The reliability suite's scoreboard: every scenario reports a measured row, printed as one table at the end.

Why a fixture and not a separate runner: the scenarios are ordinary pytest tests, so CI runs them (profile
`ci`, a few minutes) with the rest of the suite, and `make reliability` runs the very same tests with
RELIABILITY_PROFILE=full (more seeds, more crash points, bigger datasets). A test records its row before it
asserts, so a missed target still shows its measured number in the table.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

RESULTS_DIR = Path(__file__).resolve().parents[2] / "reliability"


@dataclass(frozen=True)
class Row:
    area: str
    scenario: str
    measured: str
    target: str
    met: bool


@dataclass
class Scoreboard:
    profile: str
    rows: list[Row] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return self.profile == "full"

    def pick(self, *, ci: Any, full: Any) -> Any:
        """The profile's value of a knob (seeds, crash points, dataset size)."""
        return full if self.full else ci

    def row(self, area: str, scenario: str, *, measured: str, target: str, met: bool) -> None:
        self.rows.append(Row(area, scenario, measured, target, bool(met)))

    def markdown(self) -> str:
        lines = ["| Area | Scenario | Measured | Target | Met |", "|---|---|---|---|---|"]
        for row in sorted(self.rows, key=lambda r: (r.area, r.scenario)):
            mark = "yes" if row.met else "**NO**"
            lines.append(f"| {row.area} | {row.scenario} | {row.measured} | {row.target} | {mark} |")
        return "\n".join(lines)


_BOARD = Scoreboard(profile=os.environ.get("RELIABILITY_PROFILE", "ci").strip().lower() or "ci")


@pytest.fixture(scope="session")
def reliability() -> Scoreboard:
    return _BOARD


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _BOARD.rows:
        return
    terminalreporter.section(f"reliability ({_BOARD.profile} profile)")
    terminalreporter.write_line(_BOARD.markdown())
    if _BOARD.full:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        payload = {"profile": _BOARD.profile, "rows": [asdict(row) for row in _BOARD.rows]}
        (RESULTS_DIR / "results.json").write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        (RESULTS_DIR / "results.md").write_text(_BOARD.markdown() + "\n", encoding="utf-8")
