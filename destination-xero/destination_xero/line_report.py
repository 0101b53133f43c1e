"""Outcome, the lines: what the run summary says about one organisation's lines (items attached, lines
left without an item, descriptions cut to Xero's limit) and the warnings an admin must read.

Why a summary and not only a log line per document: each of these is a mapping or catalogue fact (a
product without a SKU, a text longer than Xero takes) that repeats on every document it touches. Counted
once per run and named with its largest examples, it is something an admin can fix; spread over a
thousand decision lines, it is noise nobody reads. A mapping that enables items and attaches none is the
case that went unnoticed before: it gets a warning of its own, naming why.

Counted from the documents that are in Xero as mapped after this run (created, updated, or found
unchanged), so a rerun that writes nothing still reports what Xero holds.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .config import ItemMapping
from .documents import Document
from .mapping_common import DESCRIPTION_MAX

LANDED = frozenset({"create", "update", "unchanged"})
DOCUMENT_KINDS = frozenset({"invoice", "credit_note", "purchase_order", "bill"})
NAMED = 5  # catalogue entries or lines named in one warning; the rest are counted


@dataclass
class LineReport:
    documents: int = 0
    items_attached: int = 0
    itemless: Counter[str] = field(default_factory=Counter)  # "product 12 'Name'" -> lines without an item
    cut: list[str] = field(default_factory=list)  # "invoice 20123 line 33000012"

    def note(self, action: str, document: Document | None) -> None:
        """Count one decided document's lines when it is in Xero as mapped."""
        if document is None or action not in LANDED or document.kind not in DOCUMENT_KINDS:
            return
        self.documents += 1
        self.items_attached += document.item_lines
        self.itemless.update(document.itemless)
        self.cut.extend(f"{document.label} line {line_id}" for line_id in document.cut_descriptions)

    def figures(self) -> dict[str, int]:
        return {
            "items_attached": self.items_attached,
            "lines_without_item": sum(self.itemless.values()),
            "descriptions_cut": len(self.cut),
        }

    def warnings(self, items: ItemMapping) -> list[str]:
        found = []
        if items.enabled and self.documents:
            found += self._item_warnings(items)
        if self.cut:
            found.append(
                f"{len(self.cut)} line description(s) were longer than Xero's {DESCRIPTION_MAX} characters "
                f"and were cut to {DESCRIPTION_MAX}: {_named(sorted(self.cut))}"
            )
        return found

    def _item_warnings(self, items: ItemMapping) -> list[str]:
        without = sum(self.itemless.values())
        if self.items_attached == 0 and without == 0:
            return [
                f"items are enabled (code_from: {items.code_from}) but no line got an item: no line of the "
                f"{self.documents} document(s) carries a product or service (labour, expenses and milestones "
                "have none)"
            ]
        if without == 0:
            return []
        head = (
            f"items are enabled (code_from: {items.code_from}) but no line got an item: "
            if self.items_attached == 0
            else ""
        )
        return [
            f"{head}{without} line(s) were posted without an item because their product or service has no "
            f"{items.code_from} (items.missing_code: line_without_item): {self._itemless_by_kind(items)}. "
            f"Give them a {items.code_from} in Autotask, or set items.code_from to "
            + ("name or id" if items.code_from == "sku" else "id")
        ]

    def _itemless_by_kind(self, items: ItemMapping) -> str:
        """Products first (a product without a SKU is usually an oversight), then services, each with the
        entries that left the most lines without an item."""
        parts = []
        for kind in sorted({name.split(" ", 1)[0] for name in self.itemless}):
            entries = _largest(
                Counter({n: c for n, c in self.itemless.items() if n.split(" ", 1)[0] == kind})
            )
            lines = sum(count for _, count in entries)
            why = (
                " (Autotask's documented Services carry no SKU)"
                if kind == "service" and items.code_from == "sku"
                else ""
            )
            named = _named([f"{name} ({count} line(s))" for name, count in entries])
            parts.append(f"{lines} line(s) of {len(entries)} {kind}(s){why}: {named}")
        return "; ".join(parts)


def _largest(counts: Counter[str]) -> list[tuple[str, int]]:
    """Most lines first, then by name: the same order on every run and with every runner."""
    return sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))


def _named(names: list[str]) -> str:
    shown = ", ".join(names[:NAMED])
    return shown + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")
