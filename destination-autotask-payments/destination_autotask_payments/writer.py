"""destination-autotask-payments core: Xero payments and invoice statuses in, Autotask `paidDate` out.

`Engine` runs the stages: intake (intake.py: records read and buffered per Xero invoice) → numbering back
to Autotask (connector_kit.numbering) → matching (matching.py: the Autotask invoices, in batched queries)
→ the rules below and settlement.py ("fully paid, since when?") → the PATCH (autotask_client.writes) →
outcome (outcome.py: events, rejected records, summary). Records are applied at `flush()` (the adapters
flush before passing a state on), so that an invoice paid by three payments in one sync is decided once,
from its final standing.

Choices (the sources leave these open; each picked so a mistake shows up as a report, not a wrong write):
- `paidDate` is set when Xero shows the invoice fully paid (see settlement.py), to the day it was cleared;
  a different date already in Autotask is corrected (Xero is the books of record).
- `paidDate` is cleared only on evidence: a DELETED Xero payment for that invoice in this sync, with the
  invoice no longer fully paid. An invoice unpaid in Xero but paid in Autotask without such evidence (paid
  by hand in Autotask, or a deleted credit-note allocation, which leaves no trace) is reported as a
  `discrepancy` and left alone.
- `webServiceDate` is stamped (when `stamp_web_service_date`) on every matched invoice that has none yet;
  an existing stamp is never moved, so reruns write nothing. A PATCH that writes only the stamp is reported
  as `stamped_synced` (event and summary), never as `unchanged`: every write is named.
- Rejected, with the reason (rejected-records output; the others carry on): a record that cannot be read,
  a tenant not declared (`other_tenants: reject`, else ignored), no tenant at all, no Autotask invoice
  with that number, two Autotask invoices with that number, an Autotask invoice voided, one Autotask
  invoice claimed by Xero invoices of two tenants, a Xero total that differs from the Autotask total by
  more than a cent (not the same invoice: wrong tenant, or a number reused by hand), and, under Xero
  numbering, a payment whose invoice's Reference never arrived.
- Ignored (counted): purchase-side documents (ACCPAY), payments and refunds on credit notes, invoices
  that do not follow the tenant's numbering (`foreign_invoices: ignore`, else rejected).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.writes import AutotaskPatcher, PatchError
from connector_kit.numbering import autotask_number
from connector_kit.redaction import Redactor

from .config import DestinationConfig
from .intake import Intake, Pending
from .matching import AutotaskInvoice, find_invoices
from .outcome import Outcome, Summary, with_stamp
from .records import CENT
from .settlement import PAID, PARTIAL, Standing, from_payments, from_status

TOTAL_TOLERANCE = CENT


class Engine:
    """The destination's core, driven by both adapters: `add` each record, `flush` at each state and at
    the end, then `report()` and `exit_code()`."""

    def __init__(
        self,
        config: DestinationConfig,
        client: AutotaskClient,
        patcher: AutotaskPatcher | None = None,
        *,
        on_event: Callable[[dict[str, Any]], None] | None = None,
        now: Callable[[], pendulum.DateTime] = lambda: pendulum.now("UTC"),
    ) -> None:
        self.config = config
        self.client = client
        self.patcher = patcher or AutotaskPatcher(client)
        self.now = now
        self.outcome = Outcome(config, Redactor(client.config.secrets), on_event, now)
        self.intake = Intake(config, self.outcome)

    @property
    def summary(self) -> Summary:
        return self.outcome.summary

    def add(self, stream: str, record: Mapping[str, Any]) -> None:
        self.intake.add(stream, record)

    # ---- decisions -----------------------------------------------------------------------------------
    def flush(self, final: bool = True) -> None:
        """Decide and write every buffered invoice. A non-final flush (at a state message) keeps invoices
        known only from payments: their status usually follows in the invoices stream of the same sync,
        and deciding from payments first could write twice or reject a Reference that is on its way."""
        pending = self.intake.take(final)
        if not pending:
            return
        wanted: dict[tuple[str, str], tuple[Pending, str]] = {}
        for key, slot in pending.items():
            number = self._autotask_number(slot)
            if number is not None:
                wanted[key] = (slot, number)
        found = find_invoices(self.client, {number for _, number in wanted.values()}) if wanted else {}
        claims: dict[int, list[str]] = {}
        for slot, number in wanted.values():
            for invoice in found.get(number, []):
                claims.setdefault(invoice.id, []).append(slot.tenant_id)
        for slot, number in wanted.values():
            self._decide(slot, number, found.get(number, []), claims)

    def _ident(self, slot: Pending, number: str | None = None) -> dict[str, Any]:
        xero_number, _, _ = slot.number_and_reference()
        ident: dict[str, Any] = {
            "tenant_id": slot.tenant_id,
            "invoice_id": slot.invoice_id,
            "invoice_number": xero_number,
            "payment_ids": sorted(slot.payments),
        }
        if number is not None:
            ident["autotask_number"] = number
        return ident

    def _autotask_number(self, slot: Pending) -> str | None:
        tenant = self.config.tenant(slot.tenant_id)
        assert tenant is not None
        invoice_number, reference, reference_known = slot.number_and_reference()
        if tenant.numbering.mode == "xero" and not reference_known:
            self.outcome.reject(
                self._ident(slot),
                "Xero numbering: the invoice's Reference (which holds the Autotask number) did not arrive; "
                "sync the invoices stream with the payments",
            )
            return None
        number = autotask_number(tenant.numbering, invoice_number, reference)
        if number is None:
            reason = (
                f"invoice does not follow the numbering of tenant {tenant.name!r} ({tenant.numbering.mode})"
            )
            if self.config.foreign_invoices == "reject":
                self.outcome.reject(self._ident(slot), reason)
            else:
                self.outcome.ignore(self._ident(slot), reason)
        return number

    def _decide(
        self, slot: Pending, number: str, matches: list[AutotaskInvoice], claims: dict[int, list[str]]
    ) -> None:
        ident = self._ident(slot, number)
        if not matches:
            self.outcome.reject(ident, f"no Autotask invoice numbered {number}")
            return
        if len(matches) > 1:
            self.outcome.reject(ident, f"{len(matches)} Autotask invoices are numbered {number}")
            return
        invoice = matches[0]
        ident["autotask_invoice_id"] = invoice.id
        if invoice.is_voided:
            self.outcome.reject(ident, f"Autotask invoice {number} is voided")
            return
        tenants = sorted(set(claims.get(invoice.id, [])))
        if len(tenants) > 1:
            self.outcome.reject(
                ident, f"Autotask invoice {number} is claimed by invoices in tenants {', '.join(tenants)}"
            )
            return
        status = slot.best_status()
        autotask_total = invoice.total.quantize(CENT) if invoice.total is not None else None
        xero_total = status.total if status is not None else (slot.nested.total if slot.nested else None)
        if (
            xero_total is not None
            and autotask_total is not None
            and abs(xero_total - autotask_total) > TOTAL_TOLERANCE
        ):
            self.outcome.reject(
                ident,
                f"totals differ: Xero {xero_total} vs Autotask {autotask_total}; not the same invoice "
                "(wrong tenant, or a number reused in Xero)",
            )
            return
        payments = list(slot.payments.values())
        if status is not None:
            standing = from_status(status, payments)
        else:
            currency = slot.nested.currency if slot.nested else None
            standing = from_payments(payments, autotask_total, currency)
        self._apply(slot, invoice, standing, ident)

    def _apply(
        self, slot: Pending, invoice: AutotaskInvoice, standing: Standing, ident: dict[str, Any]
    ) -> None:
        body: dict[str, Any] = {}
        deleted_seen = any(not p.active for p in slot.payments.values())
        action = "unchanged"
        if standing.state == PAID and standing.paid_on is not None:
            if invoice.paid_date != standing.paid_on:
                body["paidDate"] = standing.paid_on.format("YYYY-MM-DD") + "T00:00:00"
                action = "corrected" if invoice.paid_date is not None else "marked_paid"
        elif invoice.paid_date is not None:
            if deleted_seen:
                body["paidDate"] = None
                action = "cleared"
            else:
                self.summary.discrepancies.append(
                    {
                        **ident,
                        "reason": f"paid in Autotask ({invoice.paid_date}) but {standing.state} in Xero",
                    }
                )
        if standing.state == PARTIAL:
            self.summary.partial.append(
                {
                    **ident,
                    "amount_paid": standing.amount_paid,
                    "total": standing.total,
                    "currency": standing.currency,
                    "last_payment_date": standing.last_day.isoformat() if standing.last_day else None,
                }
            )
        stamp = self.config.stamp_web_service_date and invoice.web_service_date is None
        if stamp:
            body["webServiceDate"] = self.now().in_timezone("UTC").format("YYYY-MM-DDTHH:mm:ss.SSS")
        if not body:
            self.outcome.unchanged(ident)
            return
        action = with_stamp(action, stamp)
        event = {**ident, "action": action, "patch": dict(body), "dry_run": self.config.dry_run}
        if not self.config.dry_run:
            try:
                self.patcher.patch("Invoices", {"id": invoice.id, **body})
            except PatchError as exc:
                self.outcome.reject(ident, str(exc))
                return
        self.outcome.wrote(event, stamp)

    def report(self) -> dict[str, Any]:
        at_calls = sum(self.client.calls.values()) + sum(self.patcher.calls.values())
        return self.outcome.report(at_calls, sum(self.patcher.calls.values()))

    def exit_code(self) -> int:
        return 1 if self.config.fail_on_rejections and self.summary.rejected else 0
