"""The fingerprints a window read keeps, held compactly until the state is written.

Why not a dict of text: a window read remembers every document it assembled (its id, fingerprint and
latest moving date) until the end, to write the fingerprints of those still in the look-back window. As
`{"<id>": ("<20 hex>", <int>)}` that was about 0.35 KB per invoice, the one part of the source's memory
that grew with the number of invoices. Here a document costs 26 bytes: its id and latest date in machine
integer arrays, its fingerprint as the 10 bytes the 20 hex digits spell.

The state keeps its JSON shape exactly (`{"<id>": "<20 hex>"}`, ids in the order documents were read,
so saved states keep working and compare equal): `Fingerprints` is a read-only mapping of text to text
over the kept documents, and writes its own JSON text (`json_text`) so that an adapter can hand the
platform the state without a dict of two strings per document ever being built.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import ItemsView, Iterator, Mapping

DIGEST_BYTES = 10  # a fingerprint is 20 hex digits (`naming.fingerprint`)
_NO_DATE = -(2**63)  # "no moving date": below every real date (year 1 is about -6.2e16 microseconds)


class SeenDocuments:
    """Documents a window read assembled: id -> (fingerprint, latest date in UTC microseconds or None).

    Behaves as the dict it replaces: a document seen again keeps its first place and takes the new
    values. Ids normally arrive ascending (a window is read in id order), where no look-up is needed;
    those that do not (the retry list, read after the window) are found through a small index."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._latest = array("q")
        self._digests = bytearray()
        self._ascending = 0  # ids[:_ascending] ascend strictly (bisect finds any of them)
        self._others: dict[int, int] = {}  # id -> place, for the ids after that prefix

    def __len__(self) -> int:
        return len(self._ids)

    def put(self, key: int, digest: bytes | bytearray, latest: int | None) -> None:
        place = len(self._ids)
        if place == self._ascending and (place == 0 or key > self._ids[place - 1]):
            self._ascending += 1
        else:
            found = self._place(key)
            if found is not None:
                self._latest[found] = _NO_DATE if latest is None else latest
                self._digests[found * DIGEST_BYTES : (found + 1) * DIGEST_BYTES] = digest
                return
            self._others[key] = place
        self._ids.append(key)
        self._latest.append(_NO_DATE if latest is None else latest)
        self._digests += digest

    def _place(self, key: int) -> int | None:
        found = self._others.get(key)
        if found is None:
            i = bisect_left(self._ids, key, 0, self._ascending)
            if i < self._ascending and self._ids[i] == key:
                found = i
        return found

    def kept(self, keep_from: int) -> Fingerprints:
        """The fingerprints of the documents whose latest date is at or after `keep_from`."""
        kept = Fingerprints()
        for place, key in enumerate(self._ids):
            latest = self._latest[place]
            if latest != _NO_DATE and latest >= keep_from:
                kept.add(key, self._digests[place * DIGEST_BYTES : (place + 1) * DIGEST_BYTES])
        return kept

    def items(self) -> Iterator[tuple[str, str]]:
        """(id text, fingerprint) in first-seen order, as the old dict's items."""
        for place, key in enumerate(self._ids):
            yield str(key), self._digests[place * DIGEST_BYTES : (place + 1) * DIGEST_BYTES].hex()


class Fingerprints(Mapping[str, str]):
    """`{"<id>": "<fingerprint>"}` as a state holds it, built from ids and digests (read-only once built).

    A Mapping, so the core, the tests and `checked_state` read it as the dict it stands for (and it
    compares equal to that dict); adapters write it with `json_text` instead of copying it."""

    def __init__(self) -> None:
        self._ids = array("q")
        self._digests = bytearray()
        self._index: dict[int, int] | None = None  # built on the first look-up by key (rare)
        self._text: str | None = None

    def add(self, key: int, digest: bytes | bytearray) -> None:
        self._ids.append(key)
        self._digests += digest
        self._index, self._text = None, None

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[str]:
        return (str(key) for key in self._ids)

    def __getitem__(self, key: str) -> str:
        if self._index is None:
            self._index = {k: place for place, k in enumerate(self._ids)}
        place = self._index.get(int(key)) if isinstance(key, str) and key.isdigit() else None
        if place is None or str(self._ids[place]) != key:  # "007" is not the id 7
            raise KeyError(key)
        return self._digests[place * DIGEST_BYTES : (place + 1) * DIGEST_BYTES].hex()

    def items(self) -> ItemsView[str, str]:
        return _Items(self)

    def pairs(self) -> Iterator[tuple[str, str]]:
        """(id text, fingerprint) in order, without a look-up per key (Mapping's default items do one)."""
        for place, key in enumerate(self._ids):
            yield str(key), self._digests[place * DIGEST_BYTES : (place + 1) * DIGEST_BYTES].hex()

    def json_text(self) -> str:
        """The compact JSON object the dict would be written as (`{"12":"0a1b...","13":...}`): ids are
        digits and fingerprints hex, so nothing needs escaping and every JSON writer of the platforms,
        without spaces, writes exactly this text. Kept once written: a platform asks for the state more
        than once."""
        if self._text is None:
            self._text = "{" + ",".join(f'"{key}":"{digest}"' for key, digest in self.pairs()) + "}"
        return self._text


class _Items(ItemsView[str, str]):
    _mapping: Fingerprints

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return self._mapping.pairs()
