"""Mapping, item codes: the code made from an Autotask product or service, and the rule for codes Xero
cannot hold (mapping_item.py puts them on lines and items).

Why a rule and not a rejection: Xero's item `Code` is at most 30 characters (api-facts A4 Items) while an
Autotask SKU may hold 50, and a SKU is the admin's catalogue, not something to retype per invoice. A code
longer than 30 is therefore shortened the same way on every run and on every machine:

    the first 21 characters, "-", then the first 8 hex digits (upper case) of the SHA-256 of the whole code

so that it stays recognisable in Xero ("MICROSOFT-365-BUSINES-503DF005") and two long SKUs that share
their first 21 characters still get different codes (they differ in the hash). Codes of 30 characters or
fewer are sent unchanged. The whole code is `items.prefix` + the source value, stripped of spaces.
"""

from __future__ import annotations

import hashlib

ITEM_CODE_MAX = 30
HASH_DIGITS = 8
HEAD = ITEM_CODE_MAX - HASH_DIGITS - 1  # 21 characters kept, then "-" and the hash


def fit_code(code: str) -> str:
    """`code` as Xero can hold it: unchanged up to 30 characters, else shortened by the declared rule."""
    if len(code) <= ITEM_CODE_MAX:
        return code
    digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:HASH_DIGITS].upper()
    return f"{code[:HEAD]}-{digest}"
