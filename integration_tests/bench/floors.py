"""The physical floors the benchmark compares against: the fewest calls and least time the vendors allow.

Xero takes up to 50 elements per write call (its own batching advice) and counts 60 calls per tenant per
minute; Autotask returns up to 500 records per query page and counts 10,000 calls per hour for the whole
database. A sync cannot do better than these, whatever its CPU; how far above them it lands is the figure
users compare with the paid tool they run today.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

XERO_BATCH = 50
AUTOTASK_PAGE = 500
XERO_PER_MINUTE = 60
XERO_WINDOW_SECONDS = 60.0
AUTOTASK_PER_HOUR = 10_000
AUTOTASK_WINDOW_SECONDS = 3600.0

# Each Xero document kind has its own endpoint: one batch cannot mix invoices and credit notes.
WRITE_KINDS = ("invoice", "credit_note", "purchase_order", "contact", "item")
WRITE_ACTIONS = ("create", "update")


def ceil_div(count: int, size: int) -> int:
    if count < 0 or size <= 0:
        raise ValueError(f"ceil_div needs count >= 0 and size > 0, got {count}, {size}")
    return -(-count // size)


def xero_floor(invoices: int, contacts: int, items: int) -> int:
    """The issue's floor for one tenant: ⌈N/50⌉ + ⌈C/50⌉ + ⌈I/50⌉ (N documents, C new contacts, I items)."""
    return ceil_div(invoices, XERO_BATCH) + ceil_div(contacts, XERO_BATCH) + ceil_div(items, XERO_BATCH)


def written_per_kind(documents: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Documents the destination created or updated per kind, from its summary's `documents` counts."""
    return {
        kind: sum(int(documents.get(kind, {}).get(action, 0)) for action in WRITE_ACTIONS)
        for kind in WRITE_KINDS
    }


def xero_write_floor(written: Mapping[str, int]) -> int:
    """The same floor per endpoint: invoices, credit notes and purchase orders are separate batches."""
    return sum(ceil_div(int(count), XERO_BATCH) for count in written.values())


def autotask_floor(invoices: int, lines: int, reference_rows: Iterable[int]) -> int:
    """⌈N/500⌉ + ⌈L/500⌉ + reference pages (each reference entity read needs at least one page)."""
    pages = sum(max(1, ceil_div(rows, AUTOTASK_PAGE)) for rows in reference_rows)
    return ceil_div(invoices, AUTOTASK_PAGE) + ceil_div(lines, AUTOTASK_PAGE) + pages


def limit_seconds(xero_calls_per_tenant: Mapping[str, int], autotask_calls: int, factor: float) -> float:
    """Time the limits alone impose: calls ÷ allowed rate, per tenant, the tenants in parallel (so the
    busiest tenant decides), windows `factor` times shorter as the sandbox's `scaled:F` makes them.

    A steady-state figure: it ignores the first window's burst (60 calls can land at once), so a sync
    of fewer than 60 calls per tenant can finish faster than this."""
    if factor <= 0:
        raise ValueError("factor must be > 0")
    xero = max(xero_calls_per_tenant.values(), default=0) / XERO_PER_MINUTE * XERO_WINDOW_SECONDS
    autotask = autotask_calls / AUTOTASK_PER_HOUR * AUTOTASK_WINDOW_SECONDS
    return max(xero, autotask) / factor


def serial_limit_seconds(xero_calls_per_tenant: Mapping[str, int], factor: float) -> float:
    """The same with the tenants one after the other: what a sync that never overlaps tenants pays."""
    return sum(xero_calls_per_tenant.values()) / XERO_PER_MINUTE * XERO_WINDOW_SECONDS / factor
