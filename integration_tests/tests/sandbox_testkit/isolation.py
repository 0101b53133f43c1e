"""A temporary directory of its own for each pytest process (`-p sandbox_testkit.isolation`).

Why: the connectors keep host-wide state in the system's temporary directory. destination-xero's run lock
is one file per Xero organisation under `$TMPDIR/autotask-xero-locks`, and every sandbox names its
organisations with the same tenant ids (uuid5 of their names), so two xdist workers, or two checkouts
testing on one machine, would queue behind each other's locks (and a test that shortens
`run_lock.wait_seconds` would fail). Pointing TMPDIR at a directory per process, before any test runs,
makes every connector, sandbox and helper the process starts as independent of the other workers as if
each had a machine of its own; nothing in a test has to remember it.

pytest's own base temporary directory (tmp_path, tmp_path_factory) is fixed first, so it stays where
pytest keeps and prunes it; the per-process directory is removed when the process ends.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_OWN = pytest.StashKey[tuple[Path, str | None]]()
_SYSTEM_TMPDIR = "AUTOTASK_XERO_SYSTEM_TMPDIR"  # the temporary directory before any of ours


@pytest.hookimpl(trylast=True)  # after pytest's tmpdir plugin has made its factory
def pytest_configure(config: pytest.Config) -> None:
    factory = getattr(config, "_tmp_path_factory", None)
    if factory is not None:
        factory.getbasetemp()  # decided under the real temporary directory, before TMPDIR moves
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    # Beside, not inside, the controller's own directory (its TMPDIR is what a worker inherits), and short:
    # a Unix socket path (Chromium's, for one) must fit in 107 bytes.
    parent = os.environ.setdefault(_SYSTEM_TMPDIR, tempfile.gettempdir())
    own = Path(tempfile.mkdtemp(prefix=f"atx-{worker}-", dir=parent))
    config.stash[_OWN] = (own, os.environ.get("TMPDIR"))
    os.environ["TMPDIR"] = str(own)
    tempfile.tempdir = None  # this process's own tempfile calls follow too


def pytest_unconfigure(config: pytest.Config) -> None:
    own, previous = config.stash.get(_OWN, (None, None))
    if own is None:
        return
    if previous is None:
        os.environ.pop("TMPDIR", None)
    else:
        os.environ["TMPDIR"] = previous
    tempfile.tempdir = None
    shutil.rmtree(own, ignore_errors=True)
