"""Read what Xero already holds (in batches), diff it against what we want, and decide per document.

Why: reruns must converge without a local database, and calls are the cost of a sync. So every look-up is
batched (`InvoiceNumbers=` as many as fit the URL, `where` ORs for credit notes and Reference, one paged
listing for contacts, items and purchase orders), and the diff is normalised (Decimals by value, dates by
calendar day, tracking as a set, only the elements we send) so that an unchanged rerun plans zero writes.

Decisions: create / update / unchanged / skipped (a void never synced) / not_changeable (Xero no longer
lets us change it: PAID, has payments or credits, VOIDED/DELETED, BILLED) / rejected.
Status only moves forward (DRAFT → SUBMITTED → AUTHORISED): a document someone approved in Xero is not
pulled back to DRAFT by a rerun. A voided Autotask invoice becomes DELETED (DRAFT/SUBMITTED) or VOIDED
(AUTHORISED without payments) in Xero.

Contacts are matched in the declared order: ContactNumber (derived from the Autotask company id), then
AccountNumber, then the name folded for case, accents and spacing; archived contacts count (they are
un-archived rather than duplicated) and a match always wins over creation, so one company never gets a
second contact.
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


def _owned_by_another(contact: Mapping[str, Any], number: str, prefix: str) -> bool:
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
        if name in ("Status", "Contact", "Type") or (name.endswith("ID") and name != "BrandingThemeID"):
            continue
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


def decide(document: Document, existing: Mapping[str, Any] | None) -> Decision:
    """The action for one document given what Xero holds under its key (None: nothing)."""
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
        return _decision("not_changeable", document, xero_id, reason=f"{status} in Xero; it is not recreated")
    locked = status in ("PAID", "BILLED") or (status == "AUTHORISED" and has_money_applied(existing))
    if document.void:
        if locked:
            why = f"voided in Autotask but {status} in Xero with payments or credits applied; void it by hand"
            return _decision("not_changeable", document, xero_id, reason=why)
        target = "VOIDED" if status == "AUTHORISED" else "DELETED"
        payload = {id_field: xero_id, "Status": target}
        return _decision("update", document, xero_id, payload=payload, changes=["Status"])
    changes = diff(document.payload, existing)
    want_status = str(document.payload.get("Status", ""))
    payload = dict(document.payload)
    if want_status in STATUS_RANK and status in STATUS_RANK:
        if STATUS_RANK[want_status] > STATUS_RANK[status]:
            changes.append("Status")
        else:
            payload["Status"] = status  # never move a document backwards
    if not changes:
        return _decision("unchanged", document, xero_id)
    if locked:
        why = f"changed in Autotask ({', '.join(changes)}) but {status} in Xero with payments; not forced"
        return _decision("not_changeable", document, xero_id, reason=why, changes=changes)
    payload[id_field] = xero_id
    return _decision("update", document, xero_id, payload=payload, changes=changes)


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
    def __init__(self, contacts: Iterable[Mapping[str, Any]]) -> None:
        self.by_number: dict[str, dict[str, Any]] = {}
        self.by_account: dict[str, dict[str, Any]] = {}
        self.by_name: dict[str, list[dict[str, Any]]] = {}
        for contact in contacts:
            self.add(dict(contact))

    def add(self, contact: dict[str, Any]) -> None:
        if contact.get("ContactStatus") == "GDPRREQUEST":
            return
        if contact.get("ContactNumber"):
            self.by_number[str(contact["ContactNumber"]).casefold()] = contact
        if contact.get("AccountNumber"):
            self.by_account[str(contact["AccountNumber"]).casefold()] = contact
        if contact.get("Name"):
            self.by_name.setdefault(fold_name(str(contact["Name"])), []).append(contact)

    def match(
        self, rules: Sequence[str], number: str, account: str | None, name: str, owned_prefix: str = ""
    ) -> dict[str, Any] | None:
        """`owned_prefix`: a contact whose ContactNumber carries it belongs to another Autotask company
        unless the number is ours, so it is never matched by name (two customers with one name, "ACME
        Plumbing" and "Acme Plumbing", must not be merged into one Xero contact)."""
        for rule in rules:
            found: dict[str, Any] | None = None
            if rule == "contact_number":
                found = self.by_number.get(number.casefold())
            elif rule == "account_number" and account:
                found = self.by_account.get(account.casefold())
            elif rule == "name":
                candidates = [
                    c
                    for c in self.by_name.get(fold_name(name)) or []
                    if not _owned_by_another(c, number, owned_prefix)
                ]
                active = [c for c in candidates if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]
                found = (active or candidates)[0] if candidates else None
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
            for batch in url_batches(keys):
                params = {"InvoiceNumbers": ",".join(batch), "page": 1, "pageSize": PAGE_SIZE, "unitdp": 4}
                records.extend(client.get(tenant_id, collection, params)[collection])
        elif kind in ("invoice", "credit_note"):
            element = "Reference" if match_on == "reference" else number_field
            for where_batch in chunks(keys, WHERE_BATCH):
                where = " OR ".join(f"{element}=={_quote(k)}" for k in where_batch)
                params = {"where": where, "page": 1, "pageSize": PAGE_SIZE, "unitdp": 4}
                records.extend(client.get(tenant_id, collection, params)[collection])
        elif kind == "purchase_order":
            # Xero has no number filter for purchase orders: list from well before the earliest date we hold
            # (an edit may have moved the date), paged at 1,000.
            dates = [str(d.payload["Date"]) for d in docs if d.payload.get("Date")]
            since = None
            if dates:
                earliest = pendulum.Date.fromisoformat(min(dates))
                since = earliest.subtract(days=PO_LOOKBACK_DAYS).to_date_string()
            params = {"unitdp": 4, **({"DateFrom": since} if since else {})}
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
