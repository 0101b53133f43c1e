"""propose-mapping's rules on organisations built in the test (no sandbox): rates, names, routing, TODOs.

Each organisation is made from Xero-shaped settings, as `read_org` would read them, so the rules see what
they see on a real account; the Autotask side is a stub answering `tax_rows` like ProposeReads.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
import yaml
from autotask_xero.check import Report, _refuse_todos
from autotask_xero.propose_reads import Usage, XeroOrg
from autotask_xero.propose_routing import propose_routes
from autotask_xero.propose_tax import Need, choose_rate, tax_section
from autotask_xero.propose_yaml import Node, plain, render, section, todo
from destination_xero.check import todo_fields, without_todo_echoes
from destination_xero.documents import OrgProfile
from destination_xero.org_check import OrgSettings
from destination_xero.record_types import Company, Invoice, InvoiceLine
from destination_xero.rounding import TaxComponent

D = Decimal


def _rate(name: str, tax_type: str, *components: tuple[str, bool], revenue: bool = True) -> dict[str, Any]:
    return {
        "Name": name,
        "TaxType": tax_type,
        "Status": "ACTIVE",
        "TaxComponents": [{"Name": "Tax", "Rate": D(r), "IsCompound": c} for r, c in components],
        "CanApplyToRevenue": revenue,
        "CanApplyToExpenses": not revenue,
        "CanApplyToLiabilities": True,
    }


ACCOUNTS = [
    {"Code": "200", "Name": "Sales", "Type": "REVENUE", "Class": "REVENUE", "TaxType": "NONE"},
    {"Code": "300", "Name": "Purchases", "Type": "DIRECTCOSTS", "Class": "EXPENSE", "TaxType": "INPUT"},
]


def org(
    name: str, country: str, currency: str, rates: list[dict[str, Any]], enabled: tuple[str, ...] = ()
) -> XeroOrg:
    """An organisation as `read_org` reads one (tenant id: its name)."""
    organisation = {"Name": name, "CountryCode": country, "BaseCurrency": currency}
    currencies = [{"Code": c} for c in (currency, *enabled)]
    profile = OrgProfile.from_xero(organisation, rates, currencies, [], [], ACCOUNTS)
    settings = OrgSettings(
        profile=profile,
        tax_rates={r["TaxType"]: r for r in rates},
        accounts={a["Code"]: a for a in ACCOUNTS},
        themes=[],
    )
    return XeroOrg(f"id-{name}", settings, organisation, [], [])


INPUT = _rate("Tax on Purchases", "INPUT", ("10", False), revenue=False)
NZ = org(
    "Kiwi Ltd",
    "NZ",
    "NZD",
    [
        _rate("15% GST on Income", "OUTPUT2", ("15", False)),
        _rate("Zero Rated", "ZERORATED", ("0", False)),
        INPUT,
    ],
)
AU = org(
    "Roo Pty Ltd",
    "AU",
    "AUD",
    [
        _rate("GST on Income", "OUTPUT", ("10", False)),
        _rate("GST Free Income", "EXEMPTOUTPUT", ("0", False)),
        _rate("BAS Excluded", "BASEXCLUDED", ("0", False)),
        INPUT,
    ],
)
US = org(
    "Eagle Inc",
    "US",
    "USD",
    [
        _rate("CA Sales Tax", "TAX001", ("7.25", False), ("1.25", True)),
        _rate("Tax Exempt", "NONE", ("0", False)),
        _rate("Exempt Sales", "EXEMPTOUTPUT", ("0", False)),
        INPUT,
    ],
)


def test_a_rate_only_one_active_sales_type_charges_is_proposed_with_its_reason():
    value, why = choose_rate(AU, Need("Autotask 'GST' on Australia GST", D("10.0000"), ["GST"]))
    assert value == "OUTPUT"
    assert why == "'GST on Income' OUTPUT is the only active 10% sales rate in Roo Pty Ltd"


def test_compound_components_are_compared_exactly():
    rate = D("7.25") + D("1.25") * D("1.0725")  # Autotask's compounded row on the amount plus the plain tax
    value, _ = choose_rate(US, Need("Autotask 'CA State Tax', 'CA District Tax'", rate, []))
    assert value == "TAX001"
    value, _ = choose_rate(US, Need("8.5% flat", D("8.5"), []))
    assert value.startswith("TODO: no active sales tax rate of 8.5% in Eagle Inc")


def test_a_rate_no_sales_type_charges_is_a_todo_listing_the_active_sales_rates():
    value, why = choose_rate(AU, Need("Autotask 'GST' on New Zealand GST", D("15"), ["GST"]))
    assert value == (
        "TODO: no active sales tax rate of 15% in Roo Pty Ltd (Autotask 'GST' on New Zealand GST); "
        "choose one of BASEXCLUDED (0%), EXEMPTOUTPUT (0%), OUTPUT (10%)"
    )
    assert "INPUT" not in value  # a purchase rate cannot carry a sales line
    assert "customer was billed" in why


def test_several_zero_rates_are_told_apart_by_name_then_by_the_sales_account():
    value, why = choose_rate(
        AU, Need("Autotask 'GST Free' on Australia GST", D(0), ["GST Free", "Non-Taxable"])
    )
    assert value == "EXEMPTOUTPUT" and "shares 'exempt'" in why
    value, why = choose_rate(US, Need("Autotask 'No Tax' on Tax Exempt", D(0), ["No Tax", "Tax Exempt"]))
    assert value == "NONE" and "has the very name Autotask uses" in why
    value, why = choose_rate(
        US, Need("Autotask 'CA Labour (non-taxable)'", D(0), ["CA Labour (non-taxable)"])
    )
    assert value == "NONE" and "sets on its sales account 200" in why  # EXEMPTOUTPUT ties on 'exempt'


def test_an_ambiguous_rate_is_a_todo_listing_only_the_candidates():
    value, _ = choose_rate(AU, Need("Autotask 'Outside scope' on Export", D(0), ["Outside scope"]))
    assert value == (
        "TODO: several active 0% sales rates in Roo Pty Ltd fit Autotask 'Outside scope' on Export; "
        "choose one of BASEXCLUDED (0%), EXEMPTOUTPUT (0%)"
    )


class _Taxes:
    """ProposeReads' `tax_rows`: region x category -> (tax name, component)."""

    def __init__(self, rows: dict[tuple[str, str], list[tuple[str, str]]]) -> None:
        self.rows = rows

    def tax_rows(self, region: str | None, category: str | None) -> list[tuple[str, TaxComponent]]:
        return [(n, TaxComponent(D(r))) for n, r in self.rows.get((region or "", category or ""), [])]


def test_no_code_is_ever_proposed_for_an_organisation_that_lacks_it():
    """The same New Zealand lines: Kiwi Ltd has a 15% rate and gets it; Roo Pty Ltd gets a TODO listing its
    own rates only, never Kiwi's OUTPUT2."""
    reads = _Taxes({("New Zealand GST", "Labour"): [("GST", "15")], ("New Zealand GST", "Freight"): []})
    usage = Usage(lines=3)
    usage.pairs[("New Zealand GST", "Labour")] = 2
    usage.pairs[("New Zealand GST", "Freight")] = 1
    kiwi = plain(tax_section(NZ, usage, reads, "since 2026-01-01"))  # type: ignore[arg-type]
    assert kiwi["by_region"] == {"New Zealand GST": "OUTPUT2"}
    assert kiwi["by_region_category"] == {"New Zealand GST / Freight": "ZERORATED"}
    roo = plain(tax_section(AU, usage, reads, "since 2026-01-01"))  # type: ignore[arg-type]
    assert roo["by_region"]["New Zealand GST"].startswith("TODO: no active sales tax rate of 15% in Roo")
    assert "OUTPUT2" not in str(roo) and roo["purchase"] == "INPUT"


def _invoice(number: int, currency: str, udf: str | None = None) -> Invoice:
    line = InvoiceLine(
        number, "x", D(1), D(10), D(10), D(0), line_of_business="Projects", branch="Head Office"
    )
    company = Company(number, f"Customer {number}", udfs={"Entity": udf} if udf else {})
    date = pendulum.date(2026, 10, 1)
    return Invoice(number, str(number), company, date, None, D(10), D(0), (line,), currency_code=currency)


def test_one_organisation_needs_no_route():
    routes = propose_routes([_invoice(1, "AUD")], [AU], "AUD")
    assert routes.rules == {} and routes.node(AU).why == [
        "The only organisation: it receives every document."
    ]


def test_distinct_base_currencies_route_by_currency_with_the_internal_one_as_default():
    invoices = [_invoice(1, "AUD"), _invoice(2, "USD"), _invoice(3, "NZD")]
    au = org("Roo Pty Ltd", "AU", "AUD", list(AU.settings.tax_rates.values()), enabled=("NZD",))
    routes = propose_routes(invoices, [au, US], "USD")
    assert routes.rules[au.tenant_id] == {"currencies": ["AUD", "NZD"]}
    assert routes.rules[US.tenant_id] == {"currencies": ["USD"], "default": True}
    assert "NZD (1 invoices) is enabled only in it" in routes.why[au.tenant_id]


def test_a_company_udf_naming_the_countries_routes_before_currency():
    invoices = [_invoice(1, "AUD", "AU"), _invoice(2, "AUD", "AU"), _invoice(3, "USD", "US")]
    routes = propose_routes(invoices, [AU, US], None)
    assert routes.rules[AU.tenant_id] == {"company_udf": {"name": "Entity", "values": ["AU"]}}
    assert routes.how == "by the company UDF 'Entity'"


def test_when_nothing_points_to_an_organisation_its_route_is_a_todo():
    same = org("Roo Two Pty Ltd", "AU", "AUD", list(AU.settings.tax_rates.values()))
    routes = propose_routes([_invoice(1, "AUD")], [AU, same], None)
    for o in (AU, same):
        [rule] = routes.rules[o.tenant_id]["lines_of_business"]
        assert rule.startswith("TODO: the route rules of ")


def test_the_yaml_keeps_keys_strings_and_comments_and_reads_back():
    tree = {
        "mappings": section(
            {
                "tax": section(
                    {
                        "by_region": section(
                            {"UK VAT / Non-Taxable": Node("EXEMPTOUTPUT", ["why: " + "x " * 70])}
                        )
                    }
                ),
                "accounts": section({"by_billing_code": section({"yes": Node("200"), "on": Node("210")})}),
            },
            "shared",
        ),
        "tenants": Node(
            [Node({"tenant_id": Node("t"), "route": Node({"default": True}), "x": Node([{"a": 1}])})]
        ),
    }
    text = render(["header"], tree)
    assert max(len(line) for line in text.splitlines()) <= 110
    assert yaml.safe_load(text) == {
        "mappings": {
            "tax": {"by_region": {"UK VAT / Non-Taxable": "EXEMPTOUTPUT"}},
            "accounts": {"by_billing_code": {"yes": "200", "on": "210"}},
        },
        "tenants": [{"tenant_id": "t", "route": {"default": True}, "x": [{"a": 1}]}],
    }


def test_todos_are_found_with_their_field_paths_in_the_config_and_its_mapping_file(tmp_path: Path):
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        yaml.safe_dump(
            {
                "tenants": [
                    {
                        "tenant_id": "t1",
                        "name": "One",
                        "route": {"lines_of_business": [todo("route")]},
                        "mappings": {
                            "tax": {"by_region": {"New Zealand GST": todo("rate", ["A (1%)", "B (2%)"])}}
                        },
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    raw = {"mapping_file": str(mapping), "mappings": {"accounts": {"default": "  TODO: pick"}}}
    assert sorted(todo_fields(raw)) == [
        ("mappings.accounts.default", "TODO: pick"),
        ('tenants[0].mappings.tax.by_region["New Zealand GST"]', "TODO: rate; choose one of A (1%), B (2%)"),
        ("tenants[0].route.lines_of_business[0]", "TODO: route"),
    ]


def test_problems_that_only_echo_a_todo_are_left_out():
    todos = [('mappings.tax.by_region["X"]', "TODO: rate; choose one of A (1%)")]
    problems = [
        "mappings.tax.by_region[\"X\"]: TaxType 'TODO: rate; choose one of A (1%)' does not exist in One",
        "mappings.accounts.default: account code '999' does not exist in One",
    ]
    assert without_todo_echoes(problems, todos) == [
        'mappings.tax.by_region["X"]: unresolved TODO: rate; choose one of A (1%)',
        "mappings.accounts.default: account code '999' does not exist in One",
    ]


def test_autotask_xero_check_drops_routing_gaps_while_a_route_is_a_todo():
    report = Report(problems=["tenants[*].route: a line (company 1) matches no routing rule", "other"])
    _refuse_todos(report, {"tenants": [{"tenant_id": "t", "route": {"branches": ["TODO: route"]}}]})
    assert report.problems == ["tenants[0].route.branches[0]: unresolved TODO: route", "other"]
