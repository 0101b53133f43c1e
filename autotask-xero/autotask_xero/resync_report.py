"""What `autotask-xero resync` prints: per organisation, what became of each named invoice, in plain words.

Why its own module: the re-sync's decisions are the engine's (create, update, not_changeable...), worded
for a log; the person who typed the invoice numbers wants to read, per organisation, which invoices are
now in Xero, which were already right, and for each one that is not, why and what to do. So the engine's
actions become sentences here, Xero's element names become the words Xero's screens use, and every line
names the Autotask invoice number (and the Xero number when the numbering differs). Secrets that could
appear in a reason or a problem are masked before anything is printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from connector_kit.redaction import redact

from .resync import Resync

# In the order an admin reads them: what landed, what was already right, then what needs them.
ACTIONS = ("create", "update", "unchanged", "skipped", "not_changeable", "rejected", "deferred")
HEADINGS = {
    "create": ("Created in Xero", "Would be created in Xero"),
    "update": ("Updated in Xero", "Would be updated in Xero"),
    "unchanged": ("Already in Xero as Autotask has it", "Already in Xero as Autotask has it"),
    "skipped": (
        "Not sent (voided in Autotask, never in Xero)",
        "Not sent (voided in Autotask, never in Xero)",
    ),
    "not_changeable": ("Not changed: Xero no longer lets us", "Not changeable: Xero no longer lets us"),
    "rejected": ("Rejected", "Would be rejected"),
    "deferred": ("Left for later", "Left for later"),
}
# Xero's element names as its screens show them.
FIELDS = {
    "LineItems": "lines",
    "Date": "date",
    "DueDate": "due date",
    "Contact": "customer",
    "Status": "status",
    "CurrencyRate": "exchange rate",
    "CurrencyCode": "currency",
    "BrandingThemeID": "branding theme",
    "Reference": "reference",
    "LineAmountTypes": "amounts tax-inclusive/exclusive",
    "InvoiceNumber": "invoice number",
    "CreditNoteNumber": "credit note number",
}
KIND = {"invoice": "invoice", "credit_note": "credit note", "contact": "contact", "item": "item"}


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _fields(names: Iterable[str]) -> str:
    return ", ".join(FIELDS.get(name, name) for name in names)


def _name(result: Resync, decision: dict[str, Any]) -> str:
    """`invoice 20123`, `credit note 20124`, `invoice 20125 (in Xero: 20125-UK)`."""
    kind = KIND.get(str(decision.get("kind")), str(decision.get("kind")))
    key = str(decision.get("key") or "")
    number = result.invoices.get(decision.get("autotask_id") or -1, "") or key
    return f"{kind} {number}" + (f" (in Xero: {key})" if key and key != number else "")


def _detail(decision: dict[str, Any], dry_run: bool) -> str:
    action = decision.get("action")
    if action == "create" and decision.get("replaces_xero_id"):
        return "it had been deleted in Xero; " + ("it would be entered again" if dry_run else "entered again")
    if action == "update":
        changed = _fields(decision.get("changes") or [])
        return f"{changed} {'would be ' if dry_run else ''}replaced with Autotask's" if changed else ""
    if action in ("not_changeable", "rejected", "deferred"):
        messages = "; ".join(str(m) for m in decision.get("xero_messages") or [])
        reason = str(decision.get("reason") or "")
        return f"{reason} (Xero says: {messages})" if messages else reason
    return ""


def _documents(result: Resync, decisions: list[dict[str, Any]], indent: str) -> list[str]:
    lines = []
    for action in ACTIONS:
        chosen = [d for d in decisions if d.get("action") == action]
        if not chosen:
            continue
        lines.append(f"{indent}{HEADINGS[action][result.dry_run]} ({len(chosen)}):")
        for decision in chosen:
            detail = _detail(decision, result.dry_run)
            lines.append(f"{indent}  - {_name(result, decision)}" + (f": {detail}" if detail else ""))
    return lines


def _also(result: Resync, tenant_id: str) -> list[str]:
    """Contacts and items the re-sync created or changed for the invoices' sake (or could not)."""
    done = [
        d
        for d in result.decisions
        if d.get("tenant_id") == tenant_id
        and d.get("kind") in ("contact", "item")
        and d.get("action") != "unchanged"
    ]
    lines = []
    for decision in done:
        kind = KIND.get(str(decision.get("kind")), str(decision.get("kind")))
        action = str(decision.get("action"))
        verb = {"create": "created", "update": "updated"}.get(action, action.replace("_", " "))
        if result.dry_run and action in ("create", "update"):
            verb = f"would be {verb}"
        reason = f": {decision['reason']}" if decision.get("reason") else ""
        lines.append(f"  Also {verb}: {kind} {decision.get('key')}{reason}")
    return lines


def terminal(result: Resync) -> str:
    """The whole report, masked, ending with the one line that says whether the admin is done."""
    return redact("\n".join(_lines(result)), result.secrets)


def _lines(result: Resync) -> list[str]:
    if result.problems:
        lines = [
            "autotask-xero resync: nothing was sent" if not result.decisions else "autotask-xero resync:"
        ]
        lines += [f"- {problem}" for problem in result.problems]
        return [*lines, *(_body(result) if result.decisions else [])]
    asked = len(result.named)
    lines = [
        f"autotask-xero resync: {_count(asked, 'invoice')} named, {len(result.invoices)} read from Autotask "
        f"({_count(result.autotask_calls, 'call')})"
        + (" - dry run: nothing is written" if result.dry_run else "")
    ]
    return [*lines, *_body(result)]


def _body(result: Resync) -> list[str]:
    lines: list[str] = []
    documents = result.documents()
    for tenant_id, name in result.organisations.items():
        own = [d for d in documents if d.get("tenant_id") == tenant_id]
        if not own:
            continue
        calls = result.xero_calls.get(name, 0)
        lines.append(f"{name} ({_count(calls, 'Xero call')})")
        lines += _documents(result, own, "  ")
        lines += _also(result, tenant_id)
    unrouted = [d for d in documents if not d.get("tenant_id")]
    if unrouted:
        lines.append("Not sent to any organisation")
        lines += _documents(result, unrouted, "  ")
    if result.unknown:
        lines.append(
            "Not found in Autotask: " + ", ".join(result.unknown) + " (check the number; an invoice Autotask "
            "has not numbered yet can be named by its id, id:N)"
        )
    if result.held:
        lines.append(
            "Not finished in Autotask (no invoice number yet), so not sent: "
            + ", ".join(f"id:{i}" for i in result.held)
            + " (the next sync sends it once Autotask numbers it)"
        )
    lines += [f"Stopped early: {reason}" for reason in result.stopped]
    lines.append(_verdict(result))
    return lines


def _verdict(result: Resync) -> str:
    missing = [result.invoices[i] or f"id:{i}" for i in result.not_landed()]
    missing += [*result.unknown, *(f"id:{i}" for i in result.held)]
    asked = len(result.named)
    if result.problems:
        return "Not every named invoice could be sent; fix the problem above and run the re-sync again."
    if not missing:
        if result.dry_run:
            return "Every named invoice is already in Xero as Autotask has it: nothing to send."
        return "Every named invoice is now in Xero as Autotask has it."
    shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more" if len(missing) > 20 else "")
    if result.dry_run:
        sendable = len(result.would_land())
        return (
            f"{len(missing)} of {_count(asked, 'named invoice')} are not in Xero as Autotask has them: "
            f"{shown}. Without --dry-run, {sendable} of them would be sent; for any other, do what its line "
            "above says."
        )
    return (
        f"{len(missing)} of {_count(asked, 'named invoice')} are not in Xero as Autotask has them: {shown}. "
        "Fix what each line above says, then run the re-sync again for those."
    )
