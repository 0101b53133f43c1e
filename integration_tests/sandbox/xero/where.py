"""Xero's `where` and `order` query parameters: a real parser for its C#-like (Dynamic LINQ) expressions.

Expressions are type-checked against the field types of the endpoint's model, taken at run time from
xero-python's generated models (a GUID is a `str` field whose name ends in `ID`), so the mistakes Xero
rejects are rejected here with Xero's `QueryParseException` wording: an unknown field ("No property or
field 'X' exists in type 'Invoice'"), comparing a GUID with a string (`ContactID=="..."` instead of
`ContactID==Guid("...")`), a boolean with a string (`IsSold=="true"`), a number with a string, a
malformed expression ("Expression expected", "')' or ',' expected", "Syntax error", "Unterminated string
literal").

Supported: `==` `=` `!=` `<>` `>` `>=` `<` `<=`, `AND`/`&&`, `OR`/`||`, `NOT`/`!`, parentheses; literals
"string" (`""` inside a string is one quote), numbers, true/false, null, `Guid("...")`,
`DateTime(y,m,d[,h,m,s])`, `DateTime.Parse("...")`; dotted paths (`Contact.ContactID`); on strings
`.Contains()`, `.StartsWith()`, `.EndsWith()`, `.ToLower()`, `.ToUpper()`, `.Trim()`, `.Length`; on any
value `.ToString()`; on nullable values `.HasValue` and `.Value`. Field and keyword names are
case-insensitive, as in Dynamic LINQ.

Choices where the sources are silent (UNCONFIRMED): string comparison is case-SENSITIVE (a client that
relies on case-insensitive matching fails here, not silently in production); any comparison involving a
null value other than `== null` / `!= null` is false; a method called on a null value yields null.
"""

from __future__ import annotations

import datetime as dt
import enum
import inspect
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cmp_to_key
from typing import Any

import pendulum

Record = dict[str, Any]
Resolver = Callable[[str, Record], Record | None]
Getter = Callable[[Record], Any]


class WhereError(Exception):
    """A `QueryParseException` (HTTP 400, ErrorNumber 16) with Dynamic LINQ's message."""


# --- types -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ty:
    kind: str  # String Guid Decimal Int32 Boolean DateTime Object List Null
    model: str | None = None
    nullable: bool = False

    def display(self) -> str:
        if self.kind == "Object":
            return self.model or "Object"
        if self.kind == "List":
            return f"List`1[{self.model}]"
        return self.kind + ("?" if self.nullable and self.kind not in ("String", "Null") else "")


STRING = Ty("String")
GUID = Ty("Guid")
DECIMAL = Ty("Decimal")
INT = Ty("Int32")
BOOL = Ty("Boolean")
DATETIME = Ty("DateTime")
NULL = Ty("Null")
NUMERIC = frozenset({"Decimal", "Int32"})

COLLECTION_MODELS = {
    "Invoices": "Invoice",
    "CreditNotes": "CreditNote",
    "Contacts": "Contact",
    "Items": "Item",
    "PurchaseOrders": "PurchaseOrder",
    "Payments": "Payment",
    "Accounts": "Account",
    "TaxRates": "TaxRate",
    "Currencies": "Currency",
    "TrackingCategories": "TrackingCategory",
    "BrandingThemes": "BrandingTheme",
    "Organisation": "Organisation",
}

_schema_lock = threading.Lock()
_schemas: dict[str, dict[str, tuple[str, Ty]]] = {}


def model_fields(model: str) -> dict[str, tuple[str, Ty]]:
    """lower-case field name → (PascalCase name, type), from xero-python's model for `model`."""
    with _schema_lock:
        found = _schemas.get(model)
        if found is not None:
            return found
        from xero_python.accounting import models

        cls = getattr(models, model, None)
        fields: dict[str, tuple[str, Ty]] = {}
        if cls is not None and hasattr(cls, "openapi_types"):
            for attr, type_name in cls.openapi_types.items():
                wire = cls.attribute_map[attr]
                fields[wire.lower()] = (wire, _type_of(wire, type_name, models))
        _schemas[model] = fields
        return fields


def _type_of(wire: str, type_name: str, models: Any) -> Ty:
    if type_name.startswith("list["):
        return Ty("List", type_name[5:-1])
    if type_name.startswith("date"):
        return Ty("DateTime", nullable=True)
    if type_name == "float":
        return Ty("Decimal", nullable=True)
    if type_name == "int":
        return Ty("Int32", nullable=True)
    if type_name == "bool":
        return Ty("Boolean", nullable=True)
    if type_name == "str":
        return GUID if wire.endswith("ID") else STRING
    target = getattr(models, type_name, None)
    if inspect.isclass(target) and issubclass(target, enum.Enum):
        return STRING
    return Ty("Object", type_name)


# --- tokens ------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<num>\d+(?:\.\d+)?(?:[mMdDfF])?)
      | (?P<str>")
      | (?P<chr>')
      | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<op>==|!=|<>|>=|<=|&&|\|\||[=<>!(),.\-+])
    )""",
    re.VERBOSE,
)


@dataclass
class Tok:
    kind: str  # num str ident op end
    text: str
    value: Any
    pos: int


def tokenize(text: str) -> list[Tok]:
    tokens: list[Tok] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            tokens.append(Tok("end", "", None, pos))
            return tokens
        match = _TOKEN_RE.match(text, pos)
        if match is None or match.end() == pos:
            raise WhereError(f"Syntax error '{text[pos]}'")
        start = match.start(match.lastgroup or 0)
        if match.group("num") is not None:
            raw = match.group("num").rstrip("mMdDfF")
            value: Any = Decimal(raw) if "." in raw else int(raw)
            tokens.append(Tok("num", raw, value, start))
            pos = match.end()
        elif match.group("str") is not None or match.group("chr") is not None:
            quote = text[start]
            pos, value = _read_string(text, start + 1, quote)
            if quote == "'" and len(value) != 1:
                raise WhereError("Character literal must contain exactly one character")
            tokens.append(Tok("str", value, value, start))
        elif match.group("ident") is not None:
            tokens.append(Tok("ident", match.group("ident"), None, start))
            pos = match.end()
        else:
            tokens.append(Tok("op", match.group("op"), None, start))
            pos = match.end()


def _read_string(text: str, pos: int, quote: str) -> tuple[int, str]:
    out: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == quote:
            if pos + 1 < len(text) and text[pos + 1] == quote:
                out.append(quote)
                pos += 2
                continue
            return pos + 1, "".join(out)
        if char == "\\" and pos + 1 < len(text) and text[pos + 1] in (quote, "\\"):
            out.append(text[pos + 1])
            pos += 2
            continue
        out.append(char)
        pos += 1
    raise WhereError("Unterminated string literal")


# --- parser ------------------------------------------------------------------------------------------


@dataclass
class Node:
    ty: Ty
    get: Getter
    literal: bool = False  # a constant written in the expression (what Guid()/DateTime() accept)


def _const(ty: Ty, value: Any) -> Node:
    return Node(ty, lambda _record: value, literal=True)


class _Parser:
    def __init__(self, text: str, model: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.model = model

    @property
    def tok(self) -> Tok:
        return self.tokens[self.index]

    def advance(self) -> Tok:
        tok = self.tokens[self.index]
        if tok.kind != "end":
            self.index += 1
        return tok

    def is_op(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in ops

    def is_word(self, *words: str) -> bool:
        return self.tok.kind == "ident" and self.tok.text.lower() in words

    def expect_op(self, op: str, message: str) -> None:
        if not self.is_op(op):
            raise WhereError(message)
        self.advance()

    # expression := or
    def parse(self) -> Node:
        node = self.parse_or()
        if self.tok.kind != "end":
            raise WhereError("Syntax error")
        return node

    def parse_or(self) -> Node:
        left = self.parse_and()
        while self.is_op("||") or self.is_word("or"):
            op = self.advance().text
            right = self.parse_and()
            left = _logical(op, left, right, any_=True)
        return left

    def parse_and(self) -> Node:
        left = self.parse_comparison()
        while self.is_op("&&") or self.is_word("and"):
            op = self.advance().text
            right = self.parse_comparison()
            left = _logical(op, left, right, any_=False)
        return left

    def parse_comparison(self) -> Node:
        left = self.parse_unary()
        while self.is_op("==", "=", "!=", "<>", ">", ">=", "<", "<="):
            op = self.advance().text
            right = self.parse_unary()
            left = _compare(op, left, right)
        return left

    def parse_unary(self) -> Node:
        if self.is_op("!") or self.is_word("not"):
            op = self.advance().text
            operand = self.parse_unary()
            if operand.ty.kind != "Boolean":
                raise WhereError(f"Operator '{op}' incompatible with operand type '{operand.ty.display()}'")
            get = operand.get
            return Node(BOOL, lambda r: None if (v := get(r)) is None else not v)
        if self.is_op("-"):
            self.advance()
            operand = self.parse_unary()
            if operand.ty.kind not in NUMERIC:
                raise WhereError(f"Operator '-' incompatible with operand type '{operand.ty.display()}'")
            get = operand.get
            return Node(operand.ty, lambda r: None if (v := get(r)) is None else -v, literal=operand.literal)
        return self.parse_postfix(self.parse_primary())

    def parse_primary(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.advance()
            return _const(DECIMAL if isinstance(tok.value, Decimal) else INT, tok.value)
        if tok.kind == "str":
            self.advance()
            return _const(STRING, tok.value)
        if self.is_op("("):
            self.advance()
            node = self.parse_or()
            self.expect_op(")", "')' or operator expected")
            return node
        if tok.kind == "ident":
            word = tok.text.lower()
            if word in ("true", "false"):
                self.advance()
                return _const(BOOL, word == "true")
            if word == "null":
                self.advance()
                return _const(NULL, None)
            if word == "guid" and self._next_is("("):
                return self.parse_guid()
            if word == "datetime" and (self._next_is("(") or self._next_is(".")):
                return self.parse_datetime()
            return self.parse_field()
        if tok.kind == "end":
            raise WhereError("Expression expected")
        raise WhereError("Expression expected")

    def _next_is(self, op: str) -> bool:
        nxt = self.tokens[self.index + 1]
        return nxt.kind == "op" and nxt.text == op

    def parse_args(self) -> list[Tok | Node]:
        self.expect_op("(", "'(' expected")
        args: list[Tok | Node] = []
        if self.is_op(")"):
            self.advance()
            return args
        while True:
            args.append(self.parse_or())
            if self.is_op(","):
                self.advance()
                continue
            self.expect_op(")", "')' or ',' expected")
            return args

    def parse_guid(self) -> Node:
        self.advance()
        args = self.parse_args()
        if (
            len(args) != 1
            or not isinstance(args[0], Node)
            or args[0].ty.kind != "String"
            or not args[0].literal
        ):
            raise WhereError("No applicable constructor exists in type 'Guid'")
        text = args[0].get({})
        if not _GUID_TEXT.fullmatch(text):
            raise WhereError("Unrecognized Guid format.")
        value = _norm_guid(text)
        return _const(GUID, value)

    def parse_datetime(self) -> Node:
        self.advance()
        if self.is_op("."):
            self.advance()
            if not self.is_word("parse"):
                raise WhereError(f"No property or field '{self.tok.text}' exists in type 'DateTime'")
            self.advance()
            args = self.parse_args()
            if (
                len(args) != 1
                or not isinstance(args[0], Node)
                or args[0].ty.kind != "String"
                or not args[0].literal
            ):
                raise WhereError("No applicable method 'Parse' exists in type 'DateTime'")
            try:
                parsed = pendulum.parse(args[0].get({}), tz="UTC")
            except Exception as exc:  # pendulum raises several parser errors
                raise WhereError("String was not recognized as a valid DateTime.") from exc
            if not isinstance(parsed, dt.datetime):
                raise WhereError("String was not recognized as a valid DateTime.")
            return _const(DATETIME, _utc(parsed))
        args = self.parse_args()
        parts: list[int] = []
        for arg in args:
            if not isinstance(arg, Node) or arg.ty.kind != "Int32" or not arg.literal:
                raise WhereError("No applicable constructor exists in type 'DateTime'")
            parts.append(int(arg.get({})))
        if len(parts) not in (3, 6, 7):
            raise WhereError("No applicable constructor exists in type 'DateTime'")
        try:
            padded = [*parts[:6], 0, 0, 0][:6]
            moment = dt.datetime(
                padded[0], padded[1], padded[2], padded[3], padded[4], padded[5], tzinfo=dt.UTC
            )
        except ValueError as exc:
            raise WhereError(
                "Year, Month, and Day parameters describe an un-representable DateTime."
            ) from exc
        return _const(DATETIME, moment)

    def parse_field(self) -> Node:
        name = self.advance().text
        return self._member(Ty("Object", self.model), lambda r: r, name)

    def _member(self, owner: Ty, get_owner: Getter, name: str) -> Node:
        if owner.kind != "Object" or owner.model is None:
            raise WhereError(f"No property or field '{name}' exists in type '{owner.display()}'")
        fields = model_fields(owner.model)
        found = fields.get(name.lower())
        if found is None:
            raise WhereError(f"No property or field '{name}' exists in type '{owner.model}'")
        wire, ty = found
        model = owner.model

        def get(record: Record) -> Any:
            obj = get_owner(record)
            if obj is None:
                return None
            if wire in obj:
                return obj[wire]
            resolver = getattr(_resolving, "resolver", None)
            if resolver is not None:
                full = resolver(model, obj)
                if full is not None and wire in full:
                    return full[wire]
            return default

        # Xero always shows its flags (HasAttachments, SentToContact, IsDiscounted...): absent means false.
        default = False if ty.kind == "Boolean" else None

        return Node(ty, get)

    def parse_postfix(self, node: Node) -> Node:
        while self.is_op("."):
            self.advance()
            if self.tok.kind != "ident":
                raise WhereError("Identifier expected")
            name = self.advance().text
            if self.is_op("("):
                args = self.parse_args()
                node = _method(node, name, [a for a in args if isinstance(a, Node)])
            else:
                node = self._property(node, name)
        return node

    def _property(self, node: Node, name: str) -> Node:
        lower = name.lower()
        get = node.get
        if lower == "hasvalue" and node.ty.nullable:
            return Node(BOOL, lambda r: get(r) is not None)
        if lower == "value" and node.ty.nullable:
            return Node(Ty(node.ty.kind), get)
        if lower == "length" and node.ty.kind == "String":
            return Node(INT, lambda r: None if (v := get(r)) is None else len(v))
        if node.ty.kind == "Object":
            return self._member(node.ty, get, name)
        raise WhereError(f"No property or field '{name}' exists in type '{node.ty.display()}'")


_GUID_TEXT = re.compile(r"\{?[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12}\}?")


def _incompatible(op: str, left: Ty, right: Ty) -> str:
    return f"Operator '{op}' incompatible with operand types '{left.display()}' and '{right.display()}'"


def _norm_guid(text: str) -> str:
    return text.strip("{}").replace("-", "").lower()


def _logical(op: str, left: Node, right: Node, *, any_: bool) -> Node:
    if left.ty.kind != "Boolean" or right.ty.kind != "Boolean":
        raise WhereError(_incompatible(op, left.ty, right.ty))
    lget, rget = left.get, right.get
    if any_:
        return Node(BOOL, lambda r: bool(lget(r)) or bool(rget(r)))
    return Node(BOOL, lambda r: bool(lget(r)) and bool(rget(r)))


_EQUALITY = ("==", "=", "!=", "<>")


def _compatible(op: str, left: Ty, right: Ty) -> bool:
    kinds = {left.kind, right.kind}
    if "Null" in kinds:
        return op in _EQUALITY
    if kinds <= NUMERIC:
        return True
    if left.kind != right.kind:
        return False
    if left.kind in ("String", "DateTime"):
        return True
    if left.kind in ("Guid", "Boolean"):
        return op in _EQUALITY
    return False


def _normalise(ty: Ty, value: Any) -> Any:
    if value is None:
        return None
    if ty.kind == "Guid":
        return _norm_guid(str(value))
    if ty.kind == "DateTime":
        if isinstance(value, dt.datetime):
            return _utc(value)
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
        return _parse_stored_date(value)
    if ty.kind in NUMERIC and not isinstance(value, (int, Decimal)):
        try:
            return Decimal(str(value))
        except InvalidOperation:
            return None
    if ty.kind == "String" and not isinstance(value, str):
        return getattr(value, "value", str(value))
    return value


def _parse_stored_date(value: Any) -> dt.datetime | None:
    text = str(value)
    match = re.match(r"/Date\((-?\d+)", text)
    if match:
        return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(milliseconds=int(match.group(1)))
    try:
        parsed = pendulum.parse(text, tz="UTC")
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        return None
    if isinstance(parsed, dt.datetime):
        return _utc(parsed)
    return None


def _utc(moment: dt.datetime) -> dt.datetime:
    """Aware UTC; a datetime without zone is taken as UTC (as Xero reads where-clause dates)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def _compare(op: str, left: Node, right: Node) -> Node:
    if not _compatible(op, left.ty, right.ty):
        raise WhereError(_incompatible(op, left.ty, right.ty))
    lget, rget, lty, rty = left.get, right.get, left.ty, right.ty

    def test(record: Record) -> bool:
        a = _normalise(lty, lget(record))
        b = _normalise(rty, rget(record))
        if op in ("==", "="):
            return bool(a == b)
        if op in ("!=", "<>"):
            return bool(a != b)
        if a is None or b is None:
            return False
        if op == ">":
            return bool(a > b)
        if op == ">=":
            return bool(a >= b)
        if op == "<":
            return bool(a < b)
        return bool(a <= b)

    return Node(BOOL, test)


_STRING_PREDICATES: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda s, x: x in s,
    "startswith": lambda s, x: s.startswith(x),
    "endswith": lambda s, x: s.endswith(x),
}
_STRING_MAPS: dict[str, Callable[[str], str]] = {
    "tolower": str.lower,
    "toupper": str.upper,
    "trim": str.strip,
}


def _method(node: Node, name: str, args: list[Node]) -> Node:
    lower = name.lower()
    get, ty = node.get, node.ty
    if lower == "tostring" and not args:
        return Node(STRING, lambda r: None if (v := _normalise(ty, get(r))) is None else _display(ty, v))
    if ty.kind == "String":
        if lower in _STRING_PREDICATES and len(args) == 1 and args[0].ty.kind == "String":
            pred, arg = _STRING_PREDICATES[lower], args[0].get
            return Node(
                BOOL,
                lambda r: (
                    (v := _normalise(ty, get(r))) is not None and (x := arg(r)) is not None and pred(v, x)
                ),
            )
        if lower in _STRING_MAPS and not args:
            fn = _STRING_MAPS[lower]
            return Node(STRING, lambda r: None if (v := _normalise(ty, get(r))) is None else fn(v))
    raise WhereError(f"No applicable method '{name}' exists in type '{ty.display()}'")


def _display(ty: Ty, value: Any) -> str:
    if ty.kind == "Guid":
        v = str(value)
        return f"{v[0:8]}-{v[8:12]}-{v[12:16]}-{v[16:20]}-{v[20:32]}" if len(v) == 32 else v
    if ty.kind == "Boolean":
        return "True" if value else "False"
    return str(value)


# --- public API --------------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[tuple[str, str], Node] = {}
_CACHE_MAX = 2048
_resolving = threading.local()


class resolving:
    """While active (per thread), nested references missing from a record (e.g. an invoice's
    `Contact.Name`) are looked up through `resolver(model, partial_record)`."""

    def __init__(self, resolver: Resolver | None) -> None:
        self.resolver = resolver

    def __enter__(self) -> None:
        self.previous = getattr(_resolving, "resolver", None)
        _resolving.resolver = self.resolver

    def __exit__(self, *exc: object) -> None:
        _resolving.resolver = self.previous


def compile_where(collection: str, text: str) -> Callable[[Record], bool]:
    """A predicate over internal records of `collection`; raises WhereError for what Xero rejects."""
    model = COLLECTION_MODELS.get(collection, collection)
    key = (model, text)
    with _cache_lock:
        node = _cache.get(key)
    if node is None:
        node = _Parser(text, model).parse()
        if node.ty.kind != "Boolean":
            raise WhereError("Expression of type 'Boolean' expected")
        with _cache_lock:
            if len(_cache) >= _CACHE_MAX:
                _cache.clear()
            _cache[key] = node
    get = node.get

    def predicate(record: Record) -> bool:
        try:
            return bool(get(record))
        except (TypeError, ValueError, ArithmeticError):  # a stored value of an unexpected type: no match
            return False

    return predicate


def compile_order(collection: str, text: str) -> Callable[[list[Record]], None]:
    """An in-place stable sort for `order=Field [ASC|DESC][, ...]`; nulls sort first ascending."""
    model = COLLECTION_MODELS.get(collection, collection)
    keys: list[tuple[Node, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words:
            raise WhereError("Expression expected")
        descending = False
        if len(words) > 1:
            direction = words[-1].lower()
            if direction in ("asc", "ascending"):
                words = words[:-1]
            elif direction in ("desc", "descending"):
                descending = True
                words = words[:-1]
        parser = _Parser(" ".join(words), model)
        node = parser.parse_postfix(parser.parse_primary())
        if parser.tok.kind != "end":
            raise WhereError("Syntax error")
        if node.ty.kind in ("Object", "List"):
            raise WhereError(f"Expression of type '{node.ty.display()}' cannot be ordered")
        keys.append((node, descending))

    def compare(a: Record, b: Record) -> int:
        for node, descending in keys:
            va, vb = _normalise(node.ty, node.get(a)), _normalise(node.ty, node.get(b))
            if va == vb:
                continue
            if va is None:
                result = -1
            elif vb is None:
                result = 1
            else:
                try:
                    result = -1 if va < vb else 1
                except TypeError:  # values of unexpected types keep their relative order
                    continue
            return -result if descending else result
        return 0

    def sort(records: list[Record]) -> None:
        records.sort(key=cmp_to_key(compare))

    return sort
