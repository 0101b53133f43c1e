"""Every Autotask name the config mentions, with the field it is written in.

For tools that hold Autotask's own lists (`autotask-xero check`): a rule naming something Autotask does not
have ("Projectz" for "Projects", a tax region spelt "New Zealand" where Autotask says "New Zealand GST")
can never match, and the sync cannot notice: the line just matches another rule, the default route or the
default account. Only the destination knows which of its fields hold Autotask names, so the list is made
here; comparing it with Autotask is the tool's job. Names compare as the sync compares them: trimmed and
case-insensitively; an account or branding key may also be the Autotask id.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .config import Config, Tenant
from .field_paths import FieldPaths, key

Kind = Literal[
    "line_of_business",  # organizational level 2
    "branch",  # organizational level 1
    "company_udf",  # the name of a company user-defined field
    "company_udf_value",  # a value of it (`udf` says which)
    "company_id",
    "currency",
    "tax_region",
    "tax_category",
    "tax_name",
    "billing_code",  # name or id
    "billing_item_type",
    "product_category",
    "invoice_template",  # name or id
    "territory",  # a label of the Companies territoryID picklist
    "company_type",  # a label of the Companies companyType picklist
    "department",  # a Departments name
]

# Tax tables whose keys are Autotask names, by field; `by_region_category` keys are "Region / Category".
TAX_KEYS: dict[str, Kind] = {
    "by_tax_name": "tax_name",
    "by_category": "tax_category",
    "by_region": "tax_region",
    "exempt_by_region": "tax_region",
}
ACCOUNT_KEYS: dict[str, Kind] = {
    "by_billing_code": "billing_code",
    "by_billing_item_type": "billing_item_type",
    "by_product_category": "product_category",
}
TRACKING_SOURCES: dict[str, Kind] = {
    "line_of_business": "line_of_business",
    "branch": "branch",
    "organizational_level_2": "line_of_business",
    "organizational_level_1": "branch",
    "company_udf": "company_udf_value",
    "billing_code": "billing_code",
    "billing_item_type": "billing_item_type",
    "territory": "territory",
    "company_type": "company_type",
    "department": "department",
}


@dataclass(frozen=True)
class NamedField:
    field: str
    kind: Kind
    name: str
    udf: str | None = None  # for company_udf_value: the user-defined field the value belongs to


def _route(tenant: Tenant, index: int, paths: FieldPaths) -> Iterator[NamedField]:
    route, where = tenant.route, paths.route(index)
    for j, name in enumerate(route.lines_of_business):
        yield NamedField(f"{where}.lines_of_business[{j}]", "line_of_business", name)
    for j, name in enumerate(getattr(route, "branches", None) or []):
        yield NamedField(f"{where}.branches[{j}]", "branch", name)
    if route.company_udf is not None:
        udf = route.company_udf.name
        yield NamedField(f"{where}.company_udf.name", "company_udf", udf)
        for j, value in enumerate(route.company_udf.values):
            yield NamedField(f"{where}.company_udf.values[{j}]", "company_udf_value", value, udf)
    for j, company_id in enumerate(route.company_ids):
        yield NamedField(f"{where}.company_ids[{j}]", "company_id", str(company_id))
    for j, code in enumerate(route.currencies):
        yield NamedField(f"{where}.currencies[{j}]", "currency", code)


def _mappings(tenant: Tenant, index: int, paths: FieldPaths) -> Iterator[NamedField]:
    m = tenant.mappings
    tax = paths.mapping(index, "tax")
    for attr, kind in TAX_KEYS.items():
        for name in getattr(m.tax, attr, None) or {}:
            yield NamedField(f"{tax}.{attr}{key(name)}", kind, name)
    for pair in m.tax.by_region_category:
        region, _, category = pair.partition("/")
        where = f"{tax}.by_region_category{key(pair)}"
        yield NamedField(where, "tax_region", region.strip())
        yield NamedField(where, "tax_category", category.strip())
    accounts = paths.mapping(index, "accounts")
    for attr, kind in ACCOUNT_KEYS.items():
        for name in getattr(m.accounts, attr):
            yield NamedField(f"{accounts}.{attr}{key(name)}", kind, name)
    branding = paths.mapping(index, "branding")
    for name in m.branding.by_template:
        yield NamedField(f"{branding}.by_template{key(name)}", "invoice_template", name)
    for j, rule in enumerate(m.tracking):
        source_kind = TRACKING_SOURCES.get(rule.source)
        if source_kind is None:
            continue
        where = f"{paths.mapping(index, 'tracking')}[{j}]"
        udf = rule.udf_name if rule.source == "company_udf" else None
        if udf:
            yield NamedField(f"{where}.udf_name", "company_udf", udf)
        for name in rule.options:
            yield NamedField(f"{where}.options{key(name)}", source_kind, name, udf)
    if m.skip.company_udf is not None:
        # the UDF only: a "no sync" value no company carries yet is a rule waiting, not a typo to report
        where = f"{paths.mapping(index, 'skip')}.company_udf.name"
        yield NamedField(where, "company_udf", m.skip.company_udf.name)


def named_fields(config: Config, paths: FieldPaths | None = None) -> list[NamedField]:
    """Each (field, name) once: a default section shared by several tenants is listed once when `paths`
    knows the raw config (its fields are then `mappings.<section>...` for all of them)."""
    paths = paths or FieldPaths()
    seen: list[NamedField] = []
    for index, tenant in enumerate(config.tenants):
        for named in (*_route(tenant, index, paths), *_mappings(tenant, index, paths)):
            if named not in seen:
                seen.append(named)
    return seen
