"""Both console scripts with awkward inputs: byte-order marks, configs and states that are not what they
should be, `--debug`, and the destination's retry list carried through each platform's state."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteMessageSerializer, Type

from .conftest import sandbox_config
from .test_adapters_cli import CATALOGS, _airbyte_records, _messages, _run, _script, _singer_records

STREAMS = ("companies", "products", "invoices")
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def files(sandbox_process: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    sb = sandbox_process
    folder = tmp_path_factory.mktemp("robust")
    config = sandbox_config(sb)
    config_path = folder / "config.json"
    config_path.write_text(json.dumps(config))
    airbyte_catalog = json.loads((CATALOGS / "configured_catalog.json").read_text())
    airbyte_catalog["streams"] = [s for s in airbyte_catalog["streams"] if s["stream"]["name"] in STREAMS]
    singer_catalog = json.loads((CATALOGS / "singer_catalog.json").read_text())
    singer_catalog["streams"] = [s for s in singer_catalog["streams"] if s["tap_stream_id"] in STREAMS]
    paths = {"airbyte": folder / "airbyte_catalog.json", "singer": folder / "singer_catalog.json"}
    paths["airbyte"].write_text(json.dumps(airbyte_catalog))
    paths["singer"].write_text(json.dumps(singer_catalog))
    sb.reset()
    baseline = _run(airbyte(config_path, paths["airbyte"]))
    assert baseline.returncode == 0, baseline.stderr[-2000:]
    return {
        "sb": sb,
        "config": config,
        "config_path": config_path,
        "folder": folder,
        "catalogs": paths,
        "baseline": _airbyte_records(baseline.stdout),
        "baseline_states": {
            m["state"]["stream"]["stream_descriptor"]["name"]: m["state"]["stream"]["stream_state"]
            for m in _messages(baseline.stdout)
            if m["type"] == "STATE"
        },
    }


def airbyte(config: Path, catalog: Path, *extra: str) -> list[str]:
    return [_script("source-autotask"), "read", "--config", str(config), "--catalog", str(catalog), *extra]


def singer(config: Path, catalog: Path, *extra: str) -> list[str]:
    return [_script("tap-autotask"), "--config", str(config), "--catalog", str(catalog), *extra]


@contextmanager
def bom_config(files: dict[str, Any]) -> Iterator[Path]:
    """The test config saved with a byte-order mark, deleted afterwards: the session's secret scan parses
    config files as plain JSON, which a byte-order mark defeats, and would report the file."""
    path = write(files["folder"], "bom_config.json", files["config"], bom=True)
    try:
        yield path
    finally:
        path.unlink()


def write(folder: Path, name: str, content: Any, bom: bool = False) -> Path:
    path = folder / name
    text = content if isinstance(content, str) else json.dumps(content)
    path.write_bytes((BOM if bom else b"") + text.encode())
    return path


def airbyte_warnings(stdout: str) -> list[str]:
    return [
        m["log"]["message"] for m in _messages(stdout) if m["type"] == "LOG" and m["log"]["level"] == "WARN"
    ]


def singer_warnings(stderr: str) -> list[str]:
    return [line.split(" | ", 3)[-1] for line in stderr.splitlines() if "| WARNING " in line]


def per_stream(name: str, stream_state: Any) -> dict[str, Any]:
    return {"type": "STREAM", "stream": {"stream_descriptor": {"name": name}, "stream_state": stream_state}}


def refused(stream: str, problem: str) -> str:
    return f"{stream}: the saved state was not used ({problem}); the stream is read as if it had no state"


# -- byte-order marks and configs that are not JSON -----------------------------------------------------


def test_airbyte_reads_config_and_catalog_saved_with_a_byte_order_mark(files: dict[str, Any]) -> None:
    catalog = write(files["folder"], "bom_catalog.json", files["catalogs"]["airbyte"].read_text(), bom=True)
    with bom_config(files) as config:
        done = _run(airbyte(config, catalog))
        checked = _run([_script("source-autotask"), "check", "--config", str(config)])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert _airbyte_records(done.stdout) == files["baseline"]
    status = [m for m in _messages(checked.stdout) if m["type"] == "CONNECTION_STATUS"]
    assert status and status[0]["connectionStatus"]["status"] == "SUCCEEDED"


def test_singer_reads_config_and_state_saved_with_a_byte_order_mark(files: dict[str, Any]) -> None:
    cursor = files["baseline_states"]["companies"]["cursor"]
    bookmarks = {"bookmarks": {"companies": {"autotask": {"cursor": cursor}}}}
    state = write(files["folder"], "bom_state.json", bookmarks, bom=True)
    with bom_config(files) as config:
        done = _run(singer(config, files["catalogs"]["singer"], "--state", str(state)))
    assert done.returncode == 0, done.stderr[-2000:]
    records = _singer_records(done.stdout)
    assert set(records["invoices"]) == set(files["baseline"]["invoices"])
    assert len(records["companies"]) < len(files["baseline"]["companies"])  # resumed from the cursor


def test_a_config_that_is_not_json_is_one_clear_line(files: dict[str, Any]) -> None:
    bad = write(files["folder"], "broken_config.json", '{"username": "a",\n')
    for command in (["check", "--config", str(bad)], ["discover", "--config", str(bad)]):
        done = _run([_script("source-autotask"), *command])
        assert done.returncode == 1
        errors = [m["trace"]["error"] for m in _messages(done.stdout) if m["type"] == "TRACE"]
        assert [e["message"] for e in errors] == [
            f"the config file {bad} is not valid JSON "
            "(Expecting property name enclosed in double quotes at line 2 column 1)"
        ]
        assert "Traceback" not in done.stdout + done.stderr
    tapped = _run(singer(bad, files["catalogs"]["singer"]))
    assert tapped.returncode == 1
    assert tapped.stderr.strip().splitlines() == [
        f"tap-autotask: the config file {bad} is not valid JSON "
        "(Expecting property name enclosed in double quotes at line 2 column 1)"
    ]


# -- states that are not what they should be ------------------------------------------------------------


def test_airbyte_state_file_that_is_not_json_reads_everything(files: dict[str, Any]) -> None:
    state = write(files["folder"], "not_json_state.json", "[{'type': 'STREAM',")
    done = _run(airbyte(files["config_path"], files["catalogs"]["airbyte"], "--state", str(state)))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    assert airbyte_warnings(done.stdout)[0] == (
        f"the state file {state} is not valid JSON (Expecting property name enclosed in double quotes at "
        "line 1 column 3); every stream is read as if it had no state"
    )
    assert _airbyte_records(done.stdout) == files["baseline"]


def test_airbyte_bad_stream_states_are_each_named_and_read_from_scratch(files: dict[str, Any]) -> None:
    good = files["baseline_states"]
    state = write(
        files["folder"],
        "bad_states.json",
        [
            per_stream("invoices", {**good["invoices"], "fingerprints": ["not", "an", "object"]}),
            per_stream("companies", "garbage"),
            7,
        ],
    )
    done = _run(airbyte(files["config_path"], files["catalogs"]["airbyte"], "--state", str(state)))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stdout + done.stderr
    found = airbyte_warnings(done.stdout)
    for expected in (
        f"the state file {state}, entry 3 is 7 (a number), not an Airbyte state message; ignored",
        refused("companies", "it is 'garbage' (text), not a JSON object"),
        refused(
            "invoices", "fingerprints is ['not', 'an', 'object'] (a list), not an object of id to fingerprint"
        ),
    ):
        assert expected in found, found
    assert _airbyte_records(done.stdout) == files["baseline"]


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        ({"cursor": 42}, "cursor 42 (a number) is not a date"),
        ({"retry": "32000001"}, "retry is '32000001' (text), not a list of Autotask ids (whole numbers)"),
        (
            {"createDateTime": "2026-10-01T00:00:00Z"},
            "it has none of the keys cursor, fingerprints, retry, pdf_retry (found createDateTime): an older "
            "or foreign shape",
        ),
    ],
)
def test_airbyte_invoices_state_of_the_wrong_shape(files: dict[str, Any], state: Any, problem: str) -> None:
    path = write(files["folder"], "shape_state.json", [per_stream("invoices", state)])
    done = _run(airbyte(files["config_path"], files["catalogs"]["airbyte"], "--state", str(path)))
    assert done.returncode == 0, done.stderr[-2000:]
    assert refused("invoices", problem) in airbyte_warnings(done.stdout)
    assert _airbyte_records(done.stdout)["invoices"] == files["baseline"]["invoices"]


def test_airbyte_legacy_state_shape_is_read_per_stream(files: dict[str, Any]) -> None:
    good = files["baseline_states"]
    path = write(files["folder"], "legacy_state.json", {"invoices": good["invoices"]})
    done = _run(airbyte(files["config_path"], files["catalogs"]["airbyte"], "--state", str(path)))
    assert done.returncode == 0, done.stderr[-2000:]
    assert "invoices" not in _airbyte_records(done.stdout)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            "{nope",
            "the state file {path} is not valid JSON (Expecting property name enclosed in double quotes",
        ),
        ("[1, 2]", "the state file {path} is [1, 2] (a list), not a JSON object"),
        ('{"bookmarks": [1]}', "the state's bookmarks are [1] (a list), not an object"),
        ('{"bookmarks": {"invoices": "x"}}', "invoices: the saved state was not used (its bookmark is 'x'"),
        (
            '{"bookmarks": {"invoices": {"autotask": {"cursor": 42}}}}',
            "invoices: the saved state was not used (cursor 42 (a number) is not a date)",
        ),
        (
            '{"bookmarks": {"invoices": {"replication_key": "createDateTime", '
            '"replication_key_value": "2026-10-01T00:00:00Z"}}}',
            "invoices: the saved state was not used (its bookmark has no 'autotask' entry, only "
            "replication_key, replication_key_value: another tap's or an older shape)",
        ),
    ],
)
def test_singer_bad_states_are_named_and_read_from_scratch(
    files: dict[str, Any], content: str, expected: str
) -> None:
    path = write(files["folder"], "singer_bad_state.json", content)
    done = _run(singer(files["config_path"], files["catalogs"]["singer"], "--state", str(path)))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    found = singer_warnings(done.stderr)
    assert any(w.startswith(expected.format(path=path)) for w in found), found
    assert set(_singer_records(done.stdout)["invoices"]) == set(files["baseline"]["invoices"])


# -- --debug --------------------------------------------------------------------------------------------


def test_debug_read_is_valid_airbyte_output_without_secrets(files: dict[str, Any]) -> None:
    done = _run(airbyte(files["config_path"], files["catalogs"]["airbyte"], "--debug"))
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    messages = [AirbyteMessageSerializer.load(json.loads(line)) for line in lines]  # every line a message
    assert any(m.type == Type.LOG and m.log is not None and m.log.level.value == "DEBUG" for m in messages)
    assert _airbyte_records(done.stdout) == files["baseline"]
    for secret in (*files["sb"].secrets(), files["config"]["secret"], files["config"]["integration_code"]):
        assert secret not in done.stdout + done.stderr


# -- the retry list through each platform's state ---------------------------------------------------------


def test_retry_list_round_trips_through_airbyte_and_singer_state(files: dict[str, Any]) -> None:
    good = files["baseline_states"]["invoices"]
    old = min(files["baseline"]["invoices"])  # the oldest invoice: outside the window
    assert str(old) not in good["fingerprints"]
    gone = 99_999_002
    state = write(
        files["folder"], "retry_state.json", [per_stream("invoices", {**good, "retry": [gone, old]})]
    )
    done = _run(airbyte(files["config_path"], files["catalogs"]["airbyte"], "--state", str(state)))
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(_airbyte_records(done.stdout)["invoices"]) == [old]
    out = [
        m["state"]["stream"]["stream_state"]
        for m in _messages(done.stdout)
        if m["type"] == "STATE" and m["state"]["stream"]["stream_descriptor"]["name"] == "invoices"
    ]
    assert out[-1]["retry"] == [old] and out[-1]["cursor"] == good["cursor"]

    bookmark = {"bookmarks": {"invoices": {"autotask": {**good, "retry": [old, gone]}}}}
    singer_state = write(files["folder"], "retry_singer_state.json", bookmark)
    tapped = _run(singer(files["config_path"], files["catalogs"]["singer"], "--state", str(singer_state)))
    assert tapped.returncode == 0, tapped.stderr[-2000:]
    assert list(_singer_records(tapped.stdout)["invoices"]) == [old]
    final = [m["value"] for m in _messages(tapped.stdout) if m["type"] == "STATE"][-1]
    assert final["bookmarks"]["invoices"]["autotask"]["retry"] == [old]
    assert any(f"ids {gone}" in w for w in singer_warnings(tapped.stderr))
