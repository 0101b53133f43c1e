"""Skip rules (`mappings.skip`): documents an admin chose not to send, decided per organisation after
routing and before mapping.

Why before mapping: a skipped document costs nothing. It is not mapped (an unmapped tax region on a
document nobody wants in Xero is noise, not a rejection), not looked up in Xero, not written, and an
organisation that receives only skipped documents is not even read. It is reported as `skipped` with the
rule and the value that matched (outcome.py, the run report groups them) and counts as landed for the
retry ledger: it is not sent again on the next run, because nothing about it failed.

Rules, any one skips (checked in this order, the first that matches is the reason given):
- `below_total`: the absolute value of the total is under the threshold. The total is the routed part's
  (a split invoice's part carries its own lines' total: what that organisation would receive); a purchase
  order's is its lines' quantity x unit cost plus freight (Autotask puts no tax on a purchase order). Why
  absolute: a credit note of -0.40 is as trivial as an invoice of 0.40, and a signed comparison would skip
  every credit note whatever its size.
- `company_udf`: the invoice's company (a purchase order's vendor) has one of the values in that UDF;
- `invoice_udf`: the invoice's own UDF has one of the values; a purchase order has no invoice UDF, so
  the rule never skips one.
UDF names and values compare trimmed and case-insensitively ("no sync" skips "No Sync").

Two decisions, written down because neither is forced by the rules' wording:
- A document synced by an earlier run and skipped now (the threshold was raised, the company was flagged
  later) is left as it is in Xero: "not sent" means no call at all, so the run does not look it up to find
  out, and Xero keeps what the earlier run wrote. The reason says so; deleting or voiding it is the
  admin's decision, in Xero.
- A void (a voided Autotask invoice, a cancelled purchase order) is never skipped. A skip rule says what
  not to send; a void takes back from Xero what Autotask cancelled. If an earlier run wrote the invoice
  (before the rule, or before the company was flagged), skipping the void would leave a receivable in
  Xero that the customer does not owe, and no later run would ever correct it. A void of a document Xero
  never had costs one batched look-up and writes nothing ("voided in Autotask and never synced").
"""

from __future__ import annotations

from decimal import Decimal

from .config import Tenant
from .config_mappings import SkipRules, UdfRule
from .planner import Decision
from .record_types import ZERO, Company, Invoice, PurchaseOrder
from .routing import RoutedInvoice

RULE = "skip rule mappings.skip"
KEPT = "not sent: Xero keeps what an earlier run wrote, if anything"
CENT = Decimal("0.01")


def amount(value: Decimal) -> str:
    """0.4000 as "0.40"; 0.999 as "0.999" (never rounded up to look equal to the threshold)."""
    cents = value.quantize(CENT)
    return f"{cents:f}" if cents == value else f"{value.normalize():f}"


def _below(rules: SkipRules, total: Decimal) -> str | None:
    threshold = rules.below_total
    if threshold is None or abs(total) >= threshold:
        return None
    shown = amount(total) if total >= 0 else f"{amount(total)} ({amount(-total)} in absolute value)"
    return f"{RULE}.below_total: total {shown} is under {amount(threshold)}"


def _udf(rule: UdfRule | None, value: str | None, field: str, whose: str) -> str | None:
    if rule is None or value is None:
        return None
    wanted = {v.strip().lower() for v in rule.values}
    if value.strip().lower() not in wanted:
        return None
    return f"{RULE}.{field}: {whose} UDF {rule.name!r} is {value.strip()!r}"


def _company(rules: SkipRules, company: Company, whose: str) -> str | None:
    rule = rules.company_udf
    return _udf(rule, company.udf(rule.name) if rule else None, "company_udf", whose)


def _invoice(rules: SkipRules, invoice: Invoice) -> str | None:
    rule = rules.invoice_udf
    return _udf(rule, invoice.udf(rule.name) if rule else None, "invoice_udf", "invoice")


def invoice_skip_reason(part: RoutedInvoice) -> str | None:
    """Why this part of an invoice is not sent to its organisation, or None when it is."""
    invoice, rules = part.invoice, part.tenant.mappings.skip
    if invoice.voided:
        return None
    return (
        _below(rules, part.target_total)
        or _company(rules, invoice.company, "company")
        or _invoice(rules, invoice)
    )


def purchase_order_total(po: PurchaseOrder) -> Decimal:
    return sum((line.quantity * line.unit_cost for line in po.lines), ZERO) + po.freight


def purchase_order_skip_reason(tenant: Tenant, po: PurchaseOrder) -> str | None:
    """Why this purchase order is not sent to its organisation, or None when it is."""
    rules = tenant.mappings.skip
    if po.cancelled:
        return None
    return _below(rules, purchase_order_total(po)) or _company(rules, po.vendor, "vendor")


def invoice_skip(part: RoutedInvoice) -> Decision | None:
    """The `skipped` decision for a part a rule skips (a credit note when its total is negative)."""
    reason = invoice_skip_reason(part)
    if reason is None:
        return None
    kind = "credit_note" if part.target_total < 0 else "invoice"
    return Decision(
        "skipped", kind, part.tenant.tenant_id, part.number, part.invoice.id, reason=f"{reason}; {KEPT}"
    )


def purchase_order_skip(tenant: Tenant, po: PurchaseOrder) -> Decision | None:
    reason = purchase_order_skip_reason(tenant, po)
    if reason is None:
        return None
    return Decision(
        "skipped", "purchase_order", tenant.tenant_id, po.number, po.id, reason=f"{reason}; {KEPT}"
    )
