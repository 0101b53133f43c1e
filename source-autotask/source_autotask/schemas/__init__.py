"""Stream JSON schemas, shipped inside the wheel (the single source for the Airbyte and Singer adapters)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any


@cache
def _load(name: str) -> str:
    return resources.files(__package__).joinpath(f"{name}.json").read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """A fresh copy of one stream's schema (callers may mutate it)."""
    loaded: dict[str, Any] = json.loads(_load(name))
    return loaded
