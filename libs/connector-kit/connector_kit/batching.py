"""Items cut into the fewest calls a vendor's limits allow: at most so many per call, and a size budget.

Why one function: a vendor limits a call both by count (Xero: 50 elements a write, so many keys a look-up)
and by size (a URL's length, a body's bytes), and each limit has to be kept by every batch that reaches
the wire. The loop that keeps both is easy to get subtly wrong (an empty first batch, a last one dropped),
so it is written once and each caller only says what an item costs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

_Item = TypeVar("_Item")


def bounded_batches(
    items: Iterable[_Item], cost: Callable[[_Item], int], budget: int, most: int
) -> Iterator[list[_Item]]:
    """`items` in order, in batches of at most `most` items whose costs add up to at most `budget`.

    An item that alone costs more than the budget still goes, in a batch of its own: refusing it is the
    vendor's to say, with its own message, not a silent drop here."""
    batch: list[_Item] = []
    used = 0
    for item in items:
        weight = cost(item)
        if batch and (used + weight > budget or len(batch) >= most):
            yield batch
            batch, used = [], 0
        batch.append(item)
        used += weight
    if batch:
        yield batch
