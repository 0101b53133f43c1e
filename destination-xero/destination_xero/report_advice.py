"""Outcome, the advice: what a finance admin does about each cause of rejection, each early stop and a
failed run, as the run report's `next_steps` and the red lines at the end of the log.

Why sentences and not codes: the person reading the report after a month-end run is the one who fixes the
mapping or the document in Xero, and "Map the tax region 'New Zealand GST' to a Xero tax rate, then the
next run sends these 3 invoices again: 20011, 20012, 20013" is something they can act on; a count of
rejections is not. Why it is safe to promise "the next run sends them again": a document that did not
land is carried in the state passed on until it does (retry_ledger.py), and one deferred by an early stop
was never passed over. A cause no rule below knows keeps its own words, which already name the document's
problem; a cause that already says what to do (the contact rules do) is used as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from connector_kit.run_report import ReasonGroup, named, plural

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]
_CODE_IN_ORG = re.compile(
    r"(TaxType|account code) '([^']*)' (does not exist|is \w+) in (?:organisation )?'?([^':]*)"
)

RULES: list[_Rule] = [
    (
        re.compile(r"no TaxType mapped for tax region '([^']*)'", re.I),
        lambda m: (
            f"Map the tax region '{m[1]}' to a Xero tax rate (mappings.tax.by_region in the mapping file)"
        ),
    ),
    (
        re.compile(r"no TaxType mapped", re.I),
        lambda m: "Map these lines' Autotask tax to a Xero tax rate (mappings.tax in the mapping file)",
    ),
    (
        re.compile(r"currency (\w+) is not enabled in organisation '([^']*)'", re.I),
        lambda m: (
            f"Add the currency {m[1]} to the Xero organisation '{m[2]}' (Settings, Currencies), or "
            "route these documents to an organisation that has it"
        ),
    ),
    (
        re.compile(r"no account mapped for billing code", re.I),
        lambda m: "Map these lines' billing code to a Xero account (mappings.accounts in the mapping file)",
    ),
    (
        re.compile(r"no purchase account declared", re.I),
        lambda m: "Name the Xero account for purchase orders and bills (mappings.accounts.purchase)",
    ),
    (
        _CODE_IN_ORG,
        lambda m: (
            f"The mapping names {m[1]} '{m[2]}', which {m[3]} in {m[4].strip()}: map an active one, "
            "or add it in Xero"
        ),
    ),
    (
        re.compile(r"branding theme '([^']*)' does not exist", re.I),
        lambda m: f"Create the branding theme '{m[1]}' in Xero, or map another one (mappings.branding)",
    ),
    (
        re.compile(r"tracking", re.I),
        lambda m: "Add the tracking category or option in Xero, or map it (mappings.tracking)",
    ),
    (
        re.compile(r"no (sku|name|id) to make an item code from", re.I),
        lambda m: (
            f"Give these products a {m[1]} in Autotask, or let such lines go without an item "
            "(items.missing_code: line_without_item)"
        ),
    ),
    (
        re.compile(r"for lack of stock of a tracked item", re.I),
        lambda m: (
            "Record the stock of the tracked items in Xero (approve a bill for them, or enter an "
            "inventory adjustment)"
        ),
    ),
    (
        re.compile(r"matches no routing rule", re.I),
        lambda m: (
            "Add a routing rule that takes these documents, or make one organisation the default "
            "(tenants[].route)"
        ),
    ),
    (
        re.compile(r"matches the routing rules of several tenants", re.I),
        lambda m: "Make the routing rules exclusive, so that each document belongs to one organisation",
    ),
    (
        re.compile(r"split_policy is 'reject'", re.I),
        lambda m: "Bill these in Autotask per organisation, or set split_policy to split",
    ),
    (
        re.compile(r"cannot read the settings of organisation '([^']*)'", re.I),
        lambda m: (
            f"Check that the organisation '{m[1]}' is connected to the Xero app (`destination-xero "
            "check` says what is wrong)"
        ),
    ),
]
# A cause that already tells the admin what to do (contact_match.py's, planner.py's not-changeable ones).
_INSTRUCTION = re.compile(r"\b(set its|set the|create it|create this|the next run)\b", re.I)
_RETRY_AFTER = re.compile(r"allows calls again in (\d+) s")


def advice(cause: str) -> str:
    for pattern, say in RULES:
        match = pattern.search(cause)
        if match:
            return say(match)
    if _INSTRUCTION.search(cause):
        return cause
    return f"Fix this in the mapping or in Xero: {cause}"


def this_or_these(count: int, kind: str) -> str:
    """ "this invoice", "these 3 invoices": the documents a step is about."""
    return "this " + plural(1, kind).split(" ", 1)[1] if count == 1 else "these " + plural(count, kind)


def group_step(group: ReasonGroup) -> str | None:
    """The next step for one cause, naming every document it holds."""
    count, kind = len(group.documents), group.kind or "document"
    documents = named(group.documents)
    if group.outcome == "not_changeable":
        return (
            f"{plural(count, kind)} cannot be changed in Xero as Autotask has them ({documents}): "
            f"{group.example}. The next run checks them again."
        )
    if group.outcome != "rejected":
        return None
    these = this_or_these(count, kind)
    step = advice(group.example).rstrip(".")
    if step == group.example.rstrip("."):  # the cause says what to do itself
        return f"{step}. Then the next run sends {these} again: {documents}."
    return f"{step}, then the next run sends {these} again: {documents}."


def stop_step(organisation: str, stopped: str, deferred: int) -> str:
    """Why an organisation stopped early and what follows, without a status code or an API path."""
    left = plural(deferred, "document") if deferred else "the documents"
    if "daily call limit" in stopped:
        wait = _RETRY_AFTER.search(stopped)
        when = ""
        if wait:
            hours = int(wait[1]) / 3600
            when = f" (Xero resets it in about {hours:.0f} hours)" if hours >= 1 else " (within the hour)"
        return (
            f"{organisation}: Xero's daily call limit for this organisation is used up{when}. Nothing is "
            f"lost: run the sync again after the reset and it sends the {left} left over."
        )
    return (
        f"{organisation}: Xero refused access to this organisation. Reconnect it to the Xero app (run "
        "`xero-auth`), or grant the app the accounting scopes (`destination-xero check` names a missing "
        f"one); the next run then sends the {left} left over."
    )


def failure_step(failure: str) -> str:
    return (
        f"The run stopped before the end: {failure}. What was already sent stays in Xero; fix this and run "
        "again, and the next run sends the rest."
    )
