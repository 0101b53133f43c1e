"""Bad input for the reliability suite: crafted records, CLI runs as subprocesses, and the case outcomes.

Why crafted records on top of a real read: a bad record is only half the test; the other half is that the
good records of the same run still land, to the cent and in the right organisation. So the destination is
fed the source's real output (read under injected Autotask 500s) with the bad records mixed in, in one
run, and both halves are read back from the sandbox over HTTP.
Each case appends an `Outcome` to `OUTCOMES`; the summary test turns them into the table's rows, so the
measured numbers are computed from what happened, never written down.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from demo.pipe import console_script
from sandbox.jsonmoney import dumps, loads

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "destination-xero" / "tests"))  # the adapter tests' helpers, by path
from test_adapter_support import (  # noqa: E402
    AU,
    UK,
    US,
    XeroReader,
    destination_config,
    source_config,
    write_json,
)

__all__ = ["AU", "UK", "US", "XeroReader", "destination_config", "source_config", "write_json"]

SOURCE_CATALOG = REPO / "catalogs" / "source-autotask" / "configured_catalog.json"
PAYMENTS_CATALOG = REPO / "catalogs" / "reverse-payments" / "configured_catalog.json"
TRACEBACK = "Traceback (most recent call last)"
CENT = Decimal("0.01")
BASE_ID = 39_000_000
LINE_BASE_ID = 39_100_000


# ---- outcomes --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    case: str
    group: str
    clear: bool  # the message names the thing and the cause, or the record landed as documented
    traceback: bool
    others_ok: bool
    detail: str = ""


OUTCOMES: list[Outcome] = []


# ---- CLI runs --------------------------------------------------------------------------------------------
@dataclass
class CliRun:
    argv: list[str]
    code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + "\n" + self.stderr

    @property
    def traceback(self) -> bool:
        return TRACEBACK in self.stdout or TRACEBACK in self.stderr

    def messages(self) -> list[dict[str, Any]]:
        found = []
        for line in self.stdout.splitlines():
            try:
                value = loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                found.append(value)
        return found

    def logs(self) -> list[str]:
        return [str(m["log"].get("message", "")) for m in self.messages() if m.get("type") == "LOG"]

    def trace_errors(self) -> list[str]:
        return [
            str(m["trace"]["error"].get("message", ""))
            for m in self.messages()
            if m.get("type") == "TRACE" and (m["trace"].get("error") or {})
        ]

    def connection_status(self) -> dict[str, Any] | None:
        for m in self.messages():
            if m.get("type") == "CONNECTION_STATUS":
                return dict(m["connectionStatus"])
        return None

    def user_message(self) -> str:
        """Everything a user is shown: the check status message, trace errors, logs and stderr."""
        status = self.connection_status() or {}
        parts = [str(status.get("message") or ""), *self.trace_errors(), *self.logs(), self.stderr]
        return "\n".join(p for p in parts if p)


def run_cli(argv: list[str], stdin: Path | None = None, timeout: float = 180) -> CliRun:
    program = [console_script(argv[0]), *argv[1:]]
    handle = stdin.open("rb") if stdin is not None else subprocess.DEVNULL
    try:
        proc = subprocess.run(program, stdin=handle, capture_output=True, cwd=REPO, timeout=timeout)
    finally:
        if stdin is not None and not isinstance(handle, int):
            handle.close()
    return CliRun(
        argv, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    )


def leaked(run: CliRun, secrets: list[str]) -> list[str]:
    """Secrets in anything but CONTROL messages: those carry the rotated config to the platform, which is
    the protocol's own secret channel (Airbyte stores them encrypted)."""
    shown = "\n".join(
        line for line in run.stdout.splitlines() if '"type":"CONTROL"' not in line.replace(" ", "")
    )
    return [s[:4] + "..." for s in secrets if s and (s in shown or s in run.stderr)]


# ---- crafted records -------------------------------------------------------------------------------------
def record(stream: str, data: dict[str, Any]) -> str:
    """One Airbyte RECORD line; Decimals go out as plain JSON numbers, never floats."""
    return dumps(
        {"type": "RECORD", "record": {"stream": stream, "data": data, "emitted_at": 1_790_000_000_000}}
    )


class Crafter:
    """Invoices for the UK organisation built from one real UK invoice (its company and line shape), with
    consistent totals: the lines are Non-Taxable under UK VAT, which the test mapping sends as 0%."""

    def __init__(self, template: dict[str, Any]) -> None:
        self.template = template
        self.line_template = template["lines"][0]

    @staticmethod
    def number(n: int) -> str:
        return f"BI-{n:03d}"

    def line(self, n: int, i: int, quantity: str, price: str, /, **over: Any) -> dict[str, Any]:
        line = copy.deepcopy(self.line_template)
        for key in (
            "productID",
            "productName",
            "productSku",
            "productCategory",
            "productCategoryName",
            "serviceID",
            "serviceName",
            "serviceSku",
            "contractChargeID",
        ):
            line[key] = None
        q, r = Decimal(quantity), Decimal(price)
        line.update(
            id=LINE_BASE_ID + n * 10 + i,
            invoiceID=BASE_ID + n,
            quantity=q,
            rate=r,
            extendedPrice=(q * r).quantize(Decimal("0.0001")),
            taxDollars=Decimal(0),
            totalAmount=(q * r).quantize(Decimal("0.0001")),
            taxCategoryName="Non-Taxable",
            description=f"Bad-input case {n} line {i}",
            lineItemFullDescription=f"Bad-input case {n} line {i}",
        )
        line.update(over)
        return line

    def invoice(self, n: int, lines: list[dict[str, Any]] | None = None, **over: Any) -> dict[str, Any]:
        invoice = copy.deepcopy(self.template)
        lines = lines if lines is not None else [self.line(n, 1, "2", "50.00")]
        invoice.update(
            id=BASE_ID + n,
            invoiceNumber=self.number(n),
            lines=lines,
            isVoided=False,
            voidedDate=None,
            paidDate=None,
            orderNumber=None,
            invoiceTotal=sum((Decimal(str(ln["extendedPrice"])) for ln in lines), Decimal(0)),
            totalTaxValue=Decimal(0),
            taxRegionName="UK VAT",
        )
        invoice.pop("lineCount", None)
        invoice.update(over)
        return invoice


# ---- Xero read-back --------------------------------------------------------------------------------------
@dataclass
class XeroSnapshot:
    invoices: dict[str, dict[str, tuple[str, dict[str, Any]]]] = field(default_factory=dict)  # kind -> num
    contacts: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # tenant -> contacts

    def find(self, number: str) -> tuple[str, dict[str, Any]] | None:
        return self.invoices["invoice"].get(number) or self.invoices["credit"].get(number)


def snapshot(reader: XeroReader) -> XeroSnapshot:
    snap = XeroSnapshot(invoices={"invoice": {}, "credit": {}})
    for tenant in (UK, AU, US):
        for inv in reader.all(tenant, "Invoices"):
            if inv["Type"] == "ACCREC":
                snap.invoices["invoice"][str(inv["InvoiceNumber"])] = (tenant, inv)
        for note in reader.all(tenant, "CreditNotes"):
            snap.invoices["credit"][str(note["CreditNoteNumber"])] = (tenant, note)
        snap.contacts[tenant] = list(reader.get(tenant, "Contacts", {"includeArchived": "true"})["Contacts"])
    return snap


def cents(value: Any) -> Decimal:
    return abs(Decimal(str(value))).quantize(CENT, rounding=ROUND_HALF_UP)
