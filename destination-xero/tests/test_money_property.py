"""Property: for any Autotask invoice (4-dp quantities and rates, mixed tax rates incl. compound, exclusive
or inclusive), the payload we send makes Xero's total equal Autotask's total to the cent, with at most an
explicit rounding line within the declared tolerance.

Autotask's side is computed the way Autotask stores it (every figure at 4 dp, half up, tax per line on the
extended price); Xero's side is recomputed from the payload alone with Xero's documented rules.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from destination_xero.config import load_config
from destination_xero.documents import OrgProfile
from destination_xero.mapping import Mapper
from destination_xero.records import parse_invoice
from destination_xero.rounding import LineIn, TaxComponent, predict
from destination_xero.routing import Router
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

D = Decimal
Q4 = D("0.0001")
# Autotask tax category -> (components as (percent, compound)); the Xero org holds the same rates.
TAXES = {
    "Zero": (),
    "GST10": ((D(10), False),),
    "VAT20": ((D(20), False),),
    "GST15": ((D(15), False),),
    "Odd": ((D("12.5"), False),),
    "QST": ((D(5), False), (D("9.975"), True)),
}
PROFILE = OrgProfile.from_xero(
    {"BaseCurrency": "AUD"},
    tax_rates=[
        {
            "TaxType": name.upper(),
            "Status": "ACTIVE",
            "TaxComponents": [{"Rate": str(rate), "IsCompound": compound} for rate, compound in comps],
        }
        for name, comps in TAXES.items()
    ]
    + [{"TaxType": "NONE", "Status": "ACTIVE", "TaxComponents": []}],
)


def q4(value: Decimal) -> Decimal:
    return value.quantize(Q4, rounding=ROUND_HALF_UP)


def autotask_tax(base: Decimal, comps) -> Decimal:
    plain = sum((base * r / 100 for r, c in comps if not c), D(0))
    compound = sum(((base + plain) * r / 100 for r, c in comps if c), D(0))
    return q4(plain + compound)


decimals4 = st.integers(min_value=1, max_value=20_000_000).map(lambda n: D(n) / 10_000)
line_strategy = st.tuples(
    st.integers(min_value=1, max_value=10_000_000).map(lambda n: D(n) / 10_000),  # quantity 0.0001..1000
    decimals4,  # rate 0.0001..2000
    st.sampled_from(sorted(TAXES)),
    st.booleans(),  # negative line (a credit within the invoice)
)


def build_invoice(lines) -> dict:
    items = []
    for i, (quantity, rate, category, negative) in enumerate(lines, start=1):
        if negative:
            quantity = -quantity
        extended = q4(quantity * rate)
        items.append(
            {
                "id": i,
                "description": f"L{i}",
                "quantity": str(quantity),
                "rate": str(rate),
                "extendedPrice": str(extended),
                "taxDollars": str(autotask_tax(extended, TAXES[category])),
                "taxCategoryName": category,
            }
        )
    total = sum((D(x["extendedPrice"]) + D(x["taxDollars"]) for x in items), D(0))
    return {
        "id": 1,
        "invoiceNumber": "P-1",
        "invoiceDateTime": "2025-01-31",
        "invoiceTotal": str(total),
        "company": {"id": 3, "companyName": "Prop Co"},
        "lines": items,
    }


def xero_totals_from_payload(payload: dict, components: dict) -> tuple[Decimal, Decimal]:
    """(Total, TotalTax) as Xero computes them, TaxAmount overrides included."""
    lines = [
        LineIn(li["Quantity"], li["UnitAmount"], components[li["TaxType"]]) for li in payload["LineItems"]
    ]
    lat = payload["LineAmountTypes"]
    totals = predict(lines, lat)
    rows = zip(payload["LineItems"], totals.line_taxes, strict=True)
    taxes = [li.get("TaxAmount", tax) for li, tax in rows]
    total_tax = sum(taxes, D(0))
    return (totals.total if lat == "Inclusive" else totals.sub_total + total_tax), total_tax


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(line_strategy, min_size=1, max_size=25), inclusive=st.booleans())
def test_xero_total_equals_autotask_total_to_the_cent(lines, inclusive):
    lat = "Inclusive" if inclusive else "Exclusive"
    config = load_config(
        {
            "auth": {"type": "client_credentials", "client_id": "c", "client_secret": "s"},
            "mappings": {
                "tax": {"by_category": {name: name.upper() for name in TAXES}},
                "accounts": {"default": "200"},
                "rounding": {"account": "860"},
                "status": {"line_amount_types": lat},
            },
            "tenants": [{"tenant_id": "t", "name": "T"}],
        }
    )
    invoice = parse_invoice(build_invoice(lines))
    (part,) = Router(config).route_invoice(invoice)  # type: ignore[misc]
    document = Mapper(config.tenants[0], PROFILE).invoice(part)
    components = {
        t: tuple(TaxComponent(r, c) for r, c in comps)
        for t, comps in ((name.upper(), comps) for name, comps in TAXES.items())
    }
    components["NONE"] = ()
    expected = abs(invoice.total).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    # a credit note carries the invoice's amounts negated: its tax is -tax_total (a credit may still
    # carry some positive tax, e.g. a taxed line inside a mostly negative invoice)
    signed_tax = -invoice.tax_total if invoice.total < 0 else invoice.tax_total
    expected_tax = signed_tax.quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert xero_totals_from_payload(document.payload, components) == (expected, expected_tax)
    assert document.kind == ("credit_note" if invoice.total < 0 else "invoice")
    rounding_lines = [li for li in document.payload["LineItems"] if li.get("AccountCode") == "860"]
    assert len(rounding_lines) == (1 if document.rounding else 0)
    tolerance = D("0.01") + D("0.012") * len(lines)
    assert abs(document.rounding) <= tolerance
    for li in document.payload["LineItems"]:
        places = 4 if document.unitdp4 else 2
        assert li["UnitAmount"] == li["UnitAmount"].quantize(D(1).scaleb(-places))
        assert li["Quantity"] == li["Quantity"].quantize(Q4)
