"""`autotask-xero preview`: the first sync as a dry run, collected for a page an admin reviews.

Why: "use Draft first" makes the admin find mistakes in Xero, after the fact, one document at a time.
The preview runs both cores in-process, as resync.py does, with `dry_run` forced on whatever the config
says (nothing is written to Xero; its look-ups still run, so each decision is Xero's own), and keeps
every decision the destination's Engine makes: in a dry run `on_decision` carries the exact payload it
would send. No platform state is read or written: every stream is read from `--since` (or the source's
`start_date`), as a first sync would read it. preview_html.py renders what is collected here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pendulum
from autotask_client.errors import AutotaskError
from destination_xero.config import Config, ConfigError, load_config, read_config_file
from destination_xero.rounding import line_tax
from destination_xero.writer import Engine
from source_autotask.config import SourceConfig
from source_autotask.streams.specs import STREAMS
from source_autotask.sync import SyncSession
from xero_client.client import XeroClient
from xero_client.errors import XeroError
from xero_client.tokens import TokenStoreError


@dataclass
class Preview:
    """What a dry-run first sync would do, per organisation."""

    organisations: dict[str, str] = field(default_factory=dict)  # tenant id -> name
    decisions: list[dict[str, Any]] = field(default_factory=list)  # the engine's, payloads included
    problems: list[str] = field(default_factory=list)  # the preview could not run (exit 2)
    stopped: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        if self.problems:
            return 2
        return 1 if any(d.get("action") == "rejected" for d in self.decisions) else 0


def _tax_calculator(
    engine: Engine, tenant_id: str, amount: Decimal, tax_type: str, kinds: str
) -> Decimal | None:
    """Xero's per-line tax for a line, from the organisation's own tax rates (None: rate not known)."""
    profile = engine.profile(tenant_id)
    rate = profile.tax_rates.get(tax_type) if profile is not None else None
    if rate is None:
        return None
    return line_tax(amount, rate.components, kinds)


def _annotate_taxes(engine: Engine, decision: dict[str, Any]) -> None:
    """Each line of a would-be document gets the tax Xero would compute (`TaxAmount` when the mapping set
    one, as Xero takes it), so the page shows the totals Xero would show."""
    payload = decision.get("payload")
    if not isinstance(payload, dict):
        return
    kinds = str(payload.get("LineAmountTypes") or "Exclusive")
    for line in payload.get("LineItems") or []:
        if not isinstance(line, dict) or "TaxAmount" in line:
            continue
        amount = line.get("LineAmount")
        if amount is None and line.get("Quantity") is not None and line.get("UnitAmount") is not None:
            amount = (Decimal(str(line["Quantity"])) * Decimal(str(line["UnitAmount"]))).quantize(
                Decimal("0.01")
            )
        if amount is None or not line.get("TaxType"):
            continue
        tax = _tax_calculator(
            engine, str(decision.get("tenant_id")), Decimal(str(amount)), str(line["TaxType"]), kinds
        )
        if tax is not None:
            line["_preview_tax"] = str(tax)


def _configs(
    source_path: Path, destination_path: Path, since: pendulum.Date | None, result: Preview
) -> tuple[SourceConfig, Config] | None:
    try:
        raw = read_config_file(source_path)
        if since is not None:
            raw = {**raw, "start_date": since.isoformat()}
        source = SourceConfig.from_mapping(raw)
    except (ConfigError, AutotaskError) as exc:
        result.problems.append(f"The source config {source_path} cannot be used: {exc}")
        return None
    try:
        destination = load_config(read_config_file(destination_path))
    except ConfigError as exc:
        result.problems.append(f"The destination config {destination_path} cannot be used: {exc}")
        return None
    return source, destination.model_copy(update={"dry_run": True})


def run_preview(source_path: Path, destination_path: Path, since: pendulum.Date | None) -> Preview:
    result = Preview()
    configs = _configs(source_path, destination_path, since, result)
    if configs is None:
        return result
    source, destination = configs
    result.organisations = {t.tenant_id: t.name for t in destination.tenants}
    session = SyncSession(source)
    client = XeroClient(destination)
    engine = Engine(destination, client)

    def collect(decision: dict[str, Any]) -> None:
        _annotate_taxes(engine, decision)
        result.decisions.append(decision)

    engine.on_decision = collect
    try:
        for stream in STREAMS:
            for record in session.read(stream):
                engine.add(stream, record)
        engine.flush()
    except AutotaskError as exc:
        result.problems.append(f"Autotask could not be read: {exc}")
    except (XeroError, TokenStoreError) as exc:
        result.problems.append(f"Xero refused the connection: {exc}")
    finally:
        result.stopped = engine.stop_reasons()
    return result
