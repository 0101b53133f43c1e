"""The `preview` subcommand's command line: a dry-run first sync rendered as one HTML page.

Apart from cli.py so that each subcommand's options live beside their own code; cli.py only adds it.
Exit status: 0 nothing would be rejected, 1 some documents would be, 2 the preview could not run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pendulum

from .preview import run_preview
from .preview_html import render


def _preview(args: argparse.Namespace) -> int:
    result = run_preview(args.source, args.destination, args.since)
    for problem in result.problems:
        print("- " + problem)
    if result.problems:
        return result.exit_status
    args.html.write_text(render(result), encoding="utf-8")
    rejected = sum(1 for d in result.decisions if d.get("action") == "rejected")
    print(
        f"wrote {args.html}: {len(result.decisions)} decisions, {rejected} rejected "
        "(nothing was written to Xero)"
    )
    return result.exit_status


def add_preview(commands: Any, date: Callable[[str], pendulum.Date]) -> None:
    """Add `preview` to the subcommands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "preview",
        help="show what the first sync would do, as a page per organisation; writes nothing to Xero",
        description="Run the source and the destination in-process as a dry run (forced, whatever the "
        "config says) and write an HTML page with a section per organisation: each document with its "
        "decision, lines, taxes and totals, and the contacts and items that would be created.",
    )
    parser.add_argument("--source", required=True, type=Path, metavar="SOURCE_CONFIG.json")
    parser.add_argument("--destination", required=True, type=Path, metavar="DESTINATION_CONFIG.json")
    parser.add_argument("--since", type=date, metavar="DATE", help="read from DATE (default: start_date)")
    parser.add_argument("--html", required=True, type=Path, metavar="OUT.html")
    parser.set_defaults(run=_preview)
