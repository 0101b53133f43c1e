"""What every document kind's mapping shares: the error that collects problems, dates as Xero takes them,
and the tally of what a document's lines became.

Why apart: invoices, credit notes and purchase orders are mapped by different modules (mapping_invoice.py,
mapping_purchase_order.py) but must refuse a date, cut a description and report an item-less line the
same way; written once here, the rule cannot drift between two document kinds.

Every problem found while mapping a document is collected and raised together as `MappingError`, so the
rejected-records output names everything that must be fixed (an unmapped tax region AND a missing account),
and only that document fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pendulum

from .record_types import ProductRef
from .rounding import unit_amount

ZERO = Decimal(0)
# Xero's longest line Description: 4000 characters, as for an item's (api-facts A4; the OpenAPI LineItem
# schema states no maximum). A longer one is cut to it, counted, and said in the run summary.
DESCRIPTION_MAX = 4000
# Xero documents no range for document dates. It stores them in SQL Server `datetime` (1753-01-01 to
# 9999-12-31): a date before 1753 is answered with HTTP 500 for the whole request (XeroAPI/XeroAPI.Net#16),
# dates before 1970 are held (XeroAPI/Xero-Java#138). Our choice: 1900-01-01 to 9999-12-31, inside that
# range with a margin; no Autotask document predates 1900, so an earlier year ("0001", "1025") is a typo.
XERO_MIN_DATE = pendulum.Date(1900, 1, 1)
XERO_MAX_DATE = pendulum.Date(9999, 12, 31)


class MappingError(ValueError):
    def __init__(self, document: str, problems: Sequence[str]) -> None:
        self.document = document
        self.problems = list(problems)
        super().__init__(f"{document}: " + "; ".join(self.problems))


# table (by identity) -> (the table, its keys folded): the tables are the tenant's mapping, read once and
# never changed during a run, and `lookup` is asked several times per line (50,000 times at bench:10000);
# folding a table each time was most of its cost. The table itself is held so its id cannot be reused.
_FOLDED: dict[int, tuple[dict[str, str], int, dict[str, str]]] = {}


def _folded(table: dict[str, str]) -> dict[str, str]:
    known = _FOLDED.get(id(table))
    if known is not None and known[0] is table and known[1] == len(table):
        return known[2]
    folded = {k.strip().lower(): v for k, v in table.items()}
    if len(_FOLDED) < 1024:
        _FOLDED[id(table)] = (table, len(table), folded)
    return folded


def lookup(table: dict[str, str], *keys: str | None) -> str | None:
    """The value of the first key found in `table`, keys compared trimmed and case-insensitively."""
    if not table:
        return None
    folded = _folded(table)
    for key in keys:
        if key is not None and key.strip().lower() in folded:
            return folded[key.strip().lower()]
    return None


def date_text(value: pendulum.Date) -> str:
    """Always 4-digit YYYY-MM-DD: pendulum writes year 1 as "1-01-01", which Xero cannot parse, and one
    unparsable date makes Xero refuse the whole request, not just its document."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def xero_date(value: pendulum.Date, what: str, problems: list[str]) -> str | None:
    """`value` as Xero takes it, or None with a problem naming `what` when it is outside the range we send
    (XERO_MIN_DATE..XERO_MAX_DATE): refused here, it rejects its own document instead of Xero's batch."""
    if XERO_MIN_DATE <= value <= XERO_MAX_DATE:
        return date_text(value)
    problems.append(
        f"{what} out of range: {date_text(value)} "
        f"(accepted: {date_text(XERO_MIN_DATE)} to {date_text(XERO_MAX_DATE)})"
    )
    return None


def add_days(start: pendulum.Date, days: int) -> pendulum.Date | None:
    """`start` + `days`, or None when no date holds the sum: past 9999-12-31, or a term so large (10^9
    days) that Python cannot even represent the interval; both raise OverflowError otherwise."""
    try:
        return start.add(days=days)
    except (OverflowError, ValueError):
        return None


def q4(value: Decimal) -> Decimal:
    return unit_amount(value, 4)


@dataclass
class LineTally:
    """What a document's lines add up to besides their payload: the products that became items, the ones
    that could not (named, for the summary), and the lines whose description was cut to DESCRIPTION_MAX."""

    products: list[ProductRef] = field(default_factory=list)
    itemless: list[str] = field(default_factory=list)
    cut: list[int] = field(default_factory=list)

    def description(self, line_id: int, text: str) -> str:
        """`text` as Xero takes it: cut to DESCRIPTION_MAX characters, the cut remembered for the summary."""
        if len(text) <= DESCRIPTION_MAX:
            return text
        self.cut.append(line_id)
        return text[:DESCRIPTION_MAX]

    def fields(self) -> dict[str, Any]:
        return {
            "products": tuple(self.products),
            "item_lines": len(self.products),
            "itemless": tuple(self.itemless),
            "cut_descriptions": tuple(self.cut),
        }
