"""One run at a time per Xero organisation: a second run waits for the first, then stops without writing.

Why: two overlapping runs (a schedule firing while the last run is still writing) both look up the same
documents, both find nothing and both create them: two live invoices per Autotask invoice under Xero
numbering, and "Invoice # must be unique" rejections under Autotask numbering. Serialising the writers is
the only fix that holds for every document type.

How: an exclusive `flock` on one file per organisation (named by a hash of its tenant id) in
`run_lock.directory` (default: the system's temporary directory), taken for every organisation of the
config, in a fixed order so two configs sharing organisations cannot deadlock. The kernel drops the lock
when the process ends, even on kill -9, so a crashed run never leaves a stale lock behind. The file holds
the holder's pid and start time, for the message the waiting run prints. A run that cannot get the lock
within `run_lock.wait_seconds` stops before it reads any record and passes on no state, so the next run
sends everything.

What this covers: Meltano (or cron, or a person) on one host. Under Airbyte the platform never runs two
jobs of one connection at once, so the lock is not needed there; two Airbyte *connections* writing the
same organisation from different workers are not serialised by a file and must not be set up.
Why not the `filelock` package: it is not installed by anything here, and this is one `flock` call; the
token store (tokens.py) already locks the same way.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pendulum

from .config import Config

POLL_SECONDS = 0.25


class RunLockBusy(RuntimeError):
    """Another run is writing to one of this config's organisations."""


def lock_directory(config: Config) -> Path:
    configured = config.run_lock.directory
    return (
        Path(configured).expanduser() if configured else Path(tempfile.gettempdir()) / "autotask-xero-locks"
    )


def _lock_path(directory: Path, tenant_id: str) -> Path:
    digest = hashlib.sha256(tenant_id.encode()).hexdigest()[:16]
    return directory / f"destination-xero-{digest}.lock"


def _try_lock(handle: IO[str]) -> bool:
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _holder(path: Path) -> str:
    with contextlib.suppress(OSError):
        text = path.read_text(encoding="utf-8").strip()
        if text:
            return f" ({text})"
    return ""


# Locks this process holds, by file: path -> (open file, holders). Re-entrant within one process, because
# flock is per open file: a second target built by the same process (singer-sdk's in-process tests make
# several, one after the other) would otherwise wait on its own process. Runs are processes; two runs in one
# process are serialised by whoever made them.
_HELD: dict[Path, tuple[IO[str], int]] = {}
_HELD_GUARD = threading.Lock()


@contextlib.contextmanager
def run_lock(config: Config, *, wait_seconds: float | None = None) -> Iterator[None]:
    """Hold every organisation's lock for the body; RunLockBusy when another run keeps one too long."""
    if not config.run_lock.enabled:
        yield
        return
    directory = lock_directory(config)
    directory.mkdir(parents=True, exist_ok=True)
    patience = config.run_lock.wait_seconds if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + patience
    with contextlib.ExitStack() as stack:
        for tenant in sorted(config.tenants, key=lambda t: t.tenant_id):
            path = _lock_path(directory, tenant.tenant_id)
            _acquire(path, deadline, f"{tenant.name!r}", patience, directory)
            stack.callback(_release, path)
        yield


def _acquire(path: Path, deadline: float, organisation: str, patience: float, directory: Path) -> None:
    with _HELD_GUARD:
        if path in _HELD:
            handle, holders = _HELD[path]
            _HELD[path] = (handle, holders + 1)
            return
    handle = path.open("a+", encoding="utf-8")
    while not _try_lock(handle):
        if time.monotonic() >= deadline:
            handle.close()
            raise RunLockBusy(
                f"another run is still writing to Xero organisation {organisation}{_holder(path)}; "
                f"waited {patience:g} s: this run stopped without writing anything and the next "
                "scheduled run sends everything. If no other run is going, check "
                f"`run_lock.directory` ({directory})."
            )
        time.sleep(POLL_SECONDS)
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}, started {pendulum.now('UTC').to_iso8601_string()}\n")
    handle.flush()
    with _HELD_GUARD:
        _HELD[path] = (handle, 1)


def _release(path: Path) -> None:
    with _HELD_GUARD:
        handle, holders = _HELD[path]
        if holders > 1:
            _HELD[path] = (handle, holders - 1)
            return
        del _HELD[path]
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    handle.close()
