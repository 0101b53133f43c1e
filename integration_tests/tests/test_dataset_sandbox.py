"""Datasets through the real command line: `sandbox export` round trip and what `sandbox up` loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sandbox.dataset import dumps, load_dataset
from sandbox.launcher import RunningSandbox


def _sandbox(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sandbox", *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_export_loads_back_identically(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    done = _sandbox("export", "--dataset", "demo", "--seed", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr
    generated = load_dataset("demo", seed=1)
    loaded = load_dataset(str(out))
    assert loaded == generated
    assert dumps(loaded) == dumps(generated)
    again = tmp_path / "again.json"
    done = _sandbox("export", "--dataset", str(out), "--out", str(again))
    assert done.returncode == 0, done.stderr
    assert again.read_bytes() == out.read_bytes()


def test_sandbox_rejects_a_bad_dataset_spec_clearly(tmp_path: Path) -> None:
    done = _sandbox("export", "--dataset", "bench:lots", "--out", str(tmp_path / "x.json"))
    assert done.returncode == 2 and "bench:N" in done.stderr
    broken = tmp_path / "broken.json"
    broken.write_text(
        '{"autotask": {"Invoices": [{"id": 1, "invoiceTotal": "n/a"}]}, "xero": {}}', encoding="utf-8"
    )
    done = _sandbox("up", "--dataset", str(broken))
    assert done.returncode == 2 and "invoiceTotal" in done.stderr and not done.stdout


def test_ready_line_lists_the_three_demo_tenants(sandbox_process: RunningSandbox) -> None:
    tenants: list[dict[str, Any]] = sandbox_process.info["xero"]["tenants"]
    expected = {
        t["Organisation"]["Name"]: t["Organisation"]["OrganisationID"]
        for t in load_dataset("demo")["xero"].values()
    }
    assert {t["name"]: t["tenant_id"] for t in tenants} == expected
