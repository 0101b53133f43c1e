"""The item code rule (item_codes.py) and the line rules around it, on the mapper alone.

The end-to-end side (Autotask over HTTP, the source, the destination, Xero's sandbox) is in
test_items_attach.py; here each rule is pinned exactly, fast, with no server.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from destination_xero.config import ItemMapping
from destination_xero.item_codes import ITEM_CODE_MAX, fit_code
from destination_xero.line_report import LineReport
from destination_xero.mapping import DESCRIPTION_MAX, Mapper, MappingError
from destination_xero.records import parse_invoice
from destination_xero.routing import Router

LONG_A = "MICROSOFT-365-BUSINESS-PREMIUM-ANNUAL-EU"  # 40 characters
LONG_B = "MICROSOFT-365-BUSINESS-PREMIUM-MONTHLY-EU"  # same first 21 characters


def _mapped(make_config: Any, profile: Any, raw: dict[str, Any], items: dict[str, Any]) -> Any:
    cfg = make_config(
        mappings={
            "tax": {"by_region": {"Australia": "OUTPUT"}},
            "accounts": {"default": "200"},
            "rounding": {"account": "860"},
            "items": {"enabled": True, **items},
        }
    )
    parts = Router(cfg).route_invoice(parse_invoice(raw))
    assert isinstance(parts, list)
    return Mapper(cfg.tenants[0], profile).invoice(parts[0])


def test_codes_of_30_characters_or_fewer_are_sent_unchanged() -> None:
    assert fit_code("DL-5450-I7") == "DL-5450-I7"
    assert fit_code("X" * 30) == "X" * 30


def test_a_code_longer_than_30_is_its_first_21_characters_a_dash_and_8_hex_digits_of_its_sha256() -> None:
    digest = hashlib.sha256(LONG_A.encode()).hexdigest()[:8].upper()
    code = fit_code(LONG_A)
    assert code == f"{LONG_A[:21]}-{digest}"
    assert len(code) == ITEM_CODE_MAX
    assert code == "MICROSOFT-365-BUSINES-" + digest  # pinned: the same code on every run and machine


def test_two_long_skus_sharing_their_first_21_characters_never_share_a_code() -> None:
    assert LONG_A[:21] == LONG_B[:21]
    assert fit_code(LONG_A) != fit_code(LONG_B)
    assert fit_code(LONG_A) == fit_code(LONG_A)


def test_the_prefix_is_part_of_the_code_that_is_shortened(
    make_config, profile, raw_invoice, raw_line
) -> None:
    line = raw_line(1, productID=44, productSku="SWITCH-24P-POE-GIGABIT", productName="Switch")
    doc = _mapped(make_config, profile, raw_invoice(lines=[line]), {"prefix": "NORTHWIND-"})
    assert doc.payload["LineItems"][0]["ItemCode"] == fit_code("NORTHWIND-SWITCH-24P-POE-GIGABIT")
    assert doc.item_lines == 1 and doc.itemless == ()


def test_a_long_sku_attaches_its_shortened_code_and_the_item_is_created_under_it(
    make_config, profile, raw_invoice, raw_line
) -> None:
    line = raw_line(1, productID=44, productSku=LONG_A, productName="M365 Premium")
    doc = _mapped(make_config, profile, raw_invoice(lines=[line]), {})
    assert doc.payload["LineItems"][0]["ItemCode"] == fit_code(LONG_A)
    cfg = make_config(mappings={"items": {"enabled": True}, "accounts": {"default": "200"}})
    item = Mapper(cfg.tenants[0], profile).item(doc.products[0], fit_code(LONG_A))
    assert item.payload["Code"] == fit_code(LONG_A) and item.key == fit_code(LONG_A)


def test_a_product_without_sku_is_posted_without_an_item_and_named(
    make_config, profile, raw_invoice, raw_line
) -> None:
    lines = [
        raw_line(1, productID=44, productSku="SW-24", productName="Switch"),
        raw_line(
            2, productID=45, productName="Drive", extendedPrice="0", quantity="1", rate="0", taxDollars="0"
        ),
    ]
    doc = _mapped(make_config, profile, raw_invoice(lines=lines), {})
    first, second = doc.payload["LineItems"]
    assert first["ItemCode"] == "SW-24" and "ItemCode" not in second and second["AccountCode"] == "200"
    assert doc.item_lines == 1 and doc.itemless == ("product 45 'Drive'",)


def test_a_product_without_sku_rejects_its_invoice_under_missing_code_reject(
    make_config, profile, raw_invoice, raw_line
) -> None:
    raw = raw_invoice(lines=[raw_line(1, productID=45, productName="Drive")])
    with pytest.raises(MappingError) as info:
        _mapped(make_config, profile, raw, {"missing_code": "reject"})
    assert "line 1: product 45 'Drive' has no sku to make its Xero item code from" in str(info.value)


def test_a_description_longer_than_4000_is_cut_to_4000_and_counted(
    make_config, profile, raw_invoice, raw_line
) -> None:
    text = "A" * (DESCRIPTION_MAX + 250)
    raw = raw_invoice(lines=[raw_line(7, description=text)])
    doc = _mapped(make_config, profile, raw, {"enabled": False})
    assert doc.payload["LineItems"][0]["Description"] == text[:DESCRIPTION_MAX]
    assert doc.cut_descriptions == (7,)


def test_the_summary_warns_when_items_are_enabled_and_none_attach(
    make_config, profile, raw_invoice, raw_line
) -> None:
    raw = raw_invoice(lines=[raw_line(1, serviceID=9, serviceName="Managed Workstation")])
    doc = _mapped(make_config, profile, raw, {})
    report = LineReport()
    report.note("create", doc)
    (warning,) = report.warnings(ItemMapping(enabled=True))
    assert warning.startswith("items are enabled (code_from: sku) but no line got an item: 1 line(s)")
    assert "service 9 'Managed Workstation' (1 line(s))" in warning
    assert "Autotask's documented Services carry no SKU" in warning
    assert report.figures() == {"items_attached": 0, "lines_without_item": 1, "descriptions_cut": 0}
