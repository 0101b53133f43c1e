from __future__ import annotations

from decimal import Decimal

from destination_xero.config import Tenant
from destination_xero.records import parse_invoice, parse_purchase_order
from destination_xero.routing import Rejection, RoutedInvoice, Router

TENANTS = [
    {
        "tenant_id": "t-au",
        "name": "AU",
        "route": {"lines_of_business": ["managed services"]},
        "split_number_suffix": "-AU",
    },
    {
        "tenant_id": "t-nz",
        "name": "NZ",
        "route": {"company_udf": {"name": "Xero Org", "values": ["NZ"]}, "lines_of_business": ["Projects"]},
        "split_number_suffix": "-NZ",
    },
    {"tenant_id": "t-uk", "name": "UK", "route": {"currencies": ["GBP"], "company_ids": [99]}},
]


def test_single_tenant_without_rules_takes_everything(make_config, raw_invoice):
    parts = Router(make_config()).route_invoice(parse_invoice(raw_invoice()))
    assert isinstance(parts, list) and parts[0].tenant.tenant_id == "t-au"


def test_line_of_business_routes_case_insensitively(make_config, raw_invoice):
    parts = Router(make_config(tenants=TENANTS)).route_invoice(parse_invoice(raw_invoice()))
    assert isinstance(parts, list)
    assert [p.tenant.name for p in parts] == ["AU"] and parts[0].number == "1001" and not parts[0].split


def test_no_match_and_no_default_is_rejected_never_guessed(make_config, raw_invoice, raw_line):
    invoice = parse_invoice(raw_invoice(lines=[raw_line(1, organizationalLevel2Name="Hardware")]))
    result = Router(make_config(tenants=TENANTS)).route_invoice(invoice)
    assert isinstance(result, Rejection)
    assert "no routing rule and no default" in result.reason and "'Hardware'" in result.reason


def test_default_catches_unmatched(make_config, raw_invoice, raw_line):
    tenants = [*TENANTS[:2], {**TENANTS[2], "route": {"default": True}}]
    invoice = parse_invoice(raw_invoice(lines=[raw_line(1, organizationalLevel2Name="Hardware")]))
    parts = Router(make_config(tenants=tenants)).route_invoice(invoice)
    assert isinstance(parts, list) and parts[0].tenant.name == "UK"


def test_currency_and_company_id_rules(make_config, raw_invoice, raw_line):
    router = Router(make_config(tenants=TENANTS))
    line = raw_line(1, organizationalLevel2Name=None)
    gbp = router.route_invoice(parse_invoice(raw_invoice(currency={"name": "GBP"}, lines=[line])))
    assert isinstance(gbp, list) and gbp[0].tenant.name == "UK"
    company = {"id": 99, "companyName": "Brit Ltd"}
    by_id = router.route_invoice(parse_invoice(raw_invoice(company=company, lines=[line])))
    assert isinstance(by_id, list) and by_id[0].tenant.name == "UK"


def test_overlapping_rules_reject_as_ambiguous(make_config, raw_invoice):
    company = {"id": 7, "companyName": "Kiwi", "userDefinedFields": [{"name": "Xero Org", "value": "nz"}]}
    result = Router(make_config(tenants=TENANTS)).route_invoice(parse_invoice(raw_invoice(company=company)))
    assert isinstance(result, Rejection) and "AU, NZ" in result.reason and "ambiguous" in result.reason


def _mixed(raw_invoice, raw_line):
    return parse_invoice(
        raw_invoice(
            invoiceTotal="165.0000",
            lines=[
                raw_line(1, organizationalLevel2Name="Managed Services"),
                raw_line(
                    2, organizationalLevel2Name="Projects", quantity="1", extendedPrice="50", taxDollars="5"
                ),
            ],
        )
    )


def test_mixed_lines_rejected_when_policy_is_reject(make_config, raw_invoice, raw_line):
    result = Router(make_config(tenants=TENANTS)).route_invoice(_mixed(raw_invoice, raw_line))
    assert isinstance(result, Rejection) and "split_policy is 'reject'" in result.reason


def test_mixed_lines_split_with_predictable_numbers_and_own_totals(make_config, raw_invoice, raw_line):
    router = Router(make_config(tenants=TENANTS, split_policy="split"))
    parts = router.route_invoice(_mixed(raw_invoice, raw_line))
    assert isinstance(parts, list)
    summary = {(p.tenant.name, p.number, p.target_total, tuple(ln.id for ln in p.lines)) for p in parts}
    assert summary == {
        ("AU", "1001-AU", Decimal("110.0000"), (1,)),
        ("NZ", "1001-NZ", Decimal("55"), (2,)),
    }
    assert all(isinstance(p, RoutedInvoice) and p.split for p in parts)


BRANCH_TENANTS = [
    {
        "tenant_id": "t-uk",
        "name": "UK",
        "route": {"branches": ["UK & Europe"], "default": True},
        "split_number_suffix": "-UK",
    },
    {
        "tenant_id": "t-au",
        "name": "AU",
        "route": {"branches": ["Asia Pacific"], "currencies": ["AUD", "NZD"]},
        "split_number_suffix": "-AU",
    },
    {
        "tenant_id": "t-us",
        "name": "US",
        "route": {"branches": ["North America"], "company_udf": {"name": "Xero Org", "values": ["US"]}},
        "split_number_suffix": "-US",
    },
]


def _branch_line(raw_line, line_id, branch, **over):
    return raw_line(line_id, organizationalLevel1Name=branch, organizationalLevel2Name="Projects", **over)


def _gbp(raw_invoice, *lines):
    return parse_invoice(raw_invoice(currency={"name": "GBP"}, lines=list(lines)))


def test_branch_routes_each_line_case_insensitively(make_config, raw_invoice, raw_line):
    router = Router(make_config(tenants=BRANCH_TENANTS))
    parts = router.route_invoice(_gbp(raw_invoice, _branch_line(raw_line, 1, " north AMERICA ")))
    assert isinstance(parts, list) and [p.tenant.name for p in parts] == ["US"] and not parts[0].split


def test_branch_unmatched_goes_to_the_default(make_config, raw_invoice, raw_line):
    router = Router(make_config(tenants=BRANCH_TENANTS))
    for branch in ("Latin America", None):
        parts = router.route_invoice(_gbp(raw_invoice, _branch_line(raw_line, 1, branch)))
        assert isinstance(parts, list) and parts[0].tenant.name == "UK", branch


def test_branch_unmatched_without_default_is_rejected_naming_the_branch(make_config, raw_invoice, raw_line):
    tenants = [{**BRANCH_TENANTS[0], "route": {"branches": ["UK & Europe"]}}, *BRANCH_TENANTS[1:]]
    result = Router(make_config(tenants=tenants)).route_invoice(
        _gbp(raw_invoice, _branch_line(raw_line, 1, "Latin America"))
    )
    assert isinstance(result, Rejection) and "no routing rule and no default" in result.reason
    assert "branch 'Latin America'" in result.reason and "line of business 'Projects'" in result.reason


def test_branch_named_in_two_tenants_is_ambiguous(make_config, raw_invoice, raw_line):
    tenants = [BRANCH_TENANTS[0], {**BRANCH_TENANTS[2], "route": {"branches": ["uk & europe"]}}]
    result = Router(make_config(tenants=tenants)).route_invoice(
        _gbp(raw_invoice, _branch_line(raw_line, 1, "UK & Europe"))
    )
    assert isinstance(result, Rejection) and "UK, US" in result.reason and "ambiguous" in result.reason


def test_branch_and_line_of_business_rules_of_two_tenants_are_ambiguous(make_config, raw_invoice, raw_line):
    tenants = [BRANCH_TENANTS[1], {**BRANCH_TENANTS[2], "route": {"lines_of_business": ["Projects"]}}]
    result = Router(make_config(tenants=tenants)).route_invoice(
        _gbp(raw_invoice, _branch_line(raw_line, 1, "Asia Pacific"))
    )
    assert isinstance(result, Rejection) and "AU, US" in result.reason and "ambiguous" in result.reason


def test_branch_or_document_rule_of_one_tenant_both_route_there(make_config, raw_invoice, raw_line):
    router = Router(make_config(tenants=BRANCH_TENANTS))
    aud = parse_invoice(raw_invoice(lines=[_branch_line(raw_line, 1, "Asia Pacific")]))  # AUD and branch
    parts = router.route_invoice(aud)
    assert isinstance(parts, list) and [p.tenant.name for p in parts] == ["AU"]


def test_branch_lines_of_one_invoice_split_by_branch(make_config, raw_invoice, raw_line):
    invoice = _gbp(
        raw_invoice,
        _branch_line(raw_line, 1, "UK & Europe"),
        _branch_line(raw_line, 2, "North America", quantity="1", extendedPrice="50", taxDollars="5"),
        _branch_line(raw_line, 3, "UK & Europe", quantity="1", extendedPrice="20", taxDollars="2"),
    )
    rejected = Router(make_config(tenants=BRANCH_TENANTS)).route_invoice(invoice)
    assert isinstance(rejected, Rejection) and "split_policy is 'reject'" in rejected.reason
    parts = Router(make_config(tenants=BRANCH_TENANTS, split_policy="split")).route_invoice(invoice)
    assert isinstance(parts, list)
    assert {(p.tenant.name, p.number, p.target_total, tuple(ln.id for ln in p.lines)) for p in parts} == {
        ("UK", "1001-UK", Decimal("132.0000"), (1, 3)),
        ("US", "1001-US", Decimal("55"), (2,)),
    }


def _po(**over):
    raw = {
        "id": 81,
        "purchaseOrderNumber": "NW-PO-00001",
        "vendor": {"id": 30000046, "companyName": "Dicker Data Australia Pty Ltd", "currencyID": 4},
        "createDateTime": "2026-10-01T10:00:00.000Z",
        "items": [{"id": 1, "quantity": 2, "unitCost": "10.0000"}],
    }
    raw.update(over)
    return parse_purchase_order(raw)


def test_purchase_order_routes_by_its_vendor_currency(make_config):
    router = Router(make_config(tenants=BRANCH_TENANTS))
    routed = router.route_purchase_order(_po(currency={"id": 4, "name": "AUD", "exchangeRate": "1.9412"}))
    assert isinstance(routed, Tenant) and routed.name == "AU"


def test_purchase_order_routes_by_vendor_udf_and_vendor_id(make_config):
    tenants = [*BRANCH_TENANTS[:2], {**BRANCH_TENANTS[2], "route": {**BRANCH_TENANTS[2]["route"]}}]
    tenants[2]["route"]["company_ids"] = [30000047]
    router = Router(make_config(tenants=tenants))
    udf = {"id": 1, "companyName": "TD SYNNEX", "userDefinedFields": [{"name": "Xero Org", "value": "us"}]}
    by_udf = router.route_purchase_order(_po(vendor=udf, currency={"name": "GBP"}))
    assert isinstance(by_udf, Tenant) and by_udf.name == "US"
    by_id = router.route_purchase_order(_po(vendor={"id": 30000047, "companyName": "Pax8"}))
    assert isinstance(by_id, Tenant) and by_id.name == "US"


def test_purchase_order_is_not_matched_by_branch_rules(make_config):
    """PO items carry no organizational level: a branch-only tenant gets POs only as the default."""
    router = Router(make_config(tenants=BRANCH_TENANTS))
    routed = router.route_purchase_order(_po(currency={"name": "USD"}))
    assert isinstance(routed, Tenant) and routed.name == "UK"
    tenants = [{**BRANCH_TENANTS[0], "route": {"branches": ["UK & Europe"]}}, *BRANCH_TENANTS[1:]]
    rejected = Router(make_config(tenants=tenants)).route_purchase_order(_po(currency={"name": "USD"}))
    assert isinstance(rejected, Rejection)
    assert rejected.reason == (
        "purchase order NW-PO-00001 (vendor 30000046, currency USD) matches no routing rule and no default "
        "tenant is declared"
    )


def test_purchase_order_matching_two_tenants_is_ambiguous(make_config):
    tenants = [*BRANCH_TENANTS[:2], {**BRANCH_TENANTS[2], "route": {"currencies": ["aud"]}}]
    rejected = Router(make_config(tenants=tenants)).route_purchase_order(_po(currency={"name": "AUD"}))
    assert isinstance(rejected, Rejection) and "AU, US" in rejected.reason and "ambiguous" in rejected.reason
