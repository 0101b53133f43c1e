"""Seeded, reproducible fault injection.

A fault is drawn per request from one `random.Random(seed)`, so a given seed and request order always
produce the same faults. Kinds: "429", "500", "503" (answered in the vendor's own error shape by the API
app), "reset" (the TCP connection is dropped without a response) and "slow" (the response is held past
`slow_seconds`, longer than any sane client timeout).
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

FAULT_KINDS = ("429", "500", "503", "reset", "slow")


@dataclass
class FaultConfig:
    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    slow_seconds: float = 35.0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultConfig:
        if not isinstance(data, dict):
            raise ValueError("faults must be a JSON object")
        unknown = set(data) - {"rate", "kinds", "seed", "slow_seconds"}
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        rate = float(data.get("rate", 0.0))
        if not 0.0 <= rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")
        kinds = tuple(str(k) for k in data.get("kinds", FAULT_KINDS))
        bad = [k for k in kinds if k not in FAULT_KINDS]
        if bad or not kinds:
            raise ValueError(
                f"fault kinds must be a non-empty subset of {list(FAULT_KINDS)}, got {list(kinds)}"
            )
        return cls(
            rate=rate,
            kinds=kinds,
            seed=int(data.get("seed", 0)),
            slow_seconds=float(data.get("slow_seconds", 35.0)),
        )

    @classmethod
    def parse_cli(cls, spec: str) -> FaultConfig:
        """`rate=0.1;kinds=429,500;seed=7[;slow_seconds=5]` or the same settings as JSON."""
        import json

        spec = spec.strip()
        if spec.startswith("{"):
            return cls.from_json(json.loads(spec))
        data: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in spec.split(";"))):
            key, _, value = part.partition("=")
            key = key.strip()
            if key == "kinds":
                data[key] = [k.strip() for k in value.split(",") if k.strip()]
            else:
                data[key] = value.strip()
        return cls.from_json(data)

    def to_json(self) -> dict[str, Any]:
        return {
            "rate": self.rate,
            "kinds": list(self.kinds),
            "seed": self.seed,
            "slow_seconds": self.slow_seconds,
        }


@dataclass
class FaultInjector:
    config: FaultConfig = field(default_factory=FaultConfig)
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(self.config.seed)

    def configure(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._random = random.Random(config.seed)
            self.injected = {}

    def draw(self) -> str | None:
        """The fault to inject into the next request, or None."""
        with self._lock:
            if self.config.rate <= 0:
                return None
            if self._random.random() >= self.config.rate:
                return None
            kind = self._random.choice(self.config.kinds)
            self.injected[kind] = self.injected.get(kind, 0) + 1
            return kind
