"""`autotask-xero reconcile`: does Xero hold exactly what Autotask billed in a period?

Why a tool over both connectors: a sync only knows the documents it was sent, one run at a time. The
question a finance admin asks at month end needs both systems at once: every Autotask invoice of the
period placed as destination-xero would place it (its routing and mapping, reconcile_compare.py), against
every sales invoice and credit note Xero holds under our numbering in each organisation. Nothing is written
anywhere: Xero is read through a client that refuses anything but GET (reconcile_reads.py), Autotask only
queried, and the one file touched is the token store Xero's refresh-token rotation requires.

Order of work, the fewest calls first:
1. the two configs, each through its own loader (a refresh-token connection needs `auth.token_store_path`);
2. Autotask: the invoices dated in the period, assembled by source-autotask's core;
3. Xero, per organisation: the settings the mapper needs, then the documents of the period; an organisation
   that cannot be read is reported (exit 2) and not compared, so its documents are never called missing;
4. placement (routing and mapping); the documents the period listing did not return are looked up by number
   (a date changed in Xero); Xero numbers no Autotask invoice read accounts for are looked up in Autotask
   (an invoice just outside the period), and placed too;
5. the comparison; a document Xero lacks that the destination's rejected-records file names is "refused by
   the last sync", with that reason (contact ambiguity, for one, can only be known from the sync itself).
Exit status (`Result.exit_status`): 0 nothing differs, 1 differences found, 2 a side could not be read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pendulum
from autotask_client.errors import AutotaskError
from destination_xero.config import Config, ConfigError, load_config, read_config_file
from destination_xero.documents import OrgProfile
from source_autotask.config import SourceConfig
from xero_client.errors import AuthError, XeroError
from xero_client.tokens import TokenStoreError

from .reconcile_compare import Held, Placement, findings, index, missing_documents, strays
from .reconcile_model import Organisation, Result
from .reconcile_reads import AutotaskSide, ReadOnlyXero, XeroSide, reads

Secrets = list[str]


def _source(path: Path, result: Result) -> SourceConfig | None:
    try:
        return SourceConfig.from_mapping(read_config_file(path))
    except (ConfigError, AutotaskError) as exc:
        result.problems.append(f"The source config {path} cannot be used: {exc}")
        return None


def _destination(path: Path, result: Result) -> Config | None:
    try:
        config = load_config(read_config_file(path))
    except ConfigError as exc:
        result.problems.append(f"The destination config {path} cannot be used: {exc}")
        return None
    if config.auth.type == "refresh_token" and not config.auth.token_store_path:
        result.problems.append(
            f"The destination config {path} needs auth.token_store_path: Xero replaces the refresh token "
            "each time it is used, and reconcile must keep the new one where the sync will find it"
        )
        return None
    return config


def refused_reasons(path: str | None) -> dict[tuple[str, str], str]:
    """(tenant id, Xero key) -> why the sync last refused that document, from the rejected-records file.

    Read line by line (the file grows run after run); the last refusal of a document wins. A file that does
    not exist means nothing was refused; a line that is not JSON is skipped."""
    reasons: dict[tuple[str, str], str] = {}
    if not path or not Path(path).expanduser().is_file():
        return reasons
    with Path(path).expanduser().open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if not isinstance(entry, dict) or entry.get("kind") not in ("invoice", "credit_note"):
                continue
            if entry.get("action") != "rejected" or not entry.get("tenant_id") or not entry.get("key"):
                continue
            reason = str(entry.get("reason") or "no reason recorded")
            messages = entry.get("xero_messages") or []
            if messages:
                reason += " (Xero: " + "; ".join(str(m) for m in messages) + ")"
            when = str(entry.get("at") or "")[:10]
            reasons[(str(entry["tenant_id"]), str(entry["key"]))] = (
                f"refused by the sync{f' on {when}' if when else ''}: {reason}"
            )
    return reasons


class _Run:
    """One reconciliation: the reads kept together so the counts and the failures land in one Result."""

    def __init__(self, source: SourceConfig, config: Config, result: Result) -> None:
        self.source = source
        self.config = config
        self.result = result
        self.autotask = AutotaskSide(source)
        self.xero = ReadOnlyXero(config)
        self.sides: dict[str, XeroSide] = reads(config, self.xero)
        self.organisations = {t.tenant_id: Organisation(t.tenant_id, t.name) for t in config.tenants}
        result.organisations = list(self.organisations.values())
        self.asked: dict[str, set[str]] = {}  # tenant id -> the Xero keys already looked up by number

    def secrets(self) -> Secrets:
        return [*self.source.connection.secrets(), *self.xero.auth.secrets()]

    def _xero_failed(self, tenant_id: str, exc: Exception) -> None:
        org = self.organisations[tenant_id]
        org.unreadable = str(exc)
        self.result.problems.append(f"Xero organisation {org.name!r} could not be read: {exc}")

    def _xero(
        self, start: pendulum.Date, end: pendulum.Date
    ) -> tuple[dict[str, OrgProfile], dict[str, Held]]:
        profiles: dict[str, OrgProfile] = {}
        held: dict[str, Held] = {}
        for tenant_id, side in self.sides.items():
            try:
                profiles[tenant_id] = side.profile()
                held[tenant_id] = index(side.period(start, end))
            except AuthError:
                raise
            except (XeroError, TokenStoreError) as exc:
                profiles.pop(tenant_id, None)
                self._xero_failed(tenant_id, exc)
            self.organisations[tenant_id].xero_documents = len(held.get(tenant_id, {}))
        return profiles, held

    def _confirm_missing(self, placement: Placement, held: dict[str, Held]) -> None:
        """Look up by number what the period listing lacked; each number once per run."""
        for tenant_id, documents in list(held.items()):
            asked = self.asked.setdefault(tenant_id, set())
            wanted = [d for d in missing_documents(placement, tenant_id, documents) if d.key not in asked]
            asked.update(d.key for d in wanted)
            try:
                found = self.sides[tenant_id].by_key(wanted)
            except (XeroError, TokenStoreError) as exc:
                del held[tenant_id]
                self._xero_failed(tenant_id, exc)
                continue
            for doc in found.values():
                if doc.autotask_number is not None and doc.autotask_number not in documents:
                    documents[doc.autotask_number] = doc

    def run(self, start: pendulum.Date, end: pendulum.Date) -> None:
        records = self.autotask.period(start, end)
        self.result.autotask_invoices = len(records)
        profiles, held = self._xero(start, end)
        placement = Placement(self.config, profiles)
        placement.add(records)
        self._confirm_missing(placement, held)
        numbers = strays(placement, held)
        if numbers:
            placement.add(self.autotask.numbered(sorted(numbers)))
            self._confirm_missing(placement, held)
        for tenant_id, parts in placement.expected.items():
            self.organisations[tenant_id].autotask_documents = len(parts)
        self.result.findings = findings(placement, held, refused_reasons(self.config.rejected_records_path))
        self._notes(start)

    def _notes(self, start: pendulum.Date) -> None:
        notes = self.result.notes
        if self.autotask.unnumbered:
            count = len(self.autotask.unnumbered)
            notes.append(
                f"{count} Autotask invoice{'s' if count != 1 else ''} of the period have no number yet "
                "(Autotask is still invoicing them); the sync holds them back too, so they are not compared"
            )
        begins = self.source.start_from(pendulum.now("UTC"))
        if begins is not None and start < begins.date():
            notes.append(
                f"the source's start_date is {begins.to_date_string()}: invoices created before it were "
                "never meant to reach Xero, and are reported as missing if Xero does not hold them"
            )
        if any(t.mappings.numbering.mode == "autotask" for t in self.config.tenants):
            notes.append(
                "numbering mode 'autotask': every sales invoice and credit note in Xero counts as one of "
                "Autotask's, so one entered by hand in Xero shows as 'in Xero, not in Autotask'"
            )

    def counts(self) -> None:
        self.result.autotask_calls = self.autotask.calls
        for tenant_id, org in self.organisations.items():
            org.xero_calls = self.xero.calls(tenant_id)


def run_reconcile(
    source_path: Path, destination_path: Path, start: pendulum.Date, end: pendulum.Date
) -> tuple[Result, Secrets]:
    """The reconciliation of the period from `start` to `end` (both included), and the secrets to mask in
    whatever is written from it."""
    result = Result(start.isoformat(), end.isoformat())
    source = _source(source_path, result)
    config = _destination(destination_path, result)
    if source is None or config is None:
        return result, []
    run = _Run(source, config, result)
    try:
        run.run(start, end)
    except AutotaskError as exc:
        result.problems.append(f"Autotask could not be read: {exc}")
        result.findings = []
    except (AuthError, TokenStoreError) as exc:
        result.problems.append(f"Xero could not be read: {exc}")
        result.findings = []
    finally:
        run.counts()
    return result, run.secrets()
