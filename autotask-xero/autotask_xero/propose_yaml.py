"""The proposed mapping as a tree of values with the comments that say why, and its YAML text.

Why a small writer of our own rather than a YAML library: the file is read by a person before it is read by
the sync, and the reason for each proposal must sit right above the value it explains. PyYAML drops
comments; the shapes written here are few (mappings, flow lists, one list of small mappings), so the text
is built directly, every string written as a JSON string (a valid YAML double-quoted scalar: an account
code "200" stays a string, a name with a colon stays one key). The tests read the file back with
`yaml.safe_load` and destination-xero's `load_config`.

A choice that could not be made is a string starting `TODO:` (destination_xero.check.TODO_MARK), which
both checks refuse, naming its field, until someone replaces it.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from destination_xero.check import TODO_MARK

WIDTH = 110
# Keys that YAML 1.1 (PyYAML) would read as booleans or null when bare.
_SPECIAL = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


@dataclass
class Node:
    """One value of the file and the comment lines written above its key."""

    value: Any  # a scalar, a list, or a dict of str -> Node
    why: list[str] = field(default_factory=list)

    @property
    def is_todo(self) -> bool:
        return isinstance(self.value, str) and self.value.startswith(TODO_MARK)


def todo(question: str, candidates: Sequence[str] = ()) -> str:
    """`TODO: <question>; choose one of A (x), B (y)`: the question and the values that would answer it."""
    choose = f"; choose one of {', '.join(candidates)}" if candidates else ""
    return f"{TODO_MARK}: {question}{choose}"


def section(entries: Mapping[str, Node] | None = None, *why: str) -> Node:
    return Node(dict(entries or {}), list(why))


def percent(value: Decimal) -> str:
    """20.0000 -> "20%", 8.590625 -> "8.590625%": exact, without trailing zeros."""
    text = f"{value.normalize():f}"
    return f"{text}%"


def _key(name: str) -> str:
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name) and name not in _SPECIAL:
        return name
    return json.dumps(name, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, default=str)  # a flow list or mapping


def _comment(lines: Iterable[str], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for line in lines:
        if not line:
            out.append(pad + "#")
            continue
        wrapped = textwrap.wrap(line, WIDTH - indent - 2, break_long_words=False, break_on_hyphens=False)
        out += [f"{pad}# {part}" for part in wrapped]
    return out


def _block(entries: Mapping[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    out: list[str] = []
    for name, entry in entries.items():
        node = entry if isinstance(entry, Node) else Node(entry)  # a plain dict or value: no comment
        out += _comment(node.why, indent)
        value = node.value
        if isinstance(value, dict) and value:
            out.append(f"{pad}{_key(name)}:")
            out += _block(value, indent + 2)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            out.append(f"{pad}{_key(name)}:")
            out += [f"{pad}  - {_scalar(item)}" for item in value]
        else:
            out.append(f"{pad}{_key(name)}: {_scalar({} if isinstance(value, dict) else value)}")
    return out


def render(header: Sequence[str], entries: Mapping[str, Node]) -> str:
    """The whole file: the header comment, then each top-level key with its comments, a blank line
    between top-level keys and between tenants so the file reads as sections."""
    out = _comment(header, 0)
    for name, node in entries.items():
        out.append("")
        if name == "tenants" and isinstance(node.value, list):
            out += _comment(node.why, 0)
            out.append("tenants:")
            for tenant in node.value:
                out += _tenant(tenant)
            continue
        out += _block({name: node}, 0)
    return "\n".join(out) + "\n"


def _tenant(tenant: Node) -> list[str]:
    """One `tenants[]` entry: its comment, then `- ` before its first key."""
    out = ["", *_comment(tenant.why, 2)]
    lines = _block(tenant.value, 4)
    first = next(i for i, line in enumerate(lines) if not line.lstrip().startswith("#"))
    lines[first] = "  - " + lines[first][4:]
    return out + lines


def plain(node: Any) -> Any:
    """The values without their comments (what `yaml.safe_load` of the rendered text gives back)."""
    value = node.value if isinstance(node, Node) else node
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
