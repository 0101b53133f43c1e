from __future__ import annotations

from decimal import Decimal

from destination_xero.records import parse_invoice
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
