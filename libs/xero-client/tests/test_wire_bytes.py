"""The fast serialiser (orjson) writes exactly the bytes of the rule's definition, connector_kit.exact_json.

Why a test of its own: the Idempotency-Key hashes these bytes, so a payload written one byte differently
after an upgrade would be a different write to Xero; and the strictness (no float in a money payload) must
survive the switch to a library that would happily write one."""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from typing import Any

import pytest
from connector_kit import exact_json
from xero_client import wire

TRICKY: list[Any] = [
    {"Description": "Café Nova \u2013 10% off \u2615", "UnitAmount": Decimal("12.3400")},
    {"a": 'tab\tnewline\nquote"backslash\\ del\x7f nul\x00 bell\x07 slash/'},
    {"astral": "𝄞 emoji 🎉", "lone": "\ud800"},
    {"n": [0, -1, 2**63 - 1, -(2**63), 2**63, 10**30, True, False, None]},
    {"d": [Decimal("1E+2"), Decimal("-0"), Decimal("0.00"), Decimal("1.23E-7"), Decimal("-5.000")]},
    {"t": (1, "x", (Decimal("2.5"),)), 3: "int key"},
    [],
    {},
    "plain",
    Decimal("7.10"),
]


@pytest.mark.parametrize("value", TRICKY)
def test_the_same_text_as_exact_json(value: Any) -> None:
    assert wire.dumps(value) == exact_json.dumps(value)
    assert wire.dumps_bytes(value) == exact_json.dumps(value).encode("ascii")
    assert wire.dumps_lenient(value) == exact_json.dumps_lenient(value)


def test_random_values_give_the_same_text() -> None:
    rnd = random.Random(19)

    def text() -> str:
        return "".join(chr(rnd.choice([rnd.randint(0, 0x7F), rnd.randint(0x80, 0x10FFFF)])) for _ in range(6))

    def value(depth: int = 0) -> Any:
        pick = rnd.random()
        if depth < 3 and pick < 0.25:
            return {text(): value(depth + 1) for _ in range(rnd.randint(0, 4))}
        if depth < 3 and pick < 0.4:
            return [value(depth + 1) for _ in range(rnd.randint(0, 4))]
        if pick < 0.6:
            return text()
        if pick < 0.8:
            return Decimal(rnd.randint(-(10**9), 10**9)).scaleb(-rnd.randint(0, 8))
        return rnd.choice([0, 1, -(2**70), None, True])

    for _ in range(3000):
        sample = {"k": value()}
        assert wire.dumps(sample) == exact_json.dumps(sample)


@pytest.mark.parametrize(
    "bad", [{"a": 1.5}, {"a": [Decimal("NaN")]}, {"a": object()}, {"a": Decimal("-Infinity")}]
)
def test_what_exact_json_refuses_is_refused_the_same_way(bad: Any) -> None:
    with pytest.raises((TypeError, ValueError)) as expected:
        exact_json.dumps(bad)
    with pytest.raises(expected.type, match=str(expected.value)):
        wire.dumps(bad)


def test_lenient_turns_what_json_has_no_type_for_into_text() -> None:
    value = {"at": wire.parse_date("/Date(1757030400000+0000)/"), "x": 1.5}
    assert wire.dumps_lenient(value) == exact_json.dumps_lenient(value)


def test_the_idempotency_key_hashes_the_same_bytes_as_before() -> None:
    parts = [("create:INV-1", {"Total": Decimal("1.10"), "Name": "Café"}), ("create:INV-2", {"B": 1})]
    digest = hashlib.sha256(b"t1")
    for key, payload in parts:
        digest.update(b"\x00" + key.encode() + b"\x00")
        digest.update(hashlib.sha256(exact_json.dumps(payload).encode()).digest())
    expected = "dx-" + digest.hexdigest()[:125]
    assert wire.idempotency_key("t1", parts) == expected
    serialised = [(key, wire.dumps_bytes(payload)) for key, payload in parts]
    assert wire.idempotency_key_of("t1", serialised) == expected
