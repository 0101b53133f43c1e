"""The reliability suite's scoreboard: every scenario reports a measured row, printed as one table at the end.

Why a fixture and not a separate runner: the scenarios are ordinary pytest tests, so CI runs them (profile
`ci`, a few minutes) with the rest of the suite, and `make reliability` runs the very same tests with
RELIABILITY_PROFILE=full (more seeds, more crash points, bigger datasets). A test records its row before it
asserts, so a missed target still shows its measured number in the table.

With RELIABILITY_RESULTS=1 (what `make reliability` sets) the rows are also merged, by area and scenario,
into `integration_tests/reliability/results.<profile>.json` and `.md`: one area can be rerun alone (say
after a fix) without losing the others' measured rows. A plain `make test` writes nothing.
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
    if os.environ.get("RELIABILITY_RESULTS") == "1":
        _merge_results(_BOARD)


def _merge_results(board: Scoreboard) -> None:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"results.{board.profile}.json"
    kept: dict[tuple[str, str], Row] = {}
    if path.exists():
        for raw in json.loads(path.read_text(encoding="utf-8")).get("rows", []):
            row = Row(**raw)
            kept[(row.area, row.scenario)] = row
    for row in board.rows:
        kept[(row.area, row.scenario)] = row
    merged = Scoreboard(profile=board.profile, rows=list(kept.values()))
    payload = {"profile": board.profile, "rows": [asdict(row) for row in merged.rows]}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    (RESULTS_DIR / f"results.{board.profile}.md").write_text(merged.markdown() + "\n", encoding="utf-8")
