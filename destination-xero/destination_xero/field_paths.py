"""Where in the user's config a checked value was written, for messages that name the field to fix.

Why: a tenant's mapping section is either its own (`tenants[1].mappings.tax`) or the shared default
(`mappings.tax`, copied into every tenant that declares no section of that name, config.py). After
validation the two look the same, so a message pointing at `tenants[1].mappings.accounts.default` when the
admin wrote `mappings.accounts.default` would send them to a key that is not in their file. The raw config
(with its `mapping_file` read the way `load_config` reads it) tells which one it was. Without it, the
tenant's own section is assumed.

Keys are written JSON-style, `by_region["New Zealand"]`, so a name with spaces or dots stays one key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .config import ConfigError, with_mapping_sources


def key(name: str) -> str:
    """`["New Zealand"]`: a mapping key as it appears in a field path."""
    return f"[{json.dumps(name, ensure_ascii=False)}]"


class FieldPaths:
    def __init__(self, raw: Mapping[str, Any] | None = None) -> None:
        self._own: list[set[str]] | None = None
        self._defaults: set[str] = set()
        if raw is None:
            return
        try:  # the mapping text and file merged exactly as load_config merges them
            data = with_mapping_sources(raw)
        except ConfigError:
            return  # load_config reported it already; fall back to the tenant's own paths
        defaults = data.get("mappings")
        self._defaults = set(defaults) if isinstance(defaults, Mapping) else set()
        tenants = data.get("tenants")
        self._own = [
            set(t["mappings"]) if isinstance(t, Mapping) and isinstance(t.get("mappings"), Mapping) else set()
            for t in (tenants if isinstance(tenants, list) else [])
        ]

    @staticmethod
    def tenant(index: int) -> str:
        return f"tenants[{index}]"

    def route(self, index: int) -> str:
        return f"{self.tenant(index)}.route"

    def mapping(self, index: int, section: str) -> str:
        """`tenants[i].mappings.<section>`, or `mappings.<section>` when the tenant took the default."""
        own = self._own[index] if self._own is not None and index < len(self._own) else None
        if own is not None and section not in own and section in self._defaults:
            return f"mappings.{section}"
        return f"{self.tenant(index)}.mappings.{section}"
