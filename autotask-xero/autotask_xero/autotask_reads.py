"""What `autotask-xero check` reads from Autotask: its reference names, and the recent invoices, narrowly.

Through source-autotask's client only (`AutotaskClient`, `Query`): this tool is not a connector and must
not reach into the source's sync, so that when the client moves to a shared library (a later issue) only
the imports change. What is read, in as few calls as the config needs:
- small reference tables in full, one query each, only their names (`IncludeFields`): tax regions, tax
  categories, currencies, organizational levels 1 and 2 and their associations, billing codes; invoice
  templates and taxes only when the config names them; the billing item type picklist (one
  entityInformation call), the product category one only when the config maps by it;
- the invoices dated on or after `since` (at most `limit`), their billing items (`invoiceID in [...]`,
  500 ids a query) and their companies (`id in [...]`);
- one `MaxRecords: 1` query per company UDF value the config names (does any company have it at all?),
  and one for the company ids it names;
- only when a tracking rule reads them (`details`): the Companies picklists (one call: the labels of
  `companyType` and `territoryID`, a picklist since the REST API has no Territories entity) and the
  Departments table (a billing code's `department`); a database that refuses Departments leaves the
  department out, as the source does.
On the demo dataset (300 invoices) that is about 20 calls.

The invoice records are shaped like source-autotask's (records/documents.py): the company snapshot with
its UDFs, tax region name and (when asked for) `territoryName` and `companyTypeName`, the invoice's own
`userDefinedFields` (skip rules read them), `currency`, `taxRegion`; per line `taxCategoryName` (the
item's own category, else its billing code's, as the source resolves it), `organizationalLevel1Name` and
`2Name`, `billingCodeName`, `billingItemTypeName` and (when asked for) `departmentName`. They carry
nothing else: destination-xero's coverage.py reads them as it reads the source's records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.errors import AutotaskApiError
from autotask_client.query import Condition, F, Op, Query, chunked

# entity -> the fields kept of each row (`id` is always read)
REFERENCE: dict[str, tuple[str, ...]] = {
    "TaxRegions": ("name", "isActive"),
    "TaxCategories": ("name", "isActive"),
    "Taxes": ("taxName",),
    "Currencies": ("name", "isActive", "isInternalCurrency"),
    "OrganizationalLevel1s": ("name", "isActive"),
    "OrganizationalLevel2s": ("name", "isActive"),
    "OrganizationalLevelAssociations": ("organizationalLevel1ID", "organizationalLevel2ID"),
    "BillingCodes": ("name", "isActive", "taxCategoryID", "department"),
    "InvoiceTemplates": ("name",),
    "Departments": ("name",),
}
# the tracking sources whose values a narrow record carries only when asked (each costs a call)
DETAILS = frozenset({"territory", "company_type", "department"})


@dataclass(frozen=True)
class UdfCondition(Condition):
    """A filter on a user-defined field (`"udf": true`), which the typed query module does not build."""

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "udf": True}


def _unknown_field(exc: AutotaskApiError) -> bool:
    return "unable to find" in str(exc).lower()


class AutotaskReads:
    def __init__(self, client: AutotaskClient, details: frozenset[str] = frozenset()) -> None:
        self.client = client
        self.details = details & DETAILS  # which of DETAILS the invoices must carry (check.py says)
        self._tables: dict[str, dict[int, dict[str, Any]]] = {}
        self._picklists: dict[tuple[str, str], dict[int, str]] = {}
        self._company_labels: dict[str, dict[int, str]] | None = None
        self._departments_refused = False
        self.udf_names: set[str] = set()  # seen on the companies read
        self.udf_values: dict[str, set[str]] = {}  # UDF name (lower-cased) -> the values seen

    @property
    def calls(self) -> int:
        return sum(self.client.calls.values())

    def table(self, entity: str) -> dict[int, dict[str, Any]]:
        if entity not in self._tables:
            query = Query(entity, (F("id").gte(0),), include_fields=("id", *REFERENCE[entity]))
            self._tables[entity] = {int(row["id"]): row for row in self.client.query(query)}
        return self._tables[entity]

    def picklist(self, entity: str, field: str) -> dict[int, str]:
        if (entity, field) not in self._picklists:
            self._picklists[(entity, field)] = self.client.picklist(entity, field)
        return self._picklists[(entity, field)]

    def company_picklists(self) -> dict[str, dict[int, str]]:
        """The labels of Companies' picklists (lower-cased field name), from one call, read once."""
        if self._company_labels is None:
            self._company_labels = self.client.picklists("Companies")
        return self._company_labels

    def departments(self) -> dict[int, dict[str, Any]] | None:
        """The Departments table; None when Autotask refuses it (a department is then left out)."""
        if not self._departments_refused:
            try:
                return self.table("Departments")
            except AutotaskApiError:
                self._departments_refused = True
        return None

    def department(self, department_id: Any) -> str | None:
        table = self.departments() if department_id is not None else None
        row = table.get(_int(department_id) or -1) if table is not None else None
        return str(row["name"]) if row and row.get("name") is not None else None

    def name(self, entity: str, record_id: Any, field: str = "name") -> str | None:
        if record_id is None:
            return None
        row = self.table(entity).get(int(record_id))
        return str(row[field]) if row and row.get(field) is not None else None

    # ---- the questions names.py asks ---------------------------------------------------------------------
    def udf_exists(self, udf: str) -> bool:
        if udf.strip().lower() in {n.lower() for n in self.udf_names}:
            return True
        try:
            self._first("Companies", UdfCondition(udf, Op.EXIST))
        except AutotaskApiError as exc:
            if _unknown_field(exc):
                return False
            raise
        self.udf_names.add(udf)
        return True

    def udf_value_exists(self, udf: str, value: str) -> bool:
        """Does any company (active or not) have `value` in `udf`? The UDF must exist (`udf_exists`)."""
        if value.strip().lower() in {v.lower() for v in self.udf_values.get(udf.strip().lower(), set())}:
            return True
        return bool(self._first("Companies", UdfCondition(udf, Op.EQ, value.strip())))

    def missing_company_ids(self, ids: Iterable[int]) -> list[int]:
        wanted = sorted(set(ids))
        found: set[int] = set()
        for chunk in chunked(wanted):
            query = Query("Companies", (F("id").in_(chunk),), include_fields=("id",))
            found |= {int(row["id"]) for row in self.client.query(query)}
        return [i for i in wanted if i not in found]

    def _first(self, entity: str, condition: Condition) -> list[dict[str, Any]]:
        query = Query(entity, (condition,), include_fields=("id",), max_records=1)
        return next(iter(self.client.query_pages(query)), [])

    # ---- the recent invoices -----------------------------------------------------------------------------
    def invoices(self, since: pendulum.Date, limit: int) -> list[dict[str, Any]]:
        """Invoices dated on or after `since` (the first `limit`, in id order), as narrow source records."""
        query = Query("Invoices", (F("invoiceDateTime").gte(since),))
        raws: list[dict[str, Any]] = []
        for page in self.client.query_pages(query):
            raws.extend(page)
            if len(raws) >= limit:
                break
        raws = raws[:limit]
        if not raws:
            return []
        lines = self._lines([int(r["id"]) for r in raws])
        companies = self._companies({int(r["companyID"]) for r in raws if r.get("companyID") is not None})
        types = self.picklist("BillingItems", "billingItemType")
        return [
            self._invoice(
                raw, lines.get(int(raw["id"]), []), companies.get(_int(raw.get("companyID")) or -1), types
            )
            for raw in raws
        ]

    def _lines(self, invoice_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        grouped: dict[int, list[dict[str, Any]]] = {}
        for chunk in chunked(invoice_ids):
            for row in self.client.query(Query("BillingItems", (F("invoiceID").in_(chunk),))):
                grouped.setdefault(int(row["invoiceID"]), []).append(row)
        return grouped

    def _companies(self, ids: set[int]) -> dict[int, dict[str, Any]]:
        found: dict[int, dict[str, Any]] = {}
        for chunk in chunked(sorted(ids)):
            for row in self.client.query(Query("Companies", (F("id").in_(chunk),))):
                found[int(row["id"])] = row
                for udf in row.get("userDefinedFields") or []:
                    if isinstance(udf, Mapping) and udf.get("name"):
                        name = str(udf["name"])
                        self.udf_names.add(name)
                        if udf.get("value") not in (None, ""):
                            values = self.udf_values.setdefault(name.lower(), set())
                            values.add(str(udf["value"]).strip())
        return found

    def _currency(self, company: Mapping[str, Any]) -> dict[str, Any] | None:
        table = self.table("Currencies")
        row = table.get(_int(company.get("currencyID")) or -1) or next(
            (r for r in table.values() if r.get("isInternalCurrency")), None
        )
        return {"id": row["id"], "name": row.get("name")} if row else None

    def _invoice(
        self,
        raw: Mapping[str, Any],
        raw_lines: list[dict[str, Any]],
        company: Mapping[str, Any] | None,
        types: Mapping[int, str],
    ) -> dict[str, Any]:
        company = company or {"id": raw.get("companyID")}
        snapshot = {
            "id": company.get("id"),
            "companyName": company.get("companyName") or f"company {company.get('id')}",
            "isTaxExempt": company.get("isTaxExempt"),
            "userDefinedFields": company.get("userDefinedFields") or [],
            "taxRegionName": self.name("TaxRegions", company.get("taxRegionID")),
        }
        if self.details & {"territory", "company_type"}:
            labels = self.company_picklists()
            for name, field in (("territoryName", "territoryID"), ("companyTypeName", "companyType")):
                value = _int(company.get(field))
                snapshot[name] = labels.get(field.lower(), {}).get(value) if value is not None else None
        region_id = raw.get("taxGroup") or company.get("taxRegionID")
        record: dict[str, Any] = {
            "id": raw.get("id"),
            "invoiceNumber": raw.get("invoiceNumber"),
            "invoiceDateTime": raw.get("invoiceDateTime"),
            "isVoided": raw.get("isVoided"),
            "taxRegionName": raw.get("taxRegionName"),
            "taxRegion": {
                "id": region_id,
                "name": raw.get("taxRegionName") or self.name("TaxRegions", region_id),
            },
            "company": snapshot,
            "currency": self._currency(company),
            "invoiceEditorTemplateID": raw.get("invoiceEditorTemplateID"),
            "userDefinedFields": raw.get("userDefinedFields") or [],
            "lines": [self._line(line, types) for line in raw_lines],
        }
        record["lineCount"] = len(record["lines"])
        return record

    def _line(self, raw: Mapping[str, Any], types: Mapping[int, str]) -> dict[str, Any]:
        code = self.table("BillingCodes").get(_int(raw.get("billingCodeID")) or -1)
        category_id = raw.get("taxCategoryID") or (code.get("taxCategoryID") if code else None)
        association = self.table("OrganizationalLevelAssociations").get(
            _int(raw.get("organizationalLevelAssociationID")) or -1
        )
        level1 = association.get("organizationalLevel1ID") if association else None
        level2 = association.get("organizationalLevel2ID") if association else None
        item_type = _int(raw.get("billingItemType"))
        department = None
        if code and "department" in self.details:
            department = self.department(code.get("department"))
        return {
            "id": raw.get("id"),
            "quantity": raw.get("quantity"),
            "rate": raw.get("rate"),
            "extendedPrice": raw.get("extendedPrice"),
            "taxDollars": raw.get("taxDollars"),
            "billingItemType": raw.get("billingItemType"),
            "billingItemTypeName": types.get(item_type) if item_type is not None else None,
            "billingCodeID": raw.get("billingCodeID"),
            "billingCodeName": code.get("name") if code else None,
            "taxCategoryID": category_id,
            "taxCategoryName": self.name("TaxCategories", category_id),
            "organizationalLevel1Name": self.name("OrganizationalLevel1s", level1),
            "organizationalLevel2Name": self.name("OrganizationalLevel2s", level2),
            "departmentName": department,
        }


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
