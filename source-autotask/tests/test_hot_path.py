"""The fast paths of the per-record work give exactly the answers of the slow ones they stand in for.

Why: dates, fingerprints and projection run for every value of every record, so each has a fast path
(the standard library's ISO parser, orjson, a per-key-order plan). A saved state holds fingerprints and the
accepted dates are a documented rule, so the fast paths must not move either by one character.
"""

from __future__ import annotations

import hashlib
import random
from decimal import Decimal
from typing import Any

import pendulum
import pytest
import simplejson
from source_autotask.errors import RecordError
from source_autotask.naming import fingerprint
from source_autotask.records import project as projection
from source_autotask.records.project import parse_datetime, project


def _pendulum_datetime(value: str) -> Any:
    """parse_datetime as it was: pendulum alone (an exception's type stands for the exception)."""
    try:
        parsed = pendulum.parse(value, tz="UTC")
        return parsed.in_timezone("UTC") if isinstance(parsed, pendulum.DateTime) else None
    except ValueError as exc:
        if "offset must be a timedelta" in str(exc):
            return type(exc)
        return None
    except Exception:
        return None


def _pendulum_accepts(value: str) -> bool:
    try:
        return isinstance(pendulum.parse(value, tz="UTC"), pendulum.DateTime)
    except Exception:
        return False


def _dates() -> list[str]:
    rng = random.Random(19)
    out = [
        "2026-08-03T17:00:33.000Z",
        "2026-08-03T00:00:00",
        "2026-08-03",
        "2026-08-03T17:00",
        "2026-02-30T00:00:00Z",
        "2026-08-03T24:00:00Z",
        "2026-08-03T17:00:33.1234567Z",
        "2026-08-03 17:00:33",
        "2026-08-03T17:00:33+24:00",
        "0000-01-01T00:00:00Z",
        "\uff12\uff10\uff12\uff16-08-03T17:00:33",  # full-width digits
        "2026-W31",
        "17:00",
        "not a date",
    ]
    for _ in range(3000):
        year = rng.choice(["0001", "1970", "2026", "9999"])
        month, day = rng.choice(["01", "02", "12", "13"]), rng.choice(["01", "28", "29", "31", "32"])
        hour, minute = rng.choice(["00", "23", "24"]), rng.choice(["00", "59", "60"])
        clock = f"{hour}:{minute}:{rng.choice(['00', '59', '61'])}"
        fraction = rng.choice(["", ".5", ".000", ".123456", ".1234567"])
        zone = rng.choice(["", "Z", "+00:00", "-05:00", "+14:00", "+05:30", "+0000"])
        out.append(f"{year}-{month}-{day}T{clock}{fraction}{zone}")
    return out


def test_dates_are_accepted_and_read_exactly_as_pendulum_does() -> None:
    for value in _dates():
        projection._parsed.cache_clear()
        projection._is_datetime.cache_clear()
        expected = _pendulum_datetime(value)
        if isinstance(expected, type):
            with pytest.raises(expected):
                parse_datetime(value)
        else:
            got = parse_datetime(value)
            assert got == expected and repr(got) == repr(expected), value
        assert projection._is_datetime(value) is _pendulum_accepts(value), value


def _old_fingerprint(record: Any) -> str:
    text = simplejson.dumps(record, use_decimal=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


@pytest.mark.parametrize(
    "record",
    [
        {"b": Decimal("12.50"), "a": [Decimal("1E+2"), Decimal("0.0000001"), Decimal("-0.00")], "z": None},
        {"name": 'Café Nova \u2028 \U0001f600 \x7f \x00 \t "q" \\', "ok": True, "n": 2**63 - 1},
        {"huge": 2**70, "nested": {"é": [1, {"y": Decimal("3.1400")}]}},
        {},
    ],
)
def test_fingerprints_are_the_simplejson_ones_saved_states_hold(record: dict[str, Any]) -> None:
    assert fingerprint(record) == _old_fingerprint(record)


def test_fingerprints_refuse_what_simplejson_refuses() -> None:
    for value in (Decimal("NaN"), Decimal("Infinity")):
        with pytest.raises(ValueError):
            fingerprint({"a": value})


def test_projection_matches_names_in_any_case_and_still_checks_types() -> None:
    raw = {"ID": 5, "invoicenumber": "A1", "INVOICENUMBER": "A2", "invoiceTotal": "12.50", "unknown": 1}
    record = project(raw, "invoices")
    assert record == {"id": 5, "invoiceNumber": "A2", "invoiceTotal": Decimal("12.50")}
    assert list(record) == ["id", "invoiceNumber", "invoiceTotal"]  # schema order
    with pytest.raises(RecordError, match="field createDateTime is not a date-time"):
        project({"id": 6, "createDateTime": "2026-02-30T00:00:00Z"}, "invoices")
    with pytest.raises(RecordError, match="should be an integer, got a boolean"):
        project({"id": True}, "invoices")


class _ByIdClient:
    """Answers `id in [...]` queries with one row per id, and counts the ids it was asked for."""

    def __init__(self) -> None:
        self.asked: list[int] = []

    def query(self, query: Any) -> Any:
        ids = list(query.filters[0].value)
        self.asked.extend(ids)
        return ({"id": i, "name": f"row {i}"} for i in ids)


def test_rows_fetched_by_id_are_bounded_and_the_batch_in_hand_is_never_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from source_autotask import reference

    monkeypatch.setattr(reference, "REMEMBERED_ROWS", 3)
    client = _ByIdClient()
    ref = reference.ReferenceData(client)  # type: ignore[arg-type]
    ref.prefetch("Companies", [1, 2, 3])
    ref.prefetch("Companies", [3, 4])  # 3 is used again: 1 is the least recently used, and goes
    assert client.asked == [1, 2, 3, 4]
    assert ref.get_cached("Companies", 1) is None and ref.get_cached("Companies", 2) is not None
    ref.prefetch("Companies", [5, 6, 7, 8, 9])  # a batch larger than the bound keeps all of its rows
    assert all(ref.get_cached("Companies", i) is not None for i in (5, 6, 7, 8, 9))
    ref.prefetch("TicketCharges", [10])
    ref.release("TicketCharges")
    assert ref.get_cached("TicketCharges", 10) is None
