"""The shipped catalogs match the schemas and streams the connector discovers (no drift between files)."""

from __future__ import annotations

import json
from pathlib import Path

from source_autotask.schemas import load_schema
from source_autotask.streams.specs import STREAMS, SyncKind

ROOT = Path(__file__).resolve().parents[1]
CATALOGS = ROOT.parent / "catalogs" / "source-autotask"


def test_configured_catalogs_match_the_schemas() -> None:
    for path in (
        CATALOGS / "configured_catalog.json",
        ROOT / "integration_tests" / "configured_catalog.json",
    ):
        catalog = json.loads(path.read_text())
        streams = {s["stream"]["name"]: s for s in catalog["streams"]}
        assert set(streams) == set(STREAMS), path
        for name, entry in streams.items():
            assert entry["stream"]["json_schema"] == load_schema(name), f"{path.name}: {name} schema drifted"
            incremental = STREAMS[name].kind is not SyncKind.FULL
            assert entry["sync_mode"] == ("incremental" if incremental else "full_refresh")


def test_singer_catalog_matches_the_schemas() -> None:
    catalog = json.loads((CATALOGS / "singer_catalog.json").read_text())
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(streams) == set(STREAMS)
    for name, entry in streams.items():
        assert entry["schema"]["properties"].keys() == load_schema(name)["properties"].keys(), name


def test_example_configs_carry_placeholders_only() -> None:
    for name in ("config.example.json", "config.sandbox.example.json"):
        config = json.loads((CATALOGS / name).read_text())
        assert config["secret"].startswith("<") and config["integration_code"].startswith("<"), name
