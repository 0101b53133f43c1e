"""One run at a time per Xero organisation, across real processes, surviving a kill -9 of the holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from destination_xero.config import load_config
from destination_xero.run_lock import RunLockBusy, run_lock

HOLDER = textwrap.dedent(
    """
    import sys
    from destination_xero.config import load_config
    from destination_xero.run_lock import run_lock
    config = load_config({
        "auth": {"type": "client_credentials", "client_id": "id", "client_secret": "secret-value"},
        "tenants": [{"tenant_id": sys.argv[2], "name": "UK Ltd"}],
        "run_lock": {"directory": sys.argv[1]},
    })
    with run_lock(config):
        print("held", flush=True)
        sys.stdin.read()
    """
)


def _config(directory: Path, *tenant_ids: str) -> object:
    return load_config(
        {
            "auth": {"type": "client_credentials", "client_id": "id", "client_secret": "secret-value"},
            "tenants": [
                {
                    "tenant_id": tid,
                    "name": f"Org {n}",
                    "route": {"default": n == 0} if n == 0 else {"currencies": ["X"]},
                }
                for n, tid in enumerate(tenant_ids)
            ],
            "run_lock": {"directory": str(directory), "wait_seconds": 0.5},
        }
    )


def _holder(directory: Path, tenant_id: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(directory), tenant_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_waits_then_stops_naming_the_organisation_and_the_holder(tmp_path):
    holder = _holder(tmp_path, "tenant-uk")
    try:
        config = _config(tmp_path, "tenant-au", "tenant-uk")
        started = time.monotonic()
        with pytest.raises(RunLockBusy) as caught, run_lock(config):
            pytest.fail("the lock was taken twice")
        assert time.monotonic() - started >= 0.5  # it waited before giving up
        message = str(caught.value)
        assert "Org 1" in message and f"pid {holder.pid}" in message
        assert "stopped without writing" in message
    finally:
        holder.communicate("")
    with run_lock(_config(tmp_path, "tenant-au", "tenant-uk")):
        pass  # free again once the first run ended


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    holder = _holder(tmp_path, "tenant-uk")
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=10)
    with run_lock(_config(tmp_path, "tenant-uk"), wait_seconds=5):
        pass


def test_different_organisations_do_not_wait_for_each_other(tmp_path):
    holder = _holder(tmp_path, "tenant-uk")
    try:
        with run_lock(_config(tmp_path, "tenant-us"), wait_seconds=0):
            pass
    finally:
        holder.communicate("")


def test_the_lock_can_be_turned_off(tmp_path):
    holder = _holder(tmp_path, "tenant-uk")
    try:
        config = load_config(
            {
                "auth": {"type": "client_credentials", "client_id": "id", "client_secret": "secret-value"},
                "tenants": [{"tenant_id": "tenant-uk", "name": "UK"}],
                "run_lock": {"directory": str(tmp_path), "enabled": False},
            }
        )
        with run_lock(config, wait_seconds=0):
            pass
    finally:
        holder.communicate("")
