"""`autotask-xero check`: what a sync will reject, found before it runs, from both ends at once.

Why a tool over both connectors: destination-xero's own `check` sees only Xero (codes that do not exist,
a bank account used for revenue), and a sync only rejects documents one at a time as they come. What
needs both sides is here: names in the mapping that never occur in Autotask, and the recent invoices run
through the destination's own routing and line mapping (destination_xero.coverage), so that a tax region
in use but not mapped is reported now, once, with the invoices it concerns.

Order of work, every problem collected (an admin wants the whole list in one go): the two configs (each
through its own loader, errors naming the field); destination-xero's `check` (Xero alone); the Autotask
reads (autotask_reads.py: reference names, then the invoices dated on or after `since`); the names
(names.py); the invoices' routing and mapping (coverage). A part that cannot run (Autotask refuses the
credentials) is one problem and the other parts still run.

`since`: by default 90 days before Autotask's own clock, and never before the source's `start_date`
(a sync does not read earlier invoices). A refresh-token connection needs `auth.token_store_path`: Xero
rotates the token on every use, and a check must not leave the config holding a dead one.

TODOs (`autotask-xero propose-mapping` marks each choice it could not make with one): each is a problem
naming its field, from the destination config and its mapping file, and the problems that merely follow
from one (a TaxType or a line of business named `TODO: ...`, invoices that route nowhere while a route is
still a TODO) are left out, so the list is the TODOs once each plus what is wrong besides them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.errors import AutotaskError
from destination_xero.autotask_names import named_fields
from destination_xero.check import check as xero_check
from destination_xero.check import todo_fields, without_todo_echoes
from destination_xero.config import Config, ConfigError, load_config, read_config_file
from destination_xero.coverage import gaps
from destination_xero.documents import OrgProfile
from destination_xero.field_paths import FieldPaths
from source_autotask.config import SourceConfig
from xero_client.client import XeroClient, XeroError
from xero_client.tokens import TokenStoreError

from .autotask_reads import AutotaskReads
from .names import name_problems

DEFAULT_DAYS = 90
DEFAULT_MAX_INVOICES = 2000


@dataclass
class Report:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was read, for the summary line

    @property
    def ok(self) -> bool:
        return not self.problems


def _source(path: Path, report: Report) -> SourceConfig | None:
    try:
        return SourceConfig.from_mapping(read_config_file(path))
    except (ConfigError, AutotaskError) as exc:
        report.problems.append(f"source config {path}: {exc}")
        return None


def _destination(path: Path, report: Report) -> tuple[Config, dict[str, Any]] | None:
    try:
        raw = read_config_file(path)
        return load_config(raw), raw
    except ConfigError as exc:
        report.problems.append(f"destination config {path}: {exc}")
        return None


def _xero(config: Config, raw: dict[str, Any], report: Report) -> dict[str, OrgProfile]:
    """destination-xero's check; the organisations' profiles it read, for the invoices' tracking."""
    auth = config.auth
    if auth.type == "refresh_token" and not auth.token_store_path:
        report.problems.append(
            "auth.token_store_path: needed with refresh_token auth: Xero rotates the refresh token on every "
            "use and the check must keep the rotated one (or use a client_credentials custom connection)"
        )
        return {}
    try:
        result = xero_check(config, XeroClient(config), raw=raw)
    except (XeroError, TokenStoreError) as exc:
        report.problems.append(f"Xero: {exc}")
        return {}
    report.problems.extend(result.problems)
    if result.tenants:
        report.notes.append("Xero: " + ", ".join(result.tenants))
    return {tid: settings.profile for tid, settings in result.organisations.items()}


def _refuse_todos(report: Report, raw: dict[str, Any]) -> None:
    """The TODOs first, each once; a route still a TODO routes invoices nowhere, which is not news."""
    todos = todo_fields(raw)
    problems = report.problems
    if any(".route" in path for path, _ in todos):
        problems = [p for p in problems if not p.startswith("tenants[*].route: ")]
    report.problems = without_todo_echoes(problems, todos)


def default_since(client: AutotaskClient, source: SourceConfig) -> pendulum.Date:
    now = client.start_time()
    since = now.subtract(days=DEFAULT_DAYS).date()
    begins = source.start_from(now)  # a date, or a span such as "90 days" counted back from Autotask's clock
    if begins is not None and begins.date() > since:
        return begins.date()
    return since


def run_check(
    source_path: Path,
    destination_path: Path,
    since: pendulum.Date | None = None,
    max_invoices: int = DEFAULT_MAX_INVOICES,
) -> Report:
    report = Report()
    source = _source(source_path, report)
    destination = _destination(destination_path, report)
    profiles: dict[str, OrgProfile] = {}
    if destination is not None:
        profiles = _xero(*destination, report)
    if source is not None:
        _autotask(report, source, destination, profiles, since, max_invoices)
    if destination is not None:
        _refuse_todos(report, destination[1])
    return report


def _autotask(
    report: Report,
    source: SourceConfig,
    destination: tuple[Config, dict[str, Any]] | None,
    profiles: dict[str, OrgProfile],
    since: pendulum.Date | None,
    max_invoices: int,
) -> None:
    """The Autotask side: the names the mapping mentions, and the recent invoices run through it."""
    client = AutotaskClient(source.connection)
    tenants = destination[0].tenants if destination else []
    tracked = frozenset(rule.source for t in tenants for rule in t.mappings.tracking)
    reads = AutotaskReads(client, tracked)  # the details only tracking rules read, each a call
    try:
        since = since or default_since(client, source)
        invoices = reads.invoices(since, max_invoices)
        window = f"since {since.isoformat()}"
        if destination is not None:
            config, raw = destination
            paths = FieldPaths(raw)
            report.problems += name_problems(named_fields(config, paths), reads, window)
            found = gaps(config, invoices, profiles, paths, products_known=False)
            report.problems += [gap.describe(window) for gap in found]
    except AutotaskError as exc:
        report.problems.append(f"Autotask: {exc}")
        return
    capped = " (the first ones: --max-invoices)" if len(invoices) >= max_invoices else ""
    report.notes.append(f"Autotask: {len(invoices)} invoices {window}{capped}, {reads.calls} calls")
