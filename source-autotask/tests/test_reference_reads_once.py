"""A whole sync reads each small reference table once: the full-refresh stream and the invoices' name
look-ups share one read (found by `make bench`: about ten tables were read twice per sync, a quarter of
an unchanged rerun's Autotask calls)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from source_autotask.config import SourceConfig
from source_autotask.streams.specs import STREAMS, SyncKind
from source_autotask.sync import SyncSession

from .conftest import sandbox_config


def _queries(stats: dict[str, Any]) -> Counter[str]:
    """First-page queries per entity (`/{Entity}/query`); `query/next` pages are not re-reads."""
    out: Counter[str] = Counter()
    for call in stats["calls"]:
        path = str(call["path"])
        if path.endswith("/query"):
            out[path.split("/v1.0/")[-1].split("/")[0]] += int(call["count"])
    return out


def test_full_streams_then_invoices_query_each_reference_table_once(sandbox: Any) -> None:
    sync = SyncSession(SourceConfig.from_mapping(sandbox_config(sandbox)))
    full = [name for name, spec in STREAMS.items() if spec.kind is SyncKind.FULL]
    emitted = {name: list(sync.read(name)) for name in full}
    invoices = list(sync.read("invoices"))
    assert invoices and all(emitted.values()), {k: len(v) for k, v in emitted.items()}

    queries = _queries(sandbox.admin("autotask", "stats"))
    reference = {STREAMS[name].entity for name in full if name != "organizational_levels"}
    reference.add("OrganizationalLevelAssociations")
    twice = {entity: n for entity, n in queries.items() if entity in reference and n > 1}
    assert not twice, f"reference tables queried more than once in one sync: {twice}"
