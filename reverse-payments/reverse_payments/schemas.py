"""JSON schemas of the two streams, shared by the Airbyte and Singer adapters.

They follow Xero's Payment and Invoice objects (field names as Xero spells them) plus `TenantID`; every
field is nullable and nested objects allow unknown fields, because Xero adds fields over time and a schema
that refuses them breaks syncs (tap-xero's issues #15 and #26). The reader emits only the top-level fields
listed here (an invoice's LineItems are not needed to know whether it is paid). Money is `number`, dates
ISO 8601 strings.
"""

from __future__ import annotations

from typing import Any

_S = {"type": ["null", "string"]}
_N = {"type": ["null", "number"]}
_B = {"type": ["null", "boolean"]}
_DT = {"type": ["null", "string"], "format": "date-time"}


def _obj(props: dict[str, Any]) -> dict[str, Any]:
    return {"type": ["null", "object"], "properties": props, "additionalProperties": True}


def _arr(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": ["null", "array"], "items": item}


_CONTACT = _obj({"ContactID": _S, "Name": _S, "ContactNumber": _S})
_APPLIED = _obj({"Date": _DT, "Amount": _N, "AppliedAmount": _N, "CurrencyRate": _N, "Reference": _S})
_INVOICE_REF = _obj(
    {
        "InvoiceID": _S,
        "InvoiceNumber": _S,
        "Reference": _S,
        "Type": _S,
        "Status": _S,
        "Total": _N,
        "AmountDue": _N,
        "AmountPaid": _N,
        "AmountCredited": _N,
        "FullyPaidOnDate": _DT,
        "CurrencyCode": _S,
        "CurrencyRate": _N,
        "UpdatedDateUTC": _DT,
        "Contact": _CONTACT,
    }
)

PAYMENT_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["PaymentID"],
    "additionalProperties": True,
    "properties": {
        "TenantID": {"type": "string"},
        "PaymentID": {"type": "string"},
        "Date": _DT,
        "Amount": _N,
        "BankAmount": _N,
        "CurrencyRate": _N,
        "Reference": _S,
        "IsReconciled": _B,
        "Status": _S,
        "PaymentType": _S,
        "UpdatedDateUTC": _DT,
        "HasAccount": _B,
        "HasValidationErrors": _B,
        "BatchPaymentID": _S,
        "BatchPayment": _obj({"BatchPaymentID": _S, "Date": _DT, "Reference": _S}),
        "Account": _obj({"AccountID": _S, "Code": _S}),
        "Invoice": _INVOICE_REF,
        "CreditNote": _obj({"CreditNoteID": _S, "CreditNoteNumber": _S}),
        "Prepayment": _obj({"PrepaymentID": _S}),
        "Overpayment": _obj({"OverpaymentID": _S}),
    },
}

INVOICE_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "required": ["InvoiceID"],
    "additionalProperties": True,
    "properties": {
        "TenantID": {"type": "string"},
        "InvoiceID": {"type": "string"},
        "InvoiceNumber": _S,
        "Reference": _S,
        "Type": _S,
        "Status": _S,
        "Date": _DT,
        "DueDate": _DT,
        "SubTotal": _N,
        "TotalTax": _N,
        "Total": _N,
        "AmountDue": _N,
        "AmountPaid": _N,
        "AmountCredited": _N,
        "FullyPaidOnDate": _DT,
        "CurrencyCode": _S,
        "CurrencyRate": _N,
        "UpdatedDateUTC": _DT,
        "Contact": _CONTACT,
        "LineAmountTypes": _S,
        "TotalDiscount": _N,
        "BrandingThemeID": _S,
        "Url": _S,
        "SentToContact": _B,
        "ExpectedPaymentDate": _DT,
        "PlannedPaymentDate": _DT,
        "HasAttachments": _B,
        "HasErrors": _B,
        "IsDiscounted": _B,
        "RepeatingInvoiceID": _S,
        "Payments": _arr({**_APPLIED, "properties": {**_APPLIED["properties"], "PaymentID": _S}}),
        "CreditNotes": _arr(
            {**_APPLIED, "properties": {**_APPLIED["properties"], "CreditNoteID": _S, "CreditNoteNumber": _S}}
        ),
        "Prepayments": _arr({**_APPLIED, "properties": {**_APPLIED["properties"], "PrepaymentID": _S}}),
        "Overpayments": _arr({**_APPLIED, "properties": {**_APPLIED["properties"], "OverpaymentID": _S}}),
    },
}

SCHEMAS = {"payments": PAYMENT_SCHEMA, "invoices": INVOICE_SCHEMA}
PRIMARY_KEYS = {"payments": ["TenantID", "PaymentID"], "invoices": ["TenantID", "InvoiceID"]}
