"""The `resync` subcommand's command line: its arguments and its exit status.

Apart from cli.py so that each subcommand's options live beside their own code; cli.py only adds it.
The report goes to stdout (resync_report.py); the connectors' own warnings (a rejected document, named
with its reason) go to stderr as in a sync. Exit status: 0 every named invoice is in Xero as Autotask has
it, 1 some are not, 2 the re-sync could not run (argparse also exits 2 on a wrong command line).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .resync import Named, parse_name, run_resync
from .resync_report import terminal


def _invoice(value: str) -> Named:
    try:
        return parse_name(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _resync(args: argparse.Namespace) -> int:
    result = run_resync(args.source, args.destination, args.invoices, args.dry_run)
    print(terminal(result))
    return result.exit_status


def add_resync(commands: Any) -> None:
    """Add `resync` to the subcommands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "resync",
        help="send given Autotask invoices to Xero again, now",
        description="Read the named Autotask invoices (however old) and send them to Xero through the "
        "destination's own routing, mapping and checks, without a full refresh and without touching the "
        "scheduled connection's state. An invoice deleted in Xero is entered again (a scheduled run never "
        "does that); a voided one is not. Exit 0 when every named invoice is in Xero as Autotask has it, "
        "1 when some are not, 2 when the re-sync could not run.",
    )
    parser.add_argument("--source", required=True, type=Path, metavar="SOURCE_CONFIG.json")
    parser.add_argument("--destination", required=True, type=Path, metavar="DESTINATION_CONFIG.json")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="read both sides and say what would be written; write nothing",
    )
    parser.add_argument(
        "invoices",
        nargs="+",
        type=_invoice,
        metavar="INVOICE",
        help="an Autotask invoice number (20123), or id:N for an Autotask invoice id",
    )
    parser.set_defaults(run=_resync)
