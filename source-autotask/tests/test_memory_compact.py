"""Memory held per document or per customer, kept compact without changing a record or a state byte.

The compact fingerprints behave as the dict they replace, and every platform writes the same bytes.

Why: a window read keeps one entry per document until the state is written, so it is held compactly
(`fingerprints.py`); saved states must keep working, so the state text must stay exactly what the dict
`{"<id>": "<20 hex>"}` was written as, through the Airbyte CDK and through singer-sdk.
"""

from __future__ import annotations

import copy
import hashlib
import random
from typing import Any

import orjson
import simplejson
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteMessageSerializer,
    AirbyteStateBlob,
    AirbyteStateMessage,
    AirbyteStateType,
    AirbyteStreamState,
    StreamDescriptor,
    Type,
)
from source_autotask.airbyte import platform_state
from source_autotask.fingerprints import Fingerprints, SeenDocuments
from source_autotask.naming import digest, fingerprint
from source_autotask.records.documents import company_fields, company_snapshot
from source_autotask.reference import ReferenceData
from source_autotask.singer import singer_state
from source_autotask.state import checked_state
from source_autotask.streams.specs import STREAMS


def _digest(n: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest()[:10]


def _operations(seed: int) -> list[tuple[int, bytes, int | None]]:
    """Ascending ids (a window), then repeats and ids out of order (a retry list, a page read twice)."""
    rng = random.Random(seed)
    ids = sorted(rng.sample(range(1, 10**9), 300))
    ops = [(i, _digest(rng.random()), rng.choice([None, rng.randrange(-(10**17), 10**17)])) for i in ids]
    for _ in range(120):
        key = rng.choice(ids) if rng.random() < 0.5 else rng.randrange(1, 10**9)
        ops.append((key, _digest(rng.random()), rng.choice([None, rng.randrange(-(10**17), 10**17)])))
    return ops


def test_seen_documents_keep_the_dicts_order_and_values() -> None:
    for seed in range(5):
        seen, as_dict = SeenDocuments(), {}
        for key, dig, latest in _operations(seed):
            seen.put(key, dig, latest)
            as_dict[str(key)] = (dig.hex(), latest)
        assert list(seen.items()) == [(k, fp) for k, (fp, _) in as_dict.items()]
        assert len(seen) == len(as_dict)
        for keep_from in (-(10**17), 0, 10**16):
            expected = {k: fp for k, (fp, t) in as_dict.items() if t is not None and t >= keep_from}
            kept = seen.kept(keep_from)
            assert kept == expected and list(kept) == list(expected) and len(kept) == len(expected)
            assert list(kept.items()) == list(expected.items())
            assert all(kept[k] == v for k, v in expected.items())


def test_fingerprints_read_as_a_mapping() -> None:
    kept = Fingerprints()
    kept.add(7, _digest(7))
    kept.add(12, _digest(12))
    assert kept.get("7") == _digest(7).hex() and kept.get("007") is None and kept.get("8") is None
    assert "12" in kept and "x" not in kept and dict(kept) == {"7": _digest(7).hex(), "12": _digest(12).hex()}
    state = {"cursor": "2026-10-01T00:00:00.000Z", "fingerprints": kept}
    assert checked_state(STREAMS["invoices"], state) == (state, None)  # a state read back in is usable


def test_digest_is_the_fingerprint_in_bytes() -> None:
    record = {"id": 5, "total": "1.5", "lines": [{"a": 1}]}
    assert digest(record).hex() == fingerprint(record) and len(fingerprint(record)) == 20


def _fingerprints(count: int) -> tuple[Fingerprints, dict[str, str]]:
    kept, plain = Fingerprints(), {}
    for n in range(count):
        key = 30_000_000 + 7 * n
        kept.add(key, _digest(n))
        plain[str(key)] = _digest(n).hex()
    return kept, plain


def test_airbyte_writes_the_same_state_bytes() -> None:
    for count in (0, 1, 250):
        kept, plain = _fingerprints(count)
        core = {"cursor": "2026-10-31T17:04:03.000Z", "fingerprints": kept, "retry": [3]}

        def line(stream_state: dict[str, object]) -> bytes:
            message = AirbyteMessage(
                type=Type.STATE,
                state=AirbyteStateMessage(
                    type=AirbyteStateType.STREAM,
                    stream=AirbyteStreamState(
                        stream_descriptor=StreamDescriptor(name="invoices"),
                        stream_state=AirbyteStateBlob(stream_state),
                    ),
                ),
            )
            return orjson.dumps(AirbyteMessageSerializer.dump(message))

        assert line(platform_state(core)) == line({**core, "fingerprints": plain})


def test_singer_writes_the_same_state_bytes_and_compares_as_a_dict() -> None:
    kept, plain = _fingerprints(250)
    core = {"cursor": "2026-10-31T17:04:03.000Z", "fingerprints": kept}
    tap_state = {"bookmarks": {"invoices": {"autotask": singer_state(core)}}}
    plain_state = {"bookmarks": {"invoices": {"autotask": {**core, "fingerprints": plain}}}}

    def text(value: object) -> str:  # singer-sdk's own call (singer_sdk.singerlib.json.serialize_json)
        return str(simplejson.dumps(value, use_decimal=True, separators=(",", ":"), ignore_nan=True))

    assert text(tap_state) == text(plain_state)
    copied = copy.deepcopy(tap_state)  # what the SDK keeps to tell whether the state changed
    assert copied == tap_state and text(copied) == text(plain_state)
    changed = {
        "bookmarks": {"invoices": {"autotask": singer_state({**core, "fingerprints": _fingerprints(3)[0]})}}
    }
    assert changed != tap_state


class _OneCompany:
    """A client whose every query answers one company row (the reference fetches it by id)."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def query(self, query: Any) -> list[dict[str, Any]]:
        return [dict(self.row)]

    def picklists(self, entity: str) -> dict[str, dict[int, str]]:
        return {}


def test_company_rows_kept_slim_give_the_same_snapshots() -> None:
    """Company rows fetched by id are kept with the fields the snapshots read only (`reference.py`): the
    invoice's company and the purchase order's vendor come out exactly as from the whole row, mixed-case
    and repeated names included."""
    row: dict[str, Any] = {
        "id": 12,
        "companyName": "Café Nova Ltd",
        "COMPANYNUMBER": "C1",
        "companyNumber": "C2",  # the last of two names equal but for case wins, as before
        "taxRegionID": None,
        "countryID": None,
        "billToCountryID": None,
        "companyType": 1,
        "territoryID": None,
        "assetValue": "9",
        "sicCode": "x" * 30,
        "userDefinedFields": [{"name": "Xero Organisation", "value": "UK"}],
    }
    whole = ReferenceData(_OneCompany(row))  # type: ignore[arg-type]
    slim = ReferenceData(_OneCompany(row))  # type: ignore[arg-type]
    slim.keep_only("Companies", company_fields())
    for ref in (whole, slim):
        ref.prefetch("Companies", [12])
    kept = slim.get_cached("Companies", 12) or {}
    assert "sicCode" not in kept and "assetValue" not in kept and "COMPANYNUMBER" in kept
    for stream in ("invoices", "purchase_orders"):
        assert company_snapshot(slim, 12, "x", stream) == company_snapshot(whole, 12, "x", stream)
