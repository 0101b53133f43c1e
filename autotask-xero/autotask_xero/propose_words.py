"""How `propose-mapping` compares an Autotask name with a Xero one: by the words that tell them apart.

Why words and not whole names: "Managed Services" (a billing code) is "210 Managed Services Revenue" in
Xero, and "VAT Exempt" (an Autotask tax) is "Exempt Income". So names are folded (case, accents),
split into words, plurals cut ("Services" = "Service"), and the words that say nothing are dropped: the
ones every account or tax rate carries ("Revenue", "Sales", "Tax", and any word in half or more of an
organisation's tax rate names, such as "VAT" in a UK one) and legal suffixes of organisation names. A few
words mean the same thing to an accountant and are read as one: "exempt", "non-taxable", "free" (GST free)
and "untaxed"; "EU", "EC" and "European".

A match is only ever a proposal: its comment names the shared words, so that the person reviewing the
file sees at once when two names only look alike.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from destination_xero.lookups import fold_name

STOP = frozenset(
    {"a", "an", "and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "per", "no", "not"}
)
# words every revenue account or tax rate name may carry
GENERIC = frozenset({"revenue", "sales", "sale", "income", "other", "fee", "tax", "rate", "output", "input"})
LEGAL = frozenset(
    {"ltd", "limited", "pty", "inc", "incorporated", "llc", "plc", "gmbh", "corp", "corporation", "co"}
    | {"company", "sa", "bv", "ag", "nv", "srl", "group", "holding", "holdings"}
)
SAME = {
    "exempt": "exempt",
    "exemption": "exempt",
    "exempted": "exempt",
    "nontaxable": "exempt",
    "untaxed": "exempt",
    "free": "exempt",
    "eu": "eu",
    "ec": "eu",
    "european": "eu",
    "europe": "eu",
}
# Autotask users write "UK"; ISO 3166 (and Xero's CountryCode) says GB.
COUNTRY_ALIASES = {"GB": ("gb", "uk")}


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def words(text: str, drop: Iterable[str] = ()) -> set[str]:
    """The telling words of a name: folded, de-hyphenated, singular, synonyms read as one."""
    dropped = set(drop)
    folded = fold_name(text).replace("-", "")
    found = set()
    for raw in re.findall(r"[a-z0-9]+", folded):
        if raw.isdigit() or raw in STOP:
            continue
        word = SAME.get(raw, _singular(raw))
        word = SAME.get(word, word)
        if word not in GENERIC and word not in dropped:
            found.add(word)
    return found


def common_words(names: Iterable[str]) -> set[str]:
    """Words in half or more of these names (at least three): the ones that tell none apart."""
    listed = list(names)
    if len(listed) < 3:
        return set()
    counts = Counter(w for name in listed for w in words(name))
    return {w for w, n in counts.items() if n * 2 >= len(listed)}


def same_name(a: str, b: str) -> bool:
    return fold_name(a) == fold_name(b)


def quoted(values: Iterable[str]) -> str:
    return ", ".join(f"'{v}'" for v in sorted(values))


def best(scores: dict[str, int]) -> str | None:
    """The one key with the highest positive score, or None when none scores or several tie."""
    if not scores:
        return None
    top = max(scores.values())
    leaders = [k for k, v in scores.items() if v == top]
    return leaders[0] if top > 0 and len(leaders) == 1 else None
