"""The Autotask names the destination config mentions, against what Autotask has.

A rule naming something Autotask does not have never matches, and no sync says so: the line goes to
another tenant, to the default account, or untracked. So every name in the config
(destination_xero.autotask_names lists them with their fields) is looked up in Autotask's own lists,
compared as the sync compares (trimmed, case-insensitive; billing codes and templates also by id), and
each one missing is a problem naming its field and listing what Autotask has. "Never occurs" is taken
literally: a line of business or a tax region that exists but is inactive, or was not used lately, is
not a problem (old invoices may still carry it); a UDF value is looked for on every company, not only
the ones billed lately.
"""

from __future__ import annotations

from collections.abc import Iterable

from destination_xero.autotask_names import Kind, NamedField

from .autotask_reads import AutotaskReads

MAX_LISTED = 40

# kind -> what a message calls it
LABELS: dict[Kind, str] = {
    "line_of_business": "line of business (organizational level 2)",
    "branch": "branch (organizational level 1)",
    "currency": "currency",
    "tax_region": "tax region",
    "tax_category": "tax category",
    "tax_name": "tax",
    "billing_code": "billing code",
    "billing_item_type": "billing item type",
    "product_category": "product category",
    "invoice_template": "invoice template",
    "territory": "territory",
    "company_type": "company type",
    "department": "department",
}
# kinds read from the Companies picklists (one call for both): kind -> lower-cased field name
COMPANY_PICKLISTS: dict[Kind, str] = {"territory": "territoryid", "company_type": "companytype"}
# kinds whose config keys may also be the Autotask id
ALSO_BY_ID: dict[Kind, str] = {"billing_code": "BillingCodes", "invoice_template": "InvoiceTemplates"}


def _listing(values: Iterable[str]) -> str:
    items = sorted(set(values), key=str.lower)
    if not items:
        return "none"
    shown = ", ".join(items[:MAX_LISTED])
    return shown + (f" and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else "")


class _Names:
    """Autotask's names of each kind, read the first time a field of that kind is looked up."""

    def __init__(self, reads: AutotaskReads) -> None:
        self.reads = reads
        self._shown: dict[Kind, list[str]] = {}
        self._folded: dict[Kind, set[str]] = {}

    def _read(self, kind: Kind) -> list[str]:
        reads = self.reads
        picklists = {
            "billing_item_type": ("BillingItems", "billingItemType"),
            "product_category": ("Products", "productCategory"),
        }
        if kind in picklists:
            return list(reads.picklist(*picklists[kind]).values())
        if kind in COMPANY_PICKLISTS:
            return list(reads.company_picklists().get(COMPANY_PICKLISTS[kind], {}).values())
        if kind == "department":
            rows = (reads.departments() or {}).values()
            return [str(r["name"]) for r in rows if r.get("name") is not None]
        entity, field = {
            "line_of_business": ("OrganizationalLevel2s", "name"),
            "branch": ("OrganizationalLevel1s", "name"),
            "currency": ("Currencies", "name"),
            "tax_region": ("TaxRegions", "name"),
            "tax_category": ("TaxCategories", "name"),
            "tax_name": ("Taxes", "taxName"),
            "billing_code": ("BillingCodes", "name"),
            "invoice_template": ("InvoiceTemplates", "name"),
        }[kind]
        return [str(r[field]) for r in reads.table(entity).values() if r.get(field) is not None]

    def shown(self, kind: Kind) -> list[str]:
        if kind not in self._shown:
            self._shown[kind] = self._read(kind)
        return self._shown[kind]

    def has(self, kind: Kind, name: str) -> bool:
        if kind not in self._folded:
            folded = {n.strip().lower() for n in self.shown(kind)}
            if kind in ALSO_BY_ID:
                folded |= {str(i) for i in self.reads.table(ALSO_BY_ID[kind])}
            self._folded[kind] = folded
        return name.strip().lower() in self._folded[kind]


def name_problems(named: Iterable[NamedField], reads: AutotaskReads, window: str) -> list[str]:
    """One problem per field whose name Autotask does not have, in the config's order. `window` says
    which invoices the hint for a UDF value comes from ("since 2026-08-03")."""
    items = list(named)
    unknown_udfs = {
        i.name.strip().lower() for i in items if i.kind == "company_udf" and not reads.udf_exists(i.name)
    }
    ids = [int(i.name) for i in items if i.kind == "company_id"]
    missing_ids = set(reads.missing_company_ids(ids)) if ids else set()
    names = _Names(reads)
    problems = []
    for item in items:
        if item.kind == "company_udf":
            if item.name.strip().lower() in unknown_udfs:
                seen = _listing(reads.udf_names) if reads.udf_names else "none seen on the companies read"
                problems.append(
                    f"{item.field}: company UDF {item.name!r} does not exist in Autotask; known: {seen}"
                )
        elif item.kind == "company_udf_value":
            udf = item.udf or ""
            if udf.strip().lower() in unknown_udfs or reads.udf_value_exists(udf, item.name):
                continue
            in_use = reads.udf_values.get(udf.strip().lower(), set())
            problems.append(
                f"{item.field}: no Autotask company has {item.name!r} in its UDF {udf!r}; values on the "
                f"companies billed {window}: {_listing(in_use)}"
            )
        elif item.kind == "company_id":
            if int(item.name) in missing_ids:
                problems.append(f"{item.field}: company {item.name} does not exist in Autotask")
        elif item.kind == "department" and reads.departments() is None:
            continue  # Autotask refuses Departments here: nothing to compare with, nothing to report
        elif not names.has(item.kind, item.name):
            problems.append(
                f"{item.field}: {LABELS[item.kind]} {item.name!r} does not exist in Autotask; known: "
                + _listing(names.shown(item.kind))
            )
    return problems
