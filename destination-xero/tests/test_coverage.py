"""coverage.py (what a sync would reject in given invoices, by routing and line mapping), the Autotask
names a config mentions (autotask_names.py) and the field paths messages use (field_paths.py)."""

from __future__ import annotations

from destination_xero.autotask_names import NamedField, named_fields
from destination_xero.config import load_config
from destination_xero.coverage import gaps
from destination_xero.field_paths import FieldPaths


def _two_tenants(base_config):
    base_config["tenants"] = [
        {
            "tenant_id": "t-au",
            "name": "Acme AU",
            "route": {"company_udf": {"name": "Xero Org", "values": ["AU"]}},
        },
        {
            "tenant_id": "t-nz",
            "name": "Acme NZ",
            "route": {"branches": ["Wellington"]},
            "mappings": {"tax": {"by_region": {"New Zealand": "OUTPUT2"}}},
        },
    ]
    return base_config


def test_an_unmapped_tax_region_is_one_gap_per_tenant_listing_its_categories(
    make_config, raw_invoice, raw_line
):
    config = make_config()

    def fiji(line_id: int, category: str) -> dict:
        return raw_line(line_id, taxRegionName="Fiji", taxCategoryName=category)

    invoices = [
        raw_invoice(id=1, invoiceNumber="A1", lines=[fiji(1, "Labour")]),
        raw_invoice(id=2, invoiceNumber="A2", lines=[fiji(2, "Hardware"), fiji(3, "Labour")]),
    ]
    [gap] = gaps(config, invoices)
    assert gap.field == "tenants[0].mappings.tax"
    assert "tax region 'Fiji' on lines routed to Acme AU" in gap.problem
    assert gap.categories == ["'Labour'", "'Hardware'"]
    assert gap.invoices == ["A1", "A2"]
    text = gap.describe("since 2025-09-01")
    assert "(categories: 'Labour', 'Hardware'): map the region (by_region)" in text
    assert text.endswith("(2 invoices since 2025-09-01: A1, A2)")


def test_a_mapped_region_has_no_gap_and_voided_or_unnumbered_invoices_are_left_out(
    make_config, raw_invoice, raw_line
):
    config = make_config()
    fiji = [raw_line(1, taxRegionName="Fiji", taxCategoryName="Labour")]
    invoices = [
        raw_invoice(id=1, invoiceNumber="A1"),
        raw_invoice(id=2, invoiceNumber="A2", taxRegionName="Fiji", lines=fiji, isVoided=True),
        raw_invoice(id=3, invoiceNumber=None, taxRegionName="Fiji", lines=fiji),
    ]
    assert gaps(config, invoices) == []


def test_lines_routed_by_branch_are_judged_by_their_tenants_mapping(base_config, raw_invoice, raw_line):
    raw = _two_tenants(base_config)
    raw["tenants"][0]["route"]["default"] = True
    config = load_config({**raw, "split_policy": "split"})
    company = {**raw_invoice()["company"], "userDefinedFields": []}
    lines = [
        raw_line(1, organizationalLevel1Name="Wellington", taxRegionName="New Zealand"),
        raw_line(2, organizationalLevel1Name="Sydney"),
        raw_line(3, organizationalLevel1Name="Wellington"),
    ]
    [gap] = gaps(config, [raw_invoice(id=1, invoiceNumber="S1", company=company, lines=lines)])
    assert gap.field == "tenants[1].mappings.tax"
    assert "tax region 'Australia' on lines routed to Acme NZ" in gap.problem


def test_an_invoice_no_rule_routes_is_a_routing_gap_per_company(base_config, raw_invoice):
    config = load_config(_two_tenants(base_config))
    nobody = {**raw_invoice()["company"], "userDefinedFields": []}
    [gap] = gaps(
        config,
        [
            raw_invoice(id=1, invoiceNumber="N1", company=nobody),
            raw_invoice(id=2, invoiceNumber="N2", company=nobody),
        ],
    )
    assert gap.field == "tenants[*].route"
    assert gap.problem.startswith("a line (company 7") and "no default tenant" in gap.problem
    assert gap.invoices == ["N1", "N2"]


def test_a_tax_exempt_companys_untaxed_line_asks_for_the_exempt_rule(base_config, raw_invoice, raw_line):
    base_config["mappings"]["tax"].pop("exempt")
    config = load_config(base_config)
    company = {**raw_invoice()["company"], "isTaxExempt": True, "taxRegionName": "Fiji"}
    line = raw_line(1, taxDollars="0", taxRegionName="Fiji")
    [gap] = gaps(
        config, [raw_invoice(id=1, invoiceNumber="E1", company=company, taxRegionName="Fiji", lines=[line])]
    )
    assert "of tax-exempt companies" in gap.problem and "declare exempt" in gap.describe()


def test_accounts_are_not_judged_without_products_when_a_tenant_maps_by_product_category(
    base_config, raw_invoice, raw_line
):
    base_config["mappings"]["accounts"] = {"by_product_category": {"Hardware": "230"}}
    config = load_config(base_config)
    invoice = raw_invoice(id=1, invoiceNumber="P1", lines=[raw_line(1, billingItemTypeName="Expense")])
    assert gaps(config, [invoice], products_known=False) == []
    [gap] = gaps(config, [invoice])
    assert gap.field == "tenants[0].mappings.accounts" and "billing code 'Remote Support'" in gap.problem


def test_tracking_values_in_use_are_judged_against_the_organisations_options(
    base_config, raw_invoice, raw_line, profile
):
    base_config["mappings"]["tracking"] = [{"category": "Division", "source": "line_of_business"}]
    config = load_config(base_config)
    invoice = raw_invoice(
        id=1, invoiceNumber="T1", lines=[raw_line(1, organizationalLevel2Name="Hardware Sales")]
    )
    assert gaps(config, [invoice]) == []  # without the organisation's profile, tracking is not judged
    [gap] = gaps(config, [invoice], profiles={"t-au": profile})
    assert gap.field == "tenants[0].mappings.tracking"
    assert "tracking option 'Hardware Sales' does not exist in category 'Division'" in gap.problem


def test_named_fields_lists_every_autotask_name_with_its_field(base_config):
    raw = _two_tenants(base_config)
    raw["mappings"]["tax"]["by_region_category"] = {"Australia / Labour": "OUTPUT"}
    raw["mappings"]["tracking"] = [
        {"category": "Division", "source": "line_of_business", "options": {"Managed Services": "MS"}}
    ]
    named = named_fields(load_config(raw), FieldPaths(raw))
    assert NamedField("tenants[1].route.branches[0]", "branch", "Wellington") in named
    assert (
        NamedField("tenants[0].route.company_udf.values[0]", "company_udf_value", "AU", "Xero Org") in named
    )
    assert NamedField('mappings.tax.by_region["Australia"]', "tax_region", "Australia") in named
    assert (
        NamedField('tenants[1].mappings.tax.by_region["New Zealand"]', "tax_region", "New Zealand") in named
    )
    pair = 'mappings.tax.by_region_category["Australia / Labour"]'
    assert NamedField(pair, "tax_category", "Labour") in named
    assert (
        NamedField('mappings.tracking[0].options["Managed Services"]', "line_of_business", "Managed Services")
        in named
    )
    # the shared default section is listed once, not once per tenant that uses it
    assert sum(n.field == 'mappings.accounts.by_billing_item_type["Labor"]' for n in named) == 1


def test_field_paths_name_the_tenants_own_section_or_the_shared_default(base_config, tmp_path):
    raw = _two_tenants(base_config)
    paths = FieldPaths(raw)
    assert paths.mapping(0, "tax") == "mappings.tax"
    assert paths.mapping(1, "tax") == "tenants[1].mappings.tax"
    assert FieldPaths().mapping(0, "tax") == "tenants[0].mappings.tax"  # the raw config unknown
    mapping_file = tmp_path / "mapping.yaml"
    mapping_file.write_text(
        "mappings:\n  accounts: {default: '200'}\ntenants:\n  - {tenant_id: t, name: T}\n"
    )
    from_file = FieldPaths({"mapping_file": str(mapping_file), "auth": {}})
    assert from_file.mapping(0, "accounts") == "mappings.accounts"
    assert from_file.mapping(0, "tax") == "tenants[0].mappings.tax"
