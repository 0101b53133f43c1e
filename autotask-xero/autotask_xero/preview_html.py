"""The preview page: one self-contained HTML file (no script, no external style), a section per organisation.

Why this shape: an admin reviews a first sync organisation by organisation, as each is a separate set of
books; in each, the documents with what would happen to them, and the lines, taxes and totals as Xero
would show them (the payload the dry run would send, each line's tax from the organisation's own rates),
then the contacts and items the sync would create. Decisions no organisation took (a document no route
places) get their own section, so nothing the run decided is left off the page.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from html import escape
from typing import Any

from .preview import Preview

DOCUMENT_KINDS = ("invoice", "credit_note", "purchase_order", "bill")
CREATED_KINDS = ("contact", "item")
CENT = Decimal("0.01")
HEADINGS = ("Description", "Qty", "Unit", "Account", "Tax type", "Amount", "Tax")
STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0}"
    "td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:left}td.n{text-align:right}"
    ".rejected{color:#a00}.create{color:#060}.update{color:#036}.unchanged{color:#666}"
    "article{border-top:1px solid #ddd;padding:.5rem 0}"
)


def _money(value: Any) -> Decimal:
    try:
        return Decimal(str(value)).quantize(CENT)
    except ArithmeticError:
        return Decimal(0)


def _line_amount(line: dict[str, Any]) -> Decimal:
    if line.get("LineAmount") is not None:
        return _money(line["LineAmount"])
    return _money(Decimal(str(line.get("Quantity") or 0)) * Decimal(str(line.get("UnitAmount") or 0)))


def _line_tax(line: dict[str, Any]) -> Decimal | None:
    value = line.get("TaxAmount", line.get("_preview_tax"))
    return None if value is None else _money(value)


def _cell(value: Any, numeric: bool = False) -> str:
    return f"<td{' class=n' if numeric else ''}>{escape('' if value is None else str(value))}</td>"


def _lines(payload: dict[str, Any]) -> str:
    lines = [line for line in payload.get("LineItems") or [] if isinstance(line, dict)]
    if not lines:
        return ""
    rows = []
    subtotal, tax, unknown = Decimal(0), Decimal(0), False
    for line in lines:
        amount, line_tax = _line_amount(line), _line_tax(line)
        subtotal += amount
        tax += line_tax or 0
        unknown = unknown or line_tax is None
        rows.append(
            "<tr>"
            + _cell(line.get("Description"))
            + _cell(line.get("Quantity"), True)
            + _cell(line.get("UnitAmount"), True)
            + _cell(line.get("AccountCode") or (line.get("Item") or {}).get("Code"))
            + _cell(line.get("TaxType"))
            + _cell(amount, True)
            + _cell("?" if line_tax is None else line_tax, True)
            + "</tr>"
        )
    inclusive = payload.get("LineAmountTypes") == "Inclusive"
    total = subtotal if inclusive else subtotal + tax
    shown = f"{tax}{' (some rates unknown)' if unknown else ''}"
    head = "<tr>" + "".join(f"<th>{h}</th>" for h in HEADINGS) + "</tr>"
    totals = (
        f"<p class=totals>{'Includes tax' if inclusive else 'Subtotal'} {escape(str(subtotal))} · "
        f"Total tax {escape(shown)} · <b>Total {escape(str(total))}</b> "
        f"{escape(str(payload.get('CurrencyCode') or ''))}</p>"
    )
    return "<table>" + head + "".join(rows) + "</table>" + totals


def _payload(decision: dict[str, Any]) -> dict[str, Any]:
    payload = decision.get("payload")
    return payload if isinstance(payload, dict) else {}


def _document(decision: dict[str, Any]) -> str:
    action = str(decision.get("action"))
    payload = _payload(decision)
    contact = (payload.get("Contact") or {}).get("Name") if isinstance(payload.get("Contact"), dict) else None
    title = f"{decision.get('kind')} {decision.get('key') or decision.get('autotask_id')}"
    parts = [
        f"<article class=document><h3>{escape(title)} "
        f"<span class={escape(action)}>{escape(action)}</span></h3>"
    ]
    if contact:
        parts.append(f"<p>Contact: {escape(str(contact))}</p>")
    if decision.get("changes"):
        parts.append("<p>Changed fields: " + escape(", ".join(map(str, decision["changes"]))) + "</p>")
    if decision.get("reason"):
        parts.append(f"<p class=reason>{escape(str(decision['reason']))}</p>")
    parts.append(_lines(payload))
    return "".join(parts) + "</article>"


def _created(decisions: Iterable[dict[str, Any]]) -> str:
    rows = []
    for d in decisions:
        payload = _payload(d)
        name = payload.get("Name") or payload.get("Code") or d.get("key")
        rows.append(f"<li>{escape(str(d.get('kind')))}: {escape(str(name))}</li>")
    return "<h3>Would be created</h3><ul>" + "".join(rows) + "</ul>" if rows else ""


def _section(tenant_id: str, name: str, decisions: list[dict[str, Any]]) -> str:
    documents = [d for d in decisions if d.get("kind") in DOCUMENT_KINDS]
    created = [d for d in decisions if d.get("kind") in CREATED_KINDS and d.get("action") == "create"]
    counts: dict[str, int] = {}
    for d in documents:
        counts[str(d.get("action"))] = counts.get(str(d.get("action")), 0) + 1
    summary = ", ".join(f"{n} {a}" for a, n in sorted(counts.items())) or "no documents"
    return (
        f"<section class=organisation data-tenant-id={escape(tenant_id, quote=True)}>"
        f"<h2>{escape(name)}</h2><p>{escape(summary)}</p>"
        + "".join(_document(d) for d in documents)
        + _created(created)
        + "</section>"
    )


def render(preview: Preview) -> str:
    by_tenant: dict[str, list[dict[str, Any]]] = {tid: [] for tid in preview.organisations}
    unplaced: list[dict[str, Any]] = []
    for decision in preview.decisions:
        by_tenant.get(str(decision.get("tenant_id") or ""), unplaced).append(decision)
    sections = [_section(tid, preview.organisations[tid], ds) for tid, ds in by_tenant.items()]
    if unplaced:
        sections.append(
            "<section class=unplaced><h2>Not placed in any organisation</h2>"
            + "".join(_document(d) for d in unplaced)
            + "</section>"
        )
    notes = "".join(f"<li>{escape(s)}</li>" for s in [*preview.problems, *preview.stopped])
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>First sync preview</title>"
        f"<style>{STYLE}</style></head><body><h1>First sync preview (dry run: nothing was written)</h1>"
        + (f"<ul class=notes>{notes}</ul>" if notes else "")
        + "".join(sections)
        + "</body></html>"
    )
