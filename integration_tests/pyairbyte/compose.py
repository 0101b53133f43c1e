"""source-autotask → PyAirbyte DuckDB cache → destination-xero, as a data team composes them.

Runs INSIDE PyAirbyte's own virtualenv (PyAirbyte conflicts with the workspace and with Meltano), so it
imports nothing from this repository: the connectors are reached only as the executables PyAirbyte runs
(`local_executable`), exactly as on a user's machine. Why a cache in between: that is PyAirbyte's normal
path, and it changes the records' types (numbers stored as text or DOUBLE, nested objects as JSON,
timestamps without zone) on the way back out, which is what the destination must accept.

The refresh token the destination rotates comes back through `config_change_callback`; it is written
back into the destination config file before the next run reads it, because the old token stops working
30 minutes after rotation.

Usage (with AIRBYTE_OFFLINE_MODE=1 and uv on PATH):
    python compose.py --source-exe S --source-config S.json --destination-exe D --destination-config D.json
        --cache-dir DIR [--streams invoices,purchase_orders] --summary OUT.json
The summary holds record counts per stream, the cache's column types, and the write result; never a
config value.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import sys
from pathlib import Path
from typing import Any

os.environ.setdefault("AIRBYTE_OFFLINE_MODE", "1")
os.environ.setdefault("DO_NOT_TRACK", "1")

# PyAirbyte reads the two variables above when it is imported.
import airbyte as ab
from airbyte.caches import DuckDBCache
from airbyte_protocol.models import AirbyteMessage, AirbyteRecordMessage, Type

STREAMS = ("companies", "products", "services", "invoices", "purchase_orders")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source-exe", required=True, type=Path)
    parser.add_argument("--source-config", required=True, type=Path)
    parser.add_argument("--destination-exe", required=True, type=Path)
    parser.add_argument("--destination-config", required=True, type=Path)
    parser.add_argument("--cache-dir", required=True, type=Path)
    parser.add_argument("--streams", default=",".join(STREAMS))
    parser.add_argument("--summary", required=True, type=Path)
    return parser.parse_args(argv)


def _read_json(path: Path) -> dict[str, Any]:
    value = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(value, dict), f"{path} must hold a JSON object"
    return value


def _persist_config(path: Path) -> Any:
    """Writes the config the destination emitted (a rotated refresh token) back to its file, atomically."""

    def save(config: dict[str, Any]) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(config), encoding="utf-8")
        os.chmod(temporary, 0o600)
        temporary.replace(path)

    return save


def _column_types(cache: DuckDBCache, streams: list[str]) -> dict[str, dict[str, str]]:
    """What the cache made of each field: the proof that the destination was fed re-typed records."""
    found: dict[str, dict[str, str]] = {}
    with cache.processor.get_sql_connection() as connection:
        for stream in streams:
            table = cache.processor.get_sql_table_name(stream)
            rows = connection.exec_driver_sql(
                "SELECT column_name, data_type FROM information_schema.columns "
                f"WHERE table_schema = '{cache.schema_name}' AND table_name = '{table}'"
            ).fetchall()
            found[stream] = {str(name): str(kind) for name, kind in rows}
    return found


def _as_sent(stream: str, record: Any) -> dict[str, Any]:
    """One cached record serialised exactly as PyAirbyte sends it to a destination."""
    message = AirbyteMessage(
        type=Type.RECORD, record=AirbyteRecordMessage(stream=stream, data=dict(record), emitted_at=0)
    )
    data = json.loads(message.model_dump_json())["record"]["data"]
    assert isinstance(data, dict)
    return data


def main(argv: list[str]) -> int:
    args = _arguments(argv)
    streams = [s for s in args.streams.split(",") if s]
    source = ab.get_source(
        "source-autotask",
        config=_read_json(args.source_config),
        local_executable=args.source_exe,
    )
    source.select_streams(streams)
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    cache = DuckDBCache(db_path=args.cache_dir / "autotask.duckdb", cache_dir=args.cache_dir / "tmp")
    read = source.read(cache=cache)

    destination = ab.get_destination(
        "destination-xero",
        config=_read_json(args.destination_config),
        local_executable=args.destination_exe,
        config_change_callback=_persist_config(args.destination_config),
    )
    # The destination's state goes to a DuckDB file of its own: PyAirbyte 0.71.3 keeps the cache open for
    # reading while it streams records out, and its delete-then-insert of a stream's destination state in
    # that same file fails on the second run ("Duplicate key ... _airbyte_destination_state").
    state = DuckDBCache(db_path=args.cache_dir / "destination-state.duckdb", cache_dir=args.cache_dir / "tmp")
    written = destination.write(read, state_cache=state)
    summary: dict[str, Any] = {
        "pyairbyte_version": importlib.metadata.version("airbyte"),
        "records_read": {stream: len(read[stream]) for stream in streams},
        "records_written": written.processed_records,
        "column_types": _column_types(cache, streams),
        "first_record_as_sent": {},
    }
    for stream in streams:
        first = next(iter(read[stream]), None)
        if first is not None:
            summary["first_record_as_sent"][stream] = _as_sent(stream, first)
    args.summary.write_text(json.dumps(summary, indent=2, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
