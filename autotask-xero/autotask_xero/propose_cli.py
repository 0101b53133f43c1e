"""`autotask-xero propose-mapping --source SRC.json --destination DST.json [--since 90d|DATE] -o FILE.yaml`.

The destination config gives the Xero auth (client credentials, or a refresh token with its token store)
and, optionally, the tenants (its own `tenants`, or its `mapping_file`'s); without them every organisation
the connection reaches is proposed for. Exit 0: the file is written and complete; 1: written, with TODOs
to resolve (listed, each with its field); 2: nothing written (a config, a side, or the command line is
wrong, or the file exists and --force was not given).
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum

from .check import DEFAULT_DAYS, DEFAULT_MAX_INVOICES
from .propose import ProposeError, run_propose


def _since(date: Callable[[str], pendulum.Date]) -> Callable[[str], pendulum.Date | int]:
    def parse(value: str) -> pendulum.Date | int:
        days = re.fullmatch(r"(\d+)\s*d(ays?)?", value.strip())
        if days:
            return int(days.group(1))
        return date(value)

    return parse


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {value!r}")
    return int(value)


def _run(args: argparse.Namespace) -> int:
    try:
        proposal = run_propose(
            args.source, args.destination, args.output, args.since, args.max_invoices, args.force
        )
    except ProposeError as exc:
        print(f"autotask-xero propose-mapping: nothing written: {exc}")
        return 2
    count = len(proposal.organisations)
    print(
        f"autotask-xero propose-mapping: wrote {proposal.path} for {count} organisation"
        f"{'s' if count != 1 else ''} ({'; '.join(proposal.notes)})"
    )
    if not proposal.todos:
        print("every choice was made: review the reasons, then run autotask-xero check")
        return 0
    todos = len(proposal.todos)
    print(f"{todos} TODO{'s' if todos != 1 else ''} to resolve before the checks accept the file:")
    for path, value in proposal.todos:
        print(f"- {path}: {value}")
    return 1


def add_propose(commands: Any, date: Callable[[str], pendulum.Date]) -> None:
    """The `propose-mapping` subcommand on `commands` (argparse's subparsers)."""
    propose = commands.add_parser(
        "propose-mapping",
        help="write a first mapping file from what Autotask and Xero hold",
        description="Read Autotask's reference data and recent invoices and each connected Xero "
        "organisation (read-only), and write destination-xero's mapping file: routing, tax, accounts, "
        "branding themes and tracking, each value with the reason it was proposed, and a TODO for every "
        "choice that could not be made. Exit 0 complete, 1 written with TODOs, 2 nothing written.",
    )
    propose.add_argument("--source", required=True, type=Path, metavar="SOURCE_CONFIG.json")
    propose.add_argument("--destination", required=True, type=Path, metavar="DESTINATION_CONFIG.json")
    propose.add_argument("-o", "--output", required=True, type=Path, metavar="MAPPING.yaml")
    propose.add_argument(
        "--since",
        type=_since(date),
        metavar="Nd|DATE",
        help=f"the invoices read: the last N days by Autotask's clock, or those dated on or after DATE "
        f"(default: {DEFAULT_DAYS} days, not before the source's start_date)",
    )
    propose.add_argument(
        "--max-invoices",
        type=_positive,
        default=DEFAULT_MAX_INVOICES,
        metavar="N",
        help=f"read at most N of those invoices (default {DEFAULT_MAX_INVOICES})",
    )
    propose.add_argument("--force", action="store_true", help="replace the output file if it exists")
    propose.set_defaults(run=_run)
