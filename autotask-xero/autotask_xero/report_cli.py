"""`autotask-xero report FILE.json [FILE.json ...] [--html OUT.html] [--markdown OUT.md]`.

Renders run reports (`report_path` of destination-xero and destination-autotask-payments) as one HTML page
and as Markdown: several files make one page, so a schedule's forward run and its payments run are read
together. Without `--html` or `--markdown` the Markdown goes to stdout. Exit 0 when every run finished
cleanly, 1 when one of them needs something done (its exit status was not 0, or it stopped early), 2 when a
file is not a report this program reads (the message names it and says why, e.g. a newer schema_version).
Output files are written atomically; a report holds no secret (the connectors redact it), and the renderers
add none.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from connector_kit.run_report import ReportError, RunReport, load_report

from .report_html import page
from .report_markdown import markdown

TITLE = "Autotask and Xero: run report"


def add_report(commands: Any) -> None:
    report = commands.add_parser(
        "report",
        help="render run reports as an HTML page and Markdown",
        description="Render one or several run reports (the report_path files the destinations write) as "
        "one self-contained HTML page and as Markdown for a ticket or an email. Exit 1 when a run needs "
        "something done, 2 when a file is not a run report.",
    )
    report.add_argument("files", nargs="+", type=Path, metavar="FILE.json")
    report.add_argument("--html", type=Path, metavar="OUT.html", help="write the HTML page here")
    report.add_argument("--markdown", type=Path, metavar="OUT.md", help="write the Markdown here")
    report.add_argument("--title", default=TITLE, help=f"the page's title (default: {TITLE!r})")
    report.set_defaults(run=_run)


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_all(files: list[Path]) -> list[RunReport]:
    return [load_report(path) for path in files]


def _run(args: argparse.Namespace) -> int:
    try:
        reports = load_all(args.files)
    except ReportError as exc:
        print(f"autotask-xero report: {exc}")
        return 2
    text = markdown(reports, args.title)
    if args.html:
        write_atomically(args.html, page(reports, args.title))
        print(f"HTML report: {args.html}")
    if args.markdown:
        write_atomically(args.markdown, text)
        print(f"Markdown report: {args.markdown}")
    if not args.html and not args.markdown:
        print(text, end="")
    return 0 if all(r.ok for r in reports) else 1
