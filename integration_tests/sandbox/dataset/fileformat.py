"""Reading and writing dataset files: JSON with money as exact decimal numbers.

Money is never a float: files are parsed with `parse_float=Decimal`, and the decimal fields listed below are
normalised to `Decimal` whatever JSON type carried them (number, or a numeric string as some export tools
write), so a file written by `sandbox export` loads back equal to the dataset it was written from.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from .. import jsonmoney

# Autotask fields typed `number` (double) in the REST models, per entity. `quantity` is decimal on
# BillingItems but an integer on PurchaseOrderItems, hence the per-entity table.
_CHARGE_DECIMALS = frozenset(
    {
        "billableAmount",
        "extendedCost",
        "estimatedCost",
        "internalCurrencyBillableAmount",
        "internalCurrencyUnitPrice",
        "unitCost",
        "unitPrice",
        "unitQuantity",
    }
)
AUTOTASK_DECIMAL_FIELDS: dict[str, frozenset[str]] = {
    "Currencies": frozenset({"exchangeRate"}),
    "Taxes": frozenset({"taxRate"}),
    "BillingCodes": frozenset({"markupRate", "unitCost", "unitPrice"}),
    "Products": frozenset({"markupRate", "msrp", "unitCost", "unitPrice"}),
    "Services": frozenset({"markupRate", "unitCost", "unitPrice"}),
    "Companies": frozenset({"assetValue", "surveyCompanyRating"}),
    "Invoices": frozenset({"invoiceTotal", "totalTaxValue"}),
    "BillingItems": frozenset(
        {
            "extendedPrice",
            "internalCurrencyExtendedPrice",
            "internalCurrencyRate",
            "internalCurrencyTaxDollars",
            "internalCurrencyTotalAmount",
            "ourCost",
            "quantity",
            "rate",
            "taxDollars",
            "totalAmount",
        }
    ),
    "PurchaseOrders": frozenset({"freight", "internalCurrencyFreight"}),
    "PurchaseOrderItems": frozenset({"internalCurrencyUnitCost", "unitCost"}),
    "ContractCharges": _CHARGE_DECIMALS,
    "TicketCharges": _CHARGE_DECIMALS,
    "ProjectCharges": _CHARGE_DECIMALS,
}

# Xero decimal fields, as paths inside one record of each collection.
XERO_DECIMAL_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "TaxRates": (("EffectiveRate",), ("DisplayTaxRate",), ("TaxComponents", "Rate")),
    "Items": (
        ("SalesDetails", "UnitPrice"),
        ("PurchaseDetails", "UnitPrice"),
        ("TotalCostPool",),
        ("QuantityOnHand",),
    ),
    "Contacts": (
        ("Discount",),
        ("Balances", "AccountsReceivable", "Outstanding"),
        ("Balances", "AccountsReceivable", "Overdue"),
        ("Balances", "AccountsPayable", "Outstanding"),
        ("Balances", "AccountsPayable", "Overdue"),
    ),
}


def to_decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError(f"{where}: expected a decimal number, got {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"{where}: {value!r} is not a decimal number") from None
        if not result.is_finite():
            raise ValueError(f"{where}: {value!r} is not a finite number")
        return result
    raise ValueError(f"{where}: expected a decimal number, got {type(value).__name__}")


def dumps(data: Any, *, indent: int | None = None) -> str:
    """Serialise with Decimals as JSON numbers written exactly (`12.3400` stays `12.3400`).

    The output is a pure function of the data (no sorting surprises, no floats), so the same dataset always
    gives the same bytes.
    """
    return jsonmoney.dumps(data, indent=indent, compact=False)


def _normalise_path(record: dict[str, Any], path: tuple[str, ...], where: str) -> None:
    head, rest = path[0], path[1:]
    value = record.get(head)
    if value is None:
        return
    if not rest:
        record[head] = to_decimal(value, f"{where}.{head}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            if isinstance(child, dict):
                _normalise_path(child, rest, f"{where}.{head}[{index}]")
    elif isinstance(value, dict):
        _normalise_path(value, rest, f"{where}.{head}")


def normalise(data: Any) -> dict[str, Any]:
    """Check the top-level shape and turn every known decimal field into a Decimal, in place."""
    if not isinstance(data, dict):
        raise ValueError("dataset: the file must hold a JSON object with 'autotask' and 'xero' keys")
    unknown = sorted(set(data) - {"autotask", "xero"})
    if unknown:
        raise ValueError(f"dataset: unknown top-level keys {unknown} (expected 'autotask' and 'xero')")
    autotask = data.setdefault("autotask", {})
    xero = data.setdefault("xero", {})
    if not isinstance(autotask, dict) or not isinstance(xero, dict):
        raise ValueError("dataset: 'autotask' and 'xero' must be JSON objects")
    for entity, records in autotask.items():
        if not isinstance(records, list):
            raise ValueError(f"dataset: autotask.{entity} must be a list of records")
        fields = AUTOTASK_DECIMAL_FIELDS.get(entity, frozenset())
        for index, record in enumerate(records):
            where = f"autotask.{entity}[{index}]"
            if not isinstance(record, dict):
                raise ValueError(f"dataset: {where} must be an object")
            if not isinstance(record.get("id"), int) or isinstance(record.get("id"), bool):
                raise ValueError(f"dataset: {where} needs an integer 'id'")
            for field in fields:
                value = record.get(field)
                if value is not None:
                    record[field] = to_decimal(value, f"dataset: {where}.{field}")
    for tenant, collections in xero.items():
        if not isinstance(collections, dict):
            raise ValueError(f"dataset: xero.{tenant} must be an object of collections")
        organisation = collections.get("Organisation")
        if not isinstance(organisation, dict) or not organisation.get("OrganisationID"):
            raise ValueError(f"dataset: xero.{tenant}.Organisation must be an object with an OrganisationID")
        for collection, paths in XERO_DECIMAL_PATHS.items():
            records = collections.get(collection) or []
            if not isinstance(records, list):
                raise ValueError(f"dataset: xero.{tenant}.{collection} must be a list")
            for index, record in enumerate(records):
                for path in paths:
                    _normalise_path(record, path, f"dataset: xero.{tenant}.{collection}[{index}]")
    return data


def loads(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        raise ValueError(f"dataset: not valid JSON ({exc})") from None
    return normalise(data)


def load_file(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8-sig") as handle:
        return loads(handle.read())
