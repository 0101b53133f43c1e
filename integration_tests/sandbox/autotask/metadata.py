"""`entityInformation`, `entityInformation/fields` and `entityInformation/userDefinedFields`.

Picklist values are per-database in Autotask and only discoverable here, which is why connectors must read
labels from this endpoint. `paymentTerm` on Invoices and PurchaseOrders lists the PaymentTerms records of
the loaded dataset (value = the record id), the rest come from `picklists.py`. Picklist values are strings,
as the live API returns them.
"""

from __future__ import annotations

from typing import Any

from .catalog import BY_NAME, PAYMENT_TERM_FIELDS, EntityDef, FieldDef, static_picklist
from .store import Database, Table

WEBHOOK_ENTITIES = frozenset({"Companies", "Contacts"})


def entity_information(table: Table) -> dict[str, Any]:
    entity = table.entity

    def access(allowed: bool) -> str:
        return "All" if allowed else "None"

    return {
        "info": {
            "name": entity.singular,
            "canCreate": entity.can_create,
            "canDelete": False,
            "canQuery": True,
            "canUpdate": entity.can_update,
            "userAccessForCreate": access(entity.can_create),
            "userAccessForDelete": access(False),
            "userAccessForQuery": access(True),
            "userAccessForUpdate": access(entity.can_update),
            "hasUserDefinedFields": table.has_udfs,
            "supportsWebhookCallouts": entity.name in WEBHOOK_ENTITIES,
        }
    }


def _picklist(db: Database, entity: EntityDef, fdef: FieldDef) -> list[dict[str, Any]] | None:
    if PAYMENT_TERM_FIELDS.get(entity.name) == fdef.name:
        terms = db.table("PaymentTerms")
        return [
            _pick_value(
                str(record.id), str(record.values.get("name") or ""), position, record.values.get("isActive")
            )
            for position, record in enumerate(terms.scan())
        ]
    static = static_picklist(entity.name, fdef.name)
    if static is None:
        return None
    return [
        _pick_value(str(value), label, position, True)
        for position, (value, label) in enumerate(static.items())
    ]


def _pick_value(value: str, label: str, position: int, active: Any) -> dict[str, Any]:
    return {
        "value": value,
        "label": label,
        "isDefaultValue": False,
        "sortOrder": position,
        "parentValue": "",
        "isActive": active is not False,
        "isSystem": False,
    }


def fields(db: Database, table: Table) -> dict[str, Any]:
    entity = table.entity
    out = []
    for fdef in entity.fields:
        picklist = _picklist(db, entity, fdef)
        reference = BY_NAME[fdef.reference.lower()].singular if fdef.reference else ""
        out.append(
            {
                "name": fdef.name,
                "dataType": fdef.data_type,
                "length": fdef.length or 0,
                "isRequired": fdef.name == "id",
                "isReadOnly": fdef.read_only,
                "isQueryable": fdef.queryable,
                "isReference": fdef.reference is not None,
                "referenceEntityType": reference,
                "isPickList": picklist is not None,
                "picklistValues": picklist,
                "picklistParentValueField": "",
                "isSupportedWebhookField": entity.name in WEBHOOK_ENTITIES,
            }
        )
    return {"fields": out}


def user_defined_fields(table: Table) -> dict[str, Any]:
    if not table.has_udfs:
        return {"fields": []}
    return {
        "fields": [
            {
                "name": name,
                "label": name,
                "type": "string",
                "length": 8000,
                "description": "",
                "isRequired": False,
                "isReadOnly": True,
                "isQueryable": True,
                "isReference": False,
                "referenceEntityType": "",
                "isPickList": False,
                "picklistValues": None,
                "picklistParentValueField": "",
                "defaultValue": None,
                "isEncrypted": False,
                "isProtected": False,
                "isVisibleToClientPortal": False,
                "sortOrder": position,
            }
            for position, name in enumerate(table.udf_names)
        ]
    }
