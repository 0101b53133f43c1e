"""The benchmark's process measurement (`bench/measure.py`, `bench/exec_probe.py`): every figure is the
measured program's own. Real processes, a second or two in all.

The self-test the issue asks for: a `true` spawned from a process holding hundreds of MB reports a few MB
through the probe, while the same `true` reaped directly reports the parent's memory (the flaw the probe
removes: Linux records the replaced address space's high-water mark at exec).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench import measure

BALLAST_MB = 300


@pytest.fixture
def ballast() -> Iterator[bytearray]:
    """This process grows by BALLAST_MB of touched pages (its high-water mark stays there)."""
    block = bytearray(BALLAST_MB * 2**20)
    block[::4096] = b"\x01" * len(block[::4096])
    yield block
    del block


def test_true_through_the_probe_reports_a_few_mb_whatever_the_parent_holds(
    ballast: bytearray, tmp_path: Path
) -> None:
    process = subprocess.Popen(["true"])
    _, _, usage = os.wait4(process.pid, 0)
    assert usage.ru_maxrss / 1024 > BALLAST_MB * 0.8, "the naive figure should carry the parent's pages"
    for command in (["true"], [sys.executable, "-c", "pass"]):
        result = measure.reap(measure.spawn(command, tmp_path), "probe")
        assert result.exit_code == 0
        assert 1 < result.peak_rss_mb < 50, (command, result.peak_rss_mb)


def test_the_probe_counts_what_the_program_itself_allocates(tmp_path: Path) -> None:
    code = "b = bytearray(120 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    result = measure.reap(measure.spawn([sys.executable, "-c", code], tmp_path), "allocates")
    assert result.exit_code == 0
    assert 120 <= result.peak_rss_mb < 200
    assert result.cpu_seconds > 0
    assert not list(tmp_path.glob("probe-*")), "the report file is removed once read"


def test_exit_codes_and_signals_are_the_programs(tmp_path: Path) -> None:
    assert measure.reap(measure.spawn(["sh", "-c", "exit 3"], tmp_path), "x").exit_code == 3
    assert measure.reap(measure.spawn(["sh", "-c", "kill -9 $$"], tmp_path), "x").exit_code == -9
    assert measure.reap(measure.spawn(["/no/such/program"], tmp_path), "x").exit_code == 127


def test_only_the_program_holds_its_pipes(tmp_path: Path) -> None:
    """The probe closes its own copies of stdin/stdout/stderr: output ends when the program exits, and
    input reaches the program."""
    source = tmp_path / "in.txt"
    source.write_bytes(b'{"type": "RECORD", "n": 1}\nplain\n')
    with source.open("rb") as stdin:
        run = measure.run_alone(["cat"], tmp_path, keep=5, stdin=stdin)
    assert run.result.exit_code == 0
    assert run.lines == 2 and run.kept == [b'{"type": "RECORD", "n": 1}\n', b"plain\n"]
    assert run.first_record_seconds is not None and run.first_record_seconds < run.result.wall_seconds


def test_a_run_past_its_timeout_is_killed_with_its_program(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()  # never written: `cat` would wait forever
    try:
        run = measure.run_alone(["cat"], tmp_path, timeout=0.5, stdin=read_end)
    finally:
        os.close(read_end)
        os.close(write_end)
    assert run.result.exit_code == -9
    assert run.result.wall_seconds < 30


def test_stop_ends_a_run_early(tmp_path: Path) -> None:
    run = measure.run_alone(["yes", "line"], tmp_path, keep=3, stop=lambda raw: True)
    assert run.lines == 1 and run.kept == [b"line\n"]
    assert run.result.exit_code == -9


def test_pipe_measures_both_ends_and_reads_the_summary_from_either_protocol(tmp_path: Path) -> None:
    airbyte = (
        '{"type": "STATE", "state": {"type": "STREAM"}}\n'
        '{"type": "LOG", "log": {"level": "INFO", "message": "summary {\\"Org\\": {\\"calls\\": 3}}"}}\n'
    )
    (tmp_path / "airbyte.jsonl").write_text(airbyte, encoding="utf-8")
    run = measure.run_pipe(["cat", str(tmp_path / "airbyte.jsonl")], ["cat"], tmp_path)
    assert run.source.exit_code == 0 and run.destination.exit_code == 0
    assert run.summary == {"Org": {"calls": 3}} and run.states == [{"type": "STREAM"}]
    assert 0 < run.source.peak_rss_mb < 50 and 0 < run.destination.peak_rss_mb < 50
    singer = 'time=2026-01-01 level=INFO message=summary {"Org": {"calls": 4}}\n'
    (tmp_path / "singer.log").write_text(singer, encoding="utf-8")
    run = measure.run_pipe(["true"], ["sh", "-c", f"cat; cat {tmp_path / 'singer.log'} >&2"], tmp_path)
    assert run.summary == {"Org": {"calls": 4}}


def test_summary_in_tolerates_text_around_the_json() -> None:
    assert measure.summary_in('summary {"a": 1}') == {"a": 1}
    assert measure.summary_in('INFO target-xero | summary {"a": {"b": 2}} (end)') == {"a": {"b": 2}}
    assert measure.summary_in("no summary here") is None
    assert measure.summary_in("summary {broken") is None
