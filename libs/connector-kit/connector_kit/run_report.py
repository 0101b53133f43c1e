"""The run report: what one destination run did, per organisation and document type, as a typed, versioned
JSON file a finance admin (or a script) reads after every run.

Why a file and not the log: the platforms keep logs for days, mix them with every other connector's and
word them for developers. The report survives the run, says in an admin's words what landed, what did not
and why (grouped by cause, every document named), what each vendor limit was used for, and what to do
next. Both destinations (destination-xero, destination-autotask-payments) write this one model, so one
renderer (`autotask-xero report`) turns any report, or a forward and a payments report of the same
schedule, into one HTML page or one Markdown text.

Rules the model keeps:
- `schema_version` is 1; a loader refuses any other version with a message saying which program to
  upgrade, instead of guessing at fields it does not know (`load_report`);
- money and durations are Decimals written as exact JSON numbers (connector_kit.exact_json), never floats;
- the file is written atomically (a temporary file in the same folder, then a rename), so a reader never
  sees half a report, and every text in it is passed through the run's redactor first: a reason quoting a
  vendor's answer cannot carry a secret into a file that is mailed around.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from .config_files import UnreadableFile, read_text
from .exact_json import dumps, loads
from .redaction import Redactor

SCHEMA_VERSION = 1

DocumentKind = Literal["invoice", "credit_note", "purchase_order", "bill", "contact", "item", "payment"]
OutcomeKind = Literal[
    # destination-xero
    "created",
    "updated",
    "unchanged",
    "skipped",
    "not_changeable",
    "rejected",
    "deferred",
    # destination-autotask-payments (Autotask invoices: their paid date and the "synced" stamp)
    "marked_paid",
    "paid_date_corrected",
    "cleared",
    "stamped_synced",
    "partial",
    "discrepancy",
    "ignored",
]
FORWARD_OUTCOMES: tuple[OutcomeKind, ...] = (
    "created",
    "updated",
    "unchanged",
    "skipped",
    "not_changeable",
    "rejected",
    "deferred",
)
PAYMENT_OUTCOMES: tuple[OutcomeKind, ...] = (
    "marked_paid",
    "paid_date_corrected",
    "cleared",
    "stamped_synced",
    "unchanged",
    "partial",
    "discrepancy",
    "rejected",
    "ignored",
)
# What each word means to a finance admin: table headings and chart legends.
OUTCOME_LABELS: dict[str, str] = {
    "created": "created",
    "updated": "updated",
    "unchanged": "unchanged",
    "skipped": "skipped",
    "not_changeable": "not changeable",
    "rejected": "rejected",
    "deferred": "left for next run",
    "marked_paid": "marked paid",
    "paid_date_corrected": "paid date corrected",
    "cleared": "paid date cleared",
    "stamped_synced": "stamped as synced",
    "partial": "partly paid",
    "discrepancy": "disagree",
    "ignored": "ignored",
}
KIND_LABELS: dict[str, tuple[str, str]] = {  # kind -> (one, several)
    "invoice": ("invoice", "invoices"),
    "credit_note": ("credit note", "credit notes"),
    "purchase_order": ("purchase order", "purchase orders"),
    "bill": ("bill", "bills"),
    "contact": ("contact", "contacts"),
    "item": ("item", "items"),
    "payment": ("payment record", "payment records"),
}


class ReportError(ValueError):
    """A report that cannot be read: the message names the file and what is wrong, in one line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReasonGroup(_Model):
    """Documents that did not land (or were skipped) for one cause: fixed once, they all come back."""

    outcome: OutcomeKind = "rejected"
    kind: DocumentKind | None = None  # None: several kinds share the cause
    reason: str  # the cause with each document's own figures replaced by "…": what groups them
    example: str  # the cause as the first document has it, figures kept
    documents: list[str]  # every document, by number
    next_step: str | None = None  # what to do, in a finance admin's words


class Note(_Model):
    """One document named with what to know about it (a partly paid invoice, two systems disagreeing)."""

    outcome: OutcomeKind
    document: str
    detail: str
    amount: Decimal | None = None
    total: Decimal | None = None
    currency: str | None = None
    date: str | None = None


class Usage(_Model):
    """Calls against one vendor limit. Xero: per organisation, a day limit (1,000 on the Starter tier, 5,000
    above it) and 60 a minute; Autotask: per database, 10,000 an hour."""

    vendor: Literal["xero", "autotask"]
    calls: int = 0
    writes: int | None = None
    response_bytes: int | None = None
    day_limit: int | None = None
    day_remaining: int | None = None
    minute_remaining: int | None = None
    hourly_limit: int | None = None
    throttled: int = 0


class Attachments(_Model):
    """The Autotask invoice PDFs attached in Xero (destination-xero, mappings.attachments): how many were
    attached this run, found there already, would be (a dry run), came without a PDF, and every one that
    was not attached, grouped by cause with each document named. A failed attachment never fails its
    document: these are counted apart from `documents`."""

    attached: int = 0
    already_attached: int = 0
    would_attach: int = 0
    without_pdf: int = 0
    failed: list[ReasonGroup] = Field(default_factory=list)

    @property
    def failed_count(self) -> int:
        return sum(len(g.documents) for g in self.failed)


class Organisation(_Model):
    name: str
    tenant_id: str | None = None
    currency: str | None = None
    documents: dict[DocumentKind, dict[OutcomeKind, int]] = Field(default_factory=dict)
    rejections: list[ReasonGroup] = Field(default_factory=list)
    skips: list[ReasonGroup] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    rounding_lines: int = 0
    items_attached: int = 0
    items_tracked: int = 0  # items created tracked as inventory (of `documents["item"]["created"]`)
    lines_without_item: int = 0
    descriptions_cut: int = 0
    usage: list[Usage] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    stopped: str | None = None
    attachments: Attachments | None = None  # None: the organisation does not attach invoice PDFs

    def count(self, kind: str, outcome: str) -> int:
        return int(self.documents.get(kind, {}).get(outcome, 0))  # type: ignore[call-overload]

    def total(self, outcome: str, kinds: Iterable[str] | None = None) -> int:
        return sum(self.count(kind, outcome) for kind in (kinds if kinds is not None else self.documents))

    @property
    def contacts_created(self) -> int:
        return self.count("contact", "created")

    @property
    def items_created(self) -> int:
        return self.count("item", "created")


class RunReport(_Model):
    schema_version: Literal[1] = 1
    connector: str
    version: str
    started_at: AwareDatetime
    finished_at: AwareDatetime
    seconds: Decimal
    dry_run: bool = False
    exit_status: int = 0
    outcomes: list[OutcomeKind] = Field(default_factory=lambda: list(FORWARD_OUTCOMES))  # the columns
    organisations: list[Organisation] = Field(default_factory=list)
    unrouted: Organisation | None = None  # refused before reaching any organisation
    usage: list[Usage] = Field(default_factory=list)  # run-wide limits (Autotask's, one per database)
    warnings: list[str] = Field(default_factory=list)
    stop_reasons: list[str] = Field(default_factory=list)
    next_steps: list[str] = Field(default_factory=list)
    rejected_records_path: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_status == 0 and not self.stop_reasons


# ---- grouping by cause --------------------------------------------------------------------------------
_PREFIX = re.compile(
    r"^(invoice|credit note|credit_note|purchase order|purchase_order|bill|document) [^:]*: ", re.I
)
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_DETAIL = re.compile(r"\s*\((?:lines?|line ids?) [^)]*\)|, category '[^']*'|\s*\(\d{4}-\d\d-\d\d[^)]*\)")


def cause_of(reason: str) -> str:
    """A reason as one fix reads: the document's own prefix, line ids, tax categories and dates left out,
    each problem once (the full text stays in the rejected-records file)."""
    text = _PREFIX.sub("", reason or "no reason given")
    return "; ".join(dict.fromkeys(_DETAIL.sub("", part) for part in text.split("; ")))


def reason_groups(
    entries: Iterable[Mapping[str, Any]], outcome: OutcomeKind = "rejected"
) -> list[ReasonGroup]:
    """Group rejections (or skips, or disagreements) by cause: the reason without the document's own
    figures. Each entry has a `reason` and names its document by `key` (else `autotask_id`); a `kind` is
    kept when every document of the group has the same one. Largest group first, then by first seen."""
    groups: dict[str, dict[str, Any]] = {}
    for entry in entries:
        cause = cause_of(str(entry.get("reason") or "no reason given"))
        key = _NUMBER.sub("…", cause)
        group = groups.setdefault(key, {"reason": key, "example": cause, "documents": [], "kinds": set()})
        group["documents"].append(str(entry.get("key") or entry.get("autotask_id")))
        group["kinds"].add(entry.get("kind"))
    ordered = sorted(groups.values(), key=lambda g: -len(g["documents"]))
    return [
        ReasonGroup(
            outcome=outcome,
            kind=next(iter(g["kinds"])) if len(g["kinds"]) == 1 and None not in g["kinds"] else None,
            reason=g["reason"],
            example=g["example"],
            documents=g["documents"],
        )
        for g in ordered
    ]


def plural(count: int, kind: str) -> str:
    """ "3 invoices", "1 credit note"; a kind without a label reads as "documents"."""
    one, several = KIND_LABELS.get(kind, ("document", "documents"))
    return f"{count:,} {one if count == 1 else several}"


def named(documents: list[str], limit: int = 12) -> str:
    shown = ", ".join(documents[:limit])
    return shown + (f" and {len(documents) - limit} more" if len(documents) > limit else "")


# ---- the file -----------------------------------------------------------------------------------------
def _plain(value: Any, redactor: Redactor | None) -> Any:
    """The model's data as exact JSON takes it: datetimes as ISO 8601, every text redacted."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v, redactor) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, redactor) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, str):
        return redactor.clean(value) if redactor is not None else value
    if isinstance(value, float):
        return Decimal(str(value))
    return value


def report_json(report: RunReport, redactor: Redactor | None = None) -> str:
    """The report as exact JSON, every text redacted (the file's content)."""
    return dumps(_plain(report.model_dump(mode="python"), redactor))


def write_report(report: RunReport, path: str | Path, redactor: Redactor | None = None) -> Path:
    """Write atomically: a temporary file beside `path`, flushed to disk, then renamed over it."""
    target = Path(path).expanduser()
    target.parent.mkdir(parents=True, exist_ok=True)
    text = report_json(report, redactor)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def parse_report(text: str, where: str = "the report") -> RunReport:
    """A report from its JSON text, validated; any other schema_version is refused by name."""
    try:
        data = loads(text)
    except ValueError as exc:
        raise ReportError(f"{where} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ReportError(f"{where} is not a run report (it must hold a JSON object)")
    version = data.get("schema_version")
    if version is None:
        raise ReportError(f"{where} is not a run report: it has no schema_version")
    if version != SCHEMA_VERSION:
        newer = isinstance(version, int) and version > SCHEMA_VERSION
        hint = "upgrade autotask-xero to read it" if newer else "it was not written by these connectors"
        raise ReportError(
            f"{where} has schema_version {version!r}; this program reads schema_version "
            f"{SCHEMA_VERSION} only: {hint}"
        )
    try:
        return RunReport.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '<report>'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise ReportError(f"{where} is not a valid run report: {problems}") from None


def load_report(path: str | Path) -> RunReport:
    try:
        text = read_text(path, "report")
    except UnreadableFile as exc:
        raise ReportError(str(exc)) from None
    return parse_report(text, f"the report file {path}")
