"""PyAirbyte's own cached virtualenv, built once from PyPI, for the composition test.

Why its own: PyAirbyte pins libraries (rich, pydantic-settings, airbyte-cdk...) that conflict with the
workspace and with Meltano, exactly as on a data team's machine where it lives in a project of its own.
Cached under AUTOTASK_XERO_PYAIRBYTE_VENV (default ~/.cache/autotask-xero/pyairbyte-<version>-py<X.Y>),
built under a file lock; a `.complete` marker is written last, so a build cut short is redone. It holds
only `airbyte` and its dependencies: the connectors are run from the workspace venv as local executables.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

# The newest PyAirbyte that installs on Python 3.11 here; bump together with the assertions on the cache's
# column types in test_pyairbyte.py, which pin what this version does to the records.
PYAIRBYTE_VERSION = "0.71.3"
BUILD_TIMEOUT = 900


def venv_dir() -> Path:
    override = os.environ.get("AUTOTASK_XERO_PYAIRBYTE_VENV")
    if override:
        return Path(override)
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    tag = f"pyairbyte-{PYAIRBYTE_VERSION}-py{sys.version_info.major}.{sys.version_info.minor}"
    return cache / "autotask-xero" / tag


def clean_env() -> dict[str, str]:
    """This process's environment without the workspace venv, so nothing of it leaks into PyAirbyte's."""
    return {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}


def python_executable() -> Path:
    """The cached venv's interpreter, building the venv first when it is missing or broken."""
    venv = venv_dir()
    python = venv / "bin" / "python"
    marker = venv / ".complete"
    if _usable(python, marker):
        return python
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "a", encoding="utf-8") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if _usable(python, marker):
            return python
        shutil.rmtree(venv, ignore_errors=True)
        _build(venv)
        marker.write_text(PYAIRBYTE_VERSION, encoding="utf-8")
    return python


def _usable(python: Path, marker: Path) -> bool:
    """Complete and still runnable (its base interpreter may have been removed since)."""
    if not (marker.exists() and python.exists()):
        return False
    probe = "import importlib.metadata as m; print(m.version('airbyte'))"
    done = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, timeout=120, check=False, env=clean_env()
    )
    return done.returncode == 0 and done.stdout.strip() == PYAIRBYTE_VERSION


def _build(target: Path) -> None:
    uv = os.environ.get("UV") or shutil.which("uv")
    env = clean_env()
    python = str(target / "bin" / "python")
    requirement = f"airbyte=={PYAIRBYTE_VERSION}"
    if uv:
        _check([uv, "venv", "--python", sys.executable, str(target)], env)
        _check([uv, "pip", "install", "--python", python, requirement], env)
    else:
        _check([sys.executable, "-m", "venv", str(target)], env)
        _check([python, "-m", "pip", "install", requirement], env)


def _check(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
