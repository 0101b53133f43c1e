from __future__ import annotations

from decimal import Decimal

import pytest
from destination_xero.rounding import (
    LineIn,
    RoundingRefused,
    TaxComponent,
    fit_line,
    half_up,
    line_tax,
    match_tax,
    needs_unitdp4,
    predict,
    reconcile,
)

D = Decimal
GST15 = (TaxComponent(D(15)),)


def test_xero_guide_example_tax_is_per_line_half_up():
    # Xero's rounding guide: 25.06 / 25.61 / 25.63 at 15% -> 3.76 + 3.84 + 3.84 = 11.44 (not 11.45)
    lines = [LineIn(D(1), D(a), GST15) for a in ("25.06", "25.61", "25.63")]
    totals = predict(lines, "Exclusive")
    assert totals.line_taxes == (D("3.76"), D("3.84"), D("3.84"))
    assert totals.total_tax == D("11.44") and totals.sub_total == D("76.30") and totals.total == D("87.74")


def test_half_up_not_bankers():
    assert half_up(D("2.165")) == D("2.17") and half_up(D("2.164")) == D("2.16")
    assert half_up(D("-2.165")) == D("-2.17")


def test_inclusive_tax_is_contained_in_the_amount():
    totals = predict([LineIn(D(1), D("115.00"), GST15)], "Inclusive")
    assert totals.total == D("115.00") and totals.total_tax == D("15.00") and totals.sub_total == D("100.00")
    assert predict([LineIn(D(1), D("10.00"), GST15)], "NoTax").total_tax == 0


def test_compound_component_applies_on_top_of_plain_tax():
    # 5% plain + 9.975% compound on 100: 5 + 105 * 9.975% = 15.47375 -> 15.47
    comps = (TaxComponent(D(5)), TaxComponent(D("9.975"), compound=True))
    assert line_tax(D(100), comps, "Exclusive") == D("15.47")


def test_line_amount_uses_the_rounded_unit_amount():
    # 3 x 0.3333 at 4 dp = 0.9999 -> 1.00; at 2 dp: 3 x 0.33 = 0.99
    assert predict([LineIn(D(3), D("0.3333"))], "Exclusive").total == D("1.00")
    assert predict([LineIn(D(3), D("0.33"))], "Exclusive").total == D("0.99")


def test_unitdp4_only_when_needed():
    assert not needs_unitdp4([D("10.50"), D("3.0000")])
    assert needs_unitdp4([D("10.50"), D("3.1250")])


def test_fit_line_adjusts_or_collapses():
    assert fit_line(D(3), D("0.3333"), D("0.9999"), 4) == (D("3.0000"), D("0.3333"), False)
    # 1000 x unit cannot land on 1234.57: collapse to one line at the amount
    assert fit_line(D(1000), D("1.23457"), D("1234.57"), 4) == (D("1.0000"), D("1234.57"), True)


def test_reconcile():
    assert reconcile(D("10.00"), D("10.0049"), D("0.05"), None) == 0
    assert reconcile(D("10.00"), D("10.0150"), D("0.05"), "860") == D("0.02")
    with pytest.raises(RoundingRefused, match=r"declare mappings\.rounding\.account"):
        reconcile(D("10.00"), D("10.0150"), D("0.05"), None)
    with pytest.raises(RoundingRefused, match="check the tax mapping"):
        reconcile(D("10.00"), D("11.00"), D("0.05"), "860")


def test_match_tax_moves_the_line_xero_rounded_down_the_most():
    # the guide's example: Xero's tax is 11.44, a system taxing the subtotal billed 11.45; the line whose
    # exact tax (25.63 x 15% = 3.8445) sat nearest a rounding up carries the extra cent
    lines = [LineIn(D(1), D(a), GST15) for a in ("25.06", "25.61", "25.63")]
    totals = predict(lines, "Exclusive")
    assert match_tax(lines, totals, D("11.45"), "Exclusive") == (D("3.76"), D("3.84"), D("3.85"))
    assert match_tax(lines, totals, D("11.44"), "Exclusive") is None  # already equal
    assert match_tax(lines, totals, D("11.4449"), "Exclusive") is None  # rounds to Xero's figure
    assert match_tax(lines, totals, D("11.48"), "Exclusive") is None  # 4 cents over 3 lines: not rounding
    assert match_tax(lines, totals, D("11.45"), "NoTax") is None


def test_match_tax_never_touches_untaxed_zero_or_sign_flipping_lines():
    lines = [
        LineIn(D(1), D("10.00"), ()),  # exempt
        LineIn(D(0), D("5.00"), GST15),  # zero amount
        LineIn(D(1), D("0.03"), GST15),  # tax 0.00: one cent less would be negative
        LineIn(D(1), D("33.33"), GST15),  # tax 5.00 (4.9995)
    ]
    totals = predict(lines, "Exclusive")
    assert totals.line_taxes == (D(0), D(0), D("0.00"), D("5.00"))
    assert match_tax(lines, totals, D("4.99"), "Exclusive") == (D(0), D(0), D("0.00"), D("4.99"))
    assert match_tax(lines, totals, D("4.98"), "Exclusive") is None  # only one line may move down


def test_match_tax_inclusive_keeps_the_gross_and_moves_the_contained_tax():
    lines = [LineIn(D(1), D(a), GST15) for a in ("28.82", "29.45", "29.47")]
    totals = predict(lines, "Inclusive")
    moved = match_tax(lines, totals, totals.total_tax - D("0.01"), "Inclusive")
    assert moved is not None and sum(moved) == totals.total_tax - D("0.01")
    assert sum(1 for a, b in zip(moved, totals.line_taxes, strict=True) if a != b) == 1
