"""Numbers sent as JSON strings (`"UnitAmount": "10.5"`), read as Xero's JSON reader reads them.

Why: Xero deserialises request bodies with Json.NET (its errors are Json.NET's, e.g. "Could not convert
string to decimal: abc."), and Json.NET reads a string into a decimal element whenever
`decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture)` accepts it, or its own parser
accepts an exponent form such as "96.014e-05"; an empty string is null (JsonReader.ReadDecimalString in
JamesNK/Newtonsoft.Json). Clients that serialise decimals as strings to keep them exact therefore work
against Xero, and must work here: the value is kept exactly as written (`"120.0"` is Decimal("120.0")).

`NumberStyles.Number` allows leading and trailing white space, one leading or trailing sign, a decimal
point and thousands separators (`,`) in the integer part; nothing else (no currency symbol, no
parentheses). Integer elements take `NumberStyles.Integer`: white space and a leading sign only.
"""

from __future__ import annotations

import re
from decimal import Decimal

_NUMBER_STYLE = re.compile(r"^\s*(?P<lead>[+-])?(?P<int>\d[\d,]*)?(?:\.(?P<frac>\d*))?(?P<trail>[+-])?\s*$")
_EXPONENT_FORM = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+$")
_INTEGER_STYLE = re.compile(r"^\s*[+-]?\d+\s*$")


def read_decimal_string(text: str) -> Decimal | None:
    """The Decimal a numeric string stands for; None for an empty string; ValueError when Xero refuses it."""
    if text == "":
        return None
    match = _NUMBER_STYLE.match(text)
    if match and (match["int"] or match["frac"]) and not (match["lead"] and match["trail"]):
        sign = "-" if "-" in (match["lead"] or "", match["trail"] or "") else ""
        digits = (match["int"] or "0").replace(",", "")
        fraction = f".{match['frac']}" if match["frac"] else ""
        return Decimal(f"{sign}{digits}{fraction}")
    if _EXPONENT_FORM.match(text):
        return Decimal(text)
    raise ValueError(f"Could not convert string to decimal: {text}.")


def read_integer_string(text: str) -> int | None:
    """The int a numeric string stands for; None for an empty string; ValueError when Xero refuses it."""
    if text == "":
        return None
    if not _INTEGER_STYLE.match(text):
        raise ValueError(f"Could not convert string to integer: {text}.")
    return int(text.strip())
