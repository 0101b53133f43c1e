"""The reliability suite's scoreboard, as a plugin (`-p sandbox_testkit.scoreboard`), so it survives xdist.

Every reliability scenario records a measured row before it asserts (reliability/conftest.py says why);
the table is printed once at the end of the run. Why a plugin rather than the reliability conftest's own
hooks: under `pytest -n N` the rows are recorded in worker processes while the table is printed by the
controller, which never collects the tests and so never loads that conftest. Each worker hands its rows
over in `workeroutput` when it finishes; the controller (or a plain, single-process run) prints them and,
with RELIABILITY_RESULTS=1 (what `make reliability` sets), merges them by area and scenario into
`integration_tests/reliability/results.<profile>.json` and `.md`, so only one process ever writes those.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

RESULTS_DIR = Path(__file__).resolve().parents[2] / "reliability"
_WORKER_KEY = "reliability_rows"


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


BOARD = Scoreboard(profile=os.environ.get("RELIABILITY_PROFILE", "ci").strip().lower() or "ci")


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workeroutput")


@pytest.hookimpl(trylast=True)  # after secret_scan's sessionfinish has added its row
def pytest_sessionfinish(session: pytest.Session) -> None:
    if _is_worker(session.config):
        output: dict[str, Any] = session.config.workeroutput  # type: ignore[attr-defined]
        output[_WORKER_KEY] = [asdict(row) for row in BOARD.rows]


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """xdist's controller: a worker finished; keep the rows it measured."""
    for raw in (getattr(node, "workeroutput", None) or {}).get(_WORKER_KEY, []):
        BOARD.rows.append(Row(**raw))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if _is_worker(config) or not BOARD.rows:
        return
    terminalreporter.section(f"reliability ({BOARD.profile} profile)")
    terminalreporter.write_line(BOARD.markdown())
    if os.environ.get("RELIABILITY_RESULTS") == "1":
        merge_results(BOARD)


def merge_results(board: Scoreboard, results_dir: Path = RESULTS_DIR) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"results.{board.profile}.json"
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
    (results_dir / f"results.{board.profile}.md").write_text(merged.markdown() + "\n", encoding="utf-8")
