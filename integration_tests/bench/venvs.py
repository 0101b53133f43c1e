"""Cached private virtualenvs for third-party tools the benchmark runs beside our connectors.

Why a private virtualenv: a peer such as singer-io's `tap-xero` pins old libraries (singer-python,
backoff 1.x, jsonschema 2.x) that must not meet the workspace's, exactly as on a user's machine where it
is installed with pipx. Each one is built once under `$XDG_CACHE_HOME/autotask-xero/<name>-<version>-
py<X.Y>` with uv (pip when uv is missing), under a file lock so that two processes never build it at
the same time, and trusted only once its `.complete` marker is written: a build cut short (no network,
killed) is thrown away and redone, never half used. The same pattern as `demo.meltano_env`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

BUILD_TIMEOUT = 900
_LEAKY = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")


class VenvUnavailable(RuntimeError):
    """The tool could not be installed (typically: PyPI unreachable, or no wheel for this Python)."""


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autotask-xero"


def venv_path(name: str, version: str) -> Path:
    return cache_root() / f"{name}-{version}-py{sys.version_info.major}.{sys.version_info.minor}"


def clean_env() -> dict[str, str]:
    """This process's environment without the workspace venv, so the tool sees only its own."""
    return {k: v for k, v in os.environ.items() if k not in _LEAKY}


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _check(command: list[str], what: str) -> str:
    try:
        done = subprocess.run(
            command, env=clean_env(), capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise VenvUnavailable(f"{what}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise VenvUnavailable(f"{what} failed (`{' '.join(command)}` exited {done.returncode}):\n{tail}")
    return done.stdout


def _usable(target: Path, requirements: list[str], probe: str) -> bool:
    """Complete, built from these requirements, and still importable (its base interpreter may have been
    removed since)."""
    marker = target / ".complete"
    if not marker.exists() or marker.read_text(encoding="utf-8") != "\n".join(requirements):
        return False
    return _imports(target, probe)


def _imports(target: Path, probe: str) -> bool:
    python = target / "bin" / "python"
    if not python.exists():
        return False
    try:
        done = subprocess.run(
            [str(python), "-c", f"import {probe}"], env=clean_env(), capture_output=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _build(target: Path, requirements: list[str], what: str) -> None:
    tool = os.environ.get("UV") or shutil.which("uv")
    python = str(target / "bin" / "python")
    if tool:
        _check([tool, "venv", "--quiet", "--python", sys.executable, str(target)], what)
        _check([tool, "pip", "install", "--quiet", "--python", python, *requirements], what)
    else:
        _check([sys.executable, "-m", "venv", str(target)], what)
        _check([python, "-m", "pip", "install", "--quiet", *requirements], what)


def cached_venv(name: str, version: str, probe: str, extra: tuple[str, ...] = ()) -> Path:
    """The virtualenv holding `name==version` and the `extra` requirements (built when missing or built
    from other requirements); `probe` is a module it must import."""
    target = venv_path(name, version)
    requirements = [f"{name}=={version}", *extra]
    if _usable(target, requirements, probe):
        return target
    with _locked(target.parent / f".{target.name}.lock"):
        if _usable(target, requirements, probe):
            return target
        shutil.rmtree(target, ignore_errors=True)
        what = f"installing {' '.join(requirements)} into {target}"
        _build(target, requirements, what)
        if not _imports(target, probe):
            raise VenvUnavailable(f"{what}: done, but `import {probe}` fails")
        (target / ".complete").write_text("\n".join(requirements), encoding="utf-8")
    return target


def installed(target: Path) -> dict[str, str]:
    """name → version of everything in the virtualenv (the peer's figures say what they ran)."""
    code = (
        "import importlib.metadata as m, json; "
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    out = _check([str(target / "bin" / "python"), "-c", code], f"listing {target}")
    found: dict[str, str] = json.loads(out)
    return dict(sorted(found.items(), key=lambda kv: kv[0].lower()))
