"""The `reconcile` subcommand's command line: its arguments, its output files, its exit status.

Apart from cli.py so that each subcommand's options live beside their own code; cli.py only adds it.
The terminal summary goes to stdout; `--json`, `--markdown` and `--html` write the same reconciliation to
files (each written whole, then moved into place, so a reader never sees half a report). Exit status: 0
nothing differs, 1 differences found, 2 a side could not be read (argparse also exits 2 on a wrong command
line).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum
from connector_kit.redaction import redact as _redact

from .reconcile import run_reconcile
from .reconcile_report import html_page, json_text, markdown, terminal


def _write(path: Path, text: str) -> None:
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _reconcile(args: argparse.Namespace) -> int:
    if args.to < args.from_:
        print(f"autotask-xero reconcile: --to {args.to} is before --from {args.from_}")
        return 2
    result, secrets = run_reconcile(args.source, args.destination, args.from_, args.to)
    generated = pendulum.now("UTC").to_iso8601_string()
    print(_redact(terminal(result), secrets))
    outputs = (
        (args.json, json_text),
        (args.markdown, markdown),
        (args.html, html_page),
    )
    for path, render in outputs:
        if path is not None:
            _write(path, render(result, generated, secrets))
            print(f"Written: {path}")
    return result.exit_status


def add_reconcile(commands: Any, date: Callable[[str], pendulum.Date]) -> None:
    """Add `reconcile` to the subcommands; `date` parses YYYY-MM-DD as `check --since` does."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "reconcile",
        help="does Xero hold exactly what Autotask billed in a period? (read-only)",
        description="Compare, per Xero organisation, the Autotask invoices of the period (placed by the "
        "destination's own routing and mapping) with what Xero holds under our numbering: missing in "
        "Xero, in Xero but not in Autotask, totals or tax more than a cent apart, voided or paid in one "
        "system only, and the invoices no mapping can place. Writes nothing. Exit 0 when nothing "
        "differs, 1 when something does, 2 when a side could not be read.",
    )
    parser.add_argument("--source", required=True, type=Path, metavar="SOURCE_CONFIG.json")
    parser.add_argument("--destination", required=True, type=Path, metavar="DESTINATION_CONFIG.json")
    parser.add_argument(
        "--from", dest="from_", required=True, type=date, metavar="YYYY-MM-DD", help="first invoice date"
    )
    parser.add_argument("--to", required=True, type=date, metavar="YYYY-MM-DD", help="last invoice date")
    parser.add_argument("--html", type=Path, metavar="OUT.html", help="also write a self-contained HTML page")
    parser.add_argument("--markdown", type=Path, metavar="OUT.md", help="also write Markdown")
    parser.add_argument("--json", type=Path, metavar="OUT.json", help="also write JSON")
    parser.set_defaults(run=_reconcile)
