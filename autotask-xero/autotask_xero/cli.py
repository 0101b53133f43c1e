"""`autotask-xero <command>`: the tools that work over both ends of the sync (none of them syncs).

Subcommands, so that later ones (`reconcile`, `propose-mapping`) join the same command:
- `check --source SOURCE_CONFIG.json --destination DESTINATION_CONFIG.json [--since DATE]`: every problem
  a sync would hit, one per line on stdout, each naming its field; exit 0 when there is none, 1 when
  there are problems, 2 when the command line itself is wrong.
- `reconcile --source SRC.json --destination DST.json --from DATE --to DATE [--html F] [--markdown F]
  [--json F]`: does Xero hold exactly what Autotask billed in the period? Read-only; exit 0 when nothing
  differs, 1 when differences are found, 2 when a side could not be read (or the command line is wrong).
- `resync --source SRC.json --destination DST.json [--dry-run] INVOICE...`: send the named Autotask
  invoices (numbers, or `id:N`) to Xero again now, recreating one deleted in Xero; no platform state is
  touched; exit 0 when every one is in Xero as Autotask has it, 1 otherwise, 2 when it could not run.
- `report FILE.json [FILE.json ...] [--html F] [--markdown F]`: the run reports the destinations write
  (`report_path`) as one HTML page and as Markdown; exit 1 when a run needs something done, 2 when a file
  is not a run report.
- `propose-mapping --source SRC.json --destination DST.json [--since 90d|DATE] -o MAPPING.yaml`: a first
  mapping file from what both accounts hold, read-only, each value with its reason and a TODO for every
  choice it could not make (which both checks refuse); exit 0 complete, 1 with TODOs, 2 nothing written.
- `preview --source SRC.json --destination DST.json [--since DATE] --html OUT.html`: the first sync as a
  dry run (forced), one HTML section per organisation; exit 1 when documents would be rejected.
The config files are the connectors' own (source-autotask's and destination-xero's, `mapping_file`
included), so the check reads exactly what the sync will.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import pendulum

from .check import DEFAULT_DAYS, DEFAULT_MAX_INVOICES, Report, run_check
from .preview_cli import add_preview
from .propose_cli import add_propose
from .reconcile_cli import add_reconcile
from .report_cli import add_report
from .resync_cli import add_resync


def _date(value: str) -> pendulum.Date:
    try:
        parsed = pendulum.parse(value, exact=True)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        parsed = None
    if isinstance(parsed, pendulum.DateTime):
        return parsed.date()
    if isinstance(parsed, pendulum.Date):
        return parsed
    raise argparse.ArgumentTypeError(f"not a date: {value!r} (write it as YYYY-MM-DD)")


def _positive(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {value!r}")
    return int(value)


def _print(report: Report) -> None:
    if report.ok:
        print("autotask-xero check: no problems found (" + "; ".join(report.notes) + ")")
        return
    count = len(report.problems)
    print(f"autotask-xero check: {count} problem{'s' if count != 1 else ''}")
    for problem in report.problems:
        print("- " + problem.replace("\n", "\n  "))
    if report.notes:
        print("(" + "; ".join(report.notes) + ")")


def _check(args: argparse.Namespace) -> int:
    report = run_check(args.source, args.destination, args.since, args.max_invoices)
    _print(report)
    return 0 if report.ok else 1


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="autotask-xero", description="Tools over both ends of the Autotask to Xero sync."
    )
    commands = root.add_subparsers(dest="command", required=True, metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help="find what a sync would reject, before it runs",
        description="Check the destination's mapping against Xero and against Autotask: names that never "
        "occur in Autotask, tax regions and categories in use that are not mapped, codes Xero does not "
        "have (listing the valid ones). Every problem at once; exit 1 when there are any.",
    )
    check.add_argument("--source", required=True, type=Path, metavar="SOURCE_CONFIG.json")
    check.add_argument("--destination", required=True, type=Path, metavar="DESTINATION_CONFIG.json")
    check.add_argument(
        "--since",
        type=_date,
        metavar="DATE",
        help=f"the invoices read are those dated on or after DATE (default: {DEFAULT_DAYS} days before "
        "Autotask's clock, not before the source's start_date)",
    )
    check.add_argument(
        "--max-invoices",
        type=_positive,
        default=DEFAULT_MAX_INVOICES,
        metavar="N",
        help=f"read at most N of those invoices (default {DEFAULT_MAX_INVOICES})",
    )
    check.set_defaults(run=_check)
    add_reconcile(commands, _date)
    add_report(commands)
    add_resync(commands)
    add_propose(commands, _date)
    add_preview(commands, _date)
    return root


def run(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = parser().parse_args(argv)
    code: int = args.run(args)
    return code


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
