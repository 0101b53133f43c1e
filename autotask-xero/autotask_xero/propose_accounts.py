"""`propose-mapping`, accounts, branding themes and tracking, each from one organisation's own lists.

- revenue accounts: only those `check` accepts on an invoice line (active, class REVENUE, neither a bank
  nor a system account: org_check.valid_accounts). A billing code used lately whose name is an account's,
  or shares more telling words with one account than with any other (propose_words.py: "Managed Services"
  and "210 Managed Services Revenue"), is mapped to it; the rest take `default`: the account named
  "Sales" when there is exactly one, else code 200 (Xero's standard Sales), else the only revenue
  account, else a TODO listing them. Billing item types likewise, for lines without a billing code.
- purchase orders: the expense account named "Purchases", else the only DIRECTCOSTS one, else a TODO.
- branding: a template used lately whose name is a theme's gets it; `default` is the organisation's own
  default theme (the lowest SortOrder), which every other template then gets.
- tracking: a category whose active options include every line of business (or branch) billed lately, by
  name, is tracked from it; nothing is proposed when some value has no option (the sync would reject it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from destination_xero.lookups import fold_name
from destination_xero.org_check import valid_accounts

from .propose_reads import Usage, XeroOrg
from .propose_words import best, quoted, same_name, words
from .propose_yaml import Node, section, todo

EXACT = 100  # the score of an identical name: beats any number of shared words


def _accounts(org: XeroOrg, role: str) -> dict[str, str]:
    """code -> name of the accounts `check` accepts for this role ("revenue" or "purchase")."""
    found = {}
    for listed in valid_accounts(org.settings, role):  # type: ignore[arg-type]
        code = listed.split(" ", 1)[0]
        found[code] = str(org.settings.accounts[code].get("Name", ""))
    return found


def _label(code: str, name: str) -> str:
    return f"{code} {name}".strip()


def default_account(org: XeroOrg) -> tuple[str, str] | None:
    """(code, why) of the account lines no rule names go to, when one stands out."""
    revenue = _accounts(org, "revenue")
    named = [c for c, n in revenue.items() if fold_name(n) == "sales"]
    if len(named) == 1:
        return named[0], f"'{_label(named[0], revenue[named[0]])}' is the one revenue account named Sales"
    if "200" in revenue:
        return "200", f"'{_label('200', revenue['200'])}' has Xero's standard Sales code"
    if len(revenue) == 1:
        code = next(iter(revenue))
        return code, f"'{_label(code, revenue[code])}' is the only revenue account"
    return None


def purchase_account(org: XeroOrg) -> tuple[str, str] | None:
    expense = _accounts(org, "purchase")
    named = [c for c, n in expense.items() if fold_name(n) == "purchases"]
    if len(named) == 1:
        return named[0], f"'{_label(named[0], expense[named[0]])}' is the one account named Purchases"
    direct = [c for c in expense if org.settings.accounts[c].get("Type") == "DIRECTCOSTS"]
    if len(direct) == 1:
        return direct[0], f"'{_label(direct[0], expense[direct[0]])}' is the only direct-costs account"
    return None


def _match(name: str, accounts: Mapping[str, str]) -> tuple[str | None, str, list[str]]:
    """(code or None, why, the tied codes) of the account this Autotask name points to."""
    asked = words(name)
    scores = {}
    for code, account in accounts.items():
        scores[code] = EXACT if same_name(name, account) else len(asked & words(account))
    pick = best(scores)
    if pick is not None:
        if scores[pick] == EXACT:
            return pick, f"'{_label(pick, accounts[pick])}' has the very name", []
        shared = quoted(asked & words(accounts[pick]))
        return pick, f"shares {shared} with '{_label(pick, accounts[pick])}' and with no other account", []
    top = max(scores.values(), default=0)
    tied = [c for c, v in scores.items() if v == top] if top else []
    return None, "", tied


def _by_name(
    used: Counter[str], accounts: Mapping[str, str], default: str | None, what: str, window: str
) -> tuple[dict[str, Node], list[str]]:
    """The entries for the names in use that point to one account (not the default), and the notes on
    the rest."""
    entries: dict[str, Node] = {}
    tied: list[str] = []
    rest: list[str] = []
    for name, n in used.most_common():
        code, why, ties = _match(name, accounts)
        if code is not None and code != default:
            entries[name] = Node(code, [f"{what} '{name}' ({n} lines {window}) {why}"])
        elif ties and len(ties) > 1:
            tied.append(f"'{name}' ({', '.join(ties)})")
        elif code is None:
            rest.append(name)
    notes = []
    if tied:
        notes.append(
            f"{what}s whose words match several accounts equally, left to the default (map them here if "
            f"they belong to one): {', '.join(tied)}"
        )
    if rest:
        notes.append(f"{what}s that name no revenue account, left to the default: {quoted(rest)}")
    return entries, notes


def accounts_section(org: XeroOrg, usage: Usage, window: str) -> Node:
    revenue = _accounts(org, "revenue")
    default = default_account(org)
    entries: dict[str, Node] = {}
    codes, code_notes = _by_name(
        usage.codes, revenue, default[0] if default else None, "billing code", window
    )
    if codes:
        entries["by_billing_code"] = section(codes, "Autotask billing code -> revenue account code.")
    types, type_notes = _by_name(
        usage.item_types, revenue, default[0] if default else None, "billing item type", window
    )
    if types:
        entries["by_billing_item_type"] = section(types, "For lines without a billing code.")
    if default is not None:
        entries["default"] = Node(default[0], [f"Every other line: {default[1]} in {org.name}."])
    else:
        question = f"the revenue account of lines no rule names in {org.name}"
        entries["default"] = Node(todo(question, [_label(c, n) for c, n in revenue.items()]))
    purchase = purchase_account(org)
    if purchase is not None:
        entries["purchase"] = Node(purchase[0], [f"Purchase order lines: {purchase[1]} in {org.name}."])
    else:
        expense = _accounts(org, "purchase")
        question = f"the account of purchase order lines in {org.name}"
        entries["purchase"] = Node(todo(question, [_label(c, n) for c, n in expense.items()]))
    return section(entries, *code_notes, *type_notes)


def branding_section(org: XeroOrg, usage: Usage, window: str) -> Node | None:
    themes = sorted(
        (t for t in org.themes if t.get("Name")), key=lambda t: (int(t.get("SortOrder") or 0), str(t["Name"]))
    )
    if not themes:
        return None
    names = [str(t["Name"]) for t in themes]
    by_template: dict[str, Node] = {}
    others = []
    for template, n in usage.templates.most_common():
        theme = next((t for t in names if same_name(t, template)), None)
        if theme is not None:
            by_template[template] = Node(theme, [f"the theme of the same name ({n} invoices {window})"])
        else:
            others.append(template)
    entries: dict[str, Node] = {}
    if by_template:
        entries["by_template"] = section(by_template, "Autotask invoice template -> Xero branding theme.")
    why = f"'{names[0]}' is {org.name}'s default theme (the first in its sort order)"
    if others:
        why += f"; the templates no theme is named for take it: {quoted(others)}"
    entries["default"] = Node(names[0], [why])
    return section(entries)


TRACKED = {"line_of_business": "line of business", "branch": "branch"}


def _options(category: Mapping[str, Any]) -> dict[str, str]:
    return {
        fold_name(str(o["Name"])): str(o["Name"])
        for o in category.get("Options") or []
        if o.get("Name") and o.get("Status", "ACTIVE") == "ACTIVE"
    }


def tracking_rules(org: XeroOrg, usage: Usage, window: str) -> Node | None:
    """At most one rule per source (and per category); Xero allows two tracking categories per line."""
    rules: list[dict[str, str]] = []
    why: list[str] = []
    taken: set[str] = set()
    for source, used in (("line_of_business", usage.lines_of_business), ("branch", usage.branches)):
        if not used:
            continue
        values = {fold_name(v) for v in used}
        fits = [
            c
            for c in org.tracking
            if c.get("Status", "ACTIVE") == "ACTIVE"
            and str(c.get("Name")) not in taken
            and values <= set(_options(c))
        ]
        named = [c for c in fits if words(str(c.get("Name"))) >= words(TRACKED[source])]
        chosen = named if len(named) == 1 else fits
        if len(chosen) != 1:
            continue
        category = str(chosen[0]["Name"])
        taken.add(category)
        rules.append({"category": category, "source": source})
        why.append(
            f"Every {TRACKED[source]} billed {window} ({quoted(used)}) is an active option of the tracking "
            f"category '{category}' in {org.name}: each line is tagged with its own."
        )
    return Node(rules, why) if rules else None
