"""A bytecode cache for every Python the tests start, when the environment turned bytecode off.

Why: the suite starts hundreds of Python processes (each connector CLI call, each sandbox, Meltano and its
plugins), and most import an SDK: airbyte-cdk alone is about a thousand modules. With
PYTHONDONTWRITEBYTECODE set, as it is on this project's machines, nothing is ever cached, so every one of
those processes compiles all of them again from source: about 2 s of CPU for an Airbyte CLI call that
needs 1.2 s with a cache, and the CPU of a two-core machine is what bounds `make test`. So, only when
bytecode writing is off and no PYTHONPYCACHEPREFIX is chosen, this plugin (`-p sandbox_testkit.bytecode`)
turns writing back on with the cache in a tree of its own under `$XDG_CACHE_HOME/autotask-xero/pycache`
(default `~/.cache`): nothing is written beside the sources or into the virtualenv, which is presumably why
the variable was set. Python writes each cache file atomically, so parallel workers can share the tree.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "autotask-xero" / "pycache"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        return  # caching already happens where the user wants it
    prefix = cache_dir()
    try:
        prefix.mkdir(parents=True, exist_ok=True)
    except OSError:
        return  # no writable cache: run as configured, only slower
    os.environ.pop("PYTHONDONTWRITEBYTECODE")
    os.environ["PYTHONPYCACHEPREFIX"] = str(prefix)
    sys.pycache_prefix = str(prefix)  # this process too: importlib reads both at every import
    sys.dont_write_bytecode = False
