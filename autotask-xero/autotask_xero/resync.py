"""`autotask-xero resync`: send given Autotask invoices to Xero again, now, without a full refresh.

Why a tool and not a connector setting: a scheduled run sends what changed since its state; an admin who
fixed a mapping, or whose colleague deleted an invoice in Xero by mistake, wants those few invoices sent
now, by number, not the whole history again (a full refresh re-reads everything and restarts the state).
The tool runs both cores in-process, the way the platforms chain the connectors, but with no platform state
read or written: the scheduled connection's state, fingerprints and retry list are untouched, and its next
run behaves as if the re-sync had not happened (it finds the documents unchanged in Xero).

What is read and written, the fewest calls first:
1. the two configs, each through its own loader; a refresh-token connection needs `auth.token_store_path`
   (Xero rotates the token on every use and the connectors must find the rotated one);
2. Autotask (source-autotask's core, `SyncSession.read_invoices`): one query for the named invoices by
   number and id, however old (`start_date` does not apply), their billing items in bulk, and the
   reference data the records need: exactly the records a sync emits;
3. Xero (destination-xero's `Engine`): routing, mapping, look-ups and writes as in a sync, under the same run
   lock (one writer per organisation), with one difference: an invoice or credit note a person DELETED in
   Xero is entered again (`recreate_deleted`). Explicitly named, it is what the admin asks for; a scheduled
   run never recreates one (BEHAVIOR.md, "Documents Xero no longer lets us change"). A VOIDED one stays
   not changeable: voiding is booked in Xero's ledger, and entering it again would bill the customer twice.
`--dry-run` reads the same and writes nothing (Xero's look-ups still run, so the answer is Xero's own).

Exit status (`Resync.exit_status`): 0 when every named invoice is in Xero as Autotask has it (in a dry run:
already is, nothing to write), 1 otherwise (unknown in Autotask, not finished there, rejected, not
changeable, left for later), 2 when the re-sync could not run (a config, or a side that refused access).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autotask_client.errors import AutotaskError
from destination_xero.config import Config, ConfigError, load_config, read_config_file
from destination_xero.run_lock import RunLockBusy, run_lock
from destination_xero.writer import Engine
from source_autotask.config import SourceConfig
from source_autotask.sync import SyncSession
from xero_client.client import XeroClient
from xero_client.errors import XeroError
from xero_client.tokens import TokenStoreError

DOCUMENT_KINDS = ("invoice", "credit_note")
LANDED = frozenset({"create", "update", "unchanged", "skipped"})  # Xero then holds it as Autotask has it
AT_REST = frozenset({"unchanged", "skipped"})  # and nothing had to be written for that


@dataclass(frozen=True)
class Named:
    """One invoice as the admin named it: an Autotask invoice number, or `id:N` (its Autotask id)."""

    text: str
    number: str | None = None
    id: int | None = None


def parse_name(value: str) -> Named:
    """`20123` → a number; `id:555` → an id. ValueError (for argparse) on an empty or bad `id:`."""
    text = value.strip()
    if not text:
        raise ValueError("an empty invoice number")
    if text.casefold().startswith("id:"):
        digits = text[3:].strip()
        if not digits.isdigit():
            raise ValueError(f"{value!r}: write an Autotask invoice id as id:N, e.g. id:555")
        return Named(f"id:{int(digits)}", id=int(digits))
    return Named(text, number=text)


@dataclass
class Resync:
    """What one re-sync found and did, for the report (resync_report.py) and the exit status."""

    named: list[Named]
    dry_run: bool = False
    problems: list[str] = field(default_factory=list)  # the re-sync could not run (exit 2)
    invoices: dict[int, str] = field(default_factory=dict)  # Autotask id -> number, of those read
    unknown: list[str] = field(default_factory=list)  # names Autotask does not know
    held: list[int] = field(default_factory=list)  # found, but Autotask has not numbered them yet
    decisions: list[dict[str, Any]] = field(default_factory=list)  # the engine's, as it logs them
    organisations: dict[str, str] = field(default_factory=dict)  # tenant id -> name
    autotask_calls: int = 0
    xero_calls: dict[str, int] = field(default_factory=dict)  # organisation name -> calls
    stopped: list[str] = field(default_factory=list)  # organisations that stopped early, and why
    secrets: list[str] = field(default_factory=list, repr=False)  # masked in everything printed

    def documents(self) -> list[dict[str, Any]]:
        """The decisions on the named invoices' Xero documents (not on contacts or items)."""
        return [
            d
            for d in self.decisions
            if d.get("kind") in DOCUMENT_KINDS and d.get("autotask_id") in self.invoices
        ]

    def _actions(self) -> dict[int, set[str]]:
        """Autotask id -> the actions on its Xero documents (an invoice split by organisation has several)."""
        outcomes: dict[int, set[str]] = {key: set() for key in self.invoices}
        for decision in self.documents():
            outcomes[int(decision["autotask_id"])].add(str(decision["action"]))
        return outcomes

    def not_landed(self) -> list[int]:
        """Autotask ids of the invoices read that are not in Xero as Autotask has them after this run (in a
        dry run: before it, as nothing is written)."""
        good = AT_REST if self.dry_run else LANDED
        return [key for key, actions in self._actions().items() if not actions or not actions <= good]

    def would_land(self) -> list[int]:
        """Of `not_landed` in a dry run, those a real re-sync would write (every decision a write)."""
        return [key for key in self.not_landed() if self._actions()[key] <= LANDED and self._actions()[key]]

    @property
    def exit_status(self) -> int:
        if self.problems:
            return 2
        return 1 if self.unknown or self.held or self.not_landed() else 0


def _source(path: Path, result: Resync) -> SourceConfig | None:
    try:
        return SourceConfig.from_mapping(read_config_file(path))
    except (ConfigError, AutotaskError) as exc:
        result.problems.append(f"The source config {path} cannot be used: {exc}")
        return None


def _destination(path: Path, result: Resync) -> Config | None:
    try:
        config = load_config(read_config_file(path))
    except ConfigError as exc:
        result.problems.append(f"The destination config {path} cannot be used: {exc}")
        return None
    if config.auth.type == "refresh_token" and not config.auth.token_store_path:
        result.problems.append(
            f"The destination config {path} needs auth.token_store_path: Xero replaces the refresh token "
            "each time it is used, and the re-sync must keep the new one where the sync will find it"
        )
        return None
    return config.model_copy(update={"dry_run": True}) if result.dry_run else config


@contextlib.contextmanager
def _writer_lock(config: Config) -> Iterator[None]:
    """The destination's run lock (one writer per organisation); a dry run writes nothing and needs none."""
    if config.dry_run:
        yield
        return
    with run_lock(config):
        yield


def run_resync(source_path: Path, destination_path: Path, names: Sequence[Named], dry_run: bool) -> Resync:
    result = Resync(list(dict.fromkeys(names)), dry_run=dry_run)
    source = _source(source_path, result)
    destination = _destination(destination_path, result)
    if source is None or destination is None:
        return result
    result.organisations = {t.tenant_id: t.name for t in destination.tenants}
    try:
        with _writer_lock(destination):
            _run(source, destination, result)
    except RunLockBusy as exc:
        result.problems.append(f"Nothing was sent: {exc}")
    return result


def _run(source: SourceConfig, destination: Config, result: Resync) -> None:
    session = SyncSession(source)
    result.secrets.extend(source.secrets())
    numbers = [n.number for n in result.named if n.number is not None]
    ids = [n.id for n in result.named if n.id is not None]
    try:
        found = session.read_invoices(numbers, ids)
    except AutotaskError as exc:
        result.problems.append(f"Autotask could not be read, nothing was sent: {exc}")
        return
    finally:
        result.autotask_calls = sum(session.client.calls.values())
    result.invoices = {int(r["id"]): str(r.get("invoiceNumber") or "") for r in found.records}
    result.unknown = [*found.unknown_numbers, *(f"id:{i}" for i in found.unknown_ids)]
    result.held = found.held
    if not found.records:
        return
    client = XeroClient(destination)
    engine = Engine(destination, client, on_decision=result.decisions.append, recreate_deleted=True)
    try:
        for record in found.records:
            engine.add("invoices", record)
        engine.flush()
    except (XeroError, TokenStoreError) as exc:  # the app itself is refused: nothing more can be sent
        result.problems.append(f"Xero refused the connection: {exc}")
    finally:
        result.xero_calls = {
            name: client.limiter(tenant_id).state.calls for tenant_id, name in result.organisations.items()
        }
        result.stopped = engine.stop_reasons()
        result.secrets.extend(client.auth.secrets())
