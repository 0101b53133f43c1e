"""Read what Xero already holds (in batches), diff it against what we want, and decide per document.

Why: reruns must converge without a local database, and calls are the cost of a sync. So every look-up is
batched (`InvoiceNumbers=` as many as fit the URL, `where` ORs for credit notes and Reference, one paged
listing for contacts, items and purchase orders), and the diff is normalised (Decimals by value, dates by
calendar day, tracking as a set, only the elements we send) so that an unchanged rerun plans zero writes.

Decisions: create / update / unchanged / skipped (a void never synced) / not_changeable (Xero no longer
lets us change it: PAID, has payments or credits, VOIDED/DELETED, BILLED) / rejected.
Status only moves forward (DRAFT → SUBMITTED → AUTHORISED): a document someone approved in Xero is not
pulled back to DRAFT by a rerun. A voided Autotask invoice becomes DELETED (DRAFT/SUBMITTED) or VOIDED
(AUTHORISED without payments) in Xero; a cancelled purchase order becomes DELETED (Xero has no VOIDED PO).
An issued document (AUTHORISED, PAID, BILLED) keeps its CurrencyRate unless `update_issued_rates`; every
update lists the fields it overwrites in Xero; every not_changeable reason says what the admin must do.

Contacts are matched in the declared order: ContactNumber (derived from the Autotask company id), then
AccountNumber, then the exact name, then the name folded for case, accents and spacing; archived contacts
count (they are un-archived rather than duplicated) and a match always wins over creation, so one company
never gets a second contact. Which company a contact goes to is decided for all companies at once
(contact_match.py), so one contact never holds two companies and the order records arrive in decides
nothing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import pendulum

from .client import XeroClient
from .config import Tenant
from .documents import COLLECTION, ID_FIELD, NUMBER_FIELD, Document, OrgProfile

# Xero refuses URLs much past 2,000 characters (about 52 GUIDs in `IDs=`): invoice numbers are short, so
# a look-up carries as many as fit this budget of URL-encoded characters, at most LOOKUP_MAX_KEYS.
LOOKUP_URL_BUDGET = 1500
LOOKUP_MAX_KEYS = 200
WHERE_BATCH = 20
PAGE_SIZE = 1000
PO_LOOKBACK_DAYS = 90
STATUS_RANK = {"DRAFT": 0, "SUBMITTED": 1, "AUTHORISED": 2}
_DOTNET_DATE = re.compile(r"/Date\((-?\d+)([-+]\d+)?\)/")


# ---- helpers ---------------------------------------------------------------------------------------------
def fold_name(name: str) -> str:
    """Case, accents and spacing folded: 'Café  ACME ' == 'cafe acme'."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def exact_name(name: str) -> str:
    """The name as written, only composed (NFC) and trimmed: 'Café' typed with a combining accent is
    the same name, 'Cafe' and 'CAFÉ' are not. An exact match beats a folded one (contact_match.py)."""
    return unicodedata.normalize("NFC", name).strip()


def owned_by_another(contact: Mapping[str, Any], number: str, prefix: str) -> bool:
    """Whether the contact's ContactNumber names another Autotask company than the one numbered `number`."""
    held = str(contact.get("ContactNumber") or "").casefold()
    return bool(prefix) and held.startswith(prefix.casefold()) and held != number.casefold()


def xero_date(value: Any) -> str | None:
    """A Xero date element (`/Date(ms+0000)/` or ISO) as YYYY-MM-DD."""
    if value is None:
        return None
    text = str(value)
    match = _DOTNET_DATE.fullmatch(text)
    if match:
        return pendulum.from_timestamp(int(match.group(1)) / 1000, tz="UTC").to_date_string()
    return text[:10]


def url_batches(keys: Iterable[str], budget: int = LOOKUP_URL_BUDGET) -> Iterator[list[str]]:
    """Comma-joined look-up values in batches whose URL-encoded length stays within `budget`."""
    batch: list[str] = []
    used = 0
    for key in keys:
        cost = len(quote(key, safe="")) + 3  # the comma, encoded
        if batch and (used + cost > budget or len(batch) >= LOOKUP_MAX_KEYS):
            yield batch
            batch, used = [], 0
        batch.append(key)
        used += cost
    if batch:
        yield batch


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, Decimal) else Decimal(str(value))


# ---- decisions -------------------------------------------------------------------------------------------
@dataclass
class Decision:
    action: str  # create | update | unchanged | skipped | not_changeable | rejected | deferred
    kind: str
    tenant_id: str
    key: str
    source_id: int | None
    reason: str = ""
    payload: dict[str, Any] | None = None
    document: Document | None = None
    existing_id: str | None = None
    messages: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    # the fields an update replaces in Xero: the planner cannot tell a change in Autotask from an edit a
    # person made in Xero (no local state), so every field it rewrites on an existing document is listed
    overwrites: list[str] = field(default_factory=list)

    @property
    def counters(self) -> tuple[str, ...]:
        """The summary counters this decision adds to: its action, and `overwrites` for an update that
        replaces values held in Xero (so a run reports how many documents it rewrote)."""
        return (self.action, "overwrites") if self.overwrites else (self.action,)

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "action": self.action,
            "kind": self.kind,
            "tenant_id": self.tenant_id,
            "key": self.key,
            "autotask_id": self.source_id,
        }
        if self.reason:
            result["reason"] = self.reason
        if self.changes:
            result["changes"] = self.changes
        if self.overwrites:
            result["overwrites"] = self.overwrites
        if self.messages:
            result["xero_messages"] = self.messages
        if self.existing_id:
            result["xero_id"] = self.existing_id
        if self.payload is not None:
            result["payload"] = self.payload
        if self.document is not None and self.document.rounding:
            result["rounding"] = self.document.rounding
        return result


# ---- normalised comparison -------------------------------------------------------------------------------
def _norm_line(line: Mapping[str, Any], with_tax: bool = False) -> tuple[Any, ...]:
    """`with_tax`: the line we send carries a TaxAmount override, so Xero's TaxAmount must match it too."""
    tracking = frozenset(
        (str(t.get("Name", "")).casefold(), str(t.get("Option", "")).casefold())
        for t in line.get("Tracking") or []
    )
    return (
        str(line.get("Description") or "").strip(),
        _dec(line.get("Quantity")),
        _dec(line.get("UnitAmount")),
        str(line.get("AccountCode") or ""),
        str(line.get("TaxType") or ""),
        str(line.get("ItemCode") or ""),
        tracking,
        _dec(line.get("TaxAmount")) if with_tax else None,
    )


def _lines_differ(want: Sequence[Mapping[str, Any]], have: Sequence[Mapping[str, Any]]) -> bool:
    if len(want) != len(have):
        return True
    pairs = zip(want, have, strict=True)
    return any(_norm_line(w, "TaxAmount" in w) != _norm_line(h, "TaxAmount" in w) for w, h in pairs)


def diff(desired: Mapping[str, Any], existing: Mapping[str, Any]) -> list[str]:
    """Names of the elements we send whose value differs from Xero's (Status handled by the caller)."""
    changes = []
    for name, want in desired.items():
        if name in ("Status", "Contact", "Type", "Url") or (
            name.endswith("ID") and name != "BrandingThemeID"
        ):
            continue  # Url (our link to Autotask) is sent with every write but never a reason for one
        have = existing.get(name)
        if name == "LineItems":
            if _lines_differ(want, have or []):
                changes.append(name)
        elif name in ("Date", "DueDate", "DeliveryDate"):
            if xero_date(want) != (xero_date(existing.get(f"{name}String")) or xero_date(have)):
                changes.append(name)
        elif isinstance(want, Decimal):
            if _dec(have) != want:
                changes.append(name)
        elif isinstance(want, bool):
            if bool(have) != want:
                changes.append(name)
        elif isinstance(want, list | dict):
            continue  # addresses, phones: compared only for contacts (see contact_changes)
        elif str(want) != str(have or ""):
            changes.append(name)
    want_contact = (desired.get("Contact") or {}).get("ContactID")
    if want_contact and want_contact != (existing.get("Contact") or {}).get("ContactID"):
        changes.append("Contact")
    return changes


def has_money_applied(existing: Mapping[str, Any]) -> bool:
    for name in ("AmountPaid", "AmountCredited", "AppliedAmount"):
        amount = _dec(existing.get(name))
        if amount is not None and amount != 0:
            return True
    return bool(existing.get("Payments")) or bool(existing.get("Allocations"))


def _decision(action: str, document: Document, existing_id: str | None = None, **kw: Any) -> Decision:
    return Decision(
        action,
        document.kind,
        document.tenant_id,
        document.key,
        document.source_id,
        document=document,
        existing_id=existing_id,
        **kw,
    )


# Statuses in which Xero has issued a document: an invoice or credit note posted to the ledger (AUTHORISED,
# then PAID), a purchase order approved (AUTHORISED, then BILLED). DRAFT and SUBMITTED ("awaiting
# approval") have posted nothing and cannot be sent to the customer yet, so they follow Autotask, exchange
# rate included.
ISSUED = frozenset({"AUTHORISED", "PAID", "BILLED"})


def _void_target(document: Document, status: str) -> str:
    """Xero voids an approved invoice or credit note and deletes a draft; purchase orders have no VOIDED
    status, so an approved one is deleted too (Xero allows AUTHORISED → DELETED for them)."""
    return "VOIDED" if status == "AUTHORISED" and document.kind != "purchase_order" else "DELETED"


def _keeps_issued_rate(document: Document, status: str) -> bool:
    """True when Xero's CurrencyRate stands: the document is issued in Xero and the tenant has not asked
    for `currency.update_issued_rates`. Why: the rate fixed the base-currency amounts posted when it was
    approved; Autotask keeps only today's rate, so a full refresh would otherwise re-rate every unpaid
    foreign invoice and move amounts already in the ledger and in filed returns."""
    return status in ISSUED and not document.update_issued_rates


def _undo(document: Document) -> str:
    return "cancel" if document.kind == "purchase_order" else "void"


def _held_as(status: str, existing: Mapping[str, Any]) -> str:
    """How Xero holds a locked document, in the admin's words: "PAID in Xero (paid on 2025-10-01)"."""
    paid_on = xero_date(existing.get("FullyPaidOnDate")) if status == "PAID" else None
    money = " with payments or credits applied" if status != "BILLED" else ""
    return f"{status} in Xero{f' (paid on {paid_on})' if paid_on else ''}{money}"


def _release(status: str) -> tuple[str, str]:
    """What frees a locked document in Xero so that the next run can change it, and what redoes it after."""
    if status == "BILLED":
        return "unmark it as billed in Xero (Options > Unmark as billed)", "mark it as billed again"
    return "remove its payments, refunds and credit allocations in Xero", "apply them again"


def _gone_reason(document: Document, status: str) -> str:
    """Xero voided or deleted a document Autotask still has: say how to make the two agree."""
    undone = "voiding" if status == "VOIDED" else "deleting"
    return (
        f"{status} in Xero, so it is not recreated: {_undo(document)} it in Autotask too, or, if {undone} "
        "it in Xero was a mistake, enter it again in Xero by hand (Xero cannot restore it)"
    )


def _void_locked_reason(document: Document, status: str, existing: Mapping[str, Any]) -> str:
    free, _ = _release(status)
    if document.kind == "purchase_order":
        return f"cancelled in Autotask but {_held_as(status, existing)}: {free}, and the next run deletes it"
    return (
        f"voided in Autotask but {_held_as(status, existing)}: {free}, and the next run voids it "
        "(then apply the payment to the invoice that replaces it)"
    )


def _changed_locked_reason(status: str, existing: Mapping[str, Any], changes: Sequence[str]) -> str:
    free, redo = _release(status)
    return (
        f"changed in Autotask ({', '.join(changes)}) but {_held_as(status, existing)}; not forced: to apply "
        f"the change, {free}, let the next run update it, then {redo}; or restore the previous value in "
        "Autotask (or in the mappings)"
    )


def _overwrite_reason(overwrites: Sequence[str]) -> str:
    """Without a local state, a difference cannot be told apart from a change in Autotask or an edit a
    person made in Xero, so every update says plainly that it replaces what Xero shows."""
    return f"updates {', '.join(overwrites)} in Xero (overwrites any change made there)"


def decide(document: Document, existing: Mapping[str, Any] | None) -> Decision:
    """The action for one document given what Xero holds under its key (None: nothing).

    An update names in `overwrites` the fields whose Xero value it replaces (Status excluded: it only
    moves forward). An issued document keeps Xero's CurrencyRate (`_keeps_issued_rate`). Every
    not_changeable reason ends with what the admin must do for the next run to agree."""
    id_field = ID_FIELD[document.kind]
    if existing is None:
        if document.void:
            return _decision("skipped", document, reason="voided in Autotask and never synced to Xero")
        return _decision("create", document, payload=document.payload)
    xero_id = str(existing.get(id_field))
    status = str(existing.get("Status", ""))
    if status in ("VOIDED", "DELETED"):
        if document.void:
            return _decision("unchanged", document, xero_id)
        return _decision("not_changeable", document, xero_id, reason=_gone_reason(document, status))
    locked = status in ("PAID", "BILLED") or (status == "AUTHORISED" and has_money_applied(existing))
    if document.void:
        if locked:
            why = _void_locked_reason(document, status, existing)
            return _decision("not_changeable", document, xero_id, reason=why)
        payload = {id_field: xero_id, "Status": _void_target(document, status)}
        return _decision("update", document, xero_id, payload=payload, changes=["Status"])
    changes = diff(document.payload, existing)
    want_status = str(document.payload.get("Status", ""))
    payload = dict(document.payload)
    if _keeps_issued_rate(document, status):
        # omitted, Xero keeps the rate it holds (as the sandbox does; Xero's docs are silent, UNCONFIRMED)
        payload.pop("CurrencyRate", None)
        changes = [name for name in changes if name != "CurrencyRate"]
    if want_status in STATUS_RANK and status in STATUS_RANK:
        if STATUS_RANK[want_status] > STATUS_RANK[status]:
            changes.append("Status")
        else:
            payload["Status"] = status  # never move a document backwards
    if not changes:
        return _decision("unchanged", document, xero_id)
    if locked:
        why = _changed_locked_reason(status, existing, changes)
        return _decision("not_changeable", document, xero_id, reason=why, changes=changes)
    payload[id_field] = xero_id
    overwrites = [name for name in changes if name != "Status"]
    reason = _overwrite_reason(overwrites) if overwrites else ""
    return _decision(
        "update", document, xero_id, payload=payload, changes=changes, overwrites=overwrites, reason=reason
    )


# ---- look-ups --------------------------------------------------------------------------------------------
def load_profile(client: XeroClient, tenant: Tenant, with_accounts: bool = False) -> OrgProfile:
    """The organisation's settings, in as few calls as the declared mappings need."""
    tid = tenant.tenant_id
    m = tenant.mappings
    organisation = client.get(tid, "Organisation")["Organisations"][0]
    tax_rates = client.get(tid, "TaxRates")["TaxRates"]
    currencies = client.get(tid, "Currencies")["Currencies"]
    wants_themes = bool(m.branding.by_template or m.branding.default)
    themes = client.get(tid, "BrandingThemes")["BrandingThemes"] if wants_themes else []
    tracking = client.get(tid, "TrackingCategories")["TrackingCategories"] if m.tracking else []
    accounts = client.get(tid, "Accounts")["Accounts"] if with_accounts else []
    if tenant.base_currency:
        organisation = {**organisation, "BaseCurrency": tenant.base_currency}
    return OrgProfile.from_xero(organisation, tax_rates, currencies, themes, tracking, accounts)


def _paged(client: XeroClient, tenant_id: str, collection: str, params: Mapping[str, Any]) -> list[Any]:
    records: list[Any] = []
    page = 1
    while True:
        body = client.get(tenant_id, collection, {**params, "page": page, "pageSize": PAGE_SIZE})
        batch = body.get(collection) or []
        records.extend(batch)
        if len(batch) < PAGE_SIZE:
            return records
        page += 1


class ContactIndex:
    """The organisation's contacts by ContactNumber, AccountNumber and folded name, one entry per ContactID
    (a contact written back replaces its earlier version, so a rewritten contact is never two candidates)."""

    def __init__(self, contacts: Iterable[Mapping[str, Any]]) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_number: dict[str, dict[str, Any]] = {}
        self.by_account: dict[str, dict[str, Any]] = {}
        self.by_name: dict[str, list[dict[str, Any]]] = {}
        for contact in contacts:
            self.add(dict(contact))

    def add(self, contact: dict[str, Any]) -> None:
        key = str(contact.get("ContactID") or "")
        old = self.by_id.pop(key, None) if key else None
        if old is not None:
            self._forget(old)
            contact = {**old, **contact}  # a write's answer may omit fields it did not change
        if contact.get("ContactStatus") == "GDPRREQUEST":
            return
        if key:
            self.by_id[key] = contact
        if contact.get("ContactNumber"):
            self.by_number[str(contact["ContactNumber"]).casefold()] = contact
        if contact.get("AccountNumber"):
            self.by_account[str(contact["AccountNumber"]).casefold()] = contact
        if contact.get("Name"):
            self.by_name.setdefault(fold_name(str(contact["Name"])), []).append(contact)

    def _forget(self, contact: dict[str, Any]) -> None:
        for table, element in ((self.by_number, "ContactNumber"), (self.by_account, "AccountNumber")):
            value = str(contact.get(element) or "").casefold()
            if value and table.get(value) is contact:
                del table[value]
        folded = fold_name(str(contact.get("Name") or ""))
        if folded in self.by_name:
            self.by_name[folded] = [c for c in self.by_name[folded] if c is not contact]

    def named(self, name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(contacts of exactly this name, contacts whose name equals it only once folded)."""
        wanted = exact_name(name)
        same = self.by_name.get(fold_name(name)) or []
        exact = [c for c in same if exact_name(str(c["Name"])) == wanted]
        return exact, [c for c in same if exact_name(str(c["Name"])) != wanted]

    def match(
        self, rules: Sequence[str], number: str, account: str | None, name: str, owned_prefix: str = ""
    ) -> dict[str, Any] | None:
        """One company on its own (no rival companies): the first rule that finds a contact, the exact
        name before the folded one, an active contact before an archived one.

        `owned_prefix`: a contact whose ContactNumber carries it belongs to another Autotask company
        unless the number is ours, so it is never matched by name (two customers with one name, "ACME
        Plumbing" and "Acme Plumbing", must not be merged into one Xero contact). Syncs decide for all
        companies at once (contact_match.resolve_contacts)."""
        for rule in rules:
            found: dict[str, Any] | None = None
            if rule == "contact_number":
                found = self.by_number.get(number.casefold())
            elif rule == "account_number" and account:
                found = self.by_account.get(account.casefold())
            elif rule == "name":
                for group in self.named(name):
                    candidates = [c for c in group if not owned_by_another(c, number, owned_prefix)]
                    active = [c for c in candidates if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]
                    found = found or ((active or candidates)[0] if candidates else None)
            if found is not None:
                return found
        return None

    @classmethod
    def load(cls, client: XeroClient, tenant_id: str) -> ContactIndex:
        return cls(_paged(client, tenant_id, "Contacts", {"includeArchived": "true"}))


def load_items(client: XeroClient, tenant_id: str) -> dict[str, dict[str, Any]]:
    return {str(i["Code"]).casefold(): i for i in client.get(tenant_id, "Items", {"unitdp": 4})["Items"]}


def lookup_existing(
    client: XeroClient, tenant_id: str, documents: Sequence[Document]
) -> dict[str, dict[str, Any]]:
    """Existing Xero documents by `kind:key`, in batched reads."""
    found: dict[str, dict[str, Any]] = {}
    by_kind: dict[tuple[str, str], list[Document]] = {}
    for doc in documents:
        by_kind.setdefault((doc.kind, doc.match_on), []).append(doc)
    for (kind, match_on), docs in by_kind.items():
        keys = sorted({d.key for d in docs})
        collection = COLLECTION[kind]
        number_field = NUMBER_FIELD[kind]
        wanted_type = {"invoice": "ACCREC", "credit_note": "ACCRECCREDIT"}.get(kind)
        records: list[dict[str, Any]] = []
        if kind == "invoice" and match_on == "number":
            # `InvoiceNumbers=` is comma-separated: a number holding a comma is looked up by `where`.
            plain = [k for k in keys if "," not in k]
            for batch in url_batches(plain):
                params = {"InvoiceNumbers": ",".join(batch), "page": 1, "pageSize": PAGE_SIZE, "unitdp": 4}
                records.extend(client.get(tenant_id, collection, params)[collection])
            records.extend(
                _where_lookup(client, tenant_id, collection, number_field, [k for k in keys if "," in k])
            )
        elif kind in ("invoice", "credit_note"):
            element = "Reference" if match_on == "reference" else number_field
            records.extend(_where_lookup(client, tenant_id, collection, element, keys))
        elif kind == "purchase_order":
            # Xero has no number filter for purchase orders: list from well before the earliest date we hold
            # (an edit may have moved the date), paged at 1,000.
            dates = [str(d.payload["Date"]) for d in docs if d.payload.get("Date")]
            since = None
            if dates:
                earliest = pendulum.Date.fromisoformat(min(dates))
                since = earliest.subtract(days=PO_LOOKBACK_DAYS).to_date_string()
            # No `unitdp`: Xero's spec declares none on PurchaseOrders, and ours are written at 2 dp anyway.
            params = {"DateFrom": since} if since else {}
            records = _paged(client, tenant_id, collection, params)
        wanted = set(keys)
        element = "Reference" if match_on == "reference" else number_field
        for record in records:
            if wanted_type and record.get("Type") != wanted_type:
                continue
            key = str(record.get(element) or "")
            if key not in wanted:
                continue
            slot = f"{kind}:{key}"
            # Several matches (e.g. a deleted and a live one under the same Reference): prefer the live one.
            if slot not in found or found[slot].get("Status") in ("DELETED", "VOIDED"):
                found[slot] = record
    return found


def _where_lookup(
    client: XeroClient, tenant_id: str, collection: str, element: str, values: Sequence[str]
) -> list[dict[str, Any]]:
    """Documents whose `element` equals one of `values`: `where` ORs, batched by count and URL length."""
    records: list[dict[str, Any]] = []
    for batch in where_batches(element, values):
        params = {"where": " OR ".join(batch), "page": 1, "pageSize": PAGE_SIZE, "unitdp": 4}
        records.extend(client.get(tenant_id, collection, params)[collection])
    return records


def where_batches(
    element: str, values: Iterable[str], budget: int = LOOKUP_URL_BUDGET
) -> Iterator[list[str]]:
    """`element=="value"` clauses in batches of at most WHERE_BATCH whose encoded length fits `budget`."""
    batch: list[str] = []
    used = 0
    for value in values:
        clause = f"{element}=={_quote(value)}"
        cost = len(quote(clause, safe="")) + len(quote(" OR ", safe=""))
        if batch and (used + cost > budget or len(batch) >= WHERE_BATCH):
            yield batch
            batch, used = [], 0
        batch.append(clause)
        used += cost
    if batch:
        yield batch


def lookup_by_identity(
    client: XeroClient, tenant_id: str, documents: Sequence[Document], prefix: str = ""
) -> dict[str, dict[str, Any]]:
    """Sales invoices carrying one of these documents' links to Autotask (`Url`), by that link.

    Asked only for documents their number (or Reference) did not find, so that an invoice renumbered in
    Autotask or in Xero is recognised instead of created a second time; an unchanged rerun never asks.

    Cost: a link is long (about 100 characters), so `Url==` look-ups fit about a dozen per call. When
    more than one such call is needed and `prefix` (the link up to the Autotask id) is known, one call
    (`pageSize=1`) first counts the invoices that carry any of our links; when listing those is cheaper
    than looking each up (always on a first sync into an organisation: it holds none, and the count is
    the only call), they are listed instead, 1,000 a page."""
    urls = sorted({doc.identity for doc in documents if doc.identity and doc.kind == "invoice"})
    if not urls:
        return {}
    batches = list(where_batches("Url", urls))
    records: list[dict[str, Any]] = []
    listed = False
    if prefix and len(batches) > 1:
        ours = f"Url.StartsWith({_quote(prefix)})"
        probe = client.get(tenant_id, "Invoices", {"where": ours, "page": 1, "pageSize": 1})
        held = _item_count(probe)
        if held is not None and -(-held // PAGE_SIZE) < len(batches):
            listed = True
            for page in range(1, -(-held // PAGE_SIZE) + 1):
                params = {"where": ours, "page": page, "pageSize": PAGE_SIZE, "unitdp": 4}
                records.extend(client.get(tenant_id, "Invoices", params)["Invoices"])
    if not listed:
        for batch in batches:
            params = {"where": " OR ".join(batch), "page": 1, "pageSize": PAGE_SIZE, "unitdp": 4}
            records.extend(client.get(tenant_id, "Invoices", params)["Invoices"])
    wanted = set(urls)
    found: dict[str, dict[str, Any]] = {}
    for record in records:
        url = str(record.get("Url") or "")
        if record.get("Type") != "ACCREC" or url not in wanted:
            continue
        if url not in found or found[url].get("Status") in ("DELETED", "VOIDED"):
            found[url] = record
    return found


def _item_count(body: Any) -> int | None:
    """`pagination.itemCount` of a paged answer (Xero adds it to paged collections), None if absent."""
    pagination = body.get("pagination") if isinstance(body, Mapping) else None
    count = pagination.get("itemCount") if isinstance(pagination, Mapping) else None
    return count if isinstance(count, int) and count >= 0 else None


def identity_mismatch(document: Document, record: Mapping[str, Any]) -> Decision:
    """A document Xero already holds under another number (or Reference): reported, never created twice."""
    element = "Reference" if document.match_on == "reference" else NUMBER_FIELD[document.kind]
    held = str(record.get(element) or "")
    xero_id = str(record.get(ID_FIELD[document.kind]) or "")
    status = str(record.get("Status") or "")
    reason = (
        f"Autotask invoice id {document.source_id} is already in Xero with {element} {held!r} ({status}), "
        f"but Autotask now gives {document.key!r}: it was renumbered in Autotask or edited in Xero. Not "
        f"created a second time. Make the two agree (set {element} to {document.key!r} in Xero, or change "
        "the number back in Autotask); the next run then finds it"
    )
    return _decision("rejected", document, xero_id, reason=reason)
