"""`propose-mapping`, routing: which Autotask invoices go to which Xero organisation.

Tried in this order, the first that gives every organisation a rule wins (one organisation alone needs
none: it receives everything):
1. branch (organizational level 1), then line of business (level 2), names that share a telling word
   with exactly one organisation's name or country ("UK & Europe" and a GB organisation);
2. a company UDF whose every value in use points to one organisation: by name or country code ("AU", "UK"
   for GB), or because three quarters or more of the invoices of its companies are in currencies only that
   organisation takes (its base currency, or one only it has enabled);
3. the invoice currency, when the organisations' base currencies differ: a currency goes to the
   organisation whose base currency it is, else to the only one that has it enabled.
The default tenant (documents no rule matches) is the organisation whose base currency is Autotask's
internal currency, when exactly one is. An organisation still without a rule gets a TODO route (the
TODO string as its only line of business, so the file still loads; both checks refuse it until it is
replaced with real rules). Every rule's comment gives its evidence, counted on the invoices read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from destination_xero.lookups import fold_name
from destination_xero.record_types import Invoice

from .propose_reads import XeroOrg
from .propose_words import COUNTRY_ALIASES, LEGAL, quoted, words
from .propose_yaml import Node, todo

SHARE = 0.75


@dataclass
class Routes:
    rules: dict[str, dict[str, Any]]  # tenant id -> route as written
    why: dict[str, list[str]] = field(default_factory=dict)
    how: str = ""  # the strategy, for the file's comment
    per_line: bool = False  # branch or line-of-business rules: one invoice may split

    def node(self, org: XeroOrg) -> Node:
        return Node(self.rules.get(org.tenant_id, {}), self.why.get(org.tenant_id, []))


def _org_words(orgs: Sequence[XeroOrg]) -> dict[str, set[str]]:
    """The words of each organisation's name that no other organisation shares, and its country codes."""
    named = {o.tenant_id: words(o.name, LEGAL) for o in orgs}
    common = set.intersection(*named.values()) if len(named) > 1 else set()
    return {
        o.tenant_id: (named[o.tenant_id] - common) | set(COUNTRY_ALIASES.get(o.country, (o.country.lower(),)))
        for o in orgs
    }


def _currency_orgs(orgs: Sequence[XeroOrg], currency: str) -> list[XeroOrg]:
    """The organisations a currency points to: the one whose base it is, else those that enabled it."""
    base = [o for o in orgs if o.base_currency == currency]
    return base or [o for o in orgs if currency in o.profile.currencies]


def _by_level(invoices: Sequence[Invoice], orgs: Sequence[XeroOrg], attr: str, key: str) -> Routes | None:
    org_words = _org_words(orgs)
    used: Counter[str] = Counter()
    for invoice in invoices:
        for line in invoice.lines:
            value = getattr(line, attr)
            if value:
                used[value] += 1
    rules: dict[str, dict[str, Any]] = {}
    why: dict[str, list[str]] = {}
    for value, n in used.most_common():
        asked = words(value)
        hits = [o for o in orgs if asked & org_words[o.tenant_id]]
        if len(hits) == 1:
            org = hits[0]
            rules.setdefault(org.tenant_id, {key: []})[key].append(value)
            shared = quoted(asked & org_words[org.tenant_id])
            why.setdefault(org.tenant_id, []).append(f"'{value}' ({n} lines) shares {shared} with {org.name}")
    if len(rules) < len(orgs):
        return None
    return Routes(rules, why, f"by {key.replace('_', ' ')}", per_line=True)


def _by_udf(invoices: Sequence[Invoice], orgs: Sequence[XeroOrg]) -> Routes | None:
    org_words = _org_words(orgs)
    # udf name -> folded value -> (value as written, invoice currencies)
    seen: dict[str, dict[str, tuple[str, Counter[str]]]] = {}
    names: dict[str, str] = {}
    for invoice in invoices:
        for udf, value in invoice.company.udfs.items():
            if value is None or not str(value).strip():
                continue
            names.setdefault(udf.lower(), udf)
            slot = seen.setdefault(udf.lower(), {})
            entry = slot.setdefault(fold_name(str(value)), (str(value).strip(), Counter()))
            entry[1][(invoice.currency_code or "").upper()] += 1
    found: list[tuple[int, Routes]] = []
    for udf, values in seen.items():
        routes = Routes({}, {}, f"by the company UDF '{names[udf]}'")
        for value, currencies in values.values():
            org, why = _udf_value_org(value, currencies, orgs, org_words)
            if org is None:
                routes = Routes({})
                break
            rule = routes.rules.setdefault(org.tenant_id, {"company_udf": {"name": names[udf], "values": []}})
            rule["company_udf"]["values"].append(value)
            routes.why.setdefault(org.tenant_id, []).append(f"'{names[udf]}' = '{value}': {why}")
        if len(routes.rules) == len(orgs):
            found.append((sum(sum(c.values()) for _, c in values.values()), routes))
    return max(found, key=lambda f: f[0])[1] if found else None


def _udf_value_org(
    value: str, currencies: Counter[str], orgs: Sequence[XeroOrg], org_words: dict[str, set[str]]
) -> tuple[XeroOrg | None, str]:
    by_name = [o for o in orgs if words(value) & org_words[o.tenant_id]]
    credit: Counter[str] = Counter()
    for currency, n in currencies.items():
        pointed = _currency_orgs(orgs, currency)
        if len(pointed) == 1:
            credit[pointed[0].tenant_id] += n
    total = sum(currencies.values())
    leader = credit.most_common(1)[0] if credit else None
    by_currency = [o for o in orgs if leader and o.tenant_id == leader[0] and leader[1] >= SHARE * total]
    if len(by_name) > 1 or (by_name and by_currency and by_name[0] is not by_currency[0]):
        return None, ""
    chosen = by_name or by_currency
    if not chosen:
        return None, ""
    org = chosen[0]
    reasons = []
    if by_name:
        country = words(value) & set(COUNTRY_ALIASES.get(org.country, (org.country.lower(),)))
        named = f"its country ({org.country})" if country else "a word of its name"
        reasons.append(f"'{value}' is {named}")
    if by_currency and leader:
        listed = ", ".join(sorted(c for c in currencies if org in _currency_orgs(orgs, c)))
        reasons.append(
            f"{leader[1]} of its {total} invoices are in {listed}, which only {org.name} takes (base "
            f"currency {org.base_currency})"
        )
    return org, "; ".join(reasons)


def _by_currency(invoices: Sequence[Invoice], orgs: Sequence[XeroOrg]) -> Routes | None:
    bases = [o.base_currency for o in orgs]
    if len(set(bases)) != len(bases):
        return None
    used = Counter((i.currency_code or "").upper() for i in invoices if i.currency_code)
    routes = Routes({}, {}, "by invoice currency")
    for org in orgs:
        routes.rules[org.tenant_id] = {"currencies": [org.base_currency]}
        count = used.get(org.base_currency, 0)
        routes.why[org.tenant_id] = [f"{org.base_currency} ({count} invoices) is {org.name}'s base currency"]
    for currency, n in used.most_common():
        pointed = _currency_orgs(orgs, currency)
        if len(pointed) == 1 and currency != pointed[0].base_currency:
            routes.rules[pointed[0].tenant_id]["currencies"].append(currency)
            routes.why[pointed[0].tenant_id].append(f"{currency} ({n} invoices) is enabled only in it")
    return routes


STRATEGIES: tuple[Callable[[Sequence[Invoice], Sequence[XeroOrg]], Routes | None], ...] = (
    lambda i, o: _by_level(i, o, "branch", "branches"),
    lambda i, o: _by_level(i, o, "line_of_business", "lines_of_business"),
    _by_udf,
    _by_currency,
)


def propose_routes(invoices: Sequence[Invoice], orgs: Sequence[XeroOrg], internal: str | None) -> Routes:
    if len(orgs) == 1:
        return Routes({}, {orgs[0].tenant_id: ["The only organisation: it receives every document."]}, "")
    routes = next((r for r in (s(invoices, orgs) for s in STRATEGIES) if r is not None), None)
    routes = routes or Routes({}, {}, "")
    default = [o for o in orgs if internal and o.base_currency == internal.upper()]
    if len(default) == 1:
        org = default[0]
        routes.rules.setdefault(org.tenant_id, {})["default"] = True
        routes.why.setdefault(org.tenant_id, []).append(
            f"default: documents no rule matches come here, {org.name}'s base currency {org.base_currency} "
            "being Autotask's internal currency"
        )
    for org in orgs:
        if not routes.rules.get(org.tenant_id):
            question = f"the route rules of {org.name} (branches, lines_of_business, company_udf, currencies)"
            routes.rules[org.tenant_id] = {"lines_of_business": [todo(question)]}
            routes.why[org.tenant_id] = ["No Autotask name, company UDF or currency points here alone."]
    return routes
