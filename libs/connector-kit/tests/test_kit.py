"""The kit's rules, each once: exact money JSON, redaction, rejected records, config files, numbering,
mapping-file precedence."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from connector_kit.config_files import UnreadableFile, read_json_object, read_yaml_object
from connector_kit.exact_json import dumps, dumps_lenient, loads
from connector_kit.mapping_files import merge_mapping_file
from connector_kit.numbering import NumberingMapping, autotask_number
from connector_kit.redaction import Redactor, redact
from connector_kit.rejected import RejectedRecords
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

money = st.decimals(allow_nan=False, allow_infinity=False, places=4, min_value=-(10**9), max_value=10**9)


@given(st.dictionaries(st.text(max_size=8), st.lists(money, max_size=4), max_size=4))
def test_decimals_survive_a_round_trip_exactly(value: dict[str, list[Decimal]]) -> None:
    assert loads(dumps(value)) == value
    for numbers in loads(dumps(value)).values():
        assert all(isinstance(n, Decimal | int) for n in numbers)


def test_floats_and_non_finite_decimals_are_refused() -> None:
    with pytest.raises(TypeError, match="floats are not allowed"):
        dumps({"UnitAmount": 0.1})
    with pytest.raises(ValueError, match="non-finite"):
        dumps(Decimal("NaN"))


def test_reports_write_what_json_has_no_type_for_as_text() -> None:
    assert json.loads(dumps_lenient({"at": Path("/x"), "n": Decimal("1.10")})) == {"at": "/x", "n": 1.10}
    assert '"n":1.10' in dumps_lenient({"n": Decimal("1.10")})


def test_redaction_masks_every_secret_longest_first_and_leaves_short_values() -> None:
    text = "token abcdef-123456 and abcdef, pin 12"
    assert redact(text, ["abcdef", "abcdef-123456", "12"]) == "token *** and ***, pin 12"
    rotating = ["first-token"]
    redactor = Redactor(lambda: rotating)
    rotating[0] = "second-token"
    assert redactor.clean("sent second-token") == "sent ***"


def test_rejected_records_are_appended_redacted_and_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "out" / "rejected.jsonl"
    rejected = RejectedRecords(path, Redactor(lambda: ["s3cr3t-value"]))
    rejected.write({"key": "INV-1", "reason": "refused with s3cr3t-value", "total": Decimal("10.00")})
    rejected.write({"key": "INV-2", "reason": "no tax"})
    lines = [json.loads(line, parse_float=Decimal) for line in path.read_text().splitlines()]
    assert [line["key"] for line in lines] == ["INV-1", "INV-2"]
    assert lines[0]["reason"] == "refused with ***" and lines[0]["total"] == Decimal("10.00")
    dry = RejectedRecords(None, Redactor(lambda: []))
    dry.write({"key": "INV-3"})
    assert dry.count == 1 and rejected.count == 2


def test_config_files_accept_a_byte_order_mark_and_name_the_file_when_wrong(tmp_path: Path) -> None:
    good = tmp_path / "config.json"
    good.write_text('\ufeff{"username": "a"}', encoding="utf-8")
    assert read_json_object(good, "config") == {"username": "a"}
    bad = tmp_path / "bad.json"
    bad.write_text('{"username": ', encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"the config file .*bad.json is not valid JSON \(.* line 1"):
        read_json_object(bad, "config")
    listed = tmp_path / "list.json"
    listed.write_text("[1]", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="must hold a JSON object"):
        read_json_object(listed, "config")
    with pytest.raises(UnreadableFile, match="cannot read the config file"):
        read_json_object(tmp_path / "missing.json", "config")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("\ufefftenants:\n  - tenant_id: T1\n", encoding="utf-8")
    assert read_yaml_object(mapping, "mapping") == {"tenants": [{"tenant_id": "T1"}]}


def test_numbering_reads_back_only_our_invoices() -> None:
    prefix = NumberingMapping(mode="prefix", prefix="AT-")
    assert autotask_number(prefix, "AT-1042", None) == "1042"
    assert autotask_number(prefix, "at-1042", None) is None
    assert autotask_number(prefix, "INV-0001", None) is None
    by_reference = NumberingMapping(mode="xero", reference_prefix="Autotask ")
    assert autotask_number(by_reference, "INV-0001", "Autotask 1042") == "1042"
    assert autotask_number(NumberingMapping(), " 1042 ", None) == "1042"
    with pytest.raises(ValidationError, match="needs a non-empty prefix"):
        NumberingMapping(mode="prefix")
    with pytest.raises(ValidationError):
        NumberingMapping.model_validate({"mode": "prefix", "prefx": "AT-"})


def test_mapping_file_precedence_keeps_each_tenants_numbering() -> None:
    shared = {
        "tenants": [
            {"tenant_id": "T1", "name": "UK", "mappings": {"numbering": {"mode": "prefix", "prefix": "U"}}}
        ],
        "mappings": {"tax": {"default": "OUTPUT2"}},
    }
    config = {"tenants": [{"tenant_id": "t1", "mappings": {"accounts": {"default": "200"}}}], "mappings": {}}
    merged = merge_mapping_file(config, shared)
    tenant = merged["tenants"][0]
    assert tenant["name"] == "UK" and tenant["tenant_id"] == "t1"
    assert tenant["mappings"] == {
        "numbering": {"mode": "prefix", "prefix": "U"},
        "accounts": {"default": "200"},
    }
    assert merged["mappings"] == {"tax": {"default": "OUTPUT2"}}
