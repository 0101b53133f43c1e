"""Planning's reads: what Xero already holds, fetched in as few calls as the documents allow.

Why apart from the decisions (planner.py): calls are the cost of a sync (60 a minute, 5,000 a day per
organisation), so every look-up is batched, and how to batch is its own subject: `InvoiceNumbers=` takes as
many numbers as fit the URL, `where` ORs serve credit notes and Reference, one paged listing serves
contacts, items and purchase orders (Xero has no number filter for those), and a renumbered invoice is
found by the link to Autotask it carries (`Url`). Bills (ACCPAY invoices) are read by `InvoiceNumbers=`
too, in the same batches as sales invoices would be, but kept apart by Type and returned as every bill
under each number (`lookup_bills`): a bill's number is the supplier's in Xero and may repeat, so which one
is ours is the planner's choice (by the vendor's contact). The decisions then read only what these return.

Contacts are indexed by ContactNumber (derived from the Autotask company id), AccountNumber and name
(exact, and folded for case, accents and spacing); archived contacts count (they are un-archived rather
than duplicated). Which company a contact goes to is decided for all companies at once, in
contact_match.py, so one contact never holds two companies and the order records arrive in decides nothing.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache, partial
from typing import Any, NamedTuple
from urllib.parse import quote

import pendulum
from connector_kit.batching import bounded_batches
from xero_client.client import XeroClient
from xero_client.errors import AuthError, XeroError

from .config import Tenant
from .documents import COLLECTION, NUMBER_FIELD, Document, OrgProfile

# Xero refuses URLs much past 2,000 characters (about 52 GUIDs in `IDs=`): invoice numbers are short, so
# a look-up carries as many as fit this budget of URL-encoded characters, at most LOOKUP_MAX_KEYS.
LOOKUP_URL_BUDGET = 1500
LOOKUP_MAX_KEYS = 200
WHERE_BATCH = 20
PAGE_SIZE = 1000
PO_LOOKBACK_DAYS = 90

log = logging.getLogger("destination_xero")


# Contact matching folds every known company's name once a cycle (contact_match.py decides for all of them
# at once): the answers are remembered, a bounded number of them.
NAMES_REMEMBERED = 65_536


@lru_cache(maxsize=NAMES_REMEMBERED)
def fold_name(name: str) -> str:
    """Case, accents and spacing folded: 'Café  ACME ' == 'cafe acme'."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


@lru_cache(maxsize=NAMES_REMEMBERED)
def exact_name(name: str) -> str:
    """The name as written, only composed (NFC) and trimmed: 'Café' typed with a combining accent is
    the same name, 'Cafe' and 'CAFÉ' are not. An exact match beats a folded one (contact_match.py)."""
    return unicodedata.normalize("NFC", name).strip()


def owned_by_another(contact: Mapping[str, Any], number: str, prefix: str) -> bool:
    """Whether the contact's ContactNumber names another Autotask company than the one numbered `number`."""
    held = str(contact.get("ContactNumber") or "").casefold()
    return bool(prefix) and held.startswith(prefix.casefold()) and held != number.casefold()


def url_batches(keys: Iterable[str], budget: int = LOOKUP_URL_BUDGET) -> Iterator[list[str]]:
    """Comma-joined look-up values in batches whose URL-encoded length stays within `budget`."""
    comma = len(quote(",", safe=""))
    return bounded_batches(keys, lambda key: len(quote(key, safe="")) + comma, budget, LOOKUP_MAX_KEYS)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class OrgSettingsRead(NamedTuple):
    """An organisation's settings as Xero lists them; the arguments of `OrgProfile.from_xero`, in order."""

    organisation: dict[str, Any]
    tax_rates: list[dict[str, Any]]
    currencies: list[dict[str, Any]]
    themes: list[dict[str, Any]]
    tracking: list[dict[str, Any]]
    accounts: list[dict[str, Any]]


def read_org_settings(client: XeroClient, tenant: Tenant, with_accounts: bool = False) -> OrgSettingsRead:
    """The organisation's settings in as few calls as the declared mappings need: branding themes and
    tracking categories only when mapped; accounts and currencies only when asked (`check` does, a sync
    does not: it writes no account it has not been given, and a document in a currency the organisation
    has not enabled is refused by Xero with its own message, kept for retry like any refusal, so the read
    would cost every run a call to say what the refusal says). A declared `base_currency` replaces the
    organisation's."""
    tid = tenant.tenant_id
    m = tenant.mappings
    organisation = client.get(tid, "Organisation")["Organisations"][0]
    tax_rates = client.get(tid, "TaxRates")["TaxRates"]
    currencies = client.get(tid, "Currencies")["Currencies"] if with_accounts else []
    wants_themes = bool(m.branding.by_template or m.branding.default)
    themes = client.get(tid, "BrandingThemes")["BrandingThemes"] if wants_themes else []
    tracking = client.get(tid, "TrackingCategories")["TrackingCategories"] if m.tracking else []
    accounts = client.get(tid, "Accounts")["Accounts"] if with_accounts else []
    if tenant.base_currency:
        organisation = {**organisation, "BaseCurrency": tenant.base_currency}
    return OrgSettingsRead(organisation, tax_rates, currencies, themes, tracking, accounts)


def load_profile(client: XeroClient, tenant: Tenant, with_accounts: bool = False) -> OrgProfile:
    """The organisation's settings, in as few calls as the declared mappings need; a sync's currencies
    are read when a document in another currency than the base first asks (`OrgProfile.currency_enabled`)."""
    profile = OrgProfile.from_xero(*read_org_settings(client, tenant, with_accounts))
    if not with_accounts:
        profile.currencies_source = partial(_enabled_currencies, client, tenant)
    return profile


def _enabled_currencies(client: XeroClient, tenant: Tenant) -> frozenset[str] | None:
    """The organisation's enabled currency codes, or None when Xero will not say now (a day limit, an
    outage): the document is then sent as it is and Xero's own answer decides. The app's credentials
    refused still ends the run."""
    try:
        body = client.get(tenant.tenant_id, "Currencies")
    except AuthError:
        raise
    except XeroError as exc:
        log.warning(
            "%s: the enabled currencies could not be read (%s); Xero will check them", tenant.name, exc
        )
        return None
    return frozenset(str(c.get("Code") or "").upper() for c in body.get("Currencies") or [])


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


KEPT_CONTACT_FIELDS = (
    "ContactID",
    "ContactNumber",
    "AccountNumber",
    "Name",
    "ContactStatus",
    "EmailAddress",
    "TaxNumber",
)


class ContactIndex:
    """The organisation's contacts by ContactNumber, AccountNumber and folded name, one entry per ContactID
    (a contact written back replaces its earlier version, so a rewritten contact is never two candidates)."""

    def __init__(self, contacts: Iterable[Mapping[str, Any]]) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_number: dict[str, dict[str, Any]] = {}
        self.by_account: dict[str, dict[str, Any]] = {}
        self.by_name: dict[str, list[dict[str, Any]]] = {}
        self.listed = 0  # contacts the organisation held when listed, archived and GDPR-erased ones included
        for contact in contacts:
            self.listed += 1
            self.add(dict(contact))

    def add(self, contact: dict[str, Any]) -> None:
        # Only the fields matching reads and the update comparison compares (mapping_contact.py writes no
        # other plain field; addresses and phones are never compared): Xero's answers carry twenty more,
        # groups, persons and balances, which made the index grow by a kilobyte a contact over a long run.
        contact = {k: contact[k] for k in KEPT_CONTACT_FIELDS if k in contact}
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
        if kind == "bill":
            continue  # every bill under a number, for the planner to choose from: lookup_bills
        if kind == "invoice" and match_on == "number":
            records.extend(_by_invoice_numbers(client, tenant_id, keys))
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


def _by_invoice_numbers(client: XeroClient, tenant_id: str, keys: Sequence[str]) -> list[dict[str, Any]]:
    """Invoices of any Type whose InvoiceNumber is one of `keys`. `InvoiceNumbers=` is comma-separated: a
    number holding a comma is looked up by `where`."""
    records: list[dict[str, Any]] = []
    for batch in url_batches([k for k in keys if "," not in k]):
        params = {"InvoiceNumbers": ",".join(batch), "page": 1, "pageSize": PAGE_SIZE, "unitdp": 4}
        records.extend(client.get(tenant_id, "Invoices", params)["Invoices"])
    records.extend(
        _where_lookup(client, tenant_id, "Invoices", "InvoiceNumber", [k for k in keys if "," in k])
    )
    return records


def lookup_bills(
    client: XeroClient, tenant_id: str, documents: Sequence[Document]
) -> dict[str, list[dict[str, Any]]]:
    """Every bill (Type ACCPAY, whatever its status) Xero holds under each of these bills' numbers.

    Why all of them: Xero keeps ACCPAY numbers unique neither across suppliers nor at all (they are the
    supplier's references), so a number may hold another supplier's bill, a bill entered by hand, or a
    deleted one beside ours; and a sales invoice (ACCREC) of the same number is never a bill."""
    keys = sorted({doc.key for doc in documents if doc.kind == "bill"})
    if not keys:
        return {}
    wanted = set(keys)
    found: dict[str, list[dict[str, Any]]] = {}
    for record in _by_invoice_numbers(client, tenant_id, keys):
        key = str(record.get("InvoiceNumber") or "")
        if record.get("Type") == "ACCPAY" and key in wanted:
            found.setdefault(key, []).append(record)
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
    clauses = (f"{element}=={_quote(value)}" for value in values)
    joiner = len(quote(" OR ", safe=""))
    return bounded_batches(clauses, lambda clause: len(quote(clause, safe="")) + joiner, budget, WHERE_BATCH)


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
        held = item_count(probe)
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


def item_count(body: Any) -> int | None:
    """`pagination.itemCount` of a paged answer (Xero adds it to paged collections), None if absent."""
    pagination = body.get("pagination") if isinstance(body, Mapping) else None
    count = pagination.get("itemCount") if isinstance(pagination, Mapping) else None
    return count if isinstance(count, int) and count >= 0 else None
