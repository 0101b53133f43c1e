"""`autotask-xero propose-mapping`: a first mapping file, proposed from what both accounts hold.

Why: writing destination-xero's mapping by hand means knowing which Autotask names are in use and which
Xero codes exist in each organisation; a proposal reads both and writes the file an admin then reviews.
Read-only on both sides: Autotask queries (GET, or POST `/query` when the filter is too long for a URL,
still a read) and Xero GETs, plus the token call.

What is proposed, and where each rule lives: routing (propose_routing.py), tax (propose_tax.py),
accounts, branding themes and tracking (propose_accounts.py), all per organisation from that
organisation's own lists; numbering, currency, statuses and contact matching as shared defaults. Every
value carries a comment saying why; every choice that could not be made is a `TODO: ...` value, which
both checks refuse naming its field, until it is resolved (propose_yaml.py).

The file is checked before it is written: read back as YAML, and validated with destination-xero's own
`load_config` under the destination config's auth, so that once its TODOs are replaced it loads as it is.
Secrets never enter it: auth, tokens and endpoints stay in the destination config that names it as its
`mapping_file`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pendulum
from autotask_client.client import AutotaskClient
from autotask_client.errors import AutotaskError
from connector_kit.config_files import UnreadableFile, read_yaml_object
from destination_xero.check import todo_fields
from destination_xero.config import Config, ConfigError, load_config, read_config_file
from pydantic import ValidationError
from source_autotask.config import SourceConfig
from xero_client.client import XeroClient, XeroError
from xero_client.settings import ClientSettings
from xero_client.tokens import TokenStoreError

from .check import DEFAULT_MAX_INVOICES, default_since
from .propose_accounts import accounts_section, branding_section, tracking_rules
from .propose_reads import ProposeReads, Routed, XeroOrg, parse_invoices, read_org, route_usage
from .propose_routing import Routes, propose_routes
from .propose_tax import rounding_section, tax_section
from .propose_yaml import Node, render, section


class ProposeError(Exception):
    """The proposal could not be made; the message names the file or the side at fault."""


@dataclass
class Proposal:
    path: Path
    organisations: list[str]
    todos: list[tuple[str, str]] = field(default_factory=list)  # (field path, TODO value)
    notes: list[str] = field(default_factory=list)


def _source(path: Path) -> SourceConfig:
    try:
        return SourceConfig.from_mapping(read_config_file(path))
    except (ConfigError, AutotaskError) as exc:
        raise ProposeError(f"source config {path}: {exc}") from None


def _xero_settings(path: Path) -> tuple[ClientSettings, dict[str, Any]]:
    try:
        raw = read_config_file(path)
        settings = ClientSettings.model_validate({"auth": raw.get("auth"), "xero": raw.get("xero") or {}})
    except ConfigError as exc:
        raise ProposeError(f"destination config {path}: {exc}") from None
    except ValidationError as exc:
        fields = "; ".join(
            ".".join(str(p) for p in e["loc"] if p not in ("client_credentials", "refresh_token"))
            + f": {e['msg']}"
            for e in exc.errors()
        )
        raise ProposeError(f"destination config {path}: {fields}") from None
    auth = settings.auth
    if auth.type == "refresh_token" and not auth.token_store_path:
        raise ProposeError(
            "auth.token_store_path: needed with refresh_token auth: Xero rotates the refresh token on every "
            "use and the proposal must keep the rotated one (or use a client_credentials custom connection)"
        )
    return settings, raw


def _declared_tenants(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The destination config's `tenants`, else its mapping file's; empty: take Xero's connections."""
    tenants = raw.get("tenants")
    if not tenants and raw.get("mapping_file"):
        try:
            tenants = read_yaml_object(str(raw["mapping_file"]), "mapping").get("tenants")
        except UnreadableFile as exc:
            raise ProposeError(f"mapping_file: {exc}") from None
    return [t for t in tenants or [] if isinstance(t, dict) and t.get("tenant_id")]


def _organisations(client: XeroClient, raw: dict[str, Any]) -> list[XeroOrg]:
    connected = {str(c.get("tenantId")): str(c.get("tenantName") or "") for c in client.connections()}
    declared = _declared_tenants(raw)
    if declared:
        missing = [str(t["tenant_id"]) for t in declared if str(t["tenant_id"]) not in connected]
        if missing:
            reachable = ", ".join(sorted(connected.values())) or "none"
            raise ProposeError(
                f"tenants: {', '.join(missing)} not connected to this app; reachable: {reachable}"
            )
        wanted = [
            (str(t["tenant_id"]), str(t.get("name") or connected[str(t["tenant_id"])])) for t in declared
        ]
    else:
        wanted = list(connected.items())
    if not wanted:
        raise ProposeError("Xero: no organisation is connected to this app (run xero-auth first)")
    return [read_org(client, tenant_id, name) for tenant_id, name in dict(wanted).items()]


def _since(client: AutotaskClient, source: SourceConfig, since: pendulum.Date | int | None) -> pendulum.Date:
    if isinstance(since, int):
        return client.start_time().subtract(days=since).date()
    return since or default_since(client, source)


def run_propose(
    source_path: Path,
    destination_path: Path,
    output: Path,
    since: pendulum.Date | int | None = None,
    max_invoices: int = DEFAULT_MAX_INVOICES,
    force: bool = False,
) -> Proposal:
    """Read both sides, write the proposed mapping to `output`; ProposeError when it cannot."""
    if output.exists() and not force:
        raise ProposeError(f"{output} exists: an admin's edits would be lost (--force replaces it)")
    source = _source(source_path)
    settings, raw = _xero_settings(destination_path)
    try:
        orgs = _organisations(XeroClient(settings), raw)
    except (XeroError, TokenStoreError) as exc:
        raise ProposeError(f"Xero: {exc}") from None
    autotask = AutotaskClient(source.connection)
    reads = ProposeReads(autotask)
    try:
        start = _since(autotask, source, since)
        records = reads.invoices(start, max_invoices)
        invoices = parse_invoices(records)
        internal = reads.internal_currency()
        templates = {i: str(r["name"]) for i, r in reads.table("InvoiceTemplates").items() if r.get("name")}
        routes = propose_routes(invoices, orgs, internal)
        routed = route_usage(_routing_config(settings, orgs, routes), invoices, templates)
        window = f"since {start.isoformat()}"
        capped = " (the first ones: --max-invoices)" if len(records) >= max_invoices else ""
        read = f"{len(records)} Autotask invoices {window}{capped}, {reads.calls} calls"
        text = render(_header(orgs, read), _document(orgs, routes, routed, reads, internal, window))
    except AutotaskError as exc:
        raise ProposeError(f"Autotask: {exc}") from None
    data = _write_verified(output, text, raw)
    names = [o.name for o in orgs]
    notes = [read, "Xero: " + ", ".join(names)]
    return Proposal(output, names, todo_fields(data), notes)


def _routing_config(settings: ClientSettings, orgs: Sequence[XeroOrg], routes: Routes) -> Config:
    """A config holding only the proposed routes, for destination-xero's own router."""
    tenants = [
        {"tenant_id": o.tenant_id, "name": o.name, "route": routes.rules.get(o.tenant_id, {})} for o in orgs
    ]
    return Config.model_validate(
        {"auth": settings.auth, "xero": settings.xero, "tenants": tenants, "split_policy": "split"}
    )


def _write_verified(path: Path, text: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Write the file beside `path`, read it back with the reader the sync uses and validate it with
    destination-xero's `load_config` (a TODO is a string, so it loads), then put it in place; nothing is
    left at `path` when it does not load."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    try:
        data = read_yaml_object(tmp, "mapping")
        load_config({"auth": raw.get("auth"), **({"xero": raw["xero"]} if raw.get("xero") else {}), **data})
    except (UnreadableFile, ConfigError) as exc:
        tmp.unlink(missing_ok=True)
        raise ProposeError(f"internal error: the proposed mapping does not load: {exc}") from None
    os.replace(tmp, path)
    return data


def _header(orgs: Sequence[XeroOrg], read: str) -> list[str]:
    return [
        "destination-xero mapping proposed by `autotask-xero propose-mapping` from what both accounts hold: "
        f"{read}; Xero organisations {', '.join(o.name for o in orgs)}.",
        "",
        'Every value says above it why it was proposed: review them. A value starting "TODO:" is a choice '
        "the proposal could not make: replace it with one of the values it lists. `autotask-xero check` and "
        "`destination-xero check` refuse this file, naming each TODO's field, until none is left.",
        "Use it as the destination config's `mapping_file`; auth, tokens and endpoints stay in that config "
        "(nothing secret is written here).",
    ]


def _shared(internal: str | None) -> Node:
    entries = {
        "numbering": section(
            {"mode": Node("autotask")},
            "The Xero InvoiceNumber is the Autotask invoice number: staff search either system with one "
            "number, and a rerun finds the document it wrote. Use mode prefix when Xero already holds "
            "invoices numbered like Autotask's.",
        ),
        "status": section(
            {"invoice": Node("AUTHORISED"), "credit_note": Node("AUTHORISED")},
            "Autotask has issued these documents already; DRAFT lets someone approve each in Xero first.",
        ),
        "contacts": section(
            {"match": Node(["contact_number", "account_number", "name"]), "create_missing": Node(True)},
            "A company is found in Xero by ContactNumber AT-<Autotask id>, then AccountNumber, then exact "
            "name; only then created.",
        ),
    }
    if internal:
        entries["currency"] = section(
            {"autotask_internal_currency": Node(internal)},
            f"Autotask's internal currency is {internal}: its exchange rates are sent to an organisation "
            f"whose base currency is {internal}; the others use Xero's daily rate.",
        )
    return section(entries, "Defaults for every organisation (a tenant's own section replaces one).")


def _tenant(
    org: XeroOrg, routes: Routes, routed: Routed, reads: ProposeReads, window: str, suffix: str
) -> Node:
    usage = routed.usage[org.tenant_id]
    mappings: dict[str, Node] = {
        "tax": tax_section(org, usage, reads, window),
        "accounts": accounts_section(org, usage, window),
    }
    branding = branding_section(org, usage, window)
    if branding is not None:
        mappings["branding"] = branding
    tracking = tracking_rules(org, usage, window)
    if tracking is not None:
        mappings["tracking"] = tracking
    rounding = rounding_section(org)
    if rounding is not None:
        mappings["rounding"] = rounding
    entries: dict[str, Node] = {
        "tenant_id": Node(org.tenant_id),
        "name": Node(org.name),
        "route": routes.node(org),
    }
    if routes.per_line:
        entries["split_number_suffix"] = Node(suffix, ["Added to the number of the part of a split invoice."])
    entries["mappings"] = section(mappings)
    enabled = ", ".join(sorted(org.profile.currencies | {org.base_currency}))
    return Node(
        entries,
        [
            f"{org.name}: country {org.country or '?'}, base currency {org.base_currency}, currencies "
            f"enabled {enabled}; {usage.invoices} of the invoices read {window} route here "
            f"({usage.lines} lines)."
        ],
    )


def _document(
    orgs: Sequence[XeroOrg],
    routes: Routes,
    routed: Routed,
    reads: ProposeReads,
    internal: str | None,
    window: str,
) -> dict[str, Node]:
    split = "split" if routes.per_line else "reject"
    why = (
        "Routing is by line (branch or line of business): an invoice whose lines go to two organisations "
        "is split into one document each."
        if routes.per_line
        else "Routing is by document, so an invoice's lines never go to two organisations; if they do, "
        "the invoice is rejected rather than split."
    )
    suffixes = _suffixes(orgs)
    tenants = [_tenant(o, routes, routed, reads, window, suffixes[o.tenant_id]) for o in orgs]
    how = f"Routing {routes.how}." if routes.how else ""
    notes = [how] if how else []
    if routed.unrouted:
        sample = "; ".join(dict.fromkeys(routed.unrouted[:3]))
        notes.append(
            f"{len(routed.unrouted)} invoices {window} match no rule and would be rejected (e.g. {sample})."
        )
    return {
        "split_policy": Node(split, [why]),
        "mappings": _shared(internal),
        "tenants": Node(tenants, notes),
    }


def _suffixes(orgs: Sequence[XeroOrg]) -> dict[str, str]:
    countries = [o.country for o in orgs]
    return {
        o.tenant_id: f"-{o.country}" if o.country and countries.count(o.country) == 1 else f"-{i + 1}"
        for i, o in enumerate(orgs)
    }
