"""Meltano for `make demo` and the Meltano tests: its own cached virtualenv, the plugins installed once.

Why Meltano runs from its own virtualenv: it pins libraries (rich, sqlalchemy...) that conflict with the
workspace's, exactly as on a user's machine where Meltano is installed with pipx or `uv tool`. The
virtualenv is cached under $AUTOTASK_XERO_MELTANO_VENV (default
`$XDG_CACHE_HOME/autotask-xero/meltano-<version>-py<X.Y>`), built once with uv (pip when uv is missing)
under a file lock, and trusted only once its `.complete` marker is written.

Plugin virtualenvs (`meltano install`: editable installs of this repository's folders at the versions of
`integration_tests/meltano/constraints.txt`) take most of a cold start, so they are cached too, one set per
checkout, and reinstalled only when something they are built from changes (meltano.yml, the constraints,
a connector's or a library's pyproject.toml, the interpreter, Meltano itself). Each run gets its own
MELTANO_SYS_DIR_ROOT whose `extractors/` and `loaders/` are links to that cache: the system database, state
and the per-run config files (which hold secrets while a plugin runs) stay in the run's temporary folder,
and the repository is never written to. Meltano's job logs go under the run's folder too (XDG_STATE_HOME),
not to ~/.local/state. A run holds a shared lock on the plugin cache, a reinstall an exclusive one.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import IO, Any

MELTANO_VERSION = "4.4.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
SANDBOX_ENV_SCRIPT = REPO_ROOT / "integration_tests" / "meltano" / "sandbox_env.py"
# What `meltano install` builds the plugin virtualenvs from: a change to any of them means a reinstall.
# (The installs are editable, so a change to the code itself needs none.)
PLUGIN_INPUTS = (
    REPO_ROOT / "meltano.yml",
    REPO_ROOT / "integration_tests" / "meltano" / "constraints.txt",
    *(
        REPO_ROOT / folder / "pyproject.toml"
        for folder in (
            "libs/connector-kit",
            "libs/autotask-client",
            "libs/xero-client",
            "source-autotask",
            "destination-xero",
            "source-xero-payments",
            "destination-autotask-payments",
        )
    ),
)
PLUGIN_TYPES = ("extractors", "loaders")
BUILD_TIMEOUT = 900
_LEAKY_PREFIXES = ("TAP_", "TARGET_", "MELTANO_", "AUTOTASK_", "XERO_")


class MeltanoUnavailable(RuntimeError):
    """Meltano or its plugins could not be installed (typically: no network to reach PyPI)."""


def uv() -> str | None:
    return os.environ.get("UV") or shutil.which("uv")


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autotask-xero"


def venv_dir() -> Path:
    override = os.environ.get("AUTOTASK_XERO_MELTANO_VENV")
    if override:
        return Path(override)
    return cache_root() / f"meltano-{MELTANO_VERSION}-py{sys.version_info.major}.{sys.version_info.minor}"


def clean_env() -> dict[str, str]:
    """This process's environment without the workspace venv and without any plugin setting, so that only
    what a caller adds on purpose reaches Meltano."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith(_LEAKY_PREFIXES)
    }


@contextlib.contextmanager
def _locked(path: Path, mode: int) -> Iterator[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle.fileno(), mode)
        try:
            yield handle
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _check(command: list[str], env: dict[str, str], what: str, cwd: Path | None = None) -> None:
    try:
        done = subprocess.run(
            command, env=env, cwd=cwd, capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MeltanoUnavailable(f"{what}: {exc}") from exc
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-3000:]
        raise MeltanoUnavailable(f"{what} failed (`{' '.join(command)}` exited {done.returncode}):\n{tail}")


def _usable(exe: Path, marker: Path) -> bool:
    """Complete and still runnable (its base interpreter may have been removed since)."""
    if not (marker.exists() and exe.exists()):
        return False
    try:
        done = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and MELTANO_VERSION in done.stdout


def _build_venv(target: Path) -> None:
    env = clean_env()
    what = f"installing meltano=={MELTANO_VERSION} into {target}"
    tool = uv()
    if tool:
        _check([tool, "venv", "--quiet", "--python", sys.executable, str(target)], env, what)
        python = str(target / "bin" / "python")
        _check(
            [tool, "pip", "install", "--quiet", "--python", python, f"meltano=={MELTANO_VERSION}"], env, what
        )
    else:
        _check([sys.executable, "-m", "venv", str(target)], env, what)
        _check(
            [str(target / "bin" / "python"), "-m", "pip", "install", f"meltano=={MELTANO_VERSION}"], env, what
        )


Notify = Callable[[str], None]


def _quiet(message: str) -> None:
    return None


def meltano_executable(notify: Notify = _quiet) -> Path:
    """The cached virtualenv's `meltano`, built when missing (a build cut short leaves no `.complete`
    marker and is redone from scratch)."""
    venv = venv_dir()
    exe, marker = venv / "bin" / "meltano", venv / ".complete"
    if _usable(exe, marker):
        return exe
    with _locked(venv.parent / f".{venv.name}.lock", fcntl.LOCK_EX):
        if _usable(exe, marker):
            return exe
        notify(f"  building Meltano's virtualenv in {venv} (once) ...")
        shutil.rmtree(venv, ignore_errors=True)
        _build_venv(venv)
        marker.write_text(MELTANO_VERSION, encoding="utf-8")
    return exe


def plugins_fingerprint(exe: Path) -> str:
    digest = hashlib.sha256()
    for part in (MELTANO_VERSION, str(exe), sys.version, str(REPO_ROOT)):
        digest.update(part.encode() + b"\0")
    for path in PLUGIN_INPUTS:
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def plugins_dir() -> Path:
    """One plugin cache per checkout: the editable installs point into this repository's folders."""
    checkout = hashlib.sha256(str(REPO_ROOT).encode()).hexdigest()[:12]
    return cache_root() / f"meltano-plugins-{checkout}"


def _plugins_current(cache: Path, fingerprint: str) -> bool:
    marker = cache / ".complete"
    if not marker.exists() or marker.read_text(encoding="utf-8") != fingerprint:
        return False
    pythons = list(cache.glob("*/*/venv/bin/python"))
    return len(pythons) >= 4 and all(p.exists() for p in pythons)  # exists(): the symlink's target too


def _install_plugins(exe: Path, cache: Path, fingerprint: str) -> None:
    (cache / ".complete").unlink(missing_ok=True)
    for kind in PLUGIN_TYPES:
        shutil.rmtree(cache / kind, ignore_errors=True)
    env = {**base_env(cache, cache / "state"), "MELTANO_DATABASE_URI": f"sqlite:///{cache / 'install.db'}"}
    _check([str(exe), "install"], env, "meltano install (the plugins' virtualenvs)", cwd=REPO_ROOT)
    (cache / ".complete").write_text(fingerprint, encoding="utf-8")


def base_env(sys_dir: Path, state_home: Path) -> dict[str, str]:
    """Meltano's own settings for a run in `sys_dir`: no tracking, plain text, nothing left in the repo."""
    return {
        **clean_env(),
        "MELTANO_PROJECT_ROOT": str(REPO_ROOT),
        "MELTANO_SYS_DIR_ROOT": str(sys_dir),
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_DISABLE_TRACKING": "true",
        "MELTANO_CLI_LOG_LEVEL": "info",
        "XDG_STATE_HOME": str(state_home),
        "NO_COLOR": "1",
    }


@contextlib.contextmanager
def meltano_project(
    run_dir: Path, exe: Path | None = None, notify: Notify = _quiet
) -> Iterator[tuple[Path, dict[str, str]]]:
    """(`meltano` executable, base environment) for runs whose state lives in `run_dir`.

    Installs the plugins first when the cache is missing or stale; holds a shared lock on the cache while
    the caller runs, so that no other process reinstalls under it."""
    exe = exe or meltano_executable(notify)
    cache = plugins_dir()
    fingerprint = plugins_fingerprint(exe)
    lock = cache.parent / f".{cache.name}.lock"
    while True:
        if not _plugins_current(cache, fingerprint):
            with _locked(lock, fcntl.LOCK_EX):
                if not _plugins_current(cache, fingerprint):
                    notify(
                        f"  meltano install: the plugins' virtualenvs in {cache} (redone only when "
                        "meltano.yml, the constraints or a pyproject.toml change) ..."
                    )
                    _install_plugins(exe, cache, fingerprint)
        with _locked(lock, fcntl.LOCK_SH):
            if not _plugins_current(cache, fingerprint):
                continue  # reinstalled for other inputs between the two locks: check again
            sys_dir = run_dir / "meltano-sys"
            sys_dir.mkdir(parents=True, exist_ok=True)
            for kind in PLUGIN_TYPES:
                link = sys_dir / kind
                if not link.is_symlink():
                    link.symlink_to(cache / kind, target_is_directory=True)
            yield exe, base_env(sys_dir, run_dir / "state")
            return


def load_sandbox_env() -> ModuleType:
    """`integration_tests/meltano/sandbox_env.py`, the one place that maps a sandbox's ready line to the
    variables meltano.yml reads (it is also run by hand, as a script, hence loaded by path)."""
    spec = importlib.util.spec_from_file_location("meltano_sandbox_env", SANDBOX_ENV_SCRIPT)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {SANDBOX_ENV_SCRIPT}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sandbox_settings(info: dict[str, Any], workdir: Path) -> dict[str, str]:
    """The plugin settings for the sandbox described by `info` (its ready line)."""
    settings: dict[str, str] = load_sandbox_env().meltano_env(info, workdir)
    return settings
