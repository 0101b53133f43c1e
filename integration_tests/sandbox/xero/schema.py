"""Xero's request schema, built at run time from xero-python's generated models.

Why: the sandbox must reject what real Xero rejects before any business rule runs (a misspelt element,
a string where a number belongs, an enum value Xero does not know), and users install the project
without the OpenAPI files, so the schema comes from a package that installs with it. xero-python's
models carry `openapi_types` (python name -> type), `attribute_map` (python name -> JSON element) and,
for string enums, an `allowed_values` list inside each setter; enums with their own class (CurrencyCode,
LineAmountTypes, ...) are `enum.Enum` subclasses. All of it is read once and cached.

Choices where Xero's behaviour is not documented (UNCONFIRMED, picked to make sloppy clients fail here):
- every schema violation (unknown element, wrong JSON type, bad enum, malformed GUID or date) rejects the
  whole request with PostDataInvalidException, as a JSON deserialiser failure does in Xero;
- a JSON number is accepted for a string element (Xero's deserialiser converts it, e.g. AccountCode 200);
- an element whose name ends in "ID" must be a GUID (or empty), as Xero deserialises it into one;
- only ISO 8601 dates and `/Date(ms)/` are accepted (see wire.py);
- a number sent as a string is read as Json.NET reads it (json_numbers.py: `"120.0"`, `" 1,000.50 "`,
  `"96.014e-05"`; `""` is null); any other string is "Could not convert string to decimal".
"""

from __future__ import annotations

import enum
import inspect
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

_LOCK = threading.Lock()
_CACHE: dict[str, Model] = {}

GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_ALLOWED_RE = re.compile(r"allowed_values\s*=\s*\[(.*?)\]", re.S)
_STRING_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')

# Request collection (endpoint name) -> (wrapper element, model of one element).
COLLECTION_MODELS: dict[str, tuple[str, str]] = {
    "Invoices": ("Invoices", "Invoice"),
    "CreditNotes": ("CreditNotes", "CreditNote"),
    "Contacts": ("Contacts", "Contact"),
    "Items": ("Items", "Item"),
    "PurchaseOrders": ("PurchaseOrders", "PurchaseOrder"),
    "Payments": ("Payments", "Payment"),
    "Allocations": ("Allocations", "Allocation"),
    "Accounts": ("Accounts", "Account"),
    "TaxRates": ("TaxRates", "TaxRate"),
    "Currencies": ("Currencies", "Currency"),
    "TrackingCategories": ("TrackingCategories", "TrackingCategory"),
    "BrandingThemes": ("BrandingThemes", "BrandingTheme"),
    "Organisation": ("Organisations", "Organisation"),
}

# Elements whose string value must be a GUID (Xero deserialises them as System.Guid).
_GUID_SUFFIXES = ("ID",)
_NOT_GUID = frozenset({"TaxID", "TaxNumberID", "SalesTaxCodeId"})


class SchemaError(Exception):
    """The body does not deserialise into Xero's model; the message is Xero-style wording."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FieldType:
    kind: str  # "str" | "float" | "int" | "bool" | "date" | "datetime" | "enum" | "model" | "list" | "any"
    model: str | None = None
    enum_values: frozenset[str] | None = None
    item: FieldType | None = None
    guid: bool = False


@dataclass(frozen=True)
class Model:
    name: str
    fields: dict[str, FieldType]  # JSON element name -> type


def _models_module() -> Any:
    import xero_python.accounting.models as models

    return models


def _allowed_values(cls: type, attr: str) -> frozenset[str] | None:
    prop = cls.__dict__.get(attr)
    if not isinstance(prop, property) or prop.fset is None:
        return None
    try:
        source = inspect.getsource(prop.fset)
    except (OSError, TypeError):
        return None
    match = _ALLOWED_RE.search(source)
    if not match:
        return None
    values = {v for v in _STRING_RE.findall(match.group(1)) if v != "None"}
    return frozenset(values) or None


def _parse_type(type_name: str, cls: type, attr: str, element: str) -> FieldType:
    models = _models_module()
    if type_name.startswith("list[") and type_name.endswith("]"):
        inner = _parse_type(type_name[5:-1], cls, attr, element)
        return FieldType("list", item=inner)
    if type_name == "str":
        allowed = _allowed_values(cls, attr)
        guid = element.endswith(_GUID_SUFFIXES) and element not in _NOT_GUID
        if allowed:
            return FieldType("enum", enum_values=allowed)
        return FieldType("str", guid=guid)
    if type_name in ("float",):
        return FieldType("float")
    if type_name == "int":
        return FieldType("int")
    if type_name == "bool":
        return FieldType("bool")
    if type_name.startswith("date["):
        return FieldType("date")
    if type_name.startswith("datetime"):
        return FieldType("datetime")
    if type_name in ("date",):
        return FieldType("date")
    if type_name in ("object", "dict"):
        return FieldType("any")
    target = getattr(models, type_name, None)
    if isinstance(target, type) and issubclass(target, enum.Enum):
        return FieldType("enum", enum_values=frozenset(str(m.value) for m in target))
    if isinstance(target, type) and hasattr(target, "openapi_types"):
        return FieldType("model", model=type_name)
    return FieldType("any")


def model(name: str) -> Model:
    """The cached schema of one xero-python model, by class name (e.g. "Invoice")."""
    cached = _CACHE.get(name)
    if cached is not None:
        return cached
    with _LOCK:
        cached = _CACHE.get(name)
        if cached is not None:
            return cached
        cls = getattr(_models_module(), name)
        fields: dict[str, FieldType] = {}
        for attr, type_name in cls.openapi_types.items():
            element = cls.attribute_map[attr]
            fields[element] = _parse_type(type_name, cls, attr, element)
        built = Model(name, fields)
        _CACHE[name] = built
        return built


def element_names(model_name: str) -> set[str]:
    return set(model(model_name).fields)


def _path(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _type_label(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, (int, float, Decimal)):
        return "Number"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, dict):
        return "Object"
    return "Null"


def _invalid(detail: str, path: str) -> SchemaError:
    return SchemaError(f"JSON for post data was invalid,{detail} Path '{path}'.")


def _check_date(value: Any, path: str) -> None:
    if not isinstance(value, str):
        raise _invalid(f"Could not convert {_type_label(value)} to DateTime.", path)
    from .wire import parse_datetime_any

    try:
        parse_datetime_any(value)
    except ValueError:
        raise _invalid(f"Could not convert string to DateTime: {value}.", path) from None


def _check_number_string(value: str, kind: str, path: str) -> None:
    """A number sent as a string passes where Json.NET would read it (see json_numbers.py)."""
    from .json_numbers import read_decimal_string, read_integer_string

    try:
        if kind == "int":
            read_integer_string(value)
        else:
            read_decimal_string(value)
    except ValueError as exc:
        raise _invalid(str(exc), path) from None


def check_value(ftype: FieldType, value: Any, path: str) -> None:
    if value is None:
        return
    kind = ftype.kind
    if kind == "any":
        return
    if kind == "str":
        if isinstance(value, (dict, list)):
            raise _invalid(f"Unexpected {_type_label(value)} when reading a string value.", path)
        if ftype.guid and (not isinstance(value, str) or (value and not GUID_RE.match(value))):
            raise _invalid(f"Error converting value \"{value}\" to type 'System.Guid'.", path)
        return
    if kind == "float" or kind == "int":
        if isinstance(value, str):
            _check_number_string(value, kind, path)
            return
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise _invalid(f"Unexpected {_type_label(value)} when reading a number.", path)
        if kind == "int" and Decimal(str(value)) != Decimal(str(value)).to_integral_value():
            raise _invalid(f"Input string '{value}' is not a valid integer.", path)
        return
    if kind == "bool":
        if not isinstance(value, bool):
            raise _invalid(f"Could not convert {_type_label(value)} to Boolean: {value}.", path)
        return
    if kind in ("date", "datetime"):
        _check_date(value, path)
        return
    if kind == "enum":
        assert ftype.enum_values is not None
        if not isinstance(value, str) or value not in ftype.enum_values:
            raise _invalid(f'Error converting value "{value}" to an allowed value of this element.', path)
        return
    if kind == "list":
        if not isinstance(value, list):
            raise _invalid(f"Expected an array but found {_type_label(value)}.", path)
        assert ftype.item is not None
        for index, entry in enumerate(value):
            check_value(ftype.item, entry, _path(path, index))
        return
    if kind == "model":
        assert ftype.model is not None
        check_object(ftype.model, value, path)


def check_object(model_name: str, value: Any, path: str) -> None:
    """Raise SchemaError unless `value` deserialises into `model_name` (recursively)."""
    if not isinstance(value, dict):
        raise _invalid(f"Expected an object but found {_type_label(value)}.", path)
    fields = model(model_name).fields
    for key, entry in value.items():
        ftype = fields.get(key)
        if ftype is None:
            raise SchemaError(f"The element '{key}' was not recognised. Path '{_path(path, key)}'.")
        check_value(ftype, entry, _path(path, key))


def check_body(collection: str, body: Any) -> list[dict[str, Any]]:
    """Validate a PUT/POST body for `collection`; return its elements.

    Raises SchemaError for a body that does not deserialise, LookupError (message ready) for a body with
    no elements (NoDataProcessedException in Xero).
    """
    wrapper, element_model = COLLECTION_MODELS[collection]
    singular = element_model
    if not isinstance(body, dict):
        if isinstance(body, list):
            elements: Any = body
        else:
            raise SchemaError("JSON for post data was invalid,Unexpected content in the request body.")
    else:
        if wrapper in body:
            extra = [k for k in body if k != wrapper]
            if extra:
                raise SchemaError(f"The element '{extra[0]}' was not recognised. Path '{extra[0]}'.")
            elements = body[wrapper]
        elif not body:
            elements = []
        elif set(body) <= set(model(element_model).fields):
            # Xero accepts a single element sent without the collection wrapper.
            elements = [body]
        else:
            unknown = next(k for k in body if k not in model(element_model).fields)
            raise SchemaError(f"The element '{unknown}' was not recognised. Path '{unknown}'.")
    if elements is None:
        elements = []
    if not isinstance(elements, list):
        raise _invalid(f"Expected an array but found {_type_label(elements)}.", wrapper)
    for index, element in enumerate(elements):
        check_object(element_model, element, f"{wrapper}[{index}]")
    if not elements:
        raise LookupError(
            "No data has been processed for this endpoint. This endpoint is expecting "
            f"{singular} data to be specifed in the request body."
        )
    return elements
