"""Tracking from every source (mappings.tracking, issue 18): per line its organizational levels 1 and 2
(under those names or as branch / line of business), department, billing code (by name or id) and billing
item type; per company its territory, type and any UDF. Up to two categories on a line; a value with no
option, or an option the organisation does not hold, rejects the document naming the value and where it
came from; `default_option` covers lines without a value. `autotask-xero check` (coverage.py) judges the
same rules on the invoices it reads."""

from __future__ import annotations

from typing import Any

import pytest
from destination_xero.autotask_names import NamedField, named_fields
from destination_xero.config import load_config
from destination_xero.coverage import gaps
from destination_xero.documents import OrgProfile
from destination_xero.field_paths import FieldPaths
from destination_xero.mapping import Mapper, MappingError
from destination_xero.mapping_rules import TenantRules
from destination_xero.record_types import Company
from destination_xero.records import parse_invoice
from destination_xero.routing import Router

OPTIONS = ("Sydney Metro", "Service Desk", "Projects", "Customer", "Partner", "Labour", "Gold", "Other")


def profile() -> OrgProfile:
    """An organisation with two categories (Xero's limit of active ones), options in Xero's spelling."""
    return OrgProfile.from_xero(
        {"Name": "Acme AU", "BaseCurrency": "AUD"},
        tax_rates=[
            {
                "TaxType": "OUTPUT",
                "Status": "ACTIVE",
                "TaxComponents": [{"Name": "GST", "Rate": 10, "IsCompound": False}],
            }
        ],
        currencies=[{"Code": "AUD"}],
        tracking_categories=[
            {"Name": "Region", "Status": "ACTIVE", "Options": [{"Name": n} for n in OPTIONS]},
            {"Name": "Cost Centre", "Status": "ACTIVE", "Options": [{"Name": n} for n in OPTIONS]},
        ],
        accounts=[{"Code": "200", "Name": "Sales"}, {"Code": "210", "Name": "Labour"}],
    )


def document(base_config: dict[str, Any], raw: dict[str, Any], *rules: dict[str, Any]) -> Any:
    base_config["mappings"]["tracking"] = list(rules)
    base_config["mappings"].pop("branding", None)
    config = load_config(base_config)
    parts = Router(config).route_invoice(parse_invoice(raw))
    assert isinstance(parts, list)
    return Mapper(config.tenants[0], profile()).invoice(parts[0])


def tracking(doc: Any, line: int = 0) -> list[dict[str, str]]:
    return doc.payload["LineItems"][line].get("Tracking", [])


def company(**over: Any) -> dict[str, Any]:
    return {"id": 7, "companyName": "Acme Pty Ltd", **over}


@pytest.mark.parametrize(
    ("source", "line", "company_fields", "option"),
    [
        ("organizational_level_1", {"organizationalLevel1Name": "Sydney Metro"}, {}, "Sydney Metro"),
        ("branch", {"organizationalLevel1Name": "sydney metro"}, {}, "Sydney Metro"),
        ("organizational_level_2", {"organizationalLevel2Name": "Projects"}, {}, "Projects"),
        ("department", {"departmentName": "service desk"}, {}, "Service Desk"),
        ("department", {"department": {"id": 3, "name": "Projects"}}, {}, "Projects"),
        ("territory", {}, {"territoryName": "Sydney Metro"}, "Sydney Metro"),
        ("company_type", {}, {"companyTypeName": "Partner"}, "Partner"),
        ("billing_item_type", {"billingItemTypeName": "Labour"}, {}, "Labour"),
        ("billing_code", {"billingCodeName": "Projects"}, {}, "Projects"),
    ],
)
def test_each_source_fills_its_category_with_xeros_spelling(
    base_config, raw_invoice, raw_line, source, line, company_fields, option
):
    raw = raw_invoice(lines=[raw_line(1, **line)], company=company(**company_fields))
    doc = document(base_config, raw, {"category": "region", "source": source})
    assert tracking(doc) == [{"Name": "Region", "Option": option}]


def test_company_udf_and_options_by_value(base_config, raw_invoice):
    udfs = [{"name": "Tier", "value": "GOLD"}]
    raw = raw_invoice(company=company(userDefinedFields=udfs))
    rule = {"category": "Region", "source": "company_udf", "udf_name": "tier"}
    assert tracking(document(base_config, raw, rule)) == [{"Name": "Region", "Option": "Gold"}]
    mapped = {**rule, "options": {"gold": "Other"}}
    assert tracking(document(base_config, raw, mapped)) == [{"Name": "Region", "Option": "Other"}]


def test_a_billing_code_option_may_be_keyed_by_its_id_as_accounts_are(base_config, raw_invoice, raw_line):
    raw = raw_invoice(lines=[raw_line(1, billingCodeID=29682801, billingCodeName="Remote Support")])
    rule = {"category": "Region", "source": "billing_code", "options": {"29682801": "Service Desk"}}
    assert tracking(document(base_config, raw, rule)) == [{"Name": "Region", "Option": "Service Desk"}]


def test_two_categories_on_every_line_one_per_line_one_per_company(base_config, raw_invoice, raw_line):
    lines = [raw_line(1, departmentName="Service Desk"), raw_line(2, departmentName="Projects")]
    raw = raw_invoice(
        lines=lines,
        invoiceTotal="220.0000",
        totalTaxValue="20.0000",
        company=company(territoryName="Sydney Metro"),
    )
    doc = document(
        base_config,
        raw,
        {"category": "Region", "source": "territory"},
        {"category": "Cost Centre", "source": "department"},
    )
    assert tracking(doc, 0) == [
        {"Name": "Region", "Option": "Sydney Metro"},
        {"Name": "Cost Centre", "Option": "Service Desk"},
    ]
    assert tracking(doc, 1) == [
        {"Name": "Region", "Option": "Sydney Metro"},
        {"Name": "Cost Centre", "Option": "Projects"},
    ]


def test_a_third_category_is_refused_by_the_config(base_config):
    base_config["mappings"]["tracking"] = [{"category": f"C{n}", "source": "territory"} for n in range(3)]
    with pytest.raises(ValueError, match="tracking"):
        load_config(base_config)


@pytest.mark.parametrize(
    ("source", "line", "company_fields", "named"),
    [
        ("territory", {}, {"territoryName": "Outback"}, "'Outback' (territory)"),
        ("company_type", {}, {"companyTypeName": "Lead"}, "'Lead' (company type)"),
        ("department", {"departmentName": "Finance"}, {}, "'Finance' (department)"),
        (
            "organizational_level_1",
            {"organizationalLevel1Name": "Perth"},
            {},
            "'Perth' (organizational level 1)",
        ),
    ],
)
def test_a_value_with_no_option_rejects_the_document_naming_value_and_source(
    base_config, raw_invoice, raw_line, source, line, company_fields, named
):
    raw = raw_invoice(lines=[raw_line(1, **line)], company=company(**company_fields))
    rule = {"category": "Region", "source": source, "options": {"Somewhere": "Other"}}
    with pytest.raises(MappingError) as caught:
        document(base_config, raw, rule)
    assert f"tracking 'Region': no option mapped for {named}" in str(caught.value)
    assert "default_option" in str(caught.value)  # the fix is named


def test_an_option_xero_does_not_hold_is_a_problem(base_config, raw_invoice):
    raw = raw_invoice(company=company(companyTypeName="Prospect"))
    with pytest.raises(MappingError, match="tracking option 'Prospect' does not exist in category 'Region'"):
        document(base_config, raw, {"category": "Region", "source": "company_type"})


def test_default_option_covers_values_not_listed_and_lines_without_one(base_config, raw_invoice, raw_line):
    lines = [raw_line(1, departmentName="Finance"), raw_line(2)]  # line 2 has no department
    raw = raw_invoice(lines=lines, invoiceTotal="220.0000", totalTaxValue="20.0000")
    rule = {"category": "Region", "source": "department", "options": {"Desk": "Service Desk"}}
    doc = document(base_config, raw, {**rule, "default_option": "Other"})
    assert tracking(doc, 0) == tracking(doc, 1) == [{"Name": "Region", "Option": "Other"}]
    bare = document(base_config, raw_invoice(), {"category": "Region", "source": "territory"})
    assert tracking(bare) == []  # no territory and no default: the line is left out of that category


def test_check_judges_the_new_sources_on_the_invoices_it_reads(base_config, raw_invoice, raw_line):
    base_config["mappings"]["tracking"] = [
        {"category": "Region", "source": "territory"},
        {"category": "Cost Centre", "source": "department", "options": {"Desk": "Service Desk"}},
    ]
    base_config["mappings"].pop("branding", None)
    config = load_config(base_config)
    invoices = [
        raw_invoice(id=1, invoiceNumber="T1", company=company(territoryName="Outback")),
        raw_invoice(id=2, invoiceNumber="T2", lines=[raw_line(1, departmentName="Finance")]),
        raw_invoice(id=3, invoiceNumber="T3", company=company(territoryName="Sydney Metro")),
    ]
    found = gaps(config, invoices, profiles={"t-au": profile()})
    problems = {gap.problem: gap.invoices for gap in found}
    assert problems == {
        "tracking option 'Outback' does not exist in category 'Region' (Acme AU)": ["T1"],
        "tracking 'Cost Centre': no option mapped for 'Finance' (department): add it to the rule's options "
        "or declare default_option (Acme AU)": ["T2"],
    }
    assert {gap.field for gap in found} == {"tenants[0].mappings.tracking"}


def test_check_lists_level_option_keys_as_autotask_names(base_config):
    base_config["mappings"]["tracking"] = [
        {"category": "Region", "source": "organizational_level_1", "options": {"Sydney": "Sydney Metro"}},
        {"category": "Cost Centre", "source": "organizational_level_2", "options": {"Projects": "Projects"}},
    ]
    named = named_fields(load_config(base_config), FieldPaths(base_config))
    assert NamedField('mappings.tracking[0].options["Sydney"]', "branch", "Sydney") in named
    assert NamedField('mappings.tracking[1].options["Projects"]', "line_of_business", "Projects") in named


def test_without_a_line_only_the_company_rules_apply(base_config):
    """What a purchase order's vendor would get: its territory, never a line rule's default option."""
    base_config["mappings"]["tracking"] = [
        {"category": "Region", "source": "territory"},
        {"category": "Cost Centre", "source": "department", "default_option": "Other"},
    ]
    rules = TenantRules(load_config(base_config).tenants[0], profile())
    problems: list[str] = []
    vendor = Company(id=9, name="Parts Ltd", territory="Sydney Metro")
    assert rules.tracking_for(vendor, None, problems) == [{"Name": "Region", "Option": "Sydney Metro"}]
    assert problems == []
