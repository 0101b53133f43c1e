"""Connection check: credentials, zone, and read access to every entity the selected streams need.

Read access is probed with the cheapest query there is (`id >= 0`, `IncludeFields: [id]`, `MaxRecords: 1`)
per entity, so check costs one call per entity plus the zone lookup.
"""

from __future__ import annotations

from collections.abc import Iterable

from autotask_client.client import AutotaskClient
from autotask_client.errors import AuthenticationError, AutotaskError, PermissionDeniedError
from autotask_client.query import F, Query

from .config import SourceConfig
from .streams.specs import STREAMS


def entities_for(streams: Iterable[str]) -> list[str]:
    out: list[str] = []
    for name in streams:
        for entity in STREAMS[name].entities:
            if entity not in out:
                out.append(entity)
    return out


def check(
    config: SourceConfig, streams: Iterable[str] | None = None, client: AutotaskClient | None = None
) -> tuple[bool, str | None]:
    client = client or AutotaskClient(config.connection)
    wanted = entities_for(streams or STREAMS)
    try:
        _ = client.base_url
    except AutotaskError as exc:
        return False, f"Zone lookup failed for user {config.username}: {exc}"
    missing: list[str] = []
    for entity in wanted:
        try:
            probe = Query(entity, (F("id").gte(0),), include_fields=("id",), max_records=1)
            next(iter(client.query_pages(probe)), None)  # the first page only
        except AuthenticationError as exc:
            return False, f"Autotask refused the credentials: {exc}"
        except PermissionDeniedError:
            missing.append(entity)
        except AutotaskError as exc:
            return False, f"Cannot read {entity}: {exc}"
    if missing:
        return False, (
            "The API user cannot read: "
            + ", ".join(missing)
            + ". Give its security level read (query) permission for these entities."
        )
    return True, None
