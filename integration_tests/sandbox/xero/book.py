"""One Xero organisation's books: seeded records, indexes, and the entry points for every write.

Why this shape: the platform side (routing, auth, limits, envelopes, reads) must not know accounting
rules, and the rules must not know HTTP. The Book stores records in internal form (PascalCase keys,
Decimal money, `datetime.date` dates, aware UTC `datetime` UpdatedDateUTC), indexes what is looked up per
request (IDs, numbers, codes, active contact names), and runs each element of a write through the
rule module of its collection (`rules_*.py`). Each element is validated completely before anything is
stored, so a failed element changes nothing; `all_or_nothing=True` additionally undoes the elements of
the same request that had succeeded (what Xero does when summarizeErrors is true and one element fails).

Thread safety: every public method takes `self.lock` (an RLock, so the platform may hold it around a
whole request). Records handed out are the stored dicts: treat them as read-only; writes replace whole
records (copy-on-write), so a record a reader holds never changes under it.

Choices (UNCONFIRMED in the sources):
- number lookups (`find`) and number uniqueness compare case-insensitively (a client that varies case
  fails here instead of creating near-duplicates in Xero);
- seeded documents without totals get them computed by the same arithmetic as writes; seeded payments
  referencing a document are reflected in its AmountPaid/AmountDue only when the seed left those out.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import SandboxClock
from . import schema

ID_FIELD: dict[str, str] = {
    "Organisation": "OrganisationID",
    "Accounts": "AccountID",
    "TaxRates": "TaxType",
    "Currencies": "Code",
    "BrandingThemes": "BrandingThemeID",
    "TrackingCategories": "TrackingCategoryID",
    "Contacts": "ContactID",
    "Items": "ItemID",
    "Invoices": "InvoiceID",
    "CreditNotes": "CreditNoteID",
    "PurchaseOrders": "PurchaseOrderID",
    "Payments": "PaymentID",
}
NUMBER_FIELD: dict[str, str] = {
    "Invoices": "InvoiceNumber",
    "CreditNotes": "CreditNoteNumber",
    "PurchaseOrders": "PurchaseOrderNumber",
    "Contacts": "ContactNumber",
    "Items": "Code",
}
COLLECTIONS = tuple(ID_FIELD)
_DOCUMENTS = frozenset({"Invoices", "CreditNotes", "PurchaseOrders"})
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
# Xero's Windows-style Organisation.Timezone values -> IANA zones (the common ones; others fall back to UTC).
ORG_TIMEZONES: dict[str, str] = {
    "NEWZEALANDSTANDARDTIME": "Pacific/Auckland",
    "AUSEASTERNSTANDARDTIME": "Australia/Sydney",
    "EAUSTRALIASTANDARDTIME": "Australia/Brisbane",
    "CENAUSTRALIASTANDARDTIME": "Australia/Adelaide",
    "AUSCENTRALSTANDARDTIME": "Australia/Darwin",
    "WAUSTRALIASTANDARDTIME": "Australia/Perth",
    "TASMANIASTANDARDTIME": "Australia/Hobart",
    "GMTSTANDARDTIME": "Europe/London",
    "WEUROPESTANDARDTIME": "Europe/Berlin",
    "ROMANCESTANDARDTIME": "Europe/Paris",
    "EASTERNSTANDARDTIME": "America/New_York",
    "CENTRALSTANDARDTIME": "America/Chicago",
    "MOUNTAINSTANDARDTIME": "America/Denver",
    "USMOUNTAINSTANDARDTIME": "America/Phoenix",
    "PACIFICSTANDARDTIME": "America/Los_Angeles",
    "ALASKANSTANDARDTIME": "America/Anchorage",
    "HAWAIIANSTANDARDTIME": "Pacific/Honolulu",
    "SINGAPORESTANDARDTIME": "Asia/Singapore",
    "SOUTHAFRICASTANDARDTIME": "Africa/Johannesburg",
    "UTC": "UTC",
}
_SEED_NAMESPACE = uuid.UUID("6f0f1c56-2a5e-4c55-9a0e-1f3c2b7d9e10")


class PostDataInvalid(Exception):
    """The whole request is rejected: HTTP 400 ErrorNumber 14 PostDataInvalidException."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NoDataProcessed(Exception):
    """The body holds no elements: HTTP 400 ErrorNumber 17 NoDataProcessedException."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class ElementResult:
    record: dict[str, Any] | None
    echo: dict[str, Any]
    errors: list[str]
    warnings: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    """What a rule decided for one element: the records to store (in order) or the errors."""

    record: dict[str, Any] | None = None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    puts: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    removes: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, message: str) -> Outcome:
        self.errors.append(message)
        return self


def key_of(value: Any) -> str:
    return str(value).strip().lower()


class Book:
    def __init__(self, tenant_id: str, tenant_name: str, data: dict[str, Any], clock: SandboxClock) -> None:
        self.tenant_id = tenant_id
        self.tenant_name = tenant_name
        self.clock = clock
        self.lock = threading.RLock()
        self._store: dict[str, dict[str, dict[str, Any]]] = {c: {} for c in COLLECTIONS}
        self._numbers: dict[str, dict[str, list[str]]] = {c: {} for c in NUMBER_FIELD}
        self._contact_names: dict[str, set[str]] = {}
        self._account_numbers: dict[str, set[str]] = {}
        self._account_codes: dict[str, str] = {}
        self._by_contact: dict[str, set[tuple[str, str]]] = {}  # ContactID -> {(collection, record key)}
        self._undo: list[tuple[str, str, dict[str, Any] | None]] | None = None
        self._counters: dict[str, int] = {}
        from .rules_seed import load_seed

        self.organisation: dict[str, Any] = {}
        load_seed(self, data)

    # ----------------------------------------------------------------- time and ids
    def now(self) -> dt.datetime:
        """Now on the sandbox clock, aware UTC, millisecond precision (what Xero stores)."""
        moment = dt.datetime.fromtimestamp(self.clock.time(), tz=dt.UTC)
        return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)

    def today(self) -> dt.date:
        """Today in the organisation's timezone (Xero's default for a document Date)."""
        zone = ORG_TIMEZONES.get(str(self.organisation.get("Timezone") or "").upper(), "UTC")
        return self.now().astimezone(ZoneInfo(zone)).date()

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    def seed_id(self, collection: str, index: int) -> str:
        return str(uuid.uuid5(_SEED_NAMESPACE, f"{self.tenant_id}/{collection}/{index}"))

    @property
    def base_currency(self) -> str:
        return str(self.organisation.get("BaseCurrency") or "USD")

    # ----------------------------------------------------------------- storage
    def records(self, collection: str) -> list[dict[str, Any]]:
        with self.lock:
            if collection == "Organisation":
                return [self.organisation]
            return list(self._store[collection].values())

    def get(self, collection: str, record_id: Any) -> dict[str, Any] | None:
        if record_id is None:
            return None
        return self._store[collection].get(key_of(record_id))

    def find(self, collection: str, key: str) -> dict[str, Any] | None:
        """By ID, or by the number Xero accepts in the URL in place of the ID."""
        with self.lock:
            if collection == "Organisation":
                return self.organisation
            found = self.get(collection, key)
            if found is not None:
                return found
            if collection in NUMBER_FIELD:
                ids = self._numbers[collection].get(key_of(key))
                if ids:
                    return self._store[collection].get(ids[0])
            return None

    def by_number(self, collection: str, number: Any) -> list[dict[str, Any]]:
        ids = self._numbers[collection].get(key_of(number), [])
        return [self._store[collection][i] for i in ids if i in self._store[collection]]

    def account_by_code(self, code: Any) -> dict[str, Any] | None:
        account_id = self._account_codes.get(key_of(code))
        return self._store["Accounts"].get(account_id) if account_id else None

    def active_contacts_named(self, name: str) -> list[dict[str, Any]]:
        ids = self._contact_names.get(key_of(name), set())
        found = [self._store["Contacts"][i] for i in ids if i in self._store["Contacts"]]
        return [c for c in found if c.get("ContactStatus", "ACTIVE") == "ACTIVE"]

    def contacts_with_account_number(self, number: str) -> list[dict[str, Any]]:
        ids = self._account_numbers.get(key_of(number), set())
        return [self._store["Contacts"][i] for i in ids if i in self._store["Contacts"]]

    def documents_of_contact(self, contact_id: str) -> list[tuple[str, dict[str, Any]]]:
        """(collection, record) of every invoice, credit note and purchase order of one contact."""
        found = []
        for collection, key in sorted(self._by_contact.get(key_of(contact_id), set())):
            record = self._store[collection].get(key)
            if record is not None:
                found.append((collection, record))
        return found

    def next_number(self, collection: str, prefix: str) -> str:
        """The next free auto-number (INV-0001, CN-0001, PO-0001), as Xero's default numbering does."""
        counter = self._counters.get(collection, 0)
        while True:
            counter += 1
            candidate = f"{prefix}{counter:04d}"
            if not self._numbers[collection].get(key_of(candidate)):
                self._counters[collection] = counter
                return candidate

    def put(self, collection: str, record: dict[str, Any]) -> None:
        """Store (insert or replace) one record and keep every index in step."""
        if collection == "Organisation":
            self.organisation = record
            return
        key = key_of(record[ID_FIELD[collection]])
        old = self._store[collection].get(key)
        if self._undo is not None:
            self._undo.append((collection, key, old))
        if old is not None:
            self._unindex(collection, key, old)
        self._store[collection][key] = record
        self._index(collection, key, record)

    def remove(self, collection: str, record_id: str) -> None:
        key = key_of(record_id)
        old = self._store[collection].pop(key, None)
        if old is None:
            return
        if self._undo is not None:
            self._undo.append((collection, key, old))
        self._unindex(collection, key, old)

    def _index(self, collection: str, key: str, record: dict[str, Any]) -> None:
        number_field = NUMBER_FIELD.get(collection)
        if number_field and record.get(number_field):
            self._numbers[collection].setdefault(key_of(record[number_field]), []).append(key)
        if collection in _DOCUMENTS:
            contact_id = (record.get("Contact") or {}).get("ContactID")
            if contact_id:
                self._by_contact.setdefault(key_of(contact_id), set()).add((collection, key))
        if collection == "Contacts":
            if record.get("Name"):
                self._contact_names.setdefault(key_of(record["Name"]), set()).add(key)
            if record.get("AccountNumber"):
                self._account_numbers.setdefault(key_of(record["AccountNumber"]), set()).add(key)
        elif collection == "Accounts" and record.get("Code"):
            self._account_codes[key_of(record["Code"])] = key

    def _unindex(self, collection: str, key: str, record: dict[str, Any]) -> None:
        number_field = NUMBER_FIELD.get(collection)
        if number_field and record.get(number_field):
            ids = self._numbers[collection].get(key_of(record[number_field]))
            if ids and key in ids:
                ids.remove(key)
                if not ids:
                    del self._numbers[collection][key_of(record[number_field])]
        if collection in _DOCUMENTS:
            contact_id = (record.get("Contact") or {}).get("ContactID")
            if contact_id:
                self._by_contact.get(key_of(contact_id), set()).discard((collection, key))
        if collection == "Contacts":
            if record.get("Name"):
                self._contact_names.get(key_of(record["Name"]), set()).discard(key)
            if record.get("AccountNumber"):
                self._account_numbers.get(key_of(record["AccountNumber"]), set()).discard(key)
        elif (
            collection == "Accounts"
            and record.get("Code")
            and self._account_codes.get(key_of(record["Code"])) == key
        ):
            del self._account_codes[key_of(record["Code"])]

    def _commit(self, outcome: Outcome) -> None:
        for collection, record in outcome.puts:
            self.put(collection, record)
        for collection, record_id in outcome.removes:
            self.remove(collection, record_id)

    def _rollback(self, journal: list[tuple[str, str, dict[str, Any] | None]]) -> None:
        self._undo = None
        for collection, key, old in reversed(journal):
            current = self._store[collection].pop(key, None)
            if current is not None:
                self._unindex(collection, key, current)
            if old is not None:
                self._store[collection][key] = old
                self._index(collection, key, old)

    # ----------------------------------------------------------------- schema
    def check_body(self, collection: str, body: Any) -> list[dict[str, Any]]:
        """Validate a request body against Xero's schema; return its elements."""
        try:
            return schema.check_body(collection, body)
        except schema.SchemaError as exc:
            raise PostDataInvalid(exc.message) from None
        except LookupError as exc:
            raise NoDataProcessed(str(exc.args[0])) from None

    # ----------------------------------------------------------------- writes
    def _run(
        self, elements: list[dict[str, Any]], rule: Callable[[dict[str, Any]], Outcome], all_or_nothing: bool
    ) -> list[ElementResult]:
        with self.lock:
            journal: list[tuple[str, str, dict[str, Any] | None]] = []
            self._undo = journal
            results: list[ElementResult] = []
            try:
                for element in elements:
                    outcome = rule(element)
                    if outcome.errors:
                        results.append(ElementResult(None, element, outcome.errors, outcome.warnings))
                        continue
                    self._commit(outcome)
                    results.append(ElementResult(outcome.record, element, [], outcome.warnings))
            except BaseException:
                self._rollback(journal)
                raise
            if all_or_nothing and any(r.errors for r in results):
                self._rollback(journal)
            self._undo = None
            return results

    def write(
        self,
        collection: str,
        elements: list[dict[str, Any]],
        *,
        method: str,
        unitdp: int = 2,
        path_id: str | None = None,
        all_or_nothing: bool = False,
    ) -> list[ElementResult]:
        """Create (PUT) or create-or-update (POST) elements of `collection`, one rule run per element."""
        from .rules_registry import rule_for

        rule = rule_for(self, collection, method=method.upper(), unitdp=unitdp, path_id=path_id)
        return self._run(elements, rule, all_or_nothing)

    def allocate(
        self, credit_note_id: str, elements: list[dict[str, Any]], *, all_or_nothing: bool = False
    ) -> list[ElementResult]:
        from .rules_allocations import allocate_rule

        return self._run(elements, lambda e: allocate_rule(self, credit_note_id, e), all_or_nothing)

    def delete_allocation(self, credit_note_id: str, allocation_id: str) -> ElementResult:
        from .rules_allocations import delete_allocation_rule

        echo = {"AllocationID": allocation_id}
        results = self._run(
            [echo], lambda e: delete_allocation_rule(self, credit_note_id, allocation_id), False
        )
        return results[0]

    def delete_item(self, item_id: str) -> bool:
        with self.lock:
            item = self.find("Items", item_id)
            if item is None:
                return False
            self.remove("Items", item["ItemID"])
            return True

    # ----------------------------------------------------------------- wire
    def to_wire(
        self, collection: str, record: dict[str, Any], *, detail: bool, unitdp: int = 2
    ) -> dict[str, Any]:
        """The record as Xero returns it; detail=False is the unpaged list form: no lines, contact summary."""
        from .wire import render

        with self.lock:
            return render(self, collection, record, detail=detail, unitdp=unitdp)

    def element_response(self, collection: str, result: ElementResult, *, unitdp: int = 2) -> dict[str, Any]:
        """One element of a write response: the stored record, or the echo with its ValidationErrors."""
        from .wire import render_result

        with self.lock:
            return render_result(self, collection, result, unitdp=unitdp)
