"""Where rotated refresh tokens live, so the next run (a new process) can still authenticate.

Xero rotates the refresh token on every refresh and the old one dies 30 minutes later: a token that is not
persisted before the new access token is used is a connection that silently drops at the next run. Hence
the rule: `save()` returns only once the token is durable, and the client uses the access token only after
that. Stores:
- `FileTokenStore`: Singer/Meltano (Meltano rewrites its config files per run, so the config cannot be the
  store); atomic write (temp file + fsync + rename), mode 0600, and an exclusive `flock` held across the
  read-refresh-write so two processes never refresh the same token;
- `MemoryTokenStore`: the Airbyte path; `on_save` emits the connector-config CONTROL message (the platform
  persists it) before the client goes on.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol


class TokenStore(Protocol):
    def load(self) -> str | None: ...

    def save(self, refresh_token: str) -> None: ...

    def locked(self) -> contextlib.AbstractContextManager[None]: ...


class MemoryTokenStore:
    def __init__(
        self, refresh_token: str | None = None, on_save: Callable[[str], None] | None = None
    ) -> None:
        self._token = refresh_token
        self._on_save = on_save
        self._lock = threading.RLock()

    def load(self) -> str | None:
        return self._token

    def save(self, refresh_token: str) -> None:
        if self._on_save is not None:
            self._on_save(refresh_token)  # must return only once the platform has the token
        self._token = refresh_token

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        with self._lock:
            yield


class FileTokenStore:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self._thread_lock = threading.RLock()
        # (the file's identity and version, the token read from it): `load` is asked for every message a
        # run writes (redaction masks the stored token too, grants.py `secrets`), and a stat costs far less
        # than reading and parsing the file each time. Another process that rotates the token replaces the
        # file (`save`: a new inode), so a changed file is always read again.
        self._seen: tuple[tuple[int, int, int, int], str | None] | None = None

    def load(self) -> str | None:
        try:
            info = os.stat(self.path)
            version = (info.st_dev, info.st_ino, info.st_mtime_ns, info.st_size)
            if self._seen is not None and self._seen[0] == version:
                return self._seen[1]
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise TokenStoreError(f"token store {self.path} is unreadable: {type(exc).__name__}") from None
        token = data.get("refresh_token") if isinstance(data, dict) else None
        found = token if isinstance(token, str) and token else None
        self._seen = (version, found)
        return found

    def save(self, refresh_token: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".token-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump({"refresh_token": refresh_token}, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # make the rename durable too
            dir_fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with self._thread_lock, open(lock_path, "a", encoding="utf-8") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


class TokenStoreError(RuntimeError):
    pass
