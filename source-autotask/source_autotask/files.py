"""Reading the JSON files the platforms hand over (config, state, catalog).

Why: Windows editors (Notepad, PowerShell's `Out-File`) save UTF-8 with a byte-order mark, which Python's
JSON parsers refuse with an error that does not say what to fix. The mark carries no data, so it is dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BOM = "\ufeff"


class UnreadableFile(ValueError):
    """A file that is missing or not JSON; the message names the file and says why, in one line."""


def without_bom(text: str) -> str:
    return text[len(BOM) :] if text.startswith(BOM) else text


def read_json(path: str | Path, what: str) -> Any:
    """The JSON value in `path`; `what` names the file in errors."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UnreadableFile(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UnreadableFile(f"the {what} file {path} is not UTF-8 text") from None
    return parse_json(text, f"the {what} file {path}")


def parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(without_bom(text))
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            f"{where} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
