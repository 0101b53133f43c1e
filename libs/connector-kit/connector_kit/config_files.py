"""Reading the files the platforms and admins hand over (config, state, catalog, mapping files).

Why: Windows editors (Notepad, PowerShell's `Out-File`) save UTF-8 with a byte-order mark, which Python's
JSON parsers refuse with an error that does not say what to fix. The mark carries no data, so it is dropped.
Every problem is one line naming the file and the cause, never a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

BOM = "\ufeff"


class UnreadableFile(ValueError):
    """A file that is missing or not JSON/YAML; the message names the file and says why, in one line."""


def without_bom(text: str) -> str:
    return text[len(BOM) :] if text.startswith(BOM) else text


def read_text(path: str | Path, what: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise UnreadableFile(f"cannot read the {what} file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UnreadableFile(f"the {what} file {path} is not UTF-8 text") from None


def read_json(path: str | Path, what: str) -> Any:
    """The JSON value in `path`; `what` names the file in errors ("config", "state", "catalog")."""
    return parse_json(read_text(path, what), f"the {what} file {path}")


def read_json_object(path: str | Path, what: str) -> dict[str, Any]:
    loaded = read_json(path, what)
    if not isinstance(loaded, dict):
        raise UnreadableFile(f"the {what} file {path} must hold a JSON object")
    return loaded


def parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(without_bom(text))
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            f"{where} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None


def read_yaml_object(path: str | Path, what: str) -> dict[str, Any]:
    """A YAML (or JSON) file holding a mapping, as a dict; an empty file is an empty mapping."""
    text = read_text(path, what)
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise UnreadableFile(f"the {what} file {path} is not valid YAML{where}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise UnreadableFile(f"the {what} file {path} must hold a mapping at the top level")
    return loaded
