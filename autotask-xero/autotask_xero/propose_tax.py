"""`propose-mapping`, tax: each Autotask tax in use mapped to one organisation's TaxType by rate, then name.

The rule, per organisation and only with that organisation's own TaxRates (a code is never proposed for
an organisation that does not have it):
- the Autotask rate of a region x category is its `Taxes` rows' (plain, then compounded on the amount
  plus the plain taxes; no row is 0%), compared exactly with each active sales TaxType's effective rate
  (its components, compounded the same way: CA Sales Tax 7.25% + 1.25% compound = 8.590625%);
- one such TaxType: proposed. None: a TODO listing the organisation's active sales rates (posting the
  lines with another rate would make Xero's total differ from what the customer was billed). Several
  (an organisation has many 0% types): the one whose name is the Autotask tax's, region's or category's,
  else the one sharing the most telling words with them (propose_words.py: "VAT Exempt" and "Exempt
  Income"; "EU Reverse Charge" and "Zero Rated EC Services"), else the one the organisation itself sets on
  its sales account, else a TODO listing them;
- a region whose categories all land on one TaxType is one `by_region` entry; the categories that land
  elsewhere get `by_region_category` entries. Tax-exempt companies' untaxed lines get `exempt` (a 0%
  exempt type), lines without a tax category `no_tax`; purchase orders the TaxType Xero itself sets on
  the purchase account; the rounding line a 0% type allowed on the rounding account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from destination_xero.org_check import CLASS_FLAG, valid_tax_types
from destination_xero.rounding import effective_rate

from .propose_accounts import default_account, purchase_account
from .propose_reads import ProposeReads, Usage, XeroOrg
from .propose_words import best, common_words, quoted, same_name, words
from .propose_yaml import Node, percent, section, todo

ZERO = Decimal(0)


@dataclass
class Need:
    """What Autotask charged on some lines, to be matched with a TaxType."""

    what: str  # how a TODO names the lines: "Autotask 'VAT' on UK VAT" (the same for its categories)
    rate: Decimal
    names: list[str] = field(default_factory=list)  # Autotask tax, region and category names
    taxes: str = ""  # the Autotask tax rows' names, quoted ("no tax row" when there is none)


def _listing(org: XeroOrg, tax_types: Iterable[str]) -> list[str]:
    return [f"{t} ({percent(org.rate_of(t))})" for t in tax_types]


def _xero_words(org: XeroOrg, tax_type: str, generic: set[str]) -> set[str]:
    found = words(org.rate_name(tax_type), generic)
    return found | {"exempt"} if "EXEMPT" in tax_type.upper() else found


def choose_rate(org: XeroOrg, need: Need) -> tuple[str, str]:
    """(TaxType or TODO, the reason) for lines Autotask taxed at `need.rate`."""
    rates = valid_tax_types(org.settings, "sales")
    pct = percent(need.rate)
    same = [t for t in rates if org.rate_of(t) == need.rate]

    def label(tax_type: str) -> str:
        return f"'{org.rate_name(tax_type)}' {tax_type}"

    if not same:
        question = f"no active sales tax rate of {pct} in {org.name} ({need.what})"
        return todo(question, _listing(org, rates)), (
            f"no active sales TaxType of {org.name} charges {pct}: with another rate Xero's total differs "
            "from what the customer was billed and the document is rejected, so decide where these lines "
            "belong (another organisation, or a new rate here)"
        )
    if len(same) == 1:
        return same[0], f"{label(same[0])} is the only active {pct} sales rate in {org.name}"
    several = f"of the {len(same)} active {pct} sales rates in {org.name} ({', '.join(same)})"
    exact = [t for t in same if any(same_name(n, org.rate_name(t)) for n in need.names if n)]
    if len(exact) == 1:
        return exact[0], f"{several}, {label(exact[0])} has the very name Autotask uses"
    generic = common_words(org.rate_name(t) for t in org.settings.tax_rates)
    asked = words(" ".join(need.names), generic)
    scores = {t: len(asked & _xero_words(org, t, generic)) for t in same}
    pick = best(scores)
    if pick is not None:
        shared = asked & _xero_words(org, pick, generic)
        return pick, f"{several}, {label(pick)} is the one whose name shares {quoted(shared)} with it"
    top = max(scores.values())
    leaders = [t for t in same if scores[t] == top]
    account = default_account(org)
    own = org.settings.accounts.get(account[0], {}).get("TaxType") if account else None
    if own in leaders and account is not None:
        return str(own), (
            f"{several}, none is named for it; {label(str(own))} is the one {org.name} sets on its sales "
            f"account {account[0]}"
        )
    return todo(f"several active {pct} sales rates in {org.name} fit {need.what}", _listing(org, leaders)), (
        f"{several}, {len(leaders)} fit these lines equally: choose the one for them"
    )


def _pair_need(reads: ProposeReads, region: str | None, category: str | None) -> Need:
    rows = reads.tax_rows(region, category)
    rate = effective_rate([c for _, c in rows])
    names = list(dict.fromkeys(n for n, _ in rows if n))
    taxes = quoted(names) if names else "no tax row"
    return Need(f"Autotask {taxes} on {region}", rate, [*names, region or "", category or ""], taxes)


@dataclass
class _Outcome:
    category: str | None
    lines: int
    value: str
    need: Need
    why: str


def _explain(region: str | None, outcomes: list[_Outcome]) -> list[str]:
    """One comment line per (rate, reason): the Autotask taxes it covers, each with its categories."""
    groups: dict[tuple[Decimal, str], dict[str, list[str]]] = {}
    for o in outcomes:
        taxes = groups.setdefault((o.need.rate, o.why), {})
        taxes.setdefault(o.need.taxes, []).append(o.category or "(none)")
    lines = []
    for (rate, why), taxes in groups.items():
        listed = "; ".join(f"{names} on {', '.join(cats)}" for names, cats in taxes.items())
        lines.append(f"Autotask {region or ''}: {listed}: {percent(rate)}; {why}")
    return lines


def _region_entries(org: XeroOrg, usage: Usage, reads: ProposeReads, window: str) -> dict[str, Node]:
    """`by_region` and `by_region_category`, the most used TaxType of a region on the region itself."""
    regions: dict[str | None, list[tuple[str | None, int]]] = {}
    for (region, category), n in usage.pairs.most_common():
        regions.setdefault(region, []).append((category, n))
    by_region: dict[str, Node] = {}
    by_pair: dict[str, Node] = {}
    by_category: dict[str, Node] = {}
    for region, categories in regions.items():
        outcomes = []
        for category, n in categories:
            need = _pair_need(reads, region, category)
            value, why = choose_rate(org, need)
            outcomes.append(_Outcome(category, n, value, need, why))
        if region is None:  # lines with a category and no region: the category rules take them
            for o in outcomes:
                by_category[o.category or ""] = Node(o.value, _explain(region, [o]))
            continue
        weight: dict[str, int] = {}
        for o in outcomes:
            weight[o.value] = weight.get(o.value, 0) + o.lines
        main = max(weight, key=lambda v: weight[v])
        covered = [o for o in outcomes if o.value == main]
        count = sum(o.lines for o in covered)
        by_region[region] = Node(main, [*_explain(region, covered), f"({count} lines {window})"])
        for o in outcomes:
            if o.value != main:
                by_pair[f"{region} / {o.category}"] = Node(
                    o.value, [*_explain(region, [o]), f"({o.lines} lines {window})"]
                )
    entries: dict[str, Node] = {}
    if by_region:
        entries["by_region"] = section(by_region, "Autotask tax region -> TaxType (case-insensitive).")
    if by_pair:
        entries["by_region_category"] = section(
            by_pair, "The categories of a region that Autotask taxes differently from the rest of it."
        )
    if by_category:
        entries["by_category"] = section(by_category, "Lines that carry a tax category and no region.")
    return entries


def tax_section(org: XeroOrg, usage: Usage, reads: ProposeReads, window: str) -> Node:
    entries = _region_entries(org, usage, reads, window)
    if usage.exempt:
        value, why = choose_rate(org, Need("lines of tax-exempt companies", ZERO, ["exempt"]))
        entries["exempt"] = Node(
            value,
            [
                f"{sum(usage.exempt.values())} lines {window} are of companies Autotask flags tax-exempt and "
                f"carry no tax; they take this before any region rule: {why}"
            ],
        )
    if usage.untaxed_without_category:
        value, why = choose_rate(org, Need("lines without a tax category", ZERO, ["no tax"]))
        entries["no_tax"] = Node(
            value,
            [f"{usage.untaxed_without_category} lines {window} carry no tax category and no tax: {why}"],
        )
    notes = []
    if usage.taxed_without_category:
        notes.append(
            f"{usage.taxed_without_category} lines {window} carry tax but no tax category: their rate is "
            "unknown here; map their region by hand (by_region) if it is not above"
        )
    entries["purchase"] = _purchase_tax(org)
    if not usage.lines:
        notes.append(f"no invoice {window} was routed to {org.name}: nothing to map yet but purchase orders")
    return section(entries, *notes)


def _purchase_tax(org: XeroOrg) -> Node:
    account = purchase_account(org)
    valid = valid_tax_types(org.settings, "purchase")
    own = org.settings.accounts.get(account[0], {}).get("TaxType") if account else None
    if account and own in valid:
        return Node(
            str(own),
            [f"Purchase order lines: {own} is the tax type {org.name} itself sets on account {account[0]}"],
        )
    question = f"the TaxType of purchase order lines in {org.name}"
    return Node(todo(question, _listing(org, valid)), ["Purchase order lines: no default to follow."])


def rounding_section(org: XeroOrg) -> Node | None:
    """The system ROUNDING account and a 0% TaxType it accepts, or None (comment only) when there is none."""
    accounts = [
        (code, a)
        for code, a in sorted(org.settings.accounts.items())
        if a.get("SystemAccount") == "ROUNDING" and str(a.get("Status", "ACTIVE")) == "ACTIVE"
    ]
    if len(accounts) != 1:
        return None
    code, account = accounts[0]
    flag = CLASS_FLAG.get(str(account.get("Class", "")))
    zero = [
        t
        for t in valid_tax_types(org.settings, "rounding")
        if flag is None or org.settings.tax_rates[t].get(flag) is not False
    ]
    own = account.get("TaxType")
    entries: dict[str, Any] = {}
    why = [
        f"When Xero's per-line rounding puts its total a cent or so away from Autotask's, a rounding line on "
        f"{code} {account.get('Name', '')} (the organisation's system rounding account) makes them equal; "
        "a larger difference still rejects the document."
    ]
    entries["account"] = Node(code)
    if own in zero:
        entries["tax_type"] = Node(str(own), [f"{own}: the 0% tax type {org.name} sets on {code}"])
    elif len(zero) == 1:
        entries["tax_type"] = Node(zero[0], [f"{zero[0]}: the only 0% tax type {code} accepts"])
    else:
        entries["tax_type"] = Node(todo(f"the 0% TaxType of the rounding line in {org.name}", zero))
    return section(entries, *why)
