"""Datasets for the sandbox: generate `demo` / `bench:N`, or load a dataset file (format in DATASETS.md)."""

from __future__ import annotations

from typing import Any

from .fileformat import dumps, load_file, loads
from .generator import DEMO_INVOICES, generate

__all__ = ["dumps", "generate", "load_dataset", "loads"]


def load_dataset(spec: str, seed: int = 1) -> dict[str, Any]:
    """`demo` | `bench:N` (N invoices) | a path to a dataset JSON file. Raises ValueError on a bad spec."""
    if spec == "demo":
        return generate(DEMO_INVOICES, seed)
    if spec.startswith("bench:"):
        count = spec.partition(":")[2]
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"dataset: bench:N needs a positive whole number of invoices, got {spec!r}")
        return generate(int(count), seed)
    return load_file(spec)
