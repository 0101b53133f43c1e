"""Datasets: load a file, or generate `demo` / `bench:N` (placeholder until the generator lands)."""

from __future__ import annotations

import json
from typing import Any


def load_dataset(spec: str, seed: int = 1) -> dict[str, Any]:
    if spec in ("demo",) or spec.startswith("bench:"):
        return {"autotask": {}, "xero": {}}
    with open(spec, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data
