"""Records re-typed by a PyAirbyte cache must become exactly the documents the source's own records become.

Why: a data team composes source-autotask with PyAirbyte, whose DuckDB cache (0.71.3, checked end to end in
integration_tests/tests/test_pyairbyte.py) sends records back out with top-level names lower-cased,
`number` fields as DECIMAL(38,9) text ("1102.249800000", zero as "0E-9"), `date-time` fields as timestamps
without zone (converted to UTC), nested objects untouched, and its own `_airbyte_*` columns added.

The rule for timestamps, both with and without zone: the calendar date written in the value is the date
(Autotask stores date-only fields at midnight with no zone conversion); a value without zone is therefore
read as UTC, which is what the cache wrote.
"""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import pendulum
import pytest
from destination_xero.mapping import Mapper
from destination_xero.record_fields import RecordError, to_date
from destination_xero.records import parse_invoice, parse_purchase_order, parse_record
from destination_xero.routing import Router

_ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _cached_number(value: Any) -> str:
    """DuckDB DECIMAL(38,9) read back into Python and serialised by PyAirbyte's pydantic models."""
    return str(Decimal(str(value)).quantize(Decimal("1E-9")))


def _cached_timestamp(value: str) -> str:
    """DuckDB TIMESTAMP (no zone): the instant in UTC, zone dropped."""
    parsed = pendulum.parse(value)
    assert isinstance(parsed, pendulum.DateTime)
    utc = parsed.in_timezone("UTC")
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{utc.microsecond:06d}" if utc.microsecond else "")


def as_pyairbyte_cache_would(record: dict[str, Any], numbers: set[str]) -> dict[str, Any]:
    """The record as PyAirbyte 0.71.3 sends it from a DuckDB cache to a destination."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        if value is None or isinstance(value, dict | list | bool):
            out[key.lower()] = copy.deepcopy(value)
        elif key in numbers:
            out[key.lower()] = _cached_number(value)
        elif isinstance(value, str) and _ISO.match(value):
            out[key.lower()] = _cached_timestamp(value)
        else:
            out[key.lower()] = value
    out["_airbyte_raw_id"] = "01J0000000000000000000000"
    out["_airbyte_extracted_at"] = "2026-11-25T22:06:13.512000"
    out["_airbyte_meta"] = {"changes": [], "sync_id": None}
    return out


INVOICE_NUMBERS = {"invoiceTotal", "totalTaxValue", "linesTotal", "linesTaxTotal"}


def test_the_cache_shape_is_what_this_test_claims(raw_invoice):
    cached = as_pyairbyte_cache_would(raw_invoice(), INVOICE_NUMBERS)
    assert cached["invoicetotal"] == "110.000000000" and "invoiceTotal" not in cached
    assert cached["invoicedatetime"] == "2025-09-05T00:00:00"
    assert cached["lines"][0]["extendedPrice"] == "100.0000"  # nested values are left as they were


def test_an_invoice_from_the_cache_parses_to_the_same_invoice(raw_invoice, raw_line):
    raw = raw_invoice(
        lines=[raw_line(1), raw_line(2, quantity=3, rate=0.1, extendedPrice=0.3, taxDollars=0.03)],
        invoiceTotal="110.3300",
        totalTaxValue="10.0300",
    )
    assert parse_invoice(as_pyairbyte_cache_would(raw, INVOICE_NUMBERS)) == parse_invoice(raw)


def test_an_invoice_from_the_cache_maps_to_the_same_xero_payload(make_config, profile, raw_invoice, raw_line):
    raw = raw_invoice(
        lines=[raw_line(1), raw_line(2, quantity="1.0000", rate="33.3333", extendedPrice="33.3333")],
        invoiceTotal="146.6666",
        totalTaxValue="13.3333",
    )
    cfg = make_config()

    def payload(record: dict[str, Any]) -> dict[str, Any]:
        parts = Router(cfg).route_invoice(parse_invoice(record))
        assert isinstance(parts, list)
        return Mapper(cfg.tenants[0], profile).invoice(parts[0]).payload

    direct = payload(raw)
    assert payload(as_pyairbyte_cache_would(raw, INVOICE_NUMBERS)) == direct
    assert direct["Date"] == "2025-09-05" and direct["DueDate"] == "2025-10-05"


def test_a_credit_note_keeps_its_sign_and_zero_arrives_as_0e_minus_9(raw_invoice, raw_line):
    raw = raw_invoice(
        lines=[raw_line(1, quantity="-1", extendedPrice="-50.0000", taxDollars="-5.0000")],
        invoiceTotal="-55.0000",
        totalTaxValue="-5.0000",
        linesTotal="0",
    )
    cached = as_pyairbyte_cache_would(raw, INVOICE_NUMBERS)
    assert cached["linestotal"] == "0E-9" and cached["invoicetotal"] == "-55.000000000"
    invoice = parse_invoice(cached)
    assert invoice.is_credit and invoice.total == Decimal("-55") and invoice.tax_total == Decimal("-5")
    assert invoice == parse_invoice(raw)


def test_a_purchase_order_from_the_cache_maps_to_the_same_payload(make_config, profile):
    raw = {
        "id": 38000001,
        "createDateTime": "2026-08-05T19:00:00.000Z",
        "latestEstimatedArrivalDate": "2026-08-12T19:00:00Z",
        "freight": 0.5,
        "status": 1,
        "statusName": "New",
        "shipToName": "Warehouse",
        "vendor": {"id": 30000045, "companyName": "Ingram Micro UK Ltd", "companyNumber": "V0001"},
        "items": [{"id": 1, "quantity": 3, "unitCost": 12.3456, "memo": "Switch", "productID": 44}],
        "itemsTotal": 37.0368,
    }
    cached = as_pyairbyte_cache_would(raw, {"freight", "itemsTotal"})
    assert cached["freight"] == "0.500000000" and cached["createdatetime"] == "2026-08-05T19:00:00"
    po = parse_purchase_order(cached)
    assert po == parse_purchase_order(raw)
    mapper = Mapper(make_config().tenants[0], profile)
    assert mapper.purchase_order(po).payload == mapper.purchase_order(parse_purchase_order(raw)).payload


def test_company_and_product_streams_from_the_cache(raw_invoice):
    company = raw_invoice()["company"]
    cached = as_pyairbyte_cache_would(company, set())
    assert parse_record("companies", cached) == parse_record("companies", company)
    product = {
        "id": 44,
        "name": "Switch",
        "sku": "SW-24",
        "unitPrice": 199.95,
        "unitCost": 120,
        "isActive": True,
    }
    assert parse_record("products", as_pyairbyte_cache_would(product, {"unitPrice", "unitCost"})) == (
        parse_record("products", product)
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-08-03T00:00:00", pendulum.Date(2026, 8, 3)),  # the cache's form: no zone, read as UTC
        ("2026-08-03T23:59:59.120000", pendulum.Date(2026, 8, 3)),
        ("2026-08-03T00:00:00.000Z", pendulum.Date(2026, 8, 3)),  # the source's form
        ("2026-08-03T00:00:00+10:00", pendulum.Date(2026, 8, 3)),  # the written date, never shifted
        ("2026-08-03", pendulum.Date(2026, 8, 3)),
    ],
)
def test_timestamps_with_or_without_zone_give_the_written_calendar_date(value, expected):
    assert to_date(value) == expected


@pytest.mark.parametrize("bad", ["1,2.3.4", "NaN", "Infinity", "12 GBP"])
def test_numbers_as_text_that_are_not_numbers_are_refused_by_name(raw_invoice, bad):
    raw = as_pyairbyte_cache_would(raw_invoice(), INVOICE_NUMBERS)
    raw["invoicetotal"] = bad
    with pytest.raises(RecordError, match=r"invoiceTotal is not a (finite )?number"):
        parse_invoice(raw)
